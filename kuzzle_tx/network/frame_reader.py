# -*- test-case-name: tests.network.test_websocket_frames,tests.conformance.test_autobahn -*-
"""
`TextFrameProtocol`: autobahn's server protocol, reading whole client text frames
in one step (`kuzzle_tx.network.frames.next_text_frame`) and everything else as
autobahn does. Subclasses implement ``onMessage`` as usual; the Kuzzle protocol
and the Autobahn|Testsuite echo endpoint of the tests both build on it.

What autobahn does per data frame and is kept here: a data frame answers a
pending auto-ping, ``trafficStats`` counts frames, messages and octets, and a
text message that is not UTF-8 fails the connection with 1007. Not fired for
these frames: autobahn's ``message`` observer event.
"""

from __future__ import annotations

from autobahn.twisted.websocket import WebSocketServerProtocol

from kuzzle_tx.network.frames import NEED_MORE, NOT_MINE, next_text_frame


class TextFrameProtocol(WebSocketServerProtocol):
    # Options autobahn copies from its factory onto each protocol (untyped there).
    applyMask: bool
    logFrames: bool
    logOctets: bool
    maxFramePayloadSize: int
    maxMessagePayloadSize: int

    # Whether whole text frames are read here (decided once open), and the largest
    # payload that may be (autobahn's size limits, 0 meaning none).
    _reads_text_frames = False
    _text_frame_limit = 0

    def _onOpen(self) -> None:  # noqa: N802
        # Compression, autobahn's frame logs and timings need its own frame reader.
        self._reads_text_frames = (
            self._perMessageCompress is None
            and self.applyMask
            and not self.logFrames
            and not self.logOctets
            and not self.trackedTimings
        )
        limits = [n for n in (self.maxFramePayloadSize, self.maxMessagePayloadSize) if n > 0]
        self._text_frame_limit = min(limits, default=0xFFFF)
        super()._onOpen()

    def processData(self) -> bool:  # noqa: N802
        # autobahn calls this while it returns True; the data is in self.data.
        if (
            self._reads_text_frames
            and self.current_frame is None
            and not self.inside_message
            and self.state == self.STATE_OPEN
        ):
            return self._read_text_frames()
        return bool(super().processData())

    def _read_text_frames(self) -> bool:
        data = self.data
        offset = 0
        stats = self.trafficStats
        while self.state == self.STATE_OPEN:
            end, payload = next_text_frame(data, offset, self._text_frame_limit)
            if end < 0:
                break
            stats.incomingWebSocketFrames += 1
            stats.incomingWebSocketMessages += 1
            stats.incomingOctetsWebSocketLevel += len(payload)
            stats.incomingOctetsAppLevel += len(payload)
            offset = end
            if self.autoPingTimeoutCall and self.autoPingRestartOnAnyTraffic:
                self._cancelAutoPingTimeoutCall()  # any data frame answers a heartbeat
            if not payload.isascii() and not _is_utf8(payload):
                self.data = data[offset:]
                self._invalid_payload("invalid UTF-8 in a text message")
                return bool(self.data)
            self.onMessage(payload, False)
        else:
            end = NOT_MINE  # closing: autobahn reads what follows
        self.data = data[offset:]
        if end == NEED_MORE:
            return False
        return bool(self.data) and bool(super().processData())


def _is_utf8(payload: bytes) -> bool:
    try:
        payload.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
