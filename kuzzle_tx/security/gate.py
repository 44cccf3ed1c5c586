# -*- test-case-name: tests.security.test_gate -*-
"""
The security gate of the funnel (`kuzzle_tx.interfaces.IGate`), in Kuzzle's
order (kuzzle-api.md §8.5): token → user → rights → rate limit, before the
controller lookup.

It answers synchronously when the user is in memory (the common case); a user
seen for the first time is read from the store. Until security has loaded,
requests wait.

A WebSocket client sends the same token with every request, so the gate
remembers, per connection, who the last token stood for (a `Caller`). The
memo holds while `Security.epoch` is unchanged (no token revoked or refreshed,
no user, role or profile written) and the token has not reached its end; then
a request pays the rights decision and the rate limit only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs
from twisted.internet.defer import Deferred, ensureDeferred
from zope.interface import implementer

from kuzzle_tx.api.request import Request
from kuzzle_tx.errors import KuzzleError
from kuzzle_tx.interfaces import IGate

from .service import ANONYMOUS_KUID, Security


@attrs.define(slots=True, eq=False)
class Caller:
    """Who a token stands for, with what the rights check needs."""

    jwt: str | None
    epoch: int
    # When (clock seconds) the token stops being honoured; 0: not before the epoch changes.
    valid_until: float
    kuid: str
    profiles: frozenset[str]
    rate_limit: int


@implementer(IGate)
class SecurityGate:
    def __init__(self, security: Security) -> None:
        self._security = security
        # WebSocket connection id → the caller of its last admitted request.
        self._callers: dict[str, Caller] = {}

    def admit(self, request: Request) -> Deferred[None] | None:
        security = self._security
        if not security.ready:
            return security.when_ready().addCallback(lambda _: self.admit(request))
        caller = self._callers.get(request.connection.id)
        if (
            caller is None
            or caller.jwt != request.input.jwt
            or caller.epoch != security.epoch
            or (caller.valid_until and security.clock.seconds() >= caller.valid_until)
        ):
            epoch = security.epoch
            kuid = security.authenticate(request.input.jwt, None)
            request.user_id = kuid
            user = security.cached_user(kuid)
            if user is False:
                return ensureDeferred(self._admit_loaded(request, kuid, epoch))
            caller = self._identify(request, kuid, user, epoch)  # type: ignore[arg-type]
        request.user_id = caller.kuid
        request.user_profiles = caller.profiles
        self._authorize(request, caller)
        return None

    def forget(self, connection_id: str) -> None:
        """The connection closed."""
        self._callers.pop(connection_id, None)

    async def _admit_loaded(self, request: Request, kuid: str, epoch: int) -> None:
        user = await self._security.user(kuid)
        caller = self._identify(request, kuid, user, epoch)
        request.user_profiles = caller.profiles
        self._authorize(request, caller)

    def _identify(
        self, request: Request, kuid: str, user: Mapping[str, Any] | None, epoch: int
    ) -> Caller:
        if user is None:
            # The token outlived its user (deleted since): as Kuzzle, the token is invalid.
            raise KuzzleError("security.token.invalid")
        security = self._security
        jwt = request.input.jwt
        connection = request.connection
        # Only persistent connections are linked to tokens (TokenExpired goes to them)
        # and remembered: an HTTP connection carries one request.
        remember = connection.protocol == "websocket"
        valid_until = 0.0
        if jwt:
            if jwt not in security.registry:
                remember = False  # a single-use token, consumed by this request
            else:
                # The connection is linked to the token only once its user is known (§8.5).
                if remember:
                    security.registry.link(jwt, connection.id)
                end_ms = security.registry.honoured_until(jwt)
                valid_until = 0.0 if end_ms is None else end_ms / 1000
        caller = Caller(
            jwt, epoch, valid_until, kuid, security.profile_set(user), security.rate_limit(user)
        )
        if remember:
            self._callers[connection.id] = caller
        return caller

    def _authorize(self, request: Request, caller: Caller) -> None:
        security = self._security
        kuid = caller.kuid
        controller = request.input.controller or ""
        action = request.input.action or ""
        args = request.input.args
        index = args.get("index")
        collection = args.get("collection")
        if not security.rights.allowed(
            caller.profiles,
            controller,
            action,
            index if isinstance(index, str) else None,
            collection if isinstance(collection, str) else None,
        ):
            if kuid == ANONYMOUS_KUID:
                raise KuzzleError("security.rights.unauthorized", controller, action)
            raise KuzzleError("security.rights.forbidden", controller, action, kuid)
        if controller == "auth" and action == "logout" and kuid != ANONYMOUS_KUID:
            return  # a logged-in user may always log out
        if controller == "auth" and action == "login":
            return  # logins have their own limit, per connection (limits.loginsPerSecond)
        if not security.requests.allow(kuid, caller.rate_limit):
            raise KuzzleError("api.process.too_many_requests")
