# -*- test-case-name: tests.realtime.test_koncorde_index -*-
"""
The stored filters of one (index, collection), indexed by field and operator.

Koncorde's design: every filter is an OR of AND-groups ("subfilters") of
possibly negated conditions; each distinct condition is stored once and knows
the subfilters using it positively (``pos``) or negated (``neg``); each
distinct subfilter is stored once and knows its rooms.

Matching a document costs one pass over its fields, not over the rooms:

1. each field is looked up once in its field entry: ``equals`` by hashing the
   value, ``exists`` (plain or array value) by hashing, ``range`` by a
   stabbing query (`ranges.RangeIndex`); regexp, geo and select conditions of
   the field are tested one by one (the value read as a geopoint only once),
   ``match`` conditions on the whole document;
2. each subfilter is reached through one of its positive conditions, its
   *anchor*: the one shared by the fewest subfilters when it was stored (so
   ``{and: [{equals: {kind: "x"}}, {equals: {id: "<unique>"}}]}`` is reached
   through ``id``, not through the popular ``kind``). Anchors are re-chosen
   when a condition anchors too many subfilters;
3. a subfilter reached through a matched anchor matches when its other
   positive conditions matched and none of its negated ones did (so ``not
   equals`` matches a document without the field); subfilters made of negated
   conditions only are candidates for every document.
"""

from __future__ import annotations

from typing import Any

from .conditions import (
    Condition,
    Equals,
    Everything,
    Exists,
    Geo,
    Groups,
    Match,
    Range,
    Regexp,
    Select,
)
from .geo import convert_geopoint
from .ranges import RangeIndex
from .values import UNHASHABLE, scalar_key

#: An anchor is re-chosen for the subfilters of a condition that anchors this
#: many of them, then again each time that number doubles.
REBALANCE_AT = 32


class _Subfilter:
    """One AND-group, shared by the rooms whose filters contain it."""

    __slots__ = ("anchor", "key", "literals", "negatives", "others", "rooms")

    def __init__(self, key: tuple[tuple[str, bool], ...]) -> None:
        self.key = key
        self.literals: list[tuple[_Entry, bool]] = []
        self.anchor: _Entry | None = None
        self.others: tuple[_Entry, ...] = ()  # positive conditions but the anchor
        self.negatives: tuple[_Entry, ...] = ()
        self.rooms: set[str] = set()

    def positives(self) -> list[_Entry]:
        return [entry for entry, negated in self.literals if not negated]

    def set_anchor(self, anchor: _Entry) -> None:
        if self.anchor is not None:
            self.anchor.anchored.discard(self)
        self.anchor = anchor
        anchor.anchored.add(self)
        self.others = tuple(entry for entry in self.positives() if entry is not anchor)


class _Entry:
    """One stored condition and the subfilters using it."""

    __slots__ = ("anchored", "cond", "neg", "pos", "rebalance_at")

    def __init__(self, cond: Condition) -> None:
        self.cond = cond
        self.pos: set[_Subfilter] = set()
        self.neg: set[_Subfilter] = set()
        self.anchored: set[_Subfilter] = set()
        self.rebalance_at = REBALANCE_AT


def _best_anchor(subfilter: _Subfilter) -> _Entry:
    return min(subfilter.positives(), key=lambda entry: len(entry.pos))


class _Field:
    """The conditions on one document field, by operator."""

    __slots__ = ("equals", "exists", "exists_values", "geo", "ranges", "tests")

    def __init__(self) -> None:
        self.equals: dict[Any, _Entry] = {}
        self.exists: _Entry | None = None
        self.exists_values: dict[Any, _Entry] = {}
        self.ranges: RangeIndex | None = None
        self.geo: list[tuple[Geo, _Entry]] = []  # the value is read as a geopoint once
        self.tests: list[_Entry] = []

    def is_empty(self) -> bool:
        return not (
            self.equals
            or self.exists
            or self.exists_values
            or self.ranges
            or self.geo
            or self.tests
        )


class CollectionIndex:
    """Subfilters and conditions of the rooms of one collection."""

    def __init__(self) -> None:
        self.conditions: dict[str, _Entry] = {}
        self.subfilters: dict[tuple[tuple[str, bool], ...], _Subfilter] = {}
        self.fields: dict[str, _Field] = {}
        self.whole: list[_Entry] = []  # conditions on the whole document
        self.negative_only: set[_Subfilter] = set()

    def is_empty(self) -> bool:
        """True once every room is gone (nothing is left behind)."""
        return not (
            self.conditions or self.subfilters or self.fields or self.whole or self.negative_only
        )

    def sizes(self) -> dict[str, int]:
        """How many entries each internal structure holds (for leak checks)."""
        return {
            "conditions": len(self.conditions),
            "subfilters": len(self.subfilters),
            "fields": len(self.fields),
            "whole": len(self.whole),
            "negative_only": len(self.negative_only),
        }

    # -- storing ----------------------------------------------------------

    def add(self, room_id: str, groups: Groups) -> list[_Subfilter]:
        """Register a room's groups; return its subfilters (for `remove`)."""
        subfilters = []
        for group in groups:
            key = tuple((cond.key, negated) for cond, negated in group)
            subfilter = self.subfilters.get(key)
            if subfilter is None:
                subfilter = self._create(key, group)
            subfilter.rooms.add(room_id)
            subfilters.append(subfilter)
        return subfilters

    def remove(self, room_id: str, subfilters: list[_Subfilter]) -> None:
        """Unregister a room; free the subfilters and conditions nobody uses any more."""
        for subfilter in subfilters:
            subfilter.rooms.discard(room_id)
            if subfilter.rooms:
                continue
            del self.subfilters[subfilter.key]
            self.negative_only.discard(subfilter)
            if subfilter.anchor is not None:
                subfilter.anchor.anchored.discard(subfilter)
            for entry, negated in subfilter.literals:
                (entry.neg if negated else entry.pos).discard(subfilter)
                if not entry.pos and not entry.neg:
                    self._release(entry)
            subfilter.literals = []
            subfilter.anchor = None
            subfilter.others = subfilter.negatives = ()

    def _create(self, key: tuple[tuple[str, bool], ...], group: Any) -> _Subfilter:
        subfilter = _Subfilter(key)
        for cond, negated in group:
            entry = self.conditions.get(cond.key)
            if entry is None:
                entry = self.conditions[cond.key] = _Entry(cond)
                self._register(entry)
            (entry.neg if negated else entry.pos).add(subfilter)
            subfilter.literals.append((entry, negated))
        subfilter.negatives = tuple(entry for entry, negated in subfilter.literals if negated)
        positives = subfilter.positives()
        if positives:
            subfilter.set_anchor(_best_anchor(subfilter))
            for entry in positives:
                if len(entry.anchored) >= entry.rebalance_at:
                    self._rebalance(entry)
        else:
            self.negative_only.add(subfilter)
        self.subfilters[key] = subfilter
        return subfilter

    @staticmethod
    def _rebalance(entry: _Entry) -> None:
        """Move the subfilters anchored on a popular condition to rarer anchors."""
        for subfilter in list(entry.anchored):
            best = _best_anchor(subfilter)
            if best is not entry and len(best.pos) < len(entry.pos):
                subfilter.set_anchor(best)
        entry.rebalance_at = max(REBALANCE_AT, 2 * len(entry.anchored))

    def _register(self, entry: _Entry) -> None:
        cond = entry.cond
        if isinstance(cond, Match | Everything):
            self.whole.append(entry)
            return
        if not isinstance(cond, Equals | Exists | Range | Regexp | Geo | Select):
            return  # "nothing": never matches, indexed nowhere
        field = self.fields.get(cond.field)
        if field is None:
            field = self.fields[cond.field] = _Field()
        if isinstance(cond, Equals):
            field.equals[scalar_key(cond.value)] = entry
        elif isinstance(cond, Exists):
            if not cond.array:
                field.exists = entry
            elif (value_key := scalar_key(cond.value)) is not UNHASHABLE:
                field.exists_values[value_key] = entry
        elif isinstance(cond, Range):
            if field.ranges is None:
                field.ranges = RangeIndex()
            field.ranges.add(cond, entry)
        elif isinstance(cond, Geo):
            field.geo.append((cond, entry))
        else:
            field.tests.append(entry)

    def _release(self, entry: _Entry) -> None:
        cond = entry.cond
        del self.conditions[cond.key]
        if isinstance(cond, Match | Everything):
            self.whole.remove(entry)
            return
        field = self.fields.get(cond.field)
        if field is None:
            return
        if isinstance(cond, Equals):
            del field.equals[scalar_key(cond.value)]
        elif isinstance(cond, Exists):
            if not cond.array:
                field.exists = None
            else:
                field.exists_values.pop(scalar_key(cond.value), None)
        elif isinstance(cond, Range):
            assert field.ranges is not None
            field.ranges.remove(cond, entry)
            if not len(field.ranges):
                field.ranges = None
        elif isinstance(cond, Geo):
            field.geo.remove((cond, entry))
        else:
            field.tests.remove(entry)
        if field.is_empty():
            del self.fields[cond.field]

    # -- matching ---------------------------------------------------------

    def match(self, flat: dict[str, Any]) -> set[str]:
        """The rooms whose filter matches the flattened document."""
        matched: list[_Entry] = []
        fields = self.fields
        for name, value in flat.items():
            field = fields.get(name)
            if field is None:
                continue
            if field.exists is not None:
                matched.append(field.exists)
            kind = type(value)
            if field.equals:
                key = value if kind is str or kind is int or kind is float else scalar_key(value)
                if key is not UNHASHABLE:
                    found = field.equals.get(key)
                    if found is not None:
                        matched.append(found)
            if kind is list:
                if field.exists_values:
                    self._match_values(field.exists_values, value, matched)
            elif field.ranges is not None and (kind is int or kind is float):
                field.ranges.stab(value, matched)
            if field.geo:
                self._match_geo(field.geo, value, matched)
            for entry in field.tests:
                if entry.cond.matches(flat):
                    matched.append(entry)
        for entry in self.whole:
            if entry.cond.matches(flat):
                matched.append(entry)
        return self._rooms(matched)

    @staticmethod
    def _match_values(index: dict[Any, _Entry], values: list[Any], out: list[_Entry]) -> None:
        seen = set()
        for item in values:
            key = scalar_key(item)
            if key is UNHASHABLE or key in seen:
                continue
            seen.add(key)
            found = index.get(key)
            if found is not None:
                out.append(found)

    @staticmethod
    def _match_geo(entries: list[tuple[Geo, _Entry]], value: Any, out: list[_Entry]) -> None:
        point = convert_geopoint(value)
        if point is not None:
            for cond, entry in entries:
                if cond.contains(point):
                    out.append(entry)

    def _rooms(self, matched: list[_Entry]) -> set[str]:
        rooms: set[str] = set()
        if not matched:
            for subfilter in self.negative_only:
                rooms.update(subfilter.rooms)
            return rooms
        found = set(matched)
        for entry in matched:
            for subfilter in entry.anchored:
                for other in subfilter.others:
                    if other not in found:
                        break
                else:
                    for negative in subfilter.negatives:
                        if negative in found:
                            break
                    else:
                        rooms.update(subfilter.rooms)
        for subfilter in self.negative_only:
            for negative in subfilter.negatives:
                if negative in found:
                    break
            else:
                rooms.update(subfilter.rooms)
        return rooms
