# -*- test-case-name: tests.e2e.test_lifecycle -*-
"""Starting, configuring, listening and stopping the real ``twistd kuzzle`` process."""

from __future__ import annotations

from typing import Any

from tests.e2e.harness import E2ETestCase, KuzzleServer, free_port, now, run_server_to_exit

PROTOCOLS = "kuzzle_server__protocols__"
OFF = {"enabled": False}
# The comma missing at the end of line 3 is found on line 4.
MISSING_COMMA = '{\n  "server": {\n    "port": 7512\n    "maxRequestSize": "1kb"\n  }\n}\n'


def output_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.strip()]


class DisabledProtocolTests(E2ETestCase):
    """server.protocols.<name>.enabled turns one protocol off, never both."""

    async def test_websocket_disabled(self) -> None:
        """
        With WebSocket disabled the upgrade is refused with an HTTP error status while the
        HTTP API keeps working.
        """
        server = await self.server(env={PROTOCOLS + "websocket__enabled": "false"})
        report = await self.node("ws_raw.js", server.port, "now")
        self.assertIs(report["opened"], False)
        self.assertGreaterEqual(report["refused"], 400)
        response = await self.get(server, "/_now")
        self.assertEqual(response.code, 200)

    async def test_http_disabled(self) -> None:
        """With HTTP disabled, C{GET /_now} is refused while WebSocket works."""
        server = await self.server(env={PROTOCOLS + "http__enabled": "false"}, healthcheck=False)
        response = await self.get(server, "/_now")
        self.assertGreaterEqual(response.code, 400)
        self.assertNotIn(b'"now"', response.body)
        report = await self.node("ws_raw.js", server.port, "now")
        self.assertIs(report["opened"], True)
        self.assertEqual(report["response"]["status"], 200)
        self.assertIsInstance(report["response"]["result"]["now"], int)


class StartupErrorTests(E2ETestCase):
    """A bad configuration stops the server at start-up with one readable line."""

    def assert_one_line(self, output: str) -> str:
        self.assertNotIn("Traceback", output)
        lines = output_lines(output)
        self.assertEqual(len(lines), 1, output)
        return lines[0]

    async def test_both_protocols_disabled(self) -> None:
        """Disabling both HTTP and WebSocket is refused, naming the configuration key."""
        code, output, _ = await run_server_to_exit(
            self,
            config={"server": {"protocols": {"http": OFF, "websocket": OFF}}},
        )
        self.assertNotEqual(code, 0)
        line = self.assert_one_line(output)
        self.assertIn("server.protocols", line)

    async def test_malformed_config_file(self) -> None:
        """A kuzzlerc.json that is not valid JSON is refused, naming the file and the line."""
        code, output, server = await run_server_to_exit(self, config=MISSING_COMMA)
        self.assertNotEqual(code, 0)
        line = self.assert_one_line(output)
        path = server.directory.child("kuzzlerc.json").path
        self.assertIn(f"{path}:4:", line)

    async def test_negative_heartbeat(self) -> None:
        """A negative heartbeat from an environment variable is refused, naming the key."""
        code, output, _ = await run_server_to_exit(
            self, env={PROTOCOLS + "websocket__heartbeat": "-1"}
        )
        self.assertNotEqual(code, 0)
        line = self.assert_one_line(output)
        self.assertIn("server.protocols.websocket.heartbeat", line)


class ShutdownTests(E2ETestCase):
    """SIGTERM stops the server gracefully."""

    async def sigterm_with_client(self) -> tuple[KuzzleServer, float, dict[str, Any]]:
        """SIGTERM a server with a WebSocket client: how long it took, what the client saw."""
        server = await self.server()
        watcher = self.start_node("ws_watch.js", server.port)
        await watcher.wait_for_event("open")
        stopping = now()
        server.process.signal("TERM")
        await server.process.ended(10, "the server to exit after SIGTERM")
        took = now() - stopping
        return server, took, await watcher.result()

    async def test_sigterm_closes_websockets(self) -> None:
        """
        On SIGTERM, connected WebSocket clients are closed with 1001 (going away) and the
        process shuts down cleanly within 5 s.
        """
        server, took, report = await self.sigterm_with_client()
        self.assertEqual(report["code"], 1001)
        self.assertLessEqual(took, 5)
        self.assertIn("Server Shut Down", server.log())
        self.assertNotIn("Traceback", server.log())

    async def test_sigterm_exit_code(self) -> None:
        """After a graceful SIGTERM shutdown, the process exit code is 0."""
        server, _, _ = await self.sigterm_with_client()
        self.assertEqual(
            (server.process.exit_code, server.process.exit_signal),
            (0, None),
            "exit code, killing signal",
        )


class ListenTests(E2ETestCase):
    """--listen takes Twisted endpoint descriptions and may be repeated."""

    async def test_two_endpoints(self) -> None:
        """With two --listen endpoints, HTTP and WebSocket are served on both ports."""
        first, second = free_port(), free_port()
        while second == first:
            second = free_port()
        server = await self.server(
            args=[
                "--listen",
                f"tcp:{first}:interface=127.0.0.1",
                "--listen",
                f"tcp:{second}:interface=127.0.0.1",
            ],
            port=first,
        )
        for port in (first, second):
            url = f"http://127.0.0.1:{port}/_now"
            response = await self.fetch("GET", url)
            self.assertEqual(response.code, 200, url)
            report = await self.node("ws_raw.js", port, "now")
            self.assertEqual(report["response"]["status"], 200, port)
        self.assertTrue(server.process.running)
