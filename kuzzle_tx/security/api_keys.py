# -*- test-case-name: tests.security.test_api_keys -*-
"""
API keys (kuzzle-api.md §8.1, Kuzzle's ``ApiKey`` model): tokens ``kapikey-<JWT>``
that a user (``auth:createApiKey``) or an administrator (``security:createApiKey``)
creates with a description, that never expire unless asked to, and that last
until their key is deleted.

As in Kuzzle, a key's token is handed out once, at creation: ``%kuzzle/api-keys``
keeps the key's owner, description, end and the SHA-256 *fingerprint* of its
token, never the token. Every key is in memory from start, by fingerprint, so a
``kapikey-`` token is recognised by hashing it; once seen it is registered with
the `TokenRegistry` like a login token (honoured from memory, linked to its
connections, told to them when it expires), except that a global logout and
``security:revokeTokens`` leave it alone and it cannot be refreshed.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from typing import Any

import attrs
from twisted.internet.interfaces import IReactorTime

from kuzzle_tx.errors import KuzzleError
from kuzzle_tx.storage.model import Document

from .store import SecurityStore
from .token_registry import TokenRegistry
from .tokens import APIKEY_PREFIX, IssuedToken, TokenAuthority, now_ms


@attrs.frozen
class ApiKey:
    id: str
    kuid: str
    description: str
    expires_at: int  # epoch ms; -1: never
    ttl: int  # ms; -1: never expires
    fingerprint: str

    def source(self) -> dict[str, Any]:
        """The stored document, as Kuzzle serializes a key (without its token)."""
        return {
            "userId": self.kuid,
            "description": self.description,
            "expiresAt": self.expires_at,
            "ttl": self.ttl,
            "fingerprint": self.fingerprint,
        }

    @classmethod
    def from_document(cls, key_id: str, source: dict[str, Any]) -> ApiKey:
        return cls(
            key_id,
            str(source["userId"]),
            str(source.get("description", "")),
            int(source.get("expiresAt", -1)),
            int(source.get("ttl", -1)),
            str(source["fingerprint"]),
        )


def fingerprint(jwt: str) -> str:
    return hashlib.sha256(jwt.encode()).hexdigest()


class ApiKeys:
    """Every API key, by fingerprint and by id; the store holds them across restarts."""

    def __init__(self, store: SecurityStore, registry: TokenRegistry, clock: IReactorTime) -> None:
        self._store = store
        self._registry = registry
        self._clock = clock
        self._by_fingerprint: dict[str, ApiKey] = {}
        self._by_id: dict[str, ApiKey] = {}
        # The tokens seen since start (registered), by fingerprint: deleting a key revokes it.
        self._tokens: dict[str, str] = {}

    def load(self, documents: Iterable[Document]) -> None:
        for document in documents:
            try:
                self._remember(ApiKey.from_document(document.id, document.source))
            except (KeyError, TypeError, ValueError):
                continue  # not a key this server wrote: it cannot authenticate anybody

    def get(self, key_id: str) -> ApiKey | None:
        return self._by_id.get(key_id)

    async def create(
        self,
        authority: TokenAuthority,
        kuid: str,
        description: str,
        ttl: int | None,
        key_id: str | None = None,
    ) -> tuple[ApiKey, IssuedToken]:
        """A new key for ``kuid`` and its token (``ttl`` ms; None: never expires)."""
        key_id = key_id or str(uuid.uuid4())
        if key_id in self._by_id:
            raise KuzzleError("services.storage.document_already_exists")
        token = attrs.evolve(authority.issue(kuid, ttl, prefix=APIKEY_PREFIX), api_key=True)
        key = ApiKey(
            key_id, kuid, description, token.expires_at, token.ttl, fingerprint(token.jwt)
        )
        await self._store.put_api_key(key_id, key.source())
        self._remember(key)
        self._registry.add(token)
        self._tokens[key.fingerprint] = token.jwt
        return key, token

    def verify(self, jwt: str, authority: TokenAuthority) -> IssuedToken:
        """
        The token of a live key, registered from now on; otherwise the error Kuzzle
        answers: expired for a key past its end, invalid for anything else.
        """
        key = self._by_fingerprint.get(fingerprint(jwt))
        if key is None:
            authority.decode(jwt, prefix=APIKEY_PREFIX)  # forged, or expired by its own exp
            raise KuzzleError("security.token.invalid")  # a deleted key
        if key.ttl >= 0 and now_ms(self._clock) >= key.expires_at:
            raise KuzzleError("security.token.expired")
        token = IssuedToken(
            jwt=jwt, kuid=key.kuid, expires_at=key.expires_at, ttl=key.ttl, api_key=True
        )
        try:
            self._registry.add(token)
        except ValueError:  # registered, but not honoured now: the registry says why
            return self._registry.lookup(jwt)
        self._tokens[key.fingerprint] = jwt
        return token

    async def delete(self, key: ApiKey) -> list[str]:
        """Delete a key; its token stops at once. The ids of the connections that used it."""
        await self._store.delete_api_key(key.id)
        self._by_fingerprint.pop(key.fingerprint, None)
        self._by_id.pop(key.id, None)
        jwt = self._tokens.pop(key.fingerprint, None)
        return self._registry.revoke(jwt) if jwt is not None else []

    async def delete_user_keys(self, kuid: str) -> list[str]:
        """Delete every key of a user (the user is being deleted)."""
        connections: list[str] = []
        for key in [key for key in self._by_id.values() if key.kuid == kuid]:
            connections.extend(await self.delete(key))
        return connections

    def _remember(self, key: ApiKey) -> None:
        self._by_fingerprint[key.fingerprint] = key
        self._by_id[key.id] = key


def not_found_for(key_id: str, kuid: str) -> KuzzleError:
    """Kuzzle's answer for a key that does not exist, or is someone else's."""
    return KuzzleError(
        "services.storage.not_found",
        key_id,
        "%kuzzle",
        "api-keys",
        message=f'ApiKey "{key_id}" not found for user "{kuid}".',
    )
