# -*- test-case-name: tests.api.test_document_controller -*-
"""The ``document`` actions on one document (kuzzle-api.md §7.2)."""

from __future__ import annotations

from typing import Any

from kuzzle_tx.api.controllers import args
from kuzzle_tx.api.controllers.document_base import (
    DocumentBase,
    raise_error,
    strip_metadata,
    updated_fields,
)
from kuzzle_tx.api.request import Request
from kuzzle_tx.errors import KuzzleError
from kuzzle_tx.storage.model import (
    Create,
    CreateOrReplace,
    Delete,
    DeleteFields,
    Replace,
    Update,
    Upsert,
    WriteOp,
    WriteResult,
)


class SingleDocumentActions(DocumentBase):
    async def _write_one(self, request: Request, op: WriteOp) -> tuple[str, str, WriteResult]:
        index, collection = args.index_and_collection(request)
        args.refresh(request)
        [result] = await self._storage.write(index, collection, [op])
        return index, collection, raise_error(result)

    async def create(self, request: Request) -> dict[str, Any]:
        body = strip_metadata(args.object_body(request))
        source = {**body, "_kuzzle_info": self._created_info(request)}
        op = Create(args.optional_document_id(request), source)
        index, collection, result = await self._write_one(request, op)
        if not request.boolean_arg("silent"):
            self._notify_written(request, index, collection, result, "create")
        return {"_id": result.id, "_version": result.version, "_source": result.source}

    async def createOrReplace(self, request: Request) -> dict[str, Any]:  # noqa: N802
        body = strip_metadata(args.object_body(request))
        source = {**body, "_kuzzle_info": self._written_info(request)}
        op = CreateOrReplace(args.document_id(request), source)
        index, collection, result = await self._write_one(request, op)
        if not request.boolean_arg("silent"):
            action = "create" if result.created else "replace"
            self._notify_written(request, index, collection, result, action)
        return {
            "_id": result.id,
            "_version": result.version,
            "_source": result.source,
            "created": result.created,
        }

    async def replace(self, request: Request) -> dict[str, Any]:
        body = strip_metadata(args.object_body(request))
        source = {**body, "_kuzzle_info": self._written_info(request)}
        index, collection, result = await self._write_one(
            request, Replace(args.document_id(request), source)
        )
        if not request.boolean_arg("silent"):
            self._notify_written(request, index, collection, result, "replace")
        return {"_id": result.id, "_version": result.version, "_source": result.source}

    async def update(self, request: Request) -> dict[str, Any]:
        changes = strip_metadata(args.object_body(request))
        _retry_on_conflict(request)
        info = self._updated_info(request)
        index, collection, result = await self._write_one(
            request, Update(args.document_id(request), {**changes, "_kuzzle_info": info})
        )
        assert result.source is not None
        if not request.boolean_arg("silent"):
            fields = updated_fields(changes)
            self._notify_written(request, index, collection, result, "update", fields)
        if request.boolean_arg("source"):
            return {"_id": result.id, "_version": result.version, "_source": result.source}
        partial = {**changes, "_kuzzle_info": result.source["_kuzzle_info"]}
        return {"_id": result.id, "_version": result.version, "_source": partial}

    async def upsert(self, request: Request) -> dict[str, Any]:
        changes = strip_metadata(args.body_object(request, "changes"))
        default = strip_metadata(args.body_object(request, "default", {}))
        _retry_on_conflict(request)
        info = self._updated_info(request)
        created_info = {"author": request.user_id, "createdAt": info["updatedAt"]}
        op = Upsert(
            args.document_id(request), {**changes, "_kuzzle_info": info}, default, created_info
        )
        index, collection, result = await self._write_one(request, op)
        if not request.boolean_arg("silent"):
            if result.created:
                self._notify_written(request, index, collection, result, "create")
            else:
                fields = updated_fields(changes)
                self._notify_written(request, index, collection, result, "update", fields)
        answer: dict[str, Any] = {
            "_id": result.id,
            "_version": result.version,
            "created": result.created,
        }
        if request.boolean_arg("source"):
            answer["_source"] = result.source
        return answer

    async def get(self, request: Request) -> dict[str, Any]:
        index, collection = args.index_and_collection(request)
        doc_id = args.document_id(request)
        if doc_id == "_search":
            raise KuzzleError("services.storage.search_as_an_id")
        [document] = await self._storage.get(index, collection, [doc_id])
        if document is None:
            raise KuzzleError("services.storage.not_found", doc_id, index, collection)
        return {"_id": document.id, "_version": document.version, "_source": document.source}

    async def exists(self, request: Request) -> bool:
        index, collection = args.index_and_collection(request)
        [document] = await self._storage.get(index, collection, [args.document_id(request)])
        return document is not None

    async def delete(self, request: Request) -> dict[str, Any]:
        index, collection, result = await self._write_one(
            request, Delete(args.document_id(request))
        )
        if not request.boolean_arg("silent"):
            self._notify_deleted(request, index, collection, result.id, result.previous)
        if request.boolean_arg("source"):
            return {"_id": result.id, "_source": result.previous}
        return {"_id": result.id}

    async def deleteFields(self, request: Request) -> dict[str, Any]:  # noqa: N802
        fields = args.body_array(request, "fields")
        if not all(isinstance(field, str) for field in fields):
            raise KuzzleError("api.assert.invalid_type", "body.fields", "array of strings")
        op = DeleteFields(args.document_id(request), tuple(fields), self._updated_info(request))
        index, collection, result = await self._write_one(request, op)
        if not request.boolean_arg("silent"):
            self._notify_written(request, index, collection, result, "update")
        answer: dict[str, Any] = {"_id": result.id, "_version": result.version}
        if request.boolean_arg("source"):
            answer["_source"] = result.source
        return answer

    def validate(self, request: Request) -> dict[str, Any]:
        """
        Valid unless the collection's validation specifications refuse the document;
        specifications are not implemented, so a well-formed request is valid. The
        answer is Kuzzle 2's verbose validation result.
        """
        index, collection = args.index_and_collection(request)
        args.object_body(request)
        self._storage.schema(index, collection)
        return {"errorMessages": {}, "valid": True}


def _retry_on_conflict(request: Request) -> int:
    # Accepted for compatibility: writes to one document are serialized, never in conflict.
    return args.non_negative_integer(request, "retryOnConflict", 0) or 0
