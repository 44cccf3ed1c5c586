# -*- test-case-name: tests.api.test_security_profiles -*-
"""
The ``security`` profile actions: create, createOrReplace, get, update (a
merge of the top-level keys, as in Kuzzle), delete (``onAssignedUsers``: fail
or remove), mGet, search (``query``, or the deprecated ``roles`` list), scroll,
mDelete and getProfileRights.

Every role a profile's policies name must exist; with ``strict``, every index
and collection its restrictions name too. Every change rebuilds the parsed
definitions and clears the rights cache.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kuzzle_tx.api.controllers import args
from kuzzle_tx.api.controllers.security_base import (
    SecurityBase,
    body_array_at,
    client_content,
    object_id,
    serialize_profile,
    who,
)
from kuzzle_tx.api.request import Request
from kuzzle_tx.errors import KuzzleError
from kuzzle_tx.security.definitions import check_deletable_profile, parse_profile
from kuzzle_tx.security.rights import Profile, rights_listing
from kuzzle_tx.security.store import PROFILES
from kuzzle_tx.storage.query_ast import MatchAll, Query, Terms

# Users moved off a deleted profile per round (onAssignedUsers=remove).
_REMOVE_BATCH = 100


class ProfileActions(SecurityBase):
    def getProfile(self, request: Request) -> dict[str, Any]:  # noqa: N802
        profile_id = object_id(request)
        return serialize_profile(profile_id, self._profile_body(profile_id))

    def mGetProfiles(self, request: Request) -> dict[str, Any]:  # noqa: N802
        ids = args.body_array(request, "ids")
        if not all(isinstance(i, str) for i in ids):
            raise KuzzleError("api.assert.invalid_type", "profileIds", "string[]")
        return {"hits": [serialize_profile(i, self._profile_body(i)) for i in ids]}

    def getProfileRights(self, request: Request) -> dict[str, Any]:  # noqa: N802
        profile_id = object_id(request)
        self._profile_body(profile_id)
        profile = self._security.profiles[profile_id]
        hits = rights_listing([profile], self._security.roles)
        return {"hits": hits, "total": len(hits)}

    async def createProfile(self, request: Request) -> dict[str, Any]:  # noqa: N802
        return await self._save_profile(request, "create")

    async def createOrReplaceProfile(self, request: Request) -> dict[str, Any]:  # noqa: N802
        return await self._save_profile(request, "createOrReplace")

    async def updateProfile(self, request: Request) -> dict[str, Any]:  # noqa: N802
        profile_id = object_id(request)
        changes = args.object_body(request)
        strict = request.boolean_arg("strict")
        current = self._profile_body(profile_id)
        merged = {**current, **client_content(changes)}
        content = await self._store_profile(profile_id, merged, strict)
        self._log_profile(request, profile_id)
        return serialize_profile(profile_id, content)

    async def deleteProfile(self, request: Request) -> dict[str, str]:  # noqa: N802
        profile_id = object_id(request)
        on_assigned_users = request.string_arg("onAssignedUsers", "fail")
        await self._delete_profile(profile_id, on_assigned_users == "remove")
        self._log_profile(request, profile_id)
        return {"_id": profile_id}

    async def mDeleteProfiles(self, request: Request) -> list[str]:  # noqa: N802
        return await self._delete_many(request, "profile", self._delete_profile)

    async def searchProfiles(self, request: Request) -> dict[str, Any]:  # noqa: N802
        body = args.optional_body(request)
        roles = body.get("roles")
        if args.js_truthy(roles) and args.js_truthy(body.get("query")):
            raise KuzzleError("api.assert.mutually_exclusive", "body.roles", "body.query")
        query: Query | None = None
        if args.js_truthy(roles):
            # Deprecated by Kuzzle (prefer "query"), still honoured.
            roles = body_array_at(request, "roles")
            if not all(isinstance(role, str) for role in roles):
                raise KuzzleError("api.assert.invalid_type", "body.roles", "string[]")
            query = Terms("policies.roleId", tuple(roles)) if roles else MatchAll()
        rest = {key: value for key, value in body.items() if key != "roles"}
        return await self._search(request, PROFILES, rest, serialize_profile, query)

    async def scrollProfiles(self, request: Request) -> dict[str, Any]:  # noqa: N802
        return await self._scroll(request, PROFILES, serialize_profile)

    # -- helpers -----------------------------------------------------------------------

    def _profile_body(self, profile_id: str) -> dict[str, Any]:
        body = self._security.store.profiles.get(profile_id)
        if body is None:
            raise KuzzleError("security.profile.not_found", profile_id)
        return body

    def _log_profile(self, request: Request, profile_id: str) -> None:
        self.log.info(
            '[SECURITY] {who} applied action "{action}" on profile "{id}."',
            who=who(request),
            action=request.input.action,
            id=profile_id,
        )

    async def _save_profile(self, request: Request, method: str) -> dict[str, Any]:
        profile_id = object_id(request)
        body = args.object_body(request)
        # Kuzzle asserts that the body has a "policies" array before anything else.
        body_array_at(request, "policies")
        strict = request.boolean_arg("strict")
        content = client_content(body)
        if method == "create" and profile_id in self._security.store.profiles:
            # Kuzzle validates first, then the creation conflicts.
            self._validate_profile(profile_id, content, strict)
            raise KuzzleError("services.storage.document_already_exists")
        content = await self._store_profile(profile_id, content, strict)
        self._log_profile(request, profile_id)
        return serialize_profile(profile_id, content)

    def _validate_profile(self, profile_id: str, content: dict[str, Any], strict: bool) -> Profile:
        profile = parse_profile(profile_id, content, self._security.store.roles)
        if strict:
            self._check_restrictions(profile)
        return profile

    async def _store_profile(
        self, profile_id: str, content: dict[str, Any], strict: bool
    ) -> dict[str, Any]:
        profile = self._validate_profile(profile_id, content, strict)
        policies = content.get("policies")
        if not isinstance(policies, list) or not policies:
            # Kuzzle's fromDTO: a profile without policies gets the default role.
            policies = [{"roleId": "default"}]
        stored = {**content, "policies": policies, "rateLimit": profile.rate_limit}
        await self._security.store.put_profile(profile_id, stored)
        self._security.reload_definitions()
        return stored

    def _check_restrictions(self, profile: Profile) -> None:
        """``strict``: restrictions may only name existing indexes and collections."""
        storage = self._storage
        for policy in profile.policies:
            for index, collections in policy.restricted_to:
                if not storage.has_index(index):
                    raise KuzzleError("services.storage.unknown_index", index)
                existing = set(storage.list_collections(index))
                missing = [c for c in collections or () if c not in existing]
                if missing:
                    raise KuzzleError(
                        "services.storage.unknown_collection", index, ",".join(missing)
                    )

    async def _delete_profile(self, profile_id: str, remove_from_users: bool = False) -> None:
        self._profile_body(profile_id)
        check_deletable_profile(profile_id)
        store = self._security.store
        if remove_from_users:
            while users := await store.users_with_profile(profile_id, _REMOVE_BATCH):
                for user in users:
                    content = {k: v for k, v in user.source.items() if k != "_kuzzle_info"}
                    ids = [p for p in _profile_ids(content) if p != profile_id]
                    content["profileIds"] = ids or ["anonymous"]
                    await store.put_user(user.id, content, create=False)
        elif await store.users_with_profile(profile_id):
            # Kuzzle gives no value for the message's placeholder.
            raise KuzzleError("security.profile.in_use")
        await store.delete_profile(profile_id)
        self._security.reload_definitions()


def _profile_ids(content: Mapping[str, Any]) -> list[Any]:
    ids = content.get("profileIds")
    return list(ids) if isinstance(ids, list) else []
