"""CognitoJwtVerifier: every check, each failing with its own error class.

Tokens are signed here with keys made here, and the pool's JWKS is served by a
real loopback HTTP server, so the verifier runs its production fetch path
(except where a test swaps keys under the signature memo).
Time comes from an injected clock, never the wall clock.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import json
import secrets
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from jwt.algorithms import RSAAlgorithm

from protected_api import errors, jwks, verifier
from tests.support import clock, http_server

POOL_ID = "eu-west-1_TestPool1"
ISSUER = f"https://cognito-idp.eu-west-1.amazonaws.com/{POOL_ID}"
CLIENT = "client-a"
NOW = 1_800_000_000.0
LEEWAY = 5.0
_DELETE = object()  # a claim override that removes the claim


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64json(value: Any) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


@dataclasses.dataclass(frozen=True)
class Key:
    """An RSA key pair with a ``kid``, signing the way Cognito does."""

    private: rsa.RSAPrivateKey
    kid: str

    @classmethod
    def generate(cls) -> Key:
        return cls(
            rsa.generate_private_key(public_exponent=65537, key_size=2048), secrets.token_hex(8)
        )

    def jwk(self) -> dict[str, Any]:
        jwk: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(self.private.public_key()))
        jwk.update({"kid": self.kid, "alg": "RS256", "use": "sig"})
        return jwk

    def public_pem(self, fmt: serialization.PublicFormat) -> bytes:
        return self.private.public_key().public_bytes(serialization.Encoding.PEM, fmt)

    def sign_raw(self, header: dict[str, Any], payload: bytes) -> str:
        """RS256 over any header and payload bytes, bypassing PyJWT's own checks."""
        signing_input = f"{b64json(header)}.{b64url(payload)}"
        signature = self.private.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return f"{signing_input}.{b64url(signature)}"

    def sign(
        self,
        claims: dict[str, Any],
        *,
        headers: dict[str, Any] | None = None,
        algorithm: str = "RS256",
    ) -> str:
        return jwt.encode(
            claims, self.private, algorithm=algorithm, headers={"kid": self.kid, **(headers or {})}
        )


class JwksEndpoint:
    """Serves one JWKS document on 127.0.0.1 and counts the requests."""

    def __init__(self, *keys: Key) -> None:
        self.requests = 0
        self._body = json.dumps({"keys": [key.jwk() for key in keys]}).encode()
        self.server = http_server.LoopbackServer(self._answer, name="jwks")

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        self.requests += 1
        http_server.reply_json(handler, 200, self._body)

    @property
    def url(self) -> str:
        return f"{self.server.url}/.well-known/jwks.json"


@pytest.fixture(scope="module")
def pool_key() -> Key:
    return Key.generate()


@pytest.fixture(scope="module")
def attacker_key() -> Key:
    return Key.generate()


@pytest.fixture(scope="module")
def pool_jwks(pool_key: Key) -> Iterator[JwksEndpoint]:
    endpoint = JwksEndpoint(pool_key)
    with endpoint.server:
        yield endpoint


@pytest.fixture
def attacker_jwks(attacker_key: Key) -> Iterator[JwksEndpoint]:
    endpoint = JwksEndpoint(attacker_key)
    with endpoint.server:
        yield endpoint


@pytest.fixture
def fake_clock() -> clock.FakeClock:
    return clock.FakeClock(NOW)


def make_verifier(url: str, now: clock.FakeClock, **overrides: Any) -> verifier.CognitoJwtVerifier:
    options: dict[str, Any] = {"client_ids": [CLIENT], "token_use": "access"}
    options.update(overrides)
    return verifier.CognitoJwtVerifier.create(
        issuer=ISSUER, jwks_url=url, leeway_seconds=LEEWAY, now=now, **options
    )


@pytest.fixture
def check(pool_jwks: JwksEndpoint, fake_clock: clock.FakeClock) -> verifier.CognitoJwtVerifier:
    """The API's configuration: access tokens of :data:`CLIENT`."""
    return make_verifier(pool_jwks.url, fake_clock)


# Claims only one kind of Cognito token carries (the rest are in _claims).
_ONLY_IN: dict[str, dict[str, Any]] = {
    "access": {
        "client_id": CLIENT,
        "origin_jti": "b3f6e2a4-1111-4111-8111-111111111111",
        "event_id": "c4a7f3b5-2222-4222-8222-222222222222",
        "scope": "openid email aws.cognito.signin.user.admin",
        "jti": "d5b8a4c6-3333-4333-8333-333333333333",
        "username": "alice",
        "cognito:groups": ["Admin"],
        "version": 2,
    },
    "id": {"aud": CLIENT, "cognito:username": "alice", "email": "alice@example.com"},
}


def _claims(token_use: str, overrides: dict[str, Any]) -> dict[str, Any]:
    """A Cognito token's claims, valid at :data:`NOW`; ``_DELETE`` removes one."""
    claims: dict[str, Any] = {
        "sub": "6f1c2d3e-0000-4000-8000-000000000001",
        "iss": ISSUER,
        "token_use": token_use,
        "auth_time": int(NOW) - 60,
        "iat": int(NOW) - 60,
        "exp": int(NOW) + 3540,
        **_ONLY_IN[token_use],
    }
    return _apply(claims, overrides)


def access_claims(**overrides: Any) -> dict[str, Any]:
    return _claims("access", overrides)


def id_claims(**overrides: Any) -> dict[str, Any]:
    return _claims("id", overrides)


def _apply(claims: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    for name, value in overrides.items():
        name = name.replace("cognito_groups", "cognito:groups")
        if value is _DELETE:
            claims.pop(name, None)
        else:
            claims[name] = value
    return claims


def rejects(check: verifier.CognitoJwtVerifier, token: str, error: type[Exception]) -> Exception:
    """Assert ``verify`` raises exactly ``error`` (not a sibling) and leaks no token."""
    with pytest.raises(Exception) as caught:  # noqa: PT011 - the class is checked exactly below
        check.verify(token)
    assert caught.type is error, f"expected {error.__name__}, got {caught.type.__name__}"
    if len(token) >= 16:  # short junk may legitimately appear in any sentence
        assert token not in str(caught.value)
    return caught.value


# -- the happy path -------------------------------------------------------------------


def test_a_valid_access_token_returns_its_claims(
    check: verifier.CognitoJwtVerifier, pool_key: Key
) -> None:
    claims = access_claims()
    assert check.verify(pool_key.sign(claims)) == claims
    assert check.jwks_cache.fetches == 1


def test_the_verifier_fetches_nothing_until_the_first_token(
    pool_jwks: JwksEndpoint, fake_clock: clock.FakeClock
) -> None:
    before = pool_jwks.requests
    built = make_verifier(pool_jwks.url, fake_clock)
    assert built.jwks_cache.fetches == 0
    assert pool_jwks.requests == before


# -- size and shape -------------------------------------------------------------------


def test_an_oversized_token_is_rejected_before_parsing_or_fetching(
    check: verifier.CognitoJwtVerifier, pool_key: Key
) -> None:
    padded = pool_key.sign(access_claims(padding="x" * verifier.MAX_TOKEN_CHARS))
    rejects(check, padded, errors.JwtTooLargeError)
    rejects(check, "a" * (verifier.MAX_TOKEN_CHARS + 1), errors.JwtTooLargeError)
    # At the cap it is a shape problem, not a size one: the boundary is exact.
    rejects(check, "a" * verifier.MAX_TOKEN_CHARS, errors.JwtParseError)
    assert check.jwks_cache.fetches == 0
    assert check.ready_for("a" * (verifier.MAX_TOKEN_CHARS + 1))  # no fetch for it either


def test_an_absurd_token_costs_a_length_check_and_nothing_else(
    check: verifier.CognitoJwtVerifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    def never(*_: Any) -> Any:
        raise AssertionError("decoded or hashed a token over the size limit")

    monkeypatch.setattr(verifier, "_b64decode", never)
    monkeypatch.setattr(check._memo, "get", never)
    absurd = f"{b64json({'alg': 'RS256'})}.{'A' * 10_000_000}.c2ln"
    rejects(check, absurd, errors.JwtTooLargeError)
    assert check.ready_for(absurd)


def _quota_claims(character: str) -> dict[str, Any]:
    """An access token's claims at Cognito's quotas: 100 groups and a username of 128
    UTF-16 units of ``character`` (distinct names: a 3-digit suffix), 50 scopes of 256."""
    count = 128 // (len(character.encode("utf-16-le")) // 2)
    groups = [character * (count - 3) + f"{i:03d}" for i in range(100)]
    scope = " ".join(f"https://api.example/{i:02d}/".ljust(256, "s") for i in range(50))
    return access_claims(cognito_groups=groups, username=character * count, scope=scope)


@pytest.mark.parametrize(
    ("character", "ensure_ascii", "least"),
    [
        pytest.param("g", True, 35_000, id="ascii"),
        pytest.param("\u7fa4", True, 115_000, id="cjk-as-escapes"),
        pytest.param("\u7fa4", False, 65_000, id="cjk-as-utf8"),
        pytest.param("\U0001f600", True, 110_000, id="emoji-as-escapes"),
    ],
)
def test_a_token_at_cognitos_quotas_verifies(
    check: verifier.CognitoJwtVerifier,
    pool_key: Key,
    character: str,
    ensure_ascii: bool,
    least: int,
) -> None:
    """The largest tokens Cognito's quotas allow verify; the worst (every character a
    6-byte escape) is just under the limit. The old 8 KiB limit refused them all."""
    claims = _quota_claims(character)
    payload = json.dumps(claims, ensure_ascii=ensure_ascii, separators=(",", ":")).encode()
    token = pool_key.sign_raw({"alg": "RS256", "kid": pool_key.kid}, payload)
    assert least < len(token) <= verifier.MAX_TOKEN_CHARS
    assert check.verify(token) == claims
    assert verifier.groups_of(claims) == tuple(claims["cognito:groups"])


def test_a_non_string_token_is_rejected(check: verifier.CognitoJwtVerifier, pool_key: Key) -> None:
    with pytest.raises(errors.JwtInvalidError):
        check.verify(pool_key.sign(access_claims()).encode())  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "token",
    [
        pytest.param("", id="empty"),
        pytest.param("abc", id="one-part"),
        pytest.param("a.b", id="two-parts"),
        pytest.param("a.b.c.d.e", id="five-parts-jwe"),
        pytest.param("eyJhbGciOiJSUzI1NiJ9.e30.c2ln=", id="base64-padding"),
        pytest.param("eyJhbGciOiJSUzI1NiJ9.e30+.c2ln", id="standard-base64-alphabet"),
        pytest.param("eyJhbGciOiJSUzI1NiJ9..c2ln", id="empty-payload"),
        pytest.param(f"{b64url(b'not json')}.e30.c2ln", id="header-not-json"),
        pytest.param(f"{b64json([1, 2])}.e30.c2ln", id="header-json-array"),
        pytest.param(f"{b64url(bytes([0xFF, 0xFE]))}.e30.c2ln", id="header-not-utf8"),
    ],
)
def test_anything_but_a_compact_jws_is_a_parse_error(
    check: verifier.CognitoJwtVerifier, token: str
) -> None:
    rejects(check, token, errors.JwtParseError)
    assert check.jwks_cache.fetches == 0


def test_whitespace_around_a_valid_token_is_not_trimmed(
    check: verifier.CognitoJwtVerifier, pool_key: Key
) -> None:
    token = pool_key.sign(access_claims())
    rejects(check, f" {token}", errors.JwtParseError)
    rejects(check, f"{token}\n", errors.JwtParseError)


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(b"not json", id="not-json"),
        pytest.param(b"[1, 2]", id="json-array"),
        pytest.param(b'"claims"', id="json-string"),
    ],
)
def test_a_correctly_signed_payload_that_is_not_a_json_object_is_a_parse_error(
    check: verifier.CognitoJwtVerifier, pool_key: Key, payload: bytes
) -> None:
    token = pool_key.sign_raw({"alg": "RS256", "kid": pool_key.kid}, payload)
    rejects(check, token, errors.JwtParseError)


def _with_raw_header(key: Key, header: bytes, payload: bytes) -> str:
    """RS256 over header and payload bytes exactly as given (a BOM, a duplicate name)."""
    signing_input = f"{b64url(header)}.{b64url(payload)}"
    signature = key.private.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{b64url(signature)}"


def _payload_with(extra: str, *, prefix: bytes = b"") -> bytes:
    """Good claims, with ``extra`` (raw JSON text) added as the last members."""
    text = json.dumps(access_claims())
    return prefix + (text[:-1] + ", " + extra + "}").encode()


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(_payload_with('"x": NaN'), id="nan"),
        pytest.param(_payload_with('"x": Infinity'), id="infinity"),
        pytest.param(_payload_with('"x": [-Infinity]'), id="minus-infinity"),
        pytest.param(_payload_with('"version": 2', prefix=b"\xef\xbb\xbf"), id="bom"),
        pytest.param(_payload_with('"sub": "someone-else"'), id="duplicate-sub"),
        pytest.param(_payload_with('"cognito:groups": ["Admin"]'), id="duplicate-groups"),
        pytest.param(_payload_with('"x": {"a": 1, "a": 2}'), id="duplicate-nested"),
        pytest.param(_payload_with('"x": "\\ud800"'), id="lone-surrogate"),
        pytest.param(json.dumps(access_claims()).encode("utf-16"), id="utf-16"),
    ],
)
def test_a_signed_payload_that_is_not_strict_json_is_refused(
    check: verifier.CognitoJwtVerifier, pool_key: Key, payload: bytes
) -> None:
    """Python's json would read each of these (keeping the last of two names): two
    readers of one signed payload must not see two different sets of claims."""
    token = pool_key.sign_raw({"alg": "RS256", "kid": pool_key.kid}, payload)
    assert "strict JSON" in str(rejects(check, token, errors.JwtParseError))


@pytest.mark.parametrize(
    "header",
    [
        pytest.param(b'{"alg": "none", "kid": "%s", "alg": "RS256"}', id="duplicate-alg"),
        pytest.param(b'\xef\xbb\xbf{"alg": "RS256", "kid": "%s"}', id="bom"),
        pytest.param(b'{"alg": "RS256", "kid": "%s", "x": NaN}', id="nan"),
        pytest.param(b'{"alg": "RS256", "kid": "%s", "x": -Infinity}', id="minus-infinity"),
    ],
)
def test_a_header_that_is_not_strict_json_is_refused_without_fetching_keys(
    check: verifier.CognitoJwtVerifier, pool_key: Key, header: bytes
) -> None:
    payload = json.dumps(access_claims()).encode()
    token = _with_raw_header(pool_key, header % pool_key.kid.encode(), payload)
    assert "strict JSON" in str(rejects(check, token, errors.JwtParseError))
    assert check.ready_for(token)
    assert check.jwks_cache.fetches == 0


# -- algorithm and key selection ------------------------------------------------------


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "nOnE"])
def test_alg_none_is_rejected_without_fetching_keys(
    check: verifier.CognitoJwtVerifier, pool_key: Key, alg: str
) -> None:
    unsigned = f"{b64json({'alg': alg, 'kid': pool_key.kid})}.{b64json(access_claims())}"
    # With no signature part it is not even a compact JWS ...
    rejects(check, f"{unsigned}.", errors.JwtParseError)
    # ... and with any signature part the algorithm itself is refused.
    rejects(check, f"{unsigned}.{b64url(b'sig')}", errors.JwtInvalidSignatureAlgorithmError)
    assert check.jwks_cache.fetches == 0


@pytest.mark.parametrize(
    "fmt",
    [serialization.PublicFormat.SubjectPublicKeyInfo, serialization.PublicFormat.PKCS1],
    ids=["spki-pem", "pkcs1-pem"],
)
def test_hs256_signed_with_the_public_key_pem_is_rejected(
    check: verifier.CognitoJwtVerifier, pool_key: Key, fmt: serialization.PublicFormat
) -> None:
    """The classic key-confusion attack: the public key used as an HMAC secret."""
    signing_input = f"{b64json({'alg': 'HS256', 'kid': pool_key.kid, 'typ': 'JWT'})}"
    signing_input += f".{b64json(access_claims())}"
    mac = hmac.new(pool_key.public_pem(fmt), signing_input.encode(), hashlib.sha256).digest()
    rejects(check, f"{signing_input}.{b64url(mac)}", errors.JwtInvalidSignatureAlgorithmError)
    assert check.jwks_cache.fetches == 0


@pytest.mark.parametrize("alg", ["RS384", "RS512", "PS256"])
def test_other_rsa_algorithms_with_the_pool_key_are_rejected(
    check: verifier.CognitoJwtVerifier, pool_key: Key, alg: str
) -> None:
    rejects(
        check,
        pool_key.sign(access_claims(), algorithm=alg),
        errors.JwtInvalidSignatureAlgorithmError,
    )


def test_es256_is_rejected(check: verifier.CognitoJwtVerifier, pool_key: Key) -> None:
    ec_key = ec.generate_private_key(ec.SECP256R1())
    token = jwt.encode(access_claims(), ec_key, algorithm="ES256", headers={"kid": pool_key.kid})
    rejects(check, token, errors.JwtInvalidSignatureAlgorithmError)


def test_a_header_without_alg_is_rejected(
    check: verifier.CognitoJwtVerifier, pool_key: Key
) -> None:
    token = f"{b64json({'kid': pool_key.kid})}.{b64json(access_claims())}.{b64url(b'sig')}"
    rejects(check, token, errors.JwtInvalidSignatureAlgorithmError)


@pytest.mark.parametrize("kid", [_DELETE, None, 123, ["k"], {"kid": "k"}], ids=repr)
def test_a_missing_or_non_string_kid_is_a_parse_error(
    check: verifier.CognitoJwtVerifier, pool_key: Key, kid: Any
) -> None:
    header = {"alg": "RS256", "typ": "JWT"}
    if kid is not _DELETE:
        header["kid"] = kid
    token = pool_key.sign_raw(header, json.dumps(access_claims()).encode())
    rejects(check, token, errors.JwtParseError)
    assert check.jwks_cache.fetches == 0


def test_an_unknown_kid_is_rejected(
    check: verifier.CognitoJwtVerifier, pool_key: Key, attacker_key: Key
) -> None:
    rejects(check, attacker_key.sign(access_claims()), errors.KidNotFoundInJwksError)


def test_a_token_signed_by_another_key_under_the_pool_kid_fails_the_signature(
    check: verifier.CognitoJwtVerifier, pool_key: Key, attacker_key: Key
) -> None:
    forged = attacker_key.sign(access_claims(), headers={"kid": pool_key.kid})
    rejects(check, forged, errors.JwtInvalidSignatureError)


def test_a_tampered_token_fails_the_signature(
    check: verifier.CognitoJwtVerifier, pool_key: Key
) -> None:
    token = pool_key.sign(access_claims(cognito_groups=["Users"]))
    header, payload, signature = token.split(".")
    assert check.verify(token)["cognito:groups"] == ["Users"]

    elevated = b64json(access_claims(cognito_groups=["Admin"]))
    rejects(check, f"{header}.{elevated}.{signature}", errors.JwtInvalidSignatureError)

    retyped = b64json({**jwt.get_unverified_header(token), "typ": "at+jwt"})
    rejects(check, f"{retyped}.{payload}.{signature}", errors.JwtInvalidSignatureError)

    raw = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
    raw[-1] ^= 0x01
    rejects(check, f"{header}.{payload}.{b64url(bytes(raw))}", errors.JwtInvalidSignatureError)

    spliced = pool_key.sign(access_claims(username="mallory")).split(".")[2]
    rejects(check, f"{header}.{payload}.{spliced}", errors.JwtInvalidSignatureError)


def test_jku_x5u_and_jwk_headers_are_never_followed(
    pool_jwks: JwksEndpoint,
    attacker_jwks: JwksEndpoint,
    fake_clock: clock.FakeClock,
    pool_key: Key,
    attacker_key: Key,
) -> None:
    check = make_verifier(pool_jwks.url, fake_clock)
    pointers = {
        "jku": attacker_jwks.url,
        "x5u": attacker_jwks.url,
        "jwk": attacker_key.jwk(),
    }
    # Signed by the pool: accepted, and the key still came from the pool's JWKS.
    claims = access_claims()
    assert check.verify(pool_key.sign(claims, headers=pointers)) == claims
    # Signed by the attacker with their own key embedded: no key in the pool's JWKS.
    own = attacker_key.sign(access_claims(), headers=pointers)
    rejects(check, own, errors.KidNotFoundInJwksError)
    # ... and borrowing the pool's kid does not help.
    borrowed = attacker_key.sign(access_claims(), headers={**pointers, "kid": pool_key.kid})
    rejects(check, borrowed, errors.JwtInvalidSignatureError)
    assert attacker_jwks.requests == 0


# -- claims ---------------------------------------------------------------------------


@pytest.mark.parametrize("claim", ["exp", "iat", "iss", "sub", "token_use"])
def test_each_required_claim_is_required(
    check: verifier.CognitoJwtVerifier, pool_key: Key, claim: str
) -> None:
    rejects(check, pool_key.sign(access_claims(**{claim: _DELETE})), errors.JwtMissingClaimError)


@pytest.mark.parametrize(
    "issuer",
    [
        pytest.param(f"{ISSUER}/", id="trailing-slash"),
        pytest.param(ISSUER.replace("https://", "http://"), id="http"),
        pytest.param(ISSUER.replace("cognito-idp", "COGNITO-IDP"), id="host-case"),
        pytest.param(ISSUER.replace("TestPool1", "TestPool2"), id="other-pool"),
        pytest.param(ISSUER.replace("eu-west-1.", "us-east-1."), id="other-region"),
        pytest.param(ISSUER.replace("//cognito-idp.", "//issuer-cognito-idp."), id="updated"),
        pytest.param(f"{ISSUER} ", id="trailing-space"),
        pytest.param(f"{ISSUER}/.well-known/openid-configuration", id="discovery-url"),
        pytest.param("", id="empty"),
        pytest.param([ISSUER], id="list"),
        pytest.param(None, id="null"),
    ],
)
def test_the_issuer_must_match_exactly(
    check: verifier.CognitoJwtVerifier, pool_key: Key, issuer: Any
) -> None:
    # sign_raw: PyJWT itself refuses to encode a non-string iss.
    token = pool_key.sign_raw(
        {"alg": "RS256", "kid": pool_key.kid}, json.dumps(access_claims(iss=issuer)).encode()
    )
    rejects(check, token, errors.JwtInvalidIssuerError)


def test_expiry_honours_the_leeway_and_nothing_more(
    check: verifier.CognitoJwtVerifier, pool_key: Key
) -> None:
    inside = access_claims(exp=int(NOW - LEEWAY) + 1, iat=int(NOW) - 3600)
    assert check.verify(pool_key.sign(inside)) == inside
    at_the_edge = access_claims(exp=int(NOW - LEEWAY), iat=int(NOW) - 3600)
    rejects(check, pool_key.sign(at_the_edge), errors.JwtExpiredError)
    long_gone = access_claims(exp=int(NOW) - 3600, iat=int(NOW) - 7200)
    rejects(check, pool_key.sign(long_gone), errors.JwtExpiredError)


def test_expiry_uses_the_injected_clock(
    check: verifier.CognitoJwtVerifier, pool_key: Key, fake_clock: clock.FakeClock
) -> None:
    token = pool_key.sign(access_claims())
    check.verify(token)
    fake_clock.advance(3540 + LEEWAY)
    rejects(check, token, errors.JwtExpiredError)


def test_with_no_leeway_a_token_expires_at_exp(
    pool_jwks: JwksEndpoint, fake_clock: clock.FakeClock, pool_key: Key
) -> None:
    strict = verifier.CognitoJwtVerifier.create(
        issuer=ISSUER,
        client_ids=[CLIENT],
        token_use="access",
        jwks_url=pool_jwks.url,
        leeway_seconds=0,
        now=fake_clock,
    )
    strict.verify(pool_key.sign(access_claims(exp=int(NOW) + 1)))
    rejects(strict, pool_key.sign(access_claims(exp=int(NOW))), errors.JwtExpiredError)


@pytest.mark.parametrize("claim", ["iat", "nbf"])
def test_iat_and_nbf_in_the_future_beyond_the_leeway_are_rejected(
    check: verifier.CognitoJwtVerifier, pool_key: Key, claim: str
) -> None:
    within = access_claims(**{claim: int(NOW + LEEWAY)})
    assert check.verify(pool_key.sign(within)) == within
    beyond = access_claims(**{claim: int(NOW + LEEWAY) + 1})
    rejects(check, pool_key.sign(beyond), errors.JwtNotBeforeError)


def test_a_past_nbf_is_fine(check: verifier.CognitoJwtVerifier, pool_key: Key) -> None:
    claims = access_claims(nbf=int(NOW) - 60)
    assert check.verify(pool_key.sign(claims)) == claims


@pytest.mark.parametrize(
    ("claim", "value"),
    [
        ("exp", True),
        ("exp", "1900000000"),
        ("exp", None),
        ("exp", [1900000000]),
        ("exp", {"$date": 1900000000}),
        ("iat", False),
        ("iat", "0"),
        ("nbf", True),
        ("nbf", "0"),
    ],
    ids=repr,
)
def test_time_claims_must_be_numbers_not_bools_or_strings(
    check: verifier.CognitoJwtVerifier, pool_key: Key, claim: str, value: Any
) -> None:
    rejects(check, pool_key.sign(access_claims(**{claim: value})), errors.JwtParseError)


@pytest.mark.parametrize(
    ("claim", "value"),
    [
        ("sub", 1),
        ("sub", None),
        ("sub", ["6f1c2d3e"]),
        ("token_use", ["access"]),
        ("jti", 5),
        ("client_id", [CLIENT]),
        ("client_id", None),
        ("username", 7),
        ("username", {"name": "alice"}),
        ("scope", ["openid", "email"]),
        ("scope", None),
        ("cognito_groups", "Admin"),
        ("cognito_groups", "Users Admin"),
        ("cognito_groups", [["Admin"]]),
        ("cognito_groups", ["Admin", 1]),
        ("cognito_groups", ["Admin", None]),
        ("cognito_groups", {"0": "Admin"}),
        ("cognito_groups", None),
        ("auth_time", "1800000000"),
        ("auth_time", True),
        ("auth_time", None),
    ],
    ids=repr,
)
def test_a_claim_of_the_wrong_type_is_refused(
    check: verifier.CognitoJwtVerifier, pool_key: Key, claim: str, value: Any
) -> None:
    token = pool_key.sign_raw(
        {"alg": "RS256", "kid": pool_key.kid},
        json.dumps(access_claims(**{claim: value})).encode(),
    )
    error = rejects(check, token, errors.JwtParseError)
    assert str(error).startswith(f"claim {claim.replace('cognito_groups', 'cognito:groups')} ")


def test_a_time_that_overflows_to_infinity_is_refused(
    check: verifier.CognitoJwtVerifier, pool_key: Key
) -> None:
    """``1e400`` is strict JSON, but Python reads it as infinity: an ``exp`` never past."""
    text = json.dumps(access_claims(exp=0)).replace('"exp": 0', '"exp": 1e400')
    token = pool_key.sign_raw({"alg": "RS256", "kid": pool_key.kid}, text.encode())
    assert str(rejects(check, token, errors.JwtParseError)) == "claim exp must be a number"


def test_optional_claims_may_be_absent(check: verifier.CognitoJwtVerifier, pool_key: Key) -> None:
    optional = ("jti", "client_id", "username", "scope", "cognito_groups", "auth_time")
    check_without_client = dataclasses.replace(check, client_ids=None)
    claims = access_claims(**dict.fromkeys(optional, _DELETE))
    assert check_without_client.verify(pool_key.sign(claims)) == claims


@pytest.mark.parametrize("claim", ["exp", "iat", "nbf"])
def test_a_nan_time_claim_is_rejected(
    check: verifier.CognitoJwtVerifier, pool_key: Key, claim: str
) -> None:
    """Python's json accepts ``NaN``; every comparison with it is False, so a NaN
    ``exp`` would never expire unless it is refused outright."""
    token = pool_key.sign(access_claims(**{claim: float("nan")}))
    with pytest.raises(errors.JwtInvalidError):
        check.verify(token)


def test_an_id_token_is_not_an_access_token(
    check: verifier.CognitoJwtVerifier, pool_key: Key
) -> None:
    rejects(check, pool_key.sign(id_claims()), errors.JwtInvalidTokenUseError)
    # Even one that also carries the access token's client_id claim.
    rejects(check, pool_key.sign(id_claims(client_id=CLIENT)), errors.JwtInvalidTokenUseError)
    for other in ("refresh", "Access", "access ", ""):
        rejects(
            check, pool_key.sign(access_claims(token_use=other)), errors.JwtInvalidTokenUseError
        )


def test_an_access_token_is_not_an_id_token(
    pool_jwks: JwksEndpoint, fake_clock: clock.FakeClock, pool_key: Key
) -> None:
    ids = make_verifier(pool_jwks.url, fake_clock, token_use="id")
    claims = id_claims()
    assert ids.verify(pool_key.sign(claims)) == claims
    rejects(ids, pool_key.sign(access_claims()), errors.JwtInvalidTokenUseError)


@pytest.mark.parametrize(
    "client_id",
    [
        pytest.param("client-b", id="other-client"),
        pytest.param("CLIENT-A", id="case"),
        pytest.param("client-a ", id="trailing-space"),
        pytest.param(_DELETE, id="missing"),
        # A list or null is a malformed token: test_a_claim_of_the_wrong_type_is_refused.
    ],
)
def test_the_client_id_must_be_an_accepted_one(
    check: verifier.CognitoJwtVerifier, pool_key: Key, client_id: Any
) -> None:
    token = pool_key.sign(access_claims(client_id=client_id))
    rejects(check, token, errors.JwtInvalidClientIdError)


def test_an_access_token_aud_does_not_stand_in_for_client_id(
    check: verifier.CognitoJwtVerifier, pool_key: Key
) -> None:
    token = pool_key.sign(access_claims(client_id=_DELETE, aud=CLIENT))
    rejects(check, token, errors.JwtInvalidClientIdError)


def test_any_of_several_clients_is_accepted(
    pool_jwks: JwksEndpoint, fake_clock: clock.FakeClock, pool_key: Key
) -> None:
    both = make_verifier(pool_jwks.url, fake_clock, client_ids=[CLIENT, "client-b"])
    for client in (CLIENT, "client-b"):
        both.verify(pool_key.sign(access_claims(client_id=client)))
    rejects(
        both, pool_key.sign(access_claims(client_id="client-c")), errors.JwtInvalidClientIdError
    )


@pytest.mark.parametrize(
    "aud",
    [
        pytest.param("client-b", id="other-client"),
        pytest.param(_DELETE, id="missing"),
        pytest.param([CLIENT], id="list"),
        pytest.param([CLIENT, "client-b"], id="list-of-two"),
    ],
)
def test_an_id_token_is_checked_by_aud(
    pool_jwks: JwksEndpoint, fake_clock: clock.FakeClock, pool_key: Key, aud: Any
) -> None:
    ids = make_verifier(pool_jwks.url, fake_clock, token_use="id")
    # A matching client_id claim does not replace aud on an ID token.
    token = pool_key.sign(id_claims(aud=aud, client_id=CLIENT))
    rejects(ids, token, errors.JwtInvalidClientIdError)


def test_disabled_checks_are_disabled_only_when_asked(
    pool_jwks: JwksEndpoint, fake_clock: clock.FakeClock, pool_key: Key
) -> None:
    any_use = make_verifier(pool_jwks.url, fake_clock, token_use=None)
    any_use.verify(pool_key.sign(access_claims()))
    any_use.verify(pool_key.sign(id_claims()))
    rejects(any_use, pool_key.sign(id_claims(aud="client-b")), errors.JwtInvalidClientIdError)

    any_client = make_verifier(pool_jwks.url, fake_clock, client_ids=None)
    any_client.verify(pool_key.sign(access_claims(client_id="client-z")))
    rejects(any_client, pool_key.sign(id_claims()), errors.JwtInvalidTokenUseError)


@pytest.mark.parametrize(
    ("scope", "accepted"),
    [
        ("openid items/read", True),
        ("items/write", True),
        ("items/read items/write", True),
        ("openid email", False),
        ("items/readwrite", False),
        ("items/rea", False),
        ("ITEMS/READ", False),
        ("", False),
        (_DELETE, False),
        # A list is a malformed token: test_a_claim_of_the_wrong_type_is_refused.
    ],
    ids=repr,
)
def test_any_one_required_scope_is_enough(
    pool_jwks: JwksEndpoint,
    fake_clock: clock.FakeClock,
    pool_key: Key,
    scope: Any,
    accepted: bool,
) -> None:
    scoped = make_verifier(pool_jwks.url, fake_clock, scopes=["items/read", "items/write"])
    token = pool_key.sign(access_claims(scope=scope))
    if accepted:
        assert scoped.verify(token)["scope"] == scope
    else:
        rejects(scoped, token, errors.JwtInvalidScopeError)


@pytest.mark.parametrize(
    ("groups", "accepted"),
    [
        (["Admin"], True),
        (["Users", "Admin"], True),
        (["admins"], False),
        (["xAdmin"], False),
        (["Adminx"], False),
        (["admin"], False),
        (["Admin "], False),
        (["Users,Admin"], False),
        ([], False),
        (_DELETE, False),
        # Anything but a list of strings is a malformed token, not a forbidden one:
        # test_a_claim_of_the_wrong_type_is_refused.
    ],
    ids=repr,
)
def test_groups_match_exactly_as_list_elements(
    pool_jwks: JwksEndpoint,
    fake_clock: clock.FakeClock,
    pool_key: Key,
    groups: Any,
    accepted: bool,
) -> None:
    admins = make_verifier(pool_jwks.url, fake_clock, groups=["Admin"])
    token = pool_key.sign(access_claims(cognito_groups=groups))
    if accepted:
        assert admins.verify(token)["cognito:groups"] == groups
    else:
        rejects(admins, token, errors.JwtInvalidGroupError)


def test_groups_of_reads_only_a_list_of_strings() -> None:
    assert verifier.groups_of({"cognito:groups": ["Admin", "Users"]}) == ("Admin", "Users")
    assert verifier.groups_of({"cognito:groups": "Admin"}) == ()
    assert verifier.groups_of({"cognito:groups": ["Admin", 1]}) == ()
    assert verifier.groups_of({}) == ()


def test_a_forbidden_token_is_a_forbidden_error_not_an_invalid_one(
    pool_jwks: JwksEndpoint, fake_clock: clock.FakeClock, pool_key: Key
) -> None:
    admins = make_verifier(pool_jwks.url, fake_clock, groups=["Admin"])
    with pytest.raises(errors.JwtForbiddenError) as caught:
        admins.verify(pool_key.sign(access_claims(cognito_groups=["Users"])))
    assert not isinstance(caught.value, errors.JwtInvalidError)


# -- building a verifier: fail closed -------------------------------------------------


def test_create_requires_client_ids_and_token_use_as_keywords() -> None:
    create: Any = verifier.CognitoJwtVerifier.create
    with pytest.raises(TypeError, match="client_ids"):
        create(issuer=ISSUER, token_use="access")
    with pytest.raises(TypeError, match="token_use"):
        create(issuer=ISSUER, client_ids=[CLIENT])
    with pytest.raises(TypeError):
        create(POOL_ID, None, ISSUER, [CLIENT], "access")


def test_create_derives_the_issuer_and_jwks_url_from_the_pool_id() -> None:
    built = verifier.CognitoJwtVerifier.create(
        user_pool_id=POOL_ID, client_ids=[CLIENT], token_use="access"
    )
    assert built.issuer == ISSUER
    assert built.jwks_cache.url == f"{ISSUER}/.well-known/jwks.json"
    assert built.client_ids == frozenset({CLIENT})
    assert built.token_use == "access"
    assert built.scopes is None and built.groups is None
    same = verifier.CognitoJwtVerifier.create(
        user_pool_id=POOL_ID, region="eu-west-1", issuer=ISSUER, client_ids=[CLIENT], token_use="id"
    )
    assert same.issuer == ISSUER


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"user_pool_id": POOL_ID, "region": "us-east-1"}, "does not match"),
        ({"user_pool_id": POOL_ID, "issuer": f"{ISSUER}/"}, "does not match"),
        ({"user_pool_id": POOL_ID, "issuer": ISSUER.replace("TestPool1", "X")}, "does not match"),
        ({"user_pool_id": "TestPool1"}, "not a Cognito user pool id"),
        ({"user_pool_id": "eu-west-1"}, "not a Cognito user pool id"),
        ({"user_pool_id": "eu-west-1_Pool/../x"}, "not a Cognito user pool id"),
        ({}, "user_pool_id"),
        ({"issuer": ""}, "user_pool_id"),
        ({"issuer": ISSUER, "client_ids": []}, "client_ids"),
        ({"issuer": ISSUER, "leeway_seconds": -1}, "leeway"),
        ({"issuer": ISSUER, "leeway_seconds": 301}, "leeway"),
    ],
    ids=repr,
)
def test_create_refuses_an_inconsistent_configuration(
    options: dict[str, Any], message: str
) -> None:
    arguments: dict[str, Any] = {"client_ids": [CLIENT], "token_use": "access", **options}
    with pytest.raises(ValueError, match=message):
        verifier.CognitoJwtVerifier.create(**arguments)


@pytest.mark.parametrize(
    ("pool_id", "issuer"),
    [
        ("us-east-1_AbC123", "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123"),
        (
            "us-gov-west-1_AbC123",
            "https://cognito-idp.us-gov-west-1.amazonaws.com/us-gov-west-1_AbC123",
        ),
        (
            "ap-southeast-2_Z9",
            "https://cognito-idp.ap-southeast-2.amazonaws.com/ap-southeast-2_Z9",
        ),
    ],
)
def test_issuer_for_takes_the_region_from_the_pool_id(pool_id: str, issuer: str) -> None:
    assert verifier.issuer_for(pool_id) == issuer
    assert verifier.issuer_for(pool_id, pool_id.split("_")[0]) == issuer
    with pytest.raises(ValueError, match="does not match"):
        verifier.issuer_for(pool_id, "eu-central-1")


UPDATED_ISSUER = f"https://issuer-cognito-idp.eu-west-1.amazonaws.com/{POOL_ID}"


def test_issuer_for_knows_both_formats() -> None:
    assert verifier.issuer_for(POOL_ID, issuer_format="updated") == UPDATED_ISSUER
    assert verifier.issuer_for(POOL_ID, "eu-west-1", "classic") == ISSUER
    assert verifier.issuers_for(POOL_ID) == (ISSUER, UPDATED_ISSUER)
    with pytest.raises(ValueError, match="does not match"):
        verifier.issuers_for(POOL_ID, "us-east-1")


def test_create_takes_the_pools_updated_issuer(pool_jwks: JwksEndpoint) -> None:
    built = verifier.CognitoJwtVerifier.create(
        user_pool_id=POOL_ID, issuer=UPDATED_ISSUER, client_ids=[CLIENT], token_use="access"
    )
    assert built.issuer == UPDATED_ISSUER
    assert built.jwks_cache.url == f"{UPDATED_ISSUER}/.well-known/jwks.json"
    with pytest.raises(ValueError, match="does not match"):
        verifier.CognitoJwtVerifier.create(
            user_pool_id=POOL_ID,
            issuer=UPDATED_ISSUER.replace("TestPool1", "TestPool2"),
            client_ids=[CLIENT],
            token_use="access",
        )


def test_a_verifier_for_the_updated_issuer_takes_only_its_tokens(
    pool_jwks: JwksEndpoint, fake_clock: clock.FakeClock, pool_key: Key
) -> None:
    check = verifier.CognitoJwtVerifier.create(
        issuer=UPDATED_ISSUER,
        jwks_url=pool_jwks.url,
        client_ids=[CLIENT],
        token_use="access",
        now=fake_clock,
    )
    claims = access_claims(iss=UPDATED_ISSUER)
    assert check.verify(pool_key.sign(claims)) == claims
    rejects(check, pool_key.sign(access_claims()), errors.JwtInvalidIssuerError)


def test_a_shared_jwks_cache_is_used_as_given(pool_jwks: JwksEndpoint) -> None:
    cache = jwks.JwksCache(pool_jwks.url)
    built = verifier.CognitoJwtVerifier.create(
        issuer=ISSUER, client_ids=[CLIENT], token_use="access", jwks_cache=cache
    )
    assert built.jwks_cache is cache


# -- the signature memo: one RSA check per token, every claim check every time --------


class SwappableKeys:
    """A JWKS cache stand-in whose keys a test swaps; counts the lookups a signature
    check makes (a remembered token makes none)."""

    def __init__(self, key: Key) -> None:
        self.keys = {key.kid: key.private.public_key()}
        self.lookups = 0

    def get_key(self, kid: str) -> rsa.RSAPublicKey:
        self.lookups += 1
        if kid not in self.keys:
            raise errors.KidNotFoundInJwksError("kid not in JWKS")
        return self.keys[kid]

    def peek(self, kid: str) -> rsa.RSAPublicKey | None:
        return self.keys.get(kid)


def remembering(
    keys: SwappableKeys, now: clock.FakeClock, memo_size: int = 16
) -> verifier.CognitoJwtVerifier:
    return verifier.CognitoJwtVerifier(
        issuer=ISSUER,
        client_ids=frozenset({CLIENT}),
        token_use="access",
        jwks_cache=keys,  # type: ignore[arg-type]
        now=now,
        leeway_seconds=LEEWAY,
        memo_size=memo_size,
    )


@pytest.fixture
def keys(pool_key: Key) -> SwappableKeys:
    return SwappableKeys(pool_key)


@pytest.mark.parametrize(("memo_size", "lookups"), [(16, 1), (0, 3)])
def test_a_reused_token_costs_one_signature_check_unless_the_memo_is_off(
    keys: SwappableKeys, fake_clock: clock.FakeClock, pool_key: Key, memo_size: int, lookups: int
) -> None:
    check = remembering(keys, fake_clock, memo_size)
    token = pool_key.sign(access_claims())
    for _ in range(3):
        assert check.verify(token) == access_claims()
    assert keys.lookups == lookups
    assert check.ready_for(token)


def test_a_remembered_token_still_has_its_claims_checked(
    keys: SwappableKeys, fake_clock: clock.FakeClock, pool_key: Key
) -> None:
    check = remembering(keys, fake_clock)
    token = pool_key.sign(access_claims())
    check.verify(token)
    fake_clock.advance(3540 + LEEWAY)
    rejects(check, token, errors.JwtExpiredError)


def test_a_key_rotated_out_ends_the_memo_at_once(
    keys: SwappableKeys, fake_clock: clock.FakeClock, pool_key: Key, attacker_key: Key
) -> None:
    check = remembering(keys, fake_clock)
    token = pool_key.sign(access_claims())
    check.verify(token)
    keys.keys[pool_key.kid] = attacker_key.private.public_key()  # same kid, another key
    rejects(check, token, errors.JwtInvalidSignatureError)
    del keys.keys[pool_key.kid]
    rejects(check, token, errors.KidNotFoundInJwksError)


def test_callers_cannot_poison_the_memo(
    keys: SwappableKeys, fake_clock: clock.FakeClock, pool_key: Key
) -> None:
    check = remembering(keys, fake_clock)
    token = pool_key.sign(access_claims(cognito_groups=["Users"]))
    check.verify(token)["cognito:groups"] = ["Admin"]
    assert check.verify(token)["cognito:groups"] == ["Users"]


def test_only_tokens_with_a_good_signature_are_remembered(
    keys: SwappableKeys, fake_clock: clock.FakeClock, pool_key: Key, attacker_key: Key
) -> None:
    check = remembering(keys, fake_clock)
    wrong_client = pool_key.sign(access_claims(client_id="client-b"))
    forged = attacker_key.sign(access_claims(), headers={"kid": pool_key.kid})
    for _ in range(2):
        rejects(check, wrong_client, errors.JwtInvalidClientIdError)
        rejects(check, forged, errors.JwtInvalidSignatureError)
    # The wrong client's signature is good (remembered after one check); the forgery's is not.
    assert keys.lookups == 3
