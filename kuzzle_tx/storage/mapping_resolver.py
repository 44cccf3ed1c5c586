# -*- test-case-name: tests.storage.test_mapping_resolver -*-
"""
Field names as a search names them, resolved through a collection's mapping: where
the values are stored and whether they are full-text (the `kuzzle_tx.storage.query`
``Resolver``). Multi-fields and aliases resolve to the field that holds the values.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_ANALYZED_TYPES = frozenset({"text", "match_only_text", "search_as_you_type"})
_RESOLVER_CACHE_SIZE = 1024


def field_resolver(mapping: dict[str, Any]) -> Callable[[str], tuple[str, bool]]:
    """
    For the search parser: map a field as a query names it to the path its value is
    stored at and whether it is analyzed (full-text) there. A multi-field such as
    ``name.keyword`` is stored as its parent ``name``; an alias as its target.
    """
    properties = mapping.get("properties", {})
    cache: dict[str, tuple[str, bool]] = {}

    def resolve(field: str) -> tuple[str, bool]:
        found = cache.get(field)
        if found is None:
            if len(cache) >= _RESOLVER_CACHE_SIZE:
                cache.clear()  # queries may name any number of unmapped fields
            found = cache[field] = _resolve(properties, field, follow_alias=True)
        return found

    return resolve


def _resolve(properties: dict[str, Any], field: str, follow_alias: bool) -> tuple[str, bool]:
    parts = field.split(".")
    current = properties
    for position, part in enumerate(parts):
        definition = current.get(part)
        if definition is None:
            return field, False
        if "properties" in definition:
            current = definition["properties"]
            continue
        rest = parts[position + 1 :]
        kind = definition.get("type")
        if not rest:
            target = definition.get("path")
            if kind == "alias" and follow_alias and isinstance(target, str):
                return _resolve(properties, target, follow_alias=False)
            return field, kind in _ANALYZED_TYPES
        sub = definition.get("fields", {}).get(rest[0]) if len(rest) == 1 else None
        if sub is None:
            return field, False
        return ".".join(parts[: position + 1]), sub.get("type") in _ANALYZED_TYPES
    return field, False
