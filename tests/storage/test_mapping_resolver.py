# -*- test-case-name: tests.storage.test_mapping_resolver -*-
"""
Field names resolved through a mapping for searches: `kuzzle_tx.storage.mapping_resolver`.
"""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from kuzzle_tx.storage.mappings import (
    field_resolver,
)

from .mapping_helpers import TEXT, mapping_with


class FieldResolverTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.resolve = field_resolver(
            mapping_with(
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
