# -*- test-case-name: tests.storage.test_evaluate -*-
"""
The Python evaluation of query trees: which documents match (the shared fixture's
hand-checked cases and edge cases of each node), how hits sort, and how pages are cut.
The SQLite backend must give the same answers (see `tests.storage.fixtures`).
"""

from __future__ import annotations

from typing import Any

from twisted.trial.unittest import SynchronousTestCase

from kuzzle_tx.storage.evaluate import (
    compare,
    matches,
    run_search,
    sort_values,
    wildcard_regex,
)
from kuzzle_tx.storage.query import koncorde_to_query, parse_query, parse_search
from kuzzle_tx.storage.query_ast import (
    Bool,
    Exists,
    Ids,
    MatchAll,
    MatchNone,
    Prefix,
    Query,
    Range,
    Regexp,
    Search,
    SortKey,
    Term,
    Terms,
    TextMatch,
    Wildcard,
)

from .fixtures import (
    ALL,
    DOCUMENTS,
    EXPECTED,
    EXPECTED_KONCORDE,
    EXPECTED_TEXT,
    resolve_text,
)


def hits(query: Query) -> list[str]:
    return [doc_id for doc_id, source in DOCUMENTS if matches(query, doc_id, source)]


class FixtureTests(SynchronousTestCase):
    def test_expected(self) -> None:
        """Every Elasticsearch fixture query finds its hand-checked ids."""
        for name, query, expected in EXPECTED:
            self.assertEqual(hits(parse_query(query)), expected, name)

    def test_expected_text(self) -> None:
        """Every full-text fixture query finds its hand-checked ids."""
        for name, query, expected in EXPECTED_TEXT:
            self.assertEqual(hits(parse_query(query, resolve_text)), expected, name)

    def test_expected_koncorde(self) -> None:
        """Every Koncorde fixture filter finds its hand-checked ids."""
        for name, filters, expected in EXPECTED_KONCORDE:
            self.assertEqual(hits(koncorde_to_query(filters)), expected, name)

    def test_koncorde_equivalence(self) -> None:
        """A Koncorde filter finds what the equivalent Elasticsearch query finds."""
        pairs: list[tuple[dict[str, Any], dict[str, Any]]] = [
            (
                {"and": [{"equals": {"active": True}}, {"not": {"exists": "meta"}}]},
                {
                    "bool": {
                        "filter": [{"term": {"active": True}}],
                        "must_not": [{"exists": {"field": "meta"}}],
                    }
                },
            ),
            (
                {"or": [{"in": {"tags": ["green", "yellow"]}}, {"range": {"age": {"gt": 60}}}]},
                {
                    "bool": {
                        "should": [
                            {"terms": {"tags": ["green", "yellow"]}},
                            {"range": {"age": {"gt": 60}}},
                        ]
                    }
                },
            ),
            (
                {"missing": "address.city"},
                {"bool": {"must_not": {"exists": {"field": "address.city"}}}},
            ),
            ({"ids": {"values": ["a1", "b2"]}}, {"ids": {"values": ["b2", "a1"]}}),
        ]
        for filters, query in pairs:
            found = hits(koncorde_to_query(filters))
            self.assertEqual(found, hits(parse_query(query)), filters)
            self.assertNotEqual(found, [])


SOURCE: dict[str, Any] = {
    "s": "Hello World",
    "n": [1, 2.5, "3"],
    "b": True,
    "o": {"k": [{"x": "deep"}, {"x": None}], "e": {}},
    "w": "a*b?c\\d",
    "t": ["The Lazy dog", "quick  brown fox"],
    "multi": "line one\nline two",
}


def check(query: Query, doc_id: str = "doc") -> bool:
    return matches(query, doc_id, SOURCE)


class NodeTests(SynchronousTestCase):
    def test_term_typed(self) -> None:
        """Terms compare typed: strings with strings, numbers and booleans as numbers."""
        self.assertTrue(check(Term("n", 1)))
        self.assertTrue(check(Term("n", 1.0)))
        self.assertTrue(check(Term("n", True)))
        self.assertTrue(check(Term("n", "3")))
        self.assertFalse(check(Term("n", 3)))
        self.assertFalse(check(Term("n", "1")))
        self.assertTrue(check(Term("b", 1)))
        self.assertFalse(check(Term("b", "true")))
        self.assertTrue(check(Term("o.k.x", "deep")))
        self.assertFalse(check(Term("o", "deep")))
        self.assertTrue(check(Term("_id", "doc")))
        self.assertTrue(check(Terms("n", ("x", 2.5))))
        self.assertFalse(check(Terms("n", ())))

    def test_ids(self) -> None:
        """Ids compares the document id, never the source."""
        self.assertTrue(check(Ids(("x", "doc"))))
        self.assertFalse(matches(Ids(("doc",)), "other", {"_id": "doc"}))

    def test_exists(self) -> None:
        """Exists: a non-null value at or below the field, at a dot boundary."""
        self.assertTrue(check(Exists("o")))
        self.assertTrue(check(Exists("o.k")))
        self.assertFalse(check(Exists("o.e")))
        self.assertFalse(check(Exists("s.x")))
        self.assertFalse(check(Exists("mult")))
        self.assertTrue(check(Exists("_id")))

    def test_range(self) -> None:
        """Ranges: one value meets every bound, of the bounds' kind."""
        self.assertTrue(check(Range("n", gt=2, lt=3)))
        self.assertFalse(check(Range("n", gt=2.5)))
        self.assertTrue(check(Range("n", gte=2.5)))
        self.assertTrue(check(Range("n", gte="2")))
        self.assertFalse(check(Range("n", gte="4")))
        self.assertTrue(check(Range("b", gt=0.5, lte=1)))
        self.assertTrue(check(Range("s", lt="Z")))
        self.assertFalse(check(Range("s", lt="A")))
        self.assertFalse(check(Range("n", gt=1.5, lt="9")))  # mixed bounds: a hand-built tree
        self.assertTrue(check(Range("n")))
        self.assertFalse(check(Range("missing")))

    def test_range_same_value(self) -> None:
        """Bounds met by different values of an array do not make a match."""
        self.assertFalse(matches(Range("a", gt=2, lt=4), "d", {"a": [1, 5]}))
        self.assertTrue(matches(Range("a", gt=2, lt=4), "d", {"a": [1, 3, 5]}))

    def test_prefix(self) -> None:
        """Prefixes: strings only, case-sensitive."""
        self.assertTrue(check(Prefix("s", "Hel")))
        self.assertFalse(check(Prefix("s", "hel")))
        self.assertTrue(check(Prefix("n", "3")))
        self.assertFalse(check(Prefix("n", "1")))
        self.assertTrue(check(Prefix("s", "")))

    def test_wildcard(self) -> None:
        """* any run (empty too), ? one character, \\ escapes; the whole value."""
        self.assertTrue(check(Wildcard("s", "Hello*")))
        self.assertTrue(check(Wildcard("s", "*World*")))
        self.assertTrue(check(Wildcard("s", "H?llo World")))
        self.assertFalse(check(Wildcard("s", "Hello")))
        self.assertFalse(check(Wildcard("s", "hello*")))
        self.assertFalse(check(Wildcard("s", "Hello World?")))
        self.assertTrue(check(Wildcard("w", "a\\*b\\?c\\\\d")))
        self.assertFalse(check(Wildcard("w", "a\\*bxc*")))
        self.assertTrue(check(Wildcard("multi", "line*two")))
        self.assertTrue(check(Wildcard("n", "3")))
        self.assertFalse(check(Wildcard("n", "1")))
        self.assertTrue(wildcard_regex("a\\").fullmatch("a\\"))
        self.assertTrue(wildcard_regex("(.)[+]").fullmatch("(.)[+]"))

    def test_regexp(self) -> None:
        """JavaScript regexps: searched, not anchored; flags i, m, s, y apply, g, u do not."""
        self.assertTrue(check(Regexp("s", "lo W")))
        self.assertFalse(check(Regexp("s", "^World")))
        self.assertTrue(check(Regexp("s", "^hello", "i")))
        self.assertFalse(check(Regexp("multi", "^line two")))
        self.assertTrue(check(Regexp("multi", "^line two", "m")))
        self.assertFalse(check(Regexp("multi", "one.line")))
        self.assertTrue(check(Regexp("multi", "one.line", "s")))
        self.assertTrue(check(Regexp("s", "World", "gu")))
        self.assertFalse(check(Regexp("s", "World", "y")))
        self.assertTrue(check(Regexp("s", "Hello", "y")))
        self.assertTrue(check(Regexp("n", "^3$")))
        self.assertFalse(check(Regexp("n", "1")))
        self.assertFalse(check(Regexp("s", "(")))  # invalid: only from a hand-built tree

    def test_text(self) -> None:
        """Full text: or, and within one value, phrases contiguous and in order."""
        self.assertTrue(check(TextMatch("t", ("dog", "cat"))))
        self.assertFalse(check(TextMatch("t", ("cat",))))
        self.assertTrue(check(TextMatch("t", ("lazy", "the"), "and")))
        self.assertFalse(check(TextMatch("t", ("lazy", "fox"), "and")))
        self.assertTrue(check(TextMatch("t", ("quick", "brown"), phrase=True)))
        self.assertFalse(check(TextMatch("t", ("brown", "quick"), phrase=True)))
        self.assertFalse(check(TextMatch("t", ("dog", "quick"), phrase=True)))
        self.assertFalse(check(TextMatch("t", ())))
        self.assertFalse(check(TextMatch("t", (), "and")))
        self.assertFalse(check(TextMatch("t", (), phrase=True)))
        self.assertTrue(check(TextMatch("n", ("3",))))
        self.assertFalse(check(TextMatch("n", ("1",))))

    def test_bool(self) -> None:
        """Bool: every must and filter, no must_not, enough should clauses."""
        yes, no = MatchAll(), MatchNone()
        self.assertTrue(check(Bool()))
        self.assertTrue(check(Bool(must=(yes,), filter=(yes,), must_not=(no,))))
        self.assertFalse(check(Bool(must=(yes, no))))
        self.assertFalse(check(Bool(filter=(no,))))
        self.assertFalse(check(Bool(must_not=(no, yes))))
        self.assertTrue(check(Bool(should=(no, no))))
        self.assertFalse(check(Bool(should=(no, no), minimum_should_match=1)))
        self.assertTrue(check(Bool(should=(no, yes, yes), minimum_should_match=2)))
        self.assertFalse(check(Bool(should=(no, yes, no), minimum_should_match=2)))
        self.assertFalse(check(Bool(should=(yes,), minimum_should_match=2)))
        self.assertFalse(check(Bool(minimum_should_match=1)))


def ordered(sort: Any, **body: Any) -> list[str]:
    search, _ = parse_search({"sort": sort, "size": 100, **body}, None, None)
    return [doc_id for doc_id, _ in run_search(search, DOCUMENTS)[1]]


class SortTests(SynchronousTestCase):
    def test_unsorted(self) -> None:
        """Without a sort, hits come in insertion order."""
        self.assertEqual(ordered(None), ALL)
        self.assertEqual(ordered("_doc"), ALL)
        self.assertEqual(ordered(["_score"]), ALL)

    def test_numbers(self) -> None:
        """
        Ascending uses each document's smallest value, numbers before strings, missing
        last; ties keep insertion order.
        """
        self.assertEqual(
            ordered("age"),
            ["l12", "g7", "e5", "j10", "b2", "a1", "i9", "d4", "h8", "c3", "f6", "k11"],
        )

    def test_numbers_descending(self) -> None:
        """Descending uses the largest value, strings before numbers, missing still last."""
        self.assertEqual(
            ordered({"age": "desc"}),
            ["c3", "h8", "e5", "d4", "a1", "i9", "b2", "j10", "g7", "l12", "f6", "k11"],
        )

    def test_strings(self) -> None:
        """Strings sort by code point: upper case first."""
        self.assertEqual(
            ordered("name"),
            ["a1", "b2", "d4", "e5", "f6", "h8", "j10", "l12", "c3", "g7", "i9", "k11"],
        )
        self.assertEqual(
            ordered({"name": {"order": "desc"}}),
            ["i9", "g7", "c3", "l12", "j10", "h8", "f6", "e5", "d4", "b2", "a1", "k11"],
        )

    def test_mixed_arrays(self) -> None:
        """Arrays mixing booleans, numbers and strings; empty arrays are missing."""
        self.assertEqual(
            ordered("tags"),
            ["l12", "i9", "g7", "a1", "e5", "b2", "d4", "c3", "f6", "h8", "j10", "k11"],
        )
        self.assertEqual(
            ordered({"tags": "desc"}),
            ["e5", "a1", "d4", "i9", "b2", "l12", "g7", "c3", "f6", "h8", "j10", "k11"],
        )
        self.assertEqual(
            ordered("score"),
            ["h8", "b2", "a1", "j10", "c3", "d4", "e5", "f6", "g7", "i9", "k11", "l12"],
        )

    def test_several_keys(self) -> None:
        """Later keys break the ties of earlier ones; booleans sort as 0/1."""
        self.assertEqual(
            ordered([{"active": "desc"}, {"_id": "desc"}]),
            ["f6", "i9", "c3", "a1", "l12", "d4", "b2", "k11", "j10", "h8", "g7", "e5"],
        )

    def test_id(self) -> None:
        """_id sorts by the id string."""
        self.assertEqual(ordered("_id"), sorted(ALL))
        self.assertEqual(ordered({"_id": "desc"}), sorted(ALL, reverse=True))

    def test_sort_values(self) -> None:
        """A document's sort values: smallest ascending, largest descending, None if none."""
        sort = (SortKey("age"), SortKey("age", True), SortKey("nope"), SortKey("_id"))
        self.assertEqual(sort_values(sort, "e5", {"age": [50, 20, "x"]}), (20, "x", None, "e5"))

    def test_compare(self) -> None:
        """compare orders sort values; None (missing) is after everything both ways."""
        up, down = (SortKey("a"),), (SortKey("a", True),)
        self.assertEqual(compare((1,), (2,), up), -1)
        self.assertEqual(compare((1,), (2,), down), 1)
        self.assertEqual(compare((True,), (1.0,), up), 0)
        self.assertEqual(compare((9,), ("1",), up), -1)
        self.assertEqual(compare((9,), ("1",), down), 1)
        self.assertEqual(compare((None,), ("1",), up), 1)
        self.assertEqual(compare((None,), ("1",), down), 1)
        self.assertEqual(compare(("1",), (None,), down), -1)
        self.assertEqual(compare((None,), (None,), up), 0)


class SearchAfterTests(SynchronousTestCase):
    def test_after_value(self) -> None:
        """Only documents strictly after the given values remain."""
        self.assertEqual(ordered("age", search_after=[31]), ["d4", "h8", "c3", "f6", "k11"])
        self.assertEqual(
            ordered(["age", "_id"], search_after=[31, "a1"]), ["i9", "d4", "h8", "c3", "f6", "k11"]
        )
        self.assertEqual(ordered("age", search_after=["31"]), ["f6", "k11"])
        self.assertEqual(
            ordered({"age": "desc"}, search_after=[40]),
            ["a1", "i9", "b2", "j10", "g7", "l12", "f6", "k11"],
        )

    def test_after_missing(self) -> None:
        """null stands for a missing value, which sorts last."""
        self.assertEqual(ordered("age", search_after=[None]), [])
        self.assertEqual(ordered(["age", "_id"], search_after=[None, "f6"]), ["k11"])
        self.assertEqual(ordered(["age", "_id"], search_after=[65, None]), ["c3", "f6", "k11"])

    def test_score_ignored(self) -> None:
        """The value given for _score is ignored, as the sort itself."""
        self.assertEqual(ordered(["_score", "_id"], search_after=[None, "j10"]), ["k11", "l12"])

    def test_pages(self) -> None:
        """Paging with search_after on a unique key visits every hit once, in order."""
        seen: list[str] = []
        after: list[Any] | None = None
        while True:
            body: dict[str, Any] = {"sort": [{"age": "desc"}, "_id"], "size": 5}
            if after is not None:
                body["search_after"] = after
            search, _ = parse_search(body, None, None)
            total, page = run_search(search, DOCUMENTS)
            self.assertEqual(total, 12)
            if not page:
                break
            seen += [doc_id for doc_id, _ in page]
            last_id, last_source = page[-1]
            after = list(sort_values(search.sort, last_id, last_source))
        self.assertEqual(seen, ordered([{"age": "desc"}, "_id"]))


class PagingTests(SynchronousTestCase):
    def page(self, body: dict[str, Any], from_: int | None = None, size: int | None = None) -> Any:
        search, _ = parse_search(body, from_, size)
        total, page = run_search(search, DOCUMENTS)
        return total, [doc_id for doc_id, _ in page]

    def test_defaults(self) -> None:
        """Ten hits by default; the total counts every match."""
        self.assertEqual(self.page({}), (12, ALL[:10]))

    def test_offset_limit(self) -> None:
        """from and size cut the sorted hits; the total ignores them."""
        self.assertEqual(self.page({"sort": "age"}, 2, 3), (12, ["e5", "j10", "b2"]))
        query = {"range": {"age": {"gte": 20}}}
        self.assertEqual(self.page({"query": query, "sort": "age"}, 1, 2), (7, ["j10", "b2"]))
        self.assertEqual(self.page({"query": query}, 0, 0), (7, []))
        self.assertEqual(self.page({"query": query}, 50, 10), (7, []))

    def test_total_ignores_search_after(self) -> None:
        """search_after narrows the page, not the total."""
        self.assertEqual(
            self.page({"sort": "age", "search_after": [31]}, None, 2), (12, ["d4", "h8"])
        )

    def test_post_filter(self) -> None:
        """post_filter narrows the hits and the total."""
        body = {"query": {"term": {"tags": "red"}}, "post_filter": {"range": {"age": {"lt": 35}}}}
        self.assertEqual(self.page(body), (2, ["a1", "i9"]))

    def test_run_search_direct(self) -> None:
        """run_search takes any iterable of (id, source), and clamps odd pages."""
        documents = iter(DOCUMENTS)
        total, page = run_search(Search(Term("age", 31), offset=-5, limit=-1), documents)
        self.assertEqual((total, page), (2, []))
