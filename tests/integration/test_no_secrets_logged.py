"""No token, code, verifier or password reaches any log the stand-in writes."""

from __future__ import annotations

import logging
from typing import Any

import pytest
import requests

from local_cognito import server
from tests.support.relying_party import exchange, refresh, revoke
from tests.support.scripted_browser import AuthRequest, ScriptedBrowser, callback_params

pytestmark = pytest.mark.integration
TIMEOUT = 10


def test_full_flow_at_debug_level_logs_no_secret(
    caplog: pytest.LogCaptureFixture,
    stand_in: server.LocalCognito,
    browser: ScriptedBrowser,
    auth_request: AuthRequest,
    idp: Any,
) -> None:
    caplog.set_level(logging.DEBUG)
    url = browser.sign_in(auth_request, "alice", "Alice-Passw0rd!")
    code = callback_params(url)["code"]
    tokens = exchange(stand_in, code, auth_request.verifier).json()
    exchange(stand_in, code, auth_request.verifier)  # a failed reuse is logged too
    refresh(stand_in, tokens["refresh_token"])
    requests.get(
        f"{stand_in.url}/oauth2/userInfo",
        timeout=TIMEOUT,
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    )
    revoke(stand_in, tokens["refresh_token"])
    refresh(stand_in, tokens["refresh_token"])
    idp.admin_create_user(
        UserPoolId=stand_in.pool.id,
        Username="carol",
        UserAttributes=[{"Name": "email", "Value": "carol@example.com"}],
    )
    temporary = stand_in.pool.outbox.messages(username="carol")[0].temporary_password
    assert temporary

    secrets = {
        "code": code,
        "verifier": auth_request.verifier,
        "access": tokens["access_token"],
        "id": tokens["id_token"],
        "refresh": tokens["refresh_token"],
        "password": "Alice-Passw0rd!",
        "temporary password": temporary,
    }
    # The test's own HTTP client (urllib3) runs in this process too; it is not the
    # stand-in, so only the server side's records are checked.
    server_records = [r for r in caplog.records if not r.name.startswith("urllib3")]
    assert server_records, "expected the stand-in to log something at DEBUG"
    text = "\n".join(r.getMessage() for r in server_records)
    for what, secret in secrets.items():
        assert secret not in text, f"the {what} appeared in a log record"
