# -*- test-case-name: tests.storage.test_source_filter -*-
"""
Elasticsearch's source filtering: which part of each hit's ``_source`` a search
returns. `parse_source_filter` reads the options of a search body (``_source``,
``_source_includes``, ``_source_excludes``) into a `SourceFilter`, which applies them
to each hit.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import attrs

from kuzzle_tx.storage.query_args import invalid

_DROP: Any = object()


@attrs.frozen
class SourceFilter:
    """
    Which part of ``_source`` each hit returns, as Elasticsearch's source filtering:
    ``enabled`` false returns none; ``includes`` (empty: everything) then ``excludes``
    select dotted paths, ``*`` matching any run of characters, dots included. Including
    a path keeps everything below it; including ``a.b`` keeps ``a`` with only ``b``.
    """

    enabled: bool = True
    includes: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()

    def apply(self, source: dict[str, Any]) -> dict[str, Any] | None:
        """The filtered source (``source`` itself when nothing is filtered)."""
        if not self.enabled:
            return None
        if not self.includes and not self.excludes:
            return source
        return self._object(source, "", not self.includes)

    def _object(self, value: dict[str, Any], prefix: str, included: bool) -> dict[str, Any]:
        kept: dict[str, Any] = {}
        for key, child in value.items():
            path = prefix + key
            if any(_glob(pattern).fullmatch(path) for pattern in self.excludes):
                continue
            if included or any(_glob(pattern).fullmatch(path) for pattern in self.includes):
                kept[key] = self._value(child, path, True)
            elif any(_may_match_below(pattern, path) for pattern in self.includes):
                filtered = self._value(child, path, False)
                if filtered is not _DROP:
                    kept[key] = filtered
        return kept

    def _value(self, value: Any, path: str, included: bool) -> Any:
        if included and not self.excludes:
            return value
        if isinstance(value, dict):
            kept = self._object(value, path + ".", included)
            return kept if kept or included else _DROP
        if isinstance(value, list):
            items = [self._value(item, path, included) for item in value]
            items = [item for item in items if item is not _DROP]
            return items if items or included else _DROP
        return value if included else _DROP


@functools.lru_cache(maxsize=256)
def _glob(pattern: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in pattern.split("*")), re.DOTALL)


def _may_match_below(pattern: str, path: str) -> bool:
    """Whether ``pattern`` can match some path under ``path`` (``path.something``)."""
    head = path + "."
    first, star, _ = pattern.partition("*")
    if not star:
        return pattern.startswith(head)
    # The first star can absorb whatever follows the literal start of the pattern.
    return head.startswith(first) or first.startswith(head)


def parse_source_filter(body: dict[str, Any]) -> SourceFilter:
    """The source filtering a search body asks for (everything, by default)."""
    enabled = True
    includes: list[str] = []
    excludes: list[str] = []
    spec = body.get("_source")
    if isinstance(spec, bool):
        enabled = spec
    elif isinstance(spec, str | list):
        includes += _patterns(spec, "_source")
    elif isinstance(spec, dict):
        for name, value in spec.items():
            if name in ("includes", "include"):
                includes += _patterns(value, f"_source.{name}")
            elif name in ("excludes", "exclude"):
                excludes += _patterns(value, f"_source.{name}")
            else:
                raise invalid(f"_source.{name}", "includes or excludes")
    elif spec is not None:
        raise invalid("_source", "a boolean, field patterns, or {includes, excludes}")
    if body.get("_source_includes") is not None:
        includes += _patterns(body["_source_includes"], "_source_includes", split=True)
    if body.get("_source_excludes") is not None:
        excludes += _patterns(body["_source_excludes"], "_source_excludes", split=True)
    return SourceFilter(enabled, tuple(includes), tuple(excludes))


def _patterns(value: Any, where: str, split: bool = False) -> list[str]:
    """Field patterns: one string (comma-separated where ES takes a URL argument) or a list."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",")] if split else [value]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)
    raise invalid(where, "a field pattern or an array of field patterns")
