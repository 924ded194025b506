"""Each failed check has its own class, and each class is in exactly one family.

The family is what the API answers (auth.py catches the three bases): a token
to refresh (401), a valid token without the right to this (403), or no way to
tell right now (503). A class in the wrong family would turn, say, an expired
token into a 403 that tells the desktop app refreshing will not help.
"""

from __future__ import annotations

import inspect

import pytest

from protected_api import errors

FAMILIES = (errors.JwtInvalidError, errors.JwtForbiddenError, errors.JwksUnavailableError)
INVALID = [
    errors.JwtParseError,
    errors.JwtTooLargeError,
    errors.JwtInvalidSignatureAlgorithmError,
    errors.KidNotFoundInJwksError,
    errors.JwtInvalidSignatureError,
    errors.JwtMissingClaimError,
    errors.JwtExpiredError,
    errors.JwtNotBeforeError,
    errors.JwtInvalidIssuerError,
    errors.JwtInvalidTokenUseError,
    errors.JwtInvalidClientIdError,
]
FORBIDDEN = [errors.JwtInvalidScopeError, errors.JwtInvalidGroupError]


@pytest.mark.parametrize(
    ("error", "family"),
    [
        *[(error, errors.JwtInvalidError) for error in INVALID],
        *[(error, errors.JwtForbiddenError) for error in FORBIDDEN],
        (errors.JwksUnavailableError, errors.JwksUnavailableError),
    ],
    ids=lambda value: value.__name__,
)
def test_each_error_is_in_exactly_one_family(error: type[Exception], family: type) -> None:
    assert [f for f in FAMILIES if issubclass(error, f)] == [family]


def test_every_error_class_of_the_module_is_in_a_family() -> None:
    classes = [
        c for _, c in inspect.getmembers(errors, inspect.isclass) if c.__module__ == errors.__name__
    ]
    assert {c for c in classes if c not in FAMILIES} == {*INVALID, *FORBIDDEN}
