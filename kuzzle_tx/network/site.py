# -*- test-case-name: tests.network.test_site -*-
"""
One `twisted.web` Site for both protocols.

`KuzzleResource` sends requests that carry ``Upgrade: websocket`` to autobahn's
`WebSocketResource` and everything else to the HTTP API, on any path. The Site's
channel and request classes add what `twisted.web` lacks for a public API: an
absolute deadline for request headers, and bodies over ``maxRequestSize``
refused with 413 before they are buffered.
"""

from __future__ import annotations

import io
from typing import Any

from autobahn.twisted.resource import WebSocketResource
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.internet.protocol import connectionDone
from twisted.logger import Logger
from twisted.python.failure import Failure
from twisted.web import http
from twisted.web.resource import IResource, Resource
from twisted.web.server import Request, Site

from kuzzle_tx import codec
from kuzzle_tx.errors import KuzzleError
from kuzzle_tx.network.access_log import AccessLog
from kuzzle_tx.network.cors import OriginPolicy

log = Logger(namespace="kuzzle_tx.network")


class KuzzleResource(Resource):
    """The root of the API: dispatch on the Upgrade header, never on the path."""

    isLeaf = True

    def __init__(self, http_api: IResource | None, websocket: WebSocketResource | None) -> None:
        super().__init__()
        self._http_api = http_api
        self._websocket = websocket

    def render(self, request: Request) -> Any:
        upgrade = request.getHeader(b"upgrade")
        if upgrade is not None and upgrade.lower() == b"websocket":
            if self._websocket is None:
                return _refuse(request, 400, "The WebSocket protocol is disabled on this server.")
            return self._websocket.render(request)
        if self._http_api is None:
            request.setHeader(b"upgrade", b"websocket")
            return _refuse(request, 426, "The HTTP API is disabled: use WebSocket.")
        return self._http_api.render(request)


def _refuse(request: Request, status: int, reason: str) -> bytes:
    error = KuzzleError("network.http.unexpected_error", reason).to_dict()
    error["status"] = status
    request.setResponseCode(status)
    request.setHeader(b"content-type", b"application/json")
    return codec.dumps(error)


class KuzzleRequest(Request):
    """A request that refuses oversized bodies up front and never spills them to disk."""

    _refused = False
    _received = 0

    @property
    def _site(self) -> KuzzleSite:
        # `self.site` is only set once the body is read; limits are needed before.
        return self.channel.site  # type: ignore[attr-defined]

    def gotLength(self, length: int | None) -> None:  # noqa: N802
        limit = self._site.max_request_size
        if length is not None and length > limit:
            self._refuse_too_large()
            return
        self.content = io.BytesIO()

    def handleContentChunk(self, data: bytes) -> None:  # noqa: N802
        if self._refused:
            return
        self._received += len(data)
        if self._received > self._site.max_request_size:
            self._refuse_too_large()
            return
        assert self.content is not None
        self.content.write(data)

    def requestReceived(self, command: bytes, path: bytes, version: bytes) -> None:  # noqa: N802
        if self._refused:
            return
        super().requestReceived(command, path, version)

    def _refuse_too_large(self) -> None:
        """Answer 413 at once, on the raw transport, and close: the body is never read."""
        self._refused = True
        self.content = io.BytesIO()
        site = self._site
        body = codec.dumps(KuzzleError("network.http.request_too_large").to_dict())
        origin = self.getHeader(b"origin")
        headers = [
            (b"Content-Type", b"application/json"),
            (b"Content-Length", str(len(body)).encode()),
            (b"Connection", b"close"),
        ]
        for name, value in site.cors.headers(origin.decode("latin-1") if origin else None).items():
            headers.append((name.encode(), value.encode()))
        head = b"HTTP/1.1 413 Request Entity Too Large\r\n" + b"".join(
            name + b": " + value + b"\r\n" for name, value in headers
        )
        transport = self.channel.transport if self.channel is not None else None
        if transport is not None:
            transport.write(head + b"\r\n" + body)
            transport.loseConnection()
        # What requestReceived would have set, so that the access log has its line.
        channel = self.channel
        self.method, self.uri, self.clientproto = channel._command, channel._path, channel._version
        self.path = self.uri.split(b"?", 1)[0]
        self.code, self.sentLength = 413, len(body)
        site.log(self)


class KuzzleHTTPChannel(http.HTTPChannel):
    """
    An HTTP channel with an absolute deadline on request headers.

    Twisted's own timeout restarts on every byte, so a client that trickles
    its headers one byte at a time would hold the connection forever.
    """

    site: KuzzleSite
    _awaiting_headers = True
    # When the first byte of the current request's head arrived, if still waiting for it.
    _head_started: float | None = None
    _deadline: IDelayedCall | None = None

    def dataReceived(self, data: bytes) -> None:  # noqa: N802
        if self._awaiting_headers and self._head_started is None and self.site.headers_timeout:
            self._head_started = self.site.reactor.seconds()
            if self._deadline is None:
                self._deadline = self.callLater(self.site.headers_timeout, self._check_deadline)
        super().dataReceived(data)

    def allHeadersReceived(self) -> None:  # noqa: N802
        # The timer is left to lapse rather than cancelled: on a busy keep-alive
        # connection one timer then serves many requests.
        self._awaiting_headers = False
        self._head_started = None
        if self.requests[-1].requestHeaders.hasHeader(b"upgrade") and self._deadline is not None:
            # An upgraded connection leaves HTTP for good: release its timer now.
            if self._deadline.active():
                self._deadline.cancel()
            self._deadline = None
        super().allHeadersReceived()

    def _send100Continue(self) -> None:  # noqa: N802
        if not getattr(self.requests[-1], "_refused", False):
            super()._send100Continue()

    def requestDone(self, request: Request) -> None:  # noqa: N802
        self._awaiting_headers = True
        super().requestDone(request)

    def connectionLost(self, reason: Failure = connectionDone) -> None:  # noqa: N802
        if self._deadline is not None and self._deadline.active():
            self._deadline.cancel()
        self._deadline = None
        super().connectionLost(reason)

    def _check_deadline(self) -> None:
        self._deadline = None
        started = self._head_started
        if started is None or self.transport is None:
            return
        left = started + self.site.headers_timeout - self.site.reactor.seconds()
        if left > 0:
            self._deadline = self.callLater(left, self._check_deadline)
            return
        log.info(
            "Dropping {peer}: request headers not received in time",
            peer=str(self.transport.getPeer()),
        )
        self.transport.abortConnection()  # type: ignore[attr-defined]


class KuzzleSite(Site):
    """The one Site: both protocols, Kuzzle's access log, no tracebacks to clients."""

    protocol = KuzzleHTTPChannel  # type: ignore[assignment]
    requestFactory = KuzzleRequest
    displayTracebacks = False

    def __init__(
        self,
        resource: IResource,
        *,
        clock: IReactorTime,
        max_request_size: int,
        headers_timeout_ms: int,
        cors: OriginPolicy,
        access_log_format: str = "combined",
        ip_offset: int = 0,
    ) -> None:
        # The API decodes bodies itself (http_body.py); Twisted would parse form bodies
        # into request.args a second time, and the content type through `email`.
        super().__init__(resource, reactor=clock, parsePOSTFormSubmission=False)
        self.max_request_size = max_request_size
        self.headers_timeout = headers_timeout_ms / 1000.0
        self.cors = cors
        self.access_log = AccessLog(clock, access_log_format, ip_offset)

    def log(self, request: Request) -> None:  # type: ignore[override]
        self.access_log.record(request, self._logDateTime or "-")
