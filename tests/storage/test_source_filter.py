# -*- test-case-name: tests.storage.test_source_filter -*-
"""
A search body's ``_source`` options select the part of each hit's source returned, as
Elasticsearch's source filtering does: `kuzzle_tx.storage.source_filter`.
"""

from __future__ import annotations

from typing import Any

from kuzzle_tx.storage.query import (
    SourceFilter,
    parse_search,
)

from .query_assertions import INVALID, ErrorAssertions


class SourceFilterTests(ErrorAssertions):
    SOURCE: dict[str, Any] = {
        "name": "Alice",
        "age": 3,
        "address": {"city": "Paris", "zip": "75001", "geo": {"lat": 1, "lon": 2}},
        "items": [{"sku": "x", "qty": 1}, {"sku": "y"}, 7],
        "empty": {},
    }

    def apply(self, body: dict[str, Any]) -> Any:
        return parse_search(body, None, None)[1].apply(self.SOURCE)

    def test_parse(self) -> None:
        """_source: a boolean, a pattern, patterns, or includes/excludes; plus the URL forms."""
        self.assertEqual(parse_search({"_source": False}, None, None)[1], SourceFilter(False))
        self.assertEqual(
            parse_search({"_source": "a*"}, None, None)[1], SourceFilter(True, ("a*",))
        )
        self.assertEqual(
            parse_search(
                {
                    "_source": {"include": "a", "excludes": ["b", "c"]},
                    "_source_includes": "d, e",
                    "_source_excludes": ["f"],
                },
                None,
                None,
            )[1],
            SourceFilter(True, ("a", "d", "e"), ("b", "c", "f")),
        )
        body: Any
        for body in (
            {"_source": 1},
            {"_source": [1]},
            {"_source": {"only": ["a"]}},
            {"_source": {"includes": {}}},
            {"_source_includes": 3},
        ):
            self.assertError(INVALID, parse_search, body, None, None)

    def test_whole(self) -> None:
        """No filter returns the source; false returns none."""
        self.assertIs(self.apply({}), self.SOURCE)
        self.assertIsNone(self.apply({"_source": False}))

    def test_includes(self) -> None:
        """An included path keeps its subtree; a dotted one keeps only that branch."""
        self.assertEqual(
            self.apply({"_source": ["name", "address.city"]}),
            {"name": "Alice", "address": {"city": "Paris"}},
        )
        self.assertEqual(
            self.apply({"_source": "address.geo"}), {"address": {"geo": {"lat": 1, "lon": 2}}}
        )
        self.assertEqual(
            self.apply({"_source": "items.sku"}), {"items": [{"sku": "x"}, {"sku": "y"}]}
        )
        self.assertEqual(self.apply({"_source": "name.first"}), {})
        self.assertEqual(self.apply({"_source": "nothing"}), {})
        self.assertEqual(self.apply({"_source": "empty"}), {"empty": {}})

    def test_wildcards(self) -> None:
        """* matches any run, dots included."""
        self.assertEqual(
            self.apply({"_source": "a*"}), {"age": 3, "address": self.SOURCE["address"]}
        )
        self.assertEqual(self.apply({"_source": "*.lat"}), {"address": {"geo": {"lat": 1}}})
        self.assertEqual(self.apply({"_source": "*"}), self.SOURCE)
        self.assertEqual(
            self.apply({"_source": "address.*o*"}),
            {"address": {"geo": {"lat": 1, "lon": 2}}},
        )

    def test_excludes(self) -> None:
        """Excluded paths are removed, below includes too."""
        self.assertEqual(
            self.apply({"_source": {"excludes": ["address", "items.qty", "empty"]}}),
            {"name": "Alice", "age": 3, "items": [{"sku": "x"}, {"sku": "y"}, 7]},
        )
        self.assertEqual(
            self.apply({"_source": {"includes": "address", "excludes": "*.zip"}}),
            {"address": {"city": "Paris", "geo": {"lat": 1, "lon": 2}}},
        )
        self.assertEqual(
            self.apply({"_source_excludes": "address.geo.*,name,age,items,empty"}),
            {"address": {"city": "Paris", "zip": "75001", "geo": {}}},
        )
