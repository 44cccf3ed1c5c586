"""
API keys in `kuzzle_tx.security.api_keys`: their tokens are recognised by
fingerprint, across restarts and without the token ever being stored.
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any

from twisted.internet.defer import Deferred
from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from kuzzle_tx.errors import KuzzleError
from kuzzle_tx.security.api_keys import ApiKey, fingerprint
from kuzzle_tx.security.service import Security
from kuzzle_tx.security.store import API_KEYS, INDEX
from kuzzle_tx.security.tokens import APIKEY_PREFIX
from kuzzle_tx.storage.memory import MemoryStorage
from kuzzle_tx.storage.query_ast import MatchAll, Search
from kuzzle_tx.testing import memory_config
from tests.security.support import new_security

HOUR_MS = 3_600_000


class ApiKeyTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(1_700_000_000)
        self.storage = MemoryStorage()
        self.config = memory_config()
        self.expired: list[list[str]] = []

    def security(self) -> Security:
        security = new_security(self.storage, self.clock, self.config, self.expired.append)
        self.successResultOf(security.start())
        self.addCleanup(security.stop)
        return security

    def run_(self, coroutine: Coroutine[Any, Any, Any]) -> Any:
        return self.successResultOf(Deferred.fromCoroutine(coroutine))

    def create(
        self, security: Security, ttl: int | None = None, key_id: str | None = None
    ) -> tuple[ApiKey, Any]:
        result: tuple[ApiKey, Any] = self.run_(
            security.create_api_key("alice", "cron job", ttl, key_id, bypass_max_ttl=False)
        )
        return result

    def stored(self) -> list[dict[str, Any]]:
        page = self.successResultOf(
            self.storage.search(INDEX, API_KEYS, Search(MatchAll(), (), 0, 100))
        )
        return [dict(hit.source) for hit in page.hits]

    def test_create(self) -> None:
        security = self.security()
        key, token = self.create(security, key_id="my-key")
        self.assertTrue(token.jwt.startswith(APIKEY_PREFIX))
        self.assertEqual((key.id, key.kuid, key.ttl, key.expires_at), ("my-key", "alice", -1, -1))
        self.assertEqual(key.fingerprint, fingerprint(token.jwt))
        self.assertEqual(security.authenticate(token.jwt, None), "alice")

    def test_the_token_is_not_stored(self) -> None:
        security = self.security()
        _, token = self.create(security)
        [source] = self.stored()
        self.assertNotIn(token.jwt, repr(source))
        self.assertEqual(source["fingerprint"], fingerprint(token.jwt))

    def test_keys_survive_a_restart(self) -> None:
        first = self.security()
        _, token = self.create(first)
        self.successResultOf(first.stop())
        second = self.security()
        self.assertEqual(len(second.registry), 0)  # not saved as a login token
        self.assertEqual(second.authenticate(token.jwt, None), "alice")
        self.assertIn(token.jwt, second.registry)  # seen: honoured from memory now

    def test_deleted_key(self) -> None:
        security = self.security()
        key, token = self.create(security)
        security.authenticate(token.jwt, "ws-1")
        self.assertEqual(self.run_(security.api_keys.delete(key)), ["ws-1"])
        error = self.assertRaises(KuzzleError, security.authenticate, token.jwt, None)
        self.assertEqual(error.id, "security.token.invalid")
        self.assertEqual(self.stored(), [])

    def test_deleted_key_after_a_restart(self) -> None:
        first = self.security()
        key, token = self.create(first)
        self.successResultOf(first.stop())
        second = self.security()
        stored = second.api_keys.get(key.id)
        assert stored is not None
        self.run_(second.api_keys.delete(stored))
        error = self.assertRaises(KuzzleError, second.authenticate, token.jwt, None)
        self.assertEqual(error.id, "security.token.invalid")

    def test_expiry(self) -> None:
        security = self.security()
        _, token = self.create(security, ttl=HOUR_MS)
        security.authenticate(token.jwt, "ws-1")
        self.clock.advance(3600)
        self.assertEqual(self.expired, [["ws-1"]])  # TokenExpired, as for a login token
        error = self.assertRaises(KuzzleError, security.authenticate, token.jwt, None)
        self.assertEqual(error.id, "security.token.expired")

    def test_expired_while_stopped(self) -> None:
        first = self.security()
        _, token = self.create(first, ttl=HOUR_MS)
        self.successResultOf(first.stop())
        self.clock.advance(7200)
        second = self.security()
        error = self.assertRaises(KuzzleError, second.authenticate, token.jwt, None)
        self.assertEqual(error.id, "security.token.expired")

    def test_forged_key(self) -> None:
        security = self.security()
        _, token = self.create(security)
        forged = token.jwt[:-2] + ("AA" if not token.jwt.endswith("AA") else "BB")
        for jwt in (forged, APIKEY_PREFIX + "x.y.z", "kapikey-"):
            error = self.assertRaises(KuzzleError, security.authenticate, jwt, None)
            self.assertEqual(error.id, "security.token.invalid", jwt)

    def test_login_token_is_not_an_api_key(self) -> None:
        """A kauth- token renamed kapikey- is not a key (and the other way round)."""
        security = self.security()
        login = security.issue_token("alice", False)
        renamed = APIKEY_PREFIX + login.jwt.removeprefix("kauth-")
        error = self.assertRaises(KuzzleError, security.authenticate, renamed, None)
        self.assertEqual(error.id, "security.token.invalid")
        _, key_token = self.create(security)
        renamed = "kauth-" + key_token.jwt.removeprefix(APIKEY_PREFIX)
        error = self.assertRaises(KuzzleError, security.authenticate, renamed, None)
        self.assertEqual(error.id, "security.token.invalid")

    def test_taken_id(self) -> None:
        security = self.security()
        self.create(security, key_id="same")
        failure = self.failureResultOf(
            Deferred.fromCoroutine(
                security.create_api_key("bob", "x", None, "same", bypass_max_ttl=False)
            ),
            KuzzleError,
        )
        self.assertEqual(failure.value.id, "services.storage.document_already_exists")

    def test_revocations_keep_keys_unless_the_user_goes(self) -> None:
        security = self.security()
        _, key_token = self.create(security)
        login = security.issue_token("alice", False)
        security.authenticate(key_token.jwt, None)
        security.registry.revoke_user("alice", keep_api_keys=True)
        self.assertEqual(security.authenticate(key_token.jwt, None), "alice")
        self.assertNotIn(login.jwt, security.registry)
        security.registry.revoke_user("alice", keep_api_keys=False)
        self.assertNotIn(key_token.jwt, security.registry)

    def test_not_refreshable(self) -> None:
        security = self.security()
        _, token = self.create(security, ttl=HOUR_MS)
        security.authenticate(token.jwt, None)
        assert security.authority is not None
        new = security.authority.issue("alice", HOUR_MS)
        error = self.assertRaises(KuzzleError, security.registry.refresh, token.jwt, new)
        self.assertEqual(error.id, "security.token.refresh_forbidden")

    def test_max_ttl(self) -> None:
        self.config = memory_config(security={"apiKey": {"maxTTL": "1h"}})
        security = self.security()
        failure = self.failureResultOf(
            Deferred.fromCoroutine(
                security.create_api_key("alice", "x", None, None, bypass_max_ttl=False)
            ),
            KuzzleError,
        )
        self.assertEqual(failure.value.id, "security.token.ttl_exceeded")
        self.run_(security.create_api_key("alice", "x", None, None, bypass_max_ttl=True))
        self.run_(security.create_api_key("alice", "x", HOUR_MS, None, bypass_max_ttl=False))

    def test_single_use_token(self) -> None:
        security = self.security()
        token = security.issue_token("alice", False, single_use=True)
        self.assertEqual(security.authenticate(token.jwt, "ws-1"), "alice")
        error = self.assertRaises(KuzzleError, security.authenticate, token.jwt, None)
        self.assertEqual(error.id, "security.token.invalid")
