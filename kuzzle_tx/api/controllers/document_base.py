# -*- test-case-name: tests.api.test_document_controller -*-
"""
What the document actions share: their collaborators, Kuzzle's ``_kuzzle_info``
metadata, query parsing against the collection's mapping, and the realtime
notifications that follow every write (kuzzle-api.md §5.3, §7.1).
"""

from __future__ import annotations

from typing import Any

from twisted.internet.interfaces import IReactorTime

from kuzzle_tx.api.controller import Controller
from kuzzle_tx.api.request import Request
from kuzzle_tx.config import LimitsConfig
from kuzzle_tx.errors import KuzzleError
from kuzzle_tx.interfaces import INotifier, IStorage
from kuzzle_tx.storage.mappings import field_resolver
from kuzzle_tx.storage.model import WriteResult
from kuzzle_tx.storage.query import koncorde_to_query, parse_query
from kuzzle_tx.storage.query_ast import Query


class DocumentBase(Controller):
    name = "document"

    def __init__(
        self,
        storage: IStorage,
        notifier: INotifier,
        clock: IReactorTime,
        limits: LimitsConfig,
    ) -> None:
        self._storage = storage
        self._notifier = notifier
        self._clock = clock
        self._limits = limits

    def _now_ms(self) -> int:
        return int(self._clock.seconds() * 1000)

    # -- metadata --

    def _created_info(self, request: Request) -> dict[str, Any]:
        return {
            "author": request.user_id,
            "createdAt": self._now_ms(),
            "updatedAt": None,
            "updater": None,
        }

    def _written_info(self, request: Request) -> dict[str, Any]:
        now = self._now_ms()
        return {
            "author": request.user_id,
            "createdAt": now,
            "updatedAt": now,
            "updater": request.user_id,
        }

    def _updated_info(self, request: Request) -> dict[str, Any]:
        return {"updatedAt": self._now_ms(), "updater": request.user_id}

    # -- limits and queries --

    def _check_fetch_limit(self, count: int) -> None:
        limit = self._limits.documents_fetch_count
        if limit and count > limit:
            raise KuzzleError("services.storage.get_limit_exceeded")

    def _check_write_limit(self, count: int) -> None:
        limit = self._limits.documents_write_count
        if limit and count > limit:
            raise KuzzleError("services.storage.write_limit_exceeded")

    def _query(self, index: str, collection: str, query: Any, lang: str) -> Query:
        resolve = field_resolver(self._storage.schema(index, collection).mappings)
        if lang == "koncorde":
            return koncorde_to_query(query, resolve)
        return parse_query(query, resolve)

    # -- notifications --

    def _notify_written(
        self,
        request: Request,
        index: str,
        collection: str,
        result: WriteResult,
        action: str,
        updated_fields: list[str] | None = None,
    ) -> None:
        assert result.source is not None
        self._notifier.document_written(
            index=index,
            collection=collection,
            document_id=result.id,
            source=result.source,
            action=action,
            event="write",
            controller=request.input.controller or "document",
            request_id=request.id,
            timestamp=request.timestamp,
            protocol=request.connection.protocol,
            volatile=request.input.volatile,
            updated_fields=updated_fields,
        )

    def _notify_deleted(
        self, request: Request, index: str, collection: str, document_id: str, source: Any
    ) -> None:
        self._notifier.document_deleted(
            index=index,
            collection=collection,
            document_id=document_id,
            source=source,
            action="delete",
            controller=request.input.controller or "document",
            request_id=request.id,
            timestamp=request.timestamp,
            protocol=request.connection.protocol,
            volatile=request.input.volatile,
        )


def updated_fields(changes: dict[str, Any], prefix: str = "") -> list[str]:
    """The dot paths of the leaves an update sets (``_kuzzle_info`` left out)."""
    paths: list[str] = []
    for key, value in changes.items():
        if not prefix and key == "_kuzzle_info":
            continue
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            paths.extend(updated_fields(value, f"{path}."))
        else:
            paths.append(path)
    return paths


def strip_metadata(body: dict[str, Any]) -> dict[str, Any]:
    """A client's body without the ``_kuzzle_info`` the server owns."""
    if "_routing" in body:
        raise KuzzleError("services.storage.no_routing")
    if "_kuzzle_info" in body:
        return {key: value for key, value in body.items() if key != "_kuzzle_info"}
    return body


def raise_error(result: WriteResult) -> WriteResult:
    if result.error is not None:
        raise result.error
    return result
