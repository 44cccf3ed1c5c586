# -*- test-case-name: tests.api.test_security_first_run -*-
"""
First run and default rights (kuzzle-api.md §8.3): the three open roles and
profiles of a first start, ``security:createFirstAdmin`` with and without
``reset``, ``security:restrictDefaultRights`` and ``security.standard``, the
rights that follow, and security data surviving a restart of an SQLite-backed
service.
"""

from __future__ import annotations

import re
from typing import Any

from twisted.internet import reactor
from twisted.trial.unittest import SynchronousTestCase, TestCase

from kuzzle_tx.api.request import Connection, request_from_payload
from kuzzle_tx.security.definitions import STANDARD_PROFILES, STANDARD_ROLES
from kuzzle_tx.service import KuzzleService
from kuzzle_tx.testing import InlinePasswordHasher, memory_config
from tests.api.test_security_support import ALL_RIGHTS, PASSWORD, SecurityApiMixin

ADMIN_CREDENTIALS = {"local": {"username": "boss", "password": PASSWORD}}


class FirstStartTests(SecurityApiMixin, SynchronousTestCase):
    def setUp(self) -> None:
        self.start_service()

    def test_three_open_roles(self) -> None:
        """A first start creates the admin, default and anonymous roles, each allowing ``*:*``."""
        for role_id in ("admin", "default", "anonymous"):
            self.assertEqual(
                self.ok("security:getRole", _id=role_id), {"_id": role_id, "_source": ALL_RIGHTS}
            )
        result = self.ok("security:searchRoles", body={})
        self.assertEqual(result["total"], 3)
        self.assertEqual(
            sorted(hit["_id"] for hit in result["hits"]), ["admin", "anonymous", "default"]
        )

    def test_three_profiles(self) -> None:
        """Three profiles of the same names, each on its role; all unlimited (rateLimit 0)."""
        for profile_id in ("admin", "default", "anonymous"):
            self.assertEqual(
                self.ok("security:getProfile", _id=profile_id),
                {
                    "_id": profile_id,
                    "_source": {"policies": [{"roleId": profile_id}], "rateLimit": 0},
                },
            )
        self.assertEqual(self.ok("security:searchProfiles")["total"], 3)

    def test_anonymous_has_every_right(self) -> None:
        """Until rights are restricted, the anonymous user may do anything, security included."""
        self.ok("index:create", index="shop")
        self.ok("collection:create", index="shop", collection="orders")
        self.ok("document:create", body={"a": 1})
        self.ok("security:createRole", _id="reader", body=ALL_RIGHTS)
        rights = self.ok("security:getUserRights", _id="-1")
        self.assertEqual(
            rights["hits"],
            [
                {
                    "controller": "*",
                    "action": "*",
                    "index": "*",
                    "collection": "*",
                    "value": "allowed",
                }
            ],
        )

    def test_no_admin_at_first(self) -> None:
        """server:adminExists is false until a user has the admin profile."""
        self.assertEqual(self.ok("server:adminExists"), {"exists": False})
        self.ok("security:createUser", _id="u1", body={"content": {"profileIds": ["default"]}})
        self.assertEqual(self.ok("server:adminExists"), {"exists": False})

    def test_anonymous_user(self) -> None:
        """The anonymous user (kuid -1) has the anonymous profile and no strategy."""
        self.assertEqual(
            self.ok("security:getUser", _id="-1"),
            {"_id": "-1", "_source": {"profileIds": ["anonymous"], "name": "Anonymous"}},
        )
        self.assertEqual(
            self.ok("security:getUserStrategies", _id="-1"), {"strategies": [], "total": 0}
        )


class CreateFirstAdminTests(SecurityApiMixin, SynchronousTestCase):
    def setUp(self) -> None:
        self.start_service()

    def test_creates_an_admin(self) -> None:
        """The user gets profile admin, its content and its local credentials."""
        result = self.ok(
            "security:createFirstAdmin",
            _id="boss",
            body={"content": {"name": "Boss"}, "credentials": ADMIN_CREDENTIALS},
        )
        self.assertEqual(
            result, {"_id": "boss", "_source": {"name": "Boss", "profileIds": ["admin"]}}
        )
        self.assertEqual(self.ok("server:adminExists"), {"exists": True})
        self.assertEqual(self.login_kuid("boss"), "boss")
        self.assertEqual(self.ok("security:getUser", _id="boss"), result)

    def test_only_once(self) -> None:
        """A second createFirstAdmin is 412 api.process.admin_exists, whatever its id."""
        self.ok("security:createFirstAdmin", _id="boss")
        self.fail("security:createFirstAdmin", "api.process.admin_exists", 412, _id="other")
        self.fail("security:getUser", "security.user.not_found", 404, _id="other")

    def test_admin_created_otherwise_counts(self) -> None:
        """Any user with the admin profile makes createFirstAdmin refuse."""
        self.ok("security:createUser", _id="u", body={"content": {"profileIds": ["admin"]}})
        self.fail("security:createFirstAdmin", "api.process.admin_exists", 412)

    def test_generated_ids(self) -> None:
        """Without _id: "kuid-<words>-<n>", or "kuid-<uuid>" with kuid=uuid (Kuzzle's styles)."""
        result = self.ok("security:createFirstAdmin", body={"credentials": ADMIN_CREDENTIALS})
        self.assertTrue(re.fullmatch(r"kuid-[a-z]+-[a-z]+-\d{5}", result["_id"]), result)
        self.assertEqual(self.login_kuid("boss"), result["_id"])
        restricted = self.ok("security:createRestrictedUser", kuid="uuid", _id=None)
        self.assertTrue(
            re.fullmatch(
                r"kuid-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}",
                restricted["_id"],
            ),
            restricted,
        )

    def test_profile_ids_forbidden(self) -> None:
        """content.profileIds is 400 api.assert.forbidden_argument; nothing is created."""
        error = self.fail(
            "security:createFirstAdmin",
            "api.assert.forbidden_argument",
            400,
            _id="boss",
            body={"content": {"profileIds": ["default"]}},
        )
        self.assertEqual(error["props"], ["body.content.profileIds"])
        self.assertEqual(self.ok("server:adminExists"), {"exists": False})

    def test_bad_credentials_roll_back(self) -> None:
        """Refused credentials leave no admin behind: createFirstAdmin can be retried."""
        self.fail(
            "security:createFirstAdmin",
            "security.credentials.rejected",
            400,
            _id="boss",
            body={"credentials": {"local": {"username": "boss"}}},
        )
        self.assertEqual(self.ok("server:adminExists"), {"exists": False})
        self.ok("security:createFirstAdmin", _id="boss", body={"credentials": ADMIN_CREDENTIALS})

    def test_without_reset_rights_stay_open(self) -> None:
        """Creating an admin alone restricts nothing: anonymous keeps every right."""
        self.ok("security:createFirstAdmin", _id="boss")
        self.ok("index:create", index="shop")
        self.assertEqual(self.ok("security:getRole", _id="anonymous")["_source"], ALL_RIGHTS)

    def test_over_http(self) -> None:
        """POST /_createFirstAdmin/:_id?reset creates the admin and restricts the rights."""
        response = self.http(
            "POST",
            "/_createFirstAdmin/boss?reset",
            {"credentials": ADMIN_CREDENTIALS},
        )
        self.assertEqual(response["result"]["_id"], "boss")
        self.assertEqual(response["status"], 200)
        refused = self.http("GET", "/_adminExists")
        self.assertEqual(refused["error"]["id"], "security.rights.unauthorized")


class ResetTests(SecurityApiMixin, SynchronousTestCase):
    """createFirstAdmin with ``reset``: the standard, restricted rights."""

    def setUp(self) -> None:
        self.start_service()
        self.ok(
            "security:createFirstAdmin",
            _id="boss",
            reset=True,
            body={"credentials": ADMIN_CREDENTIALS},
        )
        self.admin = self.token("boss")

    def test_standard_roles_and_profiles(self) -> None:
        """Every role and profile is now the one of security.standard."""
        for role_id, body in STANDARD_ROLES.items():
            self.assertEqual(self.as_admin("security:getRole", _id=role_id)["_source"], body)
        for profile_id, body in STANDARD_PROFILES.items():
            self.assertEqual(self.as_admin("security:getProfile", _id=profile_id)["_source"], body)

    def test_anonymous_is_unauthorized(self) -> None:
        """Anonymous callers get 401 security.rights.unauthorized, document:create included."""
        error = self.fail("document:create", "security.rights.unauthorized", 401, body={})
        self.assertEqual(error["props"], ["document", "create"])
        self.fail("security:getRole", "security.rights.unauthorized", 401, _id="admin")
        self.fail("server:adminExists", "security.rights.unauthorized", 401)

    def test_anonymous_may_log_in_and_check_tokens(self) -> None:
        """auth:login and auth:checkToken pass the rights check; so do publicApi and openapi."""
        self.assertEqual(
            self.ok("auth:checkToken", body={}), {"valid": True, "kuid": "-1", "expiresAt": None}
        )
        login = self.call(
            "auth:login", strategy="local", body={"username": "boss", "password": PASSWORD}
        )
        if login["error"] is not None:
            self.assertNotIn(login["error"]["id"], ("security.rights.unauthorized",))
        self.ok("server:publicApi")

    def test_default_profile_is_forbidden(self) -> None:
        """A user with the default profile gets 403 rights.forbidden on collection:create."""
        self.make_user("joe", "default")
        error = self.fail(
            "collection:create",
            "security.rights.forbidden",
            403,
            jwt=self.token("joe"),
        )
        self.assertEqual(error["props"], ["collection", "create", "joe"])
        self.ok("auth:checkToken", jwt=self.token("joe"), body={})

    def test_admin_keeps_every_right(self) -> None:
        """The admin may still do anything."""
        self.as_admin("index:create", index="shop")
        self.as_admin("collection:create", index="shop", collection="orders")
        self.assertEqual(self.as_admin("server:adminExists"), {"exists": True})

    def test_restrict_again(self) -> None:
        """restrictDefaultRights can run again (result null), and reverts manual changes."""
        self.make_role("default", ALL_RIGHTS["controllers"])
        self.assertIsNone(self.as_admin("security:restrictDefaultRights"))
        self.assertEqual(
            self.as_admin("security:getRole", _id="default")["_source"], STANDARD_ROLES["default"]
        )


class RestrictDefaultRightsTests(SecurityApiMixin, SynchronousTestCase):
    def test_restrict_without_admin(self) -> None:
        """restrictDefaultRights alone (no admin yet): anonymous is restricted at once."""
        self.start_service()
        self.assertIsNone(self.ok("security:restrictDefaultRights"))
        self.fail("index:create", "security.rights.unauthorized", 401, index="shop")

    def test_configured_standard(self) -> None:
        """security.standard from the configuration replaces Kuzzle's defaults, per id."""
        anonymous_role = {
            "controllers": {
                "auth": {"actions": {"login": True, "checkToken": True}},
                "server": {"actions": {"now": True}},
            }
        }
        self.start_security(
            security={
                "standard": {
                    "roles": {"anonymous": anonymous_role},
                    "profiles": {"anonymous": {"policies": [{"roleId": "anonymous"}]}},
                }
            }
        )
        self.assertIsNone(self.as_admin("security:restrictDefaultRights"))
        self.ok("server:now")
        self.fail("server:publicApi", "security.rights.unauthorized", 401)
        self.assertEqual(
            self.as_admin("security:getRole", _id="anonymous")["_source"], anonymous_role
        )
        self.assertEqual(
            self.as_admin("security:getProfile", _id="anonymous")["_source"],
            {"policies": [{"roleId": "anonymous"}], "rateLimit": 0},
        )
        # The others are Kuzzle's defaults.
        self.assertEqual(
            self.as_admin("security:getRole", _id="default")["_source"], STANDARD_ROLES["default"]
        )


class RefreshTests(SecurityApiMixin, SynchronousTestCase):
    def test_refresh(self) -> None:
        """security:refresh of users, profiles or roles answers null; anything else is 400."""
        self.start_service()
        for collection in ("users", "profiles", "roles"):
            self.assertIsNone(self.ok("security:refresh", collection=collection))
        self.fail(
            "security:refresh", "api.assert.unexpected_argument", 400, collection="documents"
        )
        self.fail("security:refresh", "api.assert.missing_argument", 400)
        self.assertIsNone(self.http("POST", "/_security/roles/_refresh")["result"])


class RestartTests(TestCase):
    """With the SQLite backend, security data is on disk (real reactor, temporary directory)."""

    timeout = 30

    def service(self, data_dir: str) -> KuzzleService:
        config = memory_config(services={"storageEngine": {"backend": "sqlite"}})
        service = KuzzleService(
            config, reactor, data_dir=data_dir, passwords=InlinePasswordHasher()
        )
        service.startService()
        return service

    async def call(self, service: KuzzleService, what: str, **fields: Any) -> dict[str, Any]:
        controller, action = what.split(":")
        payload = {"controller": controller, "action": action, **fields}
        request = request_from_payload(payload, Connection("test", "http"), 0)
        await service.funnel.execute(request)
        return request.envelope("test")

    async def ok(self, service: KuzzleService, what: str, **fields: Any) -> Any:
        envelope = await self.call(service, what, **fields)
        self.assertIsNone(envelope["error"], (what, envelope["error"]))
        return envelope["result"]

    async def test_security_survives_a_restart(self) -> None:
        """Roles, profiles, users, credentials and restricted rights survive a restart."""
        data_dir = self.mktemp()
        first = self.service(data_dir)
        await first.security.when_ready()
        await self.ok(
            first,
            "security:createFirstAdmin",
            _id="boss",
            reset=True,
            body={"credentials": ADMIN_CREDENTIALS},
        )
        jwt = first.security.issue_token("boss", False).jwt
        role = {"controllers": {"document": {"actions": {"get": True}}}}
        await self.ok(first, "security:createRole", jwt=jwt, _id="reader", body=role)
        await self.ok(
            first,
            "security:createProfile",
            jwt=jwt,
            _id="readers",
            body={"policies": [{"roleId": "reader", "restrictedTo": [{"index": "shop"}]}]},
        )
        await self.ok(
            first,
            "security:createUser",
            jwt=jwt,
            _id="ann",
            body={
                "content": {"profileIds": ["readers"], "name": "Ann"},
                "credentials": {"local": {"username": "ann", "password": PASSWORD}},
            },
        )
        await first.stopService()

        second = self.service(data_dir)
        self.addCleanup(second.stopService)
        await second.security.when_ready()
        jwt = second.security.issue_token("boss", False).jwt
        self.assertEqual(
            await self.ok(second, "security:getRole", jwt=jwt, _id="reader"),
            {"_id": "reader", "_source": role},
        )
        profile = await self.ok(second, "security:getProfile", jwt=jwt, _id="readers")
        self.assertEqual(profile["_source"]["policies"][0]["restrictedTo"], [{"index": "shop"}])
        self.assertEqual(
            await self.ok(second, "security:getUser", jwt=jwt, _id="ann"),
            {"_id": "ann", "_source": {"profileIds": ["readers"], "name": "Ann"}},
        )
        self.assertEqual(
            await self.ok(second, "security:getCredentials", jwt=jwt, _id="ann", strategy="local"),
            {"username": "ann", "kuid": "ann"},
        )
        self.assertEqual(
            await second.security.local.authenticate({"username": "ann", "password": PASSWORD}),
            "ann",
        )
        refused = await self.call(second, "index:create", index="shop")
        self.assertEqual(refused["error"]["id"], "security.rights.unauthorized")
        self.assertEqual((await self.ok(second, "server:adminExists", jwt=jwt)), {"exists": True})
