# -*- test-case-name: tests.storage.test_query -*-
"""
Elasticsearch queries, search bodies and Koncorde filters become query trees, and
everything else becomes a Kuzzle error with the right id (kuzzle-api.md §6, §7.2).
"""

from __future__ import annotations

import random
from typing import Any

from twisted.trial.unittest import SynchronousTestCase

from kuzzle_tx.errors import KuzzleError
from kuzzle_tx.realtime.koncorde import Koncorde
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
    Exists,
    Ids,
    MatchAll,
    MatchNone,
    Prefix,
    Range,
    Regexp,
    Search,
    SortKey,
    Term,
    Terms,
    TextMatch,
    Wildcard,
)

from .fixtures import DOCUMENTS, EXPECTED, EXPECTED_KONCORDE, EXPECTED_TEXT, resolve_text

INVALID = "services.storage.invalid_argument"
UNKNOWN = "services.storage.unknown_query_keyword"
BAD_SEARCH = "services.storage.invalid_search_query"


class ErrorAssertions(SynchronousTestCase):
    def assertError(self, error_id: str, function: Any, *args: Any, **kwargs: Any) -> KuzzleError:
        error = self.assertRaises(KuzzleError, function, *args, **kwargs)
        self.assertEqual(error.id, error_id, error.message)
        return error

    def assertInvalid(self, query: Any, name: str, resolve: Any = plain) -> None:
        error = self.assertError(INVALID, parse_query, query, resolve)
        self.assertEqual(error.props[0], name, error.message)


class SimpleQueryTests(ErrorAssertions):
    def test_empty(self) -> None:
        """No query, or an empty one, is match_all (Kuzzle's empty query)."""
        self.assertEqual(parse_query(None), MatchAll())
        self.assertEqual(parse_query({}), MatchAll())

    def test_match_all_none(self) -> None:
        """match_all and match_none take an empty object or a boost, nothing else."""
        self.assertEqual(parse_query({"match_all": {}}), MatchAll())
        self.assertEqual(parse_query({"match_all": {"boost": 2, "_name": "x"}}), MatchAll())
        self.assertEqual(parse_query({"match_none": {}}), MatchNone())
        self.assertInvalid({"match_all": {"boost": "high"}}, "query.match_all.boost")
        self.assertInvalid({"match_all": {"size": 1}}, "query.match_all.size")
        self.assertInvalid({"match_none": []}, "query.match_none")
        self.assertInvalid({"match_all": {"_name": 1}}, "query.match_all._name")

    def test_term(self) -> None:
        """term: short or object form, the value kept with its type."""
        self.assertEqual(parse_query({"term": {"a": "x"}}), Term("a", "x"))
        self.assertEqual(parse_query({"term": {"a": 1.5}}), Term("a", 1.5))
        self.assertEqual(parse_query({"term": {"a": True}}), Term("a", True))
        self.assertEqual(
            parse_query({"term": {"a": {"value": 3, "boost": 2, "case_insensitive": False}}}),
            Term("a", 3),
        )

    def test_term_errors(self) -> None:
        """A term needs one field and a scalar value, case-sensitive."""
        self.assertInvalid({"term": {"a": None}}, "query.term.a")
        self.assertInvalid({"term": {"a": [1]}}, "query.term.a")
        self.assertInvalid({"term": {"a": float("nan")}}, "query.term.a")
        self.assertInvalid({"term": {"a": {}}}, "query.term.a.value")
        self.assertInvalid({"term": {"a": {"value": {}}}}, "query.term.a.value")
        self.assertInvalid({"term": {"a": {"value": 1, "x": 1}}}, "query.term.a.x")
        self.assertInvalid(
            {"term": {"a": {"value": "x", "case_insensitive": True}}},
            "query.term.a.case_insensitive",
        )
        self.assertInvalid({"term": {"a": 1, "b": 2}}, "query.term")
        self.assertInvalid({"term": {"a": 1, "boost": 2}}, "query.term")
        self.assertInvalid({"term": {}}, "query.term")
        self.assertInvalid({"term": {"": 1}}, "query.term")
        self.assertInvalid({"term": "a"}, "query.term")

    def test_terms(self) -> None:
        """terms: one field, an array of scalars, an optional boost."""
        self.assertEqual(
            parse_query({"terms": {"a": ["x", 1, False], "boost": 1}}), Terms("a", ("x", 1, False))
        )
        self.assertEqual(parse_query({"terms": {"a": []}}), Terms("a", ()))
        self.assertInvalid({"terms": {"a": "x"}}, "query.terms.a")
        self.assertInvalid(
            {"terms": {"a": {"index": "i", "id": "1", "path": "p"}}}, "query.terms.a"
        )
        self.assertInvalid({"terms": {"a": [None]}}, "query.terms.a[0]")
        self.assertInvalid({"terms": {"a": [1], "b": [2]}}, "query.terms")
        self.assertInvalid({"terms": {"boost": 1}}, "query.terms")
        self.assertInvalid({"terms": {"a": [1], "boost": "x"}}, "query.terms.boost")

    def test_ids(self) -> None:
        """ids: the values, numbers printed as ids."""
        self.assertEqual(parse_query({"ids": {"values": ["a", 2]}}), Ids(("a", "2")))
        self.assertEqual(parse_query({"ids": {"values": []}}), Ids(()))
        self.assertInvalid({"ids": {}}, "query.ids.values")
        self.assertInvalid({"ids": {"values": "a"}}, "query.ids.values")
        self.assertInvalid({"ids": {"values": [["a"]]}}, "query.ids.values[0]")
        self.assertInvalid({"ids": {"values": [], "type": "_doc"}}, "query.ids.type")

    def test_id_field(self) -> None:
        """term, terms and match on _id are ids queries; _id is never resolved."""

        def refuse(field: str) -> tuple[str, bool]:
            raise AssertionError(field)

        self.assertEqual(parse_query({"term": {"_id": "x"}}, refuse), Ids(("x",)))
        self.assertEqual(parse_query({"term": {"_id": True}}, refuse), Ids(("true",)))
        self.assertEqual(parse_query({"terms": {"_id": ["x", 1]}}, refuse), Ids(("x", "1")))
        self.assertEqual(parse_query({"match": {"_id": "x"}}, refuse), Ids(("x",)))
        self.assertEqual(parse_query({"exists": {"field": "_id"}}, refuse), MatchAll())
        self.assertEqual(parse_query({"prefix": {"_id": "x"}}, refuse), Prefix("_id", "x"))
        self.assertEqual(
            parse_query({"range": {"_id": {"gt": "a"}}}, refuse), Range("_id", gt="a")
        )

    def test_exists(self) -> None:
        """exists: a field name."""
        self.assertEqual(parse_query({"exists": {"field": "a.b", "boost": 1}}), Exists("a.b"))
        self.assertInvalid({"exists": {}}, "query.exists.field")
        self.assertInvalid({"exists": {"field": ""}}, "query.exists.field")
        self.assertInvalid({"exists": {"field": 1}}, "query.exists.field")
        self.assertInvalid({"exists": "a"}, "query.exists")

    def test_prefix_wildcard(self) -> None:
        """prefix and wildcard: a string, short or in an object (wildcard: also "wildcard")."""
        self.assertEqual(parse_query({"prefix": {"a": "x"}}), Prefix("a", "x"))
        self.assertEqual(
            parse_query({"prefix": {"a": {"value": "x", "rewrite": "r"}}}), Prefix("a", "x")
        )
        self.assertEqual(parse_query({"wildcard": {"a": "x*"}}), Wildcard("a", "x*"))
        self.assertEqual(parse_query({"wildcard": {"a": {"wildcard": "x?"}}}), Wildcard("a", "x?"))
        self.assertEqual(parse_query({"wildcard": {"a": {"value": "v"}}}), Wildcard("a", "v"))
        self.assertInvalid({"prefix": {"a": 1}}, "query.prefix.a")
        self.assertInvalid({"prefix": {"a": {"value": 1}}}, "query.prefix.a.value")
        self.assertInvalid({"prefix": {"a": {}}}, "query.prefix.a.value")
        self.assertInvalid({"wildcard": {"a": {"boost": 1}}}, "query.wildcard.a.value")
        self.assertInvalid(
            {"wildcard": {"a": {"value": "x", "case_insensitive": True}}},
            "query.wildcard.a.case_insensitive",
        )
        self.assertInvalid({"prefix": {"a": "x", "b": "y"}}, "query.prefix")


class RangeTests(ErrorAssertions):
    def test_bounds(self) -> None:
        """range: gt, gte, lt, lte; format and boost accepted."""
        self.assertEqual(
            parse_query({"range": {"a": {"gt": 1, "lte": 5.5, "boost": 1}}}),
            Range("a", gt=1, lte=5.5),
        )
        self.assertEqual(
            parse_query({"range": {"a": {"gte": "2020", "lt": "2021", "format": "yyyy"}}}),
            Range("a", gte="2020", lt="2021"),
        )
        self.assertEqual(parse_query({"range": {"a": {"gt": None, "lt": 3}}}), Range("a", lt=3))

    def test_legacy(self) -> None:
        """from/to are inclusive unless include_lower/include_upper say otherwise."""
        self.assertEqual(
            parse_query({"range": {"a": {"from": 1, "to": 2}}}), Range("a", gte=1, lte=2)
        )
        self.assertEqual(
            parse_query(
                {
                    "range": {
                        "a": {"from": 1, "to": 2, "include_lower": False, "include_upper": False}
                    }
                }
            ),
            Range("a", gt=1, lt=2),
        )

    def test_last_word_wins(self) -> None:
        """As in Elasticsearch, a later option on the same bound replaces an earlier one."""
        self.assertEqual(parse_query({"range": {"a": {"gt": 1, "gte": 2}}}), Range("a", gte=2))
        self.assertEqual(
            parse_query({"range": {"a": {"gt": 1, "include_lower": True}}}), Range("a", gte=1)
        )

    def test_unbounded(self) -> None:
        """A range without bounds is exists."""
        self.assertEqual(parse_query({"range": {"a": {}}}), Exists("a"))
        self.assertEqual(parse_query({"range": {"a": {"gt": None}}}), Exists("a"))
        self.assertEqual(parse_query({"range": {"_id": {}}}), MatchAll())

    def test_errors(self) -> None:
        """Bounds are numbers or strings, of one kind; options are known ones."""
        self.assertInvalid({"range": {"a": {"gt": 1, "lt": "z"}}}, "query.range.a")
        self.assertInvalid({"range": {"a": {"gt": True}}}, "query.range.a.gt")
        self.assertInvalid({"range": {"a": {"gt": [1]}}}, "query.range.a.gt")
        self.assertInvalid({"range": {"a": {"gt": float("inf")}}}, "query.range.a.gt")
        self.assertInvalid({"range": {"a": {"time_zone": "+01:00"}}}, "query.range.a.time_zone")
        self.assertInvalid({"range": {"a": {"include_lower": 1}}}, "query.range.a.include_lower")
        self.assertInvalid({"range": {"a": {"format": 1}}}, "query.range.a.format")
        self.assertInvalid({"range": {"a": 1}}, "query.range.a")
        self.assertInvalid({"range": {"a": {}, "b": {}}}, "query.range")


class MatchTests(ErrorAssertions):
    def test_text_field(self) -> None:
        """On a full-text field, match and match_phrase compare the query's tokens."""
        self.assertEqual(
            parse_query({"match": {"title": "Quick, brown!"}}, resolve_text),
            TextMatch("title", ("quick", "brown"), "or"),
        )
        self.assertEqual(
            parse_query({"match": {"title": {"query": "a b", "operator": "AND"}}}, resolve_text),
            TextMatch("title", ("a", "b"), "and"),
        )
        self.assertEqual(
            parse_query({"match_phrase": {"title": {"query": "a B", "slop": 0}}}, resolve_text),
            TextMatch("title", ("a", "b"), phrase=True),
        )
        self.assertEqual(
            parse_query({"match": {"title": 42}}, resolve_text), TextMatch("title", ("42",))
        )

    def test_no_tokens(self) -> None:
        """No token matches nothing, unless zero_terms_query is "all"."""
        self.assertEqual(
            parse_query({"match": {"title": "?!"}}, resolve_text), TextMatch("title", ())
        )
        self.assertEqual(
            parse_query(
                {"match": {"title": {"query": "", "zero_terms_query": "all"}}}, resolve_text
            ),
            MatchAll(),
        )

    def test_exact_field(self) -> None:
        """On any other field (or a keyword sub-field), match is a term on the storage path."""
        self.assertEqual(parse_query({"match": {"name": "Bob Smith"}}), Term("name", "Bob Smith"))
        self.assertEqual(parse_query({"match": {"n": {"query": 3}}}), Term("n", 3))
        self.assertEqual(parse_query({"match_phrase": {"b": False}}), Term("b", False))
        self.assertEqual(
            parse_query({"match": {"title.keyword": "a b"}}, resolve_text), Term("title", "a b")
        )
        self.assertEqual(
            parse_query({"term": {"title.keyword": "a b"}}, resolve_text), Term("title", "a b")
        )

    def test_errors(self) -> None:
        """Unsupported options and malformed values are refused."""
        self.assertInvalid({"match": {"a": None}}, "query.match.a")
        self.assertInvalid({"match": {"a": {}}}, "query.match.a.query")
        self.assertInvalid(
            {"match": {"a": {"query": "x", "operator": "xor"}}}, "query.match.a.operator"
        )
        self.assertInvalid(
            {"match": {"a": {"query": "x", "fuzziness": 2}}}, "query.match.a.fuzziness"
        )
        self.assertInvalid(
            {"match": {"a": {"query": "x", "zero_terms_query": 1}}},
            "query.match.a.zero_terms_query",
        )
        self.assertInvalid(
            {"match": {"a": {"query": "x", "lenient": "y"}}}, "query.match.a.lenient"
        )
        self.assertInvalid(
            {"match_phrase": {"a": {"query": "x", "slop": 1}}}, "query.match_phrase.a.slop"
        )
        self.assertInvalid(
            {"match_phrase": {"a": {"query": "x", "operator": "and"}}},
            "query.match_phrase.a.operator",
        )
        self.assertInvalid({"match": {"a": "x", "b": "y"}}, "query.match")


class BoolTests(ErrorAssertions):
    def test_clauses(self) -> None:
        """Each clause is an object or an array of them."""
        self.assertEqual(
            parse_query(
                {
                    "bool": {
                        "must": {"term": {"a": 1}},
                        "filter": [{"term": {"b": 2}}, {"exists": {"field": "c"}}],
                        "must_not": [],
                        "boost": 1,
                    }
                }
            ),
            Bool(must=(Term("a", 1),), filter=(Term("b", 2), Exists("c"))),
        )
        self.assertEqual(parse_query({"bool": {}}), Bool())

    def assertMinimum(self, should: int, others: dict[str, Any], expected: int) -> None:
        clauses = [{"term": {"a": n}} for n in range(should)]
        query = parse_query({"bool": {"should": clauses, **others}})
        assert isinstance(query, Bool)
        self.assertEqual(query.minimum_should_match, expected, (should, others))

    def test_minimum_should_match_default(self) -> None:
        """One should clause is required only when there is no must nor filter clause."""
        self.assertMinimum(2, {}, 1)
        self.assertMinimum(0, {}, 0)
        self.assertMinimum(2, {"must_not": {"match_all": {}}}, 1)
        self.assertMinimum(2, {"must": {"match_all": {}}}, 0)
        self.assertMinimum(2, {"filter": {"match_all": {}}}, 0)
        self.assertMinimum(2, {"minimum_should_match": None}, 1)

    def test_minimum_should_match_forms(self) -> None:
        """Integers, negative integers, percentages (rounded down), negative percentages."""
        self.assertMinimum(3, {"minimum_should_match": 2}, 2)
        self.assertMinimum(3, {"minimum_should_match": "2"}, 2)
        self.assertMinimum(3, {"minimum_should_match": 0}, 0)
        self.assertMinimum(3, {"minimum_should_match": -1}, 2)
        self.assertMinimum(3, {"minimum_should_match": " -1 "}, 2)
        self.assertMinimum(3, {"minimum_should_match": "-5"}, 0)
        self.assertMinimum(3, {"minimum_should_match": "50%"}, 1)
        self.assertMinimum(4, {"minimum_should_match": "75%"}, 3)
        self.assertMinimum(3, {"minimum_should_match": "-25%"}, 3)
        self.assertMinimum(4, {"minimum_should_match": "-25%"}, 3)
        self.assertMinimum(3, {"minimum_should_match": "-50%"}, 2)
        self.assertMinimum(3, {"minimum_should_match": "100%"}, 3)

    def test_minimum_should_match_beyond(self) -> None:
        """More than there are should clauses is stored as one more (nothing matches)."""
        self.assertMinimum(2, {"minimum_should_match": 10**12}, 3)
        self.assertMinimum(0, {"minimum_should_match": 1, "must": {"match_all": {}}}, 1)

    def test_errors(self) -> None:
        """Unknown options, malformed clauses and minimum_should_match are refused."""
        self.assertInvalid({"bool": {"mustnt": []}}, "query.bool.mustnt")
        self.assertInvalid({"bool": {"must": "x"}}, "query.bool.must")
        self.assertInvalid({"bool": {"must": [{}]}}, "query.bool.must[0]")
        self.assertInvalid({"bool": {"filter": {"a": 1, "b": 2}}}, "query.bool.filter")
        self.assertInvalid(
            {"bool": {"should": [{"term": {"a": 1}}, {"term": {}}]}}, "query.bool.should[1].term"
        )
        bad: Any
        for bad in ("3<90%", "x", 1.5, True, "1" * 30, [], "50%%"):
            self.assertInvalid(
                {"bool": {"should": [], "minimum_should_match": bad}},
                "query.bool.minimum_should_match",
            )
        self.assertInvalid({"bool": []}, "query.bool")

    def test_deep(self) -> None:
        """A query nested beyond the recursion limit is refused, not a crash."""
        query: dict[str, Any] = {"match_all": {}}
        for _ in range(5000):
            query = {"bool": {"must": query}}
        self.assertInvalid(query, "query")


class KeywordTests(ErrorAssertions):
    def test_unknown(self) -> None:
        """Keywords we do not know, Koncorde's and unimplemented ES ones, are unknown."""
        for keyword in (
            "equals",
            "in",
            "fuzzy",
            "nested",
            "query_string",
            "script",
            "geo_distance",
            "regexp",
            "missing",
        ):
            error = self.assertError(UNKNOWN, parse_query, {keyword: {"a": 1}})
            self.assertEqual(error.props, [keyword])
        error = self.assertError(
            UNKNOWN, parse_query, {"bool": {"filter": [{"equals": {"a": 1}}]}}
        )
        self.assertEqual(error.props, ["equals"])

    def test_shape(self) -> None:
        """A query is an object with exactly one keyword."""
        query: Any
        for query in ([], "match_all", 1, {"term": {"a": 1}, "match_all": {}}):
            self.assertInvalid(query, "query")

    def test_resolver(self) -> None:
        """Field names go through the resolver; its path is the one stored."""
        resolve = {"n": ("name", False), "t": ("text", True)}.__getitem__
        self.assertEqual(parse_query({"term": {"n": 1}}, resolve), Term("name", 1))
        self.assertEqual(parse_query({"term": {"t": "A B"}}, resolve), Term("text", "A B"))
        self.assertEqual(parse_query({"terms": {"n": [1]}}, resolve), Terms("name", (1,)))
        self.assertEqual(parse_query({"exists": {"field": "n"}}, resolve), Exists("name"))
        self.assertEqual(parse_query({"range": {"n": {"gt": 1}}}, resolve), Range("name", gt=1))
        self.assertEqual(parse_query({"prefix": {"n": "x"}}, resolve), Prefix("name", "x"))
        self.assertEqual(parse_query({"wildcard": {"n": "x"}}, resolve), Wildcard("name", "x"))
        self.assertEqual(parse_query({"match": {"t": "x"}}, resolve), TextMatch("text", ("x",)))

    def test_resolver_errors(self) -> None:
        """A resolver may refuse a field with its own Kuzzle error."""

        def strict(field: str) -> tuple[str, bool]:
            raise KuzzleError("services.storage.strict_mapping_rejection", field, "i", "c")

        self.assertError(
            "services.storage.strict_mapping_rejection", parse_query, {"term": {"x": 1}}, strict
        )


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


class SourceFilterTests(ErrorAssertions):
    SOURCE: dict[str, Any] = {
        "name": "Alice",
        "age": 3,
        "address": {"city": "Paris", "zip": "75001", "geo": {"lat": 1, "lon": 2}},
        "items": [{"sku": "x", "qty": 1}, {"sku": "y"}, 7],
        "empty": {},
    }

    def apply(self, body: dict[str, Any]) -> Any:
        return parse_search(body, None, None)[1].apply(self.SOURCE)

    def test_parse(self) -> None:
        """_source: a boolean, a pattern, patterns, or includes/excludes; plus the URL forms."""
        self.assertEqual(parse_search({"_source": False}, None, None)[1], SourceFilter(False))
        self.assertEqual(
            parse_search({"_source": "a*"}, None, None)[1], SourceFilter(True, ("a*",))
        )
        self.assertEqual(
            parse_search(
                {
                    "_source": {"include": "a", "excludes": ["b", "c"]},
                    "_source_includes": "d, e",
                    "_source_excludes": ["f"],
                },
                None,
                None,
            )[1],
            SourceFilter(True, ("a", "d", "e"), ("b", "c", "f")),
        )
        body: Any
        for body in (
            {"_source": 1},
            {"_source": [1]},
            {"_source": {"only": ["a"]}},
            {"_source": {"includes": {}}},
            {"_source_includes": 3},
        ):
            self.assertError(INVALID, parse_search, body, None, None)

    def test_whole(self) -> None:
        """No filter returns the source; false returns none."""
        self.assertIs(self.apply({}), self.SOURCE)
        self.assertIsNone(self.apply({"_source": False}))

    def test_includes(self) -> None:
        """An included path keeps its subtree; a dotted one keeps only that branch."""
        self.assertEqual(
            self.apply({"_source": ["name", "address.city"]}),
            {"name": "Alice", "address": {"city": "Paris"}},
        )
        self.assertEqual(
            self.apply({"_source": "address.geo"}), {"address": {"geo": {"lat": 1, "lon": 2}}}
        )
        self.assertEqual(
            self.apply({"_source": "items.sku"}), {"items": [{"sku": "x"}, {"sku": "y"}]}
        )
        self.assertEqual(self.apply({"_source": "name.first"}), {})
        self.assertEqual(self.apply({"_source": "nothing"}), {})
        self.assertEqual(self.apply({"_source": "empty"}), {"empty": {}})

    def test_wildcards(self) -> None:
        """* matches any run, dots included."""
        self.assertEqual(
            self.apply({"_source": "a*"}), {"age": 3, "address": self.SOURCE["address"]}
        )
        self.assertEqual(self.apply({"_source": "*.lat"}), {"address": {"geo": {"lat": 1}}})
        self.assertEqual(self.apply({"_source": "*"}), self.SOURCE)
        self.assertEqual(
            self.apply({"_source": "address.*o*"}),
            {"address": {"geo": {"lat": 1, "lon": 2}}},
        )

    def test_excludes(self) -> None:
        """Excluded paths are removed, below includes too."""
        self.assertEqual(
            self.apply({"_source": {"excludes": ["address", "items.qty", "empty"]}}),
            {"name": "Alice", "age": 3, "items": [{"sku": "x"}, {"sku": "y"}, 7]},
        )
        self.assertEqual(
            self.apply({"_source": {"includes": "address", "excludes": "*.zip"}}),
            {"address": {"city": "Paris", "geo": {"lat": 1, "lon": 2}}},
        )
        self.assertEqual(
            self.apply({"_source_excludes": "address.geo.*,name,age,items,empty"}),
            {"address": {"city": "Paris", "zip": "75001", "geo": {}}},
        )


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
            (
                {"geoBoundingBox": {"a": {"top": 1, "left": 0, "bottom": 0, "right": 1}}},
                "geoBoundingBox",
            ),
            ({"geoDistance": {"a": [0, 0], "distance": "1km"}}, "geoDistance"),
            ({"geoDistanceRange": {"a": [0, 0], "from": "1km", "to": "2km"}}, "geoDistanceRange"),
            ({"geoPolygon": {"a": {"points": [[0, 0], [0, 1], [1, 1]]}}}, "geoPolygon"),
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
