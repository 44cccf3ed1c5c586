# -*- test-case-name: tests.security.test_tokens -*-
"""
Authentication tokens as Kuzzle writes them: ``"kauth-" + JWT`` (kuzzle-api.md §8.2).

`TokenAuthority` signs and checks the JWT itself (HMAC, PyJWT), on an injected
clock; whether a token is still *known* to the server (logout, refresh, revocation)
is the job of `kuzzle_tx.security.token_registry`.

The JS SDK decodes the payload segment itself with the standard base64 alphabet
only (sdk-contract.md §0, gotcha 7): a payload segment holding ``-`` or ``_``
makes ``login()`` reject. For ASCII JSON, base64url only produces those two
characters from the bytes ``>``, ``?``, ``~`` and DEL, so the payload JSON is
written with those four escaped (``\\u003e``...): the same JSON value, and a
segment that never needs the two characters, whatever the kuid. A random ``jti``
(hex, so also safe) makes every token unique, even two issued for one user in the
same second.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
import secrets
from typing import Any

import attrs
import jwt
from twisted.internet.interfaces import IReactorTime

from kuzzle_tx.errors import KuzzleError

AUTH_PREFIX = "kauth-"
APIKEY_PREFIX = "kapikey-"

# HMAC only: Kuzzle signs with a shared secret (security.jwt.secret).
SUPPORTED_ALGORITHMS = ("HS256", "HS384", "HS512")

_EXPIRES_IN_EXPECTED = "a number of milliseconds, or a parsable timespan string"

# The `ms` npm package (2.1.x), which Kuzzle uses to read expiresIn.
_MS_UNITS: dict[str, float] = {}
for _names, _factor in (
    (("years", "year", "yrs", "yr", "y"), 365.25 * 86_400_000),
    (("weeks", "week", "w"), 7 * 86_400_000),
    (("days", "day", "d"), 86_400_000),
    (("hours", "hour", "hrs", "hr", "h"), 3_600_000),
    (("minutes", "minute", "mins", "min", "m"), 60_000),
    (("seconds", "second", "secs", "sec", "s"), 1000),
    (("milliseconds", "millisecond", "msecs", "msec", "ms"), 1),
):
    for _name in _names:
        _MS_UNITS[_name] = _factor
_MS_FORMAT = re.compile(
    r"(-?(?:\d+)?\.?\d+) *(milliseconds?|msecs?|ms|seconds?|secs?|s|minutes?|mins?|m"
    r"|hours?|hrs?|h|days?|d|weeks?|w|years?|yrs?|y)?",
    re.IGNORECASE | re.ASCII,
)
_MS_MAX_LENGTH = 100

# A base64url segment as PyJWT writes it: no padding, nothing else.
_SEGMENT = re.compile(r"[A-Za-z0-9_-]+")
# The ASCII characters whose position in a JSON text can yield "-" or "_" in base64url.
_SDK_UNSAFE = str.maketrans({">": "\\u003e", "?": "\\u003f", "~": "\\u007e", "\x7f": "\\u007f"})


@attrs.frozen(kw_only=True)
class IssuedToken:
    """
    A token handed to a client, with what the server remembers about it.

    ``expires_at`` is epoch milliseconds and ``ttl`` milliseconds, both ``-1``
    for a token that never expires (as in Kuzzle's login answer).
    """

    jwt: str
    kuid: str
    expires_at: int
    ttl: int
    # The token of an API key (``kapikey-``): kept by its key, never refreshed, and
    # left alone by a global logout and by security:revokeTokens.
    api_key: bool = False
    # auth:createToken's singleUse: the first request that carries it consumes it.
    single_use: bool = False

    @property
    def infinite(self) -> bool:
        return self.ttl < 0

    def as_result(self) -> dict[str, Any]:
        """The ``auth:login`` / ``auth:refreshToken`` result for this token."""
        return {"_id": self.kuid, "jwt": self.jwt, "expiresAt": self.expires_at, "ttl": self.ttl}


@attrs.frozen
class Claims:
    """What a verified JWT says: whose it is and when it expires (ms, None = never)."""

    kuid: str
    expires_at_ms: int | None


def now_ms(clock: IReactorTime) -> int:
    """The clock's current time in whole epoch milliseconds (float noise rounded away)."""
    return math.floor(round(clock.seconds() * 1000, 3))


def jwt_exp(expires_at_ms: int) -> int:
    """
    The JWT ``exp`` (seconds) of a token that expires at ``expires_at_ms``.

    Rounded up, so that the JWT never expires before the server-side token: the
    whole ttl is usable, a sub-second ttl is not dead on arrival, and the
    registry answers "expired" itself until this second has passed.
    """
    return -(-expires_at_ms // 1000)


def new_secret(nbytes: int = 32) -> bytes:
    """A fresh random signing secret (32 bytes suit HS256; HS384/HS512 want 48/64)."""
    return secrets.token_bytes(nbytes)


class _SdkSafeEncoder(json.JSONEncoder):
    """Compact ASCII JSON in which no character can put "-" or "_" in base64url."""

    def encode(self, o: Any) -> str:
        # Outside strings JSON has none of these characters; inside, the escape is the
        # same string, and no escape sequence contains them.
        return super().encode(o).translate(_SDK_UNSAFE)


def _b64url_decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _canonical(segment: str) -> bool:
    """True if the segment is base64url in its one canonical spelling."""
    if not _SEGMENT.fullmatch(segment) or len(segment) % 4 == 1:
        return False
    try:
        raw = _b64url_decode(segment)
    except (binascii.Error, ValueError):
        return False
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii") == segment


def _invalid() -> KuzzleError:
    return KuzzleError("security.token.invalid")


class TokenAuthority:
    """
    Signs and verifies ``kauth-`` tokens with one secret, on an injected clock.

    Nothing here reads the system time: ``iat``, ``exp`` and the expiry check
    all come from ``clock.seconds()``.
    """

    def __init__(self, secret: bytes, clock: IReactorTime, algorithm: str = "HS256") -> None:
        if algorithm not in SUPPORTED_ALGORITHMS:
            raise ValueError(
                f"unsupported JWT algorithm {algorithm!r} (expected one of "
                f"{', '.join(SUPPORTED_ALGORITHMS)})"
            )
        if not isinstance(secret, bytes) or not secret:
            raise ValueError("the JWT secret must be non-empty bytes")
        self._secret = secret
        self._clock = clock
        self.algorithm = algorithm

    def issue(self, kuid: str, ttl_ms: int | None, *, prefix: str = AUTH_PREFIX) -> IssuedToken:
        """
        A new signed token for ``kuid``, valid ``ttl_ms`` milliseconds (None: forever).

        ``ttl_ms`` is expected already checked (`parse_expires_in`, `check_ttl`).
        """
        if not isinstance(kuid, str) or not kuid:
            raise ValueError("a token needs a non-empty kuid")
        if ttl_ms is not None and (isinstance(ttl_ms, bool) or ttl_ms <= 0):
            raise ValueError(f"invalid token ttl: {ttl_ms!r}")
        now = now_ms(self._clock)
        claims: dict[str, Any] = {"_id": kuid, "iat": now // 1000}
        if ttl_ms is None:
            expires_at = ttl = -1
        else:
            ttl = int(ttl_ms)
            expires_at = now + ttl
            claims["exp"] = jwt_exp(expires_at)
        claims["jti"] = secrets.token_hex(8)
        encoded = jwt.encode(
            claims, self._secret, algorithm=self.algorithm, json_encoder=_SdkSafeEncoder
        )
        payload_segment = encoded.split(".")[1]
        if "-" in payload_segment or "_" in payload_segment:  # pragma: no cover - by design
            raise KuzzleError("security.token.generation_failed", "payload not SDK-decodable")
        return IssuedToken(jwt=prefix + encoded, kuid=kuid, expires_at=expires_at, ttl=ttl)

    def decode(self, token: str, *, prefix: str = AUTH_PREFIX) -> Claims:
        """
        The claims of a token this authority signed.

        Raises ``security.token.invalid`` for anything malformed, forged, signed
        with another key or algorithm (``none`` included), or without ``_id``;
        ``security.token.expired`` once its ``exp`` has passed on the clock.
        """
        if not isinstance(token, str) or not token.startswith(prefix):
            raise _invalid()
        raw = token[len(prefix) :]
        segments = raw.split(".")
        if len(segments) != 3 or not all(_canonical(segment) for segment in segments):
            raise _invalid()
        try:
            payload = jwt.decode(
                raw,
                self._secret,
                algorithms=[self.algorithm],
                # Time claims are checked below, against the injected clock.
                options={
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                    "verify_aud": False,
                    "verify_iss": False,
                    "verify_sub": False,
                    "verify_jti": False,
                },
            )
        except (jwt.PyJWTError, ValueError, TypeError):
            raise _invalid() from None
        expires_at_ms: int | None = None
        if "exp" in payload:
            exp = payload["exp"]
            if isinstance(exp, bool) or not isinstance(exp, int):
                raise _invalid()
            expires_at_ms = exp * 1000
            if now_ms(self._clock) >= expires_at_ms:
                raise KuzzleError("security.token.expired")
        kuid = payload.get("_id")
        if not isinstance(kuid, str) or not kuid:
            raise _invalid()
        return Claims(kuid, expires_at_ms)


def parse_expires_in(value: object) -> int | None:
    """
    An ``expiresIn`` argument as milliseconds; None means "never expires".

    Numbers are milliseconds; strings follow the ``ms`` npm package ("1h",
    "30m", "6d", "2 weeks", "1000"); ``-1`` (number or string) is infinite.
    Zero, other negative values and anything unparsable are refused with
    ``api.assert.invalid_argument``, as Kuzzle refuses a zero/unparsable one.
    """
    millis: float
    if isinstance(value, bool):
        raise _bad_expires_in()
    if isinstance(value, (int, float)):
        millis = float(value)
    elif isinstance(value, str):
        match = _MS_FORMAT.fullmatch(value) if len(value) <= _MS_MAX_LENGTH else None
        if match is None:
            raise _bad_expires_in()
        unit = (match.group(2) or "ms").lower()
        millis = float(match.group(1)) * _MS_UNITS[unit]
    else:
        raise _bad_expires_in()
    if millis == -1:
        return None
    if not math.isfinite(millis) or millis < 1:
        raise _bad_expires_in()
    return math.floor(millis)


def _bad_expires_in() -> KuzzleError:
    return KuzzleError("api.assert.invalid_argument", "expiresIn", _EXPIRES_IN_EXPECTED)


def check_ttl(ttl_ms: int | None, max_ttl_ms: int) -> None:
    """
    Refuse a ttl above ``security.jwt.maxTTL`` (``-1``: no maximum).

    With a maximum set, an infinite token (``ttl_ms`` None) is refused too.
    """
    if max_ttl_ms < 0:
        return
    if ttl_ms is None or ttl_ms > max_ttl_ms:
        raise KuzzleError("security.token.ttl_exceeded")
