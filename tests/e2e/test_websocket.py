# -*- test-case-name: tests.e2e.test_websocket -*-
"""The WebSocket protocol seen from a raw client (the `ws` package of node)."""

from __future__ import annotations

from typing import Any

from tests.e2e.harness import E2ETestCase, KuzzleServer

WEBSOCKET = "kuzzle_server__protocols__websocket__"


class RawWebSocketTests(E2ETestCase):
    """Kuzzle's WebSocket framing rules."""

    async def raw(self, case: str) -> dict[str, Any]:
        server = await self.server()
        return await self.node("ws_raw.js", server.port, case)

    async def test_application_ping(self) -> None:
        """The text frame C{{"p":1}} is answered by exactly C{{"p":2}}, and nothing else."""
        report = await self.raw("app-ping")
        self.assertEqual(report["answer"], '{"p":2}')
        self.assertEqual(report["next"]["status"], 200)

    async def test_control_ping(self) -> None:
        """A control PING frame is answered by a PONG with the same payload."""
        report = await self.raw("control-ping")
        self.assertEqual(report["pong"], "hello")

    async def test_generated_request_id_is_the_room(self) -> None:
        """A request without requestId gets a generated one, and C{room} equals it."""
        response = (await self.raw("no-request-id"))["response"]
        self.assertEqual(response["status"], 200)
        self.assertIsInstance(response["requestId"], str)
        self.assertTrue(response["requestId"])
        self.assertEqual(response["room"], response["requestId"])

    async def test_unknown_keys_and_nulls_ignored(self) -> None:
        """Unknown keys and null values (jwt, volatile, body, _id...) do not fail a request."""
        response = (await self.raw("lenient"))["response"]
        self.assertEqual(response["status"], 200, response)
        self.assertIsNone(response["error"])
        self.assertIsInstance(response["result"]["now"], int)
        self.assertEqual(response["room"], "lenient-1")

    async def test_invalid_json(self) -> None:
        """
        Invalid JSON gets an error frame (status 400, id network.websocket.unexpected_error,
        no room) and the socket keeps working.
        """
        report = await self.raw("invalid-json")
        error = report["error"]
        self.assertEqual(error["status"], 400)
        self.assertEqual(error["error"]["id"], "network.websocket.unexpected_error")
        self.assertEqual(error["error"]["status"], 400)
        self.assertNotIn("room", error)
        self.assertEqual(report["after"]["status"], 200)
        self.assertEqual(report["after"]["room"], "a1")

    async def test_subprotocol_echoed(self) -> None:
        """A subprotocol offered by the client (browsers offer "null") is echoed back."""
        report = await self.raw("subprotocol")
        self.assertEqual(report["protocol"], "null")
        self.assertEqual(report["response"]["status"], 200)


class HeartbeatTests(E2ETestCase):
    """server.protocols.websocket.heartbeat: server PINGs detect dead clients."""

    async def heartbeat_server(self, heartbeat: int) -> KuzzleServer:
        return await self.server(env={WEBSOCKET + "heartbeat": str(heartbeat)})

    async def test_silent_client_disconnected(self) -> None:
        """
        With a 1 s heartbeat, a client that never answers PINGs is disconnected when the
        next beat finds the previous PING unanswered, about 2 s after it connected.
        """
        server = await self.heartbeat_server(1000)
        report = await self.node("ws_liveness.js", server.port, "no-pong", 6)
        self.assertIsNotNone(report["closed"], "the server never closed the socket")
        self.assertGreaterEqual(len(report["pings"]), 1)
        self.assertGreaterEqual(report["closed"]["after"], 1500)
        self.assertLessEqual(report["closed"]["after"], 3500)
        self.assertNotEqual(report["closed"]["code"], 1000)

    async def test_answering_client_stays(self) -> None:
        """A client that answers the PINGs of a 1 s heartbeat is still connected after 3 s."""
        server = await self.heartbeat_server(1000)
        report = await self.node("ws_liveness.js", server.port, "pong", 3.2)
        self.assertIs(report["stillOpen"], True, report)
        self.assertGreaterEqual(len(report["pings"]), 2)

    async def test_no_heartbeat(self) -> None:
        """
        With heartbeat 0 the server sends no PING (none in 2 s) but still answers the
        client's PINGs.
        """
        server = await self.server(
            env={WEBSOCKET + "heartbeat": "0", WEBSOCKET + "idleTimeout": "60000"}
        )
        report = await self.node("ws_liveness.js", server.port, "count-pings", 2)
        self.assertEqual(report["pingsBefore"], 0)
        self.assertIs(report["ponged"], True)
        self.assertIsNone(report["closed"])


class IdleTimeoutTests(E2ETestCase):
    """server.protocols.websocket.idleTimeout: silent sockets are closed."""

    async def idle_server(self) -> KuzzleServer:
        return await self.server(
            env={WEBSOCKET + "idleTimeout": "1000", WEBSOCKET + "heartbeat": "0"}
        )

    async def test_silent_client_closed(self) -> None:
        """
        With idleTimeout 1000, a client that stops talking is closed with 1001 between 1.0
        and 2.1 s after its last message.
        """
        server = await self.idle_server()
        report = await self.node("ws_liveness.js", server.port, "silent", 5)
        closed = report["closed"]
        self.assertIsNotNone(closed, "the server never closed the idle socket")
        self.assertEqual(closed["code"], 1001)
        self.assertGreaterEqual(closed["afterSend"], 1000)
        self.assertLessEqual(closed["afterSend"], 2100)

    async def test_chatty_client_stays(self) -> None:
        """With idleTimeout 1000, a client that sends a message every 400 ms stays open."""
        server = await self.idle_server()
        report = await self.node("ws_liveness.js", server.port, "chatty", 2.6)
        self.assertIs(report["stillOpen"], True, report)
        self.assertGreaterEqual(report["answers"], 5)


class OversizeTests(E2ETestCase):
    """server.maxRequestSize applies to WebSocket messages."""

    async def test_oversize_message_closes_that_socket(self) -> None:
        """
        A 2 KB message with maxRequestSize "1kb" closes its socket with 1009; another
        client on the same server still gets answers.
        """
        server = await self.server(config={"server": {"maxRequestSize": "1kb"}})
        report = await self.node("ws_oversize.js", server.port, 2048)
        self.assertIsNotNone(report["closed"], "the oversized socket was not closed")
        self.assertEqual(report["closed"]["code"], 1009)
        self.assertEqual(report["otherResponse"]["status"], 200)
        self.assertEqual(report["otherResponse"]["room"], "o")
