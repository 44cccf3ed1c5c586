# -*- test-case-name: tests.test_codec -*-
"""
JSON in and out, in one place: orjson for speed, the standard library as the
fallback for what orjson refuses (integers beyond 64 bits), so that any JSON a
client sends can be echoed back.
"""

from __future__ import annotations

import json
from typing import Any

import orjson


def loads(data: bytes | str) -> Any:
    """Parse JSON; raise `ValueError` (with a readable message) on bad input."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as error:
        # orjson rejects integers wider than 64 bits that json accepts.
        try:
            return json.loads(data)
        except (ValueError, UnicodeDecodeError):
            raise ValueError(str(error)) from None


def dumps(value: Any) -> bytes:
    """Serialize compactly; never raises for values that came from `loads`."""
    try:
        return orjson.dumps(value)
    except TypeError:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def dumps_pretty(value: Any) -> bytes:
    try:
        return orjson.dumps(value, option=orjson.OPT_INDENT_2)
    except TypeError:
        return json.dumps(value, indent=2, ensure_ascii=False, default=str).encode()
