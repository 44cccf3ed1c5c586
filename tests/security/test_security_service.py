"""
`kuzzle_tx.security.service.Security` on a `task.Clock` and a `MemoryStorage`: first
start (kuzzle-api.md §8.3), tokens (§8.2), rights reloads (§8.4), rate limits (§8.6).
"""

from __future__ import annotations

import copy
from collections.abc import Coroutine
from typing import Any

from twisted.internet.defer import Deferred
from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from kuzzle_tx.errors import KuzzleError
from kuzzle_tx.security.definitions import (
    FIRST_RUN_PROFILES,
    FIRST_RUN_ROLES,
    STANDARD_PROFILES,
    STANDARD_ROLES,
)
from kuzzle_tx.security.service import ANONYMOUS_KUID, ANONYMOUS_USER, Security
from kuzzle_tx.security.tokens import TokenAuthority
from kuzzle_tx.storage.memory import MemoryStorage
from kuzzle_tx.testing import memory_config
from tests.security.support import new_security

START = 1_700_000_000  # a whole second
NOW_MS = START * 1000


class SecurityTestCase(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(START)
        self.storage = MemoryStorage()
        self.expired: list[list[str]] = []

    def make(self, **config: Any) -> Security:
        """A Security (not started) on this test's storage and clock, stopped at cleanup."""
        security = new_security(
            self.storage, self.clock, memory_config(**config), self.expired.append
        )
        self.addCleanup(security.stop)
        return security

    def started(self, **config: Any) -> Security:
        security = self.make(**config)
        self.assertIsNone(self.successResultOf(security.start()))
        return security

    def run_(self, coroutine: Coroutine[Any, Any, Any]) -> Any:
        return self.successResultOf(Deferred.fromCoroutine(coroutine))

    def refused(self, error_id: str, call: Any, *args: Any) -> KuzzleError:
        error = self.assertRaises(KuzzleError, call, *args)
        self.assertEqual(error.id, error_id)
        return error

    def restrict(self, security: Security) -> None:
        """Apply Kuzzle's standard (restricted) roles and profiles, as restrictDefaultRights."""
        for role_id, body in STANDARD_ROLES.items():
            self.run_(security.store.put_role(role_id, copy.deepcopy(dict(body))))
        for profile_id, body in STANDARD_PROFILES.items():
            self.run_(security.store.put_profile(profile_id, copy.deepcopy(dict(body))))
        security.reload_definitions()


class FirstStartTests(SecurityTestCase):
    def test_first_start_creates_default_roles_and_profiles(self) -> None:
        """admin, default and anonymous roles and profiles exist, stored, after a first start."""
        security = self.started()
        self.assertEqual(security.store.roles, FIRST_RUN_ROLES)
        self.assertEqual(security.store.profiles, FIRST_RUN_PROFILES)
        self.assertEqual(sorted(security.roles), ["admin", "anonymous", "default"])
        self.assertEqual(sorted(security.profiles), ["admin", "anonymous", "default"])
        self.assertEqual([p.id for p in security.user_profiles(ANONYMOUS_USER)], ["anonymous"])

    def test_everyone_has_full_rights_on_first_start(self) -> None:
        """Anonymous, default and admin users may run anything, anywhere."""
        security = self.started()
        for profile in ("anonymous", "default", "admin"):
            user = {"profileIds": [profile]}
            for controller, action, index, collection in (
                ("document", "create", "shop", "orders"),
                ("security", "createUser", None, None),
                ("index", "delete", "any", None),
            ):
                self.assertTrue(
                    security.allowed(user, controller, action, index, collection),
                    (profile, controller, action),
                )

    def test_restart_keeps_changed_definitions(self) -> None:
        """A second start reads the stored definitions and does not recreate the defaults."""
        first = self.started()
        self.restrict(first)
        self.successResultOf(first.stop())
        second = self.started()
        self.assertEqual(second.store.roles["anonymous"], STANDARD_ROLES["anonymous"])
        self.assertFalse(second.allowed(ANONYMOUS_USER, "document", "create", "i", "c"))

    def test_first_start_definitions_are_independent(self) -> None:
        """The three first-start roles share no mutable state with each other or the defaults."""
        security = self.started()
        roles = security.store.roles
        self.assertIsNot(roles["admin"]["controllers"], roles["anonymous"]["controllers"])
        self.assertIsNot(roles["admin"]["controllers"], FIRST_RUN_ROLES["admin"]["controllers"])

    def test_when_ready(self) -> None:
        """when_ready fires once started; called before start it waits, after it fires at once."""
        security = self.make()
        early = security.when_ready()
        self.assertNoResult(early)
        self.assertFalse(security.ready)
        self.successResultOf(security.start())
        self.assertTrue(security.ready)
        self.assertIsNone(self.successResultOf(early))
        self.assertIsNone(self.successResultOf(security.when_ready()))

    def test_admin_exists(self) -> None:
        """admin_exists is true once some user has the admin profile, among others or not."""
        security = self.started()
        self.assertFalse(self.run_(security.admin_exists()))
        self.run_(security.store.put_user("u", {"profileIds": ["default"]}, create=True))
        self.assertFalse(self.run_(security.admin_exists()))
        self.run_(security.store.put_user("a", {"profileIds": ["default", "admin"]}, create=True))
        self.assertTrue(self.run_(security.admin_exists()))

    def test_stop_before_start(self) -> None:
        """Stopping a Security that never started succeeds."""
        security = self.make()
        self.assertIsNone(self.successResultOf(security.stop()))


class AuthenticateTests(SecurityTestCase):
    def test_no_token_is_anonymous(self) -> None:
        """No token (None or empty) runs as the anonymous user, kuid "-1"."""
        security = self.started()
        self.assertEqual(security.authenticate(None, None), ANONYMOUS_KUID)
        self.assertEqual(security.authenticate("", "ws-1"), "-1")
        self.assertEqual(self.run_(security.user("-1")), ANONYMOUS_USER)
        self.assertEqual(security.cached_user("-1"), ANONYMOUS_USER)

    def test_issued_token(self) -> None:
        """A token the server issued authenticates as its kuid."""
        security = self.started()
        token = security.issue_token("alice", False)
        self.assertEqual(security.authenticate(token.jwt, None), "alice")
        self.assertEqual(security.authenticate(token.jwt, "ws-1"), "alice")

    def test_bad_tokens(self) -> None:
        """Garbage, forged or never-registered tokens are security.token.invalid."""
        security = self.started()
        self.refused("security.token.invalid", security.authenticate, "garbage", None)
        forged = TokenAuthority(b"x" * 32, self.clock).issue("alice", 60_000)
        self.refused("security.token.invalid", security.authenticate, forged.jwt, None)
        assert security.authority is not None
        unregistered = security.authority.issue("alice", 60_000)
        self.refused("security.token.invalid", security.authenticate, unregistered.jwt, None)

    def test_revoked_token(self) -> None:
        """A revoked (logged out) token is security.token.invalid."""
        security = self.started()
        token = security.issue_token("alice", False)
        security.registry.revoke(token.jwt)
        self.refused("security.token.invalid", security.authenticate, token.jwt, None)

    def test_expired_token(self) -> None:
        """Once its ttl has passed on the clock, a token is security.token.expired."""
        security = self.started()
        token = security.issue_token("alice", 10_000)
        self.clock.advance(9.999)
        self.assertEqual(security.authenticate(token.jwt, None), "alice")
        self.clock.advance(0.001)
        error = self.refused("security.token.expired", security.authenticate, token.jwt, None)
        self.assertEqual(error.status, 401)
        self.clock.advance(3600)
        self.refused("security.token.expired", security.authenticate, token.jwt, None)

    def test_token_survives_restart_with_persisted_secret(self) -> None:
        """The generated secret is persisted: a new Security on the storage accepts old tokens."""
        first = self.started()
        token = first.issue_token("alice", False)
        self.successResultOf(first.stop())
        second = self.started()
        self.assertEqual(second.authenticate(token.jwt, None), "alice")

    def test_configured_secret(self) -> None:
        """With security.jwt.secret, tokens are signed with it (and no secret is generated)."""
        secret = "configured-secret-of-32-bytes..."
        security = self.started(security={"jwt": {"secret": secret}})
        token = security.issue_token("alice", False)
        self.assertEqual(
            TokenAuthority(secret.encode(), self.clock).decode(token.jwt).kuid, "alice"
        )
        self.assertEqual(
            self.successResultOf(self.storage.get("%kuzzle", "config", ["jwt-secret"])), [None]
        )


class IssueTokenTests(SecurityTestCase):
    def test_default_ttl(self) -> None:
        """expires_in False uses security.jwt.expiresIn (1h by default)."""
        token = self.started().issue_token("alice", False)
        self.assertEqual((token.kuid, token.ttl), ("alice", 3_600_000))
        self.assertEqual(token.expires_at, NOW_MS + 3_600_000)
        self.assertTrue(token.jwt.startswith("kauth-"))

    def test_configured_default_ttl(self) -> None:
        """The default ttl follows the configuration."""
        token = self.started(security={"jwt": {"expiresIn": "2m"}}).issue_token("a", False)
        self.assertEqual((token.ttl, token.expires_at), (120_000, NOW_MS + 120_000))

    def test_explicit_ttl(self) -> None:
        """An explicit ttl (ms) is used as is."""
        token = self.started().issue_token("alice", 5000)
        self.assertEqual((token.ttl, token.expires_at), (5000, NOW_MS + 5000))

    def test_infinite_ttl(self) -> None:
        """None gives a token that never expires: ttl and expiresAt -1."""
        security = self.started()
        token = security.issue_token("alice", None)
        self.assertEqual((token.ttl, token.expires_at), (-1, -1))
        self.clock.advance(10 * 365 * 86400)
        self.assertEqual(security.authenticate(token.jwt, None), "alice")

    def test_max_ttl(self) -> None:
        """With security.jwt.maxTTL, longer and infinite tokens are security.token.ttl_exceeded."""
        security = self.started(security={"jwt": {"maxTTL": 60_000}})
        self.assertEqual(security.issue_token("alice", 60_000).ttl, 60_000)
        for ttl in (60_001, None, False):  # False: the default 1h is above the maximum
            error = self.refused("security.token.ttl_exceeded", security.issue_token, "a", ttl)
            self.assertEqual(error.status, 400)
        self.assertEqual(len(security.registry), 1)


class TokenExpiryTests(SecurityTestCase):
    def test_expiry_reports_linked_connections(self) -> None:
        """At expiry, the listener gets the connections that used the token, once."""
        security = self.started()
        token = security.issue_token("alice", 1000)
        security.authenticate(token.jwt, "ws-2")
        security.authenticate(token.jwt, "ws-1")
        security.authenticate(token.jwt, "ws-1")
        self.clock.advance(0.999)
        self.assertEqual(self.expired, [])
        self.clock.advance(0.001)
        self.assertEqual(self.expired, [["ws-1", "ws-2"]])
        self.clock.advance(10)
        self.assertEqual(self.expired, [["ws-1", "ws-2"]])

    def test_unlinked_token_expires_silently(self) -> None:
        """A token used without a connection id (HTTP) expires without calling the listener."""
        security = self.started()
        token = security.issue_token("alice", 1000)
        security.authenticate(token.jwt, None)
        self.clock.advance(2)
        self.assertEqual(self.expired, [])

    def test_forgotten_connection_is_not_reported(self) -> None:
        """A connection that closed (forget_connection) is not reported at expiry."""
        security = self.started()
        token = security.issue_token("alice", 1000)
        security.authenticate(token.jwt, "ws-1")
        security.authenticate(token.jwt, "ws-2")
        security.forget_connection("ws-1")
        self.clock.advance(1)
        self.assertEqual(self.expired, [["ws-2"]])

    def test_stop_cancels_expiry_timers(self) -> None:
        """After stop, no timer is left on the clock."""
        security = self.started()
        security.issue_token("alice", 1000)
        self.assertTrue(self.clock.getDelayedCalls())
        self.successResultOf(security.stop())
        self.assertEqual(self.clock.getDelayedCalls(), [])


class DefinitionsTests(SecurityTestCase):
    def test_reload_changes_decisions(self) -> None:
        """A role changed in the store takes effect at reload_definitions (cached decisions go)."""
        security = self.started()
        self.assertTrue(security.allowed(ANONYMOUS_USER, "document", "create", "i", "c"))
        self.run_(
            security.store.put_role("anonymous", copy.deepcopy(dict(STANDARD_ROLES["anonymous"])))
        )
        # Until reloaded, the decision in memory stands.
        self.assertTrue(security.allowed(ANONYMOUS_USER, "document", "create", "i", "c"))
        security.reload_definitions()
        self.assertFalse(security.allowed(ANONYMOUS_USER, "document", "create", "i", "c"))
        self.assertTrue(security.allowed(ANONYMOUS_USER, "auth", "login", None, None))
        self.assertTrue(security.allowed(ANONYMOUS_USER, "server", "openapi", None, None))
        self.assertTrue(
            security.allowed({"profileIds": ["default"]}, "document", "create", "i", "c")
        )

    def test_removed_profile_grants_nothing(self) -> None:
        """A user whose profiles no longer exist is allowed nothing after a reload."""
        security = self.started()
        user = {"profileIds": ["custom"]}
        self.run_(security.store.put_profile("custom", {"policies": [{"roleId": "admin"}]}))
        security.reload_definitions()
        self.assertTrue(security.allowed(user, "document", "create", "i", "c"))
        self.run_(security.store.delete_profile("custom"))
        security.reload_definitions()
        self.assertFalse(security.allowed(user, "document", "create", "i", "c"))
        self.assertEqual(security.user_profiles(user), [])

    def test_restricted_policy(self) -> None:
        """A policy restricted to an index applies there only (and to requests without index)."""
        security = self.started()
        self.run_(
            security.store.put_profile(
                "shop",
                {"policies": [{"roleId": "admin", "restrictedTo": [{"index": "shop"}]}]},
            )
        )
        security.reload_definitions()
        user = {"profileIds": ["shop"]}
        self.assertTrue(security.allowed(user, "document", "create", "shop", "orders"))
        self.assertFalse(security.allowed(user, "document", "create", "other", "orders"))
        self.assertTrue(security.allowed(user, "server", "now", None, None))


class RateLimitTests(SecurityTestCase):
    def set_profile(self, security: Security, profile_id: str, rate_limit: int) -> None:
        body = {"policies": [{"roleId": profile_id}], "rateLimit": rate_limit}
        self.run_(security.store.put_profile(profile_id, body))
        security.reload_definitions()

    def test_first_start_profiles_are_unlimited(self) -> None:
        """First-start profiles carry no rateLimit: nobody is ever limited."""
        security = self.started()
        for _ in range(1000):
            self.assertFalse(security.rate_limited("-1", ANONYMOUS_USER))
            self.assertFalse(security.rate_limited("alice", {"profileIds": ["default"]}))

    def test_user_limit_per_second(self) -> None:
        """Beyond its profile's rateLimit within a second a user is limited; next second, not."""
        security = self.started()
        self.set_profile(security, "default", 2)
        user = {"profileIds": ["default"]}
        self.assertEqual(
            [security.rate_limited("alice", user) for _ in range(3)], [False, False, True]
        )
        self.assertFalse(security.rate_limited("bob", user))  # each user counts apart
        self.clock.advance(1)
        self.assertFalse(security.rate_limited("alice", user))

    def test_anonymous_callers_share_one_counter(self) -> None:
        """All anonymous callers count against the anonymous profile's one budget."""
        security = self.started()
        self.set_profile(security, "anonymous", 2)
        self.assertFalse(security.rate_limited(ANONYMOUS_KUID, ANONYMOUS_USER))
        self.assertFalse(security.rate_limited(ANONYMOUS_KUID, dict(ANONYMOUS_USER)))
        self.assertTrue(security.rate_limited(ANONYMOUS_KUID, ANONYMOUS_USER))

    def test_highest_limit_and_zero_wins(self) -> None:
        """A user gets its profiles' highest rateLimit; one unlimited (0) profile lifts it."""
        security = self.started()
        self.set_profile(security, "default", 1)
        self.set_profile(security, "anonymous", 3)
        both = {"profileIds": ["default", "anonymous"]}
        self.assertEqual(
            [security.rate_limited("u", both) for _ in range(4)], [False, False, False, True]
        )
        self.set_profile(security, "admin", 0)
        unlimited = {"profileIds": ["default", "admin"]}
        self.assertFalse(any(security.rate_limited("v", unlimited) for _ in range(100)))

    def test_standard_profiles(self) -> None:
        """With the standard profiles, default users get 10 requests/s, admins no limit."""
        security = self.started()
        self.restrict(security)
        default = {"profileIds": ["default"]}
        self.assertEqual(sum(security.rate_limited("u", default) for _ in range(11)), 1)
        admin = {"profileIds": ["admin"]}
        self.assertFalse(any(security.rate_limited("a", admin) for _ in range(100)))

    def test_logins_per_connection(self) -> None:
        """limits.loginsPerSecond (1) counts logins per connection id and per second."""
        security = self.started()
        self.assertFalse(security.login_limited("c1"))
        self.assertTrue(security.login_limited("c1"))
        self.assertFalse(security.login_limited("c2"))
        self.clock.advance(1)
        self.assertFalse(security.login_limited("c1"))

    def test_logins_configured(self) -> None:
        """loginsPerSecond follows the configuration; 0 means unlimited."""
        three = self.started(limits={"loginsPerSecond": 3})
        self.assertEqual([three.login_limited("c") for _ in range(4)], [False] * 3 + [True])
        unlimited = self.started(limits={"loginsPerSecond": 0})
        self.assertFalse(any(unlimited.login_limited("c") for _ in range(100)))
