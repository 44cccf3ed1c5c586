"""
The WebSocket protocol reads whole text frames itself (`kuzzle_tx.network.frames`)
and leaves every other frame to autobahn: the same bytes must give the same
answers, frames and close codes either way, however TCP splits them.
"""

from __future__ import annotations

import json
import random
import struct
import zlib
from typing import Any

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from kuzzle_tx.testing import (
    OPCODE_BINARY,
    OPCODE_CLOSE,
    OPCODE_PING,
    OPCODE_PONG,
    OPCODE_TEXT,
    MemoryWebSocketClient,
    encode_frame,
)
from tests.network.test_websocket import websocket_service


def request(request_id: str, **extra: Any) -> bytes:
    payload = {"controller": "server", "action": "now", "requestId": request_id, **extra}
    return encode_frame(OPCODE_TEXT, json.dumps(payload).encode())


def text(payload: bytes) -> bytes:
    return encode_frame(OPCODE_TEXT, payload)


# A stream mixing the frames read here with those autobahn reads.
MIXED = b"".join(
    [
        request("a"),
        encode_frame(OPCODE_PING, b"hi"),
        request("b", jwt=None, volatile={"x": "é" * 100}),
        text(b'{"p":1}'),
        encode_frame(OPCODE_TEXT, b'{"controller":"server",', fin=False),
        encode_frame(OPCODE_PING, b"mid"),
        encode_frame(0, b'"action":"now","requestId":"fragmented"}'),
        request("c", padding="x" * 300),
        text(b"not json"),
        text(b"[1, 2]"),
        text(b""),
        request("d"),
    ]
)


class ReaderComparison(SynchronousTestCase):
    """Clients of one service, reading frames with kuzzle_tx's reader or autobahn's only."""

    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(1_700_000_000)
        self.service = websocket_service(self.clock)

    def client(self, reads_frames: bool = True) -> MemoryWebSocketClient:
        client = MemoryWebSocketClient(self.service.websocket_factory)
        self.assertTrue(client.protocol._reads_text_frames)
        client.protocol._reads_text_frames = reads_frames
        return client

    def answers(self, client: MemoryWebSocketClient) -> list[tuple[int, Any]]:
        """Frames as (opcode, payload), generated request ids blanked out, close codes only."""
        found: list[tuple[int, Any]] = []
        for opcode, payload in client.frames():
            if opcode == OPCODE_TEXT:
                message = json.loads(payload)
                if "room" not in message:  # an error sent before any request existed
                    message["requestId"] = "generated"
                found.append((opcode, message))
            elif opcode == OPCODE_CLOSE:
                found.append((opcode, payload[:2]))  # the code; reasons are worded apart
            else:
                found.append((opcode, payload))
        return found


class SameAnswersTests(ReaderComparison):
    def test_mixed_stream_in_one_read(self) -> None:
        fast, reference = self.client(), self.client(reads_frames=False)
        fast.protocol.dataReceived(MIXED)
        reference.protocol.dataReceived(MIXED)
        answers = self.answers(fast)
        self.assertEqual(answers, self.answers(reference))
        rooms = [m.get("room") for opcode, m in answers if opcode == OPCODE_TEXT]
        self.assertEqual(rooms, ["a", "b", None, "fragmented", "c", None, None, "d"])
        self.assertEqual([m for opcode, m in answers if opcode == OPCODE_PONG], [b"hi", b"mid"])

    def test_every_split_in_two_reads(self) -> None:
        """Cut anywhere, the stream gets the answers it gets in one read."""
        whole = self.client(reads_frames=False)
        whole.protocol.dataReceived(MIXED)
        expected = self.answers(whole)
        for cut in range(0, len(MIXED), 7):
            client = self.client()
            client.protocol.dataReceived(MIXED[:cut])
            client.protocol.dataReceived(MIXED[cut:])
            self.assertEqual(self.answers(client), expected, cut)

    def test_byte_by_byte(self) -> None:
        client = self.client()
        for byte in MIXED:
            client.protocol.dataReceived(bytes([byte]))
        reference = self.client(reads_frames=False)
        reference.protocol.dataReceived(MIXED)
        self.assertEqual(self.answers(client), self.answers(reference))

    def test_many_requests_in_one_read_answer_in_order(self) -> None:
        client = self.client()
        client.protocol.dataReceived(b"".join(request(str(n)) for n in range(500)))
        self.assertEqual([m["room"] for m in client.messages()], [str(n) for n in range(500)])

    def test_traffic_stats_count_the_frames(self) -> None:
        fast, reference = self.client(), self.client(reads_frames=False)
        for client in (fast, reference):
            client.protocol.dataReceived(request("a") + request("b", body={"é": 1}))
        for name in (
            "incomingWebSocketFrames",
            "incomingWebSocketMessages",
            "incomingOctetsWebSocketLevel",
            "incomingOctetsAppLevel",
        ):
            self.assertEqual(
                getattr(fast.protocol.trafficStats, name),
                getattr(reference.protocol.trafficStats, name),
                name,
            )
        self.assertEqual(fast.protocol.trafficStats.incomingWebSocketMessages, 2)


class RandomStreamTests(ReaderComparison):
    """Seeded random streams of frames, cut at random places: both readers agree."""

    def random_frame(self, rng: random.Random) -> bytes:
        kind = rng.random()
        if kind < 0.5:
            return request(f"r{rng.randrange(1000)}", pad="é" * rng.randrange(0, 80))
        if kind < 0.6:
            return text(bytes(rng.randrange(256) for _ in range(rng.randrange(0, 40))))
        if kind < 0.7:
            return encode_frame(OPCODE_PING, rng.randbytes(rng.randrange(0, 20)))
        if kind < 0.8:
            payload = {"controller": "server", "action": "now", "requestId": "fragmented"}
            body = json.dumps(payload).encode()
            cut = rng.randrange(1, len(body))
            return (
                encode_frame(OPCODE_TEXT, body[:cut], fin=False)
                + encode_frame(OPCODE_PING, b"p")
                + encode_frame(0, body[cut:])
            )
        if kind < 0.9:
            return text(b'{"p":1}')
        return encode_frame(OPCODE_BINARY, b'{"controller":"server","requestId":"binary"}')

    def test_random_streams(self) -> None:
        rng = random.Random(5)
        for round_number in range(200):
            stream = b"".join(self.random_frame(rng) for _ in range(rng.randrange(1, 12)))
            reference = self.client(reads_frames=False)
            reference.protocol.dataReceived(stream)
            client = self.client()
            cuts = sorted(rng.sample(range(len(stream)), min(len(stream) - 1, 5)))
            for start, end in zip([0, *cuts], [*cuts, len(stream)], strict=True):
                client.protocol.dataReceived(stream[start:end])
            self.assertEqual(self.answers(client), self.answers(reference), round_number)


class ProtocolErrorTests(SynchronousTestCase):
    """Broken frames close the socket with the code autobahn uses, on both paths."""

    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(1_700_000_000)
        self.service = websocket_service(self.clock)

    def close_codes(self, data: bytes) -> tuple[int | None, int | None]:
        codes = []
        for reads_frames in (True, False):
            client = MemoryWebSocketClient(self.service.websocket_factory)
            client.protocol._reads_text_frames = reads_frames
            client.protocol.dataReceived(data)
            codes.append(client.close_code())
        return codes[0], codes[1]

    def test_invalid_utf8(self) -> None:
        for payload in (b'{"a":"\xff"}', b'"\xed\xa0\x80"', b"\xc0\xaf", b"ok\xe2\x82"):
            self.assertEqual(self.close_codes(text(payload)), (1007, 1007), payload)

    def test_invalid_utf8_stops_what_follows(self) -> None:
        client = MemoryWebSocketClient(self.service.websocket_factory)
        client.protocol.dataReceived(request("before") + text(b"\xff") + request("after"))
        self.assertEqual([m["room"] for m in client.messages()], ["before"])
        self.assertEqual(client.close_code(), 1007)

    def test_unmasked_frame(self) -> None:
        frame = encode_frame(OPCODE_TEXT, b'{"p":1}', masked=False)
        self.assertEqual(self.close_codes(frame), (1002, 1002))

    def test_text_frame_inside_a_fragmented_message(self) -> None:
        data = encode_frame(OPCODE_TEXT, b"{", fin=False) + text(b"{}")
        self.assertEqual(self.close_codes(data), (1002, 1002))

    def test_reserved_bits(self) -> None:
        data = bytes([0xC1]) + text(b"{}")[1:]
        self.assertEqual(self.close_codes(data), (1002, 1002))

    def test_not_minimal_length(self) -> None:
        data = bytes([0x81, 0xFE, 0, 2, 0, 0, 0, 0]) + b"{}"
        self.assertEqual(self.close_codes(data), (1002, 1002))

    def test_binary_frame_is_still_answered(self) -> None:
        fast = MemoryWebSocketClient(self.service.websocket_factory)
        fast.protocol.dataReceived(
            encode_frame(OPCODE_BINARY, b'{"controller":"server","action":"now","requestId":"b"}')
        )
        self.assertEqual([m["room"] for m in fast.messages()], ["b"])

    def test_close_then_frames(self) -> None:
        """After the client's close frame, text frames are not requests any more."""
        client = MemoryWebSocketClient(self.service.websocket_factory)
        close = encode_frame(OPCODE_CLOSE, struct.pack("!H", 1000))
        client.protocol.dataReceived(request("a") + close + request("late"))
        self.assertEqual([m["room"] for m in client.messages()], ["a"])
        self.assertEqual(client.close_code(), 1000)


class CompressionTests(SynchronousTestCase):
    def test_compressed_sockets_use_autobahn(self) -> None:
        clock = Clock()
        service = websocket_service(clock, compression=True)
        client = MemoryWebSocketClient(
            service.websocket_factory, headers={"Sec-WebSocket-Extensions": "permessage-deflate"}
        )
        self.assertIn("permessage-deflate", client.handshake)
        self.assertFalse(client.protocol._reads_text_frames)
        # An uncompressed text frame is still a message on a compressed socket.
        client.protocol.dataReceived(request("plain"))
        [(opcode, compressed)] = client.frames()
        inflated = zlib.decompressobj(-zlib.MAX_WBITS).decompress(compressed + b"\x00\x00\xff\xff")
        self.assertEqual(json.loads(inflated)["room"], "plain")


class HeartbeatTests(SynchronousTestCase):
    def test_a_request_answers_a_pending_ping(self) -> None:
        """With heartbeat on, a text frame read here cancels the ping's timeout, as autobahn."""
        clock = Clock()
        service = websocket_service(clock, heartbeat=1000)
        client = MemoryWebSocketClient(service.websocket_factory)
        clock.advance(1.0)  # the server pings
        self.assertIn(OPCODE_PING, [opcode for opcode, _ in client.frames()])
        self.assertIsNotNone(client.protocol.autoPingTimeoutCall)
        client.protocol.dataReceived(request("busy"))
        self.assertIsNone(client.protocol.autoPingTimeoutCall)
        clock.advance(0.9)
        self.assertFalse(client.disconnected)
