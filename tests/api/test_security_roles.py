# -*- test-case-name: tests.api.test_security_roles -*-
"""
The ``security`` role actions (kuzzle-api.md §8.4): create, createOrReplace,
get, update, delete, mGet, search and mDelete; validation against Kuzzle's
API, the protected roles, and rights that change as soon as a role does
(wildcard precedence included).
"""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from kuzzle_tx.api.controllers.security_roles import NATIVE_API
from tests.api.test_security_support import ALL_RIGHTS, SecurityApiMixin

READER = {"document": {"actions": {"get": True, "search": True}}}


class RoleWriteTests(SecurityApiMixin, SynchronousTestCase):
    def setUp(self) -> None:
        self.start_security()

    def test_create_or_replace(self) -> None:
        """The SDK's createOrReplaceRole (force: null): {_id, _source: {controllers}}."""
        result = self.as_admin(
            "security:createOrReplaceRole",
            _id="reader",
            force=None,
            body={"controllers": READER, "tags": ["t"], "_kuzzle_info": {"author": "x"}},
        )
        self.assertEqual(
            result, {"_id": "reader", "_source": {"controllers": READER, "tags": ["t"]}}
        )
        self.assertEqual(self.as_admin("security:getRole", _id="reader"), result)
        replaced = self.make_role("reader", {"server": {"actions": {"now": True}}})
        self.assertEqual(
            replaced["_source"], {"controllers": {"server": {"actions": {"now": True}}}}
        )

    def test_create(self) -> None:
        """createRole creates; a second time is 400 services.storage.document_already_exists."""
        created = self.as_admin("security:createRole", _id="reader", body={"controllers": READER})
        self.assertEqual(created["_source"]["controllers"], READER)
        self.admin_fails(
            "security:createRole",
            "services.storage.document_already_exists",
            400,
            _id="reader",
            body=ALL_RIGHTS,
        )
        self.assertEqual(self.as_admin("security:getRole", _id="reader"), created)

    def test_invalid_definitions(self) -> None:
        """Kuzzle's checks of a role body, with their ids; nothing is stored."""
        cases = [
            (None, "api.assert.body_required"),
            ({}, "api.assert.missing_argument"),
            ({"controllers": []}, "api.assert.invalid_type"),
            ({"controllers": {}}, "api.assert.empty_argument"),
            ({"controllers": {"document": {}}}, "api.assert.empty_argument"),
            ({"controllers": {"document": {"x": 1}}}, "api.assert.missing_argument"),
            (
                {"controllers": {"document": {"actions": {"get": "yes"}}}},
                "api.assert.invalid_type",
            ),
            (
                {"controllers": {"nope": {"actions": {"*": True}}}},
                "security.role.unknown_controller",
            ),
            (
                {"controllers": {"document": {"actions": {"nope": True}}}},
                "security.role.unknown_action",
            ),
            ({"controllers": {"*": {"actions": {"get": True}}}}, "security.role.unknown_action"),
        ]
        for body, error_id in cases:
            self.admin_fails("security:createRole", error_id, 400, _id="bad", body=body)
        self.admin_fails("security:getRole", "security.role.not_found", 404, _id="bad")
        self.admin_fails(
            "security:createRole", "api.assert.missing_argument", 400, body=ALL_RIGHTS
        )

    def test_force(self) -> None:
        """force admits unknown controllers (plugins), not unknown actions of known ones."""
        plugin = {"my-plugin/ctrl": {"actions": {"act": True}}}
        self.admin_fails(
            "security:createRole",
            "security.role.unknown_controller",
            400,
            _id="p",
            body={"controllers": plugin},
            force=False,
        )
        self.assertEqual(self.make_role("p", plugin, force=True)["_source"]["controllers"], plugin)
        self.admin_fails(
            "security:createRole",
            "security.role.unknown_action",
            400,
            _id="q",
            body={"controllers": {"document": {"actions": {"nope": True}}}},
            force=True,
        )
        self.admin_fails(
            "security:createRole",
            "api.assert.invalid_type",
            400,
            _id="q",
            body=ALL_RIGHTS,
            force="yes",
        )

    def test_whole_native_api(self) -> None:
        """Actions of Kuzzle's API are accepted even where not implemented here."""
        controllers = {
            "realtime": {"actions": {"subscribe": True, "join": True, "validate": True}},
            "ms": {"actions": {"get": True}},
            "memoryStorage": {"actions": {"set": True}},
            "admin": {"actions": {"resetDatabase": False}},
            "security": {"actions": {"createApiKey": True}},
        }
        self.make_role("wide", controllers)
        self.assertIn("checkToken", NATIVE_API["auth"])

    def test_anonymous_role_must_allow_login(self) -> None:
        """The anonymous role cannot lose auth:login (400 security.role.login_required)."""
        self.admin_fails(
            "security:createOrReplaceRole",
            "security.role.login_required",
            400,
            _id="anonymous",
            body={"controllers": {"auth": {"actions": {"checkToken": True}}}},
        )
        self.make_role("anonymous", {"auth": {"actions": {"login": True}}})

    def test_update_replaces(self) -> None:
        """updateRole replaces the role, as Kuzzle; an unknown role is 404."""
        self.make_role("reader", READER)
        result = self.as_admin(
            "security:updateRole",
            _id="reader",
            body={"controllers": {"server": {"actions": {"now": True}}}},
        )
        self.assertEqual(
            result,
            {"_id": "reader", "_source": {"controllers": {"server": {"actions": {"now": True}}}}},
        )
        self.admin_fails(
            "security:updateRole",
            "services.storage.not_found",
            404,
            _id="nobody",
            body=ALL_RIGHTS,
        )
        self.admin_fails(
            "security:updateRole", "api.assert.missing_argument", 400, _id="reader", body={}
        )

    def test_delete(self) -> None:
        """deleteRole answers {_id}; unknown: 404; protected: 400; in a profile: 412."""
        self.make_role("reader", READER)
        self.make_role("spare", READER)
        self.make_profile("readers", {"roleId": "reader"})
        for role_id in ("admin", "default", "anonymous"):
            self.admin_fails(
                "security:deleteRole", "security.role.cannot_delete", 400, _id=role_id
            )
        error = self.admin_fails("security:deleteRole", "security.role.in_use", 412, _id="reader")
        self.assertEqual(error["props"], ["reader"])
        self.assertEqual(self.as_admin("security:deleteRole", _id="spare"), {"_id": "spare"})
        self.admin_fails("security:getRole", "security.role.not_found", 404, _id="spare")
        self.admin_fails("security:deleteRole", "security.role.not_found", 404, _id="spare")
        self.as_admin("security:deleteProfile", _id="readers")
        self.as_admin("security:deleteRole", _id="reader")

    def test_mdelete(self) -> None:
        """mDeleteRoles answers the ids deleted, or 206 with the failures."""
        self.make_role("a", READER)
        self.make_role("b", READER)
        self.assertEqual(self.as_admin("security:mDeleteRoles", body={"ids": ["a"]}), ["a"])
        error = self.admin_fails(
            "security:mDeleteRoles",
            "services.storage.incomplete_delete",
            206,
            body={"ids": ["b", "admin"]},
        )
        self.assertEqual([e["id"] for e in error["errors"]], ["security.role.cannot_delete"])
        self.admin_fails("security:getRole", "security.role.not_found", 404, _id="b")


class RoleReadTests(SecurityApiMixin, SynchronousTestCase):
    def setUp(self) -> None:
        self.start_security()
        self.make_role("reader", READER)
        self.make_role("clock", {"server": {"actions": {"now": True}}})

    def test_get(self) -> None:
        """getRole: 404 security.role.not_found for an unknown role; _id is required."""
        error = self.admin_fails("security:getRole", "security.role.not_found", 404, _id="x")
        self.assertEqual(error["props"], ["x"])
        self.admin_fails("security:getRole", "api.assert.missing_argument", 400)

    def test_mget(self) -> None:
        """mGetRoles: {hits} in the order asked; one unknown role is 404."""
        result = self.as_admin("security:mGetRoles", body={"ids": ["clock", "reader"]})
        self.assertEqual([hit["_id"] for hit in result["hits"]], ["clock", "reader"])
        self.admin_fails(
            "security:mGetRoles", "security.role.not_found", 404, body={"ids": ["reader", "x"]}
        )
        self.admin_fails("security:mGetRoles", "api.assert.missing_argument", 400, body={})

    def test_search_by_controllers(self) -> None:
        """searchRoles {controllers}: roles naming one of them, or "*"; from and size."""
        result = self.as_admin("security:searchRoles", body={"controllers": ["document"]})
        self.assertEqual(
            sorted(hit["_id"] for hit in result["hits"]),
            ["admin", "anonymous", "default", "reader"],
        )
        self.assertEqual(result["total"], 4)
        page = self.as_admin(
            "security:searchRoles", body={"controllers": ["server"]}, size=1, **{"from": 1}
        )
        self.assertEqual((page["total"], len(page["hits"])), (4, 1))
        everything = self.as_admin("security:searchRoles", body={"controllers": []})
        self.assertEqual(everything["total"], 5)

    def test_search_by_query(self) -> None:
        """searchRoles {query}; both controllers and query: 400; bad controllers: 400."""
        result = self.as_admin(
            "security:searchRoles", body={"query": {"ids": {"values": ["clock", "x"]}}}
        )
        self.assertEqual([hit["_id"] for hit in result["hits"]], ["clock"])
        self.admin_fails(
            "security:searchRoles",
            "api.assert.mutually_exclusive",
            400,
            body={"controllers": ["document"], "query": {"match_all": {}}},
        )
        self.admin_fails(
            "security:searchRoles",
            "api.assert.invalid_type",
            400,
            body={"controllers": "document"},
        )
        self.admin_fails(
            "security:searchRoles", "services.storage.get_limit_exceeded", 413, size=20000
        )

    def test_over_http(self) -> None:
        """PUT /roles/:_id and GET /roles/:_id."""
        self.start_service()
        put = self.http("PUT", "/roles/reader", {"controllers": READER})
        self.assertEqual(put["result"]["_source"]["controllers"], READER)
        self.assertEqual(self.http("GET", "/roles/reader")["result"], put["result"])


class RoleRightsTests(SecurityApiMixin, SynchronousTestCase):
    """Roles decide at once what users may do."""

    def setUp(self) -> None:
        self.start_security()
        self.as_admin("security:restrictDefaultRights")
        self.as_admin("index:create", index="shop")
        self.as_admin("collection:create", index="shop", collection="orders")

    def test_exact_action_wins_over_wildcard(self) -> None:
        """{"document": {"*": true, "delete": false}} allows create and denies delete."""
        self.make_role("writer", {"document": {"actions": {"*": True, "delete": False}}})
        self.make_profile("writers", {"roleId": "writer"})
        self.make_user("ann", "writers")
        jwt = self.token("ann")
        created = self.ok("document:create", jwt=jwt, _id="d1", body={"a": 1})
        self.assertEqual(created["_id"], "d1")
        self.fail("document:delete", "security.rights.forbidden", 403, jwt=jwt, _id="d1")
        self.fail("index:create", "security.rights.forbidden", 403, jwt=jwt, index="x")

    def test_exact_controller_hides_wildcard(self) -> None:
        """A role's own controller entry is used even if "*" would allow more."""
        self.make_role(
            "mixed",
            {"*": {"actions": {"*": True}}, "document": {"actions": {"get": True}}},
        )
        self.make_profile("mixed", {"roleId": "mixed"})
        self.make_user("ann", "mixed")
        jwt = self.token("ann")
        self.ok("index:exists", jwt=jwt, index="shop")
        self.fail("document:create", "security.rights.forbidden", 403, jwt=jwt, body={})

    def test_role_change_applies_at_once(self) -> None:
        """Changing or replacing a role changes the rights of its users immediately."""
        self.make_role("r", {"document": {"actions": {"get": True}}})
        self.make_profile("p", {"roleId": "r"})
        self.make_user("ann", "p")
        jwt = self.token("ann")
        self.fail("document:create", "security.rights.forbidden", 403, jwt=jwt, body={})
        self.as_admin(
            "security:updateRole",
            _id="r",
            body={"controllers": {"document": {"actions": {"create": True}}}},
        )
        self.ok("document:create", jwt=jwt, body={})
        self.make_role("r", {"server": {"actions": {"now": True}}})
        self.fail("document:create", "security.rights.forbidden", 403, jwt=jwt, body={})
