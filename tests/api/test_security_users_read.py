# -*- test-case-name: tests.api.test_security_users_read -*-
"""
The ``security`` user actions that read or remove users: delete (with its
credentials and tokens), mDelete, revokeTokens, mGet, search, scroll,
getUserRights, getUserStrategies and checkRights.
"""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from kuzzle_tx import codec
from tests.api.test_security_support import PASSWORD, SecurityApiMixin


class DeleteUserTests(SecurityApiMixin, SynchronousTestCase):
    def setUp(self) -> None:
        self.start_security()
        self.make_user("ann", "admin", username="ann")

    def test_delete(self) -> None:
        """deleteUser answers {_id}; the user, its credentials and its tokens are gone."""
        jwt = self.token("ann")
        self.ok("server:now", jwt=jwt)
        self.assertEqual(self.as_admin("security:deleteUser", _id="ann"), {"_id": "ann"})
        self.admin_fails("security:getUser", "security.user.not_found", 404, _id="ann")
        self.assertEqual(self.login_error("ann"), "plugin.strategy.missing_user")
        self.fail("server:now", "security.token.invalid", 401, jwt=jwt)
        self.admin_fails("security:deleteUser", "security.user.not_found", 404, _id="ann")
        self.make_user("ann", "default", username="ann")

    def test_revoke_tokens(self) -> None:
        """revokeTokens (null) invalidates every token of the user; the user stays."""
        first, second = self.token("ann"), self.token("ann")
        self.assertIsNone(self.as_admin("security:revokeTokens", _id="ann"))
        for jwt in (first, second):
            self.fail("server:now", "security.token.invalid", 401, jwt=jwt)
        self.ok("server:now", jwt=self.token("ann"))
        self.assertEqual(self.as_admin("security:getUser", _id="ann")["_id"], "ann")

    def test_revoked_connections_leave_their_rooms(self) -> None:
        """A connection whose token is revoked loses its subscriptions, without a notification."""
        client = self.client()
        jwt = self.token("ann")
        room = self.ok("realtime:subscribe", client, jwt=jwt, index="i", collection="c", body={})
        self.as_admin("security:revokeTokens", _id="ann")
        self.ok("realtime:publish", index="i", collection="c", body={"a": 1}, jwt=self.admin)
        self.assertEqual(client.notifications(room["channel"]), [])
        self.assertEqual(
            [m for m in client.socket.messages() if m.get("type") == "TokenExpired"], []
        )

    def test_mdelete(self) -> None:
        """mDeleteUsers answers the ids deleted."""
        self.make_user("bob", "default")
        self.assertEqual(
            self.as_admin("security:mDeleteUsers", body={"ids": ["ann", "bob"]}), ["ann", "bob"]
        )
        self.admin_fails("security:getUser", "security.user.not_found", 404, _id="bob")

    def test_mdelete_partial(self) -> None:
        """Some deletions failing: 206 services.storage.incomplete_delete with the errors."""
        error = self.admin_fails(
            "security:mDeleteUsers",
            "services.storage.incomplete_delete",
            206,
            body={"ids": ["ann", "nobody"]},
        )
        self.assertEqual(error["count"], 1)
        self.assertEqual(error["errors"][0]["id"], "security.user.not_found")
        self.admin_fails("security:getUser", "security.user.not_found", 404, _id="ann")

    def test_mdelete_limits(self) -> None:
        """More ids than limits.documentsWriteCount: 413; no body: 400."""
        self.start_security(limits={"documentsWriteCount": 2})
        self.admin_fails(
            "security:mDeleteUsers",
            "services.storage.write_limit_exceeded",
            413,
            body={"ids": ["a", "b", "c"]},
        )
        self.admin_fails("security:mDeleteUsers", "api.assert.body_required", 400)


class ReadUserTests(SecurityApiMixin, SynchronousTestCase):
    def setUp(self) -> None:
        self.start_security()
        self.make_user("ann", "default", name="Ann", age=30)
        self.make_user("bob", "default", name="Bob", age=40)
        self.make_user("carl", "admin", name="Carl", age=50)

    def test_mget(self) -> None:
        """mGetUsers: body.ids or an ids argument ("a,b"); unknown ids are left out."""
        result = self.as_admin("security:mGetUsers", body={"ids": ["bob", "nobody", "ann"]})
        self.assertEqual([hit["_id"] for hit in result["hits"]], ["bob", "ann"])
        self.assertNotIn("total", result)
        self.assertEqual(
            [h["_id"] for h in self.as_admin("security:mGetUsers", ids="ann,carl")["hits"]],
            ["ann", "carl"],
        )
        self.admin_fails("security:mGetUsers", "api.assert.missing_argument", 400)

    def test_search(self) -> None:
        """searchUsers takes an Elasticsearch query, from and size; answers {hits, total}."""
        result = self.as_admin(
            "security:searchUsers", body={"query": {"term": {"profileIds": "default"}}}
        )
        self.assertEqual(result["total"], 2)
        self.assertEqual(sorted(hit["_id"] for hit in result["hits"]), ["ann", "bob"])
        everyone = self.as_admin("security:searchUsers", body={})
        self.assertEqual(everyone["total"], 4)  # the first admin too
        page = self.as_admin(
            "security:searchUsers",
            body={"query": {"range": {"age": {"gte": 40}}}},
            **{"from": 1, "size": 1},
        )
        self.assertEqual((page["total"], len(page["hits"])), (2, 1))
        koncorde = self.as_admin(
            "security:searchUsers", lang="koncorde", body={"query": {"equals": {"name": "Bob"}}}
        )
        self.assertEqual([hit["_id"] for hit in koncorde["hits"]], ["bob"])

    def test_search_sorted(self) -> None:
        """searchUsers takes the rest of a search body too: sort."""
        result = self.as_admin(
            "security:searchUsers",
            body={"query": {"exists": {"field": "age"}}, "sort": [{"age": "desc"}]},
        )
        self.assertEqual([hit["_id"] for hit in result["hits"]], ["carl", "bob", "ann"])

    def test_search_errors(self) -> None:
        """A size above limits.documentsFetchCount is 413; a bad query is 400."""
        self.admin_fails(
            "security:searchUsers", "services.storage.get_limit_exceeded", 413, size=10001
        )
        self.admin_fails(
            "security:searchUsers",
            "services.storage.unknown_query_keyword",
            400,
            body={"query": {"equals": {"name": "Bob"}}},
        )
        self.admin_fails(
            "security:searchUsers",
            "services.storage.invalid_search_query",
            400,
            body={"aggregations": {}},
        )

    def test_scroll(self) -> None:
        """With scroll, a scrollId; scrollUsers gives the next pages, then forgets it."""
        first = self.as_admin("security:searchUsers", body={}, size=3, scroll="10s")
        self.assertEqual(len(first["hits"]), 3)
        following = self.as_admin("security:scrollUsers", scrollId=first["scrollId"])
        self.assertEqual(len(following["hits"]), 1)
        ids = {hit["_id"] for hit in first["hits"] + following["hits"]}
        self.assertEqual(ids, {"admin", "ann", "bob", "carl"})
        self.admin_fails(
            "security:scrollUsers",
            "services.storage.unknown_scroll_id",
            404,
            scrollId=first["scrollId"],
        )

    def test_user_rights(self) -> None:
        """getUserRights lists the rights of the user's profiles' roles; 404 if unknown."""
        self.make_role("reader", {"document": {"actions": {"get": True, "delete": False}}})
        self.make_profile("readers", {"roleId": "reader", "restrictedTo": [{"index": "shop"}]})
        self.make_user("dan", "readers")
        result = self.as_admin("security:getUserRights", _id="dan")
        self.assertEqual(result["total"], 2)
        self.assertEqual(
            result["hits"],
            [
                {
                    "controller": "document",
                    "action": "get",
                    "index": "shop",
                    "collection": "*",
                    "value": "allowed",
                },
                {
                    "controller": "document",
                    "action": "delete",
                    "index": "shop",
                    "collection": "*",
                    "value": "denied",
                },
            ],
        )
        self.admin_fails("security:getUserRights", "security.user.not_found", 404, _id="x")

    def test_user_strategies(self) -> None:
        """getUserStrategies: ["local"] once the user has credentials; 404 if unknown."""
        self.assertEqual(
            self.as_admin("security:getUserStrategies", _id="ann"),
            {"strategies": [], "total": 0},
        )
        self.admin_fails("security:getUserStrategies", "security.user.not_found", 404, _id="x")

    def test_check_rights(self) -> None:
        """security:checkRights tells whether a user may run a request."""
        self.as_admin("security:restrictDefaultRights")
        allowed = self.as_admin(
            "security:checkRights",
            userId="ann",
            body={"controller": "auth", "action": "getCurrentUser"},
        )
        self.assertEqual(allowed, {"allowed": True})
        denied = self.as_admin(
            "security:checkRights",
            userId="ann",
            body={"controller": "document", "action": "create", "index": "i"},
        )
        self.assertEqual(denied, {"allowed": False})
        self.admin_fails(
            "security:checkRights",
            "api.assert.missing_argument",
            400,
            userId="ann",
            body={"controller": "auth"},
        )
        self.admin_fails(
            "security:checkRights",
            "security.user.not_found",
            404,
            userId="x",
            body={"controller": "auth", "action": "login"},
        )

    def test_no_secret_in_answers(self) -> None:
        """No answer about users carries a password or a hash."""
        self.make_user("eve", "default", username="eve")
        for what, fields in (
            ("security:getUser", {"_id": "eve"}),
            ("security:searchUsers", {"body": {}}),
            ("security:mGetUsers", {"body": {"ids": ["eve"]}}),
            ("security:getCredentials", {"_id": "eve", "strategy": "local"}),
        ):
            text = codec.dumps(self.as_admin(what, **fields)).decode()
            self.assertNotIn(PASSWORD, text)
            self.assertNotIn("argon2", text)
            self.assertNotIn("hash", text)
