# -*- test-case-name: tests.realtime.test_koncorde_validation -*-
"""
Validation and standardization of Koncorde filters.

`Standardizer.standardize` checks a filter with Koncorde 4's rules and
messages, and rewrites it into a tree of `dnf.And` / `dnf.Or` / `dnf.Not` over
`conditions.Condition` leaves: ``in`` and ``ids`` become ``or`` of ``equals``,
``missing`` becomes ``not exists``, ``bool`` becomes ``and``/``or``/``not``,
``regexp`` gets its ``{value, flags}`` form and compiled pattern, geo shapes
their numeric form in degrees and meters.

The geo keywords are in `standardize_geo`.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from typing import Any

from . import dnf
from .conditions import Condition, Equals, Exists, Match, Range, Regexp, Select
from .dnf import And, Node, Not, Or
from .errors import KoncordeError
from .regexps import compile_regexp
from .standardize_geo import (
    geo_bounding_box,
    geo_distance,
    geo_distance_range,
    geo_polygon,
)
from .validators import add_path, check_array, check_integer, check_object, check_string
from .values import MISSING, canonical, is_number, js_truthy

_ARRAY_FIELD = re.compile(r"^(.*?[^\\])\[(.*)\]$")
_ESCAPED_BRACKET = re.compile(r"\\([\[\]])")
_BOOL_ATTRIBUTES = ["must", "must_not", "should", "should_not"]
_RANGE_ATTRIBUTES = ["gt", "gte", "lt", "lte"]

Handler = Callable[[dict[str, Any], str], Node]


class Standardizer:
    """Checks filters and rewrites them into standardized trees."""

    def __init__(self, regexp_engine: str) -> None:
        self.regexp_engine = regexp_engine
        self._handlers: dict[str, Handler] = {
            "and": self._and,
            "bool": self._bool,
            "equals": self._equals,
            "exists": self._exists,
            "geoBoundingBox": geo_bounding_box,
            "geoDistance": geo_distance,
            "geoDistanceRange": geo_distance_range,
            "geoPolygon": geo_polygon,
            "ids": self._ids,
            "in": self._in,
            "match": self._match,
            "missing": self._missing,
            "not": self._not,
            "nothing": self._nothing,
            "or": self._or,
            "range": self._range,
            "regexp": self._regexp,
            "select": self._select,
        }

    def standardize(self, filters: Any, path: str | None = None) -> Node:
        """
        The standardized tree of ``filters`` (None and ``{}`` match
        everything). Raise `KoncordeError` if the filter is malformed.
        """
        if filters is None:
            return dnf.EVERYTHING
        if not isinstance(filters, dict):
            raise KoncordeError("must be an object", None, path)
        if not filters:
            return dnf.EVERYTHING
        if len(filters) > 1:
            raise KoncordeError(
                "Invalid filter syntax. Filters must have one keyword only",
                ",".join(filters),
                path,
            )
        keyword = next(iter(filters))
        handler = self._handlers.get(keyword)
        if handler is None:
            raise KoncordeError("unknown keyword", keyword, add_path(path, keyword))
        return handler(filters, add_path(path, keyword))

    # -- boolean operands -------------------------------------------------

    def _and(self, filters: dict[str, Any], path: str) -> Node:
        return And(self._operands(filters, "and", path))

    def _or(self, filters: dict[str, Any], path: str) -> Node:
        return Or(self._operands(filters, "or", path))

    def _operands(self, filters: dict[str, Any], operand: str, path: str) -> tuple[Node, ...]:
        check_array(filters, operand, operand, path, non_empty=True)
        items = filters[operand]
        if any(type(item) is not dict or not item for item in items):
            raise KoncordeError("can only contain non-empty objects", operand, path)
        return tuple(self.standardize(item, path) for item in items)

    def _not(self, filters: dict[str, Any], path: str) -> Node:
        check_object(filters, "not", "not", path, properties=1)
        return Not(self.standardize(filters["not"], path))

    def _bool(self, filters: dict[str, Any], path: str) -> Node:
        check_object(filters, "bool", "bool", path, allowed=_BOOL_ATTRIBUTES, non_empty=True)
        clauses = filters["bool"]
        items: list[Any] = []
        must = clauses.get("must", MISSING)
        if js_truthy(must):
            items.extend(must if isinstance(must, list) else [must])
        if js_truthy(clauses.get("must_not", MISSING)):
            items.append({"not": {"or": clauses["must_not"]}})
        if js_truthy(clauses.get("should", MISSING)):
            items.append({"or": clauses["should"]})
        if js_truthy(clauses.get("should_not", MISSING)):
            items.append({"not": {"and": clauses["should_not"]}})
        # Koncorde rewrites, then checks the rewritten filter under "bool".
        return self.standardize({"and": items}, path)

    # -- terms ------------------------------------------------------------

    def _equals(self, filters: dict[str, Any], path: str) -> Node:
        check_object(filters, "equals", "equals", path, properties=1)
        field, value = next(iter(filters["equals"].items()))
        if isinstance(value, dict | list):
            raise KoncordeError(
                "must either be a string, a number, a boolean, or null",
                "equals",
                add_path(path, field),
            )
        return Equals(field, canonical(value))

    def _in(self, filters: dict[str, Any], path: str) -> Node:
        check_object(filters, "in", "in", path, properties=1)
        field = next(iter(filters["in"]))
        check_array(filters["in"], field, "in", add_path(path, field), non_empty=True, of="string")
        return Or(tuple(Equals(field, value) for value in filters["in"][field]))

    def _ids(self, filters: dict[str, Any], path: str) -> Node:
        check_object(filters, "ids", "ids", path, properties=1, required=["values"])
        check_array(
            filters["ids"], "values", "ids", add_path(path, "values"), non_empty=True, of="string"
        )
        return Or(tuple(Equals("_id", value) for value in filters["ids"]["values"]))

    def _exists(self, filters: dict[str, Any], path: str, name: str = "exists") -> Condition:
        value = filters[name]
        if isinstance(value, str):
            if not value:
                raise KoncordeError("cannot test empty field name", name, path)
            return _parse_field(value, name, path)
        check_object(filters, name, name, path, properties=1, required=["field"])
        field_path = add_path(path, "field")
        check_string(value, "field", name, field_path)
        return _parse_field(value["field"], name, field_path)

    def _missing(self, filters: dict[str, Any], path: str) -> Node:
        return Not(self._exists(filters, path, "missing"))

    def _nothing(self, filters: dict[str, Any], path: str) -> Node:
        return dnf.NOTHING

    def _range(self, filters: dict[str, Any], path: str) -> Node:
        check_object(filters, "range", "range", path, properties=1)
        field = next(iter(filters["range"]))
        field_path = f"{path}.{field}"
        check_object(
            filters["range"], field, "range", field_path, allowed=_RANGE_ATTRIBUTES, non_empty=True
        )
        bounds = filters["range"][field]
        low = -float("inf")
        high = float("inf")
        for name, value in bounds.items():
            if not is_number(value) or not math.isfinite(value):
                raise KoncordeError("must be a number", "range", add_path(field_path, name))
            if name in ("lt", "lte"):
                if high != float("inf"):
                    raise KoncordeError("only 1 upper boundary allowed", "range", field_path)
                high = value
            else:
                if low != -float("inf"):
                    raise KoncordeError("only 1 lower boundary allowed", "range", field_path)
                low = value
        if high <= low:
            raise KoncordeError(
                "lower boundary must be strictly inferior to the upper one", "range", field_path
            )
        return Range(field, canonical(dict(bounds)))

    def _regexp(self, filters: dict[str, Any], path: str) -> Node:
        check_object(filters, "regexp", "regexp", path, properties=1)
        field, spec = next(iter(filters["regexp"].items()))
        field_path = add_path(path, field)
        flags: str | None = None
        if isinstance(spec, str):
            pattern: Any = spec
        elif isinstance(spec, dict):
            check_object(
                filters["regexp"],
                field,
                "regexp",
                field_path,
                allowed=["flags", "value"],
                non_empty=True,
                required=["value"],
            )
            pattern = spec["value"]
            if js_truthy(spec.get("flags", MISSING)):
                check_string(spec, "flags", "regexp", add_path(field_path, "flags"))
                flags = spec["flags"]
        else:
            raise KoncordeError(
                "must be either a string or a non-empty object", "regexp", field_path
            )
        try:
            if not isinstance(pattern, str):
                raise ValueError("the pattern must be a string")
            tester = compile_regexp(pattern, flags, self.regexp_engine)
        except ValueError as error:
            shown = "undefined" if flags is None else flags
            raise KoncordeError(
                f'cannot parse regexp expression "/{pattern}/{shown}" ({error})',
                "regexp",
                field_path,
            ) from None
        return Regexp(field, pattern, "".join(sorted(flags)) if flags else None, tester)

    def _match(self, filters: dict[str, Any], path: str) -> Node:
        check_object(filters, "match", "match", path, non_empty=True)
        return Match("", canonical(filters["match"]))

    def _select(self, filters: dict[str, Any], path: str) -> Node:
        check_object(filters, "select", "select", path, properties=3)
        spec = filters["select"]
        check_string(spec, "field", "select", add_path(path, "field"))
        check_integer(spec, "index", "select", add_path(path, "index"))
        query_path = add_path(path, "query")
        check_object(spec, "query", "select", query_path, non_empty=True)
        groups = dnf.to_groups(self.standardize(spec["query"], query_path))
        return Select(spec["field"], int(spec["index"]), groups, dnf.groups_to_json(groups))


def _parse_field(text: str, keyword: str, path: str) -> Condition:
    """``exists``/``missing`` field syntax: ``a.b`` or ``a.b[<JSON scalar>]``."""
    found = _ARRAY_FIELD.match(text)
    field = text
    value: Any = None
    if found is not None:
        field, raw = found.group(1), found.group(2)
        try:
            value = json.loads(raw, parse_constant=_reject_constant)
        except ValueError:
            raise KoncordeError(
                f'contains an invalid array value ("{raw}")', keyword, path
            ) from None
    field = _ESCAPED_BRACKET.sub(r"\1", field)
    return Exists(field, found is not None, canonical(value))


def _reject_constant(name: str) -> Any:
    raise ValueError(name)
