# -*- test-case-name: tests.storage.test_mapping_view -*-
"""
Mappings shown as Elasticsearch shows them (``collection:getMapping``):
`kuzzle_tx.storage.mapping_view`.
"""

from __future__ import annotations

import copy

from twisted.trial.unittest import SynchronousTestCase

from kuzzle_tx.storage.mappings import (
    public_mapping,
    validate_mappings,
)

from .mapping_helpers import META


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
