# -*- test-case-name: tests.network.test_site -*-
"""
Tests for `kuzzle_tx.network.site`: the one Site of a `KuzzleService`, driven
byte by byte through ``site.buildProtocol`` and a `StringTransport`, on a
`task.Clock` given to the service as its reactor.

Covers the body size limit (413 before the body is read), the absolute
deadline on request headers, Upgrade dispatch and the access log.
"""

from __future__ import annotations

import json
import re
from typing import Any

from twisted.internet.address import IPv4Address
from twisted.internet.error import ConnectionDone
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.logger import capturedLogs, formatEvent
from twisted.python.failure import Failure
from twisted.trial.unittest import SynchronousTestCase

from kuzzle_tx import codec
from kuzzle_tx.network.access_log import FLUSH_INTERVAL, MAX_BATCH
from kuzzle_tx.testing import memory_config, memory_service

CLIENT = IPv4Address("TCP", "10.0.0.7", 50123)
NOW = b"GET /_now HTTP/1.1\r\nHost: kuzzle\r\n\r\n"
WS_HANDSHAKE = (
    b"GET %s HTTP/1.1\r\n"
    b"Host: kuzzle\r\n"
    b"Upgrade: %s\r\n"
    b"Connection: Upgrade\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    b"Sec-WebSocket-Version: 13\r\n"
    b"\r\n"
)


def handshake(path: bytes = b"/", upgrade: bytes = b"websocket") -> bytes:
    return WS_HANDSHAKE % (path, upgrade)


def responses(data: bytes) -> list[tuple[int, dict[bytes, bytes], bytes]]:
    """Split raw HTTP/1.1 output into (status, headers, body), using Content-Length."""
    parsed = []
    while data:
        head, _, rest = data.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ")[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get(b"content-length", b"0"))
        parsed.append((status, headers, rest[:length]))
        data = rest[length:]
    return parsed


class SiteTestCase(SynchronousTestCase):
    def build(self, overrides: dict[str, Any] | None = None) -> None:
        self.clock = Clock()
        config = memory_config(**(overrides or {}))
        self.service = memory_service(config, self.clock)
        self.service.startService()
        self.site = self.service.site

    def connect(self) -> tuple[Any, StringTransport]:
        protocol = self.site.buildProtocol(CLIENT)
        transport = StringTransport(peerAddress=CLIENT)
        # autobahn's WebSocketResource takes the transport over through this attribute,
        # which real transports have.
        transport.protocol = protocol  # type: ignore[attr-defined]
        protocol.makeConnection(transport)
        self.addCleanup(self.disconnect, transport)
        return protocol, transport

    def disconnect(self, transport: StringTransport) -> None:
        if not transport.disconnected:
            transport.disconnected = True
            transport.protocol.connectionLost(Failure(ConnectionDone()))  # type: ignore[attr-defined]

    def executed(self) -> int:
        return self.service.funnel.completed + self.service.funnel.failed


class BodySizeLimitTests(SiteTestCase):
    """``server.maxRequestSize`` is enforced before the body is read."""

    def setUp(self) -> None:
        self.build({"server": {"maxRequestSize": "1kb"}})

    def post_head(self, length: int, *extra: bytes) -> bytes:
        lines = [
            b"POST /_query HTTP/1.1",
            b"Host: kuzzle",
            b"Content-Type: application/json",
            b"Content-Length: %d" % length,
            *extra,
        ]
        return b"\r\n".join(lines) + b"\r\n\r\n"

    def assertTooLarge(self, transport: StringTransport) -> None:  # noqa: N802
        output = transport.value()
        self.assertTrue(output.startswith(b"HTTP/1.1 413 "), output)
        [(status, headers, body)] = responses(output)
        self.assertEqual(status, 413)
        self.assertEqual(headers[b"content-type"], b"application/json")
        error = codec.loads(body)
        self.assertEqual(
            (error["id"], error["status"], error["code"]),
            ("network.http.request_too_large", 413, 50397185),
        )
        self.assertTrue(transport.disconnecting)
        self.assertEqual(self.executed(), 0)

    def test_content_length_over_limit(self) -> None:
        """
        A Content-Length above the limit is answered 413, with the bare error
        object, as soon as the headers are in: no body byte has been sent.
        """
        protocol, transport = self.connect()
        protocol.dataReceived(self.post_head(1025))
        self.assertTooLarge(transport)

    def test_late_body_ignored(self) -> None:
        """Body bytes a refused client sends anyway get no second answer."""
        protocol, transport = self.connect()
        protocol.dataReceived(self.post_head(1025))
        before = transport.value()
        protocol.dataReceived(b"x" * 1025)
        self.assertEqual(transport.value(), before)
        self.assertEqual(self.executed(), 0)

    def test_too_large_has_cors_headers(self) -> None:
        """The 413 carries the CORS headers, so a browser can read it."""
        protocol, transport = self.connect()
        protocol.dataReceived(self.post_head(5000, b"Origin: https://app.example"))
        [(_, headers, _)] = responses(transport.value())
        self.assertEqual(headers[b"access-control-allow-origin"], b"https://app.example")

    def test_expect_continue_over_limit(self) -> None:
        """An oversize request that expects 100-continue gets the 413 and no 100 Continue."""
        protocol, transport = self.connect()
        protocol.dataReceived(self.post_head(5000, b"Expect: 100-continue"))
        self.assertNotIn(b"100 Continue", transport.value())
        self.assertTooLarge(transport)

    def test_expect_continue_within_limit(self) -> None:
        """A request within the limit that expects 100-continue gets it, then its answer."""
        body = b'{"controller":"server","action":"now"}'
        protocol, transport = self.connect()
        protocol.dataReceived(self.post_head(len(body), b"Expect: 100-continue"))
        self.assertTrue(transport.value().startswith(b"HTTP/1.1 100 Continue\r\n\r\n"))
        transport.clear()
        protocol.dataReceived(body)
        [(status, _, answer)] = responses(transport.value())
        self.assertEqual(status, 200)
        self.assertEqual(codec.loads(answer)["action"], "now")

    def test_chunked_over_limit(self) -> None:
        """A chunked body that grows past the limit is refused with a 413 and closed."""
        protocol, transport = self.connect()
        protocol.dataReceived(
            b"POST /_query HTTP/1.1\r\nHost: kuzzle\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        protocol.dataReceived(b"200\r\n" + b" " * 0x200 + b"\r\n")
        self.assertEqual(transport.value(), b"")
        protocol.dataReceived(b"201\r\n" + b" " * 0x201 + b"\r\n")
        self.assertTooLarge(transport)
        protocol.dataReceived(b"0\r\n\r\n")
        self.assertEqual(self.executed(), 0)

    def test_chunked_within_limit(self) -> None:
        """A chunked body within the limit is processed normally."""
        body = b'{"controller":"server","action":"now"}'
        protocol, transport = self.connect()
        protocol.dataReceived(
            b"POST /_query HTTP/1.1\r\nHost: kuzzle\r\nTransfer-Encoding: chunked\r\n\r\n"
            + b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
        )
        [(status, _, answer)] = responses(transport.value())
        self.assertEqual(status, 200)
        self.assertEqual(codec.loads(answer)["action"], "now")

    def test_body_at_limit(self) -> None:
        """A body of exactly ``maxRequestSize`` bytes is processed normally."""
        prefix = b'{"controller":"server","action":"now","pad":"'
        body = prefix + b"x" * (1024 - len(prefix) - 2) + b'"}'
        self.assertEqual(len(body), 1024)
        protocol, transport = self.connect()
        protocol.dataReceived(self.post_head(len(body)) + body)
        [(status, _, answer)] = responses(transport.value())
        self.assertEqual(status, 200)
        self.assertEqual(codec.loads(answer)["result"], {"now": 0})
        self.assertFalse(transport.disconnecting)

    def test_connection_reusable_after_small_body(self) -> None:
        """A connection that sent a body within the limit stays open for the next request."""
        body = b'{"controller":"server","action":"now"}'
        protocol, transport = self.connect()
        protocol.dataReceived(self.post_head(len(body)) + body + NOW)
        self.assertEqual([status for status, _, _ in responses(transport.value())], [200, 200])


class HeadersDeadlineTests(SiteTestCase):
    """``server.protocols.http.headersTimeout``: an absolute deadline for request headers."""

    def setUp(self) -> None:
        self.build({"server": {"protocols": {"http": {"headersTimeout": 1000}}}})

    def trickle(
        self, protocol: Any, transport: StringTransport, data: bytes, interval: float
    ) -> float:
        """Send ``data`` one byte every ``interval`` seconds; stop when dropped."""
        started = self.clock.seconds()
        for index in range(len(data)):
            if transport.disconnected:
                break
            protocol.dataReceived(data[index : index + 1])
            self.clock.advance(interval)
        return started

    def test_channels_use_the_service_clock(self) -> None:
        """The Site gives its channels the service's clock for their timers."""
        protocol, _ = self.connect()
        self.assertEqual(protocol.callLater, self.clock.callLater)

    def test_trickling_client_aborted(self) -> None:
        """
        A client sending its headers one byte every 0.3 s is aborted once 1 s
        has passed since its first byte, although bytes keep arriving.
        """
        protocol, transport = self.connect()
        for _ in range(4):  # bytes at 0.0, 0.3, 0.6 and 0.9 s
            protocol.dataReceived(NOW[:1])
            self.assertFalse(transport.disconnected)
            self.clock.advance(0.3)
        self.assertTrue(transport.disconnected)
        self.assertAlmostEqual(self.clock.seconds(), 1.2)
        self.assertEqual(transport.value(), b"")

    def test_deadline_counts_from_first_byte(self) -> None:
        """An idle connection has no header deadline until its first byte arrives."""
        protocol, transport = self.connect()
        self.clock.advance(30)
        self.assertFalse(transport.disconnected)
        self.trickle(protocol, transport, NOW[:10], 0.09)
        protocol.dataReceived(NOW[10:])
        self.assertFalse(transport.disconnected)
        self.assertEqual(responses(transport.value())[0][0], 200)

    def test_headers_in_time(self) -> None:
        """A client that completes its headers in time is served, and kept afterwards."""
        protocol, transport = self.connect()
        for part in (NOW[:5], NOW[5:20], NOW[20:]):
            protocol.dataReceived(part)
            self.clock.advance(0.3)
        [(status, _, _)] = responses(transport.value())
        self.assertEqual(status, 200)
        self.clock.advance(10)
        self.assertFalse(transport.disconnected)
        self.assertFalse(transport.disconnecting)

    def test_deadline_rearmed_on_keep_alive(self) -> None:
        """On a keep-alive connection the deadline applies again to the next request."""
        protocol, transport = self.connect()
        protocol.dataReceived(NOW)
        self.assertEqual(responses(transport.value())[0][0], 200)
        transport.clear()
        self.clock.advance(30)
        started = self.trickle(protocol, transport, NOW, 0.3)
        self.assertTrue(transport.disconnected)
        self.assertAlmostEqual(self.clock.seconds() - started, 1.2)
        self.assertEqual(transport.value(), b"")

    def test_keep_alive_requests_in_time(self) -> None:
        """Several requests on one connection, each in time, are all served."""
        protocol, transport = self.connect()
        for _ in range(3):
            protocol.dataReceived(NOW[:8])
            self.clock.advance(0.8)
            protocol.dataReceived(NOW[8:])
            self.clock.advance(5)
        self.assertEqual([status for status, _, _ in responses(transport.value())], [200] * 3)
        self.assertFalse(transport.disconnected)

    def test_pipelined_requests(self) -> None:
        """Two requests in one packet are both served."""
        protocol, transport = self.connect()
        protocol.dataReceived(NOW + NOW)
        self.assertEqual([status for status, _, _ in responses(transport.value())], [200, 200])

    def test_zero_disables(self) -> None:
        """``headersTimeout: 0`` disables the deadline."""
        self.build({"server": {"protocols": {"http": {"headersTimeout": 0}}}})
        protocol, transport = self.connect()
        self.trickle(protocol, transport, NOW[:-1], 0.3)
        self.assertFalse(transport.disconnected)
        protocol.dataReceived(NOW[-1:])
        self.assertEqual(responses(transport.value())[0][0], 200)


class UpgradeDispatchTests(SiteTestCase):
    """``Upgrade: websocket`` goes to WebSocket on any path; the rest to the HTTP API."""

    def setUp(self) -> None:
        self.build()

    def assertSwitched(self, transport: StringTransport) -> None:  # noqa: N802
        output = transport.value()
        self.assertTrue(output.startswith(b"HTTP/1.1 101 Switching Protocols\r\n"), output)
        self.assertIn(b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n", output)

    def test_upgrade_on_root(self) -> None:
        """A valid handshake on / is answered 101 and opens a WebSocket connection."""
        protocol, transport = self.connect()
        protocol.dataReceived(handshake(b"/"))
        self.assertSwitched(transport)
        self.assertEqual(self.service.entrypoint.connection_counts(), {"websocket": 1})
        self.disconnect(transport)
        self.assertEqual(self.service.entrypoint.connection_counts(), {})

    def test_upgrade_on_any_path(self) -> None:
        """The path does not matter for an upgrade, routed or not."""
        for path in (b"/some/path", b"/_now", b"/ws?x=1"):
            protocol, transport = self.connect()
            protocol.dataReceived(handshake(path))
            self.assertSwitched(transport)

    def test_upgrade_header_case_insensitive(self) -> None:
        """``Upgrade: WebSocket`` is an upgrade too."""
        protocol, transport = self.connect()
        protocol.dataReceived(handshake(b"/", b"WebSocket"))
        self.assertSwitched(transport)

    def test_plain_requests_go_to_http(self) -> None:
        """Without the Upgrade header, requests reach the HTTP API."""
        protocol, transport = self.connect()
        protocol.dataReceived(b"GET /some/path HTTP/1.1\r\nHost: kuzzle\r\n\r\n" + NOW)
        [(missing, _, error), (status, _, answer)] = responses(transport.value())
        self.assertEqual(missing, 404)
        self.assertEqual(codec.loads(error)["error"]["id"], "network.http.url_not_found")
        self.assertEqual(status, 200)
        self.assertEqual(codec.loads(answer)["action"], "now")

    def test_other_upgrade_goes_to_http(self) -> None:
        """An Upgrade to another protocol is an ordinary HTTP request."""
        protocol, transport = self.connect()
        protocol.dataReceived(handshake(b"/_now", b"h2c"))
        [(status, _, answer)] = responses(transport.value())
        self.assertEqual(status, 200)
        self.assertEqual(codec.loads(answer)["action"], "now")

    def test_websocket_disabled(self) -> None:
        """With WebSocket disabled an upgrade gets an HTTP error, and HTTP still answers."""
        self.build({"server": {"protocols": {"websocket": {"enabled": False}}}})
        protocol, transport = self.connect()
        protocol.dataReceived(handshake(b"/"))
        [(status, headers, body)] = responses(transport.value())
        self.assertGreaterEqual(status, 400)
        self.assertLess(status, 500)
        self.assertEqual(headers[b"content-type"], b"application/json")
        self.assertEqual(codec.loads(body)["status"], status)
        self.assertEqual(self.service.entrypoint.connection_counts(), {})
        protocol, transport = self.connect()
        protocol.dataReceived(NOW)
        self.assertEqual(responses(transport.value())[0][0], 200)

    def test_http_disabled(self) -> None:
        """With HTTP disabled a plain request gets 426, and the upgrade still works."""
        self.build({"server": {"protocols": {"http": {"enabled": False}}}})
        protocol, transport = self.connect()
        protocol.dataReceived(NOW)
        [(status, headers, body)] = responses(transport.value())
        self.assertEqual(status, 426)
        self.assertEqual(headers[b"upgrade"].lower(), b"websocket")
        self.assertEqual(codec.loads(body)["status"], 426)
        protocol, transport = self.connect()
        protocol.dataReceived(handshake(b"/"))
        self.assertSwitched(transport)


COMBINED = re.compile(
    r'^"?(?P<ip>[^ "]+)"? - (?P<user>\S+) \[(?P<when>[^\]]+)\] '
    r'"(?P<request>[^"]*)" (?P<status>\d{3}) (?P<size>\d+|-) '
    r'"(?P<referer>[^"]*)" "(?P<agent>[^"]*)"$'
)


class AccessLogTests(SiteTestCase):
    """One access-log line per HTTP request, as ``server.logs.accessLogFormat`` says."""

    def build(self, overrides: dict[str, Any] | None = None) -> None:
        super().build(overrides)
        self.clock.advance(1_700_000_000)
        self.site.doStart()
        self.addCleanup(self.site.doStop)

    def access_events(self, data: bytes) -> tuple[list[dict[str, Any]], bytes]:
        protocol, transport = self.connect()
        with capturedLogs() as events:
            protocol.dataReceived(data)
            self.clock.advance(FLUSH_INTERVAL)
        access = [event for event in events if event.get("log_namespace") == "kuzzle_tx.access"]
        return access, transport.value()

    def access_lines(self, data: bytes) -> tuple[list[str], bytes]:
        access, output = self.access_events(data)
        return [line for event in access for line in formatEvent(event).splitlines()], output

    def test_combined(self) -> None:
        """A request is logged once, in the Apache combined format."""
        self.build()
        access, output = self.access_lines(
            b"GET /_now?x=1 HTTP/1.1\r\nHost: kuzzle\r\n"
            b"Referer: https://ref.example/page\r\nUser-Agent: agent/1.0\r\n\r\n"
        )
        self.assertEqual(len(access), 1)
        line = access[0]
        match = COMBINED.match(line)
        self.assertIsNotNone(match, line)
        assert match is not None
        [(_, _, body)] = responses(output)
        self.assertEqual(
            match.groupdict(),
            {
                "ip": "10.0.0.7",
                "user": "-",
                "when": "14/Nov/2023:22:13:20 +0000",
                "request": "GET /_now?x=1 HTTP/1.1",
                "status": "200",
                "size": str(len(body)),
                "referer": "https://ref.example/page",
                "agent": "agent/1.0",
            },
        )

    def test_one_line_per_request(self) -> None:
        """Each request of a keep-alive connection is logged, errors included, in one batch."""
        self.build()
        access, _ = self.access_events(
            NOW + b"GET /nope/a/b/c/d HTTP/1.1\r\nHost: kuzzle\r\n\r\n" + NOW
        )
        self.assertEqual(len(access), 1)
        self.assertEqual(access[0]["count"], 3)
        lines = formatEvent(access[0]).splitlines()
        statuses = [COMBINED.match(line).group("status") for line in lines]  # type: ignore[union-attr]
        self.assertEqual(statuses, ["200", "404", "200"])

    def test_batches_are_bounded(self) -> None:
        """A full batch is emitted at once, without waiting for the flush interval."""
        self.build()
        protocol, _ = self.connect()
        with capturedLogs() as events:
            protocol.dataReceived(NOW * MAX_BATCH)
        access = [event for event in events if event.get("log_namespace") == "kuzzle_tx.access"]
        self.assertEqual([event["count"] for event in access], [MAX_BATCH])

    def test_lines_wait_for_the_flush_interval(self) -> None:
        """Lines are held at most FLUSH_INTERVAL seconds, and flushed when the service stops."""
        self.build()
        protocol, _ = self.connect()
        with capturedLogs() as events:
            protocol.dataReceived(NOW)
            self.clock.advance(FLUSH_INTERVAL / 2)
            held = list(events)
            self.service.stopService()
        self.assertEqual([e for e in held if e.get("log_namespace") == "kuzzle_tx.access"], [])
        flushed = [e for e in events if e.get("log_namespace") == "kuzzle_tx.access"]
        self.assertEqual([event["count"] for event in flushed], [1])

    def test_refused_request_logged(self) -> None:
        """A request refused with 413 before its body is read is logged too (Kuzzle does)."""
        self.build({"server": {"maxRequestSize": "1kb"}})
        access, output = self.access_lines(
            b"POST /_query HTTP/1.1\r\nHost: kuzzle\r\nContent-Length: 5000\r\n\r\n"
        )
        self.assertTrue(output.startswith(b"HTTP/1.1 413 "))
        self.assertEqual(len(access), 1)
        self.assertIn('"POST /_query HTTP/1.1" 413 ', access[0])

    def test_off(self) -> None:
        """With ``accessLogFormat: "off"`` nothing is logged."""
        self.build({"server": {"logs": {"accessLogFormat": "off"}}})
        access, output = self.access_events(NOW + NOW)
        self.assertEqual([status for status, _, _ in responses(output)], [200, 200])
        self.assertEqual(access, [])

    def test_logstash(self) -> None:
        """With ``accessLogFormat: "logstash"`` each request is one JSON record."""
        self.build({"server": {"logs": {"accessLogFormat": "logstash"}}})
        access, output = self.access_lines(
            b"GET /_now HTTP/1.1\r\nHost: kuzzle\r\nUser-Agent: agent/1.0\r\n\r\n"
        )
        self.assertEqual(len(access), 1)
        record = json.loads(access[0])
        [(_, _, body)] = responses(output)
        self.assertEqual(
            (record["method"], record["url"], record["status"], record["bytes"]),
            ("GET", "/_now", 200, len(body)),
        )
        self.assertEqual(record["remote_addr"], "10.0.0.7")
        self.assertEqual(record["user_agent"], "agent/1.0")
        self.assertEqual(record["@timestamp"], "2023-11-14T22:13:20Z")
