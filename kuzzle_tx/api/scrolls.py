# -*- test-case-name: tests.api.test_document_search -*-
"""
Scroll cursors for document:search / document:scroll: what a scroll id stands
for, until its time-to-live runs out (each page renews it, as in Elasticsearch).
"""

from __future__ import annotations

import secrets
from typing import Any

import attrs
from twisted.internet.interfaces import IReactorTime

from kuzzle_tx.errors import KuzzleError


@attrs.define
class Cursor:
    index: str
    collection: str
    search: Any  # kuzzle_tx.storage.query_ast.Search of the first page
    source_filter: Any
    fetched: int
    total: int
    ttl: float
    expires: float = 0.0


class ScrollCursors:
    def __init__(self, clock: IReactorTime, max_cursors: int = 10_000) -> None:
        self._clock = clock
        self._max = max_cursors
        self._cursors: dict[str, Cursor] = {}

    def __len__(self) -> int:
        return len(self._cursors)

    def open(self, cursor: Cursor) -> str:
        self._expire()
        if len(self._cursors) >= self._max:
            # Drop the cursor closest to expiring rather than grow without bound.
            oldest = min(self._cursors, key=lambda key: self._cursors[key].expires)
            del self._cursors[oldest]
        scroll_id = secrets.token_urlsafe(24)
        cursor.expires = self._clock.seconds() + cursor.ttl
        self._cursors[scroll_id] = cursor
        return scroll_id

    def take(self, scroll_id: str, ttl: float | None) -> Cursor:
        """The cursor of a scroll id, its life renewed; raises unknown_scroll_id."""
        self._expire()
        cursor = self._cursors.get(scroll_id)
        if cursor is None:
            raise KuzzleError("services.storage.unknown_scroll_id")
        if ttl is not None:
            cursor.ttl = ttl
        cursor.expires = self._clock.seconds() + cursor.ttl
        return cursor

    def close(self, scroll_id: str) -> None:
        self._cursors.pop(scroll_id, None)

    def _expire(self) -> None:
        now = self._clock.seconds()
        expired = [key for key, cursor in self._cursors.items() if cursor.expires <= now]
        for key in expired:
            del self._cursors[key]
