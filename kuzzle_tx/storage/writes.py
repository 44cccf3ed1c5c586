# -*- test-case-name: tests.storage.test_storage -*-
"""
What a write operation does to a document, as pure functions every backend calls
inside its own transaction: given the current document (or None), `apply` says
what to store and what to answer.
"""

from __future__ import annotations

import copy
import secrets
from typing import Any

import attrs

from kuzzle_tx.errors import KuzzleError

from .model import (
    Create,
    CreateOrReplace,
    Delete,
    DeleteFields,
    Document,
    Replace,
    Update,
    Upsert,
    WriteOp,
    WriteResult,
)


@attrs.frozen
class Outcome:
    """What to do: store ``source`` (or delete when None and ``result.deleted``)."""

    result: WriteResult
    source: dict[str, Any] | None


def new_document_id() -> str:
    """A 20-character URL-safe id, like Elasticsearch's generated ones."""
    return secrets.token_urlsafe(15)


def apply(op: WriteOp, index: str, collection: str, current: Document | None) -> Outcome:
    """The effect of ``op`` on ``current`` (the stored document, or None)."""
    op_id = op.id or ""
    if isinstance(op, Create):
        if current is not None:
            return _failed(op_id, KuzzleError("services.storage.document_already_exists"))
        return _written(op_id, op.source, None)
    if isinstance(op, CreateOrReplace):
        return _written(op_id, op.source, current)
    if isinstance(op, Delete):
        if current is None:
            return _failed(op_id, _not_found(op_id, index, collection))
        result = WriteResult(
            op_id, current.version + 1, current.source, previous=current.source, deleted=True
        )
        return Outcome(result, None)
    if current is None:
        if isinstance(op, Upsert):
            created = deep_merge(op.default, op.changes)
            info = {**created.get("_kuzzle_info", {}), **op.created_info}
            return _written(op_id, {**created, "_kuzzle_info": info}, None)
        return _failed(op_id, _not_found(op_id, index, collection))
    if isinstance(op, Replace):
        return _written(op_id, op.source, current)
    if isinstance(op, (Update, Upsert)):
        return _written(op_id, deep_merge(current.source, op.changes), current)
    if isinstance(op, DeleteFields):
        source = copy.deepcopy(current.source)
        for path in op.fields:
            _delete_path(source, path.split("."))
        info = {**source.get("_kuzzle_info", {}), **op.info}
        return _written(op_id, {**source, "_kuzzle_info": info}, current)
    raise TypeError(f"not a write operation: {op!r}")


def deep_merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """Elasticsearch's partial update: objects merge recursively, anything else replaces."""
    merged = dict(base)
    for key, value in changes.items():
        old = merged.get(key)
        if isinstance(value, dict) and isinstance(old, dict):
            merged[key] = deep_merge(old, value)
        else:
            merged[key] = value
    return merged


def _delete_path(source: dict[str, Any], keys: list[str]) -> None:
    node: Any = source
    for key in keys[:-1]:
        node = node.get(key) if isinstance(node, dict) else None
    if isinstance(node, dict):
        node.pop(keys[-1], None)


def _written(doc_id: str, source: dict[str, Any], current: Document | None) -> Outcome:
    version = 1 if current is None else current.version + 1
    previous = None if current is None else current.source
    return Outcome(WriteResult(doc_id, version, source, current is None, previous), source)


def _failed(doc_id: str, error: KuzzleError) -> Outcome:
    return Outcome(WriteResult(doc_id, error=error), None)


def _not_found(doc_id: str, index: str, collection: str) -> KuzzleError:
    return KuzzleError("services.storage.not_found", doc_id, index, collection)
