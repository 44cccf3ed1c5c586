# -*- test-case-name: tests.api.test_funnel -*-
"""
The controller contract: a name and a table of actions.

An action takes the `Request` and returns its result: a plain value, a
`Deferred`, or a coroutine (the funnel adapts all three). It raises
`KuzzleError` for anything the client should see.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from kuzzle_tx.api.request import Request

Action = Callable[[Request], Any]


class Controller:
    """Base class: subclasses set ``name`` and list their actions in ``ACTIONS``."""

    name: str = ""
    ACTIONS: tuple[str, ...] = ()

    def actions(self) -> Mapping[str, Action]:
        return {name: getattr(self, name) for name in self.ACTIONS}
