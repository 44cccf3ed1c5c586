"""The server-side token store (`kuzzle_tx.security.token_registry`), on a task.Clock."""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from kuzzle_tx.errors import KuzzleError
from kuzzle_tx.security.token_registry import TokenRegistry, verify_token
from kuzzle_tx.security.tokens import IssuedToken, TokenAuthority

START = 1_700_000_000.0  # a whole second: ttl multiples of 1000 end on a second
GRACE = 1000


class RegistryTestCase(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(START)
        self.expired: list[tuple[str, list[str]]] = []
        self.registry = TokenRegistry(
            self.clock, GRACE, lambda jwt, connections: self.expired.append((jwt, connections))
        )
        self.authority = TokenAuthority(b"k" * 32, self.clock)

    def issue(self, kuid: str = "alice", ttl: int | None = 10_000) -> IssuedToken:
        token = self.authority.issue(kuid, ttl)
        self.registry.add(token)
        return token

    def assertRefused(self, jwt: str, error_id: str) -> None:
        error = self.assertRaises(KuzzleError, self.registry.check, jwt)
        self.assertEqual(error.id, error_id)

    def assertVerifyRefused(self, jwt: str, error_id: str) -> None:
        error = self.assertRaises(KuzzleError, verify_token, self.authority, self.registry, jwt)
        self.assertEqual(error.id, error_id)

    def advance_ms(self, ms: int) -> None:
        self.clock.advance(ms / 1000)

    def assertEmpty(self) -> None:
        """Nothing left anywhere: no token, no index entry, no timer."""
        self.assertEqual(len(self.registry), 0)
        self.assertEqual(self.registry._tokens, {})
        self.assertEqual(self.registry._by_user, {})
        self.assertEqual(self.registry._by_connection, {})
        self.assertEqual(self.clock.getDelayedCalls(), [])


class LookupTests(RegistryTestCase):
    def test_check_returns_kuid(self) -> None:
        """A registered token answers its kuid; lookup answers the token."""
        token = self.issue()
        self.assertEqual(self.registry.check(token.jwt), "alice")
        self.assertEqual(self.registry.lookup(token.jwt), token)
        self.assertEqual(verify_token(self.authority, self.registry, token.jwt), token)

    def test_unknown_token(self) -> None:
        """A correctly signed token the registry never saw is invalid."""
        token = self.authority.issue("alice", 10_000)
        self.assertRefused(token.jwt, "security.token.invalid")
        self.assertVerifyRefused(token.jwt, "security.token.invalid")

    def test_forged_token(self) -> None:
        """
        A token this server did not issue is refused, well-formed or not; one it issued
        is honoured from the registry without a second signature check (the registry
        only ever holds issued tokens, or restored ones whose signature was checked).
        """
        self.assertVerifyRefused("kauth-a.b.c", "security.token.invalid")
        foreign = TokenAuthority(b"x" * 32, self.clock).issue("alice", 10_000)
        self.assertVerifyRefused(foreign.jwt, "security.token.invalid")
        mine = self.issue()
        self.assertEqual(verify_token(self.authority, self.registry, mine.jwt), mine)

    def test_duplicate_add(self) -> None:
        """Adding a token twice is a programming error."""
        token = self.issue()
        self.assertRaises(ValueError, self.registry.add, token)

    def test_negative_grace(self) -> None:
        self.assertRaises(ValueError, TokenRegistry, self.clock, -1, lambda jwt, c: None)


class ExpiryTests(RegistryTestCase):
    def test_expiry_calls_on_expired_once(self) -> None:
        """At expires_at, on_expired gets the token and its linked connections, once."""
        token = self.issue(ttl=5000)
        self.registry.link(token.jwt, "c2")
        self.registry.link(token.jwt, "c1")
        self.advance_ms(4999)
        self.assertEqual(self.registry.check(token.jwt), "alice")
        self.assertEqual(self.expired, [])
        self.advance_ms(1)
        self.assertEqual(self.expired, [(token.jwt, ["c1", "c2"])])
        # Gone from the registry; its JWT's exp (the same second) answers "expired".
        self.assertRefused(token.jwt, "security.token.invalid")
        self.assertVerifyRefused(token.jwt, "security.token.expired")
        self.clock.advance(3600)
        self.assertEqual(len(self.expired), 1)
        self.assertVerifyRefused(token.jwt, "security.token.expired")
        self.assertEmpty()

    def test_expired_before_the_timer_runs(self) -> None:
        """At expires_at the token is refused even if its timer has not run yet."""
        token = self.issue(ttl=5000)
        self.clock.rightNow += 5.0  # time moves, the reactor has not run the timer
        self.assertRefused(token.jwt, "security.token.expired")
        self.assertEqual(self.expired, [])

    def test_unaligned_expiry_says_expired(self) -> None:
        """
        A token ending inside a second is "expired", never "invalid": the registry
        answers until the JWT's own exp is reached, then the signature check does.
        """
        self.clock.advance(0.3)
        token = self.issue(ttl=1500)  # ends at .800, exp at the next whole second
        self.advance_ms(1500)
        self.assertEqual(self.expired, [(token.jwt, [])])
        self.assertVerifyRefused(token.jwt, "security.token.expired")
        self.assertEqual(self.registry.link(token.jwt, "c1"), False)
        self.advance_ms(199)
        self.assertVerifyRefused(token.jwt, "security.token.expired")
        self.advance_ms(1)
        self.assertVerifyRefused(token.jwt, "security.token.expired")
        self.advance_ms(1)  # past float noise: the lingering entry is purged
        self.assertEmpty()
        self.assertEqual(len(self.expired), 1)

    def test_infinite_tokens_have_no_timer(self) -> None:
        """A token with no end schedules nothing and stays valid."""
        token = self.issue(ttl=None)
        self.registry.link(token.jwt, "c1")
        self.assertEqual(self.clock.getDelayedCalls(), [])
        self.clock.advance(10 * 365 * 86400)
        self.assertEqual(self.registry.check(token.jwt), "alice")
        self.assertEqual(self.expired, [])

    def test_failing_handler_is_logged(self) -> None:
        """An on_expired that raises is logged; the token is gone all the same."""

        def explode(jwt: str, connections: list[str]) -> None:
            raise RuntimeError("boom")

        registry = TokenRegistry(self.clock, GRACE, explode)
        token = self.authority.issue("alice", 1000)
        registry.add(token)
        registry.link(token.jwt, "c1")
        self.clock.advance(1)
        self.assertEqual(len(self.flushLoggedErrors(RuntimeError)), 1)
        self.assertEqual(len(registry), 0)
        self.assertEqual(registry._by_connection, {})

    def test_handler_may_reenter(self) -> None:
        """on_expired may call back into the registry (e.g. to unlink a connection)."""
        calls: list[str] = []

        def handler(jwt: str, connections: list[str]) -> None:
            for connection_id in connections:
                registry.unlink_connection(connection_id)
                calls.append(connection_id)

        registry = TokenRegistry(self.clock, GRACE, handler)
        token = self.authority.issue("alice", 1000)
        registry.add(token)
        registry.link(token.jwt, "c1")
        self.clock.advance(1)
        self.assertEqual(calls, ["c1"])
        self.assertEqual(len(registry), 0)


class RevokeTests(RegistryTestCase):
    def test_revoke(self) -> None:
        """Logout: invalid at once, timer cancelled, connections forgotten without on_expired."""
        token = self.issue()
        self.registry.link(token.jwt, "c1")
        self.assertEqual(self.registry.revoke(token.jwt), ["c1"])
        self.assertRefused(token.jwt, "security.token.invalid")
        self.assertVerifyRefused(token.jwt, "security.token.invalid")
        self.assertEmpty()
        self.clock.advance(3600)
        self.assertEqual(self.expired, [])
        self.assertEqual(self.registry.revoke(token.jwt), [])

    def test_revoke_user(self) -> None:
        """All the tokens of one user go; other users keep theirs."""
        a1, a2, b = self.issue("alice"), self.issue("alice", None), self.issue("bob")
        self.registry.link(a1.jwt, "c1")
        self.registry.link(a2.jwt, "c2")
        self.registry.link(b.jwt, "c3")
        self.assertEqual(
            sorted(self.registry.revoke_user("alice", keep_api_keys=True)), ["c1", "c2"]
        )
        for jwt in (a1.jwt, a2.jwt):
            self.assertRefused(jwt, "security.token.invalid")
        self.assertEqual(self.registry.check(b.jwt), "bob")
        self.assertEqual(len(self.clock.getDelayedCalls()), 1)
        self.assertEqual(self.registry.revoke_user("alice", keep_api_keys=True), [])
        self.assertEqual(self.registry.revoke_user("nobody", keep_api_keys=True), [])
        self.clock.advance(3600)
        self.assertEqual(self.expired, [(b.jwt, ["c3"])])


class RefreshTests(RegistryTestCase):
    def test_grace_period(self) -> None:
        """The old token is valid at grace - 1 ms and invalid at grace; the new one is valid."""
        old = self.issue()
        new = self.authority.issue("alice", 10_000)
        self.registry.refresh(old.jwt, new)
        self.assertEqual(self.registry.check(new.jwt), "alice")
        self.advance_ms(GRACE - 1)
        self.assertEqual(self.registry.check(old.jwt), "alice")
        self.assertEqual(verify_token(self.authority, self.registry, old.jwt), old)
        self.advance_ms(1)
        self.assertRefused(old.jwt, "security.token.invalid")
        self.assertVerifyRefused(old.jwt, "security.token.invalid")
        self.assertEqual(self.registry.check(new.jwt), "alice")
        self.assertEqual(self.expired, [(old.jwt, [])])
        self.assertEqual([t.jwt for t in self.registry.entries()], [new.jwt])

    def test_refresh_once(self) -> None:
        """A token is refreshed once: the second refresh, even in the grace period, is invalid."""
        old = self.issue()
        self.registry.refresh(old.jwt, self.authority.issue("alice", 10_000))
        second = self.authority.issue("alice", 10_000)
        error = self.assertRaises(KuzzleError, self.registry.refresh, old.jwt, second)
        self.assertEqual(error.id, "security.token.invalid")
        self.assertRefused(second.jwt, "security.token.invalid")

    def test_refresh_unknown_or_expired(self) -> None:
        """Refreshing an unknown token is invalid; an expired one, expired."""
        stranger = self.authority.issue("alice", 10_000)
        error = self.assertRaises(
            KuzzleError, self.registry.refresh, stranger.jwt, self.authority.issue("a", 1000)
        )
        self.assertEqual(error.id, "security.token.invalid")
        old = self.issue(ttl=1000)
        self.clock.rightNow += 1.0
        error = self.assertRaises(
            KuzzleError, self.registry.refresh, old.jwt, self.authority.issue("alice", 1000)
        )
        self.assertEqual(error.id, "security.token.expired")

    def test_infinite_cannot_be_refreshed(self) -> None:
        """An infinite token: refresh_forbidden (401), and nothing changes."""
        old = self.issue(ttl=None)
        new = self.authority.issue("alice", 10_000)
        error = self.assertRaises(KuzzleError, self.registry.refresh, old.jwt, new)
        self.assertEqual(
            (error.id, error.code, error.status),
            ("security.token.refresh_forbidden", 117506056, 401),
        )
        self.assertEqual(error.props, ["Token with infinite TTL"])
        self.assertRefused(new.jwt, "security.token.invalid")
        self.assertEqual(self.registry.check(old.jwt), "alice")

    def test_connections_follow_the_new_token(self) -> None:
        """Connections move to the new token, and expire with it rather than the old one."""
        old = self.issue(ttl=5000)
        self.registry.link(old.jwt, "c1")
        new = self.authority.issue("alice", 20_000)
        self.registry.refresh(old.jwt, new)
        self.assertEqual(self.registry.token_of("c1"), new)
        # A late request still carrying the old token does not pull c1 back onto it.
        self.assertTrue(self.registry.link(old.jwt, "c1"))
        self.assertTrue(self.registry.link(old.jwt, "c2"))
        self.assertEqual(self.registry.token_of("c2"), new)
        self.clock.advance(5)
        self.assertEqual(self.expired, [(old.jwt, [])])
        self.clock.advance(15)
        self.assertEqual(self.expired[1], (new.jwt, ["c1", "c2"]))

    def test_grace_longer_than_life(self) -> None:
        """A token ending within the grace period ends as expired, at its own end."""
        old = self.issue(ttl=500)
        self.registry.refresh(old.jwt, self.authority.issue("alice", 10_000))
        self.advance_ms(499)
        self.assertEqual(self.registry.check(old.jwt), "alice")
        self.advance_ms(1)
        self.assertRefused(old.jwt, "security.token.expired")

    def test_zero_grace(self) -> None:
        """With no grace period the old token is invalid at once."""
        registry = TokenRegistry(self.clock, 0, lambda jwt, c: None)
        old = self.authority.issue("alice", 10_000)
        registry.add(old)
        registry.refresh(old.jwt, self.authority.issue("alice", 10_000))
        error = self.assertRaises(KuzzleError, registry.check, old.jwt)
        self.assertEqual(error.id, "security.token.invalid")
        self.clock.advance(0)
        self.assertEqual(len(registry), 1)

    def test_logout_during_grace(self) -> None:
        """Revoking the old token during its grace period leaves the new one alone."""
        old = self.issue()
        new = self.authority.issue("alice", 10_000)
        self.registry.refresh(old.jwt, new)
        self.registry.revoke(old.jwt)
        self.assertRefused(old.jwt, "security.token.invalid")
        self.assertEqual(self.registry.check(new.jwt), "alice")

    def test_successor_gone(self) -> None:
        """If the new token was revoked, a late old-token request links to the old one."""
        old = self.issue()
        new = self.authority.issue("alice", 10_000)
        self.registry.refresh(old.jwt, new)
        self.registry.revoke(new.jwt)
        self.assertTrue(self.registry.link(old.jwt, "c1"))
        self.advance_ms(GRACE)
        self.assertEqual(self.expired, [(old.jwt, ["c1"])])
        self.assertEmpty()


class LinkTests(RegistryTestCase):
    def test_one_token_per_connection(self) -> None:
        """Linking a connection to another token moves it off the previous one."""
        first, second = self.issue(ttl=1000), self.issue(ttl=2000)
        self.assertTrue(self.registry.link(first.jwt, "c1"))
        self.assertTrue(self.registry.link(first.jwt, "c1"))
        self.assertTrue(self.registry.link(second.jwt, "c1"))
        self.assertEqual(self.registry.token_of("c1"), second)
        self.clock.advance(2)
        self.assertEqual(self.expired, [(first.jwt, []), (second.jwt, ["c1"])])

    def test_unlink(self) -> None:
        """An unlinked or closed connection is not reported at expiry."""
        token = self.issue(ttl=1000)
        for connection_id in ("c1", "c2", "c3"):
            self.registry.link(token.jwt, connection_id)
        self.registry.unlink(token.jwt, "c1")
        self.registry.unlink("kauth-other", "c2")  # not its token: no effect
        self.registry.unlink_connection("c3")
        self.registry.unlink_connection("unknown")
        self.assertIsNone(self.registry.token_of("c3"))
        self.clock.advance(1)
        self.assertEqual(self.expired, [(token.jwt, ["c2"])])

    def test_link_unknown(self) -> None:
        """Linking a token the registry does not hold does nothing."""
        self.assertFalse(self.registry.link("kauth-x", "c1"))
        self.assertIsNone(self.registry.token_of("c1"))
        self.assertEmpty()


class PersistenceTests(RegistryTestCase):
    def test_entries_and_restore(self) -> None:
        """
        entries() lists live tokens; restore() skips the expired and known ones and
        re-arms their timers.
        """
        short, long, forever = self.issue(ttl=1000), self.issue(ttl=60_000), self.issue(ttl=None)
        refreshed = self.issue(ttl=60_000)
        replacement = self.authority.issue("alice", 60_000)
        self.registry.refresh(refreshed.jwt, replacement)
        saved = self.registry.entries()
        self.assertEqual(
            {t.jwt for t in saved}, {short.jwt, long.jwt, forever.jwt, replacement.jwt}
        )
        self.registry.stop()
        self.assertEqual(self.clock.getDelayedCalls(), [])

        self.clock.advance(2)
        restored = TokenRegistry(self.clock, GRACE, lambda jwt, c: self.expired.append((jwt, c)))
        self.assertEqual(restored.restore(saved), 3)
        self.assertEqual(restored.restore(saved), 0)
        self.assertRaises(KuzzleError, restored.check, short.jwt)
        self.assertRaises(KuzzleError, restored.check, refreshed.jwt)
        self.assertEqual(restored.check(forever.jwt), "alice")
        self.assertEqual(len(self.clock.getDelayedCalls()), 2)
        self.clock.advance(58)
        self.assertEqual(
            sorted(jwt for jwt, _ in self.expired), sorted([long.jwt, replacement.jwt])
        )
        self.assertEqual(len(restored), 1)
        restored.stop()

    def test_restore_after_secret_change(self) -> None:
        """Given the authority, restore drops tokens signed with a former secret."""
        kept, infinite = self.issue(ttl=60_000), self.issue(ttl=None)
        saved = self.registry.entries()
        rotated = TokenAuthority(b"n" * 32, self.clock)
        fresh = TokenRegistry(self.clock, GRACE, lambda jwt, c: None)
        self.assertEqual(fresh.restore(saved, rotated), 0)
        self.assertEqual(len(fresh), 0)
        self.assertEqual(fresh.restore(saved, self.authority), 2)
        self.assertEqual({fresh.check(kept.jwt), fresh.check(infinite.jwt)}, {"alice"})
        fresh.stop()
        self.registry.stop()

    def test_stopped_registry_still_answers(self) -> None:
        """After stop() no timer runs, but expiry is still enforced by the clock."""
        token = self.issue(ttl=1000)
        self.registry.stop()
        self.assertEqual(self.clock.getDelayedCalls(), [])
        late = self.issue(ttl=1000)
        self.assertEqual(self.clock.getDelayedCalls(), [])
        self.clock.advance(1)
        self.assertRefused(token.jwt, "security.token.expired")
        self.assertRefused(late.jwt, "security.token.expired")
        self.assertEqual(self.expired, [])


class MemoryTests(RegistryTestCase):
    def test_no_leak_after_expiry(self) -> None:
        """Thousands of tokens, linked and refreshed, leave nothing once they expire."""
        for n in range(1000):
            token = self.issue(f"user{n % 50}", ttl=1000 + (n * 7) % 5000)
            self.registry.link(token.jwt, f"c{n}")
            if n % 3 == 0:
                self.registry.refresh(token.jwt, self.authority.issue(token.kuid, 3000))
            if n % 5 == 0:
                self.registry.link(token.jwt, f"c{n}-late")
            if n % 10 == 0:
                self.advance_ms(1)
        self.clock.advance(60)
        self.assertEmpty()
        self.assertEqual(len({jwt for jwt, _ in self.expired}), len(self.expired))

    def test_no_leak_after_revocation(self) -> None:
        """Revoked tokens, one by one or per user, leave nothing and cancel their timers."""
        tokens = [self.issue(f"user{n % 10}") for n in range(500)]
        for n, token in enumerate(tokens):
            self.registry.link(token.jwt, f"c{n}")
        for token in tokens[:250]:
            self.registry.revoke(token.jwt)
        for n in range(10):
            self.registry.revoke_user(f"user{n}", keep_api_keys=True)
        self.assertEmpty()
        self.clock.advance(3600)
        self.assertEqual(self.expired, [])

    def test_closed_connections_leave(self) -> None:
        """Connections that close are forgotten while their token lives on."""
        token = self.issue(ttl=None)
        for n in range(1000):
            self.registry.link(token.jwt, f"c{n}")
            self.registry.unlink_connection(f"c{n}")
        self.assertEqual(self.registry._by_connection, {})
        self.assertEqual(self.registry._tokens[token.jwt].connections, set())
