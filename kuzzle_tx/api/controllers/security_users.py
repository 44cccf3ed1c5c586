# -*- test-case-name: tests.api.test_security_users -*-
"""
The ``security`` user actions: create (and createRestricted), get, update (a
merge), replace, upsert, delete (with its credentials and tokens), mGet,
search, scroll, mDelete, getUserRights, getUserStrategies, revokeTokens,
checkRights.

A user is ``{profileIds: [...], ...content}``; every profile it names must exist.
Creating a user with credentials creates them afterwards, and removes the user
again if they are refused. Nothing of the credentials but the username is ever
returned or logged.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping
from typing import Any

from kuzzle_tx.api.controllers import args
from kuzzle_tx.api.controllers.security_base import (
    SecurityBase,
    body_array_at,
    body_object_at,
    client_content,
    object_id,
    serialize,
    who,
)
from kuzzle_tx.api.request import Request
from kuzzle_tx.errors import KuzzleError
from kuzzle_tx.security import local_strategy
from kuzzle_tx.security.rights import rights_listing
from kuzzle_tx.security.service import ANONYMOUS_KUID, ANONYMOUS_USER
from kuzzle_tx.security.store import INDEX, USERS

_ANONYMOUS_IDS = (ANONYMOUS_KUID, "anonymous")

# Kuzzle's NameGenerator builds "kuid-<adjective>-<name>-<number>" ids.
_ADJECTIVES = (
    "brave calm clever eager fancy gentle happy jolly kind lively nimble polite proud "
    "quiet rapid shiny silly swift tidy witty"
).split()
_NAMES = (
    "babbage curie darwin euler fermi galileo hopper kepler lovelace newton noether "
    "pascal planck ritchie shannon tesla turing volta wozniak"
).split()


def human_kuid() -> str:
    return (
        f"kuid-{secrets.choice(_ADJECTIVES)}-{secrets.choice(_NAMES)}-"
        f"{secrets.randbelow(100_000):05d}"
    )


def uuid_kuid() -> str:
    return f"kuid-{uuid.uuid4()}"


class UserActions(SecurityBase):
    async def createUser(self, request: Request) -> dict[str, Any]:  # noqa: N802
        content = body_object_at(request, "content")
        profile_ids = body_array_at(request, "content.profileIds")
        return await self._persist_user(request, profile_ids, content)

    async def createRestrictedUser(self, request: Request) -> dict[str, Any]:  # noqa: N802
        content = body_object_at(request, "content", {})
        if "profileIds" in content:
            raise KuzzleError("api.assert.forbidden_argument", "body.content.profileIds")
        profile_ids = list(self._security.config.restricted_profile_ids)
        return await self._persist_user(request, profile_ids, content)

    async def getUser(self, request: Request) -> dict[str, Any]:  # noqa: N802
        kuid = object_id(request)
        kuid, content = await self._load_user(kuid)
        return serialize(kuid, content)

    async def updateUser(self, request: Request) -> dict[str, Any]:  # noqa: N802
        kuid = object_id(request)
        changes = args.object_body(request)
        profile_ids = None
        if changes.get("profileIds") is not None:
            profile_ids = body_array_at(request, "profileIds")
        return await self._change_user(request, kuid, changes, profile_ids)

    async def replaceUser(self, request: Request) -> dict[str, Any]:  # noqa: N802
        kuid = object_id(request)
        body = args.object_body(request)
        profile_ids = body_array_at(request, "profileIds")
        await self._load_user(kuid)
        content = {**client_content(body), "profileIds": profile_ids}
        self._check_profiles(kuid, profile_ids)
        await self._security.store.put_user(kuid, content, create=False)
        self._log_user(request, kuid)
        return serialize(kuid, content)

    async def upsertUser(self, request: Request) -> dict[str, Any]:  # noqa: N802
        kuid = object_id(request)
        content = body_object_at(request, "content")
        profile_ids = body_array_at(request, "content.profileIds")
        defaults = body_object_at(request, "default", {})
        if kuid in _ANONYMOUS_IDS or await self._security.store.user(kuid) is not None:
            return await self._change_user(request, kuid, content, profile_ids)
        return await self._persist_user(request, profile_ids, {**defaults, **content})

    async def deleteUser(self, request: Request) -> dict[str, str]:  # noqa: N802
        kuid = object_id(request)
        await self._delete_user(kuid)
        self._log_user(request, kuid)
        return {"_id": kuid}

    async def mDeleteUsers(self, request: Request) -> list[str]:  # noqa: N802
        return await self._delete_many(request, "user", self._delete_user)

    async def mGetUsers(self, request: Request) -> dict[str, Any]:  # noqa: N802
        ids = args.string_list(request, "ids")
        hits = []
        for kuid in ids:
            content = await self._security.store.user(kuid)
            if content is not None:
                hits.append(serialize(kuid, content))
        return {"hits": hits}

    async def searchUsers(self, request: Request) -> dict[str, Any]:  # noqa: N802
        return await self._search(request, USERS, args.optional_body(request), serialize)

    async def scrollUsers(self, request: Request) -> dict[str, Any]:  # noqa: N802
        return await self._scroll(request, USERS, serialize)

    async def getUserRights(self, request: Request) -> dict[str, Any]:  # noqa: N802
        _, content = await self._load_user(object_id(request))
        profiles = self._security.user_profiles(content)
        hits = rights_listing(profiles, self._security.roles)
        return {"hits": hits, "total": len(hits)}

    async def getUserStrategies(self, request: Request) -> dict[str, Any]:  # noqa: N802
        kuid, _ = await self._load_user(object_id(request))
        strategies = []
        if kuid != ANONYMOUS_KUID and await self._security.local.exists(kuid):
            strategies.append(local_strategy.NAME)
        return {"strategies": strategies, "total": len(strategies)}

    def revokeTokens(self, request: Request) -> None:  # noqa: N802
        self._revoke_tokens(object_id(request))
        return None

    async def checkRights(self, request: Request) -> dict[str, bool]:  # noqa: N802
        kuid = request.string_arg("userId")
        if not kuid:
            raise KuzzleError("api.assert.missing_argument", "userId")
        payload = args.object_body(request)
        for name in ("controller", "action"):
            if not isinstance(payload.get(name), str):
                raise KuzzleError("api.assert.missing_argument", f"body.{name}")
        _, content = await self._load_user(kuid)
        index, collection = payload.get("index"), payload.get("collection")
        allowed = self._security.allowed(
            content,
            payload["controller"],
            payload["action"],
            index if isinstance(index, str) else None,
            collection if isinstance(collection, str) else None,
        )
        return {"allowed": allowed}

    # -- helpers -----------------------------------------------------------------------

    def _log_user(self, request: Request, kuid: str) -> None:
        self.log.info(
            '[SECURITY] {who} applied action "{action}" on user "{id}."',
            who=who(request),
            action=request.input.action,
            id=kuid,
        )

    async def _load_user(self, kuid: str) -> tuple[str, dict[str, Any]]:
        """A user's kuid and content (the anonymous user included), or 404 user.not_found."""
        if kuid in _ANONYMOUS_IDS:
            return ANONYMOUS_KUID, dict(ANONYMOUS_USER)
        content = await self._security.store.user(kuid)
        if content is None:
            raise KuzzleError("security.user.not_found", kuid)
        return kuid, content

    def _check_profiles(self, kuid: str, profile_ids: list[Any]) -> None:
        """Kuzzle's UserRepository.fromDTO and persist checks of a user's profiles."""
        if not all(isinstance(p, str) for p in profile_ids):
            raise KuzzleError("api.assert.invalid_type", "profileIds", "string[]")
        if not profile_ids:
            raise KuzzleError("security.user.no_profile", kuid)
        for profile_id in profile_ids:
            if profile_id not in self._security.store.profiles:
                raise KuzzleError("security.profile.not_found", profile_id)
        if kuid == ANONYMOUS_KUID and "anonymous" not in profile_ids:
            raise KuzzleError("security.user.anonymous_profile_required")

    async def _change_user(
        self,
        request: Request,
        kuid: str,
        changes: Mapping[str, Any],
        profile_ids: list[Any] | None,
    ) -> dict[str, Any]:
        kuid, current = await self._load_user(kuid)
        content = {**current, **client_content(changes)}
        if profile_ids is None:
            profile_ids = current.get("profileIds") or []
        content["profileIds"] = profile_ids
        self._check_profiles(kuid, content["profileIds"])
        if kuid == ANONYMOUS_KUID:
            # The anonymous user is not stored: Kuzzle's update finds no document.
            raise KuzzleError("services.storage.not_found", kuid, INDEX, USERS)
        await self._security.store.put_user(kuid, content, create=False)
        self._log_user(request, kuid)
        return serialize(kuid, content)

    async def _persist_user(
        self, request: Request, profile_ids: list[Any], content: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Kuzzle's ``_persistUser``: the user, then its credentials (or no user at all)."""
        credentials = body_object_at(request, "credentials", {})
        for strategy in credentials:
            if strategy != local_strategy.NAME:
                raise KuzzleError("security.credentials.unknown_strategy", strategy)
        local = self._security.local
        kuid = args.optional_document_id(request)
        if kuid is None:
            generate = uuid_kuid if request.string_arg("kuid", "human") == "uuid" else human_kuid
            kuid = generate()
            while credentials and await local.exists(kuid):
                kuid = generate()
        elif credentials and await local.exists(kuid):
            raise KuzzleError("security.credentials.database_inconsistency", kuid)
        user = {**client_content(content), "profileIds": profile_ids}
        self._check_profiles(kuid, profile_ids)
        store = self._security.store
        await store.put_user(kuid, user, create=True)
        created: list[str] = []
        try:
            for strategy, given in credentials.items():
                local.validate(given, kuid)
                await local.create(kuid, given)
                created.append(strategy)
        except Exception:
            # Kuzzle's rollback: the credentials made so far, then the user.
            for _ in created:
                await local.delete(kuid)
            await store.delete_user(kuid)
            raise
        self._log_user(request, kuid)
        return serialize(kuid, user)

    async def _delete_user(self, kuid: str) -> None:
        kuid, _ = await self._load_user(kuid)
        if kuid == ANONYMOUS_KUID:
            raise KuzzleError("security.user.not_found", kuid)
        await self._security.local.delete(kuid)
        self._disconnect(await self._security.api_keys.delete_user_keys(kuid))
        self._revoke_tokens(kuid, keep_api_keys=False)
        await self._security.store.delete_user(kuid)
