# -*- test-case-name: tests.storage.test_sql_conditions -*-
"""
Query trees (`kuzzle_tx.storage.query_ast`) compiled to SQL conditions over one
document row ``d``: `compile_where`, for the statements of `kuzzle_tx.storage.sql_query`
(which describes the tables).

A condition on a field holds when any value at the path satisfies it, which is one
subquery over ``fields``: ``d.rid IN (SELECT rid ... WHERE path = ? AND <on v>)``.
Every condition is written so that the ``(path, v, rid)`` primary key narrows the
scan (equality or a range on ``v``); only regexp and full-text matching call Python
(`kuzzle_tx.storage.sql_functions`). The field ``_id`` is the document id (``d.id``)
wherever a field may be named.

Every value is a parameter, and lists of many values travel as one JSON parameter,
so a query never approaches SQLite's limit on parameters.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from .query_ast import (
    Bool,
    Exists,
    GeoShape,
    Ids,
    MatchAll,
    MatchNone,
    Prefix,
    Query,
    Range,
    Regexp,
    Scalar,
    Term,
    Terms,
    TextMatch,
    Wildcard,
)

#: A statement or condition and its parameters.
Sql = tuple[str, list[Any]]

# The field that is the document id (``d.id``), not a path of ``fields``.
ID_FIELD = "_id"

# Up to this many values, ``IN (?, ?, ...)``; beyond, one JSON array parameter.
_INLINE_VALUES = 50

_INT64 = (-(2**63), 2**63 - 1)

_NUMBER = "typeof({v}) IN ('integer', 'real')"
_TEXT = "typeof({v}) = 'text'"

# The conditions that always hold and never do.
SQL_FALSE: Sql = ("0", [])
SQL_TRUE: Sql = ("1", [])


def compile_where(query: Query, docs: str, fields: str) -> Sql:
    """
    A boolean SQL expression (never NULL) over the documents row ``d`` that holds
    when the document matches ``query``. ``docs`` is unused (conditions only read
    ``d``), but kept so every compile_* takes the same arguments.
    """
    return _Compiler(fields).query(query)


class _Compiler:
    def __init__(self, fields: str) -> None:
        self._fields = fields
        self._compilers: dict[type, Callable[[Any], Sql]] = {
            MatchAll: lambda _: SQL_TRUE,
            MatchNone: lambda _: SQL_FALSE,
            Term: self._term,
            Terms: self._terms,
            Ids: self._ids,
            Exists: self._exists,
            Range: self._range,
            Prefix: self._prefix,
            Wildcard: self._wildcard,
            Regexp: self._regexp,
            GeoShape: self._geo,
            TextMatch: self._text,
            Bool: self._bool,
        }

    def query(self, query: Query) -> Sql:
        compiler = self._compilers.get(type(query))
        if compiler is None:
            raise TypeError(f"not a query node: {query!r}")
        return compiler(query)

    def _on_values(self, field: str, condition: Callable[[str], Sql]) -> Sql:
        """Some value of ``field`` satisfies ``condition`` (given the value's SQL)."""
        if field == ID_FIELD:
            return condition("d.id")
        sql, params = condition("f.v")
        return (
            f"d.rid IN (SELECT f.rid FROM {self._fields} f WHERE f.path = ? AND {sql})",
            [field, *params],
        )

    def _term(self, node: Term) -> Sql:
        return self._in(node.field, (node.value,))

    def _terms(self, node: Terms) -> Sql:
        return self._in(node.field, node.values)

    def _ids(self, node: Ids) -> Sql:
        return self._in(ID_FIELD, node.values)

    def _in(self, field: str, values: Sequence[Scalar]) -> Sql:
        if field == ID_FIELD:
            # Ids are strings: 1 is not "1" (and d.id's affinity would convert it).
            values = [value for value in values if isinstance(value, str)]
        unique = list(dict.fromkeys((type(v), v) for v in map(sql_value, values)))
        bound = [value for _, value in unique]
        if not bound:
            return SQL_FALSE
        if len(bound) == 1:
            return self._on_values(field, lambda v: (f"{v} = ?", bound))
        if len(bound) <= _INLINE_VALUES:
            marks = ", ".join("?" * len(bound))
            return self._on_values(field, lambda v: (f"{v} IN ({marks})", bound))
        # json_each gives back INTEGER, REAL and TEXT as they were.
        array = json.dumps(bound, ensure_ascii=False)
        return self._on_values(
            field, lambda v: (f"{v} IN (SELECT value FROM json_each(?))", [array])
        )

    def _exists(self, node: Exists) -> Sql:
        if node.field == ID_FIELD:
            return SQL_TRUE
        # The field itself, or anything below it: "f." <= "f.x" < "f/" (an
        # empty key gives the path "f." itself).
        return (
            f"d.rid IN (SELECT f.rid FROM {self._fields} f"
            " WHERE f.path = ? OR (f.path >= ? AND f.path < ?))",
            [node.field, node.field + ".", node.field + "/"],
        )

    def _range(self, node: Range) -> Sql:
        bounds = [
            (operator, sql_value(value))
            for operator, value in (
                (">", node.gt),
                (">=", node.gte),
                ("<", node.lt),
                ("<=", node.lte),
            )
            if value is not None
        ]

        def condition(v: str) -> Sql:
            parts: list[str] = []
            for text in sorted({isinstance(value, str) for _, value in bounds}):
                # Each kind of bound holds only for values of its kind. The kind's
                # whole span is spelled as bounds too (numbers < '' <= text < x''),
                # so that the index scan stops where the other kind begins.
                sides = {op[0] for op, value in bounds if isinstance(value, str) == text}
                if text:
                    parts.append(_TEXT.format(v=v))
                    if ">" not in sides:
                        parts.append(f"{v} >= ''")
                    if "<" not in sides:
                        parts.append(f"{v} < x''")
                else:
                    parts.append(_NUMBER.format(v=v))
                    if "<" not in sides:
                        parts.append(f"{v} < ''")
            parts.extend(f"{v} {operator} ?" for operator, _ in bounds)
            # No bound at all: any value.
            return " AND ".join(parts) or "1", [value for _, value in bounds]

        return self._on_values(node.field, condition)

    def _prefix(self, node: Prefix) -> Sql:
        return self._on_values(node.field, lambda v: _starts_with(v, node.value))

    def _wildcard(self, node: Wildcard) -> Sql:
        glob, prefix = wildcard_to_glob(node.pattern)

        def condition(v: str) -> Sql:
            sql, params = _starts_with(v, prefix)
            return f"{sql} AND {v} GLOB ?", [*params, glob]

        return self._on_values(node.field, condition)

    def _geo(self, node: GeoShape) -> Sql:
        # Documents that have the field (index lookup), then Koncorde's test on the source.
        having, params = self._exists(Exists(node.field))
        return f"{having} AND kz_geo(?, d.source)", [*params, node.clause]

    def _regexp(self, node: Regexp) -> Sql:
        return self._on_values(
            node.field,
            lambda v: (
                f"{_TEXT.format(v=v)} AND kz_regexp(?, ?, {v})",
                [node.pattern, node.flags],
            ),
        )

    def _text(self, node: TextMatch) -> Sql:
        if not node.tokens:
            return SQL_FALSE
        tokens = json.dumps(list(node.tokens), ensure_ascii=False)
        return self._on_values(
            node.field,
            lambda v: (
                f"{_TEXT.format(v=v)} AND kz_text({v}, ?, ?, ?)",
                [tokens, node.operator, int(node.phrase)],
            ),
        )

    def _bool(self, node: Bool) -> Sql:
        parts: list[str] = []
        params: list[Any] = []
        for clause in (*node.must, *node.filter):
            sql, clause_params = self.query(clause)
            parts.append(f"({sql})")
            params.extend(clause_params)
        for clause in node.must_not:
            sql, clause_params = self.query(clause)
            parts.append(f"NOT ({sql})")
            params.extend(clause_params)
        wanted = node.minimum_should_match
        if wanted > len(node.should):
            return SQL_FALSE
        if wanted > 0:
            compiled = [self.query(clause) for clause in node.should]
            for _, clause_params in compiled:
                params.extend(clause_params)
            if wanted == 1:
                # The same count, spelled so the planner can use each clause's index.
                parts.append("(" + " OR ".join(f"({sql})" for sql, _ in compiled) + ")")
            else:
                total = " + ".join(f"({sql})" for sql, _ in compiled)
                parts.append(f"({total}) >= ?")
                params.append(wanted)
        if not parts:
            return SQL_TRUE
        return " AND ".join(parts), params


def _starts_with(v: str, prefix: str) -> Sql:
    """
    A text value starting with ``prefix``, as a range the index can scan: from the
    prefix to the first string after every string that starts with it (UTF-8 bytes
    and code points sort alike, so this is exact).
    """
    upper = _successor(prefix)
    sql = f"{_TEXT.format(v=v)} AND {v} >= ?"
    if upper is None:
        return sql, [prefix]
    return f"{sql} AND {v} < ?", [prefix, upper]


def _successor(prefix: str) -> str | None:
    chars = list(prefix)
    while chars:
        code = ord(chars.pop()) + 1
        if code == 0xD800:  # surrogates are not characters of a stored string
            code = 0xE000
        if code <= 0x10FFFF:
            return "".join(chars) + chr(code)
    return None


_GLOB_LITERAL = {"*": "[*]", "?": "[?]", "[": "[[]", "]": "[]]"}


def wildcard_to_glob(pattern: str) -> tuple[str, str]:
    """
    An Elasticsearch wildcard pattern (``*`` any run, ``?`` one character, ``\\``
    escaping the next character; a trailing ``\\`` is literal) as a SQLite GLOB
    pattern, and the literal prefix before its first wildcard.
    """
    glob: list[str] = []
    prefix: list[str] = []
    literal_so_far = True
    position = 0
    while position < len(pattern):
        char = pattern[position]
        position += 1
        if char in "*?":
            glob.append(char)
            literal_so_far = False
            continue
        if char == "\\" and position < len(pattern):
            char = pattern[position]
            position += 1
        glob.append(_GLOB_LITERAL.get(char, char))
        if literal_so_far:
            prefix.append(char)
    return "".join(glob), "".join(prefix)


def sql_value(value: Scalar) -> Any:
    """A query value as SQLite stores it: booleans as 0/1, huge integers as reals."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int) and not _INT64[0] <= value <= _INT64[1]:
        return float(value)
    return value
