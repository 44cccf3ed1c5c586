# -*- test-case-name: tests.api.test_auth_controller -*-
"""
The ``auth`` controller through a whole in-memory service on a `task.Clock`,
over WebSocket frames (and HTTP through the Site where the protocol matters):
logins, the life of a token, the caller's user, rights and credentials, and the
security gate's answers for restricted roles and profiles.

kuzzle-api.md §5.5 (TokenExpired), §8 (auth and security); sdk-contract.md §0
(gotchas 7 and 12), §4 (login and tokens), §7 (auth rows).
"""

from __future__ import annotations

import base64
import json
from typing import Any

from twisted.internet.defer import ensureDeferred
from twisted.logger import capturedLogs
from twisted.trial.unittest import SynchronousTestCase

from kuzzle_tx import codec
from kuzzle_tx.api.controllers.auth import AuthController
from kuzzle_tx.api.request import Connection, Request, RequestInput
from kuzzle_tx.errors import KuzzleError
from kuzzle_tx.realtime.notifications import SERVER_ROOM
from tests.api.test_document_controller import NOW_MS, ApiMixin, WebSocketApi

PASSWORD = "s3cret-Pa55word"
HOUR_MS = 3_600_000


class AuthMixin(ApiMixin):
    """`ApiMixin` plus users with local credentials, created straight in the store."""

    assertIn: Any
    assertNotIn: Any
    assertTrue: Any
    assertFalse: Any
    assertNotEqual: Any

    def add_user(
        self, kuid: str, profiles: tuple[str, ...] = ("default",), **content: Any
    ) -> None:
        security = self.service.security
        body = {"profileIds": list(profiles), **content}
        self.successResultOf(ensureDeferred(security.store.put_user(kuid, body, create=True)))
        credentials = {"username": kuid, "password": PASSWORD}
        self.successResultOf(ensureDeferred(security.local.create(kuid, credentials)))

    def put_role(self, role_id: str, controllers: dict[str, Any]) -> None:
        store = self.service.security.store
        self.successResultOf(ensureDeferred(store.put_role(role_id, {"controllers": controllers})))
        self.service.security.reload_definitions()

    def put_profile(self, profile_id: str, **body: Any) -> None:
        store = self.service.security.store
        self.successResultOf(ensureDeferred(store.put_profile(profile_id, body)))
        self.service.security.reload_definitions()

    def login(
        self, username: str = "alice", client: WebSocketApi | None = None, **fields: Any
    ) -> dict[str, Any]:
        credentials = {"username": username, "password": PASSWORD}
        result: dict[str, Any] = self.ok(
            "auth:login", client, strategy="local", body=credentials, **fields
        )
        return result

    def next_second(self) -> None:
        """Leave the current second (logins are limited per connection and second)."""
        self.clock.advance(1)


def jwt_payload(jwt: str) -> dict[str, Any]:
    """The payload segment decoded as the JS SDK does: the standard base64 alphabet only."""
    segment = jwt.split(".")[1]
    return dict(json.loads(base64.b64decode(segment + "=" * (-len(segment) % 4), validate=True)))


class LoginTests(AuthMixin, SynchronousTestCase):
    def setUp(self) -> None:
        self.start_service()
        self.add_user("alice", name="Alice")

    def test_result(self) -> None:
        """login answers {_id, jwt, expiresAt, ttl}, a kauth- JWT valid for the default hour."""
        result = self.login()
        self.assertEqual(set(result), {"_id", "jwt", "expiresAt", "ttl"})
        self.assertEqual(result["_id"], "alice")
        self.assertEqual((result["ttl"], result["expiresAt"]), (HOUR_MS, NOW_MS + HOUR_MS))
        self.assertTrue(result["jwt"].startswith("kauth-"))
        payload = jwt_payload(result["jwt"])
        self.assertEqual(payload["_id"], "alice")
        self.assertEqual(payload["exp"] * 1000, result["expiresAt"])
        self.assertEqual(self.ok("auth:getCurrentUser", jwt=result["jwt"])["_id"], "alice")

    def test_expires_in(self) -> None:
        """expiresIn is ms or an ms-style string; -1 never expires; null and "" use the default."""
        for value, ttl in (("2s", 2000), (60000, 60000), ("1000", 1000), ("1h", HOUR_MS)):
            client = self.client()
            result = self.login(client=client, expiresIn=value)
            self.assertEqual((result["ttl"], result["expiresAt"]), (ttl, NOW_MS + ttl), value)
        for value in (None, ""):
            self.assertEqual(self.login(client=self.client(), expiresIn=value)["ttl"], HOUR_MS)
        for value in (-1, "-1"):
            result = self.login(client=self.client(), expiresIn=value)
            self.assertEqual((result["ttl"], result["expiresAt"]), (-1, -1))
            self.assertNotIn("exp", jwt_payload(result["jwt"]))

    def test_bad_expires_in(self) -> None:
        """An unparsable expiresIn is refused with api.assert.invalid_argument."""
        for value in ("forever", -5, [1]):
            error = self.fail(
                "auth:login",
                "api.assert.invalid_argument",
                400,
                self.client(),
                strategy="local",
                body={"username": "alice", "password": PASSWORD},
                expiresIn=value,
            )
            self.assertEqual(error["props"][0], "expiresIn")

    def test_max_ttl(self) -> None:
        """Above security.jwt.maxTTL, and infinite with a maximum set: ttl_exceeded."""
        self.start_service(security={"jwt": {"maxTTL": 60000}})
        self.add_user("alice")
        for value in ("2m", -1):
            self.fail(
                "auth:login",
                "security.token.ttl_exceeded",
                400,
                self.client(),
                strategy="local",
                body={"username": "alice", "password": PASSWORD},
                expiresIn=value,
            )
        self.assertEqual(self.login(expiresIn="1m")["ttl"], 60000)

    def test_wrong_credentials(self) -> None:
        """Bad password or unknown user: 401 plugin.strategy.missing_user, one message."""
        for body in (
            {"username": "alice", "password": "nope"},
            {"username": "x", "password": "y"},
        ):
            error = self.fail(
                "auth:login",
                "plugin.strategy.missing_user",
                401,
                self.client(),
                strategy="local",
                body=body,
            )
            self.assertEqual(error["message"], "wrong username or password")
            self.assertEqual(error["code"], 67305492)
        error = self.fail(
            "auth:login", "plugin.strategy.missing_user", 401, strategy="local", body={}
        )
        self.assertEqual(error["message"], "Missing credentials")

    def test_strategy(self) -> None:
        """Only "local" exists: another is unknown_strategy (400), none is missing_argument."""
        error = self.fail(
            "auth:login",
            "security.credentials.unknown_strategy",
            400,
            strategy="oauth",
            body={"username": "alice", "password": PASSWORD},
        )
        self.assertEqual(error["props"], ["oauth"])
        error = self.fail("auth:login", "api.assert.missing_argument", 400, self.client())
        self.assertEqual(error["props"], ["strategy"])
        self.assertEqual(self.ok("auth:getStrategies"), ["local"])

    def test_logins_per_second(self) -> None:
        """A connection gets limits.loginsPerSecond logins a second; then 429."""
        self.login()
        error = self.fail(
            "auth:login",
            "api.process.too_many_logins_requests",
            429,
            strategy="local",
            body={"username": "alice", "password": PASSWORD},
        )
        self.assertEqual(error["code"], 33685517)
        self.assertEqual(error["message"], "Rejected: Too many login attempts per second")
        self.login(client=self.client())  # another connection is counted apart
        self.next_second()
        self.login()

    def test_logins_per_second_configured(self) -> None:
        """limits.loginsPerSecond sets the count."""
        self.start_service(limits={"loginsPerSecond": 3})
        self.add_user("alice")
        for _ in range(3):
            self.login()
        self.fail("auth:login", "api.process.too_many_logins_requests", 429, strategy="local")

    def test_credentials_of_a_deleted_user(self) -> None:
        """Credentials whose user is gone log nobody in."""
        self.successResultOf(ensureDeferred(self.service.security.store.delete_user("alice")))
        self.fail(
            "auth:login",
            "plugin.strategy.missing_user",
            401,
            strategy="local",
            body={"username": "alice", "password": PASSWORD},
        )

    def test_infinite_token_reused(self) -> None:
        """A connection holding the user's never-expiring token gets it back on login."""
        first = self.login(expiresIn=-1)
        self.next_second()
        self.assertEqual(self.login()["jwt"], first["jwt"])
        other = self.client()
        self.assertNotEqual(self.login(client=other, expiresIn=-1)["jwt"], first["jwt"])

    def test_login_over_http(self) -> None:
        """POST /_login/local with a JSON body, or GET with the query string; then Bearer."""
        posted = self.http("POST", "/_login/local", {"username": "alice", "password": PASSWORD})
        self.assertEqual(posted["result"]["_id"], "alice")
        got = self.http("GET", f"/_login/local?username=alice&password={PASSWORD}&expiresIn=2s")
        self.assertEqual(got["result"]["ttl"], 2000)
        self.assertEqual(got["headers"], {})
        refused = self.http("POST", "/_login/local", {"username": "alice", "password": "no"})
        self.assertEqual(refused["error"]["id"], "plugin.strategy.missing_user")

    def test_cookie_auth_over_websocket(self) -> None:
        """A WebSocket cannot set cookies: cookieAuth leaves the jwt in the result."""
        self.assertIn("jwt", self.login(cookieAuth=True))

    def test_cookie_auth_disabled(self) -> None:
        """cookieAuth with http.cookieAuthentication off: 500 security.cookie.unsupported."""
        self.start_service(http={"cookieAuthentication": False})
        self.add_user("alice")
        for action in ("login", "logout", "checkToken", "refreshToken"):
            self.fail(
                f"auth:{action}",
                "security.cookie.unsupported",
                500,
                self.client(),
                strategy="local",
                body={"username": "alice", "password": PASSWORD},
                cookieAuth=True,
            )
        self.assertIn("jwt", self.login(cookieAuth=False))


class TokenLifeTests(AuthMixin, SynchronousTestCase):
    def setUp(self) -> None:
        self.start_service()
        self.add_user("alice")

    def test_expired_token(self) -> None:
        """Past expiresAt, a request carrying the token is 401 security.token.expired."""
        jwt = self.login(expiresIn="2s")["jwt"]
        self.assertEqual(self.ok("auth:getCurrentUser", jwt=jwt)["_id"], "alice")
        self.clock.advance(2)
        self.fail("auth:getCurrentUser", "security.token.expired", 401, jwt=jwt)
        state = self.ok("auth:checkToken", body={"token": jwt})
        self.assertEqual(state, {"valid": False, "state": "Token expired"})

    def test_bad_tokens(self) -> None:
        """A forged or unknown token is 401 security.token.invalid."""
        jwt = self.login()["jwt"]
        for token in ("kauth-nope", jwt[:-2] + "xx", "not-a-token"):
            self.fail("auth:getCurrentUser", "security.token.invalid", 401, jwt=token)

    def test_token_expired_notification(self) -> None:
        """
        At its token's end a connection that logged in and subscribed gets TokenExpired,
        loses its subscriptions, and keeps its socket (now anonymous).
        """
        jwt = self.login(expiresIn="2s")["jwt"]
        subscribed = self.ok(
            "realtime:subscribe", index="shop", collection="orders", body={}, jwt=jwt
        )
        publisher = self.client()
        self.ok("realtime:publish", publisher, index="shop", collection="orders", body={"n": 1})
        self.assertEqual(len(self.api.notifications(subscribed["channel"])), 1)
        self.clock.advance(1.999)
        self.assertEqual(self.api.notifications(SERVER_ROOM), [])
        self.clock.advance(0.001)
        [expired] = self.api.notifications(SERVER_ROOM)
        self.assertEqual(
            expired,
            {
                "status": 200,
                "info": "This is an automated server notification",
                "message": "Authentication Token Expired",
                "type": "TokenExpired",
                "node": self.service.node_id,
                "room": SERVER_ROOM,
            },
        )
        self.assertEqual(self.ok("realtime:list"), {})
        self.ok("realtime:publish", publisher, index="shop", collection="orders", body={"n": 2})
        self.assertEqual(len(self.api.notifications(subscribed["channel"])), 1)
        self.assertFalse(self.api.socket.disconnected)
        self.assertEqual(self.ok("auth:getCurrentUser")["_id"], "-1")

    def test_token_used_on_another_connection(self) -> None:
        """A connection that sends a token is told of its expiry too."""
        jwt = self.login(expiresIn="2s")["jwt"]
        other = self.client()
        self.ok("auth:checkToken", other, jwt=jwt)
        self.clock.advance(2)
        self.assertEqual(len(other.notifications(SERVER_ROOM)), 1)
        self.assertEqual(len(self.api.notifications(SERVER_ROOM)), 1)

    def test_check_token(self) -> None:
        """checkToken: anonymous without a token, the token's owner, or why it is not valid."""
        anonymous = {"valid": True, "kuid": "-1", "expiresAt": None}
        self.assertEqual(self.ok("auth:checkToken", body={}), anonymous)
        self.assertEqual(self.ok("auth:checkToken"), anonymous)
        self.assertEqual(self.ok("auth:checkToken", body={"token": ""}), anonymous)
        self.assertEqual(self.ok("auth:checkToken", body={"token": None}), anonymous)
        result = self.login()
        self.assertEqual(
            self.ok("auth:checkToken", body={"token": result["jwt"]}),
            {"valid": True, "kuid": "alice", "expiresAt": result["expiresAt"]},
        )
        self.assertEqual(
            self.ok("auth:checkToken", body={"token": "kauth-garbage"}),
            {"valid": False, "state": "Invalid token."},
        )
        self.next_second()
        infinite = self.login(client=self.client(), expiresIn=-1)["jwt"]
        self.assertEqual(self.ok("auth:checkToken", body={"token": infinite})["expiresAt"], -1)
        error = self.fail("auth:checkToken", "api.assert.invalid_type", 400, body={"token": 1})
        self.assertEqual(error["props"], ["body.token", "string"])

    def test_refresh(self) -> None:
        """
        refreshToken answers a new token; the old one stays valid for the grace period
        (security.jwt.gracePeriod), then is invalid, and cannot be refreshed twice.
        """
        old = self.login()
        self.clock.advance(10)
        new = self.ok("auth:refreshToken", jwt=old["jwt"])
        self.assertEqual(set(new), {"_id", "jwt", "expiresAt", "ttl"})
        self.assertNotEqual(new["jwt"], old["jwt"])
        self.assertEqual((new["_id"], new["expiresAt"]), ("alice", NOW_MS + 10_000 + HOUR_MS))
        self.assertEqual(self.ok("auth:getCurrentUser", jwt=old["jwt"])["_id"], "alice")
        self.fail("auth:refreshToken", "security.token.invalid", 401, jwt=old["jwt"])
        self.clock.advance(1)
        self.fail("auth:getCurrentUser", "security.token.invalid", 401, jwt=old["jwt"])
        self.assertEqual(self.ok("auth:getCurrentUser", jwt=new["jwt"])["_id"], "alice")
        shorter = self.ok("auth:refreshToken", jwt=new["jwt"], expiresIn="10m")
        self.assertEqual(shorter["ttl"], 600_000)

    def test_refresh_moves_the_connection(self) -> None:
        """After a refresh, TokenExpired comes at the new token's end, not the old one's."""
        old = self.login(expiresIn="10s")
        self.ok("auth:refreshToken", jwt=old["jwt"], expiresIn="1m")
        self.clock.advance(10)
        self.assertEqual(self.api.notifications(SERVER_ROOM), [])
        self.clock.advance(50)
        self.assertEqual(len(self.api.notifications(SERVER_ROOM)), 1)

    def test_refresh_refused(self) -> None:
        """Anonymous callers cannot refresh (401); a never-expiring token neither (401)."""
        error = self.fail("auth:refreshToken", "security.rights.unauthorized", 401)
        self.assertEqual(error["props"], ["auth", "refreshToken"])
        infinite = self.login(expiresIn=-1)["jwt"]
        self.fail("auth:refreshToken", "security.token.refresh_forbidden", 401, jwt=infinite)
        self.fail(
            "auth:refreshToken",
            "api.assert.invalid_argument",
            400,
            jwt=self.login(client=self.client())["jwt"],
            expiresIn="soon",
        )

    def test_logout(self) -> None:
        """logout revokes the token used; other tokens of the user stay valid."""
        first = self.login()["jwt"]
        second = self.login(client=self.client())["jwt"]
        self.assertEqual(self.ok("auth:logout", jwt=first), {"acknowledged": True})
        self.fail("auth:getCurrentUser", "security.token.invalid", 401, jwt=first)
        self.assertEqual(self.ok("auth:getCurrentUser", jwt=second)["_id"], "alice")
        self.assertEqual(self.ok("auth:checkToken", body={"token": first})["valid"], False)

    def test_logout_global(self) -> None:
        """logout with global revokes every token of the user, and only theirs."""
        self.add_user("bob")
        tokens = [self.login(client=self.client())["jwt"] for _ in range(3)]
        bob = self.login("bob", client=self.client())["jwt"]
        self.ok("auth:logout", jwt=tokens[0], **{"global": True})
        for jwt in tokens:
            self.fail("auth:getCurrentUser", "security.token.invalid", 401, jwt=jwt)
        self.assertEqual(self.ok("auth:getCurrentUser", jwt=bob)["_id"], "bob")

    def test_logout_anonymous(self) -> None:
        """Anonymous callers cannot log out: 401 security.rights.unauthorized."""
        error = self.fail("auth:logout", "security.rights.unauthorized", 401)
        self.assertEqual(error["props"], ["auth", "logout"])

    def test_logout_ends_notifications(self) -> None:
        """A logged-out token has no expiry left to announce."""
        jwt = self.login(expiresIn="2s")["jwt"]
        self.ok("auth:logout", jwt=jwt)
        self.clock.advance(5)
        self.assertEqual(self.api.notifications(SERVER_ROOM), [])

    def test_logout_reports_revoked_connections(self) -> None:
        """The controller reports the other connections that used revoked tokens."""
        security = self.service.security
        revoked: list[list[str]] = []
        controller = AuthController(security, on_revoked=revoked.append)
        token = security.issue_token("alice", False)
        security.registry.link(token.jwt, "elsewhere")
        security.registry.link(token.jwt, "here")
        request = Request(
            RequestInput("auth", "logout", jwt=token.jwt),
            Connection("here", "websocket"),
            "r1",
            NOW_MS,
            user_id="alice",
        )
        self.assertEqual(controller.logout(request), {"acknowledged": True})
        self.assertEqual(revoked, [["elsewhere"]])


class CurrentUserTests(AuthMixin, SynchronousTestCase):
    def setUp(self) -> None:
        self.start_service()
        self.add_user("alice", name="Alice", address={"city": "Paris", "zip": "75001"})
        self.jwt = self.login()["jwt"]

    def test_anonymous(self) -> None:
        """Anonymous: _id "-1", name Anonymous, profile anonymous, no strategy."""
        self.assertEqual(
            self.ok("auth:getCurrentUser"),
            {
                "_id": "-1",
                "_source": {"name": "Anonymous", "profileIds": ["anonymous"]},
                "strategies": [],
            },
        )

    def test_user(self) -> None:
        """A user: its content with profileIds, and "local" when it has local credentials."""
        self.assertEqual(
            self.ok("auth:getCurrentUser", jwt=self.jwt),
            {
                "_id": "alice",
                "_source": {
                    "profileIds": ["default"],
                    "name": "Alice",
                    "address": {"city": "Paris", "zip": "75001"},
                },
                "strategies": ["local"],
            },
        )
        self.ok("auth:deleteMyCredentials", jwt=self.jwt, strategy="local")
        self.assertEqual(self.ok("auth:getCurrentUser", jwt=self.jwt)["strategies"], [])

    def test_rights(self) -> None:
        """getMyRights lists what the caller's roles define, with "*" where unrestricted."""
        everything = [
            {"action": "*", "collection": "*", "controller": "*", "index": "*", "value": "allowed"}
        ]
        self.assertEqual(self.ok("auth:getMyRights"), {"hits": everything, "total": 1})
        self.put_role(
            "reader",
            {
                "auth": {"actions": {"getMyRights": True}},
                "document": {"actions": {"get": True, "delete": False}},
            },
        )
        self.put_profile(
            "reader", policies=[{"roleId": "reader", "restrictedTo": [{"index": "shop"}]}]
        )
        self.add_user("bob", ("reader",))
        jwt = self.login("bob", client=self.client())["jwt"]
        rights = self.ok("auth:getMyRights", jwt=jwt)
        self.assertEqual(rights["total"], 3)
        self.assertEqual(
            sorted((hit["action"], hit["index"], hit["value"]) for hit in rights["hits"]),
            [
                ("delete", "shop", "denied"),
                ("get", "shop", "allowed"),
                ("getMyRights", "shop", "allowed"),
            ],
        )

    def test_update_self(self) -> None:
        """updateSelf merges the body into the user's content and stores it."""
        result = self.ok(
            "auth:updateSelf",
            jwt=self.jwt,
            body={"name": "Alice B.", "address": {"zip": "75002"}, "age": 30},
        )
        source = {
            "profileIds": ["default"],
            "name": "Alice B.",
            "address": {"city": "Paris", "zip": "75002"},
            "age": 30,
        }
        self.assertEqual(result, {"_id": "alice", "_source": source})
        self.assertEqual(self.ok("auth:getCurrentUser", jwt=self.jwt)["_source"], source)
        stored = self.successResultOf(ensureDeferred(self.service.security.store.user("alice")))
        self.assertEqual(stored, source)

    def test_update_self_refused(self) -> None:
        """Anonymous: 401; _id or profileIds in the body: 400 forbidden_argument; no body: 400."""
        error = self.fail("auth:updateSelf", "security.rights.unauthorized", 401, body={"a": 1})
        self.assertEqual(error["props"], ["auth", "updateSelf"])
        for name in ("_id", "profileIds"):
            error = self.fail(
                "auth:updateSelf",
                "api.assert.forbidden_argument",
                400,
                jwt=self.jwt,
                body={name: ["admin"]},
            )
            self.assertEqual(error["props"], [f"body.{name}"])
        self.fail("auth:updateSelf", "api.assert.body_required", 400, jwt=self.jwt)
        self.assertEqual(
            self.ok("auth:getCurrentUser", jwt=self.jwt)["_source"]["profileIds"], ["default"]
        )

    def test_check_rights(self) -> None:
        """checkRights tells whether the caller may run the request given as body."""
        self.put_role(
            "reader", {"auth": {"actions": {"*": True}}, "document": {"actions": {"get": True}}}
        )
        self.put_profile(
            "reader", policies=[{"roleId": "reader", "restrictedTo": [{"index": "shop"}]}]
        )
        self.add_user("bob", ("reader",))
        jwt = self.login("bob", client=self.client())["jwt"]
        for body, allowed in (
            ({"controller": "document", "action": "get", "index": "shop"}, True),
            ({"controller": "document", "action": "get", "index": "other"}, False),
            ({"controller": "document", "action": "create", "index": "shop"}, False),
            ({"controller": "document", "action": "get"}, True),
        ):
            self.assertEqual(self.ok("auth:checkRights", jwt=jwt, body=body), {"allowed": allowed})
        self.assertEqual(
            self.ok("auth:checkRights", body={"controller": "document", "action": "delete"}),
            {"allowed": True},
        )

    def test_check_rights_arguments(self) -> None:
        """checkRights needs a body with string controller and action."""
        error = self.fail(
            "auth:checkRights", "api.assert.missing_argument", 400, body={"action": "get"}
        )
        self.assertEqual(error["props"], ["body.controller"])
        error = self.fail(
            "auth:checkRights", "api.assert.missing_argument", 400, body={"controller": "x"}
        )
        self.assertEqual(error["props"], ["body.action"])
        self.fail("auth:checkRights", "api.assert.body_required", 400)


class CredentialsTests(AuthMixin, SynchronousTestCase):
    ACTIONS = (
        "createMyCredentials",
        "updateMyCredentials",
        "validateMyCredentials",
        "deleteMyCredentials",
        "getMyCredentials",
        "credentialsExist",
    )

    def setUp(self) -> None:
        self.start_service()
        self.add_user("alice")
        self.jwt = self.login()["jwt"]

    def call_mine(self, action: str, **fields: Any) -> Any:
        return self.ok(f"auth:{action}", jwt=self.jwt, strategy="local", **fields)

    def test_anonymous(self) -> None:
        """Every credentials action needs a logged-in caller (401 otherwise)."""
        for action in self.ACTIONS:
            error = self.fail(
                f"auth:{action}",
                "security.rights.unauthorized",
                401,
                strategy="local",
                body={"username": "x", "password": "y"},
            )
            self.assertEqual(error["props"], ["auth", action])

    def test_strategy(self) -> None:
        """The strategy must be given and known."""
        for action in self.ACTIONS:
            self.fail(f"auth:{action}", "api.assert.missing_argument", 400, jwt=self.jwt, body={})
            error = self.fail(
                f"auth:{action}",
                "security.credentials.unknown_strategy",
                400,
                jwt=self.jwt,
                strategy="oauth",
                body={},
            )
            self.assertEqual(error["props"], ["oauth"])

    def test_read(self) -> None:
        """getMyCredentials answers {username, kuid}; credentialsExist a boolean."""
        self.assertEqual(
            self.call_mine("getMyCredentials"), {"username": "alice", "kuid": "alice"}
        )
        self.assertIs(self.call_mine("credentialsExist"), True)

    def test_update(self) -> None:
        """updateMyCredentials changes the password and the username used to log in."""
        result = self.call_mine(
            "updateMyCredentials", body={"username": "ally", "password": "n3w-Pa55word"}
        )
        self.assertEqual(result, {"username": "ally", "kuid": "alice"})
        self.next_second()
        self.fail(
            "auth:login",
            "plugin.strategy.missing_user",
            401,
            strategy="local",
            body={"username": "alice", "password": PASSWORD},
        )
        self.next_second()
        logged = self.ok(
            "auth:login", strategy="local", body={"username": "ally", "password": "n3w-Pa55word"}
        )
        self.assertEqual(logged["_id"], "alice")

    def test_validate(self) -> None:
        """validateMyCredentials: true, or why the credentials would be rejected."""
        self.add_user("bob")
        body = {"username": "alice2", "password": "x"}
        self.assertIs(self.call_mine("validateMyCredentials", body=body), True)
        for body, reason in (
            ({"username": "bob", "password": "x"}, 'Login "bob" is already used.'),
            ({"username": "a", "password": "x", "kuid": "bob"}, "kuid cannot be specified"),
            ({"password": "x"}, "Username required"),
        ):
            error = self.fail(
                "auth:validateMyCredentials",
                "security.credentials.rejected",
                400,
                jwt=self.jwt,
                strategy="local",
                body=body,
            )
            self.assertEqual(error["message"], f"Credentials rejected: {reason}")
        self.fail(
            "auth:validateMyCredentials",
            "api.assert.body_required",
            400,
            jwt=self.jwt,
            strategy="local",
        )

    def test_delete_and_create(self) -> None:
        """deleteMyCredentials, then createMyCredentials: the user can log in again."""
        self.assertEqual(self.call_mine("deleteMyCredentials"), {"acknowledged": True})
        self.assertIs(self.call_mine("credentialsExist"), False)
        for action in ("getMyCredentials", "deleteMyCredentials"):
            self.fail(
                f"auth:{action}",
                "security.credentials.rejected",
                400,
                jwt=self.jwt,
                strategy="local",
            )
        created = self.call_mine(
            "createMyCredentials", body={"username": "alice", "password": "an0ther"}
        )
        self.assertEqual(created, {"username": "alice", "kuid": "alice"})
        self.fail(
            "auth:createMyCredentials",
            "security.credentials.rejected",
            400,
            jwt=self.jwt,
            strategy="local",
            body={"username": "alice-bis", "password": "x"},
        )
        self.next_second()
        self.ok("auth:login", strategy="local", body={"username": "alice", "password": "an0ther"})

    def test_no_secret_leaves_the_server(self) -> None:
        """No answer and no log line ever holds a password or a password hash."""
        stored = self.successResultOf(
            ensureDeferred(self.service.security.store.credentials("alice"))
        )
        self.assertTrue(stored["hash"].startswith("$argon2"))
        with capturedLogs() as events:
            answers = [
                self.call_mine("getMyCredentials"),
                self.call_mine("validateMyCredentials", body={"username": "z", "password": "p"}),
                self.call_mine("updateMyCredentials", body={"password": "Upd4ted-secret"}),
                self.ok("auth:getCurrentUser", jwt=self.jwt),
                self.call("auth:login", strategy="local", body={"username": "alice"}),
                self.call("auth:login", self.client(), strategy="local", body={"password": "p"}),
                self.call(
                    "auth:createMyCredentials",
                    jwt=self.jwt,
                    strategy="local",
                    body={"username": "a", "password": "Upd4ted-secret"},
                ),
                self.http("POST", "/_login/local", {"username": "alice", "password": "wrong-pw"}),
            ]
        self.next_second()
        answers.append(
            self.call(
                "auth:login",
                strategy="local",
                body={"username": "alice", "password": "Upd4ted-secret"},
            )
        )
        seen = codec.dumps(answers).decode() + "".join(repr(event) for event in events)
        for secret in (PASSWORD, "Upd4ted-secret", "wrong-pw", "$argon2", stored["hash"][-20:]):
            self.assertNotIn(secret, seen)


class GateTests(AuthMixin, SynchronousTestCase):
    """What the security gate answers for a logged-in user, as seen through auth tokens."""

    def setUp(self) -> None:
        self.start_service()

    def test_restricted_role(self) -> None:
        """
        Denied, a user gets 403 security.rights.forbidden, anonymous 401
        security.rights.unauthorized; allowed actions still run.
        """
        self.put_role(
            "reader", {"auth": {"actions": {"*": True}}, "realtime": {"actions": {"*": True}}}
        )
        self.put_profile("reader", policies=[{"roleId": "reader"}])
        self.put_role("anonymous", {"auth": {"actions": {"login": True, "checkToken": True}}})
        self.add_user("bob", ("reader",))
        jwt = self.login("bob")["jwt"]
        error = self.fail(
            "document:create", "security.rights.forbidden", 403, jwt=jwt, body={"a": 1}
        )
        self.assertEqual(error["props"], ["document", "create", "bob"])
        self.ok("realtime:list", jwt=jwt)
        error = self.fail("document:create", "security.rights.unauthorized", 401, body={})
        self.assertEqual(error["props"], ["document", "create"])
        self.fail("auth:getCurrentUser", "security.rights.unauthorized", 401, self.client())
        self.assertEqual(self.ok("auth:checkToken", body={"token": jwt})["kuid"], "bob")

    def test_profile_rate_limit(self) -> None:
        """A profile's rateLimit caps the user's requests per second (429); logout is exempt."""
        self.put_profile("limited", policies=[{"roleId": "default"}], rateLimit=2)
        self.add_user("carol", ("limited",))
        jwt = self.login("carol")["jwt"]
        self.next_second()
        self.ok("auth:getCurrentUser", jwt=jwt)
        self.ok("auth:getMyRights", jwt=jwt)
        self.fail("auth:getCurrentUser", "api.process.too_many_requests", 429, jwt=jwt)
        self.ok("auth:logout", jwt=jwt)


class TooManyLoginsErrorTests(SynchronousTestCase):
    def test_error(self) -> None:
        """The login limit error has Kuzzle's id, code, status and message."""
        from kuzzle_tx.api.controllers.auth import _too_many_logins

        error = _too_many_logins()
        self.assertIsInstance(error, KuzzleError)
        self.assertEqual(
            error.to_dict(),
            {
                "message": "Rejected: Too many login attempts per second",
                "status": 429,
                "id": "api.process.too_many_logins_requests",
                "code": 33685517,
                "props": [],
            },
        )
