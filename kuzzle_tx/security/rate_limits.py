# -*- test-case-name: tests.security.test_rate_limits -*-
"""
Requests per second and per key (a user, a connection), on the injected clock:
Kuzzle's profile ``rateLimit`` and ``limits.loginsPerSecond`` (kuzzle-api.md §8.6).

Counting is per calendar second: every count is dropped when the second changes,
so memory holds only the keys seen during the current second.
"""

from __future__ import annotations

from collections.abc import Hashable

from twisted.internet.interfaces import IReactorTime


class PerSecondLimiter:
    def __init__(self, clock: IReactorTime) -> None:
        self._clock = clock
        self._second = -1
        self._counts: dict[Hashable, int] = {}

    def allow(self, key: Hashable, limit: int) -> bool:
        """Count one request for ``key``; False once it exceeds ``limit`` (0 = no limit)."""
        if limit <= 0:
            return True
        second = int(self._clock.seconds())
        if second != self._second:
            self._second = second
            self._counts.clear()
        count = self._counts.get(key, 0) + 1
        self._counts[key] = count
        return count <= limit
