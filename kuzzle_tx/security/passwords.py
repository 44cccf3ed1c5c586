# -*- test-case-name: tests.security.test_passwords -*-
"""
Password hashing (argon2id) off the reactor thread.

Hashing costs tens of milliseconds and tens of MiB on purpose, so every hash and
verify runs in a thread pool that the caller owns (`deferToThreadPool`); the
reactor only waits on a Deferred. The pool's size bounds the memory used by
concurrent hashes (argon2-cffi's defaults: 64 MiB each).

Parameters: argon2-cffi's defaults, i.e. RFC 9106's "low memory" profile
(argon2id, t=3, m=64 MiB, p=4, 16-byte salt, 32-byte hash), are a sound server
choice. Hashes carry their parameters, so changing them later keeps old hashes
verifiable; `needs_rehash` tells when to re-hash one at the next login.
"""

from __future__ import annotations

import secrets

import argon2
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorFromThreads
from twisted.internet.threads import deferToThreadPool
from twisted.logger import Logger
from twisted.python.threadpool import ThreadPool

log = Logger()


def cheap_argon2() -> argon2.PasswordHasher:
    """Fast, weak argon2 parameters, for tests only."""
    return argon2.PasswordHasher.from_parameters(argon2.profiles.CHEAPEST)


class PasswordHasher:
    """
    Hash and verify passwords in ``pool``; results are delivered in the reactor thread.

    ``hasher`` defaults to ``argon2.PasswordHasher()`` (the server parameters);
    tests pass `cheap_argon2()`.
    """

    def __init__(
        self,
        reactor: IReactorFromThreads,
        pool: ThreadPool,
        hasher: argon2.PasswordHasher | None = None,
    ) -> None:
        self._reactor = reactor
        self._pool = pool
        self._hasher = hasher if hasher is not None else argon2.PasswordHasher()
        # A hash of a random password, made with our parameters on first need (in the
        # pool): what `verify_unknown` checks against.
        self._dummy_hash: str | None = None

    def hash(self, password: str) -> Deferred[str]:
        """An encoded argon2 hash (parameters and salt included) of ``password``."""
        return deferToThreadPool(self._reactor, self._pool, self._hasher.hash, password)

    def verify(self, stored_hash: str, password: str) -> Deferred[bool]:
        """Whether ``password`` matches ``stored_hash``; a malformed hash matches nothing."""
        return deferToThreadPool(self._reactor, self._pool, self._verify, stored_hash, password)

    def verify_unknown(self, password: str) -> Deferred[bool]:
        """
        False, after the same work as `verify` (for a login on an unknown user).

        "Unknown user" and "wrong password" then take the same time, so response
        times do not tell which usernames exist. The first call also makes the
        dummy hash it verifies against.
        """
        return deferToThreadPool(self._reactor, self._pool, self._verify_unknown, password)

    def needs_rehash(self, stored_hash: str) -> bool:
        """Whether a stored hash was made with other parameters than ours (cheap: no hashing)."""
        try:
            return self._hasher.check_needs_rehash(stored_hash)
        except (InvalidHashError, ValueError):
            return True

    # -- in the pool --

    def _verify(self, stored_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(stored_hash, password)
        except VerifyMismatchError:
            return False
        except InvalidHashError:
            log.warn("A stored password hash is not a valid argon2 hash")
            return False
        except VerificationError:
            return False

    def _verify_unknown(self, password: str) -> bool:
        dummy = self._dummy_hash
        if dummy is None:
            dummy = self._dummy_hash = self._hasher.hash(secrets.token_hex(16))
        try:
            self._hasher.verify(dummy, password)
        except VerificationError:
            pass
        return False
