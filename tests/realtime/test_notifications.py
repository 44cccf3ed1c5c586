# -*- test-case-name: tests.realtime.test_notifications -*-
"""Notification payloads, field by field (kuzzle-api.md §5.3-5.5, sdk-contract.md §3)."""

from __future__ import annotations

import json
from typing import Any

from twisted.trial.unittest import SynchronousTestCase

from kuzzle_tx.realtime.notifications import (
    SERVER_ROOM,
    document_notification,
    token_expired_notification,
    user_notification,
)

VOLATILE = {"sdkInstanceId": "abc", "sdkName": "js@7.17.1"}


def _document(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "request_id": "req-1",
        "timestamp": 1700000000123,
        "index": "shop",
        "collection": "orders",
        "controller": "document",
        "action": "update",
        "event": "write",
        "scope": "in",
        "protocol": "websocket",
        "node": "knode-1",
        "volatile": VOLATILE,
        "document_id": "doc-1",
        "source": {"status": "paid", "_kuzzle_info": {"author": "-1"}},
    }
    fields.update(overrides)
    return document_notification(**fields)


class DocumentNotificationTests(SynchronousTestCase):
    def test_fields(self) -> None:
        """A document notification carries exactly the §5.3 fields, without room."""
        self.assertEqual(
            _document(updated_fields=["status"]),
            {
                "type": "document",
                "status": 200,
                "requestId": "req-1",
                "timestamp": 1700000000123,
                "index": "shop",
                "collection": "orders",
                "controller": "document",
                "action": "update",
                "event": "write",
                "scope": "in",
                "protocol": "websocket",
                "node": "knode-1",
                "volatile": VOLATILE,
                "result": {
                    "_id": "doc-1",
                    "_source": {"status": "paid", "_kuzzle_info": {"author": "-1"}},
                    "_updatedFields": ["status"],
                },
            },
        )

    def test_no_updated_fields_unless_given(self) -> None:
        """``_updatedFields`` appears only for updates that name changed paths."""
        result = _document(action="create")["result"]
        self.assertEqual(set(result), {"_id", "_source"})
        self.assertEqual(_document(updated_fields=())["result"]["_updatedFields"], [])

    def test_publish_without_id(self) -> None:
        """A publish without ``_id`` has no ``_id`` in its result, as Kuzzle's JSON has none."""
        message = _document(
            controller="realtime",
            action="publish",
            event="publish",
            document_id=None,
            source={"hello": "world"},
        )
        self.assertEqual(message["result"], {"_source": {"hello": "world"}})
        self.assertEqual((message["event"], message["scope"]), ("publish", "in"))

    def test_out_and_null_volatile(self) -> None:
        """scope out and a request without volatile (null) pass through unchanged."""
        message = _document(scope="out", event="delete", action="delete", volatile=None)
        self.assertEqual((message["scope"], message["event"]), ("out", "delete"))
        self.assertIsNone(message["volatile"])
        self.assertNotIn("room", message)

    def test_json_serializable(self) -> None:
        """The payload is plain JSON data."""
        self.assertEqual(json.loads(json.dumps(_document())), _document())


class UserNotificationTests(SynchronousTestCase):
    def test_fields(self) -> None:
        """A user notification carries exactly the §5.4 fields, without room."""
        message = user_notification(
            user="in",
            count=2,
            index="shop",
            collection="orders",
            action="subscribe",
            protocol="websocket",
            timestamp=1700000000456,
            node="knode-1",
            volatile=VOLATILE,
        )
        self.assertEqual(
            message,
            {
                "type": "user",
                "status": 200,
                "user": "in",
                "result": {"count": 2},
                "index": "shop",
                "collection": "orders",
                "controller": "realtime",
                "action": "subscribe",
                "protocol": "websocket",
                "timestamp": 1700000000456,
                "node": "knode-1",
                "volatile": VOLATILE,
            },
        )

    def test_out(self) -> None:
        """An "out" notification reports the remaining count and the stored volatile."""
        message = user_notification(
            user="out",
            count=0,
            index="i",
            collection="c",
            action="unsubscribe",
            protocol="websocket",
            timestamp=1,
            node="n",
            volatile=None,
        )
        self.assertEqual(
            (message["user"], message["result"], message["action"], message["volatile"]),
            ("out", {"count": 0}, "unsubscribe", None),
        )


class TokenExpiredTests(SynchronousTestCase):
    def test_fields(self) -> None:
        """The TokenExpired server notification has its fixed texts and the server room."""
        self.assertEqual(
            token_expired_notification("knode-1"),
            {
                "status": 200,
                "info": "This is an automated server notification",
                "message": "Authentication Token Expired",
                "type": "TokenExpired",
                "node": "knode-1",
                "room": "kuzzle:notification:server",
            },
        )
        self.assertEqual(SERVER_ROOM, "kuzzle:notification:server")
