"""
One collection's two tables in an in-memory SQLite database, laid out and filled as the
SQLite backend lays them out and fills them, for the tests of the SQL compiler.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from kuzzle_tx.storage.fields import flatten
from kuzzle_tx.storage.query_ast import (
    Query,
    Search,
)
from kuzzle_tx.storage.sql_query import (
    compile_count,
    compile_ids,
    compile_search,
    register_functions,
)

DOCS = '"t_docs"'
FIELDS = '"t_fields"'


class Collection:
    """One collection's two tables, filled the way the backend fills them."""

    def __init__(self) -> None:
        self.connection = sqlite3.connect(":memory:", isolation_level=None)
        register_functions(self.connection)
        self.connection.executescript(
            f"CREATE TABLE {DOCS} (rid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
            " version INTEGER NOT NULL, source TEXT NOT NULL);"
            f"CREATE TABLE {FIELDS} (path TEXT NOT NULL, v, rid INTEGER NOT NULL,"
            " PRIMARY KEY (path, v, rid)) WITHOUT ROWID;"
            f'CREATE INDEX "t_fields_rid" ON {FIELDS} (rid);'
        )

    def add(self, doc_id: str, source: dict[str, Any]) -> None:
        with self.connection:
            rid = self.connection.execute(
                f"INSERT INTO {DOCS} (id, version, source) VALUES (?, 1, ?)",
                (doc_id, json.dumps(source)),
            ).lastrowid
            self.connection.executemany(
                f"INSERT OR IGNORE INTO {FIELDS} (path, v, rid) VALUES (?, ?, ?)",
                [
                    (path, int(value) if isinstance(value, bool) else value, rid)
                    for path, value in flatten(source)
                ],
            )

    def ids(self, query: Query) -> list[str]:
        """The matching ids in insertion order, checked against the count."""
        sql, params = compile_ids(query, DOCS, FIELDS)
        found = [row[1] for row in self.connection.execute(sql, params)]
        count_sql, count_params = compile_count(query, DOCS, FIELDS)
        (count,) = self.connection.execute(count_sql, count_params).fetchone()
        assert count == len(found), (count, found)
        return found

    def search(self, search: Search) -> list[str]:
        sql, params = compile_search(search, DOCS, FIELDS)
        return [doc_id for doc_id, _, _ in self.connection.execute(sql, params)]

    def plan(self, sql: str, params: list[Any]) -> list[str]:
        return [row[3] for row in self.connection.execute("EXPLAIN QUERY PLAN " + sql, params)]


def collection(*sources: dict[str, Any]) -> Collection:
    """A collection holding ``sources`` as documents "0", "1", "2"..."""
    store = Collection()
    for number, source in enumerate(sources):
        store.add(str(number), source)
    return store
