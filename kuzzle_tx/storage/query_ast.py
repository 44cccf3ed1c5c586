# -*- test-case-name: tests.storage.test_query_clauses,tests.storage.test_query -*-
"""
The search query, parsed: a small tree that every storage backend evaluates.

`kuzzle_tx.storage.query` builds it from Elasticsearch's query DSL (or from a
Koncorde filter); the SQLite backend compiles it to SQL, the in-memory backend
evaluates it in Python. Both read the same flattened view of a document
(`kuzzle_tx.storage.fields.flatten`): a field path such as ``a.b`` names every
scalar reachable through objects and arrays, so a condition on a field holds
when any of its values satisfies it (as in Elasticsearch).

Values are JSON scalars: str, int, float, bool (booleans compare as 0/1).
The field ``_id`` is the document id, not a path in the source.
"""

from __future__ import annotations

from typing import TypeAlias

import attrs

Scalar: TypeAlias = str | int | float | bool


@attrs.frozen
class MatchAll:
    """Every document."""


@attrs.frozen
class MatchNone:
    """No document."""


@attrs.frozen
class Term:
    """A value of ``field`` equals ``value`` (exact, typed: "1" is not 1)."""

    field: str
    value: Scalar


@attrs.frozen
class Terms:
    """A value of ``field`` equals one of ``values``."""

    field: str
    values: tuple[Scalar, ...]


@attrs.frozen
class Ids:
    """The document id is one of ``values``."""

    values: tuple[str, ...]


@attrs.frozen
class Exists:
    """``field`` has a non-null value, or is an object with such a value below it."""

    field: str


@attrs.frozen
class Range:
    """
    A value of ``field`` lies within the bounds (None = unbounded). Bounds of one
    kind: numbers compare with numeric values only, strings with string values only.
    """

    field: str
    gt: Scalar | None = None
    gte: Scalar | None = None
    lt: Scalar | None = None
    lte: Scalar | None = None


@attrs.frozen
class Prefix:
    """A string value of ``field`` starts with ``value`` (case-sensitive)."""

    field: str
    value: str


@attrs.frozen
class Wildcard:
    """A string value of ``field`` matches ``pattern``: ``*`` any run, ``?`` one character."""

    field: str
    pattern: str


@attrs.frozen
class Regexp:
    """A string value of ``field`` matches the regular expression (whole-value search)."""

    field: str
    pattern: str
    flags: str = ""


@attrs.frozen
class GeoShape:
    """
    A Koncorde geo clause (``lang: "koncorde"`` only): the geopoint at ``field`` lies in
    the shape. ``clause`` is the clause's compact JSON (`kuzzle_tx.storage.geo_match`).
    """

    field: str
    clause: str


@attrs.frozen
class TextMatch:
    """
    Full-text match on an analyzed (``text``) field: ``tokens`` are the query's
    lowercase word tokens (`kuzzle_tx.storage.fields.tokenize`). With ``operator``
    "or" one token is enough, with "and" a single value must contain them all; with
    ``phrase`` a single value must contain them contiguously, in order.
    """

    field: str
    tokens: tuple[str, ...]
    operator: str = "or"
    phrase: bool = False


@attrs.frozen
class Bool:
    """
    Elasticsearch's bool: every ``must`` and ``filter`` clause, no ``must_not``
    clause, and at least ``minimum_should_match`` of the ``should`` clauses.
    """

    must: tuple[Query, ...] = ()
    filter: tuple[Query, ...] = ()
    should: tuple[Query, ...] = ()
    must_not: tuple[Query, ...] = ()
    minimum_should_match: int = 0


Query: TypeAlias = (
    MatchAll
    | MatchNone
    | Term
    | Terms
    | Ids
    | Exists
    | Range
    | Prefix
    | Wildcard
    | Regexp
    | GeoShape
    | TextMatch
    | Bool
)


@attrs.frozen
class SortKey:
    """
    One sort criterion: ``field`` (or ``_id``), ascending or not. Documents with no
    value for the field come last in both directions; an array sorts by its smallest
    value ascending and its largest descending.
    """

    field: str
    descending: bool = False


@attrs.frozen
class Search:
    """Everything a backend needs to run a search."""

    query: Query = MatchAll()
    sort: tuple[SortKey, ...] = ()
    offset: int = 0
    limit: int = 10
    # Sort values of the last hit of the previous page (one per sort key).
    search_after: tuple[Scalar | None, ...] | None = None
