# -*- test-case-name: tests.api.test_security_roles -*-
"""
The ``security`` role actions: create, createOrReplace, get, update (a
replacement, as in Kuzzle), delete, mGet, search, mDelete.

A role may only name controllers and actions of Kuzzle's API (`NATIVE_API`:
every action Kuzzle has, implemented here or not); ``force`` admits unknown
controllers (Kuzzle's plugin controllers). Every change rebuilds the parsed
definitions and clears the rights cache.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kuzzle_tx.api.controllers import args
from kuzzle_tx.api.controllers.security_base import (
    SecurityBase,
    client_content,
    object_id,
    serialize,
    who,
)
from kuzzle_tx.api.request import Request
from kuzzle_tx.errors import KuzzleError
from kuzzle_tx.network.route_table import ROUTES
from kuzzle_tx.security.definitions import check_deletable_role, parse_role
from kuzzle_tx.security.store import INDEX, ROLES


def _native_api() -> Mapping[str, frozenset[str]]:
    api: dict[str, set[str]] = {}
    for route in ROUTES:
        api.setdefault(route.controller, set()).add(route.action)
    # Kuzzle's actions without an HTTP route.
    api["realtime"] |= {"subscribe", "unsubscribe", "join", "count", "validate"}
    api.setdefault("debug", set()).update({"addListener", "removeListener"})
    api["memoryStorage"] = api["ms"]
    return {controller: frozenset(actions) for controller, actions in api.items()}


# Controller → actions of Kuzzle's native API, for role validation.
NATIVE_API: Mapping[str, frozenset[str]] = _native_api()


class RoleActions(SecurityBase):
    def getRole(self, request: Request) -> dict[str, Any]:  # noqa: N802
        role_id = object_id(request)
        return serialize(role_id, self._role_body(role_id))

    def mGetRoles(self, request: Request) -> dict[str, Any]:  # noqa: N802
        ids = args.body_array(request, "ids")
        return {"hits": [serialize(str(i), self._role_body(i)) for i in ids]}

    async def createRole(self, request: Request) -> dict[str, Any]:  # noqa: N802
        return await self._save_role(request, "create")

    async def createOrReplaceRole(self, request: Request) -> dict[str, Any]:  # noqa: N802
        return await self._save_role(request, "createOrReplace")

    async def updateRole(self, request: Request) -> dict[str, Any]:  # noqa: N802
        # Kuzzle's RoleRepository.update replaces the whole role (no partial update)
        # and fails like a replacement of a missing document.
        return await self._save_role(request, "replace")

    async def deleteRole(self, request: Request) -> dict[str, str]:  # noqa: N802
        role_id = object_id(request)
        await self._delete_role(role_id)
        self.log.info(
            '[SECURITY] {who} applied action "deleteRole" on role "{id}."',
            who=who(request),
            id=role_id,
        )
        return {"_id": role_id}

    async def mDeleteRoles(self, request: Request) -> list[str]:  # noqa: N802
        return await self._delete_many(request, "role", self._delete_role)

    async def searchRoles(self, request: Request) -> dict[str, Any]:  # noqa: N802
        body = args.optional_body(request)
        controllers = body.get("controllers")
        if args.js_truthy(controllers) and args.js_truthy(body.get("query")):
            raise KuzzleError("api.assert.mutually_exclusive", "body.controllers", "body.query")
        if not args.js_truthy(controllers):
            rest = {key: value for key, value in body.items() if key != "controllers"}
            return await self._search(request, ROLES, rest, serialize)
        offset, size = self._page(request)
        if not isinstance(controllers, list):
            raise KuzzleError("api.assert.invalid_type", "body.controllers", "array")
        # Kuzzle's searchRole: a role matches if it names one of these controllers, or "*".
        roles = self._security.store.roles
        hits = [
            serialize(role_id, body)
            for role_id, body in roles.items()
            if not controllers
            or any(name == "*" or name in controllers for name in _controllers(body))
        ]
        return {"hits": hits[offset : offset + size], "total": len(hits)}

    # -- helpers -----------------------------------------------------------------------

    def _role_body(self, role_id: Any) -> dict[str, Any]:
        body = self._security.store.roles.get(role_id) if isinstance(role_id, str) else None
        if body is None:
            raise KuzzleError("security.role.not_found", role_id)
        return body

    async def _save_role(self, request: Request, method: str) -> dict[str, Any]:
        role_id = object_id(request)
        body = args.object_body(request)
        force = request.boolean_arg("force")
        parse_role(role_id, body, NATIVE_API, force)
        store = self._security.store
        if method == "create" and role_id in store.roles:
            raise KuzzleError("services.storage.document_already_exists")
        if method == "replace" and role_id not in store.roles:
            raise KuzzleError("services.storage.not_found", role_id, INDEX, ROLES)
        content = {k: v for k, v in client_content(body).items() if k != "restrictedTo"}
        await store.put_role(role_id, content)
        self._security.reload_definitions()
        self.log.info(
            '[SECURITY] {who} applied action "{action}" on role "{id}."',
            who=who(request),
            action=request.input.action,
            id=role_id,
        )
        return serialize(role_id, content)

    async def _delete_role(self, role_id: str) -> None:
        self._role_body(role_id)
        check_deletable_role(role_id)
        for profile in self._security.store.profiles.values():
            if role_id in _role_ids(profile):
                raise KuzzleError("security.role.in_use", role_id)
        await self._security.store.delete_role(role_id)
        self._security.reload_definitions()


def _controllers(body: Mapping[str, Any]) -> list[str]:
    controllers = body.get("controllers")
    return list(controllers) if isinstance(controllers, Mapping) else []


def _role_ids(profile: Mapping[str, Any]) -> list[Any]:
    policies = profile.get("policies")
    if not isinstance(policies, list) or not policies:
        return ["default"]
    return [p.get("roleId") for p in policies if isinstance(p, Mapping)]
