# -*- test-case-name: tests.storage.test_query_koncorde -*-
"""
Koncorde filters become query trees that find what Koncorde matches, and filters without
a search translation are refused with Kuzzle's errors: `kuzzle_tx.storage.query_koncorde`.
"""

from __future__ import annotations

from typing import Any

from kuzzle_tx.realtime.koncorde import Koncorde
from kuzzle_tx.storage.query import (
    koncorde_to_query,
)
from kuzzle_tx.storage.query_ast import (
    Bool,
    Exists,
    Ids,
    MatchAll,
    Range,
    Regexp,
    Term,
    Terms,
)

from .fixtures import resolve_text
from .query_assertions import INVALID, ErrorAssertions


class KoncordeTests(ErrorAssertions):
    def test_translations(self) -> None:
        """Each Koncorde keyword with a search translation, to its tree."""
        cases: list[tuple[Any, Any]] = [
            (None, MatchAll()),
            ({}, MatchAll()),
            ({"equals": {"a": "x"}}, Term("a", "x")),
            ({"equals": {"_id": "x"}}, Ids(("x",))),
            ({"in": {"a": ["x", "y"]}}, Terms("a", ("x", "y"))),
            ({"in": {"_id": ["x"]}}, Ids(("x",))),
            ({"ids": {"values": ["x", "y"]}}, Ids(("x", "y"))),
            ({"exists": "a.b"}, Exists("a.b")),
            ({"exists": {"field": "a"}}, Exists("a")),
            ({"exists": "_id"}, MatchAll()),
            ({"exists": 'tags["x"]'}, Term("tags", "x")),
            ({"exists": "n[1.5]"}, Term("n", 1.5)),
            ({"exists": "b[true]"}, Term("b", True)),
            ({"exists": "a\\[1\\]"}, Exists("a[1]")),
            ({"missing": "a"}, Bool(must_not=(Exists("a"),))),
            ({"missing": {"field": 'a["v"]'}}, Bool(must_not=(Term("a", "v"),))),
            ({"range": {"a": {"gt": 1, "lte": 2}}}, Range("a", gt=1, lte=2)),
            ({"regexp": {"a": "^x"}}, Regexp("a", "^x")),
            ({"regexp": {"a": {"value": "x", "flags": "im"}}}, Regexp("a", "x", "im")),
            ({"regexp": {"a": {"value": "x", "flags": None}}}, Regexp("a", "x")),
            (
                {"and": [{"equals": {"a": 1}}, {"exists": "b"}]},
                Bool(filter=(Term("a", 1), Exists("b"))),
            ),
            (
                {"or": [{"equals": {"a": 1}}, {"exists": "b"}]},
                Bool(should=(Term("a", 1), Exists("b")), minimum_should_match=1),
            ),
            ({"not": {"equals": {"a": 1}}}, Bool(must_not=(Term("a", 1),))),
            (
                {
                    "bool": {
                        "must": [{"equals": {"a": 1}}],
                        "must_not": [{"exists": "b"}],
                        "should": [{"exists": "c"}],
                        "should_not": [{"exists": "d"}],
                    }
                },
                Bool(
                    filter=(
                        Term("a", 1),
                        Bool(should=(Exists("c"),), minimum_should_match=1),
                        Bool(must_not=(Bool(filter=(Exists("d"),)),)),
                    ),
                    must_not=(Exists("b"),),
                ),
            ),
            (
                {"bool": {"must": {"equals": {"a": 1}}, "should": None}},
                Bool(filter=(Term("a", 1),)),
            ),
        ]
        for filters, expected in cases:
            self.assertEqual(koncorde_to_query(filters), expected, filters)

    def test_resolved(self) -> None:
        """Koncorde field names go through the resolver too."""
        self.assertEqual(
            koncorde_to_query({"equals": {"title.keyword": "x"}}, resolve_text), Term("title", "x")
        )

    def test_dsl_errors(self) -> None:
        """Koncorde's refusals are koncorde_dsl_error with its message."""
        error = self.assertError(
            "api.assert.koncorde_dsl_error", koncorde_to_query, {"equals": {"a": []}}
        )
        self.assertEqual(
            error.props, ['"equals.a": must either be a string, a number, a boolean, or null']
        )
        filters: Any
        for filters in (
            {"term": {"a": 1}},
            {"equals": {"a": 1}, "exists": "a"},
            {"range": {"a": {"gt": "x"}}},
            {"regexp": {"a": "("}},
            {"bool": {"filter": []}},
        ):
            self.assertError("api.assert.koncorde_dsl_error", koncorde_to_query, filters)

    def test_python_regexp(self) -> None:
        """A pattern RE2 accepts but Python's re does not is refused the same way."""
        error = self.assertError(
            "api.assert.koncorde_dsl_error", koncorde_to_query, {"regexp": {"a": "x\\z"}}
        )
        self.assertIn('"regexp.a": cannot parse regexp expression', error.props[0])

    def test_limits(self) -> None:
        """The Koncorde given (the server's, with its limits) validates the filter."""
        filters = {"in": {"a": ["x", "y", "z"]}}
        koncorde_to_query(filters)
        self.assertError(
            "api.assert.koncorde_dsl_error", koncorde_to_query, filters, koncorde=Koncorde(2)
        )

    def test_not_an_object(self) -> None:
        """A filter that is not an object is invalid_type, as in Kuzzle."""
        filters: Any
        for filters in ([], "equals", 3):
            error = self.assertError("api.assert.invalid_type", koncorde_to_query, filters)
            self.assertEqual(error.props, ["body.query", "object"])

    def test_restricted(self) -> None:
        """Keywords without a search translation are koncorde_restricted_keyword."""
        cases: list[tuple[dict[str, Any], str]] = [
            ({"match": {"a": 1}}, "match"),
            ({"select": {"field": "a", "index": 0, "query": {"exists": "value"}}}, "select"),
            ({"nothing": {}}, "nothing"),
            ({"and": [{"exists": "a"}, {"not": {"match": {"a": 1}}}]}, "match"),
        ]
        for filters, keyword in cases:
            error = self.assertError(
                "api.assert.koncorde_restricted_keyword", koncorde_to_query, filters
            )
            self.assertEqual(error.props, ["clause", keyword])
            self.assertEqual(
                error.message,
                f'The clause "{keyword}" of Koncorde DSL is not supported for search queries.',
            )

    def test_untranslatable_values(self) -> None:
        """null cannot be searched for: equals null and exists "a[null]" are refused."""
        self.assertError(INVALID, koncorde_to_query, {"equals": {"a": None}})
        self.assertError(INVALID, koncorde_to_query, {"exists": "a[null]"})
