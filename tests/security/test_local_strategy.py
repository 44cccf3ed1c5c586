"""
The ``local`` strategy (`kuzzle_tx.security.local_strategy`): username/password
credentials, unique usernames, hashed passwords (kuzzle-api.md §8.1).

Passwords are hashed inline with argon2's cheapest parameters (`InlinePasswordHasher`).
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any

from twisted.internet.defer import Deferred
from twisted.trial.unittest import SynchronousTestCase

from kuzzle_tx.errors import KuzzleError
from kuzzle_tx.security.local_strategy import LocalStrategy
from kuzzle_tx.security.store import SecurityStore
from kuzzle_tx.storage.memory import MemoryStorage
from kuzzle_tx.testing import InlinePasswordHasher

PASSWORD = "correct horse battery staple"


class LocalStrategyTestCase(SynchronousTestCase):
    def setUp(self) -> None:
        self.store = SecurityStore(MemoryStorage())
        self.run_(self.store.start())
        self.local = LocalStrategy(self.store, InlinePasswordHasher())

    def run_(self, coroutine: Coroutine[Any, Any, Any]) -> Any:
        return self.successResultOf(Deferred.fromCoroutine(coroutine))

    def refused(
        self, coroutine: Coroutine[Any, Any, Any], error_id: str, status: int
    ) -> KuzzleError:
        failure = self.failureResultOf(Deferred.fromCoroutine(coroutine), KuzzleError)
        error = failure.value
        assert isinstance(error, KuzzleError)
        self.assertEqual((error.id, error.status), (error_id, status))
        return error

    def rejected(self, coroutine: Coroutine[Any, Any, Any], reason: str) -> None:
        """The coroutine fails with 400 security.credentials.rejected for ``reason``."""
        error = self.refused(coroutine, "security.credentials.rejected", 400)
        self.assertEqual(error.props, [reason])

    def login_fails(self, credentials: Any, message: str = "wrong username or password") -> None:
        error = self.refused(
            self.local.authenticate(credentials), "plugin.strategy.missing_user", 401
        )
        self.assertEqual(error.message, message)

    def create(self, kuid: str = "kuid-a", username: str = "alice") -> dict[str, str]:
        return self.run_(self.local.create(kuid, {"username": username, "password": PASSWORD}))

    def assertNoSecret(self, value: Any) -> None:
        """Only ``username`` and ``kuid`` come out; never the password or its hash."""
        self.assertIsInstance(value, dict)
        self.assertEqual(set(value), {"username", "kuid"})
        text = repr(value)
        self.assertNotIn(PASSWORD, text)
        self.assertNotIn("argon2", text)


class CreateTests(LocalStrategyTestCase):
    def test_create(self) -> None:
        """Creating credentials answers {username, kuid}; get and exists see them."""
        created = self.create()
        self.assertEqual(created, {"username": "alice", "kuid": "kuid-a"})
        self.assertNoSecret(created)
        self.assertEqual(self.run_(self.local.get("kuid-a")), created)
        self.assertTrue(self.run_(self.local.exists("kuid-a")))
        self.assertFalse(self.run_(self.local.exists("kuid-b")))
        self.assertIsNone(self.run_(self.local.get("kuid-b")))

    def test_password_is_stored_hashed(self) -> None:
        """The store holds an argon2 hash of the password, never the password."""
        self.create()
        stored = self.run_(self.store.credentials("alice"))
        self.assertEqual(set(stored), {"kuid", "hash"})
        self.assertTrue(stored["hash"].startswith("$argon2"))
        self.assertNotIn(PASSWORD, repr(stored))

    def test_duplicate_username(self) -> None:
        """A username already used by another user is refused; the first user keeps it."""
        self.create()
        self.rejected(
            self.local.create("kuid-b", {"username": "alice", "password": "other"}),
            'A user with username "alice" already exists',
        )
        self.assertEqual(
            self.run_(self.local.authenticate({"username": "alice", "password": PASSWORD})),
            "kuid-a",
        )
        self.assertFalse(self.run_(self.local.exists("kuid-b")))

    def test_second_credentials_for_a_user(self) -> None:
        """A user has one set of local credentials: creating another is refused."""
        self.create()
        self.rejected(
            self.local.create("kuid-a", {"username": "alice2", "password": "x"}),
            'Credentials already exist for user "kuid-a"',
        )
        self.assertIsNone(self.run_(self.store.credentials("alice2")))

    def test_missing_username_or_password(self) -> None:
        """Username and password are both required, as non-empty strings."""
        for credentials, reason in (
            ({"password": PASSWORD}, "Username required"),
            ({"username": "", "password": PASSWORD}, "Username required"),
            ({"username": 42, "password": PASSWORD}, "Username required"),
            ({"username": "alice"}, "Password required"),
            ({"username": "alice", "password": ""}, "Password required"),
            ({"username": "alice", "password": None}, "Password required"),
        ):
            self.rejected(self.local.create("kuid-a", credentials), reason)
        self.rejected(self.local.create("kuid-a", "alice"), "credentials must be an object")
        self.assertFalse(self.run_(self.local.exists("kuid-a")))

    def test_kuid_in_credentials(self) -> None:
        """Credentials may not name a kuid."""
        credentials = {"username": "alice", "password": PASSWORD, "kuid": "kuid-b"}
        self.rejected(self.local.create("kuid-a", credentials), "kuid cannot be specified")
        self.rejected(self.local.update("kuid-a", {"kuid": "kuid-b"}), "kuid cannot be specified")


class AuthenticateTests(LocalStrategyTestCase):
    def test_right_password(self) -> None:
        """The right username and password log in as the credentials' kuid."""
        self.create()
        kuid = self.run_(self.local.authenticate({"username": "alice", "password": PASSWORD}))
        self.assertEqual(kuid, "kuid-a")

    def test_wrong_password_and_unknown_user(self) -> None:
        """A wrong password and an unknown username fail alike: 401, no hint of which."""
        self.create()
        self.login_fails({"username": "alice", "password": "wrong"})
        self.login_fails({"username": "alice", "password": ""})
        self.login_fails({"username": "bob", "password": PASSWORD})

    def test_missing_credentials(self) -> None:
        """Credentials that are not {username, password} strings are "Missing credentials"."""
        for credentials in (
            None,
            "alice",
            {"username": "alice"},
            {"password": PASSWORD},
            {"username": "", "password": PASSWORD},
            {"username": "alice", "password": 1},
        ):
            self.login_fails(credentials, "Missing credentials")


class UpdateTests(LocalStrategyTestCase):
    def test_update_password(self) -> None:
        """A new password replaces the old one; the username stays."""
        self.create()
        updated = self.run_(self.local.update("kuid-a", {"password": "new password"}))
        self.assertEqual(updated, {"username": "alice", "kuid": "kuid-a"})
        self.assertNoSecret(updated)
        self.login_fails({"username": "alice", "password": PASSWORD})
        self.assertEqual(
            self.run_(self.local.authenticate({"username": "alice", "password": "new password"})),
            "kuid-a",
        )

    def test_new_username_frees_the_old_one(self) -> None:
        """A new username keeps the password; the old username no longer logs in, and is free."""
        self.create()
        updated = self.run_(self.local.update("kuid-a", {"username": "alicia"}))
        self.assertEqual(updated, {"username": "alicia", "kuid": "kuid-a"})
        self.assertEqual(self.run_(self.local.get("kuid-a")), updated)
        self.login_fails({"username": "alice", "password": PASSWORD})
        self.assertEqual(
            self.run_(self.local.authenticate({"username": "alicia", "password": PASSWORD})),
            "kuid-a",
        )
        self.assertEqual(self.create("kuid-b", "alice"), {"username": "alice", "kuid": "kuid-b"})

    def test_new_username_and_password(self) -> None:
        """Username and password can change together."""
        self.create()
        self.run_(self.local.update("kuid-a", {"username": "alicia", "password": "pw2"}))
        self.login_fails({"username": "alicia", "password": PASSWORD})
        self.assertEqual(
            self.run_(self.local.authenticate({"username": "alicia", "password": "pw2"})),
            "kuid-a",
        )

    def test_same_username(self) -> None:
        """Giving the current username again changes nothing."""
        self.create()
        updated = self.run_(self.local.update("kuid-a", {"username": "alice"}))
        self.assertEqual(updated, {"username": "alice", "kuid": "kuid-a"})
        self.assertEqual(
            self.run_(self.local.authenticate({"username": "alice", "password": PASSWORD})),
            "kuid-a",
        )

    def test_username_taken(self) -> None:
        """Moving to a username another user has is refused; both keep their credentials."""
        self.create()
        self.create("kuid-b", "bob")
        self.rejected(
            self.local.update("kuid-a", {"username": "bob"}),
            'A user with username "bob" already exists',
        )
        self.assertEqual(self.run_(self.local.get("kuid-a"))["username"], "alice")
        self.assertEqual(self.run_(self.store.credentials("bob"))["kuid"], "kuid-b")

    def test_update_without_credentials(self) -> None:
        """Updating a user that has no local credentials is refused."""
        self.rejected(
            self.local.update("kuid-x", {"password": "x"}),
            'No credentials found for user "kuid-x"',
        )

    def test_update_with_empty_values(self) -> None:
        """An empty username or password is refused on update too."""
        self.create()
        self.rejected(self.local.update("kuid-a", {"username": ""}), "Username required")
        self.rejected(self.local.update("kuid-a", {"password": ""}), "Password required")


class DeleteAndVerifyTests(LocalStrategyTestCase):
    def test_delete(self) -> None:
        """Deleted credentials no longer exist nor log in; a second delete answers False."""
        self.create()
        self.assertTrue(self.run_(self.local.delete("kuid-a")))
        self.assertFalse(self.run_(self.local.exists("kuid-a")))
        self.login_fails({"username": "alice", "password": PASSWORD})
        self.assertFalse(self.run_(self.local.delete("kuid-a")))
        self.create("kuid-b", "alice")

    def test_verify(self) -> None:
        """verify: well-formed credentials whose username is free or the user's own."""
        self.create()
        self.create("kuid-b", "bob")
        self.assertTrue(
            self.run_(self.local.verify("kuid-a", {"username": "alice", "password": "x"}))
        )
        self.assertTrue(
            self.run_(self.local.verify("kuid-a", {"username": "free", "password": "x"}))
        )
        self.assertFalse(
            self.run_(self.local.verify("kuid-a", {"username": "bob", "password": "x"}))
        )
        self.rejected(self.local.verify("kuid-a", {"username": "alice"}), "Password required")
        self.rejected(
            self.local.verify("kuid-a", {"username": "a", "password": "x", "kuid": "k"}),
            "kuid cannot be specified",
        )


class _PausingStorage:
    """A MemoryStorage whose next read of one credentials id answers only when released."""

    def __init__(self) -> None:
        self._storage = MemoryStorage()
        self.paused_id: str | None = None
        self.held: list[tuple[Deferred[Any], Any]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._storage, name)

    def get(self, index: str, collection: str, ids: list[str]) -> Deferred[Any]:
        answer = self._storage.get(index, collection, ids)
        if collection != "credentials" or ids != [self.paused_id]:
            return answer
        self.paused_id = None
        held: Deferred[Any] = Deferred()
        # What was read now is delivered later, as a slow read would.
        self.held.append((held, answer))
        return held

    def release(self) -> None:
        for held, answer in self.held:
            answer.chainDeferred(held)
        self.held = []


class _HeldHasher(InlinePasswordHasher):
    """Hashes that complete only when released (a slow hash in the thread pool)."""

    def __init__(self) -> None:
        super().__init__()
        self.held: list[tuple[Deferred[str], str]] = []

    def hash(self, password: str) -> Any:
        held: Deferred[str] = Deferred()
        self.held.append((held, password))
        return held

    def release(self, position: int) -> None:
        held, password = self.held[position]
        held.callback(self._hasher.hash(password))


class ConcurrencyTests(LocalStrategyTestCase):
    def test_concurrent_creates_of_one_username(self) -> None:
        """Of two creates racing for a username, the second is refused as a taken username."""
        hasher = _HeldHasher()
        local = LocalStrategy(self.store, hasher)
        first = Deferred.fromCoroutine(
            local.create("kuid-a", {"username": "alice", "password": PASSWORD})
        )
        second = Deferred.fromCoroutine(
            local.create("kuid-b", {"username": "alice", "password": "other"})
        )
        hasher.release(0)
        self.assertEqual(self.successResultOf(first), {"username": "alice", "kuid": "kuid-a"})
        hasher.release(1)
        error = self.failureResultOf(second, KuzzleError).value
        assert isinstance(error, KuzzleError)
        self.assertEqual(
            (error.id, error.props),
            ("security.credentials.rejected", ['A user with username "alice" already exists']),
        )
        self.assertEqual(
            self.run_(self.local.authenticate({"username": "alice", "password": PASSWORD})),
            "kuid-a",
        )

    def test_rename_racing_a_create(self) -> None:
        """A rename never overwrites credentials created meanwhile under the new username."""
        storage = _PausingStorage()
        store = SecurityStore(storage)  # type: ignore[arg-type]
        self.run_(store.start())
        local = LocalStrategy(store, InlinePasswordHasher())
        self.run_(local.create("kuid-a", {"username": "alice", "password": PASSWORD}))
        storage.paused_id = "bob"
        renaming = Deferred.fromCoroutine(local.update("kuid-a", {"username": "bob"}))
        self.assertNoResult(renaming)  # it has seen "bob" free, and waits
        self.run_(local.create("kuid-b", {"username": "bob", "password": "bob's"}))
        storage.release()
        error = self.failureResultOf(renaming, KuzzleError).value
        assert isinstance(error, KuzzleError)
        self.assertEqual(error.id, "security.credentials.rejected")
        self.assertEqual(self.run_(local.get("kuid-b")), {"username": "bob", "kuid": "kuid-b"})
        self.assertEqual(self.run_(local.get("kuid-a")), {"username": "alice", "kuid": "kuid-a"})
        self.assertEqual(
            self.run_(local.authenticate({"username": "bob", "password": "bob's"})), "kuid-b"
        )
