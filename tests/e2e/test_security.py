# -*- test-case-name: tests.e2e.test_security -*-
"""
Security through the official JavaScript SDK (kuzzle-sdk 7.17.1), over WebSocket and
over Http, against the real server (``tests/e2e/js/sdk_security.js``): the first admin
with ``reset``, login, roles, profiles and users made with the SDK's ``security``
methods, and the rights that follow for anonymous and restricted users.
"""

from __future__ import annotations

from typing import Any

from tests.e2e.harness import E2ETestCase
from tests.e2e.test_documents import Outcomes

READER_ROLE = {
    "auth": {
        "actions": {"login": True, "checkToken": True, "getCurrentUser": True, "logout": True}
    },
    "document": {"actions": {"get": True, "search": True}},
}


class SecurityChecks(Outcomes):
    """The assertions on one run of C{sdk_security.js}, for C{self.protocol}."""

    protocol: str

    async def report(self: Any) -> dict[str, Any]:
        server = await self.server()
        report: dict[str, Any] = await self.node("sdk_security.js", server.port, self.protocol)
        self.assertNotIn("error", report, report.get("error"))
        return report

    async def test_security_through_the_sdk(self: Any) -> None:
        """
        createFirstAdmin with reset; anonymous restricted (401); admin login and
        adminExists; createRole / createOrReplaceRole / createProfile /
        createOrReplaceProfile / createUser round trips with their errors; a restricted
        user allowed where its role and restrictions say, 403 elsewhere; deletions.
        """
        r = await self.report()
        # First admin.
        self.assertEqual(self.ok(r["adminExistsBefore"]), False)
        self.assertEqual(
            self.ok(r["firstAdmin"]),
            {
                "_id": "boss",
                "content": {"name": "Boss", "profileIds": ["admin"]},
                "profileIds": ["admin"],
            },
        )
        self.assert_kuzzle_error(r["firstAdminAgain"], 412, "api.process.admin_exists")
        # Anonymous after reset.
        self.assert_kuzzle_error(r["anonymousIndexCreate"], 401, "security.rights.unauthorized")
        self.assert_kuzzle_error(r["anonymousAdminExists"], 401, "security.rights.unauthorized")
        self.assertIs(self.ok(r["anonymousCheckToken"])["valid"], True)
        # The admin logs in.
        self.assert_kuzzle_error(r["badLogin"], 401, "plugin.strategy.missing_user")
        self.assertIsInstance(self.ok(r["login"]), str)
        self.assertIs(r["authenticated"], True)
        self.assertEqual(self.ok(r["adminExistsAfter"]), True)
        self.assertEqual(self.ok(r["currentUser"])["_id"], "boss")
        # Roles.
        self.assertEqual(self.ok(r["createRole"]), {"_id": "reader", "controllers": READER_ROLE})
        self.assert_kuzzle_error(
            r["createRoleAgain"], 400, "services.storage.document_already_exists"
        )
        self.assertEqual(
            self.ok(r["createOrReplaceRole"]),
            {
                "_id": "writer",
                "controllers": {"document": {"actions": {"*": True, "delete": False}}},
            },
        )
        self.assert_kuzzle_error(r["badRole"], 400, "security.role.unknown_controller")
        self.assertEqual(self.ok(r["getRole"]), self.ok(r["createRole"]))
        # Profiles.
        readers = {
            "_id": "readers",
            "policies": [{"roleId": "reader", "restrictedTo": [{"index": "shop"}]}],
            "rateLimit": 0,
        }
        self.assertEqual(self.ok(r["createProfile"]), readers)
        self.assertEqual(self.ok(r["getProfile"]), readers)
        self.assertEqual(self.ok(r["createOrReplaceProfile"])["rateLimit"], 50)
        self.assert_kuzzle_error(r["badProfile"], 404, "security.role.not_found")
        # Users.
        ann = {
            "_id": "ann",
            "content": {"profileIds": ["readers"], "name": "Ann"},
            "profileIds": ["readers"],
        }
        self.assertEqual(self.ok(r["createUser"]), ann)
        self.assertEqual(self.ok(r["getUser"]), ann)
        self.assertEqual(self.ok(r["createWriter"])["profileIds"], ["writers"])
        self.assert_kuzzle_error(r["createUserAgain"], 412, "security.user.already_exists")
        self.assertEqual(self.ok(r["searchUsers"]), {"total": 1, "ids": ["ann"]})
        # A reader: document:get on index shop only.
        self.assertIsInstance(self.ok(r["annLogin"]), str)
        self.assertEqual(self.ok(r["annGet"]), 1)
        self.assert_kuzzle_error(r["annCreate"], 403, "security.rights.forbidden")
        self.assert_kuzzle_error(r["annIndexCreate"], 403, "security.rights.forbidden")
        self.assert_kuzzle_error(r["annOtherIndex"], 403, "security.rights.forbidden")
        # A writer: "*" but delete, on index shop only.
        self.ok(r["willLogin"])
        self.assertEqual(self.ok(r["willCreate"]), "d3")
        self.assert_kuzzle_error(r["willCreateOther"], 403, "security.rights.forbidden")
        self.assert_kuzzle_error(r["willDelete"], 403, "security.rights.forbidden")
        # Deleting a user ends its tokens and its credentials.
        self.assertEqual(self.ok(r["deleteUser"]), {"_id": "ann"})
        self.assert_kuzzle_error(r["annAfterDelete"], 401, "security.token.invalid")
        self.assert_kuzzle_error(r["annLoginAfterDelete"], 401, "plugin.strategy.missing_user")
        self.assert_kuzzle_error(r["deleteProfileInUse"], 412, "security.profile.in_use")
        self.assert_kuzzle_error(r["deleteRoleInUse"], 412, "security.role.in_use")
        self.assert_kuzzle_error(r["deleteProtected"], 400, "security.role.cannot_delete")


class WebSocketSecurityTests(E2ETestCase, SecurityChecks):
    """The SDK's WebSocket protocol."""

    protocol = "ws"


class HttpSecurityTests(E2ETestCase, SecurityChecks):
    """The SDK's Http protocol."""

    protocol = "http"
