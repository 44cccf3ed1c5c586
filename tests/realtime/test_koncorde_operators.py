# -*- test-case-name: tests.realtime.test_koncorde_operators -*-
"""
What each Koncorde keyword matches (kuzzle-api.md §6.1, §6.2), negated or
not. Every check also compares the indexed matching with a plain evaluation
of the filter (see `koncorde_support.matches`).

The geo keywords are in `test_koncorde_geo`.
"""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from kuzzle_tx.realtime.koncorde import Koncorde, KoncordeError
from kuzzle_tx.realtime.koncorde.regexps import HAVE_RE2

from .koncorde_support import matches


class EverythingTests(SynchronousTestCase):
    def test_empty_filter(self) -> None:
        """An empty filter, or no filter at all, matches every document."""
        self.assertTrue(matches({}, {}))
        self.assertTrue(matches({}, {"a": 1}))
        self.assertTrue(matches(None, {"a": [1, {"b": 2}]}))

    def test_nothing(self) -> None:
        """The internal ``nothing`` keyword matches nothing; its negation everything."""
        self.assertFalse(matches({"nothing": True}, {"a": 1}))
        self.assertTrue(matches({"not": {"nothing": {}}}, {"a": 1}))


class EqualsTests(SynchronousTestCase):
    def test_strings(self) -> None:
        """``equals`` matches the same string only."""
        self.assertTrue(matches({"equals": {"name": "Ada"}}, {"name": "Ada"}))
        self.assertFalse(matches({"equals": {"name": "Ada"}}, {"name": "ada"}))
        self.assertFalse(matches({"equals": {"name": "Ada"}}, {"other": "Ada"}))

    def test_strict_types(self) -> None:
        """No coercion: ``1`` is ``1.0`` (one JSON number) but neither ``"1"`` nor ``true``."""
        self.assertTrue(matches({"equals": {"n": 1}}, {"n": 1.0}))
        self.assertTrue(matches({"equals": {"n": 1.0}}, {"n": 1}))
        self.assertFalse(matches({"equals": {"n": 1}}, {"n": "1"}))
        self.assertFalse(matches({"equals": {"n": 1}}, {"n": True}))
        self.assertFalse(matches({"equals": {"n": True}}, {"n": 1}))
        self.assertTrue(matches({"equals": {"n": False}}, {"n": False}))
        self.assertFalse(matches({"equals": {"n": 0}}, {"n": False}))

    def test_null(self) -> None:
        """``equals`` null matches a null field, not an absent one."""
        self.assertTrue(matches({"equals": {"n": None}}, {"n": None}))
        self.assertFalse(matches({"equals": {"n": None}}, {}))

    def test_arrays_and_objects_never_equal(self) -> None:
        """An array holding the value, or an object, never equals a scalar."""
        self.assertFalse(matches({"equals": {"tags": "a"}}, {"tags": ["a"]}))
        self.assertFalse(matches({"equals": {"obj": "a"}}, {"obj": {"a": "a"}}))

    def test_nested_path(self) -> None:
        """A dotted path reaches into objects."""
        document = {"name": {"first": "Grace", "last": "Hopper"}}
        self.assertTrue(matches({"equals": {"name.last": "Hopper"}}, document))
        self.assertFalse(matches({"equals": {"name.last": "Grace"}}, document))
        self.assertTrue(matches({"equals": {"a.b.c": 1}}, {"a": {"b": {"c": 1}}}))

    def test_paths_do_not_traverse_arrays(self) -> None:
        """Paths go through objects only: ``a.b`` does not reach into ``a: [{b}]``."""
        self.assertFalse(matches({"equals": {"a.b": 1}}, {"a": [{"b": 1}]}))
        self.assertFalse(matches({"equals": {"a.0": 1}}, {"a": [1]}))

    def test_dotted_key(self) -> None:
        """A document key containing a dot is reachable by the same path."""
        self.assertTrue(matches({"equals": {"a.b": 1}}, {"a.b": 1}))

    def test_not_equals(self) -> None:
        """``not equals`` matches a different value and a document without the field."""
        self.assertFalse(matches({"not": {"equals": {"a": 1}}}, {"a": 1}))
        self.assertTrue(matches({"not": {"equals": {"a": 1}}}, {"a": 2}))
        self.assertTrue(matches({"not": {"equals": {"a": 1}}}, {"b": 1}))
        self.assertTrue(matches({"not": {"equals": {"a": 1}}}, {}))

    def test_document_id(self) -> None:
        """``_id`` is the given document id, whatever the document holds."""
        self.assertTrue(matches({"equals": {"_id": "x"}}, {"a": 1}, "x"))
        self.assertFalse(matches({"equals": {"_id": "x"}}, {"a": 1}, "y"))
        self.assertFalse(matches({"equals": {"_id": "x"}}, {"a": 1}))


class InAndIdsTests(SynchronousTestCase):
    def test_in(self) -> None:
        """``in`` matches any of the listed strings."""
        filters = {"in": {"city": ["Paris", "London"]}}
        self.assertTrue(matches(filters, {"city": "Paris"}))
        self.assertTrue(matches(filters, {"city": "London"}))
        self.assertFalse(matches(filters, {"city": "Rome"}))
        self.assertFalse(matches(filters, {}))

    def test_not_in(self) -> None:
        """``not in`` matches other values and absent fields."""
        filters = {"not": {"in": {"city": ["Paris", "London"]}}}
        self.assertFalse(matches(filters, {"city": "Paris"}))
        self.assertTrue(matches(filters, {"city": "Rome"}))
        self.assertTrue(matches(filters, {}))

    def test_ids(self) -> None:
        """``ids`` matches documents whose id is listed."""
        filters = {"ids": {"values": ["a", "b"]}}
        self.assertTrue(matches(filters, {}, "a"))
        self.assertTrue(matches(filters, {"x": 1}, "b"))
        self.assertFalse(matches(filters, {}, "c"))
        self.assertFalse(matches(filters, {}))


class ExistsTests(SynchronousTestCase):
    def test_field(self) -> None:
        """``exists`` matches a present field, even null, false or an object."""
        self.assertTrue(matches({"exists": "a"}, {"a": None}))
        self.assertTrue(matches({"exists": "a"}, {"a": False}))
        self.assertTrue(matches({"exists": "a"}, {"a": {"b": 1}}))
        self.assertFalse(matches({"exists": "a"}, {"b": 1}))

    def test_nested(self) -> None:
        """``exists`` follows dotted paths through objects, not arrays."""
        self.assertTrue(matches({"exists": "a.b"}, {"a": {"b": None}}))
        self.assertFalse(matches({"exists": "a.b"}, {"a": {"c": 1}}))
        self.assertFalse(matches({"exists": "a.b"}, {"a": 1}))
        self.assertFalse(matches({"exists": "a.b"}, {"a": [{"b": 1}]}))

    def test_legacy_syntax(self) -> None:
        """``{exists: {field: <path>}}`` is the same test."""
        self.assertTrue(matches({"exists": {"field": "a.b"}}, {"a": {"b": 1}}))
        self.assertFalse(matches({"exists": {"field": "a.b"}}, {"a": {}}))

    def test_array_value(self) -> None:
        """``path[<JSON scalar>]`` matches an array holding that exact scalar."""
        self.assertTrue(matches({"exists": 'tags["blue"]'}, {"tags": ["red", "blue"]}))
        self.assertFalse(matches({"exists": 'tags["blue"]'}, {"tags": ["red"]}))
        self.assertFalse(matches({"exists": 'tags["blue"]'}, {"tags": "blue"}))
        self.assertFalse(matches({"exists": 'tags["blue"]'}, {}))
        self.assertTrue(matches({"exists": "n[3]"}, {"n": [1, 3.0]}))
        self.assertFalse(matches({"exists": "n[3]"}, {"n": ["3"]}))
        self.assertTrue(matches({"exists": "x[null]"}, {"x": [None]}))
        self.assertTrue(matches({"exists": "x[true]"}, {"x": [True]}))
        self.assertFalse(matches({"exists": "x[true]"}, {"x": [1]}))
        self.assertTrue(matches({"exists": 'a.b["c"]'}, {"a": {"b": ["c"]}}))

    def test_escaped_brackets(self) -> None:
        """Escaped brackets are part of the field name, not an array value."""
        self.assertTrue(matches({"exists": "a\\[b\\]"}, {"a[b]": 1}))
        self.assertFalse(matches({"exists": "a\\[b\\]"}, {"a": ["b"]}))

    def test_not_exists(self) -> None:
        """``not exists`` matches documents without the field (including nested ones)."""
        self.assertTrue(matches({"not": {"exists": "a.b"}}, {"a": 1}))
        self.assertTrue(matches({"not": {"exists": "a.b"}}, {}))
        self.assertFalse(matches({"not": {"exists": "a.b"}}, {"a": {"b": None}}))

    def test_missing(self) -> None:
        """``missing`` is ``not exists``; its array form also matches non-arrays and absence."""
        self.assertTrue(matches({"missing": "a"}, {"b": 1}))
        self.assertFalse(matches({"missing": "a"}, {"a": None}))
        self.assertTrue(matches({"missing": {"field": "a"}}, {}))
        self.assertTrue(matches({"missing": 'tags["blue"]'}, {"tags": ["red"]}))
        self.assertTrue(matches({"missing": 'tags["blue"]'}, {"tags": "blue"}))
        self.assertTrue(matches({"missing": 'tags["blue"]'}, {}))
        self.assertFalse(matches({"missing": 'tags["blue"]'}, {"tags": ["blue"]}))

    def test_not_missing(self) -> None:
        """A double negation of ``exists`` is ``exists``."""
        self.assertTrue(matches({"not": {"missing": "a"}}, {"a": 1}))
        self.assertFalse(matches({"not": {"missing": "a"}}, {}))


class RangeTests(SynchronousTestCase):
    def test_inclusive_bounds(self) -> None:
        """``gte`` and ``lte`` include their bounds."""
        filters = {"range": {"age": {"gte": 18, "lte": 65}}}
        self.assertTrue(matches(filters, {"age": 18}))
        self.assertTrue(matches(filters, {"age": 65.0}))
        self.assertTrue(matches(filters, {"age": 40.5}))
        self.assertFalse(matches(filters, {"age": 17.999}))
        self.assertFalse(matches(filters, {"age": 66}))

    def test_exclusive_bounds(self) -> None:
        """``gt`` and ``lt`` exclude their bounds, exactly (no epsilon)."""
        filters = {"range": {"x": {"gt": 0, "lt": 1}}}
        self.assertFalse(matches(filters, {"x": 0}))
        self.assertTrue(matches(filters, {"x": 1e-12}))
        self.assertTrue(matches(filters, {"x": 0.999999999999}))
        self.assertFalse(matches(filters, {"x": 1}))

    def test_half_bounded(self) -> None:
        """A single bound makes a half-bounded range."""
        self.assertTrue(matches({"range": {"x": {"gt": -5}}}, {"x": 1e300}))
        self.assertFalse(matches({"range": {"x": {"gt": -5}}}, {"x": -5}))
        self.assertTrue(matches({"range": {"x": {"lte": -5}}}, {"x": -5}))
        self.assertFalse(matches({"range": {"x": {"lt": -5}}}, {"x": -5}))

    def test_numbers_only(self) -> None:
        """Strings, booleans, null and arrays are never in a range."""
        filters = {"range": {"x": {"gte": 0, "lte": 10}}}
        self.assertFalse(matches(filters, {"x": "5"}))
        self.assertFalse(matches(filters, {"x": True}))
        self.assertFalse(matches(filters, {"x": None}))
        self.assertFalse(matches(filters, {"x": [5]}))
        self.assertFalse(matches(filters, {}))

    def test_not_range(self) -> None:
        """``not range`` matches numbers outside, non-numbers and absent fields."""
        filters = {"not": {"range": {"x": {"gte": 0, "lt": 10}}}}
        self.assertFalse(matches(filters, {"x": 0}))
        self.assertTrue(matches(filters, {"x": 10}))
        self.assertTrue(matches(filters, {"x": -1}))
        self.assertTrue(matches(filters, {"x": "5"}))
        self.assertTrue(matches(filters, {}))

    def test_nested(self) -> None:
        """Ranges follow dotted paths."""
        self.assertTrue(matches({"range": {"a.b": {"lt": 3}}}, {"a": {"b": 2}}))


class RegexpTests(SynchronousTestCase):
    def test_search(self) -> None:
        """The pattern is searched anywhere in the string (not anchored)."""
        self.assertTrue(matches({"regexp": {"name": "ac"}}, {"name": "Grace"}))
        self.assertTrue(matches({"regexp": {"name": "^G\\w+e$"}}, {"name": "Grace"}))
        self.assertFalse(matches({"regexp": {"name": "^race"}}, {"name": "Grace"}))

    def test_object_form(self) -> None:
        """``{value, flags}``: ``i`` ignores case."""
        self.assertTrue(matches({"regexp": {"n": {"value": "^g\\w+"}}}, {"n": "grace"}))
        self.assertFalse(matches({"regexp": {"n": {"value": "^g\\w+"}}}, {"n": "Grace"}))
        filters = {"regexp": {"n": {"value": "^g\\w+", "flags": "i"}}}
        self.assertTrue(matches(filters, {"n": "Grace"}))

    def test_multiline_and_dotall_flags(self) -> None:
        """``m`` anchors ``^``/``$`` at lines; ``s`` lets ``.`` match newlines."""
        text = {"t": "first\nsecond"}
        self.assertFalse(matches({"regexp": {"t": "^second"}}, text))
        self.assertTrue(matches({"regexp": {"t": {"value": "^second", "flags": "m"}}}, text))
        self.assertFalse(matches({"regexp": {"t": "first.second"}}, text))
        self.assertTrue(matches({"regexp": {"t": {"value": "first.second", "flags": "s"}}}, text))

    def test_sticky_and_global_flags(self) -> None:
        """``y`` anchors at the start; ``g`` changes nothing to a test."""
        self.assertFalse(matches({"regexp": {"t": {"value": "b", "flags": "y"}}}, {"t": "ab"}))
        self.assertTrue(matches({"regexp": {"t": {"value": "a", "flags": "y"}}}, {"t": "ab"}))
        for _ in range(2):
            self.assertTrue(matches({"regexp": {"t": {"value": "a", "flags": "g"}}}, {"t": "a"}))

    def test_strings_only(self) -> None:
        """Only strings are tested: a number is not its decimal text."""
        self.assertFalse(matches({"regexp": {"n": "4"}}, {"n": 42}))
        self.assertFalse(matches({"regexp": {"n": "4"}}, {"n": ["4"]}))
        self.assertTrue(matches({"not": {"regexp": {"n": "4"}}}, {"n": 42}))
        self.assertTrue(matches({"not": {"regexp": {"n": "4"}}}, {}))
        self.assertFalse(matches({"not": {"regexp": {"n": "4"}}}, {"n": "x4"}))

    def test_re2_rejects_lookaround(self) -> None:
        """RE2 refuses look-around, with a Koncorde parse error."""
        if not HAVE_RE2:
            raise self.skipTest("google-re2 is not installed")
        koncorde = Koncorde(regexp_engine="re2")
        error = self.assertRaises(KoncordeError, koncorde.validate, {"regexp": {"f": "a(?=b)"}})
        self.assertEqual(
            str(error),
            '"regexp.f": cannot parse regexp expression "/a(?=b)/undefined" '
            "(invalid perl operator: (?=)",
        )

    def test_python_engine_accepts_lookaround(self) -> None:
        """The ``python`` engine accepts Python's syntax (a superset of RE2's)."""
        filters = {"regexp": {"f": "a(?=b)"}}
        self.assertTrue(matches(filters, {"f": "ab"}, engine="python"))
        self.assertFalse(matches(filters, {"f": "ac"}, engine="python"))

    def test_python_engine_flags(self) -> None:
        """The ``python`` engine honours the same flags."""
        filters = {"regexp": {"n": {"value": "^G.a", "flags": "is"}}}
        self.assertTrue(matches(filters, {"n": "g\nace"}, engine="python"))


class MatchTests(SynchronousTestCase):
    def test_subset(self) -> None:
        """``match`` matches documents containing the given fields and values."""
        filters = {"match": {"name": "Ada", "age": 36}}
        self.assertTrue(matches(filters, {"name": "Ada", "age": 36, "city": "London"}))
        self.assertFalse(matches(filters, {"name": "Ada", "age": 37}))
        self.assertFalse(matches(filters, {"name": "Ada"}))

    def test_nested_objects(self) -> None:
        """Objects match recursively, key by key."""
        filters = {"match": {"name": {"first": "Grace"}}}
        self.assertTrue(matches(filters, {"name": {"first": "Grace", "last": "Hopper"}}))
        self.assertFalse(matches(filters, {"name": {"last": "Hopper"}}))
        self.assertTrue(matches({"match": {"name.first": "Grace"}}, {"name": {"first": "Grace"}}))

    def test_arrays(self) -> None:
        """Each expected element matches a distinct element of the document's array."""
        self.assertTrue(matches({"match": {"t": ["b", "a"]}}, {"t": ["a", "b", "c"]}))
        self.assertFalse(matches({"match": {"t": ["a", "a"]}}, {"t": ["a", "b"]}))
        self.assertTrue(matches({"match": {"t": [{"x": 1}]}}, {"t": [{"x": 1, "y": 2}]}))
        self.assertFalse(matches({"match": {"t": ["a"]}}, {"t": "a"}))
        self.assertFalse(matches({"match": {"t": {"0": "a"}}}, {"t": ["a"]}))

    def test_types(self) -> None:
        """Types must agree: null only matches null, 1 is not true."""
        self.assertTrue(matches({"match": {"n": None}}, {"n": None}))
        self.assertFalse(matches({"match": {"n": None}}, {"n": {}}))
        self.assertFalse(matches({"match": {"n": {}}}, {"n": None}))
        self.assertFalse(matches({"match": {"n": 1}}, {"n": True}))
        self.assertTrue(matches({"match": {"n": 1}}, {"n": 1.0}))

    def test_not_match(self) -> None:
        """``not match`` is its complement."""
        self.assertTrue(matches({"not": {"match": {"a": 1}}}, {"a": 2}))
        self.assertFalse(matches({"not": {"match": {"a": 1}}}, {"a": 1}))


class SelectTests(SynchronousTestCase):
    def test_index(self) -> None:
        """``select`` tests one element of an array as ``value``."""
        filters = {"select": {"field": "t", "index": 1, "query": {"equals": {"value": "b"}}}}
        self.assertTrue(matches(filters, {"t": ["a", "b"]}))
        self.assertFalse(matches(filters, {"t": ["b", "a"]}))

    def test_negative_index(self) -> None:
        """A negative index counts from the end."""
        filters = {"select": {"field": "t", "index": -1, "query": {"equals": {"value": "z"}}}}
        self.assertTrue(matches(filters, {"t": ["a", "z"]}))
        self.assertFalse(matches(filters, {"t": ["z", "a"]}))

    def test_out_of_bounds_or_not_an_array(self) -> None:
        """Out-of-bounds indexes and non-arrays never match; ``not select`` then does."""
        filters = {"select": {"field": "t", "index": 5, "query": {"exists": "value"}}}
        self.assertFalse(matches(filters, {"t": ["a"]}))
        self.assertFalse(matches(filters, {"t": "abcdef"}))
        self.assertTrue(matches({"not": filters}, {"t": ["a"]}))
        self.assertTrue(matches({"not": filters}, {}))

    def test_nested_query(self) -> None:
        """The query sees the element's own fields under ``value.``."""
        query = {"and": [{"range": {"value.age": {"gt": 30}}}, {"not": {"exists": "value.x"}}]}
        filters = {"select": {"field": "people", "index": 0, "query": query}}
        self.assertTrue(matches(filters, {"people": [{"age": 31}]}))
        self.assertFalse(matches(filters, {"people": [{"age": 31, "x": 1}]}))
        self.assertFalse(matches(filters, {"people": [{"age": 30}]}))


class OperandTests(SynchronousTestCase):
    def test_and_or(self) -> None:
        """``and`` needs every term, ``or`` one of them."""
        both = {"and": [{"equals": {"a": 1}}, {"equals": {"b": 2}}]}
        either = {"or": [{"equals": {"a": 1}}, {"equals": {"b": 2}}]}
        self.assertTrue(matches(both, {"a": 1, "b": 2}))
        self.assertFalse(matches(both, {"a": 1, "b": 3}))
        self.assertTrue(matches(either, {"a": 1, "b": 3}))
        self.assertFalse(matches(either, {"a": 0, "b": 3}))

    def test_not_and(self) -> None:
        """``not and`` matches when one term fails (De Morgan)."""
        filters = {"not": {"and": [{"equals": {"a": 1}}, {"equals": {"b": 2}}]}}
        self.assertFalse(matches(filters, {"a": 1, "b": 2}))
        self.assertTrue(matches(filters, {"a": 1}))
        self.assertTrue(matches(filters, {}))

    def test_bool(self) -> None:
        """``bool``: all ``must``, no ``must_not``, one ``should``, one failing ``should_not``."""
        filters = {
            "bool": {
                "must": [{"equals": {"type": "user"}}],
                "must_not": [{"equals": {"banned": True}}],
                "should": [{"equals": {"city": "Paris"}}, {"equals": {"city": "Rome"}}],
                "should_not": [{"exists": "x"}, {"exists": "y"}],
            }
        }
        good = {"type": "user", "city": "Rome", "x": 1}
        self.assertTrue(matches(filters, good))
        self.assertFalse(matches(filters, {**good, "banned": True}))
        self.assertFalse(matches(filters, {**good, "city": "Oslo"}))
        self.assertFalse(matches(filters, {**good, "y": 1}))
        self.assertFalse(matches(filters, {**good, "type": "admin"}))

    def test_bool_should_is_required(self) -> None:
        """``should`` needs at least one match even alongside ``must``."""
        filters = {"bool": {"must": [{"exists": "a"}], "should": [{"exists": "b"}]}}
        self.assertFalse(matches(filters, {"a": 1}))
        self.assertTrue(matches(filters, {"a": 1, "b": 1}))

    def test_bool_single_clause_objects(self) -> None:
        """A ``must`` given as one object (not an array) is accepted, as in Koncorde."""
        self.assertTrue(matches({"bool": {"must": {"equals": {"a": 1}}}}, {"a": 1}))

    def test_deep_nesting(self) -> None:
        """Operands nest freely."""
        filters = {
            "or": [
                {
                    "and": [
                        {"exists": "a"},
                        {"not": {"or": [{"equals": {"a": 1}}, {"missing": "b"}]}},
                    ]
                },
                {"range": {"c": {"gt": 10}}},
            ]
        }
        self.assertTrue(matches(filters, {"a": 2, "b": 0}))
        self.assertFalse(matches(filters, {"a": 1, "b": 0}))
        self.assertFalse(matches(filters, {"a": 2}))
        self.assertTrue(matches(filters, {"c": 11}))
