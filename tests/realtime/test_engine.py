"""The realtime controller over WebSocket, in memory: subscriptions and notifications."""

from __future__ import annotations

from typing import Any

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from kuzzle_tx.testing import MemoryWebSocketClient, memory_config, memory_service

PAID = {"equals": {"status": "paid"}}


class RealtimeTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(1_700_000_000)
        self.service = memory_service(memory_config(), self.clock)
        self.service.startService()
        self.ids = 0

    def client(self) -> MemoryWebSocketClient:
        return MemoryWebSocketClient(self.service.websocket_factory)

    def call(self, client: MemoryWebSocketClient, action: str, **fields: Any) -> dict[str, Any]:
        self.ids += 1
        request_id = f"r{self.ids}"
        client.send_json(
            {"controller": "realtime", "action": action, "requestId": request_id, **fields}
        )
        [response] = [m for m in client.messages() if m.get("room") == request_id]
        return response

    def subscribe(self, client: MemoryWebSocketClient, body: Any = PAID, **options: Any) -> dict:
        response = self.call(
            client, "subscribe", index="shop", collection="orders", body=body, **options
        )
        self.assertIsNone(response["error"], response["error"])
        return response["result"]

    def notifications(self, client: MemoryWebSocketClient, channel: str) -> list[dict]:
        return [m for m in client.messages() if m.get("room") == channel]

    def test_publish_reaches_matching_subscribers(self) -> None:
        """A publication is delivered to the channel of each matching room, once."""
        subscriber, publisher = self.client(), self.client()
        result = self.subscribe(subscriber)
        self.assertEqual(result["channel"], result["roomId"] + "-311")
        self.assertEqual(len(result["roomId"]), 64)
        for body in ({"status": "paid", "n": 1}, {"status": "new"}):
            response = self.call(
                publisher,
                "publish",
                index="shop",
                collection="orders",
                body=body,
                volatile={"sdkInstanceId": "pub"},
            )
            self.assertEqual(response["result"], {"published": True})
        [notification] = self.notifications(subscriber, result["channel"])
        self.assertEqual(
            {key: notification[key] for key in ("type", "action", "event", "scope", "controller")},
            {
                "type": "document",
                "action": "publish",
                "event": "publish",
                "scope": "in",
                "controller": "realtime",
            },
        )
        self.assertEqual(notification["volatile"], {"sdkInstanceId": "pub"})
        self.assertEqual(
            notification["result"]["_source"],
            {
                "status": "paid",
                "n": 1,
                "_kuzzle_info": {"author": "-1", "createdAt": 1_700_000_000_000},
            },
        )

    def test_equivalent_filters_share_a_room(self) -> None:
        """Equivalent filters give the same room id, and count counts both connections."""
        first, second = self.client(), self.client()
        a = self.subscribe(first, {"and": [PAID]})
        b = self.subscribe(second, PAID)
        self.assertEqual(a["roomId"], b["roomId"])
        response = self.call(first, "count", body={"roomId": a["roomId"]})
        self.assertEqual(response["result"], {"count": 2})

    def test_user_notifications(self) -> None:
        """users: "all" sees others come in and go out, including by disconnection."""
        watcher, other = self.client(), self.client()
        channel = self.subscribe(watcher, users="all")["channel"]
        self.subscribe(other, volatile={"who": "other"})
        self.assertEqual(self.notifications(watcher, channel)[-1]["user"], "in")
        self.assertEqual(self.notifications(watcher, channel)[-1]["result"], {"count": 2})
        other.drop()
        last = self.notifications(watcher, channel)[-1]
        self.assertEqual(
            (last["user"], last["result"], last["volatile"]),
            ("out", {"count": 1}, {"who": "other"}),
        )

    def test_unsubscribe_stops_delivery_and_frees_the_room(self) -> None:
        """After unsubscribe nothing is delivered, and an empty room leaves Koncorde."""
        subscriber, publisher = self.client(), self.client()
        result = self.subscribe(subscriber)
        response = self.call(subscriber, "unsubscribe", body={"roomId": result["roomId"]})
        self.assertEqual(response["result"], {"roomId": result["roomId"]})
        self.call(publisher, "publish", index="shop", collection="orders", body={"status": "paid"})
        self.assertEqual(self.notifications(subscriber, result["channel"]), [])
        self.assertEqual(self.service.realtime.koncorde.room_count, 0)
        again = self.call(subscriber, "unsubscribe", body={"roomId": result["roomId"]})
        self.assertEqual(
            (again["status"], again["error"]["id"]), (412, "core.realtime.not_subscribed")
        )

    def test_disconnection_frees_everything(self) -> None:
        """A connection that closes leaves its rooms: nothing remains in the engine."""
        subscriber = self.client()
        self.subscribe(subscriber)
        self.subscribe(subscriber, {"range": {"n": {"gt": 3}}})
        subscriber.drop()
        self.assertEqual(self.service.realtime.koncorde.room_count, 0)
        self.assertEqual(self.service._metrics()["realtime"], {"rooms": 0, "subscriptions": 0})

    def test_errors(self) -> None:
        """Bad filters, missing arguments, bad options and unknown rooms get Kuzzle's errors."""
        client = self.client()
        cases = [
            (
                {
                    "action": "subscribe",
                    "index": "i",
                    "collection": "c",
                    "body": {"equals": {"a": {"b": 1}}},
                },
                400,
                "api.assert.koncorde_dsl_error",
            ),
            (
                {"action": "subscribe", "collection": "c", "body": {}},
                400,
                "api.assert.missing_argument",
            ),
            (
                {"action": "subscribe", "index": "i", "collection": "c"},
                400,
                "api.assert.body_required",
            ),
            (
                {"action": "subscribe", "index": "i", "collection": "c", "body": {}, "scope": "x"},
                400,
                "core.realtime.invalid_scope",
            ),
            ({"action": "join", "body": {"roomId": "nope"}}, 404, "core.realtime.room_not_found"),
            ({"action": "count", "body": {}}, 400, "api.assert.missing_argument"),
        ]
        for fields, status, error_id in cases:
            response = self.call(client, **fields)
            self.assertEqual(
                (response["status"], response["error"]["id"]), (status, error_id), fields
            )

    def test_join_and_list(self) -> None:
        """join enters an existing room by id; list counts connections per room."""
        first, second = self.client(), self.client()
        room_id = self.subscribe(first)["roomId"]
        joined = self.call(second, "join", body={"roomId": room_id}, scope="out")
        self.assertEqual(joined["result"]["channel"], room_id + "-313")
        listing = self.call(first, "list")["result"]
        self.assertEqual(listing, {"shop": {"orders": {room_id: 2}}})

    def test_validate(self) -> None:
        """validate accepts any message while no validation specifications exist."""
        client = self.client()
        response = self.call(client, "validate", index="i", collection="c", body={"a": 1})
        self.assertEqual(response["result"]["valid"], True)
        missing = self.call(client, "validate", index="i", collection="c")
        self.assertEqual(missing["error"]["id"], "api.assert.body_required")

    def test_scope_filters_document_notifications(self) -> None:
        """A channel with scope "out" does not receive publications (scope "in")."""
        subscriber, publisher = self.client(), self.client()
        channel = self.subscribe(subscriber, scope="out")["channel"]
        self.call(publisher, "publish", index="shop", collection="orders", body={"status": "paid"})
        self.assertEqual(self.notifications(subscriber, channel), [])

    def test_one_frame_per_connection_and_channel(self) -> None:
        """Two SDK subscriptions on one channel still get exactly one frame per publication."""
        subscriber, publisher = self.client(), self.client()
        channel = self.subscribe(subscriber)["channel"]
        self.subscribe(subscriber)
        self.call(publisher, "publish", index="shop", collection="orders", body={"status": "paid"})
        self.assertEqual(len(self.notifications(subscriber, channel)), 1)


class FanOutTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.service = memory_service(memory_config(), self.clock)
        self.service.startService()

    def subscribed_clients(self, count: int) -> tuple[list[MemoryWebSocketClient], str]:
        clients = []
        channel = ""
        for n in range(count):
            client = MemoryWebSocketClient(self.service.websocket_factory)
            client.send_json(
                {
                    "controller": "realtime",
                    "action": "subscribe",
                    "index": "i",
                    "collection": "c",
                    "body": {},
                    "requestId": f"s{n}",
                }
            )
            channel = client.messages()[-1]["result"]["channel"]
            clients.append(client)
        return clients, channel

    def publish(self, publisher: MemoryWebSocketClient, n: int, size: int = 10) -> None:
        publisher.send_json(
            {
                "controller": "realtime",
                "action": "publish",
                "index": "i",
                "collection": "c",
                "body": {"n": n, "pad": "x" * size},
            }
        )

    def received(self, client: MemoryWebSocketClient, channel: str) -> list[int]:
        return [m["result"]["_source"]["n"] for m in client.messages() if m.get("room") == channel]

    def test_large_rooms_are_sent_in_chunks_in_order(self) -> None:
        """A room larger than a chunk is served one chunk per reactor turn, in order."""
        from kuzzle_tx.network import entrypoint

        self.patch(entrypoint, "BROADCAST_CHUNK", 1000)
        clients, channel = self.subscribed_clients(2500)
        publisher = MemoryWebSocketClient(self.service.websocket_factory)
        self.publish(publisher, 1)
        self.publish(publisher, 2)
        served = sum(1 for client in clients if self.received(client, channel))
        self.assertEqual(served, 1000)
        self.clock.advance(0)
        self.clock.advance(0)
        self.clock.advance(0)
        self.clock.advance(0)
        self.clock.advance(0)
        self.assertEqual({tuple(self.received(client, channel)) for client in clients}, {(1, 2)})

    def test_slow_consumer_is_disconnected(self) -> None:
        """A socket whose client stops reading is closed with 1011 past its backlog cap."""
        (slow, fast), channel = self.subscribed_clients(2)
        slow.protocol.pauseProducing()  # what the transport does when its buffer is full
        publisher = MemoryWebSocketClient(self.service.websocket_factory)
        for n in range(6):
            self.publish(publisher, n, size=900 * 1024)
        self.assertEqual(slow.close_code(), 1011)
        self.assertEqual(self.received(fast, channel), list(range(6)))

    def test_resumed_consumer_starts_afresh(self) -> None:
        """A client that catches up (the transport resumes) is not closed."""
        (client,), channel = self.subscribed_clients(1)
        publisher = MemoryWebSocketClient(self.service.websocket_factory)
        for n in range(8):
            client.protocol.pauseProducing()
            self.publish(publisher, n, size=900 * 1024)
            client.protocol.resumeProducing()
        self.assertIsNone(client.close_code())
        self.assertEqual(len(self.received(client, channel)), 8)


class InterfaceTests(SynchronousTestCase):
    def test_engine_is_a_notifier(self) -> None:
        """The realtime engine provides INotifier, the seam for multi-node deployments."""
        from zope.interface.verify import verifyObject

        from kuzzle_tx.interfaces import INotifier

        service = memory_service(memory_config(), Clock())
        self.assertTrue(verifyObject(INotifier, service.realtime))

    def test_websocket_is_a_client_channel(self) -> None:
        """The WebSocket protocol provides IClientChannel."""
        from zope.interface.verify import verifyObject

        from kuzzle_tx.interfaces import IClientChannel

        service = memory_service(memory_config(), Clock())
        client = MemoryWebSocketClient(service.websocket_factory)
        self.assertTrue(verifyObject(IClientChannel, client.protocol))
