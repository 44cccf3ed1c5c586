# -*- test-case-name: tests.api.test_security_credentials -*-
"""
The ``security`` credential actions on other users' credentials: create, update,
has, validate, delete, get, getById, and the fields of each strategy.

Only the ``local`` strategy exists (username and password); any other name is
400 ``security.credentials.unknown_strategy``. What comes back is at most
``{username, kuid}``: a password or its hash never leaves the strategy.
Where Kuzzle's local strategy plugin answers a bare "A strategy does not exist
for this user." error, 400 ``security.credentials.rejected`` carries that reason.
"""

from __future__ import annotations

from typing import Any

from kuzzle_tx.api.controllers import args
from kuzzle_tx.api.controllers.security_base import SecurityBase, object_id, who
from kuzzle_tx.api.request import Request
from kuzzle_tx.errors import KuzzleError
from kuzzle_tx.security import local_strategy

NO_CREDENTIALS = "A strategy does not exist for this user."


def strategy_name(request: Request) -> str:
    """The ``strategy`` argument, which must name a known strategy."""
    strategy = request.string_arg("strategy")
    if strategy is None:
        raise KuzzleError("api.assert.missing_argument", "strategy")
    if strategy != local_strategy.NAME:
        raise KuzzleError("security.credentials.unknown_strategy", strategy)
    return strategy


class CredentialActions(SecurityBase):
    async def createCredentials(self, request: Request) -> dict[str, str]:  # noqa: N802
        kuid = object_id(request)
        body = args.object_body(request)
        strategy_name(request)
        await self._existing_user(kuid)
        local = self._security.local
        local.validate(body, kuid)
        self._log_credentials(request, kuid)
        return await local.create(kuid, body)

    async def updateCredentials(self, request: Request) -> dict[str, str]:  # noqa: N802
        kuid = object_id(request)
        body = args.object_body(request)
        strategy_name(request)
        await self._existing_user(kuid)
        local = self._security.local
        local.validate(body, kuid, updating=True)
        self._log_credentials(request, kuid)
        return await local.update(kuid, body)

    async def hasCredentials(self, request: Request) -> bool:  # noqa: N802
        kuid = object_id(request)
        strategy_name(request)
        return await self._security.local.exists(kuid)

    async def validateCredentials(self, request: Request) -> bool:  # noqa: N802
        strategy_name(request)
        body = args.object_body(request)
        kuid = args.optional_document_id(request)
        if not await self._security.local.verify(kuid, body):  # type: ignore[arg-type]
            raise KuzzleError(
                "security.credentials.rejected", f'Login "{body["username"]}" is already used.'
            )
        return True

    async def deleteCredentials(self, request: Request) -> dict[str, bool]:  # noqa: N802
        kuid = object_id(request)
        strategy_name(request)
        if not await self._security.local.delete(kuid):
            raise KuzzleError("security.credentials.rejected", NO_CREDENTIALS)
        self._log_credentials(request, kuid)
        return {"acknowledged": True}

    async def getCredentials(self, request: Request) -> dict[str, str]:  # noqa: N802
        kuid = object_id(request)
        strategy_name(request)
        found = await self._security.local.get(kuid)
        if found is None:
            raise KuzzleError("security.credentials.rejected", NO_CREDENTIALS)
        return found

    async def getCredentialsById(self, request: Request) -> dict[str, str]:  # noqa: N802
        # For the local strategy, the credentials' id is the username.
        username = object_id(request)
        strategy_name(request)
        stored = await self._security.store.credentials(username)
        if stored is None:
            raise KuzzleError("security.credentials.rejected", NO_CREDENTIALS)
        return {"username": username, "kuid": str(stored["kuid"])}

    def getCredentialFields(self, request: Request) -> list[str]:  # noqa: N802
        strategy_name(request)
        return list(local_strategy.FIELDS)

    def getAllCredentialFields(self, request: Request) -> dict[str, Any]:  # noqa: N802
        return {local_strategy.NAME: list(local_strategy.FIELDS)}

    # -- helpers -----------------------------------------------------------------------

    async def _existing_user(self, kuid: str) -> None:
        if await self._security.store.user(kuid) is None:
            raise KuzzleError("security.user.not_found", kuid)

    def _log_credentials(self, request: Request, kuid: str) -> None:
        self.log.info(
            '[SECURITY] {who} applied action "{action}" on user "{id}."',
            who=who(request),
            action=request.input.action,
            id=kuid,
        )
