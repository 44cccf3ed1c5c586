"""
Collection mappings: Kuzzle's name and mapping rules, Elasticsearch's merge and
dynamic mapping (kuzzle-api.md §7.1, §7.4).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from twisted.trial.unittest import SynchronousTestCase

from kuzzle_tx.errors import KuzzleError
from kuzzle_tx.storage.mappings import (
    KUZZLE_META_MAPPING,
    check_collection_name,
    check_index_name,
    dynamic_policy,
    extend_for_document,
    field_resolver,
    merge_mappings,
    public_mapping,
    validate_mappings,
)

TEXT = {"type": "text", "fields": {"keyword": {"type": "keyword", "ignore_above": 256}}}
META = KUZZLE_META_MAPPING["_kuzzle_info"]


def _error(call: Callable[..., Any], *args: Any) -> KuzzleError:
    try:
        call(*args)
    except KuzzleError as error:
        return error
    raise AssertionError(f"no error from {call.__name__}{args!r}")


class NameTests(SynchronousTestCase):
    VALID = (
        "a",
        "nyc-open-data",
        "yellow_taxi",
        "_kuzzle_keep",
        "été",
        "日本",
        "a" * 126,
        "é" * 63,  # 126 bytes
        "日" * 42,  # 126 bytes
        "1234",
        "-leading-dash",
    )
    INVALID = (
        "",
        "Upper",
        "camelCase",
        "ÉTÉ",
        "_all",
        "a" * 127,
        "é" * 63 + "a",  # 127 bytes, 64 characters
        "日" * 42 + "a",  # 127 bytes, 43 characters
        "with space",
        "tab\there",
        "new\nline",
        "cr\rhere",
        "no\u00a0break",
        *(f"a{char}b" for char in '\\/*?"<>|,+#:.&%'),
    )

    def test_valid_names(self) -> None:
        """Lowercase names up to 126 UTF-8 bytes without forbidden characters are accepted."""
        for name in self.VALID:
            check_index_name(name)
            if name != "_kuzzle_keep":
                check_collection_name(name)

    def test_invalid_index_names(self) -> None:
        """Every other index name is refused with invalid_index_name, naming it."""
        for name in self.INVALID:
            error = _error(check_index_name, name)
            self.assertEqual(error.id, "services.storage.invalid_index_name", repr(name))
            self.assertEqual(error.props, [name])

    def test_invalid_collection_names(self) -> None:
        """The same rules apply to collections, with invalid_collection_name."""
        for name in self.INVALID:
            error = _error(check_collection_name, name)
            self.assertEqual(error.id, "services.storage.invalid_collection_name", repr(name))
            self.assertEqual(error.props, [name])

    def test_reserved_collection(self) -> None:
        """_kuzzle_keep is a valid index name but a reserved collection name."""
        check_index_name("_kuzzle_keep")
        error = _error(check_collection_name, "_kuzzle_keep")
        self.assertEqual(error.id, "services.storage.collection_reserved")
        self.assertEqual(error.props, ["_kuzzle_keep"])

    def test_not_a_string(self) -> None:
        """A name that is not a string is a type error on the argument."""
        for value in (None, 42, ["a"], {"a": 1}):
            self.assertEqual(
                _error(check_index_name, value).props, ["index", "string"], repr(value)
            )
            error = _error(check_collection_name, value)
            self.assertEqual(error.id, "api.assert.invalid_type")
            self.assertEqual(error.props, ["collection", "string"])


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
        error = _error(validate_mappings, {"properties": {"_kuzzle_info": {"type": "keyword"}}})
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
        error = _error(validate_mappings, mappings)
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
        error = _error(
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


def _mapping(properties: dict[str, Any], dynamic: str = "false") -> dict[str, Any]:
    return validate_mappings({"dynamic": dynamic, "properties": properties})


class MergeTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.current = _mapping(
            {
                "name": {"type": "keyword", "ignore_above": 10},
                "car": {"properties": {"brand": {"type": "keyword"}}},
                "tags": {"type": "nested", "properties": {"label": {"type": "keyword"}}},
                "title": {"type": "text", "analyzer": "english"},
            }
        )
        self.current["_meta"] = {"v": 1}
        self.before = copy.deepcopy(self.current)

    def tearDown(self) -> None:
        self.assertEqual(self.current, self.before, "merge_mappings mutated its input")

    def assertCannotChange(self, update: dict[str, Any], path: str) -> None:
        error = _error(merge_mappings, self.current, update)
        self.assertEqual(error.id, "services.storage.cannot_change_mapping")
        self.assertEqual(error.props, [path])

    def test_add_field(self) -> None:
        """A new field is added; the others stay; dynamic and _meta are kept."""
        merged = merge_mappings(self.current, {"properties": {"age": {"type": "long"}}})
        self.assertEqual(merged["properties"]["age"], {"type": "long"})
        self.assertEqual(merged["properties"]["car"], self.current["properties"]["car"])
        self.assertEqual(merged["properties"]["_kuzzle_info"], META)
        self.assertEqual((merged["dynamic"], merged["_meta"]), ("false", {"v": 1}))

    def test_nested_add(self) -> None:
        """Fields are added inside existing objects and nested objects."""
        merged = merge_mappings(
            self.current,
            {
                "properties": {
                    "car": {"properties": {"model": {"type": "text"}}},
                    "tags": {"type": "nested", "properties": {"weight": {"type": "float"}}},
                }
            },
        )
        self.assertEqual(
            merged["properties"]["car"]["properties"],
            {"brand": {"type": "keyword"}, "model": {"type": "text"}},
        )
        self.assertEqual(
            merged["properties"]["tags"],
            {
                "type": "nested",
                "properties": {"label": {"type": "keyword"}, "weight": {"type": "float"}},
            },
        )

    def test_same_mapping_again(self) -> None:
        """Sending the current mapping again changes nothing."""
        self.assertEqual(merge_mappings(self.current, self.current), self.current)
        self.assertEqual(merge_mappings(self.current, {}), self.current)

    def test_type_change_refused(self) -> None:
        """A field's type cannot change, nor can it switch between leaf, object and nested."""
        self.assertCannotChange({"properties": {"name": {"type": "text"}}}, "name")
        self.assertCannotChange(
            {"properties": {"car": {"properties": {"brand": {"type": "long"}}}}}, "car.brand"
        )
        self.assertCannotChange({"properties": {"car": {"type": "keyword"}}}, "car")
        self.assertCannotChange({"properties": {"name": {"properties": {}}}}, "name")
        self.assertCannotChange({"properties": {"car": {"type": "nested"}}}, "car")
        self.assertCannotChange({"properties": {"tags": {"type": "object"}}}, "tags")
        # As in Elasticsearch 7, a dotted name makes a plain object on its way.
        self.assertCannotChange({"properties": {"tags.weight": {"type": "float"}}}, "tags")
        self.assertCannotChange(
            {"properties": {"_kuzzle_info": {"properties": {"author": {"type": "text"}}}}},
            "_kuzzle_info.author",
        )

    def test_parameter_changes(self) -> None:
        """Updatable parameters change; others cannot; multi-fields can be added."""
        merged = merge_mappings(
            self.current,
            {
                "properties": {
                    "name": {
                        "type": "keyword",
                        "ignore_above": 20,
                        "fields": {"t": {"type": "text"}},
                    }
                }
            },
        )
        self.assertEqual(
            merged["properties"]["name"],
            {"type": "keyword", "ignore_above": 20, "fields": {"t": {"type": "text"}}},
        )
        self.assertCannotChange(
            {"properties": {"title": {"type": "text", "analyzer": "french"}}}, "title"
        )
        self.assertCannotChange({"properties": {"car": {"enabled": False}}}, "car")

    def test_dynamic_and_meta_replaced(self) -> None:
        """dynamic and _meta are replaced when given, at the root and on objects."""
        merged = merge_mappings(
            self.current,
            {
                "dynamic": True,
                "_meta": {"w": 2},
                "properties": {"car": {"dynamic": "strict", "properties": {}}},
            },
        )
        self.assertEqual((merged["dynamic"], merged["_meta"]), ("true", {"w": 2}))
        self.assertEqual(merged["properties"]["car"]["dynamic"], "strict")
        self.assertEqual(merged["properties"]["car"]["properties"], {"brand": {"type": "keyword"}})

    def test_update_validated(self) -> None:
        """The update goes through the same checks as a new mapping."""
        error = _error(merge_mappings, self.current, {"dynamik": "true"})
        self.assertEqual(error.id, "services.storage.invalid_mapping")
        error = _error(merge_mappings, self.current, {"properties": {"x": {"type": "str"}}})
        self.assertEqual(error.id, "services.storage.invalid_mapping_type")


class PublicMappingTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.mapping = validate_mappings(
            {
                "dynamic": "strict",
                "properties": {
                    "zeta": {"type": "keyword"},
                    "alpha": {"type": "text", "fields": {"raw": {"type": "keyword"}}},
                    "empty": {"type": "object"},
                    "n": {"type": "nested"},
                    "obj": {"dynamic": "true", "properties": {"b": {"type": "long"}}},
                },
            }
        )

    def test_without_kuzzle_meta(self) -> None:
        """getMapping shows Elasticsearch's shape, sorted, without _kuzzle_info or empty _meta."""
        result = public_mapping(self.mapping, include_kuzzle_meta=False)
        self.assertEqual(
            result,
            {
                "dynamic": "strict",
                "properties": {
                    "alpha": {"type": "text", "fields": {"raw": {"type": "keyword"}}},
                    "empty": {"type": "object"},
                    "n": {"type": "nested"},
                    "obj": {"dynamic": "true", "properties": {"b": {"type": "long"}}},
                    "zeta": {"type": "keyword"},
                },
            },
        )
        self.assertEqual(list(result["properties"]), ["alpha", "empty", "n", "obj", "zeta"])

    def test_with_kuzzle_meta(self) -> None:
        """includeKuzzleMeta adds _kuzzle_info, its fields sorted; a _meta is shown."""
        self.mapping["_meta"] = {"a": [1]}
        result = public_mapping(self.mapping, include_kuzzle_meta=True)
        self.assertEqual(result["_meta"], {"a": [1]})
        self.assertEqual(result["properties"]["_kuzzle_info"], META)
        self.assertEqual(
            list(result["properties"]["_kuzzle_info"]["properties"]),
            ["author", "createdAt", "updatedAt", "updater"],
        )

    def test_copy(self) -> None:
        """The answer is a copy: changing it leaves the stored mapping alone."""
        before = copy.deepcopy(self.mapping)
        self.mapping["_meta"] = {"a": [1]}
        before["_meta"] = {"a": [1]}
        result = public_mapping(self.mapping, include_kuzzle_meta=True)
        result["_meta"]["a"].append(2)
        result["properties"]["alpha"]["fields"]["raw"]["type"] = "x"
        result["properties"]["_kuzzle_info"]["properties"].clear()
        self.assertEqual(self.mapping, before)


class ExtendTests(SynchronousTestCase):
    def extend(self, mapping: dict[str, Any], source: dict[str, Any]) -> dict[str, Any] | None:
        before = copy.deepcopy(mapping)
        result = extend_for_document(mapping, source, "idx", "col")
        self.assertEqual(mapping, before, "extend_for_document mutated the mapping")
        return result

    def new_fields(self, source: dict[str, Any], dynamic: str = "true") -> dict[str, Any]:
        result = self.extend(_mapping({}, dynamic), source)
        assert result is not None
        return {k: v for k, v in result["properties"].items() if k != "_kuzzle_info"}

    def assertRejected(self, mapping: dict[str, Any], source: dict[str, Any], path: str) -> None:
        error = _error(self.extend, mapping, source)
        self.assertEqual(error.id, "services.storage.strict_mapping_rejection")
        self.assertEqual(error.props, [path, "idx", "col"])

    def test_strict_root(self) -> None:
        """Under a strict root a new field refuses the document, even a null or an []."""
        mapping = _mapping({"name": {"type": "keyword"}}, "strict")
        self.assertIsNone(self.extend(mapping, {"name": "x"}))
        values: tuple[Any, ...] = ("x", 1, None, [], {"a": 1})
        for value in values:
            self.assertRejected(mapping, {"name": "x", "other": value}, "other")
        error = _error(self.extend, mapping, {"other": 1})
        self.assertEqual(
            error.message,
            'Cannot create document. Field "other" is not present in collection "idx:col" '
            "strict mapping",
        )

    def test_strict_nested(self) -> None:
        """A strict root applies inside objects that do not set their own policy."""
        mapping = _mapping({"car": {"properties": {"brand": {"type": "keyword"}}}}, "strict")
        self.assertIsNone(self.extend(mapping, {"car": [{"brand": "a"}, {"brand": "b"}]}))
        self.assertRejected(mapping, {"car": {"brand": "a", "model": "b"}}, "car.model")
        self.assertRejected(mapping, {"car": [{"brand": "a"}, {"year": 1}]}, "car.year")
        self.assertRejected(mapping, {"car.model": "b"}, "car.model")

    def test_strict_object_under_dynamic_parent(self) -> None:
        """An object's own strict policy wins over a dynamic root."""
        mapping = _mapping(
            {"car": {"dynamic": "strict", "properties": {"brand": {"type": "keyword"}}}}, "true"
        )
        self.assertRejected(mapping, {"car": {"model": "b"}}, "car.model")
        grown = self.extend(mapping, {"car": {"brand": "a"}, "other": True})
        assert grown is not None
        self.assertEqual(grown["properties"]["other"], {"type": "boolean"})

    def test_dynamic_object_under_strict_parent(self) -> None:
        """An object's own dynamic policy wins over a strict root, for its descendants too."""
        mapping = _mapping(
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
        mapping = _mapping({"car": {"properties": {}}}, "false")
        self.assertIsNone(self.extend(mapping, {"a": 1, "b": {"c": "x"}, "car": {"d": 1}}))
        mapping = _mapping({"car": {"dynamic": "false", "properties": {}}}, "true")
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
            error = _error(self.extend, _mapping({}, "false"), {key: 1})
            self.assertEqual(error.id, "services.storage.unexpected_bad_request", repr(key))

    def test_existing_fields(self) -> None:
        """Known fields add nothing; new ones join them, in existing objects too."""
        mapping = _mapping(
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
        mapping = _mapping(
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
        mapping = _mapping({}, "strict")
        info = {"author": "-1", "createdAt": 1, "updater": None, "updatedAt": None}
        self.assertIsNone(self.extend(mapping, {"_kuzzle_info": info}))
        bare = {"dynamic": "strict", "_meta": {}, "properties": {}}
        grown = self.extend(bare, {"_kuzzle_info": info})
        self.assertEqual(grown, {**bare, "properties": KUZZLE_META_MAPPING})
        self.assertIsNone(self.extend(bare, {}))

    def test_nothing_new(self) -> None:
        """With nothing new the answer is None, whatever the policy."""
        for dynamic in ("true", "false", "strict"):
            mapping = _mapping({"a": {"type": "long"}, "o": {"properties": {}}}, dynamic)
            self.assertIsNone(self.extend(mapping, {}))
            self.assertIsNone(self.extend(mapping, {"a": [1, 2], "o": {}}))


class FieldResolverTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.resolve = field_resolver(
            _mapping(
                {
                    "title": {"type": "text"},
                    "body": {"type": "match_only_text"},
                    "name": TEXT,
                    "code": {"type": "keyword", "fields": {"words": {"type": "text"}}},
                    "age": {"type": "long"},
                    "user": {"properties": {"email": {"type": "keyword"}, "bio": TEXT}},
                    "tags": {"type": "nested", "properties": {"label": {"type": "text"}}},
                    "writer": {"type": "alias", "path": "user.bio"},
                }
            )
        )

    def test_cases(self) -> None:
        """Fields resolve to their stored path and whether they are analyzed."""
        for field, expected in (
            ("title", ("title", True)),
            ("body", ("body", True)),
            ("name", ("name", True)),
            ("name.keyword", ("name", False)),
            ("code", ("code", False)),
            ("code.words", ("code", True)),
            ("age", ("age", False)),
            ("user.email", ("user.email", False)),
            ("user.bio", ("user.bio", True)),
            ("user.bio.keyword", ("user.bio", False)),
            ("tags.label", ("tags.label", True)),
            ("writer", ("user.bio", True)),
            ("user", ("user", False)),
            ("unmapped", ("unmapped", False)),
            ("unmapped.keyword", ("unmapped.keyword", False)),
            ("name.nope", ("name.nope", False)),
            ("name.keyword.deeper", ("name.keyword.deeper", False)),
            ("age.keyword", ("age.keyword", False)),
            ("_kuzzle_info.author", ("_kuzzle_info.author", False)),
        ):
            self.assertEqual(self.resolve(field), expected, field)

    def test_cached(self) -> None:
        """A field is resolved once per resolver."""
        self.assertIs(self.resolve("name.keyword"), self.resolve("name.keyword"))


class DynamicPolicyTests(SynchronousTestCase):
    def test_policy(self) -> None:
        """The root policy of a mapping; Elasticsearch's "true" when it has none."""
        self.assertEqual(dynamic_policy(_mapping({}, "strict")), "strict")
        self.assertEqual(dynamic_policy({"properties": {}}), "true")
        self.assertEqual(dynamic_policy({"dynamic": False}), "false")
