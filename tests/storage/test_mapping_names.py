# -*- test-case-name: tests.storage.test_mapping_names -*-
"""
Index and collection names: Kuzzle's rules (kuzzle-api.md §7.1):
`kuzzle_tx.storage.mapping_names`.
"""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from kuzzle_tx.storage.mappings import (
    check_collection_name,
    check_index_name,
)

from .mapping_helpers import raised


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
            error = raised(check_index_name, name)
            self.assertEqual(error.id, "services.storage.invalid_index_name", repr(name))
            self.assertEqual(error.props, [name])

    def test_invalid_collection_names(self) -> None:
        """The same rules apply to collections, with invalid_collection_name."""
        for name in self.INVALID:
            error = raised(check_collection_name, name)
            self.assertEqual(error.id, "services.storage.invalid_collection_name", repr(name))
            self.assertEqual(error.props, [name])

    def test_reserved_collection(self) -> None:
        """_kuzzle_keep is a valid index name but a reserved collection name."""
        check_index_name("_kuzzle_keep")
        error = raised(check_collection_name, "_kuzzle_keep")
        self.assertEqual(error.id, "services.storage.collection_reserved")
        self.assertEqual(error.props, ["_kuzzle_keep"])

    def test_not_a_string(self) -> None:
        """A name that is not a string is a type error on the argument."""
        for value in (None, 42, ["a"], {"a": 1}):
            self.assertEqual(
                raised(check_index_name, value).props, ["index", "string"], repr(value)
            )
            error = raised(check_collection_name, value)
            self.assertEqual(error.id, "api.assert.invalid_type")
            self.assertEqual(error.props, ["collection", "string"])
