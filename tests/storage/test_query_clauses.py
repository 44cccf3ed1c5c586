# -*- test-case-name: tests.storage.test_query_clauses -*-
"""
Elasticsearch queries become query trees, and everything else becomes a Kuzzle error
with the right id and place (kuzzle-api.md §6, §7.2): `kuzzle_tx.storage.query_clauses`.
"""

from __future__ import annotations

from typing import Any

from kuzzle_tx.errors import KuzzleError
from kuzzle_tx.storage.query import (
    parse_query,
)
from kuzzle_tx.storage.query_ast import (
    Bool,
    Exists,
    Ids,
    MatchAll,
    MatchNone,
    Prefix,
    Range,
    Term,
    Terms,
    TextMatch,
    Wildcard,
)

from .fixtures import resolve_text
from .query_assertions import UNKNOWN, ErrorAssertions


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
        """
        Keywords Elasticsearch does not know (Koncorde's) are unknown_query_keyword; real
        Elasticsearch queries we do not implement are invalid_query_keyword.
        """
        for keyword in ("equals", "in", "missing", "geoDistance", "nope"):
            error = self.assertError(UNKNOWN, parse_query, {keyword: {"a": 1}})
            self.assertEqual(error.props, [keyword])
        for keyword in ("fuzzy", "nested", "query_string", "script", "geo_distance", "regexp"):
            error = self.assertError(
                "services.storage.invalid_query_keyword", parse_query, {keyword: {"a": 1}}
            )
            self.assertEqual(error.props, [keyword])
            self.assertEqual(
                error.message, f'The "{keyword}" keyword is not allowed in this query.'
            )
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
