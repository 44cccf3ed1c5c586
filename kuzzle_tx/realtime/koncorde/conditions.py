# -*- test-case-name: tests.realtime.test_koncorde_operators -*-
"""
The leaves of a normalized filter: one class per kind of condition.

A condition is a value: its identity is ``key``, the canonical JSON of its
standardized form, so that a condition written twice, in two rooms or in two
branches of one filter, is stored and tested once. ``matches(flat)`` tests it
alone against a flattened document (see `values.flatten`); the index
(`index.CollectionIndex`) avoids calling it for equals, exists and range.

A negated condition is the plain complement of its condition: ``not equals``
matches a document without the field, ``not range`` a non-number, and so on.
"""

from __future__ import annotations

from typing import Any, ClassVar

import attrs

from . import geo
from .regexps import Tester
from .values import MISSING, canonical_json, flatten, is_number, js_type, scalar_key

Literal = tuple["Condition", bool]
"""A condition and whether it is negated."""

Groups = tuple[tuple[Literal, ...], ...]
"""A filter in disjunctive normal form: OR of AND-groups of literals."""


@attrs.frozen(eq=False)
class Condition:
    """A test of one document field (or of the whole document)."""

    kind: ClassVar[str] = ""
    field: str
    """The tested field ("" for conditions on the whole document)."""
    key: str = attrs.field(init=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "key", canonical_json(self.to_json()))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Condition) and other.key == self.key

    def __hash__(self) -> int:
        return hash(self.key)

    def to_json(self) -> dict[str, Any]:
        """The condition's standardized form, as it appears in the DNF."""
        raise NotImplementedError

    def matches(self, flat: dict[str, Any]) -> bool:
        """Whether the (flattened) document satisfies the condition."""
        raise NotImplementedError


@attrs.frozen(eq=False)
class Everything(Condition):
    """The empty filter: matches every document."""

    kind = "everything"

    def to_json(self) -> dict[str, Any]:
        return {"everything": True}

    def matches(self, flat: dict[str, Any]) -> bool:
        return True


@attrs.frozen(eq=False)
class Nothing(Condition):
    """The internal ``nothing`` keyword: matches no document."""

    kind = "nothing"

    def to_json(self) -> dict[str, Any]:
        return {"nothing": True}

    def matches(self, flat: dict[str, Any]) -> bool:
        return False


@attrs.frozen(eq=False)
class Equals(Condition):
    """The field holds this scalar (same type; an array never equals it)."""

    kind = "equals"
    value: Any

    def to_json(self) -> dict[str, Any]:
        return {"equals": {self.field: self.value}}

    def matches(self, flat: dict[str, Any]) -> bool:
        return scalar_key(flat.get(self.field, MISSING)) == scalar_key(self.value)


@attrs.frozen(eq=False)
class Exists(Condition):
    """
    The field is present (even null); with ``array``, the field is an array
    holding the scalar ``value``.
    """

    kind = "exists"
    array: bool
    value: Any

    def to_json(self) -> dict[str, Any]:
        return {"exists": {"path": self.field, "array": self.array, "value": self.value}}

    def matches(self, flat: dict[str, Any]) -> bool:
        if not self.array:
            return self.field in flat
        values = flat.get(self.field, MISSING)
        if type(values) is not list:
            return False
        wanted = scalar_key(self.value)
        return any(scalar_key(item) == wanted for item in values)


@attrs.frozen(eq=False)
class Range(Condition):
    """The field is a number within the bounds (``gt``/``gte``, ``lt``/``lte``)."""

    kind = "range"
    bounds: dict[str, Any] = attrs.field(repr=True)
    low: float = attrs.field(init=False, repr=False)
    low_inclusive: bool = attrs.field(init=False, repr=False)
    high: float = attrs.field(init=False, repr=False)
    high_inclusive: bool = attrs.field(init=False, repr=False)

    def __attrs_post_init__(self) -> None:
        # An absent bound accepts every number, infinities included.
        low, low_inclusive = -float("inf"), True
        high, high_inclusive = float("inf"), True
        for name, value in self.bounds.items():
            if name in ("gt", "gte"):
                low, low_inclusive = value, name == "gte"
            else:
                high, high_inclusive = value, name == "lte"
        object.__setattr__(self, "low", low)
        object.__setattr__(self, "low_inclusive", low_inclusive)
        object.__setattr__(self, "high", high)
        object.__setattr__(self, "high_inclusive", high_inclusive)
        super().__attrs_post_init__()

    def to_json(self) -> dict[str, Any]:
        return {"range": {self.field: self.bounds}}

    def contains(self, number: float) -> bool:
        """Whether the number lies within the bounds."""
        low = self.low
        high = self.high
        return (low < number or (self.low_inclusive and low == number)) and (
            number < high or (self.high_inclusive and number == high)
        )

    def matches(self, flat: dict[str, Any]) -> bool:
        value = flat.get(self.field, MISSING)
        return is_number(value) and self.contains(value)


@attrs.frozen(eq=False)
class Regexp(Condition):
    """The field is a string in which the pattern is found."""

    kind = "regexp"
    pattern: str
    flags: str | None
    tester: Tester = attrs.field(repr=False)

    def to_json(self) -> dict[str, Any]:
        spec: dict[str, Any] = {"value": self.pattern}
        if self.flags:
            spec["flags"] = self.flags
        return {"regexp": {self.field: spec}}

    def matches(self, flat: dict[str, Any]) -> bool:
        value = flat.get(self.field, MISSING)
        return type(value) is str and self.tester(value)


@attrs.frozen(eq=False)
class Geo(Condition):
    """A geospatial condition: the field is a geopoint inside a shape."""

    def matches(self, flat: dict[str, Any]) -> bool:
        point = geo.convert_geopoint(flat.get(self.field, MISSING))
        return point is not None and self.contains(point)

    def contains(self, point: geo.Point) -> bool:
        raise NotImplementedError


@attrs.frozen(eq=False)
class GeoBoundingBox(Geo):
    """Inside a box; ``left`` east of ``right`` crosses the antimeridian."""

    kind = "geoBoundingBox"
    top: float
    left: float
    bottom: float
    right: float

    def to_json(self) -> dict[str, Any]:
        box = {"top": self.top, "left": self.left, "bottom": self.bottom, "right": self.right}
        return {"geospatial": {"geoBoundingBox": {self.field: box}}}

    def contains(self, point: geo.Point) -> bool:
        return geo.in_bounding_box(point, self.top, self.left, self.bottom, self.right)


@attrs.frozen(eq=False)
class GeoDistance(Geo):
    """Within ``distance`` meters of the origin."""

    kind = "geoDistance"
    lat: float
    lon: float
    distance: float

    def to_json(self) -> dict[str, Any]:
        spec = {"lat": self.lat, "lon": self.lon, "distance": self.distance}
        return {"geospatial": {"geoDistance": {self.field: spec}}}

    def contains(self, point: geo.Point) -> bool:
        return geo.distance(self.lat, self.lon, point[0], point[1]) <= self.distance


@attrs.frozen(eq=False)
class GeoDistanceRange(Geo):
    """Between ``from_`` and ``to`` meters (both included) of the origin."""

    kind = "geoDistanceRange"
    lat: float
    lon: float
    from_: float
    to: float

    def to_json(self) -> dict[str, Any]:
        spec = {"lat": self.lat, "lon": self.lon, "from": self.from_, "to": self.to}
        return {"geospatial": {"geoDistanceRange": {self.field: spec}}}

    def contains(self, point: geo.Point) -> bool:
        meters = geo.distance(self.lat, self.lon, point[0], point[1])
        return self.from_ <= meters <= self.to


@attrs.frozen(eq=False)
class GeoPolygon(Geo):
    """Inside the (automatically closed) polygon, or on its boundary."""

    kind = "geoPolygon"
    points: tuple[tuple[float, float], ...]
    vertices: list[tuple[float, float]] = attrs.field(init=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "vertices", geo.unwrap_polygon([list(p) for p in self.points]))
        super().__attrs_post_init__()

    def to_json(self) -> dict[str, Any]:
        return {"geospatial": {"geoPolygon": {self.field: [list(p) for p in self.points]}}}

    def contains(self, point: geo.Point) -> bool:
        return geo.in_polygon(point, self.vertices)


@attrs.frozen(eq=False)
class Match(Condition):
    """
    The document contains ``value``: scalars equal, objects match key by key,
    and each element of an array matches a distinct element of the document's.
    """

    kind = "match"
    value: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"match": self.value}

    def matches(self, flat: dict[str, Any]) -> bool:
        return match_object(flat, self.value)


@attrs.frozen(eq=False)
class Select(Condition):
    """The element ``index`` of the array field matches a query (as ``value``)."""

    kind = "select"
    index: int
    groups: Groups = attrs.field(repr=False)
    query: list[list[dict[str, Any]]]

    def to_json(self) -> dict[str, Any]:
        return {"select": {"field": self.field, "index": self.index, "query": self.query}}

    def matches(self, flat: dict[str, Any]) -> bool:
        values = flat.get(self.field, MISSING)
        if type(values) is not list:
            return False
        position = self.index if self.index >= 0 else len(values) + self.index
        if not 0 <= position < len(values):
            return False
        return evaluate(self.groups, flatten({"value": values[position]}))


def evaluate(groups: Groups, flat: dict[str, Any]) -> bool:
    """Whether a flattened document satisfies a filter in DNF, condition by condition."""
    return any(all(cond.matches(flat) is not negated for cond, negated in g) for g in groups)


def match_any(subject: Any, expected: Any) -> bool:
    """Koncorde's recursive ``match`` of one value against the expected one."""
    if js_type(subject) != js_type(expected):
        return False
    if isinstance(subject, dict | list) and expected is not None:
        if isinstance(subject, list) != isinstance(expected, list):
            return False
        if isinstance(subject, list):
            return match_array(subject, expected)
        return match_object(subject, expected)
    if isinstance(subject, dict | list) or isinstance(expected, dict | list):
        return False
    return subject == expected


def match_array(subject: list[Any], expected: list[Any]) -> bool:
    """Each expected element matches a distinct element of ``subject``."""
    if len(subject) < len(expected):
        return False
    remaining = list(subject)
    for wanted in expected:
        for position, candidate in enumerate(remaining):
            if match_any(candidate, wanted):
                del remaining[position]
                break
        else:
            return False
    return True


def match_object(subject: dict[str, Any], expected: dict[str, Any]) -> bool:
    """Each expected key matches the subject's value under that key."""
    return all(match_any(subject.get(key, MISSING), value) for key, value in expected.items())
