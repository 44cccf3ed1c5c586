# -*- test-case-name: tests.realtime.test_engine -*-
"""
The realtime engine: Koncorde filters, the hotel of rooms and channels, and the
delivery of notifications through the entry point.

Notifications go out serialized once per channel: the payload is encoded once,
and the channel's ``room`` is spliced onto its end, as Kuzzle does; the entry
point then frames it once for every WebSocket of that channel.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from zope.interface import implementer

from kuzzle_tx import codec
from kuzzle_tx.api.request import Connection
from kuzzle_tx.errors import KuzzleError
from kuzzle_tx.interfaces import INotifier
from kuzzle_tx.realtime.document_rooms import DocumentRooms
from kuzzle_tx.realtime.hotel import Hotel, Left
from kuzzle_tx.realtime.koncorde import Koncorde, KoncordeError
from kuzzle_tx.realtime.notifications import document_notification, user_notification

Broadcast = Callable[[Iterable[str], bytes], object]


@implementer(INotifier)
class RealtimeEngine:
    def __init__(
        self,
        koncorde: Koncorde,
        hotel: Hotel,
        broadcast: Broadcast,
        node_id: str,
        now_ms: Callable[[], int],
        document_rooms: DocumentRooms | None = None,
    ) -> None:
        self.koncorde = koncorde
        self.hotel = hotel
        self._broadcast = broadcast
        self._node = node_id
        self._now_ms = now_ms
        self.document_rooms = document_rooms

    # -- subscriptions ----------------------------------------------------------------

    def subscribe(
        self,
        connection: Connection,
        index: str,
        collection: str,
        filters: Mapping[str, Any] | None,
        scope: str | None,
        users: str | None,
        volatile: Any,
    ) -> dict[str, str]:
        try:
            normalized = self.koncorde.normalize(index, collection, dict(filters or {}))
        except KoncordeError as error:
            raise KuzzleError("api.assert.koncorde_dsl_error", error) from None
        subscribed = self.hotel.subscribe(
            connection.id, normalized.id, index, collection, scope, users, volatile
        )
        if subscribed.room_created:
            self.koncorde.store(normalized)
        if subscribed.joined:
            self._notify_user(normalized.id, "in", "subscribe", connection, volatile)
        return {"roomId": subscribed.room_id, "channel": subscribed.channel}

    def join(
        self,
        connection: Connection,
        room_id: str,
        scope: str | None,
        users: str | None,
        volatile: Any,
    ) -> dict[str, str]:
        where = self.hotel.room_info(room_id)
        if where is None:
            raise KuzzleError("core.realtime.room_not_found", room_id)
        subscribed = self.hotel.subscribe(
            connection.id, room_id, where[0], where[1], scope, users, volatile
        )
        if subscribed.joined:
            self._notify_user(room_id, "in", "join", connection, volatile)
        return {"roomId": room_id, "channel": subscribed.channel}

    def unsubscribe(self, connection: Connection, room_id: str) -> dict[str, str]:
        self._after_leaving(connection, self.hotel.unsubscribe(connection.id, room_id))
        return {"roomId": room_id}

    def disconnect(self, connection: Connection) -> None:
        """A connection went away: it leaves every room, the others are told."""
        for left in self.hotel.leave_all(connection.id):
            self._after_leaving(connection, left)

    def _after_leaving(self, connection: Connection, left: Left) -> None:
        if left.room_emptied:
            self.koncorde.remove(left.room_id)
            return
        user = user_notification(
            user="out",
            count=left.remaining,
            index=left.index,
            collection=left.collection,
            action="unsubscribe",
            protocol=connection.protocol,
            timestamp=self._now_ms(),
            node=self._node,
            volatile=left.volatile,
        )
        self._send(self.hotel.user_targets(left.room_id, "out"), user)

    def _notify_user(
        self, room_id: str, user: str, action: str, connection: Connection, volatile: Any
    ) -> None:
        index, collection = self.hotel.room_info(room_id) or ("", "")
        payload = user_notification(
            user=user,
            count=self.hotel.count(room_id),
            index=index,
            collection=collection,
            action=action,
            protocol=connection.protocol,
            timestamp=self._now_ms(),
            node=self._node,
            volatile=volatile,
        )
        self._send(self.hotel.user_targets(room_id, user), payload)

    # -- documents --------------------------------------------------------------------

    def publish_document(
        self,
        *,
        index: str,
        collection: str,
        document_id: str | None,
        source: Mapping[str, Any],
        scope: str,
        action: str,
        event: str,
        controller: str,
        request_id: str,
        timestamp: int,
        protocol: str,
        volatile: Any,
        updated_fields: list[str] | None = None,
    ) -> int:
        """Notify the rooms whose filters match ``source``; returns how many channels."""
        rooms = self.koncorde.test(index, collection, dict(source), document_id)
        if not rooms:
            return 0
        targets = self.hotel.document_targets(rooms, scope)
        if not targets:
            return 0
        self._send(
            targets,
            document_notification(
                request_id=request_id,
                timestamp=timestamp,
                index=index,
                collection=collection,
                controller=controller,
                action=action,
                event=event,
                scope=scope,
                protocol=protocol,
                node=self._node,
                volatile=volatile,
                document_id=document_id,
                source=source,
                updated_fields=updated_fields,
            ),
        )
        return len(targets)

    def document_written(
        self,
        *,
        index: str,
        collection: str,
        document_id: str,
        source: Mapping[str, Any],
        action: str,
        event: str,
        controller: str,
        request_id: str,
        timestamp: int,
        protocol: str,
        volatile: Any,
        updated_fields: list[str] | None = None,
    ) -> None:
        """
        A stored document was written: scope "in" to the rooms it matches now, scope
        "out" (with the new content) to those it matched at its previous write only.
        A creation sends no "out": as Kuzzle, it does not look at what a document of
        that id matched before (a silent delete or a truncate leaves that behind).
        """
        rooms = self._match(index, collection, document_id, source)
        before: frozenset[str] = frozenset()
        if self.document_rooms is not None:
            before = self.document_rooms.swap((index, collection, document_id), rooms)
            if action == "create":
                before = frozenset()
        common = {
            "request_id": request_id,
            "timestamp": timestamp,
            "index": index,
            "collection": collection,
            "controller": controller,
            "action": action,
            "event": event,
            "protocol": protocol,
            "volatile": volatile,
            "document_id": document_id,
            "source": source,
            "updated_fields": updated_fields,
        }
        self._notify_rooms(rooms, "in", common)
        self._notify_rooms(before - rooms, "out", common)

    def document_deleted(
        self,
        *,
        index: str,
        collection: str,
        document_id: str,
        source: Mapping[str, Any],
        action: str,
        controller: str,
        request_id: str,
        timestamp: int,
        protocol: str,
        volatile: Any,
    ) -> None:
        """A stored document was deleted: scope "out" to the rooms its last content matches."""
        rooms = self._match(index, collection, document_id, source)
        if self.document_rooms is not None:
            rooms |= self.document_rooms.forget((index, collection, document_id))
        if not rooms:
            return
        fields = {
            "request_id": request_id,
            "timestamp": timestamp,
            "index": index,
            "collection": collection,
            "controller": controller,
            "action": action,
            "event": "delete",
            "protocol": protocol,
            "volatile": volatile,
            "document_id": document_id,
            "source": source,
            "updated_fields": None,
        }
        self._notify_rooms(rooms, "out", fields)

    def _notify_rooms(self, rooms: Iterable[str], scope: str, fields: dict[str, Any]) -> None:
        """One document notification of ``scope`` to the channels of ``rooms`` that want it."""
        if not rooms:
            return
        targets = self.hotel.document_targets(rooms, scope)
        if targets:
            self._send(targets, document_notification(scope=scope, node=self._node, **fields))

    def _match(
        self, index: str, collection: str, document_id: str, source: Mapping[str, Any]
    ) -> frozenset[str]:
        if not self.koncorde.room_count:
            return frozenset()
        return frozenset(self.koncorde.test(index, collection, dict(source), document_id))

    # -- delivery ---------------------------------------------------------------------

    def _send(self, targets: Mapping[str, list[str]], payload: dict[str, Any]) -> None:
        if not targets:
            return
        head = codec.dumps(payload)[:-1] + b',"room":'
        for channel, connection_ids in targets.items():
            self._broadcast(connection_ids, head + codec.dumps(channel) + b"}")
