# -*- test-case-name: tests.realtime.test_notifications -*-
"""
Notification payloads (kuzzle-api.md §5.3-5.5, sdk-contract.md §3), as plain dicts.

Document and user notifications come without ``room``: the sender adds the channel
name to each copy it sends. Everything is passed explicitly, so nothing here depends
on the request object or on a clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

SERVER_ROOM: Final = "kuzzle:notification:server"


def document_notification(
    *,
    request_id: str | None,
    timestamp: int,
    index: str,
    collection: str,
    controller: str,
    action: str,
    event: str,
    scope: str,
    protocol: str,
    node: str,
    volatile: Any,
    document_id: str | None,
    source: Any,
    updated_fields: Sequence[str] | None = None,
) -> dict[str, Any]:
    """A document notification: ``event`` is write, delete or publish, ``scope`` in or out.

    ``result._id`` is left out when ``document_id`` is None (a publish without ``_id``),
    as Kuzzle's JSON leaves it out; ``_updatedFields`` only when given.
    """
    result: dict[str, Any] = {}
    if document_id is not None:
        result["_id"] = document_id
    result["_source"] = source
    if updated_fields is not None:
        result["_updatedFields"] = list(updated_fields)
    return {
        "type": "document",
        "status": 200,
        "requestId": request_id,
        "timestamp": timestamp,
        "index": index,
        "collection": collection,
        "controller": controller,
        "action": action,
        "event": event,
        "scope": scope,
        "protocol": protocol,
        "node": node,
        "volatile": volatile,
        "result": result,
    }


def user_notification(
    *,
    user: str,
    count: int,
    index: str,
    collection: str,
    action: str,
    protocol: str,
    timestamp: int,
    node: str,
    volatile: Any,
) -> dict[str, Any]:
    """A user notification: ``user`` is in or out, ``action`` subscribe, join or unsubscribe.

    ``count`` is the number of connections in the room after the change; ``volatile`` the
    joining client's, or the one a leaving client gave when it subscribed.
    """
    return {
        "type": "user",
        "status": 200,
        "user": user,
        "result": {"count": count},
        "index": index,
        "collection": collection,
        "controller": "realtime",
        "action": action,
        "protocol": protocol,
        "timestamp": timestamp,
        "node": node,
        "volatile": volatile,
    }


def token_expired_notification(node: str) -> dict[str, Any]:
    """The server notification sent when a connection's token expires (with its room)."""
    return {
        "status": 200,
        "info": "This is an automated server notification",
        "message": "Authentication Token Expired",
        "type": "TokenExpired",
        "node": node,
        "room": SERVER_ROOM,
    }
