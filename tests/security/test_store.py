"""
The security store (`kuzzle_tx.security.store`): the private ``%kuzzle`` index, roles and
profiles in memory, the bounded user cache, the persisted token secret, credentials.

Every test runs on a `MemoryStorage`, whose Deferreds have all fired: the store's
coroutines complete synchronously.
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any

from twisted.internet.defer import Deferred
from twisted.trial.unittest import SynchronousTestCase

from kuzzle_tx.errors import KuzzleError
from kuzzle_tx.security.store import INDEX, SecurityStore
from kuzzle_tx.storage.memory import MemoryStorage
from kuzzle_tx.storage.model import CreateOrReplace

ADMIN_ROLE = {"controllers": {"*": {"actions": {"*": True}}}}


class StoreTestCase(SynchronousTestCase):
    def setUp(self) -> None:
        self.storage = MemoryStorage()

    def run_(self, coroutine: Coroutine[Any, Any, Any]) -> Any:
        """The result of a store coroutine, which must have completed."""
        return self.successResultOf(Deferred.fromCoroutine(coroutine))

    def refused(self, coroutine: Coroutine[Any, Any, Any]) -> KuzzleError:
        """The KuzzleError a store coroutine failed with."""
        failure = self.failureResultOf(Deferred.fromCoroutine(coroutine), KuzzleError)
        error = failure.value
        assert isinstance(error, KuzzleError)
        return error

    def started(self, user_cache_size: int = 10_000) -> SecurityStore:
        store = SecurityStore(self.storage, user_cache_size)
        self.run_(store.start())
        return store

    def write_behind(self, collection: str, doc_id: str, source: dict[str, Any]) -> None:
        """Change a document in the storage without the store knowing."""
        [result] = self.successResultOf(
            self.storage.write(INDEX, collection, [CreateOrReplace(doc_id, source)])
        )
        self.assertIsNone(result.error)


class StartTests(StoreTestCase):
    def test_first_start_creates_private_collections(self) -> None:
        """A first start creates the six private collections of %kuzzle and says so."""
        store = SecurityStore(self.storage)
        self.assertTrue(self.run_(store.start()))
        self.assertEqual(
            sorted(self.storage.list_collections(INDEX)),
            ["api-keys", "config", "credentials", "profiles", "roles", "users"],
        )
        self.assertEqual((store.roles, store.profiles), ({}, {}))

    def test_second_start_loads_definitions(self) -> None:
        """A start on a storage that holds roles loads roles and profiles: not a first start."""
        first = self.started()
        self.run_(first.put_role("admin", ADMIN_ROLE))
        self.run_(first.put_profile("admin", {"policies": [{"roleId": "admin"}]}))
        second = SecurityStore(self.storage)
        self.assertFalse(self.run_(second.start()))
        self.assertEqual(second.roles, {"admin": ADMIN_ROLE})
        self.assertEqual(second.profiles, {"admin": {"policies": [{"roleId": "admin"}]}})

    def test_deleted_definitions_stay_deleted(self) -> None:
        """Deleting a role or profile removes it from memory and from the next start."""
        first = self.started()
        self.run_(first.put_role("admin", ADMIN_ROLE))
        self.run_(first.put_role("gone", ADMIN_ROLE))
        self.run_(first.put_profile("gone", {"policies": [{"roleId": "gone"}]}))
        self.run_(first.delete_role("gone"))
        self.run_(first.delete_profile("gone"))
        self.assertNotIn("gone", first.roles)
        self.assertNotIn("gone", first.profiles)
        second = self.started()
        self.assertEqual(list(second.roles), ["admin"])
        self.assertEqual(second.profiles, {})

    def test_definitions_in_memory_are_the_stores_own(self) -> None:
        """Changing a body after put_role/put_profile changes neither memory nor storage."""
        store = self.started()
        role = {"controllers": {"*": {"actions": {"*": True}}}}
        profile = {"policies": [{"roleId": "admin"}]}
        self.run_(store.put_role("admin", role))
        self.run_(store.put_profile("admin", profile))
        role["controllers"]["*"]["actions"]["*"] = False
        profile["policies"].append({"roleId": "other"})
        self.assertEqual(store.roles["admin"], ADMIN_ROLE)
        self.assertEqual(store.profiles["admin"], {"policies": [{"roleId": "admin"}]})
        self.assertEqual(self.started().roles["admin"], ADMIN_ROLE)


class SecretTests(StoreTestCase):
    def test_secret_generated_once_and_persisted(self) -> None:
        """The secret is generated on first use only; a restart reads the same bytes."""
        calls: list[int] = []

        def generate() -> bytes:
            calls.append(1)
            return bytes(range(32))

        first = self.run_(self.started().secret(generate))
        self.assertEqual(first, bytes(range(32)))
        again = self.run_(self.started().secret(generate))
        self.assertEqual(again, first)
        self.assertEqual(len(calls), 1)

    def test_tokens_round_trip(self) -> None:
        """Saved tokens are read back by the next store; none saved reads as an empty list."""
        self.assertEqual(self.run_(self.started().tokens()), [])
        saved = [{"jwt": "kauth-x", "kuid": "alice", "expires_at": -1, "ttl": -1}]
        self.run_(self.started().save_tokens(saved))
        self.assertEqual(self.run_(self.started().tokens()), saved)


class UserTests(StoreTestCase):
    def test_put_and_read_user(self) -> None:
        """A user put is read back, by this store from memory and by another from storage."""
        store = self.started()
        self.run_(store.put_user("alice", {"profileIds": ["default"], "name": "A"}, create=True))
        self.assertEqual(store.cached_user("alice"), {"profileIds": ["default"], "name": "A"})
        self.assertEqual(
            self.run_(self.started().user("alice")), {"profileIds": ["default"], "name": "A"}
        )

    def test_unknown_user(self) -> None:
        """An unknown user reads as None, and is then cached as absent (not False)."""
        store = self.started()
        self.assertIs(store.cached_user("nobody"), False)
        self.assertIsNone(self.run_(store.user("nobody")))
        self.assertIsNone(store.cached_user("nobody"))

    def test_kuzzle_info_is_not_part_of_the_content(self) -> None:
        """Stored metadata (_kuzzle_info) is left out, whether the user was read or just put."""
        store = self.started()
        content = {"profileIds": ["default"], "_kuzzle_info": {"author": "-1"}}
        self.run_(store.put_user("alice", content, create=True))
        self.assertEqual(store.cached_user("alice"), {"profileIds": ["default"]})
        self.assertEqual(self.run_(self.started().user("alice")), {"profileIds": ["default"]})

    def test_cached_content_is_the_stores_own(self) -> None:
        """Changing the dict given to put_user afterwards does not change the cached user."""
        store = self.started()
        content = {"profileIds": ["default"]}
        self.run_(store.put_user("alice", content, create=True))
        content["profileIds"].append("admin")
        self.assertEqual(store.cached_user("alice"), {"profileIds": ["default"]})

    def test_create_twice(self) -> None:
        """Creating a user whose id exists is security.user.already_exists (412)."""
        store = self.started()
        self.run_(store.put_user("alice", {"profileIds": ["default"]}, create=True))
        error = self.refused(store.put_user("alice", {"profileIds": ["admin"]}, create=True))
        self.assertEqual(
            (error.id, error.status, error.props), ("security.user.already_exists", 412, ["alice"])
        )
        self.assertEqual(self.run_(store.user("alice")), {"profileIds": ["default"]})

    def test_replace_user(self) -> None:
        """put_user without create replaces the user, in storage and in the cache."""
        store = self.started()
        self.run_(store.put_user("alice", {"profileIds": ["default"]}, create=True))
        self.run_(store.put_user("alice", {"profileIds": ["admin"]}, create=False))
        self.assertEqual(store.cached_user("alice"), {"profileIds": ["admin"]})
        self.assertEqual(self.run_(self.started().user("alice")), {"profileIds": ["admin"]})

    def test_delete_user(self) -> None:
        """A deleted user is cached as absent; deleting an unknown one is user.not_found."""
        store = self.started()
        self.run_(store.put_user("alice", {"profileIds": ["default"]}, create=True))
        self.run_(store.delete_user("alice"))
        self.assertIsNone(store.cached_user("alice"))
        self.assertIsNone(self.run_(self.started().user("alice")))
        error = self.refused(store.delete_user("alice"))
        self.assertEqual((error.id, error.status), ("security.user.not_found", 404))

    def test_cache_is_bounded(self) -> None:
        """Past user_cache_size users, the least recently used one leaves the cache."""
        store = self.started(user_cache_size=2)
        for kuid in ("a", "b"):
            self.write_behind("users", kuid, {"profileIds": ["default"]})
            self.run_(store.user(kuid))
        self.run_(store.user("a"))  # "a" is now more recent than "b"
        self.run_(store.user("c"))
        self.assertIs(store.cached_user("b"), False)
        self.assertEqual(store.cached_user("a"), {"profileIds": ["default"]})
        self.assertIsNone(store.cached_user("c"))

    def test_cache_hit_counts_as_use(self) -> None:
        """A user found by cached_user (the hot path) is kept over one not used since."""
        store = self.started(user_cache_size=2)
        for kuid in ("a", "b"):
            self.run_(store.put_user(kuid, {"profileIds": ["default"]}, create=True))
        store.cached_user("a")
        self.run_(store.put_user("c", {"profileIds": ["default"]}, create=True))
        self.assertIs(store.cached_user("b"), False)
        self.assertNotIdentical(store.cached_user("a"), False)

    def test_cache_serves_reads_until_evicted(self) -> None:
        """Reads come from the cache; an evicted user is read again from storage."""
        store = self.started(user_cache_size=1)
        self.run_(store.put_user("a", {"profileIds": ["default"]}, create=True))
        self.write_behind("users", "a", {"profileIds": ["admin"]})
        self.assertEqual(self.run_(store.user("a")), {"profileIds": ["default"]})
        self.run_(store.user("b"))
        self.assertIs(store.cached_user("a"), False)
        self.assertEqual(self.run_(store.user("a")), {"profileIds": ["admin"]})

    def test_users_with_profile(self) -> None:
        """users_with_profile finds users listing the profile among others, up to limit."""
        store = self.started()
        self.run_(store.put_user("a", {"profileIds": ["default", "admin"]}, create=True))
        self.run_(store.put_user("b", {"profileIds": ["admin"]}, create=True))
        self.run_(store.put_user("c", {"profileIds": ["default"]}, create=True))
        self.assertEqual(len(self.run_(store.users_with_profile("admin"))), 1)
        found = self.run_(store.users_with_profile("admin", limit=10))
        self.assertEqual(sorted(d.id for d in found), ["a", "b"])
        self.assertEqual(self.run_(store.users_with_profile("nope", limit=10)), [])


class CredentialsTests(StoreTestCase):
    def test_credentials_lookups(self) -> None:
        """Credentials are found by username and by kuid, and are gone once deleted."""
        store = self.started()
        self.assertIsNone(self.run_(store.credentials("alice")))
        self.assertEqual(self.run_(store.credentials_of("kuid-a")), [])
        self.run_(store.put_credentials("alice", {"kuid": "kuid-a", "hash": "h"}, create=True))
        self.run_(store.put_credentials("bob", {"kuid": "kuid-b", "hash": "h"}, create=True))
        self.assertEqual(self.run_(store.credentials("alice")), {"kuid": "kuid-a", "hash": "h"})
        self.assertEqual([d.id for d in self.run_(store.credentials_of("kuid-a"))], ["alice"])
        self.run_(store.delete_credentials("alice"))
        self.assertIsNone(self.run_(store.credentials("alice")))
        self.assertEqual(self.run_(store.credentials_of("kuid-a")), [])
        self.assertIsNotNone(self.run_(store.credentials("bob")))

    def test_create_existing_credentials(self) -> None:
        """Creating credentials under a taken username fails; replacing them works."""
        store = self.started()
        self.run_(store.put_credentials("alice", {"kuid": "a", "hash": "h"}, create=True))
        self.refused(store.put_credentials("alice", {"kuid": "b", "hash": "h"}, create=True))
        self.assertEqual(self.run_(store.credentials("alice"))["kuid"], "a")
        self.run_(store.put_credentials("alice", {"kuid": "a", "hash": "h2"}, create=False))
        self.assertEqual(self.run_(store.credentials("alice"))["hash"], "h2")
