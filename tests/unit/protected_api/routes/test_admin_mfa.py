"""``REQUIRE_ADMIN_MFA`` on the ``/admin`` routes: every route, reads included, asks the
MFA gate after the live check; Stubber holds the exact Cognito calls, in order."""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.stub import Stubber

from protected_api import app as api_app
from protected_api import audit, cognito_admin
from protected_api import server as api_server
from tests.unit.protected_api import stubs
from tests.unit.protected_api.routes.test_admin import LIVE, TOKENS, P, call, on_bob, queue, serve

ME_WITH = {
    "Username": "admin",
    "UserAttributes": [{"Name": "sub", "Value": "s-admin"}],
    "UserMFASettingList": ["SOFTWARE_TOKEN_MFA"],
}
ME_WITHOUT = {**ME_WITH, "UserMFASettingList": []}


def my_mfa(answer: dict[str, Any]) -> tuple[str, dict[str, Any], dict[str, Any]]:
    return "admin_get_user", answer, {"UserPoolId": P, "Username": "admin"}


LIST = ("list_users", {"Users": []}, {"UserPoolId": P, "Limit": 60})


@pytest.fixture
def strict(stubbed: tuple[cognito_admin.CognitoAdmin, Stubber]) -> Iterator[api_server.ApiServer]:
    config = dataclasses.replace(stubs.settings_for(), require_admin_mfa=True)
    app = api_app.create_app(
        config, token_verifier=stubs.TokenTable(TOKENS), admin_client=stubbed[0]
    )
    with api_server.ApiServer(app) as running:
        yield running


def test_a_read_needs_totp_and_a_yes_is_remembered(
    strict: api_server.ApiServer,
    stubbed: tuple[cognito_admin.CognitoAdmin, Stubber],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger=audit.LOGGER_NAME)
    queue(stubbed, my_mfa(ME_WITHOUT))  # and no ListUsers: refused before it
    refused = call(strict, "GET", "/users")
    assert refused.status_code == 403
    assert refused.json()["error"] == "mfa_required"
    assert refused.headers["Cache-Control"] == "no-store"
    [line] = [json.loads(r.getMessage()) for r in caplog.records if r.name == audit.LOGGER_NAME]
    assert (line["action"], line["result"]) == ("list_users", "mfa_required")

    queue(stubbed, my_mfa(ME_WITH), LIST, LIST)
    assert call(strict, "GET", "/users").status_code == 200
    assert call(strict, "GET", "/users").status_code == 200  # remembered: no AdminGetUser


def test_a_change_passes_the_live_check_then_the_gate(
    strict: api_server.ApiServer, stubbed: tuple[cognito_admin.CognitoAdmin, Stubber]
) -> None:
    queue(stubbed, *LIVE, my_mfa(ME_WITH), on_bob("admin_enable_user"))
    assert call(strict, "POST", "/users/bob/enable").status_code == 204


def test_a_non_admin_is_refused_before_any_cognito_call(strict: api_server.ApiServer) -> None:
    response = call(strict, "GET", "/users", token="user-token")
    assert response.status_code == 403
    assert response.json()["error"] == "insufficient_scope"


def test_off_by_default_no_call_is_added(
    stubbed: tuple[cognito_admin.CognitoAdmin, Stubber],
) -> None:
    queue(stubbed, LIST)
    with serve(stubbed[0]) as running:
        assert call(running, "GET", "/users").status_code == 200
