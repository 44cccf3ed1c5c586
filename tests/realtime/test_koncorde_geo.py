# -*- test-case-name: tests.realtime.test_koncorde_geo -*-
"""
Geopoints, geodistances and the geo keywords of Koncorde (kuzzle-api.md
§6.2): ``geoBoundingBox`` (including boxes across the antimeridian),
``geoDistance``, ``geoDistanceRange`` and ``geoPolygon``.
"""

from __future__ import annotations

from typing import Any

from twisted.trial.unittest import SynchronousTestCase

from kuzzle_tx.realtime.koncorde import Koncorde, KoncordeError, geo

from .koncorde_support import matches, room_id

MONTPELLIER = (43.6021299, 3.8989713)


class GeopointTests(SynchronousTestCase):
    def test_formats(self) -> None:
        """Every documented geopoint format gives the same coordinates."""
        lat, lon = MONTPELLIER
        for point in (
            [lat, lon],
            f"{lat}, {lon}",
            f"{lat},{lon}",
            {"lat": lat, "lon": lon},
            {"latLon": [lat, lon]},
            {"latLon": {"lat": lat, "lon": lon}},
            {"latLon": f"{lat}, {lon}"},
            {"lat_lon": [lat, lon]},
            {"lat_lon": {"lat": lat, "lon": lon}},
            {"lat_lon": f"{lat}, {lon}"},
            {"lat": str(lat), "lon": str(lon)},
        ):
            self.assertEqual(geo.convert_geopoint(point), MONTPELLIER, point)

    def test_geohash(self) -> None:
        """A geohash is the center of its cell."""
        for point in ("spfb09x0ud5s", {"latLon": "spfb09x0ud5s"}, {"lat_lon": "spfb09x0ud5s"}):
            converted = geo.convert_geopoint(point)
            assert converted is not None
            self.assertAlmostEqual(converted[0], MONTPELLIER[0], places=6)
            self.assertAlmostEqual(converted[1], MONTPELLIER[1], places=6)

    def test_not_geopoints(self) -> None:
        """Other values are not geopoints."""
        for point in (None, 42, True, "", "abc", "ailo", [1], [1, 2, 3], {"lat": 1}, ["a", "b"]):
            self.assertIsNone(geo.convert_geopoint(point), point)


class GeodistanceTests(SynchronousTestCase):
    def assertClose(self, actual: float, expected: float, tolerance: float) -> None:
        self.assertTrue(abs(actual - expected) <= tolerance, f"{actual} != {expected}")

    def test_documented_forms(self) -> None:
        """The documented spellings of 1 km all read as 1000 meters."""
        for text in (
            "1000",
            "1000 m",
            "1km",
            "1 kilometer",
            "3280.839895013123 ft",
            "3280.839895013123FT",
            "39370.078740157485 inches",
            "39370.078740157485 inch",
            "39370.078740157485 in",
            "1 093,6132983377079 yd",
            "0.6213727366498067 miles",
            "100000 cm",
            "1000000mm",
        ):
            self.assertClose(geo.convert_distance(text), 1000.0, 0.01)

    def test_number(self) -> None:
        """A number is a distance in meters (an extension of Koncorde)."""
        self.assertEqual(geo.convert_distance(250), 250.0)

    def test_unreadable(self) -> None:
        """Unknown units and garbage are refused with Koncorde's message."""
        for text in ("12 parsecs", "km", "", "1.2.3 m", None, True):
            error = self.assertRaises(ValueError, geo.convert_distance, text)
            self.assertEqual(str(error), f'unable to parse distance value "{text}"')

    def test_ellipsoidal_distance(self) -> None:
        """Distances are measured on the WGS84 ellipsoid, as Koncorde's Boost index does."""
        self.assertClose(geo.distance(0, 0, 0, 1), 111319.49, 0.01)
        self.assertClose(geo.distance(0, 0, 1, 0), 110574.39, 2)
        self.assertClose(geo.distance(48.8566, 2.3522, 51.5074, -0.1278), 343924, 50)
        self.assertEqual(geo.distance(10, 20, 10, 20), 0)
        self.assertClose(geo.distance(0, 179.5, 0, -179.5), 111319.49, 0.01)


class BoundingBoxTests(SynchronousTestCase):
    box = {"top": 44, "left": 3, "bottom": 43, "right": 4}

    def test_inside_and_outside(self) -> None:
        """A point inside the box (edges included) matches, outside does not."""
        filters = {"geoBoundingBox": {"location": self.box}}
        self.assertTrue(matches(filters, {"location": {"lat": 43.5, "lon": 3.5}}))
        self.assertTrue(matches(filters, {"location": [44, 3]}))
        self.assertFalse(matches(filters, {"location": {"lat": 45, "lon": 3.5}}))
        self.assertFalse(matches(filters, {"location": "43.5, 5"}))
        self.assertFalse(matches(filters, {"location": "not a point"}))
        self.assertFalse(matches(filters, {}))

    def test_corner_formats(self) -> None:
        """``topLeft``/``bottomRight`` (or snake case) and numeric strings: the same box."""
        same = [
            {"top": "44", "left": "3", "bottom": "43.0", "right": 4},
            {"topLeft": {"lat": 44, "lon": 3}, "bottomRight": {"lat": 43, "lon": 4}},
            {"top_left": "44, 3", "bottom_right": [43, 4]},
        ]
        expected = room_id({"geoBoundingBox": {"location": self.box}})
        for box in same:
            filters = {"geoBoundingBox": {"location": box}}
            self.assertEqual(room_id(filters), expected, box)
            self.assertTrue(matches(filters, {"location": list(MONTPELLIER)}))

    def test_antimeridian(self) -> None:
        """A box whose left side is east of its right side crosses the antimeridian."""
        filters = {"geoBoundingBox": {"p": {"top": 10, "left": 170, "bottom": -10, "right": -170}}}
        self.assertTrue(matches(filters, {"p": [0, 175]}))
        self.assertTrue(matches(filters, {"p": [0, -175]}))
        self.assertTrue(matches(filters, {"p": [0, 180]}))
        self.assertTrue(matches(filters, {"p": [0, 190]}))
        self.assertFalse(matches(filters, {"p": [0, 0]}))
        self.assertFalse(matches(filters, {"p": [0, 160]}))
        self.assertFalse(matches(filters, {"p": [20, 175]}))

    def test_not(self) -> None:
        """``not geoBoundingBox`` matches points outside, non-points and absent fields."""
        filters = {"not": {"geoBoundingBox": {"location": self.box}}}
        self.assertFalse(matches(filters, {"location": [43.5, 3.5]}))
        self.assertTrue(matches(filters, {"location": [0, 0]}))
        self.assertTrue(matches(filters, {"location": "garbage"}))
        self.assertTrue(matches(filters, {}))


class DistanceTests(SynchronousTestCase):
    def test_within(self) -> None:
        """``geoDistance`` matches points within the distance of the origin."""
        filters = {"geoDistance": {"location": {"lat": 0, "lon": 0}, "distance": "112km"}}
        self.assertTrue(matches(filters, {"location": [0, 1]}))
        self.assertTrue(matches(filters, {"location": "0, -1"}))
        self.assertFalse(matches(filters, {"location": [0, 1.01]}))

    def test_units(self) -> None:
        """Distances in other units are converted to meters."""
        filters = {"geoDistance": {"location": [0, 0], "distance": "69.2 miles"}}
        self.assertTrue(matches(filters, {"location": [0, 1]}))
        filters = {"geoDistance": {"location": [0, 0], "distance": "68 mi"}}
        self.assertFalse(matches(filters, {"location": [0, 1]}))

    def test_documented_example(self) -> None:
        """Koncorde's example: Ada Lovelace is within 10km of that point, Grace Hopper is not."""
        filters = {
            "geoDistance": {"location": {"lat": 51.5029017, "lon": -0.1606903}, "distance": "10km"}
        }
        self.assertTrue(matches(filters, {"location": {"lat": 51.519291, "lon": -0.149817}}))
        self.assertFalse(matches(filters, {"location": {"lat": 32.692742, "lon": -97.114127}}))

    def test_across_antimeridian(self) -> None:
        """Distances wrap around the antimeridian."""
        filters = {"geoDistance": {"p": [0, 179.9], "distance": "30km"}}
        self.assertTrue(matches(filters, {"p": [0, -179.9]}))

    def test_range(self) -> None:
        """``geoDistanceRange`` matches points between ``from`` and ``to``."""
        filters = {"geoDistanceRange": {"p": [0, 0], "from": "100km", "to": "200km"}}
        self.assertFalse(matches(filters, {"p": [0, 0.5]}))
        self.assertTrue(matches(filters, {"p": [0, 1]}))
        self.assertFalse(matches(filters, {"p": [0, 2]}))
        self.assertTrue(matches({"not": filters}, {"p": [0, 2]}))

    def test_documented_range_example(self) -> None:
        """Koncorde's ``geoDistanceRange`` example matches Ada Lovelace only."""
        filters = {
            "geoDistanceRange": {
                "location": [51.5029017, -0.1606903],
                "from": "1km",
                "to": "10 kilometers",
            }
        }
        self.assertTrue(matches(filters, {"location": {"lat": 51.519291, "lon": -0.149817}}))
        self.assertFalse(matches(filters, {"location": [32.692742, -97.114127]}))


class PolygonTests(SynchronousTestCase):
    def test_documented_example(self) -> None:
        """Koncorde's polygon example (mixed point formats) contains Ada Lovelace."""
        filters = {
            "geoPolygon": {
                "location": {
                    "points": [
                        {"lat": 51.523029, "lon": -0.160793},
                        [51.522842, -0.145043],
                        "51.518303, -0.146116",
                        {"latLon": {"lat": 51.516487, "lon": -0.162295}},
                        "gcpvh6uxh60x1",
                    ]
                }
            }
        }
        self.assertTrue(matches(filters, {"location": {"lat": 51.519291, "lon": -0.149817}}))
        self.assertFalse(matches(filters, {"location": {"lat": 32.692742, "lon": -97.114127}}))

    def test_concave(self) -> None:
        """Concave polygons work; edges and vertices belong to the polygon."""
        # A "C" shape opening east.
        points = [[0, 0], [0, 3], [1, 3], [1, 1], [2, 1], [2, 3], [3, 3], [3, 0]]
        filters: dict[str, Any] = {"geoPolygon": {"p": {"points": points}}}
        self.assertTrue(matches(filters, {"p": [0.5, 2]}))
        self.assertFalse(matches(filters, {"p": [1.5, 2]}))
        self.assertTrue(matches(filters, {"p": [1.5, 0.5]}))
        self.assertTrue(matches(filters, {"p": [0, 1.5]}))
        self.assertTrue(matches(filters, {"p": [3, 3]}))
        self.assertFalse(matches(filters, {"p": [4, 1]}))

    def test_antimeridian(self) -> None:
        """A polygon crossing the antimeridian contains points on both sides."""
        points = [[-10, 170], [10, 170], [10, -170], [-10, -170]]
        filters = {"geoPolygon": {"p": {"points": points}}}
        self.assertTrue(matches(filters, {"p": [0, 175]}))
        self.assertTrue(matches(filters, {"p": [0, -175]}))
        self.assertFalse(matches(filters, {"p": [0, 0]}))


class GeoValidationTests(SynchronousTestCase):
    def assertRefused(self, filters: dict[str, Any], message: str) -> None:
        error = self.assertRaises(KoncordeError, Koncorde().validate, filters)
        self.assertEqual(str(error), message)

    def test_bounding_box(self) -> None:
        """Malformed boxes are refused with Koncorde's messages."""
        self.assertRefused(
            {"geoBoundingBox": {"a": {}, "b": {}}},
            '"geoBoundingBox": expected object to have exactly 1 property, got 2',
        )
        self.assertRefused(
            {"geoBoundingBox": {"p": {"top": 1, "left": 2, "bottom": 3}}},
            '"geoBoundingBox.p": unrecognized geo-point format',
        )
        self.assertRefused(
            {"geoBoundingBox": {"p": {"top": "x", "left": 2, "bottom": 3, "right": 4}}},
            '"geoBoundingBox.p": unrecognized geoBoundingBox format: '
            '{"top":"x","left":2,"bottom":3,"right":4}',
        )
        self.assertRefused(
            {"geoBoundingBox": {"p": {"topLeft": "nowhere", "bottomRight": [1, 2]}}},
            '"geoBoundingBox.p": unrecognized geo-point format',
        )

    def test_distance(self) -> None:
        """Malformed ``geoDistance`` filters are refused with Koncorde's messages."""
        self.assertRefused(
            {"geoDistance": {"p": [0, 0]}},
            '"geoDistance": expected object to have exactly 2 properties, got 1',
        )
        self.assertRefused(
            {"geoDistance": {"p": [0, 0], "q": 1}},
            '"geoDistance": the property "distance" is missing',
        )
        self.assertRefused(
            {"geoDistance": {"p": [0, 0], "distance": True}},
            '"geoDistance.distance": must be a string',
        )
        self.assertRefused(
            {"geoDistance": {"p": "nowhere", "distance": "1km"}},
            '"geoDistance.p": unrecognized point format',
        )
        self.assertRefused(
            {"geoDistance": {"p": [0, 0], "distance": "1 lightyear"}},
            'unable to parse distance value "1 lightyear"',
        )

    def test_distance_range(self) -> None:
        """Malformed ``geoDistanceRange`` filters are refused with Koncorde's messages."""
        self.assertRefused(
            {"geoDistanceRange": {"p": [0, 0], "from": "1km"}},
            '"geoDistanceRange": expected object to have exactly 3 properties, got 2',
        )
        self.assertRefused(
            {"geoDistanceRange": {"p": [0, 0], "from": "2km", "to": "1km"}},
            '"geoDistanceRange": inner radius must be smaller than outer radius',
        )
        self.assertRefused(
            {"geoDistanceRange": {"p": [0, 0], "from": "", "to": "1km"}},
            '"geoDistanceRange.from": cannot be empty',
        )
        self.assertRefused(
            {"geoDistanceRange": {"p": 3, "from": "1m", "to": "1km"}},
            '"geoDistanceRange.p": unrecognized point format',
        )

    def test_polygon(self) -> None:
        """Malformed polygons are refused with Koncorde's messages."""
        self.assertRefused(
            {"geoPolygon": {"p": {"points": [[0, 0], [1, 1]]}}},
            '"geoPolygon.p.points": at least 3 points are required to build a polygon',
        )
        self.assertRefused(
            {"geoPolygon": {"p": {"points": "abc"}}},
            '"geoPolygon.p.points": must be an array',
        )
        self.assertRefused(
            {"geoPolygon": {"p": {"pts": []}}},
            '"geoPolygon.p": the property "points" is missing',
        )
        self.assertRefused(
            {"geoPolygon": {"p": {"points": [[0, 0], [1, 1], {"x": 1}]}}},
            '"geoPolygon.p.points": unrecognized point format "{"x":1}"',
        )
