# -*- test-case-name: tests.storage.test_mapping_view -*-
"""
A normalized mapping shown as Elasticsearch shows it: `public_mapping`, the answer of
``collection:getMapping``.
"""

from __future__ import annotations

from typing import Any

from kuzzle_tx.storage.mapping_form import copy_json, dynamic_policy


def public_mapping(mapping: dict[str, Any], include_kuzzle_meta: bool = False) -> dict[str, Any]:
    """
    What collection:getMapping answers: a fresh copy shaped as Elasticsearch shows it
    (fields sorted by name, empty objects as ``{"type": "object"}``, no ``_meta`` when
    there is none), without ``_kuzzle_info`` unless asked.
    """
    properties = mapping.get("properties", {})
    if not include_kuzzle_meta:
        properties = {name: f for name, f in properties.items() if name != "_kuzzle_info"}
    result: dict[str, Any] = {}
    if mapping.get("_meta"):
        result["_meta"] = copy_json(mapping["_meta"])
    result["dynamic"] = dynamic_policy(mapping)
    result["properties"] = _render_properties(properties)
    return result


def _render_properties(properties: dict[str, Any]) -> dict[str, Any]:
    return {name: _render_field(properties[name]) for name in sorted(properties)}


def _render_field(field: dict[str, Any]) -> dict[str, Any]:
    rendered = {key: copy_json(value) for key, value in field.items() if key != "properties"}
    if "properties" in field:
        if field["properties"]:
            rendered["properties"] = _render_properties(field["properties"])
        elif "type" not in field:
            rendered = {"type": "object", **rendered}
    if "fields" in field:
        rendered["fields"] = _render_properties(field["fields"])
    return rendered
