# -*- test-case-name: tests.network.test_http -*-
"""
Kuzzle's HTTP API as a `twisted.web` resource: route the request, decode it
once into a `Request`, run it through the entry point, write the envelope.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import parse_qsl, unquote

from twisted.logger import Logger
from twisted.python.failure import Failure
from twisted.web.http_headers import Headers
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET
from twisted.web.server import Request as WebRequest

from kuzzle_tx import codec
from kuzzle_tx.api.request import Request, bare_envelope, new_request_id, request_from_payload
from kuzzle_tx.config import Config
from kuzzle_tx.errors import KuzzleError
from kuzzle_tx.network.cookies import COOKIE_UNVERIFIED_ACTIONS, cookie_token
from kuzzle_tx.network.cors import OriginPolicy
from kuzzle_tx.network.entrypoint import EntryPoint
from kuzzle_tx.network.http_body import decode_body
from kuzzle_tx.network.routes import Router

SUPPORTED_VERBS = frozenset((b"GET", b"POST", b"PUT", b"PATCH", b"DELETE", b"HEAD", b"OPTIONS"))
# Responses smaller than this are not worth compressing.
MIN_COMPRESSED_SIZE = 256


class HttpApiResource(Resource):
    isLeaf = True
    log = Logger()

    def __init__(self, entrypoint: EntryPoint, config: Config, router: Router) -> None:
        super().__init__()
        self._entrypoint = entrypoint
        self._router = router
        self._cors = OriginPolicy(config.http)
        http = config.server.http
        self._allow_compression = http.allow_compression
        self._max_layers = http.max_encoding_layers
        self._content_types = http.additional_content_types
        self._max_size = config.server.max_request_size
        self._cookie_authentication = config.http.cookie_authentication
        accepted_encodings = b"gzip,deflate,identity" if self._allow_compression else b"identity"
        # Headers every response carries, validated and encoded once.
        self._constant_headers = _frozen_raw_headers(
            Headers(
                {
                    b"content-type": [b"application/json"],
                    b"x-kuzzle-node": [entrypoint.node_id.encode()],
                    b"accept-encoding": [accepted_encodings],
                    **{
                        name.encode(): [value.encode()]
                        for name, value in self._cors.response_headers().items()
                    },
                    # Replaced by the request's Origin when it sends one.
                    **({b"access-control-allow-origin": [b"*"]} if self._cors.allow_all else {}),
                }
            )
        )

    # -- dispatch ---------------------------------------------------------------------

    def render(self, request: WebRequest) -> int:
        method = request.method
        path = _relative_path(request)
        request_id = _header(request, b"x-kuzzle-request-id") or new_request_id()
        if method not in SUPPORTED_VERBS:
            refusal = KuzzleError("network.http.unsupported_verb", method.decode("latin-1"))
            return self._write_error(request, refusal, request_id)
        if method == b"OPTIONS":
            return self._write_result(
                request, {}, request_id, extra_headers=self._cors.preflight_headers()
            )
        if method == b"HEAD" and path == "/":
            return self._write_result(request, None, request_id, with_body=False)
        if method == b"GET" and path in ("/_healthcheck", "/_ready"):
            status = 503 if path == "/_ready" and self._entrypoint.funnel.overloaded else 200
            return self._write_result(request, None, request_id, status=status)

        try:
            body = self._decode_body(request)
        except KuzzleError as error:
            return self._bare_error(request, error, request_id)

        if method == b"POST" and path == "/_query":
            if not isinstance(body, dict):
                refusal = KuzzleError("api.assert.invalid_type", "body", "object")
                return self._bare_error(request, refusal, request_id)
            jwt = _bearer_token(request)
            if jwt and "jwt" not in body:
                body = {**body, "jwt": jwt}
            cookie_refusal = self._cookie_auth(request, body, query_flags=False)
            return self._execute(request, body, request_id, refusal=cookie_refusal)

        match = self._router.match(method.decode("ascii"), path)
        if match is None:
            refusal = KuzzleError("network.http.url_not_found", unquote(path))
            return self._write_error(request, refusal, request_id)
        payload = _query_args(request)
        payload.update(match.params)
        payload["controller"] = match.route.controller
        payload["action"] = match.route.action
        payload["body"] = body
        jwt = _bearer_token(request)
        if jwt:
            payload["jwt"] = jwt
        volatile = _header(request, b"x-kuzzle-volatile")
        if volatile is not None:
            try:
                payload["volatile"] = codec.loads(volatile)
            except ValueError as error:
                failure = KuzzleError("network.http.volatile_parse_failed", error)
                return self._write_error(request, failure, request_id)
        cookie_refusal = self._cookie_auth(request, payload, query_flags=True)
        return self._execute(
            request, payload, request_id, query_flags=True, refusal=cookie_refusal
        )

    def _cookie_auth(
        self, web: WebRequest, payload: dict[str, Any], query_flags: bool
    ) -> KuzzleError | None:
        """
        Cookie authentication (kuzzle-api.md §8.7), as Kuzzle's funnel applies it:
        the ``authToken`` cookie becomes the request's token. Returns the error the
        request fails with, if any. Only a request that sends a Cookie header (or
        the ``cookieAuth`` flag with cookies disabled) pays for more than a lookup.
        """
        cookie_auth = "cookieAuth" in payload if query_flags else payload.get("cookieAuth") is True
        if cookie_auth and not self._cookie_authentication:
            return KuzzleError("security.cookie.unsupported")
        header = _header(web, b"cookie")
        if header is None:
            return None
        try:
            token = cookie_token(header)
        except KuzzleError as error:
            return error
        if token is None:
            return None
        if not self._cookie_authentication:
            return KuzzleError("security.cookie.unsupported")
        if payload.get("jwt"):
            return KuzzleError(
                "security.token.verification_error",
                "Both token and cookie are present, could not decide which one to use",
            )
        if (
            cookie_auth
            and payload.get("controller") == "auth"
            and payload.get("action") in COOKIE_UNVERIFIED_ACTIONS
        ):
            # Run as anonymous: the action reads the cookie itself (an expired
            # cookie must not prevent a new login, nor make checkToken fail).
            return None
        payload["jwt"] = token
        return None

    def _decode_body(self, request: WebRequest) -> Any:
        content = request.content
        raw = b""
        if content is not None:
            content.seek(0)
            raw = content.read()
        return decode_body(
            raw,
            _header(request, b"content-type"),
            _header(request, b"content-encoding"),
            allow_compression=self._allow_compression,
            max_encoding_layers=self._max_layers,
            max_size=self._max_size,
            additional_content_types=self._content_types,
        )

    # -- execution --------------------------------------------------------------------

    def _execute(
        self,
        web: WebRequest,
        payload: dict[str, Any],
        request_id: str,
        query_flags: bool = False,
        refusal: KuzzleError | None = None,
    ) -> int:
        entrypoint = self._entrypoint
        peer = web.getClientAddress()
        connection = entrypoint.open(
            "http", (getattr(peer, "host", ""),), HeaderView(web.requestHeaders)
        )
        now = int(entrypoint.clock.seconds() * 1000)
        request = request_from_payload(payload, connection, now, request_id, query_flags)
        if refusal is not None and request.error is None:
            request.set_error(refusal)
        answered: list[bool] = []
        gone: list[bool] = []

        def respond(done: Request) -> None:
            answered.append(True)
            entrypoint.close(connection)
            if not gone:
                envelope = done.envelope(entrypoint.node_id)
                headers = done.response_headers
                if headers:
                    envelope["headers"] = _body_headers(headers)
                self._write(web, done.status, envelope, done.id, headers)

        entrypoint.submit(request, respond)
        if not answered:
            # Only requests still running need to hear about a client that leaves:
            # their queued work is dropped and nothing is written back.
            def client_went_away(_: Failure) -> None:
                gone.append(True)
                entrypoint.close(connection)

            web.notifyFinish().addErrback(client_went_away)
        return NOT_DONE_YET

    # -- writing ----------------------------------------------------------------------

    def _write_result(
        self,
        web: WebRequest,
        result: Any,
        request_id: str,
        status: int = 200,
        with_body: bool = True,
        extra_headers: Mapping[str, str] | None = None,
    ) -> int:
        envelope = bare_envelope(request_id, status, self._entrypoint.node_id)
        envelope["result"] = result
        document = envelope if with_body else None
        return self._write(web, status, document, request_id, extra_headers)

    def _write_error(self, web: WebRequest, error: KuzzleError, request_id: str) -> int:
        envelope = bare_envelope(request_id, error.status, self._entrypoint.node_id)
        envelope["error"] = error.to_dict()
        return self._write(web, error.status, envelope, request_id)

    def _bare_error(self, web: WebRequest, error: KuzzleError, request_id: str) -> int:
        """Failures to read the request answer with the error object alone, as Kuzzle does."""
        return self._write(web, error.status, error.to_dict(), request_id, protocol_error=True)

    def _write(
        self,
        web: WebRequest,
        status: int,
        document: Any,
        request_id: str,
        extra_headers: Mapping[str, str] | None = None,
        protocol_error: bool = False,
    ) -> int:
        web.setResponseCode(status)
        headers = web.responseHeaders
        _copy_headers(self._constant_headers, headers)
        headers.setRawHeaders(b"x-kuzzle-request-id", [request_id.encode()])
        origin = web.getHeader(b"origin")
        if origin is not None and not (protocol_error and self._cors.allow_all):
            headers.setRawHeaders(b"access-control-allow-origin", [origin])
            headers.setRawHeaders(b"vary", [b"Origin"])
        for name, value in (extra_headers or {}).items():
            headers.setRawHeaders(name.encode(), [str(value).encode()])
        if document is None:
            data = b""
        elif "pretty" in _query_args(web):
            data = codec.dumps_pretty(document)
        else:
            data = codec.dumps(document)
        data = self._maybe_compress(web, data)
        headers.setRawHeaders(b"content-length", [str(len(data)).encode()])
        if web.method != b"HEAD":
            web.write(data)
        web.finish()
        return NOT_DONE_YET

    def _maybe_compress(self, web: WebRequest, data: bytes) -> bytes:
        if not self._allow_compression or len(data) < MIN_COMPRESSED_SIZE:
            return data
        encoding = choose_encoding(_header(web, b"accept-encoding"))
        if encoding == "gzip":
            data = gzip.compress(data, compresslevel=6)
        elif encoding == "deflate":
            data = zlib.compress(data, 6)
        else:
            return data
        web.responseHeaders.setRawHeaders(b"content-encoding", [encoding.encode()])
        web.responseHeaders.addRawHeader(b"vary", b"Accept-Encoding")
        return data


def _frozen_raw_headers(headers: Headers) -> dict[bytes, tuple[bytes, ...]]:
    """
    Twisted's validated, encoded form of ``headers``, with tuples for values:
    shared by every response, so an ``addRawHeader`` on one of these names fails
    loudly instead of leaking into later responses.
    """
    return {name: tuple(values) for name, values in headers._rawHeaders.items()}


def _copy_headers(source: dict[bytes, tuple[bytes, ...]], target: Headers) -> None:
    """
    Copy already-validated headers. ``setRawHeaders`` re-validates and re-encodes
    every value on every response, a measurable share of a small request's cost;
    Headers keeps its table in ``_rawHeaders`` (since Twisted 8).
    """
    raw = getattr(target, "_rawHeaders", None)
    if isinstance(raw, dict):
        raw.update(source)
    else:  # pragma: no cover - a Twisted that stores headers differently
        for name, values in source.items():
            target.setRawHeaders(name, list(values))


class HeaderView(Mapping[str, str]):
    """Request headers as a lower-case ``str`` mapping, decoded only when read."""

    __slots__ = ("_headers",)

    def __init__(self, headers: Headers) -> None:
        self._headers = headers

    def __getitem__(self, name: str) -> str:
        values = self._headers.getRawHeaders(name.encode("latin-1"))
        if not values:
            raise KeyError(name)
        return b",".join(values).decode("latin-1")

    def __iter__(self) -> Iterator[str]:
        for name, _ in self._headers.getAllRawHeaders():
            yield name.decode("latin-1").lower()

    def __len__(self) -> int:
        return sum(1 for _ in self._headers.getAllRawHeaders())


def choose_encoding(accept_encoding: str | None) -> str:
    """Pick gzip, deflate or identity from Accept-Encoding q-values (gzip wins ties)."""
    if not accept_encoding:
        return "identity"
    weights: dict[str, float] = {}
    for item in accept_encoding.split(","):
        name, _, params = item.strip().partition(";")
        name = name.strip().lower()
        quality = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                quality = 0.0
        weights[name] = quality
    best, best_quality = "identity", 0.0
    for candidate in ("gzip", "deflate"):
        quality = weights.get(candidate, weights.get("*", 0.0))
        if quality > best_quality:
            best, best_quality = candidate, quality
    return best


def _header(web: WebRequest, name: bytes) -> str | None:
    value = web.getHeader(name)
    return None if value is None else value.decode("latin-1")


def _body_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """An action's headers as the envelope shows them: never ``Set-Cookie`` (Kuzzle's rule)."""
    return {name: value for name, value in headers.items() if name.lower() != "set-cookie"}


def _bearer_token(web: WebRequest) -> str | None:
    authorization = _header(web, b"authorization")
    if authorization and authorization[:7].lower() == "bearer ":
        return authorization[7:].strip()
    return None


def _relative_path(web: WebRequest) -> str:
    """
    The request path below the point where this resource is mounted, still
    percent-encoded: the router decodes each segment once (``postpath`` is
    already decoded, and would turn ``%2F`` inside an id into a separator).
    """
    mounted_at = len(web.prepath or ())
    if not mounted_at:
        return web.path.decode("latin-1")
    raw = web.path.split(b"/")[1:]
    return "/" + "/".join(segment.decode("latin-1") for segment in raw[mounted_at:])


def _query_args(web: WebRequest) -> dict[str, Any]:
    _, _, query = web.uri.partition(b"?")
    if not query:
        return {}
    return dict(parse_qsl(query.decode("utf-8", "replace"), keep_blank_values=True))
