# -*- test-case-name: tests.storage.test_sql_query -*-
"""
The query tree (`kuzzle_tx.storage.query_ast`) compiled to SQL for the SQLite backend.

Each collection has a ``docs`` table (one row per document, ``rid`` in insertion
order) and a ``fields`` table holding one ``(path, v, rid)`` row per searchable
pair of `kuzzle_tx.storage.fields.flatten` (booleans as 0/1). ``v`` has no declared
type, so it keeps its storage class and compares without conversions: "1" is not 1,
and SQLite's own order of mixed types (numbers before text) is the reference order.

A condition on a field holds when any value at the path satisfies it, which is one
subquery over ``fields``: ``d.rid IN (SELECT rid ... WHERE path = ? AND <on v>)``.
Every condition is written so that the ``(path, v, rid)`` primary key narrows the
scan (equality or a range on ``v``); only regexp and full-text matching call Python.
The field ``_id`` is the document id (``d.id``) wherever a field may be named.

Every value is a parameter, and lists of many values travel as one JSON parameter,
so a query never approaches SQLite's limit on parameters.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

from kuzzle_tx.realtime.koncorde.regexps import compile_regexp

from .fields import tokenize
from .query_ast import (
    Bool,
    Exists,
    Ids,
    MatchAll,
    MatchNone,
    Prefix,
    Query,
    Range,
    Regexp,
    Scalar,
    Search,
    SortKey,
    Term,
    Terms,
    TextMatch,
    Wildcard,
)

Sql = tuple[str, list[Any]]

ID_FIELD = "_id"

# Up to this many values, ``IN (?, ?, ...)``; beyond, one JSON array parameter.
_INLINE_VALUES = 50

_INT64 = (-(2**63), 2**63 - 1)

_NUMBER = "typeof({v}) IN ('integer', 'real')"
_TEXT = "typeof({v}) = 'text'"

_FALSE: Sql = ("0", [])
_TRUE: Sql = ("1", [])


# -- functions SQLite calls --


def register_functions(connection: sqlite3.Connection) -> None:
    """Give ``connection`` the functions compiled queries call (``kz_text``, ``kz_regexp``)."""
    connection.create_function("kz_text", 4, _kz_text, deterministic=True)
    connection.create_function("kz_regexp", 3, _kz_regexp, deterministic=True)


def text_match(value: str, tokens: Sequence[str], operator: str, phrase: bool) -> bool:
    """
    Whether one text value satisfies a `TextMatch`: any token ("or"), all of them
    ("and"), or all of them contiguously and in order (``phrase``). No token: no match.
    Public so that the Python evaluator can use the very same rule.
    """
    if not tokens:
        return False
    words = tuple(tokenize(value))
    if phrase:
        wanted = tuple(tokens)
        size = len(wanted)
        return any(words[i : i + size] == wanted for i in range(len(words) - size + 1))
    present = set(words)
    if operator == "and":
        return all(token in present for token in tokens)
    return any(token in present for token in tokens)


def regexp_search(pattern: str, flags: str, value: str) -> bool:
    """
    Whether ``pattern`` matches ``value`` as Koncorde's regexps do with Python's `re`
    (JavaScript's ``RegExp.test``: searched, not anchored; flags i, m, s and y apply,
    g and u change nothing), exactly as the Python evaluator tests it. An invalid
    pattern or invalid flags match nothing rather than failing the statement.
    """
    return _regexp_tester(pattern, flags)(value)


@lru_cache(maxsize=256)
def _tokens(tokens_json: str) -> tuple[str, ...]:
    return tuple(json.loads(tokens_json))


@lru_cache(maxsize=256)
def _regexp_tester(pattern: str, flags: str) -> Callable[[str], bool]:
    try:
        return compile_regexp(pattern, flags or None, "python")
    except ValueError:
        return _never


def _never(value: str) -> bool:
    return False


def _kz_text(value: Any, tokens_json: str, operator: str, phrase: int) -> int:
    if not isinstance(value, str):
        return 0
    return int(text_match(value, _tokens(tokens_json), operator, bool(phrase)))


def _kz_regexp(pattern: str, flags: str, value: Any) -> int:
    return int(isinstance(value, str) and regexp_search(pattern, flags or "", value))


# -- statements --


def compile_where(query: Query, docs: str, fields: str) -> Sql:
    """
    A boolean SQL expression (never NULL) over the documents row ``d`` that holds
    when the document matches ``query``. ``docs`` is unused (conditions only read
    ``d``), but kept so every compile_* takes the same arguments.
    """
    return _Compiler(fields).query(query)


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
            bound = _sql_value(value)
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
        return _FALSE
    return f"({' OR '.join(alternatives)})", params


# -- conditions --


class _Compiler:
    def __init__(self, fields: str) -> None:
        self._fields = fields
        self._compilers: dict[type, Callable[[Any], Sql]] = {
            MatchAll: lambda _: _TRUE,
            MatchNone: lambda _: _FALSE,
            Term: self._term,
            Terms: self._terms,
            Ids: self._ids,
            Exists: self._exists,
            Range: self._range,
            Prefix: self._prefix,
            Wildcard: self._wildcard,
            Regexp: self._regexp,
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
        unique = list(dict.fromkeys((type(v), v) for v in map(_sql_value, values)))
        bound = [value for _, value in unique]
        if not bound:
            return _FALSE
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
            return _TRUE
        # The field itself, or anything below it: "f." <= "f.x" < "f/" (an
        # empty key gives the path "f." itself).
        return (
            f"d.rid IN (SELECT f.rid FROM {self._fields} f"
            " WHERE f.path = ? OR (f.path >= ? AND f.path < ?))",
            [node.field, node.field + ".", node.field + "/"],
        )

    def _range(self, node: Range) -> Sql:
        bounds = [
            (operator, _sql_value(value))
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
            return _FALSE
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
            return _FALSE
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
            return _TRUE
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


def _sql_value(value: Scalar) -> Any:
    """A query value as SQLite stores it: booleans as 0/1, huge integers as reals."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int) and not _INT64[0] <= value <= _INT64[1]:
        return float(value)
    return value
