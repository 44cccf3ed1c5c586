# -*- test-case-name: tests.storage.test_evaluate -*-
"""
Query trees evaluated in Python: what the in-memory backend runs, and the reference
the SQLite backend's compiled SQL must agree with.

A field condition holds when any scalar at the path (`fields.values_at`; ``_id`` is
the document id) satisfies it. Values are typed: a string never equals a number, and
booleans are the integers 0 and 1 (``True == 1`` in Python already, as in SQLite).

Sorting follows SQLite's order, so that both backends page identically: numbers
(booleans as 0/1) before strings, strings by code point; an array sorts by its smallest
value ascending and its largest descending; documents without a value come last in both
directions; ties keep insertion order.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from typing import Any

from kuzzle_tx.realtime.koncorde.regexps import compile_regexp
from kuzzle_tx.storage.fields import flatten, tokenize, values_at
from kuzzle_tx.storage.geo_match import geo_matches
from kuzzle_tx.storage.query_ast import (
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
    Search,
    SortKey,
    Term,
    Terms,
    TextMatch,
    Wildcard,
)

Source = dict[str, Any]


def matches(query: Query, doc_id: str, source: Source) -> bool:
    """Whether the document (id and source) satisfies the query."""
    return _EVALUATORS[type(query)](query, doc_id, source)


def _values(field: str, doc_id: str, source: Source) -> list[Any]:
    return [doc_id] if field == "_id" else values_at(source, field)


def _term(query: Term, doc_id: str, source: Source) -> bool:
    # Python's == is already typed the way we want: "1" != 1, True == 1 == 1.0.
    return query.value in _values(query.field, doc_id, source)


def _terms(query: Terms, doc_id: str, source: Source) -> bool:
    wanted = set(query.values)
    return any(value in wanted for value in _values(query.field, doc_id, source))


def _range(query: Range, doc_id: str, source: Source) -> bool:
    bounds = [b for b in (query.gt, query.gte, query.lt, query.lte) if b is not None]
    textual = {isinstance(bound, str) for bound in bounds}
    if len(textual) > 1:
        return False  # mixed bounds: refused by the parser, match nothing if built by hand
    values = _values(query.field, doc_id, source)
    if not bounds:
        return bool(values)
    strings = textual.pop()
    for value in values:
        if isinstance(value, str) != strings:
            continue
        if query.gt is not None and not value > query.gt:
            continue
        if query.gte is not None and not value >= query.gte:
            continue
        if query.lt is not None and not value < query.lt:
            continue
        if query.lte is not None and not value <= query.lte:
            continue
        return True
    return False


def _prefix(query: Prefix, doc_id: str, source: Source) -> bool:
    return any(
        isinstance(value, str) and value.startswith(query.value)
        for value in _values(query.field, doc_id, source)
    )


def _wildcard(query: Wildcard, doc_id: str, source: Source) -> bool:
    pattern = wildcard_regex(query.pattern)
    return any(
        isinstance(value, str) and pattern.fullmatch(value) is not None
        for value in _values(query.field, doc_id, source)
    )


@functools.lru_cache(maxsize=256)
def wildcard_regex(pattern: str) -> re.Pattern[str]:
    """
    Elasticsearch's wildcard as a Python regex (use ``fullmatch``): ``*`` any run,
    ``?`` one character, ``\\`` makes the next character literal (a trailing one is
    itself literal).
    """
    parts: list[str] = []
    escaped = False
    for char in pattern:
        if escaped:
            parts.append(re.escape(char))
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "*":
            parts.append(".*")
        elif char == "?":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    if escaped:
        parts.append(re.escape("\\"))
    return re.compile("".join(parts), re.DOTALL)


@functools.lru_cache(maxsize=256)
def regexp_tester(pattern: str, flags: str) -> Callable[[str], bool]:
    """
    A Koncorde regexp (JavaScript semantics: searched, not anchored; flags i, m, s and y
    apply, g and u change nothing) compiled by Python's `re`. A pattern `re` refuses
    (the parser checks, so only a hand-built tree has one) matches nothing.
    """
    try:
        return compile_regexp(pattern, flags or None, "python")
    except ValueError:
        return lambda text: False


def _geo(query: GeoShape, doc_id: str, source: Source) -> bool:
    return geo_matches(query.clause, source)


def _regexp(query: Regexp, doc_id: str, source: Source) -> bool:
    test = regexp_tester(query.pattern, query.flags)
    return any(
        isinstance(value, str) and test(value) for value in _values(query.field, doc_id, source)
    )


def _text(query: TextMatch, doc_id: str, source: Source) -> bool:
    wanted = query.tokens
    if not wanted:
        return False
    for value in _values(query.field, doc_id, source):
        if not isinstance(value, str):
            continue
        tokens = tokenize(value)
        if query.phrase:
            size = len(wanted)
            if any(tuple(tokens[i : i + size]) == wanted for i in range(len(tokens) - size + 1)):
                return True
        elif query.operator == "and":
            if set(wanted) <= set(tokens):
                return True
        elif not set(wanted).isdisjoint(tokens):
            return True
    return False


def _exists(query: Exists, doc_id: str, source: Source) -> bool:
    if query.field == "_id":
        return True
    below = query.field + "."
    return any(path == query.field or path.startswith(below) for path, _ in flatten(source))


def _ids(query: Ids, doc_id: str, source: Source) -> bool:
    return doc_id in query.values


def _bool(query: Bool, doc_id: str, source: Source) -> bool:
    for clause in query.must + query.filter:
        if not matches(clause, doc_id, source):
            return False
    for clause in query.must_not:
        if matches(clause, doc_id, source):
            return False
    needed = query.minimum_should_match
    if needed <= 0:
        return True
    for clause in query.should:
        if matches(clause, doc_id, source):
            needed -= 1
            if needed == 0:
                return True
    return False


_EVALUATORS: dict[type, Callable[[Any, str, Source], bool]] = {
    MatchAll: lambda query, doc_id, source: True,
    MatchNone: lambda query, doc_id, source: False,
    Term: _term,
    Terms: _terms,
    Ids: _ids,
    Exists: _exists,
    Range: _range,
    Prefix: _prefix,
    Wildcard: _wildcard,
    Regexp: _regexp,
    GeoShape: _geo,
    TextMatch: _text,
    Bool: _bool,
}


# -- sorting and paging --------------------------------------------------------


def _rank(value: Any) -> tuple[int, Any]:
    """SQLite's order of values: numbers (booleans as 0/1) first, then strings."""
    return (1, value) if isinstance(value, str) else (0, value)


def sort_values(sort: tuple[SortKey, ...], doc_id: str, source: Source) -> tuple[Any, ...]:
    """
    A document's value for each sort key (None when it has none): the smallest of its
    values ascending, the largest descending; ``_id`` is the document id.
    """
    values: list[Any] = []
    for key in sort:
        candidates = _values(key.field, doc_id, source)
        if not candidates:
            values.append(None)
        else:
            values.append((max if key.descending else min)(candidates, key=_rank))
    return tuple(values)


def compare(
    left: tuple[Any, ...], right: tuple[Scalar | None, ...], sort: tuple[SortKey, ...]
) -> int:
    """-1, 0 or 1: whether ``left`` sorts before, with or after ``right`` (sort values)."""
    for key, one, other in zip(sort, left, right, strict=False):
        if one is None or other is None:
            if one is None and other is None:
                continue
            return 1 if one is None else -1  # missing last, in both directions
        one_rank, other_rank = _rank(one), _rank(other)
        if one_rank == other_rank:
            continue
        order = -1 if one_rank < other_rank else 1
        return -order if key.descending else order
    return 0


def run_search(
    search: Search, documents: Iterable[tuple[str, Source]]
) -> tuple[int, list[tuple[str, Source]]]:
    """
    (how many documents match, the requested page in order) for documents given in
    insertion order. The count ignores ``search_after``, ``offset`` and ``limit``.
    """
    hits = [
        (doc_id, source) for doc_id, source in documents if matches(search.query, doc_id, source)
    ]
    total = len(hits)
    sort = search.sort
    if sort or search.search_after is not None:
        keyed = [(sort_values(sort, doc_id, source), doc_id, source) for doc_id, source in hits]

        def order(one: tuple[Any, ...], other: tuple[Any, ...]) -> int:
            return compare(one[0], other[0], sort)

        keyed.sort(key=functools.cmp_to_key(order))  # stable: ties keep insertion order
        after = search.search_after
        if after is not None:
            keyed = [entry for entry in keyed if compare(entry[0], after, sort) > 0]
        hits = [(doc_id, source) for _, doc_id, source in keyed]
    start = max(search.offset, 0)
    return total, hits[start : start + max(search.limit, 0)]
