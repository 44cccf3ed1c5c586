# -*- test-case-name: tests.storage.test_query_clauses,tests.storage.test_query -*-
"""
The vocabulary every search-request parser shares (`kuzzle_tx.storage.query_clauses`,
`kuzzle_tx.storage.query`, `kuzzle_tx.storage.query_koncorde`,
`kuzzle_tx.storage.source_filter`): the `Resolver` of field names, and the argument
checks that turn malformed JSON into ``services.storage.invalid_argument`` with the
place of the mistake and what was expected there.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from kuzzle_tx.errors import KuzzleError
from kuzzle_tx.storage.query_ast import Scalar

#: A field name as the client wrote it → (storage path, analyzed: full-text or not).
Resolver = Callable[[str], tuple[str, bool]]


def plain(field: str) -> tuple[str, bool]:
    """The resolver without a mapping: every field is stored as named, none is full-text."""
    return field, False


def invalid(name: str, expected: str) -> KuzzleError:
    """The error for anything malformed at ``name``, saying what was ``expected``."""
    return KuzzleError("services.storage.invalid_argument", name, expected)


def is_number(value: Any) -> bool:
    """A JSON number: an int or a finite float, never a boolean."""
    kind = type(value)
    return kind is int or (kind is float and math.isfinite(value))


def as_scalar(value: Any, where: str) -> Scalar:
    """``value`` if it is a string, a number or a boolean; else an `invalid` error."""
    if isinstance(value, str | bool) or is_number(value):
        return value
    raise invalid(where, "a string, a number or a boolean")


def as_string(value: Any, where: str) -> str:
    """``value`` if it is a string; else an `invalid` error."""
    if not isinstance(value, str):
        raise invalid(where, "a string")
    return value


def as_options(value: Any, where: str, allowed: frozenset[str]) -> dict[str, Any]:
    """An object of known options (``boost`` a number, ``_name`` a string)."""
    if not isinstance(value, dict):
        raise invalid(where, "an object")
    for name, option in value.items():
        if name not in allowed:
            raise invalid(f"{where}.{name}", "one of the options " + ", ".join(sorted(allowed)))
        if name == "boost" and not is_number(option):
            raise invalid(f"{where}.boost", "a number")
        if name == "_name" and not isinstance(option, str):
            raise invalid(f"{where}._name", "a string")
    return value
