# -*- test-case-name: tests.api.test_security_users -*-
"""
What the ``security`` actions share: their collaborators, Kuzzle's argument
readers for security requests (``getId``, ``getBodyArray("content.profileIds")``,
the search page size), the ``{_id, _source}`` serializations, searches in the
private ``%kuzzle`` collections, and the multiple deletions with their
PartialError.

Sources: Kuzzle's ``lib/api/controllers/securityController.ts``,
``lib/core/security/*Repository.ts`` and ``lib/core/auth/formatProcessing.ts``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import attrs
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger

from kuzzle_tx.api.controller import Controller
from kuzzle_tx.api.controllers import args
from kuzzle_tx.api.request import Connection, Request
from kuzzle_tx.api.scrolls import Cursor, ScrollCursors
from kuzzle_tx.config import Config
from kuzzle_tx.errors import KuzzleError
from kuzzle_tx.interfaces import IStorage
from kuzzle_tx.security.service import Security
from kuzzle_tx.security.store import INDEX
from kuzzle_tx.storage.query import parse_search
from kuzzle_tx.storage.query_ast import Query

# Keys of a client's body that the server owns (Kuzzle overwrites them).
SERVER_KEYS = frozenset({"_id", "_kuzzle_info"})

_INCOMPLETE_DELETE = "services.storage.incomplete_delete"

Realtime = Any  # anything with ``disconnect(connection)`` (RealtimeEngine)
ConnectionLookup = Callable[[str], Connection | None]


class SecurityBase(Controller):
    name = "security"
    log = Logger()

    def __init__(
        self,
        security: Security,
        storage: IStorage,
        clock: IReactorTime,
        config: Config,
        realtime: Realtime = None,
        connection: ConnectionLookup = lambda connection_id: None,
    ) -> None:
        self._security = security
        self._storage = storage
        self._clock = clock
        self._config = config
        self._realtime = realtime
        self._connection = connection
        self._scrolls = ScrollCursors(clock)
        self._max_scroll = config.storage.max_scroll_duration

    # -- arguments ---------------------------------------------------------------------

    def _page(self, request: Request) -> tuple[int, int]:
        """``from`` (0) and ``size`` (limits.documentsFetchCount, which it may not exceed)."""
        offset = args.non_negative_integer(request, "from", 0) or 0
        limit = self._config.limits.documents_fetch_count
        size = request.integer_arg("size", limit)
        assert size is not None
        if limit and size > limit:
            raise KuzzleError("services.storage.get_limit_exceeded")
        return offset, max(size, 0)

    # -- searches in %kuzzle ------------------------------------------------------------

    async def _search(
        self,
        request: Request,
        collection: str,
        body: dict[str, Any],
        serialize: Callable[[str, dict[str, Any]], dict[str, Any]],
        query: Query | None = None,
    ) -> dict[str, Any]:
        """
        A page of ``%kuzzle/<collection>`` for a search body (``query``, in Elasticsearch's
        DSL or Koncorde's with ``lang=koncorde``, ``sort``...), or for ``query`` if given:
        ``{hits, total}``, and a ``scrollId`` with ``scroll``.
        """
        offset, size = self._page(request)
        ttl = args.scroll_ttl(request, self._max_scroll)
        search, _ = parse_search(body, offset, size, lang=args.lang(request))
        if query is not None:
            search = attrs.evolve(search, query=query)
        page = await self._storage.search(INDEX, collection, search)
        hits = [serialize(hit.id, _content(hit.source)) for hit in page.hits]
        result: dict[str, Any] = {"hits": hits, "total": page.total}
        if ttl is not None:
            fetched = offset + len(hits)
            cursor = Cursor(INDEX, collection, search, None, fetched, page.total, ttl)
            result["scrollId"] = self._scrolls.open(cursor)
        return result

    async def _scroll(
        self,
        request: Request,
        collection: str,
        serialize: Callable[[str, dict[str, Any]], dict[str, Any]],
    ) -> dict[str, Any]:
        scroll_id = request.string_arg("scrollId")
        if not scroll_id:
            raise KuzzleError("api.assert.missing_argument", "scrollId")
        cursor = self._scrolls.take(scroll_id, args.scroll_ttl(request, self._max_scroll))
        if cursor.collection != collection:
            raise KuzzleError("services.storage.unknown_scroll_id")
        search = attrs.evolve(cursor.search, offset=cursor.fetched)
        page = await self._storage.search(cursor.index, cursor.collection, search)
        hits = [serialize(hit.id, _content(hit.source)) for hit in page.hits]
        cursor.fetched += len(hits)
        if cursor.fetched >= page.total:
            self._scrolls.close(scroll_id)
        return {"hits": hits, "total": page.total, "scrollId": scroll_id}

    # -- multiple deletions ----------------------------------------------------------

    async def _delete_many(
        self, request: Request, kind: str, delete: Callable[[str], Awaitable[object]]
    ) -> list[str]:
        """
        Kuzzle's ``_mDelete``: every id of ``body.ids`` in turn; the ids deleted, or a
        206 PartialError (``services.storage.incomplete_delete``) listing the failures.
        """
        ids = args.body_array(request, "ids")
        if len(ids) > self._config.limits.documents_write_count:
            raise KuzzleError("services.storage.write_limit_exceeded")
        successes: list[str] = []
        errors: list[dict[str, Any]] = []
        for item in ids:
            try:
                if not isinstance(item, str):
                    raise KuzzleError("api.assert.invalid_type", "ids", "string[]")
                await delete(item)
            except KuzzleError as error:
                errors.append(error.to_dict())
            else:
                successes.append(item)
        self.log.info(
            "[SECURITY] {who} deleted the following {kind}s: {ids}",
            who=who(request),
            kind=kind,
            ids=", ".join(successes[:1000]),
        )
        if errors:
            raise incomplete_delete(errors)
        return successes

    # -- tokens of removed users -----------------------------------------------------

    def _revoke_tokens(self, kuid: str, keep_api_keys: bool = True) -> None:
        """Forget the tokens of a user; the connections using them leave their rooms."""
        self._disconnect(self._security.registry.revoke_user(kuid, keep_api_keys=keep_api_keys))

    def _disconnect(self, connection_ids: list[str]) -> None:
        """Connections whose token was revoked leave their subscriptions, as in Kuzzle."""
        for connection_id in connection_ids:
            connection = self._connection(connection_id)
            if connection is not None and self._realtime is not None:
                self._realtime.disconnect(connection)


# -- serialization (formatProcessing) ------------------------------------------------


def serialize(object_id: str, source: Mapping[str, Any]) -> dict[str, Any]:
    """``{_id, _source}``, as Kuzzle's serializeUser / serializeRole / serializeProfile."""
    return {"_id": object_id, "_source": dict(source)}


def serialize_profile(profile_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """A profile always shows its ``rateLimit`` (0 when none was set)."""
    source = dict(body)
    source.setdefault("rateLimit", 0)
    return {"_id": profile_id, "_source": source}


def client_content(body: Mapping[str, Any]) -> dict[str, Any]:
    """A client's body without the keys the server owns."""
    return {key: value for key, value in body.items() if key not in SERVER_KEYS}


def _content(source: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in source.items() if key != "_kuzzle_info"}


# -- argument readers (Kuzzle's Request getters with lodash paths) ---------------------


def _at(request: Request, path: str) -> Any:
    value: Any = request.input.body
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def body_object_at(
    request: Request, path: str, default: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Kuzzle's ``getBodyObject(path, default)``."""
    if request.input.body is None:
        if default is not None:
            return default
        raise KuzzleError("api.assert.body_required")
    value = _at(request, path)
    if value is None:
        if default is not None:
            return default
        raise KuzzleError("api.assert.missing_argument", f"body.{path}")
    if not isinstance(value, dict):
        raise KuzzleError("api.assert.invalid_type", f"body.{path}", "object")
    return value


def body_array_at(request: Request, path: str) -> list[Any]:
    """Kuzzle's ``getBodyArray(path)``: required."""
    if request.input.body is None:
        raise KuzzleError("api.assert.body_required")
    value = _at(request, path)
    if value is None:
        raise KuzzleError("api.assert.missing_argument", f"body.{path}")
    if not isinstance(value, list):
        raise KuzzleError("api.assert.invalid_type", f"body.{path}", "array")
    return value


def object_id(request: Request) -> str:
    """Kuzzle's ``getId()``: ``_id``, a required string."""
    return args.document_id(request)


def who(request: Request) -> str:
    return f'User "{request.user_id}"'


def incomplete_delete(errors: list[dict[str, Any]]) -> KuzzleError:
    """206 ``services.storage.incomplete_delete`` with Kuzzle's ``errors`` and ``count``."""
    extra = {"errors": errors, "count": len(errors)}
    reasons = "; ".join(str(error.get("message")) for error in errors)
    return KuzzleError(_INCOMPLETE_DELETE, reasons, extra=extra)
