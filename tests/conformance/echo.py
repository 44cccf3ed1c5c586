# -*- test-case-name: tests.conformance.test_autobahn -*-
"""
A test-only WebSocket echo endpoint, mounted on kuzzle_tx's Site.

The Autobahn|Testsuite fuzzing client needs a server that echoes every message
back unchanged; Kuzzle's own protocol answers JSON instead. `EchoRoot` sends
``/_echo`` upgrades to an autobahn echo resource and everything else to the
kuzzle_tx API, and `echo_site` serves it through a `KuzzleSite` built like the
service's, so the Site's channel and request classes (header deadline, body
limit) sit in front of every case.

This is never shipped: it lives under ``tests/``.
"""

from __future__ import annotations

from typing import Any

from autobahn.twisted.resource import WebSocketResource
from autobahn.twisted.websocket import WebSocketServerFactory
from twisted.internet.interfaces import IReactorTime
from twisted.python.failure import Failure
from twisted.web.resource import IResource, Resource
from twisted.web.server import Request

from kuzzle_tx.network.frame_reader import TextFrameProtocol
from kuzzle_tx.network.site import KuzzleSite
from kuzzle_tx.service import KuzzleService

ECHO_PATH = b"/_echo"

# The largest Autobahn message (cases 9.1.6 and 9.2.6) is exactly 16 MiB.
ECHO_MAX_MESSAGE_SIZE = 16 * 2**20


class EchoServerProtocol(TextFrameProtocol):
    """
    Sends every text or binary message back, unchanged and of the same kind. It reads
    frames as kuzzle_tx's own protocol does (`TextFrameProtocol`), so that the cases
    check kuzzle_tx's frame reader along with autobahn's.
    """

    factory: EchoServerFactory

    def onOpen(self) -> None:  # noqa: N802
        self.factory.clients.add(self)
        self.factory.read_by_kuzzle_tx += self._reads_text_frames

    def onClose(self, wasClean: bool, code: int | None, reason: str | None) -> None:  # noqa: N802, N803
        self.factory.clients.discard(self)

    def onMessage(self, payload: bytes, isBinary: bool) -> None:  # noqa: N802, N803
        self.sendMessage(payload, isBinary)

    def connectionLost(self, reason: Failure) -> None:  # noqa: N802
        super().connectionLost(reason)
        # autobahn only disarms its close-handshake timer when the peer's close
        # frame arrives: when the peer drops TCP instead, the timer would outlive
        # the socket by up to closeHandshakeTimeout and leave the reactor dirty.
        if self.closeHandshakeTimeoutCall is not None:
            self.closeHandshakeTimeoutCall.cancel()
            self.closeHandshakeTimeoutCall = None


class EchoServerFactory(WebSocketServerFactory):
    """
    The settings the Autobahn cases expect of a testee: no pings of its own,
    room for the 16 MiB messages of section 9, UTF-8 validated on the fly, and
    a protocol violation answered with a close frame (1002/1007) rather than a
    dropped TCP connection. It tracks its open sockets so that a test can drop
    whatever a client left behind (`close_all`).
    """

    protocol = EchoServerProtocol

    def __init__(self, reactor: IReactorTime, url: str | None = None) -> None:
        super().__init__(url, reactor=reactor, server="kuzzle_tx-echo")
        self.setProtocolOptions(
            autoPingInterval=0,
            autoPingTimeout=0,
            maxFramePayloadSize=ECHO_MAX_MESSAGE_SIZE,
            maxMessagePayloadSize=ECHO_MAX_MESSAGE_SIZE,
            utf8validateIncoming=True,
            requireMaskedClientFrames=True,
            failByDrop=False,
            tcpNoDelay=True,
            openHandshakeTimeout=5.0,
            closeHandshakeTimeout=1.0,
        )
        self.clients: set[EchoServerProtocol] = set()
        # Sockets whose whole text frames kuzzle_tx's reader read (not autobahn's).
        self.read_by_kuzzle_tx = 0

    def close_all(self) -> None:
        """Drop every socket still open, without a closing handshake."""
        for client in list(self.clients):
            client.dropConnection(abort=True)


class EchoRoot(Resource):
    """
    A root resource in front of kuzzle_tx's: a WebSocket upgrade on ``/_echo``
    goes to the echo resource, any other request to the kuzzle_tx API.
    """

    isLeaf = True

    def __init__(self, kuzzle: IResource, echo: WebSocketResource) -> None:
        super().__init__()
        self._kuzzle = kuzzle
        self._echo = echo

    def render(self, request: Request) -> Any:
        upgrade = request.getHeader(b"upgrade")
        if request.path == ECHO_PATH and upgrade is not None and upgrade.lower() == b"websocket":
            return self._echo.render(request)
        return self._kuzzle.render(request)


def echo_site(service: KuzzleService, factory: EchoServerFactory) -> KuzzleSite:
    """A `KuzzleSite` configured like ``service.site``, with ``/_echo`` mounted in front."""
    return service.make_site(EchoRoot(service.resource, WebSocketResource(factory)))
