# -*- test-case-name: tests.realtime.test_koncorde_normalization -*-
"""
From a standardized filter tree to its canonical disjunctive normal form.

`to_groups` pushes negations down to the conditions (De Morgan, double
negation), distributes AND over OR, and then simplifies: contradictory or
impossible AND-groups are dropped (``x and not x``, two different ``equals`` on
one field, a field both required and ``missing``...), duplicate groups merged,
groups that contain another group absorbed, conditions and groups sorted by
their canonical keys. Equivalent spellings of a filter (key order, ``and`` of
one term, ``bool`` vs ``and``/``or``/``not``, ``in`` vs ``or`` of ``equals``,
double negation) therefore give the same groups, hence the same room id.

This is not a full boolean minimization: ``(a and b) or (a and not b)`` stays
as it is instead of becoming ``a``.
"""

from __future__ import annotations

from typing import Any

import attrs

from .conditions import Condition, Equals, Everything, Exists, Groups, Literal, Nothing, Range
from .errors import KoncordeError
from .values import is_number, scalar_key

#: The most AND-groups a filter may expand to (distributing AND over OR can
#: grow exponentially: ``and`` of 20 two-term ``or`` gives a million groups).
MAX_GROUPS = 10_000

EVERYTHING = Everything("")
NOTHING = Nothing("")


@attrs.frozen
class And:
    """All of the items."""

    items: tuple[Node, ...]


@attrs.frozen
class Or:
    """At least one of the items."""

    items: tuple[Node, ...]


@attrs.frozen
class Not:
    """The negation of the item."""

    item: Node


Node = And | Or | Not | Condition

_Group = frozenset[Literal]

# The positive conditions that need their field to be present: ``not exists``
# on that field makes them impossible.
_NEEDS_FIELD = ("equals", "range", "regexp", "select") + (
    "geoBoundingBox",
    "geoDistance",
    "geoDistanceRange",
    "geoPolygon",
)


def count_conditions(node: Node) -> int:
    """The number of conditions in a standardized tree (Koncorde's complexity)."""
    if isinstance(node, And | Or):
        return sum(count_conditions(item) for item in node.items)
    if isinstance(node, Not):
        return count_conditions(node.item)
    return 1


def to_groups(node: Node, max_groups: int = MAX_GROUPS) -> Groups:
    """The canonical DNF of a standardized tree (see the module docstring)."""
    groups = _dnf(node, False, max_groups)
    simplified: list[_Group] = []
    for group in groups:
        reduced = _reduce(group)
        if reduced is None:
            continue
        if not reduced:
            return (((EVERYTHING, False),),)
        simplified.append(reduced)
    simplified = _absorb(list(set(simplified)))
    if not simplified:
        return (((NOTHING, False),),)
    ordered = [tuple(sorted(group, key=_literal_order)) for group in simplified]
    ordered.sort(key=lambda group: [_literal_order(literal) for literal in group])
    return tuple(ordered)


def groups_to_json(groups: Groups) -> list[list[dict[str, Any]]]:
    """The DNF as JSON: ``[[{<keyword>: <args>, "not": <bool>}, ...], ...]``."""
    return [[{**cond.to_json(), "not": negated} for cond, negated in group] for group in groups]


def _literal_order(literal: Literal) -> tuple[str, bool]:
    return (literal[0].key, literal[1])


def _dnf(node: Node, negated: bool, max_groups: int) -> list[_Group]:
    if isinstance(node, Condition):
        return [frozenset(((node, negated),))]
    if isinstance(node, Not):
        return _dnf(node.item, not negated, max_groups)
    disjunction = isinstance(node, Or) != negated
    parts = [_dnf(item, negated, max_groups) for item in node.items]
    if disjunction:
        merged = list(dict.fromkeys(group for part in parts for group in part))
        _check_size(len(merged), max_groups)
        return merged
    product: list[_Group] = [frozenset()]
    for part in parts:
        combined: dict[_Group, None] = {}
        for left in product:
            for right in part:
                if any((cond, not neg) in left for cond, neg in right):
                    continue
                combined[left | right] = None
        _check_size(len(combined), max_groups)
        product = list(combined)
    return product


def _check_size(size: int, max_groups: int) -> None:
    if size > max_groups:
        raise KoncordeError(
            "Filter too complex: its normalized form exceeds the maximum number of "
            f"subfilters (max: {max_groups})"
        )


def _reduce(group: _Group) -> _Group | None:
    """
    The group without its always-true literals, or None if it can never match.
    An empty result means the group is always true.
    """
    kept: list[Literal] = []
    for cond, negated in group:
        if isinstance(cond, Everything | Nothing):
            if isinstance(cond, Nothing) != negated:
                return None
            continue
        kept.append((cond, negated))
    if _impossible(kept):
        return None
    return frozenset(kept)


def _impossible(literals: list[Literal]) -> bool:
    equals: dict[str, Any] = {}
    missing: set[str] = set()
    required: set[str] = set()
    ranges: dict[str, list[Range]] = {}
    for cond, negated in literals:
        if negated:
            if isinstance(cond, Exists) and not cond.array:
                missing.add(cond.field)
            continue
        if isinstance(cond, Equals):
            wanted = scalar_key(cond.value)
            if equals.setdefault(cond.field, wanted) != wanted:
                return True
        elif isinstance(cond, Range):
            ranges.setdefault(cond.field, []).append(cond)
        if cond.kind in _NEEDS_FIELD or isinstance(cond, Exists):
            required.add(cond.field)
    if missing & required:
        return True
    for field, conds in ranges.items():
        if field in equals:
            value = equals[field]  # booleans are keyed as tuples: not numbers
            if not is_number(value) or not all(c.contains(value) for c in conds):
                return True
    return False


def _absorb(groups: list[_Group]) -> list[_Group]:
    """Drop every group that contains another one (``a or (a and b)`` is ``a``)."""
    if len(groups) < 2:
        return groups
    groups.sort(key=len)
    holders: dict[Literal, list[int]] = {}
    kept: list[_Group] = []
    for group in groups:
        hits: dict[int, int] = {}
        absorbed = False
        for literal in group:
            for position in holders.get(literal, ()):
                hits[position] = hits.get(position, 0) + 1
                if hits[position] == len(kept[position]):
                    absorbed = True
                    break
            if absorbed:
                break
        if absorbed:
            continue
        position = len(kept)
        kept.append(group)
        for literal in group:
            holders.setdefault(literal, []).append(position)
    return kept
