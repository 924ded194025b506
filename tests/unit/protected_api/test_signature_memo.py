"""The verifier memoizes signature checks per token, never claim checks."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from protected_api import errors, verifier

ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEfGhI"
CLIENT = "client-a"


class Keys:
    """A JWKS cache stand-in whose key set a test can swap, counting lookups."""

    def __init__(self) -> None:
        self.keys: dict[str, rsa.RSAPublicKey] = {}
        self.get_key_calls = 0

    def get_key(self, kid: str) -> rsa.RSAPublicKey:
        self.get_key_calls += 1
        if kid not in self.keys:
            raise errors.KidNotFoundInJwksError("kid not in JWKS")
        return self.keys[kid]

    def peek(self, kid: str) -> rsa.RSAPublicKey | None:
        return self.keys.get(kid)


class Clock:
    def __init__(self) -> None:
        self.value = time.time()

    def __call__(self) -> float:
        return self.value


@pytest.fixture
def private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def make(keys: Keys, clock: Clock, memo_size: int = 16) -> verifier.CognitoJwtVerifier:
    return verifier.CognitoJwtVerifier(
        issuer=ISSUER,
        client_ids=frozenset({CLIENT}),
        token_use="access",
        jwks_cache=keys,  # type: ignore[arg-type]
        now=clock,
        memo_size=memo_size,
    )


def token(key: rsa.RSAPrivateKey, clock: Clock, **extra: Any) -> str:
    now = int(clock())
    claims = {
        "sub": "s",
        "iss": ISSUER,
        "token_use": "access",
        "client_id": CLIENT,
        "iat": now,
        "exp": now + 300,
        "username": "alice",
        **extra,
    }
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"})


def test_a_repeated_token_is_checked_once_for_its_signature(
    private_key: rsa.RSAPrivateKey,
) -> None:
    keys, clock = Keys(), Clock()
    keys.keys["k1"] = private_key.public_key()
    check = make(keys, clock)
    good = token(private_key, clock)
    assert check.verify(good)["username"] == "alice"
    assert check.verify(good)["username"] == "alice"
    assert keys.get_key_calls == 1
    assert check.ready_for(good)


def test_claims_are_rechecked_on_every_call(private_key: rsa.RSAPrivateKey) -> None:
    keys, clock = Keys(), Clock()
    keys.keys["k1"] = private_key.public_key()
    check = make(keys, clock)
    good = token(private_key, clock)
    check.verify(good)
    clock.value += 301 + check.leeway_seconds
    with pytest.raises(errors.JwtExpiredError):
        check.verify(good)


def test_a_key_rotated_out_stops_the_memo_at_once(private_key: rsa.RSAPrivateKey) -> None:
    keys, clock = Keys(), Clock()
    keys.keys["k1"] = private_key.public_key()
    check = make(keys, clock)
    good = token(private_key, clock)
    check.verify(good)
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    keys.keys["k1"] = other.public_key()  # same kid, another key
    with pytest.raises(errors.JwtInvalidSignatureError):
        check.verify(good)
    del keys.keys["k1"]
    with pytest.raises(errors.KidNotFoundInJwksError):
        check.verify(good)


def test_callers_cannot_poison_the_memo(private_key: rsa.RSAPrivateKey) -> None:
    keys, clock = Keys(), Clock()
    keys.keys["k1"] = private_key.public_key()
    check = make(keys, clock)
    good = token(private_key, clock)
    check.verify(good)["cognito:groups"] = ["Admin"]
    assert "cognito:groups" not in check.verify(good)


def test_failed_tokens_are_not_remembered(private_key: rsa.RSAPrivateKey) -> None:
    keys, clock = Keys(), Clock()
    keys.keys["k1"] = private_key.public_key()
    check = make(keys, clock)
    wrong_client = token(private_key, clock, client_id="client-b")
    for _ in range(2):
        with pytest.raises(errors.JwtInvalidClientIdError):
            check.verify(wrong_client)
    forged = token(rsa.generate_private_key(public_exponent=65537, key_size=2048), clock)
    for _ in range(2):
        with pytest.raises(errors.JwtInvalidSignatureError):
            check.verify(forged)
    assert keys.get_key_calls == 3  # the valid-signature token was memoized once


def test_memo_is_bounded_and_can_be_switched_off(private_key: rsa.RSAPrivateKey) -> None:
    keys, clock = Keys(), Clock()
    keys.keys["k1"] = private_key.public_key()
    small = make(keys, clock, memo_size=2)
    tokens = [token(private_key, clock, jti=str(i)) for i in range(3)]
    for each in tokens:
        small.verify(each)
    calls = keys.get_key_calls
    small.verify(tokens[0])  # evicted (least recently used): checked again
    assert keys.get_key_calls == calls + 1
    off = make(keys, clock, memo_size=0)
    off.verify(tokens[1])
    off.verify(tokens[1])
    assert keys.get_key_calls == calls + 3
