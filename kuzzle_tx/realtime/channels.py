# -*- test-case-name: tests.realtime.test_channels -*-
"""
Channels: a room plus notification options (kuzzle-api.md §5.1).

A channel's name is ``<roomId>-<code>``, the code being the users digit (all 1, in 2,
out 3, none 3), the propagate digit (always 1: kuzzle_tx is a single node) and the
scope digit (all 1, in 2, out 3, none: no digit). The defaults (scope "all", users
"none") give ``<roomId>-311``.

users "out" and "none" share a digit, so two subscriptions may get the same channel
name with different ``users`` options; the hotel keeps who wants user notifications
per connection, not per name, so that stays correct.
"""

from __future__ import annotations

from typing import Final

from kuzzle_tx.errors import KuzzleError

ALLOWED: Final = ("all", "in", "out", "none")
DEFAULT_SCOPE: Final = "all"
DEFAULT_USERS: Final = "none"

_USERS_DIGIT: Final = {"all": "1", "in": "2", "out": "3", "none": "3"}
_SCOPE_DIGIT: Final = {"all": "1", "in": "2", "out": "3", "none": ""}
_PROPAGATE_DIGIT: Final = "1"


def check_scope(value: object) -> str:
    """The validated ``scope`` option; None means the default, "all"."""
    if value is None:
        return DEFAULT_SCOPE
    if not isinstance(value, str) or value not in ALLOWED:
        raise KuzzleError("core.realtime.invalid_scope", value)
    return value


def check_users(value: object) -> str:
    """The validated ``users`` option; None means the default, "none"."""
    if value is None:
        return DEFAULT_USERS
    if not isinstance(value, str) or value not in ALLOWED:
        raise KuzzleError("core.realtime.invalid_users", value)
    return value


def channel_name(room_id: str, scope: str | None = None, users: str | None = None) -> str:
    """The channel of ``room_id`` for these options (validated; None means the default)."""
    scope = check_scope(scope)
    users = check_users(users)
    return f"{room_id}-{_USERS_DIGIT[users]}{_PROPAGATE_DIGIT}{_SCOPE_DIGIT[scope]}"


def wants_document(scope: str, notification_scope: str) -> bool:
    """Whether a channel with this scope gets a document notification of that scope."""
    return scope != "none" and (scope == "all" or scope == notification_scope)


def wants_user(users: str, in_or_out: str) -> bool:
    """Whether a subscription with this ``users`` option gets a user "in"/"out" notification."""
    return users != "none" and (users == "all" or users == in_or_out)
