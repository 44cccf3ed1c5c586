# -*- test-case-name: tests.network.test_websocket -*-
"""
Kuzzle's WebSocket protocol on autobahn: one JSON request per text frame, one
response frame per request with ``room`` = ``requestId``, ``{"p":1}`` answered
by ``{"p":2}``, and the server's side of liveness: autobahn's auto-ping for
``heartbeat``, and an idle sweep on an injected clock for ``idleTimeout``.
"""

from __future__ import annotations

from typing import Any

from autobahn.twisted.websocket import WebSocketServerFactory
from autobahn.websocket.compress import PerMessageDeflateOffer, PerMessageDeflateOfferAccept
from twisted.internet.interfaces import IConsumer, IPushProducer, IReactorTime
from twisted.internet.protocol import connectionDone
from twisted.internet.task import LoopingCall
from twisted.python.failure import Failure
from zope.interface import implementer

from kuzzle_tx import codec
from kuzzle_tx.api.request import (
    Connection,
    Request,
    bare_envelope,
    new_request_id,
    request_from_payload,
)
from kuzzle_tx.config import WebSocketConfig
from kuzzle_tx.errors import KuzzleError
from kuzzle_tx.interfaces import IClientChannel
from kuzzle_tx.network.entrypoint import EntryPoint
from kuzzle_tx.network.frame_reader import TextFrameProtocol
from kuzzle_tx.network.timers import BatchedTimer

PING_FRAME = b'{"p":1}'
PONG_FRAME = b'{"p":2}'

# Server-initiated close codes. Never 1000: the official SDK does not reconnect after it.
CLOSE_GOING_AWAY = 1001
CLOSE_INTERNAL_ERROR = 1011

# Notification bytes a socket may fall behind by, beyond the transport's own buffer,
# before it is closed (1011): a client that stops reading costs bounded memory.
MAX_BACKLOG = 4 * 1024 * 1024


@implementer(IClientChannel, IPushProducer)
class KuzzleWebSocketProtocol(TextFrameProtocol):
    # No `log` override: autobahn's txaio logger drops debug calls at no cost, a
    # twisted.logger.Logger would build an event for each of them on the hot path.
    factory: KuzzleWebSocketFactory

    connection: Connection | None = None
    last_activity: float = 0.0
    _auto_pinged = False
    _rate_window = -1
    _rate_count = 0
    _write_paused = False
    _backlog = 0

    # -- opening and closing ----------------------------------------------------------

    def onConnect(self, request: Any) -> str | None:
        # Echo the client's first subprotocol (browsers offer the literal "null").
        return request.protocols[0] if request.protocols else None

    def onOpen(self) -> None:
        assert self.transport is not None
        peer = self.transport.getPeer()
        host = getattr(peer, "host", None)
        self.connection = self.factory.entrypoint.open(
            "websocket",
            (host,) if host else (),
            # autobahn's parsed handshake headers (lower-case names): kept, not copied.
            self.http_headers,
            channel=self,
        )
        self.factory.clients.add(self)
        self.touch()
        # Hear about a full write buffer (Twisted pauses its producer): the HTTP
        # channel that carried the handshake is the transport's producer until now.
        consumer = IConsumer(self.transport, None)
        if consumer is not None:
            consumer.unregisterProducer()
            consumer.registerProducer(self, True)

    # -- back-pressure (IPushProducer, for the transport) -------------------------------

    def pauseProducing(self) -> None:  # noqa: N802
        self._write_paused = True

    def resumeProducing(self) -> None:  # noqa: N802
        self._write_paused = False
        self._backlog = 0

    def stopProducing(self) -> None:  # noqa: N802
        self._write_paused = True

    def onClose(self, wasClean: bool, code: int | None, reason: str | None) -> None:
        self.factory.clients.discard(self)
        if self.connection is not None:
            self.factory.entrypoint.close(self.connection)

    def connectionLost(self, reason: Failure = connectionDone) -> None:  # noqa: N802
        # autobahn leaves its close-handshake timer armed when the peer drops TCP
        # instead of answering our close frame; nothing is left to time out.
        call = self.closeHandshakeTimeoutCall
        if call is not None:
            call.cancel()
            self.closeHandshakeTimeoutCall = None
        super().connectionLost(reason)

    def close_with(self, code: int, reason: str) -> None:
        """Close with any code (autobahn's sendClose only allows 1000 and 3000-4999)."""
        if self.state == self.STATE_OPEN:
            self.sendCloseFrame(code=code, reasonUtf8=reason.encode()[:123], isReply=False)

    def close_going_away(self, reason: str) -> None:
        self.close_with(CLOSE_GOING_AWAY, reason)

    # -- liveness ---------------------------------------------------------------------

    def touch(self) -> None:
        self.last_activity = self.factory.clock.seconds()
        self._auto_pinged = False

    def onPing(self, payload: bytes) -> None:
        self.touch()
        super().onPing(payload)

    def onPong(self, payload: bytes) -> None:
        # Only the pings of sendPingsAutomatically are meant to keep an idle socket open.
        if self._auto_pinged:
            self.touch()

    def ping_for_idle(self) -> None:
        if not self._auto_pinged and self.state == self.STATE_OPEN:
            self._auto_pinged = True
            self.sendPing()

    # -- messages ---------------------------------------------------------------------

    def send_payload(self, data: bytes) -> None:
        if self.state != self.STATE_OPEN:
            return
        if self.factory.reset_idle_on_send:
            self.last_activity = self.factory.clock.seconds()
        if (
            self._perMessageCompress is None
            and not self.send_queue
            and self.send_state == self.SEND_STATE_GROUND
        ):
            # One unfragmented, unmasked text frame, as autobahn would build it, without
            # the per-frame debug-log arguments of its send path.
            self.transport.write(text_frame(data))  # type: ignore[union-attr]
        else:
            self.sendMessage(data, False)

    def send_shared(self, data: bytes, prepared: dict[str, object]) -> None:
        # One PreparedMessage (framed once) for every WebSocket recipient of ``data``.
        if self.state != self.STATE_OPEN:
            return
        if self._write_paused:
            # The client does not read fast enough: bound what waits for it.
            self._backlog += len(data)
            if self._backlog > MAX_BACKLOG:
                self.close_with(CLOSE_INTERNAL_ERROR, "too much backpressure: client is too slow")
                return
        message = prepared.get("websocket")
        if message is None:
            message = prepared["websocket"] = self.factory.prepareMessage(data, False)
        if self.factory.reset_idle_on_send:
            self.last_activity = self.factory.clock.seconds()
        if self._perMessageCompress is None and not self.send_queue:
            # The frame is complete: write it. autobahn's sendData would first build the
            # arguments of a debug log line, per frame, which costs a tenth of the fan-out.
            self.transport.write(message.payloadHybi)  # type: ignore[attr-defined,union-attr]
        else:
            self.sendPreparedMessage(message)  # type: ignore[arg-type]

    def onMessage(self, payload: bytes, isBinary: bool) -> None:
        factory = self.factory
        now = factory.clock.seconds()
        self.last_activity = now
        self._auto_pinged = False
        if payload == PING_FRAME:
            self.send_payload(PONG_FRAME)
            return
        if not payload:
            return
        if factory.rate_limit and self._rate_limited():
            self._send_error(KuzzleError("network.websocket.ratelimit_exceeded"))
            return
        try:
            parsed = codec.loads(payload)
        except ValueError as error:
            self._send_error(KuzzleError("network.websocket.unexpected_error", error))
            return
        if not isinstance(parsed, dict):
            self._send_error(KuzzleError("api.assert.invalid_type", "request", "object"))
            return
        if len(parsed) == 1 and parsed.get("p") == 1:
            self.send_payload(PONG_FRAME)
            return
        assert self.connection is not None
        request = request_from_payload(parsed, self.connection, int(now * 1000))
        factory.submit(request, self._respond)

    def _respond(self, request: Request) -> None:
        envelope = request.envelope(self.factory.entrypoint.node_id)
        envelope["room"] = request.id
        self.send_payload(codec.dumps(envelope))

    def _send_error(self, error: KuzzleError) -> None:
        """An error that came before a request existed: Kuzzle sends it without ``room``."""
        envelope = bare_envelope(new_request_id(), error.status, self.factory.entrypoint.node_id)
        envelope["error"] = error.to_dict()
        self.send_payload(codec.dumps(envelope))

    def _rate_limited(self) -> bool:
        limit = self.factory.rate_limit
        window = int(self.factory.clock.seconds())
        if window != self._rate_window:
            self._rate_window, self._rate_count = window, 0
        self._rate_count += 1
        return self._rate_count > limit


def text_frame(data: bytes) -> bytes:
    """A complete server-to-client WebSocket text frame (FIN, opcode 1, no mask)."""
    length = len(data)
    if length < 126:
        return bytes((0x81, length)) + data
    if length < 65536:
        return b"\x81\x7e" + length.to_bytes(2, "big") + data
    return b"\x81\x7f" + length.to_bytes(8, "big") + data


class KuzzleWebSocketFactory(WebSocketServerFactory):
    """
    Builds Kuzzle protocols and owns what spans sockets: the set of open
    clients and the idle sweep. `start` and `stop` are called by the service.
    """

    protocol = KuzzleWebSocketProtocol  # type: ignore[assignment]

    def __init__(
        self,
        entrypoint: EntryPoint,
        config: WebSocketConfig,
        max_message_size: int,
        clock: IReactorTime,
    ) -> None:
        super().__init__(reactor=clock, server=None)
        self.entrypoint = entrypoint
        self.submit = entrypoint.submit
        self.clock = clock
        self.clients: set[KuzzleWebSocketProtocol] = set()
        self.idle_timeout = config.idle_timeout / 1000.0
        self.send_pings_automatically = config.send_pings_automatically
        self.reset_idle_on_send = config.reset_idle_timeout_on_send
        self.rate_limit = config.rate_limit
        heartbeat = config.heartbeat / 1000.0
        self._batched_timer = BatchedTimer(clock)
        self.setProtocolOptions(
            maxMessagePayloadSize=max_message_size,
            maxFramePayloadSize=max_message_size,
            # Send a real close frame (1009 for oversize, ...) instead of dropping TCP.
            failByDrop=False,
            openHandshakeTimeout=config.open_handshake_timeout / 1000.0,
            closeHandshakeTimeout=config.close_handshake_timeout / 1000.0,
            autoPingInterval=heartbeat,
            autoPingTimeout=heartbeat,
            autoPingRestartOnAnyTraffic=True,
            perMessageCompressionAccept=_accept_deflate if config.compression else _refuse,
        )
        self._sweeper = LoopingCall(self.sweep_idle)
        self._sweeper.clock = clock

    @property
    def sweep_interval(self) -> float:
        # Close no later than idleTimeout + max(1 s, 10 %): sweep at most every second.
        return min(1.0, max(0.05, self.idle_timeout / 10))

    def start(self) -> None:
        if self.idle_timeout and not self._sweeper.running:
            self._sweeper.start(self.sweep_interval, now=False)

    def stop(self) -> None:
        if self._sweeper.running:
            self._sweeper.stop()

    def sweep_idle(self) -> None:
        now = self.clock.seconds()
        for client in list(self.clients):
            idle_for = now - client.last_activity
            if idle_for >= self.idle_timeout:
                client.close_with(CLOSE_GOING_AWAY, "Idle timeout")
            elif self.send_pings_automatically and idle_for >= self.idle_timeout / 2:
                client.ping_for_idle()


def _accept_deflate(offers: list[Any]) -> PerMessageDeflateOfferAccept | None:
    for offer in offers:
        if isinstance(offer, PerMessageDeflateOffer):
            return PerMessageDeflateOfferAccept(offer)
    return None


def _refuse(offers: list[Any]) -> None:
    return None
