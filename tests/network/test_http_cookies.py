# -*- test-case-name: tests.network.test_http_cookies -*-
"""
Cookie authentication over HTTP (``http.cookieAuthentication``), through the
real Site of an in-memory service on a `task.Clock`: the ``authToken`` cookie
that login and refreshToken set with ``cookieAuth``, its use as the request's
token, logout clearing it, and the errors Kuzzle answers around it.

kuzzle-api.md §2.1 (envelope ``headers``), §8.1 (login/logout), §8.7 (cookie auth).
"""

from __future__ import annotations

from typing import Any

from treq.testing import StubTreq
from twisted.internet.defer import ensureDeferred
from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from kuzzle_tx import codec
from kuzzle_tx.errors import KuzzleError
from kuzzle_tx.network.cookies import cookie_token
from kuzzle_tx.testing import memory_config, memory_service

URL = "http://kuzzle.example"
START = 1_700_000_000
PASSWORD = "s3cret-Pa55word"
# START + one hour, as a browser reads an Expires attribute.
IN_AN_HOUR = "Tue, 14 Nov 2023 23:13:20 GMT"
CLEARED = "authToken=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Strict"


class CookieTestCase(SynchronousTestCase):
    def setUp(self) -> None:
        self.build()

    def build(self, **config: Any) -> None:
        self.clock = Clock()
        self.clock.advance(START)
        self.service = memory_service(memory_config(**config), self.clock)
        self.service.startService()
        self.addCleanup(self.service.stopService)
        security = self.service.security
        user = {"profileIds": ["default"], "name": "Alice"}
        self.successResultOf(ensureDeferred(security.store.put_user("alice", user, create=True)))
        credentials = {"username": "alice", "password": PASSWORD}
        self.successResultOf(ensureDeferred(security.local.create("alice", credentials)))

    def send(
        self, method: str, path: str, body: Any = None, **headers: str
    ) -> tuple[dict[str, Any], list[str]]:
        """The envelope and the Set-Cookie headers of one request (a fresh client: no jar)."""
        wire = {name.replace("_", "-"): value for name, value in headers.items()}
        data = None
        if body is not None:
            data = codec.dumps(body)
            wire["Content-Type"] = "application/json"
        stub = StubTreq(self.service.resource)
        response = self.successResultOf(stub.request(method, URL + path, data=data, headers=wire))
        document = codec.loads(self.successResultOf(response.content()))
        self.assertEqual(response.code, document["status"])
        return document, response.headers.getRawHeaders("set-cookie") or []

    def login(self, query: str = "cookieAuth") -> tuple[dict[str, Any], list[str]]:
        credentials = {"username": "alice", "password": PASSWORD}
        return self.send("POST", f"/_login/local?{query}", credentials)

    def cookie_login(self, query: str = "cookieAuth") -> str:
        """Log in with cookieAuth; the token the cookie carries."""
        _, [cookie] = self.login(query)
        return cookie.split(";")[0].partition("=")[2]

    def assertError(self, document: Any, error_id: str, status: int) -> None:  # noqa: N802
        error = document["error"]
        self.assertIsNotNone(error, document)
        self.assertEqual(
            (error["id"], error["status"], document["status"]), (error_id, status, status)
        )


class CookieLoginTests(CookieTestCase):
    def test_login_sets_the_cookie(self) -> None:
        """With cookieAuth the token comes as an HttpOnly cookie only, never in the body."""
        document, cookies = self.login()
        result = document["result"]
        self.assertEqual(set(result), {"_id", "expiresAt", "ttl"})
        self.assertEqual(result["_id"], "alice")
        [cookie] = cookies
        jwt = cookie.split(";")[0].partition("=")[2]
        self.assertTrue(jwt.startswith("kauth-"))
        self.assertEqual(
            cookie, f"authToken={jwt}; Path=/; Expires={IN_AN_HOUR}; HttpOnly; SameSite=Strict"
        )
        self.assertEqual(document["headers"], {})
        self.assertNotIn(jwt, codec.dumps(document).decode())

    def test_without_cookie_auth(self) -> None:
        """Without the flag the jwt is in the body and no cookie is set."""
        document, cookies = self.login(query="expiresIn=1m")
        self.assertIn("jwt", document["result"])
        self.assertEqual(cookies, [])

    def test_session_cookie_for_an_infinite_token(self) -> None:
        """A token that never expires makes a cookie without Expires."""
        _, [cookie] = self.login("cookieAuth&expiresIn=-1")
        self.assertNotIn("Expires", cookie)
        self.assertTrue(cookie.endswith("; Path=/; HttpOnly; SameSite=Strict"))

    def test_cookie_authenticates(self) -> None:
        """The authToken cookie is the request's token when no Authorization is given."""
        jwt = self.cookie_login()
        document, _ = self.send("GET", "/_me", Cookie=f"theme=dark; authToken={jwt}")
        self.assertEqual(document["result"]["_id"], "alice")
        document, _ = self.send(
            "POST",
            "/_query",
            {"controller": "auth", "action": "getCurrentUser"},
            Cookie=f"authToken={jwt}",
        )
        self.assertEqual(document["result"]["_id"], "alice")

    def test_no_usable_cookie(self) -> None:
        """No authToken, an empty one or "null" (the SDK's after logout): anonymous."""
        for cookie in ("theme=dark", "authToken=null", "authToken=", "authToken"):
            document, _ = self.send("GET", "/_me", Cookie=cookie)
            self.assertEqual(document["result"]["_id"], "-1", cookie)

    def test_expired_or_bad_cookie(self) -> None:
        """A cookie's token is verified like any: expired or invalid is 401."""
        jwt = self.cookie_login("cookieAuth&expiresIn=2s")
        self.clock.advance(2)
        document, _ = self.send("GET", "/_me", Cookie=f"authToken={jwt}")
        self.assertError(document, "security.token.expired", 401)
        document, _ = self.send("GET", "/_me", Cookie="authToken=kauth-garbage")
        self.assertError(document, "security.token.invalid", 401)

    def test_token_and_cookie(self) -> None:
        """A jwt and a cookie at once: 500 security.token.verification_error."""
        jwt = self.cookie_login()
        for extra in ({"Authorization": f"Bearer {jwt}"}, {}):
            path = "/_me" if extra else f"/_me?jwt={jwt}"
            document, _ = self.send("GET", path, Cookie=f"authToken={jwt}", **extra)
            self.assertError(document, "security.token.verification_error", 500)
            self.assertEqual(
                (document["controller"], document["action"]), ("auth", "getCurrentUser")
            )
            self.assertEqual(
                document["error"]["message"],
                "Error verifying token: Both token and cookie are present, could not decide "
                "which one to use",
            )

    def test_unparsable_cookie(self) -> None:
        """An authToken that cannot be decoded: 401 security.cookie.invalid."""
        document, _ = self.send("GET", "/_me", Cookie="authToken=%ff%fe")
        self.assertError(document, "security.cookie.invalid", 401)

    def test_expired_cookie_does_not_prevent_login(self) -> None:
        """login, checkToken and logout with cookieAuth do not verify the cookie first."""
        jwt = self.cookie_login("cookieAuth&expiresIn=2s")
        self.clock.advance(2)
        credentials = {"username": "alice", "password": PASSWORD}
        document, cookies = self.send(
            "POST", "/_login/local?cookieAuth", credentials, Cookie=f"authToken={jwt}"
        )
        self.assertIsNone(document["error"])
        self.assertEqual(len(cookies), 1)
        document, _ = self.send("POST", "/_checkToken?cookieAuth", {}, Cookie=f"authToken={jwt}")
        self.assertEqual(document["result"], {"valid": False, "state": "Token expired"})
        document, cookies = self.send("POST", "/_logout?cookieAuth", Cookie=f"authToken={jwt}")
        self.assertEqual((document["result"], cookies), ({"acknowledged": True}, [CLEARED]))


class CookieTokenTests(CookieTestCase):
    def test_check_token(self) -> None:
        """checkToken with cookieAuth checks the cookie's token, not body.token."""
        jwt = self.cookie_login()
        document, _ = self.send(
            "POST", "/_checkToken?cookieAuth", {"token": "x"}, Cookie=f"authToken={jwt}"
        )
        self.assertEqual(document["result"]["kuid"], "alice")
        self.assertTrue(document["result"]["valid"])
        document, _ = self.send("POST", "/_checkToken?cookieAuth", {})
        self.assertEqual(document["result"], {"valid": True, "kuid": "-1", "expiresAt": None})

    def test_refresh(self) -> None:
        """refreshToken with cookieAuth answers the new token as a cookie."""
        jwt = self.cookie_login()
        self.clock.advance(10)
        document, [cookie] = self.send(
            "POST", "/_refreshToken?cookieAuth", Cookie=f"authToken={jwt}"
        )
        self.assertNotIn("jwt", document["result"])
        new = cookie.split(";")[0].partition("=")[2]
        self.assertNotEqual(new, jwt)
        document, _ = self.send("GET", "/_me", Cookie=f"authToken={new}")
        self.assertEqual(document["result"]["_id"], "alice")

    def test_logout_clears_and_revokes(self) -> None:
        """logout with cookieAuth expires the cookie and ends the token it carried."""
        jwt = self.cookie_login()
        document, cookies = self.send("POST", "/_logout?cookieAuth", Cookie=f"authToken={jwt}")
        self.assertEqual(document["result"], {"acknowledged": True})
        self.assertEqual(cookies, [CLEARED])
        self.assertEqual(document["headers"], {})
        document, _ = self.send("GET", "/_me", Cookie=f"authToken={jwt}")
        self.assertError(document, "security.token.invalid", 401)

    def test_logout_without_cookie(self) -> None:
        """logout with cookieAuth and no cookie just clears it; without the flag, 401."""
        document, cookies = self.send("POST", "/_logout?cookieAuth")
        self.assertEqual((document["result"], cookies), ({"acknowledged": True}, [CLEARED]))
        document, _ = self.send("POST", "/_logout")
        self.assertError(document, "security.rights.unauthorized", 401)

    def test_logout_with_authorization(self) -> None:
        """logout with cookieAuth and a Bearer token ends that token and clears the cookie."""
        document, _ = self.login(query="expiresIn=1h")
        jwt = document["result"]["jwt"]
        document, cookies = self.send("POST", "/_logout?cookieAuth", Authorization=f"Bearer {jwt}")
        self.assertEqual(cookies, [CLEARED])
        document, _ = self.send("GET", "/_me", Authorization=f"Bearer {jwt}")
        self.assertError(document, "security.token.invalid", 401)


class CookiesDisabledTests(CookieTestCase):
    def setUp(self) -> None:
        self.build(http={"cookieAuthentication": False})

    def test_cookie_refused(self) -> None:
        """An authToken cookie, or the cookieAuth flag: 500 security.cookie.unsupported."""
        document, _ = self.send("GET", "/_me", Cookie="authToken=kauth-x")
        self.assertError(document, "security.cookie.unsupported", 500)
        document, _ = self.send("GET", "/_now?cookieAuth")
        self.assertError(document, "security.cookie.unsupported", 500)
        document, _ = self.login()
        self.assertError(document, "security.cookie.unsupported", 500)

    def test_other_cookies_ignored(self) -> None:
        """Cookies other than authToken do not matter."""
        document, _ = self.send("GET", "/_me", Cookie="theme=dark; authToken=null")
        self.assertEqual(document["result"]["_id"], "-1")


class CookieParsingTests(SynchronousTestCase):
    def test_parsing(self) -> None:
        """cookie_token reads authToken as the npm cookie package does."""
        for header, token in (
            ("authToken=abc", "abc"),
            ("a=1; authToken=abc; b=2", "abc"),
            (" authToken = abc ", "abc"),
            ('authToken="abc"', "abc"),
            ("authToken=a%2Eb", "a.b"),
            ("authToken=first; authToken=second", "first"),
            ("authToken=a=b", "a=b"),
            ("xauthToken=abc", None),
            ("authToken=null", None),
            ("authToken=", None),
            ("", None),
            ("garbage", None),
        ):
            self.assertEqual(cookie_token(header), token, header)

    def test_invalid(self) -> None:
        """Control characters, or escapes that are not UTF-8: security.cookie.invalid."""
        for header in ("authToken=a\x00b", "a=1\nauthToken=x", "authToken=%ff"):
            error = self.assertRaises(KuzzleError, cookie_token, header)
            self.assertEqual((error.id, error.status), ("security.cookie.invalid", 401))
