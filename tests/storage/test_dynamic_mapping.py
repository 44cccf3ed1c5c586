# -*- test-case-name: tests.storage.test_dynamic_mapping -*-
"""
Elasticsearch's dynamic mapping, and the dynamic policy it follows (kuzzle-api.md §7.4):
`kuzzle_tx.storage.dynamic_mapping`.
"""

from __future__ import annotations

import copy
from typing import Any

from twisted.trial.unittest import SynchronousTestCase

from kuzzle_tx.storage.mappings import (
    KUZZLE_META_MAPPING,
    dynamic_policy,
    extend_for_document,
)

from .mapping_helpers import TEXT, mapping_with, raised


class ExtendTests(SynchronousTestCase):
    def extend(self, mapping: dict[str, Any], source: dict[str, Any]) -> dict[str, Any] | None:
        before = copy.deepcopy(mapping)
        result = extend_for_document(mapping, source, "idx", "col")
        self.assertEqual(mapping, before, "extend_for_document mutated the mapping")
        return result

    def new_fields(self, source: dict[str, Any], dynamic: str = "true") -> dict[str, Any]:
        result = self.extend(mapping_with({}, dynamic), source)
        assert result is not None
        return {k: v for k, v in result["properties"].items() if k != "_kuzzle_info"}

    def assertRejected(self, mapping: dict[str, Any], source: dict[str, Any], path: str) -> None:
        error = raised(self.extend, mapping, source)
        self.assertEqual(error.id, "services.storage.strict_mapping_rejection")
        self.assertEqual(error.props, [path, "idx", "col"])

    def test_strict_root(self) -> None:
        """Under a strict root a new field refuses the document, even a null or an []."""
        mapping = mapping_with({"name": {"type": "keyword"}}, "strict")
        self.assertIsNone(self.extend(mapping, {"name": "x"}))
        values: tuple[Any, ...] = ("x", 1, None, [], {"a": 1})
        for value in values:
            self.assertRejected(mapping, {"name": "x", "other": value}, "other")
        error = raised(self.extend, mapping, {"other": 1})
        self.assertEqual(
            error.message,
            'Cannot create document. Field "other" is not present in collection "idx:col" '
            "strict mapping",
        )

    def test_strict_nested(self) -> None:
        """A strict root applies inside objects that do not set their own policy."""
        mapping = mapping_with({"car": {"properties": {"brand": {"type": "keyword"}}}}, "strict")
        self.assertIsNone(self.extend(mapping, {"car": [{"brand": "a"}, {"brand": "b"}]}))
        self.assertRejected(mapping, {"car": {"brand": "a", "model": "b"}}, "car.model")
        self.assertRejected(mapping, {"car": [{"brand": "a"}, {"year": 1}]}, "car.year")
        self.assertRejected(mapping, {"car.model": "b"}, "car.model")

    def test_strict_object_under_dynamic_parent(self) -> None:
        """An object's own strict policy wins over a dynamic root."""
        mapping = mapping_with(
            {"car": {"dynamic": "strict", "properties": {"brand": {"type": "keyword"}}}}, "true"
        )
        self.assertRejected(mapping, {"car": {"model": "b"}}, "car.model")
        grown = self.extend(mapping, {"car": {"brand": "a"}, "other": True})
        assert grown is not None
        self.assertEqual(grown["properties"]["other"], {"type": "boolean"})

    def test_dynamic_object_under_strict_parent(self) -> None:
        """An object's own dynamic policy wins over a strict root, for its descendants too."""
        mapping = mapping_with(
            {"car": {"dynamic": "true", "properties": {"o": {"properties": {}}}}}, "strict"
        )
        grown = self.extend(mapping, {"car": {"model": "x", "o": {"deep": 1}}})
        assert grown is not None
        self.assertEqual(
            grown["properties"]["car"],
            {
                "dynamic": "true",
                "properties": {
                    "model": TEXT,
                    "o": {"properties": {"deep": {"type": "long"}}},
                },
            },
        )
        self.assertRejected(mapping, {"car": {}, "other": 1}, "other")

    def test_false_ignored(self) -> None:
        """Under "false" new fields are neither mapped nor refused."""
        mapping = mapping_with({"car": {"properties": {}}}, "false")
        self.assertIsNone(self.extend(mapping, {"a": 1, "b": {"c": "x"}, "car": {"d": 1}}))
        mapping = mapping_with({"car": {"dynamic": "false", "properties": {}}}, "true")
        grown = self.extend(mapping, {"car": {"d": 1}, "e": 1})
        assert grown is not None
        self.assertEqual(grown["properties"]["car"], {"dynamic": "false", "properties": {}})
        self.assertEqual(grown["properties"]["e"], {"type": "long"})

    def test_scalars(self) -> None:
        """JSON scalars map as Elasticsearch maps them; null adds nothing."""
        self.assertEqual(
            self.new_fields({"b": True, "i": 3, "big": 2**70, "f": 1.5, "s": "hello", "n": None}),
            {
                "b": {"type": "boolean"},
                "i": {"type": "long"},
                "big": {"type": "long"},
                "f": {"type": "float"},
                "s": TEXT,
            },
        )

    def test_dates(self) -> None:
        """Strings in the default dynamic date formats map as dates."""
        slash = {"type": "date", "format": "yyyy/MM/dd HH:mm:ss||yyyy/MM/dd||epoch_millis"}
        for text, expected in (
            ("2015-01-01", {"type": "date"}),
            ("2015-01", {"type": "date"}),
            ("2016-02-29", {"type": "date"}),
            ("2015-01-01T12", {"type": "date"}),
            ("2015-01-01T12:10", {"type": "date"}),
            ("2015-01-01T12:10:30", {"type": "date"}),
            ("2015-01-01T12:10:30.123", {"type": "date"}),
            ("2015-01-01T12:10:30,123456789", {"type": "date"}),
            ("2015-01-01T12:10:30Z", {"type": "date"}),
            ("2015-01-01T12:10:30.5+01:00", {"type": "date"}),
            ("2015-01-01T12:10-0530", {"type": "date"}),
            ("2015/09/02", slash),
            ("2015/09/02 23:59:59", slash),
        ):
            self.assertEqual(self.new_fields({"d": text}), {"d": expected}, text)

    def test_not_dates(self) -> None:
        """Other strings, including impossible dates and bare numbers, map as text."""
        for text in (
            "2015",
            "20150101",
            "2015-02-30",
            "2015-02-29",
            "2015-13-01",
            "2015-1-1",
            "2015-01-01 12:10:30",
            "2015-01-01T24:00",
            "2015-01-01T12:60",
            "2015-01-01T12Z",
            "2015-01-01T",
            "2015-01-01T12:10+19:00",
            "2015/9/2",
            "2015/09/02 12:10",
            "2015/09/02T12:10:30",
            "02/09/2015",
            "٢٠١٥-٠١-٠١",
            "123",
            "1.5",
            "",
            "true",
        ):
            self.assertEqual(self.new_fields({"d": text}), {"d": TEXT}, text)

    def test_arrays(self) -> None:
        """An array maps as its first non-null value; empty or all-null arrays add nothing."""
        self.assertEqual(
            self.new_fields(
                {
                    "a": [None, 1, "x"],
                    "b": [[None], ["2015-01-01"]],
                    "c": [],
                    "d": [None],
                    "e": [True],
                }
            ),
            {"a": {"type": "long"}, "b": {"type": "date"}, "e": {"type": "boolean"}},
        )

    def test_arrays_of_objects(self) -> None:
        """Every object of an array contributes its fields."""
        self.assertEqual(
            self.new_fields({"o": [None, {"a": 1}, [{"b": "x"}, {"a": 2, "c": {}}]]}),
            {
                "o": {
                    "properties": {
                        "a": {"type": "long"},
                        "b": TEXT,
                        "c": {"properties": {}},
                    }
                }
            },
        )

    def test_objects(self) -> None:
        """Objects map recursively; an empty object still maps as an object."""
        self.assertEqual(
            self.new_fields({"o": {"p": {"q": 1.0, "r": None}, "s": {}}}),
            {
                "o": {
                    "properties": {
                        "p": {"properties": {"q": {"type": "float"}}},
                        "s": {"properties": {}},
                    }
                }
            },
        )

    def test_dotted_keys(self) -> None:
        """A dotted key is a path through objects, as in Elasticsearch."""
        self.assertEqual(
            self.new_fields({"a.b": 1, "a": {"c": True}}),
            {"a": {"properties": {"b": {"type": "long"}, "c": {"type": "boolean"}}}},
        )
        for key in ("", "a.", ".a", "a..b"):
            error = raised(self.extend, mapping_with({}, "false"), {key: 1})
            self.assertEqual(error.id, "services.storage.unexpected_bad_request", repr(key))

    def test_existing_fields(self) -> None:
        """Known fields add nothing; new ones join them, in existing objects too."""
        mapping = mapping_with(
            {
                "name": {"type": "keyword"},
                "o": {"properties": {"a": {"type": "long"}}},
                "n": {"type": "nested", "properties": {}},
            },
            "true",
        )
        self.assertIsNone(self.extend(mapping, {"name": "x", "o": {"a": 1}, "n": []}))
        grown = self.extend(mapping, {"o": {"a": 1, "b": 2}, "n": [{"x": "y"}]})
        assert grown is not None
        self.assertEqual(
            grown["properties"]["o"],
            {"properties": {"a": {"type": "long"}, "b": {"type": "long"}}},
        )
        self.assertEqual(grown["properties"]["n"], {"type": "nested", "properties": {"x": TEXT}})
        self.assertIs(grown["properties"]["name"], mapping["properties"]["name"])

    def test_not_walked(self) -> None:
        """Disabled objects and leaf fields holding objects are not looked into."""
        mapping = mapping_with(
            {
                "off": {"type": "object", "enabled": False},
                "geo": {"type": "geo_point"},
                "flat": {"type": "flattened"},
            },
            "strict",
        )
        self.assertIsNone(
            self.extend(
                mapping,
                {"off": {"x": 1}, "geo": {"lat": 1, "lon": 2}, "flat": {"any": {"thing": 1}}},
            )
        )

    def test_kuzzle_info_always_mapped(self) -> None:
        """_kuzzle_info is mapped even under a strict policy, and added if missing."""
        mapping = mapping_with({}, "strict")
        info = {"author": "-1", "createdAt": 1, "updater": None, "updatedAt": None}
        self.assertIsNone(self.extend(mapping, {"_kuzzle_info": info}))
        bare = {"dynamic": "strict", "_meta": {}, "properties": {}}
        grown = self.extend(bare, {"_kuzzle_info": info})
        self.assertEqual(grown, {**bare, "properties": KUZZLE_META_MAPPING})
        self.assertIsNone(self.extend(bare, {}))

    def test_nothing_new(self) -> None:
        """With nothing new the answer is None, whatever the policy."""
        for dynamic in ("true", "false", "strict"):
            mapping = mapping_with({"a": {"type": "long"}, "o": {"properties": {}}}, dynamic)
            self.assertIsNone(self.extend(mapping, {}))
            self.assertIsNone(self.extend(mapping, {"a": [1, 2], "o": {}}))


class DynamicPolicyTests(SynchronousTestCase):
    def test_policy(self) -> None:
        """The root policy of a mapping; Elasticsearch's "true" when it has none."""
        self.assertEqual(dynamic_policy(mapping_with({}, "strict")), "strict")
        self.assertEqual(dynamic_policy({"properties": {}}), "true")
        self.assertEqual(dynamic_policy({"dynamic": False}), "false")
