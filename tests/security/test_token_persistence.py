"""Live tokens are kept across restarts, as Kuzzle's cache keeps them."""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from kuzzle_tx.errors import KuzzleError
from kuzzle_tx.security.service import Security
from kuzzle_tx.storage.memory import MemoryStorage
from kuzzle_tx.testing import memory_config
from tests.security.support import new_security


class TokenPersistenceTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(1_700_000_000)
        self.storage = MemoryStorage()
        self.config = memory_config()

    def security(self) -> Security:
        security = new_security(self.storage, self.clock, self.config)
        self.successResultOf(security.start())
        return security

    def test_tokens_survive_a_restart(self) -> None:
        """A token issued before a restart is still valid after it; a revoked one is not."""
        first = self.security()
        kept = first.issue_token("user-1", False)
        revoked = first.issue_token("user-2", False)
        first.registry.revoke(revoked.jwt)
        self.successResultOf(first.stop())
        second = self.security()
        self.addCleanup(second.stop)
        self.assertEqual(second.authenticate(kept.jwt, None), "user-1")
        error = self.assertRaises(KuzzleError, second.authenticate, revoked.jwt, None)
        self.assertEqual(error.id, "security.token.invalid")

    def test_expired_tokens_are_not_restored(self) -> None:
        """A token that expired while the server was stopped stays expired."""
        first = self.security()
        token = first.issue_token("user-1", 60_000)
        self.successResultOf(first.stop())
        self.clock.advance(120)
        second = self.security()
        self.addCleanup(second.stop)
        error = self.assertRaises(KuzzleError, second.authenticate, token.jwt, None)
        self.assertIn(error.id, ("security.token.expired", "security.token.invalid"))
        self.assertEqual(len(second.registry), 0)


class StartFailureTests(SynchronousTestCase):
    def test_requests_fail_instead_of_hanging(self) -> None:
        """When security cannot load, waiting and later requests fail with a 500."""

        class BrokenStorage(MemoryStorage):
            def search(self, *args: object, **kwargs: object) -> object:
                from twisted.internet.defer import fail

                return fail(OSError("disk gone"))

        security = new_security(BrokenStorage(), Clock())
        self.addCleanup(security.stop)
        waiting = security.when_ready()
        self.failureResultOf(security.start(), OSError)
        for deferred in (waiting, security.when_ready()):
            failure = self.failureResultOf(deferred, KuzzleError)
            self.assertEqual(failure.value.id, "core.fatal.service_unavailable")
