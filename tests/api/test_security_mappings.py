# -*- test-case-name: tests.api.test_security_mappings -*-
"""
``security:get*Mapping`` / ``update*Mapping`` on the private users, profiles and
roles collections, and ``security:searchUsersByCredentials``.
"""

from __future__ import annotations

from twisted.internet.defer import ensureDeferred
from twisted.trial.unittest import SynchronousTestCase

from kuzzle_tx.security.store import INDEX, USERS, SecurityStore
from kuzzle_tx.storage.mappings import validate_mappings
from kuzzle_tx.storage.memory import MemoryStorage
from kuzzle_tx.storage.model import CollectionSchema
from tests.api.test_security_support import SecurityApiMixin


class MappingTests(SecurityApiMixin, SynchronousTestCase):
    def setUp(self) -> None:
        self.start_security()

    def test_defaults(self) -> None:
        """Kuzzle's internal mappings, without _kuzzle_info."""
        self.assertEqual(
            self.as_admin("security:getUserMapping"),
            {"mapping": {"profileIds": {"type": "keyword"}}},
        )
        roles = self.as_admin("security:getRoleMapping")["mapping"]
        self.assertEqual(roles["tags"], {"type": "keyword"})
        self.assertEqual(roles["controllers"]["dynamic"], "false")
        profiles = self.as_admin("security:getProfileMapping")["mapping"]
        self.assertEqual(
            profiles["policies"]["properties"]["restrictedTo"]["properties"]["index"],
            {"type": "keyword"},
        )

    def test_update_adds_fields(self) -> None:
        for kind in ("User", "Profile", "Role"):
            updated = self.as_admin(
                f"security:update{kind}Mapping", body={"properties": {"note": {"type": "text"}}}
            )
            self.assertEqual(updated["properties"]["note"], {"type": "text"})
            self.assertEqual(updated["dynamic"], "false")
            mapping = self.as_admin(f"security:get{kind}Mapping")["mapping"]
            self.assertEqual(mapping["note"], {"type": "text"})
        self.assertIn("profileIds", self.as_admin("security:getUserMapping")["mapping"])

    def test_update_errors(self) -> None:
        self.admin_fails("security:updateUserMapping", "api.assert.body_required", 400)
        self.admin_fails(
            "security:updateUserMapping",
            "services.storage.cannot_change_mapping",
            400,
            body={"properties": {"profileIds": {"type": "integer"}}},
        )

    def test_restricted_to_admins(self) -> None:
        self.as_admin("security:restrictDefaultRights")
        self.make_user("bob", "default")
        self.fail(
            "security:getUserMapping", "security.rights.forbidden", 403, jwt=self.token("bob")
        )

    def test_older_data_directory_gets_the_defaults(self) -> None:
        """A users collection created without them gets them at start, keeping its fields."""
        storage = MemoryStorage()
        schema = CollectionSchema(
            validate_mappings({"dynamic": "false", "properties": {"note": {"type": "text"}}}), {}
        )
        self.successResultOf(storage.put_collection(INDEX, USERS, schema))
        self.successResultOf(ensureDeferred(SecurityStore(storage).start()))
        properties = storage.schema(INDEX, USERS).mappings["properties"]
        self.assertEqual(properties["note"], {"type": "text"})
        self.assertEqual(properties["profileIds"], {"type": "keyword"})


class SearchUsersByCredentialsTests(SecurityApiMixin, SynchronousTestCase):
    def setUp(self) -> None:
        self.start_security()
        self.make_user("k-ann", "default", username="ann@example.com")
        self.make_user("k-bob", "default", username="bob@example.com")
        self.make_user("k-cat", "default", username="cat@test.org")

    def search(self, **fields: object) -> dict:
        result: dict = self.as_admin(
            "security:searchUsersByCredentials", strategy="local", **fields
        )
        return result

    def test_match_all(self) -> None:
        result = self.search()
        self.assertEqual(result["total"], 3)
        self.assertIn({"kuid": "k-ann", "username": "ann@example.com"}, result["hits"])

    def test_queries(self) -> None:
        found = self.search(body={"query": {"term": {"username": "bob@example.com"}}})
        self.assertEqual(
            found, {"hits": [{"kuid": "k-bob", "username": "bob@example.com"}], "total": 1}
        )
        bare = self.search(body={"bool": {"must": [{"prefix": {"username": "cat"}}]}})
        self.assertEqual([hit["kuid"] for hit in bare["hits"]], ["k-cat"])
        by_kuid = self.search(body={"query": {"term": {"kuid": "k-ann"}}})
        self.assertEqual([hit["username"] for hit in by_kuid["hits"]], ["ann@example.com"])
        koncorde = self.search(lang="koncorde", body={"query": {"equals": {"kuid": "k-bob"}}})
        self.assertEqual([hit["kuid"] for hit in koncorde["hits"]], ["k-bob"])

    def test_the_hash_cannot_be_searched(self) -> None:
        result = self.search(body={"query": {"exists": {"field": "hash"}}})
        self.assertEqual(result, {"hits": [], "total": 0})

    def test_paging(self) -> None:
        page = self.search(size=2, **{"from": 1})
        self.assertEqual((len(page["hits"]), page["total"]), (2, 3))

    def test_errors(self) -> None:
        self.admin_fails("security:searchUsersByCredentials", "api.assert.missing_argument", 400)
        self.admin_fails(
            "security:searchUsersByCredentials",
            "security.credentials.unknown_strategy",
            400,
            strategy="oauth",
        )
        self.admin_fails(
            "security:searchUsersByCredentials",
            "services.storage.unknown_query_keyword",
            400,
            strategy="local",
            body={"query": {"nope": {}}},
        )
