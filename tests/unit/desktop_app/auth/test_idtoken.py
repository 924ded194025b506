"""ID token validation (OIDC Core 3.1.3.7 + Cognito) with tokens signed here."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import urllib.parse
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from desktop_app import config, errors
from desktop_app.auth import discovery, http, idtoken, pkce
from local_cognito import server as cognito_server
from tests.support import clock, scripted_browser
from tests.unit.desktop_app.auth.canned_server import CannedServer, Reply

ISSUER = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Example"
CLIENT = "client-1"
NONCE = "n-0S6_WzA2Mj"
NOW = 1_700_000_000.0


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


@pytest.fixture(scope="module")
def keys() -> dict[str, rsa.RSAPrivateKey]:
    """k1: the pool's key; k2: a key the pool rotates in; evil: an attacker's."""
    return {
        name: rsa.generate_private_key(public_exponent=65537, key_size=2048)
        for name in ("k1", "k2", "evil")
    }


def jwk(key: rsa.RSAPrivateKey, kid: str, **extra: Any) -> dict[str, Any]:
    entry: dict[str, Any] = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    return {**entry, "kid": kid, "alg": "RS256", "use": "sig", **extra}


class JwksHost:
    """A JWKS served over loopback HTTP; ``entries`` may change while it runs."""

    def __init__(self, server: CannedServer, entries: list[Any]) -> None:
        self.server = server
        self.entries = entries
        server.reply = lambda path: Reply(body=json.dumps({"keys": self.entries}).encode())

    @property
    def url(self) -> str:
        return f"{self.server.url}/pool/.well-known/jwks.json"


@pytest.fixture
def jwks_host(keys: dict[str, rsa.RSAPrivateKey]) -> Iterator[JwksHost]:
    with CannedServer() as server:
        yield JwksHost(server, [jwk(keys["k1"], "k1")])


@pytest.fixture
def monotonic() -> clock.FakeClock:
    return clock.FakeClock(start=1000.0)


@pytest.fixture
def jwks(jwks_host: JwksHost, session: http.Http, monotonic: clock.FakeClock) -> idtoken.JwksClient:
    return idtoken.JwksClient(jwks_host.url, session, monotonic=monotonic)


@pytest.fixture
def validator(jwks: idtoken.JwksClient) -> idtoken.IdTokenValidator:
    return idtoken.IdTokenValidator(issuer=ISSUER, client_id=CLIENT, jwks=jwks, now=lambda: NOW)


def claims(**changes: Any) -> dict[str, Any]:
    """A Cognito-shaped ID token payload; ``...`` removes a claim."""
    payload: dict[str, Any] = {
        "sub": "5f1a7d2e-0000-4000-8000-000000000001",
        "aud": CLIENT,
        "cognito:groups": ["Admin"],
        "email_verified": True,
        "token_use": "id",
        "auth_time": int(NOW),
        "iss": ISSUER,
        "cognito:username": "alice",
        "exp": int(NOW) + 3600,
        "iat": int(NOW),
        "nonce": NONCE,
        "email": "alice@example.com",
    }
    payload.update(changes)
    return {k: v for k, v in payload.items() if v is not ...}


def sign(
    keys: dict[str, rsa.RSAPrivateKey],
    payload: dict[str, Any] | None = None,
    /,
    *,
    key: str = "k1",
    algorithm: str = "RS256",
    **headers: Any,
) -> str:
    headers.setdefault("kid", key)
    return jwt.encode(
        claims() if payload is None else payload,
        keys[key],
        algorithm=algorithm,
        headers={k: v for k, v in headers.items() if v is not ...},
    )


def unsigned(header: dict[str, Any], payload: dict[str, Any], signature: bytes = b"") -> str:
    parts = [json.dumps(header).encode(), json.dumps(payload).encode()]
    return ".".join([*(b64(p) for p in parts), b64(signature)])


def refuse(validator: idtoken.IdTokenValidator, token: str, reason: str) -> None:
    with pytest.raises(errors.IdTokenError, match=reason) as caught:
        validator.validate(token, nonce=NONCE)
    # Exactly IdTokenError, or its one subclass for a key the set does not hold (which
    # the session tells apart: a key rotated in moments ago is worth a later retry).
    assert type(caught.value) in (errors.IdTokenError, errors.UnknownSigningKey)
    message = str(caught.value)
    assert token not in message and NONCE not in message
    assert all(len(part) < 20 or part not in message for part in token.split("."))


# -- the good path --------------------------------------------------------------------


def test_a_good_token_validates(
    validator: idtoken.IdTokenValidator, keys: dict[str, rsa.RSAPrivateKey]
) -> None:
    assert validator.validate(sign(keys), nonce=NONCE) == claims()


@pytest.mark.parametrize(
    "changes",
    [
        {"exp": int(NOW) - 59},  # expired, but within the 60 s leeway
        {"iat": int(NOW) + 59},  # clock skew the other way
        {"aud": [CLIENT], "azp": CLIENT},
        {"azp": CLIENT},
        {"nbf": int(NOW) + 30},
        {"exp": NOW + 0.5, "iat": NOW - 0.5},  # NumericDate may be fractional
    ],
)
def test_edge_cases_that_are_valid(
    validator: idtoken.IdTokenValidator, keys: dict[str, rsa.RSAPrivateKey], changes: Any
) -> None:
    assert validator.validate(sign(keys, claims(**changes)), nonce=NONCE)["sub"]


# -- every claim check fails on its own -----------------------------------------------


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"iss": ISSUER + "/"}, "another issuer"),
        ({"iss": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other"}, "another issuer"),
        ({"iss": ...}, "another issuer"),
        ({"aud": "client-2"}, "another client"),
        ({"aud": ...}, "another client"),
        ({"aud": [CLIENT]}, "another client"),  # a list needs azp
        ({"aud": [CLIENT, "other"]}, "another client"),
        ({"aud": [CLIENT, "other"], "azp": "other"}, "another client"),
        ({"aud": [CLIENT, "other"], "azp": CLIENT}, "untrusted audiences"),  # 3.1.3.7 item 3
        ({"aud": ["other"], "azp": CLIENT}, "another client"),
        ({"azp": "other"}, "issued to another client"),
        ({"aud": None}, "another client"),
        ({"token_use": "access"}, "not an ID token"),
        ({"token_use": ...}, "not an ID token"),
        ({"exp": int(NOW) - 60}, "expired"),
        ({"exp": int(NOW) - 3600}, "expired"),
        ({"exp": ...}, "no valid exp"),
        ({"exp": str(int(NOW) + 3600)}, "no valid exp"),
        ({"exp": True}, "no valid exp"),
        ({"exp": float("inf")}, "not strict JSON"),  # json.dumps writes Infinity
        ({"iat": int(NOW) + 61}, "issued in the future"),
        ({"iat": ...}, "no valid iat"),
        ({"iat": None}, "no valid iat"),
        ({"nbf": int(NOW) + 61}, "not valid yet"),
        ({"nbf": "soon"}, "no valid nbf"),
        ({"nonce": ...}, "nonce does not match"),
        ({"nonce": NONCE + "x"}, "nonce does not match"),
        ({"nonce": NONCE[:-1]}, "nonce does not match"),
        ({"nonce": "é" + NONCE}, "nonce does not match"),
        ({"nonce": 12345}, "nonce does not match"),
        ({"nonce": ""}, "nonce does not match"),
        ({"sub": ...}, "no subject"),
        ({"sub": ""}, "no subject"),
        ({"sub": 42}, "no subject"),
    ],
)
def test_each_claim_check_refuses(
    validator: idtoken.IdTokenValidator,
    keys: dict[str, rsa.RSAPrivateKey],
    changes: dict[str, Any],
    reason: str,
) -> None:
    refuse(validator, sign(keys, claims(**changes)), reason)


def test_the_nonce_is_compared_with_the_one_this_sign_in_sent(
    validator: idtoken.IdTokenValidator, keys: dict[str, rsa.RSAPrivateKey]
) -> None:
    token = sign(keys)
    with pytest.raises(errors.IdTokenError, match="nonce does not match"):
        validator.validate(token, nonce=pkce.new_nonce())
    with pytest.raises(ValueError, match="nonce"):
        validator.validate(token, nonce="")


@pytest.mark.parametrize("nonce", [NONCE, "another", ...])
def test_a_refreshed_id_token_skips_only_the_nonce_check(
    validator: idtoken.IdTokenValidator, keys: dict[str, rsa.RSAPrivateKey], nonce: Any
) -> None:
    # OIDC Core 12.2: the refresh grant sends no nonce; a refreshed token may echo
    # the original sign-in's (the stand-in does) or carry none.
    token = sign(keys, claims(nonce=nonce))
    assert validator.validate(token, nonce=None)["sub"]
    with pytest.raises(errors.IdTokenError, match="expired"):
        validator.validate(sign(keys, claims(nonce=nonce, exp=int(NOW) - 61)), nonce=None)
    with pytest.raises(errors.IdTokenError, match="another client"):
        validator.validate(sign(keys, claims(nonce=nonce, aud="x")), nonce=None)


def test_leeway_is_configurable(
    jwks: idtoken.JwksClient, keys: dict[str, rsa.RSAPrivateKey]
) -> None:
    strict = idtoken.IdTokenValidator(
        issuer=ISSUER, client_id=CLIENT, jwks=jwks, leeway=0, now=lambda: NOW
    )
    refuse(strict, sign(keys, claims(exp=int(NOW))), "expired")
    refuse(strict, sign(keys, claims(iat=int(NOW) + 1)), "issued in the future")
    with pytest.raises(ValueError, match="leeway"):
        idtoken.IdTokenValidator(issuer=ISSUER, client_id=CLIENT, jwks=jwks, leeway=301)
    with pytest.raises(ValueError, match="required"):
        idtoken.IdTokenValidator(issuer="", client_id=CLIENT, jwks=jwks)


# -- algorithm, key and signature -----------------------------------------------------


def test_alg_none_is_refused(validator: idtoken.IdTokenValidator) -> None:
    refuse(validator, unsigned({"alg": "none", "kid": "k1"}, claims()), "not signed with RS256")
    refuse(validator, unsigned({"alg": "None", "kid": "k1"}, claims()), "not signed with RS256")


def test_hs256_with_the_public_key_as_secret_is_refused(
    validator: idtoken.IdTokenValidator, keys: dict[str, rsa.RSAPrivateKey]
) -> None:
    # The classic confusion attack: HMAC keyed with the (public) RSA key.
    secret = (
        keys["k1"]
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    header, payload = {"alg": "HS256", "typ": "JWT", "kid": "k1"}, claims()
    head = ".".join(b64(json.dumps(p).encode()) for p in (header, payload))
    mac = hmac.new(secret, head.encode(), hashlib.sha256).digest()
    refuse(validator, f"{head}.{b64(mac)}", "not signed with RS256")


@pytest.mark.parametrize("algorithm", ["RS512", "PS256", "RS384"])
def test_other_rsa_algorithms_are_refused(
    validator: idtoken.IdTokenValidator, keys: dict[str, rsa.RSAPrivateKey], algorithm: str
) -> None:
    refuse(validator, sign(keys, algorithm=algorithm), "not signed with RS256")


def test_an_es256_token_is_refused(validator: idtoken.IdTokenValidator) -> None:
    token = jwt.encode(
        claims(), ec.generate_private_key(ec.SECP256R1()), algorithm="ES256", headers={"kid": "k1"}
    )
    refuse(validator, token, "not signed with RS256")


@pytest.mark.parametrize("kid", ["", 7, None])
def test_a_token_whose_kid_is_not_a_string_is_refused(
    validator: idtoken.IdTokenValidator, keys: dict[str, rsa.RSAPrivateKey], kid: Any
) -> None:
    token = unsigned({"alg": "RS256", "kid": kid}, claims())
    refuse(validator, token, "no key id|not a signed JWT")


def test_a_token_without_kid_uses_the_only_key(
    validator: idtoken.IdTokenValidator,
    jwks_host: JwksHost,
    keys: dict[str, rsa.RSAPrivateKey],
    session: http.Http,
) -> None:
    """OIDF rp-id_token-kid-absent-single-jwks: accepted; a forged one still is not."""
    assert validator.validate(sign(keys, kid=...), nonce=NONCE)["sub"]
    refuse(validator, sign(keys, key="evil", kid=...), "signature does not verify")
    jwks_host.entries = [{k: v for k, v in jwk(keys["k1"], "x").items() if k != "kid"}]
    fresh = idtoken.JwksClient(jwks_host.url, session)
    checker = idtoken.IdTokenValidator(issuer=ISSUER, client_id=CLIENT, jwks=fresh, now=lambda: NOW)
    assert checker.validate(sign(keys, kid=...), nonce=NONCE)["sub"]  # a JWK without kid too


def test_a_token_without_kid_is_refused_when_the_pool_has_several_keys(
    validator: idtoken.IdTokenValidator,
    jwks_host: JwksHost,
    keys: dict[str, rsa.RSAPrivateKey],
) -> None:
    """OIDF rp-id_token-kid-absent-multiple-jwks: refused (the test allows either)."""
    jwks_host.entries.append(jwk(keys["k2"], "k2"))
    refuse(validator, sign(keys, kid=...), "names no signing key")
    assert validator.validate(sign(keys), nonce=NONCE)["sub"]  # with its kid it is fine


def test_crit_headers_are_refused(
    validator: idtoken.IdTokenValidator, keys: dict[str, rsa.RSAPrivateKey]
) -> None:
    # PyJWT (2.10+) refuses unknown crit extensions while parsing; the validator's own
    # check covers older versions. Either way the token is refused.
    refuse(validator, sign(keys, crit=["exp"]), r"critical header|not a signed JWT")


def test_an_unknown_kid_is_refused(
    validator: idtoken.IdTokenValidator, keys: dict[str, rsa.RSAPrivateKey]
) -> None:
    refuse(validator, sign(keys, key="k2"), "unknown key")


@pytest.mark.parametrize("header", ["jku", "x5u"])
def test_keys_are_never_taken_from_a_url_in_the_token(
    validator: idtoken.IdTokenValidator, keys: dict[str, rsa.RSAPrivateKey], header: str
) -> None:
    with CannedServer() as attacker:
        JwksHost(attacker, [jwk(keys["evil"], "evil")])
        token = sign(keys, key="evil", **{header: f"{attacker.url}/pool/.well-known/jwks.json"})
        refuse(validator, token, "unknown key")
        assert attacker.hits == 0


def test_keys_are_never_taken_from_a_jwk_in_the_token(
    validator: idtoken.IdTokenValidator, keys: dict[str, rsa.RSAPrivateKey]
) -> None:
    token = sign(keys, key="evil", kid="k1", jwk=jwk(keys["evil"], "k1"))
    refuse(validator, token, "signature does not verify")


def test_a_token_signed_by_another_key_is_refused(
    validator: idtoken.IdTokenValidator, keys: dict[str, rsa.RSAPrivateKey]
) -> None:
    refuse(validator, sign(keys, key="evil", kid="k1"), "signature does not verify")


def test_a_tampered_payload_is_refused(
    validator: idtoken.IdTokenValidator, keys: dict[str, rsa.RSAPrivateKey]
) -> None:
    head, _, signature = sign(keys).split(".")
    forged = b64(json.dumps(claims(**{"cognito:groups": ["Admin", "Root"]})).encode())
    refuse(validator, f"{head}.{forged}.{signature}", "signature does not verify")


@pytest.mark.parametrize(
    "token",
    [
        "",
        "abc",
        "a.b",
        "a.b.c",
        "a.b.c.d",
        "!!!.???.***",
        "x" * (idtoken.MAX_TOKEN_CHARS + 1),
        None,
        b"a.b.c",
    ],
)
def test_malformed_tokens_are_refused(validator: idtoken.IdTokenValidator, token: Any) -> None:
    with pytest.raises(errors.IdTokenError, match=r"not a signed JWT|missing or too large"):
        validator.validate(token, nonce=NONCE)


def test_a_payload_that_is_not_an_object_is_refused(
    validator: idtoken.IdTokenValidator, keys: dict[str, rsa.RSAPrivateKey]
) -> None:
    token = jwt.PyJWS().encode(b"[1, 2]", keys["k1"], algorithm="RS256", headers={"kid": "k1"})
    refuse(validator, token, "payload is not a JSON object")


def signed_bytes(keys: dict[str, rsa.RSAPrivateKey], payload: bytes, header: bytes) -> str:
    """A token with exactly these header and payload bytes, signed RS256 with k1."""
    head = f"{b64(header)}.{b64(payload)}"
    signature = keys["k1"].sign(head.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{head}.{b64(signature)}"


GOOD_HEADER = b'{"alg":"RS256","kid":"k1"}'


def with_extra(raw: str) -> bytes:
    """The good claims' JSON with ``raw`` (a member or more, as text) added at the end."""
    return json.dumps(claims()).encode()[:-1] + b"," + raw.encode()


def test_the_raw_payload_helper_makes_a_valid_token(
    validator: idtoken.IdTokenValidator, keys: dict[str, rsa.RSAPrivateKey]
) -> None:
    token = signed_bytes(keys, with_extra('"custom:x":"1"}'), GOOD_HEADER)
    assert validator.validate(token, nonce=NONCE)["custom:x"] == "1"


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (with_extra('"custom:score":NaN}'), "NaN or Infinity"),
        (with_extra('"custom:score":Infinity}'), "NaN or Infinity"),
        (with_extra('"custom:scores":[1,-Infinity]}'), "NaN or Infinity"),
        (b"\xef\xbb\xbf" + json.dumps(claims()).encode(), "byte-order mark"),
        (json.dumps(claims()).encode("utf-16"), "not UTF-8"),
        # RFC 7519 4: rejected, not "the last one wins" (which would make this Mallory).
        (with_extra('"sub":"mallory"}'), "appears twice"),
        (with_extra('"nonce":"' + NONCE + '"}'), "appears twice"),  # even the same value
        (with_extra('"address":{"country":"NZ","country":"AU"}}'), "appears twice"),
        (with_extra('"name":"\\ud800"}'), "lone surrogate"),
    ],
    ids=[
        "NaN",
        "Infinity",
        "-Infinity nested",
        "byte-order mark",
        "utf-16",
        "duplicate sub",
        "duplicate nonce",
        "duplicate nested name",
        "lone surrogate",
    ],
)
def test_a_payload_that_is_not_strict_json_is_refused(
    validator: idtoken.IdTokenValidator,
    keys: dict[str, rsa.RSAPrivateKey],
    payload: bytes,
    reason: str,
) -> None:
    token = signed_bytes(keys, payload, GOOD_HEADER)  # the signature is good
    refuse(validator, token, f"payload is not strict JSON \\(.*{reason}")


@pytest.mark.parametrize(
    "header",
    [
        b'{"alg":"none","alg":"RS256","kid":"k1"}',
        b'{"alg":"RS256","kid":"k2","kid":"k1"}',
        b"\xef\xbb\xbf" + GOOD_HEADER,
        b'{"alg":"RS256","kid":"k1","x":NaN}',
    ],
    ids=["duplicate alg", "duplicate kid", "byte-order mark", "NaN"],
)
def test_a_header_that_is_not_strict_json_is_refused(
    validator: idtoken.IdTokenValidator, keys: dict[str, rsa.RSAPrivateKey], header: bytes
) -> None:
    """RFC 7515 4: duplicate header names are rejected (PyJWT alone keeps the last)."""
    refuse(validator, signed_bytes(keys, json.dumps(claims()).encode(), header), "not a signed JWT")


def test_a_number_too_big_for_a_float_is_no_valid_time(
    validator: idtoken.IdTokenValidator, keys: dict[str, rsa.RSAPrivateKey]
) -> None:
    payload = json.dumps(claims(exp=...)).encode()[:-1] + b',"exp":1e400}'  # reads as inf
    refuse(validator, signed_bytes(keys, payload, GOOD_HEADER), "no valid exp")


STANDARD_ATTRIBUTES = (
    "address",
    "birthdate",
    "email",
    "family_name",
    "gender",
    "given_name",
    "locale",
    "middle_name",
    "name",
    "nickname",
    "phone_number",
    "picture",
    "preferred_username",
    "profile",
    "website",
    "zoneinfo",
)


def at_cognitos_quotas(character: str) -> dict[str, Any]:
    """Claims of a user at every Cognito quota that grows an ID token: in 100 groups
    named with 128 characters, 50 custom attributes (20-character names) of 2,048
    characters, every standard attribute at 2,048, a 128-character username."""
    return claims(
        **{
            "cognito:groups": [f"{i:03d}" + character * 125 for i in range(100)],
            "cognito:username": "u" * 128,
            **{f"custom:attribute_{i:010d}": character * 2048 for i in range(50)},
            **dict.fromkeys(STANDARD_ATTRIBUTES, "s" * 2048),
        }
    )


@pytest.mark.parametrize("character", ["a", "日"], ids=["ascii", "3-byte utf-8"])
def test_a_token_at_cognitos_quotas_validates(
    validator: idtoken.IdTokenValidator, keys: dict[str, rsa.RSAPrivateKey], character: str
) -> None:
    payload = at_cognitos_quotas(character)
    assert len(payload["custom:attribute_0000000000"]) == 2048
    assert all(len(group) == 128 for group in payload["cognito:groups"])
    assert all(len(name) == len("custom:") + 20 for name in payload if name.startswith("custom:"))
    # Raw UTF-8, as MAX_TOKEN_CHARS's arithmetic assumes (\u escapes take 6 bytes each).
    raw = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    token = signed_bytes(keys, raw, b'{"kid":"k1","alg":"RS256"}')
    assert len(token) > 64 * 1024  # the limit before Cognito's quotas were counted
    assert validator.validate(token, nonce=NONCE) == payload


# -- the JWKS client -----------------------------------------------------------------


def test_jwks_is_fetched_lazily_and_once(
    jwks_host: JwksHost, jwks: idtoken.JwksClient, keys: dict[str, rsa.RSAPrivateKey]
) -> None:
    assert jwks_host.server.hits == 0
    for _ in range(5):
        assert jwks.key("k1").public_numbers() == keys["k1"].public_key().public_numbers()
    assert jwks_host.server.paths == ["/pool/.well-known/jwks.json"]


def test_unknown_kid_refetches_at_most_once_per_interval(
    jwks_host: JwksHost,
    jwks: idtoken.JwksClient,
    monotonic: clock.FakeClock,
    keys: dict[str, rsa.RSAPrivateKey],
) -> None:
    jwks.key("k1")  # a routine fetch that found its kid: no wait starts
    with pytest.raises(errors.UnknownSigningKey) as caught:
        jwks.key("forged")  # one refetch, which lacks it: now the wait starts
    assert not caught.value.retry_later
    assert jwks_host.server.hits == 2
    for _ in range(20):  # within the wait a flood of forged kids costs nothing
        with pytest.raises(errors.UnknownSigningKey) as caught:
            jwks.key("forged")
        assert caught.value.retry_later
    assert jwks_host.server.hits == 2
    monotonic.advance(10.0)  # the interval has passed: one refetch
    for _ in range(20):
        with pytest.raises(errors.IdTokenError, match="unknown key"):
            jwks.key("forged")
    assert jwks_host.server.hits == 3
    # The pool rotates a key in; the next refetch after the interval finds it.
    jwks_host.entries.append(jwk(keys["k2"], "k2"))
    monotonic.advance(9.9)
    with pytest.raises(errors.IdTokenError, match="unknown key"):
        jwks.key("k2")
    assert jwks_host.server.hits == 3
    monotonic.advance(0.1)
    assert jwks.key("k2").public_numbers() == keys["k2"].public_key().public_numbers()
    assert jwks.key("k1")  # cached kids keep working throughout
    assert jwks_host.server.hits == 4


def test_a_key_published_just_after_a_routine_fetch_costs_one_more_fetch(
    jwks_host: JwksHost,
    jwks: idtoken.JwksClient,
    monotonic: clock.FakeClock,
    keys: dict[str, rsa.RSAPrivateKey],
    validator: idtoken.IdTokenValidator,
) -> None:
    """aws-jwt-verify's penalty box: only a fetch that missed (or failed) makes the next
    one wait, so a key that appears a second after the fetch made during sign-in (while
    the person was still in the browser) is found at once."""
    assert validator.validate(sign(keys), nonce=NONCE)["sub"]  # fetches the set: k1
    assert jwks_host.server.hits == 1
    jwks_host.entries.append(jwk(keys["k2"], "k2"))
    monotonic.advance(1.0)
    assert validator.validate(sign(keys, key="k2"), nonce=NONCE)["sub"]
    assert jwks_host.server.hits == 2
    assert jwks.key("k1") and jwks.key("k2")  # both cached now
    assert jwks_host.server.hits == 2


def test_a_flood_of_unknown_kids_costs_one_fetch_per_interval(
    jwks_host: JwksHost, jwks: idtoken.JwksClient, monotonic: clock.FakeClock
) -> None:
    jwks.key("k1")
    assert jwks_host.server.hits == 1
    step = 1 / 128  # exact in binary: 1,000 kids in 7.8125 s
    refusals: list[bool] = []
    for index in range(1000):
        with pytest.raises(errors.UnknownSigningKey) as caught:
            jwks.key(f"forged-{index}")
        refusals.append(caught.value.retry_later)
        monotonic.advance(step)
    # The first miss asked (and found nothing); the other 999 were refused without asking.
    assert jwks_host.server.hits == 2
    assert refusals[0] is False and all(refusals[1:])
    monotonic.advance(10 - 1000 * step - step)  # just short of 10 s after the miss
    with pytest.raises(errors.UnknownSigningKey):
        jwks.key("forged-late")
    assert jwks_host.server.hits == 2
    monotonic.advance(step)  # 10 s after the miss: one more fetch, then the wait again
    for index in range(100):
        with pytest.raises(errors.UnknownSigningKey) as caught:
            jwks.key(f"forged-again-{index}")
        assert caught.value.retry_later is (index > 0)
    assert jwks_host.server.hits == 3
    assert jwks.key("k1")  # the real key never stopped working


def test_a_bad_key_set_starts_the_wait_too(
    jwks_host: JwksHost, jwks: idtoken.JwksClient, monotonic: clock.FakeClock
) -> None:
    good = jwks_host.server.reply
    jwks_host.server.reply = Reply(body=b'{"keys": "none"}')
    with pytest.raises(errors.IdTokenError, match="no 'keys' list"):
        jwks.key("k1")
    jwks_host.server.reply = good
    with pytest.raises(errors.NetworkError, match="try again shortly"):
        jwks.key("k1")
    assert jwks_host.server.hits == 1
    monotonic.advance(10)
    assert jwks.key("k1")
    assert jwks_host.server.hits == 2


def test_a_failed_fetch_is_a_network_error_and_is_rate_limited(
    jwks_host: JwksHost, jwks: idtoken.JwksClient, monotonic: clock.FakeClock
) -> None:
    jwks_host.server.reply = Reply(status=503)
    with pytest.raises(errors.NetworkError, match="HTTP 503"):
        jwks.key("k1")
    with pytest.raises(errors.NetworkError, match="try again shortly"):
        jwks.key("k1")
    assert jwks_host.server.hits == 1
    JwksHost(jwks_host.server, jwks_host.entries)  # healthy again
    monotonic.advance(10)
    assert jwks.key("k1")
    assert jwks_host.server.hits == 2


def test_a_bad_jwks_body_is_an_id_token_error(
    jwks_host: JwksHost, jwks: idtoken.JwksClient
) -> None:
    jwks_host.server.reply = Reply(body=b'{"keys": "none"}')
    with pytest.raises(errors.IdTokenError, match="no 'keys' list"):
        jwks.key("k1")


def test_only_usable_rs256_signing_keys_are_kept(
    jwks_host: JwksHost, jwks: idtoken.JwksClient, keys: dict[str, rsa.RSAPrivateKey]
) -> None:
    # S505: the point is that a JWKS offering a breakable key has it ignored.
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505
    ec_key = ECAlgorithm.to_jwk(ec.generate_private_key(ec.SECP256R1()).public_key(), as_dict=True)
    jwks_host.entries = [
        jwk(small, "small"),
        jwk(keys["k1"], "enc", use="enc"),
        jwk(keys["k1"], "rs512", alg="RS512"),
        {**ec_key, "kid": "ec"},
        {k: v for k, v in jwk(keys["k1"], "nokid").items() if k != "kid"},
        {"kty": "RSA", "kid": "broken", "n": "!!", "e": "AQAB"},
        "not an object",
        jwk(keys["k2"], "good"),
    ]
    assert jwks.key("good")
    for kid in ("small", "enc", "rs512", "ec", "broken"):
        with pytest.raises(errors.IdTokenError, match="unknown key"):
            jwks.key(kid)


def _race(count: int, target: Any) -> list[Any]:
    results: list[Any] = []
    start = threading.Barrier(count)

    def run() -> None:
        start.wait()
        try:
            results.append(target())
        except errors.CognitoDesktopError as exc:
            results.append(exc)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    return results


def test_concurrent_first_use_makes_one_fetch(
    jwks_host: JwksHost, jwks: idtoken.JwksClient
) -> None:
    body = json.dumps({"keys": jwks_host.entries}).encode()
    jwks_host.server.reply = Reply(body=body, delay=0.2)
    results = _race(20, lambda: jwks.key("k1"))
    assert len(results) == 20 and all(isinstance(r, rsa.RSAPublicKey) for r in results)
    assert jwks_host.server.hits == 1


def test_concurrent_callers_share_the_refetch_that_finds_a_new_key(
    jwks_host: JwksHost,
    jwks: idtoken.JwksClient,
    monotonic: clock.FakeClock,
    keys: dict[str, rsa.RSAPrivateKey],
) -> None:
    jwks.key("k1")
    jwks_host.entries.append(jwk(keys["k2"], "k2"))
    body = json.dumps({"keys": jwks_host.entries}).encode()
    jwks_host.server.reply = Reply(body=body, delay=0.2)
    monotonic.advance(1.0)
    results = _race(20, lambda: jwks.key("k2"))
    assert len(results) == 20 and all(isinstance(r, rsa.RSAPublicKey) for r in results)
    assert jwks_host.server.hits == 2


def test_concurrent_unknown_kids_make_one_refetch(
    jwks_host: JwksHost, jwks: idtoken.JwksClient, monotonic: clock.FakeClock
) -> None:
    jwks.key("k1")
    monotonic.advance(60)
    results = _race(20, lambda: jwks.key("forged"))
    assert len(results) == 20 and all(isinstance(r, errors.IdTokenError) for r in results)
    assert jwks_host.server.hits == 2


# -- a real token from the stand-in's managed login ----------------------------------


@pytest.mark.integration
def test_validates_an_id_token_from_the_local_stand_in(session: http.Http) -> None:
    discovery.clear_cache()
    with cognito_server.LocalCognito(port=0) as stand_in:
        info = stand_in.info()
        profile = config.Profile(
            name="local",
            client_id=info["client_id"],
            domain=stand_in.url,
            redirect_uris=tuple(info["callback_urls"]),
            issuer=info["issuer"],
            discovery_url=info["discovery_url"],
        )
        endpoints = discovery.discover(profile, session)
        nonce = pkce.new_nonce()
        request = scripted_browser.AuthRequest(
            info["client_id"], info["callback_urls"][0], state=pkce.new_state(), nonce=nonce
        )
        callback = scripted_browser.ScriptedBrowser(stand_in.url).sign_in(
            request, "alice", "Alice-Passw0rd!"
        )
        code = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(callback).query))["code"]
        response = requests.post(
            endpoints.token_endpoint,
            timeout=10,
            data={
                "grant_type": "authorization_code",
                "client_id": info["client_id"],
                "code": code,
                "redirect_uri": request.redirect_uri,
                "code_verifier": request.verifier,
            },
        )
        assert response.status_code == 200
        tokens = response.json()
        validator = idtoken.IdTokenValidator(
            issuer=endpoints.issuer,
            client_id=profile.client_id,
            jwks=idtoken.JwksClient(endpoints.jwks_uri, session),
        )
        id_claims = validator.validate(tokens["id_token"], nonce=nonce)
        assert id_claims["cognito:username"] == "alice"
        with pytest.raises(errors.IdTokenError, match="nonce"):
            validator.validate(tokens["id_token"], nonce=pkce.new_nonce())
        with pytest.raises(errors.IdTokenError, match="another client"):
            validator.validate(tokens["access_token"], nonce=nonce)
    discovery.clear_cache()
