# -*- test-case-name: tests.test_errors -*-
"""
Kuzzle's error model: one exception type, and the catalogue of error ids as data.

An id is ``domain.subdomain.name``; its numeric code packs the three parts as
``domain << 24 | subdomain << 16 | number``, exactly as Kuzzle computes it, so
clients that switch on codes keep working.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import attrs

STATUS_BY_CLASS: Mapping[str, int] = MappingProxyType(
    {
        "BadRequestError": 400,
        "UnauthorizedError": 401,
        "ForbiddenError": 403,
        "NotFoundError": 404,
        "PreconditionError": 412,
        "SizeLimitError": 413,
        "TooManyRequestsError": 429,
        "InternalError": 500,
        "ServiceUnavailableError": 503,
        "GatewayTimeoutError": 504,
        "PartialError": 206,
        "MultipleErrorsError": 400,
    }
)

# (domain, domain code) -> (subdomain, subdomain code) -> (name, number, class, message)
# fmt: off
_Entry = tuple[str, int, str, str]
_Subdomain = tuple[str, int, tuple[_Entry, ...]]
_CATALOGUE_SOURCE: tuple[tuple[str, int, tuple[_Subdomain, ...]], ...] = (
    ("core", 0, (
        ("fatal", 0, (
            ("unexpected_error", 1, "InternalError", "Caught an unexpected error: %s"),
            ("service_unavailable", 2, "InternalError", "Service unavailable: %s."),
        )),
        ("realtime", 1, (
            ("room_not_found", 1, "NotFoundError", 'Room "%s" not found.'),
            ("invalid_scope", 4, "BadRequestError", "Invalid scope: %s."),
            ("invalid_users", 5, "BadRequestError", "Invalid users: %s."),
            ("too_many_rooms", 7, "SizeLimitError",
             "Unable to subscribe: maximum number of unique rooms reached."),
            ("not_subscribed", 8, "PreconditionError",
             'User "%s" has not subscribed to "%s".'),
        )),
    )),
    ("services", 1, (
        ("storage", 1, (
            ("unknown_index", 1, "PreconditionError", 'Index "%s" does not exist.'),
            ("unknown_collection", 2, "PreconditionError",
             'Collection "%s" does not exist in index "%s".'),
            ("not_found", 11, "NotFoundError",
             'Document "%s" not found in "%s":"%s".'),
            ("invalid_argument", 19, "BadRequestError",
             'Invalid argument "%s". Expected: %s'),
        )),
    )),
    ("api", 2, (
        ("assert", 1, (
            ("invalid_type", 1, "BadRequestError", 'Wrong type for argument "%s" (expected: %s)'),
            ("invalid_argument", 2, "BadRequestError", 'Invalid argument "%s". Expected: %s'),
            ("missing_argument", 3, "BadRequestError", 'Missing argument "%s".'),
            ("empty_argument", 4, "BadRequestError", 'The argument "%s" is empty.'),
            ("mutually_exclusive", 5, "BadRequestError",
             'Arguments "%s" and "%s" are mutually exclusive'),
            ("unexpected_argument", 7, "BadRequestError",
             'Unexpected argument "%s" (accepted arguments: %s)'),
            ("body_required", 8, "BadRequestError", "The request must specify a body."),
            ("forbidden_argument", 11, "BadRequestError",
             'The argument "%s" is not allowed by this API action.'),
            ("koncorde_restricted_keyword", 13, "BadRequestError",
             'The %s "%s" of Koncorde DSL is not supported for search queries.'),
            ("koncorde_dsl_error", 14, "BadRequestError", "%s"),
        )),
        ("process", 2, (
            ("overloaded", 2, "ServiceUnavailableError",
             "Request discarded: Kuzzle Server is temporarily overloaded."),
            ("connection_dropped", 3, "BadRequestError", "Client connection dropped"),
            ("controller_not_found", 4, "NotFoundError", 'API controller "%s" not found.'),
            ("action_not_found", 5, "NotFoundError", 'API action "%s":"%s" not found'),
            ("incompatible_sdk_version", 6, "BadRequestError",
             "Incompatible SDK client. Your SDK version (%s) does not match Kuzzle "
             "requirement (%s)."),
            ("shutting_down", 7, "ServiceUnavailableError",
             "Rejected: this node is shutting down."),
            ("too_many_requests", 8, "TooManyRequestsError",
             "Rejected: requests rate limit exceeded for this user."),
            ("admin_exists", 9, "PreconditionError", "Admin user is already set."),
            ("unauthorized_origin", 12, "UnauthorizedError",
             'The origin "%s" is not authorized.'),
        )),
    )),
    ("network", 3, (
        ("http", 1, (
            ("request_too_large", 1, "SizeLimitError", "Maximum HTTP request size exceeded."),
            ("unexpected_error", 2, "BadRequestError", "Caught an unexpected HTTP error: %s"),
            ("too_many_encodings", 3, "BadRequestError", "Too many encodings."),
            ("unsupported_compression", 4, "BadRequestError",
             'Unsupported compression algorithm "%s".'),
            ("compression_disabled", 5, "BadRequestError", "Compression support is disabled."),
            ("unsupported_verb", 6, "BadRequestError", 'Unsupported HTTP verb "%s".'),
            ("url_not_found", 7, "NotFoundError", "API URL not found: %s."),
            ("unsupported_content", 8, "BadRequestError",
             'Invalid request content-type. Expected "application/json", got: "%s".'),
            ("unsupported_charset", 9, "BadRequestError",
             'Unsupported request charset. Expected "utf-8", got: "%s".'),
            ("volatile_parse_failed", 11, "BadRequestError",
             'Unable to convert the "x-kuzzle-volatile" HTTP header to JSON: %s'),
            ("body_parse_failed", 12, "BadRequestError",
             "Unable to convert the HTTP body to JSON: %s"),
            ("file_too_large", 13, "SizeLimitError", "Maximum HTTP file size exceeded"),
        )),
        ("websocket", 3, (
            ("unexpected_error", 1, "BadRequestError", "Caught an unexpected WebSocket error: %s"),
            ("ratelimit_exceeded", 2, "TooManyRequestsError",
             "Rejected: too many requests received from that socket"),
        )),
        ("entrypoint", 4, (
            ("shutting_down", 3, "ServiceUnavailableError",
             "Rejected: instance is shutting down"),
        )),
    )),
    ("security", 7, (
        ("token", 1, (
            ("invalid", 1, "UnauthorizedError", "Invalid token."),
            ("expired", 6, "UnauthorizedError", "Token expired."),
        )),
        ("rights", 3, (
            ("unauthorized", 1, "UnauthorizedError",
             'Unauthorized action [%s:%s] for anonymous user.'),
            ("forbidden", 2, "ForbiddenError",
             'Forbidden action [%s:%s] for user "%s".'),
        )),
    )),
)
# fmt: on


@attrs.frozen
class ErrorSpec:
    """One catalogue entry: what a client sees for an error id."""

    id: str
    code: int
    status: int
    kind: str
    template: str


def _build_catalogue() -> Mapping[str, ErrorSpec]:
    specs = {}
    for domain, domain_code, subdomains in _CATALOGUE_SOURCE:
        for subdomain, subdomain_code, entries in subdomains:
            for name, number, kind, template in entries:
                error_id = f"{domain}.{subdomain}.{name}"
                code = (domain_code << 24) | (subdomain_code << 16) | number
                specs[error_id] = ErrorSpec(error_id, code, STATUS_BY_CLASS[kind], kind, template)
    return MappingProxyType(specs)


CATALOGUE: Mapping[str, ErrorSpec] = _build_catalogue()


class KuzzleError(Exception):
    """
    An API error, serialized identically by every protocol.

    Build them with ``KuzzleError("api.process.controller_not_found", "nope")``:
    the positional values fill the catalogue's ``%s`` placeholders in order and
    become ``props``.
    """

    def __init__(self, error_id: str, *props: Any) -> None:
        spec = CATALOGUE[error_id]
        self.spec = spec
        self.props = [str(p) for p in props]
        try:
            message = spec.template % tuple(self.props)
        except TypeError:
            message = spec.template
        super().__init__(message)
        self.message = message

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def code(self) -> int:
        return self.spec.code

    @property
    def status(self) -> int:
        return self.spec.status

    def to_dict(self) -> dict[str, Any]:
        return {
            "message": self.message,
            "status": self.status,
            "id": self.id,
            "code": self.code,
            "props": self.props,
        }


def internal_error(reason: str = "internal error") -> KuzzleError:
    """What a client sees for a bug of ours: an id and a short reason, never a stack."""
    return KuzzleError("core.fatal.unexpected_error", reason)
