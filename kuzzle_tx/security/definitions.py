# -*- test-case-name: tests.security.test_definitions -*-
"""
Role and profile definitions as clients send them: parsing, validation and the protected
defaults, with Kuzzle's error ids, messages and order of checks.

Sources: Kuzzle's ``Role.validateDefinition`` / ``canLogIn``, ``Profile.validateDefinition``
/ ``validateRateLimit``, and ``RoleRepository.validateAndSaveRole`` /
``checkRoleNativeRights`` / ``checkRolePluginsRights`` / ``delete``,
``ProfileRepository.fromDTO`` / ``validateAndSaveProfile`` / ``delete``.

Where Kuzzle would crash on a malformed value (a TypeError answered as a 500) or silently
store something unusable (a non-string index or collection name), these parsers answer a
400 ``api.assert.*`` error naming the offending field instead.
"""

from __future__ import annotations

import math
from collections.abc import Container, Iterable, Mapping, Sequence
from typing import Any

from kuzzle_tx.errors import KuzzleError
from kuzzle_tx.security.rights import MEMORY_STORAGE, Policy, Profile, Role, optimize_restrictions

PROTECTED_IDS = frozenset({"admin", "default", "anonymous"})
ANONYMOUS = "anonymous"

# Catalogue entries for ``kuzzle_tx.errors`` (``lib/kerror/codes/7-security.json``):
# (subdomain, subdomain code, ((name, number, class, message template), ...)).
# fmt: off
_Entry = tuple[str, int, str, str]
SECURITY_ERRORS: tuple[tuple[str, int, tuple[_Entry, ...]], ...] = (
    ("role", 5, (
        ("not_found", 1, "NotFoundError", 'Role "%s" not found.'),
        ("login_required", 2, "BadRequestError",
         'Cannot remove the "login" action from the anonymous role.'),
        ("cannot_delete", 3, "BadRequestError",
         "The following roles are protected and cannot be deleted: anonymous, default, admin"),
        ("in_use", 4, "PreconditionError", 'The role "%s" is still used and cannot be deleted.'),
        ("unknown_controller", 9, "BadRequestError",
         "Trying to set role %s with a non-existing controller '%s'. %s"),
        ("unknown_action", 10, "BadRequestError",
         "Trying to set role %s with a non-existing action '%s' in controller '%s'. %s"),
    )),
    ("profile", 6, (
        ("not_found", 1, "NotFoundError", 'Profile "%s" not found.'),
        ("cannot_delete", 2, "BadRequestError",
         "The following profiles are protected and cannot be deleted: anonymous, default, "
         "admin"),
        ("in_use", 3, "PreconditionError",
         'The profile "%s" is still used and cannot be deleted.'),
        ("cannot_hydrate", 4, "InternalError",
         'Unable to hydrate the profile "%s": missing role(s) in the database'),
        ("missing_anonymous_role", 5, "BadRequestError",
         "The anonymous profile must include the anonymous role"),
    )),
)
# fmt: on

_ALL_RIGHTS: Mapping[str, Any] = {"controllers": {"*": {"actions": {"*": True}}}}

# What Kuzzle's internal index bootstrap writes at first start: everyone may do anything.
# The ``anonymous`` and ``default`` profiles carry no ``rateLimit`` (read as 0: unlimited).
FIRST_RUN_ROLES: Mapping[str, Mapping[str, Any]] = {
    "admin": _ALL_RIGHTS,
    "anonymous": _ALL_RIGHTS,
    "default": _ALL_RIGHTS,
}
FIRST_RUN_PROFILES: Mapping[str, Mapping[str, Any]] = {
    "admin": {"policies": [{"roleId": "admin"}], "rateLimit": 0},
    "anonymous": {"policies": [{"roleId": "anonymous"}]},
    "default": {"policies": [{"roleId": "default"}]},
}

# Kuzzle's ``security.standard`` defaults, which security:restrictDefaultRights (and
# createFirstAdmin with ``reset``) createOrReplace.
STANDARD_ROLES: Mapping[str, Mapping[str, Any]] = {
    "admin": _ALL_RIGHTS,
    "default": {
        "controllers": {
            "auth": {
                "actions": {
                    "checkToken": True,
                    "getCurrentUser": True,
                    "getMyRights": True,
                    "logout": True,
                    "updateSelf": True,
                }
            },
            "server": {"actions": {"publicApi": True}},
        }
    },
    "anonymous": {
        "controllers": {
            "auth": {
                "actions": {
                    "checkToken": True,
                    "getCurrentUser": True,
                    "getMyRights": True,
                    "login": True,
                }
            },
            "server": {"actions": {"publicApi": True, "openapi": True}},
        }
    },
}
STANDARD_PROFILES: Mapping[str, Mapping[str, Any]] = {
    "admin": {"rateLimit": 0, "policies": [{"roleId": "admin"}]},
    "default": {"rateLimit": 10, "policies": [{"roleId": "default"}]},
    "anonymous": {"rateLimit": 200, "policies": [{"roleId": "anonymous"}]},
}


def _is_array(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str | bytes)


def _js_falsy(value: Any) -> bool:
    """JavaScript's ``!value`` for JSON values (empty arrays and objects are truthy)."""
    if value is None or value is False or value == "":
        return True
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value == 0 or math.isnan(value)
    return False


def _js_str(value: Any) -> str:
    """JavaScript's ``${value}`` for JSON values that are not objects."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if _is_array(value):
        return ",".join("" if item is None else _js_str(item) for item in value)
    return str(value)


def _body(body: Any) -> Mapping[str, Any]:
    if body is None:
        raise KuzzleError("api.assert.body_required")
    if not isinstance(body, Mapping):
        raise KuzzleError("api.assert.invalid_type", "body", "object")
    return body


# --- roles ------------------------------------------------------------------------------


def _validate_controller_rights(name: str, controller: Any) -> None:
    if not isinstance(controller, Mapping):
        raise KuzzleError("api.assert.invalid_type", name, "object")
    if not controller:
        raise KuzzleError("api.assert.empty_argument", name)
    if "actions" not in controller:
        raise KuzzleError("api.assert.missing_argument", name)
    actions = controller["actions"]
    if not isinstance(actions, Mapping):
        raise KuzzleError("api.assert.invalid_type", f"{name}.actions", "object")
    if not actions:
        raise KuzzleError("api.assert.empty_argument", f"{name}.actions")
    for action, value in actions.items():
        if not isinstance(value, bool):
            raise KuzzleError("api.assert.invalid_type", f"{name}.actions.{action}", "boolean")


def _known_actions(known_api: Mapping[str, Iterable[str]], controller: str) -> set[str] | None:
    names: tuple[str, ...] = MEMORY_STORAGE if controller in MEMORY_STORAGE else (controller,)
    for name in names:
        if name in known_api:
            return set(known_api[name])
    return None


def _check_api(role: Role, known_api: Mapping[str, Iterable[str]], force: bool) -> None:
    # Kuzzle's checkRoleNativeRights: wildcard and known controllers, whatever ``force``.
    for controller, actions in role.controllers.items():
        if controller == "*":
            for action in actions:
                if action != "*":
                    # Kuzzle passes no 4th value: its message keeps a literal "%s".
                    raise KuzzleError("security.role.unknown_action", role.id, action, "*", "%s")
            continue
        known = _known_actions(known_api, controller)
        if known is None:
            continue
        for action in actions:
            if action != "*" and action not in known:
                raise KuzzleError("security.role.unknown_action", role.id, action, controller, "")
    # Kuzzle's checkRolePluginsRights: any other controller is unknown, unless forced.
    # (Kuzzle's loop ``return``s at the first "*" or known controller, so an unknown one
    # listed after it slips through; every controller is checked here.)
    if force:
        return
    for controller in role.controllers:
        if controller != "*" and _known_actions(known_api, controller) is None:
            raise KuzzleError("security.role.unknown_controller", role.id, controller, "")


def parse_role(
    role_id: str,
    body: Any,
    known_api: Mapping[str, Iterable[str]] | None = None,
    force: bool = False,
) -> Role:
    """
    Validate a role body (``{"controllers": {...}, ...}``) and build the :class:`Role`.

    Checks, in Kuzzle's order: the definition's shape; that the anonymous role still lets
    users log in; then, given the API (controller → actions), that every controller and
    action exists. Actions of a known controller and non-``"*"`` actions under the ``"*"``
    controller are always checked; ``force`` only admits unknown controllers (Kuzzle's
    plugin controllers). Other top-level keys (``tags``...) are accepted, as in Kuzzle.
    """
    controllers = _body(body).get("controllers")
    if controllers is None:
        raise KuzzleError("api.assert.missing_argument", f"{role_id}.controllers")
    if not isinstance(controllers, Mapping):
        raise KuzzleError("api.assert.invalid_type", f"{role_id}.controllers", "object")
    if not controllers:
        raise KuzzleError("api.assert.empty_argument", f"{role_id}.controllers")
    for name, controller in controllers.items():
        _validate_controller_rights(name, controller)
    role = Role.from_kuzzle(role_id, controllers)
    check_protected_role_update(role_id, role)
    if known_api is not None:
        _check_api(role, known_api, force)
    return role


def _can_log_in(role: Role) -> bool:
    # Kuzzle's Role.canLogIn, which is looser than Role.allows: any true value among
    # auth:login, auth:*, *:login and *:* will do.
    for controller in ("auth", "*"):
        actions = role.controllers.get(controller)
        if actions is not None and (actions.get("login") is True or actions.get("*") is True):
            return True
    return False


def check_protected_role_update(role_id: str, role: Role) -> None:
    """The anonymous role must keep letting users log in (``security.role.login_required``)."""
    if role_id == ANONYMOUS and not _can_log_in(role):
        raise KuzzleError("security.role.login_required")


def check_deletable_role(role_id: str) -> None:
    """The admin, default and anonymous roles cannot be deleted."""
    if role_id in PROTECTED_IDS:
        raise KuzzleError("security.role.cannot_delete")


# --- profiles ---------------------------------------------------------------------------


def _validate_rate_limit(rate_limit: Any) -> int:
    if rate_limit is None:
        return 0
    if isinstance(rate_limit, bool) or not isinstance(rate_limit, int | float):
        raise KuzzleError("api.assert.invalid_type", "rateLimit", "integer")
    if isinstance(rate_limit, float):
        if not rate_limit.is_integer():
            raise KuzzleError("api.assert.invalid_type", "rateLimit", "integer")
        rate_limit = int(rate_limit)
    if rate_limit < 0:
        raise KuzzleError("api.assert.invalid_argument", "rateLimit", "positive integer, or zero")
    return rate_limit


def _validate_restriction(path: str, restriction: Any) -> None:
    if not isinstance(restriction, Mapping):
        # Kuzzle names the value, not its position, in this one message.
        raise KuzzleError("api.assert.invalid_type", f"{path}[{_js_str(restriction)}]", "object")


def _validate_policy(path: str, policy: Any) -> None:
    role_id = policy.get("roleId") if isinstance(policy, Mapping) else None
    if _js_falsy(role_id):
        raise KuzzleError("api.assert.missing_argument", f"{path}.roleId")
    if not isinstance(role_id, str):
        raise KuzzleError("api.assert.invalid_type", f"{path}.roleId", "string")
    for member in policy:
        if member not in ("roleId", "restrictedTo"):
            raise KuzzleError(
                "api.assert.unexpected_argument", f"{path}.{member}", '"roleId", "restrictedTo"'
            )
    restricted_to = policy.get("restrictedTo")
    if _js_falsy(restricted_to):
        return
    if not _is_array(restricted_to):
        raise KuzzleError("api.assert.invalid_type", f"{path}.restrictedTo", "object[]")
    for j, restriction in enumerate(restricted_to):
        _validate_restriction(f"{path}.restrictedTo", restriction)
        where = f"{path}.restrictedTo[{j}]"
        index = restriction.get("index")
        if index is None:
            raise KuzzleError("api.assert.missing_argument", f"{where}.index")
        if not isinstance(index, str):
            raise KuzzleError("api.assert.invalid_type", f"{where}.index", "string")
        collections = restriction.get("collections")
        if collections is not None and (
            not _is_array(collections) or not all(isinstance(c, str) for c in collections)
        ):
            raise KuzzleError("api.assert.invalid_type", f"{where}.collections", "string[]")
        for member in restriction:
            if member not in ("index", "collections"):
                raise KuzzleError(
                    "api.assert.unexpected_argument",
                    f"{where}.{member}",
                    '"index", "collections"',
                )


def parse_profile(
    profile_id: str, body: Any, known_roles: Container[str] | None = None
) -> Profile:
    """
    Validate a profile body (``{"policies": [...], "rateLimit"?: int, ...}``) and build
    the :class:`Profile`.

    As in Kuzzle, a missing or empty ``policies`` becomes one policy on the ``default``
    role; given ``known_roles``, every role a policy names must exist
    (``security.role.not_found``, checked first); then ``rateLimit``, then each policy and
    restriction, unknown keys included; last, the anonymous profile must keep the
    anonymous role. Other top-level keys (``tags``...) are accepted, as in Kuzzle.
    (security:createProfile and createOrReplaceProfile first require ``body.policies`` to
    be an array; that check belongs to the controller.)
    """
    body = _body(body)
    policies = body.get("policies")
    if _js_falsy(policies) or (_is_array(policies) and len(policies) == 0):
        policies = [{"roleId": "default"}]
    elif not _is_array(policies):
        raise KuzzleError("api.assert.invalid_type", f"{profile_id}.policies", "object[]")
    if known_roles is not None:
        for policy in policies:
            role_id = policy.get("roleId") if isinstance(policy, Mapping) else None
            if isinstance(role_id, str) and role_id and role_id not in known_roles:
                raise KuzzleError("security.role.not_found", role_id)
    rate_limit = _validate_rate_limit(body.get("rateLimit"))
    for i, policy in enumerate(policies):
        _validate_policy(f"{profile_id}.policies[{i}]", policy)
    profile = Profile(
        profile_id,
        tuple(
            Policy(policy["roleId"], optimize_restrictions(policy.get("restrictedTo")))
            for policy in policies
        ),
        rate_limit,
    )
    check_protected_profile_update(profile_id, profile)
    return profile


def check_protected_profile_update(profile_id: str, profile: Profile) -> None:
    """The anonymous profile must keep a policy on the anonymous role."""
    if profile_id == ANONYMOUS and ANONYMOUS not in profile.role_ids:
        raise KuzzleError("security.profile.missing_anonymous_role")


def check_deletable_profile(profile_id: str) -> None:
    """The admin, default and anonymous profiles cannot be deleted."""
    if profile_id in PROTECTED_IDS:
        raise KuzzleError("security.profile.cannot_delete")
