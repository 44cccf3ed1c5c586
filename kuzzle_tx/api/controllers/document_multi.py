# -*- test-case-name: tests.api.test_document_multi -*-
"""
The ``document`` actions on many documents: m* (by id) and *ByQuery
(kuzzle-api.md §7.2). One storage call per request, per-item errors in
``errors``, and with ``strict`` any item error fails the whole request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kuzzle_tx.api.controllers import args
from kuzzle_tx.api.controllers.document_base import DocumentBase, strip_metadata, updated_fields
from kuzzle_tx.api.request import Request
from kuzzle_tx.errors import KuzzleError
from kuzzle_tx.storage.model import (
    Create,
    CreateOrReplace,
    Delete,
    Replace,
    Update,
    Upsert,
    WriteOp,
    WriteResult,
)
from kuzzle_tx.storage.query_ast import Search

_REASONS = {
    "services.storage.document_already_exists": ("document already exists", 400),
    "services.storage.not_found": ("document not found", 404),
}


class MultiDocumentActions(DocumentBase):
    # -- reads --

    async def mGet(self, request: Request) -> dict[str, Any]:  # noqa: N802
        index, collection = args.index_and_collection(request)
        ids = args.string_list(request, "ids")
        self._check_fetch_limit(len(ids))
        documents = await self._storage.get(index, collection, ids)
        successes = [
            {"_id": d.id, "_source": d.source, "_version": d.version}
            for d in documents
            if d is not None
        ]
        errors = [doc_id for doc_id, d in zip(ids, documents, strict=True) if d is None]
        _check_strict(request, "get", errors)
        return {"successes": successes, "errors": errors}

    async def mExists(self, request: Request) -> dict[str, Any]:  # noqa: N802
        index, collection = args.index_and_collection(request)
        ids = args.string_list(request, "ids")
        self._check_fetch_limit(len(ids))
        documents = await self._storage.get(index, collection, ids)
        successes = [doc_id for doc_id, d in zip(ids, documents, strict=True) if d is not None]
        errors = [doc_id for doc_id, d in zip(ids, documents, strict=True) if d is None]
        _check_strict(request, "get", errors)
        return {"successes": successes, "errors": errors}

    # -- writes by id --

    async def mCreate(self, request: Request) -> dict[str, Any]:  # noqa: N802
        info = self._created_info(request)

        def build(item: dict[str, Any]) -> WriteOp:
            body = _item_body(item)
            # A falsy _id asks for a generated one, as Kuzzle's mCreate does.
            doc_id = item.get("_id") or None
            if doc_id is not None and not isinstance(doc_id, str):
                raise _ItemError("document _id must be a string")
            return Create(doc_id, {**body, "_kuzzle_info": info})

        return await self._m_write(request, "mCreate", build, lambda r: "create")

    async def mCreateOrReplace(self, request: Request) -> dict[str, Any]:  # noqa: N802
        info = self._written_info(request)

        def build(item: dict[str, Any]) -> WriteOp:
            body = _item_body(item)
            return CreateOrReplace(_item_id(item), {**body, "_kuzzle_info": info})

        return await self._m_write(
            request, "mCreateOrReplace", build, lambda r: "create" if r.created else "replace"
        )

    async def mReplace(self, request: Request) -> dict[str, Any]:  # noqa: N802
        info = self._written_info(request)

        def build(item: dict[str, Any]) -> WriteOp:
            body = _item_body(item)
            return Replace(_item_id(item), {**body, "_kuzzle_info": info})

        return await self._m_write(request, "mReplace", build, lambda r: "replace")

    async def mUpdate(self, request: Request) -> dict[str, Any]:  # noqa: N802
        args.non_negative_integer(request, "retryOnConflict", 0)
        info = self._updated_info(request)

        def build(item: dict[str, Any]) -> WriteOp:
            body = _item_body(item)
            return Update(_item_id(item), {**body, "_kuzzle_info": info})

        return await self._m_write(request, "mUpdate", build, lambda r: "update")

    async def mUpsert(self, request: Request) -> dict[str, Any]:  # noqa: N802
        args.non_negative_integer(request, "retryOnConflict", 0)
        info = self._updated_info(request)
        created_info = {"author": request.user_id, "createdAt": info["updatedAt"]}

        def build(item: dict[str, Any]) -> WriteOp:
            changes = item.get("changes")
            if not isinstance(changes, dict):
                raise _ItemError("document changes must be an object")
            default = item.get("default") or {}
            if not isinstance(default, dict):
                raise _ItemError("document default must be an object")
            changes = strip_metadata(changes)
            return Upsert(
                _item_id(item),
                {**changes, "_kuzzle_info": info},
                strip_metadata(default),
                created_info,
            )

        return await self._m_write(
            request, "mUpsert", build, lambda r: "create" if r.created else "update"
        )

    async def _m_write(
        self,
        request: Request,
        method: str,
        build: Callable[[dict[str, Any]], WriteOp],
        notify_action: Callable[[WriteResult], str],
    ) -> dict[str, Any]:
        index, collection = args.index_and_collection(request)
        args.refresh(request)
        items = args.body_array(request, "documents")
        self._check_write_limit(len(items))
        with_source = _source_flag(request)
        for position, item in enumerate(items):
            if isinstance(item, dict) and item.get("_source") is not None:
                raise KuzzleError(
                    "api.assert.unexpected_argument",
                    f"documents[{position}]._source",
                    f"documents[{position}].body",
                )
        # As Kuzzle, drop the metadata clients send before anything else, so that
        # the items echoed in ``errors`` do not carry it either.
        items = [_without_metadata(item) for item in items]
        ops: list[WriteOp] = []
        positions: list[int] = []
        errors: list[dict[str, Any]] = []
        for position, item in enumerate(items):
            try:
                if not isinstance(item, dict):
                    raise _ItemError("document must be an object")
                ops.append(build(item))
                positions.append(position)
            except _ItemError as refused:
                errors.append({"document": item, "reason": refused.reason, "status": 400})
        if not ops and not items:
            return {"successes": [], "errors": []}
        silent = request.boolean_arg("silent")
        results = await self._storage.write(index, collection, ops) if ops else []
        successes = []
        written: list[tuple[dict[str, Any], WriteResult]] = []
        for position, result in zip(positions, results, strict=True):
            item = items[position]
            if result.error is not None:
                errors.append(_error_item(item, result.error))
                continue
            successes.append(_success(method, result, with_source))
            written.append((item, result))
        # With ``strict``, Kuzzle fails the request before notifying anything
        # (the successful writes stay written).
        _check_strict(request, method, errors)
        if not silent:
            for item, result in written:
                action = notify_action(result)
                fields = None
                if action == "update":
                    changes = item.get("changes") if method == "mUpsert" else item.get("body")
                    fields = updated_fields(changes or {})
                self._notify_written(request, index, collection, result, action, fields)
        return {"successes": successes, "errors": errors}

    async def mDelete(self, request: Request) -> dict[str, Any]:  # noqa: N802
        index, collection = args.index_and_collection(request)
        args.refresh(request)
        ids = args.body_array(request, "ids")
        self._check_write_limit(len(ids))
        silent = request.boolean_arg("silent")
        errors: list[dict[str, Any]] = []
        ops: list[WriteOp] = []
        listed: set[str] = set()
        for doc_id in ids:
            if isinstance(doc_id, str):
                # An id listed twice is deleted once (Kuzzle deletes by an ids query).
                if doc_id not in listed:
                    listed.add(doc_id)
                    ops.append(Delete(doc_id))
            else:
                errors.append(
                    {"_id": doc_id, "reason": "document _id must be a string", "status": 400}
                )
        results = await self._storage.write(index, collection, ops) if ops else []
        deleted = []
        for result in results:
            if result.error is not None:
                errors.append({"_id": result.id, "reason": "document not found", "status": 404})
                continue
            deleted.append(result)
        _check_strict(request, "delete", errors)
        if not silent:
            for result in deleted:
                self._notify_deleted(request, index, collection, result.id, result.previous)
        return {"successes": [result.id for result in deleted], "errors": errors}

    # -- writes by query --

    async def deleteByQuery(self, request: Request) -> dict[str, Any]:  # noqa: N802
        index, collection = args.index_and_collection(request)
        args.refresh(request)
        query = args.body_object(request, "query", {})
        ids = await self._matching_ids(request, index, collection, query)
        results = await self._storage.write(index, collection, [Delete(i) for i in ids])
        documents = []
        with_source = request.boolean_arg("source")
        for result in results:
            if result.error is not None:
                continue
            documents.append(
                {"_id": result.id, "_source": result.previous}
                if with_source
                else {"_id": result.id}
            )
            if not request.boolean_arg("silent"):
                self._notify_deleted(request, index, collection, result.id, result.previous)
        return {"documents": documents, "ids": [d["_id"] for d in documents]}

    async def updateByQuery(self, request: Request) -> dict[str, Any]:  # noqa: N802
        index, collection = args.index_and_collection(request)
        args.refresh(request)
        query = args.body_object(request, "query")
        changes = strip_metadata(args.body_object(request, "changes"))
        ids = await self._matching_ids(request, index, collection, query)
        info = self._updated_info(request)
        ops: list[WriteOp] = [Update(i, {**changes, "_kuzzle_info": info}) for i in ids]
        results = await self._storage.write(index, collection, ops)
        successes = []
        errors = []
        with_source = request.boolean_arg("source")
        fields = updated_fields(changes)
        for result in results:
            if result.error is not None:
                # As mUpdate's (Kuzzle runs updateByQuery as one), e.g. a strict mapping.
                errors.append(_error_item({"_id": result.id, "body": changes}, result.error))
                continue
            success: dict[str, Any] = {"_id": result.id, "_version": result.version, "status": 200}
            if with_source:
                success["_source"] = result.source
            successes.append(success)
            if not request.boolean_arg("silent"):
                self._notify_written(request, index, collection, result, "update", fields)
        return {"successes": successes, "errors": errors}

    async def _matching_ids(
        self, request: Request, index: str, collection: str, query: dict[str, Any]
    ) -> list[str]:
        parsed = self._query(index, collection, query, args.lang(request))
        limit = self._limits.documents_write_count
        page = await self._storage.search(
            index, collection, Search(parsed, (), 0, limit + 1 if limit else 10**9)
        )
        if limit and page.total > limit:
            raise KuzzleError("services.storage.write_limit_exceeded")
        return [hit.id for hit in page.hits]


class _ItemError(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _without_metadata(item: Any) -> Any:
    if isinstance(item, dict):
        body = item.get("body")
        if isinstance(body, dict) and "_kuzzle_info" in body:
            body = {key: value for key, value in body.items() if key != "_kuzzle_info"}
            return {**item, "body": body}
    return item


def _item_id(item: dict[str, Any]) -> str:
    doc_id = item.get("_id")
    if not isinstance(doc_id, str) or not doc_id:
        raise _ItemError("document _id must be a string")
    return doc_id


def _item_body(item: dict[str, Any]) -> dict[str, Any]:
    body = item.get("body")
    if not isinstance(body, dict):
        raise _ItemError("document body must be an object")
    try:
        return strip_metadata(body)
    except KuzzleError as error:
        raise _ItemError(error.message) from None


def _error_item(item: dict[str, Any], error: KuzzleError) -> dict[str, Any]:
    reason, status = _REASONS.get(error.id, (error.message, error.status))
    return {"document": item, "reason": reason, "status": status}


def _success(method: str, result: WriteResult, with_source: bool) -> dict[str, Any]:
    success: dict[str, Any] = {"_id": result.id}
    if with_source:
        success["_source"] = result.source
    success["_version"] = result.version
    if method == "mUpdate":
        success["status"] = 200
        return success
    success["created"] = result.created
    if method != "mUpsert":
        success["result"] = "created" if result.created else "updated"
    success["status"] = 201 if result.created else 200
    return success


def _source_flag(request: Request) -> bool:
    # The m* writes answer with sources unless told "source: false".
    value = request.input.args.get("source")
    if value is None or value is True or value == "true":
        return True
    if value is False or value == "false":
        return False
    if request.input.query_flags:
        return True
    raise KuzzleError("api.assert.invalid_type", "source", "boolean")


def _check_strict(request: Request, method: str, errors: list[Any]) -> None:
    if errors and request.boolean_arg("strict"):
        raise KuzzleError(
            "api.process.incomplete_multiple_request",
            method,
            extra={"errors": errors, "count": len(errors)},
        )
