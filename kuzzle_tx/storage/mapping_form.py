# -*- test-case-name: tests.storage.test_mappings,tests.storage.test_dynamic_mapping -*-
"""
What the mapping modules share about the normalized form of a mapping
(`kuzzle_tx.storage.mappings` describes it): Kuzzle's own ``_kuzzle_info`` fields, the
``dynamic`` policies, and the JSON helpers that keep mappings values (deep copies,
dotted paths).
"""

from __future__ import annotations

from typing import Any

# Kuzzle's default `commonMapping.properties`, added to every collection.
KUZZLE_META_MAPPING: dict[str, Any] = {
    "_kuzzle_info": {
        "properties": {
            "author": {"type": "keyword"},
            "createdAt": {"type": "date"},
            "updater": {"type": "keyword"},
            "updatedAt": {"type": "date"},
        }
    }
}

# The values of ``dynamic`` in the normalized form.
DYNAMIC_VALUES = ("true", "false", "strict")


def dynamic_policy(mapping: dict[str, Any]) -> str:
    """The root ``dynamic`` of a mapping; Elasticsearch's default ("true") when unset."""
    return dynamic_string(mapping.get("dynamic", "true"))


def dynamic_string(value: object) -> str:
    """A ``dynamic`` value as the normalized form spells it (booleans as strings)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value not in DYNAMIC_VALUES:
        raise ValueError(f"invalid dynamic policy: {value!r}")
    return str(value)


def join_path(prefix: str, name: str) -> str:
    """The dotted path of field ``name`` under ``prefix`` (the root: ``""``)."""
    return f"{prefix}.{name}" if prefix else name


def copy_json(value: Any) -> Any:
    """A deep copy of JSON data, faster than `copy.deepcopy`."""
    if isinstance(value, dict):
        return {key: copy_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [copy_json(item) for item in value]
    return value
