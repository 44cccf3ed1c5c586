# -*- test-case-name: tests.api.test_index_collection -*-
"""The ``index`` controller (kuzzle-api.md §7.3)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kuzzle_tx.api.controller import Controller
from kuzzle_tx.api.controllers import args
from kuzzle_tx.api.request import Request
from kuzzle_tx.errors import KuzzleError
from kuzzle_tx.interfaces import IStorage
from kuzzle_tx.storage.mappings import check_index_name
from kuzzle_tx.storage.schema import PRIVATE_PREFIX


class IndexController(Controller):
    name = "index"
    ACTIONS = ("create", "delete", "exists", "list", "mDelete", "stats")

    def __init__(
        self,
        storage: IStorage,
        documents_dropped: Callable[[str, str | None], None] = lambda index, collection: None,
    ) -> None:
        self._storage = storage
        # Told when an index is deleted: realtime forgets what its documents matched.
        self._documents_dropped = documents_dropped

    async def create(self, request: Request) -> None:
        index = args.index_name(request)
        check_index_name(index)
        await self._storage.create_index(index)

    async def delete(self, request: Request) -> dict[str, bool]:
        index = args.index_name(request)
        if not self._storage.has_index(index):
            raise KuzzleError("services.storage.unknown_index", index)
        await self._storage.delete_indexes([index])
        self._documents_dropped(index, None)
        return {"acknowledged": True}

    def exists(self, request: Request) -> bool:
        try:
            index = args.index_name(request)
        except KuzzleError as error:
            if error.id == "services.storage.unknown_index":
                return False  # a private index: it does not exist for the API
            raise
        return self._storage.has_index(index)

    def list(self, request: Request) -> dict[str, Any]:
        indexes = self._storage.list_indexes()
        result: dict[str, Any] = {"indexes": indexes}
        # Kuzzle reads "countCollection"; its documentation says "countCollections".
        if request.boolean_arg("countCollection") or request.boolean_arg("countCollections"):
            result["collections"] = {
                index: len(self._storage.list_collections(index)) for index in indexes
            }
        return result

    async def mDelete(self, request: Request) -> dict[str, Any]:  # noqa: N802
        indexes = args.body_array(request, "indexes")
        if not all(isinstance(index, str) for index in indexes):
            raise KuzzleError("api.assert.invalid_type", "body.indexes", "array of strings")
        public = [index for index in indexes if not index.startswith(PRIVATE_PREFIX)]
        deleted = await self._storage.delete_indexes(public)
        for index in deleted:
            self._documents_dropped(index, None)
        return {"deleted": deleted}

    async def stats(self, request: Request) -> dict[str, Any]:
        return await self._storage.stats()
