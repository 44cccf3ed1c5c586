"""Role and profile validation, protected definitions and defaults
(`kuzzle_tx.security.definitions`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from twisted.trial.unittest import SynchronousTestCase

from kuzzle_tx.errors import KuzzleError
from kuzzle_tx.security.definitions import (
    FIRST_RUN_PROFILES,
    FIRST_RUN_ROLES,
    SECURITY_ERRORS,
    STANDARD_PROFILES,
    STANDARD_ROLES,
    check_deletable_profile,
    check_deletable_role,
    check_protected_profile_update,
    check_protected_role_update,
    parse_profile,
    parse_role,
)
from kuzzle_tx.security.rights import Policy, Profile, Role, is_allowed

API = {
    "auth": ["login", "logout", "checkToken", "getCurrentUser", "getMyRights", "updateSelf"],
    "server": ["now", "publicApi", "openapi"],
    "document": ["get", "create", "delete", "search"],
    "ms": ["get", "set"],
}


def controllers(**rights: dict[str, Any]) -> dict[str, Any]:
    return {"controllers": {c: {"actions": a} for c, a in rights.items()}}


class ErrorAssertions(SynchronousTestCase):
    def assertKuzzleError(
        self,
        error_id: str,
        props: list[str],
        f: Callable[..., object],
        *args: Any,
        **kwargs: Any,
    ) -> KuzzleError:
        error = self.assertRaises(KuzzleError, f, *args, **kwargs)
        self.assertEqual((error.id, error.props), (error_id, props))
        return error


class ParseRoleTests(ErrorAssertions):
    def test_valid(self) -> None:
        """A valid body becomes a Role; other top-level keys are accepted."""
        body = {**controllers(document={"get": True, "*": False}), "tags": ["t"]}
        self.assertEqual(
            parse_role("r", body, API),
            Role("r", {"document": {"get": True, "*": False}}),
        )

    def test_body(self) -> None:
        """A role needs a body, and the body must be an object."""
        self.assertKuzzleError("api.assert.body_required", [], parse_role, "r", None)
        self.assertKuzzleError(
            "api.assert.invalid_type", ["body", "object"], parse_role, "r", ["x"]
        )

    def test_controllers(self) -> None:
        """``controllers`` is required, must be an object and must not be empty."""
        error = self.assertKuzzleError(
            "api.assert.missing_argument", ["r.controllers"], parse_role, "r", {}
        )
        self.assertEqual(error.message, 'Missing argument "r.controllers".')
        self.assertKuzzleError(
            "api.assert.missing_argument",
            ["r.controllers"],
            parse_role,
            "r",
            {"controllers": None},
        )
        self.assertKuzzleError(
            "api.assert.invalid_type",
            ["r.controllers", "object"],
            parse_role,
            "r",
            {"controllers": [1]},
        )
        self.assertKuzzleError(
            "api.assert.empty_argument", ["r.controllers"], parse_role, "r", {"controllers": {}}
        )

    def test_controller_rights(self) -> None:
        """Each controller is an object holding a non-empty ``actions`` object."""
        cases: list[tuple[Any, str, list[str]]] = [
            (True, "api.assert.invalid_type", ["document", "object"]),
            ({}, "api.assert.empty_argument", ["document"]),
            ({"action": {"get": True}}, "api.assert.missing_argument", ["document"]),
            ({"actions": ["get"]}, "api.assert.invalid_type", ["document.actions", "object"]),
            ({"actions": None}, "api.assert.invalid_type", ["document.actions", "object"]),
            ({"actions": {}}, "api.assert.empty_argument", ["document.actions"]),
        ]
        for value, error_id, props in cases:
            self.assertKuzzleError(
                error_id, props, parse_role, "r", {"controllers": {"document": value}}
            )

    def test_values_are_booleans(self) -> None:
        """Every right is a boolean: 1, "true" and null are refused."""
        for value in (1, "true", None, 0):
            error = self.assertKuzzleError(
                "api.assert.invalid_type",
                ["document.actions.get", "boolean"],
                parse_role,
                "r",
                controllers(document={"get": value}),
            )
            self.assertEqual(
                error.message,
                'Wrong type for argument "document.actions.get" (expected: boolean)',
            )

    def test_unknown_controller(self) -> None:
        """An unknown controller is refused, unless forced."""
        body = controllers(document={"get": True}, nope={"x": True})
        error = self.assertKuzzleError(
            "security.role.unknown_controller", ["r", "nope", ""], parse_role, "r", body, API
        )
        self.assertEqual(
            error.message, "Trying to set role r with a non-existing controller 'nope'. "
        )
        self.assertEqual(error.status, 400)
        role = parse_role("r", body, API, force=True)
        self.assertEqual(set(role.controllers), {"document", "nope"})

    def test_unknown_action(self) -> None:
        """An unknown action of a known controller is refused, even when forced."""
        body = controllers(document={"get": True, "fly": True})
        for force in (False, True):
            error = self.assertKuzzleError(
                "security.role.unknown_action",
                ["r", "fly", "document", ""],
                parse_role,
                "r",
                body,
                API,
                force,
            )
        self.assertEqual(
            error.message,
            "Trying to set role r with a non-existing action 'fly' in controller 'document'. ",
        )

    def test_wildcard_controller_takes_wildcard_actions_only(self) -> None:
        """Under the ``"*"`` controller only the ``"*"`` action exists, even when forced."""
        error = self.assertKuzzleError(
            "security.role.unknown_action",
            ["r", "get", "*", "%s"],
            parse_role,
            "r",
            controllers(**{"*": {"get": True}}),
            API,
            True,
        )
        # Kuzzle formats this message with three values: its last "%s" stays as is.
        self.assertEqual(
            error.message,
            "Trying to set role r with a non-existing action 'get' in controller '*'. %s",
        )

    def test_native_actions_are_checked_before_controllers(self) -> None:
        """Unknown actions of known controllers are reported before unknown controllers."""
        body = controllers(nope={"x": True}, document={"fly": True})
        self.assertKuzzleError(
            "security.role.unknown_action",
            ["r", "fly", "document", ""],
            parse_role,
            "r",
            body,
            API,
        )

    def test_wildcard_action_of_known_controller(self) -> None:
        """``"*"`` is an action of every known controller."""
        parse_role("r", controllers(document={"*": True}), API)

    def test_memory_storage_alias(self) -> None:
        """``memoryStorage`` is checked against the ``ms`` actions."""
        parse_role("r", controllers(memoryStorage={"get": True}), API)
        self.assertKuzzleError(
            "security.role.unknown_action",
            ["r", "fly", "memoryStorage", ""],
            parse_role,
            "r",
            controllers(memoryStorage={"fly": True}),
            API,
        )

    def test_no_api_no_check(self) -> None:
        """Without a known API, controllers and actions are not checked."""
        body = controllers(nope={"x": True}, **{"*": {"get": True}})
        self.assertEqual(set(parse_role("r", body).controllers), {"nope", "*"})


class AnonymousRoleTests(ErrorAssertions):
    def test_login_required(self) -> None:
        """The anonymous role must keep a way to log in."""
        for body in (
            controllers(auth={"login": False, "logout": True}),
            controllers(auth={"logout": True}),
            controllers(document={"*": True}),
        ):
            error = self.assertKuzzleError(
                "security.role.login_required", [], parse_role, "anonymous", body, API
            )
            self.assertEqual(
                error.message, 'Cannot remove the "login" action from the anonymous role.'
            )
        self.assertEqual(parse_role("other", controllers(document={"*": True}), API).id, "other")

    def test_ways_to_log_in(self) -> None:
        """
        Any true value among auth:login, auth:*, *:login and *:* keeps login, as in
        Kuzzle's canLogIn (looser than the rights lookup itself).
        """
        for body in (
            controllers(auth={"login": True}),
            controllers(auth={"*": True}),
            controllers(**{"*": {"*": True}}),
            controllers(auth={"login": False, "*": True}),
            controllers(auth={"logout": True}, **{"*": {"*": True}}),
        ):
            parse_role("anonymous", body)

    def test_order_of_checks(self) -> None:
        """The definition's shape is checked first, then login, then the API."""
        self.assertKuzzleError(
            "api.assert.empty_argument",
            ["auth.actions"],
            parse_role,
            "anonymous",
            controllers(auth={}),
            API,
        )
        self.assertKuzzleError(
            "security.role.login_required",
            [],
            parse_role,
            "anonymous",
            controllers(nope={"x": True}),
            API,
        )

    def test_check_protected_role_update(self) -> None:
        """The check is also available on its own, for roles already parsed."""
        no_login = Role.from_kuzzle("anonymous", {"auth": {"actions": {"logout": True}}})
        self.assertKuzzleError(
            "security.role.login_required", [], check_protected_role_update, "anonymous", no_login
        )
        check_protected_role_update("default", no_login)


class DeletionTests(ErrorAssertions):
    def test_protected_roles(self) -> None:
        """The admin, default and anonymous roles cannot be deleted."""
        for role_id in ("admin", "default", "anonymous"):
            error = self.assertKuzzleError(
                "security.role.cannot_delete", [], check_deletable_role, role_id
            )
            self.assertEqual(error.status, 400)
        check_deletable_role("editor")

    def test_protected_profiles(self) -> None:
        """The admin, default and anonymous profiles cannot be deleted."""
        for profile_id in ("admin", "default", "anonymous"):
            error = self.assertKuzzleError(
                "security.profile.cannot_delete", [], check_deletable_profile, profile_id
            )
            self.assertEqual(
                error.message,
                "The following profiles are protected and cannot be deleted: "
                "anonymous, default, admin",
            )
        check_deletable_profile("editor")


class ParseProfileTests(ErrorAssertions):
    def test_valid(self) -> None:
        """A valid body becomes a Profile; other top-level keys are accepted."""
        body = {
            "rateLimit": 5,
            "tags": ["t"],
            "policies": [
                {"roleId": "a"},
                {
                    "roleId": "b",
                    "restrictedTo": [{"index": "i", "collections": ["y", "x"]}, {"index": "j"}],
                },
            ],
        }
        self.assertEqual(
            parse_profile("p", body, {"a", "b"}),
            Profile("p", (Policy("a"), Policy("b", (("i", ("x", "y")), ("j", None)))), 5),
        )

    def test_body(self) -> None:
        """A profile needs a body, and the body must be an object."""
        self.assertKuzzleError("api.assert.body_required", [], parse_profile, "p", None)
        self.assertKuzzleError(
            "api.assert.invalid_type", ["body", "object"], parse_profile, "p", "x"
        )

    def test_default_policy(self) -> None:
        """Without policies, a profile gets one policy on the ``default`` role."""
        bodies: list[dict[str, Any]] = [{}, {"policies": None}, {"policies": []}, {"policies": ""}]
        for body in bodies:
            self.assertEqual(parse_profile("p", body), Profile("p", (Policy("default"),), 0))

    def test_policies_type(self) -> None:
        """``policies`` must be an array."""
        for value in ({"roleId": "a"}, "admin", 3):
            self.assertKuzzleError(
                "api.assert.invalid_type",
                ["p.policies", "object[]"],
                parse_profile,
                "p",
                {"policies": value},
            )

    def test_roles_must_exist(self) -> None:
        """Given the known roles, a policy on a missing role is refused, before other checks."""
        error = self.assertKuzzleError(
            "security.role.not_found",
            ["ghost"],
            parse_profile,
            "p",
            {"rateLimit": -1, "policies": [{"roleId": "a"}, {"roleId": "ghost"}]},
            {"a"},
        )
        self.assertEqual((error.status, error.message), (404, 'Role "ghost" not found.'))
        self.assertKuzzleError(
            "security.role.not_found", ["default"], parse_profile, "p", {"policies": []}, set()
        )

    def test_rate_limit(self) -> None:
        """``rateLimit`` is a non-negative integer, 0 when absent."""
        for value, expected in ((None, 0), (0, 0), (7, 7), (7.0, 7)):
            body = {"rateLimit": value, "policies": [{"roleId": "a"}]}
            self.assertEqual(parse_profile("p", body).rate_limit, expected)
        wrong: list[Any] = ["10", True, 1.5, [1]]
        for value in wrong:
            self.assertKuzzleError(
                "api.assert.invalid_type",
                ["rateLimit", "integer"],
                parse_profile,
                "p",
                {"rateLimit": value},
            )
        error = self.assertKuzzleError(
            "api.assert.invalid_argument",
            ["rateLimit", "positive integer, or zero"],
            parse_profile,
            "p",
            {"rateLimit": -1},
        )
        self.assertEqual(
            error.message, 'Invalid argument "rateLimit". Expected: positive integer, or zero'
        )

    def test_rate_limit_before_policies(self) -> None:
        """The rate limit is checked before the policies."""
        self.assertKuzzleError(
            "api.assert.invalid_type",
            ["rateLimit", "integer"],
            parse_profile,
            "p",
            {"rateLimit": "x", "policies": [{}]},
        )

    def test_role_id(self) -> None:
        """Each policy names its role with a non-empty string."""
        for policy in ({}, {"roleId": ""}, {"roleId": None}, {"roleId": 0}, "admin", 5):
            self.assertKuzzleError(
                "api.assert.missing_argument",
                ["p.policies[1].roleId"],
                parse_profile,
                "p",
                {"policies": [{"roleId": "a"}, policy]},
            )
        self.assertKuzzleError(
            "api.assert.invalid_type",
            ["p.policies[0].roleId", "string"],
            parse_profile,
            "p",
            {"policies": [{"roleId": 5}]},
        )

    def test_policy_members(self) -> None:
        """A policy holds ``roleId`` and ``restrictedTo`` only."""
        error = self.assertKuzzleError(
            "api.assert.unexpected_argument",
            ["p.policies[0].rateLimit", '"roleId", "restrictedTo"'],
            parse_profile,
            "p",
            {"policies": [{"roleId": "a", "rateLimit": 3}]},
        )
        self.assertEqual(
            error.message,
            'Unexpected argument "p.policies[0].rateLimit" '
            '(accepted arguments: "roleId", "restrictedTo")',
        )

    def test_restricted_to_type(self) -> None:
        """``restrictedTo`` is an array when given (an empty value means no restriction)."""
        for value in ({"index": "i"}, "i", 3, True):
            self.assertKuzzleError(
                "api.assert.invalid_type",
                ["p.policies[0].restrictedTo", "object[]"],
                parse_profile,
                "p",
                {"policies": [{"roleId": "a", "restrictedTo": value}]},
            )
        empty: list[Any] = [None, [], "", False, 0]
        for value in empty:
            profile = parse_profile("p", {"policies": [{"roleId": "a", "restrictedTo": value}]})
            self.assertEqual(profile.policies, (Policy("a"),))

    def test_restriction_type(self) -> None:
        """
        Each restriction is an object; Kuzzle's message names the offending value
        (JavaScript-formatted) where the others name positions.
        """
        for value, shown in (("foo", "foo"), (None, "null"), (3, "3"), (["a", None], "a,")):
            self.assertKuzzleError(
                "api.assert.invalid_type",
                [f"p.policies[0].restrictedTo[{shown}]", "object"],
                parse_profile,
                "p",
                {"policies": [{"roleId": "a", "restrictedTo": [{"index": "i"}, value]}]},
            )

    def test_restriction_index(self) -> None:
        """Each restriction names its index with a string."""
        where = "p.policies[0].restrictedTo[1]"
        for restriction in ({}, {"index": None, "collections": ["c"]}):
            self.assertKuzzleError(
                "api.assert.missing_argument",
                [f"{where}.index"],
                parse_profile,
                "p",
                {"policies": [{"roleId": "a", "restrictedTo": [{"index": "i"}, restriction]}]},
            )
        self.assertKuzzleError(
            "api.assert.invalid_type",
            [f"{where}.index", "string"],
            parse_profile,
            "p",
            {"policies": [{"roleId": "a", "restrictedTo": [{"index": "i"}, {"index": 3}]}]},
        )

    def test_restriction_collections(self) -> None:
        """``collections``, when given, is an array of strings."""
        for value in ("c", {"c": 1}, [1], ["c", None]):
            self.assertKuzzleError(
                "api.assert.invalid_type",
                ["p.policies[0].restrictedTo[0].collections", "string[]"],
                parse_profile,
                "p",
                {
                    "policies": [
                        {"roleId": "a", "restrictedTo": [{"index": "i", "collections": value}]}
                    ]
                },
            )

    def test_restriction_members(self) -> None:
        """A restriction holds ``index`` and ``collections`` only."""
        self.assertKuzzleError(
            "api.assert.unexpected_argument",
            ["p.policies[0].restrictedTo[0].collection", '"index", "collections"'],
            parse_profile,
            "p",
            {"policies": [{"roleId": "a", "restrictedTo": [{"index": "i", "collection": "c"}]}]},
        )

    def test_anonymous_profile(self) -> None:
        """The anonymous profile must keep a policy on the anonymous role."""
        without: list[dict[str, Any]] = [{"policies": [{"roleId": "default"}]}, {"policies": []}]
        for body in without:
            error = self.assertKuzzleError(
                "security.profile.missing_anonymous_role", [], parse_profile, "anonymous", body
            )
            self.assertEqual(
                error.message, "The anonymous profile must include the anonymous role"
            )
        profile = parse_profile(
            "anonymous",
            {
                "policies": [
                    {"roleId": "x"},
                    {"roleId": "anonymous", "restrictedTo": [{"index": "i"}]},
                ]
            },
        )
        self.assertEqual(profile.role_ids, ("x", "anonymous"))
        self.assertKuzzleError(
            "security.profile.missing_anonymous_role",
            [],
            check_protected_profile_update,
            "anonymous",
            Profile("anonymous", (Policy("default"),)),
        )
        check_protected_profile_update("default", Profile("default", (Policy("default"),)))


class DefaultsTests(SynchronousTestCase):
    def parse_all(
        self, roles: dict[str, Any], profiles: dict[str, Any]
    ) -> tuple[dict[str, Role], dict[str, Profile]]:
        parsed_roles = {i: parse_role(i, body, API) for i, body in roles.items()}
        parsed_profiles = {i: parse_profile(i, body, parsed_roles) for i, body in profiles.items()}
        return parsed_roles, parsed_profiles

    def test_first_run(self) -> None:
        """
        The first-run roles and profiles are valid; they let everyone do everything, and
        only the admin profile states its (unlimited) rate.
        """
        roles, profiles = self.parse_all(dict(FIRST_RUN_ROLES), dict(FIRST_RUN_PROFILES))
        self.assertEqual(set(roles), {"admin", "default", "anonymous"})
        for profile_id, profile in profiles.items():
            self.assertEqual(profile.role_ids, (profile_id,))
            self.assertEqual(profile.rate_limit, 0)
            self.assertTrue(is_allowed([profile], roles, "document", "delete", "i", "c"))
        self.assertEqual(FIRST_RUN_PROFILES["admin"]["rateLimit"], 0)
        self.assertNotIn("rateLimit", FIRST_RUN_PROFILES["anonymous"])
        self.assertNotIn("rateLimit", FIRST_RUN_PROFILES["default"])

    def test_standard(self) -> None:
        """
        The standard (restricted) defaults are valid: admins may do anything, the default
        role manages its own session, and anonymous users may log in and read the API.
        """
        roles, profiles = self.parse_all(dict(STANDARD_ROLES), dict(STANDARD_PROFILES))
        self.assertEqual(
            {i: p.rate_limit for i, p in profiles.items()},
            {"admin": 0, "default": 10, "anonymous": 200},
        )

        def allowed(profile_id: str, controller: str, action: str) -> bool:
            return is_allowed([profiles[profile_id]], roles, controller, action)

        self.assertTrue(allowed("admin", "document", "delete"))
        self.assertTrue(allowed("anonymous", "auth", "login"))
        self.assertTrue(allowed("anonymous", "server", "openapi"))
        self.assertFalse(allowed("anonymous", "auth", "logout"))
        self.assertFalse(allowed("anonymous", "document", "get"))
        self.assertTrue(allowed("default", "auth", "logout"))
        self.assertTrue(allowed("default", "auth", "updateSelf"))
        self.assertFalse(allowed("default", "auth", "login"))
        self.assertFalse(allowed("default", "server", "openapi"))
        self.assertFalse(allowed("default", "document", "get"))


class CatalogueTests(SynchronousTestCase):
    # Codes from the reference (kuzzle-api.md §3).
    CODES = {
        "security.role.not_found": 117768193,
        "security.role.login_required": 117768194,
        "security.role.cannot_delete": 117768195,
        "security.role.in_use": 117768196,
        "security.role.unknown_controller": 117768201,
        "security.role.unknown_action": 117768202,
        "security.profile.not_found": 117833729,
        "security.profile.cannot_delete": 117833730,
        "security.profile.in_use": 117833731,
        "security.profile.missing_anonymous_role": 117833733,
    }

    def test_entries_give_kuzzle_codes(self) -> None:
        """The proposed catalogue entries pack to Kuzzle's numeric codes."""
        codes = {
            f"security.{sub}.{name}": (7 << 24) | (sub_code << 16) | number
            for sub, sub_code, entries in SECURITY_ERRORS
            for name, number, _, _ in entries
        }
        for error_id, code in self.CODES.items():
            self.assertEqual(codes[error_id], code, error_id)

    def test_catalogue(self) -> None:
        """Every id these modules raise is in the error catalogue, with its code."""
        for error_id, code in self.CODES.items():
            self.assertEqual(KuzzleError(error_id, "x").code, code)
        self.assertEqual(KuzzleError("security.profile.cannot_hydrate", "p").status, 500)
