"""The membership export's cursor: what it encodes comes back, anything else is a 400."""

from __future__ import annotations

import base64
import json

import pytest

from protected_api import admin_errors, page_tokens


@pytest.mark.parametrize(
    "cursor",
    [
        page_tokens.MembershipCursor("Admin"),
        page_tokens.MembershipCursor("ops/team", "CognitoNextToken+/=="),
        page_tokens.MembershipCursor("Ünïcødé", "t"),
    ],
)
def test_a_cursor_comes_back_as_it_went(cursor: page_tokens.MembershipCursor) -> None:
    token = page_tokens.encode(cursor)
    assert "=" not in token and " " not in token  # a query value as it is
    assert page_tokens.decode(token) == cursor


def _token(document: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(document).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "token",
    [
        "not base64 !",
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
        _token(["Admin", None]),
        _token({"g": "Admin"}),
        _token({"g": "Admin", "t": None, "x": 1}),
        _token({"g": "with space", "t": None}),
        _token({"g": "", "t": None}),
        _token({"g": "Admin", "t": 5}),
        _token({"g": "Admin", "t": ""}),
        _token({"g": 7, "t": None}),
    ],
)
def test_a_token_the_api_did_not_give_is_refused(token: str) -> None:
    with pytest.raises(admin_errors.AdminError) as caught:
        page_tokens.decode(token)
    assert (caught.value.status, caught.value.code) == (400, "invalid_parameter")
