# -*- test-case-name: tests.api.test_auth_controller,tests.network.test_http_cookies -*-
"""
The ``auth`` controller (kuzzle-api.md §8.1): logging in and out, the caller's
tokens, user, rights and credentials.

The security gate has run before any action: ``request.user_id`` is the caller
(``"-1"`` for anonymous) and ``request.input.jwt``, when given, is a token the
server honours. The actions follow Kuzzle's ``authController.ts``; the ``local``
strategy is the only one.

With cookie authentication (kuzzle-api.md §8.7), login and logout set or clear the
``authToken`` cookie (`kuzzle_tx.network.cookies`).

Nothing an action returns or logs holds a password or a password hash.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from kuzzle_tx.api.controller import Controller
from kuzzle_tx.api.controllers import args
from kuzzle_tx.api.controllers.api_keys import create_api_key, delete_api_key, search_api_keys
from kuzzle_tx.api.request import Request
from kuzzle_tx.config import LimitsConfig
from kuzzle_tx.errors import KuzzleError
from kuzzle_tx.interfaces import IStorage
from kuzzle_tx.network.cookies import CLEARED_COOKIE, auth_cookie, cookie_token
from kuzzle_tx.security.rights import rights_listing
from kuzzle_tx.security.service import ANONYMOUS_KUID, ANONYMOUS_USER, Security
from kuzzle_tx.security.tokens import IssuedToken, check_ttl, parse_expires_in

STRATEGIES = ("local",)

# Called with the connections that used tokens just revoked (logout): Kuzzle drops
# their subscriptions, without telling them.
RevokedListener = Callable[[list[str]], None]

_TOO_MANY_LOGINS = "api.process.too_many_logins_requests"


class AuthController(Controller):
    name = "auth"
    ACTIONS = (
        "login",
        "logout",
        "checkToken",
        "refreshToken",
        "getCurrentUser",
        "getMyRights",
        "updateSelf",
        "getStrategies",
        "checkRights",
        "createMyCredentials",
        "updateMyCredentials",
        "validateMyCredentials",
        "deleteMyCredentials",
        "getMyCredentials",
        "credentialsExist",
        "createToken",
        "createApiKey",
        "searchApiKeys",
        "deleteApiKey",
    )

    def __init__(
        self,
        security: Security,
        cookie_authentication: bool = True,
        on_revoked: RevokedListener | None = None,
        storage: IStorage | None = None,
        limits: LimitsConfig | None = None,
    ) -> None:
        self._security = security
        self._cookies = cookie_authentication
        self._on_revoked = on_revoked
        # For searchApiKeys.
        self._storage = storage
        self._limits = limits or LimitsConfig()

    # -- tokens ------------------------------------------------------------------------

    async def login(self, request: Request) -> dict[str, Any]:
        security = self._security
        connection = request.connection
        cookie = self._cookie_mode(request)
        if security.login_limited(connection.id):
            raise _too_many_logins()
        _strategy(request)
        kuid = await security.local.authenticate(_login_credentials(request))
        if await security.user(kuid) is None:
            # Credentials left behind by a deleted user log nobody in.
            raise KuzzleError("plugin.strategy.missing_user", "wrong username or password")
        expires_in = _requested_ttl(request)
        persistent = connection.protocol == "websocket"
        current = security.registry.token_of(connection.id) if persistent else None
        if current is not None and current.kuid == kuid and current.infinite:
            # Kuzzle hands back the same never-expiring token rather than a second one.
            return self._send_token(request, current, cookie)
        token = security.issue_token(kuid, expires_in)
        if persistent:
            # Linked, the connection hears TokenExpired at the token's end.
            security.registry.link(token.jwt, connection.id)
        return self._send_token(request, token, cookie)

    def logout(self, request: Request) -> dict[str, Any]:
        security = self._security
        cookie = self._cookie_mode(request)
        kuid = request.user_id
        if not cookie:
            self._require_user(request)
        jwt = request.input.jwt
        connection = request.connection
        if jwt and connection.protocol == "websocket":
            security.registry.unlink(jwt, connection.id)
        if kuid == ANONYMOUS_KUID and cookie:
            # The cookie was not verified (COOKIE_UNVERIFIED_ACTIONS): still, a logout
            # should end the token it carries, when that token is good.
            jwt = _cookie_of(request)
            kuid = self._token_owner(jwt)
        if kuid != ANONYMOUS_KUID:
            if request.boolean_arg("global"):
                revoked = security.registry.revoke_user(kuid, keep_api_keys=True)
            else:
                revoked = security.registry.revoke(jwt) if jwt else []
            if revoked and self._on_revoked is not None:
                self._on_revoked(revoked)
        if cookie:
            request.response_headers["Set-Cookie"] = CLEARED_COOKIE
        return {"acknowledged": True}

    def checkToken(self, request: Request) -> dict[str, Any]:  # noqa: N802
        if self._cookie_mode(request):
            token = request.input.jwt or _cookie_of(request)
        else:
            body = request.input.body
            token = body.get("token") if isinstance(body, dict) else None
            if token is not None and not isinstance(token, str):
                raise KuzzleError("api.assert.invalid_type", "body.token", "string")
        if not token:
            return {"valid": True, "kuid": ANONYMOUS_KUID, "expiresAt": None}
        try:
            verified = self._security.verify(token)
        except KuzzleError as error:
            if error.status == 401:
                return {"valid": False, "state": error.message}
            raise
        return {"valid": True, "kuid": verified.kuid, "expiresAt": verified.expires_at}

    def refreshToken(self, request: Request) -> dict[str, Any]:  # noqa: N802
        security = self._security
        cookie = self._cookie_mode(request)
        kuid = self._require_user(request)
        old = request.input.jwt
        if not old:  # pragma: no cover - the gate makes every non-anonymous caller carry one
            raise KuzzleError("security.token.invalid")
        expires_in = _requested_ttl(request)
        ttl = security.config.expires_in if expires_in is False else expires_in
        check_ttl(ttl, security.config.max_ttl)
        assert security.authority is not None
        token = security.authority.issue(kuid, ttl)
        # Refused for a token refreshed already or that never expires; the connections
        # using the old token move to the new one.
        security.registry.refresh(old, token)
        return self._send_token(request, token, cookie)

    def createToken(self, request: Request) -> dict[str, Any]:  # noqa: N802
        """A token for the caller, which may be single-use; never an infinite one."""
        single_use = request.boolean_arg("singleUse")
        if str(request.input.args.get("expiresIn")) == "-1":
            raise KuzzleError(
                "security.token.invalid_expiration",
                "expiresIn",
                "cannot be infinite",
                message="Invalid token expiration: expiresIn cannot be infinite",
            )
        expires_in = _requested_ttl(request)
        token = self._security.issue_token(request.user_id, expires_in, single_use)
        return {
            "expiresAt": token.expires_at,
            "singleUse": token.single_use,
            "token": token.jwt,
            "ttl": token.ttl,
        }

    async def createApiKey(self, request: Request) -> dict[str, Any]:  # noqa: N802
        kuid = self._require_user(request)
        return await create_api_key(self._security, request, kuid, bypass_max_ttl=False)

    async def searchApiKeys(self, request: Request) -> dict[str, Any]:  # noqa: N802
        kuid = self._require_user(request)
        assert self._storage is not None, "AuthController needs the storage for searchApiKeys"
        return await search_api_keys(self._storage, self._limits, request, kuid)

    async def deleteApiKey(self, request: Request) -> dict[str, str]:  # noqa: N802
        kuid = self._require_user(request)
        revoked = await delete_api_key(self._security, request, kuid)
        if revoked and self._on_revoked is not None:
            self._on_revoked(revoked)
        return {"_id": args.document_id(request)}

    def _send_token(self, request: Request, token: IssuedToken, cookie: bool) -> dict[str, Any]:
        result = token.as_result()
        if cookie:
            del result["jwt"]
            request.response_headers["Set-Cookie"] = auth_cookie(token)
        return result

    def _cookie_mode(self, request: Request) -> bool:
        """
        Whether the token travels as a cookie: the ``cookieAuth`` flag, over HTTP
        (a WebSocket cannot set cookies; its clients never ask). The flag with
        cookie authentication disabled is refused, whatever the protocol.
        """
        if not request.boolean_arg("cookieAuth"):
            return False
        if not self._cookies:
            raise KuzzleError("security.cookie.unsupported")
        return request.connection.protocol == "http"

    def _token_owner(self, jwt: str | None) -> str:
        if not jwt:
            return ANONYMOUS_KUID
        try:
            return self._security.verify(jwt).kuid
        except KuzzleError:
            return ANONYMOUS_KUID

    # -- the caller --------------------------------------------------------------------

    async def getCurrentUser(self, request: Request) -> dict[str, Any]:  # noqa: N802
        kuid = request.user_id
        if kuid == ANONYMOUS_KUID:
            return {"_id": ANONYMOUS_KUID, "_source": dict(ANONYMOUS_USER), "strategies": []}
        user = await self._user(kuid)
        strategies = ["local"] if await self._security.local.exists(kuid) else []
        return {"_id": kuid, "_source": dict(user), "strategies": strategies}

    async def getMyRights(self, request: Request) -> dict[str, Any]:  # noqa: N802
        security = self._security
        user = await self._user(request.user_id)
        hits = rights_listing(security.user_profiles(user), security.roles)
        return {"hits": hits, "total": len(hits)}

    async def updateSelf(self, request: Request) -> dict[str, Any]:  # noqa: N802
        kuid = self._require_user(request)
        body = request.input.body
        if isinstance(body, dict):
            for name in ("_id", "profileIds"):
                if name in body:
                    raise KuzzleError("api.assert.forbidden_argument", f"body.{name}")
        changes = _object_body(request)
        content = _merged(dict(await self._user(kuid)), changes)
        await self._security.store.put_user(kuid, content, create=False)
        return {"_id": kuid, "_source": content}

    def getStrategies(self, request: Request) -> list[str]:  # noqa: N802
        return list(STRATEGIES)

    async def checkRights(self, request: Request) -> dict[str, bool]:  # noqa: N802
        payload = _object_body(request)
        controller = payload.get("controller")
        if not isinstance(controller, str):
            raise KuzzleError("api.assert.missing_argument", "body.controller")
        action = payload.get("action")
        if not isinstance(action, str):
            raise KuzzleError("api.assert.missing_argument", "body.action")
        index = payload.get("index")
        collection = payload.get("collection")
        user = await self._user(request.user_id)
        allowed = self._security.allowed(
            user,
            controller,
            action,
            index if isinstance(index, str) else None,
            collection if isinstance(collection, str) else None,
        )
        return {"allowed": allowed}

    async def _user(self, kuid: str) -> Mapping[str, Any]:
        user = await self._security.user(kuid)
        if user is None:  # pragma: no cover - the gate refuses tokens of deleted users
            raise KuzzleError("security.token.invalid")
        return user

    def _require_user(self, request: Request) -> str:
        """The caller's kuid; anonymous callers are refused (401)."""
        if request.user_id == ANONYMOUS_KUID:
            raise KuzzleError(
                "security.rights.unauthorized", request.input.controller, request.input.action
            )
        return request.user_id

    # -- the caller's credentials ------------------------------------------------------

    async def createMyCredentials(self, request: Request) -> dict[str, str]:  # noqa: N802
        kuid = self._credentials_owner(request)
        return await self._security.local.create(kuid, _object_body(request))

    async def updateMyCredentials(self, request: Request) -> dict[str, str]:  # noqa: N802
        kuid = self._credentials_owner(request)
        return await self._security.local.update(kuid, _object_body(request))

    async def validateMyCredentials(self, request: Request) -> bool:  # noqa: N802
        kuid = self._credentials_owner(request)
        credentials = _object_body(request)
        if not await self._security.local.verify(kuid, credentials):
            raise KuzzleError(
                "security.credentials.rejected",
                f'Login "{credentials["username"]}" is already used.',
            )
        return True

    async def deleteMyCredentials(self, request: Request) -> dict[str, bool]:  # noqa: N802
        kuid = self._credentials_owner(request)
        if not await self._security.local.delete(kuid):
            raise _no_credentials()
        return {"acknowledged": True}

    async def getMyCredentials(self, request: Request) -> dict[str, str]:  # noqa: N802
        kuid = self._credentials_owner(request)
        credentials = await self._security.local.get(kuid)
        if credentials is None:
            raise _no_credentials()
        return credentials

    async def credentialsExist(self, request: Request) -> bool:  # noqa: N802
        kuid = self._credentials_owner(request)
        return await self._security.local.exists(kuid)

    def _credentials_owner(self, request: Request) -> str:
        kuid = self._require_user(request)
        _strategy(request)
        return kuid


# -- arguments ---------------------------------------------------------------------------


def _strategy(request: Request) -> str:
    strategy = request.string_arg("strategy")
    if not strategy:
        raise KuzzleError("api.assert.missing_argument", "strategy")
    if strategy not in STRATEGIES:
        raise KuzzleError("security.credentials.unknown_strategy", strategy)
    return strategy


def _login_credentials(request: Request) -> dict[str, Any]:
    """``{username, password}`` from the body, else from the query string (passport-local)."""
    body = request.input.body
    body = body if isinstance(body, dict) else {}
    args = request.input.args
    return {name: body.get(name) or args.get(name) for name in ("username", "password")}


def _requested_ttl(request: Request) -> int | None | bool:
    """``expiresIn`` in ms (None: never expires); False, as Kuzzle, when absent or falsy."""
    value = request.input.args.get("expiresIn")
    if value is None or value is False or value == "" or value == 0:
        return False
    return parse_expires_in(value)


def _object_body(request: Request) -> dict[str, Any]:
    body = request.input.body
    if body is None:
        raise KuzzleError("api.assert.body_required")
    if not isinstance(body, dict):
        raise KuzzleError("api.assert.invalid_type", "body", "object")
    return body


def _merged(content: dict[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """A partial update, as Elasticsearch merges one: objects merge, anything else replaces."""
    for key, value in changes.items():
        current = content.get(key)
        if isinstance(value, dict) and isinstance(current, dict):
            content[key] = _merged(dict(current), value)
        else:
            content[key] = value
    return content


def _no_credentials() -> KuzzleError:
    return KuzzleError("security.credentials.rejected", "A strategy does not exist for this user.")


def _cookie_of(request: Request) -> str | None:
    """The token of the request's ``authToken`` cookie, for the unverified cookie actions."""
    header = request.connection.headers.get("cookie")
    return cookie_token(header) if header else None


# -- errors ------------------------------------------------------------------------------


def _too_many_logins() -> KuzzleError:
    return KuzzleError(_TOO_MANY_LOGINS)
