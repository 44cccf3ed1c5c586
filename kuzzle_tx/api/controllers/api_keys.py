# -*- test-case-name: tests.api.test_api_keys -*-
"""
The API key actions, shared by the ``auth`` controller (the caller's own keys:
``createApiKey``, ``searchApiKeys``, ``deleteApiKey``) and the ``security``
controller (any user's keys, named by ``userId``), after Kuzzle's
``authController.ts`` and ``securityController.ts``.

A created key is answered with its token (``_source.token``), the only time the
token is given; searches answer the keys without it, and ``total`` is the number
of hits returned, as in Kuzzle.
"""

from __future__ import annotations

from typing import Any

from kuzzle_tx.api.controllers import args
from kuzzle_tx.api.request import Request
from kuzzle_tx.config import LimitsConfig
from kuzzle_tx.errors import KuzzleError
from kuzzle_tx.interfaces import IStorage
from kuzzle_tx.security.api_keys import ApiKey, not_found_for
from kuzzle_tx.security.service import Security
from kuzzle_tx.security.store import API_KEYS, INDEX
from kuzzle_tx.security.tokens import parse_expires_in
from kuzzle_tx.storage.mapping_resolver import field_resolver
from kuzzle_tx.storage.query import koncorde_to_query, parse_query
from kuzzle_tx.storage.query_ast import Bool, Search, Term


async def create_api_key(
    security: Security, request: Request, kuid: str, *, bypass_max_ttl: bool
) -> dict[str, Any]:
    # Kuzzle reads `expiresIn || -1`: absent, 0 or "" mean a key that never expires.
    expires_in = request.input.args.get("expiresIn")
    ttl = parse_expires_in(expires_in if args.js_truthy(expires_in) else -1)
    args.refresh(request)
    key_id = args.optional_document_id(request)
    description = _description(request)
    key, token = await security.create_api_key(kuid, description, ttl, key_id, bypass_max_ttl)
    return {"_id": key.id, "_source": {**key.source(), "token": token.jwt}}


async def search_api_keys(
    storage: IStorage, limits: LimitsConfig, request: Request, kuid: str
) -> dict[str, Any]:
    # The body is the query itself (Kuzzle's getBody({})), in Elasticsearch's DSL or
    # Koncorde's; only the user's keys are searched.
    body = args.optional_body(request)
    resolve = field_resolver(storage.schema(INDEX, API_KEYS).mappings)  # description: text
    if args.lang(request) == "koncorde":
        query = koncorde_to_query(body, resolve)
    else:
        query = parse_query(body, resolve)
    offset = args.non_negative_integer(request, "from", 0) or 0
    size = args.non_negative_integer(request, "size", 10)
    assert size is not None
    if limits.documents_fetch_count and size > limits.documents_fetch_count:
        raise KuzzleError("services.storage.get_limit_exceeded")
    search = Search(Bool(must=(query,), filter=(Term("userId", kuid),)), (), offset, size)
    page = await storage.search(INDEX, API_KEYS, search)
    hits = [
        {"_id": hit.id, "_source": ApiKey.from_document(hit.id, hit.source).source()}
        for hit in page.hits
    ]
    return {"hits": hits, "total": len(hits)}


async def delete_api_key(security: Security, request: Request, kuid: str) -> list[str]:
    """Delete one of ``kuid``'s keys; the ids of the connections that used its token."""
    key_id = args.document_id(request)
    args.refresh(request)
    key = security.api_keys.get(key_id)
    if key is None or key.kuid != kuid:
        raise not_found_for(key_id, kuid)
    return await security.api_keys.delete(key)


def _description(request: Request) -> str:
    """Kuzzle's ``getBodyString("description")``: required."""
    body = args.object_body(request)
    description = body.get("description")
    if description is None:
        raise KuzzleError("api.assert.missing_argument", "body.description")
    if not isinstance(description, str):
        raise KuzzleError("api.assert.invalid_type", "body.description", "string")
    return description
