# -*- test-case-name: tests.storage.test_storage -*-
"""
The SQLite layout and the statements run on it, one function per operation, each
given a connection (`kuzzle_tx.storage.sqlite` decides which thread runs them).

``kz_indexes`` and ``kz_collections`` (name, schema as JSON) describe the schema;
collection N has ``c<N>_docs`` (one row per document: id, version, source as JSON)
and ``c<N>_fields`` (one row per searchable (path, value) pair of a document, see
`kuzzle_tx.storage.fields`): the index searches run on.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any

from kuzzle_tx import codec

from . import writes
from .fields import flatten
from .model import Create, Document, SearchPage, WriteOp, WriteResult
from .query_ast import Query, Search
from .sql_query import compile_count, compile_search

META = (
    "CREATE TABLE IF NOT EXISTS kz_indexes (name TEXT PRIMARY KEY)",
    "CREATE TABLE IF NOT EXISTS kz_collections ("
    " id INTEGER PRIMARY KEY, idx TEXT NOT NULL, name TEXT NOT NULL, schema BLOB NOT NULL,"
    " UNIQUE (idx, name))",
)


def tables(table_id: int) -> tuple[str, str]:
    return f'"c{table_id}_docs"', f'"c{table_id}_fields"'


def create_tables(connection: sqlite3.Connection, table_id: int) -> None:
    docs, fields = tables(table_id)
    connection.execute(
        f"CREATE TABLE IF NOT EXISTS {docs} (rid INTEGER PRIMARY KEY,"
        " id TEXT NOT NULL UNIQUE, version INTEGER NOT NULL, source BLOB NOT NULL)"
    )
    connection.execute(
        f"CREATE TABLE IF NOT EXISTS {fields} (path TEXT NOT NULL, v, rid INTEGER NOT NULL,"
        " PRIMARY KEY (path, v, rid)) WITHOUT ROWID"
    )
    connection.execute(f'CREATE INDEX IF NOT EXISTS "c{table_id}_fields_rid" ON {fields} (rid)')


def field_rows(rid: int, source: dict[str, Any]) -> Iterable[tuple[str, Any, int]]:
    for path, value in flatten(source):
        yield path, int(value) if isinstance(value, bool) else value, rid


def drop_tables(connection: sqlite3.Connection, table_id: int) -> None:
    for table in tables(table_id):
        connection.execute(f"DROP TABLE IF EXISTS {table}")


def get(connection: sqlite3.Connection, table_id: int, ids: list[str]) -> list[Document | None]:
    """The documents with these ids, in order (None where there is none)."""
    docs, _ = tables(table_id)
    found: dict[str, Document] = {}
    if len(ids) == 1:
        rows = connection.execute(f"SELECT id, version, source FROM {docs} WHERE id = ?", ids)
    else:
        rows = connection.execute(
            f"SELECT id, version, source FROM {docs} WHERE id IN (SELECT value FROM json_each(?))",
            (codec.dumps(ids).decode(),),
        )
    for doc_id, version, source in rows:
        found[doc_id] = Document(doc_id, version, codec.loads(source))
    return [found.get(doc_id) for doc_id in ids]


def write_one(
    connection: sqlite3.Connection, table_id: int, op: WriteOp, index: str, collection: str
) -> WriteResult:
    docs, fields = tables(table_id)
    if isinstance(op, Create) and op.id is None:
        op = Create(writes.new_document_id(), op.source)
    row = connection.execute(
        f"SELECT rid, version, source FROM {docs} WHERE id = ?", (op.id,)
    ).fetchone()
    current = None if row is None else Document(op.id or "", row[1], codec.loads(row[2]))
    outcome = writes.apply(op, index, collection, current)
    result = outcome.result
    if result.error is not None:
        return result
    if row is not None:
        rid = row[0]
        connection.execute(f"DELETE FROM {fields} WHERE rid = ?", (rid,))
        if result.deleted:
            connection.execute(f"DELETE FROM {docs} WHERE rid = ?", (rid,))
            return result
        connection.execute(
            f"UPDATE {docs} SET version = ?, source = ? WHERE rid = ?",
            (result.version, codec.dumps(outcome.source), rid),
        )
    else:
        cursor = connection.execute(
            f"INSERT INTO {docs} (id, version, source) VALUES (?, ?, ?)",
            (result.id, result.version, codec.dumps(outcome.source)),
        )
        rid = cursor.lastrowid
    assert outcome.source is not None
    connection.executemany(
        f"INSERT OR IGNORE INTO {fields} (path, v, rid) VALUES (?, ?, ?)",
        field_rows(rid, outcome.source),
    )
    return result


def search(connection: sqlite3.Connection, table_id: int, search: Search) -> SearchPage:
    """One page of a search and its total, read in one transaction (same snapshot)."""
    docs, fields = tables(table_id)
    sql, params = compile_search(search, docs, fields)
    count_sql, count_params = compile_count(search.query, docs, fields)
    # One read transaction: the page and the total come from the same snapshot.
    connection.execute("BEGIN")
    try:
        hits = [
            Document(doc_id, version, codec.loads(source))
            for doc_id, version, source in connection.execute(sql, params)
        ]
        (total,) = connection.execute(count_sql, count_params).fetchone()
    finally:
        connection.execute("COMMIT")
    return SearchPage(total, hits)


def count(connection: sqlite3.Connection, table_id: int, query: Query) -> int:
    docs, fields = tables(table_id)
    sql, params = compile_count(query, docs, fields)
    (total,) = connection.execute(sql, params).fetchone()
    return int(total)
