# -*- test-case-name: tests.storage.test_mappings -*-
"""
Collection mappings with Kuzzle's rules and Elasticsearch's semantics, minus Elasticsearch.

Kuzzle hands mappings to Elasticsearch, which validates them, merges updates and
grows them as documents arrive (dynamic mapping). With an embedded store nobody
does that for us, so this module does it: as pure functions over plain dicts,
because mappings are stored as JSON and checked on every write.

Mappings are values: nothing here mutates its arguments, and results may share
unchanged branches with them. The normalized form (what `validate_mappings`,
`merge_mappings` and `extend_for_document` return) is
``{"dynamic": "true"|"false"|"strict", "_meta": {...}, "properties": {...}}``
where every object or nested field carries ``properties`` (possibly empty) and no
``"type": "object"``, and every other field carries a ``type``. `public_mapping`
turns it back into what Elasticsearch would show.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterator
from typing import Any

import attrs

from kuzzle_tx.errors import KuzzleError

# -- index and collection names --

RESERVED_COLLECTION = "_kuzzle_keep"
# Kuzzle emulates a collection as an Elasticsearch index named from both names;
# 126 bytes each keeps the pair under Elasticsearch's 255.
_MAX_NAME_BYTES = 126
_FORBIDDEN_NAME_CHARS = frozenset('\\/*?"<>|,+#:.&%')


def check_index_name(name: object) -> None:
    """Refuse an index name Kuzzle would refuse (kuzzle-api.md §7.1)."""
    _check_name(name, "index", "services.storage.invalid_index_name")


def check_collection_name(name: object) -> None:
    """Refuse a collection name Kuzzle would refuse, including its reserved one."""
    _check_name(name, "collection", "services.storage.invalid_collection_name")
    if name == RESERVED_COLLECTION:
        raise KuzzleError("services.storage.collection_reserved", name)


def _check_name(name: object, argument: str, error_id: str) -> None:
    if not isinstance(name, str):
        raise KuzzleError("api.assert.invalid_type", argument, "string")
    if (
        not name
        or name == "_all"
        or name.lower() != name
        # Node's Buffer counts a lone surrogate as 3 bytes; so does surrogatepass.
        or len(name.encode("utf-8", "surrogatepass")) > _MAX_NAME_BYTES
        or any(char in _FORBIDDEN_NAME_CHARS or char.isspace() for char in name)
    ):
        raise KuzzleError(error_id, name)


# -- validation --

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

_DYNAMIC_VALUES = ("true", "false", "strict")
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
        "dynamic": dynamic or _dynamic_string(default_dynamic),
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
    return _parse_dynamic(mappings, "dynamic"), _copy(meta), properties


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
    if value not in _DYNAMIC_VALUES:
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
        field = _parse_field(definition, f"{where}.{name}", _join(prefix, name))
        child = parts[-1]
        for parent in reversed(parts[:-1]):
            field, child = {"properties": {child: field}}, parent
        name = parts[0]
        known = result.get(name)
        result[name] = field if known is None else _merge_field(known, field, _join(prefix, name))
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
    result = _copy(definition)
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
        result[name] = field if known is None else _merge_field(known, field, _join(prefix, name))
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
            result[key] = _copy(value)
    return result


# -- reading --


def dynamic_policy(mapping: dict[str, Any]) -> str:
    """The root ``dynamic`` of a mapping; Elasticsearch's default ("true") when unset."""
    return _dynamic_string(mapping.get("dynamic", "true"))


def _dynamic_string(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value not in _DYNAMIC_VALUES:
        raise ValueError(f"invalid dynamic policy: {value!r}")
    return str(value)


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
        result["_meta"] = _copy(mapping["_meta"])
    result["dynamic"] = dynamic_policy(mapping)
    result["properties"] = _render_properties(properties)
    return result


def _render_properties(properties: dict[str, Any]) -> dict[str, Any]:
    return {name: _render_field(properties[name]) for name in sorted(properties)}


def _render_field(field: dict[str, Any]) -> dict[str, Any]:
    rendered = {key: _copy(value) for key, value in field.items() if key != "properties"}
    if "properties" in field:
        if field["properties"]:
            rendered["properties"] = _render_properties(field["properties"])
        elif "type" not in field:
            rendered = {"type": "object", **rendered}
    if "fields" in field:
        rendered["fields"] = _render_properties(field["fields"])
    return rendered


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


# -- dynamic mapping --


@attrs.frozen
class _Target:
    """Where the document goes: only needed to word a strict mapping's refusal."""

    index: str
    collection: str


def extend_for_document(
    mapping: dict[str, Any], source: dict[str, Any], index: str, collection: str
) -> dict[str, Any] | None:
    """
    Elasticsearch's dynamic mapping for one document about to be written: the mapping
    grown by the document's new fields (a new dict), or None if it has none to add.
    A new field under a ``strict`` object refuses the document; under ``false`` it is
    kept in the source but not mapped. Runs on every write, so the common case (no
    new field) walks the document without copying anything.
    """
    target = _Target(index, collection)
    properties = mapping.get("properties", {})
    grown = _grow(properties, source, dynamic_policy(mapping), "", target)
    return None if grown is None else {**mapping, "properties": grown}


def _grow(
    properties: dict[str, Any], obj: dict[str, Any], dynamic: str, prefix: str, target: _Target
) -> dict[str, Any] | None:
    """
    ``properties`` grown by the new fields of one object, or None. Copy on write:
    the first change copies ``properties`` once; later ones go into that copy.
    """
    grown: dict[str, Any] | None = None
    for key, value in obj.items():
        if not key or "." in key:
            key, value = _expand_dots(key, value)
        field = (properties if grown is None else grown).get(key)
        if field is None:
            if key == "_kuzzle_info" and not prefix:
                field = _copy(KUZZLE_META_MAPPING["_kuzzle_info"])
            elif dynamic == "strict":
                raise KuzzleError(
                    "services.storage.strict_mapping_rejection",
                    _join(prefix, key),
                    target.index,
                    target.collection,
                )
            elif dynamic == "false":
                continue
            else:
                field = _infer(value, _join(prefix, key), target)
                if field is None:
                    continue
            grown = dict(properties) if grown is None else grown
            grown[key] = field
        if "properties" in field and field.get("enabled", True):
            path = _join(prefix, key)
            children = _grow_values(
                field["properties"], value, field.get("dynamic", dynamic), path, target
            )
            if children is not None:
                grown = dict(properties) if grown is None else grown
                grown[key] = {**field, "properties": children}
    return grown


def _grow_values(
    properties: dict[str, Any], value: Any, dynamic: str, path: str, target: _Target
) -> dict[str, Any] | None:
    """The same, for every object a field holds (one, or several in arrays)."""
    if isinstance(value, dict):
        return _grow(properties, value, dynamic, path, target)
    if not isinstance(value, list):
        return None
    grown = None
    for item in _flatten(value):
        if isinstance(item, dict):
            more = _grow(properties if grown is None else grown, item, dynamic, path, target)
            grown = more if more is not None else grown
    return grown


def _infer(value: Any, path: str, target: _Target) -> dict[str, Any] | None:
    """Elasticsearch's type for a new field (dynamic "true"), None for no field."""
    if isinstance(value, bool):
        return {"type": "boolean"}
    if isinstance(value, int):
        return {"type": "long"}
    if isinstance(value, float):
        return {"type": "float"}
    if isinstance(value, str):
        return _infer_string(value)
    if isinstance(value, dict):
        return {"properties": _grow({}, value, "true", path, target) or {}}
    if isinstance(value, list):
        first = next((item for item in _flatten(value) if item is not None), None)
        if isinstance(first, dict):
            return {"properties": _grow_values({}, value, "true", path, target) or {}}
        return None if first is None else _infer(first, path, target)
    return None


_TEXT_FIELD = {"type": "text", "fields": {"keyword": {"type": "keyword", "ignore_above": 256}}}
_SLASH_DATE_FORMAT = "yyyy/MM/dd HH:mm:ss||yyyy/MM/dd||epoch_millis"
# strict_date_optional_time: yyyy[-MM[-dd]][T HH[:mm[:ss[.fraction]][zone]]]
_ISO_DATE = re.compile(
    r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?"
    r"(?:T(\d{2})(?::(\d{2})(?::(\d{2})(?:[.,]\d{1,9})?)?"
    r"(?:Z|[+-](\d{2})(?::?(\d{2}))?)?)?)?",
    re.ASCII,
)
_SLASH_DATE = re.compile(r"(\d{4})/(\d{2})/(\d{2})(?: (\d{2}):(\d{2}):(\d{2}))?", re.ASCII)


def _infer_string(text: str) -> dict[str, Any]:
    """
    Elasticsearch's date detection with its default ``dynamic_date_formats``; a bare
    year never gets there (Elasticsearch skips strings that parse as numbers).
    """
    match = _ISO_DATE.fullmatch(text)
    if match and len(text) > 4 and _valid_date(*match.groups()):
        return {"type": "date"}
    match = _SLASH_DATE.fullmatch(text)
    if match and _valid_date(*match.groups()):
        return {"type": "date", "format": _SLASH_DATE_FORMAT}
    return _copy(_TEXT_FIELD)


def _valid_date(
    year: str,
    month: str | None,
    day: str | None,
    hour: str | None = None,
    minute: str | None = None,
    second: str | None = None,
    offset_hours: str | None = None,
    offset_minutes: str | None = None,
) -> bool:
    """java.time's strict resolver: no 30 February, no 24:00, offsets within ±18:00."""
    month_number = int(month or 1)
    if not 1 <= month_number <= 12:
        return False
    if day is not None and not 1 <= int(day) <= calendar.monthrange(int(year), month_number)[1]:
        return False
    limits = ((hour, 23), (minute, 59), (second, 59), (offset_hours, 18), (offset_minutes, 59))
    return all(part is None or int(part) <= limit for part, limit in limits)


def _expand_dots(key: str, value: Any) -> tuple[str, Any]:
    """Elasticsearch reads ``{"a.b": 1}`` as ``{"a": {"b": 1}}``."""
    if not key:
        raise KuzzleError(
            "services.storage.unexpected_bad_request", "field name cannot be an empty string"
        )
    parts = key.split(".")
    if "" in parts:
        raise KuzzleError(
            "services.storage.unexpected_bad_request",
            f"object field starting or ending with a [.] makes object resolution "
            f"ambiguous: [{key}]",
        )
    for part in reversed(parts[1:]):
        value = {part: value}
    return parts[0], value


def _flatten(values: list[Any]) -> Iterator[Any]:
    for item in values:
        if isinstance(item, list):
            yield from _flatten(item)
        else:
            yield item


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _copy(value: Any) -> Any:
    """A deep copy of JSON data, faster than `copy.deepcopy`."""
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    return value
