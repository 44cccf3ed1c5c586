# -*- test-case-name: tests.realtime.test_koncorde_operators -*-
"""
JSON values seen the way Koncorde (JavaScript) sees them.

- `flatten`: the document as a map of dotted paths (through objects only);
- `scalar_key`: a hashable key under which JSON scalars are strictly equal
  (``1 == 1.0`` as in JavaScript, but ``true`` is not ``1``);
- `canonical` / `canonical_json`: the stable text used for identities (room
  ids, condition keys): sorted keys, integral floats written as integers;
- `js_type`, `js_truthy`, `js_parse_float`: JavaScript's ``typeof``,
  truthiness and ``Number.parseFloat``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from typing import Any

#: A document field that is absent (JavaScript's ``undefined``).
MISSING: Any = type("Missing", (), {"__repr__": lambda self: "MISSING"})()

#: The key of a value that is never equal to a scalar (objects, arrays).
UNHASHABLE: Any = type("Unhashable", (), {"__repr__": lambda self: "UNHASHABLE"})()

_TRUE_KEY = ("\x00boolean", True)
_FALSE_KEY = ("\x00boolean", False)

_FLOAT_PREFIX = re.compile(r"[+-]?(?:Infinity|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)")


def flatten(document: dict[str, Any]) -> dict[str, Any]:
    """
    Every field of ``document`` under its dotted path: ``{"a": {"b": 1}}``
    gives ``{"a": {"b": 1}, "a.b": 1}``. Arrays are values, never traversed.
    (Iterative: a deeply nested document cannot exhaust the stack.)
    """
    flat: dict[str, Any] = {}
    stack: list[tuple[str, Iterator[tuple[str, Any]]]] = [("", iter(document.items()))]
    while stack:
        prefix, items = stack[-1]
        for key, value in items:
            path = prefix + key
            flat[path] = value
            if type(value) is dict and value:
                stack.append((path + ".", iter(value.items())))
                break
        else:
            stack.pop()
    return flat


def scalar_key(value: Any) -> Any:
    """
    The dictionary key of a JSON value for strict equality: scalars map to
    themselves (booleans to a tagged tuple, so that ``True`` is not ``1``),
    objects and arrays to `UNHASHABLE`.
    """
    kind = type(value)
    if kind is str or kind is int or kind is float or value is None:
        return value
    if kind is bool:
        return _TRUE_KEY if value else _FALSE_KEY
    return UNHASHABLE


def is_scalar(value: Any) -> bool:
    """True for strings, numbers, booleans and null."""
    return value is None or isinstance(value, str | int | float)


def is_number(value: Any) -> bool:
    """True for JSON numbers (JavaScript's ``typeof value === 'number'``)."""
    kind = type(value)
    return kind is int or kind is float


def canonical(value: Any) -> Any:
    """
    ``value`` with integral floats turned into integers (``1.0`` → ``1``,
    ``-0.0`` → ``0``), recursively, as JavaScript prints them.
    """
    kind = type(value)
    if kind is float:
        if value.is_integer() and abs(value) < 2**63:
            return int(value)
        return value
    if kind is dict:
        return {key: canonical(item) for key, item in value.items()}
    if kind is list or kind is tuple:
        return [canonical(item) for item in value]
    return value


def canonical_json(value: Any) -> str:
    """The stable text of a JSON value: sorted keys, no spaces."""
    return json.dumps(canonical(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def compact_json(value: Any) -> str:
    """``JSON.stringify(value)``: the value as given, without spaces."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)


def js_type(value: Any) -> str:
    """JavaScript's ``typeof`` of a JSON value (`MISSING` is ``undefined``)."""
    if value is MISSING:
        return "undefined"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "object"


def js_truthy(value: Any) -> bool:
    """JavaScript truthiness: objects and arrays are true even when empty."""
    if value is MISSING or value is None:
        return False
    if isinstance(value, dict | list):
        return True
    if isinstance(value, float) and math.isnan(value):
        return False
    return bool(value)


def js_parse_float(value: Any) -> float:
    """
    ``Number.parseFloat(value)``: the longest numeric prefix of the value's
    text, NaN when there is none.
    """
    if isinstance(value, bool) or value is None or value is MISSING:
        return math.nan
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, list):
        value = ",".join("" if item is None else str(item) for item in value)
    if not isinstance(value, str):
        return math.nan
    match = _FLOAT_PREFIX.match(value.lstrip())
    if match is None:
        return math.nan
    return float(match.group(0).replace("Infinity", "inf"))
