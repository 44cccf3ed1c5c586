# -*- test-case-name: tests.storage.test_mappings,tests.storage.test_mapping_merge -*-
"""
Collection mappings with Kuzzle's rules and Elasticsearch's semantics, minus Elasticsearch.

Kuzzle hands mappings to Elasticsearch, which validates them, merges updates and
grows them as documents arrive (dynamic mapping). With an embedded store nobody
does that for us, so the mapping modules do it: as pure functions over plain dicts,
because mappings are stored as JSON and checked on every write.

This module's own job is what a client sends: `validate_mappings` checks a new
mapping and `merge_mappings` applies an update. The rest is importable from here too:

- `check_index_name`, `check_collection_name`: `kuzzle_tx.storage.mapping_names`;
- `extend_for_document` (dynamic mapping): `kuzzle_tx.storage.dynamic_mapping`;
- `field_resolver` (field names for searches): `kuzzle_tx.storage.mapping_resolver`;
- `public_mapping` (``collection:getMapping``): `kuzzle_tx.storage.mapping_view`;
- `KUZZLE_META_MAPPING`, `dynamic_policy`: `kuzzle_tx.storage.mapping_form`.

Mappings are values: nothing here mutates its arguments, and results may share
unchanged branches with them. The normalized form (what `validate_mappings`,
`merge_mappings` and `extend_for_document` return) is
``{"dynamic": "true"|"false"|"strict", "_meta": {...}, "properties": {...}}``
where every object or nested field carries ``properties`` (possibly empty) and no
``"type": "object"``, and every other field carries a ``type``. `public_mapping`
turns it back into what Elasticsearch would show.
"""

from __future__ import annotations

from typing import Any

from kuzzle_tx.errors import KuzzleError
from kuzzle_tx.storage.dynamic_mapping import extend_for_document
from kuzzle_tx.storage.mapping_form import (
    DYNAMIC_VALUES,
    KUZZLE_META_MAPPING,
    copy_json,
    dynamic_policy,
    dynamic_string,
    join_path,
)
from kuzzle_tx.storage.mapping_names import (
    RESERVED_COLLECTION,
    check_collection_name,
    check_index_name,
)
from kuzzle_tx.storage.mapping_resolver import field_resolver
from kuzzle_tx.storage.mapping_view import public_mapping

__all__ = [
    "KUZZLE_META_MAPPING",
    "RESERVED_COLLECTION",
    "check_collection_name",
    "check_index_name",
    "dynamic_policy",
    "extend_for_document",
    "field_resolver",
    "merge_mappings",
    "public_mapping",
    "validate_mappings",
]

# -- validation --

# Keys Kuzzle itself accepts, at the root and on a field that has properties
# (`dynamic_templates` is one of them, but nothing here would apply the templates).
_KUZZLE_ROOT_KEYS = ("properties", "_meta", "dynamic")
_KUZZLE_CHILD_KEYS = ("properties", "_meta", "dynamic", "dynamic_templates", "type")
_FIELD_TYPES = frozenset(
    "text match_only_text keyword constant_keyword wildcard long integer short byte double"
    " float half_float scaled_float unsigned_long date date_nanos boolean binary object"
    " nested flattened geo_point geo_shape point shape ip version completion"
    " search_as_you_type token_count alias dense_vector sparse_vector rank_feature"
    " rank_features integer_range long_range float_range double_range date_range ip_range"
    " histogram percolator join aggregate_metric_double".split()
)
_OBJECT_PARAMETERS = frozenset({"type", "properties", "dynamic", "enabled", "subobjects"})
_NESTED_PARAMETERS = _OBJECT_PARAMETERS | {"include_in_parent", "include_in_root"}
# The union of Elasticsearch's leaf parameters: not checked per type.
_LEAF_PARAMETERS = frozenset(
    "type analyzer search_analyzer search_quote_analyzer normalizer boost coerce copy_to"
    " doc_values eager_global_ordinals fielddata fielddata_frequency_filter fields format"
    " locale ignore_above ignore_malformed ignore_z_value index index_options index_phrases"
    " index_prefixes meta norms null_value position_increment_gap store similarity"
    " split_queries_on_whitespace term_vector scaling_factor dims element_type path value"
    " orientation max_shingle_size preserve_separators preserve_position_increments"
    " max_input_length contexts relations positive_score_impact depth_limit"
    " time_series_dimension time_series_metric script on_script_error metrics"
    " default_metric enable_position_increments".split()
)
# Leaf parameters Elasticsearch lets a mapping update change.
_UPDATABLE = frozenset(
    "ignore_above meta ignore_malformed search_analyzer search_quote_analyzer fielddata"
    " fielddata_frequency_filter eager_global_ordinals copy_to boost"
    " split_queries_on_whitespace".split()
)
_OBJECT_DEFAULTS = {
    "enabled": True,
    "subobjects": True,
    "include_in_parent": False,
    "include_in_root": False,
}


def validate_mappings(mappings: Any, default_dynamic: str | bool = "false") -> dict[str, Any]:
    """
    Check a client's ``mappings`` ({dynamic?, _meta?, properties?}) and return it
    normalized, with Kuzzle's ``_kuzzle_info`` fields (Kuzzle's win over the client's).
    """
    dynamic, meta, properties = _parse_root(mappings)
    info = properties.get("_kuzzle_info")
    if info is not None and "properties" not in info:
        raise KuzzleError("services.storage.cannot_change_mapping", "_kuzzle_info")
    return {
        "dynamic": dynamic or dynamic_string(default_dynamic),
        "_meta": meta if meta is not None else {},
        "properties": _overlay(properties, KUZZLE_META_MAPPING),
    }


def merge_mappings(current: dict[str, Any], update: Any) -> dict[str, Any]:
    """
    Apply a client's mapping update (collection:update, updateMapping, create on an
    existing collection) to a normalized mapping, as Elasticsearch's put-mapping does:
    fields merge deeply, types cannot change; ``dynamic`` and ``_meta`` are replaced
    when given.
    """
    dynamic, meta, properties = _parse_root(update)
    return {
        "dynamic": dynamic or dynamic_policy(current),
        "_meta": meta if meta is not None else current.get("_meta", {}),
        "properties": _merge_properties(current.get("properties", {}), properties, ""),
    }


def _parse_root(mappings: Any) -> tuple[str | None, dict[str, Any] | None, dict[str, Any]]:
    if not isinstance(mappings, dict):
        raise KuzzleError("api.assert.invalid_type", "mappings", "object")
    for key in mappings:
        if key not in _KUZZLE_ROOT_KEYS:
            raise _unknown_key(key, key, _KUZZLE_ROOT_KEYS)
    meta = mappings.get("_meta")
    if meta is not None and not isinstance(meta, dict):
        raise _not_an_object("_meta")
    properties = _parse_properties(mappings.get("properties", {}), "properties", "")
    return _parse_dynamic(mappings, "dynamic"), copy_json(meta), properties


def _parse_dynamic(definition: dict[str, Any], where: str) -> str | None:
    """Kuzzle's own check (`_checkDynamicProperty`), messages included."""
    if "dynamic" not in definition:
        return None
    value = definition["dynamic"]
    if isinstance(value, bool):
        return "true" if value else "false"
    if not isinstance(value, str):
        raise KuzzleError(
            "services.storage.invalid_mapping", where, "Dynamic property value should be a string."
        )
    if value not in DYNAMIC_VALUES:
        raise KuzzleError(
            "services.storage.invalid_mapping",
            where,
            f"Incorrect dynamic property value ({value}). "
            'Should be one of "true", "false", "strict"',
        )
    return value


def _parse_properties(properties: Any, where: str, prefix: str) -> dict[str, Any]:
    if not isinstance(properties, dict):
        raise _not_an_object(where)
    result: dict[str, Any] = {}
    for name, definition in properties.items():
        parts = name.split(".")
        if "" in parts:
            raise KuzzleError(
                "services.storage.invalid_mapping",
                f"{where}.{name}",
                " A field name cannot be empty, nor start or end with a dot.",
            )
        # Elasticsearch reads "a.b" as field b of object a.
        field = _parse_field(definition, f"{where}.{name}", join_path(prefix, name))
        child = parts[-1]
        for parent in reversed(parts[:-1]):
            field, child = {"properties": {child: field}}, parent
        name = parts[0]
        known = result.get(name)
        result[name] = (
            field if known is None else _merge_field(known, field, join_path(prefix, name))
        )
    return result


def _parse_field(definition: Any, where: str, path: str) -> dict[str, Any]:
    if not isinstance(definition, dict):
        raise _not_an_object(where)
    if definition.get("properties"):
        for key in definition:
            if key not in _KUZZLE_CHILD_KEYS:
                raise _unknown_key(key, f"{where}.{key}", _KUZZLE_CHILD_KEYS[:3] + ("type",))
    kind = definition.get("type")
    if kind is None:
        # Elasticsearch's own guess: properties, or a lone "enabled", make an object.
        if "properties" not in definition and list(definition) != ["enabled"]:
            raise KuzzleError(
                "services.storage.unexpected_bad_request", f"No type specified for field [{path}]"
            )
        kind = "object"
    if not isinstance(kind, str) or kind not in _FIELD_TYPES:
        raise KuzzleError("services.storage.invalid_mapping_type", path, kind)
    if kind in ("object", "nested"):
        return _parse_object(definition, kind, where, path)
    return _parse_leaf(definition, path, where, multi_field=False)


def _parse_object(definition: dict[str, Any], kind: str, where: str, path: str) -> dict[str, Any]:
    allowed = _NESTED_PARAMETERS if kind == "nested" else _OBJECT_PARAMETERS
    result: dict[str, Any] = {"type": "nested"} if kind == "nested" else {}
    for key, value in definition.items():
        if key not in allowed:
            raise KuzzleError("services.storage.unexpected_properties", key, path)
        if key in _OBJECT_DEFAULTS:
            result[key] = value in (True, "true")
    dynamic = _parse_dynamic(definition, f"{where}.dynamic")
    if dynamic is not None:
        result["dynamic"] = dynamic
    result["properties"] = _parse_properties(
        definition.get("properties", {}), f"{where}.properties", path
    )
    return result


def _parse_leaf(
    definition: dict[str, Any], path: str, where: str, multi_field: bool
) -> dict[str, Any]:
    for key in definition:
        if key not in _LEAF_PARAMETERS or (multi_field and key == "fields"):
            raise KuzzleError("services.storage.unexpected_properties", key, path)
    result = copy_json(definition)
    if "fields" not in definition:
        return result
    fields = definition["fields"]
    if not isinstance(fields, dict):
        raise _not_an_object(f"{where}.fields")
    parsed = {}
    for name, sub in fields.items():
        sub_where, sub_path = f"{where}.fields.{name}", f"{path}.{name}"
        if not name or "." in name:
            raise KuzzleError(
                "services.storage.invalid_mapping",
                sub_where,
                " A multi-field name cannot be empty nor contain a dot.",
            )
        if not isinstance(sub, dict):
            raise _not_an_object(sub_where)
        kind = sub.get("type")
        if kind is None:
            raise KuzzleError(
                "services.storage.unexpected_bad_request",
                f"No type specified for field [{sub_path}]",
            )
        if not isinstance(kind, str) or kind not in _FIELD_TYPES:
            raise KuzzleError("services.storage.invalid_mapping_type", sub_path, kind)
        if kind in ("object", "nested"):
            raise KuzzleError(
                "services.storage.unexpected_bad_request",
                f"Type [{kind}] cannot be used in multi field",
            )
        parsed[name] = _parse_leaf(sub, sub_path, sub_where, multi_field=True)
    result["fields"] = parsed
    return result


def _unknown_key(key: str, where: str, allowed: tuple[str, ...]) -> KuzzleError:
    if key == "dynamic_templates":
        hint = " Dynamic templates are not supported."
    else:
        hint = _did_you_mean(key, allowed)
    return KuzzleError("services.storage.invalid_mapping", where, hint)


def _not_an_object(where: str) -> KuzzleError:
    return KuzzleError("services.storage.invalid_mapping", where, " It must be an object.")


def _did_you_mean(word: str, candidates: tuple[str, ...]) -> str:
    """The npm `didyoumean` Kuzzle uses: case-insensitive, within 40% of the word's length."""
    word = word.lower()
    best, limit = "", min(0.4 * len(word), 20.0)
    for candidate in candidates:
        distance = _levenshtein(word, candidate.lower())
        if distance < limit:
            best, limit = candidate, distance
    return f' Did you mean "{best}"?' if best else ""


def _levenshtein(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b))
            )
        previous = current
    return previous[-1]


# -- merging --


def _merge_properties(
    current: dict[str, Any], update: dict[str, Any], prefix: str
) -> dict[str, Any]:
    result = dict(current)
    for name, field in update.items():
        known = current.get(name)
        result[name] = (
            field if known is None else _merge_field(known, field, join_path(prefix, name))
        )
    return result


def _merge_field(current: dict[str, Any], update: dict[str, Any], path: str) -> dict[str, Any]:
    is_object = "properties" in current
    if is_object != ("properties" in update) or current.get("type") != update.get("type"):
        raise KuzzleError("services.storage.cannot_change_mapping", path)
    if is_object:
        for key, default in _OBJECT_DEFAULTS.items():
            if key in update and update[key] != current.get(key, default):
                raise KuzzleError("services.storage.cannot_change_mapping", path)
        merged = {**current, **update}
        merged["properties"] = _merge_properties(current["properties"], update["properties"], path)
        return merged
    for key, value in update.items():
        if key not in _UPDATABLE and key != "fields" and current.get(key, value) != value:
            raise KuzzleError("services.storage.cannot_change_mapping", path)
    merged = {**current, **update}
    if "fields" in current and "fields" in update:
        fields = dict(current["fields"])
        for name, sub in update["fields"].items():
            known = fields.get(name)
            fields[name] = sub if known is None else _merge_field(known, sub, f"{path}.{name}")
        merged["fields"] = fields
    return merged


def _overlay(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    """lodash's ``merge``, as Kuzzle applies its commonMapping: ``top`` wins."""
    result = dict(base)
    for key, value in top.items():
        below = result.get(key)
        if isinstance(value, dict) and isinstance(below, dict):
            result[key] = _overlay(below, value)
        else:
            result[key] = copy_json(value)
    return result
