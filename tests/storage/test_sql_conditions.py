# -*- test-case-name: tests.storage.test_sql_conditions -*-
"""
Each query node compiled to an SQL condition (`kuzzle_tx.storage.sql_conditions`, and
the functions of `kuzzle_tx.storage.sql_functions` it calls), run against an in-memory
SQLite database laid out as the SQLite backend lays out a collection.
"""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from kuzzle_tx.storage.query_ast import (
    Bool,
    Exists,
    Ids,
    MatchAll,
    MatchNone,
    Prefix,
    Range,
    Regexp,
    Scalar,
    Term,
    Terms,
    TextMatch,
    Wildcard,
)
from kuzzle_tx.storage.sql_query import (
    compile_count,
    compile_where,
    regexp_search,
    text_match,
    wildcard_to_glob,
)

from .sql_collection import DOCS, FIELDS, collection


class TermTests(SynchronousTestCase):
    def test_exact_value(self) -> None:
        """A term matches documents having exactly that value at the path."""
        store = collection({"a": "x"}, {"a": "xy"}, {"b": "x"})
        self.assertEqual(store.ids(Term("a", "x")), ["0"])

    def test_typed(self) -> None:
        """ "1" is not 1, in either direction."""
        store = collection({"a": "1"}, {"a": 1})
        self.assertEqual(store.ids(Term("a", 1)), ["1"])
        self.assertEqual(store.ids(Term("a", "1")), ["0"])

    def test_booleans_are_integers(self) -> None:
        """A boolean compares as 0/1: true matches 1 and true, 0 matches false."""
        store = collection({"a": True}, {"a": 1}, {"a": False}, {"a": "true"})
        self.assertEqual(store.ids(Term("a", True)), ["0", "1"])
        self.assertEqual(store.ids(Term("a", 0)), ["2"])

    def test_integer_equals_float(self) -> None:
        """Numbers compare by value: 1 matches 1.0."""
        store = collection({"a": 1.0}, {"a": 1.5})
        self.assertEqual(store.ids(Term("a", 1)), ["0"])
        self.assertEqual(store.ids(Term("a", 1.5)), ["1"])

    def test_any_array_element(self) -> None:
        """In an array, any element may match."""
        store = collection({"a": ["x", "y"]}, {"a": ["z"]})
        self.assertEqual(store.ids(Term("a", "y")), ["0"])

    def test_objects_in_arrays(self) -> None:
        """Objects in an array contribute their fields to the same path."""
        store = collection({"a": [{"b": 1}, {"b": 2}]}, {"a": {"b": 3}})
        self.assertEqual(store.ids(Term("a.b", 2)), ["0"])
        self.assertEqual(store.ids(Term("a.b", 3)), ["1"])
        self.assertEqual(store.ids(Term("a", 2)), [])

    def test_id_field(self) -> None:
        """_id names the document id; a number never equals an id."""
        store = collection({"a": 1}, {"_id": "0"})
        self.assertEqual(store.ids(Term("_id", "1")), ["1"])
        self.assertEqual(store.ids(Term("_id", 1)), [])

    def test_uses_primary_key(self) -> None:
        """A term is a search of the (path, v) primary key, never a scan of the fields."""
        store = collection(*({"a": n} for n in range(100)))
        sql, params = compile_count(Term("a", 5), DOCS, FIELDS)
        plan = store.plan(sql, params)
        self.assertIn("SEARCH f USING PRIMARY KEY (path=? AND v=?)", plan)
        self.assertFalse([line for line in plan if line.startswith("SCAN")], plan)


class TermsTests(SynchronousTestCase):
    def test_any_of(self) -> None:
        """Terms matches a document having any of the values, typed."""
        store = collection({"a": 1}, {"a": "2"}, {"a": 3}, {"a": True})
        self.assertEqual(store.ids(Terms("a", (1, 2, 3))), ["0", "2", "3"])

    def test_empty(self) -> None:
        """No values: nothing matches."""
        self.assertEqual(collection({"a": 1}).ids(Terms("a", ())), [])

    def test_many_values(self) -> None:
        """
        Over 40,000 values fit in one statement (one JSON parameter), keeping types:
        integers, floats, strings and booleans as 0/1.
        """
        store = collection({"a": 39_999}, {"a": "39999"}, {"a": 0.5}, {"a": "é😀"}, {"a": -1})
        values: tuple[Scalar, ...] = (*range(40_000), 0.5, "é😀", False)
        sql, params = compile_where(Terms("a", values), DOCS, FIELDS)
        self.assertLess(len(params), 10)
        self.assertEqual(store.ids(Terms("a", values)), ["0", "2", "3"])
        store.add("false", {"a": False})
        self.assertEqual(store.ids(Terms("a", values)), ["0", "2", "3", "false"])

    def test_many_ids(self) -> None:
        """Many ids work the same, and numbers never match an id."""
        store = collection({}, {}, {})
        values: tuple[Scalar, ...] = (*map(str, range(1, 40_000)), 0)
        self.assertEqual(store.ids(Terms("_id", values)), ["1", "2"])
        self.assertEqual(store.ids(Ids(tuple(map(str, range(1, 40_000))))), ["1", "2"])

    def test_uses_primary_key(self) -> None:
        """Many values are still searched in the primary key, one by one."""
        store = collection({"a": 1})
        sql, params = compile_count(Terms("a", tuple(range(1000))), DOCS, FIELDS)
        plan = store.plan(sql, params)
        self.assertIn("SEARCH f USING PRIMARY KEY (path=? AND v=?)", plan)


class IdsTests(SynchronousTestCase):
    def test_ids(self) -> None:
        """Ids matches documents by id, whatever their content."""
        store = collection({}, {"id": "0"}, {})
        self.assertEqual(store.ids(Ids(("0", "2", "nope"))), ["0", "2"])
        self.assertEqual(store.ids(Ids(())), [])


class ExistsTests(SynchronousTestCase):
    def test_scalar_and_array(self) -> None:
        """A field with a scalar, or an array holding one, exists."""
        store = collection({"a": 0}, {"a": [None, ""]}, {"a": False})
        self.assertEqual(store.ids(Exists("a")), ["0", "1", "2"])

    def test_null_and_empty(self) -> None:
        """null, [], [null] and {} do not exist."""
        store = collection({"a": None}, {"a": []}, {"a": [None]}, {"a": {}}, {})
        self.assertEqual(store.ids(Exists("a")), [])

    def test_object(self) -> None:
        """An object with a value somewhere below it exists, at each level."""
        store = collection({"a": {"b": {"c": 1}}}, {"a": [{"b": None}, {"d": 2}]}, {"a": {"": 0}})
        self.assertEqual(store.ids(Exists("a")), ["0", "1", "2"])
        self.assertEqual(store.ids(Exists("a.b")), ["0"])
        self.assertEqual(store.ids(Exists("a.b.c")), ["0"])

    def test_similar_names(self) -> None:
        """Only the field and paths below it count, not names sharing its start."""
        store = collection({"ab": 1}, {"a-b": 1}, {"a/b": 1}, {"a": {"b": 1}})
        self.assertEqual(store.ids(Exists("a")), ["3"])

    def test_id(self) -> None:
        """_id always exists."""
        self.assertEqual(collection({}).ids(Exists("_id")), ["0"])


class RangeTests(SynchronousTestCase):
    def test_numbers(self) -> None:
        """Numeric bounds, strict or not, over integers and floats."""
        store = collection({"a": 1}, {"a": 2.5}, {"a": 3}, {"a": 4})
        self.assertEqual(store.ids(Range("a", gt=1, lte=3)), ["1", "2"])
        self.assertEqual(store.ids(Range("a", gte=1, lt=3)), ["0", "1"])
        self.assertEqual(store.ids(Range("a", gt=2.5)), ["2", "3"])
        self.assertEqual(store.ids(Range("a", lt=2)), ["0"])

    def test_typed(self) -> None:
        """Number bounds ignore strings, string bounds ignore numbers."""
        store = collection({"a": "5"}, {"a": 5}, {"a": "b"}, {"a": True})
        self.assertEqual(store.ids(Range("a", gte=1)), ["1", "3"])
        self.assertEqual(store.ids(Range("a", lt="c")), ["0", "2"])
        self.assertEqual(store.ids(Range("a", gt="a")), ["2"])

    def test_mixed_bounds(self) -> None:
        """A number bound and a string bound together match nothing."""
        store = collection({"a": ["5", 5]})
        self.assertEqual(store.ids(Range("a", gte=1, lte="z")), [])

    def test_boolean_bound(self) -> None:
        """A boolean bound is a number: 0 or 1."""
        store = collection({"a": 0}, {"a": 1}, {"a": False})
        self.assertEqual(store.ids(Range("a", gte=True)), ["1"])

    def test_one_value_holds_all_bounds(self) -> None:
        """One value must lie within all bounds: [1, 10] is not within (2, 5)."""
        store = collection({"a": [1, 10]}, {"a": [1, 3]})
        self.assertEqual(store.ids(Range("a", gt=2, lt=5)), ["1"])

    def test_unbounded(self) -> None:
        """No bound at all: any value matches."""
        store = collection({"a": "x"}, {"a": 1}, {"b": 1})
        self.assertEqual(store.ids(Range("a")), ["0", "1"])

    def test_strings_by_code_point(self) -> None:
        """Strings compare by code point, as Python compares them."""
        values = ["a", "B", "é", "😀", "\uffff", ""]
        store = collection(*({"a": value} for value in values))
        found = store.ids(Range("a", gt="B", lt="😀"))
        self.assertEqual(found, [str(i) for i, v in enumerate(values) if "B" < v < "😀"])

    def test_id(self) -> None:
        """Ranges apply to the id as a string."""
        store = collection({}, {}, {})
        self.assertEqual(store.ids(Range("_id", gte="1")), ["1", "2"])
        self.assertEqual(store.ids(Range("_id", gte=0)), [])


class PrefixTests(SynchronousTestCase):
    def test_prefix(self) -> None:
        """A string value starting with the prefix, case-sensitively."""
        store = collection({"a": "kuzzle"}, {"a": "Kuzzle"}, {"a": "ku"}, {"a": "k"})
        self.assertEqual(store.ids(Prefix("a", "ku")), ["0", "2"])

    def test_not_numbers(self) -> None:
        """Numbers are not strings: prefix "1" does not match 12."""
        store = collection({"a": 12}, {"a": "12"})
        self.assertEqual(store.ids(Prefix("a", "1")), ["1"])

    def test_unicode(self) -> None:
        """Prefixes and values may hold any character, the highest included."""
        top = "\U0010ffff"
        values = ["éa", "éb", "f", "e", "😀x", "a" + top, "a" + top + "x", "b", top, top + top]
        store = collection(*({"a": value} for value in values))
        for prefix in ["é", "😀", "a" + top, top, "\ud7ff", ""]:
            expected = [str(i) for i, v in enumerate(values) if v.startswith(prefix)]
            self.assertEqual(store.ids(Prefix("a", prefix)), expected, prefix)

    def test_below_surrogates(self) -> None:
        """A prefix ending just below the surrogates still ends at the next character."""
        store = collection({"a": "\ud7ffz"}, {"a": "\ue000"})
        self.assertEqual(store.ids(Prefix("a", "\ud7ff")), ["0"])

    def test_id(self) -> None:
        """A prefix on _id matches document ids."""
        store = collection()
        for doc_id in ["user-1", "user-2", "admin"]:
            store.add(doc_id, {})
        self.assertEqual(store.ids(Prefix("_id", "user-")), ["user-1", "user-2"])


class WildcardTests(SynchronousTestCase):
    def test_star_and_question_mark(self) -> None:
        """``*`` is any run (even empty), ``?`` exactly one character."""
        store = collection(
            {"a": "abc"}, {"a": "ac"}, {"a": "abbc"}, {"a": "aéc"}, {"a": "Abc"}, {"a": "a😀c"}
        )
        self.assertEqual(store.ids(Wildcard("a", "a*c")), ["0", "1", "2", "3", "5"])
        self.assertEqual(store.ids(Wildcard("a", "a?c")), ["0", "3", "5"])
        self.assertEqual(store.ids(Wildcard("a", "*")), ["0", "1", "2", "3", "4", "5"])

    def test_escapes(self) -> None:
        """A backslash makes the next character literal."""
        store = collection({"a": "a*b"}, {"a": "axb"}, {"a": "a?b"}, {"a": "a\\b"})
        self.assertEqual(store.ids(Wildcard("a", "a\\*b")), ["0"])
        self.assertEqual(store.ids(Wildcard("a", "a\\?b")), ["2"])
        self.assertEqual(store.ids(Wildcard("a", "a\\\\b")), ["3"])

    def test_glob_characters_in_data(self) -> None:
        """GLOB's own brackets are plain characters of the pattern."""
        store = collection({"a": "[x]"}, {"a": "x"}, {"a": "]["}, {"a": "[^x]"})
        self.assertEqual(store.ids(Wildcard("a", "[x]")), ["0"])
        self.assertEqual(store.ids(Wildcard("a", "[*]")), ["0", "3"])
        self.assertEqual(store.ids(Wildcard("a", "][")), ["2"])
        self.assertEqual(store.ids(Wildcard("a", "[^x]")), ["3"])

    def test_newlines_and_numbers(self) -> None:
        """``*`` crosses newlines; numbers are not strings."""
        store = collection({"a": "a\nb"}, {"a": 12})
        self.assertEqual(store.ids(Wildcard("a", "a*b")), ["0"])
        self.assertEqual(store.ids(Wildcard("a", "1*")), [])

    def test_translation(self) -> None:
        """The GLOB pattern, and the literal prefix an index can scan."""
        self.assertEqual(wildcard_to_glob("ab*c?"), ("ab*c?", "ab"))
        self.assertEqual(wildcard_to_glob("a\\*[]?"), ("a[*][[][]]?", "a*[]"))
        self.assertEqual(wildcard_to_glob("x\\"), ("x\\", "x\\"))


class RegexpTests(SynchronousTestCase):
    def test_search(self) -> None:
        """The expression is searched anywhere in string values, numbers excluded."""
        store = collection({"a": "skiing"}, {"a": "SKI"}, {"a": 12}, {"a": "12"})
        self.assertEqual(store.ids(Regexp("a", "ki")), ["0"])
        self.assertEqual(store.ids(Regexp("a", "^ki")), [])
        self.assertEqual(store.ids(Regexp("a", "^\\d+$")), ["3"])

    def test_flags(self) -> None:
        """
        i ignores case, m anchors at lines, s lets ``.`` match a newline, y anchors at
        the start; g changes nothing.
        """
        store = collection({"a": "Ski"}, {"a": "x\nski"})
        self.assertEqual(store.ids(Regexp("a", "^ski", "i")), ["0"])
        self.assertEqual(store.ids(Regexp("a", "^ski", "m")), ["1"])
        self.assertEqual(store.ids(Regexp("a", "x.s")), [])
        self.assertEqual(store.ids(Regexp("a", "x.s", "sg")), ["1"])
        self.assertEqual(store.ids(Regexp("a", "ski", "y")), [])
        self.assertEqual(store.ids(Regexp("a", "x", "y")), ["1"])

    def test_invalid(self) -> None:
        """An invalid expression or flag matches nothing (and does not fail the statement)."""
        store = collection({"a": "("})
        self.assertEqual(store.ids(Regexp("a", "(")), [])
        self.assertEqual(store.ids(Regexp("a", "\\(", "x")), [])
        self.assertEqual(store.ids(Regexp("a", "\\(", "ii")), [])
        self.assertEqual(store.ids(Regexp("a", "\\(")), ["0"])
        self.assertFalse(regexp_search("(", "", "("))


class TextMatchTests(SynchronousTestCase):
    def test_or(self) -> None:
        """With "or", one token is enough, case and punctuation aside."""
        store = collection({"a": "The Quick fox."}, {"a": "slow dog"}, {"a": ["x", "FOX!"]})
        self.assertEqual(store.ids(TextMatch("a", ("fox", "cat"))), ["0", "2"])

    def test_and(self) -> None:
        """With "and", one value must hold every token."""
        store = collection({"a": "quick brown fox"}, {"a": ["quick", "fox"]})
        self.assertEqual(store.ids(TextMatch("a", ("fox", "quick"), "and")), ["0"])

    def test_phrase(self) -> None:
        """A phrase needs the tokens contiguous and in order, in one value."""
        store = collection(
            {"a": "the quick brown fox"}, {"a": "brown quick"}, {"a": "quick red brown"}
        )
        self.assertEqual(store.ids(TextMatch("a", ("quick", "brown"), phrase=True)), ["0"])
        self.assertEqual(store.ids(TextMatch("a", ("brown",), phrase=True)), ["0", "1", "2"])

    def test_no_tokens(self) -> None:
        """No token matches nothing."""
        self.assertEqual(collection({"a": "x"}).ids(TextMatch("a", ())), [])
        self.assertFalse(text_match("x", (), "or", False))

    def test_only_strings(self) -> None:
        """Numbers are not text."""
        store = collection({"a": 12}, {"a": "12"})
        self.assertEqual(store.ids(TextMatch("a", ("12",))), ["1"])


class BoolTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.store = collection(
            {"a": 1, "b": 1, "c": 1}, {"a": 1, "b": 1}, {"a": 1}, {"b": 1, "c": 1}, {}
        )

    def test_must_filter_must_not(self) -> None:
        """Every must and filter clause, and no must_not clause."""
        query = Bool(must=(Term("a", 1),), filter=(Term("b", 1),), must_not=(Exists("c"),))
        self.assertEqual(self.store.ids(query), ["1"])

    def test_minimum_should_match(self) -> None:
        """At least k of the should clauses."""
        should = (Term("a", 1), Term("b", 1), Term("c", 1))
        self.assertEqual(
            self.store.ids(Bool(should=should, minimum_should_match=1)), ["0", "1", "2", "3"]
        )
        self.assertEqual(
            self.store.ids(Bool(should=should, minimum_should_match=2)), ["0", "1", "3"]
        )
        self.assertEqual(self.store.ids(Bool(should=should, minimum_should_match=3)), ["0"])
        self.assertEqual(self.store.ids(Bool(should=should, minimum_should_match=4)), [])

    def test_should_ignored(self) -> None:
        """With minimum_should_match 0, should clauses change nothing."""
        query = Bool(must=(Term("a", 1),), should=(Term("c", 1),))
        self.assertEqual(self.store.ids(query), ["0", "1", "2"])

    def test_empty_and_nested(self) -> None:
        """An empty bool matches everything; bools nest."""
        self.assertEqual(self.store.ids(Bool()), ["0", "1", "2", "3", "4"])
        inner = Bool(should=(Term("c", 1), MatchNone()), minimum_should_match=1)
        self.assertEqual(self.store.ids(Bool(must_not=(inner,))), ["1", "2", "4"])

    def test_match_all_none(self) -> None:
        """MatchAll matches every document, MatchNone none."""
        self.assertEqual(self.store.ids(MatchAll()), ["0", "1", "2", "3", "4"])
        self.assertEqual(self.store.ids(MatchNone()), [])
