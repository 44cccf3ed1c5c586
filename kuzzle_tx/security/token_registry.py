# -*- test-case-name: tests.security.test_token_registry -*-
"""
The server side of authentication tokens: which issued tokens are still good.

A JWT proves who signed it, not whether its user logged out, had it revoked or
refreshed it. Kuzzle keeps every token in a cache and refuses the ones that are
gone (kuzzle-api.md §8.2); `TokenRegistry` is that cache, in memory, on an
injected clock, together with Kuzzle's ``tokenManager``: the connections that use
each token, told (through ``on_expired``) when it expires (§5.5).

Each token with an end has one ``callLater`` at that end. The reactor keeps its
timers in a heap (O(log n) to add; a cancelled call is dropped once cancelled
calls are half the heap), the timing is exact, and a token that leaves early
(logout, refresh) just cancels its call. A timer wheel would only pay off with
far more live tokens than a node serves.

Life of a token:

- ``add``: live until ``expires_at`` (never, for an infinite token).
- ``refresh``: the old token stays valid ``grace_period_ms`` (never past its own
  end), then is invalid; its connections move to the new token at once; a token
  is refreshed only once.
- at ``expires_at``: its connections are reported to ``on_expired`` and the
  token lingers (at most one second, until its JWT ``exp`` has passed) only to
  answer ``security.token.expired`` rather than ``invalid``.
- ``revoke`` / ``revoke_user``: gone at once, with no ``on_expired``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import attrs
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.logger import Logger

from kuzzle_tx.errors import KuzzleError
from kuzzle_tx.security.tokens import IssuedToken, TokenAuthority, jwt_exp, now_ms

log = Logger()

OnExpired = Callable[[str, list[str]], None]

_LIVE, _REFRESHED, _EXPIRED = "live", "refreshed", "expired"


@attrs.define(eq=False)
class _Entry:
    token: IssuedToken
    connections: set[str] = attrs.Factory(set)
    state: str = _LIVE
    # When a refreshed token stops being valid (ms), and the token that replaced it.
    grace_end: int = -1
    successor: str | None = None
    timer: IDelayedCall | None = None


class TokenRegistry:
    """
    Tokens the server issued and still honours, and the connections using them.

    ``on_expired(jwt, connection_ids)`` is called when a token leaves on a timer:
    at its expiry, or at the end of the grace period of a refreshed token (whose
    connections have normally moved to the new token, so the list is then
    usually empty). The caller sends ``TokenExpired`` to those connections and
    drops their subscriptions.
    """

    def __init__(
        self,
        clock: IReactorTime,
        grace_period_ms: int,
        on_expired: OnExpired,
        on_change: Callable[[], None] = lambda: None,
    ) -> None:
        if grace_period_ms < 0:
            raise ValueError("the refresh grace period cannot be negative")
        self._clock = clock
        self._grace = grace_period_ms
        self._on_expired = on_expired
        # Called when a token stops being honoured, or will stop sooner (refreshed):
        # whoever remembers an answer of `honoured` forgets it.
        self._on_change = on_change
        self._tokens: dict[str, _Entry] = {}
        self._by_user: dict[str, set[str]] = {}
        # A connection uses one token at a time (Kuzzle's tokenManager does the same).
        self._by_connection: dict[str, str] = {}
        self._stopped = False

    def __len__(self) -> int:
        return len(self._tokens)

    def __contains__(self, jwt: object) -> bool:
        return jwt in self._tokens

    # -- tokens --

    def add(self, token: IssuedToken) -> None:
        """Remember a token just issued (login, createToken)."""
        if token.jwt in self._tokens:
            raise ValueError("token already registered")
        entry = _Entry(token)
        self._tokens[token.jwt] = entry
        self._by_user.setdefault(token.kuid, set()).add(token.jwt)
        if not token.infinite:
            self._arm(token.jwt, entry, token.expires_at)

    def lookup(self, jwt: str) -> IssuedToken:
        """
        The token, if the server still honours it.

        ``security.token.invalid`` if it was never issued, was revoked, or was
        refreshed and its grace period is over; ``security.token.expired`` once
        its ``expires_at`` is reached. Check the signature first
        (`TokenAuthority.decode`, or `verify_token` for both).
        """
        entry = self._tokens.get(jwt)
        if entry is None:
            raise KuzzleError("security.token.invalid")
        now = now_ms(self._clock)
        if entry.state == _EXPIRED or (not entry.token.infinite and now >= entry.token.expires_at):
            raise KuzzleError("security.token.expired")
        if entry.state == _REFRESHED and now >= entry.grace_end:
            raise KuzzleError("security.token.invalid")
        return entry.token

    def honoured(self, jwt: str) -> IssuedToken | None:
        """
        The token when the server honours it right now, else None: the per-request
        fast path. The registry only holds tokens this server issued (or restored after
        checking their signature), so a live entry needs no signature check.
        """
        entry = self._tokens.get(jwt)
        if entry is None:
            return None
        token = entry.token
        state = entry.state
        if state == _EXPIRED:
            return None
        if not token.infinite or state == _REFRESHED:
            now = now_ms(self._clock)
            if not token.infinite and now >= token.expires_at:
                return None
            if state == _REFRESHED and now >= entry.grace_end:
                return None
        return token

    def honoured_until(self, jwt: str) -> int | None:
        """
        When (ms) a token `honoured` accepts now stops being honoured, unless it is
        revoked or refreshed before; None for a token without end.
        """
        entry = self._tokens[jwt]
        end = None if entry.token.infinite else entry.token.expires_at
        if entry.state == _REFRESHED:
            end = entry.grace_end if end is None else min(end, entry.grace_end)
        return end

    def check(self, jwt: str) -> str:
        """The kuid of a token the server still honours (errors as `lookup`)."""
        return self.lookup(jwt).kuid

    def refresh(self, old_jwt: str, new_token: IssuedToken) -> None:
        """
        Replace ``old_jwt`` by ``new_token`` (which this registers).

        The old token stays valid for the grace period, then is invalid; a second
        refresh of it is ``security.token.invalid``. An infinite token cannot be
        refreshed (``security.token.refresh_forbidden``). Its connections move to
        the new token.
        """
        old = self._tokens.get(old_jwt)
        if old is None or old.state == _REFRESHED:
            raise KuzzleError("security.token.invalid")
        self.lookup(old_jwt)  # expired?
        if old.token.api_key:
            raise KuzzleError("security.token.refresh_forbidden", "API key")
        if old.token.infinite:
            raise KuzzleError("security.token.refresh_forbidden", "Token with infinite TTL")
        if new_token.jwt in self._tokens:
            raise ValueError("token already registered")
        self.add(new_token)
        new = self._tokens[new_token.jwt]
        for connection_id in old.connections:
            self._by_connection[connection_id] = new_token.jwt
        new.connections |= old.connections
        old.connections.clear()
        old.state = _REFRESHED
        old.successor = new_token.jwt
        old.grace_end = now_ms(self._clock) + self._grace
        self._arm(old_jwt, old, min(old.grace_end, old.token.expires_at))
        self._on_change()

    def revoke(self, jwt: str) -> list[str]:
        """
        Forget a token now (logout); its connections are not told.

        Returns the ids of the connections that were using it (Kuzzle's logout
        drops their subscriptions). Unknown tokens are ignored.
        """
        return self._remove(jwt)

    def revoke_user(self, kuid: str, *, keep_api_keys: bool) -> list[str]:
        """
        Forget every token of a user: but its API keys' with ``keep_api_keys``
        (security:revokeTokens, logout global), all of them when the user goes.
        """
        connections: list[str] = []
        for jwt in sorted(self._by_user.get(kuid, ())):
            if keep_api_keys and self._tokens[jwt].token.api_key:
                continue
            connections.extend(self._remove(jwt))
        return connections

    # -- connections --

    def link(self, jwt: str, connection_id: str) -> bool:
        """
        Note that a connection used this token (it gets ``on_expired`` at its end).

        A connection uses one token at a time: linking moves it off its previous
        one. A request carrying a token refreshed moments ago links the connection
        to the token that replaced it, so that the late request does not pull it
        back onto a token about to end. False if the token is not honoured.
        """
        entry = self._tokens.get(jwt)
        if entry is not None and entry.state == _REFRESHED and entry.successor is not None:
            successor = self._tokens.get(entry.successor)
            if successor is not None and successor.state == _LIVE:
                jwt, entry = entry.successor, successor
        if entry is None or entry.state == _EXPIRED:
            return False
        current = self._by_connection.get(connection_id)
        if current == jwt:
            return True
        if current is not None:
            self.unlink(current, connection_id)
        entry.connections.add(connection_id)
        self._by_connection[connection_id] = jwt
        return True

    def unlink(self, jwt: str, connection_id: str) -> None:
        """The connection stops using this token (logout on that connection)."""
        if self._by_connection.get(connection_id) != jwt:
            return
        del self._by_connection[connection_id]
        entry = self._tokens.get(jwt)
        if entry is not None:
            entry.connections.discard(connection_id)

    def unlink_connection(self, connection_id: str) -> None:
        """The connection closed."""
        jwt = self._by_connection.get(connection_id)
        if jwt is not None:
            self.unlink(jwt, connection_id)

    def token_of(self, connection_id: str) -> IssuedToken | None:
        """The token a connection last used, if still registered."""
        jwt = self._by_connection.get(connection_id)
        entry = self._tokens.get(jwt) if jwt is not None else None
        return entry.token if entry is not None else None

    # -- persistence and lifecycle --

    def entries(self) -> list[IssuedToken]:
        """
        The tokens to persist: live ones only, and no API key's (its key is stored).

        A refreshed token is left out (restoring it would make it refreshable and
        valid again past its grace period); so is one that has expired.
        """
        return [
            entry.token
            for entry in self._tokens.values()
            if entry.state == _LIVE and not entry.token.api_key
        ]

    def restore(
        self, tokens: Iterable[IssuedToken], authority: TokenAuthority | None = None
    ) -> int:
        """
        Register persisted tokens again, skipping expired and known ones; how many.

        With ``authority``, tokens it does not accept (signed with a former secret)
        are skipped too, so that a secret change leaves no dead token in memory.
        """
        now = now_ms(self._clock)
        restored = 0
        for token in tokens:
            if token.jwt in self._tokens or (not token.infinite and now >= token.expires_at):
                continue
            if authority is not None:
                try:
                    authority.decode(token.jwt)
                except KuzzleError:
                    continue
            self.add(token)
            restored += 1
        return restored

    def stop(self) -> None:
        """Cancel every timer; tokens stay readable (and persistable); no new timer starts."""
        self._stopped = True
        for entry in self._tokens.values():
            self._disarm(entry)

    # -- internals --

    def _arm(self, jwt: str, entry: _Entry, deadline_ms: int) -> None:
        self._disarm(entry)
        if self._stopped:
            return
        delay = max(0.0, deadline_ms / 1000 - self._clock.seconds())
        entry.timer = self._clock.callLater(delay, self._deadline, jwt)

    @staticmethod
    def _disarm(entry: _Entry) -> None:
        if entry.timer is not None:
            if entry.timer.active():
                entry.timer.cancel()
            entry.timer = None

    def _deadline(self, jwt: str) -> None:
        entry = self._tokens.get(jwt)
        if entry is None:  # pragma: no cover - removal always cancels the timer
            return
        entry.timer = None
        if entry.state == _EXPIRED:
            self._remove(jwt)
            return
        expired = entry.state == _LIVE or entry.grace_end >= entry.token.expires_at
        connections = sorted(entry.connections)
        if expired and jwt_exp(entry.token.expires_at) * 1000 > now_ms(self._clock):
            # Linger until the JWT's own exp, answering "expired" rather than "invalid".
            for connection_id in connections:
                self.unlink(jwt, connection_id)
            entry.state = _EXPIRED
            self._arm(jwt, entry, jwt_exp(entry.token.expires_at) * 1000)
            self._on_change()
        else:
            self._remove(jwt)
        try:
            self._on_expired(jwt, connections)
        except Exception:
            log.failure("Token expiry handler failed")

    def _remove(self, jwt: str) -> list[str]:
        entry = self._tokens.pop(jwt, None)
        if entry is None:
            return []
        self._disarm(entry)
        jwts = self._by_user.get(entry.token.kuid)
        if jwts is not None:
            jwts.discard(jwt)
            if not jwts:
                del self._by_user[entry.token.kuid]
        connections = sorted(entry.connections)
        for connection_id in connections:
            if self._by_connection.get(connection_id) == jwt:
                del self._by_connection[connection_id]
        entry.connections.clear()
        self._on_change()
        return connections


def verify_token(authority: TokenAuthority, registry: TokenRegistry, jwt: str) -> IssuedToken:
    """
    A token both correctly signed and still honoured, or the error Kuzzle answers.

    Forged, malformed, logged out, revoked, refreshed past its grace period:
    ``security.token.invalid``; past its end: ``security.token.expired``.
    """
    token = registry.honoured(jwt)
    if token is not None:
        return token
    # Not honoured: tell a forged or malformed token, an expired one and a revoked one apart.
    authority.decode(jwt)
    return registry.lookup(jwt)
