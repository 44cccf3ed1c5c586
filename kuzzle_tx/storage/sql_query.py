# -*- test-case-name: tests.storage.test_sql_query -*-
"""
The query tree (`kuzzle_tx.storage.query_ast`) compiled to SQL for the SQLite backend:
the statements that count, list and page through matching documents.

Each collection has a ``docs`` table (one row per document, ``rid`` in insertion
order) and a ``fields`` table holding one ``(path, v, rid)`` row per searchable
pair of `kuzzle_tx.storage.fields.flatten` (booleans as 0/1). ``v`` has no declared
type, so it keeps its storage class and compares without conversions: "1" is not 1,
and SQLite's own order of mixed types (numbers before text) is the reference order.

The conditions (`compile_where`) come from `kuzzle_tx.storage.sql_conditions`; the
functions they call (`register_functions`) from `kuzzle_tx.storage.sql_functions`.
Both are importable from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .query_ast import Query, Scalar, Search, SortKey
from .sql_conditions import (
    ID_FIELD,
    SQL_FALSE,
    Sql,
    compile_where,
    sql_value,
    wildcard_to_glob,
)
from .sql_functions import regexp_search, register_functions, text_match

__all__ = [
    "Sql",
    "compile_count",
    "compile_ids",
    "compile_search",
    "compile_where",
    "regexp_search",
    "register_functions",
    "text_match",
    "wildcard_to_glob",
]


def compile_count(query: Query, docs: str, fields: str) -> Sql:
    """How many documents match."""
    where, params = compile_where(query, docs, fields)
    return f"SELECT count(*) FROM {docs} d WHERE {where}", params


def compile_ids(query: Query, docs: str, fields: str, limit: int | None = None) -> Sql:
    """
    The matching documents as ``(rid, id, version, source)`` in insertion order, at
    most ``limit`` of them: what deleteByQuery and updateByQuery work through.
    """
    where, params = compile_where(query, docs, fields)
    sql = f"SELECT d.rid, d.id, d.version, d.source FROM {docs} d WHERE {where} ORDER BY d.rid"
    if limit is not None:
        sql += " LIMIT ?"
        params = [*params, limit]
    return sql, params


def compile_search(search: Search, docs: str, fields: str) -> Sql:
    """
    One page of hits as ``(id, version, source)``: ordered by the sort keys (missing
    values last in both directions), ties in insertion order, after ``search_after``.
    """
    where, params = compile_where(search.query, docs, fields)
    keys = [_sort_expression(key, fields) for key in search.sort]
    conditions = [where]
    if search.search_after is not None:
        after, after_params = _after(search.sort, keys, search.search_after)
        conditions.append(after)
        params = params + after_params
    order = []
    for key, (expression, key_params) in zip(search.sort, keys, strict=True):
        order.append(f"{expression} {'DESC' if key.descending else 'ASC'} NULLS LAST")
        params = params + key_params
    order.append("d.rid")
    sql = (
        f"SELECT d.id, d.version, d.source FROM {docs} d"
        f" WHERE {' AND '.join(conditions)}"
        f" ORDER BY {', '.join(order)} LIMIT ? OFFSET ?"
    )
    return sql, [*params, max(search.limit, 0), max(search.offset, 0)]


def _sort_expression(key: SortKey, fields: str) -> Sql:
    if key.field == ID_FIELD:
        return "d.id", []  # the planner can walk the unique index on id
    # An array sorts by its smallest value ascending, its largest descending. The
    # + keeps the planner on the rid index (a few rows per document) rather than
    # on the primary key (every row of the path).
    aggregate = "max" if key.descending else "min"
    return (
        f"(SELECT {aggregate}(f.v) FROM {fields} f WHERE f.rid = d.rid AND +f.path = ?)",
        [key.field],
    )


def _after(sort: Sequence[SortKey], keys: Sequence[Sql], values: Sequence[Scalar | None]) -> Sql:
    """
    Rows strictly after ``values`` in the sort order: equal on the first keys and
    after on the next one, for some key. Missing values come last in both directions,
    so nothing is after a missing value and a missing value is after any value. Only
    as many keys as values count (the parser asks for one value per key).
    """
    alternatives: list[str] = []
    params: list[Any] = []
    equal: list[Sql] = []
    for key, (expression, key_params), value in zip(sort, keys, values, strict=False):
        if key.field == ID_FIELD:
            # Unary + drops d.id's TEXT affinity, which would turn a number from
            # search_after into text: numbers sort before every id.
            expression = "+d.id"
        if value is not None:
            bound = sql_value(value)
            operator = "<" if key.descending else ">"
            parts = [sql for sql, _ in equal]
            parts.append(f"({expression} {operator} ? OR {expression} IS NULL)")
            alternatives.append(f"({' AND '.join(parts)})")
            for _, equal_params in equal:
                params.extend(equal_params)
            params.extend([*key_params, bound, *key_params])
            equal.append((f"{expression} IS ?", [*key_params, bound]))
        else:
            equal.append((f"{expression} IS NULL", list(key_params)))
    if not alternatives:
        return SQL_FALSE
    return f"({' OR '.join(alternatives)})", params
