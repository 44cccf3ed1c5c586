# -*- test-case-name: tests.storage.test_query -*-
"""
Search requests, parsed into `kuzzle_tx.storage.query_ast` trees, with Kuzzle's errors.

Three entry points, one per way a client asks for documents:

- `parse_query`: a query in Elasticsearch's DSL, the subset below;
- `parse_search`: the body of ``document:search`` / ``count``: query, ``post_filter``,
  sort, ``search_after``, paging, and ``_source`` filtering (`SourceFilter`);
- `koncorde_to_query`: a Koncorde filter (``lang=koncorde``).

Field names go through a `Resolver` (the collection's mapping decides which fields are
full-text and where a sub-field such as ``name.keyword`` is stored); ``_id`` is never
resolved: it is the document id.

Supported queries: ``match_all``, ``match_none``, ``term``, ``terms``, ``ids``,
``exists``, ``range``, ``prefix``, ``wildcard``, ``match``, ``match_phrase``, ``bool``.

Errors: whatever the JSON, only `KuzzleError` comes out.

- A keyword that is not one of ours: ``services.storage.unknown_query_keyword``, which
  is what Kuzzle reports when Elasticsearch does not know a query (typically a Koncorde
  keyword sent without ``lang=koncorde``), and also for real ES queries we do not
  implement (``fuzzy``, ``nested``...): refused rather than answered wrongly.
- A search body key outside Kuzzle's list, or in it but not implemented here
  (aggregations, highlight...): ``services.storage.invalid_search_query``; never ignored.
- Anything malformed: ``services.storage.invalid_argument`` with the place
  (``query.bool.must[0].term.age``) and what was expected. One id for every shape and
  type error, ``api.assert.invalid_type`` is never used for the ES DSL: Elasticsearch
  reports them all alike, and the place tells the client more than the kind.
- Koncorde: a filter that is not an object is ``api.assert.invalid_type`` (as Kuzzle);
  Koncorde's refusals are ``api.assert.koncorde_dsl_error``; keywords without a search
  translation are ``api.assert.koncorde_restricted_keyword``.

Chosen differences from Elasticsearch (no scoring, no per-field coercion):

- Hits are not scored: a ``_score`` sort is accepted and changes nothing; without a sort,
  hits come in insertion order. ``_doc`` sorts in insertion order (ascending only).
- Values are typed: ``"1"`` never equals ``1`` (ES would coerce to the field's type);
  booleans compare as 0/1. A ``term`` on a full-text field compares the whole value.
- ``case_insensitive`` must be false; ``match_phrase`` ``slop`` must be 0; ``match``
  knows ``operator``, ``zero_terms_query`` and ``lenient`` only; its analyzer is
  `kuzzle_tx.storage.fields.tokenize`. ``prefix``/``wildcard`` take strings only.
- ``range``: numbers compare with numeric values only, strings with strings only (so
  dates compare as their text; no date math, ``format`` is ignored); a range without
  bounds is ``exists``. ``exists`` does not expand wildcards in the field name.
- Sorting: ``missing`` can only be ``_last`` and ``mode`` only the default (``min``
  ascending, ``max`` descending); sorting on a full-text field is refused as in ES.
- ``search_after`` needs one value per sort criterion (``_score`` included, its value
  ignored) and is refused with ``_doc``; ``from`` still applies after it.
- ``minimum_should_match`` above the number of ``should`` clauses is stored as that
  number plus one (matches nothing, as in ES).
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Callable
from typing import Any

import attrs

from kuzzle_tx.errors import KuzzleError
from kuzzle_tx.realtime.koncorde import Koncorde, KoncordeError
from kuzzle_tx.realtime.koncorde.regexps import compile_regexp
from kuzzle_tx.realtime.koncorde.values import js_truthy
from kuzzle_tx.storage.fields import tokenize
from kuzzle_tx.storage.query_ast import (
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

#: A field name as the client wrote it → (storage path, analyzed: full-text or not).
Resolver = Callable[[str], tuple[str, bool]]


def plain(field: str) -> tuple[str, bool]:
    """The resolver without a mapping: every field is stored as named, none is full-text."""
    return field, False


def _invalid(name: str, expected: str) -> KuzzleError:
    return KuzzleError("services.storage.invalid_argument", name, expected)


def _is_number(value: Any) -> bool:
    kind = type(value)
    return kind is int or (kind is float and math.isfinite(value))


def _scalar(value: Any, where: str) -> Scalar:
    if isinstance(value, str | bool) or _is_number(value):
        return value
    raise _invalid(where, "a string, a number or a boolean")


def _string(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise _invalid(where, "a string")
    return value


def _id_string(value: Scalar) -> str:
    """An id compared with a non-string value, as Elasticsearch prints it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _options(value: Any, where: str, allowed: frozenset[str]) -> dict[str, Any]:
    """An object of known options (``boost`` a number, ``_name`` a string)."""
    if not isinstance(value, dict):
        raise _invalid(where, "an object")
    for name, option in value.items():
        if name not in allowed:
            raise _invalid(f"{where}.{name}", "one of the options " + ", ".join(sorted(allowed)))
        if name == "boost" and not _is_number(option):
            raise _invalid(f"{where}.boost", "a number")
        if name == "_name" and not isinstance(option, str):
            raise _invalid(f"{where}._name", "a string")
    return value


def _single_field(
    argument: Any, where: str, extra: frozenset[str] = frozenset()
) -> tuple[str, Any]:
    """The one field of ``{field: spec}`` (plus ``extra`` options beside it)."""
    if not isinstance(argument, dict):
        raise _invalid(where, "an object")
    _options({k: v for k, v in argument.items() if k in extra}, where, extra)
    names = [name for name in argument if name not in extra]
    if len(names) != 1 or not names[0]:
        raise _invalid(where, "an object naming exactly one field")
    return names[0], argument[names[0]]


def _case_sensitive(spec: dict[str, Any], where: str) -> None:
    if spec.get("case_insensitive", False) is not False:
        raise _invalid(
            f"{where}.case_insensitive", "false (case-insensitive matching is unsupported)"
        )


_COMMON = frozenset({"boost", "_name"})
_TERM_OPTIONS = _COMMON | {"value", "case_insensitive"}
_PREFIX_OPTIONS = _TERM_OPTIONS | {"rewrite"}
_WILDCARD_OPTIONS = _PREFIX_OPTIONS | {"wildcard"}
_BOUNDS = frozenset({"gt", "gte", "lt", "lte", "from", "to"})
_RANGE_OPTIONS = _COMMON | _BOUNDS | {"include_lower", "include_upper", "format"}
_MATCH_OPTIONS = _COMMON | {"query", "operator", "zero_terms_query", "lenient"}
_PHRASE_OPTIONS = _COMMON | {"query", "slop", "zero_terms_query"}
_BOOL_CLAUSES = ("must", "filter", "should", "must_not")
_BOOL_OPTIONS = _COMMON | {"minimum_should_match", *_BOOL_CLAUSES}
_MSM = re.compile(r"\s*(-?\d{1,9})\s*(%?)\s*")


class _Parser:
    """Elasticsearch's query DSL → query tree, for one resolver."""

    def __init__(self, resolve: Resolver) -> None:
        self._resolve = resolve
        self._handlers: dict[str, Callable[[Any, str], Query]] = {
            "match_all": self._match_all,
            "match_none": self._match_none,
            "term": self._term,
            "terms": self._terms,
            "ids": self._ids,
            "exists": self._exists,
            "range": self._range,
            "prefix": self._prefix,
            "wildcard": self._wildcard,
            "match": self._match,
            "match_phrase": lambda argument, where: self._match(argument, where, phrase=True),
            "bool": self._bool,
        }

    def root(self, query: Any, where: str) -> Query:
        """A whole query; None and ``{}`` mean every document (Kuzzle's empty query)."""
        if query is None or query == {}:
            return MatchAll()
        try:
            return self.clause(query, where)
        except RecursionError:
            raise _invalid(where, "a query nested less deeply") from None

    def clause(self, query: Any, where: str) -> Query:
        if not isinstance(query, dict) or len(query) != 1:
            raise _invalid(where, "an object with exactly one query keyword")
        ((keyword, argument),) = query.items()
        handler = self._handlers.get(keyword)
        if handler is None:
            raise KuzzleError("services.storage.unknown_query_keyword", keyword)
        return handler(argument, f"{where}.{keyword}")

    def path(self, field: str) -> str:
        return "_id" if field == "_id" else self._resolve(field)[0]

    def equality(self, field: str, value: Scalar) -> Query:
        """A field equals a value; on ``_id``, an ids query."""
        if field == "_id":
            return Ids((_id_string(value),))
        return Term(self.path(field), value)

    def _match_all(self, argument: Any, where: str) -> Query:
        _options(argument, where, _COMMON)
        return MatchAll()

    def _match_none(self, argument: Any, where: str) -> Query:
        _options(argument, where, _COMMON)
        return MatchNone()

    def _term(self, argument: Any, where: str) -> Query:
        field, spec = _single_field(argument, where)
        where = f"{where}.{field}"
        if isinstance(spec, dict):
            _options(spec, where, _TERM_OPTIONS)
            _case_sensitive(spec, where)
            if "value" not in spec:
                raise _invalid(f"{where}.value", "a string, a number or a boolean")
            return self.equality(field, _scalar(spec["value"], f"{where}.value"))
        return self.equality(field, _scalar(spec, where))

    def _terms(self, argument: Any, where: str) -> Query:
        field, values = _single_field(argument, where, _COMMON)
        where = f"{where}.{field}"
        if not isinstance(values, list):
            raise _invalid(where, "an array of strings, numbers or booleans")
        scalars = tuple(_scalar(value, f"{where}[{i}]") for i, value in enumerate(values))
        if field == "_id":
            return Ids(tuple(_id_string(value) for value in scalars))
        return Terms(self.path(field), scalars)

    def _ids(self, argument: Any, where: str) -> Query:
        spec = _options(argument, where, _COMMON | {"values"})
        values = spec.get("values")
        if not isinstance(values, list):
            raise _invalid(f"{where}.values", "an array of document ids")
        where = f"{where}.values"
        return Ids(tuple(_id_string(_scalar(v, f"{where}[{i}]")) for i, v in enumerate(values)))

    def _exists(self, argument: Any, where: str) -> Query:
        spec = _options(argument, where, _COMMON | {"field"})
        field = spec.get("field")
        if not isinstance(field, str) or not field:
            raise _invalid(f"{where}.field", "a field name")
        return MatchAll() if field == "_id" else Exists(self.path(field))

    def _range(self, argument: Any, where: str) -> Query:
        field, spec = _single_field(argument, where)
        where = f"{where}.{field}"
        _options(spec, where, _RANGE_OPTIONS)
        lower: Scalar | None = None
        upper: Scalar | None = None
        lower_inclusive = upper_inclusive = True
        # Elasticsearch reads the options in order: the last word on a bound wins.
        for name, value in spec.items():
            if name in ("gt", "gte", "from"):
                lower = _bound(value, f"{where}.{name}")
                lower_inclusive = lower_inclusive if name == "from" else name == "gte"
            elif name in ("lt", "lte", "to"):
                upper = _bound(value, f"{where}.{name}")
                upper_inclusive = upper_inclusive if name == "to" else name == "lte"
            elif name in ("include_lower", "include_upper"):
                if not isinstance(value, bool):
                    raise _invalid(f"{where}.{name}", "a boolean")
                if name == "include_lower":
                    lower_inclusive = value
                else:
                    upper_inclusive = value
            elif name == "format":
                _string(value, f"{where}.format")
        bounds = [bound for bound in (lower, upper) if bound is not None]
        if len({isinstance(bound, str) for bound in bounds}) > 1:
            raise _invalid(where, "bounds that are all numbers or all strings")
        if not bounds:
            return MatchAll() if field == "_id" else Exists(self.path(field))
        return Range(
            self.path(field),
            gt=None if lower_inclusive else lower,
            gte=lower if lower_inclusive else None,
            lt=None if upper_inclusive else upper,
            lte=upper if upper_inclusive else None,
        )

    def _prefix(self, argument: Any, where: str) -> Query:
        field, spec = _single_field(argument, where)
        value = _pattern(spec, f"{where}.{field}", _PREFIX_OPTIONS, ("value",))
        return Prefix(self.path(field), value)

    def _wildcard(self, argument: Any, where: str) -> Query:
        field, spec = _single_field(argument, where)
        value = _pattern(spec, f"{where}.{field}", _WILDCARD_OPTIONS, ("value", "wildcard"))
        return Wildcard(self.path(field), value)

    def _match(self, argument: Any, where: str, phrase: bool = False) -> Query:
        field, spec = _single_field(argument, where)
        where = f"{where}.{field}"
        operator = "or"
        zero_terms = "none"
        if isinstance(spec, dict):
            _options(spec, where, _PHRASE_OPTIONS if phrase else _MATCH_OPTIONS)
            if "query" not in spec:
                raise _invalid(f"{where}.query", "a string, a number or a boolean")
            query = _scalar(spec["query"], f"{where}.query")
            operator = _choice(spec, "operator", ("or", "and"), where)
            zero_terms = _choice(spec, "zero_terms_query", ("none", "all"), where)
            slop = spec.get("slop", 0)
            if type(slop) is not int or slop != 0:
                raise _invalid(f"{where}.slop", "0 (sloppy phrases are unsupported)")
            if not isinstance(spec.get("lenient", False), bool):
                raise _invalid(f"{where}.lenient", "a boolean")
        else:
            query = _scalar(spec, where)
        if field == "_id":
            return Ids((_id_string(query),))
        path, analyzed = self._resolve(field)
        if not analyzed:
            return Term(path, query)
        text = _id_string(query) if not isinstance(query, str) else query
        tokens = tuple(tokenize(text))
        if not tokens and zero_terms == "all":
            return MatchAll()
        return TextMatch(path, tokens, operator, phrase)

    def _bool(self, argument: Any, where: str) -> Query:
        spec = _options(argument, where, _BOOL_OPTIONS)
        must, filter_, should, must_not = (
            self._clauses(spec.get(name), f"{where}.{name}") for name in _BOOL_CLAUSES
        )
        minimum = spec.get("minimum_should_match")
        if minimum is None:
            # Elasticsearch 7+: one should clause is required only when nothing else is.
            count = 1 if should and not must and not filter_ else 0
        else:
            count = _minimum_should_match(minimum, len(should), f"{where}.minimum_should_match")
        return Bool(must, filter_, should, must_not, count)

    def _clauses(self, value: Any, where: str) -> tuple[Query, ...]:
        if value is None:
            return ()
        if isinstance(value, dict):
            return (self.clause(value, where),)
        if isinstance(value, list):
            return tuple(self.clause(item, f"{where}[{i}]") for i, item in enumerate(value))
        raise _invalid(where, "a query object or an array of query objects")


def _bound(value: Any, where: str) -> Scalar | None:
    if value is None or isinstance(value, str) or _is_number(value):
        return value
    raise _invalid(where, "a number, a string or null")


def _pattern(spec: Any, where: str, allowed: frozenset[str], keys: tuple[str, ...]) -> str:
    """The string of ``prefix`` / ``wildcard``: short form, or the last of ``keys``."""
    if isinstance(spec, str):
        return spec
    if not isinstance(spec, dict):
        raise _invalid(where, "a string or an object with a value")
    _options(spec, where, allowed)
    _case_sensitive(spec, where)
    found = [name for name in spec if name in keys]
    if not found:
        raise _invalid(f"{where}.{keys[0]}", "a string")
    return _string(spec[found[-1]], f"{where}.{found[-1]}")


def _choice(spec: dict[str, Any], name: str, choices: tuple[str, ...], where: str) -> str:
    value = spec.get(name, choices[0])
    if not isinstance(value, str) or value.lower() not in choices:
        raise _invalid(f"{where}.{name}", " or ".join(f'"{choice}"' for choice in choices))
    return value.lower()


def _minimum_should_match(spec: Any, optional: int, where: str) -> int:
    """
    Elasticsearch's ``minimum_should_match``: ``N``, ``-N`` (all but N), ``P%`` (rounded
    down), ``-P%`` (all but P%, rounded down). Combinations (``3<90%``) are refused.
    """
    found = _MSM.fullmatch(spec) if isinstance(spec, str) else None
    if type(spec) is int:
        number, percent = spec, False
    elif found is not None:
        number, percent = int(found.group(1)), bool(found.group(2))
    else:
        raise _invalid(where, 'an integer, or a string such as "2", "-1", "75%" or "-25%"')
    if percent:
        share = optional * abs(number) // 100
        result = optional - share if number < 0 else share
    else:
        result = optional + number if number < 0 else number
    # More than there are clauses matches nothing; one more says so without huge numbers.
    return max(0, min(result, optional + 1))


def parse_query(query: Any, resolve: Resolver = plain) -> Query:
    """
    The tree of an Elasticsearch query (see the module docstring for what is supported);
    None and ``{}`` mean every document, as Kuzzle turns an empty query into ``match_all``.
    """
    return _Parser(resolve).root(query, "query")


# -- the search body -----------------------------------------------------------

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
        raise _invalid("body", "an object")
    for key in body:
        if key not in _SEARCH_KEYS:
            raise KuzzleError("services.storage.invalid_search_query", key)
    for key in body:
        if key in _UNSUPPORTED_SEARCH_KEYS:
            raise KuzzleError("services.storage.invalid_search_query", key)
    parser = _Parser(resolve)
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
    return search, _source_filter(body)


def _count(argument: Any, in_body: Any, name: str, default: int) -> int:
    value = in_body if argument is None else argument
    if value is None:
        return default
    if type(value) is not int or value < 0:
        raise _invalid(name, "a non-negative integer")
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
            raise _invalid(where, "a field name or an object of {field: order}")
    return entries


def _sort_entry(field: str, spec: Any, where: str, resolve: Resolver) -> SortKey | str:
    if not field or field in ("_geo_distance", "_script"):
        raise _invalid(where, "a field name (geo-distance and script sorts are unsupported)")
    descending = field == _SCORE
    if isinstance(spec, str):
        descending = _order(spec, where)
    elif isinstance(spec, dict):
        _options(spec, where, _SORT_OPTIONS)
        if "order" in spec:
            descending = _order(spec["order"], f"{where}.order")
        if spec.get("missing", "_last") != "_last":
            raise _invalid(f"{where}.missing", '"_last" (documents without a value sort last)')
        mode = spec.get("mode")
        if mode is not None and mode != ("max" if descending else "min"):
            raise _invalid(f"{where}.mode", '"min" when ascending, "max" when descending')
        if "unmapped_type" in spec:
            _string(spec["unmapped_type"], f"{where}.unmapped_type")
    elif spec is not None:
        raise _invalid(where, '"asc", "desc" or an object with an order')
    if field == _SCORE:
        return _SCORE
    if field == _DOC:
        if descending:
            raise _invalid(where, '"asc" (_doc is the insertion order)')
        return _DOC
    if field == "_id":
        return SortKey("_id", descending)
    path, analyzed = resolve(field)
    if analyzed:
        raise _invalid(where, "a field that is not full-text (sort on its keyword sub-field)")
    return SortKey(path, descending)


def _order(value: Any, where: str) -> bool:
    if not isinstance(value, str) or value.lower() not in ("asc", "desc"):
        raise _invalid(where, '"asc" or "desc"')
    return value.lower() == "desc"


def _search_after(spec: Any, entries: list[SortKey | str]) -> tuple[Scalar | None, ...] | None:
    """
    The values of ``search_after`` for our sort keys: one per criterion is expected
    (SDKs send one for ``_score`` too, which we drop).
    """
    if spec is None:
        return None
    if not isinstance(spec, list):
        raise _invalid("search_after", "an array of sort values")
    if _DOC in entries:
        raise _invalid("search_after", "a sort without _doc")
    if not any(isinstance(entry, SortKey) for entry in entries):
        raise _invalid("search_after", "a sort on at least one field")
    if len(spec) != len(entries):
        raise _invalid("search_after", f"one value per sort criterion ({len(entries)})")
    values: list[Scalar | None] = []
    for entry, value in zip(entries, spec, strict=True):
        if value is not None:
            _scalar(value, "search_after")
        if isinstance(entry, SortKey):
            values.append(value)
    return tuple(values)


def _source_filter(body: dict[str, Any]) -> SourceFilter:
    enabled = True
    includes: list[str] = []
    excludes: list[str] = []
    spec = body.get("_source")
    if isinstance(spec, bool):
        enabled = spec
    elif isinstance(spec, str | list):
        includes += _patterns(spec, "_source")
    elif isinstance(spec, dict):
        for name, value in spec.items():
            if name in ("includes", "include"):
                includes += _patterns(value, f"_source.{name}")
            elif name in ("excludes", "exclude"):
                excludes += _patterns(value, f"_source.{name}")
            else:
                raise _invalid(f"_source.{name}", "includes or excludes")
    elif spec is not None:
        raise _invalid("_source", "a boolean, field patterns, or {includes, excludes}")
    if body.get("_source_includes") is not None:
        includes += _patterns(body["_source_includes"], "_source_includes", split=True)
    if body.get("_source_excludes") is not None:
        excludes += _patterns(body["_source_excludes"], "_source_excludes", split=True)
    return SourceFilter(enabled, tuple(includes), tuple(excludes))


def _patterns(value: Any, where: str, split: bool = False) -> list[str]:
    """Field patterns: one string (comma-separated where ES takes a URL argument) or a list."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",")] if split else [value]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)
    raise _invalid(where, "a field pattern or an array of field patterns")


# -- source filtering ----------------------------------------------------------

_DROP: Any = object()


@attrs.frozen
class SourceFilter:
    """
    Which part of ``_source`` each hit returns, as Elasticsearch's source filtering:
    ``enabled`` false returns none; ``includes`` (empty: everything) then ``excludes``
    select dotted paths, ``*`` matching any run of characters, dots included. Including
    a path keeps everything below it; including ``a.b`` keeps ``a`` with only ``b``.
    """

    enabled: bool = True
    includes: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()

    def apply(self, source: dict[str, Any]) -> dict[str, Any] | None:
        """The filtered source (``source`` itself when nothing is filtered)."""
        if not self.enabled:
            return None
        if not self.includes and not self.excludes:
            return source
        return self._object(source, "", not self.includes)

    def _object(self, value: dict[str, Any], prefix: str, included: bool) -> dict[str, Any]:
        kept: dict[str, Any] = {}
        for key, child in value.items():
            path = prefix + key
            if any(_glob(pattern).fullmatch(path) for pattern in self.excludes):
                continue
            if included or any(_glob(pattern).fullmatch(path) for pattern in self.includes):
                kept[key] = self._value(child, path, True)
            elif any(_may_match_below(pattern, path) for pattern in self.includes):
                filtered = self._value(child, path, False)
                if filtered is not _DROP:
                    kept[key] = filtered
        return kept

    def _value(self, value: Any, path: str, included: bool) -> Any:
        if included and not self.excludes:
            return value
        if isinstance(value, dict):
            kept = self._object(value, path + ".", included)
            return kept if kept or included else _DROP
        if isinstance(value, list):
            items = [self._value(item, path, included) for item in value]
            items = [item for item in items if item is not _DROP]
            return items if items or included else _DROP
        return value if included else _DROP


@functools.lru_cache(maxsize=256)
def _glob(pattern: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in pattern.split("*")), re.DOTALL)


def _may_match_below(pattern: str, path: str) -> bool:
    """Whether ``pattern`` can match some path under ``path`` (``path.something``)."""
    head = path + "."
    first, star, _ = pattern.partition("*")
    if not star:
        return pattern.startswith(head)
    # The first star can absorb whatever follows the literal start of the pattern.
    return head.startswith(first) or first.startswith(head)


# -- Koncorde ------------------------------------------------------------------

_OPERATORS = ("and", "or", "not", "bool")
_ARRAY_FIELD = re.compile(r"^(.*?[^\\])\[(.*)\]$")
_ESCAPED_BRACKET = re.compile(r"\\([\[\]])")
_VALIDATOR = Koncorde()


def koncorde_to_query(
    filters: Any, resolve: Resolver = plain, koncorde: Koncorde | None = None
) -> Query:
    """
    The tree of a Koncorde filter (``lang=koncorde``), validated by ``koncorde`` (give
    the server's, configured with ``limits.subscriptionConditionsCount``; by default one
    with Koncorde's defaults). None and ``{}`` mean every document.

    Translations: equals → term, in → terms, ids, exists / missing (``exists: 'tags["x"]'``
    is a term on the array's values), range, regexp (JavaScript semantics), and / or /
    not / bool → bool. geo* , match, select and nothing have no search translation.
    """
    if filters is None or filters == {}:
        return MatchAll()
    if not isinstance(filters, dict):
        raise KuzzleError("api.assert.invalid_type", "body.query", "object")
    try:
        (koncorde or _VALIDATOR).validate(filters)
    except KoncordeError as error:
        raise KuzzleError("api.assert.koncorde_dsl_error", str(error)) from None
    try:
        return _KoncordeTranslator(resolve).translate(filters, None)
    except RecursionError:
        raise KuzzleError("api.assert.koncorde_dsl_error", "Filter nested too deeply") from None


class _KoncordeTranslator:
    """Koncorde filters, already validated, → query trees."""

    def __init__(self, resolve: Resolver) -> None:
        self._parser = _Parser(resolve)
        self._handlers: dict[str, Callable[[Any, str], Query]] = {
            "equals": self._equals,
            "in": self._in,
            "ids": lambda value, where: Ids(tuple(value["values"])),
            "exists": self._exists,
            "missing": lambda value, where: Bool(must_not=(self._exists(value, where),)),
            "range": self._range,
            "regexp": self._regexp,
            "and": lambda value, where: Bool(filter=self._all(value, where)),
            "or": lambda value, where: Bool(
                should=self._all(value, where), minimum_should_match=1
            ),
            "not": lambda value, where: Bool(must_not=(self.translate(value, where),)),
            "bool": self._bool,
        }

    def translate(self, filters: dict[str, Any], path: str | None) -> Query:
        ((keyword, value),) = filters.items()
        handler = self._handlers.get(keyword)
        if handler is None:
            kind = "operator" if keyword in _OPERATORS else "clause"
            raise KuzzleError("api.assert.koncorde_restricted_keyword", kind, keyword)
        return handler(value, keyword if path is None else f"{path}.{keyword}")

    def _all(self, filters: list[dict[str, Any]], where: str) -> tuple[Query, ...]:
        return tuple(self.translate(item, where) for item in filters)

    def _equals(self, value: dict[str, Any], where: str) -> Query:
        ((field, scalar),) = value.items()
        if scalar is None:
            raise _invalid(
                f"{where}.{field}", "a string, a number or a boolean (null is unsearchable)"
            )
        return self._parser.equality(field, scalar)

    def _in(self, value: dict[str, Any], where: str) -> Query:
        ((field, values),) = value.items()
        if field == "_id":
            return Ids(tuple(values))
        return Terms(self._parser.path(field), tuple(values))

    def _exists(self, value: Any, where: str) -> Query:
        text = value if isinstance(value, str) else value["field"]
        found = _ARRAY_FIELD.match(text)
        if found is None:
            field = _ESCAPED_BRACKET.sub(r"\1", text)
            return MatchAll() if field == "_id" else Exists(self._parser.path(field))
        field = _ESCAPED_BRACKET.sub(r"\1", found.group(1))
        item = json.loads(found.group(2))
        if not (isinstance(item, str | bool) or _is_number(item)):
            raise _invalid(where, "an array value that is a string, a number or a boolean")
        return self._parser.equality(field, item)

    def _range(self, value: dict[str, Any], where: str) -> Query:
        ((field, bounds),) = value.items()
        return Range(self._parser.path(field), **bounds)

    def _regexp(self, value: dict[str, Any], where: str) -> Query:
        ((field, spec),) = value.items()
        pattern = spec if isinstance(spec, str) else spec["value"]
        flags: str = ""
        if isinstance(spec, dict) and js_truthy(spec.get("flags")):
            flags = spec["flags"]
        try:
            # Koncorde checked it with its engine; the evaluator uses Python's.
            compile_regexp(pattern, flags, "python")
        except ValueError as error:
            message = f'cannot parse regexp expression "/{pattern}/{flags}" ({error})'
            raise KuzzleError("api.assert.koncorde_dsl_error", f'"{where}.{field}": {message}')
        return Regexp(self._parser.path(field), pattern, flags)

    def _bool(self, value: dict[str, Any], where: str) -> Query:
        # Koncorde's bool: all must, no must_not, one should at least, one should_not
        # false at least; falsy (JavaScript) clauses are absent.
        required: list[Query] = []
        must: Any = value.get("must")
        if js_truthy(must):
            required.extend(self._all(must if isinstance(must, list) else [must], where))
        if js_truthy(value.get("should")):
            required.append(Bool(should=self._all(value["should"], where), minimum_should_match=1))
        if js_truthy(value.get("should_not")):
            required.append(Bool(must_not=(Bool(filter=self._all(value["should_not"], where)),)))
        excluded = self._all(value["must_not"], where) if js_truthy(value.get("must_not")) else ()
        return Bool(filter=tuple(required), must_not=excluded)
