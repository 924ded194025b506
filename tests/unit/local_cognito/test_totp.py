"""local_cognito.totp: RFC 6238 codes, the +-1 step window, and the otpauth:// URI."""

from __future__ import annotations

import base64
import re
import urllib.parse

import pytest

from local_cognito import totp

# RFC 6238 Appendix B: the SHA1 key is the ASCII string "12345678901234567890".
RFC_SECRET = base64.b32encode(b"12345678901234567890").decode("ascii")
# (T in seconds, the RFC's 8-digit TOTP for SHA1)
RFC_SHA1_VECTORS = [
    (59, "94287082"),
    (1111111109, "07081804"),
    (1111111111, "14050471"),
    (1234567890, "89005924"),
    (2000000000, "69279037"),
    (20000000000, "65353130"),
]
SECRET = "JBSWY3DPEHPK3PXP"  # a base32 secret without padding, as authenticators show them


def test_the_rfc_secret_is_the_base32_of_the_ascii_key() -> None:
    assert RFC_SECRET == "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"


@pytest.mark.parametrize(("at", "eight_digits"), RFC_SHA1_VECTORS)
def test_codes_match_rfc_6238_appendix_b(at: int, eight_digits: str) -> None:
    # Six digits are the value mod 10**6: the last six digits of the RFC's eight.
    assert totp.step_of(at) == at // 30
    assert totp.code_for_step(RFC_SECRET, at // 30) == eight_digits[-6:]
    assert totp.code(RFC_SECRET, at) == eight_digits[-6:]


def test_the_rfc_table_steps_are_the_documented_hex_counters() -> None:
    # Appendix B lists T as hex: 0x1, 0x23523EC, 0x23523ED, 0x273EF07, 0x3F940AA, 0x27BC86AA.
    assert [totp.step_of(at) for at, _ in RFC_SHA1_VECTORS] == [
        0x1,
        0x23523EC,
        0x23523ED,
        0x273EF07,
        0x3F940AA,
        0x27BC86AA,
    ]


def test_a_lower_case_or_spaced_secret_makes_the_same_codes() -> None:
    spaced = " ".join(RFC_SECRET[i : i + 4] for i in range(0, len(RFC_SECRET), 4)).lower()
    assert totp.code_for_step(spaced, 1) == "287082"
    # An unpadded secret whose length is not a multiple of 8 still decodes.
    odd = "MFRGG"  # b"abc", 5 characters
    assert totp.code_for_step(odd, 1) == totp.code_for_step(odd + "===", 1)


def test_codes_are_six_ascii_digits_with_leading_zeros_kept() -> None:
    codes = [totp.code_for_step(SECRET, step) for step in range(2000)]
    assert all(re.fullmatch(r"[0-9]{6}", c) for c in codes)
    assert any(c.startswith("0") for c in codes)  # 2000 steps: ~200 such codes expected


def test_new_secrets_are_160_bit_base32_without_padding() -> None:
    secrets = {totp.new_secret() for _ in range(20)}
    assert len(secrets) == 20
    for secret in secrets:
        assert re.fullmatch(r"[A-Z2-7]{32}", secret)
        assert len(base64.b32decode(secret)) == 20


# -- the window ----------------------------------------------------------------------------


@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_the_step_either_side_is_accepted(offset: int) -> None:
    now = 1_700_000_015.0  # the middle of a step
    step = totp.step_of(now) + offset
    assert totp.matching_step(SECRET, totp.code_for_step(SECRET, step), now) == step


@pytest.mark.parametrize("offset", [-2, 2, -3, 3])
def test_two_steps_away_is_refused(offset: int) -> None:
    now = 1_700_000_015.0
    step = totp.step_of(now) + offset
    candidate = totp.code_for_step(SECRET, step)
    window = {totp.code_for_step(SECRET, totp.step_of(now) + d) for d in (-1, 0, 1)}
    assert candidate not in window  # else the test would prove nothing
    assert totp.matching_step(SECRET, candidate, now) is None


def test_the_window_follows_step_boundaries_not_seconds() -> None:
    start = 1_700_000_010.0 - (1_700_000_010.0 % 30)  # the first second of a step
    code = totp.code(SECRET, start)
    assert totp.matching_step(SECRET, code, start + 59.999) == totp.step_of(start)
    assert totp.matching_step(SECRET, code, start + 60) is None
    assert totp.matching_step(SECRET, code, start - 30) == totp.step_of(start)
    assert totp.matching_step(SECRET, code, start - 30.001) is None


def test_surrounding_whitespace_is_ignored() -> None:
    now = 1_700_000_015.0
    code = totp.code(SECRET, now)
    assert totp.matching_step(SECRET, f"  {code}\n", now) == totp.step_of(now)


@pytest.mark.parametrize(
    "candidate",
    [
        "",
        "12345",
        "1234567",
        "12 345",
        "abcdef",
        "-12345",
        "+12345",
        "\u0661\u0662\u0663\u0664\u0665\u0666",  # Arabic-Indic digits: isdigit(), not ASCII
        "\uff11\uff12\uff13\uff14\uff15\uff16",  # full-width digits
        "12345\x00",
    ],
)
def test_malformed_candidates_never_match(candidate: str) -> None:
    now = 1_700_000_015.0
    assert totp.matching_step(SECRET, candidate, now) is None


def test_a_code_for_another_secret_is_refused() -> None:
    now = 1_700_000_015.0
    other = totp.new_secret()
    candidate = totp.code(other, now)
    window = {totp.code_for_step(SECRET, totp.step_of(now) + d) for d in (-1, 0, 1)}
    if candidate in window:  # one chance in ~333,000
        pytest.skip("the random secret collides within the window")
    assert totp.matching_step(SECRET, candidate, now) is None


# -- what the authenticator app reads ---------------------------------------------------------


def test_the_provisioning_uri_follows_the_key_uri_format() -> None:
    uri = totp.provisioning_uri(SECRET, "alice", "cognito-local")
    assert uri == f"otpauth://totp/cognito-local:alice?secret={SECRET}&issuer=cognito-local"


def test_the_provisioning_uri_percent_encodes_label_and_query() -> None:
    uri = totp.provisioning_uri(SECRET, "alice smith@example.com", "Local Cognito & Co")
    parts = urllib.parse.urlsplit(uri)
    assert (parts.scheme, parts.netloc) == ("otpauth", "totp")
    assert parts.path == "/Local%20Cognito%20%26%20Co:alice%20smith@example.com"
    assert urllib.parse.unquote(parts.path) == "/Local Cognito & Co:alice smith@example.com"
    # Spaces as %20: some authenticator apps show a '+' literally (Key Uri Format).
    assert "+" not in uri and " " not in uri
    assert urllib.parse.parse_qs(parts.query, strict_parsing=True) == {
        "secret": [SECRET],
        "issuer": ["Local Cognito & Co"],
    }


def test_markup_in_a_username_cannot_break_out_of_the_uri() -> None:
    uri = totp.provisioning_uri(SECRET, '<script>"x"?a=b#', "cognito-local")
    assert not set('<>"# ') & set(uri)
    parts = urllib.parse.urlsplit(uri)
    assert urllib.parse.unquote(parts.path) == '/cognito-local:<script>"x"?a=b#'
    assert urllib.parse.parse_qs(parts.query)["secret"] == [SECRET]
