# -*- test-case-name: tests.realtime.test_koncorde_api -*-
"""
The public API of `kuzzle_tx.realtime.koncorde` as the realtime controller
uses it: normalize, store, test, remove, has, validate, room_count.
"""

from __future__ import annotations

import attrs
from twisted.trial.unittest import SynchronousTestCase

from kuzzle_tx.realtime.koncorde import Koncorde, KoncordeError, NormalizedFilter
from kuzzle_tx.realtime.koncorde.conditions import Condition, Equals, Range


class ApiTests(SynchronousTestCase):
    def test_normalize_does_not_store(self) -> None:
        """`normalize` validates and computes the id, and stores nothing."""
        koncorde = Koncorde()
        normalized = koncorde.normalize("i", "c", {"equals": {"a": 1}})
        self.assertIsInstance(normalized, NormalizedFilter)
        self.assertEqual((normalized.index, normalized.collection), ("i", "c"))
        self.assertEqual(normalized.dnf, [[{"equals": {"a": 1}, "not": False}]])
        self.assertEqual(koncorde.room_count, 0)
        self.assertFalse(koncorde.has(normalized.id))
        self.assertRaises(attrs.exceptions.FrozenInstanceError, setattr, normalized, "id", "x")

    def test_store_and_test(self) -> None:
        """A stored filter's id comes back from `test` for matching documents."""
        koncorde = Koncorde()
        normalized = koncorde.normalize("i", "c", {"ids": {"values": ["doc-1"]}})
        room_id = koncorde.store(normalized)
        self.assertEqual(room_id, normalized.id)
        self.assertTrue(koncorde.has(room_id))
        self.assertEqual(koncorde.get(room_id), normalized)
        self.assertEqual(koncorde.room_count, 1)
        self.assertEqual(koncorde.test("i", "c", {"a": 1}, "doc-1"), [room_id])
        self.assertEqual(koncorde.test("i", "c", {"a": 1}, "doc-2"), [])
        self.assertEqual(koncorde.test("i", "c", {"_id": "doc-1"}), [room_id])

    def test_each_room_once(self) -> None:
        """A room matched through several of its AND-groups is listed once."""
        koncorde = Koncorde()
        room_id = koncorde.store(
            koncorde.normalize("i", "c", {"or": [{"exists": "a"}, {"exists": "b"}]})
        )
        self.assertEqual(koncorde.test("i", "c", {"a": 1, "b": 2}), [room_id])

    def test_validate(self) -> None:
        """`validate` raises `KoncordeError` on bad filters and stores nothing."""
        koncorde = Koncorde()
        koncorde.validate({"equals": {"a": 1}})
        self.assertRaises(KoncordeError, koncorde.validate, {"equals": {"a": {}}})
        self.assertEqual(koncorde.room_count, 0)

    def test_configuration(self) -> None:
        """Unknown regexp engines and negative limits are configuration errors."""
        self.assertRaises(ValueError, Koncorde, regexp_engine="js")
        self.assertRaises(ValueError, Koncorde, max_conditions=-1)
        self.assertEqual(Koncorde(regexp_engine="python").regexp_engine, "python")

    def test_indexed_operators_are_not_evaluated_per_room(self) -> None:
        """
        Matching against thousands of ``equals`` and ``range`` rooms never
        tests their conditions one by one: hash lookups and range queries do.
        """
        koncorde = Koncorde()
        for n in range(2000):
            koncorde.store(koncorde.normalize("i", "c", {"equals": {"name": f"u{n}"}}))
            koncorde.store(
                koncorde.normalize("i", "c", {"range": {"age": {"gte": n, "lt": n + 1}}})
            )

        def refuse(self: Condition, flat: object) -> bool:
            raise AssertionError("evaluated one by one")

        self.patch(Equals, "matches", refuse)
        self.patch(Range, "matches", refuse)
        self.assertEqual(len(koncorde.test("i", "c", {"name": "u42", "age": 1999.5})), 2)
