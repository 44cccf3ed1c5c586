# -*- test-case-name: tests.storage.test_mapping_names -*-
"""
Index and collection names: Kuzzle's rules (kuzzle-api.md §7.1), checked before any
storage is touched, with Kuzzle's error ids.
"""

from __future__ import annotations

from kuzzle_tx.errors import KuzzleError

RESERVED_COLLECTION = "_kuzzle_keep"
# Kuzzle emulates a collection as an Elasticsearch index named from both names;
# 126 bytes each keeps the pair under Elasticsearch's 255.
_MAX_NAME_BYTES = 126
_FORBIDDEN_NAME_CHARS = frozenset('\\/*?"<>|,+#:.&%')


def check_index_name(name: object) -> None:
    """Refuse an index name Kuzzle would refuse (kuzzle-api.md §7.1)."""
    _check_name(name, "index", "services.storage.invalid_index_name")


def check_collection_name(name: object) -> None:
    """Refuse a collection name Kuzzle would refuse, including its reserved one."""
    _check_name(name, "collection", "services.storage.invalid_collection_name")
    if name == RESERVED_COLLECTION:
        raise KuzzleError("services.storage.collection_reserved", name)


def _check_name(name: object, argument: str, error_id: str) -> None:
    if not isinstance(name, str):
        raise KuzzleError("api.assert.invalid_type", argument, "string")
    if (
        not name
        or name == "_all"
        or name.lower() != name
        # Node's Buffer counts a lone surrogate as 3 bytes; so does surrogatepass.
        or len(name.encode("utf-8", "surrogatepass")) > _MAX_NAME_BYTES
        or any(char in _FORBIDDEN_NAME_CHARS or char.isspace() for char in name)
    ):
        raise KuzzleError(error_id, name)
