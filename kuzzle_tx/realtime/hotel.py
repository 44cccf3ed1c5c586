# -*- test-case-name: tests.realtime.test_hotel -*-
"""
The hotel: which connection is in which room, on which channels (kuzzle-api.md §5).

Pure state, no I/O: the realtime controller asks it who to notify and sends the
frames itself. It does not talk to Koncorde either; `Subscribed.room_created` and
`Left.room_emptied` tell the controller when to ``store`` or ``remove`` a filter.

Layout, built for fan-out: room id -> `_Room`, whose channels each hold an ordered
set (a dict with None values) of connection ids, plus the subsets of those that want
user "in" / "out" notifications; connection id -> the rooms it is in. A channel with
nobody left is dropped, and so is a room, so nothing outlives its last subscriber.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs

from kuzzle_tx.errors import KuzzleError

from .channels import channel_name, check_scope, check_users, wants_document, wants_user


@attrs.frozen
class Subscribed:
    """What `Hotel.subscribe` did.

    ``joined`` is False when the connection was already in the room (then no user "in"
    notification is due); ``room_created`` is True when this subscription made the room.
    """

    room_id: str
    channel: str
    joined: bool
    room_created: bool = False


@attrs.frozen
class Left:
    """What `Hotel.unsubscribe` did: ``volatile`` is the one given at subscription time."""

    room_id: str
    remaining: int
    volatile: Any
    room_emptied: bool
    index: str = ""
    collection: str = ""


@attrs.define
class _Channel:
    scope: str
    members: dict[str, None] = attrs.Factory(dict)
    wants_in: dict[str, None] = attrs.Factory(dict)
    wants_out: dict[str, None] = attrs.Factory(dict)


@attrs.define
class _Member:
    volatile: Any
    channels: dict[str, None] = attrs.Factory(dict)


@attrs.define
class _Room:
    index: str
    collection: str
    members: dict[str, _Member] = attrs.Factory(dict)
    channels: dict[str, _Channel] = attrs.Factory(dict)


class Hotel:
    """The registry of rooms, channels and subscriptions; ``max_rooms`` 0 means no limit."""

    def __init__(self, max_rooms: int = 0) -> None:
        self.max_rooms = max_rooms
        self._rooms: dict[str, _Room] = {}
        self._connections: dict[str, dict[str, None]] = {}

    def subscribe(
        self,
        connection_id: str,
        room_id: str,
        index: str,
        collection: str,
        scope: str | None = None,
        users: str | None = None,
        volatile: Any = None,
    ) -> Subscribed:
        """Put a connection in a room on the channel for these options.

        A connection already in the room keeps the volatile of its first subscription
        and gains the channel if it is new to it.
        """
        scope = check_scope(scope)
        users = check_users(users)
        name = channel_name(room_id, scope, users)
        room = self._rooms.get(room_id)
        created = room is None
        if room is None:
            if self.max_rooms > 0 and len(self._rooms) >= self.max_rooms:
                raise KuzzleError("core.realtime.too_many_rooms")
            room = self._rooms[room_id] = _Room(index, collection)
        member = room.members.get(connection_id)
        joined = member is None
        if member is None:
            member = room.members[connection_id] = _Member(volatile)
            self._connections.setdefault(connection_id, {})[room_id] = None
        channel = room.channels.get(name)
        if channel is None:
            channel = room.channels[name] = _Channel(scope)
        channel.members[connection_id] = None
        if wants_user(users, "in"):
            channel.wants_in[connection_id] = None
        if wants_user(users, "out"):
            channel.wants_out[connection_id] = None
        member.channels[name] = None
        return Subscribed(room_id, name, joined, created)

    def unsubscribe(self, connection_id: str, room_id: str) -> Left:
        """Take a connection out of a room (all its channels there)."""
        room = self._rooms.get(room_id)
        if room is None or connection_id not in room.members:
            raise KuzzleError("core.realtime.not_subscribed", connection_id, room_id)
        rooms = self._connections[connection_id]
        del rooms[room_id]
        if not rooms:
            del self._connections[connection_id]
        return self._leave(connection_id, room_id, room)

    def leave_all(self, connection_id: str) -> list[Left]:
        """Take a connection out of every room (it disconnected, or its token expired)."""
        rooms = self._connections.pop(connection_id, {})
        return [self._leave(connection_id, room_id, self._rooms[room_id]) for room_id in rooms]

    def _leave(self, connection_id: str, room_id: str, room: _Room) -> Left:
        member = room.members.pop(connection_id)
        for name in member.channels:
            channel = room.channels[name]
            del channel.members[connection_id]
            channel.wants_in.pop(connection_id, None)
            channel.wants_out.pop(connection_id, None)
            if not channel.members:
                del room.channels[name]
        emptied = not room.members
        if emptied:
            del self._rooms[room_id]
        return Left(
            room_id, len(room.members), member.volatile, emptied, room.index, room.collection
        )

    def count(self, room_id: str) -> int:
        """How many connections are in a room (0 for an unknown room)."""
        room = self._rooms.get(room_id)
        return 0 if room is None else len(room.members)

    def exists(self, room_id: str) -> bool:
        """Whether a room has subscribers."""
        return room_id in self._rooms

    def room_info(self, room_id: str) -> tuple[str, str] | None:
        """The (index, collection) of a room, if it exists."""
        room = self._rooms.get(room_id)
        return None if room is None else (room.index, room.collection)

    def rooms_of(self, connection_id: str) -> list[str]:
        """The rooms a connection is in, in subscription order."""
        return list(self._connections.get(connection_id, ()))

    def document_targets(
        self, room_ids: Iterable[str], notification_scope: str
    ) -> dict[str, list[str]]:
        """Channel -> connections for a document notification to the rooms that matched.

        Only channels whose scope wants a notification of ``notification_scope``; one
        entry per (connection, channel), even if a room id is given twice.
        """
        targets: dict[str, list[str]] = {}
        for room_id in dict.fromkeys(room_ids):
            room = self._rooms.get(room_id)
            if room is None:
                continue
            for name, channel in room.channels.items():
                if wants_document(channel.scope, notification_scope):
                    targets[name] = list(channel.members)
        return targets

    def user_targets(self, room_id: str, in_or_out: str) -> dict[str, list[str]]:
        """Channel -> connections for a user "in" or "out" notification in a room."""
        if in_or_out not in ("in", "out"):
            raise ValueError(f"user notifications are 'in' or 'out', not {in_or_out!r}")
        room = self._rooms.get(room_id)
        if room is None:
            return {}
        targets: dict[str, list[str]] = {}
        for name, channel in room.channels.items():
            listeners = channel.wants_in if in_or_out == "in" else channel.wants_out
            if listeners:
                targets[name] = list(listeners)
        return targets

    def list_rooms(self) -> dict[str, dict[str, dict[str, int]]]:
        """``{index: {collection: {room_id: count}}}`` for every room."""
        listing: dict[str, dict[str, dict[str, int]]] = {}
        for room_id, room in self._rooms.items():
            by_collection = listing.setdefault(room.index, {})
            by_collection.setdefault(room.collection, {})[room_id] = len(room.members)
        return listing

    def metrics(self) -> dict[str, int]:
        """``{rooms, subscriptions}`` as server:metrics reports them (subscribed connections)."""
        return {"rooms": len(self._rooms), "subscriptions": len(self._connections)}
