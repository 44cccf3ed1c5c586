# -*- test-case-name: tests.api.test_security_credentials -*-
"""
The ``security`` credential actions on the ``local`` strategy: create, update,
has, validate, delete, get, getById and the strategies' fields; unknown
strategies and users; nothing but ``{username, kuid}`` ever comes back.
"""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from kuzzle_tx import codec
from tests.api.test_security_support import PASSWORD, SecurityApiMixin

LOCAL = {"strategy": "local"}


class CredentialTests(SecurityApiMixin, SynchronousTestCase):
    def setUp(self) -> None:
        self.start_security()
        self.make_user("ann", "default")

    def create(self, kuid: str = "ann", username: str = "ann") -> dict[str, str]:
        return dict(
            self.as_admin(
                "security:createCredentials",
                _id=kuid,
                body={"username": username, "password": PASSWORD},
                **LOCAL,
            )
        )

    def test_create(self) -> None:
        """createCredentials answers {username, kuid}; the user can then log in."""
        self.assertEqual(self.create(), {"username": "ann", "kuid": "ann"})
        self.assertEqual(self.login_kuid("ann"), "ann")
        self.assertIs(self.as_admin("security:hasCredentials", _id="ann", **LOCAL), True)

    def test_create_errors(self) -> None:
        """Unknown user 404; strategy missing or unknown 400; refused credentials 400."""
        body = {"username": "x", "password": PASSWORD}
        self.admin_fails(
            "security:createCredentials",
            "security.user.not_found",
            404,
            _id="nobody",
            body=body,
            **LOCAL,
        )
        self.admin_fails(
            "security:createCredentials", "api.assert.missing_argument", 400, _id="ann", body=body
        )
        error = self.admin_fails(
            "security:createCredentials",
            "security.credentials.unknown_strategy",
            400,
            _id="ann",
            body=body,
            strategy="oauth",
        )
        self.assertEqual(error["props"], ["oauth"])
        for refused in (
            {"username": "ann"},
            {"password": PASSWORD},
            {"username": "ann", "password": PASSWORD, "kuid": "bob"},
        ):
            self.admin_fails(
                "security:createCredentials",
                "security.credentials.rejected",
                400,
                _id="ann",
                body=refused,
                **LOCAL,
            )
        self.admin_fails(
            "security:createCredentials", "api.assert.body_required", 400, _id="ann", **LOCAL
        )
        self.create()
        self.admin_fails(
            "security:createCredentials",
            "security.credentials.rejected",
            400,
            _id="ann",
            body={"username": "other", "password": PASSWORD},
            **LOCAL,
        )

    def test_username_is_unique(self) -> None:
        """Two users cannot share a username."""
        self.create()
        self.make_user("bob", "default")
        self.admin_fails(
            "security:createCredentials",
            "security.credentials.rejected",
            400,
            _id="bob",
            body={"username": "ann", "password": "x"},
            **LOCAL,
        )

    def test_update(self) -> None:
        """updateCredentials changes the password and/or the username."""
        self.create()
        self.assertEqual(
            self.as_admin(
                "security:updateCredentials",
                _id="ann",
                body={"password": "new-password"},
                **LOCAL,
            ),
            {"username": "ann", "kuid": "ann"},
        )
        self.assertEqual(self.login_kuid("ann", "new-password"), "ann")
        self.assertEqual(self.login_error("ann"), "plugin.strategy.missing_user")
        self.as_admin("security:updateCredentials", _id="ann", body={"username": "annie"}, **LOCAL)
        self.assertEqual(self.login_kuid("annie", "new-password"), "ann")
        self.admin_fails(
            "security:updateCredentials",
            "security.user.not_found",
            404,
            _id="nobody",
            body={"password": "x"},
            **LOCAL,
        )
        self.make_user("bob", "default")
        self.admin_fails(
            "security:updateCredentials",
            "security.credentials.rejected",
            400,
            _id="bob",
            body={"password": "x"},
            **LOCAL,
        )

    def test_has_get_and_get_by_id(self) -> None:
        """hasCredentials, getCredentials ({username, kuid}) and getCredentialsById (username)."""
        self.assertIs(self.as_admin("security:hasCredentials", _id="ann", **LOCAL), False)
        self.admin_fails(
            "security:getCredentials", "security.credentials.rejected", 400, _id="ann", **LOCAL
        )
        self.create(username="ann.s")
        self.assertEqual(
            self.as_admin("security:getCredentials", _id="ann", **LOCAL),
            {"username": "ann.s", "kuid": "ann"},
        )
        self.assertEqual(
            self.as_admin("security:getCredentialsById", _id="ann.s", **LOCAL),
            {"username": "ann.s", "kuid": "ann"},
        )
        self.admin_fails(
            "security:getCredentialsById",
            "security.credentials.rejected",
            400,
            _id="ann",
            **LOCAL,
        )
        self.admin_fails(
            "security:hasCredentials",
            "security.credentials.unknown_strategy",
            400,
            _id="ann",
            strategy="x",
        )

    def test_validate(self) -> None:
        """validateCredentials: true, or 400 rejected (malformed, or username of another)."""
        body = {"username": "ann", "password": PASSWORD}
        self.assertIs(self.as_admin("security:validateCredentials", body=body, **LOCAL), True)
        self.create()
        self.assertIs(
            self.as_admin("security:validateCredentials", _id="ann", body=body, **LOCAL), True
        )
        error = self.admin_fails(
            "security:validateCredentials",
            "security.credentials.rejected",
            400,
            _id="bob",
            body=body,
            **LOCAL,
        )
        self.assertIn("already used", error["message"])
        self.admin_fails(
            "security:validateCredentials",
            "security.credentials.rejected",
            400,
            body={"password": "x"},
            **LOCAL,
        )

    def test_delete(self) -> None:
        """deleteCredentials answers {acknowledged: true}; a second time is 400."""
        self.create()
        self.assertEqual(
            self.as_admin("security:deleteCredentials", _id="ann", **LOCAL),
            {"acknowledged": True},
        )
        self.assertEqual(self.login_error("ann"), "plugin.strategy.missing_user")
        self.admin_fails(
            "security:deleteCredentials", "security.credentials.rejected", 400, _id="ann", **LOCAL
        )
        self.create()

    def test_fields(self) -> None:
        """getCredentialFields("local") and getAllCredentialFields."""
        self.assertEqual(
            self.as_admin("security:getCredentialFields", **LOCAL), ["username", "password"]
        )
        self.assertEqual(
            self.as_admin("security:getAllCredentialFields"), {"local": ["username", "password"]}
        )
        self.admin_fails(
            "security:getCredentialFields",
            "security.credentials.unknown_strategy",
            400,
            strategy="x",
        )

    def test_over_http(self) -> None:
        """The credentials routes: POST .../_create, GET .../_exists, DELETE."""
        self.start_service()
        self.ok("security:createUser", _id="ann", body={"content": {"profileIds": ["default"]}})
        created = self.http(
            "POST", "/credentials/local/ann/_create", {"username": "ann", "password": PASSWORD}
        )
        self.assertEqual(created["result"], {"username": "ann", "kuid": "ann"})
        self.assertIs(self.http("GET", "/credentials/local/ann/_exists")["result"], True)
        self.assertEqual(
            self.http("GET", "/credentials/_fields")["result"], {"local": ["username", "password"]}
        )
        self.assertEqual(
            self.http("DELETE", "/credentials/local/ann")["result"], {"acknowledged": True}
        )

    def test_no_secret_leaks(self) -> None:
        """No credential answer carries the password or its hash."""
        answers = [
            self.create(),
            self.as_admin(
                "security:updateCredentials", _id="ann", body={"password": PASSWORD}, **LOCAL
            ),
            self.as_admin("security:getCredentials", _id="ann", **LOCAL),
            self.as_admin("security:getCredentialsById", _id="ann", **LOCAL),
        ]
        text = codec.dumps(answers).decode()
        self.assertNotIn(PASSWORD, text)
        self.assertNotIn("argon2", text)
