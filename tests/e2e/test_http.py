# -*- test-case-name: tests.e2e.test_http -*-
"""The HTTP protocol of the real server, through treq and raw sockets."""

from __future__ import annotations

import gzip
import json

from tests.e2e.harness import E2ETestCase, KuzzleServer, now, pause, poll, raw_connect

NOW_QUERY = b'{"controller":"server","action":"now"}'


def status_line(data: bytes) -> int:
    """The status code of a raw HTTP response."""
    return int(data.split(b"\r\n", 1)[0].split(b" ")[1])


def raw_body(data: bytes) -> bytes:
    return data.partition(b"\r\n\r\n")[2]


class HttpFeatureTests(E2ETestCase):
    """Special endpoints, headers and encodings of the HTTP API."""

    async def setUp(self) -> None:  # type: ignore[override]
        self.kuzzle: KuzzleServer = await self.server()

    async def test_head_root(self) -> None:
        """C{HEAD /} answers 200 with no body."""
        response = await self.request(self.kuzzle, "HEAD", "/")
        self.assertEqual(response.code, 200)
        self.assertEqual(response.body, b"")

    async def test_options_preflight(self) -> None:
        """C{OPTIONS} on any path answers 200 with the CORS headers, echoing the Origin."""
        origin = "http://app.example.test"
        response = await self.request(
            self.kuzzle, "OPTIONS", "/anything/at/all", headers={"Origin": origin}
        )
        self.assertEqual(response.code, 200)
        self.assertEqual(response.header("Access-Control-Allow-Origin"), origin)
        self.assertIn("POST", response.header("Access-Control-Allow-Methods") or "")
        self.assertEqual(response.json()["result"], {})

    async def test_health_and_ready(self) -> None:
        """C{GET /_healthcheck} and C{GET /_ready} answer 200 with an empty envelope."""
        for path in ("/_healthcheck", "/_ready"):
            response = await self.get(self.kuzzle, path)
            self.assertEqual(response.code, 200, path)
            envelope = response.json()
            self.assertEqual(envelope["status"], 200)
            self.assertIsNone(envelope["error"])

    async def test_post_query(self) -> None:
        """C{POST /_query} runs the JSON request in its body."""
        response = await self.request(
            self.kuzzle,
            "POST",
            "/_query",
            body=NOW_QUERY,
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.code, 200)
        envelope = response.json()
        self.assertEqual((envelope["controller"], envelope["action"]), ("server", "now"))
        self.assertIsInstance(envelope["result"]["now"], int)

    async def test_request_id_header(self) -> None:
        """The X-Kuzzle-Request-Id header becomes the response's requestId."""
        response = await self.get(self.kuzzle, "/_now", headers={"X-Kuzzle-Request-Id": "my-id"})
        self.assertEqual(response.json()["requestId"], "my-id")
        self.assertEqual(response.header("X-Kuzzle-Request-Id"), "my-id")

    async def test_request_id_header_on_query(self) -> None:
        """X-Kuzzle-Request-Id is also the requestId of a request sent to C{POST /_query}."""
        response = await self.request(
            self.kuzzle,
            "POST",
            "/_query",
            body=NOW_QUERY,
            headers={"Content-Type": "application/json", "X-Kuzzle-Request-Id": "q-id"},
        )
        self.assertEqual(response.json()["requestId"], "q-id")

    async def test_volatile_header(self) -> None:
        """The JSON of X-Kuzzle-Volatile is echoed as the response's volatile."""
        volatile = {"sdkName": "js@7.17.1", "custom": [1, "two"]}
        response = await self.get(
            self.kuzzle, "/_now", headers={"X-Kuzzle-Volatile": json.dumps(volatile)}
        )
        self.assertEqual(response.code, 200)
        self.assertEqual(response.json()["volatile"], volatile)

    async def test_invalid_volatile_header(self) -> None:
        """An X-Kuzzle-Volatile that is not JSON is a 400 network.http.volatile_parse_failed."""
        response = await self.get(self.kuzzle, "/_now", headers={"X-Kuzzle-Volatile": "{nope"})
        self.assertEqual(response.code, 400)
        error = response.json()["error"]
        self.assertEqual(error["id"], "network.http.volatile_parse_failed")
        self.assertEqual(error["status"], 400)

    async def test_pretty(self) -> None:
        """
        C{?pretty}, bare as Kuzzle documents it or with a value, indents the JSON body;
        without it the body is compact.
        """
        for query in ("?pretty", "?pretty=true"):
            pretty = await self.get(self.kuzzle, "/_now" + query)
            self.assertIn(b'\n  "requestId"', pretty.body, query)
            self.assertEqual(pretty.json()["status"], 200)
        compact = await self.get(self.kuzzle, "/_now")
        self.assertNotIn(b"\n", compact.body.strip())

    async def test_gzip_request_body(self) -> None:
        """A request body sent with C{Content-Encoding: gzip} is decompressed."""
        response = await self.request(
            self.kuzzle,
            "POST",
            "/_query",
            body=gzip.compress(NOW_QUERY),
            headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
        )
        self.assertEqual(response.code, 200, response.body)
        self.assertIsInstance(response.json()["result"]["now"], int)

    async def test_gzip_response(self) -> None:
        """
        A client that accepts gzip gets a large result compressed; one that does not gets
        it as is.
        """
        compressed = await self.get(
            self.kuzzle, "/_publicApi", headers={"Accept-Encoding": "gzip"}
        )
        self.assertEqual(compressed.header("Content-Encoding"), "gzip")
        envelope = json.loads(gzip.decompress(compressed.body))
        self.assertIn("now", envelope["result"]["server"])
        plain = await self.get(self.kuzzle, "/_publicApi")
        self.assertIn(plain.header("Content-Encoding"), (None, "identity"))
        self.assertEqual(plain.json()["result"], envelope["result"])

    async def test_unknown_path(self) -> None:
        """A path no route matches is a 404 network.http.url_not_found."""
        response = await self.get(self.kuzzle, "/no/such/route/here")
        self.assertEqual(response.code, 404)
        self.assertEqual(response.json()["error"]["id"], "network.http.url_not_found")

    async def test_unsupported_verb(self) -> None:
        """A verb outside the API's (TRACE) is a 400 network.http.unsupported_verb."""
        response = await self.request(self.kuzzle, "TRACE", "/_now")
        self.assertEqual(response.code, 400)
        body = response.json()
        error = body.get("error", body)
        self.assertEqual(error["id"], "network.http.unsupported_verb")


class HeadersDeadlineTests(E2ETestCase):
    """server.protocols.http.headersTimeout: an absolute deadline for request headers."""

    REQUEST = b"GET /_now HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Trickle: abcdefghijklmnop\r\n\r\n"

    async def trickle(self, server: KuzzleServer, seconds: float) -> tuple[bool, float, bytes]:
        """
        Send the request headers one byte every 300 ms for at most ``seconds``; whether the
        server closed the connection, when, and what it sent.
        """
        client = await raw_connect(self, server.port)
        start = now()
        for byte in self.REQUEST:
            if client.closed or now() - start > seconds:
                break
            client.send(bytes([byte]))
            await pause(0.3)
        closed_after = (client.closed_at - start) if client.closed_at else now() - start
        return client.closed, closed_after, bytes(client.received)

    async def test_trickled_headers_dropped(self) -> None:
        """
        With headersTimeout 1000, a client that trickles its headers one byte every 300 ms
        (which resets Twisted's own idle timeout at every byte) is dropped after about a
        second, without a response.
        """
        server = await self.server(
            config={"server": {"protocols": {"http": {"headersTimeout": 1000}}}}
        )
        closed, after, received = await self.trickle(server, 5)
        self.assertTrue(closed, "the trickling client was not dropped")
        self.assertGreaterEqual(after, 0.9)
        self.assertLessEqual(after, 3.0)
        self.assertEqual(received, b"")

    async def test_no_deadline(self) -> None:
        """With headersTimeout 0, the same trickling client is still connected after 2.5 s."""
        server = await self.server(
            config={"server": {"protocols": {"http": {"headersTimeout": 0}}}}
        )
        closed, _, received = await self.trickle(server, 2.5)
        self.assertFalse(closed)
        self.assertEqual(received, b"")


class RequestSizeTests(E2ETestCase):
    """server.maxRequestSize applies to HTTP request bodies."""

    async def setUp(self) -> None:  # type: ignore[override]
        self.kuzzle: KuzzleServer = await self.server(config={"server": {"maxRequestSize": "1kb"}})

    async def test_body_too_large(self) -> None:
        """A 2 KB body with maxRequestSize "1kb" is refused: 413 network.http.request_too_large."""
        query = {"controller": "server", "action": "now", "padding": "x" * 2048}
        response = await self.request(
            self.kuzzle,
            "POST",
            "/_query",
            body=json.dumps(query).encode(),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.code, 413)
        body = response.json()
        error = body.get("error", body)
        self.assertEqual(error["id"], "network.http.request_too_large")

    async def test_content_length_too_large(self) -> None:
        """
        A request that announces a 10 MB body is refused with 413 as soon as its headers
        arrive, before any byte of the body is sent, and the connection is closed.
        """
        client = await raw_connect(self, self.kuzzle.port)
        client.send(
            b"POST /_query HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nContent-Length: 10485760\r\n\r\n"
        )
        await poll(lambda: client.closed, 10, "the server to answer and close")
        received = bytes(client.received)
        self.assertEqual(status_line(received), 413, received)
        body = json.loads(raw_body(received))
        error = body.get("error", body)
        self.assertEqual(error["id"], "network.http.request_too_large")
        self.assertEqual(error["status"], 413)

    async def test_expect_continue_too_large(self) -> None:
        """
        A client that announces a 10 MB body and waits for C{100 Continue} gets the 413
        instead, never an invitation to send the body.
        """
        client = await raw_connect(self, self.kuzzle.port)
        client.send(
            b"POST /_query HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\n"
            b"Content-Type: application/json\r\nContent-Length: 10485760\r\n\r\n"
        )
        await poll(lambda: client.closed, 10, "the server to answer and close")
        received = bytes(client.received)
        self.assertNotIn(b"100 Continue", received)
        self.assertEqual(status_line(received), 413, received)

    async def test_small_body_accepted(self) -> None:
        """A body under maxRequestSize is accepted on the same server."""
        response = await self.request(
            self.kuzzle,
            "POST",
            "/_query",
            body=NOW_QUERY,
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.code, 200)
