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
        "ExternalServiceError": 500,
        "PluginImplementationError": 500,
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
            ("unknown_index", 1, "PreconditionError", 'The index "%s" does not exist.'),
            ("unknown_collection", 2, "PreconditionError",
             'The collection "%s":"%s" does not exist.'),
            ("get_limit_exceeded", 3, "SizeLimitError",
             "The number of documents returned by this request exceeds the configured "
             "server limit."),
            ("write_limit_exceeded", 4, "SizeLimitError",
             "The number of documents edited by this request exceeds the configured "
             "server limit."),
            ("incomplete_delete", 9, "PartialError",
             "Couldn't delete all the requested documents: %s"),
            ("not_found", 11, "NotFoundError",
             'Document "%s" not found in "%s":"%s".'),
            ("unknown_scroll_id", 14, "NotFoundError",
             "Non-existing or expired scroll identifier."),
            ("search_as_an_id", 15, "BadRequestError",
             "_search is not a valid document identifier"),
            ("document_already_exists", 17, "BadRequestError", "Document already exists."),
            ("invalid_argument", 19, "BadRequestError",
             'Argument "%s" is invalid (expected: %s)'),
            ("invalid_mapping", 21, "BadRequestError",
             'Invalid mapping property "mappings.%s".%s'),
            ("collection_reserved", 22, "BadRequestError",
             'Invalid collection name. "%s" is reserved for internal usage.'),
            ("no_routing", 23, "BadRequestError", 'The "_routing" keyword is forbidden.'),
            ("cannot_change_mapping", 26, "BadRequestError",
             'Field "%s" already has a mapping, and it cannot be changed'),
            ("unexpected_properties", 28, "BadRequestError",
             'Property "%s" is not supported for field "%s".'),
            ("invalid_mapping_type", 29, "BadRequestError",
             'Field "%s": the data type "%s" doesn\'t exist'),
            ("unexpected_bad_request", 33, "BadRequestError", "%s"),
            ("unexpected_not_found", 34, "NotFoundError", "%s"),
            ("unexpected_error", 35, "ExternalServiceError", "%s"),
            ("index_already_exists", 38, "PreconditionError",
             'A %s index named "%s" already exists'),
            ("invalid_search_query", 40, "BadRequestError",
             'The argument "%s" is not allowed at this level of a search query.'),
            ("invalid_index_name", 41, "BadRequestError", 'The index name "%s" is invalid'),
            ("invalid_collection_name", 42, "BadRequestError",
             'The collection name "%s" is invalid'),
            ("strict_mapping_rejection", 43, "BadRequestError",
             'Cannot create document. Field "%s" is not present in collection "%s:%s" '
             "strict mapping"),
            ("scroll_duration_too_great", 44, "BadRequestError",
             'Scroll duration "%s" is too great.'),
            ("unknown_query_keyword", 45, "BadRequestError",
             'The keyword "%s" is not part of Elasticsearch Query DSL. Are you trying to use '
             "a Koncorde query?"),
            ("invalid_query_keyword", 47, "BadRequestError",
             'The "%s" keyword is not allowed in this query.'),
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
            ("incomplete_multiple_request", 10, "MultipleErrorsError",
             "At least one of the %s actions failed."),
            ("unauthorized_origin", 12, "UnauthorizedError",
             'The origin "%s" is not authorized.'),
            ("too_many_logins_requests", 13, "TooManyRequestsError",
             "Rejected: Too many login attempts per second"),
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
    ("plugin", 4, (
        ("strategy", 3, (
            ("missing_user", 20, "UnauthorizedError", "%s"),
        )),
    )),
    ("security", 7, (
        ("token", 1, (
            ("invalid", 1, "UnauthorizedError", "Invalid token."),
            ("unknown_user", 2, "InternalError", "Unknown User : cannot generate token"),
            ("unknown_connection", 3, "InternalError",
             "Unknown connection : cannot generate token"),
            ("ttl_exceeded", 4, "BadRequestError",
             "expiresIn value exceeds maximum allowed value"),
            ("generation_failed", 5, "InternalError", "Error while generating token: %s"),
            ("expired", 6, "UnauthorizedError", "Token expired"),
            ("verification_error", 7, "InternalError", "Error verifying token: %s"),
            ("refresh_forbidden", 8, "UnauthorizedError", "Token cannot be refreshed."),
            ("invalid_expiration", 9, "BadRequestError", "Invalid token expiration: %s"),
        )),
        ("credentials", 2, (
            ("unknown_strategy", 1, "BadRequestError", 'Unknown authentication strategy "%s"'),
            ("database_inconsistency", 2, "PluginImplementationError",
             "Internal database inconsistency detected: existing credentials found on "
             "non-existing user %s."),
            ("rejected", 3, "BadRequestError", "Credentials rejected: %s"),
        )),
        ("rights", 3, (
            ("unauthorized", 1, "UnauthorizedError",
             'Unauthorized: authentication required to execute the action "%s:%s".'),
            ("forbidden", 2, "ForbiddenError",
             'Insufficient permissions to execute the action "%s:%s" (User "%s").'),
        )),
        ("user", 4, (
            ("already_exists", 1, "PreconditionError", "User %s already exists."),
            ("not_found", 2, "NotFoundError", 'User "%s" not found.'),
            ("anonymous_profile_required", 3, "BadRequestError",
             "The anonymous user must be assigned to the anonymous profile"),
            ("cannot_hydrate", 4, "InternalError",
             'Unable to hydrate the user "%s": missing profile(s) in the database'),
            ("uninitialized", 5, "InternalError",
             'Cannot get profiles for uninitialized user "%s"'),
            ("prevent_overwrite", 6, "BadRequestError", "Cannot overwrite existing users."),
            ("no_profile", 7, "InternalError",
             'Cannot load user "%s": there is no security profiles associated to it'),
        )),
        ("role", 5, (
            ("not_found", 1, "NotFoundError", 'Role "%s" not found.'),
            ("login_required", 2, "BadRequestError",
             'Cannot remove the "login" action from the anonymous role.'),
            ("cannot_delete", 3, "BadRequestError",
             "The following roles are protected and cannot be deleted: anonymous, default, "
             "admin"),
            ("in_use", 4, "PreconditionError",
             'The role "%s" is still used and cannot be deleted.'),
            ("unknown_controller", 9, "BadRequestError",
             "Trying to set role %s with a non-existing controller '%s'. %s"),
            ("unknown_action", 10, "BadRequestError",
             "Trying to set role %s with a non-existing action '%s' in controller '%s'. %s"),
        )),
        ("profile", 6, (
            ("not_found", 1, "NotFoundError", 'Profile "%s" not found.'),
            ("cannot_delete", 2, "BadRequestError",
             "The following profiles are protected and cannot be deleted: anonymous, "
             "default, admin"),
            ("in_use", 3, "PreconditionError",
             'The profile "%s" is still used and cannot be deleted.'),
            ("cannot_hydrate", 4, "InternalError",
             'Unable to hydrate the profile "%s": missing role(s) in the database'),
            ("missing_anonymous_role", 5, "BadRequestError",
             "The anonymous profile must include the anonymous role"),
        )),
        ("cookie", 7, (
            ("invalid", 1, "UnauthorizedError", "Invalid cookie."),
            ("unsupported", 2, "InternalError", "Cookie authentication not supported."),
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
    become ``props``; ``extra`` adds fields to the error object.
    """

    def __init__(
        self,
        error_id: str,
        *props: Any,
        extra: Mapping[str, Any] | None = None,
        message: str | None = None,
    ) -> None:
        spec = CATALOGUE[error_id]
        self.spec = spec
        # More fields of the error object: ``errors`` and ``count`` of a MultipleErrorsError.
        self.extra = dict(extra) if extra else None
        self.props = [str(p) for p in props]
        # ``message``: Kuzzle's own wording where it overrides the catalogue's (kerror's
        # ``message`` option), e.g. an API key not found for a user.
        self._custom_message = message
        if message is None:
            try:
                message = spec.template % tuple(self.props)
            except TypeError:
                message = spec.template
        super().__init__(message)
        self.message = message

    def __reduce__(self) -> tuple[Any, ...]:
        # Copies and pickles rebuild the error from its id, not from its message.
        return (_rebuild, (self.id, tuple(self.props), self.extra, self._custom_message))

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
        error = {
            "message": self.message,
            "status": self.status,
            "id": self.id,
            "code": self.code,
            "props": self.props,
        }
        if self.extra:
            error.update(self.extra)
        return error


def _rebuild(
    error_id: str,
    props: tuple[str, ...],
    extra: Mapping[str, Any] | None,
    message: str | None = None,
) -> KuzzleError:
    return KuzzleError(error_id, *props, extra=extra, message=message)


def internal_error(reason: str = "internal error") -> KuzzleError:
    """What a client sees for a bug of ours: an id and a short reason, never a stack."""
    return KuzzleError("core.fatal.unexpected_error", reason)
