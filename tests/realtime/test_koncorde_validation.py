# -*- test-case-name: tests.realtime.test_koncorde_validation -*-
"""
Malformed filters are refused with Koncorde 4's messages
(``"<filter path>": <reason>``), which Kuzzle returns as
``api.assert.koncorde_dsl_error`` (kuzzle-api.md §6.1). The geo keywords are
checked in `test_koncorde_geo`.
"""

from __future__ import annotations

from typing import Any

from twisted.trial.unittest import SynchronousTestCase

from kuzzle_tx.realtime.koncorde import Koncorde, KoncordeError


class ValidationTests(SynchronousTestCase):
    def assertRefused(self, filters: Any, message: str) -> KoncordeError:
        koncorde = Koncorde()
        error = self.assertRaises(KoncordeError, koncorde.validate, filters)
        self.assertEqual(str(error), message)
        again = self.assertRaises(KoncordeError, koncorde.normalize, "i", "c", filters)
        self.assertEqual(str(again), message)
        return error

    def test_error_is_value_error(self) -> None:
        """`KoncordeError` is a ValueError carrying the keyword and the path."""
        error = self.assertRefused(
            {"equals": {"a": []}},
            '"equals.a": must either be a string, a number, a boolean, or null',
        )
        self.assertIsInstance(error, ValueError)
        self.assertEqual(error.keyword, "equals")
        self.assertEqual(error.path, "equals.a")

    def test_one_keyword(self) -> None:
        """A filter object holds exactly one keyword, a known one."""
        self.assertRefused(
            {"equals": {"a": 1}, "exists": "a"},
            "Invalid filter syntax. Filters must have one keyword only",
        )
        self.assertRefused({"term": {"a": 1}}, '"term": unknown keyword')
        self.assertRefused({"and": [{"foo": 1}]}, '"and.foo": unknown keyword')
        self.assertRefused(
            {"or": [{"exists": "a", "missing": "b"}]},
            '"or": Invalid filter syntax. Filters must have one keyword only',
        )
        self.assertRefused(["equals"], "must be an object")

    def test_valid_filters(self) -> None:
        """Well-formed filters, empty ones included, pass."""
        koncorde = Koncorde()
        for filters in (None, {}, {"equals": {"a": None}}, {"not": {"exists": "a[1]"}}):
            koncorde.validate(filters)

    def test_equals(self) -> None:
        """``equals`` takes one field and a scalar."""
        self.assertRefused({"equals": "a"}, '"equals": must be an object')
        self.assertRefused(
            {"equals": {}}, '"equals": expected object to have exactly 1 property, got 0'
        )
        self.assertRefused(
            {"equals": {"a": 1, "b": 2}},
            '"equals": expected object to have exactly 1 property, got 2',
        )
        self.assertRefused(
            {"equals": {"a": {"b": 1}}},
            '"equals.a": must either be a string, a number, a boolean, or null',
        )

    def test_in(self) -> None:
        """``in`` takes one field and a non-empty array of strings."""
        self.assertRefused({"in": {"a": "b"}}, '"in.a": must be an array')
        self.assertRefused({"in": {"a": []}}, '"in.a": cannot be empty')
        self.assertRefused(
            {"in": {"a": ["b", 1]}}, '"in.a": must hold only values of type "string"'
        )
        self.assertRefused(
            {"in": {"a": ["b"], "c": ["d"]}},
            '"in": expected object to have exactly 1 property, got 2',
        )

    def test_ids(self) -> None:
        """``ids`` takes ``values``, a non-empty array of strings."""
        self.assertRefused({"ids": {"value": ["a"]}}, '"ids": the property "values" is missing')
        self.assertRefused({"ids": {"values": "a"}}, '"ids.values": must be an array')
        self.assertRefused({"ids": {"values": []}}, '"ids.values": cannot be empty')
        self.assertRefused(
            {"ids": {"values": [1]}}, '"ids.values": must hold only values of type "string"'
        )

    def test_exists(self) -> None:
        """``exists`` and ``missing`` take a field path (or the legacy ``{field}``)."""
        self.assertRefused({"exists": ""}, '"exists": cannot test empty field name')
        self.assertRefused({"missing": ""}, '"missing": cannot test empty field name')
        self.assertRefused({"exists": 42}, '"exists": must be an object')
        self.assertRefused(
            {"exists": {"fields": "a"}}, '"exists": the property "field" is missing'
        )
        self.assertRefused({"exists": {"field": 1}}, '"exists.field": must be a string')
        self.assertRefused({"missing": {"field": ""}}, '"missing.field": cannot be empty')
        self.assertRefused(
            {"exists": "tags[blue]"}, '"exists": contains an invalid array value ("blue")'
        )

    def test_range(self) -> None:
        """``range`` takes numeric bounds, at most one of each side, low below high."""
        self.assertRefused({"range": {"a": 1}}, '"range.a": must be an object')
        self.assertRefused({"range": {"a": {}}}, '"range.a": must be a non-empty object')
        self.assertRefused(
            {"range": {"a": {"gte": 1, "from": 2}}},
            '"range.a": "from" is not an allowed attribute (allowed: gt,gte,lt,lte)',
        )
        self.assertRefused({"range": {"a": {"gt": "1"}}}, '"range.a.gt": must be a number')
        self.assertRefused({"range": {"a": {"lt": True}}}, '"range.a.lt": must be a number')
        self.assertRefused(
            {"range": {"a": {"gt": 1, "gte": 2}}}, '"range.a": only 1 lower boundary allowed'
        )
        self.assertRefused(
            {"range": {"a": {"lt": 1, "lte": 2}}}, '"range.a": only 1 upper boundary allowed'
        )
        self.assertRefused(
            {"range": {"a": {"gt": 2, "lt": 2}}},
            '"range.a": lower boundary must be strictly inferior to the upper one',
        )

    def test_regexp(self) -> None:
        """``regexp`` takes a pattern string or ``{value, flags}``, which must compile."""
        self.assertRefused(
            {"regexp": {"a": 1}}, '"regexp.a": must be either a string or a non-empty object'
        )
        self.assertRefused({"regexp": {"a": {}}}, '"regexp.a": must be a non-empty object')
        self.assertRefused(
            {"regexp": {"a": {"flags": "i"}}}, '"regexp.a": the property "value" is missing'
        )
        self.assertRefused(
            {"regexp": {"a": {"value": "x", "flag": "i"}}},
            '"regexp.a": "flag" is not an allowed attribute (allowed: flags,value)',
        )
        self.assertRefused(
            {"regexp": {"a": {"value": "x", "flags": 3}}}, '"regexp.a.flags": must be a string'
        )
        self.assertRefused(
            {"regexp": {"a": {"value": "x", "flags": "q"}}},
            '"regexp.a": cannot parse regexp expression "/x/q" '
            "(Invalid flags supplied to RegExp constructor 'q')",
        )
        error = self.assertRaises(KoncordeError, Koncorde().validate, {"regexp": {"a": "(x"}})
        self.assertTrue(
            str(error).startswith('"regexp.a": cannot parse regexp expression "/(x/undefined" (')
        )

    def test_match(self) -> None:
        """``match`` takes a non-empty object."""
        self.assertRefused({"match": []}, '"match": must be an object')
        self.assertRefused({"match": {}}, '"match": must be a non-empty object')

    def test_select(self) -> None:
        """``select`` takes exactly ``field``, an integer ``index`` and a ``query`` filter."""
        query = {"equals": {"value": 1}}
        self.assertRefused(
            {"select": {"field": "a", "index": 0}},
            '"select": expected object to have exactly 3 properties, got 2',
        )
        self.assertRefused(
            {"select": {"field": 1, "index": 0, "query": query}},
            '"select.field": must be a string',
        )
        self.assertRefused(
            {"select": {"field": "a", "index": "0", "query": query}},
            '"select.index": must be an integer',
        )
        self.assertRefused(
            {"select": {"field": "a", "index": 1.5, "query": query}},
            '"select.index": cannot have decimals, must be an integer',
        )
        self.assertRefused(
            {"select": {"field": "a", "index": 0, "query": {}}},
            '"select.query": must be a non-empty object',
        )
        self.assertRefused(
            {"select": {"field": "a", "index": 0, "query": {"equals": {"value": []}}}},
            '"select.query.equals.value": must either be a string, a number, a boolean, or null',
        )

    def test_and_or(self) -> None:
        """``and`` and ``or`` take a non-empty array of non-empty objects."""
        self.assertRefused({"and": {}}, '"and": must be an array')
        self.assertRefused({"or": []}, '"or": cannot be empty')
        self.assertRefused({"and": [{}]}, '"and": can only contain non-empty objects')
        self.assertRefused({"or": [[]]}, '"or": can only contain non-empty objects')
        self.assertRefused(
            {"and": [{"or": [{"equals": {"a": [1]}}]}]},
            '"and.or.equals.a": must either be a string, a number, a boolean, or null',
        )

    def test_not(self) -> None:
        """``not`` takes one filter."""
        self.assertRefused({"not": []}, '"not": must be an object')
        self.assertRefused({"not": {}}, '"not": expected object to have exactly 1 property, got 0')
        self.assertRefused(
            {"not": {"range": {"a": {}}}}, '"not.range.a": must be a non-empty object'
        )

    def test_bool(self) -> None:
        """``bool`` takes only must / must_not / should / should_not (no ``filter``)."""
        self.assertRefused({"bool": {}}, '"bool": must be a non-empty object')
        self.assertRefused(
            {"bool": {"filter": [{"exists": "a"}]}},
            '"bool": "filter" is not an allowed attribute '
            "(allowed: must,must_not,should,should_not)",
        )
        self.assertRefused({"bool": {"must": []}}, '"bool.and": cannot be empty')
        self.assertRefused({"bool": {"must_not": []}}, '"bool.and.not.or": cannot be empty')
        self.assertRefused({"bool": {"should": "a"}}, '"bool.and.or": must be an array')

    def test_condition_limit(self) -> None:
        """Over ``max_conditions`` is "Filter too complex"; an ``in`` counts its values."""
        koncorde = Koncorde(max_conditions=3)
        koncorde.validate({"in": {"a": ["1", "2", "3"]}})
        koncorde.validate(
            {"and": [{"exists": "a"}, {"not": {"or": [{"exists": "b"}, {"exists": "c"}]}}]}
        )
        error = self.assertRaises(
            KoncordeError, koncorde.normalize, "i", "c", {"in": {"a": ["1", "2", "3", "4"]}}
        )
        self.assertEqual(
            str(error),
            "Filter too complex: exceeds the configured maximum number of conditions "
            "(conditions: 4, max: 3)",
        )
        self.assertRaises(
            KoncordeError,
            koncorde.validate,
            {
                "bool": {
                    "must": [{"exists": "a"}, {"exists": "b"}],
                    "should": [{"ids": {"values": ["x", "y"]}}],
                }
            },
        )

    def test_default_condition_limit(self) -> None:
        """The default is ``limits.subscriptionConditionsCount`` (100); 0 lifts the limit."""
        values = [str(n) for n in range(100)]
        Koncorde().validate({"in": {"a": values}})
        self.assertRaises(KoncordeError, Koncorde().validate, {"in": {"a": [*values, "x"]}})
        Koncorde(max_conditions=0).validate({"in": {"a": [*values, "x"]}})

    def test_normalized_form_limit(self) -> None:
        """A filter whose normalized form explodes is "Filter too complex" too."""
        filters = {"and": [{"in": {f"f{n}": ["a", "b", "c"]}} for n in range(10)]}
        error = self.assertRaises(
            KoncordeError, Koncorde(max_conditions=0).normalize, "i", "c", filters
        )
        self.assertTrue(str(error).startswith("Filter too complex"))
