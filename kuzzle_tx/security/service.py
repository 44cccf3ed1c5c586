# -*- test-case-name: tests.security.test_security_service -*-
"""
Security, assembled: the store, the token authority and registry, password
hashing, role and profile definitions with their rights cache, and the rate
limiters. The gate (every request) and the ``auth`` / ``security`` controllers
share one `Security`; `kuzzle_tx.service.KuzzleService` owns it.

Everything a request needs on the hot path (token check, the user's profiles,
the rights decision) is answered from memory once a user has been seen.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs
from twisted.internet.defer import Deferred, ensureDeferred, succeed
from twisted.python.threadpool import ThreadPool

from kuzzle_tx.config import LimitsConfig, SecurityConfig
from kuzzle_tx.errors import KuzzleError
from kuzzle_tx.interfaces import IStorage

from .api_keys import ApiKey, ApiKeys
from .definitions import FIRST_RUN_PROFILES, FIRST_RUN_ROLES
from .local_strategy import LocalStrategy
from .passwords import PasswordHasher
from .rate_limits import PerSecondLimiter
from .rights import Profile, RightsCache, Role, user_rate_limit
from .store import SecurityStore
from .token_registry import TokenRegistry, verify_token
from .tokens import APIKEY_PREFIX, IssuedToken, TokenAuthority, check_ttl, new_secret

ANONYMOUS_KUID = "-1"
ANONYMOUS_USER: Mapping[str, Any] = {"profileIds": ["anonymous"], "name": "Anonymous"}

# Called with the connection ids that used a token that just expired.
TokenExpiredListener = Callable[[list[str]], None]


class Security:
    def __init__(
        self,
        storage: IStorage,
        reactor: Any,
        config: SecurityConfig,
        limits: LimitsConfig,
        on_token_expired: TokenExpiredListener,
        passwords: Any = None,
    ) -> None:
        self.config = config
        self.limits = limits
        # Bumped whenever a token, a user, a role or a profile changes: what the gate
        # remembers about a connection's caller holds only while this stays the same.
        self.epoch = 0
        self.store = SecurityStore(storage, on_user_change=self._changed)
        self.clock = reactor
        self._on_token_expired = on_token_expired
        self.registry = TokenRegistry(
            reactor, config.grace_period, self._expired, on_change=self._changed
        )
        self.authority: TokenAuthority | None = None
        self.api_keys = ApiKeys(self.store, self.registry, reactor)
        # Threads are made on first use: argon2 needs 64 MiB each, two at most.
        self._pool = ThreadPool(0, 2, name="kuzzle-passwords")
        # ``passwords``: anything with PasswordHasher's methods (tests hash inline).
        self.passwords = passwords or PasswordHasher(reactor, self._pool)
        self.local = LocalStrategy(self.store, self.passwords)
        self.roles: dict[str, Role] = {}
        self.profiles: dict[str, Profile] = {}
        self.rights = RightsCache(self.profiles, self.roles)
        self._profile_sets: dict[tuple[Any, ...], frozenset[str]] = {}
        self._rate_limits: dict[frozenset[str], int] = {}
        self.logins = PerSecondLimiter(reactor)
        self.requests = PerSecondLimiter(reactor)
        self.ready = False
        self.broken: KuzzleError | None = None
        self._started: Deferred[None] | None = None
        self._waiting: list[Deferred[None]] = []

    # -- lifecycle --

    def start(self) -> Deferred[None]:
        """Load (or, on first start, create) the security data; requests wait for it."""
        if not self._pool.started:
            self._pool.start()
        self._started = ensureDeferred(self._start())
        self._started.addErrback(self._failed_to_start)
        return self._started

    def _failed_to_start(self, failure: Any) -> Any:
        # Requests waiting for security must not hang: they fail, and so will later ones.
        self.broken = KuzzleError("core.fatal.service_unavailable", "security")
        waiting, self._waiting = self._waiting, []
        for waiter in waiting:
            waiter.errback(self.broken)
        return failure

    async def _start(self) -> None:
        first_start = await self.store.start()
        if first_start:
            for role_id, body in FIRST_RUN_ROLES.items():
                await self.store.put_role(role_id, dict(body))
            for profile_id, body in FIRST_RUN_PROFILES.items():
                await self.store.put_profile(profile_id, dict(body))
        self.reload_definitions()
        secret = self.config.secret
        key = secret.encode() if secret else await self.store.secret(new_secret)
        self.authority = TokenAuthority(key, self.clock, self.config.algorithm)
        saved = await self.store.tokens()
        self.registry.restore(
            (IssuedToken(**token) for token in saved if isinstance(token, dict)),
            self.authority,
        )
        self.api_keys.load(await self.store.api_keys())
        self.ready = True
        waiting, self._waiting = self._waiting, []
        for waiter in waiting:
            waiter.callback(None)

    def when_ready(self) -> Deferred[None]:
        waiter: Deferred[None] = Deferred()
        if self.broken is not None:
            waiter.errback(self.broken)
        elif self.ready:
            waiter.callback(None)
        else:
            self._waiting.append(waiter)
        return waiter

    def stop(self) -> Deferred[None]:
        """Stop the timers and the password threads; live tokens are saved for the next start."""
        self.registry.stop()
        if self._pool.started:
            self._pool.stop()
        if not self.ready:
            return succeed(None)
        tokens = [attrs.asdict(token) for token in self.registry.entries()]
        return ensureDeferred(self.store.save_tokens(tokens))

    def reload_definitions(self) -> None:
        """Rebuild roles and profiles from the store's bodies (after any change)."""
        self.roles.clear()
        self.roles.update(
            {
                role_id: Role.from_kuzzle(role_id, body.get("controllers") or {})
                for role_id, body in self.store.roles.items()
            }
        )
        self.profiles.clear()
        self.profiles.update(
            {
                profile_id: Profile.from_kuzzle(profile_id, body)
                for profile_id, body in self.store.profiles.items()
            }
        )
        self.rights.clear()
        self._rate_limits.clear()
        self._changed()

    def _changed(self) -> None:
        self.epoch += 1

    # -- tokens --

    def authenticate(self, jwt: str | None, connection_id: str | None) -> str:
        """
        The kuid a request runs as; raises security.token.* for a bad token. A
        single-use token is consumed.
        """
        if not jwt:
            return ANONYMOUS_KUID
        token = self.verify(jwt)
        if token.single_use:
            self.registry.revoke(jwt)
        elif connection_id is not None:
            self.registry.link(jwt, connection_id)
        return token.kuid

    def verify(self, jwt: str) -> IssuedToken:
        """A token the server honours (login token or API key), or Kuzzle's error."""
        token = self.registry.honoured(jwt)
        if token is not None:
            return token
        assert self.authority is not None
        if jwt.startswith(APIKEY_PREFIX):
            return self.api_keys.verify(jwt, self.authority)
        return verify_token(self.authority, self.registry, jwt)

    def issue_token(
        self, kuid: str, expires_in: int | None | bool, single_use: bool = False
    ) -> IssuedToken:
        """A new token for ``kuid``; ``expires_in`` False means the configured default."""
        assert self.authority is not None
        ttl = self.config.expires_in if expires_in is False else expires_in
        check_ttl(ttl, self.config.max_ttl)
        token = self.authority.issue(kuid, ttl)
        if single_use:
            token = attrs.evolve(token, single_use=True)
        self.registry.add(token)
        return token

    async def create_api_key(
        self,
        kuid: str,
        description: str,
        expires_in: int | None,
        key_id: str | None,
        bypass_max_ttl: bool,
    ) -> tuple[ApiKey, IssuedToken]:
        """A new API key; ``security.apiKey.maxTTL`` applies unless ``bypass_max_ttl``."""
        assert self.authority is not None
        if not bypass_max_ttl:
            check_ttl(expires_in, self.config.api_key_max_ttl)
        return await self.api_keys.create(self.authority, kuid, description, expires_in, key_id)

    def _expired(self, jwt: str, connection_ids: list[str]) -> None:
        if connection_ids:
            self._on_token_expired(connection_ids)

    def forget_connection(self, connection_id: str) -> None:
        self.registry.unlink_connection(connection_id)

    # -- users and rights --

    async def user(self, kuid: str) -> Mapping[str, Any] | None:
        if kuid == ANONYMOUS_KUID:
            return ANONYMOUS_USER
        return await self.store.user(kuid)

    def cached_user(self, kuid: str) -> Mapping[str, Any] | None | bool:
        """Like `user` from memory only: False when the user is not cached."""
        if kuid == ANONYMOUS_KUID:
            return ANONYMOUS_USER
        return self.store.cached_user(kuid)

    def user_profiles(self, user: Mapping[str, Any]) -> list[Profile]:
        return [self.profiles[p] for p in profile_ids(user) if p in self.profiles]

    def allowed(
        self,
        user: Mapping[str, Any],
        controller: str,
        action: str,
        index: str | None,
        collection: str | None,
    ) -> bool:
        return self.rights.allowed(self.profile_set(user), controller, action, index, collection)

    def rate_limited(self, kuid: str, user: Mapping[str, Any]) -> bool:
        """Count one request of this user; True when its profiles' rateLimit is exceeded."""
        return not self.requests.allow(kuid, self.rate_limit(user))

    def rate_limit(self, user: Mapping[str, Any]) -> int:
        """The requests per second a user may send (its profiles' rateLimit; 0: no limit)."""
        profiles = self.profile_set(user)
        limit = self._rate_limits.get(profiles)
        if limit is None:
            limit = self._rate_limits[profiles] = user_rate_limit(self.user_profiles(user))
        return limit

    def profile_set(self, user: Mapping[str, Any]) -> frozenset[str]:
        # Every request needs its user's profile ids as a set: built once per distinct list.
        ids = user.get("profileIds")
        key = tuple(ids) if isinstance(ids, list) else ()
        found = self._profile_sets.get(key)
        if found is None:
            if len(self._profile_sets) >= 10_000:
                self._profile_sets.clear()
            found = self._profile_sets[key] = frozenset(p for p in key if isinstance(p, str))
        return found

    def login_limited(self, connection_id: str) -> bool:
        return not self.logins.allow(connection_id, self.limits.logins_per_second)

    async def admin_exists(self) -> bool:
        return bool(await self.store.users_with_profile("admin"))


def profile_ids(user: Mapping[str, Any]) -> Iterable[str]:
    ids = user.get("profileIds")
    if isinstance(ids, list):
        return [p for p in ids if isinstance(p, str)]
    return ()


def require_user(kuid: str) -> None:
    """Refuse anonymous callers of actions that need a logged-in user (401)."""
    if kuid == ANONYMOUS_KUID:
        raise KuzzleError("security.rights.unauthorized", "auth", "logout")
