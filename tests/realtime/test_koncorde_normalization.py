# -*- test-case-name: tests.realtime.test_koncorde_normalization -*-
"""
Room identity (kuzzle-api.md §6.3): equivalent filters on the same index and
collection get the same room id, on every node and after every restart;
anything else gets another one.
"""

from __future__ import annotations

from typing import Any

from twisted.trial.unittest import SynchronousTestCase

from kuzzle_tx.realtime.koncorde import Koncorde

from .koncorde_support import room_id

A = {"equals": {"a": 1}}
B = {"exists": "b"}
C = {"range": {"c": {"gt": 0}}}


class EquivalenceTests(SynchronousTestCase):
    def assertSameRoom(self, *filters: Any) -> None:
        ids = {room_id(f) for f in filters}
        self.assertEqual(len(ids), 1, filters)

    def assertOtherRoom(self, first: Any, second: Any) -> None:
        self.assertNotEqual(room_id(first), room_id(second))

    def test_key_order(self) -> None:
        """The order of keys in objects does not matter."""
        self.assertSameRoom(
            {"range": {"a": {"gte": 1, "lt": 5}}}, {"range": {"a": {"lt": 5, "gte": 1}}}
        )
        self.assertSameRoom(
            {"match": {"x": 1, "y": {"p": 1, "q": 2}}}, {"match": {"y": {"q": 2, "p": 1}, "x": 1}}
        )
        self.assertSameRoom(
            {"regexp": {"a": {"value": "x", "flags": "i"}}},
            {"regexp": {"a": {"flags": "i", "value": "x"}}},
        )

    def test_single_term_operands(self) -> None:
        """``and``/``or`` of one term is that term."""
        self.assertSameRoom(A, {"and": [A]}, {"or": [A]}, {"and": [{"or": [{"and": [A]}]}]})

    def test_term_order_and_nesting(self) -> None:
        """Terms may come in any order and any grouping."""
        self.assertSameRoom(
            {"and": [A, B, C]},
            {"and": [C, B, A]},
            {"and": [A, {"and": [B, C]}]},
            {"and": [{"and": [C, A]}, B]},
        )
        self.assertSameRoom({"or": [A, B, C]}, {"or": [{"or": [C, B]}, A]})

    def test_duplicates(self) -> None:
        """A repeated term counts once."""
        self.assertSameRoom(A, {"and": [A, A]}, {"or": [A, A]})

    def test_bool(self) -> None:
        """``bool`` is its ``and``/``or``/``not`` rewriting."""
        self.assertSameRoom({"bool": {"must": [A, B]}}, {"and": [A, B]})
        self.assertSameRoom({"bool": {"must_not": [A, B]}}, {"not": {"or": [A, B]}})
        self.assertSameRoom({"bool": {"should": [A, B]}}, {"or": [A, B]})
        self.assertSameRoom({"bool": {"should_not": [A, B]}}, {"not": {"and": [A, B]}})
        self.assertSameRoom(
            {"bool": {"must": [A], "should": [B, C]}},
            {"and": [A, {"or": [B, C]}]},
            {"or": [{"and": [A, B]}, {"and": [C, A]}]},
        )

    def test_in_and_ids(self) -> None:
        """``in``/``ids`` are ``or`` of ``equals``, in any order."""
        self.assertSameRoom(
            {"in": {"a": ["x", "y"]}},
            {"in": {"a": ["y", "x", "y"]}},
            {"or": [{"equals": {"a": "y"}}, {"equals": {"a": "x"}}]},
        )
        self.assertSameRoom(
            {"ids": {"values": ["1", "2"]}},
            {"or": [{"equals": {"_id": "1"}}, {"equals": {"_id": "2"}}]},
        )

    def test_negations(self) -> None:
        """Double negations cancel; negations go down by De Morgan's laws."""
        self.assertSameRoom(A, {"not": {"not": A}}, {"not": {"not": {"not": {"not": A}}}})
        self.assertSameRoom({"not": {"and": [A, B]}}, {"or": [{"not": A}, {"not": B}]})
        self.assertSameRoom({"not": {"or": [A, B]}}, {"and": [{"not": A}, {"not": B}]})
        self.assertOtherRoom(A, {"not": A})

    def test_missing_and_exists(self) -> None:
        """``missing`` is ``not exists``; the legacy ``{field}`` syntax is the same."""
        self.assertSameRoom({"missing": "a.b"}, {"not": {"exists": "a.b"}})
        self.assertSameRoom({"exists": "a"}, {"exists": {"field": "a"}})
        self.assertSameRoom({"missing": {"field": 'a["x"]'}}, {"not": {"exists": 'a["x"]'}})

    def test_documented_example(self) -> None:
        """Koncorde's documented pair of equivalent filters share an id."""
        self.assertSameRoom(
            {
                "and": [
                    {"not": {"in": {"some_document_field": ["foo", "bar"]}}},
                    {"missing": {"field": "another_field"}},
                ]
            },
            {
                "not": {
                    "or": [
                        {
                            "or": [
                                {"equals": {"some_document_field": "foo"}},
                                {"equals": {"some_document_field": "bar"}},
                            ]
                        },
                        {"exists": {"field": "another_field"}},
                    ]
                }
            },
        )

    def test_number_spelling(self) -> None:
        """``1`` and ``1.0`` are one JSON number."""
        self.assertSameRoom({"equals": {"a": 1}}, {"equals": {"a": 1.0}})
        self.assertSameRoom({"range": {"a": {"gt": 2}}}, {"range": {"a": {"gt": 2.0}}})
        self.assertOtherRoom({"equals": {"a": 1}}, {"equals": {"a": True}})
        self.assertOtherRoom({"equals": {"a": 1}}, {"equals": {"a": "1"}})

    def test_regexp_spelling(self) -> None:
        """A pattern string is ``{value}``; empty flags are no flags; flag order is irrelevant."""
        self.assertSameRoom(
            {"regexp": {"a": "x"}},
            {"regexp": {"a": {"value": "x"}}},
            {"regexp": {"a": {"value": "x", "flags": ""}}},
        )
        self.assertSameRoom(
            {"regexp": {"a": {"value": "x", "flags": "im"}}},
            {"regexp": {"a": {"value": "x", "flags": "mi"}}},
        )
        self.assertOtherRoom(
            {"regexp": {"a": "x"}}, {"regexp": {"a": {"value": "x", "flags": "i"}}}
        )

    def test_absorption(self) -> None:
        """``a or (a and b)`` is ``a``."""
        self.assertSameRoom(A, {"or": [A, {"and": [A, B]}]})

    def test_empty_filters(self) -> None:
        """None and ``{}`` are the same everything-room."""
        self.assertSameRoom(None, {})
        self.assertOtherRoom({}, A)

    def test_impossible_filters(self) -> None:
        """Filters that can never match all normalize to "nothing"."""
        self.assertSameRoom(
            {"nothing": True},
            {"and": [A, {"not": A}]},
            {"and": [{"equals": {"a": 1}}, {"equals": {"a": 2}}]},
            {"and": [{"equals": {"a": 1}}, {"missing": "a"}]},
            {"and": [{"range": {"a": {"gt": 5}}}, {"equals": {"a": 1}}]},
            {"and": [{"range": {"a": {"gt": 5}}}, {"equals": {"a": "6"}}]},
            {"and": [{"regexp": {"a": "x"}}, {"missing": "a"}]},
        )

    def test_select_query_is_normalized(self) -> None:
        """The query of ``select`` is normalized too."""
        first = {"select": {"field": "t", "index": 0, "query": {"in": {"value": ["a", "b"]}}}}
        second = {
            "select": {
                "index": 0,
                "query": {
                    "bool": {"should": [{"equals": {"value": "b"}}, {"equals": {"value": "a"}}]}
                },
                "field": "t",
            }
        }
        self.assertSameRoom(first, second)


class IdentityTests(SynchronousTestCase):
    def test_format(self) -> None:
        """A room id is 64 hexadecimal characters."""
        identifier = room_id(A)
        self.assertEqual(len(identifier), 64)
        int(identifier, 16)

    def test_index_and_collection(self) -> None:
        """The same filter on another index or collection is another room."""
        ids = {room_id(A, "i1", "c1"), room_id(A, "i2", "c1"), room_id(A, "i1", "c2")}
        self.assertEqual(len(ids), 3)

    def test_deterministic(self) -> None:
        """
        Ids depend on nothing but the filter, index and collection: these
        values hold on every node and after every restart (changing them
        breaks rooms shared with nodes running another version).
        """
        self.assertEqual(
            room_id({}, "index", "collection"),
            Koncorde().normalize("index", "collection", None).id,
        )
        self.assertEqual(
            Koncorde().normalize("index", "collection", {}).dnf,
            [[{"everything": True, "not": False}]],
        )
        self.assertEqual(
            room_id({"equals": {"a": 1}}, "i", "c"),
            "c7c2ec9cc01843eafe17ffee3446a13864a372dc8dce1c8f212cd034c247bea8",
        )

    def test_canonical_form(self) -> None:
        """The DNF lists AND-groups of ``{<keyword>: <args>, "not": <bool>}``, sorted."""
        normalized = Koncorde().normalize(
            "i", "c", {"and": [{"in": {"a": ["y", "x"]}}, {"missing": "b"}]}
        )
        exists_b = {"exists": {"path": "b", "array": False, "value": None}, "not": True}
        self.assertEqual(
            normalized.dnf,
            [
                [{"equals": {"a": "x"}, "not": False}, exists_b],
                [{"equals": {"a": "y"}, "not": False}, exists_b],
            ],
        )
        self.assertEqual((normalized.index, normalized.collection), ("i", "c"))
        self.assertEqual(normalized.conditions, 3)
