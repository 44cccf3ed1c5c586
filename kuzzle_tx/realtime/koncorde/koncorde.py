# -*- test-case-name: tests.realtime.test_koncorde_api -*-
"""
`Koncorde`: the realtime filter engine (kuzzle-api.md §6), in the shape of
Koncorde 4's API: ``normalize`` a filter into a `NormalizedFilter` (validated,
in canonical DNF, with its deterministic room id), ``store`` it, ``test``
documents against the stored filters of a collection, ``remove`` it.

Room ids are the SHA-256 of the canonical JSON of ``{"filter": <DNF>,
"index": "<index>/<collection>"}``: the same on every node and after every
restart, for every equivalent spelling of a filter (see `dnf`).
"""

from __future__ import annotations

import hashlib
from typing import Any

import attrs
from twisted.logger import Logger

from .conditions import Groups
from .dnf import Node, count_conditions, groups_to_json, to_groups
from .errors import KoncordeError
from .index import CollectionIndex
from .regexps import ENGINES, HAVE_RE2
from .standardize import Standardizer
from .values import canonical_json, flatten

log = Logger()

_TOO_DEEP = "Filter too complex: too deeply nested"


@attrs.frozen
class NormalizedFilter:
    """A validated filter in canonical form, ready to be stored."""

    index: str
    collection: str
    id: str
    """The room id: 64 hexadecimal characters."""
    dnf: list[list[dict[str, Any]]] = attrs.field(eq=False, repr=False)
    """The canonical form: OR of AND-groups of ``{<keyword>: <args>, "not": <bool>}``."""
    groups: Groups = attrs.field(eq=False, repr=False)
    """The same, as condition objects (for the engine)."""
    conditions: int = attrs.field(eq=False)
    """How many conditions the filter counts against ``max_conditions``."""


@attrs.define
class _Room:
    normalized: NormalizedFilter
    subfilters: list[Any]


class Koncorde:
    """
    Stored filters of every (index, collection), matched against documents.

    ``max_conditions`` is ``limits.subscriptionConditionsCount`` (0: no
    limit). ``regexp_engine`` is ``"re2"`` (default; falls back to
    ``"python"`` with a warning if google-re2 is not installed) or
    ``"python"`` (the `re` module: look-around and backreferences accepted,
    but exposed to catastrophic backtracking).
    """

    def __init__(self, max_conditions: int = 100, regexp_engine: str = "re2") -> None:
        if regexp_engine not in ENGINES:
            raise ValueError(f"regexp_engine must be one of {', '.join(ENGINES)}")
        if max_conditions < 0:
            raise ValueError("max_conditions must be a positive integer or 0")
        if regexp_engine == "re2" and not HAVE_RE2:  # pragma: no cover
            log.warn("google-re2 is not installed: Koncorde regexps use Python's re module")
            regexp_engine = "python"
        self.max_conditions = max_conditions
        self.regexp_engine = regexp_engine
        self._standardizer = Standardizer(regexp_engine)
        self._collections: dict[tuple[str, str], CollectionIndex] = {}
        self._rooms: dict[str, _Room] = {}

    @property
    def room_count(self) -> int:
        """How many filters (rooms) are stored."""
        return len(self._rooms)

    def validate(self, filters: dict[str, Any] | None) -> None:
        """Raise `KoncordeError` if ``filters`` is malformed or too complex."""
        self._standardize(filters)

    def normalize(
        self, index: str, collection: str, filters: dict[str, Any] | None
    ) -> NormalizedFilter:
        """
        Validate ``filters`` and compute their canonical form and room id,
        without storing anything. Raise `KoncordeError` if the filter is
        malformed or too complex.
        """
        tree, count = self._standardize(filters)
        try:
            groups = to_groups(tree)
            dnf = groups_to_json(groups)
            identity = canonical_json({"filter": dnf, "index": f"{index}/{collection}"})
        except RecursionError:
            raise KoncordeError(_TOO_DEEP) from None
        room_id = hashlib.sha256(identity.encode("utf-8")).hexdigest()
        return NormalizedFilter(index, collection, room_id, dnf, groups, count)

    def store(self, normalized: NormalizedFilter) -> str:
        """Store a normalized filter (once: storing it again changes nothing); return its id."""
        if normalized.id not in self._rooms:
            key = (normalized.index, normalized.collection)
            collection = self._collections.get(key)
            if collection is None:
                collection = self._collections[key] = CollectionIndex()
            subfilters = collection.add(normalized.id, normalized.groups)
            self._rooms[normalized.id] = _Room(normalized, subfilters)
        return normalized.id

    def remove(self, room_id: str) -> None:
        """Forget a stored filter and whatever only it used; unknown ids are ignored."""
        room = self._rooms.pop(room_id, None)
        if room is None:
            return
        key = (room.normalized.index, room.normalized.collection)
        collection = self._collections[key]
        collection.remove(room_id, room.subfilters)
        if collection.is_empty():
            del self._collections[key]

    def has(self, room_id: str) -> bool:
        """Whether a filter with this id is stored."""
        return room_id in self._rooms

    def get(self, room_id: str) -> NormalizedFilter | None:
        """The stored filter with this id, if any."""
        room = self._rooms.get(room_id)
        return None if room is None else room.normalized

    def test(
        self,
        index: str,
        collection: str,
        document: dict[str, Any],
        document_id: str | None = None,
    ) -> list[str]:
        """
        The ids of the stored filters of (index, collection) that match the
        document, its ``_id`` field being ``document_id`` when given.
        """
        stored = self._collections.get((index, collection))
        if stored is None:
            return []
        flat = flatten(document)
        if document_id is not None:
            flat["_id"] = document_id
        return list(stored.match(flat))

    def _standardize(self, filters: dict[str, Any] | None) -> tuple[Node, int]:
        try:
            tree = self._standardizer.standardize(filters)
            count = count_conditions(tree)
        except RecursionError:
            raise KoncordeError(_TOO_DEEP) from None
        if self.max_conditions and count > self.max_conditions:
            raise KoncordeError(
                "Filter too complex: exceeds the configured maximum number of conditions "
                f"(conditions: {count}, max: {self.max_conditions})"
            )
        return tree, count
