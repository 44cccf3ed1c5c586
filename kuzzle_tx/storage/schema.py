# -*- test-case-name: tests.storage.test_storage -*-
"""
The schema every backend keeps in memory: which indexes and collections exist
and their mappings. Requests check it synchronously (as Kuzzle checks its own
cache) before anything goes to the store; backends update it once the store
has committed a change.
"""

from __future__ import annotations

from collections.abc import Sequence

from kuzzle_tx.errors import KuzzleError

from . import mappings
from .model import (
    CollectionSchema,
    Create,
    CreateOrReplace,
    Replace,
    Update,
    Upsert,
    WriteOp,
    WriteResult,
)

# Indexes whose name starts with it are private (kuzzle_tx's own data): never listed,
# never reachable through the public API (public names cannot contain it).
PRIVATE_PREFIX = "%"


class SchemaCache:
    def __init__(self) -> None:
        self._indexes: dict[str, dict[str, CollectionSchema]] = {}

    def list_indexes(self) -> list[str]:
        """The public indexes (private ones are left out)."""
        return sorted(name for name in self._indexes if not name.startswith(PRIVATE_PREFIX))

    def has_index(self, index: str) -> bool:
        return index in self._indexes

    def list_collections(self, index: str) -> list[str]:
        return sorted(self._collections(index))

    def has_collection(self, index: str, collection: str) -> bool:
        return collection in self._indexes.get(index, {})

    def schema(self, index: str, collection: str) -> CollectionSchema:
        found = self._collections(index).get(collection)
        if found is None:
            raise KuzzleError("services.storage.unknown_collection", index, collection)
        return found

    def _collections(self, index: str) -> dict[str, CollectionSchema]:
        found = self._indexes.get(index)
        if found is None:
            raise KuzzleError("services.storage.unknown_index", index)
        return found

    # -- changes, applied once the store has them --

    def add_index(self, index: str) -> None:
        self._indexes.setdefault(index, {})

    def remove_index(self, index: str) -> None:
        self._indexes.pop(index, None)

    def put_collection(self, index: str, collection: str, schema: CollectionSchema) -> None:
        self._indexes.setdefault(index, {})[collection] = schema

    def remove_collection(self, index: str, collection: str) -> None:
        self._indexes.get(index, {}).pop(collection, None)


def prepare_writes(
    schema: CollectionSchema, index: str, collection: str, ops: Sequence[WriteOp]
) -> tuple[list[WriteOp | None], dict[int, WriteResult], CollectionSchema | None]:
    """
    Check each operation's new fields against the mapping before anything is written:
    returns the operations to run (None where refused), the refusals by position
    (strict mappings), and the schema grown by dynamic mapping, if it grew.
    """
    mapping = schema.mappings
    grown = False
    runnable: list[WriteOp | None] = []
    refused: dict[int, WriteResult] = {}
    for position, op in enumerate(ops):
        try:
            for content in _new_content(op):
                extended = mappings.extend_for_document(mapping, content, index, collection)
                if extended is not None:
                    mapping, grown = extended, True
        except KuzzleError as error:
            runnable.append(None)
            refused[position] = WriteResult(op.id or "", error=error)
            continue
        runnable.append(op)
    new_schema = CollectionSchema(mapping, schema.settings) if grown else None
    return runnable, refused, new_schema


def _new_content(op: WriteOp) -> tuple[dict, ...]:
    if isinstance(op, (Create, CreateOrReplace, Replace)):
        return (op.source,)
    if isinstance(op, Update):
        return (op.changes,)
    if isinstance(op, Upsert):
        return (op.changes, op.default)
    return ()
