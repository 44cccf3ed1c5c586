# -*- test-case-name: tests.security.test_local_strategy -*-
"""
The ``local`` authentication strategy: username and password credentials,
passwords hashed with argon2 off the reactor thread (kuzzle-api.md §8.1).

Credentials are stored by username (unique) with the kuid they belong to and the
password's hash; nothing of them but ``username`` and ``kuid`` ever leaves this
module.
"""

from __future__ import annotations

from typing import Any

from kuzzle_tx.errors import KuzzleError

from .store import SecurityStore

NAME = "local"
FIELDS = ("username", "password")


class LocalStrategy:
    def __init__(self, store: SecurityStore, passwords: Any) -> None:
        self._store = store
        self._passwords = passwords

    async def authenticate(self, credentials: Any) -> str:
        """The kuid these credentials log in as; 401 plugin.strategy.missing_user if none."""
        username, password = _username_password(credentials, for_login=True)
        stored = await self._store.credentials(username)
        if stored is None:
            await self._passwords.verify_unknown(password)
            raise _login_failure()
        if not await self._passwords.verify(stored["hash"], password):
            raise _login_failure()
        return str(stored["kuid"])

    def validate(self, credentials: Any, kuid: str | None, updating: bool = False) -> None:
        """Kuzzle's local-strategy checks of a credentials body (raises credentials.rejected)."""
        if not isinstance(credentials, dict):
            raise KuzzleError("security.credentials.rejected", "credentials must be an object")
        if "kuid" in credentials:
            raise KuzzleError("security.credentials.rejected", "kuid cannot be specified")
        username = credentials.get("username")
        password = credentials.get("password")
        if not updating or username is not None:
            if not isinstance(username, str) or not username:
                raise KuzzleError("security.credentials.rejected", "Username required")
        if not updating or password is not None:
            if not isinstance(password, str) or not password:
                raise KuzzleError("security.credentials.rejected", "Password required")

    async def create(self, kuid: str, credentials: Any) -> dict[str, str]:
        self.validate(credentials, kuid)
        username = credentials["username"]
        if await self._store.credentials(username) is not None:
            raise _username_taken(username)
        if await self.get(kuid) is not None:
            raise KuzzleError(
                "security.credentials.rejected", f'Credentials already exist for user "{kuid}"'
            )
        hashed = await self._passwords.hash(credentials["password"])
        await self._claim(username, {"kuid": kuid, "hash": hashed})
        return {"username": username, "kuid": kuid}

    async def update(self, kuid: str, credentials: Any) -> dict[str, str]:
        self.validate(credentials, kuid, updating=True)
        current = await self.get(kuid)
        if current is None:
            raise KuzzleError(
                "security.credentials.rejected", f'No credentials found for user "{kuid}"'
            )
        stored = await self._store.credentials(current["username"])
        assert stored is not None
        username = credentials.get("username") or current["username"]
        hashed = stored["hash"]
        if credentials.get("password"):
            hashed = await self._passwords.hash(credentials["password"])
        if username != current["username"]:
            if await self._store.credentials(username) is not None:
                raise _username_taken(username)
            # The new username is claimed (never overwritten) before the old one is freed.
            await self._claim(username, {"kuid": kuid, "hash": hashed})
            await self._store.delete_credentials(current["username"])
        else:
            await self._store.put_credentials(
                username, {"kuid": kuid, "hash": hashed}, create=False
            )
        return {"username": username, "kuid": kuid}

    async def _claim(self, username: str, content: dict[str, Any]) -> None:
        """Store credentials under a new username; refused if another user took it meanwhile."""
        try:
            await self._store.put_credentials(username, content, create=True)
        except KuzzleError as error:
            if error.id == "services.storage.document_already_exists":
                raise _username_taken(username)
            raise

    async def get(self, kuid: str) -> dict[str, str] | None:
        """``{username, kuid}`` of a user's credentials, None if it has none."""
        for document in await self._store.credentials_of(kuid):
            return {"username": document.id, "kuid": kuid}
        return None

    async def exists(self, kuid: str) -> bool:
        return await self.get(kuid) is not None

    async def delete(self, kuid: str) -> bool:
        """Remove a user's credentials; False if it had none."""
        current = await self.get(kuid)
        if current is None:
            return False
        await self._store.delete_credentials(current["username"])
        return True

    async def verify(self, kuid: str, credentials: Any) -> bool:
        """validateMyCredentials: whether these credentials are well-formed for this user."""
        self.validate(credentials, kuid)
        stored = await self._store.credentials(credentials["username"])
        return stored is None or stored.get("kuid") == kuid


def _username_password(credentials: Any, for_login: bool) -> tuple[str, str]:
    if not isinstance(credentials, dict):
        raise _login_failure("Missing credentials")
    username = credentials.get("username")
    password = credentials.get("password")
    if not isinstance(username, str) or not isinstance(password, str) or not username:
        raise _login_failure("Missing credentials")
    return username, password


def _username_taken(username: str) -> KuzzleError:
    return KuzzleError(
        "security.credentials.rejected", f'A user with username "{username}" already exists'
    )


def _login_failure(message: str = "wrong username or password") -> KuzzleError:
    return KuzzleError("plugin.strategy.missing_user", message)
