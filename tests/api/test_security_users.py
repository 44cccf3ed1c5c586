# -*- test-case-name: tests.api.test_security_users -*-
"""
The ``security`` user actions that create and change users, through a whole
in-memory service: create, createRestricted, get, update, replace and upsert,
with Kuzzle's error ids; credentials made with a user, or not at all.
(Reading and deleting users: `tests.api.test_security_users_read`.)
"""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from tests.api.test_security_support import PASSWORD, SecurityApiMixin


class CreateUserTests(SecurityApiMixin, SynchronousTestCase):
    def setUp(self) -> None:
        self.start_security()

    def test_create(self) -> None:
        """The result is {_id, _source: {...content, profileIds}}; getUser gives the same."""
        result = self.as_admin(
            "security:createUser",
            _id="ann",
            body={"content": {"profileIds": ["default"], "name": "Ann", "_id": "ignored"}},
        )
        self.assertEqual(
            result, {"_id": "ann", "_source": {"name": "Ann", "profileIds": ["default"]}}
        )
        self.assertEqual(self.as_admin("security:getUser", _id="ann"), result)

    def test_create_with_credentials(self) -> None:
        """Local credentials are created with the user; nothing of them is returned."""
        result = self.make_user("ann", "default", username="ann.smith")
        self.assertEqual(result["_source"], {"profileIds": ["default"]})
        self.assertEqual(self.login_kuid("ann.smith"), "ann")
        self.assertEqual(
            self.as_admin("security:getUserStrategies", _id="ann"),
            {"strategies": ["local"], "total": 1},
        )

    def test_generated_id(self) -> None:
        """Without _id (or with _id null, as the SDK sends), a kuid is generated."""
        result = self.as_admin(
            "security:createUser", _id=None, body={"content": {"profileIds": ["default"]}}
        )
        self.assertTrue(result["_id"].startswith("kuid-"), result)

    def test_existing(self) -> None:
        """An existing id is 412 security.user.already_exists."""
        self.make_user("ann", "default")
        error = self.admin_fails(
            "security:createUser",
            "security.user.already_exists",
            412,
            _id="ann",
            body={"content": {"profileIds": ["admin"]}},
        )
        self.assertEqual(error["props"], ["ann"])
        self.assertEqual(
            self.as_admin("security:getUser", _id="ann")["_source"]["profileIds"], ["default"]
        )

    def test_unknown_profile(self) -> None:
        """An unknown profile is 404 security.profile.not_found; no user is created."""
        self.admin_fails(
            "security:createUser",
            "security.profile.not_found",
            404,
            _id="ann",
            body={"content": {"profileIds": ["default", "nope"]}},
        )
        self.admin_fails("security:getUser", "security.user.not_found", 404, _id="ann")

    def test_bad_bodies(self) -> None:
        """Kuzzle's assertions on body, content and content.profileIds."""
        cases = [
            (None, "api.assert.body_required", 400),
            ({}, "api.assert.missing_argument", 400),
            ({"content": []}, "api.assert.invalid_type", 400),
            ({"content": {}}, "api.assert.missing_argument", 400),
            ({"content": {"profileIds": "default"}}, "api.assert.invalid_type", 400),
            ({"content": {"profileIds": [1]}}, "api.assert.invalid_type", 400),
            ({"content": {"profileIds": []}}, "security.user.no_profile", 500),
        ]
        for body, error_id, status in cases:
            self.admin_fails("security:createUser", error_id, status, _id="ann", body=body)
        self.admin_fails("security:getUser", "security.user.not_found", 404, _id="ann")

    def test_unknown_strategy(self) -> None:
        """Credentials of an unknown strategy are 400 security.credentials.unknown_strategy."""
        self.admin_fails(
            "security:createUser",
            "security.credentials.unknown_strategy",
            400,
            _id="ann",
            body={"content": {"profileIds": ["default"]}, "credentials": {"ldap": {}}},
        )
        self.admin_fails("security:getUser", "security.user.not_found", 404, _id="ann")

    def test_refused_credentials_remove_the_user(self) -> None:
        """Credentials refused by the strategy: 400, and the user is removed again."""
        for credentials in (
            {"username": "ann"},
            {"password": PASSWORD},
            {"username": "ann", "password": PASSWORD, "kuid": "x"},
        ):
            self.admin_fails(
                "security:createUser",
                "security.credentials.rejected",
                400,
                _id="ann",
                body={
                    "content": {"profileIds": ["default"]},
                    "credentials": {"local": credentials},
                },
            )
            self.admin_fails("security:getUser", "security.user.not_found", 404, _id="ann")

    def test_username_taken(self) -> None:
        """A username already used is refused; the new user does not remain."""
        self.make_user("ann", "default", username="ann")
        self.admin_fails(
            "security:createUser",
            "security.credentials.rejected",
            400,
            _id="bob",
            body={
                "content": {"profileIds": ["default"]},
                "credentials": {"local": {"username": "ann", "password": "other"}},
            },
        )
        self.admin_fails("security:getUser", "security.user.not_found", 404, _id="bob")
        self.assertEqual(self.login_kuid("ann"), "ann")

    def test_restricted_user(self) -> None:
        """createRestrictedUser gives security.restrictedProfileIds; profileIds are forbidden."""
        result = self.as_admin(
            "security:createRestrictedUser",
            _id="ann",
            body={
                "content": {"name": "Ann"},
                "credentials": {"local": {"username": "ann", "password": PASSWORD}},
            },
        )
        self.assertEqual(result["_source"], {"name": "Ann", "profileIds": ["default"]})
        self.assertEqual(self.login_kuid("ann"), "ann")
        no_body = self.as_admin("security:createRestrictedUser", _id="bob")
        self.assertEqual(no_body["_source"], {"profileIds": ["default"]})
        error = self.admin_fails(
            "security:createRestrictedUser",
            "api.assert.forbidden_argument",
            400,
            _id="carl",
            body={"content": {"profileIds": ["admin"]}},
        )
        self.assertEqual(error["props"], ["body.content.profileIds"])

    def test_configured_restricted_profiles(self) -> None:
        """security.restrictedProfileIds decides the profiles of restricted users."""
        self.start_security(security={"restrictedProfileIds": ["anonymous", "default"]})
        result = self.as_admin("security:createRestrictedUser", _id="ann")
        self.assertEqual(result["_source"]["profileIds"], ["anonymous", "default"])

    def test_over_http(self) -> None:
        """POST /users/:_id/_create then GET /users/:_id (the SDK's Http routes)."""
        self.start_service()
        created = self.http("POST", "/users/ann/_create", {"content": {"profileIds": ["default"]}})
        self.assertEqual(created["result"]["_id"], "ann")
        self.assertEqual(self.http("GET", "/users/ann")["result"], created["result"])


class ChangeUserTests(SecurityApiMixin, SynchronousTestCase):
    def setUp(self) -> None:
        self.start_security()
        self.make_user("ann", "default", name="Ann", age=30)

    def test_update_merges(self) -> None:
        """updateUser merges the body into the content; profileIds stay unless given."""
        result = self.as_admin("security:updateUser", _id="ann", body={"age": 31, "city": "X"})
        self.assertEqual(
            result["_source"],
            {"profileIds": ["default"], "name": "Ann", "age": 31, "city": "X"},
        )
        result = self.as_admin("security:updateUser", _id="ann", body={"profileIds": ["admin"]})
        self.assertEqual(result["_source"]["profileIds"], ["admin"])
        self.assertEqual(self.as_admin("security:getUser", _id="ann"), result)

    def test_update_errors(self) -> None:
        """Unknown user 404; unknown profile 404; bad profileIds 400; no body 400."""
        self.admin_fails(
            "security:updateUser", "security.user.not_found", 404, _id="nobody", body={"a": 1}
        )
        self.admin_fails(
            "security:updateUser",
            "security.profile.not_found",
            404,
            _id="ann",
            body={"profileIds": ["nope"]},
        )
        self.admin_fails(
            "security:updateUser",
            "api.assert.invalid_type",
            400,
            _id="ann",
            body={"profileIds": "admin"},
        )
        self.admin_fails(
            "security:updateUser",
            "security.user.no_profile",
            500,
            _id="ann",
            body={"profileIds": []},
        )
        self.admin_fails("security:updateUser", "api.assert.body_required", 400, _id="ann")
        self.admin_fails("security:updateUser", "api.assert.missing_argument", 400, body={})
        self.assertEqual(
            self.as_admin("security:getUser", _id="ann")["_source"],
            {"profileIds": ["default"], "name": "Ann", "age": 30},
        )

    def test_update_changes_rights_at_once(self) -> None:
        """A user given the admin profile may at once do what it could not."""
        self.as_admin("security:restrictDefaultRights")
        jwt = self.token("ann")
        self.fail("index:create", "security.rights.forbidden", 403, jwt=jwt, index="shop")
        self.as_admin("security:updateUser", _id="ann", body={"profileIds": ["admin"]})
        self.ok("index:create", jwt=jwt, index="shop")

    def test_replace(self) -> None:
        """replaceUser replaces the whole content; profileIds are required."""
        result = self.as_admin(
            "security:replaceUser", _id="ann", body={"profileIds": ["admin"], "nick": "A"}
        )
        self.assertEqual(result, {"_id": "ann", "_source": {"nick": "A", "profileIds": ["admin"]}})
        self.assertEqual(self.as_admin("security:getUser", _id="ann"), result)
        self.admin_fails(
            "security:replaceUser", "api.assert.missing_argument", 400, _id="ann", body={}
        )
        self.admin_fails(
            "security:replaceUser",
            "security.user.not_found",
            404,
            _id="nobody",
            body={"profileIds": ["admin"]},
        )

    def test_upsert(self) -> None:
        """upsertUser updates an existing user, or creates one from default + content."""
        updated = self.as_admin(
            "security:upsertUser",
            _id="ann",
            body={"content": {"profileIds": ["admin"], "age": 40}, "default": {"x": 1}},
        )
        self.assertEqual(updated["_source"], {"profileIds": ["admin"], "name": "Ann", "age": 40})
        created = self.as_admin(
            "security:upsertUser",
            _id="bob",
            body={
                "content": {"profileIds": ["default"], "age": 20},
                "default": {"age": 1, "x": 1},
                "credentials": {"local": {"username": "bob", "password": PASSWORD}},
            },
        )
        self.assertEqual(created["_source"], {"age": 20, "x": 1, "profileIds": ["default"]})
        self.assertEqual(self.login_kuid("bob"), "bob")
        self.admin_fails(
            "security:upsertUser",
            "api.assert.missing_argument",
            400,
            _id="carl",
            body={"content": {}},
        )

    def test_anonymous_user_is_protected(self) -> None:
        """The anonymous user must keep the anonymous profile; it is not stored."""
        self.admin_fails(
            "security:updateUser",
            "security.user.anonymous_profile_required",
            400,
            _id="-1",
            body={"profileIds": ["default"]},
        )
        self.admin_fails("security:deleteUser", "security.user.not_found", 404, _id="-1")
