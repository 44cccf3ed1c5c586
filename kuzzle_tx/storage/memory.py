# -*- test-case-name: tests.storage.test_storage -*-
"""
The in-memory backend, for tests and for embedders who want no files: the same
semantics as the SQLite backend (same write rules, same query evaluation), with
every answer already available when the Deferred is returned.
"""

from __future__ import annotations

import copy
from typing import Any

import attrs
from twisted.internet.defer import Deferred, fail, succeed
from zope.interface import implementer

from kuzzle_tx import codec
from kuzzle_tx.errors import KuzzleError
from kuzzle_tx.interfaces import IStorage

from . import writes
from .evaluate import matches, run_search
from .model import CollectionSchema, Create, Document, SearchPage, WriteOp, WriteResult
from .query_ast import Query, Search
from .schema import SchemaCache, prepare_writes


@implementer(IStorage)
class MemoryStorage:
    def __init__(self) -> None:
        self._schema = SchemaCache()
        # (index, collection) -> id -> document, in insertion order.
        self._documents: dict[tuple[str, str], dict[str, Document]] = {}

    def start(self) -> Deferred[None]:
        return succeed(None)

    def stop(self) -> Deferred[None]:
        return succeed(None)

    # -- schema --

    def list_indexes(self) -> list[str]:
        return self._schema.list_indexes()

    def list_collections(self, index: str) -> list[str]:
        return self._schema.list_collections(index)

    def has_index(self, index: str) -> bool:
        return self._schema.has_index(index)

    def schema(self, index: str, collection: str) -> CollectionSchema:
        return self._schema.schema(index, collection)

    def create_index(self, index: str) -> Deferred[None]:
        if self._schema.has_index(index):
            return fail(KuzzleError("services.storage.index_already_exists", "public", index))
        self._schema.add_index(index)
        return succeed(None)

    def delete_indexes(self, indexes: list[str]) -> Deferred[list[str]]:
        deleted = []
        for index in indexes:
            if self._schema.has_index(index):
                for collection in self._schema.list_collections(index):
                    self._documents.pop((index, collection), None)
                self._schema.remove_index(index)
                deleted.append(index)
        return succeed(deleted)

    def put_collection(
        self, index: str, collection: str, schema: CollectionSchema
    ) -> Deferred[None]:
        self._schema.put_collection(index, collection, schema)
        self._documents.setdefault((index, collection), {})
        return succeed(None)

    def delete_collection(self, index: str, collection: str) -> Deferred[None]:
        return self._guarded(index, collection, self._delete_collection)

    def _delete_collection(self, index: str, collection: str) -> None:
        self._schema.remove_collection(index, collection)
        del self._documents[(index, collection)]

    def truncate(self, index: str, collection: str) -> Deferred[None]:
        return self._guarded(index, collection, lambda i, c: self._documents[(i, c)].clear())

    # -- documents --

    def get(self, index: str, collection: str, ids: list[str]) -> Deferred[list[Document | None]]:
        return self._guarded(
            index,
            collection,
            lambda i, c: [self._copy(self._documents[(i, c)].get(d)) for d in ids],
        )

    def write(
        self, index: str, collection: str, ops: list[WriteOp]
    ) -> Deferred[list[WriteResult]]:
        return self._guarded(index, collection, lambda i, c: self._write(i, c, ops))

    def _write(self, index: str, collection: str, ops: list[WriteOp]) -> list[WriteResult]:
        # Sources are stored as their JSON round trip, as a persistent store would.
        ops = [_round_trip(op) for op in ops]
        runnable, refused, grown = prepare_writes(
            self._schema.schema(index, collection), index, collection, ops
        )
        documents = self._documents[(index, collection)]
        results: list[WriteResult] = []
        for position, op in enumerate(runnable):
            if op is None:
                results.append(refused[position])
                continue
            if isinstance(op, Create) and op.id is None:
                op = Create(_fresh_id(documents), op.source)
            current = documents.get(op.id or "")
            outcome = writes.apply(op, index, collection, current)
            result = outcome.result
            if result.error is None:
                if result.deleted:
                    del documents[result.id]
                elif outcome.source is not None:
                    documents[result.id] = Document(result.id, result.version, outcome.source)
            results.append(result)
        if grown is not None:
            self._schema.put_collection(index, collection, grown)
        return [copy.deepcopy(result) for result in results]

    def search(self, index: str, collection: str, search: Search) -> Deferred[SearchPage]:
        def run(i: str, c: str) -> SearchPage:
            documents = self._documents[(i, c)]
            total, page = run_search(search, ((d.id, d.source) for d in documents.values()))
            return SearchPage(total, [copy.deepcopy(documents[doc_id]) for doc_id, _ in page])

        return self._guarded(index, collection, run)

    def count(self, index: str, collection: str, query: Query) -> Deferred[int]:
        return self._guarded(
            index,
            collection,
            lambda i, c: sum(
                1 for d in self._documents[(i, c)].values() if matches(query, d.id, d.source)
            ),
        )

    def stats(self) -> Deferred[dict[str, Any]]:
        indexes = []
        total = 0
        for index in self._schema.list_indexes():
            collections = []
            index_size = 0
            for collection in self._schema.list_collections(index):
                documents = self._documents[(index, collection)].values()
                size = sum(len(codec.dumps(d.source)) for d in documents)
                collections.append(
                    {"name": collection, "documentCount": len(documents), "size": size}
                )
                index_size += size
            indexes.append({"name": index, "size": index_size, "collections": collections})
            total += index_size
        return succeed({"indexes": indexes, "size": total})

    # -- helpers --

    def _guarded(self, index: str, collection: str, action: Any) -> Deferred[Any]:
        try:
            self._schema.schema(index, collection)
            return succeed(action(index, collection))
        except KuzzleError as error:
            return fail(error)

    @staticmethod
    def _copy(document: Document | None) -> Document | None:
        return None if document is None else copy.deepcopy(document)


def _fresh_id(documents: dict[str, Document]) -> str:
    while True:
        candidate = writes.new_document_id()
        if candidate not in documents:
            return candidate


def _round_trip(op: WriteOp) -> WriteOp:
    changes = {
        name: codec.loads(codec.dumps(value))
        for name, value in attrs.asdict(op, recurse=False).items()
        if isinstance(value, dict)
    }
    return attrs.evolve(op, **changes) if changes else op
