# -*- test-case-name: tests.realtime.test_document_rooms -*-
"""
Unit tests of `kuzzle_tx.realtime.document_rooms.DocumentRooms`: the memory of
which rooms each document matched at its last notifying write (kuzzle-api.md §5.3).
"""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from kuzzle_tx.realtime.document_rooms import DocumentRooms

A = ("shop", "orders", "a")
B = ("shop", "orders", "b")
C = ("shop", "items", "a")
ROOMS = frozenset({"r1", "r2"})


class DocumentRoomsTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(1000)
        self.rooms = DocumentRooms(self.clock, 10)

    def test_swap_returns_the_previous_rooms(self) -> None:
        """swap remembers the new rooms and returns the ones remembered before."""
        self.assertEqual(self.rooms.swap(A, ROOMS), frozenset())
        self.assertEqual(self.rooms.swap(A, frozenset({"r3"})), ROOMS)
        self.assertEqual(self.rooms.swap(A, frozenset({"r3"})), frozenset({"r3"}))
        self.assertEqual(len(self.rooms), 1)

    def test_keys_are_per_index_collection_and_id(self) -> None:
        """The same _id in another collection is another document."""
        self.rooms.swap(A, ROOMS)
        self.assertEqual(self.rooms.swap(C, frozenset({"r9"})), frozenset())
        self.assertEqual(self.rooms.swap(B, frozenset()), frozenset())
        self.assertEqual(self.rooms.forget(A), ROOMS)

    def test_swapping_no_rooms_forgets(self) -> None:
        """A document that matches nothing any more is not kept."""
        self.rooms.swap(A, ROOMS)
        self.assertEqual(self.rooms.swap(A, frozenset()), ROOMS)
        self.assertEqual(len(self.rooms), 0)
        self.assertEqual(self.rooms.swap(A, ROOMS), frozenset())

    def test_forget(self) -> None:
        """forget returns the remembered rooms once, then nothing."""
        self.rooms.swap(A, ROOMS)
        self.assertEqual(self.rooms.forget(A), ROOMS)
        self.assertEqual(self.rooms.forget(A), frozenset())
        self.assertEqual(self.rooms.forget(B), frozenset())
        self.assertEqual(len(self.rooms), 0)

    def test_entries_expire_after_the_ttl(self) -> None:
        """An entry lives ttl seconds after its last swap: at the ttl it is gone."""
        self.rooms.swap(A, ROOMS)
        self.clock.advance(9.999)
        self.assertEqual(self.rooms.swap(A, ROOMS), ROOMS)
        self.clock.advance(10)
        self.assertEqual(self.rooms.swap(A, ROOMS), frozenset())
        self.clock.advance(10)
        self.assertEqual(self.rooms.forget(A), frozenset())

    def test_expiry_follows_the_last_write(self) -> None:
        """A re-swapped entry moves behind the others: expiry stays in write order."""
        self.rooms.swap(A, ROOMS)  # expires at 1010
        self.clock.advance(5)
        self.rooms.swap(B, ROOMS)  # expires at 1015
        self.clock.advance(3)
        self.rooms.swap(A, ROOMS)  # now expires at 1018, after B
        self.clock.advance(4)  # 1012: nothing expired
        self.assertEqual(self.rooms.swap(C, frozenset({"c"})), frozenset())
        self.assertEqual(len(self.rooms), 3)
        self.clock.advance(4)  # 1016: B expired, A and C not
        self.assertEqual(self.rooms.forget(B), frozenset())
        self.assertEqual(len(self.rooms), 2)
        self.clock.advance(2)  # 1018: A expired too
        self.assertEqual(self.rooms.forget(A), frozenset())
        self.assertEqual(self.rooms.forget(C), frozenset({"c"}))

    def test_expired_entries_are_dropped_in_passing(self) -> None:
        """Any swap or forget drops every expired entry, not only its own key."""
        for n in range(5):
            self.rooms.swap(("i", "c", str(n)), ROOMS)
        self.clock.advance(11)
        self.rooms.forget(A)
        self.assertEqual(len(self.rooms), 0)

    def test_zero_ttl_keeps_entries(self) -> None:
        """With a ttl of 0, entries never expire; forget still drops them."""
        rooms = DocumentRooms(self.clock, 0)
        rooms.swap(A, ROOMS)
        rooms.swap(B, ROOMS)
        self.clock.advance(10**9)
        self.assertEqual(rooms.swap(A, frozenset({"r3"})), ROOMS)
        self.assertEqual(rooms.forget(B), ROOMS)
        self.assertEqual(len(rooms), 1)


class DropTests(SynchronousTestCase):
    def test_drop_collection_and_index(self) -> None:
        """Dropping a collection forgets its documents only; dropping an index, all of its."""
        rooms = DocumentRooms(Clock(), 60)
        for key in (("i", "a", "1"), ("i", "b", "1"), ("j", "a", "1")):
            rooms.swap(key, frozenset({"r"}))
        rooms.drop("i", "a")
        self.assertEqual(len(rooms), 2)
        self.assertEqual(rooms.forget(("i", "a", "1")), frozenset())
        rooms.drop("i")
        self.assertEqual(len(rooms), 1)
        self.assertEqual(rooms.forget(("j", "a", "1")), frozenset({"r"}))
