# -*- test-case-name: tests.api.test_index_collection -*-
"""The ``collection`` controller (kuzzle-api.md §7.4)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from kuzzle_tx.api.controller import Controller
from kuzzle_tx.api.controllers import args
from kuzzle_tx.api.request import Request
from kuzzle_tx.errors import KuzzleError
from kuzzle_tx.interfaces import IStorage
from kuzzle_tx.storage.mappings import (
    check_collection_name,
    check_index_name,
    merge_mappings,
    public_mapping,
    validate_mappings,
)
from kuzzle_tx.storage.model import CollectionSchema

# Keys that mark a body as a bare mapping (the deprecated form of collection:create).
_MAPPING_KEYS = ("dynamic", "_meta", "properties")


class CollectionController(Controller):
    name = "collection"
    ACTIONS = (
        "create",
        "update",
        "updateMapping",
        "delete",
        "exists",
        "list",
        "getMapping",
        "getSettings",
        "truncate",
        "refresh",
    )

    def __init__(
        self,
        storage: IStorage,
        default_dynamic: str,
        realtime_collections: Callable[[str], Iterable[str]],
        # Told when a collection's documents are gone (truncate, delete): realtime forgets them.
        documents_dropped: Callable[[str, str | None], None] = lambda index, collection: None,
    ) -> None:
        self._storage = storage
        self._default_dynamic = default_dynamic
        self._realtime_collections = realtime_collections
        self._documents_dropped = documents_dropped

    async def create(self, request: Request) -> dict[str, bool]:
        index, collection = args.index_and_collection(request)
        check_index_name(index)
        check_collection_name(collection)
        body = args.optional_body(request)
        # Kuzzle's test: any of these keys with a truthy value makes the whole body the
        # mapping (other keys, such as "settings", are then refused as mapping keys).
        if any(args.js_truthy(body.get(key)) for key in _MAPPING_KEYS):
            raw_mappings: Any = body
            settings: Any = None
        else:
            raw_mappings, settings = body.get("mappings"), body.get("settings")
        await self._put(index, collection, raw_mappings, settings, must_exist=False)
        return {"acknowledged": True}

    async def update(self, request: Request) -> None:
        index, collection = args.index_and_collection(request)
        body = args.optional_body(request)
        await self._put(
            index, collection, body.get("mappings"), body.get("settings"), must_exist=True
        )

    async def updateMapping(self, request: Request) -> dict[str, Any]:  # noqa: N802
        index, collection = args.index_and_collection(request)
        schema = await self._put(
            index, collection, args.object_body(request), None, must_exist=True
        )
        return public_mapping(schema.mappings, False)

    async def _put(
        self,
        index: str,
        collection: str,
        raw_mappings: Any,
        settings: Any,
        must_exist: bool,
    ) -> CollectionSchema:
        if raw_mappings is not None and not isinstance(raw_mappings, dict):
            raise KuzzleError("api.assert.invalid_type", "body.mappings", "object")
        if settings is not None and not isinstance(settings, dict):
            raise KuzzleError("api.assert.invalid_type", "body.settings", "object")
        current = self._current(index, collection, must_exist)
        if current is None:
            mappings = validate_mappings(raw_mappings or {}, self._default_dynamic)
            schema = CollectionSchema(mappings, settings or {})
        else:
            mappings = current.mappings
            if raw_mappings:
                mappings = merge_mappings(mappings, raw_mappings)
            schema = CollectionSchema(mappings, {**current.settings, **(settings or {})})
        await self._storage.put_collection(index, collection, schema)
        return schema

    def _current(self, index: str, collection: str, must_exist: bool) -> CollectionSchema | None:
        try:
            return self._storage.schema(index, collection)
        except KuzzleError:
            if must_exist:
                raise
            return None

    async def delete(self, request: Request) -> None:
        index, collection = args.index_and_collection(request)
        await self._storage.delete_collection(index, collection)
        self._documents_dropped(index, collection)

    def exists(self, request: Request) -> bool:
        index, collection = args.index_and_collection(request)
        return self._current(index, collection, must_exist=False) is not None

    def list(self, request: Request) -> dict[str, Any]:
        """
        As Kuzzle: realtime collections (live subscriptions) then stored ones, sorted
        by name (a collection both stored and subscribed to is listed twice, once per
        type); only listing stored collections needs the index to exist. ``from`` and
        ``size`` (deprecated) paginate, and are then echoed in the result.
        """
        index = args.index_name(request)
        kind = request.string_arg("type", "all")
        if kind not in ("all", "stored", "realtime"):
            raise KuzzleError("api.assert.invalid_argument", "type", "all, stored or realtime")
        offset = args.non_negative_integer(request, "from", 0) or 0
        size = args.non_negative_integer(request, "size", 0) or 0
        collections: list[dict[str, str]] = []
        if kind in ("all", "realtime"):
            realtime = sorted(self._realtime_collections(index))
            collections.extend({"name": name, "type": "realtime"} for name in realtime)
        if kind in ("all", "stored"):
            stored = self._storage.list_collections(index)
            collections.extend({"name": name, "type": "stored"} for name in stored)
        collections.sort(key=lambda entry: entry["name"])  # stable: realtime first
        result: dict[str, Any] = {"type": kind, "collections": collections}
        if offset or size:
            result["from"] = offset
            if size:
                result["size"] = size
                result["collections"] = collections[offset : offset + size]
            else:
                result["collections"] = collections[offset:]
        return result

    def getMapping(self, request: Request) -> dict[str, Any]:  # noqa: N802
        index, collection = args.index_and_collection(request)
        mappings = self._storage.schema(index, collection).mappings
        return public_mapping(mappings, request.boolean_arg("includeKuzzleMeta"))

    def getSettings(self, request: Request) -> dict[str, Any]:  # noqa: N802
        index, collection = args.index_and_collection(request)
        return self._storage.schema(index, collection).settings

    async def truncate(self, request: Request) -> dict[str, bool]:
        index, collection = args.index_and_collection(request)
        await self._storage.truncate(index, collection)
        self._documents_dropped(index, collection)
        return {"acknowledged": True}

    def refresh(self, request: Request) -> None:
        # Every acknowledged write is already searchable; only check the collection.
        index, collection = args.index_and_collection(request)
        self._storage.schema(index, collection)
