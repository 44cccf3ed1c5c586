# -*- test-case-name: tests.network.test_http_body -*-
"""
Decoding an HTTP request body as Kuzzle does: content-type and charset
checks, ``Content-Encoding`` layers (bounded, and bounded in decoded size so a
compressed bomb cannot grow past ``maxRequestSize``), then JSON or urlencoded.
"""

from __future__ import annotations

import functools
import zlib
from typing import Any
from urllib.parse import parse_qsl

from kuzzle_tx import codec
from kuzzle_tx.errors import KuzzleError

ACCEPTED_CONTENT_TYPES = frozenset(
    ("application/json", "application/x-www-form-urlencoded", "multipart/form-data")
)


def decode_body(
    raw: bytes,
    content_type: str | None,
    content_encoding: str | None,
    *,
    allow_compression: bool,
    max_encoding_layers: int,
    max_size: int,
    additional_content_types: tuple[str, ...] = (),
) -> Any:
    """Return the parsed body (None when empty), or raise the KuzzleError a client should see."""
    media_type = _check_content_type(content_type, additional_content_types)
    if content_encoding:
        raw = _decompress(raw, content_encoding, allow_compression, max_encoding_layers, max_size)
    if not raw:
        return None
    if media_type == "application/x-www-form-urlencoded":
        return dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
    if media_type == "multipart/form-data":
        # Accepted by Kuzzle for file uploads; kuzzle_tx does not parse it (yet).
        raise KuzzleError("network.http.unsupported_content", content_type)
    try:
        return codec.loads(raw)
    except ValueError:
        raise KuzzleError(
            "network.http.body_parse_failed", raw[:50].decode("utf-8", "replace")
        ) from None


@functools.lru_cache(maxsize=64)
def _check_content_type(content_type: str | None, additional: tuple[str, ...]) -> str | None:
    # Cached: clients send the same few content types over and over.
    if not content_type:
        return None
    media_type, _, parameters = content_type.partition(";")
    media_type = media_type.strip().lower()
    if media_type not in ACCEPTED_CONTENT_TYPES and media_type not in additional:
        raise KuzzleError("network.http.unsupported_content", media_type)
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
            if charset not in ("utf-8", "utf8"):
                raise KuzzleError("network.http.unsupported_charset", charset)
    return media_type


def _decompress(raw: bytes, header: str, allowed: bool, max_layers: int, max_size: int) -> bytes:
    encodings = [name.strip().lower() for name in header.split(",") if name.strip()]
    if not encodings or encodings == ["identity"]:
        return raw
    if not allowed:
        raise KuzzleError("network.http.compression_disabled")
    if len(encodings) > max_layers:
        raise KuzzleError("network.http.too_many_encodings")
    for encoding in reversed(encodings):
        if encoding == "identity":
            continue
        if encoding == "gzip":
            raw = _inflate(raw, zlib.MAX_WBITS | 16, max_size)
        elif encoding == "deflate":
            raw = _inflate(raw, zlib.MAX_WBITS, max_size)
        else:
            raise KuzzleError("network.http.unsupported_compression", encoding)
    return raw


def _inflate(raw: bytes, wbits: int, max_size: int) -> bytes:
    decompressor = zlib.decompressobj(wbits)
    try:
        data = decompressor.decompress(raw, max_size + 1)
    except zlib.error as error:
        raise KuzzleError("network.http.unexpected_error", f"invalid compressed body: {error}")
    if len(data) > max_size or decompressor.unconsumed_tail:
        raise KuzzleError("network.http.request_too_large")
    if not decompressor.eof:
        raise KuzzleError("network.http.unexpected_error", "unexpected end of compressed body")
    return data
