# -*- test-case-name: tests.api.test_security_mappings -*-
"""
The ``security`` actions on the private collections themselves: their mappings
(``get*Mapping`` answers ``{mapping: properties}``, ``update*Mapping`` merges
fields as ``collection:updateMapping`` does and answers the new mapping), and
``searchUsersByCredentials``.

The credential search runs a query (Elasticsearch's DSL, or Koncorde's with
``lang=koncorde``; ``{query}`` or the query itself as body) over each local
credential seen as ``{username, kuid}`` only, so the password hash can never be
matched against; it answers ``{hits: [{kuid, username}], total}``, as Kuzzle's
local strategy does. It reads every credential: an administrator's action, not
a user's, as Kuzzle's documentation warns.
"""

from __future__ import annotations

from typing import Any

from kuzzle_tx.api.controllers import args
from kuzzle_tx.api.controllers.security_base import SecurityBase
from kuzzle_tx.api.controllers.security_credentials import strategy_name
from kuzzle_tx.api.request import Request
from kuzzle_tx.security.store import INDEX, PROFILES, ROLES, USERS
from kuzzle_tx.storage.evaluate import matches
from kuzzle_tx.storage.mapping_view import public_mapping
from kuzzle_tx.storage.mappings import merge_mappings
from kuzzle_tx.storage.model import CollectionSchema
from kuzzle_tx.storage.query import koncorde_to_query, parse_query


class MappingActions(SecurityBase):
    def getUserMapping(self, request: Request) -> dict[str, Any]:  # noqa: N802
        return self._mapping(USERS)

    def getProfileMapping(self, request: Request) -> dict[str, Any]:  # noqa: N802
        return self._mapping(PROFILES)

    def getRoleMapping(self, request: Request) -> dict[str, Any]:  # noqa: N802
        return self._mapping(ROLES)

    async def updateUserMapping(self, request: Request) -> dict[str, Any]:  # noqa: N802
        return await self._update_mapping(request, USERS)

    async def updateProfileMapping(self, request: Request) -> dict[str, Any]:  # noqa: N802
        return await self._update_mapping(request, PROFILES)

    async def updateRoleMapping(self, request: Request) -> dict[str, Any]:  # noqa: N802
        return await self._update_mapping(request, ROLES)

    async def searchUsersByCredentials(self, request: Request) -> dict[str, Any]:  # noqa: N802
        strategy_name(request)
        offset, size = self._page(request)
        body = args.optional_body(request)
        query_body = body.get("query", {}) if "query" in body or not body else body
        if args.lang(request) == "koncorde":
            query = koncorde_to_query(query_body)
        else:
            query = parse_query(query_body)
        hits = [
            {"kuid": kuid, "username": username}
            for username, kuid in await self._security.store.all_credentials()
            if matches(query, username, {"username": username, "kuid": kuid})
        ]
        return {"hits": hits[offset : offset + size], "total": len(hits)}

    def _mapping(self, collection: str) -> dict[str, Any]:
        mappings = self._storage.schema(INDEX, collection).mappings
        return {"mapping": public_mapping(mappings)["properties"]}

    async def _update_mapping(self, request: Request, collection: str) -> dict[str, Any]:
        body = args.object_body(request)
        current = self._storage.schema(INDEX, collection)
        mappings = merge_mappings(current.mappings, body)
        await self._storage.put_collection(
            INDEX, collection, CollectionSchema(mappings, current.settings)
        )
        return public_mapping(mappings)
