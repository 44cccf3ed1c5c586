"""
`kuzzle_tx.network.frames.next_text_frame`: which frames it reads itself, and
that it unmasks them exactly; everything else is left to autobahn.
"""

from __future__ import annotations

import struct

from twisted.trial.unittest import SynchronousTestCase

from kuzzle_tx.network.frames import NEED_MORE, NOT_MINE, next_text_frame
from kuzzle_tx.testing import (
    OPCODE_BINARY,
    OPCODE_CLOSE,
    OPCODE_PING,
    OPCODE_TEXT,
    encode_frame,
)

LIMIT = 65535


class ReadTests(SynchronousTestCase):
    def test_short_frame(self) -> None:
        frame = encode_frame(OPCODE_TEXT, b'{"controller":"server","action":"now"}')
        self.assertEqual(
            next_text_frame(frame, 0, LIMIT),
            (len(frame), b'{"controller":"server","action":"now"}'),
        )

    def test_every_length_around_the_encodings(self) -> None:
        """Lengths 0..300 (7-bit and 16-bit lengths) and 65535, unmasked byte for byte."""
        for length in [*range(301), 65535]:
            payload = bytes(range(256)) * (length // 256) + bytes(range(length % 256))
            frame = encode_frame(OPCODE_TEXT, payload)
            self.assertEqual(next_text_frame(frame, 0, LIMIT), (len(frame), payload), length)

    def test_frames_one_after_another(self) -> None:
        payloads = [b"a", b"b" * 200, b"", b"c" * 126]
        data = b"".join(encode_frame(OPCODE_TEXT, payload) for payload in payloads)
        offset, read = 0, []
        while offset < len(data):
            offset, payload = next_text_frame(data, offset, LIMIT)
            read.append(payload)
        self.assertEqual(read, payloads)
        self.assertEqual(next_text_frame(data, offset, LIMIT), (NEED_MORE, b""))

    def test_incomplete_frames_wait(self) -> None:
        """Every proper prefix of one of its frames: wait for more bytes."""
        for payload in (b"x" * 10, b"y" * 300):
            frame = encode_frame(OPCODE_TEXT, payload)
            for cut in range(len(frame)):
                self.assertEqual(next_text_frame(frame[:cut], 0, LIMIT), (NEED_MORE, b""), cut)

    def test_other_frames_are_not_read(self) -> None:
        others = {
            "binary": encode_frame(OPCODE_BINARY, b"x"),
            "ping": encode_frame(OPCODE_PING, b""),
            "close": encode_frame(OPCODE_CLOSE, struct.pack("!H", 1000)),
            "first fragment": encode_frame(OPCODE_TEXT, b"x", fin=False),
            "continuation": encode_frame(0, b"x"),
            "unmasked": encode_frame(OPCODE_TEXT, b"x", masked=False),
            "64-bit length": encode_frame(OPCODE_TEXT, b"x" * 65536),
            "RSV1 (compressed)": bytes([0xC1]) + encode_frame(OPCODE_TEXT, b"x")[1:],
            "RSV3": bytes([0x91]) + encode_frame(OPCODE_TEXT, b"x")[1:],
            # 16-bit length field holding a length that fits in 7 bits.
            "not minimal": bytes([0x81, 0xFE, 0, 5]) + b"mask" + b"hello",
        }
        for name, frame in others.items():
            self.assertEqual(next_text_frame(frame, 0, LIMIT), (NOT_MINE, b""), name)

    def test_over_the_limit_is_not_read(self) -> None:
        """autobahn answers an oversize frame (1009): it is not read here."""
        frame = encode_frame(OPCODE_TEXT, b"x" * 101)
        self.assertEqual(next_text_frame(frame, 0, 100), (NOT_MINE, b""))
        self.assertEqual(next_text_frame(frame, 0, 101), (len(frame), b"x" * 101))

    def test_oversize_header_alone_is_enough_to_refuse(self) -> None:
        """An oversize frame is handed over as soon as its length is known, not buffered."""
        header = encode_frame(OPCODE_TEXT, b"x" * 1000)[:4]
        self.assertEqual(next_text_frame(header, 0, 100), (NOT_MINE, b""))

    def test_offset(self) -> None:
        first, second = encode_frame(OPCODE_TEXT, b"one"), encode_frame(OPCODE_TEXT, b"two")
        self.assertEqual(
            next_text_frame(first + second, len(first), LIMIT), (len(first + second), b"two")
        )
