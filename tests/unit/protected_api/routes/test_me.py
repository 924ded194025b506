"""``GET /me`` describes the caller from their token; admin means the configured group."""

from __future__ import annotations

import types
from typing import Any

import pytest

from protected_api import auth
from protected_api.routes import me
from tests.unit.protected_api import stubs


def request_for(admin_group: str) -> Any:
    config = stubs.settings_for(admin_group=admin_group)
    return types.SimpleNamespace(
        app=types.SimpleNamespace(state=types.SimpleNamespace(settings=config))
    )


@pytest.mark.parametrize(
    ("groups", "admin_group", "is_admin"),
    [
        (("Admin",), "Admin", True),
        (("Users", "Ops"), "Ops", True),
        (("Admin",), "Ops", False),
        (("admins",), "Admin", False),
        ((), "Admin", False),
    ],
)
def test_is_admin_is_membership_of_the_configured_group(
    groups: tuple[str, ...], admin_group: str, is_admin: bool
) -> None:
    user = auth.Principal.from_claims(stubs.claims("alice", *groups))
    assert me.me(user, request_for(admin_group)).is_admin is is_admin


def test_everything_else_comes_from_the_token() -> None:
    claims = {**stubs.claims("alice", "Users"), "auth_time": 1_700_000_000}
    answer = me.me(auth.Principal.from_claims(claims), request_for("Admin"))
    assert answer.model_dump() == {
        "sub": "s-alice",
        "username": "alice",
        "client_id": stubs.CLIENT,
        "groups": ["Users"],
        "scopes": ["openid", "email"],
        "expires_at": claims["exp"],
        "issued_at": claims["iat"],
        "auth_time": 1_700_000_000,
        "is_admin": False,
        "plan": None,
    }


def test_the_plan_is_the_access_tokens() -> None:
    claims = {**stubs.claims("alice", "Users"), "plan": "pro"}
    assert me.me(auth.Principal.from_claims(claims), request_for("Admin")).plan == "pro"


def test_a_plan_that_is_not_a_plan_name_is_null() -> None:
    claims = {**stubs.claims("alice", "Users"), "plan": "Pro Plan"}
    assert me.me(auth.Principal.from_claims(claims), request_for("Admin")).plan is None


def test_the_answer_always_has_the_plan_key() -> None:
    """``null``, not missing, in the JSON an older token gets (the OpenAPI document says so)."""
    answer = me.me(auth.Principal.from_claims(stubs.claims("alice")), request_for("Admin"))
    assert '"plan":null' in answer.model_dump_json()
    assert "plan" in me.Me.model_json_schema()["required"]
