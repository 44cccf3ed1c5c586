# -*- test-case-name: tests.security.test_gate -*-
"""
The security gate of the funnel (`kuzzle_tx.interfaces.IGate`), in Kuzzle's
order (kuzzle-api.md §8.5): token → user → rights → rate limit, before the
controller lookup.

It answers synchronously when the user is in memory (the common case), so a
request pays a dict lookup or two; a user seen for the first time is read from
the store. Until security has loaded, requests wait.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from twisted.internet.defer import Deferred, ensureDeferred
from zope.interface import implementer

from kuzzle_tx.api.request import Request
from kuzzle_tx.errors import KuzzleError
from kuzzle_tx.interfaces import IGate

from .service import ANONYMOUS_KUID, Security


@implementer(IGate)
class SecurityGate:
    def __init__(self, security: Security) -> None:
        self._security = security

    def admit(self, request: Request) -> Deferred[None] | None:
        security = self._security
        if not security.ready:
            return security.when_ready().addCallback(lambda _: self.admit(request))
        # The connection is linked to the token only once its user is known (§8.5).
        kuid = security.authenticate(request.input.jwt, None)
        request.user_id = kuid
        user = security.cached_user(kuid)
        if user is False:
            return ensureDeferred(self._admit_loaded(request, kuid))
        self._check(request, kuid, user)  # type: ignore[arg-type]
        return None

    async def _admit_loaded(self, request: Request, kuid: str) -> None:
        user = await self._security.user(kuid)
        self._check(request, kuid, user)

    def _check(self, request: Request, kuid: str, user: Mapping[str, Any] | None) -> None:
        if user is None:
            # The token outlived its user (deleted since): as Kuzzle, the token is invalid.
            raise KuzzleError("security.token.invalid")
        jwt = request.input.jwt
        connection_id = _persistent_id(request)
        if jwt and connection_id is not None:
            self._security.registry.link(jwt, connection_id)
        controller = request.input.controller or ""
        action = request.input.action or ""
        args = request.input.args
        index = args.get("index")
        collection = args.get("collection")
        if not self._security.allowed(
            user,
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
        if self._security.rate_limited(kuid, user):
            raise KuzzleError("api.process.too_many_requests")


def _persistent_id(request: Request) -> str | None:
    # Only persistent connections are linked to tokens (TokenExpired goes to them).
    connection = request.connection
    return connection.id if connection.protocol == "websocket" else None
