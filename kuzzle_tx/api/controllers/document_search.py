# -*- test-case-name: tests.api.test_document_search -*-
"""
The ``document`` read actions that take a query: search, scroll, count
(kuzzle-api.md §7.2). Queries are parsed against the collection's mapping and
run in the store; scroll ids are cursors over the same search.
"""

from __future__ import annotations

from typing import Any

import attrs

from kuzzle_tx import codec
from kuzzle_tx.api.controllers import args
from kuzzle_tx.api.controllers.document_base import DocumentBase
from kuzzle_tx.api.request import Request
from kuzzle_tx.api.scrolls import Cursor, ScrollCursors
from kuzzle_tx.errors import KuzzleError
from kuzzle_tx.storage.mappings import field_resolver
from kuzzle_tx.storage.model import Document
from kuzzle_tx.storage.query import SourceFilter, parse_search
from kuzzle_tx.storage.query_ast import Search


class SearchActions(DocumentBase):
    _scrolls: ScrollCursors
    _max_scroll: float

    async def search(self, request: Request) -> dict[str, Any]:
        index, collection = args.index_and_collection(request)
        body = _search_body(request)
        search, source_filter = self._parse(request, index, collection, body)
        # Kuzzle checks "size - from" against the limit, not the page size alone.
        self._check_fetch_limit(search.limit - search.offset)
        ttl = args.scroll_ttl(request, self._max_scroll)
        page = await self._storage.search(index, collection, search)
        hits = _hits(page.hits, index, collection, source_filter, bool(search.sort))
        result: dict[str, Any] = {"hits": hits, "total": page.total}
        if ttl is not None:
            fetched = search.offset + len(hits)
            cursor = Cursor(index, collection, search, source_filter, fetched, page.total, ttl)
            result["scrollId"] = self._scrolls.open(cursor)
            result["remaining"] = max(page.total - fetched, 0)
        return result

    async def scroll(self, request: Request) -> dict[str, Any]:
        scroll_id = request.string_arg("scrollId")
        if not scroll_id:
            raise KuzzleError("api.assert.missing_argument", "scrollId")
        cursor = self._scrolls.take(scroll_id, args.scroll_ttl(request, self._max_scroll))
        search = attrs.evolve(cursor.search, offset=cursor.fetched)
        page = await self._storage.search(cursor.index, cursor.collection, search)
        hits = _hits(
            page.hits, cursor.index, cursor.collection, cursor.source_filter, bool(search.sort)
        )
        cursor.fetched += len(hits)
        if cursor.fetched >= page.total:
            # The last page: as Kuzzle, forget the scroll id (later calls get a 404).
            self._scrolls.close(scroll_id)
        return {
            "hits": hits,
            "total": page.total,
            "scrollId": scroll_id,
            "remaining": max(page.total - cursor.fetched, 0),
        }

    async def count(self, request: Request) -> dict[str, int]:
        index, collection = args.index_and_collection(request)
        body = args.optional_body(request)
        query = self._query(index, collection, body.get("query") or {}, args.lang(request))
        return {"count": await self._storage.count(index, collection, query)}

    def _parse(
        self, request: Request, index: str, collection: str, body: dict[str, Any]
    ) -> tuple[Search, SourceFilter]:
        offset = args.non_negative_integer(request, "from", None)
        size = args.non_negative_integer(request, "size", None)
        resolve = field_resolver(self._storage.schema(index, collection).mappings)
        return parse_search(body, offset, size, resolve, lang=args.lang(request))


def _search_body(request: Request) -> dict[str, Any]:
    """
    The search body: the request's, or over HTTP without one (GET), the JSON of the
    ``searchBody`` query-string argument, as Kuzzle's getSearchBody.
    """
    text = request.input.args.get("searchBody")
    if request.input.body is not None or not request.input.query_flags or text is None:
        return args.optional_body(request)
    if not isinstance(text, str):
        raise KuzzleError("api.assert.invalid_type", "searchBody", "string")
    try:
        body = codec.loads(text)
    except ValueError:
        raise KuzzleError("api.assert.invalid_argument", "searchBody", "a JSON object") from None
    if not isinstance(body, dict):
        raise KuzzleError("api.assert.invalid_argument", "searchBody", "a JSON object")
    return body


def _hits(
    documents: list[Document],
    index: str,
    collection: str,
    source_filter: SourceFilter,
    sorted_by_field: bool,
) -> list[dict[str, Any]]:
    # No relevance scoring: every hit scores 1, and null when sorted (as Elasticsearch).
    score = None if sorted_by_field else 1
    hits = []
    for document in documents:
        hit: dict[str, Any] = {"_id": document.id, "_score": score}
        source = source_filter.apply(document.source)
        if source is not None:
            # With "_source": false, Elasticsearch's hits have no _source, nor Kuzzle's.
            hit["_source"] = source
        hit["index"] = index
        hit["collection"] = collection
        hits.append(hit)
    return hits
