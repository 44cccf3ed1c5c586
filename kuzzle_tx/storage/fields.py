# -*- test-case-name: tests.storage.test_evaluate,tests.storage.test_sql_query -*-
"""
The searchable view of a document, shared by every backend so that they agree
on what a query matches.

`flatten` lists the (path, value) pairs of a source: one pair per scalar reached
through objects and arrays (array positions do not appear in the path, as in
Elasticsearch: ``{"a": [{"b": 1}, {"b": 2}]}`` gives ``("a.b", 1)`` and
``("a.b", 2)``). ``null`` and empty arrays give nothing: such a field does not exist.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

_WORD = re.compile(r"\w+", re.UNICODE)


def flatten(source: dict[str, Any]) -> list[tuple[str, Any]]:
    """Every (path, scalar) of a document source, in document order, without duplicates."""
    pairs: dict[tuple[str, Any, type], None] = {}
    for path, value in _walk(source, ""):
        # Keyed by type as well: True == 1 in Python, not in a document.
        pairs[(path, value, type(value))] = None
    return [(path, value) for path, value, _ in pairs]


def _walk(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _walk(child, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for child in value:
            yield from _walk(child, path)
    elif value is not None and path:
        yield path, value


def values_at(source: dict[str, Any], path: str) -> list[Any]:
    """
    The scalars a field path reaches in one document, through arrays (nested
    ones too) and dotted keys, exactly as `flatten` sees them; an object at the
    path is not a value (`exists` is the query that looks below it).
    """
    return [value for field, value in _walk(source, "") if field == path]


def tokenize(text: str) -> list[str]:
    """Elasticsearch's standard analyzer, near enough: lowercase Unicode word tokens."""
    return _WORD.findall(text.lower())
