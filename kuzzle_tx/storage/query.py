# -*- test-case-name: tests.storage.test_query -*-
"""
Search requests, parsed into `kuzzle_tx.storage.query_ast` trees, with Kuzzle's errors.

Three entry points, one per way a client asks for documents, all importable from here:

- `parse_query`: a query in Elasticsearch's DSL (`kuzzle_tx.storage.query_clauses`,
  which documents the supported subset);
- `parse_search`, this module's own job: the body of ``document:search`` / ``count``:
  query, ``post_filter``, sort, ``search_after``, paging, and ``_source`` filtering
  (`SourceFilter`, `kuzzle_tx.storage.source_filter`);
- `koncorde_to_query`: a Koncorde filter (``lang=koncorde``,
  `kuzzle_tx.storage.query_koncorde`).

Field names go through a `Resolver` (the collection's mapping decides which fields are
full-text and where a sub-field such as ``name.keyword`` is stored); ``_id`` is never
resolved: it is the document id. Whatever the JSON, only `KuzzleError` comes out.

Errors of the search body: a key outside Kuzzle's list, or in it but not implemented
here (aggregations, highlight...), is ``services.storage.invalid_search_query``; never
ignored. Anything malformed is ``services.storage.invalid_argument`` with the place.

Chosen differences from Elasticsearch (no scoring):

- Hits are not scored: a ``_score`` sort is accepted and changes nothing; without a sort,
  hits come in insertion order. ``_doc`` sorts in insertion order (ascending only).
- Sorting: ``missing`` can only be ``_last`` and ``mode`` only the default (``min``
  ascending, ``max`` descending); sorting on a full-text field is refused as in ES.
- ``search_after`` needs one value per sort criterion (``_score`` included, its value
  ignored) and is refused with ``_doc``; ``from`` still applies after it.
"""

from __future__ import annotations

from typing import Any

from kuzzle_tx.errors import KuzzleError
from kuzzle_tx.realtime.koncorde import Koncorde
from kuzzle_tx.storage.query_args import (
    Resolver,
    as_options,
    as_scalar,
    as_string,
    invalid,
    plain,
)
from kuzzle_tx.storage.query_ast import Bool, MatchAll, Scalar, Search, SortKey
from kuzzle_tx.storage.query_clauses import ClauseParser, parse_query
from kuzzle_tx.storage.query_koncorde import koncorde_to_query
from kuzzle_tx.storage.source_filter import SourceFilter, parse_source_filter

__all__ = [
    "Resolver",
    "SourceFilter",
    "koncorde_to_query",
    "parse_query",
    "parse_search",
    "plain",
]

_SEARCH_KEYS = frozenset(
    "aggregations aggs collapse explain fields from highlight post_filter query search_after"
    " search_timeout size sort suggest _name _source _source_excludes _source_includes".split()
)
# Allowed by Kuzzle, not implemented here: refused rather than silently ignored.
_UNSUPPORTED_SEARCH_KEYS = frozenset(
    {"aggregations", "aggs", "collapse", "explain", "fields", "highlight", "suggest"}
)
_SORT_OPTIONS = frozenset({"order", "missing", "mode", "unmapped_type"})
_SCORE, _DOC = "_score", "_doc"


def parse_search(
    body: Any,
    from_: int | None,
    size: int | None,
    resolve: Resolver = plain,
    *,
    lang: str = "elasticsearch",
    koncorde: Koncorde | None = None,
) -> tuple[Search, SourceFilter]:
    """
    What a backend runs for a search body, and how to filter each hit's source.
    ``from_`` and ``size`` (the request's arguments) win over the body's; the defaults
    are 0 and 10. ``post_filter`` is ANDed with the query. With ``lang="koncorde"``,
    ``query`` is a Koncorde filter (see `koncorde_to_query`), the rest is unchanged.
    """
    if lang not in ("elasticsearch", "koncorde"):
        raise KuzzleError("api.assert.invalid_argument", "lang", '"elasticsearch" or "koncorde"')
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise invalid("body", "an object")
    for key in body:
        if key not in _SEARCH_KEYS:
            raise KuzzleError("services.storage.invalid_search_query", key)
    for key in body:
        if key in _UNSUPPORTED_SEARCH_KEYS:
            raise KuzzleError("services.storage.invalid_search_query", key)
    parser = ClauseParser(resolve)
    if lang == "koncorde":
        query = koncorde_to_query(body.get("query"), resolve, koncorde)
    else:
        query = parser.root(body.get("query"), "query")
    if body.get("post_filter") is not None:
        post_filter = parser.root(body["post_filter"], "post_filter")
        if isinstance(query, MatchAll):
            query = post_filter
        elif not isinstance(post_filter, MatchAll):
            query = Bool(must=(query,), filter=(post_filter,))
    entries = _sort_entries(body.get("sort"), resolve)
    sort: list[SortKey] = []
    for entry in entries:
        if entry == _DOC:
            break  # insertion order: the tie-breaker, and unique, so nothing after counts
        if isinstance(entry, SortKey):
            sort.append(entry)
    search = Search(
        query=query,
        sort=tuple(sort),
        offset=_count(from_, body.get("from"), "from", 0),
        limit=_count(size, body.get("size"), "size", 10),
        search_after=_search_after(body.get("search_after"), entries),
    )
    return search, parse_source_filter(body)


def _count(argument: Any, in_body: Any, name: str, default: int) -> int:
    value = in_body if argument is None else argument
    if value is None:
        return default
    if type(value) is not int or value < 0:
        raise invalid(name, "a non-negative integer")
    return value


def _sort_entries(spec: Any, resolve: Resolver) -> list[SortKey | str]:
    """The sort criteria in order: `SortKey`, or the markers ``_score`` and ``_doc``."""
    if spec is None:
        return []
    items = spec if isinstance(spec, list) else [spec]
    entries: list[SortKey | str] = []
    for index, item in enumerate(items):
        where = f"sort[{index}]" if isinstance(spec, list) else "sort"
        if isinstance(item, str):
            entries.append(_sort_entry(item, None, f"{where}.{item}", resolve))
        elif isinstance(item, dict) and item:
            for field, order in item.items():
                entries.append(_sort_entry(field, order, f"{where}.{field}", resolve))
        else:
            raise invalid(where, "a field name or an object of {field: order}")
    return entries


def _sort_entry(field: str, spec: Any, where: str, resolve: Resolver) -> SortKey | str:
    if not field or field in ("_geo_distance", "_script"):
        raise invalid(where, "a field name (geo-distance and script sorts are unsupported)")
    descending = field == _SCORE
    if isinstance(spec, str):
        descending = _order(spec, where)
    elif isinstance(spec, dict):
        as_options(spec, where, _SORT_OPTIONS)
        if "order" in spec:
            descending = _order(spec["order"], f"{where}.order")
        if spec.get("missing", "_last") != "_last":
            raise invalid(f"{where}.missing", '"_last" (documents without a value sort last)')
        mode = spec.get("mode")
        if mode is not None and mode != ("max" if descending else "min"):
            raise invalid(f"{where}.mode", '"min" when ascending, "max" when descending')
        if "unmapped_type" in spec:
            as_string(spec["unmapped_type"], f"{where}.unmapped_type")
    elif spec is not None:
        raise invalid(where, '"asc", "desc" or an object with an order')
    if field == _SCORE:
        return _SCORE
    if field == _DOC:
        if descending:
            raise invalid(where, '"asc" (_doc is the insertion order)')
        return _DOC
    if field == "_id":
        return SortKey("_id", descending)
    path, analyzed = resolve(field)
    if analyzed:
        raise invalid(where, "a field that is not full-text (sort on its keyword sub-field)")
    return SortKey(path, descending)


def _order(value: Any, where: str) -> bool:
    if not isinstance(value, str) or value.lower() not in ("asc", "desc"):
        raise invalid(where, '"asc" or "desc"')
    return value.lower() == "desc"


def _search_after(spec: Any, entries: list[SortKey | str]) -> tuple[Scalar | None, ...] | None:
    """
    The values of ``search_after`` for our sort keys: one per criterion is expected
    (SDKs send one for ``_score`` too, which we drop).
    """
    if spec is None:
        return None
    if not isinstance(spec, list):
        raise invalid("search_after", "an array of sort values")
    if _DOC in entries:
        raise invalid("search_after", "a sort without _doc")
    if not any(isinstance(entry, SortKey) for entry in entries):
        raise invalid("search_after", "a sort on at least one field")
    if len(spec) != len(entries):
        raise invalid("search_after", f"one value per sort criterion ({len(entries)})")
    values: list[Scalar | None] = []
    for entry, value in zip(entries, spec, strict=True):
        if value is not None:
            as_scalar(value, "search_after")
        if isinstance(entry, SortKey):
            values.append(value)
    return tuple(values)
