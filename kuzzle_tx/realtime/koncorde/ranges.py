# -*- test-case-name: tests.realtime.test_koncorde_index -*-
"""
The range conditions of one field, indexed for stabbing queries: which ranges
contain this number?

- Half-bounded ranges (``gte`` only, ``lt`` only, ...) sit in sorted lists:
  the answer is a prefix or a suffix, found by bisection.
- Bounded ranges sit in grids, one per power of two of their width: a range
  of width below ``2**e`` overlaps at most two cells of width ``2**e``, and a
  number is looked up in one cell per grid. Widths seen in practice fall in a
  handful of grids, so a lookup costs a few dictionary reads plus the ranges
  sharing the number's cells.

Adding and removing a range costs a bisection and a list insertion (or two
dictionary writes); memory is linear in the number of ranges.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from typing import Any

from .conditions import Range

_INF = float("inf")


class _Sorted:
    """Payloads sorted by one bound of their range."""

    __slots__ = ("keys", "payloads")

    def __init__(self) -> None:
        self.keys: list[float] = []
        self.payloads: list[Any] = []

    def add(self, key: float, payload: Any) -> None:
        position = bisect_right(self.keys, key)
        self.keys.insert(position, key)
        self.payloads.insert(position, payload)

    def remove(self, key: float, payload: Any) -> None:
        position = bisect_left(self.keys, key)
        while self.payloads[position] is not payload:
            position += 1
        del self.keys[position]
        del self.payloads[position]


class RangeIndex:
    """Range conditions of one field, each with a payload returned when it matches."""

    def __init__(self) -> None:
        self._gte = _Sorted()  # low bound only, inclusive: matches low <= v
        self._gt = _Sorted()  # low bound only, exclusive: matches low < v
        self._lte = _Sorted()  # high bound only, inclusive: matches v <= high
        self._lt = _Sorted()  # high bound only, exclusive: matches v < high
        # exponent -> (1 / 2**exponent, {cell: [(condition, payload), ...]})
        self._grids: dict[int, tuple[float, dict[int, list[tuple[Range, Any]]]]] = {}
        self._odd: list[tuple[Range, Any]] = []  # bounded ranges too wide or too narrow
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def add(self, cond: Range, payload: Any) -> None:
        """Index a range condition."""
        self._size += 1
        if cond.high == _INF:
            (self._gte if cond.low_inclusive else self._gt).add(cond.low, payload)
        elif cond.low == -_INF:
            (self._lte if cond.high_inclusive else self._lt).add(cond.high, payload)
        else:
            placed = self._cells(cond)
            if placed is None:
                self._odd.append((cond, payload))
                return
            exponent, scale, cells = placed
            grid = self._grids.setdefault(exponent, (scale, {}))[1]
            for cell in cells:
                grid.setdefault(cell, []).append((cond, payload))

    def remove(self, cond: Range, payload: Any) -> None:
        """Forget a range condition added with this payload."""
        self._size -= 1
        if cond.high == _INF:
            (self._gte if cond.low_inclusive else self._gt).remove(cond.low, payload)
        elif cond.low == -_INF:
            (self._lte if cond.high_inclusive else self._lt).remove(cond.high, payload)
        else:
            placed = self._cells(cond)
            if placed is None:
                self._odd = [item for item in self._odd if item[1] is not payload]
                return
            exponent, _, cells = placed
            grid = self._grids[exponent][1]
            for cell in cells:
                remaining = [item for item in grid[cell] if item[1] is not payload]
                if remaining:
                    grid[cell] = remaining
                else:
                    del grid[cell]
            if not grid:
                del self._grids[exponent]

    def stab(self, value: float, out: list[Any]) -> None:
        """Append to ``out`` the payloads of the ranges containing ``value``."""
        if value != value:  # NaN is in no range
            return
        if self._gte.keys:
            out.extend(self._gte.payloads[: bisect_right(self._gte.keys, value)])
        if self._gt.keys:
            out.extend(self._gt.payloads[: bisect_left(self._gt.keys, value)])
        if self._lte.keys:
            out.extend(self._lte.payloads[bisect_left(self._lte.keys, value) :])
        if self._lt.keys:
            out.extend(self._lt.payloads[bisect_right(self._lt.keys, value) :])
        for scale, grid in self._grids.values():
            try:
                bucket = grid.get(math.floor(value * scale))
            except OverflowError:
                continue
            if bucket is not None:
                for cond, payload in bucket:
                    if cond.contains(value):
                        out.append(payload)
        for cond, payload in self._odd:
            if cond.contains(value):
                out.append(payload)

    @staticmethod
    def _cells(cond: Range) -> tuple[int, float, tuple[int, ...]] | None:
        width = cond.high - cond.low
        if not 0 < width < _INF:
            return None
        exponent = math.frexp(width)[1]
        try:
            scale = math.ldexp(1.0, -exponent)
            first = math.floor(cond.low * scale)
            last = math.floor(cond.high * scale)
        except OverflowError:
            return None
        return exponent, scale, (first,) if first == last else (first, last)
