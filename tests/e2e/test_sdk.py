# -*- test-case-name: tests.e2e.test_sdk -*-
"""The official JavaScript SDK (kuzzle-sdk 7.17.1) against the real server."""

from __future__ import annotations

from typing import Any

from tests.e2e.harness import E2ETestCase, poll


class SdkChecks:
    """Assertions shared by the WebSocket and the HTTP protocols of the SDK."""

    def assert_now(self: Any, report: dict[str, Any]) -> None:
        self.assertIsInstance(report["now"], int)
        # The server's clock, read between the client's two readings (one second of slack).
        self.assertGreaterEqual(report["now"], report["before"] - 1000)
        self.assertLessEqual(report["now"], report["after"] + 1000)

    def assert_info(self: Any, report: dict[str, Any]) -> None:
        self.assertIsInstance(report["version"], str)
        self.assertTrue(report["version"])

    def assert_check_token(self: Any, report: dict[str, Any]) -> None:
        self.assertIs(report["check"]["valid"], True)

    def assert_errors(self: Any, report: dict[str, Any]) -> None:
        controller = report["badController"]
        self.assertFalse(controller["ok"])
        self.assertEqual(controller["error"]["type"], "KuzzleError")
        self.assertEqual(controller["error"]["id"], "api.process.controller_not_found")
        self.assertEqual(controller["error"]["status"], 404)
        action = report["badAction"]
        self.assertFalse(action["ok"])
        self.assertEqual(action["error"]["type"], "KuzzleError")
        self.assertEqual(action["error"]["id"], "api.process.action_not_found")
        self.assertEqual(action["error"]["status"], 404)


class WebSocketSdkTests(E2ETestCase, SdkChecks):
    """kuzzle-sdk's WebSocket protocol."""

    async def run_sdk(self) -> dict[str, Any]:
        server = await self.server()
        return await self.node("sdk_websocket.js", server.port)

    async def test_connect_and_server_calls(self) -> None:
        """
        The SDK connects, C{server.now()} gives the server's time in milliseconds and
        C{server.info()} has C{serverInfo.kuzzle.version}.
        """
        report = await self.run_sdk()
        self.assertIs(report["connectedAfterConnect"], True)
        self.assert_now(report)
        self.assert_info(report)

    async def test_check_token_anonymous(self) -> None:
        """
        C{auth.checkToken()} without a token is valid, and the checkToken the SDK sends by
        itself on connect is answered (valid, anonymous) without any error event.
        """
        report = await self.run_sdk()
        self.assert_check_token(report)
        own = report["ownCheckToken"]
        self.assertIsNotNone(own, "the SDK's own auth:checkToken got no answer")
        self.assertEqual(own["status"], 200)
        self.assertIs(own["result"]["valid"], True)
        self.assertEqual(own["result"]["kuid"], "-1")
        self.assertEqual(report["sent"][0], "auth:checkToken")
        self.assertEqual(report["eventsBeforeErrors"], ["connected"])

    async def test_api_errors(self) -> None:
        """
        Unknown controllers and actions reject with a KuzzleError that has the Kuzzle error
        id and status 404.
        """
        self.assert_errors(await self.run_sdk())

    async def test_disconnect(self) -> None:
        """
        C{disconnect()} closes the socket with a clean close handshake (the server answers
        the client's 1000), and the server forgets the connection.
        """
        server = await self.server()
        report = await self.node("sdk_websocket.js", server.port)
        self.assertIs(report["connectedAfterDisconnect"], False)
        self.assertEqual(report["socketClosed"], {"code": 1000})
        self.assertNotIn("networkError", report["events"])

        async def no_websocket_left() -> bool:
            metrics = (await self.get(server, "/_metrics")).json()["result"]
            return not metrics["network"]["connections"].get("websocket")

        await poll(no_websocket_left, 5, "the server to drop the closed WebSocket")


class HttpSdkTests(E2ETestCase, SdkChecks):
    """kuzzle-sdk's Http protocol, which learns its routes from GET /_publicApi."""

    async def run_sdk(self) -> dict[str, Any]:
        self.kuzzle = await self.server()
        return await self.node("sdk_http.js", self.kuzzle.port)

    async def test_routes_from_public_api(self) -> None:
        """
        On connect the SDK builds its route table from the server's C{/_publicApi}, without
        falling back to its bundled table (which it would announce with warnings).
        """
        report = await self.run_sdk()
        self.assertEqual(report["warnings"], [])
        routes = report["routes"]
        self.assertEqual(routes["server"]["now"]["verb"], "GET")
        self.assertEqual(routes["server"]["now"]["url"], "/_now")
        self.assertEqual(routes["auth"]["checkToken"]["url"], "/_checkToken")
        public = (await self.get(self.kuzzle, "/_publicApi")).json()["result"]
        self.assertEqual(
            sorted(routes), sorted(c for c, actions in public.items() if _has_http(actions))
        )

    async def test_server_calls(self) -> None:
        """Over HTTP, C{server.now()}, C{server.info()} and C{auth.checkToken()} work."""
        report = await self.run_sdk()
        self.assert_now(report)
        self.assert_info(report)
        self.assert_check_token(report)
        self.assertNotIn("networkError", report["events"])

    async def test_api_errors(self) -> None:
        """
        Over HTTP too, unknown controllers and actions reject with 404 KuzzleErrors (sent
        through C{POST /_query}: the SDK has no route for them, and says so by itself).
        """
        report = await self.run_sdk()
        self.assert_errors(report)
        self.assertEqual(report["eventsBeforeErrors"], ["connected"])
        self.assertFalse(report["unrouted"]["ok"])
        self.assertIn("No URL found", report["unrouted"]["error"]["message"])


def _has_http(actions: dict[str, Any]) -> bool:
    return any(action.get("http") for action in actions.values())


class ReconnectionTests(E2ETestCase):
    """The SDK's reconnection after the server closes its socket."""

    async def test_reconnects_after_idle_close(self) -> None:
        """
        When the server closes an idle socket (with a code other than 1000), the SDK sees
        the disconnection, reconnects by itself, and its next request works.
        """
        server = await self.server(
            env={
                "kuzzle_server__protocols__websocket__idleTimeout": "1000",
                "kuzzle_server__protocols__websocket__heartbeat": "0",
            }
        )
        report = await self.node("sdk_reconnect.js", server.port)
        names = [event["name"] for event in report["events"]]
        self.assertEqual(names[0], "connect")
        self.assertIn("disconnected", names)
        self.assertIn("networkError", names)
        self.assertIn("reconnected", names)
        self.assertLess(names.index("networkError"), names.index("reconnected"))
        network_error = report["events"][names.index("networkError")]
        self.assertIn("ws status=1001", network_error["message"])
        self.assertTrue(report["now"]["ok"], report["now"])
        self.assertIsInstance(report["now"]["value"], int)
