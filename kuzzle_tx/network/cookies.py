# -*- test-case-name: tests.network.test_http_cookies -*-
"""
The ``authToken`` cookie of Kuzzle's cookie authentication
(``http.cookieAuthentication``): reading it from a ``Cookie`` header and writing
the ``Set-Cookie`` value that hands a token to a browser.
"""

from __future__ import annotations

import re
from email.utils import formatdate
from typing import TYPE_CHECKING
from urllib.parse import unquote

from kuzzle_tx.errors import KuzzleError

if TYPE_CHECKING:
    from kuzzle_tx.security.tokens import IssuedToken

AUTH_COOKIE = "authToken"
# With ``cookieAuth``, Kuzzle does not verify the cookie's token before these actions
# (its funnel's SKIP_TOKEN_VERIF_ACTIONS): an expired cookie must not stop a new login.
COOKIE_UNVERIFIED_ACTIONS = frozenset(("login", "checkToken", "logout"))
_COOKIE_ATTRIBUTES = "HttpOnly; SameSite=Strict"
CLEARED_COOKIE = (
    f"{AUTH_COOKIE}=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; {_COOKIE_ATTRIBUTES}"
)
# Control characters cannot be part of a Cookie header (RFC 6265 §4.2.1).
_COOKIE_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def auth_cookie(token: IssuedToken) -> str:
    """
    The ``Set-Cookie`` value that hands a token to a browser, as Kuzzle's
    ``cookie.serialize`` writes it; a token that never expires makes a session
    cookie (Kuzzle would write an ``Expires`` in 1969, which deletes it).
    """
    expires = ""
    if not token.infinite:
        expires = f"; Expires={formatdate(token.expires_at / 1000, usegmt=True)}"
    return f"{AUTH_COOKIE}={token.jwt}; Path=/{expires}; {_COOKIE_ATTRIBUTES}"


def cookie_token(header: str) -> str | None:
    """
    The token in the ``authToken`` cookie of a ``Cookie`` header; None without one
    (or when it is empty or ``"null"``, which the SDK writes after a logout).

    Parsed as the ``cookie`` npm package parses (the first ``authToken`` wins,
    quotes and percent-escapes removed). A header holding control characters, or
    an ``authToken`` whose escapes are not UTF-8, is ``security.cookie.invalid``.
    """
    if _COOKIE_CONTROL.search(header):
        raise KuzzleError("security.cookie.invalid")
    for pair in header.split(";"):
        name, equals, value = pair.partition("=")
        if not equals or name.strip() != AUTH_COOKIE:
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        if "%" in value:
            try:
                value = unquote(value, errors="strict")
            except UnicodeDecodeError:
                raise KuzzleError("security.cookie.invalid") from None
        return value if value and value != "null" else None
    return None
