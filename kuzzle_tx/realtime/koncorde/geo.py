# -*- test-case-name: tests.realtime.test_koncorde_geo -*-
"""
Geopoints, geodistances and the shapes Koncorde tests points against.

Points are ``(lat, lon)`` tuples in degrees. Distances are in meters, measured
on the WGS84 ellipsoid with the Andoyer-Lambert first-order formula: the
formula Boost.Geometry applies by default to geographic points, which is what
Koncorde's geospatial index (boost-geospatial-index) uses.
"""

from __future__ import annotations

import math
import re
from typing import Any

from .values import js_parse_float

Point = tuple[float, float]

#: WGS84 semi-major axis (meters) and flattening.
WGS84_A = 6378137.0
WGS84_F = 1 / 298.257223563

_GEOHASH_ALPHABET = "0123456789bcdefghjkmnpqrstuvwxyz"
_GEOHASH_BITS = {char: index for index, char in enumerate(_GEOHASH_ALPHABET)}
_GEOHASH = re.compile(r"[0-9a-z]{4,}")

_SNAKE_TO_CAMEL = {"lat_lon": "latLon", "top_left": "topLeft", "bottom_right": "bottomRight"}

_UNITS = {
    "m": 1.0,
    "meter": 1.0,
    "meters": 1.0,
    "metre": 1.0,
    "metres": 1.0,
    "ft": 0.3048,
    "foot": 0.3048,
    "feet": 0.3048,
    "feets": 0.3048,
    "in": 0.0254,
    "inch": 0.0254,
    "inches": 0.0254,
    "yd": 0.9144,
    "yard": 0.9144,
    "yards": 0.9144,
    "mi": 1609.344,
    "mile": 1609.344,
    "miles": 1609.344,
}
_UNIT_NAMES = sorted(_UNITS, key=len, reverse=True)

# SI prefixes, as they read once the distance is lower-cased (so "Mm" reads
# as millimeters, as it does in Koncorde).
_PREFIXES = {
    "yocto": 1e-24,
    "zepto": 1e-21,
    "atto": 1e-18,
    "femto": 1e-15,
    "pico": 1e-12,
    "nano": 1e-9,
    "micro": 1e-6,
    "milli": 1e-3,
    "centi": 1e-2,
    "deci": 1e-1,
    "deca": 1e1,
    "deka": 1e1,
    "hecto": 1e2,
    "kilo": 1e3,
    "mega": 1e6,
    "giga": 1e9,
    "tera": 1e12,
    "peta": 1e15,
    "exa": 1e18,
    "zetta": 1e21,
    "yotta": 1e24,
    "y": 1e-24,
    "z": 1e-21,
    "a": 1e-18,
    "f": 1e-15,
    "p": 1e-12,
    "n": 1e-9,
    "u": 1e-6,
    "\u00b5": 1e-6,
    "m": 1e-3,
    "c": 1e-2,
    "d": 1e-1,
    "da": 1e1,
    "h": 1e2,
    "k": 1e3,
    "g": 1e9,
    "t": 1e12,
    "e": 1e18,
}
_DISTANCE = re.compile(r"(\d+(?:\.\d*)?|\.\d+)([a-z\u00b5]*)")


def camel_case_keys(obj: dict[str, Any]) -> dict[str, Any]:
    """``lat_lon``, ``top_left`` and ``bottom_right`` renamed to camelCase."""
    return {_SNAKE_TO_CAMEL.get(key, key): value for key, value in obj.items()}


def convert_geopoint(point: Any) -> Point | None:
    """
    A geopoint in any accepted format, as ``(lat, lon)``; None if the value is
    not a geopoint. Formats: ``[lat, lon]``, ``"lat, lon"``, a geohash,
    ``{lat, lon}``, and ``{latLon | lat_lon: <any of these but an object with
    latLon>}``.
    """
    if isinstance(point, str):
        return _from_string(point) if point else None
    if isinstance(point, list):
        return _to_point(point[0], point[1]) if len(point) == 2 else None
    if not isinstance(point, dict):
        return None
    obj = camel_case_keys(point)
    if "lat" in obj and "lon" in obj:
        return _to_point(obj["lat"], obj["lon"])
    if "latLon" in obj:
        inner = obj["latLon"]
        if isinstance(inner, list):
            return _to_point(inner[0], inner[1]) if len(inner) == 2 else None
        if isinstance(inner, dict) and "lat" in inner and "lon" in inner:
            return _to_point(inner["lat"], inner["lon"])
        if isinstance(inner, str):
            return _from_string(inner)
    return None


def _from_string(text: str) -> Point | None:
    parts = text.split(",")
    if len(parts) == 2:
        return _to_point(parts[0], parts[1])
    if _GEOHASH.fullmatch(text):
        return decode_geohash(text)
    return None


def _to_point(lat: Any, lon: Any) -> Point | None:
    lat_n = js_parse_float(lat)
    lon_n = js_parse_float(lon)
    if math.isnan(lat_n) or math.isnan(lon_n):
        return None
    return (lat_n, lon_n)


def decode_geohash(geohash: str) -> Point | None:
    """The center of a geohash cell; None if it has a character outside base32."""
    lat_lo, lat_hi, lon_lo, lon_hi = -90.0, 90.0, -180.0, 180.0
    even = True
    for char in geohash:
        bits = _GEOHASH_BITS.get(char)
        if bits is None:
            return None
        for shift in range(4, -1, -1):
            bit = (bits >> shift) & 1
            if even:
                middle = (lon_lo + lon_hi) / 2
                if bit:
                    lon_lo = middle
                else:
                    lon_hi = middle
            else:
                middle = (lat_lo + lat_hi) / 2
                if bit:
                    lat_lo = middle
                else:
                    lat_hi = middle
            even = not even
    return ((lat_lo + lat_hi) / 2, (lon_lo + lon_hi) / 2)


def convert_distance(distance: Any) -> float:
    """
    A geodistance in meters: a number (meters) or a string such as ``"10km"``,
    ``"3 258,55 Ft"`` or ``"1000"`` (meters when no unit is given). Spaces and
    dashes are ignored and ``,`` is a decimal separator, as in Koncorde.
    Raise ValueError with Koncorde's message if it cannot be read.
    """
    if isinstance(distance, int | float) and not isinstance(distance, bool):
        if math.isfinite(distance):
            return float(distance)
    elif isinstance(distance, str):
        cleaned = re.sub(r"[-\s]", "", distance).replace(",", ".").lower()
        match = _DISTANCE.fullmatch(cleaned)
        if match is not None:
            factor = _unit_factor(match.group(2))
            if factor is not None:
                return float(match.group(1)) * factor
    raise ValueError(f'unable to parse distance value "{distance}"')


def _unit_factor(unit: str) -> float | None:
    if not unit:
        return 1.0
    for name in _UNIT_NAMES:
        if unit.endswith(name):
            prefix = unit[: -len(name)]
            if not prefix:
                return _UNITS[name]
            if prefix in _PREFIXES:
                return _PREFIXES[prefix] * _UNITS[name]
    return None


def distance(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """
    Meters between two points on the WGS84 ellipsoid (Andoyer-Lambert
    first-order approximation, after P. D. Thomas, 1965).
    """
    if lat1 == lat2 and lon1 == lon2:
        return 0.0
    phi1 = math.radians(lat1)
    phi2 = math.radians(lat2)
    dlon = math.radians(lon2 - lon1)
    sin1, cos1 = math.sin(phi1), math.cos(phi1)
    sin2, cos2 = math.sin(phi2), math.cos(phi2)
    cos_d = max(-1.0, min(1.0, sin1 * sin2 + cos1 * cos2 * math.cos(dlon)))
    d = math.acos(cos_d)
    sin_d = math.sin(d)
    k = (sin1 - sin2) ** 2
    l_ = (sin1 + sin2) ** 2
    one_minus = 1.0 - cos_d
    one_plus = 1.0 + cos_d
    h = 0.0 if one_minus == 0.0 else (d + 3 * sin_d) / one_minus
    g = 0.0 if one_plus == 0.0 else (d - 3 * sin_d) / one_plus
    return WGS84_A * (d - (WGS84_F / 4) * (h * k + g * l_))


def normalize_longitude(lon: float) -> float:
    """A longitude brought into [-180, 180]."""
    if -180.0 <= lon <= 180.0:
        return lon
    return (lon + 180.0) % 360.0 - 180.0


def in_bounding_box(point: Point, top: float, left: float, bottom: float, right: float) -> bool:
    """
    Whether the point lies in the box, edges included. A box whose ``left`` is
    east of its ``right`` crosses the antimeridian.
    """
    lat, lon = point
    if not min(top, bottom) <= lat <= max(top, bottom):
        return False
    lon = normalize_longitude(lon)
    left = normalize_longitude(left)
    right = normalize_longitude(right)
    if left <= right:
        return left <= lon <= right
    return lon >= left or lon <= right


def unwrap_polygon(points: list[list[float]]) -> list[tuple[float, float]]:
    """
    The polygon's vertices as ``(lon, lat)`` with longitudes made continuous
    (no jump over 180 degrees between neighbours), so that a polygon crossing
    the antimeridian stays one shape.
    """
    unwrapped: list[tuple[float, float]] = []
    previous: float | None = None
    for lat, lon in points:
        lon = normalize_longitude(lon)
        if previous is not None:
            while lon - previous > 180.0:
                lon -= 360.0
            while previous - lon > 180.0:
                lon += 360.0
        unwrapped.append((lon, lat))
        previous = lon
    return unwrapped


def in_polygon(point: Point, vertices: list[tuple[float, float]]) -> bool:
    """
    Whether the point lies inside the closed polygon or on its boundary
    (edges are straight in longitude/latitude). ``vertices`` comes from
    `unwrap_polygon`.
    """
    lat, lon = point
    lon = normalize_longitude(lon)
    return any(_covered(lon + shift, lat, vertices) for shift in (0.0, 360.0, -360.0))


def _covered(x: float, y: float, vertices: list[tuple[float, float]]) -> bool:
    inside = False
    count = len(vertices)
    for index in range(count):
        x1, y1 = vertices[index]
        x2, y2 = vertices[(index + 1) % count]
        if _on_segment(x, y, x1, y1, x2, y2):
            return True
        if (y1 > y) != (y2 > y):
            crossing = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
            if x < crossing:
                inside = not inside
    return inside


def _on_segment(x: float, y: float, x1: float, y1: float, x2: float, y2: float) -> bool:
    if not (min(x1, x2) <= x <= max(x1, x2) and min(y1, y2) <= y <= max(y1, y2)):
        return False
    cross = (x2 - x1) * (y - y1) - (y2 - y1) * (x - x1)
    scale = max(abs(x2 - x1), abs(y2 - y1), 1e-300)
    return abs(cross) <= 1e-12 * scale
