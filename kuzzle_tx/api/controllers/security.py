# -*- test-case-name: tests.api.test_security_first_run -*-
"""
The ``security`` controller (kuzzle-api.md §8.3, §8.4): users, roles, profiles
and credentials, kept in the private ``%kuzzle`` index by
`kuzzle_tx.security.service.Security`. Its actions live in six modules, by
kind; the first-run actions are here:

* ``createFirstAdmin`` creates a user with the ``admin`` profile, once (412
  ``api.process.admin_exists`` afterwards); with ``reset`` it also restricts the
  default rights;
* ``restrictDefaultRights`` createOrReplaces every role, then every profile, of
  ``security.standard``: anonymous callers may then only log in and check tokens.

Built from the `Security` it shares with the gate and the ``auth`` controller,
the storage it searches, the clock, the configuration, and optionally the
realtime engine and a connection lookup, so that the connections of a user
whose tokens are revoked leave their subscriptions, as in Kuzzle.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kuzzle_tx.api.controllers.security_api_keys import ApiKeyActions
from kuzzle_tx.api.controllers.security_base import body_object_at, who
from kuzzle_tx.api.controllers.security_credentials import CredentialActions
from kuzzle_tx.api.controllers.security_mappings import MappingActions
from kuzzle_tx.api.controllers.security_profiles import ProfileActions
from kuzzle_tx.api.controllers.security_roles import NATIVE_API, RoleActions
from kuzzle_tx.api.controllers.security_users import UserActions
from kuzzle_tx.api.request import Request
from kuzzle_tx.errors import KuzzleError
from kuzzle_tx.security.definitions import STANDARD_PROFILES, STANDARD_ROLES, parse_role

_SECURITY_COLLECTIONS = ("users", "profiles", "roles")


class SecurityController(
    UserActions, RoleActions, ProfileActions, CredentialActions, ApiKeyActions, MappingActions
):
    ACTIONS = (
        "createFirstAdmin",
        "restrictDefaultRights",
        "checkRights",
        "refresh",
        # users
        "createUser",
        "createRestrictedUser",
        "getUser",
        "updateUser",
        "replaceUser",
        "upsertUser",
        "deleteUser",
        "mGetUsers",
        "searchUsers",
        "scrollUsers",
        "mDeleteUsers",
        "getUserRights",
        "getUserStrategies",
        "revokeTokens",
        # roles
        "createRole",
        "createOrReplaceRole",
        "getRole",
        "updateRole",
        "deleteRole",
        "mGetRoles",
        "searchRoles",
        "mDeleteRoles",
        # profiles
        "createProfile",
        "createOrReplaceProfile",
        "getProfile",
        "updateProfile",
        "deleteProfile",
        "mGetProfiles",
        "searchProfiles",
        "scrollProfiles",
        "mDeleteProfiles",
        "getProfileRights",
        # credentials
        "createCredentials",
        "updateCredentials",
        "hasCredentials",
        "validateCredentials",
        "deleteCredentials",
        "getCredentials",
        "getCredentialsById",
        "getCredentialFields",
        "getAllCredentialFields",
        "searchUsersByCredentials",
        # API keys
        "createApiKey",
        "searchApiKeys",
        "deleteApiKey",
        # mappings of the private collections
        "getUserMapping",
        "updateUserMapping",
        "getProfileMapping",
        "updateProfileMapping",
        "getRoleMapping",
        "updateRoleMapping",
    )

    async def createFirstAdmin(self, request: Request) -> dict[str, Any]:  # noqa: N802
        if await self._security.admin_exists():
            raise KuzzleError("api.process.admin_exists")
        content = body_object_at(request, "content", {})
        reset = request.boolean_arg("reset")
        if "profileIds" in content:
            raise KuzzleError("api.assert.forbidden_argument", "body.content.profileIds")
        user = await self._persist_user(request, ["admin"], content)
        if reset:
            await self._restrict_default_rights()
        self.log.info('[SECURITY] {who} applied action "createFirstAdmin".', who=who(request))
        return user

    async def restrictDefaultRights(self, request: Request) -> None:  # noqa: N802
        await self._restrict_default_rights()
        self.log.info("[SECURITY] {who} restricted rights of the default roles.", who=who(request))

    def refresh(self, request: Request) -> None:
        # Writes to the security collections are searchable at once: nothing to refresh.
        collection = request.string_arg("collection")
        if not collection:
            raise KuzzleError("api.assert.missing_argument", "collection")
        if collection not in _SECURITY_COLLECTIONS:
            raise KuzzleError(
                "api.assert.unexpected_argument", collection, ", ".join(_SECURITY_COLLECTIONS)
            )
        return None

    async def _restrict_default_rights(self) -> None:
        roles, profiles = self._standard()
        store = self._security.store
        for role_id, body in roles.items():
            parse_role(role_id, body, NATIVE_API)
            await store.put_role(role_id, dict(body))
        for profile_id, body in profiles.items():
            content = dict(body)
            await self._store_profile(profile_id, content, strict=False)
        self._security.reload_definitions()

    def _standard(self) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
        """``security.standard`` of the configuration, over Kuzzle's defaults."""
        roles: dict[str, Any] = dict(STANDARD_ROLES)
        profiles: dict[str, Any] = dict(STANDARD_PROFILES)
        custom = self._config.get("security.standard")
        if isinstance(custom, Mapping):
            for target, name in ((roles, "roles"), (profiles, "profiles")):
                overrides = custom.get(name)
                if isinstance(overrides, Mapping):
                    target.update({key: _thaw(value) for key, value in overrides.items()})
        return roles, profiles


def _thaw(value: Any) -> Any:
    """A plain copy of a (possibly frozen) configuration value."""
    if isinstance(value, Mapping):
        return {key: _thaw(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_thaw(item) for item in value]
    return value
