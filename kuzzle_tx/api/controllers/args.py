# -*- test-case-name: tests.api.test_document_controller -*-
"""
Argument readers shared by the storage controllers, with Kuzzle's checks and
error ids (``api.assert.*``): where an argument lives (top level, body, query
string) and what it must be.
"""

from __future__ import annotations

from typing import Any

from kuzzle_tx import codec
from kuzzle_tx.api.request import Request
from kuzzle_tx.durations import parse_duration
from kuzzle_tx.errors import KuzzleError
from kuzzle_tx.storage.schema import PRIVATE_PREFIX


def index_name(request: Request) -> str:
    return _required_string(request, "index")


def index_and_collection(request: Request) -> tuple[str, str]:
    return _required_string(request, "index"), _required_string(request, "collection")


def _required_string(request: Request, name: str) -> str:
    # Kuzzle's getIndexAndCollection: an empty name is a missing one.
    value = request.string_arg(name)
    if not value:
        raise KuzzleError("api.assert.missing_argument", name)
    if name == "index" and value.startswith(PRIVATE_PREFIX):
        # Private indexes (users, profiles, roles...) are not reachable through the API.
        raise KuzzleError("services.storage.unknown_index", value)
    return value


def document_id(request: Request) -> str:
    """The ``_id`` argument, required."""
    value = optional_document_id(request)
    if value is None:
        raise KuzzleError("api.assert.missing_argument", "_id")
    return value


def optional_document_id(request: Request) -> str | None:
    """
    The ``_id`` argument or None: as Kuzzle's getId, a falsy ``_id`` ("", 0, false)
    counts as absent, and anything else must be a string.
    """
    value = request.input.args.get("_id")
    if not js_truthy(value):
        return None
    if not isinstance(value, str):
        raise KuzzleError("api.assert.invalid_type", "_id", "string")
    return value


def object_body(request: Request) -> dict[str, Any]:
    body = request.input.body
    if body is None:
        raise KuzzleError("api.assert.body_required")
    if not isinstance(body, dict):
        raise KuzzleError("api.assert.invalid_type", "body", "object")
    return body


def optional_body(request: Request) -> dict[str, Any]:
    body = request.input.body
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise KuzzleError("api.assert.invalid_type", "body", "object")
    return body


def body_object(
    request: Request, name: str, default: dict[str, Any] | None = None
) -> dict[str, Any]:
    """
    ``body.<name>``, an object; required unless a default is given (then a request
    without a body gets the default too, as Kuzzle's getBodyObject).
    """
    if request.input.body is None and default is None:
        raise KuzzleError("api.assert.body_required")
    value = optional_body(request).get(name)
    if value is None:
        if default is not None:
            return default
        raise KuzzleError("api.assert.missing_argument", f"body.{name}")
    if not isinstance(value, dict):
        raise KuzzleError("api.assert.invalid_type", f"body.{name}", "object")
    return value


def body_array(request: Request, name: str) -> list[Any]:
    """``body.<name>``, a required array."""
    if request.input.body is None:
        raise KuzzleError("api.assert.body_required")
    value = optional_body(request).get(name)
    if value is None:
        raise KuzzleError("api.assert.missing_argument", f"body.{name}")
    if not isinstance(value, list):
        raise KuzzleError("api.assert.invalid_type", f"body.{name}", "array")
    return value


def string_list(request: Request, name: str) -> list[str]:
    """
    ``body.<name>`` or, failing that, the ``<name>`` argument: an array of strings;
    over HTTP the query string gives a JSON array or a comma-separated list. As in
    Kuzzle, an empty ``body.<name>`` counts as absent.
    """
    body = request.input.body
    value = body.get(name) if isinstance(body, dict) else None
    where = f"body.{name}"
    if value is None or (isinstance(value, (list, dict, str)) and not value):
        value = request.input.args.get(name)
        where = name
        if isinstance(value, str):
            value = _list_from_string(value)
    if value is None:
        raise KuzzleError("api.assert.missing_argument", where)
    if not isinstance(value, list):
        raise KuzzleError("api.assert.invalid_type", where, "array")
    for item in value:
        if not isinstance(item, str):
            raise KuzzleError("api.assert.invalid_type", where, "array of strings")
    return value


def _list_from_string(text: str) -> Any:
    if text.lstrip().startswith("["):
        try:
            return codec.loads(text)
        except ValueError:
            raise KuzzleError("api.assert.invalid_type", "ids", "array") from None
    return [item for item in text.split(",") if item]


def refresh(request: Request) -> str:
    """Kuzzle's ``refresh``: "wait_for" or false (writes are always searchable here)."""
    value = request.input.args.get("refresh")
    if value is None or value is False or value in ("false", "wait_for"):
        return "wait_for" if value == "wait_for" else "false"
    raise KuzzleError("services.storage.invalid_argument", "refresh", '"wait_for", false')


def lang(request: Request) -> str:
    value = request.string_arg("lang", "elasticsearch")
    if value not in ("elasticsearch", "koncorde"):
        raise KuzzleError("api.assert.invalid_argument", "lang", '"elasticsearch" or "koncorde"')
    return value


def non_negative_integer(request: Request, name: str, default: int | None) -> int | None:
    value = request.integer_arg(name, default)
    if value is not None and value < 0:
        raise KuzzleError("api.assert.invalid_argument", name, "a positive integer")
    return value


def js_truthy(value: Any) -> bool:
    """JavaScript truthiness, as Kuzzle tests arguments: {} and [] are true, 0 and "" not."""
    if value is None or value is False:
        return False
    if isinstance(value, (int, float, str)) and not isinstance(value, bool):
        return bool(value)
    return True


def scroll_ttl(request: Request, max_seconds: float) -> float | None:
    """The ``scroll`` duration in seconds (None without one), capped by ``maxScrollDuration``."""
    value = request.input.args.get("scroll")
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise KuzzleError("api.assert.invalid_type", "scroll", "string")
    try:
        ttl = parse_duration(value)
    except ValueError:
        raise KuzzleError(
            "api.assert.invalid_argument", "scroll", 'a duration like "30s" or "1m"'
        ) from None
    if ttl > max_seconds:
        raise KuzzleError("services.storage.scroll_duration_too_great", value)
    return ttl
