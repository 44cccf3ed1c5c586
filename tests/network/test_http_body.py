# -*- test-case-name: tests.network.test_http_body -*-
"""
Tests for `kuzzle_tx.network.http_body.decode_body`: content types, charsets,
``Content-Encoding`` layers and the decoded-size bound (kuzzle-api.md §1.2).
"""

from __future__ import annotations

import gzip
import zlib
from typing import Any

from twisted.trial.unittest import SynchronousTestCase

from kuzzle_tx.errors import KuzzleError
from kuzzle_tx.network.http_body import decode_body

MAX_SIZE = 1024 * 1024


def decode(
    raw: bytes,
    content_type: str | None = "application/json",
    content_encoding: str | None = None,
    *,
    allow_compression: bool = True,
    max_encoding_layers: int = 3,
    max_size: int = MAX_SIZE,
    additional_content_types: tuple[str, ...] = (),
) -> Any:
    return decode_body(
        raw,
        content_type,
        content_encoding,
        allow_compression=allow_compression,
        max_encoding_layers=max_encoding_layers,
        max_size=max_size,
        additional_content_types=additional_content_types,
    )


class DecodeBodyTestsMixin:
    def assertKuzzleError(  # noqa: N802
        self, error_id: str, status: int, *args: Any, **kwargs: Any
    ) -> KuzzleError:
        error = self.assertRaises(KuzzleError, decode, *args, **kwargs)  # type: ignore[attr-defined]
        self.assertEqual((error.id, error.status), (error_id, status))  # type: ignore[attr-defined]
        return error


class ContentTypeTests(DecodeBodyTestsMixin, SynchronousTestCase):
    def test_json_object(self) -> None:
        """A JSON body is parsed into the matching Python value."""
        self.assertEqual(decode(b'{"a":1,"b":[true,null]}'), {"a": 1, "b": [True, None]})

    def test_json_array(self) -> None:
        """A JSON array body is parsed too (``m*`` actions take arrays)."""
        self.assertEqual(decode(b"[1,2]"), [1, 2])

    def test_json_with_utf8_charset(self) -> None:
        """``charset=utf-8`` (any case, quoted or not) is accepted."""
        for content_type in (
            "application/json; charset=utf-8",
            "application/json;charset=UTF-8",
            'application/json; charset="utf-8"',
        ):
            self.assertEqual(decode(b'{"a":"\xc3\xa9"}', content_type), {"a": "\u00e9"})

    def test_media_type_case_insensitive(self) -> None:
        """The media type is compared case-insensitively."""
        self.assertEqual(decode(b'{"a":1}', "Application/JSON"), {"a": 1})

    def test_missing_content_type_is_json(self) -> None:
        """Without a Content-Type header the body is parsed as JSON."""
        self.assertEqual(decode(b'{"a":1}', None), {"a": 1})

    def test_urlencoded(self) -> None:
        """An urlencoded body becomes a flat object of strings."""
        self.assertEqual(
            decode(b"a=1&b=x%20y&c=", "application/x-www-form-urlencoded"),
            {"a": "1", "b": "x y", "c": ""},
        )

    def test_empty_body_is_none(self) -> None:
        """An empty body is None, whatever the content type."""
        self.assertIsNone(decode(b""))
        self.assertIsNone(decode(b"", None))
        self.assertIsNone(decode(b"", "application/x-www-form-urlencoded"))

    def test_bad_json(self) -> None:
        """Invalid JSON is a 400 ``body_parse_failed`` that quotes the body."""
        error = self.assertKuzzleError("network.http.body_parse_failed", 400, b"{nope")
        self.assertEqual(error.props, ["{nope"])

    def test_bad_json_props_truncated_to_50_chars(self) -> None:
        """Only the first 50 characters of an unparsable body are echoed back."""
        raw = b"x" * 30 + b"y" * 70
        error = self.assertKuzzleError("network.http.body_parse_failed", 400, raw)
        self.assertEqual(error.props, ["x" * 30 + "y" * 20])
        self.assertIn("x" * 30 + "y" * 20, error.message)
        self.assertNotIn("y" * 21, error.message)

    def test_invalid_utf8_is_a_parse_failure(self) -> None:
        """A body that is not UTF-8 is a parse failure, not an unexpected exception."""
        self.assertKuzzleError("network.http.body_parse_failed", 400, b'{"a":"\xff\xfe"}')

    def test_unsupported_content_type(self) -> None:
        """A media type outside the accepted list is a 400 ``unsupported_content``."""
        error = self.assertKuzzleError(
            "network.http.unsupported_content", 400, b"hello", "text/plain; charset=utf-8"
        )
        self.assertEqual(error.props, ["text/plain"])

    def test_additional_content_types(self) -> None:
        """``additionalContentTypes`` are accepted and their body is parsed as JSON."""
        self.assertEqual(
            decode(b'{"a":1}', "text/plain", additional_content_types=("text/plain",)),
            {"a": 1},
        )

    def test_latin1_charset(self) -> None:
        """A charset other than utf-8 is a 400 ``unsupported_charset`` naming it."""
        error = self.assertKuzzleError(
            "network.http.unsupported_charset",
            400,
            b'{"a":1}',
            "application/json; charset=latin-1",
        )
        self.assertEqual(error.props, ["latin-1"])

    def test_content_type_checked_before_encoding(self) -> None:
        """The content type is refused before any decompression is attempted."""
        self.assertKuzzleError(
            "network.http.unsupported_content", 400, b"not gzip", "text/plain", "gzip"
        )


class ContentEncodingTests(DecodeBodyTestsMixin, SynchronousTestCase):
    body = b'{"controller":"server","action":"now"}'
    parsed = {"controller": "server", "action": "now"}

    def test_gzip(self) -> None:
        """A gzip body is decompressed before parsing."""
        self.assertEqual(decode(gzip.compress(self.body), content_encoding="gzip"), self.parsed)

    def test_deflate(self) -> None:
        """A deflate (zlib) body is decompressed before parsing."""
        self.assertEqual(decode(zlib.compress(self.body), content_encoding="deflate"), self.parsed)

    def test_encoding_name_case_and_spaces(self) -> None:
        """Encoding names are case-insensitive and surrounding spaces are ignored."""
        self.assertEqual(decode(gzip.compress(self.body), content_encoding=" GZip "), self.parsed)

    def test_layers_decoded_in_reverse_order(self) -> None:
        """``gzip, deflate`` means gzip was applied first: deflate is undone first."""
        raw = zlib.compress(gzip.compress(self.body))
        self.assertEqual(decode(raw, content_encoding="gzip, deflate"), self.parsed)

    def test_identity(self) -> None:
        """``identity`` layers leave the body unchanged, alone or among others."""
        self.assertEqual(decode(self.body, content_encoding="identity"), self.parsed)
        raw = gzip.compress(self.body)
        self.assertEqual(decode(raw, content_encoding="identity, gzip"), self.parsed)

    def test_too_many_layers(self) -> None:
        """More layers than ``maxEncodingLayers`` is a 400 ``too_many_encodings``."""
        raw = self.body
        for _ in range(4):
            raw = gzip.compress(raw)
        self.assertKuzzleError(
            "network.http.too_many_encodings", 400, raw, content_encoding="gzip,gzip,gzip,gzip"
        )

    def test_as_many_layers_as_allowed(self) -> None:
        """Exactly ``maxEncodingLayers`` layers are decoded."""
        raw = gzip.compress(zlib.compress(gzip.compress(self.body)))
        self.assertEqual(decode(raw, content_encoding="gzip, deflate, gzip"), self.parsed)

    def test_unknown_encoding(self) -> None:
        """An encoding other than identity/gzip/deflate is a 400 naming it."""
        error = self.assertKuzzleError(
            "network.http.unsupported_compression", 400, self.body, content_encoding="br"
        )
        self.assertEqual(error.props, ["br"])

    def test_compression_disabled(self) -> None:
        """With ``allowCompression`` false, a compressed body is refused."""
        self.assertKuzzleError(
            "network.http.compression_disabled",
            400,
            gzip.compress(self.body),
            content_encoding="gzip",
            allow_compression=False,
        )

    def test_identity_allowed_when_compression_disabled(self) -> None:
        """``identity`` is not compression: accepted even with ``allowCompression`` false."""
        self.assertEqual(
            decode(self.body, content_encoding="identity", allow_compression=False), self.parsed
        )

    def test_gzip_bomb(self) -> None:
        """
        A small gzip body that inflates past ``maxRequestSize`` is a 413
        ``request_too_large``, without being inflated in full.
        """
        bomb = gzip.compress(b" " * (20 * MAX_SIZE))
        self.assertLess(len(bomb), MAX_SIZE // 10)
        self.assertKuzzleError(
            "network.http.request_too_large", 413, bomb, content_encoding="gzip"
        )

    def test_nested_bomb(self) -> None:
        """A bomb hidden under a second layer is caught as well."""
        bomb = zlib.compress(gzip.compress(b" " * (20 * MAX_SIZE)))
        self.assertKuzzleError(
            "network.http.request_too_large", 413, bomb, content_encoding="gzip, deflate"
        )

    def test_decoded_size_at_limit(self) -> None:
        """A body that inflates to exactly ``maxRequestSize`` bytes is accepted."""
        body = b'"' + b"a" * 1022 + b'"'
        self.assertEqual(
            decode(gzip.compress(body), content_encoding="gzip", max_size=1024), "a" * 1022
        )
        self.assertKuzzleError(
            "network.http.request_too_large",
            413,
            gzip.compress(body + b" "),
            content_encoding="gzip",
            max_size=1024,
        )

    def test_corrupt_gzip(self) -> None:
        """Bytes that are not valid gzip give a 400 KuzzleError, not another exception."""
        valid = gzip.compress(self.body)
        for raw in (
            b"definitely not gzip",
            b"\x1f\x8b\x09" + valid[3:],  # unknown compression method
            valid[:12] + bytes(byte ^ 0xFF for byte in valid[12:20]) + valid[20:],
        ):
            error = self.assertRaises(KuzzleError, decode, raw, content_encoding="gzip")
            self.assertEqual(error.status, 400, raw)

    def test_corrupt_deflate(self) -> None:
        """Bytes that are not deflate give a 400 KuzzleError."""
        error = self.assertRaises(KuzzleError, decode, b"\x00\x01\x02", content_encoding="deflate")
        self.assertEqual(error.status, 400)

    def test_gzip_checksum_mismatch(self) -> None:
        """A gzip body whose CRC does not match its content is refused with a 400."""
        raw = bytearray(gzip.compress(self.body))
        raw[-8] ^= 0xFF
        error = self.assertRaises(KuzzleError, decode, bytes(raw), content_encoding="gzip")
        self.assertEqual(error.status, 400)

    def test_truncated_gzip(self) -> None:
        """
        A gzip body cut short (its CRC/size trailer missing, or nothing but the
        magic bytes) is refused with a 400, as Node's zlib does ("unexpected end
        of file"), instead of being accepted unchecked.
        """
        for raw in (gzip.compress(self.body)[:-8], b"\x1f\x8b", b"\x1f\x8b\x08\x00garbage"):
            error = self.assertRaises(KuzzleError, decode, raw, content_encoding="gzip")
            self.assertEqual(error.status, 400, raw)

    def test_truncated_deflate(self) -> None:
        """A deflate body cut before its Adler-32 trailer is refused with a 400."""
        raw = zlib.compress(self.body)[:-4]
        error = self.assertRaises(KuzzleError, decode, raw, content_encoding="deflate")
        self.assertEqual(error.status, 400)
