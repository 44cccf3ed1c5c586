# -*- test-case-name: tests.storage.test_mappings -*-
"""
Collection mappings: Kuzzle's mapping rules, checked and normalized (kuzzle-api.md §7.4):
`kuzzle_tx.storage.mappings.validate_mappings`.
"""

from __future__ import annotations

import copy
from typing import Any

from twisted.trial.unittest import SynchronousTestCase

from kuzzle_tx.errors import KuzzleError
from kuzzle_tx.storage.mappings import (
    KUZZLE_META_MAPPING,
    validate_mappings,
)

from .mapping_helpers import META, TEXT, raised


class ValidateTests(SynchronousTestCase):
    def test_defaults(self) -> None:
        """An empty mapping gets the default dynamic policy, no _meta and Kuzzle's fields."""
        self.assertEqual(
            validate_mappings({}),
            {"dynamic": "false", "_meta": {}, "properties": KUZZLE_META_MAPPING},
        )
        self.assertEqual(validate_mappings({}, "strict")["dynamic"], "strict")
        self.assertEqual(validate_mappings({}, True)["dynamic"], "true")

    def test_dynamic_values(self) -> None:
        """dynamic accepts booleans and the three strings, and is normalized to a string."""
        for given, expected in (
            (True, "true"),
            (False, "false"),
            ("true", "true"),
            ("false", "false"),
            ("strict", "strict"),
        ):
            self.assertEqual(validate_mappings({"dynamic": given})["dynamic"], expected)
            nested = validate_mappings({"properties": {"o": {"dynamic": given, "properties": {}}}})
            self.assertEqual(nested["properties"]["o"]["dynamic"], expected)

    def test_fields_kept(self) -> None:
        """Leaves, multi-fields, objects, nested objects and _meta come through."""
        given: dict[str, Any] = {
            "_meta": {"area": "Panipokhari"},
            "properties": {
                "name": {"type": "text", "fields": {"raw": {"type": "keyword"}}},
                "age": {"type": "integer", "index": False},
                "car": {"dynamic": "strict", "properties": {"brand": {"type": "keyword"}}},
                "tags": {"type": "nested", "properties": {"label": {"type": "keyword"}}},
                "where": {"type": "geo_point"},
            },
        }
        result = validate_mappings(given)
        self.assertEqual(result["_meta"], {"area": "Panipokhari"})
        properties = result["properties"]
        self.assertEqual(properties["name"], given["properties"]["name"])
        self.assertEqual(properties["age"], {"type": "integer", "index": False})
        self.assertEqual(
            properties["car"],
            {"dynamic": "strict", "properties": {"brand": {"type": "keyword"}}},
        )
        self.assertEqual(
            properties["tags"],
            {"type": "nested", "properties": {"label": {"type": "keyword"}}},
        )
        self.assertEqual(properties["where"], {"type": "geo_point"})

    def test_objects_normalized(self) -> None:
        """Objects always carry properties and never "type": "object"."""
        properties = validate_mappings(
            {
                "properties": {
                    "a": {"type": "object"},
                    "b": {"enabled": False},
                    "c": {"type": "object", "properties": {"d": {"type": "long"}}},
                }
            }
        )["properties"]
        self.assertEqual(properties["a"], {"properties": {}})
        self.assertEqual(properties["b"], {"enabled": False, "properties": {}})
        self.assertEqual(properties["c"], {"properties": {"d": {"type": "long"}}})

    def test_dotted_names(self) -> None:
        """A dotted field name is a path through objects, merged with its siblings."""
        properties = validate_mappings(
            {
                "properties": {
                    "user.name.first": {"type": "keyword"},
                    "user": {"properties": {"age": {"type": "long"}}},
                }
            }
        )["properties"]
        self.assertEqual(
            properties["user"],
            {
                "properties": {
                    "name": {"properties": {"first": {"type": "keyword"}}},
                    "age": {"type": "long"},
                }
            },
        )

    def test_kuzzle_meta_wins(self) -> None:
        """Kuzzle's _kuzzle_info fields override the client's, whose extra fields stay."""
        properties = validate_mappings(
            {
                "properties": {
                    "_kuzzle_info": {
                        "properties": {
                            "author": {"type": "text"},
                            "extra": {"type": "keyword"},
                        }
                    }
                }
            }
        )["properties"]
        self.assertEqual(
            properties["_kuzzle_info"]["properties"],
            {**META["properties"], "extra": {"type": "keyword"}},
        )
        error = raised(validate_mappings, {"properties": {"_kuzzle_info": {"type": "keyword"}}})
        self.assertEqual(error.id, "services.storage.cannot_change_mapping")

    def test_idempotent(self) -> None:
        """Validating a normalized mapping gives it back unchanged."""
        once = validate_mappings(
            {
                "dynamic": "strict",
                "properties": {
                    "a": {"type": "object"},
                    "n": {"type": "nested", "properties": {"x": {"type": "keyword"}}},
                    "t": TEXT,
                },
            }
        )
        self.assertEqual(validate_mappings(once), once)

    def test_input_not_mutated(self) -> None:
        """The client's mapping is left as it was."""
        given = {
            "dynamic": True,
            "properties": {"a.b": {"type": "keyword"}, "o": {"type": "object"}},
        }
        before = copy.deepcopy(given)
        validate_mappings(given)
        self.assertEqual(given, before)

    def assertRefused(self, mappings: Any, error_id: str, *props: str) -> KuzzleError:
        error = raised(validate_mappings, mappings)
        self.assertEqual((error.id, error.props), (error_id, list(props)), repr(mappings))
        return error

    def test_unknown_root_key(self) -> None:
        """A root key other than dynamic/_meta/properties is refused, with a suggestion."""
        error = self.assertRefused(
            {"properties": {}, "dinamic": "false"},
            "services.storage.invalid_mapping",
            "dinamic",
            ' Did you mean "dynamic"?',
        )
        self.assertEqual(
            error.message, 'Invalid mapping property "mappings.dinamic". Did you mean "dynamic"?'
        )
        self.assertRefused(
            {"type": "nested", "properties": {}}, "services.storage.invalid_mapping", "type", ""
        )
        self.assertRefused({"settings": {}}, "services.storage.invalid_mapping", "settings", "")

    def test_unknown_key_under_properties(self) -> None:
        """Kuzzle's check on fields with properties names the full mapping path."""
        self.assertRefused(
            {
                "properties": {
                    "car": {"dinamic": "false", "properties": {"b": {"type": "keyword"}}}
                }
            },
            "services.storage.invalid_mapping",
            "properties.car.dinamic",
            ' Did you mean "dynamic"?',
        )

    def test_dynamic_templates(self) -> None:
        """dynamic_templates are refused: nothing here would apply them."""
        self.assertRefused(
            {"dynamic_templates": []},
            "services.storage.invalid_mapping",
            "dynamic_templates",
            " Dynamic templates are not supported.",
        )

    def test_bad_dynamic(self) -> None:
        """A dynamic value that is not a string or not one of the three is refused."""
        self.assertRefused(
            {"dynamic": "yes"},
            "services.storage.invalid_mapping",
            "dynamic",
            'Incorrect dynamic property value (yes). Should be one of "true", "false", "strict"',
        )
        self.assertRefused(
            {"dynamic": 1},
            "services.storage.invalid_mapping",
            "dynamic",
            "Dynamic property value should be a string.",
        )
        self.assertRefused(
            {"dynamic": "runtime"},
            "services.storage.invalid_mapping",
            "dynamic",
            'Incorrect dynamic property value (runtime). Should be one of "true", "false", '
            '"strict"',
        )
        error = raised(
            validate_mappings, {"properties": {"o": {"dynamic": None, "properties": {}}}}
        )
        self.assertEqual(error.props[0], "properties.o.dynamic")

    def test_bad_type(self) -> None:
        """An unknown field type is refused with the field path and the type."""
        self.assertRefused(
            {"properties": {"a": {"type": "string"}}},
            "services.storage.invalid_mapping_type",
            "a",
            "string",
        )
        self.assertRefused(
            {"properties": {"o": {"properties": {"b": {"type": "float32"}}}}},
            "services.storage.invalid_mapping_type",
            "o.b",
            "float32",
        )
        self.assertRefused(
            {"properties": {"a": {"type": "text", "fields": {"r": {"type": "nope"}}}}},
            "services.storage.invalid_mapping_type",
            "a.r",
            "nope",
        )

    def test_missing_type(self) -> None:
        """A field with neither type nor properties is refused as Elasticsearch does."""
        self.assertRefused(
            {"properties": {"a": {}}},
            "services.storage.unexpected_bad_request",
            "No type specified for field [a]",
        )
        self.assertRefused(
            {"properties": {"a": {"dynamic": "strict"}}},
            "services.storage.unexpected_bad_request",
            "No type specified for field [a]",
        )

    def test_unexpected_parameters(self) -> None:
        """Parameters a field type cannot have are refused, naming parameter and field."""
        self.assertRefused(
            {"properties": {"a": {"type": "keyword", "analyser": "x"}}},
            "services.storage.unexpected_properties",
            "analyser",
            "a",
        )
        self.assertRefused(
            {"properties": {"a": {"type": "keyword", "properties": {"b": {"type": "long"}}}}},
            "services.storage.unexpected_properties",
            "properties",
            "a",
        )
        self.assertRefused(
            {"properties": {"o": {"type": "object", "include_in_parent": True}}},
            "services.storage.unexpected_properties",
            "include_in_parent",
            "o",
        )
        self.assertRefused(
            {"properties": {"o": {"_meta": {}, "properties": {"b": {"type": "long"}}}}},
            "services.storage.unexpected_properties",
            "_meta",
            "o",
        )
        self.assertRefused(
            {
                "properties": {
                    "a": {
                        "type": "text",
                        "fields": {"r": {"type": "keyword", "fields": {}}},
                    }
                }
            },
            "services.storage.unexpected_properties",
            "fields",
            "a.r",
        )
        self.assertRefused(
            {"properties": {"a": {"type": "text", "fields": {"r": {"type": "object"}}}}},
            "services.storage.unexpected_bad_request",
            "Type [object] cannot be used in multi field",
        )

    def test_not_objects(self) -> None:
        """Mappings, properties and field definitions must be objects."""
        self.assertRefused(["a"], "api.assert.invalid_type", "mappings", "object")
        self.assertRefused(
            {"properties": []},
            "services.storage.invalid_mapping",
            "properties",
            " It must be an object.",
        )
        self.assertRefused(
            {"properties": {"a": "keyword"}},
            "services.storage.invalid_mapping",
            "properties.a",
            " It must be an object.",
        )
        self.assertRefused(
            {"_meta": "x"}, "services.storage.invalid_mapping", "_meta", " It must be an object."
        )
        self.assertRefused(
            {"properties": {"a..b": {"type": "keyword"}}},
            "services.storage.invalid_mapping",
            "properties.a..b",
            " A field name cannot be empty, nor start or end with a dot.",
        )
