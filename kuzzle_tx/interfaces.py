"""
The interfaces that hold kuzzle_tx's layers together, in one place: what a
protocol connection offers, what authentication and rights plug into, and what
controllers call to notify realtime subscribers, and where documents are stored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from zope.interface import Interface

if TYPE_CHECKING:
    from twisted.internet.defer import Deferred

    from kuzzle_tx.api.request import Request
    from kuzzle_tx.storage.model import (
        CollectionSchema,
        Document,
        SearchPage,
        WriteOp,
        WriteResult,
    )
    from kuzzle_tx.storage.query_ast import Query, Search


class IClientChannel(Interface):
    """What a persistent protocol connection offers to the server side."""

    def send_payload(data: bytes) -> None:
        """Send one already-serialized message to the client."""

    def send_shared(data: bytes, prepared: dict[str, object]) -> None:
        """
        Send a message that many clients receive: ``prepared`` is shared by the
        recipients of ``data``, so that a protocol frames it once for all of them.
        """

    def close_going_away(reason: str) -> None:
        """Close the connection with a code that makes clients reconnect (1001)."""


class IGate(Interface):
    """Authentication and rights, run before the controller lookup."""

    def admit(request: Request) -> Deferred[None] | None:
        """Return None (or a Deferred) when the request may run; raise KuzzleError if not."""


class INotifier(Interface):
    """
    What controllers call when something subscribers may care about happened.

    `kuzzle_tx.realtime.engine.RealtimeEngine` implements it for one node. A
    multi-node deployment wraps it: publish locally and to the other nodes
    (Redis pub/sub), and hand what the other nodes publish to the local engine;
    controllers do not change.
    """

    def publish_document(
        *,
        index: str,
        collection: str,
        document_id: str | None,
        source: Any,
        scope: str,
        action: str,
        event: str,
        controller: str,
        request_id: str,
        timestamp: int,
        protocol: str,
        volatile: Any,
        updated_fields: list[str] | None = None,
    ) -> int:
        """Notify the rooms whose filters match ``source``; returns how many channels."""

    def document_written(
        *,
        index: str,
        collection: str,
        document_id: str,
        source: Any,
        action: str,
        event: str,
        controller: str,
        request_id: str,
        timestamp: int,
        protocol: str,
        volatile: Any,
        updated_fields: list[str] | None = None,
    ) -> None:
        """
        A stored document was written: scope "in" to the rooms it matches, "out" to
        the rooms it matched at its previous write and no longer does.
        """

    def document_deleted(
        *,
        index: str,
        collection: str,
        document_id: str,
        source: Any,
        action: str,
        controller: str,
        request_id: str,
        timestamp: int,
        protocol: str,
        volatile: Any,
    ) -> None:
        """A stored document was deleted: scope "out" to the rooms it matched."""


class IStorage(Interface):
    """
    Where indexes, collections and documents live (kuzzle-api.md §7).

    The schema (indexes, collections, mappings) is held in memory by every backend,
    so the checks each request makes are synchronous; everything that touches
    documents returns a Deferred and never blocks the reactor. Failures are
    `KuzzleError`s: unknown index/collection, missing document, conflicts.
    Write operations and their results are `kuzzle_tx.storage.model` values;
    searches are `kuzzle_tx.storage.query_ast.Search` trees.
    """

    def start() -> Deferred[None]:
        """Open the store (creating it on first start) and load the schema."""

    def stop() -> Deferred[None]:
        """Finish pending work and close the store."""

    # -- schema (synchronous: answered from memory) --

    def list_indexes() -> list[str]:
        """The index names, sorted."""

    def list_collections(index: str) -> list[str]:
        """The collection names of an index, sorted; raises unknown_index."""

    def has_index(index: str) -> bool:
        """Whether the index exists."""

    def schema(index: str, collection: str) -> CollectionSchema:
        """A collection's mapping and settings; raises unknown_index / unknown_collection."""

    # -- schema changes --

    def create_index(index: str) -> Deferred[None]:
        """Create an index; fails with index_already_exists."""

    def delete_indexes(indexes: list[str]) -> Deferred[list[str]]:
        """Delete these indexes and everything in them; returns those that existed."""

    def put_collection(index: str, collection: str, schema: CollectionSchema) -> Deferred[None]:
        """Create a collection (and its index if needed) or replace its schema."""

    def delete_collection(index: str, collection: str) -> Deferred[None]:
        """Delete a collection and its documents."""

    def truncate(index: str, collection: str) -> Deferred[None]:
        """Delete every document of a collection, keeping its schema."""

    # -- documents --

    def get(index: str, collection: str, ids: list[str]) -> Deferred[list[Document | None]]:
        """The documents with these ids, in order (None for those that do not exist)."""

    def write(index: str, collection: str, ops: list[WriteOp]) -> Deferred[list[WriteResult]]:
        """
        Apply the operations in order, atomically, and durably once the Deferred fires.
        A failing operation (already exists, not found, strict mapping) gets an error
        result and does not stop the others. Dynamic mappings grow with the documents.
        """

    def search(index: str, collection: str, search: Search) -> Deferred[SearchPage]:
        """One page of the documents matching a search, and the total number of matches."""

    def count(index: str, collection: str, query: Query) -> Deferred[int]:
        """How many documents match."""

    def stats() -> Deferred[dict[str, Any]]:
        """index:stats: sizes and document counts per index and collection."""
