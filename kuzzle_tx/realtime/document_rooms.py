# -*- test-case-name: tests.realtime.test_document_rooms -*-
"""
Which rooms each document matched at its last notifying write, so that the next
write can tell the rooms it left (scope "out"), as Kuzzle does with its cache
(kuzzle-api.md §5.3).

Entries live ``ttl`` seconds (``limits.subscriptionDocumentTTL``) after their last
write; a ttl of 0 keeps them as long as the document exists (Kuzzle's "forever").
Every entry has the same lifetime, so the oldest entry is always first in insertion
order, and expiring costs nothing more than popping from the front.
"""

from __future__ import annotations

import math

from twisted.internet.interfaces import IReactorTime

Key = tuple[str, str, str]


class DocumentRooms:
    def __init__(self, clock: IReactorTime, ttl_seconds: float) -> None:
        self._clock = clock
        self._ttl = ttl_seconds
        # key -> (expiry time, room ids); re-inserted on every write to keep expiry order.
        self._entries: dict[Key, tuple[float, frozenset[str]]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def swap(self, key: Key, rooms: frozenset[str]) -> frozenset[str]:
        """Remember ``rooms`` for a document; return the rooms it matched before."""
        now = self._clock.seconds()
        self._expire(now)
        previous = self._entries.pop(key, None)
        if rooms:
            expiry = now + self._ttl if self._ttl > 0 else math.inf
            self._entries[key] = (expiry, rooms)
        return frozenset() if previous is None else previous[1]

    def forget(self, key: Key) -> frozenset[str]:
        """The document is gone: return the rooms it matched before and drop them."""
        self._expire(self._clock.seconds())
        previous = self._entries.pop(key, None)
        return frozenset() if previous is None else previous[1]

    def drop(self, index: str, collection: str | None = None) -> None:
        """Forget the documents of a deleted or truncated collection (or of a whole index)."""
        doomed = [
            key
            for key in self._entries
            if key[0] == index and (collection is None or key[1] == collection)
        ]
        for key in doomed:
            del self._entries[key]

    def _expire(self, now: float) -> None:
        entries = self._entries
        while entries:
            key = next(iter(entries))
            if entries[key][0] > now:
                return
            del entries[key]
