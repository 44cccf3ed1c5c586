# -*- test-case-name: tests.network.test_websocket -*-
"""
Test helpers for kuzzle_tx and for applications that embed it: an in-memory
server on a `task.Clock`, and a WebSocket client that speaks raw frames over a
`StringTransport`, so that protocol behaviour can be tested without sockets.
"""

from __future__ import annotations

import base64
import os
import struct
from collections.abc import Mapping
from typing import Any

from twisted.internet.address import IPv4Address
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport

from kuzzle_tx import codec
from kuzzle_tx.config import Config, load_config

OPCODE_TEXT = 0x1
OPCODE_BINARY = 0x2
OPCODE_CLOSE = 0x8
OPCODE_PING = 0x9
OPCODE_PONG = 0xA


def memory_config(**sections: Any) -> Config:
    """
    A configuration from defaults plus the given nested overrides, ignoring the
    environment, with the in-memory storage backend unless told otherwise.
    """
    storage = {"storageEngine": {"backend": "memory"}}
    services = sections.get("services") or {}
    engine = {**storage["storageEngine"], **(services.get("storageEngine") or {})}
    sections = {**sections, "services": {**services, "storageEngine": engine}}
    return load_config(None, env={}, overrides=sections)


def memory_service(config: Config | None = None, clock: Clock | None = None) -> Any:
    """
    A `KuzzleService` that listens nowhere and runs on a `task.Clock`, with the
    in-memory store and passwords hashed inline with cheap argon2 parameters.
    """
    from kuzzle_tx.service import KuzzleService

    return KuzzleService(
        config or memory_config(), clock or Clock(), passwords=InlinePasswordHasher()
    )


class InlinePasswordHasher:
    """
    `kuzzle_tx.security.passwords.PasswordHasher`'s interface, computed in the
    calling thread with argon2's cheapest parameters: for tests on a Clock only.
    """

    def __init__(self) -> None:
        from kuzzle_tx.security.passwords import cheap_argon2

        self._hasher = cheap_argon2()

    def hash(self, password: str) -> Any:
        from twisted.internet.defer import succeed

        return succeed(self._hasher.hash(password))

    def verify(self, stored_hash: str, password: str) -> Any:
        from argon2.exceptions import InvalidHashError, VerificationError
        from twisted.internet.defer import succeed

        try:
            return succeed(self._hasher.verify(stored_hash, password))
        except (VerificationError, InvalidHashError):
            return succeed(False)

    def verify_unknown(self, password: str) -> Any:
        from twisted.internet.defer import succeed

        return succeed(False)

    def needs_rehash(self, stored_hash: str) -> bool:
        return False


def encode_frame(opcode: int, payload: bytes, fin: bool = True, masked: bool = True) -> bytes:
    """One WebSocket frame as a client sends it (masked)."""
    head = bytes([(0x80 if fin else 0) | opcode])
    length = len(payload)
    mask_bit = 0x80 if masked else 0
    if length < 126:
        head += bytes([mask_bit | length])
    elif length < 65536:
        head += bytes([mask_bit | 126]) + struct.pack("!H", length)
    else:
        head += bytes([mask_bit | 127]) + struct.pack("!Q", length)
    if not masked:
        return head + payload
    key = os.urandom(4)
    return head + key + bytes(byte ^ key[i % 4] for i, byte in enumerate(payload))


def decode_frames(data: bytes) -> tuple[list[tuple[int, bytes]], bytes]:
    """Split unmasked server frames; return ``[(opcode, payload)]`` and the leftover bytes."""
    frames = []
    while len(data) >= 2:
        opcode = data[0] & 0x0F
        length = data[1] & 0x7F
        offset = 2
        if length == 126:
            if len(data) < 4:
                break
            (length,) = struct.unpack("!H", data[2:4])
            offset = 4
        elif length == 127:
            if len(data) < 10:
                break
            (length,) = struct.unpack("!Q", data[2:10])
            offset = 10
        if len(data) < offset + length:
            break
        frames.append((opcode, data[offset : offset + length]))
        data = data[offset + length :]
    return frames, data


class _ServerSideTransport(StringTransport):
    """A StringTransport that behaves like a TCP transport where autobahn relies on it."""

    aborted = False

    def unregisterProducer(self) -> None:  # noqa: N802
        self.producer = None

    def abortConnection(self) -> None:  # noqa: N802
        self.aborted = True
        self.disconnecting = True


class MemoryWebSocketClient:
    """
    A WebSocket client wired to a server protocol through a `StringTransport`.

    ``client = MemoryWebSocketClient(service.websocket_factory)`` performs the
    opening handshake; then `send_json`, `ping`, `frames` and `messages` let a
    test talk to the server and read what it wrote.
    """

    def __init__(
        self,
        factory: Any,
        path: str = "/",
        protocols: tuple[str, ...] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.transport = _ServerSideTransport(peerAddress=IPv4Address("TCP", "127.0.0.1", 50000))
        self.protocol = factory.buildProtocol(self.transport.getPeer())
        self.protocol.makeConnection(self.transport)
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [
            f"GET {path} HTTP/1.1",
            "Host: localhost",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {key}",
            "Sec-WebSocket-Version: 13",
        ]
        if protocols:
            lines.append("Sec-WebSocket-Protocol: " + ", ".join(protocols))
        lines.extend(f"{name}: {value}" for name, value in (headers or {}).items())
        self.protocol.dataReceived(("\r\n".join(lines) + "\r\n\r\n").encode())
        response = self.transport.value()
        head, _, rest = response.partition(b"\r\n\r\n")
        self.handshake = head.decode("latin-1")
        self._pending = rest
        self.transport.clear()
        self._frames: list[tuple[int, bytes]] = []

    @property
    def opened(self) -> bool:
        return self.handshake.startswith("HTTP/1.1 101")

    def send_frame(self, opcode: int, payload: bytes, fin: bool = True) -> None:
        self.protocol.dataReceived(encode_frame(opcode, payload, fin))

    def send_text(self, text: str | bytes) -> None:
        self.send_frame(OPCODE_TEXT, text.encode() if isinstance(text, str) else text)

    def send_json(self, value: Any) -> None:
        self.send_text(codec.dumps(value))

    def ping(self, payload: bytes = b"") -> None:
        self.send_frame(OPCODE_PING, payload)

    def pong(self, payload: bytes = b"") -> None:
        self.send_frame(OPCODE_PONG, payload)

    def frames(self) -> list[tuple[int, bytes]]:
        """Every frame the server has written so far (kept across calls)."""
        data = self._pending + self.transport.value()
        self.transport.clear()
        frames, self._pending = decode_frames(data)
        self._frames.extend(frames)
        return list(self._frames)

    def messages(self) -> list[Any]:
        """The server's text frames, JSON-decoded."""
        return [codec.loads(payload) for opcode, payload in self.frames() if opcode == OPCODE_TEXT]

    def close_code(self) -> int | None:
        """The code of the close frame the server sent, if any."""
        for opcode, payload in self.frames():
            if opcode == OPCODE_CLOSE and len(payload) >= 2:
                return int(struct.unpack("!H", payload[:2])[0])
        return None

    @property
    def disconnected(self) -> bool:
        return bool(self.transport.disconnecting) or getattr(self.transport, "disconnected", False)

    def drop(self) -> None:
        """The TCP connection goes away without a closing handshake."""
        from twisted.internet.error import ConnectionLost
        from twisted.python.failure import Failure

        self.protocol.connectionLost(Failure(ConnectionLost()))
