# -*- test-case-name: tests.storage.test_mapping_merge -*-
"""
Mapping updates merge as Elasticsearch's put-mapping does (kuzzle-api.md §7.4):
`kuzzle_tx.storage.mappings.merge_mappings`.
"""

from __future__ import annotations

import copy
from typing import Any

from twisted.trial.unittest import SynchronousTestCase

from kuzzle_tx.storage.mappings import (
    merge_mappings,
)

from .mapping_helpers import META, mapping_with, raised


class MergeTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.current = mapping_with(
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
        error = raised(merge_mappings, self.current, update)
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
        error = raised(merge_mappings, self.current, {"dynamik": "true"})
        self.assertEqual(error.id, "services.storage.invalid_mapping")
        error = raised(merge_mappings, self.current, {"properties": {"x": {"type": "str"}}})
        self.assertEqual(error.id, "services.storage.invalid_mapping_type")
