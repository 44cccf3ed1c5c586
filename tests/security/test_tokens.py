"""Signed tokens (`kuzzle_tx.security.tokens`): issue, verify, expiresIn and maxTTL."""

from __future__ import annotations

import base64
import hmac
import json
import string
from typing import Any

import jwt
from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from kuzzle_tx.errors import KuzzleError
from kuzzle_tx.security.tokens import (
    APIKEY_PREFIX,
    AUTH_PREFIX,
    Claims,
    IssuedToken,
    TokenAuthority,
    check_ttl,
    jwt_exp,
    new_secret,
    parse_expires_in,
)

SECRET = b"s" * 32
OTHER_SECRET = b"o" * 32
# 2023-11-14T22:13:20.250Z: far from the wall clock, so nothing can pass by reading it.
START = 1_700_000_000.25


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64json(value: Any) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


def sdk_decode(token: str) -> Any:
    """What the JS SDK does: split on ".", standard-alphabet base64 of segment 2, JSON."""
    segment = token.split(".")[1]
    return json.loads(base64.b64decode(segment + "=" * (-len(segment) % 4), validate=True))


class AuthorityTestCase(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(START)
        self.authority = TokenAuthority(SECRET, self.clock)

    def assertRefused(self, token: Any, error_id: str = "security.token.invalid") -> KuzzleError:
        error = self.assertRaises(KuzzleError, self.authority.decode, token)
        self.assertEqual(error.id, error_id, repr(token))
        return error

    def signed(self, claims: dict[str, Any], key: bytes = SECRET, algorithm: str = "HS256") -> str:
        return AUTH_PREFIX + jwt.encode(claims, key, algorithm=algorithm)


class IssueTests(AuthorityTestCase):
    def test_issued_token(self) -> None:
        """A token carries kuid, expiry (ms) and ttl, and decodes back to its kuid and expiry."""
        token = self.authority.issue("alice", 3_600_000)
        now = 1_700_000_000_250
        self.assertEqual(
            (token.kuid, token.ttl, token.expires_at), ("alice", 3_600_000, now + 3_600_000)
        )
        self.assertTrue(token.jwt.startswith("kauth-"))
        self.assertEqual(len(token.jwt[len("kauth-") :].split(".")), 3)
        claims = self.authority.decode(token.jwt)
        self.assertEqual(claims, Claims("alice", jwt_exp(now + 3_600_000) * 1000))
        payload = sdk_decode(token.jwt)
        self.assertEqual(payload["iat"], 1_700_000_000)
        self.assertEqual(payload["exp"], 1_700_003_601)
        self.assertEqual(
            token.as_result(),
            {"_id": "alice", "jwt": token.jwt, "expiresAt": now + 3_600_000, "ttl": 3_600_000},
        )
        self.assertFalse(token.infinite)

    def test_exp_rounds_up(self) -> None:
        """exp is the first second at or after expires_at: the JWT never ends first."""
        self.assertEqual(jwt_exp(1_000_000), 1000)
        self.assertEqual(jwt_exp(1_000_001), 1001)
        self.assertEqual(jwt_exp(1_000_999), 1001)

    def test_sub_second_ttl_is_usable(self) -> None:
        """A 500 ms token is valid when issued and until its end."""
        token = self.authority.issue("alice", 500)
        self.assertEqual(self.authority.decode(token.jwt).kuid, "alice")

    def test_infinite_token(self) -> None:
        """With no ttl: no exp claim, expiresAt and ttl -1, valid for ever."""
        token = self.authority.issue("alice", None)
        self.assertEqual((token.expires_at, token.ttl), (-1, -1))
        self.assertTrue(token.infinite)
        self.assertNotIn("exp", sdk_decode(token.jwt))
        self.clock.advance(100 * 365 * 86400)
        self.assertEqual(self.authority.decode(token.jwt), Claims("alice", None))

    def test_tokens_are_unique(self) -> None:
        """Two tokens for one user in the same millisecond still differ."""
        first = self.authority.issue("alice", 1000)
        second = self.authority.issue("alice", 1000)
        self.assertNotEqual(first.jwt, second.jwt)

    def test_expiry_on_injected_clock(self) -> None:
        """Valid until the last millisecond before exp, expired from exp on."""
        token = self.authority.issue("alice", 1750)  # ends at ...002.000: exp ...002
        self.clock.advance(1.749)
        self.authority.decode(token.jwt)
        self.clock.advance(0.001)
        self.assertRefused(token.jwt, "security.token.expired")

    def test_issue_arguments(self) -> None:
        """issue refuses an empty kuid and a ttl that is not positive (already parsed)."""
        for kuid, ttl in (("", 1000), ("a", 0), ("a", -1), ("a", True)):
            self.assertRaises(ValueError, self.authority.issue, kuid, ttl)

    def test_constructor_checks(self) -> None:
        """Only HMAC algorithms, and a non-empty bytes secret."""
        for algorithm in ("RS256", "none", "ES256", "hs256"):
            self.assertRaises(ValueError, TokenAuthority, SECRET, self.clock, algorithm)
        self.assertRaises(ValueError, TokenAuthority, b"", self.clock)
        self.assertRaises(ValueError, TokenAuthority, "text", self.clock)

    def test_other_algorithms(self) -> None:
        """An HS512 authority issues HS512 tokens and refuses HS256 ones with the same key."""
        key = b"k" * 64
        hs512 = TokenAuthority(key, self.clock, "HS512")
        token = hs512.issue("alice", 1000)
        self.assertEqual(hs512.decode(token.jwt).kuid, "alice")
        hs256 = TokenAuthority(key, self.clock)
        error = self.assertRaises(KuzzleError, hs256.decode, token.jwt)
        self.assertEqual(error.id, "security.token.invalid")
        error = self.assertRaises(KuzzleError, hs512.decode, hs256.issue("a", 1000).jwt)
        self.assertEqual(error.id, "security.token.invalid")

    def test_api_key_prefix(self) -> None:
        """A kapikey- token is refused as an auth token, and read with its own prefix."""
        key = self.authority.issue("alice", None, prefix=APIKEY_PREFIX)
        self.assertTrue(key.jwt.startswith("kapikey-"))
        self.assertRefused(key.jwt)
        self.assertEqual(self.authority.decode(key.jwt, prefix=APIKEY_PREFIX).kuid, "alice")

    def test_new_secret(self) -> None:
        """32 random bytes by default."""
        self.assertEqual(len(new_secret()), 32)
        self.assertEqual(len(new_secret(64)), 64)
        self.assertNotEqual(new_secret(), new_secret())


class SdkDecodingTests(AuthorityTestCase):
    KUIDS = (
        "alice",
        "kuid-alice-1",
        ">",
        "?",
        "~",
        ">>>???~~~",
        "a>b?c~d\x7fe",
        'quote"back\\slash',
        "été 🚀 漢字",
        "\x00\x1f",
        string.printable,
    )

    def test_payload_uses_the_standard_alphabet(self) -> None:
        """
        For 2,000 tokens, the payload segment has no "-" or "_" and decodes with the
        standard alphabet to JSON with the right _id and an integer exp.
        """
        for n in range(2000):
            kuid = self.KUIDS[n % len(self.KUIDS)] + ("?" * (n % 7)) + str(n)
            token = self.authority.issue(kuid, 1 + n * 997)
            segment = token.jwt.split(".")[1]
            self.assertNotIn("-", segment, kuid)
            self.assertNotIn("_", segment, kuid)
            payload = sdk_decode(token.jwt)
            self.assertEqual(payload["_id"], kuid)
            self.assertIs(type(payload["exp"]), int)
            self.assertEqual(payload["exp"], jwt_exp(token.expires_at))
            self.assertEqual(self.authority.decode(token.jwt).kuid, kuid)
            self.clock.advance(0.0137)

    def test_plain_pyjwt_would_fail(self) -> None:
        """The guard is needed: PyJWT's own JSON gives "-"/"_" for such kuids."""
        plain = jwt.encode({"_id": ">>>"}, SECRET, algorithm="HS256").split(".")[1]
        self.assertTrue("-" in plain or "_" in plain)


class NegativeTests(AuthorityTestCase):
    """Every malformed or foreign token is refused with the exact error id."""

    def setUp(self) -> None:
        super().setUp()
        self.token = self.authority.issue("alice", 3_600_000).jwt
        self.header, self.payload, self.signature = self.token[len(AUTH_PREFIX) :].split(".")
        self.claims = {"_id": "alice", "iat": int(START), "exp": int(START) + 3600}

    def test_forged_signature(self) -> None:
        """A signature that is not ours, or a payload changed under our signature."""
        flipped = "A" if self.signature[0] != "A" else "B"
        self.assertRefused(
            f"{AUTH_PREFIX}{self.header}.{self.payload}.{flipped}{self.signature[1:]}"
        )
        other = b64json({"_id": "admin", "iat": int(START), "exp": int(START) + 3600})
        self.assertRefused(f"{AUTH_PREFIX}{self.header}.{other}.{self.signature}")

    def test_other_secret(self) -> None:
        """A well-formed token signed with another secret."""
        self.assertRefused(self.signed(self.claims, key=OTHER_SECRET))
        foreign = TokenAuthority(OTHER_SECRET, self.clock).issue("alice", 1000)
        self.assertRefused(foreign.jwt)

    def test_expired(self) -> None:
        """Past its exp on the injected clock."""
        self.assertRefused(
            self.signed({**self.claims, "exp": int(START)}), "security.token.expired"
        )
        self.clock.advance(3601)
        self.assertRefused(self.token, "security.token.expired")

    def test_truncated(self) -> None:
        """Cut anywhere: missing segments, or a shortened signature."""
        for cut in (self.token[:-1], self.token[:-5], self.token.rsplit(".", 1)[0]):
            self.assertRefused(cut)
        self.assertRefused(self.token.rsplit(".", 1)[0] + ".")
        self.assertRefused(AUTH_PREFIX)
        self.assertRefused("")

    def test_extra_segment(self) -> None:
        """Four segments (or a JWE-like five) are not a JWS."""
        self.assertRefused(self.token + "." + self.signature)
        self.assertRefused(self.token + ".")
        self.assertRefused(self.token + ".a.b")

    def test_garbage_base64(self) -> None:
        """Characters outside base64url, padding, impossible lengths, non-JSON segments."""
        for token in (
            "kauth-@@@.###.$$$",
            f"{AUTH_PREFIX}{self.header}.{self.payload}+/.{self.signature}",
            f"{AUTH_PREFIX}{self.header}=.{self.payload}.{self.signature}",
            f"{AUTH_PREFIX}{self.header}.{self.payload}.{self.signature}=",
            f"{AUTH_PREFIX}{self.header}.{self.payload}A.{self.signature}",
            f"{AUTH_PREFIX}{b64url(b'not json')}.{self.payload}.{self.signature}",
            f"{AUTH_PREFIX}{self.header}.{b64url(b'not json')}.{self.signature}",
            " " + self.token,
            self.token + " ",
            self.token + "\n",
            "kauth-a.b.c",
        ):
            self.assertRefused(token)

    def test_non_canonical_base64(self) -> None:
        """Another spelling of the same signature bytes is refused (tokens compare as strings)."""
        last = self.signature[-1]
        alphabet = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"
        index = alphabet.index(last)
        # HS256: 32 bytes = 42 full chars + one char carrying 2 bits and 4 zero bits.
        variant = alphabet[index + 1]
        self.assertEqual(
            base64.urlsafe_b64decode(self.signature + "="),
            base64.urlsafe_b64decode(self.signature[:-1] + variant + "="),
        )
        self.assertRefused(
            f"{AUTH_PREFIX}{self.header}.{self.payload}.{self.signature[:-1]}{variant}"
        )

    def test_alg_none(self) -> None:
        """An unsigned token, built by hand, with or without a signature segment."""
        for alg in ("none", "None", "NONE"):
            header = b64json({"alg": alg, "typ": "JWT"})
            payload = b64json(self.claims)
            self.assertRefused(f"{AUTH_PREFIX}{header}.{payload}.")
            self.assertRefused(f"{AUTH_PREFIX}{header}.{payload}.{self.signature}")
        unsigned = AUTH_PREFIX + jwt.encode(self.claims, "", algorithm="none")
        self.assertRefused(unsigned)

    def test_other_hmac_algorithms(self) -> None:
        """HS384/HS512 tokens signed with our very secret are refused by an HS256 authority."""
        key = SECRET * 2
        authority = TokenAuthority(key, self.clock)
        for algorithm in ("HS384", "HS512"):
            token = AUTH_PREFIX + jwt.encode(self.claims, key, algorithm=algorithm)
            error = self.assertRaises(KuzzleError, authority.decode, token)
            self.assertEqual(error.id, "security.token.invalid")

    def test_rs256_and_alg_confusion(self) -> None:
        """An RS256 token is refused; so is HS256 keyed with an RSA public key (alg confusion)."""
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.assertRefused(AUTH_PREFIX + jwt.encode(self.claims, private, algorithm="RS256"))
        public_pem = private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        forged = b64url(
            hmac.new(
                public_pem, f"{b64json({'alg': 'HS256', 'typ': 'JWT'})}.x".encode(), "sha256"
            ).digest()
        )
        header = b64json({"alg": "HS256", "typ": "JWT"})
        self.assertRefused(f"{AUTH_PREFIX}{header}.{b64json(self.claims)}.{forged}")
        # A hand-made RS256 header over our HMAC signature.
        rs_header = b64json({"alg": "RS256", "typ": "JWT"})
        self.assertRefused(f"{AUTH_PREFIX}{rs_header}.{self.payload}.{self.signature}")

    def test_payload_without_id(self) -> None:
        """Signed by us but with no usable _id."""
        for claims in (
            {"iat": int(START), "exp": int(START) + 60},
            {"_id": "", "exp": int(START) + 60},
            {"_id": None, "exp": int(START) + 60},
            {"_id": 42, "exp": int(START) + 60},
            {"_id": ["alice"], "exp": int(START) + 60},
        ):
            self.assertRefused(self.signed(claims))

    def test_bad_exp(self) -> None:
        """An exp that is not an integer number of seconds."""
        for exp in ("soon", 1.7e9 + 0.5, True, None, [1]):
            self.assertRefused(self.signed({"_id": "alice", "exp": exp}))

    def test_payload_not_an_object(self) -> None:
        """A signed payload that is JSON but not an object."""
        header = b64json({"alg": "HS256", "typ": "JWT"})
        for payload in ([1, 2], "alice", 42):
            body = b64json(payload)
            signature = b64url(hmac.new(SECRET, f"{header}.{body}".encode(), "sha256").digest())
            self.assertRefused(f"{AUTH_PREFIX}{header}.{body}.{signature}")

    def test_prefixes(self) -> None:
        """No prefix, another prefix, another case, or not a string at all."""
        raw = self.token[len(AUTH_PREFIX) :]
        for token in (
            raw,
            "kapikey-" + raw,
            "KAUTH-" + raw,
            "kauth" + raw,
            "Bearer " + self.token,
        ):
            self.assertRefused(token)
        for value in (None, 42, self.token.encode(), ["kauth-"]):
            self.assertRefused(value)

    def test_the_original_is_fine(self) -> None:
        """The unmodified token from setUp is accepted (the refusals above are real)."""
        self.assertEqual(self.authority.decode(self.token).kuid, "alice")
        self.assertEqual(self.authority.decode(self.signed(self.claims)).kuid, "alice")


class ExpiresInTests(SynchronousTestCase):
    GOOD: tuple[tuple[object, int | None], ...] = (
        (1000, 1000),
        (1, 1),
        (1500.7, 1500),
        ("1000", 1000),
        ("1", 1),
        ("1.5s", 1500),
        (".5h", 1_800_000),
        ("1h", 3_600_000),
        ("1H", 3_600_000),
        ("30m", 1_800_000),
        ("6d", 518_400_000),
        ("2w", 1_209_600_000),
        ("1y", 31_557_600_000),
        ("1 hour", 3_600_000),
        ("2  hours", 7_200_000),
        ("3 minutes", 180_000),
        ("10 secs", 10_000),
        ("10 ms", 10),
        ("5 msecs", 5),
        ("1 millisecond", 1),
        ("2 weeks", 1_209_600_000),
        ("1 yr", 31_557_600_000),
        (-1, None),
        (-1.0, None),
        ("-1", None),
        ("-1ms", None),
    )
    BAD: tuple[object, ...] = (
        0,
        0.4,
        "0",
        "0.5ms",
        -2,
        -1000,
        "-5s",
        "-1s",
        "",
        " ",
        "abc",
        "1h ",
        " 1h",
        "1h\n",
        "1hour2",
        "1 fortnight",
        "1.h",
        "١٢",
        "1" * 101,
        None,
        True,
        False,
        [],
        {},
        float("nan"),
        float("inf"),
        float("-inf"),
    )

    def test_good_values(self) -> None:
        """Numbers are ms; strings follow the ms package; -1 is infinite (None)."""
        for value, expected in self.GOOD:
            self.assertEqual(parse_expires_in(value), expected, repr(value))

    def test_bad_values(self) -> None:
        """Zero, other negatives and anything unparsable: api.assert.invalid_argument."""
        for value in self.BAD:
            error = self.assertRaises(KuzzleError, parse_expires_in, value)
            self.assertEqual(error.id, "api.assert.invalid_argument", repr(value))
            self.assertEqual(error.status, 400)
            self.assertEqual(error.props[0], "expiresIn")


class MaxTtlTests(SynchronousTestCase):
    def test_within_limits(self) -> None:
        """No maximum (-1) allows anything, infinite included; equal to the maximum is fine."""
        check_ttl(10**12, -1)
        check_ttl(None, -1)
        check_ttl(1000, 1000)
        check_ttl(1, 1000)

    def test_exceeded(self) -> None:
        """Above maxTTL, or infinite while a maximum is set: ttl_exceeded (400)."""
        for ttl, max_ttl in ((1001, 1000), (None, 1000), (1, 0), (None, 0)):
            error = self.assertRaises(KuzzleError, check_ttl, ttl, max_ttl)
            self.assertEqual(
                (error.id, error.code, error.status),
                ("security.token.ttl_exceeded", 117506052, 400),
            )


class IssuedTokenTests(SynchronousTestCase):
    def test_frozen_keyword_value(self) -> None:
        """IssuedToken is an immutable value built by keyword (persistence round-trips it)."""
        token = IssuedToken(jwt="kauth-x", kuid="a", expires_at=5, ttl=1)
        stored: dict[str, Any] = {"jwt": "kauth-x", "kuid": "a", "expires_at": 5, "ttl": 1}
        self.assertEqual(IssuedToken(**stored), token)
        self.assertRaises(AttributeError, setattr, token, "ttl", 2)
