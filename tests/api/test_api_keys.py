"""
API keys and ``auth:createToken`` through a whole in-memory service, over
WebSocket frames: ``auth:createApiKey/searchApiKeys/deleteApiKey`` for the
caller's keys, ``security:createApiKey/searchApiKeys/deleteApiKey`` for anyone's.
"""

from __future__ import annotations

from typing import Any

from treq.testing import StubTreq
from twisted.trial.unittest import SynchronousTestCase

from kuzzle_tx import codec
from tests.api.test_auth_controller import HOUR_MS, AuthMixin
from tests.api.test_document_controller import NOW_MS


class ApiKeyMixin(AuthMixin):
    def setUp(self) -> None:
        self.start_service()
        self.add_user("alice")
        self.add_user("bob")
        self.alice = self.login("alice")["jwt"]
        self.next_second()
        self.bob = self.login("bob")["jwt"]

    def create_key(self, jwt: str | None = None, **fields: Any) -> dict[str, Any]:
        fields.setdefault("body", {"description": "cron job"})
        result: dict[str, Any] = self.ok("auth:createApiKey", jwt=jwt or self.alice, **fields)
        return result

    def caller(self, jwt: str) -> str:
        """The kuid a fresh connection using ``jwt`` runs as."""
        result = self.ok("auth:getCurrentUser", self.client(), jwt=jwt)
        return str(result["_id"])


class AuthApiKeyTests(ApiKeyMixin, SynchronousTestCase):
    def test_create(self) -> None:
        result = self.create_key()
        source = result["_source"]
        self.assertTrue(result["_id"])
        self.assertEqual(
            {k: source[k] for k in ("userId", "description", "expiresAt", "ttl")},
            {"userId": "alice", "description": "cron job", "expiresAt": -1, "ttl": -1},
        )
        self.assertTrue(source["token"].startswith("kapikey-"))
        self.assertEqual(len(source["fingerprint"]), 64)
        self.assertEqual(self.caller(source["token"]), "alice")
        check = self.ok("auth:checkToken", body={"token": source["token"]})
        self.assertEqual(check, {"valid": True, "kuid": "alice", "expiresAt": -1})

    def test_create_with_id_and_expiry(self) -> None:
        result = self.create_key(_id="my-key", expiresIn="1h", refresh="wait_for")
        self.assertEqual(result["_id"], "my-key")
        self.assertEqual(result["_source"]["expiresAt"], NOW_MS + 1000 + HOUR_MS)
        self.assertEqual(result["_source"]["ttl"], HOUR_MS)
        self.fail(
            "auth:createApiKey",
            "services.storage.document_already_exists",
            400,
            jwt=self.alice,
            _id="my-key",
            body={"description": "again"},
        )
        self.clock.advance(3600)
        error = self.fail(
            "auth:getCurrentUser", "security.token.expired", 401, jwt=result["_source"]["token"]
        )
        self.assertEqual(error["message"], "Token expired")

    def test_arguments(self) -> None:
        self.fail("auth:createApiKey", "security.rights.unauthorized", 401, body={})
        self.fail("auth:createApiKey", "api.assert.body_required", 400, jwt=self.alice)
        self.fail("auth:createApiKey", "api.assert.missing_argument", 400, jwt=self.alice, body={})
        self.fail(
            "auth:createApiKey",
            "api.assert.invalid_type",
            400,
            jwt=self.alice,
            body={"description": 3},
        )
        self.fail(
            "auth:createApiKey",
            "api.assert.invalid_argument",
            400,
            jwt=self.alice,
            expiresIn="soon",
            body={"description": "x"},
        )

    def test_search_finds_only_the_callers_keys_without_tokens(self) -> None:
        self.create_key(_id="a1", body={"description": "first"})
        self.create_key(_id="a2", body={"description": "second"})
        self.create_key(jwt=self.bob, _id="b1", body={"description": "first"})
        result = self.ok("auth:searchApiKeys", jwt=self.alice)
        self.assertEqual(sorted(hit["_id"] for hit in result["hits"]), ["a1", "a2"])
        self.assertEqual(result["total"], 2)
        self.assertTrue(all("token" not in hit["_source"] for hit in result["hits"]))
        matched = self.ok(
            "auth:searchApiKeys", jwt=self.alice, body={"match": {"description": "FIRST key"}}
        )
        self.assertEqual([hit["_id"] for hit in matched["hits"]], ["a1"])  # full text
        koncorde = self.ok(
            "auth:searchApiKeys",
            jwt=self.alice,
            lang="koncorde",
            body={"equals": {"description": "second"}},
        )
        self.assertEqual([hit["_id"] for hit in koncorde["hits"]], ["a2"])
        page = self.ok("auth:searchApiKeys", jwt=self.alice, size=1, **{"from": 1})
        self.assertEqual((len(page["hits"]), page["total"]), (1, 1))

    def test_delete(self) -> None:
        token = self.create_key(_id="k")["_source"]["token"]
        self.assertEqual(self.caller(token), "alice")
        error = self.fail(
            "auth:deleteApiKey", "services.storage.not_found", 404, jwt=self.bob, _id="k"
        )
        self.assertEqual(error["message"], 'ApiKey "k" not found for user "bob".')
        self.assertEqual(self.ok("auth:deleteApiKey", jwt=self.alice, _id="k"), {"_id": "k"})
        self.fail("auth:getCurrentUser", "security.token.invalid", 401, self.client(), jwt=token)
        self.fail("auth:deleteApiKey", "services.storage.not_found", 404, jwt=self.alice, _id="k")

    def test_deleted_key_ends_the_subscriptions_of_its_connections(self) -> None:
        token = self.create_key(_id="k")["_source"]["token"]
        subscriber = self.client()
        room = self.ok(
            "realtime:subscribe", subscriber, jwt=token, index="i", collection="c", body={}
        )
        self.ok("auth:deleteApiKey", jwt=self.alice, _id="k")
        self.ok("realtime:publish", index="i", collection="c", body={"a": 1})
        self.assertEqual(subscriber.notifications(room["channel"]), [])

    def test_logouts_and_revocations_keep_keys(self) -> None:
        token = self.create_key()["_source"]["token"]
        self.assertEqual(self.caller(token), "alice")
        self.ok("auth:logout", self.client(), jwt=token)  # logging out with a key keeps it
        self.assertEqual(self.caller(token), "alice")
        self.ok("auth:logout", jwt=self.alice, **{"global": True})
        self.assertEqual(self.caller(token), "alice")
        admin = self.admin()
        self.ok("security:revokeTokens", jwt=admin, _id="alice")
        self.assertEqual(self.caller(token), "alice")

    def test_not_refreshable(self) -> None:
        token = self.create_key(expiresIn="1h")["_source"]["token"]
        self.fail("auth:refreshToken", "security.token.refresh_forbidden", 401, jwt=token)

    def test_max_ttl(self) -> None:
        self.start_service(security={"apiKey": {"maxTTL": "1h"}})
        self.add_user("carol")
        carol = self.login("carol")["jwt"]
        body = {"description": "x"}
        self.fail("auth:createApiKey", "security.token.ttl_exceeded", 400, jwt=carol, body=body)
        self.ok("auth:createApiKey", jwt=carol, expiresIn="30m", body=body)

    def admin(self) -> str:
        self.add_user("root", ("admin",))
        self.next_second()
        return str(self.login("root")["jwt"])


class SecurityApiKeyTests(ApiKeyMixin, SynchronousTestCase):
    def test_create_search_delete_for_a_user(self) -> None:
        result = self.ok(
            "security:createApiKey", userId="bob", _id="bk", body={"description": "ops"}
        )
        token = result["_source"]["token"]
        self.assertEqual(result["_source"]["userId"], "bob")
        self.assertEqual(self.caller(token), "bob")
        found = self.ok("security:searchApiKeys", userId="bob")
        self.assertEqual([hit["_id"] for hit in found["hits"]], ["bk"])
        self.assertEqual(self.ok("security:searchApiKeys", userId="alice")["hits"], [])
        self.fail(
            "security:deleteApiKey", "services.storage.not_found", 404, userId="alice", _id="bk"
        )
        self.assertEqual(self.ok("security:deleteApiKey", userId="bob", _id="bk"), {"_id": "bk"})
        self.fail("auth:getCurrentUser", "security.token.invalid", 401, self.client(), jwt=token)

    def test_arguments(self) -> None:
        body = {"description": "x"}
        self.fail("security:createApiKey", "api.assert.missing_argument", 400, body=body)
        self.fail(
            "security:createApiKey", "security.user.not_found", 404, userId="nobody", body=body
        )
        self.fail("security:searchApiKeys", "api.assert.missing_argument", 400)
        self.fail("security:deleteApiKey", "api.assert.missing_argument", 400, userId="bob")

    def test_max_ttl_does_not_apply(self) -> None:
        self.start_service(security={"apiKey": {"maxTTL": "1h"}})
        self.add_user("carol")
        self.ok("security:createApiKey", userId="carol", body={"description": "x"})

    def test_deleting_the_user_deletes_its_keys(self) -> None:
        token = self.create_key(_id="k")["_source"]["token"]
        self.assertEqual(self.caller(token), "alice")
        self.ok("security:deleteUser", _id="alice")
        self.fail("auth:getCurrentUser", "security.token.invalid", 401, self.client(), jwt=token)
        self.add_user("alice")  # the same kuid again: its former key is gone
        self.assertEqual(self.ok("security:searchApiKeys", userId="alice")["hits"], [])


class CreateTokenTests(ApiKeyMixin, SynchronousTestCase):
    def test_create_token(self) -> None:
        result = self.ok("auth:createToken", jwt=self.alice)
        self.assertEqual(set(result), {"expiresAt", "singleUse", "token", "ttl"})
        self.assertEqual((result["ttl"], result["singleUse"]), (HOUR_MS, False))
        self.assertEqual(result["expiresAt"], NOW_MS + 1000 + HOUR_MS)
        self.assertEqual(self.caller(result["token"]), "alice")
        self.assertEqual(self.caller(result["token"]), "alice")

    def test_single_use(self) -> None:
        result = self.ok("auth:createToken", jwt=self.alice, singleUse=True, expiresIn="10m")
        self.assertEqual((result["singleUse"], result["ttl"]), (True, 600_000))
        client = self.client()
        self.assertEqual(
            self.ok("auth:getCurrentUser", client, jwt=result["token"])["_id"], "alice"
        )
        self.fail(
            "auth:getCurrentUser", "security.token.invalid", 401, client, jwt=result["token"]
        )

    def test_never_infinite(self) -> None:
        for value in (-1, "-1"):
            error = self.fail(
                "auth:createToken",
                "security.token.invalid_expiration",
                400,
                jwt=self.alice,
                expiresIn=value,
            )
            self.assertEqual(
                error["message"], "Invalid token expiration: expiresIn cannot be infinite"
            )


class HttpApiKeyTests(ApiKeyMixin, SynchronousTestCase):
    def request(self, method: str, path: str, jwt: str, body: Any = None) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {jwt}", "Content-Type": "application/json"}
        stub = StubTreq(self.service.resource)
        data = None if body is None else codec.dumps(body)
        response = self.successResultOf(
            stub.request(method, "http://kuzzle.test" + path, data=data, headers=headers)
        )
        document: dict[str, Any] = codec.loads(self.successResultOf(response.content()))
        self.assertEqual(response.code, document["status"], document)
        return document

    def test_routes_and_bearer_key(self) -> None:
        created = self.request(
            "POST", "/api-keys/_create?_id=h1", self.alice, {"description": "d"}
        )
        token = created["result"]["_source"]["token"]
        self.assertEqual(self.request("GET", "/_me", token)["result"]["_id"], "alice")
        found = self.request("POST", "/api-keys/_search", token, {"match_all": {}})
        self.assertEqual([hit["_id"] for hit in found["result"]["hits"]], ["h1"])
        single = self.request("POST", "/_createToken?singleUse", self.alice)["result"]
        self.assertTrue(single["singleUse"])
        self.assertEqual(self.request("GET", "/_me", single["token"])["status"], 200)
        self.assertEqual(self.request("GET", "/_me", single["token"])["status"], 401)
        other = self.request(
            "POST", "/users/bob/api-keys/_create", self.alice, {"description": "for bob"}
        )
        self.assertEqual(other["result"]["_source"]["userId"], "bob")
        deleted = self.request("DELETE", "/api-keys/h1", self.alice)
        self.assertEqual(deleted["result"], {"_id": "h1"})
        self.assertEqual(
            self.request("GET", "/_me", token)["error"]["id"], "security.token.invalid"
        )
