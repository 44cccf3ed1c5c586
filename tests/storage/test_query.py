# -*- test-case-name: tests.storage.test_query -*-
"""
Search bodies become a search and a source filter, and everything else becomes a Kuzzle
error with the right id (kuzzle-api.md §6, §7.2); whatever JSON comes in, every parser
answers a tree or a Kuzzle error.
"""

from __future__ import annotations

import random
from typing import Any

from twisted.trial.unittest import SynchronousTestCase

from kuzzle_tx.errors import KuzzleError
from kuzzle_tx.storage.evaluate import run_search
from kuzzle_tx.storage.query import (
    SourceFilter,
    koncorde_to_query,
    parse_query,
    parse_search,
    plain,
)
from kuzzle_tx.storage.query_ast import (
    Bool,
    MatchAll,
    Search,
    SortKey,
    Term,
)

from .fixtures import DOCUMENTS, EXPECTED, EXPECTED_KONCORDE, EXPECTED_TEXT, resolve_text
from .query_assertions import BAD_SEARCH, INVALID, ErrorAssertions


class SearchBodyTests(ErrorAssertions):
    def test_defaults(self) -> None:
        """No body: every document, no sort, from 0, size 10, the whole source."""
        self.assertEqual(parse_search(None, None, None), (Search(), SourceFilter()))
        self.assertEqual(parse_search({}, None, None), (Search(), SourceFilter()))
        search, _ = parse_search({"query": {}}, None, None)
        self.assertEqual(search.query, MatchAll())

    def test_query_and_post_filter(self) -> None:
        """post_filter is ANDed with the query."""
        search, _ = parse_search(
            {"query": {"term": {"a": 1}}, "post_filter": {"term": {"b": 2}}}, None, None
        )
        self.assertEqual(search.query, Bool(must=(Term("a", 1),), filter=(Term("b", 2),)))
        search, _ = parse_search({"post_filter": {"term": {"b": 2}}}, None, None)
        self.assertEqual(search.query, Term("b", 2))
        error = self.assertError(INVALID, parse_search, {"post_filter": []}, None, None)
        self.assertEqual(error.props[0], "post_filter")

    def test_paging(self) -> None:
        """The request's from/size win over the body's; size may be 0."""
        search, _ = parse_search({"from": 5, "size": 7}, None, None)
        self.assertEqual((search.offset, search.limit), (5, 7))
        search, _ = parse_search({"from": 5, "size": 7}, 1, 0)
        self.assertEqual((search.offset, search.limit), (1, 0))
        for body, args in (
            ({"from": -1}, (None, None)),
            ({"size": "3"}, (None, None)),
            ({"size": True}, (None, None)),
            ({}, (None, -2)),
            ({"from": 1.0}, (None, None)),
        ):
            self.assertError(INVALID, parse_search, body, *args)

    def test_ignored(self) -> None:
        """search_timeout and _name are accepted and change nothing."""
        self.assertEqual(
            parse_search({"search_timeout": "1s", "_name": "x"}, None, None),
            (Search(), SourceFilter()),
        )

    def test_refused_keys(self) -> None:
        """Keys outside Kuzzle's list, and the ones not implemented, are refused by name."""
        for key in ("script", "track_total_hits", "query_string", "min_score"):
            error = self.assertError(BAD_SEARCH, parse_search, {key: 1}, None, None)
            self.assertEqual(error.props, [key])
        for key in (
            "aggregations",
            "aggs",
            "collapse",
            "explain",
            "fields",
            "highlight",
            "suggest",
        ):
            error = self.assertError(BAD_SEARCH, parse_search, {key: {}}, None, None)
            self.assertEqual(error.props, [key])
        error = self.assertError(BAD_SEARCH, parse_search, {"aggs": {}, "nope": 1}, None, None)
        self.assertEqual(error.props, ["nope"])

    def test_koncorde_lang(self) -> None:
        """With lang=koncorde the query is a Koncorde filter; the rest of the body is not."""
        search, source = parse_search(
            {
                "query": {"equals": {"a": 1}},
                "post_filter": {"term": {"b": 2}},
                "sort": "a",
                "_source": False,
            },
            None,
            3,
            lang="koncorde",
        )
        self.assertEqual(
            search,
            Search(Bool(must=(Term("a", 1),), filter=(Term("b", 2),)), (SortKey("a"),), 0, 3),
        )
        self.assertEqual(source, SourceFilter(False))
        self.assertEqual(parse_search({}, None, None, lang="koncorde")[0], Search())
        self.assertError(
            "api.assert.koncorde_dsl_error",
            parse_search,
            {"query": {"term": {"a": 1}}},
            None,
            None,
            lang="koncorde",
        )
        error = self.assertError(
            "api.assert.invalid_argument", parse_search, {}, None, None, lang="sql"
        )
        self.assertEqual(error.props, ["lang", '"elasticsearch" or "koncorde"'])

    def test_body_type(self) -> None:
        """A body that is not an object is refused."""
        self.assertError(INVALID, parse_search, [], None, None)


class SortTests(ErrorAssertions):
    def sort(self, spec: Any, resolve: Any = plain) -> tuple[SortKey, ...]:
        return parse_search({"sort": spec}, None, None, resolve)[0].sort

    def test_forms(self) -> None:
        """A name, {name: order}, {name: {order}}, or an array of those."""
        self.assertEqual(self.sort("a"), (SortKey("a"),))
        self.assertEqual(self.sort({"a": "desc"}), (SortKey("a", True),))
        self.assertEqual(self.sort({"a": {"order": "DESC"}}), (SortKey("a", True),))
        self.assertEqual(
            self.sort(["a", {"b": "desc", "c": "asc"}, {"_id": {"order": "asc"}}]),
            (SortKey("a"), SortKey("b", True), SortKey("c"), SortKey("_id")),
        )
        self.assertEqual(
            self.sort(
                {
                    "a": {
                        "order": "desc",
                        "missing": "_last",
                        "mode": "max",
                        "unmapped_type": "long",
                    }
                }
            ),
            (SortKey("a", True),),
        )

    def test_score_and_doc(self) -> None:
        """_score changes nothing; _doc is insertion order, so it ends the sort."""
        self.assertEqual(self.sort(["_score", "a"]), (SortKey("a"),))
        self.assertEqual(self.sort({"_score": "desc"}), ())
        self.assertEqual(self.sort(["a", "_doc", "b"]), (SortKey("a"),))

    def test_resolved(self) -> None:
        """Names are resolved; full-text fields cannot be sorted on."""
        self.assertEqual(self.sort("title.keyword", resolve_text), (SortKey("title"),))
        error = self.assertError(INVALID, self.sort, ["a", "title"], resolve_text)
        self.assertEqual(error.props[0], "sort[1].title")

    def test_errors(self) -> None:
        """Unsupported forms and options are refused."""
        spec: Any
        for spec in (
            1,
            [1],
            [{}],
            {"a": "up"},
            {"a": 1},
            {"a": {"order": "sideways"}},
            {"a": {"missing": "_first"}},
            {"a": {"missing": 0}},
            {"a": {"mode": "avg"}},
            {"a": {"order": "desc", "mode": "min"}},
            {"a": {"nested": {}}},
            {"a": {"unmapped_type": 1}},
            {"_doc": "desc"},
            {"_script": {"type": "number"}},
            {"_geo_distance": {}},
            "",
        ):
            self.assertError(INVALID, self.sort, spec)


class SearchAfterTests(ErrorAssertions):
    def after(self, body: dict[str, Any]) -> Any:
        return parse_search(body, None, None)[0].search_after

    def test_values(self) -> None:
        """One value per sort criterion; _score's value is dropped."""
        self.assertEqual(self.after({"sort": ["a", "_id"], "search_after": [1, "x"]}), (1, "x"))
        self.assertEqual(
            self.after({"sort": ["_score", "a"], "search_after": [None, "v"]}), ("v",)
        )
        self.assertEqual(self.after({"sort": "a", "search_after": [None]}), (None,))
        self.assertIsNone(self.after({"sort": "a"}))

    def test_errors(self) -> None:
        """Wrong counts, values, and sorts without a field are refused."""
        for body in (
            {"sort": ["a"], "search_after": [1, 2]},
            {"sort": ["a", "b"], "search_after": [1]},
            {"sort": ["a"], "search_after": 1},
            {"sort": ["a"], "search_after": [{}]},
            {"search_after": [1]},
            {"sort": "_score", "search_after": [1]},
            {"sort": ["a", "_doc"], "search_after": [1, 2]},
        ):
            error = self.assertError(INVALID, parse_search, body, None, None)
            self.assertEqual(error.props[0], "search_after")


# -- garbage in, Kuzzle errors out --------------------------------------------

_KEYS = (
    "match_all match_none term terms ids exists range prefix wildcard match match_phrase bool"
    " must filter should must_not minimum_should_match value values field query operator"
    " gt gte lt lte from to include_lower include_upper format boost case_insensitive"
    " zero_terms_query slop lenient wildcard _id a b.c title tags equals in missing regexp"
    " and or not should_not flags not_a_keyword sort search_after size _source includes"
    " excludes order mode missing _score _doc post_filter aggs"
).split()
_SCALARS: list[Any] = [
    None, True, False, 0, 1, -1, 2.5, float("nan"), float("inf"), 10**40, "", "x", "a*",
    "50%", "-1", "asc", "desc", "and", "all", "_last", "min", "a[1]", 'a["x"]', "a[null]",
    "(", "\\", "_id",
]  # fmt: skip


def _garbage(rng: random.Random, depth: int) -> Any:
    roll = rng.random()
    if depth <= 0 or roll < 0.35:
        return rng.choice(_SCALARS)
    if roll < 0.55:
        return [_garbage(rng, depth - 1) for _ in range(rng.randrange(4))]
    return {rng.choice(_KEYS): _garbage(rng, depth - 1) for _ in range(rng.randrange(1, 4))}


def _mutate(rng: random.Random, value: Any) -> Any:
    """A copy of ``value`` with a few random parts replaced, dropped or added."""
    roll = rng.random()
    if roll < 0.1:
        return _garbage(rng, 3)
    if isinstance(value, dict):
        mutated = {key: _mutate(rng, item) for key, item in value.items()}
        if mutated and rng.random() < 0.1:
            del mutated[rng.choice(list(mutated))]
        if rng.random() < 0.1:
            mutated[rng.choice(_KEYS)] = _garbage(rng, 2)
        return mutated
    if isinstance(value, list):
        return [_mutate(rng, item) for item in value if rng.random() > 0.1]
    return value


_SEEDS = [query for _, query, _ in EXPECTED + EXPECTED_TEXT + EXPECTED_KONCORDE]


class GarbageTests(SynchronousTestCase):
    def test_only_kuzzle_errors(self) -> None:
        """
        Whatever JSON shape comes in, parsing answers a tree or raises KuzzleError, and a
        parsed tree evaluates and sorts without error. The inputs are random shapes and
        mutations of the fixture queries (to reach the parsers' insides).
        """
        rng = random.Random(20240611)
        parsed = 0
        for round_ in range(8000):
            if round_ % 2:
                value = _mutate(rng, rng.choice(_SEEDS))
            else:
                value = _garbage(rng, 5)
            for parse in (
                lambda v: Search(parse_query(v)),
                lambda v: Search(parse_query(v, resolve_text)),
                lambda v: parse_search(v, None, None)[0],
                lambda v: parse_search({"query": v, "sort": v}, None, None)[0],
                lambda v: parse_search(v, None, None, resolve_text)[0],
                lambda v: Search(koncorde_to_query(v)),
            ):
                try:
                    search = parse(value)
                except KuzzleError:
                    continue
                if search.query != MatchAll():
                    parsed += 1
                run_search(search, DOCUMENTS)
        self.assertGreater(parsed, 2000)

    def test_sources(self) -> None:
        """Any _source specification filters any document without error."""
        rng = random.Random(7)
        for _ in range(2000):
            try:
                _, source_filter = parse_search({"_source": _garbage(rng, 3)}, None, None)
            except KuzzleError:
                continue
            for _, source in DOCUMENTS:
                source_filter.apply(source)
