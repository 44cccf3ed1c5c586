# -*- test-case-name: tests.security.test_store -*-
"""
Where users, profiles, roles, credentials and the token secret live: the private
index ``%kuzzle`` of the storage layer (so they are as durable as documents).

Roles and profiles are few and read on every request: all of them are kept in
memory. Users are read through a bounded cache. Every change goes to the store
first and to memory once it is committed.
"""

from __future__ import annotations

import base64
import copy
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from kuzzle_tx.errors import KuzzleError
from kuzzle_tx.interfaces import IStorage
from kuzzle_tx.storage.mappings import merge_mappings, validate_mappings
from kuzzle_tx.storage.model import (
    CollectionSchema,
    Create,
    CreateOrReplace,
    Delete,
    Document,
    WriteOp,
    WriteResult,
)
from kuzzle_tx.storage.query_ast import MatchAll, Query, Search, Term

INDEX = "%kuzzle"
USERS, PROFILES, ROLES, CREDENTIALS, CONFIG, API_KEYS = (
    "users",
    "profiles",
    "roles",
    "credentials",
    "config",
    "api-keys",
)
_COLLECTIONS = (USERS, PROFILES, ROLES, CREDENTIALS, CONFIG, API_KEYS)
# Kuzzle's internal index mappings (security:get*Mapping shows them; update*Mapping adds).
_MAPPINGS: dict[str, dict[str, Any]] = {
    USERS: {"dynamic": "false", "properties": {"profileIds": {"type": "keyword"}}},
    PROFILES: {
        "dynamic": "false",
        "properties": {
            "tags": {"type": "keyword"},
            "policies": {
                "properties": {
                    "roleId": {"type": "keyword"},
                    "restrictedTo": {
                        "type": "nested",
                        "properties": {
                            "index": {"type": "keyword"},
                            "collections": {"type": "keyword"},
                        },
                    },
                }
            },
        },
    },
    ROLES: {
        "dynamic": "false",
        "properties": {
            "tags": {"type": "keyword"},
            "controllers": {"dynamic": "false", "properties": {}},
        },
    },
    API_KEYS: {
        "dynamic": "false",
        "properties": {
            "userId": {"type": "keyword"},
            "description": {"type": "text"},
            "expiresAt": {"type": "long"},
            "ttl": {"type": "long"},
            "fingerprint": {"type": "keyword"},
        },
    },
}
_SECRET_ID = "jwt-secret"
_TOKENS_ID = "tokens"
# Roles and profiles are loaded whole; beyond this many something is wrong.
_MAX_DEFINITIONS = 10_000


class SecurityStore:
    def __init__(
        self,
        storage: IStorage,
        user_cache_size: int = 10_000,
        on_user_change: Callable[[], None] = lambda: None,
    ) -> None:
        self._storage = storage
        # Called when a user is written or deleted (the gate's memo of callers depends on it).
        self._on_user_change = on_user_change
        self.roles: dict[str, dict[str, Any]] = {}
        self.profiles: dict[str, dict[str, Any]] = {}
        self._users: OrderedDict[str, dict[str, Any] | None] = OrderedDict()
        self._user_cache_size = user_cache_size

    async def start(self) -> bool:
        """
        Create the private collections if needed and load roles and profiles.
        Returns True on a first start (no role stored yet).
        """
        for collection in _COLLECTIONS:
            defaults = _MAPPINGS.get(collection, {"dynamic": "false"})
            try:
                current = self._storage.schema(INDEX, collection)
            except KuzzleError:
                schema = CollectionSchema(validate_mappings(defaults), {})
                await self._storage.put_collection(INDEX, collection, schema)
                continue
            # A data directory from before these defaults gets them, keeping its own fields.
            merged = merge_mappings(current.mappings, defaults)
            if merged != current.mappings:
                schema = CollectionSchema(merged, current.settings)
                await self._storage.put_collection(INDEX, collection, schema)
        self.roles = await self._load(ROLES)
        self.profiles = await self._load(PROFILES)
        return not self.roles

    async def _load(self, collection: str) -> dict[str, dict[str, Any]]:
        page = await self._storage.search(
            INDEX, collection, Search(MatchAll(), (), 0, _MAX_DEFINITIONS)
        )
        return {hit.id: _content(hit.source) for hit in page.hits}

    # -- the token secret --

    async def secret(self, generate: Any) -> bytes:
        """The persisted JWT secret; ``generate()`` makes it on first use."""
        [document] = await self._storage.get(INDEX, CONFIG, [_SECRET_ID])
        if document is not None:
            return base64.b64decode(document.source["value"])
        value = generate()
        encoded = base64.b64encode(value).decode()
        await self._write(CONFIG, [Create(_SECRET_ID, {"value": encoded})])
        return value

    # -- live tokens, kept across restarts (as Kuzzle's cache keeps them) --

    async def tokens(self) -> list[dict[str, Any]]:
        [document] = await self._storage.get(INDEX, CONFIG, [_TOKENS_ID])
        return [] if document is None else list(document.source.get("tokens", []))

    async def save_tokens(self, tokens: list[dict[str, Any]]) -> None:
        await self._write(CONFIG, [CreateOrReplace(_TOKENS_ID, {"tokens": tokens})])

    # -- roles and profiles --

    async def put_role(self, role_id: str, body: dict[str, Any]) -> None:
        await self._write(ROLES, [CreateOrReplace(role_id, body)])
        self.roles[role_id] = copy.deepcopy(body)

    async def delete_role(self, role_id: str) -> None:
        await self._write(ROLES, [Delete(role_id)])
        self.roles.pop(role_id, None)

    async def put_profile(self, profile_id: str, body: dict[str, Any]) -> None:
        await self._write(PROFILES, [CreateOrReplace(profile_id, body)])
        self.profiles[profile_id] = copy.deepcopy(body)

    async def delete_profile(self, profile_id: str) -> None:
        await self._write(PROFILES, [Delete(profile_id)])
        self.profiles.pop(profile_id, None)

    # -- users --

    async def user(self, kuid: str) -> dict[str, Any] | None:
        """A user's content (``profileIds`` and the rest), None if there is none."""
        if kuid in self._users:
            self._users.move_to_end(kuid)
            return self._users[kuid]
        [document] = await self._storage.get(INDEX, USERS, [kuid])
        content = None if document is None else _content(document.source)
        self._remember(kuid, content)
        return content

    def cached_user(self, kuid: str) -> dict[str, Any] | None | bool:
        """The cached content, or False when the user is not in the cache (hot path)."""
        found = self._users.get(kuid, False)
        if found is not False:
            self._users.move_to_end(kuid)  # a hit counts as a use (least recently used leaves)
        return found

    async def put_user(self, kuid: str, content: dict[str, Any], create: bool) -> None:
        op: WriteOp = Create(kuid, content) if create else CreateOrReplace(kuid, content)
        [result] = await self._storage.write(INDEX, USERS, [op])
        if result.error is not None:
            if result.error.id == "services.storage.document_already_exists":
                raise KuzzleError("security.user.already_exists", kuid)
            raise result.error
        # The cache holds what a read would give: its own copy, without _kuzzle_info.
        self._remember(kuid, copy.deepcopy(_content(content)))
        self._on_user_change()

    async def delete_user(self, kuid: str) -> None:
        [result] = await self._storage.write(INDEX, USERS, [Delete(kuid)])
        self._remember(kuid, None)
        self._on_user_change()
        if result.error is not None:
            raise KuzzleError("security.user.not_found", kuid)

    async def users_with_profile(self, profile_id: str, limit: int = 1) -> list[Document]:
        page = await self._storage.search(
            INDEX, USERS, Search(Term("profileIds", profile_id), (), 0, limit)
        )
        return page.hits

    async def search_users(
        self, query: Query, offset: int, limit: int
    ) -> tuple[int, list[Document]]:
        page = await self._storage.search(INDEX, USERS, Search(query, (), offset, limit))
        return page.total, page.hits

    def _remember(self, kuid: str, content: dict[str, Any] | None) -> None:
        self._users[kuid] = content
        self._users.move_to_end(kuid)
        while len(self._users) > self._user_cache_size:
            self._users.popitem(last=False)

    # -- API keys (their tokens are not stored, only their fingerprints, as in Kuzzle) --

    async def api_keys(self) -> list[Document]:
        """Every API key, read at start."""
        found: list[Document] = []
        while True:
            page = await self._storage.search(
                INDEX, API_KEYS, Search(MatchAll(), (), len(found), _MAX_DEFINITIONS)
            )
            found.extend(page.hits)
            if not page.hits or len(found) >= page.total:
                return found

    async def api_key(self, key_id: str) -> dict[str, Any] | None:
        [document] = await self._storage.get(INDEX, API_KEYS, [key_id])
        return None if document is None else _content(document.source)

    async def put_api_key(self, key_id: str, content: dict[str, Any]) -> None:
        await self._write(API_KEYS, [Create(key_id, content)])

    async def delete_api_key(self, key_id: str) -> None:
        await self._write(API_KEYS, [Delete(key_id)])

    # -- credentials (strategy "local": the username is the id) --

    async def credentials(self, username: str) -> dict[str, Any] | None:
        [document] = await self._storage.get(INDEX, CREDENTIALS, [username])
        return None if document is None else document.source

    async def credentials_of(self, kuid: str) -> list[Document]:
        page = await self._storage.search(
            INDEX, CREDENTIALS, Search(Term("kuid", kuid), (), 0, 10)
        )
        return page.hits

    async def all_credentials(self) -> list[tuple[str, str]]:
        """Every local credential as (username, kuid): never the hash."""
        found: list[tuple[str, str]] = []
        offset = 0
        while True:
            page = await self._storage.search(
                INDEX, CREDENTIALS, Search(MatchAll(), (), offset, _MAX_DEFINITIONS)
            )
            found.extend((hit.id, str(hit.source.get("kuid"))) for hit in page.hits)
            offset += len(page.hits)
            if not page.hits or offset >= page.total:
                return found

    async def put_credentials(self, username: str, content: dict[str, Any], create: bool) -> None:
        op: WriteOp = Create(username, content) if create else CreateOrReplace(username, content)
        await self._write(CREDENTIALS, [op])

    async def delete_credentials(self, username: str) -> None:
        await self._write(CREDENTIALS, [Delete(username)])

    async def _write(self, collection: str, ops: list[WriteOp]) -> list[WriteResult]:
        results = await self._storage.write(INDEX, collection, ops)
        for result in results:
            if result.error is not None:
                raise result.error
        return results


def _content(source: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in source.items() if key != "_kuzzle_info"}
