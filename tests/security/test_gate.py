"""
The security gate of the funnel (`kuzzle_tx.security.gate.SecurityGate`): token → user →
rights → rate limit (kuzzle-api.md §8.5), synchronous for users already in memory.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Coroutine
from typing import Any

from twisted.internet.defer import Deferred
from twisted.internet.task import Clock
from twisted.python.failure import Failure
from twisted.trial.unittest import SynchronousTestCase
from zope.interface.verify import verifyObject

from kuzzle_tx.api.request import Connection, Request, request_from_payload
from kuzzle_tx.errors import KuzzleError
from kuzzle_tx.interfaces import IGate
from kuzzle_tx.security.definitions import STANDARD_PROFILES, STANDARD_ROLES
from kuzzle_tx.security.gate import SecurityGate
from kuzzle_tx.storage.memory import MemoryStorage
from kuzzle_tx.storage.model import Create
from kuzzle_tx.testing import memory_config, memory_service
from tests.api.test_document_controller import WebSocketApi
from tests.security.support import new_security

START = 1_700_000_000
WEBSOCKET = Connection("ws-1", "websocket")
HTTP = Connection("http-1", "http")
_ids = itertools.count(1)


class GateTestCase(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(START)
        self.storage = MemoryStorage()
        self.expired: list[list[str]] = []
        self.security = new_security(
            self.storage, self.clock, on_token_expired=self.expired.append
        )
        self.addCleanup(self.security.stop)
        self.gate = SecurityGate(self.security)

    def start(self) -> None:
        self.successResultOf(self.security.start())

    def run_(self, coroutine: Coroutine[Any, Any, Any]) -> Any:
        return self.successResultOf(Deferred.fromCoroutine(coroutine))

    def request(
        self,
        what: str = "document:create",
        jwt: str | None = None,
        connection: Connection = WEBSOCKET,
        **args: Any,
    ) -> Request:
        controller, action = what.split(":")
        payload = {"controller": controller, "action": action, "jwt": jwt, **args}
        return request_from_payload(payload, connection, START * 1000, f"r{next(_ids)}")

    def user(self, kuid: str, *profiles: str) -> str:
        """Create a user (cached by the store) and return a token for it."""
        self.run_(self.security.store.put_user(kuid, {"profileIds": list(profiles)}, True))
        return self.security.issue_token(kuid, False).jwt

    def restrict(self) -> None:
        """Kuzzle's standard roles and profiles (restrictDefaultRights)."""
        store = self.security.store
        for role_id, body in STANDARD_ROLES.items():
            self.run_(store.put_role(role_id, copy.deepcopy(dict(body))))
        for profile_id, body in STANDARD_PROFILES.items():
            self.run_(store.put_profile(profile_id, copy.deepcopy(dict(body))))
        self.security.reload_definitions()

    def set_rate_limit(self, profile_id: str, rate_limit: int) -> None:
        body = copy.deepcopy(dict(self.security.store.profiles[profile_id]))
        body["rateLimit"] = rate_limit
        self.run_(self.security.store.put_profile(profile_id, body))
        self.security.reload_definitions()

    def refused(self, request: Request, error_id: str, status: int) -> KuzzleError:
        """The error admit raises (synchronously) for this request."""
        error = self.assertRaises(KuzzleError, self.gate.admit, request)
        self.assertEqual((error.id, error.status), (error_id, status))
        return error

    def refused_later(self, admitted: Deferred[None] | None, error_id: str) -> KuzzleError:
        """The error the Deferred admit returned fails with."""
        assert admitted is not None
        failure: Failure = self.failureResultOf(admitted, KuzzleError)
        error = failure.value
        assert isinstance(error, KuzzleError)
        self.assertEqual(error.id, error_id)
        return error


class AdmitTests(GateTestCase):
    def test_provides_igate(self) -> None:
        """SecurityGate provides IGate."""
        self.assertTrue(verifyObject(IGate, self.gate))

    def test_anonymous_on_first_start(self) -> None:
        """Without a token a request runs as "-1", admitted synchronously (full rights)."""
        self.start()
        request = self.request()
        request.user_id = "someone"
        self.assertIsNone(self.gate.admit(request))
        self.assertEqual(request.user_id, "-1")

    def test_cached_user_is_synchronous(self) -> None:
        """A user in the store's cache is admitted synchronously, and becomes the request's."""
        self.start()
        jwt = self.user("alice", "default")
        request = self.request(jwt=jwt)
        self.assertIsNone(self.gate.admit(request))
        self.assertEqual(request.user_id, "alice")

    def test_user_not_cached_is_loaded(self) -> None:
        """A user not in memory is read from the store: admit returns a Deferred that fires."""
        self.start()
        [result] = self.successResultOf(
            self.storage.write("%kuzzle", "users", [Create("bob", {"profileIds": ["default"]})])
        )
        self.assertIsNone(result.error)
        jwt = self.security.issue_token("bob", False).jwt
        self.assertIs(self.security.cached_user("bob"), False)
        request = self.request(jwt=jwt)
        admitted = self.gate.admit(request)
        self.assertIsInstance(admitted, Deferred)
        self.assertIsNone(self.successResultOf(admitted))  # type: ignore[arg-type]
        self.assertEqual(request.user_id, "bob")
        # Now in memory: the next request is synchronous.
        self.assertIsNone(self.gate.admit(self.request(jwt=jwt)))

    def test_deleted_user_token(self) -> None:
        """A token whose user was deleted since is security.token.invalid (401)."""
        self.start()
        jwt = self.user("alice", "default")
        self.run_(self.security.store.delete_user("alice"))
        self.refused(self.request(jwt=jwt), "security.token.invalid", 401)

    def test_unknown_user_token(self) -> None:
        """A valid token of a user that is not in the store fails once the store answered."""
        self.start()
        jwt = self.security.issue_token("ghost", False).jwt
        self.refused_later(self.gate.admit(self.request(jwt=jwt)), "security.token.invalid")

    def test_bad_and_expired_tokens(self) -> None:
        """A bad token is security.token.invalid; an expired one security.token.expired."""
        self.start()
        self.refused(self.request(jwt="kauth-nope"), "security.token.invalid", 401)
        self.run_(self.security.store.put_user("alice", {"profileIds": ["default"]}, True))
        jwt = self.security.issue_token("alice", 1000).jwt
        self.clock.advance(1)
        self.refused(self.request(jwt=jwt), "security.token.expired", 401)

    def test_token_checked_before_rights(self) -> None:
        """A bad token is refused as such even where anonymous would not be allowed."""
        self.start()
        self.restrict()
        self.refused(self.request(jwt="kauth-nope"), "security.token.invalid", 401)


class RightsTests(GateTestCase):
    def test_denied_anonymous(self) -> None:
        """Anonymous denied: 401 security.rights.unauthorized with [controller, action]."""
        self.start()
        self.restrict()
        request = self.request("document:create", index="shop", collection="orders")
        error = self.refused(request, "security.rights.unauthorized", 401)
        self.assertEqual(error.props, ["document", "create"])
        self.assertIsNone(self.gate.admit(self.request("auth:login")))
        self.assertIsNone(self.gate.admit(self.request("auth:checkToken")))

    def test_denied_user(self) -> None:
        """A logged-in user denied: 403 security.rights.forbidden naming the kuid."""
        self.start()
        self.restrict()
        jwt = self.user("alice", "default")
        request = self.request("document:create", jwt=jwt, index="shop", collection="orders")
        error = self.refused(request, "security.rights.forbidden", 403)
        self.assertEqual(error.props, ["document", "create", "alice"])
        self.assertIn('"alice"', error.message)
        self.assertIsNone(self.gate.admit(self.request("auth:getCurrentUser", jwt=jwt)))

    def test_denied_uncached_user(self) -> None:
        """A user read from the store is refused the same way, through the Deferred."""
        self.start()
        self.restrict()
        self.storage.write("%kuzzle", "users", [Create("bob", {"profileIds": ["default"]})])
        jwt = self.security.issue_token("bob", False).jwt
        error = self.refused_later(
            self.gate.admit(self.request("index:create", jwt=jwt, index="i")),
            "security.rights.forbidden",
        )
        self.assertEqual(error.props, ["index", "create", "bob"])

    def test_rights_use_index_and_collection(self) -> None:
        """Policies restricted to an index are checked against the request's arguments."""
        self.start()
        self.restrict()
        self.run_(
            self.security.store.put_profile(
                "shop",
                {"policies": [{"roleId": "admin", "restrictedTo": [{"index": "shop"}]}]},
            )
        )
        self.security.reload_definitions()
        jwt = self.user("carol", "shop")
        allowed = self.request("document:create", jwt=jwt, index="shop", collection="orders")
        self.assertIsNone(self.gate.admit(allowed))
        denied = self.request("document:create", jwt=jwt, index="other", collection="orders")
        self.refused(denied, "security.rights.forbidden", 403)

    def test_admin_allowed_everything(self) -> None:
        """An admin passes everywhere once rights are restricted."""
        self.start()
        self.restrict()
        jwt = self.user("root", "admin")
        for what in ("document:create", "security:createUser", "index:delete", "nope:nope"):
            self.assertIsNone(self.gate.admit(self.request(what, jwt=jwt, index="i")))


class RateLimitTests(GateTestCase):
    def test_user_rate_limited(self) -> None:
        """Past its profile's rateLimit in one second a user gets 429 too_many_requests."""
        self.start()
        self.set_rate_limit("default", 1)
        jwt = self.user("alice", "default")
        self.assertIsNone(self.gate.admit(self.request("server:now", jwt=jwt)))
        self.refused(self.request("server:now", jwt=jwt), "api.process.too_many_requests", 429)
        self.clock.advance(1)
        self.assertIsNone(self.gate.admit(self.request("server:now", jwt=jwt)))

    def test_logout_never_limited(self) -> None:
        """auth:logout by a logged-in user is admitted even past the rate limit."""
        self.start()
        self.set_rate_limit("default", 1)
        jwt = self.user("alice", "default")
        self.assertIsNone(self.gate.admit(self.request("server:now", jwt=jwt)))
        self.refused(self.request("server:now", jwt=jwt), "api.process.too_many_requests", 429)
        for _ in range(5):
            self.assertIsNone(self.gate.admit(self.request("auth:logout", jwt=jwt)))

    def test_anonymous_logout_is_limited(self) -> None:
        """The logout exemption is for logged-in users only."""
        self.start()
        self.set_rate_limit("anonymous", 1)
        self.assertIsNone(self.gate.admit(self.request("auth:logout")))
        self.refused(self.request("auth:logout"), "api.process.too_many_requests", 429)

    def test_anonymous_share_the_limit(self) -> None:
        """Anonymous callers on different connections share one counter."""
        self.start()
        self.set_rate_limit("anonymous", 2)
        self.assertIsNone(self.gate.admit(self.request("server:now")))
        self.assertIsNone(self.gate.admit(self.request("server:now", connection=HTTP)))
        other = Connection("ws-2", "websocket")
        self.refused(
            self.request("server:now", connection=other), "api.process.too_many_requests", 429
        )

    def test_rights_before_rate_limit(self) -> None:
        """A denied request is refused for its rights, and does not count against the limit."""
        self.start()
        self.restrict()
        self.set_rate_limit("default", 1)
        jwt = self.user("alice", "default")
        for _ in range(3):
            self.refused(
                self.request("document:create", jwt=jwt, index="i", collection="c"),
                "security.rights.forbidden",
                403,
            )
        self.assertIsNone(self.gate.admit(self.request("auth:checkToken", jwt=jwt)))


class ReadinessTests(GateTestCase):
    def test_requests_wait_for_security(self) -> None:
        """Before security has loaded, admit waits; once started, the request passes."""
        request = self.request("server:now")
        admitted = self.gate.admit(request)
        assert admitted is not None
        self.assertNoResult(admitted)
        self.start()
        self.assertIsNone(self.successResultOf(admitted))
        self.assertEqual(request.user_id, "-1")

    def test_waiting_requests_are_still_checked(self) -> None:
        """A request that waited is checked once security is ready (a bad token is refused)."""
        bad = self.gate.admit(self.request("server:now", jwt="kauth-nope"))
        self.start()
        self.refused_later(bad, "security.token.invalid")


class TokenLinkTests(GateTestCase):
    def test_websocket_connections_are_told_of_expiry(self) -> None:
        """A WebSocket that used a token is reported when it expires; an HTTP request is not."""
        self.start()
        self.run_(self.security.store.put_user("alice", {"profileIds": ["default"]}, True))
        jwt = self.security.issue_token("alice", 1000).jwt
        self.assertIsNone(self.gate.admit(self.request("server:now", jwt=jwt)))
        self.assertIsNone(self.gate.admit(self.request("server:now", jwt=jwt, connection=HTTP)))
        self.clock.advance(1)
        self.assertEqual(self.expired, [["ws-1"]])

    def test_http_only_token_expires_silently(self) -> None:
        """A token only ever used over HTTP expires without any connection to tell."""
        self.start()
        self.run_(self.security.store.put_user("alice", {"profileIds": ["default"]}, True))
        jwt = self.security.issue_token("alice", 1000).jwt
        self.assertIsNone(self.gate.admit(self.request("server:now", jwt=jwt, connection=HTTP)))
        self.clock.advance(1)
        self.assertEqual(self.expired, [])

    def test_refused_token_does_not_take_the_connection(self) -> None:
        """A request refused for its token's user leaves the connection on its own token."""
        self.start()
        self.run_(self.security.store.put_user("alice", {"profileIds": ["default"]}, True))
        alice = self.security.issue_token("alice", 1000).jwt
        ghost = self.security.issue_token("ghost", 5000).jwt
        self.assertIsNone(self.gate.admit(self.request("server:now", jwt=alice)))
        self.refused_later(
            self.gate.admit(self.request("server:now", jwt=ghost)), "security.token.invalid"
        )
        self.clock.advance(1)
        self.assertEqual(self.expired, [["ws-1"]])
        self.clock.advance(4)
        self.assertEqual(self.expired, [["ws-1"]])


class CallerMemoTests(GateTestCase):
    """
    A WebSocket's caller is remembered between requests; whatever could change the
    answer (a token revoked, refreshed or ending, a user, role or profile written)
    is seen by the very next request.
    """

    def admitted(self, what: str = "server:now", **fields: Any) -> Request:
        request = self.request(what, **fields)
        self.assertIsNone(self.gate.admit(request))
        return request

    def test_repeated_requests_keep_their_user(self) -> None:
        self.start()
        jwt = self.user("alice", "default")
        for _ in range(3):
            self.assertEqual(self.admitted(jwt=jwt).user_id, "alice")
        self.assertEqual(self.admitted().user_id, "-1")  # no token: anonymous again
        self.assertEqual(self.admitted(jwt=jwt).user_id, "alice")

    def test_logout_elsewhere(self) -> None:
        self.start()
        jwt = self.user("alice", "default")
        self.admitted(jwt=jwt)
        self.security.registry.revoke(jwt)
        self.refused(self.request(jwt=jwt), "security.token.invalid", 401)

    def test_revoke_user_tokens(self) -> None:
        self.start()
        jwt = self.user("alice", "default")
        self.admitted(jwt=jwt)
        self.security.registry.revoke_user("alice", keep_api_keys=True)
        self.refused(self.request(jwt=jwt), "security.token.invalid", 401)

    def test_expiry(self) -> None:
        self.start()
        self.run_(self.security.store.put_user("alice", {"profileIds": ["default"]}, True))
        jwt = self.security.issue_token("alice", 1000).jwt
        self.admitted(jwt=jwt)
        self.clock.advance(0.999)
        self.admitted(jwt=jwt)
        self.clock.advance(0.001)
        self.refused(self.request(jwt=jwt), "security.token.expired", 401)

    def test_refreshed_token_ends_with_its_grace_period(self) -> None:
        self.start()
        self.run_(self.security.store.put_user("alice", {"profileIds": ["default"]}, True))
        old = self.security.issue_token("alice", 3_600_000)
        self.admitted(jwt=old.jwt)
        new = self.security.authority.issue("alice", 3_600_000)  # type: ignore[union-attr]
        self.security.registry.refresh(old.jwt, new)
        self.admitted(jwt=old.jwt)  # within the grace period
        self.clock.advance(self.security.config.grace_period / 1000)
        self.refused(self.request(jwt=old.jwt), "security.token.invalid", 401)
        self.assertEqual(self.admitted(jwt=new.jwt).user_id, "alice")

    def test_user_profiles_changed(self) -> None:
        self.start()
        self.restrict()
        jwt = self.user("alice", "admin")
        self.admitted("index:create", jwt=jwt, index="i")
        self.run_(self.security.store.put_user("alice", {"profileIds": ["default"]}, False))
        self.refused(
            self.request("index:create", jwt=jwt, index="i"), "security.rights.forbidden", 403
        )

    def test_user_deleted(self) -> None:
        self.start()
        jwt = self.user("alice", "default")
        self.admitted(jwt=jwt)
        self.run_(self.security.store.delete_user("alice"))
        self.refused(self.request(jwt=jwt), "security.token.invalid", 401)

    def test_role_changed(self) -> None:
        self.start()
        jwt = self.user("alice", "default")
        self.admitted("index:create", jwt=jwt, index="i")
        self.restrict()
        self.refused(
            self.request("index:create", jwt=jwt, index="i"), "security.rights.forbidden", 403
        )

    def test_rate_limit_changed(self) -> None:
        self.start()
        jwt = self.user("alice", "default")
        for _ in range(3):
            self.admitted(jwt=jwt)
        self.set_rate_limit("default", 1)
        self.clock.advance(1)
        self.admitted(jwt=jwt)
        self.refused(self.request(jwt=jwt), "api.process.too_many_requests", 429)

    def test_profiles_reach_the_request_from_the_memo(self) -> None:
        """Later checks (a subscription's) read the request's profiles, not the user cache."""
        self.start()
        jwt = self.user("alice", "default", "admin")
        self.admitted(jwt=jwt)
        self.security.store._users.clear()  # alice left the bounded user cache
        request = self.admitted(jwt=jwt)
        self.assertEqual(request.user_profiles, frozenset({"default", "admin"}))

    def test_remembered_per_websocket_only(self) -> None:
        self.start()
        jwt = self.user("alice", "default")
        self.admitted(jwt=jwt)
        self.admitted(jwt=jwt, connection=HTTP)
        self.assertEqual(list(self.gate._callers), ["ws-1"])
        self.gate.forget("ws-1")
        self.assertEqual(self.gate._callers, {})


class InServiceTests(SynchronousTestCase):
    """The gate inside a whole in-memory service, over WebSocket frames."""

    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(START)
        self.service = memory_service(memory_config(), self.clock)
        self.service.startService()
        self.addCleanup(self.service.stopService)
        self.api = WebSocketApi(self.service)

    def answer(self, what: str, **fields: Any) -> dict[str, Any]:
        controller, action = what.split(":")
        return self.api.send(controller, action, **fields)

    def ok(self, what: str, **fields: Any) -> Any:
        response = self.answer(what, **fields)
        self.assertIsNone(response["error"], (what, response["error"]))
        self.assertEqual(response["status"], 200)
        return response["result"]

    def test_anonymous_rights_follow_the_anonymous_role(self) -> None:
        """
        On first start anonymous may do anything; once its role is Kuzzle's standard
        anonymous role (and reloaded), document:create is 401 and checkToken still answers.
        """
        self.ok("index:create", index="shop")
        self.ok("collection:create", index="shop", collection="orders")
        document = {"index": "shop", "collection": "orders", "body": {"a": 1}}
        self.assertEqual(self.ok("document:create", **document)["_source"]["a"], 1)
        security = self.service.security
        role = copy.deepcopy(dict(STANDARD_ROLES["anonymous"]))
        self.successResultOf(Deferred.fromCoroutine(security.store.put_role("anonymous", role)))
        security.reload_definitions()
        response = self.answer("document:create", **document)
        self.assertEqual(response["status"], 401)
        self.assertEqual(response["error"]["id"], "security.rights.unauthorized")
        self.assertIsNone(response["result"])
        self.assertEqual(
            self.ok("auth:checkToken", body={}),
            {"valid": True, "kuid": "-1", "expiresAt": None},
        )
