# -*- test-case-name: tests.storage.test_storage,tests.e2e.test_durability -*-
"""
The embedded persistent backend: one SQLite database in the data directory.

Threads: every statement runs off the reactor thread. Writes go through one
writer thread (one connection, so writers never wait on each other's locks; the
writes of one reactor turn share one transaction, each `write` in its own
savepoint); reads go to a small pool of reader threads, each with its own
connection, in batches too (`kuzzle_tx.storage.batches`). WAL journaling lets
readers run while the writer commits, and a commit reaches the operating system
before its Deferred fires, so an acknowledged write survives the process being
killed.

This module owns the threads, the connections and the schema cache; the tables
and the statements are `kuzzle_tx.storage.sqlite_statements`.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from twisted.internet.defer import Deferred, fail, succeed
from twisted.internet.threads import deferToThreadPool
from twisted.python.failure import Failure
from twisted.python.threadpool import ThreadPool
from zope.interface import implementer

from kuzzle_tx import codec
from kuzzle_tx.errors import KuzzleError
from kuzzle_tx.interfaces import IStorage

from . import sqlite_statements as statements
from .batches import ThreadBatches
from .model import CollectionSchema, Document, SearchPage, WriteOp, WriteResult
from .query_ast import Query, Search
from .schema import SchemaCache, prepare_writes
from .sql_query import register_functions

T = TypeVar("T")

DATABASE_NAME = "kuzzle.sqlite3"


@implementer(IStorage)
class SQLiteStorage:
    def __init__(self, directory: str, reactor: Any, readers: int = 2) -> None:
        self.path = os.path.join(directory, DATABASE_NAME)
        self._directory = directory
        self._reactor = reactor
        self._schema = SchemaCache()
        self._table_ids: dict[tuple[str, str], int] = {}
        self._writer_pool = ThreadPool(1, 1, name="kuzzle-storage-writer")
        self._reader_pool = ThreadPool(1, readers, name="kuzzle-storage-reader")
        self._writer: sqlite3.Connection | None = None
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._shutdown_trigger: Any = None
        self._running = False
        self._writes = ThreadBatches(reactor, self._writer_pool, self._run_write_batch)
        self._reads = ThreadBatches(reactor, self._reader_pool, in_flight=readers)

    # -- lifecycle --

    def start(self) -> Deferred[None]:
        """
        Open the database and load the schema now, in the calling thread: this runs
        once, before the service serves anything, and requests need the schema.
        """
        os.makedirs(self._directory, exist_ok=True)
        try:
            self._load(self._open())
        except sqlite3.Error as error:
            return fail(error)
        self._writer_pool.start()
        self._reader_pool.start()
        self._running = True
        # Like the reactor's own thread pool: never keep the process alive after shutdown.
        self._shutdown_trigger = self._reactor.addSystemEventTrigger(
            "during", "shutdown", self._stop_pools
        )
        return succeed(None)

    def stop(self) -> Deferred[None]:
        """Close the store once the work queued before this call is done; idempotent."""
        if not self._running:
            return succeed(None)
        self._running = False

        def close() -> None:
            if self._writer is not None:
                self._writer.close()
                self._writer = None

        def stopped(result: object) -> object:
            if self._shutdown_trigger is not None:
                self._reactor.removeSystemEventTrigger(self._shutdown_trigger)
                self._shutdown_trigger = None
            self._stop_pools()
            return result

        return self._on_writer(close).addBoth(stopped)

    def _stop_pools(self) -> None:
        self._running = False
        if not self._writer_pool.started:
            return
        self._writer_pool.stop()
        self._reader_pool.stop()
        with self._readers_lock:
            for connection in self._readers:
                connection.close()
            self._readers.clear()

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        connection.execute("PRAGMA journal_mode=WAL")
        # In WAL mode NORMAL loses nothing when the process dies (the OS has the
        # pages); only a power loss may drop the last commits.
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.execute("PRAGMA busy_timeout=10000")
        register_functions(connection)
        return connection

    def _open(self) -> list[tuple[str, str | None, int | None, bytes | None]]:
        connection = self._writer = self._connect()
        for statement in statements.META:
            connection.execute(statement)
        rows: list[tuple[str, str | None, int | None, bytes | None]] = [
            (name, None, None, None)
            for (name,) in connection.execute("SELECT name FROM kz_indexes")
        ]
        rows.extend(connection.execute("SELECT idx, name, id, schema FROM kz_collections"))
        return rows

    def _load(self, rows: list[tuple[str, str | None, int | None, bytes | None]]) -> None:
        for index, collection, table_id, schema in rows:
            self._schema.add_index(index)
            if collection is not None and table_id is not None and schema is not None:
                stored = codec.loads(schema)
                self._schema.put_collection(
                    index, collection, CollectionSchema(stored["mappings"], stored["settings"])
                )
                self._table_ids[(index, collection)] = table_id

    # -- threads --

    def _on_writer(self, work: Callable[..., T], *args: Any) -> Deferred[T]:
        return deferToThreadPool(self._reactor, self._writer_pool, work, *args)

    def _write_job(self, work: Callable[[sqlite3.Connection], T]) -> Deferred[T]:
        """Run ``work`` in the next write transaction (shared with this turn's other writes)."""

        def job() -> T:
            assert self._writer is not None, "storage not started"
            return work(self._writer)

        return self._writes.submit(job)

    def _run_write_batch(self, jobs: list[Callable[[], Any]]) -> list[Any]:
        # One transaction, one savepoint per job: a failing job undoes only its own work.
        connection = self._writer
        assert connection is not None, "storage not started"
        results: list[Any] = []
        connection.execute("BEGIN IMMEDIATE")
        try:
            for job in jobs:
                connection.execute("SAVEPOINT job")
                try:
                    results.append(job())
                except Exception:
                    results.append(Failure())
                    connection.execute("ROLLBACK TO job")
                connection.execute("RELEASE job")
            connection.execute("COMMIT")
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise
        return results

    def _reader(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._connect()
            connection.execute("PRAGMA query_only=1")
            self._local.connection = connection
            with self._readers_lock:
                self._readers.append(connection)
        return connection

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

        def insert(connection: sqlite3.Connection) -> None:
            connection.execute("INSERT OR IGNORE INTO kz_indexes (name) VALUES (?)", (index,))

        done = self._write_job(insert)
        return done.addCallback(lambda _: self._schema.add_index(index))

    def delete_indexes(self, indexes: list[str]) -> Deferred[list[str]]:
        existing = [index for index in indexes if self._schema.has_index(index)]
        doomed = [
            (index, collection, self._table_ids[(index, collection)])
            for index in existing
            for collection in self._schema.list_collections(index)
        ]

        def delete(connection: sqlite3.Connection) -> None:
            for _, _, table_id in doomed:
                statements.drop_tables(connection, table_id)
            for index in existing:
                connection.execute("DELETE FROM kz_collections WHERE idx = ?", (index,))
                connection.execute("DELETE FROM kz_indexes WHERE name = ?", (index,))

        def forget(_: object) -> list[str]:
            for index, collection, _table_id in doomed:
                self._table_ids.pop((index, collection), None)
            for index in existing:
                self._schema.remove_index(index)
            return existing

        return self._write_job(delete).addCallback(forget)

    def put_collection(
        self, index: str, collection: str, schema: CollectionSchema
    ) -> Deferred[None]:
        blob = codec.dumps({"mappings": schema.mappings, "settings": schema.settings})

        def put(connection: sqlite3.Connection) -> int:
            connection.execute("INSERT OR IGNORE INTO kz_indexes (name) VALUES (?)", (index,))
            row = connection.execute(
                "SELECT id FROM kz_collections WHERE idx = ? AND name = ?", (index, collection)
            ).fetchone()
            if row is not None:
                connection.execute(
                    "UPDATE kz_collections SET schema = ? WHERE id = ?", (blob, row[0])
                )
                return int(row[0])
            cursor = connection.execute(
                "INSERT INTO kz_collections (idx, name, schema) VALUES (?, ?, ?)",
                (index, collection, blob),
            )
            table_id = int(cursor.lastrowid or 0)
            statements.create_tables(connection, table_id)
            return table_id

        def remember(table_id: int) -> None:
            self._table_ids[(index, collection)] = table_id
            self._schema.put_collection(index, collection, schema)

        return self._write_job(put).addCallback(remember)

    def delete_collection(self, index: str, collection: str) -> Deferred[None]:
        def delete(connection: sqlite3.Connection, table_id: int) -> None:
            statements.drop_tables(connection, table_id)
            connection.execute("DELETE FROM kz_collections WHERE id = ?", (table_id,))

        def forget(_: object) -> None:
            self._table_ids.pop((index, collection), None)
            self._schema.remove_collection(index, collection)

        return self._writing(index, collection, delete).addCallback(forget)

    def truncate(self, index: str, collection: str) -> Deferred[None]:
        def truncate(connection: sqlite3.Connection, table_id: int) -> None:
            docs, fields = statements.tables(table_id)
            connection.execute(f"DELETE FROM {fields}")
            connection.execute(f"DELETE FROM {docs}")

        return self._writing(index, collection, truncate)

    # -- documents --

    def get(self, index: str, collection: str, ids: list[str]) -> Deferred[list[Document | None]]:
        return self._reading(index, collection, lambda c, t: statements.get(c, t, ids))

    def write(
        self, index: str, collection: str, ops: list[WriteOp]
    ) -> Deferred[list[WriteResult]]:
        try:
            schema = self._schema.schema(index, collection)
        except KuzzleError as error:
            return fail(error)
        runnable, refused, grown = prepare_writes(schema, index, collection, ops)
        grown_blob = (
            None
            if grown is None
            else codec.dumps({"mappings": grown.mappings, "settings": grown.settings})
        )

        def write(connection: sqlite3.Connection, table_id: int) -> list[WriteResult]:
            results = [
                refused[position]
                if op is None
                else statements.write_one(connection, table_id, op, index, collection)
                for position, op in enumerate(runnable)
            ]
            if grown_blob is not None:
                connection.execute(
                    "UPDATE kz_collections SET schema = ? WHERE id = ?", (grown_blob, table_id)
                )
            return results

        def remember(results: list[WriteResult]) -> list[WriteResult]:
            if grown is not None and self._schema.has_collection(index, collection):
                self._schema.put_collection(index, collection, grown)
            return results

        return self._writing(index, collection, write).addCallback(remember)

    def search(self, index: str, collection: str, search: Search) -> Deferred[SearchPage]:
        return self._reading(index, collection, lambda c, t: statements.search(c, t, search))

    def count(self, index: str, collection: str, query: Query) -> Deferred[int]:
        return self._reading(index, collection, lambda c, t: statements.count(c, t, query))

    def stats(self) -> Deferred[dict[str, Any]]:
        layout = [
            (index, collection, self._table_ids[(index, collection)])
            for index in self._schema.list_indexes()
            for collection in self._schema.list_collections(index)
        ]
        names = self._schema.list_indexes()

        def run() -> dict[str, Any]:
            connection = self._reader()
            per_index: dict[str, list[dict[str, Any]]] = {index: [] for index in names}
            for index, collection, table_id in layout:
                docs, _ = statements.tables(table_id)
                try:
                    count, size = connection.execute(
                        f"SELECT count(*), coalesce(sum(length(source)), 0) FROM {docs}"
                    ).fetchone()
                except sqlite3.OperationalError:
                    continue
                per_index[index].append({"name": collection, "documentCount": count, "size": size})
            indexes = [
                {
                    "name": index,
                    "size": sum(c["size"] for c in collections),
                    "collections": collections,
                }
                for index, collections in per_index.items()
            ]
            return {"indexes": indexes, "size": sum(i["size"] for i in indexes)}

        return self._reads.submit(run)

    # -- helpers --

    def _table_id(self, index: str, collection: str) -> int:
        self._schema.schema(index, collection)
        return self._table_ids[(index, collection)]

    def _writing(
        self, index: str, collection: str, work: Callable[[sqlite3.Connection, int], T]
    ) -> Deferred[T]:
        try:
            table_id = self._table_id(index, collection)
        except KuzzleError as error:
            return fail(error)

        return self._write_job(
            lambda connection: self._dropped_guard(
                lambda: work(connection, table_id), index, collection
            )
        )

    def _reading(
        self, index: str, collection: str, work: Callable[[sqlite3.Connection, int], T]
    ) -> Deferred[T]:
        try:
            table_id = self._table_id(index, collection)
        except KuzzleError as error:
            return fail(error)
        return self._reads.submit(
            lambda: self._dropped_guard(lambda: work(self._reader(), table_id), index, collection)
        )

    @staticmethod
    def _dropped_guard(work: Callable[[], T], index: str, collection: str) -> T:
        # The collection was deleted between the check and the statement.
        try:
            return work()
        except sqlite3.OperationalError as error:
            if "no such table" in str(error):
                raise KuzzleError(
                    "services.storage.unknown_collection", index, collection
                ) from None
            raise
