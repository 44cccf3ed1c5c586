# -*- test-case-name: tests.e2e.test_auth -*-
"""
Authentication against the real server, through the official JavaScript SDK
(kuzzle-sdk 7.17.1, ``tests/e2e/js/sdk_auth.js``) over WebSocket and Http, and raw HTTP:
login and the token the SDK decodes, the caller's user and rights, checkToken,
refreshToken with its grace period, logout, and TokenExpired reaching a subscribed client.

The user is created as anonymous (first-run rights) with ``security:createUser``.
"""

from __future__ import annotations

import json
from typing import Any

from tests.e2e.harness import E2ETestCase, HttpResponse, KuzzleServer
from tests.e2e.test_documents import Outcomes

USERNAME = "alice"
PASSWORD = "e2e-Pa55word"
# Several logins a second on one socket (the default is 1 per connection and second).
CONFIG = {"limits": {"loginsPerSecond": 10}}
# Clock slack between the node client and the server, in milliseconds.
SLACK = 1500
HOUR_MS = 3_600_000


class AuthTestCase(E2ETestCase, Outcomes):
    async def start(self) -> KuzzleServer:
        server = await self.server(config=CONFIG)
        body = {
            "content": {"profileIds": ["default"], "name": "Alice"},
            "credentials": {"local": {"username": USERNAME, "password": PASSWORD}},
        }
        created = await self.post(server, f"/users/{USERNAME}/_create", body)
        self.assertEqual(created.code, 200, created.body)
        return server

    async def post(
        self, server: KuzzleServer, path: str, body: Any = None, jwt: str | None = None
    ) -> HttpResponse:
        headers = {"Content-Type": "application/json"}
        if jwt:
            headers["Authorization"] = f"Bearer {jwt}"
        data = None if body is None else json.dumps(body).encode()
        return await self.request(server, "POST", path, body=data, headers=headers)

    async def scenario(self, server: KuzzleServer, name: str) -> dict[str, Any]:
        report: dict[str, Any] = await self.node(
            "sdk_auth.js", server.port, name, USERNAME, PASSWORD
        )
        return report


class SdkSessionChecks(AuthTestCase):
    """The C{session} scenario, for the protocol in C{self.scenario_name}."""

    scenario_name = "session"

    async def run_session(self) -> tuple[KuzzleServer, dict[str, Any]]:
        server = await self.start()
        return server, await self.scenario(server, self.scenario_name)

    async def test_login(self) -> None:
        """
        login resolves with a jwt the SDK decodes (user id, expiry in seconds), and the SDK
        then says it is authenticated; wrong credentials are 401 plugin.strategy.missing_user.
        """
        _, report = await self.run_session()
        self.assertEqual(
            report["before"],
            {"authenticated": False, "jwt": None, "userId": None, "expiresAt": None},
        )
        self.assertEqual(
            self.ok(report["anonymousCheck"]), {"valid": True, "kuid": "-1", "expiresAt": None}
        )
        self.assert_kuzzle_error(report["wrongPassword"], 401, "plugin.strategy.missing_user")
        self.assertEqual(report["wrongPassword"]["error"]["message"], "wrong username or password")
        self.assert_kuzzle_error(
            report["unknownStrategy"], 400, "security.credentials.unknown_strategy"
        )
        jwt = self.ok(report["login"])
        self.assertTrue(jwt.startswith("kauth-"))
        after = report["afterLogin"]
        self.assertEqual(
            (after["authenticated"], after["jwt"], after["userId"]), (True, jwt, USERNAME)
        )
        expires_ms = after["expiresAt"] * 1000
        self.assertLess(abs(expires_ms - (report["loginAt"] + HOUR_MS)), SLACK + 1000)

    async def test_caller(self) -> None:
        """getCurrentUser, getStrategies, getMyRights, updateSelf and getMyCredentials."""
        _, report = await self.run_session()
        self.assertEqual(
            self.ok(report["currentUser"]),
            {"_id": USERNAME, "_source": {"profileIds": ["default"], "name": "Alice"}},
        )
        self.assertEqual(self.ok(report["strategies"]), ["local"])
        self.assertEqual(
            self.ok(report["rights"]),
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
        self.assertEqual(
            self.ok(report["updateSelf"]),
            {"profileIds": ["default"], "name": "Alice", "nickname": "ally"},
        )
        self.assertEqual(self.ok(report["credentials"]), {"username": USERNAME, "kuid": USERNAME})

    async def test_check_and_refresh(self) -> None:
        """
        checkToken reports a good token's owner and expiry, a bad one's state; refreshToken
        gives the SDK a new token, the old one lasting only the grace period.
        """
        _, report = await self.run_session()
        login = report["afterLogin"]
        valid = self.ok(report["checkValid"])
        self.assertEqual((valid["valid"], valid["kuid"]), (True, USERNAME))
        self.assertLessEqual(abs(valid["expiresAt"] - login["expiresAt"] * 1000), 1000)
        self.assertEqual(
            self.ok(report["checkInvalid"]), {"valid": False, "state": "Invalid token."}
        )
        refreshed = self.ok(report["refresh"])
        self.assertEqual(set(refreshed), {"_id", "jwt", "expiresAt", "ttl"})
        self.assertEqual((refreshed["_id"], refreshed["ttl"]), (USERNAME, HOUR_MS))
        self.assertNotEqual(refreshed["jwt"], report["firstJwt"])
        self.assertEqual(report["afterRefresh"]["jwt"], refreshed["jwt"])
        self.assertTrue(report["afterRefresh"]["authenticated"])
        self.assertTrue(self.ok(report["oldDuringGrace"])["valid"])
        self.assertEqual(
            self.ok(report["oldAfterGrace"]), {"valid": False, "state": "Invalid token."}
        )
        self.assertEqual(self.ok(report["userAfterRefresh"]), USERNAME)

    async def test_logout(self) -> None:
        """After logout the SDK holds no token, and the old token is refused (401)."""
        server, report = await self.run_session()
        self.ok(report["logout"])
        self.assertEqual(report["afterLogout"]["jwt"], None)
        self.assertFalse(report["afterLogout"]["authenticated"])
        self.assertFalse(self.ok(report["checkLoggedOut"])["valid"])
        self.assertEqual(self.ok(report["anonymousUser"]), "-1")
        old = report["loggedOutJwt"]
        response = await self.get(server, "/_me", headers={"Authorization": f"Bearer {old}"})
        self.assertEqual(response.code, 401)
        self.assertEqual(response.json()["error"]["id"], "security.token.invalid")


class WebSocketSessionTests(SdkSessionChecks):
    scenario_name = "session"


class HttpSessionTests(SdkSessionChecks):
    scenario_name = "http"


class TokenExpiryTests(AuthTestCase):
    async def test_token_expired(self) -> None:
        """
        A subscribed SDK client whose token reaches its end gets the TokenExpired
        notification: it emits tokenExpired, forgets its token and its subscriptions, and
        its socket stays usable (anonymous); the server dropped the subscription.
        """
        server = await self.start()
        report = await self.scenario(server, "expiry")
        self.ok(report["login"])
        self.ok(report["subscribe"])
        self.assertTrue(report["beforeExpiry"])
        self.assertTrue(report["sawExpiry"], report)
        self.assertGreaterEqual(report["expiredAfterMs"], 2000 - SLACK)
        self.assertLessEqual(report["expiredAfterMs"], 2000 + SLACK)
        [frame] = report["frames"]
        self.assertEqual(
            {key: frame[key] for key in ("status", "type", "message", "room")},
            {
                "status": 200,
                "type": "TokenExpired",
                "message": "Authentication Token Expired",
                "room": "kuzzle:notification:server",
            },
        )
        self.assertEqual(
            report["afterExpiry"],
            {"authenticated": False, "jwt": None, "userId": None, "expiresAt": None},
        )
        self.assertEqual(report["subscriptionsLeft"], 0)
        self.assertEqual(self.ok(report["anonymousUser"]), "-1")
        # Only the publication made before the expiry arrived (by alice, then logged in).
        self.assertEqual([source["n"] for source in report["received"]], [1])
        self.assertEqual(report["received"][0]["_kuzzle_info"]["author"], USERNAME)
        listed = await self.get(server, "/_listSubscriptions")
        self.assertEqual(listed.json()["result"], {})


class RawHttpTests(AuthTestCase):
    async def test_login_and_bearer(self) -> None:
        """Over raw HTTP: login, then the token as Bearer; a bad token is 401."""
        server = await self.start()
        login = await self.post(
            server, "/_login/local?expiresIn=1m", {"username": USERNAME, "password": PASSWORD}
        )
        result = login.json()["result"]
        self.assertEqual((result["_id"], result["ttl"]), (USERNAME, 60_000))
        me = await self.get(server, "/_me", headers={"Authorization": f"Bearer {result['jwt']}"})
        self.assertEqual(me.json()["result"]["_id"], USERNAME)
        bad = await self.get(server, "/_me", headers={"Authorization": "Bearer kauth-x.y.z"})
        self.assertEqual((bad.code, bad.json()["error"]["id"]), (401, "security.token.invalid"))
        wrong = await self.post(server, "/_login/local", {"username": USERNAME, "password": "no"})
        self.assertEqual(
            (wrong.code, wrong.json()["error"]["id"]), (401, "plugin.strategy.missing_user")
        )


class SdkApiKeyTests(AuthTestCase):
    async def test_api_keys_and_create_token(self) -> None:
        """
        The SDK creates an API key, finds it, another client authenticates with it
        (setAPIKey) until it is deleted; a single-use token from auth:createToken works
        once over Http.
        """
        server = await self.start()
        report = await self.scenario(server, "apikeys")
        self.ok(report["login"])
        created = self.ok(report["created"])
        self.assertEqual(created["_id"], "sdk-key")
        self.assertEqual(created["_source"]["userId"], USERNAME)
        self.assertTrue(created["_source"]["token"].startswith("kapikey-"))
        found = self.ok(report["search"])
        self.assertEqual([hit["_id"] for hit in found["hits"]], ["sdk-key"])
        self.assertNotIn("token", found["hits"][0]["_source"])
        self.assertEqual(report["keyState"]["userId"], USERNAME)
        self.assertEqual(self.ok(report["keyUser"]), USERNAME)
        self.assertEqual(
            self.ok(report["keyCheck"]), {"valid": True, "kuid": USERNAME, "expiresAt": -1}
        )
        single = self.ok(report["createToken"])
        self.assertTrue(single["singleUse"])
        self.assertEqual(self.ok(report["singleFirst"]), USERNAME)
        self.assert_kuzzle_error(report["singleSecond"], 401, "security.token.invalid")
        self.ok(report["deleted"])
        self.assert_kuzzle_error(report["keyAfterDelete"], 401, "security.token.invalid")
