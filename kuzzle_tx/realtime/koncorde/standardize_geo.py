# -*- test-case-name: tests.realtime.test_koncorde_geo -*-
"""
Validation and standardization of the geo keywords: ``geoBoundingBox``,
``geoDistance``, ``geoDistanceRange`` and ``geoPolygon`` (Koncorde 4's rules
and messages). Geopoints become ``(lat, lon)``, geodistances meters.

Deviation: a geodistance may also be a JSON number of meters, where Koncorde
only accepts strings.
"""

from __future__ import annotations

import math
from typing import Any

from . import geo
from .conditions import Condition, GeoBoundingBox, GeoDistance, GeoDistanceRange, GeoPolygon
from .errors import KoncordeError
from .validators import add_path, check_array, check_object, check_string
from .values import MISSING, canonical, compact_json, is_number, js_parse_float, js_truthy

_BBOX = ("top", "left", "bottom", "right")


def geo_bounding_box(filters: dict[str, Any], path: str) -> Condition:
    """``{geoBoundingBox: {field: {top, left, bottom, right} | {topLeft, bottomRight}}}``"""
    keyword = "geoBoundingBox"
    check_object(filters, keyword, keyword, path, properties=1)
    field, raw = next(iter(filters[keyword].items()))
    field_path = add_path(path, field)
    box = geo.camel_case_keys(raw) if isinstance(raw, dict) else {}
    sides: dict[str, float] = {}
    if all(_string_or_number(box.get(side, MISSING)) for side in _BBOX):
        for side in _BBOX:
            number = js_parse_float(box[side])
            if math.isnan(number):
                raise KoncordeError(
                    f"unrecognized geoBoundingBox format: {compact_json(box)}", keyword, field_path
                )
            sides[side] = number
    elif js_truthy(box.get("topLeft", MISSING)) and js_truthy(box.get("bottomRight", MISSING)):
        top_left = geo.convert_geopoint(box["topLeft"])
        bottom_right = geo.convert_geopoint(box["bottomRight"])
        if top_left is not None and bottom_right is not None:
            sides = {
                "top": top_left[0],
                "left": top_left[1],
                "bottom": bottom_right[0],
                "right": bottom_right[1],
            }
    if len(sides) != 4:
        raise KoncordeError("unrecognized geo-point format", keyword, field_path)
    box_numbers = canonical(sides)
    return GeoBoundingBox(
        field, box_numbers["top"], box_numbers["left"], box_numbers["bottom"], box_numbers["right"]
    )


def geo_distance(filters: dict[str, Any], path: str) -> Condition:
    """``{geoDistance: {field: <geopoint>, distance: <geodistance>}}``"""
    keyword = "geoDistance"
    check_object(filters, keyword, keyword, path, properties=2, required=["distance"])
    spec = filters[keyword]
    _check_distance(spec, "distance", keyword, add_path(path, "distance"))
    field = next(name for name in spec if name != "distance")
    point = geo.convert_geopoint(spec[field])
    if point is None:
        raise KoncordeError("unrecognized point format", keyword, add_path(path, field))
    meters = _meters(spec["distance"])
    lat, lon, meters = canonical([point[0], point[1], meters])
    return GeoDistance(field, lat, lon, meters)


def geo_distance_range(filters: dict[str, Any], path: str) -> Condition:
    """``{geoDistanceRange: {field: <geopoint>, from: <geodistance>, to: <geodistance>}}``"""
    keyword = "geoDistanceRange"
    check_object(filters, keyword, keyword, path, properties=3, required=["from", "to"])
    spec = filters[keyword]
    field = next(name for name in spec if name not in ("from", "to"))
    limits = []
    for name in ("from", "to"):
        _check_distance(spec, name, keyword, add_path(path, name))
        limits.append(_meters(spec[name]))
    if limits[0] >= limits[1]:
        raise KoncordeError("inner radius must be smaller than outer radius", keyword, path)
    point = geo.convert_geopoint(spec[field])
    if point is None:
        raise KoncordeError("unrecognized point format", keyword, add_path(path, field))
    lat, lon, low, high = canonical([point[0], point[1], limits[0], limits[1]])
    return GeoDistanceRange(field, lat, lon, low, high)


def geo_polygon(filters: dict[str, Any], path: str) -> Condition:
    """``{geoPolygon: {field: {points: [<geopoint>, <geopoint>, <geopoint>, ...]}}}``"""
    keyword = "geoPolygon"
    check_object(filters, keyword, keyword, path, properties=1)
    field = next(iter(filters[keyword]))
    field_path = add_path(path, field)
    check_object(filters[keyword], field, keyword, field_path, properties=1, required=["points"])
    points_path = add_path(field_path, "points")
    raw_points = check_array(filters[keyword][field], "points", keyword, points_path)
    if len(raw_points) < 3:
        raise KoncordeError(
            "at least 3 points are required to build a polygon", keyword, points_path
        )
    points = []
    for raw in raw_points:
        point = geo.convert_geopoint(raw)
        if point is None:
            raise KoncordeError(
                f'unrecognized point format "{compact_json(raw)}"', keyword, points_path
            )
        points.append(tuple(canonical(list(point))))
    return GeoPolygon(field, tuple(points))


def _string_or_number(value: Any) -> bool:
    return isinstance(value, str) or is_number(value)


def _check_distance(spec: dict[str, Any], name: str, keyword: str, path: str) -> None:
    if not is_number(spec.get(name, MISSING)):
        check_string(spec, name, keyword, path)


def _meters(distance: Any) -> float:
    try:
        return geo.convert_distance(distance)
    except ValueError as error:
        raise KoncordeError(str(error)) from None
