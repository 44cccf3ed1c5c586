"""Password hashing in a thread pool (`kuzzle_tx.security.passwords`)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import argon2
from twisted.internet import reactor
from twisted.python.failure import Failure
from twisted.python.threadpool import ThreadPool
from twisted.trial.unittest import SynchronousTestCase, TestCase

from kuzzle_tx.security.passwords import PasswordHasher, cheap_argon2


class SynchronousPool:
    """A thread pool that runs each job at once, in the calling thread, and counts them."""

    def __init__(self) -> None:
        self.jobs = 0

    def callInThreadWithCallback(
        self, onResult: Callable[[bool, Any], None], func: Callable[..., Any], *args: Any
    ) -> None:
        self.jobs += 1
        try:
            result = func(*args)
        except BaseException:
            onResult(False, Failure())
        else:
            onResult(True, result)


class DirectReactor:
    """callFromThread, run at once."""

    def callFromThread(self, func: Callable[..., Any], *args: Any) -> None:
        func(*args)


class RecordingArgon2(argon2.PasswordHasher):
    """Cheap argon2 that notes the thread and the work of every call."""

    def __init__(self) -> None:
        params = argon2.profiles.CHEAPEST
        super().__init__(
            time_cost=params.time_cost,
            memory_cost=params.memory_cost,
            parallelism=params.parallelism,
            hash_len=params.hash_len,
            salt_len=params.salt_len,
            type=params.type,
        )
        self.calls: list[tuple[str, int]] = []
        self.thread_names: list[str] = []

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        self.calls.append(("hash", threading.get_ident()))
        self.thread_names.append(threading.current_thread().name)
        return super().hash(password, salt=salt)

    def verify(self, hash: str | bytes, password: str | bytes) -> Any:
        self.calls.append(("verify", threading.get_ident()))
        self.thread_names.append(threading.current_thread().name)
        return super().verify(hash, password)


class PasswordHasherTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.pool = SynchronousPool()
        self.argon = RecordingArgon2()
        self.hasher = PasswordHasher(DirectReactor(), self.pool, self.argon)  # type: ignore[arg-type]

    def test_hash_and_verify(self) -> None:
        """A hash verifies its password, and no other."""
        stored = self.successResultOf(self.hasher.hash("s3cret"))
        self.assertTrue(stored.startswith("$argon2id$"))
        self.assertNotIn("s3cret", stored)
        self.assertIs(self.successResultOf(self.hasher.verify(stored, "s3cret")), True)
        self.assertIs(self.successResultOf(self.hasher.verify(stored, "S3cret")), False)
        self.assertIs(self.successResultOf(self.hasher.verify(stored, "")), False)

    def test_salted(self) -> None:
        """Two hashes of one password differ."""
        first = self.successResultOf(self.hasher.hash("pw"))
        second = self.successResultOf(self.hasher.hash("pw"))
        self.assertNotEqual(first, second)

    def test_malformed_hash_matches_nothing(self) -> None:
        """A stored value that is not an argon2 hash verifies nothing (and does not fail)."""
        for stored in ("", "plaintext", "$argon2id$v=19$m=8,t=1,p=1$garbage"):
            self.assertIs(self.successResultOf(self.hasher.verify(stored, "plaintext")), False)

    def test_unknown_user(self) -> None:
        """verify_unknown is False for any password, after the same verify work."""
        for password in ("", "pw", "x" * 200):
            self.argon.calls.clear()
            self.assertIs(self.successResultOf(self.hasher.verify_unknown(password)), False)
            self.assertEqual([name for name, _ in self.argon.calls][-1], "verify")
        self.argon.calls.clear()
        self.successResultOf(self.hasher.verify_unknown("pw"))
        self.assertEqual([name for name, _ in self.argon.calls], ["verify"])

    def test_all_work_goes_to_the_pool(self) -> None:
        """hash, verify and verify_unknown are each one pool job."""
        stored = self.successResultOf(self.hasher.hash("pw"))
        self.successResultOf(self.hasher.verify(stored, "pw"))
        self.successResultOf(self.hasher.verify_unknown("pw"))
        self.assertEqual(self.pool.jobs, 3)

    def test_needs_rehash(self) -> None:
        """A hash made with other parameters (or unreadable) needs a rehash; ours does not."""
        cheap = self.successResultOf(self.hasher.hash("pw"))
        self.assertFalse(self.hasher.needs_rehash(cheap))
        server = PasswordHasher(DirectReactor(), self.pool)  # type: ignore[arg-type]
        self.assertTrue(server.needs_rehash(cheap))
        self.assertTrue(server.needs_rehash("not a hash"))

    def test_server_defaults(self) -> None:
        """Without a hasher, argon2-cffi's defaults (RFC 9106 low memory) are used."""
        server = PasswordHasher(DirectReactor(), self.pool)  # type: ignore[arg-type]
        self.assertEqual(
            (server._hasher.time_cost, server._hasher.memory_cost, server._hasher.parallelism),
            (3, 65536, 4),
        )

    def test_hashing_errors_propagate(self) -> None:
        """A failure inside the pool reaches the Deferred's errback."""

        class Broken(RecordingArgon2):
            def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
                raise argon2.exceptions.HashingError("no memory")

        hasher = PasswordHasher(DirectReactor(), self.pool, Broken())  # type: ignore[arg-type]
        self.failureResultOf(hasher.hash("pw"), argon2.exceptions.HashingError)

    def test_cheap_argon2(self) -> None:
        """The test parameters are argon2id, and cheap."""
        cheap = cheap_argon2()
        self.assertEqual((cheap.time_cost, cheap.memory_cost), (1, 8))


class RealThreadTests(TestCase):
    """With a real ThreadPool and the real reactor, argon2 never runs in the reactor thread."""

    def setUp(self) -> None:
        self.pool = ThreadPool(minthreads=1, maxthreads=2, name="kuzzle-passwords-test")
        self.pool.start()
        self.addCleanup(self.pool.stop)
        self.argon = RecordingArgon2()
        self.hasher = PasswordHasher(reactor, self.pool, self.argon)  # type: ignore[arg-type]

    async def test_off_the_reactor_thread(self) -> None:
        """hash, verify and verify_unknown all run in pool threads; results come back here."""
        reactor_thread = threading.get_ident()
        stored = await self.hasher.hash("pw")
        self.assertTrue(await self.hasher.verify(stored, "pw"))
        self.assertFalse(await self.hasher.verify(stored, "nope"))
        self.assertFalse(await self.hasher.verify_unknown("pw"))
        self.assertEqual(threading.get_ident(), reactor_thread)
        self.assertGreaterEqual(len(self.argon.calls), 5)
        for name, ident in self.argon.calls:
            self.assertNotEqual(ident, reactor_thread, name)
        for thread_name in self.argon.thread_names:
            self.assertIn("kuzzle-passwords-test", thread_name)
