# -*- test-case-name: tests.storage.test_geo_match -*-
"""
Koncorde's geo clauses (``geoBoundingBox``, ``geoDistance``, ``geoDistanceRange``,
``geoPolygon``) as search conditions (``lang: "koncorde"``), with exactly the
semantics of realtime subscriptions: the clause is standardized by Koncorde and
tested against the document's geopoint (any format Koncorde reads), found
through objects at the clause's field path.

A `kuzzle_tx.storage.query_ast.GeoShape` carries the clause as compact JSON, so the
SQLite function and the Python evaluator rebuild (and cache) the same condition.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from kuzzle_tx import codec
from kuzzle_tx.realtime.koncorde.conditions import Condition
from kuzzle_tx.realtime.koncorde.standardize_geo import (
    geo_bounding_box,
    geo_distance,
    geo_distance_range,
    geo_polygon,
)
from kuzzle_tx.realtime.koncorde.values import MISSING

GEO_KEYWORDS: dict[str, Callable[[dict[str, Any], str], Condition]] = {
    "geoBoundingBox": geo_bounding_box,
    "geoDistance": geo_distance,
    "geoDistanceRange": geo_distance_range,
    "geoPolygon": geo_polygon,
}


def clause_json(clause: dict[str, Any]) -> str:
    """The canonical text of a geo clause (a `GeoShape`'s ``clause``)."""
    return codec.dumps(clause).decode()


@functools.lru_cache(maxsize=512)
def geo_condition(clause: str) -> Condition:
    """The Koncorde condition of a geo clause (validated by Koncorde already)."""
    parsed = codec.loads(clause)
    ((keyword, _),) = parsed.items()
    return GEO_KEYWORDS[keyword](parsed, "")


def geo_matches(clause: str, source: dict[str, Any]) -> bool:
    """Whether a document's geopoint at the clause's field is inside its shape."""
    condition = geo_condition(clause)
    field: str = condition.field
    value = value_at(source, field)
    return value is not MISSING and condition.matches({field: value})


def value_at(source: dict[str, Any], path: str) -> Any:
    """The value at a dot path through objects only (Koncorde's paths), or MISSING."""
    node: Any = source
    for key in path.split("."):
        if not isinstance(node, dict) or key not in node:
            return MISSING
        node = node[key]
    return node
