# -*- test-case-name: tests.storage.test_query_clauses -*-
"""
Elasticsearch's query DSL (the ``query`` of a search body) parsed into
`kuzzle_tx.storage.query_ast` trees: `parse_query`, and the `ClauseParser` that the
search body and the Koncorde translation reuse.

Field names go through a `Resolver` (the collection's mapping decides which fields are
full-text and where a sub-field such as ``name.keyword`` is stored); ``_id`` is never
resolved: it is the document id.

Supported queries: ``match_all``, ``match_none``, ``term``, ``terms``, ``ids``,
``exists``, ``range``, ``prefix``, ``wildcard``, ``match``, ``match_phrase``, ``bool``.

Errors: whatever the JSON, only `KuzzleError` comes out.

- A keyword Elasticsearch does not know: ``services.storage.unknown_query_keyword``,
  what Kuzzle reports then (typically a Koncorde keyword sent without
  ``lang=koncorde``). A real Elasticsearch query that is not implemented here
  (``fuzzy``, ``nested``, ``geo_distance``...): ``services.storage.invalid_query_keyword``
  ("not allowed in this query"). Refused either way, never answered wrongly.
- Anything malformed: ``services.storage.invalid_argument`` (`query_args.invalid`)
  with the place (``query.bool.must[0].term.age``) and what was expected. One id for
  every shape and type error, ``api.assert.invalid_type`` is never used for the ES DSL:
  Elasticsearch reports them all alike, and the place tells the client more than the
  kind.

Chosen differences from Elasticsearch (no scoring, no per-field coercion):

- Values are typed: ``"1"`` never equals ``1`` (ES would coerce to the field's type);
  booleans compare as 0/1. A ``term`` on a full-text field compares the whole value.
- ``case_insensitive`` must be false; ``match_phrase`` ``slop`` must be 0; ``match``
  knows ``operator``, ``zero_terms_query`` and ``lenient`` only; its analyzer is
  `kuzzle_tx.storage.fields.tokenize`. ``prefix``/``wildcard`` take strings only.
- ``range``: numbers compare with numeric values only, strings with strings only (so
  dates compare as their text; no date math, ``format`` is ignored); a range without
  bounds is ``exists``. ``exists`` does not expand wildcards in the field name.
- ``minimum_should_match`` above the number of ``should`` clauses is stored as that
  number plus one (matches nothing, as in ES).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from kuzzle_tx.errors import KuzzleError
from kuzzle_tx.storage.fields import tokenize
from kuzzle_tx.storage.query_args import (
    Resolver,
    as_options,
    as_scalar,
    as_string,
    invalid,
    is_number,
    plain,
)
from kuzzle_tx.storage.query_ast import (
    Bool,
    Exists,
    Ids,
    MatchAll,
    MatchNone,
    Prefix,
    Query,
    Range,
    Scalar,
    Term,
    Terms,
    TextMatch,
    Wildcard,
)


def _id_string(value: Scalar) -> str:
    """An id compared with a non-string value, as Elasticsearch prints it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _single_field(
    argument: Any, where: str, extra: frozenset[str] = frozenset()
) -> tuple[str, Any]:
    """The one field of ``{field: spec}`` (plus ``extra`` options beside it)."""
    if not isinstance(argument, dict):
        raise invalid(where, "an object")
    as_options({k: v for k, v in argument.items() if k in extra}, where, extra)
    names = [name for name in argument if name not in extra]
    if len(names) != 1 or not names[0]:
        raise invalid(where, "an object naming exactly one field")
    return names[0], argument[names[0]]


def _case_sensitive(spec: dict[str, Any], where: str) -> None:
    if spec.get("case_insensitive", False) is not False:
        raise invalid(
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


# Elasticsearch 7/8 query keywords this module does not implement.
ELASTICSEARCH_QUERIES = frozenset(
    (
        "boosting constant_score dis_max function_score script_score match_bool_prefix "
        "match_phrase_prefix multi_match combined_fields query_string simple_query_string "
        "intervals geo_bounding_box geo_distance geo_grid geo_polygon geo_shape shape nested "
        "has_child has_parent parent_id more_like_this percolate rank_feature script wrapper "
        "pinned distance_feature fuzzy regexp terms_set span_containing span_field_masking "
        "span_first span_multi span_near span_not span_or span_term span_within knn "
        "sparse_vector text_expansion semantic"
    ).split()
)


class ClauseParser:
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
            raise invalid(where, "a query nested less deeply") from None

    def clause(self, query: Any, where: str) -> Query:
        """One clause: an object with exactly one query keyword, ``where`` its place."""
        if not isinstance(query, dict) or len(query) != 1:
            raise invalid(where, "an object with exactly one query keyword")
        ((keyword, argument),) = query.items()
        handler = self._handlers.get(keyword)
        if handler is None:
            if keyword in ELASTICSEARCH_QUERIES:
                raise KuzzleError("services.storage.invalid_query_keyword", keyword)
            raise KuzzleError("services.storage.unknown_query_keyword", keyword)
        return handler(argument, f"{where}.{keyword}")

    def path(self, field: str) -> str:
        """Where the values of ``field`` are stored (``_id`` stays ``_id``)."""
        return "_id" if field == "_id" else self._resolve(field)[0]

    def equality(self, field: str, value: Scalar) -> Query:
        """A field equals a value; on ``_id``, an ids query."""
        if field == "_id":
            return Ids((_id_string(value),))
        return Term(self.path(field), value)

    def _match_all(self, argument: Any, where: str) -> Query:
        as_options(argument, where, _COMMON)
        return MatchAll()

    def _match_none(self, argument: Any, where: str) -> Query:
        as_options(argument, where, _COMMON)
        return MatchNone()

    def _term(self, argument: Any, where: str) -> Query:
        field, spec = _single_field(argument, where)
        where = f"{where}.{field}"
        if isinstance(spec, dict):
            as_options(spec, where, _TERM_OPTIONS)
            _case_sensitive(spec, where)
            if "value" not in spec:
                raise invalid(f"{where}.value", "a string, a number or a boolean")
            return self.equality(field, as_scalar(spec["value"], f"{where}.value"))
        return self.equality(field, as_scalar(spec, where))

    def _terms(self, argument: Any, where: str) -> Query:
        field, values = _single_field(argument, where, _COMMON)
        where = f"{where}.{field}"
        if not isinstance(values, list):
            raise invalid(where, "an array of strings, numbers or booleans")
        scalars = tuple(as_scalar(value, f"{where}[{i}]") for i, value in enumerate(values))
        if field == "_id":
            return Ids(tuple(_id_string(value) for value in scalars))
        return Terms(self.path(field), scalars)

    def _ids(self, argument: Any, where: str) -> Query:
        spec = as_options(argument, where, _COMMON | {"values"})
        values = spec.get("values")
        if not isinstance(values, list):
            raise invalid(f"{where}.values", "an array of document ids")
        where = f"{where}.values"
        return Ids(tuple(_id_string(as_scalar(v, f"{where}[{i}]")) for i, v in enumerate(values)))

    def _exists(self, argument: Any, where: str) -> Query:
        spec = as_options(argument, where, _COMMON | {"field"})
        field = spec.get("field")
        if not isinstance(field, str) or not field:
            raise invalid(f"{where}.field", "a field name")
        return MatchAll() if field == "_id" else Exists(self.path(field))

    def _range(self, argument: Any, where: str) -> Query:
        field, spec = _single_field(argument, where)
        where = f"{where}.{field}"
        as_options(spec, where, _RANGE_OPTIONS)
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
                    raise invalid(f"{where}.{name}", "a boolean")
                if name == "include_lower":
                    lower_inclusive = value
                else:
                    upper_inclusive = value
            elif name == "format":
                as_string(value, f"{where}.format")
        bounds = [bound for bound in (lower, upper) if bound is not None]
        if len({isinstance(bound, str) for bound in bounds}) > 1:
            raise invalid(where, "bounds that are all numbers or all strings")
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
            as_options(spec, where, _PHRASE_OPTIONS if phrase else _MATCH_OPTIONS)
            if "query" not in spec:
                raise invalid(f"{where}.query", "a string, a number or a boolean")
            query = as_scalar(spec["query"], f"{where}.query")
            operator = _choice(spec, "operator", ("or", "and"), where)
            zero_terms = _choice(spec, "zero_terms_query", ("none", "all"), where)
            slop = spec.get("slop", 0)
            if type(slop) is not int or slop != 0:
                raise invalid(f"{where}.slop", "0 (sloppy phrases are unsupported)")
            if not isinstance(spec.get("lenient", False), bool):
                raise invalid(f"{where}.lenient", "a boolean")
        else:
            query = as_scalar(spec, where)
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
        spec = as_options(argument, where, _BOOL_OPTIONS)
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
        raise invalid(where, "a query object or an array of query objects")


def _bound(value: Any, where: str) -> Scalar | None:
    if value is None or isinstance(value, str) or is_number(value):
        return value
    raise invalid(where, "a number, a string or null")


def _pattern(spec: Any, where: str, allowed: frozenset[str], keys: tuple[str, ...]) -> str:
    """The string of ``prefix`` / ``wildcard``: short form, or the last of ``keys``."""
    if isinstance(spec, str):
        return spec
    if not isinstance(spec, dict):
        raise invalid(where, "a string or an object with a value")
    as_options(spec, where, allowed)
    _case_sensitive(spec, where)
    found = [name for name in spec if name in keys]
    if not found:
        raise invalid(f"{where}.{keys[0]}", "a string")
    return as_string(spec[found[-1]], f"{where}.{found[-1]}")


def _choice(spec: dict[str, Any], name: str, choices: tuple[str, ...], where: str) -> str:
    value = spec.get(name, choices[0])
    if not isinstance(value, str) or value.lower() not in choices:
        raise invalid(f"{where}.{name}", " or ".join(f'"{choice}"' for choice in choices))
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
        raise invalid(where, 'an integer, or a string such as "2", "-1", "75%" or "-25%"')
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
    return ClauseParser(resolve).root(query, "query")
