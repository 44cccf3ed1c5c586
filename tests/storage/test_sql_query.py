# -*- test-case-name: tests.storage.test_sql_query -*-
"""
The statements compiled to SQL (`kuzzle_tx.storage.sql_query`): sorting, paging after a
hit, listing ids; and every shared fixture and random trees find what the Python
evaluator finds.
"""

from __future__ import annotations

import importlib
import random
from typing import Any

from twisted.trial.unittest import SkipTest, SynchronousTestCase

from kuzzle_tx.storage.fields import tokenize
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
    Scalar,
    Search,
    SortKey,
    Term,
    Terms,
    TextMatch,
    Wildcard,
)
from kuzzle_tx.storage.sql_query import (
    compile_ids,
    compile_search,
)

from .sql_collection import DOCS, FIELDS, Collection, collection


class SortTests(SynchronousTestCase):
    def test_directions_missing_last(self) -> None:
        """Ascending or descending, documents without a value come last."""
        store = collection({"a": 2}, {}, {"a": 1}, {"a": None}, {"a": 3})
        self.assertEqual(store.search(Search(sort=(SortKey("a"),))), ["2", "0", "4", "1", "3"])
        self.assertEqual(
            store.search(Search(sort=(SortKey("a", True),))), ["4", "0", "2", "1", "3"]
        )

    def test_arrays(self) -> None:
        """An array sorts by its smallest value ascending, its largest descending."""
        store = collection({"a": [1, 10]}, {"a": [5]}, {"a": [0, 6]})
        self.assertEqual(store.search(Search(sort=(SortKey("a"),))), ["2", "0", "1"])
        self.assertEqual(store.search(Search(sort=(SortKey("a", True),))), ["0", "2", "1"])

    def test_mixed_types(self) -> None:
        """Numbers (booleans as 0/1) come before strings."""
        store = collection({"a": "a"}, {"a": 2}, {"a": "1"}, {"a": 1.5}, {"a": True})
        self.assertEqual(store.search(Search(sort=(SortKey("a"),))), ["4", "3", "1", "2", "0"])

    def test_id_and_ties(self) -> None:
        """_id sorts by id; equal values stay in insertion order."""
        store = collection()
        for doc_id, value in [("c", 1), ("a", 2), ("b", 1), ("d", 1)]:
            store.add(doc_id, {"a": value})
        self.assertEqual(store.search(Search(sort=(SortKey("_id", True),))), ["d", "c", "b", "a"])
        self.assertEqual(store.search(Search(sort=(SortKey("a"),))), ["c", "b", "d", "a"])
        self.assertEqual(store.search(Search()), ["c", "a", "b", "d"])

    def test_several_keys(self) -> None:
        """The second key orders documents equal on the first."""
        store = collection({"a": 1, "b": 1}, {"a": 1, "b": 2}, {"a": 0}, {"a": 0, "b": 3})
        sort = (SortKey("a", True), SortKey("b"))
        self.assertEqual(store.search(Search(sort=sort)), ["0", "1", "3", "2"])

    def test_offset_limit(self) -> None:
        """offset skips hits, limit bounds them, with the query applied first."""
        store = collection(*({"a": n} for n in range(10)))
        search = Search(Range("a", gte=2), sort=(SortKey("a", True),), offset=2, limit=3)
        self.assertEqual(store.search(search), ["7", "6", "5"])

    def test_id_uses_index(self) -> None:
        """Sorting by _id walks the unique index on ids instead of sorting every document."""
        store = collection({})
        sql, params = compile_search(Search(sort=(SortKey("_id"),)), DOCS, FIELDS)
        self.assertNotIn("USE TEMP B-TREE FOR ORDER BY", store.plan(sql, params))

    def test_sort_key_uses_rid_index(self) -> None:
        """A sort value is read from the document's own rows, not by scanning the path."""
        store = collection({"a": 1})
        sql, params = compile_search(Search(sort=(SortKey("a"),)), DOCS, FIELDS)
        plan = store.plan(sql, params)
        self.assertIn("SEARCH f USING COVERING INDEX t_fields_rid (rid=?)", plan)


class SearchAfterTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.store = collection(
            {"a": 1, "b": "x"},
            {"a": 2, "b": "y"},
            {"a": 2, "b": "x"},
            {"b": "z"},
            {"a": 3},
            {},
        )

    def page(self, sort: tuple[SortKey, ...], after: tuple[Scalar | None, ...]) -> list[str]:
        return self.store.search(Search(sort=sort, search_after=after))

    def test_one_key(self) -> None:
        """Hits strictly after the value, equal ones excluded, missing ones last."""
        self.assertEqual(self.page((SortKey("a"),), (1,)), ["1", "2", "4", "3", "5"])
        self.assertEqual(self.page((SortKey("a"),), (2,)), ["4", "3", "5"])
        self.assertEqual(self.page((SortKey("a", True),), (2,)), ["0", "3", "5"])

    def test_after_missing(self) -> None:
        """After a missing value there is nothing left on that key."""
        self.assertEqual(self.page((SortKey("a"),), (None,)), [])

    def test_two_keys_mixed_directions(self) -> None:
        """Lexicographic over the keys, each in its own direction."""
        sort = (SortKey("a", True), SortKey("b"))
        self.assertEqual(self.store.search(Search(sort=sort)), ["4", "2", "1", "0", "3", "5"])
        self.assertEqual(self.page(sort, (2, "x")), ["1", "0", "3", "5"])
        self.assertEqual(self.page(sort, (2, "y")), ["0", "3", "5"])
        self.assertEqual(self.page(sort, (3, None)), ["2", "1", "0", "3", "5"])
        self.assertEqual(self.page(sort, (None, "z")), ["5"])
        self.assertEqual(self.page(sort, (None, None)), [])

    def test_booleans_and_mixed_types(self) -> None:
        """A boolean is 0/1; a number is before any string."""
        store = collection({"a": 0}, {"a": 1}, {"a": 2}, {"a": "1"})
        search = Search(sort=(SortKey("a"),), search_after=(True,))
        self.assertEqual(store.search(search), ["2", "3"])
        search = Search(sort=(SortKey("a", True),), search_after=("1",))
        self.assertEqual(store.search(search), ["2", "1", "0"])

    def test_id(self) -> None:
        """search_after on _id compares ids as strings, after any number."""
        store = collection({}, {}, {})
        self.assertEqual(
            store.search(Search(sort=(SortKey("_id"),), search_after=("0",))), ["1", "2"]
        )
        self.assertEqual(
            store.search(Search(sort=(SortKey("_id"),), search_after=(5,))), ["0", "1", "2"]
        )

    def test_with_query_and_limit(self) -> None:
        """search_after combines with the query and the page size."""
        sort = (SortKey("a"),)
        search = Search(Exists("b"), sort=sort, limit=2, search_after=(1,))
        self.assertEqual(self.store.search(search), ["1", "2"])

    def test_fewer_values(self) -> None:
        """Only the keys that have a value count: equal on those is not after."""
        sort = (SortKey("a"), SortKey("b"))
        self.assertEqual(self.page(sort, (2,)), ["4", "3", "5"])
        self.assertEqual(self.store.search(Search(search_after=(1,))), [])

    def test_negative_page(self) -> None:
        """A negative offset or limit counts as 0, as in the Python evaluator."""
        self.assertEqual(self.store.search(Search(offset=-1, limit=1)), ["0"])
        self.assertEqual(self.store.search(Search(limit=-1)), [])


class IdsListTests(SynchronousTestCase):
    def test_rows_in_insertion_order(self) -> None:
        """compile_ids lists (rid, id, version, source) in insertion order, up to a limit."""
        store = collection({"a": 1}, {"a": 2}, {"a": 1}, {"a": 1})
        sql, params = compile_ids(Term("a", 1), DOCS, FIELDS, limit=2)
        rows = store.connection.execute(sql, params).fetchall()
        self.assertEqual(rows, [(1, "0", 1, '{"a": 1}'), (3, "2", 1, '{"a": 1}')])


class FixtureTests(SynchronousTestCase):
    """
    The cases shared by every backend (`tests.storage.fixtures`): the compiled SQL
    finds exactly the ids the Python evaluator must find, in insertion order.
    """

    def setUp(self) -> None:
        try:
            self.fixtures: Any = importlib.import_module("tests.storage.fixtures")
            self.query: Any = importlib.import_module("kuzzle_tx.storage.query")
        except ImportError as error:
            raise SkipTest(f"shared fixtures or the query parser not available yet: {error}")
        self.store = Collection()
        for doc_id, source in self.fixtures.DOCUMENTS:
            self.store.add(doc_id, source)

    def check(self, cases: Any, parse: Any) -> None:
        for name, query, expected in cases:
            self.assertEqual(self.store.ids(parse(query)), expected, name)

    def test_elasticsearch(self) -> None:
        """Every Elasticsearch query, with no full-text field."""
        self.check(self.fixtures.EXPECTED, self.query.parse_query)

    def test_text(self) -> None:
        """Every query on full-text fields."""
        resolve = self.fixtures.resolve_text
        self.check(
            self.fixtures.EXPECTED_TEXT, lambda query: self.query.parse_query(query, resolve)
        )

    def test_koncorde(self) -> None:
        """Every Koncorde filter."""
        self.check(self.fixtures.EXPECTED_KONCORDE, self.query.koncorde_to_query)


class EvaluatorAgreementTests(SynchronousTestCase):
    """
    Random documents and trees (fixed seed): the compiled SQL finds the same ids, and
    the same pages, as the Python evaluator (`kuzzle_tx.storage.evaluate`).
    """

    STRINGS = ["a", "ab", "a*b", "[x]", "é", "😀", "A", "1", "", "a.b", "\U0010ffff"]
    STRINGS += ["quick fox", "the quick brown fox", "fox quick"]
    SCALARS: list[Scalar] = [*STRINGS, 0, 1, 2, -1, 1.0, 1.5, True, False, 10**12, 0.1]
    PATHS = ["a", "b", "a.b", "c", "_id"]

    def setUp(self) -> None:
        try:
            self.evaluate: Any = importlib.import_module("kuzzle_tx.storage.evaluate")
        except ImportError as error:
            raise SkipTest(f"the Python evaluator is not available yet: {error}")
        self.random = random.Random(20240611)

    def value(self, depth: int = 0) -> Any:
        draw = self.random.random()
        if draw < 0.5 or depth > 2:
            return self.random.choice(self.SCALARS)
        if draw < 0.6:
            return None
        if draw < 0.8:
            items = [self.value(depth + 1) for _ in range(self.random.randint(0, 3))]
            # Objects inside nested arrays are left out: fields.values_at does not
            # reach them (flatten does), which is the evaluator's concern.
            return [
                item
                for item in items
                if not isinstance(item, list) or not any(isinstance(i, list | dict) for i in item)
            ]
        keys = ["b", "c", ""]
        return {self.random.choice(keys): self.value(depth + 1) for _ in range(2)}

    def query(self, depth: int = 0) -> Query:
        pick = self.random.choice
        field = pick(self.PATHS)
        kind = self.random.randrange(12 if depth < 2 else 11)
        if kind == 0:
            return Term(field, pick(self.SCALARS))
        if kind == 1:
            count = pick([0, 1, 3, 60])
            return Terms(field, tuple(pick(self.SCALARS) for _ in range(count)))
        if kind == 2:
            return Ids((pick(["0", "1", "x"]), pick(["2", "3"])))
        if kind == 3:
            return Exists(field)
        if kind == 4:
            names = self.random.sample(["gt", "gte", "lt", "lte"], self.random.randint(0, 2))
            bounds = {name: pick(self.SCALARS) for name in names}
            return Range(field, **bounds)
        if kind == 5:
            return Prefix(field, pick(self.STRINGS)[: self.random.randint(0, 2)])
        if kind == 6:
            return Wildcard(field, pick(["a*", "?", "*b", "a\\*b", "[x]", "*", "é?", "\\"]))
        if kind == 7:
            return Regexp(field, pick(["a", "^a", "b$", "(", "FOX"]), pick(["", "i", "y", "q"]))
        if kind == 8:
            tokens = tuple(tokenize(pick([*self.STRINGS, "quick brown", "fox the"])))
            return TextMatch(field, tokens, pick(["or", "and"]), self.random.random() < 0.3)
        if kind == 9:
            return MatchAll()
        if kind == 10:
            return MatchNone()
        should = tuple(self.query(depth + 1) for _ in range(self.random.randint(0, 3)))
        return Bool(
            must=tuple(self.query(depth + 1) for _ in range(self.random.randint(0, 1))),
            must_not=tuple(self.query(depth + 1) for _ in range(self.random.randint(0, 1))),
            should=should,
            minimum_should_match=self.random.randint(0, len(should) + 1),
        )

    def search(self) -> Search:
        sort = tuple(
            SortKey(self.random.choice(self.PATHS), self.random.random() < 0.5)
            for _ in range(self.random.randint(0, 2))
        )
        after = None
        if sort and self.random.random() < 0.6:
            after = tuple(self.random.choice([*self.SCALARS, None]) for _ in sort)
        offset, limit = self.random.randint(0, 2), self.random.randint(0, 8)
        return Search(self.query(), sort, offset, limit, after)

    def test_agreement(self) -> None:
        """Both backends' query evaluation find the same hits in the same order."""
        for _ in range(40):
            documents: list[tuple[str, dict[str, Any]]] = [
                (str(n), {}) for n in range(self.random.randint(0, 12))
            ]
            store = Collection()
            for doc_id, source in documents:
                for name in self.random.sample(["a", "b", "c"], self.random.randint(0, 3)):
                    source[name] = self.value()
                store.add(doc_id, source)
            for _ in range(20):
                query = self.query()
                expected = [i for i, s in documents if self.evaluate.matches(query, i, s)]
                self.assertEqual(store.ids(query), expected, (query, documents))
                search = self.search()
                _, page = self.evaluate.run_search(search, documents)
                expected = [doc_id for doc_id, _ in page]
                self.assertEqual(store.search(search), expected, (search, documents))
