"""local_cognito.keys: one fresh RS256 key per run, and the JWKS that verifies its tokens."""

from __future__ import annotations

import jwt
import pytest

from local_cognito import keys


@pytest.fixture(scope="module")
def key() -> keys.SigningKey:
    return keys.SigningKey()


def test_a_signed_token_names_the_key_and_verifies_with_it(key: keys.SigningKey) -> None:
    token = key.sign({"sub": "alice", "token_use": "access"})
    header = jwt.get_unverified_header(token)
    assert header == {"alg": "RS256", "kid": key.kid, "typ": "JWT"}
    assert jwt.decode(token, key.public_key, algorithms=["RS256"]) == {
        "sub": "alice",
        "token_use": "access",
    }


def test_the_jwks_publishes_the_public_half_only(key: keys.SigningKey) -> None:
    document = key.jwks()
    [jwk] = document["keys"]
    assert (jwk["kid"], jwk["alg"], jwk["use"], jwk["kty"]) == (key.kid, "RS256", "sig", "RSA")
    assert not {"d", "p", "q", "dp", "dq", "qi"} & set(jwk), "private key material published"
    # What a relying party does with it: the token verifies under the published key.
    published = jwt.PyJWKSet.from_dict(document)[key.kid].key
    assert jwt.decode(key.sign({"sub": "x"}), published, algorithms=["RS256"]) == {"sub": "x"}


def test_every_run_has_its_own_key_and_kid(key: keys.SigningKey) -> None:
    other = keys.SigningKey()
    assert other.kid != key.kid and len(other.kid) == 32
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(other.sign({"sub": "x"}), key.public_key, algorithms=["RS256"])
