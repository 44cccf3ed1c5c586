# -*- test-case-name: tests.api.test_api_keys -*-
"""
The ``security`` controller's API key actions: any user's keys, named by
``userId`` (`kuzzle_tx.api.controllers.api_keys` does the work). Keys created
here are not bound by ``security.apiKey.maxTTL``, as in Kuzzle.
"""

from __future__ import annotations

from typing import Any

from kuzzle_tx.api.controllers import args
from kuzzle_tx.api.controllers.api_keys import create_api_key, delete_api_key, search_api_keys
from kuzzle_tx.api.controllers.security_base import SecurityBase
from kuzzle_tx.api.request import Request
from kuzzle_tx.errors import KuzzleError


class ApiKeyActions(SecurityBase):
    async def createApiKey(self, request: Request) -> dict[str, Any]:  # noqa: N802
        kuid = _user_id(request)
        if await self._security.store.user(kuid) is None:
            raise KuzzleError("security.user.not_found", kuid)
        return await create_api_key(self._security, request, kuid, bypass_max_ttl=True)

    async def searchApiKeys(self, request: Request) -> dict[str, Any]:  # noqa: N802
        return await search_api_keys(
            self._storage, self._config.limits, request, _user_id(request)
        )

    async def deleteApiKey(self, request: Request) -> dict[str, str]:  # noqa: N802
        revoked = await delete_api_key(self._security, request, _user_id(request))
        self._disconnect(revoked)
        return {"_id": args.document_id(request)}


def _user_id(request: Request) -> str:
    kuid = request.string_arg("userId")
    if not kuid:
        raise KuzzleError("api.assert.missing_argument", "userId")
    return kuid
