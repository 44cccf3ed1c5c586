# -*- test-case-name: tests.network.test_http -*-
"""
Tests for `kuzzle_tx.network.http.HttpApiResource` (and the CORS headers of
`kuzzle_tx.network.cors`), driven in memory through `treq.testing.StubTreq`
or a real `twisted.web.server.Site` on a `StringTransport`.

kuzzle-api.md §1.2 (HTTP → request mapping), §2.2 (HTTP specifics), §3 (errors).
"""

from __future__ import annotations

import gzip
import zlib
from typing import Any

import treq
from treq.testing import RequestTraversalAgent, StubTreq
from twisted.internet.address import IPv4Address
from twisted.internet.defer import Deferred
from twisted.internet.error import ConnectionDone
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.logger import capturedLogs
from twisted.python.failure import Failure
from twisted.trial.unittest import SynchronousTestCase
from twisted.web.http_headers import Headers
from twisted.web.server import Site

from kuzzle_tx import codec
from kuzzle_tx.api.controller import Controller
from kuzzle_tx.api.funnel import Funnel
from kuzzle_tx.api.request import Request
from kuzzle_tx.config import Config
from kuzzle_tx.network.cors import OriginPolicy
from kuzzle_tx.network.entrypoint import EntryPoint
from kuzzle_tx.network.http import HttpApiResource
from kuzzle_tx.network.routes import Route, Router
from kuzzle_tx.testing import memory_config, memory_service

URL = "http://kuzzle.example"
DEFAULT_METHODS = "GET,POST,PUT,PATCH,DELETE,OPTIONS,HEAD"
DEFAULT_HEADERS = (
    "Content-Type, Access-Control-Allow-Headers, Authorization, X-Requested-With, "
    "Content-Encoding, Content-Length, X-Kuzzle-Volatile"
)
ENVELOPE_KEYS = {
    "requestId",
    "status",
    "error",
    "controller",
    "action",
    "index",
    "collection",
    "volatile",
    "result",
    "node",
    "headers",
}
ERROR_KEYS = {"message", "status", "id", "code", "props"}


def make_config(overrides: dict[str, Any] | None = None) -> Config:
    return memory_config(**(overrides or {}))


class HttpTestCase(SynchronousTestCase):
    """Helpers: send a request through a StubTreq and read the whole answer."""

    stub: StubTreq

    def send(
        self, method: str, path: str, body: bytes | None = None, **headers: str
    ) -> tuple[Any, bytes]:
        wire_headers = {name.replace("_", "-"): value for name, value in headers.items()}
        response = self.successResultOf(
            self.stub.request(method, URL + path, data=body, headers=wire_headers)
        )
        return response, self.successResultOf(response.content())

    def send_json(
        self, method: str, path: str, body: bytes | None = None, **headers: str
    ) -> tuple[Any, Any]:
        response, raw = self.send(method, path, body, **headers)
        return response, codec.loads(raw)

    def header(self, response: Any, name: str) -> str | None:
        values = response.headers.getRawHeaders(name)
        return None if values is None else ", ".join(values)

    def assertBareError(self, document: Any, error_id: str, status: int) -> None:  # noqa: N802
        """A protocol-level failure: the error object alone, no envelope around it."""
        self.assertEqual(set(document), ERROR_KEYS)
        self.assertEqual((document["id"], document["status"]), (error_id, status))

    def assertEnvelopeError(self, document: Any, error_id: str, status: int) -> None:  # noqa: N802
        self.assertEqual(set(document), ENVELOPE_KEYS)
        self.assertEqual(document["status"], status)
        self.assertIsNone(document["result"])
        self.assertEqual(
            (document["error"]["id"], document["error"]["status"]), (error_id, status)
        )


class ServiceHttpTests(HttpTestCase):
    """The HTTP API of a whole `KuzzleService`, on a `task.Clock`."""

    def setUp(self) -> None:
        self.build()

    def build(self, overrides: dict[str, Any] | None = None) -> None:
        self.clock = Clock()
        self.service = memory_service(make_config(overrides), self.clock)
        self.service.startService()
        self.stub = StubTreq(self.service.resource)

    # -- server:now and the envelope ---------------------------------------------------

    def test_now(self) -> None:
        """GET /_now answers the clock's time in milliseconds in a full envelope."""
        self.clock.advance(1_700_000_000.5)
        response, document = self.send_json("GET", "/_now", X_Kuzzle_Request_Id="req-1")
        self.assertEqual(response.code, 200)
        self.assertEqual(
            document,
            {
                "requestId": "req-1",
                "status": 200,
                "error": None,
                "controller": "server",
                "action": "now",
                "index": None,
                "collection": None,
                "volatile": None,
                "result": {"now": 1_700_000_000_500},
                "node": self.service.node_id,
                "headers": {},
            },
        )

    def test_response_headers(self) -> None:
        """
        Every answer is JSON and carries the request id, the node id, the
        advertised request encodings and the CORS headers a browser reads on an
        actual response; the method and header lists are for preflights only.
        """
        response, _ = self.send("GET", "/_now", X_Kuzzle_Request_Id="req-2")
        self.assertEqual(self.header(response, "content-type"), "application/json")
        self.assertEqual(self.header(response, "x-kuzzle-request-id"), "req-2")
        self.assertEqual(self.header(response, "x-kuzzle-node"), self.service.node_id)
        self.assertEqual(self.header(response, "accept-encoding"), "gzip,deflate,identity")
        self.assertEqual(self.header(response, "access-control-allow-origin"), "*")
        self.assertEqual(self.header(response, "access-control-allow-credentials"), "true")
        self.assertIsNone(self.header(response, "access-control-allow-methods"))
        preflight, _ = self.send("OPTIONS", "/_now")
        self.assertEqual(self.header(preflight, "access-control-allow-methods"), DEFAULT_METHODS)
        self.assertEqual(self.header(preflight, "access-control-allow-headers"), DEFAULT_HEADERS)

    def test_generated_request_id(self) -> None:
        """Without X-Kuzzle-Request-Id, each request gets a fresh id, in body and header."""
        first, document = self.send_json("GET", "/_now")
        second, other = self.send_json("GET", "/_now")
        self.assertEqual(self.header(first, "x-kuzzle-request-id"), document["requestId"])
        self.assertEqual(self.header(second, "x-kuzzle-request-id"), other["requestId"])
        self.assertNotEqual(document["requestId"], other["requestId"])

    def test_origin_echoed(self) -> None:
        """A request with an Origin gets it back in Access-Control-Allow-Origin, with Vary."""
        response, _ = self.send("GET", "/_now", Origin="https://app.example")
        self.assertEqual(
            self.header(response, "access-control-allow-origin"), "https://app.example"
        )
        self.assertIn("Origin", response.headers.getRawHeaders("vary"))

    def test_cookie_authentication_off(self) -> None:
        """Without cookie authentication, Access-Control-Allow-Credentials is not sent."""
        self.build({"http": {"cookieAuthentication": False}})
        response, _ = self.send("GET", "/_now")
        self.assertIsNone(self.header(response, "access-control-allow-credentials"))

    def test_cors_configured_values(self) -> None:
        """The CORS method and header lists come from the ``http`` configuration."""
        self.build(
            {
                "http": {
                    "accessControlAllowMethods": "GET,POST",
                    "accessControlAllowHeaders": "X-One",
                }
            }
        )
        response, _ = self.send("OPTIONS", "/_now")
        self.assertEqual(self.header(response, "access-control-allow-methods"), "GET,POST")
        self.assertEqual(self.header(response, "access-control-allow-headers"), "X-One")

    # -- special endpoints ------------------------------------------------------------

    def test_head_root(self) -> None:
        """HEAD / answers 200 with the default headers and an empty body."""
        response, raw = self.send("HEAD", "/")
        self.assertEqual(response.code, 200)
        self.assertEqual(raw, b"")
        self.assertEqual(self.header(response, "content-type"), "application/json")
        self.assertEqual(self.header(response, "x-kuzzle-node"), self.service.node_id)

    def test_options_any_path(self) -> None:
        """OPTIONS on any path, routed or not, answers 200 with result {} and CORS headers."""
        for path in ("/", "/_now", "/no/such/route/at/all", "/idx/coll/id"):
            response, document = self.send_json("OPTIONS", path, Origin="https://app.example")
            self.assertEqual(response.code, 200, path)
            self.assertEqual(document["status"], 200)
            self.assertEqual(document["result"], {})
            self.assertIsNone(document["error"])
            self.assertEqual(
                self.header(response, "access-control-allow-origin"), "https://app.example"
            )
            self.assertEqual(
                self.header(response, "access-control-allow-methods"), DEFAULT_METHODS
            )

    def test_options_bypasses_origin_check(self) -> None:
        """A preflight from an origin that is not allowed still gets its 200 answer."""
        self.build({"http": {"accessControlAllowOrigin": "https://ok.example"}})
        response, document = self.send_json("OPTIONS", "/_now", Origin="https://evil.example")
        self.assertEqual(response.code, 200)
        self.assertEqual(document["result"], {})

    def test_special_endpoints_echo_request_id(self) -> None:
        """
        OPTIONS, HEAD / and the probes answer with the X-Kuzzle-Request-Id the
        client sent (§1.2 item 6: the HTTP request id, else a fresh one), in the
        header and in the envelope.
        """
        wrong = []
        for method, path in (
            ("OPTIONS", "/_now"),
            ("HEAD", "/"),
            ("GET", "/_healthcheck"),
            ("GET", "/_ready"),
        ):
            response, raw = self.send(method, path, X_Kuzzle_Request_Id="my-id")
            ids = [self.header(response, "x-kuzzle-request-id")]
            if raw:
                ids.append(codec.loads(raw)["requestId"])
            if ids != ["my-id"] * len(ids):
                wrong.append(f"{method} {path}: {ids}")
        self.assertEqual(wrong, [])

    def test_healthcheck(self) -> None:
        """GET /_healthcheck is 200 with an empty envelope (no controller, no result)."""
        response, document = self.send_json("GET", "/_healthcheck")
        self.assertEqual(response.code, 200)
        self.assertEqual(set(document), ENVELOPE_KEYS)
        self.assertEqual(document["status"], 200)
        for key in ("error", "controller", "action", "result"):
            self.assertIsNone(document[key], key)

    def test_ready(self) -> None:
        """GET /_ready is 200 while the node is not overloaded."""
        response, document = self.send_json("GET", "/_ready")
        self.assertEqual(response.code, 200)
        self.assertEqual(document["status"], 200)
        self.assertIsNone(document["error"])

    def test_health_check_action(self) -> None:
        """GET /_healthCheck (capital C) is the routed ``server:healthCheck`` action."""
        response, document = self.send_json("GET", "/_healthCheck")
        self.assertEqual(response.code, 200)
        self.assertEqual((document["controller"], document["action"]), ("server", "healthCheck"))
        self.assertEqual(document["result"]["status"], "green")

    # -- /_query ----------------------------------------------------------------------

    def test_query(self) -> None:
        """POST /_query executes the JSON request of its body."""
        self.clock.advance(42)
        response, document = self.send_json(
            "POST",
            "/_query",
            b'{"controller":"server","action":"now"}',
            Content_Type="application/json",
        )
        self.assertEqual(response.code, 200)
        self.assertEqual((document["controller"], document["action"]), ("server", "now"))
        self.assertEqual(document["result"], {"now": 42_000})

    def test_query_request_id_is_the_http_one(self) -> None:
        """The /_query answer carries the HTTP request id, not the payload's requestId."""
        response, document = self.send_json(
            "POST",
            "/_query",
            b'{"controller":"server","action":"now","requestId":"payload-id"}',
            X_Kuzzle_Request_Id="http-id",
        )
        self.assertEqual(document["requestId"], "http-id")
        self.assertEqual(self.header(response, "x-kuzzle-request-id"), "http-id")

    def test_query_jwt_of_wrong_type(self) -> None:
        """A non-string jwt in a /_query payload is a 400 ``api.assert.invalid_type``."""
        response, document = self.send_json(
            "POST", "/_query", b'{"controller":"server","action":"now","jwt":42}'
        )
        self.assertEqual(response.code, 400)
        self.assertEnvelopeError(document, "api.assert.invalid_type", 400)
        self.assertEqual(document["error"]["props"], ["jwt", "string"])

    def test_query_without_controller(self) -> None:
        """A /_query payload without controller is a 400 ``missing_argument``."""
        response, document = self.send_json("POST", "/_query", b'{"action":"now"}')
        self.assertEqual(response.code, 400)
        self.assertEnvelopeError(document, "api.assert.missing_argument", 400)

    def test_query_without_body(self) -> None:
        """POST /_query without a body is a 400, not a crash."""
        response, raw = self.send("POST", "/_query")
        self.assertEqual(response.code, 400)
        self.assertEqual(codec.loads(raw)["status"], 400)

    def test_query_gzip_body(self) -> None:
        """A gzip-compressed /_query body is decompressed first."""
        body = gzip.compress(b'{"controller":"server","action":"now"}')
        response, document = self.send_json("POST", "/_query", body, Content_Encoding="gzip")
        self.assertEqual(response.code, 200)
        self.assertEqual(document["action"], "now")

    # -- errors -----------------------------------------------------------------------

    def test_invalid_volatile(self) -> None:
        """An X-Kuzzle-Volatile header that is not JSON is a 400 ``volatile_parse_failed``."""
        response, document = self.send_json(
            "GET", "/_now", X_Kuzzle_Volatile="{not json", X_Kuzzle_Request_Id="v-1"
        )
        self.assertEqual(response.code, 400)
        self.assertEqual(document["error"]["id"], "network.http.volatile_parse_failed")
        self.assertEqual(document["error"]["status"], 400)
        self.assertEqual(document["requestId"], "v-1")

    def test_volatile_echoed(self) -> None:
        """A JSON object in X-Kuzzle-Volatile comes back as the envelope's volatile."""
        _, document = self.send_json("GET", "/_now", X_Kuzzle_Volatile='{"tag":"x"}')
        self.assertEqual(document["volatile"], {"tag": "x"})

    def test_pretty_with_value(self) -> None:
        """``?pretty=<anything>``, even ``false``, indents the JSON by two spaces."""
        for query in ("?pretty=false", "?pretty=1", "?a=b&pretty=true"):
            response, raw = self.send("GET", "/_now" + query)
            self.assertEqual(response.code, 200)
            self.assertTrue(raw.startswith(b'{\n  "requestId": '), raw)
            self.assertEqual(codec.loads(raw)["action"], "now")

    def test_pretty_without_value(self) -> None:
        """A bare ``?pretty`` (as in kuzzle-api.md appendix A) indents the JSON too."""
        response, raw = self.send("GET", "/_now?pretty")
        self.assertEqual(response.code, 200)
        self.assertTrue(raw.startswith(b'{\n  "requestId": '), raw)

    def test_compact_by_default(self) -> None:
        """Without ``pretty`` the JSON is compact."""
        _, raw = self.send("GET", "/_now")
        self.assertNotIn(b"\n", raw)
        self.assertNotIn(b": ", raw)

    def test_unknown_route(self) -> None:
        """An unmatched path is a 404 ``url_not_found`` envelope that names the path."""
        response, document = self.send_json("GET", "/a/b/c/d/e/f", X_Kuzzle_Request_Id="nf-1")
        self.assertEqual(response.code, 404)
        self.assertEnvelopeError(document, "network.http.url_not_found", 404)
        self.assertEqual(document["requestId"], "nf-1")
        self.assertIn("/a/b/c/d/e/f", document["error"]["message"])
        self.assertEqual(self.header(response, "content-type"), "application/json")

    def test_wrong_verb_for_route(self) -> None:
        """A known path with a verb it does not have is a 404 too (no 405 in Kuzzle)."""
        response, document = self.send_json("PATCH", "/_now")
        self.assertEqual(response.code, 404)
        self.assertEnvelopeError(document, "network.http.url_not_found", 404)

    def test_unsupported_verb(self) -> None:
        """A verb outside GET/POST/PUT/PATCH/DELETE/HEAD/OPTIONS answers a 400 envelope."""
        response, document = self.send_json("TRACE", "/_now")
        self.assertEqual(response.code, 400)
        self.assertEqual(document["status"], 400)
        self.assertIsNone(document["result"])
        self.assertEqual(document["error"]["id"], "network.http.unsupported_verb")
        self.assertEqual(document["error"]["props"], ["TRACE"])
        self.assertEqual(document["error"]["code"], 50397190)
        self.assertEqual(self.header(response, "content-type"), "application/json")

    def test_body_parse_failure(self) -> None:
        """A body that is not JSON is answered with the bare error object."""
        response, document = self.send_json(
            "POST", "/_query", b"{oops", Content_Type="application/json"
        )
        self.assertEqual(response.code, 400)
        self.assertBareError(document, "network.http.body_parse_failed", 400)
        self.assertEqual(document["props"], ["{oops"])
        self.assertEqual(document["code"], 50397196)

    def test_unsupported_content_type(self) -> None:
        """A refused Content-Type is answered with the bare error object."""
        response, document = self.send_json("POST", "/_query", b"hello", Content_Type="text/plain")
        self.assertEqual(response.code, 400)
        self.assertBareError(document, "network.http.unsupported_content", 400)

    def test_unsupported_charset(self) -> None:
        """A charset other than utf-8 is answered with the bare error object."""
        response, document = self.send_json(
            "POST", "/_query", b"{}", Content_Type="application/json; charset=latin-1"
        )
        self.assertEqual(response.code, 400)
        self.assertBareError(document, "network.http.unsupported_charset", 400)

    def test_protocol_error_allow_all_origin(self) -> None:
        """
        With the allow-all origin configuration, protocol-level errors send
        ``Access-Control-Allow-Origin: *`` (kuzzle-api.md §1.2 CORS).
        """
        response, _ = self.send(
            "POST", "/_query", b"{oops", Content_Type="application/json", Origin="https://a.b"
        )
        self.assertEqual(response.code, 400)
        self.assertEqual(self.header(response, "access-control-allow-origin"), "*")

    # -- origins ----------------------------------------------------------------------

    def test_unauthorized_origin(self) -> None:
        """An Origin outside ``http.accessControlAllowOrigin`` is a 401 envelope."""
        self.build({"http": {"accessControlAllowOrigin": "https://ok.example"}})
        response, document = self.send_json("GET", "/_now", Origin="https://evil.example")
        self.assertEqual(response.code, 401)
        self.assertEnvelopeError(document, "api.process.unauthorized_origin", 401)
        self.assertEqual(document["error"]["props"], ["https://evil.example"])

    def test_authorized_origin(self) -> None:
        """An Origin in the list, or no Origin at all, is served."""
        self.build({"http": {"accessControlAllowOrigin": "https://ok.example, https://b.example"}})
        for headers in ({"Origin": "https://ok.example"}, {"Origin": "https://b.example"}, {}):
            response, document = self.send_json("GET", "/_now", **headers)
            self.assertEqual(response.code, 200, headers)
            self.assertEqual(document["action"], "now")

    def test_regexp_origin(self) -> None:
        """With ``accessControlAllowOriginUseRegExp`` the entries are patterns."""
        self.build(
            {
                "http": {
                    "accessControlAllowOrigin": [r"^https://[a-z]+\.ok\.example$"],
                    "accessControlAllowOriginUseRegExp": True,
                }
            }
        )
        response, _ = self.send("GET", "/_now", Origin="https://app.ok.example")
        self.assertEqual(response.code, 200)
        response, _ = self.send("GET", "/_now", Origin="https://app.evil.example")
        self.assertEqual(response.code, 401)

    # -- response compression ---------------------------------------------------------

    def raw_get(self, path: str, **headers: str) -> tuple[Any, bytes]:
        """A GET whose body is read as sent: no client-side decompression."""
        agent = RequestTraversalAgent(self.service.resource)
        wire = Headers({name.replace("_", "-"): [value] for name, value in headers.items()})
        response = self.successResultOf(agent.request(b"GET", (URL + path).encode(), wire))
        return response, self.successResultOf(treq.content(response))

    def test_gzip_response(self) -> None:
        """A large answer is gzip-compressed for a client that accepts gzip."""
        response, raw = self.raw_get("/_publicApi", Accept_Encoding="gzip")
        self.assertEqual(response.code, 200)
        self.assertEqual(response.headers.getRawHeaders("content-encoding"), ["gzip"])
        self.assertIn("Accept-Encoding", response.headers.getRawHeaders("vary"))
        document = codec.loads(gzip.decompress(raw))
        self.assertEqual(document["action"], "publicApi")
        self.assertIn("server", document["result"])
        self.assertEqual(response.length, len(raw))

    def test_deflate_response(self) -> None:
        """A client that prefers deflate (by q-value) gets deflate."""
        response, raw = self.raw_get("/_publicApi", Accept_Encoding="gzip;q=0.5, deflate;q=0.9")
        self.assertEqual(response.headers.getRawHeaders("content-encoding"), ["deflate"])
        self.assertEqual(codec.loads(zlib.decompress(raw))["action"], "publicApi")

    def test_no_accept_encoding(self) -> None:
        """Without Accept-Encoding the answer is plain JSON."""
        response, raw = self.raw_get("/_publicApi")
        self.assertIsNone(response.headers.getRawHeaders("content-encoding"))
        self.assertEqual(codec.loads(raw)["action"], "publicApi")

    def test_compression_disabled(self) -> None:
        """With ``allowCompression`` false, answers are never compressed."""
        self.build({"server": {"protocols": {"http": {"allowCompression": False}}}})
        response, raw = self.raw_get("/_publicApi", Accept_Encoding="gzip")
        self.assertIsNone(response.headers.getRawHeaders("content-encoding"))
        self.assertEqual(codec.loads(raw)["action"], "publicApi")

    def test_compression_disabled_advertises_identity(self) -> None:
        """
        With ``allowCompression`` false the server accepts no compressed request
        body, so its Accept-Encoding header advertises ``identity`` only (as
        Kuzzle's router does).
        """
        self.build({"server": {"protocols": {"http": {"allowCompression": False}}}})
        response, _ = self.raw_get("/_now")
        self.assertEqual(response.headers.getRawHeaders("accept-encoding"), ["identity"])

    def test_compressed_request_refused_when_disabled(self) -> None:
        """With ``allowCompression`` false, a gzip request body is a bare 400."""
        self.build({"server": {"protocols": {"http": {"allowCompression": False}}}})
        body = gzip.compress(b'{"controller":"server","action":"now"}')
        response, document = self.send_json("POST", "/_query", body, Content_Encoding="gzip")
        self.assertEqual(response.code, 400)
        self.assertBareError(document, "network.http.compression_disabled", 400)


# -- a hand-built graph with a probe controller --------------------------------------


class ProbeController(Controller):
    """Records what reaches it; ``later`` answers when the test says so."""

    name = "probe"
    ACTIONS = ("echo", "boom", "later", "fail_later")

    def __init__(self) -> None:
        self.seen: list[Request] = []
        self.pending: list[Deferred[Any]] = []

    def echo(self, request: Request) -> dict[str, Any]:
        self.seen.append(request)
        return {
            "args": request.input.args,
            "body": request.input.body,
            "jwt": request.input.jwt,
            "volatile": request.input.volatile,
            "flag": request.boolean_arg("flag"),
            "requestId": request.id,
            "protocol": request.connection.protocol,
        }

    def boom(self, request: Request) -> None:
        raise RuntimeError("secret internal detail")

    def later(self, request: Request) -> Deferred[Any]:
        self.seen.append(request)
        waiting: Deferred[Any] = Deferred()
        self.pending.append(waiting)
        return waiting

    def fail_later(self, request: Request) -> Deferred[Any]:
        return self.later(request)


PROBE_ROUTES = (
    Route("GET", "/probe/:index/:_id", "probe", "echo"),
    Route("POST", "/probe/:index", "probe", "echo"),
    Route("GET", "/boom", "probe", "boom"),
    Route("GET", "/later", "probe", "later"),
    Route("GET", "/failLater", "probe", "fail_later"),
)


class ProbeTests(HttpTestCase):
    """What an HTTP request turns into by the time it reaches a controller."""

    def setUp(self) -> None:
        self.build()

    def build(self, overrides: dict[str, Any] | None = None, **funnel_options: Any) -> None:
        config = make_config(overrides)
        self.clock = Clock()
        self.probe = ProbeController()
        self.funnel = Funnel(
            [self.probe], origin_policy=OriginPolicy(config.http), **funnel_options
        )
        self.entrypoint = EntryPoint(self.funnel, self.clock, "knode-probe")
        self.resource = HttpApiResource(self.entrypoint, config, Router(PROBE_ROUTES))
        self.stub = StubTreq(self.resource)

    def echo(self, method: str, path: str, body: bytes | None = None, **headers: str) -> Any:
        response, document = self.send_json(method, path, body, **headers)
        self.assertEqual(response.code, 200, document)
        return document["result"]

    # -- the request model ------------------------------------------------------------

    def test_args_from_query_and_path(self) -> None:
        """Query parameters and path placeholders become args; placeholders win."""
        result = self.echo("GET", "/probe/idx/doc-1?size=10&from=2&index=ignored")
        self.assertEqual(
            result["args"], {"size": "10", "from": "2", "index": "idx", "_id": "doc-1"}
        )

    def test_path_segments_url_decoded(self) -> None:
        """Each path segment is percent-decoded on its own: %2F stays inside the id."""
        result = self.echo("GET", "/probe/my%20index/a%2Fb")
        self.assertEqual((result["args"]["index"], result["args"]["_id"]), ("my index", "a/b"))

    def test_path_segments_utf8(self) -> None:
        """Percent-encoded UTF-8 in a path segment is decoded as UTF-8."""
        result = self.echo("GET", "/probe/idx/caf%C3%A9")
        self.assertEqual(result["args"]["_id"], "caf\u00e9")

    def test_path_segments_decoded_once(self) -> None:
        """A segment is percent-decoded exactly once: ``%2525`` is the id ``%25``."""
        result = self.echo("GET", "/probe/idx/100%2525")
        self.assertEqual(result["args"]["_id"], "100%25")

    def test_query_values_url_decoded(self) -> None:
        """Query values are percent-decoded strings."""
        result = self.echo("GET", "/probe/i/d?q=a%20b%26c")
        self.assertEqual(result["args"]["q"], "a b&c")

    def test_envelope_index(self) -> None:
        """The envelope reports the request's index (from the path) and a null collection."""
        _, document = self.send_json("GET", "/probe/idx/doc")
        self.assertEqual((document["index"], document["collection"]), ("idx", None))

    def test_body(self) -> None:
        """The parsed JSON body reaches the controller; no body is None."""
        result = self.echo("POST", "/probe/idx", b'{"a":[1,2]}', Content_Type="application/json")
        self.assertEqual(result["body"], {"a": [1, 2]})
        self.assertIsNone(self.echo("POST", "/probe/idx")["body"])

    def test_urlencoded_body(self) -> None:
        """An urlencoded body reaches the controller as a flat object."""
        result = self.echo(
            "POST", "/probe/idx", b"a=1&b=two", Content_Type="application/x-www-form-urlencoded"
        )
        self.assertEqual(result["body"], {"a": "1", "b": "two"})

    def test_bearer_token(self) -> None:
        """``Authorization: Bearer x`` (any case) becomes the jwt; other schemes do not."""
        self.assertEqual(
            self.echo("GET", "/probe/i/d", Authorization="Bearer tok-1")["jwt"], "tok-1"
        )
        self.assertEqual(
            self.echo("GET", "/probe/i/d", Authorization="bearer tok-2")["jwt"], "tok-2"
        )
        self.assertIsNone(
            self.echo("GET", "/probe/i/d", Authorization="Basic dXNlcjpwYXNz")["jwt"]
        )
        self.assertIsNone(self.echo("GET", "/probe/i/d")["jwt"])

    def test_query_bearer_token(self) -> None:
        """/_query uses the bearer token when its payload has no jwt, and the payload's if any."""
        payload = b'{"controller":"probe","action":"echo"}'
        _, document = self.send_json("POST", "/_query", payload, Authorization="Bearer hdr")
        self.assertEqual(document["result"]["jwt"], "hdr")
        payload = b'{"controller":"probe","action":"echo","jwt":"own"}'
        _, document = self.send_json("POST", "/_query", payload, Authorization="Bearer hdr")
        self.assertEqual(document["result"]["jwt"], "own")

    def test_volatile_header(self) -> None:
        """X-Kuzzle-Volatile is parsed as JSON into the request's volatile."""
        result = self.echo("GET", "/probe/i/d", X_Kuzzle_Volatile='{"sdkInstanceId":"abc"}')
        self.assertEqual(result["volatile"], {"sdkInstanceId": "abc"})
        self.assertIsNone(self.echo("GET", "/probe/i/d")["volatile"])

    def test_boolean_flags(self) -> None:
        """Over HTTP a boolean arg is a flag: present means true, even ``?flag=false``."""
        self.assertTrue(self.echo("GET", "/probe/i/d?flag")["flag"])
        self.assertTrue(self.echo("GET", "/probe/i/d?flag=")["flag"])
        self.assertTrue(self.echo("GET", "/probe/i/d?flag=false")["flag"])
        self.assertFalse(self.echo("GET", "/probe/i/d")["flag"])
        self.assertFalse(self.echo("GET", "/probe/i/d?other=1")["flag"])

    def test_query_payload_booleans_are_json(self) -> None:
        """In a /_query payload booleans are JSON booleans, not HTTP flags."""
        payload = b'{"controller":"probe","action":"echo","flag":false}'
        _, document = self.send_json("POST", "/_query", payload)
        self.assertFalse(document["result"]["flag"])

    def test_request_id_header(self) -> None:
        """X-Kuzzle-Request-Id becomes the request's id."""
        self.assertEqual(
            self.echo("GET", "/probe/i/d", X_Kuzzle_Request_Id="rid")["requestId"], "rid"
        )

    def test_http_connection(self) -> None:
        """Each HTTP request runs on its own ``http`` connection, closed after the answer."""
        self.assertEqual(self.echo("GET", "/probe/i/d")["protocol"], "http")
        self.assertEqual(self.entrypoint.connection_counts(), {})

    # -- failures ---------------------------------------------------------------------

    def test_plain_exception(self) -> None:
        """An action raising a plain exception answers 500 without any traceback text."""
        response, raw = self.send("GET", "/boom")
        self.assertEqual(response.code, 500)
        document = codec.loads(raw)
        self.assertEqual(document["status"], 500)
        self.assertEqual(document["error"]["status"], 500)
        self.assertEqual(document["error"]["id"], "core.fatal.unexpected_error")
        for leak in (b"Traceback", b"secret internal detail", b"RuntimeError", b".py"):
            self.assertNotIn(leak, raw)
        self.assertEqual(len(self.flushLoggedErrors(RuntimeError)), 1)

    def test_deferred_failing_later(self) -> None:
        """An action whose Deferred fails later with a plain exception answers 500 then."""
        answer = self.stub.get(URL + "/failLater")
        self.assertNoResult(answer)
        self.probe.pending[0].errback(RuntimeError("secret internal detail"))
        self.stub.flush()
        response = self.successResultOf(answer)
        raw = self.successResultOf(response.content())
        self.assertEqual(response.code, 500)
        self.assertNotIn(b"secret internal detail", raw)
        self.assertEqual(len(self.flushLoggedErrors(RuntimeError)), 1)

    # -- asynchronous actions ---------------------------------------------------------

    def test_deferred_result_written_when_it_fires(self) -> None:
        """An action returning a Deferred gets its answer written only once it fires."""
        answer = self.stub.get(URL + "/later", headers={"X-Kuzzle-Request-Id": "slow"})
        self.stub.flush()
        self.assertNoResult(answer)
        self.assertEqual(len(self.probe.pending), 1)
        self.probe.pending[0].callback({"done": True})
        self.stub.flush()
        response = self.successResultOf(answer)
        document = codec.loads(self.successResultOf(response.content()))
        self.assertEqual(response.code, 200)
        self.assertEqual(document["result"], {"done": True})
        self.assertEqual(document["requestId"], "slow")
        self.assertEqual(self.entrypoint.connection_counts(), {})

    def connect(self) -> tuple[Any, StringTransport]:
        """A raw HTTP connection to a plain Site around the resource."""
        site = Site(self.resource, reactor=self.clock)
        protocol = site.buildProtocol(IPv4Address("TCP", "127.0.0.1", 40000))
        transport = StringTransport()
        protocol.makeConnection(transport)
        return protocol, transport

    def test_nothing_written_after_disconnect(self) -> None:
        """
        A client that leaves before its Deferred fires gets nothing written
        afterwards, no error is logged, and its connection is closed.
        """
        protocol, transport = self.connect()
        protocol.dataReceived(b"GET /later HTTP/1.1\r\nHost: k\r\n\r\n")
        self.assertEqual(transport.value(), b"")
        self.assertEqual(self.entrypoint.connection_counts(), {"http": 1})
        protocol.connectionLost(Failure(ConnectionDone()))
        self.assertEqual(self.entrypoint.connection_counts(), {})
        with capturedLogs() as events:
            self.probe.pending[0].callback({"done": True})
        self.assertEqual(transport.value(), b"")
        self.assertEqual([event for event in events if event.get("log_failure")], [])

    def test_queued_request_dropped_after_disconnect(self) -> None:
        """
        A request still waiting in the funnel's queue when its client leaves is
        never executed.
        """
        self.build(concurrent_requests=1)
        first, first_transport = self.connect()
        first.dataReceived(b"GET /later HTTP/1.1\r\nHost: k\r\n\r\n")
        second, second_transport = self.connect()
        second.dataReceived(b"GET /probe/i/d HTTP/1.1\r\nHost: k\r\n\r\n")
        self.assertEqual(self.funnel.pending, 1)
        second.connectionLost(Failure(ConnectionDone()))
        self.probe.pending[0].callback({"done": True})
        self.assertEqual([request.input.action for request in self.probe.seen], ["later"])
        self.assertIn(b"HTTP/1.1 200", first_transport.value())
        self.assertEqual(second_transport.value(), b"")

    def test_ready_overloaded(self) -> None:
        """GET /_ready is 503 while the funnel's request buffer is full."""
        self.build(concurrent_requests=1, buffer_size=1)
        self.stub.get(URL + "/later")
        self.stub.get(URL + "/later")
        self.assertTrue(self.funnel.overloaded)
        response, document = self.send_json("GET", "/_ready")
        self.assertEqual(response.code, 503)
        self.assertEqual(document["status"], 503)
        self.assertIsNone(document["error"])
        self.probe.pending[0].callback(None)
        self.probe.pending[1].callback(None)
        response, _ = self.send_json("GET", "/_ready")
        self.assertEqual(response.code, 200)
