# -*- test-case-name: tests.test_config -*-
"""
Helpers for plain JSON documents, used by the configuration loader: JSON with comments,
byte sizes, integers, deep merging and deep freezing.

These functions know nothing about configuration keys; L{kuzzle_tx.config} turns their
errors into one-line L{kuzzle_tx.config.ConfigError} messages that name the key or the file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Any

import orjson

__all__ = [
    "JsoncError",
    "as_int",
    "freeze",
    "loads",
    "merge",
    "parse_size",
    "show",
    "strip_comments",
    "thaw",
]


class JsoncError(ValueError):
    """
    A document could not be parsed; C{line} and C{column} are 1-based and count characters.
    """

    def __init__(self, reason: str, line: int, column: int) -> None:
        super().__init__(f"{line}:{column}: {reason}")
        self.reason = reason
        self.line = line
        self.column = column


_LINE_END = re.compile(r"[\r\n]")
_NOT_NEWLINE = re.compile(r"[^\r\n]")


def _position(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, column


def strip_comments(text: str) -> str:
    """
    Blank out C{//} and C{/* */} comments found outside JSON strings.

    Every comment character is replaced by a space and line breaks are kept, so that line and
    column numbers reported by the JSON parser still point into the original text.

    @raise JsoncError: for a C{/*} comment that is never closed.
    """
    pieces: list[str] = []
    start = index = 0
    size = len(text)
    while index < size:
        char = text[index]
        if char == '"':
            index += 1
            while index < size:
                char = text[index]
                if char == "\\":
                    index += 2
                    continue
                index += 1
                if char == '"' or char == "\n":
                    # An unterminated string stops at the line end; the JSON parser reports it.
                    break
            continue
        if char == "/" and index + 1 < size and text[index + 1] in "/*":
            if text[index + 1] == "/":
                match = _LINE_END.search(text, index)
                end = match.start() if match else size
            else:
                end = text.find("*/", index + 2)
                if end == -1:
                    raise JsoncError("unterminated /* comment", *_position(text, index))
                end += 2
            pieces.append(text[start:index])
            pieces.append(_NOT_NEWLINE.sub(" ", text[index:end]))
            start = index = end
            continue
        index += 1
    pieces.append(text[start:])
    return "".join(pieces)


def loads(text: str) -> Any:
    """
    Parse JSON that may contain comments (trailing commas are not accepted).

    @raise JsoncError: with the line and column of the first error.
    """
    try:
        return orjson.loads(strip_comments(text))
    except orjson.JSONDecodeError as e:
        raise JsoncError(e.msg, e.lineno, e.colno)


_SIZE = re.compile(r"([0-9]+(?:\.[0-9]+)?)\s*([kmgt]?b)?", re.IGNORECASE | re.ASCII)
_UNITS = {None: 0, "b": 0, "kb": 1, "mb": 2, "gb": 3, "tb": 4}


def parse_size(value: object) -> int:
    """
    Convert a size to a number of bytes.

    Accepts a non-negative integer (bytes; a float without a fraction counts as one) or a
    string such as C{"1mb"}, C{"512KB"}, C{"1.5 mb"}, C{"100b"} or C{"2048"}. Units are
    1024-based and case-insensitive; fractions of a byte are dropped.

    @raise ValueError: for anything else.
    """
    number = as_int(value)
    if number is not None:
        if number < 0:
            raise ValueError("negative size")
        return number
    if isinstance(value, str):
        match = _SIZE.fullmatch(value.strip())
        if match is not None:
            digits, unit = match.groups()
            exponent = _UNITS[unit.lower() if unit else None]
            return int(Decimal(digits) * 1024**exponent)
    raise ValueError("not a size")


def as_int(value: object) -> int | None:
    """C{value} as an integer if it is one (a float without a fraction counts), else L{None}."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def show(value: object) -> str:
    """C{value} as it would be written in JSON, on one line and at most 60 characters."""
    try:
        text = orjson.dumps(value).decode()
    except TypeError:
        text = repr(value).replace("\n", " ")
    return text if len(text) <= 60 else text[:57] + "..."


def merge(base: Mapping[str, Any], other: Mapping[str, Any]) -> dict[str, Any]:
    """
    A new dict: C{other} deep-merged over C{base} (mappings merge, any other value replaces).
    Neither input is modified and the result shares no container with them.
    """
    merged = {key: thaw(value) for key, value in base.items()}
    for key, value in other.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = thaw(value)
    return merged


def freeze(value: Any) -> Any:
    """A read-only deep copy: mappings become L{MappingProxyType}, lists become tuples."""
    if isinstance(value, Mapping):
        return MappingProxyType({str(k): freeze(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(freeze(v) for v in value)
    return value


def thaw(value: Any) -> Any:
    """A plain deep copy: mappings become dicts, tuples and lists become lists."""
    if isinstance(value, Mapping):
        return {str(k): thaw(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [thaw(v) for v in value]
    return value
