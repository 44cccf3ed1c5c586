# -*- test-case-name: tests.network.test_timers -*-
"""
autobahn's batched-timer interface on an injected clock.

autobahn schedules per-socket timers (handshake timeouts, auto-ping) through
``factory._batched_timer``; txaio would bind it to the global reactor. Calls
due in the same `BUCKET`-second slot share one `DelayedCall`, so ten thousand
sockets cost ten thousand small records, not ten thousand reactor timers (a
cancelled Twisted timer stays in the reactor's heap until it is due).
"""

from __future__ import annotations

import math
from typing import Any

from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger

BUCKET = 0.1

log = Logger()


class BatchedCall:
    """One scheduled call; `cancel` may be called at any time, even after it ran."""

    __slots__ = ("func", "args", "kwargs")

    def __init__(self, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        self.func: Any = func
        self.args = args
        self.kwargs = kwargs

    def cancel(self) -> None:
        self.func = None
        self.args = ()
        self.kwargs = {}


class BatchedTimer:
    def __init__(self, clock: IReactorTime, bucket: float = BUCKET) -> None:
        self._clock = clock
        self._bucket = bucket
        self._due: dict[int, list[BatchedCall]] = {}

    def call_later(self, delay: float, func: Any, *args: Any, **kwargs: Any) -> BatchedCall:
        now = self._clock.seconds()
        # The slot whose end is the first at or after the due time (never early).
        slot = math.ceil(round((now + delay) / self._bucket, 6))
        call = BatchedCall(func, args, kwargs)
        calls = self._due.get(slot)
        if calls is None:
            calls = self._due[slot] = []
            self._clock.callLater(max(0.0, slot * self._bucket - now), self._fire, slot)
        calls.append(call)
        return call

    def _fire(self, slot: int) -> None:
        for call in self._due.pop(slot, ()):
            func, args, kwargs = call.func, call.args, call.kwargs
            if func is None:
                continue
            call.cancel()
            try:
                func(*args, **kwargs)
            except Exception:
                log.failure("Timer callback {func!r} failed", func=func)

    @property
    def pending(self) -> int:
        return sum(1 for calls in self._due.values() for call in calls if call.func is not None)
