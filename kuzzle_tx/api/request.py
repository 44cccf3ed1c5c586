# -*- test-case-name: tests.api.test_request -*-
"""
Kuzzle's request and response model, shared by every protocol.

A protocol decodes bytes once into a payload (a dict) and builds a `Request`
from it; the funnel fills in ``result`` or ``error``; the protocol serializes
`Request.envelope`. Invalid envelopes still produce a `Request`, born failed,
so that the client gets its ``requestId`` back with the error.
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Mapping
from typing import Any

import attrs

from kuzzle_tx.errors import KuzzleError

# Keys of a request payload that are not action arguments.
_RESERVED = frozenset(("controller", "action", "requestId", "jwt", "volatile", "body"))


@attrs.frozen
class Connection:
    """One client connection (a WebSocket, or a single HTTP request)."""

    id: str
    protocol: str
    ips: tuple[str, ...] = ()
    headers: Mapping[str, str] = attrs.field(factory=dict)


@attrs.define(slots=True)
class RequestInput:
    """What the client asked for, decoded: ``args`` holds every other key."""

    controller: str | None
    action: str | None
    jwt: str | None = None
    volatile: dict[str, Any] | None = None
    body: Any = None
    args: dict[str, Any] = attrs.field(factory=dict)
    # Arguments came from an HTTP query string: strings, and flags true when present.
    query_flags: bool = False


@attrs.define(slots=True, eq=False)
class Request:
    """A request in flight, and, once executed, its response."""

    input: RequestInput
    connection: Connection
    id: str
    timestamp: int
    status: int = 102
    result: Any = None
    error: KuzzleError | None = None
    user_id: str = "-1"
    # The caller's profile ids, as the security gate found them (for checks made later,
    # such as a subscription's index and collection).
    user_profiles: frozenset[str] = frozenset()
    response_headers: dict[str, str] = attrs.field(factory=dict)

    def set_result(self, result: Any, status: int = 200) -> None:
        self.result = result
        self.status = status
        self.error = None

    def set_error(self, error: KuzzleError) -> None:
        self.error = error
        self.status = error.status
        self.result = None

    @property
    def failed(self) -> bool:
        return self.error is not None

    # -- typed argument getters, with Kuzzle's coercion rules -------------------------

    def boolean_arg(self, name: str) -> bool:
        """Over HTTP a flag is true when present; elsewhere it must be a JSON boolean."""
        value = self.input.args.get(name)
        if self.input.query_flags:
            return name in self.input.args
        if value is None:
            return False
        if not isinstance(value, bool):
            raise KuzzleError("api.assert.invalid_type", name, "boolean")
        return value

    def string_arg(self, name: str, default: str | None = None) -> str | None:
        value = self.input.args.get(name, default)
        if value is not None and not isinstance(value, str):
            raise KuzzleError("api.assert.invalid_type", name, "string")
        return value

    def integer_arg(self, name: str, default: int | None = None) -> int | None:
        value = self.input.args.get(name)
        if value is None:
            return default
        if isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                raise KuzzleError("api.assert.invalid_type", name, "integer") from None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
            raise KuzzleError("api.assert.invalid_type", name, "integer")
        return int(value)

    def envelope(self, node: str) -> dict[str, Any]:
        """The response object, the same for a WebSocket frame and an HTTP body."""
        args = self.input.args
        return {
            "requestId": self.id,
            "status": self.status,
            "error": None if self.error is None else self.error.to_dict(),
            "controller": self.input.controller,
            "action": self.input.action,
            "index": args.get("index"),
            "collection": args.get("collection"),
            "volatile": self.input.volatile,
            "result": self.result,
            "node": node,
            "headers": self.response_headers,
        }


def bare_envelope(request_id: str, status: int, node: str) -> dict[str, Any]:
    """The envelope of an answer that no controller produced (errors, health checks)."""
    return {
        "requestId": request_id,
        "status": status,
        "error": None,
        "controller": None,
        "action": None,
        "index": None,
        "collection": None,
        "volatile": None,
        "result": None,
        "node": node,
        "headers": {},
    }


def new_request_id() -> str:
    """
    A UUID-shaped (version 4) id, unique on this process: a random 80-bit
    prefix drawn at start-up and a counter. ``uuid.uuid4()`` costs a system
    call and an object per request; these ids only need to be unique.
    """
    return f"{_ID_HEAD}{next(_ID_COUNTER) & 0xFFFFFFFFFFFF:012x}"


_ID_RANDOM = secrets.token_hex(10)
_ID_HEAD = f"{_ID_RANDOM[:8]}-{_ID_RANDOM[8:12]}-4{_ID_RANDOM[12:15]}-a{_ID_RANDOM[15:18]}-"
_ID_COUNTER = itertools.count(1)


def request_from_payload(
    payload: Any,
    connection: Connection,
    timestamp: int,
    request_id: str | None = None,
    query_flags: bool = False,
) -> Request:
    """
    Build a `Request` from a decoded JSON payload.

    ``null`` values and unknown keys are accepted (the official SDK sends both);
    a wrong type on a reserved key gives a request that has already failed with
    ``api.assert.invalid_type``. ``request_id``, when given (HTTP), wins over the
    payload's.
    """
    if not isinstance(payload, dict):
        failed = Request(
            RequestInput(None, None), connection, request_id or new_request_id(), timestamp
        )
        failed.set_error(KuzzleError("api.assert.invalid_type", "request", "object"))
        return failed

    get = payload.get
    raw_id = get("requestId")
    controller = get("controller")
    action = get("action")
    jwt = get("jwt")
    volatile = get("volatile")
    body = get("body")
    if request_id is None:
        request_id = raw_id if type(raw_id) is str and raw_id else new_request_id()
    args = {k: v for k, v in payload.items() if v is not None and k not in _RESERVED}
    well_formed = (
        type(controller) is str
        and controller
        and type(action) is str
        and action
        and (raw_id is None or type(raw_id) is str)
        and (jwt is None or type(jwt) is str)
        and (volatile is None or type(volatile) is dict)
        and (body is None or type(body) is dict or type(body) is list)
    )
    if well_formed:
        return Request(
            RequestInput(controller, action, jwt, volatile, body, args, query_flags),
            connection,
            request_id,
            timestamp,
        )
    request = Request(
        RequestInput(
            controller if isinstance(controller, str) else None,
            action if isinstance(action, str) else None,
            jwt if isinstance(jwt, str) else None,
            volatile if isinstance(volatile, dict) else None,
            body if isinstance(body, (dict, list)) else None,
            args,
            query_flags,
        ),
        connection,
        request_id,
        timestamp,
    )
    error = _envelope_error(raw_id, controller, action, jwt, volatile, body)
    if error is not None:
        request.set_error(error)
    return request


def _envelope_error(
    request_id: Any, controller: Any, action: Any, jwt: Any, volatile: Any, body: Any
) -> KuzzleError | None:
    for name, value, expected, ok in (
        ("requestId", request_id, "string", isinstance(request_id, str)),
        ("controller", controller, "string", isinstance(controller, str)),
        ("action", action, "string", isinstance(action, str)),
        ("jwt", jwt, "string", isinstance(jwt, str)),
        ("volatile", volatile, "object", isinstance(volatile, dict)),
        ("body", body, "object", isinstance(body, (dict, list))),
    ):
        if value is not None and not ok:
            return KuzzleError("api.assert.invalid_type", name, expected)
    for name, value in (("controller", controller), ("action", action)):
        if not value:
            return KuzzleError("api.assert.missing_argument", name)
    return None
