# -*- test-case-name: tests.network.test_frames -*-
"""
The one frame shape Kuzzle clients send all the time, read in one step.

Every request is a single text frame from the client: FIN set, no RSV bit,
masked, a few hundred bytes. autobahn reads such a frame through a dozen
callbacks (frame begin, data, end, message begin, frame, end, the ``message``
event) and a masker object per frame; that was most of the server's time per
request. `next_text_frame` reads it directly; any other frame (control,
fragmented, binary, compressed, 64-bit length, over the size limits, or
malformed) is left to autobahn, which checks and handles it as before.
"""

from __future__ import annotations

try:
    from websockets.speedups import apply_mask
except ImportError:  # pragma: no cover - websockets without its C extension
    from websockets.utils import apply_mask

# `next_text_frame` answers these instead of an offset.
NEED_MORE = -1  # the frame is one of ours, not complete yet: wait for more bytes
NOT_MINE = -2  # any other frame: autobahn reads it

_FIN_TEXT = 0x81
_MASKED = 0x80


def next_text_frame(data: bytes, offset: int, limit: int) -> tuple[int, bytes]:
    """
    Read the frame starting at ``data[offset]`` if it is a whole text message
    from a client of at most ``limit`` bytes: ``(offset after it, unmasked
    payload)``. Otherwise ``(NEED_MORE, b"")`` or ``(NOT_MINE, b"")``.

    The payload is not checked for UTF-8 here.
    """
    available = len(data) - offset
    if available < 2:
        return NEED_MORE, b""
    if data[offset] != _FIN_TEXT:
        return NOT_MINE, b""
    second = data[offset + 1]
    if not second & _MASKED:
        return NOT_MINE, b""
    length = second & 0x7F
    if length < 126:
        start = offset + 6
    elif length == 126:
        if available < 4:
            return NEED_MORE, b""
        length = (data[offset + 2] << 8) | data[offset + 3]
        if length < 126:
            return NOT_MINE, b""  # not the shortest encoding: a protocol error for autobahn
        start = offset + 8
    else:
        return NOT_MINE, b""
    if length > limit:
        return NOT_MINE, b""
    end = start + length
    if end > len(data):
        return NEED_MORE, b""
    return end, apply_mask(data[start:end], data[start - 4 : start])
