"""desktop_app.auth.identity: who is signed in, from an ID token's claims."""

from __future__ import annotations

from typing import Any

import pytest

from desktop_app.auth import identity

SUB = "0b7f8e0a-1111-4222-8333-444455556666"


@pytest.mark.parametrize(
    ("claims", "expected"),
    [
        (
            {
                "sub": SUB,
                "cognito:username": "alice",
                "email": "alice@example.com",
                "cognito:groups": ["Admin", "Staff"],
                "auth_time": 1_700_000_000,
            },
            identity.Identity("alice", SUB, "alice@example.com", ("Admin", "Staff"), 1_700_000_000),
        ),
        ({"sub": SUB, "username": "bob"}, identity.Identity("bob", SUB)),  # an access token's
        ({"sub": SUB}, identity.Identity(SUB, SUB)),  # no name at all: the subject
        ({"sub": SUB, "cognito:username": ""}, identity.Identity(SUB, SUB)),
        # Anything of the wrong type is left out, never shown as something it is not.
        (
            {"sub": SUB, "email": ["a@b"], "cognito:groups": "Admin", "auth_time": "1700000000"},
            identity.Identity(SUB, SUB),
        ),
        (
            {"sub": SUB, "cognito:groups": ["Admin", 7, None]},
            identity.Identity(SUB, SUB, None, ("Admin",)),
        ),
    ],
    ids=["full", "username", "sub only", "empty username", "wrong types", "mixed groups"],
)
def test_from_claims(claims: dict[str, Any], expected: identity.Identity) -> None:
    made = identity.Identity.from_claims(claims)
    assert made == expected
    assert made.claims == claims and made.claims is not claims  # kept for display, copied


def test_claims_are_neither_compared_nor_shown() -> None:
    with_claims = identity.Identity.from_claims({"sub": SUB, "custom:secret": "x"})
    assert with_claims == identity.Identity(SUB, SUB)
    assert "custom:secret" not in repr(with_claims)


def test_a_token_without_a_subject_is_not_an_identity() -> None:
    with pytest.raises(KeyError):
        identity.Identity.from_claims({"cognito:username": "alice"})
