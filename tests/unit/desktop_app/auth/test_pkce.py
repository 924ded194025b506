"""PKCE (RFC 7636) and the per-attempt randoms."""

from __future__ import annotations

import math
import re
from collections.abc import Callable

import pytest

from desktop_app.auth import pkce

UNRESERVED = re.compile(r"[A-Za-z0-9\-._~]+")
BASE64URL = re.compile(r"[A-Za-z0-9_-]+")


def test_rfc7636_appendix_b_vector() -> None:
    # RFC 7636 Appendix B, verbatim.
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert pkce.challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_verifiers_are_unique_unreserved_and_long_enough() -> None:
    draws = [pkce.new_verifier() for _ in range(10_000)]
    assert len(set(draws)) == len(draws)
    for verifier in draws:
        assert 43 <= len(verifier) <= 128
        assert UNRESERVED.fullmatch(verifier)
    # Every base64url symbol shows up: the alphabet is not accidentally narrowed.
    assert set("".join(draws)) == set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    )


def test_challenge_of_a_fresh_verifier_is_unpadded_base64url_sha256() -> None:
    result = pkce.challenge(pkce.new_verifier())
    assert len(result) == 43  # 32 bytes, no "=" padding
    assert BASE64URL.fullmatch(result)


@pytest.mark.parametrize(
    "verifier",
    [
        "",
        "a" * 42,  # one short of RFC 7636 4.1's minimum
        "a" * 129,  # one over the maximum
        "a" * 42 + " ",
        "a" * 42 + "+",  # base64 (not url) alphabet
        "a" * 42 + "=",
        "a" * 42 + "é",
        "a" * 43 + "\n",  # `$` in a regex would let a trailing newline through
    ],
)
def test_challenge_refuses_a_bad_verifier_without_echoing_it(verifier: str) -> None:
    with pytest.raises(ValueError, match="code_verifier") as caught:
        pkce.challenge(verifier)
    if verifier:
        assert verifier not in str(caught.value)


def test_challenge_accepts_the_limits_and_every_unreserved_character() -> None:
    assert pkce.challenge("a" * 43)
    assert pkce.challenge("~" * 128)
    assert pkce.challenge("Az09-._~" * 6)


@pytest.mark.parametrize("make", [pkce.new_state, pkce.new_nonce])
def test_state_and_nonce_are_fresh_and_carry_at_least_128_bits(make: Callable[[], str]) -> None:
    draws = [make() for _ in range(10_000)]
    assert len(set(draws)) == len(draws)
    for value in draws:
        assert isinstance(value, str)
        assert BASE64URL.fullmatch(value)  # safe in a query string unescaped
        assert len(value) * 6 >= 128  # 6 bits per base64url character
    # Shannon estimate over all draws: close to 6 bits per character.
    joined = "".join(draws)
    counts = [joined.count(c) for c in set(joined)]
    entropy = -sum(n / len(joined) * math.log2(n / len(joined)) for n in counts)
    assert entropy > 5.9


def test_state_and_nonce_are_independent() -> None:
    assert pkce.new_state() != pkce.new_nonce()
