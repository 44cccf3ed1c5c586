# -*- test-case-name: tests.storage.test_storage -*-
"""
The values that cross the storage interface: documents, collection schemas,
write operations and their outcomes.

Controllers build complete sources (Kuzzle's ``_kuzzle_info`` included) and hand
write operations to a backend; a backend applies them with `kuzzle_tx.storage.writes`
so that every backend gives the same answers.
"""

from __future__ import annotations

from typing import Any, TypeAlias

import attrs

from kuzzle_tx.errors import KuzzleError


@attrs.frozen
class Document:
    id: str
    version: int
    source: dict[str, Any]


@attrs.frozen
class CollectionSchema:
    """A collection's normalized mapping and its settings, as stored."""

    mappings: dict[str, Any]
    settings: dict[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class Create:
    """Write a new document; fails if ``id`` exists. No ``id``: the store makes one."""

    id: str | None
    source: dict[str, Any]


@attrs.frozen
class CreateOrReplace:
    id: str
    source: dict[str, Any]


@attrs.frozen
class Replace:
    """Replace an existing document; fails if it does not exist."""

    id: str
    source: dict[str, Any]


@attrs.frozen
class Update:
    """Deep-merge ``changes`` into an existing document (objects merge, the rest replaces)."""

    id: str
    changes: dict[str, Any]


@attrs.frozen
class Upsert:
    """Update if the document exists, else create it from ``default`` merged with ``changes``."""

    id: str
    changes: dict[str, Any]
    default: dict[str, Any]
    # _kuzzle_info for a creation (author, createdAt...), merged over the changes' own.
    created_info: dict[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class Delete:
    id: str


@attrs.frozen
class DeleteFields:
    """Remove the fields at these dot paths, then merge ``info`` into ``_kuzzle_info``."""

    id: str
    fields: tuple[str, ...]
    info: dict[str, Any] = attrs.field(factory=dict)


WriteOp: TypeAlias = Create | CreateOrReplace | Replace | Update | Upsert | Delete | DeleteFields


@attrs.frozen
class WriteResult:
    """
    The outcome of one operation: the document as written (for a delete, as it was),
    whether it was created, and its source before the write (None if it was new).
    Failed operations carry ``error`` and nothing else is meaningful.
    """

    id: str
    version: int = 0
    source: dict[str, Any] | None = None
    created: bool = False
    previous: dict[str, Any] | None = None
    deleted: bool = False
    error: KuzzleError | None = None


@attrs.frozen
class SearchPage:
    total: int
    hits: list[Document]
