# -*- test-case-name: tests.storage.test_dynamic_mapping -*-
"""
Elasticsearch's dynamic mapping without Elasticsearch: `extend_for_document` grows a
normalized mapping by the new fields of a document about to be written, inferring
their types as Elasticsearch does (numbers, booleans, dates, text with a keyword
sub-field), or refuses the document under a ``strict`` mapping.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from typing import Any

import attrs

from kuzzle_tx.errors import KuzzleError
from kuzzle_tx.storage.mapping_form import (
    KUZZLE_META_MAPPING,
    copy_json,
    dynamic_policy,
    join_path,
)


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
                field = copy_json(KUZZLE_META_MAPPING["_kuzzle_info"])
            elif dynamic == "strict":
                raise KuzzleError(
                    "services.storage.strict_mapping_rejection",
                    join_path(prefix, key),
                    target.index,
                    target.collection,
                )
            elif dynamic == "false":
                continue
            else:
                field = _infer(value, join_path(prefix, key), target)
                if field is None:
                    continue
            grown = dict(properties) if grown is None else grown
            grown[key] = field
        if "properties" in field and field.get("enabled", True):
            path = join_path(prefix, key)
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
    return copy_json(_TEXT_FIELD)


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
