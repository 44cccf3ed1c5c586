# -*- test-case-name: tests.realtime.test_hotel -*-
"""The hotel: rooms, channels and subscriptions, and who gets which notification."""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from kuzzle_tx.errors import KuzzleError
from kuzzle_tx.realtime.hotel import Hotel, Left, Subscribed


def _assert_empty(test: SynchronousTestCase, hotel: Hotel) -> None:
    test.assertEqual(hotel._rooms, {})
    test.assertEqual(hotel._connections, {})
    test.assertEqual(hotel.list_rooms(), {})
    test.assertEqual(hotel.metrics(), {"rooms": 0, "subscriptions": 0})


class LifecycleTests(SynchronousTestCase):
    def test_first_subscription_creates_the_room(self) -> None:
        """The first subscriber joins and creates the room, on the default channel."""
        hotel = Hotel()
        result = hotel.subscribe("c1", "r", "i", "c")
        self.assertEqual(result, Subscribed("r", "r-311", joined=True, room_created=True))
        self.assertTrue(hotel.exists("r"))
        self.assertEqual(hotel.count("r"), 1)
        self.assertEqual(hotel.rooms_of("c1"), ["r"])
        self.assertEqual(hotel.room_info("r"), ("i", "c"))

    def test_second_connection_joins(self) -> None:
        """Another connection joins the same room without creating it; the count grows."""
        hotel = Hotel()
        hotel.subscribe("c1", "r", "i", "c")
        result = hotel.subscribe("c2", "r", "i", "c")
        self.assertEqual(result, Subscribed("r", "r-311", joined=True, room_created=False))
        self.assertEqual(hotel.count("r"), 2)

    def test_resubscribe_same_options(self) -> None:
        """Subscribing again with the same options: same channel, joined False, count unchanged."""
        hotel = Hotel()
        hotel.subscribe("c1", "r", "i", "c", "in", "all")
        result = hotel.subscribe("c1", "r", "i", "c", "in", "all")
        self.assertEqual(result, Subscribed("r", "r-112", joined=False, room_created=False))
        self.assertEqual(hotel.count("r"), 1)
        self.assertEqual(hotel.document_targets(["r"], "in"), {"r-112": ["c1"]})

    def test_resubscribe_other_options_adds_a_channel(self) -> None:
        """Other options put the connection on a second channel; it is still one connection."""
        hotel = Hotel()
        hotel.subscribe("c1", "r", "i", "c")
        result = hotel.subscribe("c1", "r", "i", "c", "out", "all")
        self.assertEqual(result, Subscribed("r", "r-113", joined=False))
        self.assertEqual(hotel.count("r"), 1)
        self.assertEqual(hotel.document_targets(["r"], "out"), {"r-311": ["c1"], "r-113": ["c1"]})

    def test_unsubscribe(self) -> None:
        """Leaving reports the remaining count and the volatile given at subscription."""
        hotel = Hotel()
        hotel.subscribe("c1", "r", "i", "c", volatile={"v": 1})
        hotel.subscribe("c2", "r", "i", "c", volatile={"v": 2})
        hotel.subscribe("c1", "r", "i", "c", "in", volatile={"v": 3})
        left = hotel.unsubscribe("c1", "r")
        self.assertEqual(left, Left("r", 1, {"v": 1}, False, "i", "c"))
        self.assertEqual(hotel.count("r"), 1)
        self.assertEqual(hotel.rooms_of("c1"), [])
        self.assertEqual(hotel.document_targets(["r"], "in"), {"r-311": ["c2"]})
        self.assertEqual(list(hotel._rooms["r"].channels), ["r-311"])

    def test_last_one_out_empties_the_room(self) -> None:
        """When the last connection leaves, the room is gone and nothing is left behind."""
        hotel = Hotel()
        hotel.subscribe("c1", "r", "i", "c", "in", "all")
        hotel.subscribe("c1", "r", "i", "c")
        left = hotel.unsubscribe("c1", "r")
        self.assertEqual(left, Left("r", 0, None, True, "i", "c"))
        self.assertFalse(hotel.exists("r"))
        self.assertEqual(hotel.count("r"), 0)
        _assert_empty(self, hotel)

    def test_not_subscribed(self) -> None:
        """Leaving a room one is not in (or an unknown room) is a 412 error."""
        hotel = Hotel()
        hotel.subscribe("c1", "r", "i", "c")
        for connection, room in (("c2", "r"), ("c1", "nope")):
            error = self.assertRaises(KuzzleError, hotel.unsubscribe, connection, room)
            self.assertEqual(error.id, "core.realtime.not_subscribed")
            self.assertEqual((error.status, error.props), (412, [connection, room]))
        self.assertEqual(hotel.count("r"), 1)

    def test_leave_all(self) -> None:
        """A disconnection leaves every room, one `Left` per room, in subscription order."""
        hotel = Hotel()
        hotel.subscribe("c1", "r1", "i", "c", volatile="a")
        hotel.subscribe("c1", "r2", "i", "d", volatile="b")
        hotel.subscribe("c1", "r2", "i", "d", "in")
        hotel.subscribe("c2", "r2", "i", "d")
        lefts = hotel.leave_all("c1")
        self.assertEqual(
            lefts, [Left("r1", 0, "a", True, "i", "c"), Left("r2", 1, "b", False, "i", "d")]
        )
        self.assertEqual(hotel.rooms_of("c1"), [])
        self.assertEqual(hotel.list_rooms(), {"i": {"d": {"r2": 1}}})
        self.assertEqual(hotel.leave_all("c1"), [])
        self.assertEqual(hotel.leave_all("c2"), [Left("r2", 0, None, True, "i", "d")])
        _assert_empty(self, hotel)

    def test_no_leak_after_mixed_churn(self) -> None:
        """After many subscriptions on many channels, once all leave, every dict is empty."""
        hotel = Hotel()
        options = ("all", "in", "out", "none")
        for n in range(5):
            for scope in options:
                for users in options:
                    hotel.subscribe(f"c{n}", f"r{n % 3}", "i", "c", scope, users)
        self.assertEqual(hotel.metrics(), {"rooms": 3, "subscriptions": 5})
        hotel.unsubscribe("c0", "r0")
        hotel.unsubscribe("c3", "r0")
        for n in range(5):
            hotel.leave_all(f"c{n}")
        _assert_empty(self, hotel)

    def test_invalid_options_change_nothing(self) -> None:
        """A bad scope or users value is rejected before any room is created."""
        hotel = Hotel()
        error = self.assertRaises(KuzzleError, hotel.subscribe, "c1", "r", "i", "c", "bad")
        self.assertEqual(error.id, "core.realtime.invalid_scope")
        error = self.assertRaises(KuzzleError, hotel.subscribe, "c1", "r", "i", "c", None, "bad")
        self.assertEqual(error.id, "core.realtime.invalid_users")
        _assert_empty(self, hotel)


class RoomLimitTests(SynchronousTestCase):
    def test_limit(self) -> None:
        """Beyond ``max_rooms`` a new room is refused (413); existing rooms still take joiners."""
        hotel = Hotel(max_rooms=2)
        hotel.subscribe("c1", "r1", "i", "c")
        hotel.subscribe("c1", "r2", "i", "c")
        error = self.assertRaises(KuzzleError, hotel.subscribe, "c1", "r3", "i", "c")
        self.assertEqual((error.id, error.status), ("core.realtime.too_many_rooms", 413))
        self.assertFalse(hotel.exists("r3"))
        self.assertEqual(hotel.rooms_of("c1"), ["r1", "r2"])
        self.assertTrue(hotel.subscribe("c2", "r1", "i", "c").joined)

    def test_freed_room_makes_space(self) -> None:
        """Once a room empties, a new room fits again."""
        hotel = Hotel(max_rooms=1)
        hotel.subscribe("c1", "r1", "i", "c")
        hotel.unsubscribe("c1", "r1")
        self.assertTrue(hotel.subscribe("c1", "r2", "i", "c").room_created)

    def test_zero_is_unlimited(self) -> None:
        """``max_rooms=0`` (the default) means no limit."""
        hotel = Hotel()
        for n in range(50):
            hotel.subscribe("c1", f"r{n}", "i", "c")
        self.assertEqual(hotel.metrics()["rooms"], 50)


class DocumentTargetTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.hotel = Hotel()
        for scope in ("all", "in", "out", "none"):
            self.hotel.subscribe(f"c-{scope}", "r", "i", "c", scope)

    def test_in(self) -> None:
        """An "in" notification goes to channels with scope all or in."""
        self.assertEqual(
            self.hotel.document_targets(["r"], "in"), {"r-311": ["c-all"], "r-312": ["c-in"]}
        )

    def test_out(self) -> None:
        """An "out" notification goes to channels with scope all or out, never none."""
        self.assertEqual(
            self.hotel.document_targets(["r"], "out"), {"r-311": ["c-all"], "r-313": ["c-out"]}
        )

    def test_one_entry_per_connection_and_channel(self) -> None:
        """Shared channels list each connection once, even for a room id given twice."""
        self.hotel.subscribe("c2", "r", "i", "c")
        self.hotel.subscribe("c2", "r", "i", "c")
        self.hotel.subscribe("c2", "r", "i", "c", "all", "out")
        self.hotel.subscribe("c3", "r2", "i", "c")
        targets = self.hotel.document_targets(["r", "r2", "r", "unknown"], "in")
        self.assertEqual(targets, {"r-311": ["c-all", "c2"], "r-312": ["c-in"], "r2-311": ["c3"]})
        pairs = [(channel, c) for channel, conns in targets.items() for c in conns]
        self.assertEqual(len(pairs), len(set(pairs)))

    def test_nothing_matched(self) -> None:
        """No room ids, or only unknown ones, means nobody to notify."""
        self.assertEqual(self.hotel.document_targets([], "in"), {})
        self.assertEqual(self.hotel.document_targets(["gone"], "in"), {})


class UserTargetTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.hotel = Hotel()
        for users in ("all", "in", "out", "none"):
            self.hotel.subscribe(f"c-{users}", "r", "i", "c", None, users)

    def test_in(self) -> None:
        """A user "in" notification goes to channels with users all or in."""
        self.assertEqual(
            self.hotel.user_targets("r", "in"), {"r-111": ["c-all"], "r-211": ["c-in"]}
        )

    def test_out(self) -> None:
        """users "out" and "none" share channel r-311, but only the "out" one is notified."""
        self.assertEqual(
            self.hotel.user_targets("r", "out"), {"r-111": ["c-all"], "r-311": ["c-out"]}
        )

    def test_after_leaving(self) -> None:
        """A connection that left is no longer a target; an unknown room has none."""
        self.hotel.unsubscribe("c-all", "r")
        self.assertEqual(self.hotel.user_targets("r", "in"), {"r-211": ["c-in"]})
        self.assertEqual(self.hotel.user_targets("nope", "in"), {})

    def test_bad_direction(self) -> None:
        """User notifications are "in" or "out"; anything else is a programming error."""
        self.assertRaises(ValueError, self.hotel.user_targets, "r", "all")


class ListRoomsTests(SynchronousTestCase):
    def test_shape(self) -> None:
        """``list_rooms`` nests index, collection, room id, and gives connection counts."""
        hotel = Hotel()
        hotel.subscribe("c1", "r1", "i", "c")
        hotel.subscribe("c2", "r1", "i", "c", "in")
        hotel.subscribe("c1", "r2", "i", "c")
        hotel.subscribe("c1", "r3", "i", "d")
        hotel.subscribe("c3", "r4", "j", "c")
        self.assertEqual(
            hotel.list_rooms(),
            {"i": {"c": {"r1": 2, "r2": 1}, "d": {"r3": 1}}, "j": {"c": {"r4": 1}}},
        )
        self.assertEqual(hotel.metrics(), {"rooms": 4, "subscriptions": 3})
