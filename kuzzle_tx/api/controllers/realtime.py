# -*- test-case-name: tests.realtime.test_engine -*-
"""The ``realtime`` controller: subscriptions, counts and messages (pub/sub)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from twisted.internet.interfaces import IReactorTime

from kuzzle_tx.api.controller import Controller
from kuzzle_tx.api.request import Request
from kuzzle_tx.errors import KuzzleError
from kuzzle_tx.realtime.engine import RealtimeEngine


class RealtimeController(Controller):
    name = "realtime"
    ACTIONS = ("subscribe", "join", "unsubscribe", "count", "list", "publish", "validate")

    def __init__(
        self,
        engine: RealtimeEngine,
        clock: IReactorTime,
        may_subscribe: Callable[[Request, str, str], bool] = lambda request, i, c: True,
    ) -> None:
        self._engine = engine
        self._clock = clock
        # Whether the caller could subscribe to (index, collection): what `list` shows.
        self._may_subscribe = may_subscribe

    def subscribe(self, request: Request) -> dict[str, str]:
        index, collection = _index_and_collection(request)
        body = _object_body(request)
        return self._engine.subscribe(
            request.connection,
            index,
            collection,
            body,
            request.string_arg("scope"),
            request.string_arg("users"),
            request.input.volatile,
        )

    def join(self, request: Request) -> dict[str, str]:
        return self._engine.join(
            request.connection,
            _room_id(request),
            request.string_arg("scope"),
            request.string_arg("users"),
            request.input.volatile,
        )

    def unsubscribe(self, request: Request) -> dict[str, str]:
        return self._engine.unsubscribe(request.connection, _room_id(request))

    def count(self, request: Request) -> dict[str, int]:
        return {"count": self._engine.hotel.count(_room_id(request))}

    def list(self, request: Request) -> dict[str, Any]:
        """The rooms of the collections the caller could subscribe to, with their counts."""
        listing: dict[str, Any] = {}
        for index, collections in self._engine.hotel.list_rooms().items():
            for collection, rooms in collections.items():
                if self._may_subscribe(request, index, collection):
                    listing.setdefault(index, {})[collection] = rooms
        return listing

    def publish(self, request: Request) -> dict[str, bool]:
        index, collection = _index_and_collection(request)
        body = _object_body(request)
        now = int(self._clock.seconds() * 1000)
        source = {**body, "_kuzzle_info": {"author": request.user_id, "createdAt": now}}
        self._engine.publish_document(
            index=index,
            collection=collection,
            document_id=request.string_arg("_id"),
            source=source,
            scope="in",
            action="publish",
            event="publish",
            controller="realtime",
            request_id=request.id,
            timestamp=request.timestamp,
            protocol=request.connection.protocol,
            volatile=request.input.volatile,
        )
        return {"published": True}

    def validate(self, request: Request) -> dict[str, Any]:
        """
        Kuzzle's (deprecated) alias of document:validate: a message is valid unless the
        collection's validation specifications refuse it, and no collection has any yet.
        """
        _index_and_collection(request)
        _object_body(request)
        return {"valid": True, "details": [], "description": "Success"}


def _index_and_collection(request: Request) -> tuple[str, str]:
    names = []
    for name in ("index", "collection"):
        value = request.string_arg(name)
        if not value:
            raise KuzzleError("api.assert.missing_argument", name)
        names.append(value)
    return names[0], names[1]


def _object_body(request: Request) -> dict[str, Any]:
    body = request.input.body
    if body is None:
        raise KuzzleError("api.assert.body_required")
    if not isinstance(body, dict):
        raise KuzzleError("api.assert.invalid_type", "body", "object")
    return body


def _room_id(request: Request) -> str:
    body = request.input.body
    room_id = body.get("roomId") if isinstance(body, dict) else None
    if room_id is None:
        raise KuzzleError("api.assert.missing_argument", "body.roomId")
    if not isinstance(room_id, str):
        raise KuzzleError("api.assert.invalid_type", "body.roomId", "string")
    return room_id
