# -*- test-case-name: tests.storage.test_query_koncorde -*-
"""
Koncorde filters (``lang=koncorde``) translated into `kuzzle_tx.storage.query_ast`
trees: `koncorde_to_query`, so that a search may be written as a subscription is.

Errors: a filter that is not an object is ``api.assert.invalid_type`` (as Kuzzle);
Koncorde's refusals are ``api.assert.koncorde_dsl_error``; keywords without a search
translation are ``api.assert.koncorde_restricted_keyword``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from kuzzle_tx.errors import KuzzleError
from kuzzle_tx.realtime.koncorde import Koncorde, KoncordeError
from kuzzle_tx.realtime.koncorde.regexps import compile_regexp
from kuzzle_tx.realtime.koncorde.values import js_truthy
from kuzzle_tx.storage.geo_match import GEO_KEYWORDS, clause_json, geo_condition
from kuzzle_tx.storage.query_args import Resolver, invalid, is_number, plain
from kuzzle_tx.storage.query_ast import (
    Bool,
    Exists,
    GeoShape,
    Ids,
    MatchAll,
    Query,
    Range,
    Regexp,
    Terms,
)
from kuzzle_tx.storage.query_clauses import ClauseParser

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
    not / bool → bool, geoBoundingBox / geoDistance / geoDistanceRange / geoPolygon →
    a geo shape. match, select and nothing have no search translation.
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
        self._parser = ClauseParser(resolve)
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
            **{keyword: self._geo for keyword in GEO_KEYWORDS},
        }

    def translate(self, filters: dict[str, Any], path: str | None) -> Query:
        ((keyword, value),) = filters.items()
        handler = self._handlers.get(keyword)
        if handler is None:
            kind = "operator" if keyword in _OPERATORS else "clause"
            raise KuzzleError("api.assert.koncorde_restricted_keyword", kind, keyword)
        if keyword in GEO_KEYWORDS:
            return self._geo(filters, keyword)
        return handler(value, keyword if path is None else f"{path}.{keyword}")

    def _geo(self, clause: dict[str, Any], where: str) -> Query:
        text = clause_json(clause)
        return GeoShape(geo_condition(text).field, text)

    def _all(self, filters: list[dict[str, Any]], where: str) -> tuple[Query, ...]:
        return tuple(self.translate(item, where) for item in filters)

    def _equals(self, value: dict[str, Any], where: str) -> Query:
        ((field, scalar),) = value.items()
        if scalar is None:
            raise invalid(
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
        if not (isinstance(item, str | bool) or is_number(item)):
            raise invalid(where, "an array value that is a string, a number or a boolean")
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
