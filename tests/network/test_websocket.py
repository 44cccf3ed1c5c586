"""
Kuzzle's WebSocket protocol, in memory: the wire contract, heartbeat, idleTimeout.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from kuzzle_tx.testing import (
    OPCODE_PING,
    OPCODE_PONG,
    OPCODE_TEXT,
    MemoryWebSocketClient,
    memory_config,
    memory_service,
)


def websocket_service(clock: Clock, **websocket: Any) -> Any:
    settings = {"heartbeat": 0}
    settings.update(websocket)
    service = memory_service(memory_config(server={"protocols": {"websocket": settings}}), clock)
    service.startService()
    return service


class WireContractTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(1_700_000_000)
        self.service = websocket_service(self.clock)
        self.client = MemoryWebSocketClient(self.service.websocket_factory)

    def test_response_room_is_request_id(self) -> None:
        """Every response carries room = the requestId the client sent."""
        self.client.send_json({"controller": "server", "action": "now", "requestId": "r1"})
        [response] = self.client.messages()
        self.assertEqual(response["room"], "r1")
        self.assertEqual(response["requestId"], "r1")
        self.assertEqual(response["result"], {"now": 1_700_000_000_000})
        self.assertIsNone(response["error"])

    def test_generated_request_id_is_the_room(self) -> None:
        """A request without requestId gets a generated one, used as its room too."""
        self.client.send_json({"controller": "server", "action": "now"})
        [response] = self.client.messages()
        self.assertTrue(response["requestId"])
        self.assertEqual(response["room"], response["requestId"])

    def test_application_ping(self) -> None:
        """The text frame {"p":1} is answered by exactly {"p":2}, in either spelling."""
        self.client.send_text('{"p":1}')
        self.client.send_text('{ "p" : 1 }')
        frames = [payload for opcode, payload in self.client.frames() if opcode == OPCODE_TEXT]
        self.assertEqual(frames, [b'{"p":2}', b'{"p":2}'])

    def test_ping_with_other_keys_is_a_request(self) -> None:
        """{"p":1,"x":2} is not a ping: it is processed as an API request."""
        self.client.send_json({"p": 1, "requestId": "r2"})
        [response] = self.client.messages()
        self.assertEqual(response["room"], "r2")
        self.assertEqual(response["error"]["id"], "api.assert.missing_argument")

    def test_unknown_keys_and_nulls_are_ignored(self) -> None:
        """Unknown request keys and null values do not make a request fail."""
        self.client.send_json(
            {
                "controller": "server",
                "action": "now",
                "requestId": "r3",
                "verb": "POST",
                "jwt": None,
                "volatile": None,
                "body": None,
                "whatever": {"a": 1},
            }
        )
        [response] = self.client.messages()
        self.assertIsNone(response["error"])

    def test_invalid_json_keeps_the_socket_open(self) -> None:
        """Invalid JSON gets a 400 error without room; the socket keeps serving."""
        self.client.send_text("{not json")
        self.client.send_json({"controller": "server", "action": "now", "requestId": "r4"})
        error, answer = self.client.messages()
        self.assertNotIn("room", error)
        self.assertEqual(error["status"], 400)
        self.assertEqual(error["error"]["id"], "network.websocket.unexpected_error")
        self.assertEqual(error["error"]["code"], 50528257)
        self.assertEqual(answer["room"], "r4")
        self.assertFalse(self.client.disconnected)

    def test_non_object_payload(self) -> None:
        """A JSON value that is not an object is refused with invalid_type."""
        self.client.send_text("[1, 2]")
        [error] = self.client.messages()
        self.assertEqual(error["error"]["id"], "api.assert.invalid_type")
        self.assertNotIn("room", error)

    def test_wrong_typed_field(self) -> None:
        """A wrong-typed reserved field answers 400 invalid_type in the request's room."""
        self.client.send_json(
            {"controller": "server", "action": "now", "requestId": "r5", "volatile": 3}
        )
        [response] = self.client.messages()
        self.assertEqual(response["room"], "r5")
        self.assertEqual(response["status"], 400)
        self.assertEqual(response["error"]["id"], "api.assert.invalid_type")
        self.assertEqual(response["error"]["props"], ["volatile", "object"])

    def test_unknown_controller(self) -> None:
        """An unknown controller answers Kuzzle's 404 controller_not_found."""
        self.client.send_json({"controller": "nope", "action": "x", "requestId": "r6"})
        [response] = self.client.messages()
        self.assertEqual(response["status"], 404)
        self.assertEqual(
            response["error"],
            {
                "message": 'API controller "nope" not found.',
                "status": 404,
                "id": "api.process.controller_not_found",
                "code": 33685508,
                "props": ["nope"],
            },
        )

    def test_subprotocol_is_echoed(self) -> None:
        """The subprotocol a browser offers (the literal "null") is echoed back."""
        client = MemoryWebSocketClient(self.service.websocket_factory, protocols=("null",))
        self.assertTrue(client.opened)
        self.assertIn("Sec-WebSocket-Protocol: null", client.handshake)

    def test_connections_are_registered(self) -> None:
        """Open sockets count as websocket connections, and leave when they close."""
        counts = self.service.entrypoint.connection_counts
        self.assertEqual(counts(), {"websocket": 1})
        self.client.drop()
        self.assertEqual(counts(), {})

    def test_oversize_message_closes_only_that_socket(self) -> None:
        """A message over maxRequestSize closes that socket with 1009; others go on."""
        service = memory_service(
            memory_config(
                server={"maxRequestSize": "1kb", "protocols": {"websocket": {"heartbeat": 0}}}
            ),
            self.clock,
        )
        service.startService()
        big = MemoryWebSocketClient(service.websocket_factory)
        other = MemoryWebSocketClient(service.websocket_factory)
        big.send_text("x" * 2048)
        self.assertEqual(big.close_code(), 1009)
        other.send_json({"controller": "server", "action": "now", "requestId": "ok"})
        [response] = other.messages()
        self.assertEqual(response["room"], "ok")

    def test_rate_limit(self) -> None:
        """Past rateLimit messages in one second, the socket gets 429 errors but stays open."""
        service = websocket_service(self.clock, rateLimit=2)
        client = MemoryWebSocketClient(service.websocket_factory)
        for n in range(3):
            client.send_json({"controller": "server", "action": "now", "requestId": str(n)})
        messages = client.messages()
        self.assertEqual([m.get("room") for m in messages[:2]], ["0", "1"])
        self.assertEqual(messages[2]["error"]["id"], "network.websocket.ratelimit_exceeded")
        self.assertEqual(messages[2]["status"], 429)
        self.clock.advance(1)
        client.send_json({"controller": "server", "action": "now", "requestId": "later"})
        self.assertEqual(client.messages()[-1]["room"], "later")


class HeartbeatTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()

    def pings(self, client: MemoryWebSocketClient) -> list[bytes]:
        return [payload for opcode, payload in client.frames() if opcode == OPCODE_PING]

    def test_ping_after_heartbeat(self) -> None:
        """With heartbeat 1000 ms the server PINGs a quiet client after one second."""
        service = websocket_service(self.clock, heartbeat=1000)
        client = MemoryWebSocketClient(service.websocket_factory)
        self.clock.advance(0.9)
        self.assertEqual(self.pings(client), [])
        self.clock.advance(0.2)
        self.assertEqual(len(self.pings(client)), 1)

    def test_missed_pong_disconnects_at_next_beat(self) -> None:
        """A client that misses its PONG is disconnected by the next beat, state released."""
        service = websocket_service(self.clock, heartbeat=1000)
        client = MemoryWebSocketClient(service.websocket_factory)
        self.clock.advance(1.1)
        self.assertEqual(len(self.pings(client)), 1)
        self.assertFalse(client.disconnected)
        self.clock.advance(1.0)
        self.assertTrue(client.disconnected)
        client.drop()
        self.assertEqual(service.entrypoint.connection_counts(), {})
        self.assertEqual(service.websocket_factory.clients, set())

    def test_answered_pings_keep_the_socket(self) -> None:
        """A client that answers every PING stays connected."""
        service = websocket_service(self.clock, heartbeat=1000)
        client = MemoryWebSocketClient(service.websocket_factory)
        answered = 0
        for _ in range(50):
            self.clock.advance(0.1)
            pings = self.pings(client)
            while answered < len(pings):
                client.pong(pings[answered])
                answered += 1
        self.assertGreaterEqual(answered, 4)
        self.assertFalse(client.disconnected)

    def test_heartbeat_zero_sends_no_ping_but_answers(self) -> None:
        """heartbeat 0: no server PING ever; a client PING still gets its PONG."""
        service = websocket_service(self.clock, heartbeat=0)
        client = MemoryWebSocketClient(service.websocket_factory)
        self.clock.advance(3600)
        self.assertEqual(self.pings(client), [])
        client.ping(b"hello")
        pongs = [payload for opcode, payload in client.frames() if opcode == OPCODE_PONG]
        self.assertEqual(pongs, [b"hello"])


class IdleTimeoutTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()

    def advance(self, seconds: float, step: float = 0.05) -> None:
        for _ in range(round(seconds / step)):
            self.clock.advance(step)

    def test_closed_within_bounds(self) -> None:
        """A silent socket closes with 1001 no earlier than idleTimeout, no later than +1 s."""
        service = websocket_service(self.clock, idleTimeout=2000)
        client = MemoryWebSocketClient(service.websocket_factory)
        self.advance(1.95)
        self.assertIsNone(client.close_code())
        self.advance(1.0)
        self.assertEqual(client.close_code(), 1001)

    def test_long_timeout_bound_is_ten_percent(self) -> None:
        """With a long idleTimeout the socket still closes within +max(1 s, 10 %)."""
        service = websocket_service(self.clock, idleTimeout=60000)
        client = MemoryWebSocketClient(service.websocket_factory)
        self.clock.pump([1.0] * 59 + [0.9])
        self.assertIsNone(client.close_code())
        self.clock.pump([1.0] * 2)
        self.assertEqual(client.close_code(), 1001)

    def test_messages_keep_it_open(self) -> None:
        """Received messages, client PINGs and sent responses all reset the idle timer."""
        service = websocket_service(self.clock, idleTimeout=1000)
        client = MemoryWebSocketClient(service.websocket_factory)
        for n in range(10):
            self.advance(0.6)
            if n % 2:
                client.ping()
            else:
                client.send_text('{"p":1}')
        self.assertIsNone(client.close_code())

    def test_only_received_messages_count_when_configured(self) -> None:
        """resetIdleTimeoutOnSend false: what the server sends does not keep a socket open."""
        service = websocket_service(self.clock, idleTimeout=1000, resetIdleTimeoutOnSend=False)
        client = MemoryWebSocketClient(service.websocket_factory)
        factory = service.websocket_factory
        [protocol] = factory.clients
        for _ in range(4):
            self.advance(0.5)
            protocol.send_payload(b'{"hello":1}')
        self.assertEqual(client.close_code(), 1001)

    def test_zero_disables(self) -> None:
        """idleTimeout 0 runs no sweep at all."""
        service = websocket_service(self.clock, idleTimeout=0, heartbeat=0)
        client = MemoryWebSocketClient(service.websocket_factory)
        self.clock.advance(86400)
        self.assertIsNone(client.close_code())
        self.assertEqual(self.clock.getDelayedCalls(), [])

    def test_sweep_stops_with_the_service(self) -> None:
        """Stopping the service stops the sweep and closes sockets with 1001."""
        service = websocket_service(self.clock, idleTimeout=5000)
        client = MemoryWebSocketClient(service.websocket_factory)
        service.stopService()
        self.assertEqual(client.close_code(), 1001)
        self.assertFalse(service.websocket_factory._sweeper.running)

    def test_automatic_pings_keep_live_clients(self) -> None:
        """sendPingsAutomatically: an idle socket is pinged, and its PONG keeps it open."""
        service = websocket_service(self.clock, idleTimeout=1000, sendPingsAutomatically=True)
        client = MemoryWebSocketClient(service.websocket_factory)
        for _ in range(60):
            self.clock.advance(0.05)
            for opcode, payload in client.frames()[-1:]:
                if opcode == OPCODE_PING:
                    client.pong(payload)
        self.assertIsNone(client.close_code())


class TextFrameTests(SynchronousTestCase):
    def test_lengths(self) -> None:
        """Frames of every length encoding decode back to their payload (FIN, text, unmasked)."""
        from kuzzle_tx.network.websocket import text_frame
        from kuzzle_tx.testing import decode_frames

        for size in (0, 1, 125, 126, 127, 65535, 65536, 70000):
            payload = b"x" * size
            frame = text_frame(payload)
            self.assertEqual(frame[0], 0x81)
            frames, rest = decode_frames(frame)
            self.assertEqual((frames, rest), ([(OPCODE_TEXT, payload)], b""), size)

    def test_large_responses_through_the_protocol(self) -> None:
        """A response larger than 64 KiB reaches the client whole."""
        clock = Clock()
        service = websocket_service(clock)
        client = MemoryWebSocketClient(service.websocket_factory)
        client.send_json(
            {
                "controller": "server",
                "action": "now",
                "requestId": "r",
                "volatile": {"x": "y" * 70000},
            }
        )
        [response] = client.messages()
        self.assertEqual(len(response["volatile"]["x"]), 70000)
