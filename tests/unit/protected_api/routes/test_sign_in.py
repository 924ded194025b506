"""The ``/auth`` routes over HTTP, on a stand-in service: answer shapes, the time floor,
one audit line per attempt (a bug included), none for a body that is not valid."""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from protected_api import app as api_app
from protected_api import cognito_sign_in, sign_in_errors
from protected_api import server as api_server
from tests.unit.protected_api import stubs

FLOOR = 0.3
TOKENS = cognito_sign_in.Tokens("access", "id", "refresh", 3600)


class Service:
    """A SignInService whose every step answers ``answer`` (raised if an exception)."""

    floor_s = FLOOR

    def __init__(self) -> None:
        self.answer: Any = TOKENS
        self.addresses: list[str | None] = []

    def _give(self, *args: Any) -> Any:
        self.addresses.append(args[-1])
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer

    sign_in = new_password = totp_code = totp_secret = totp_setup = refresh = _give


@pytest.fixture(scope="module")
def service() -> Service:
    return Service()


@pytest.fixture(scope="module")
def api(service: Service) -> Iterator[api_server.ApiServer]:
    config = dataclasses.replace(
        stubs.settings_for(),
        client_ids=(stubs.CLIENT, "robot"),
        password_sign_in_client_id="robot",
    )
    unused: Any = object()
    app = api_app.create_app(
        config, token_verifier=unused, admin_client=unused, sign_in_service=service
    )
    with api_server.ApiServer(app) as running:
        yield running


@pytest.fixture(autouse=True)
def tokens_by_default(service: Service) -> None:
    service.answer = TOKENS


def post(api: api_server.ApiServer, path: str, body: Any) -> tuple[requests.Response, float]:
    started = time.monotonic()
    response = requests.post(f"{api.url}{path}", json=body, timeout=stubs.TIMEOUT)
    return response, time.monotonic() - started


SIGN_IN = {"username": "alice", "password": "Alice-Passw0rd!"}
CODE = {
    "challenge": "SOFTWARE_TOKEN_MFA",
    "session": "s" * 40,
    "username": "alice",
    "code": "123456",
}


@pytest.mark.parametrize(
    "answer",
    [
        TOKENS,
        sign_in_errors.SignInError(401, "invalid_credentials", "Incorrect username or password."),
        sign_in_errors.too_many_attempts(3),
    ],
    ids=["tokens", "refused", "limited"],
)
def test_every_sign_in_answer_takes_at_least_the_floor(
    api: api_server.ApiServer, service: Service, answer: Any
) -> None:
    service.answer = answer
    response, took = post(api, "/auth/sign-in", SIGN_IN)
    assert took >= FLOOR
    assert response.headers["Cache-Control"] == "no-store"
    if isinstance(answer, sign_in_errors.SignInError) and answer.retry_after:
        assert response.headers["Retry-After"] == "3"


def test_other_steps_answer_at_once(api: api_server.ApiServer) -> None:
    _, took = post(api, "/auth/challenge", CODE)
    assert took < FLOOR


def test_the_answers_shapes(api: api_server.ApiServer, service: Service) -> None:
    assert post(api, "/auth/sign-in", SIGN_IN)[0].json() == {
        "access_token": "access",
        "id_token": "id",
        "refresh_token": "refresh",
        "expires_in": 3600,
        "token_type": "Bearer",
    }
    service.answer = cognito_sign_in.Challenge("SOFTWARE_TOKEN_MFA", "t" * 40, "alice")
    assert post(api, "/auth/sign-in", SIGN_IN)[0].json() == {
        "challenge": "SOFTWARE_TOKEN_MFA",
        "session": "t" * 40,
        "username": "alice",
    }
    service.answer = cognito_sign_in.TotpSetup("SECRETSECRET2345", "u" * 40)
    associate = {**CODE, "challenge": "MFA_SETUP", "action": "associate"}
    del associate["code"]
    assert post(api, "/auth/challenge", associate)[0].json() == {
        "secret": "SECRETSECRET2345",
        "session": "u" * 40,
    }
    service.answer = dataclasses.replace(TOKENS, refresh_token=None)
    refreshed = post(api, "/auth/refresh", {"refresh_token": "r", "username": "alice"})[0]
    assert set(refreshed.json()) == {"access_token", "id_token", "expires_in", "token_type"}
    assert service.addresses[-1] == "127.0.0.1"


def audit_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "protected_api.audit"]


def test_a_bug_still_writes_the_attempts_line(
    api: api_server.ApiServer, service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="protected_api.audit")
    service.answer = RuntimeError("a bug")
    response, _ = post(api, "/auth/sign-in", SIGN_IN)
    assert response.status_code == 500
    [line] = audit_lines(caplog)
    assert (line["action"], line["username"], line["result"]) == ("sign_in", "alice", "error")


def test_a_body_that_is_not_valid_writes_no_line_and_reaches_no_step(
    api: api_server.ApiServer, service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="protected_api.audit")
    calls = len(service.addresses)
    response, took = post(api, "/auth/sign-in", {**SIGN_IN, "password": ""})
    assert response.status_code == 400
    message = response.json()["message"]
    assert message.startswith("the request is not valid: password: ")
    assert took < FLOOR  # not an attempt: nothing to hide
    assert audit_lines(caplog) == []
    assert len(service.addresses) == calls


def test_the_challenge_rules_say_what_each_challenge_takes(api: api_server.ApiServer) -> None:
    body = {**CODE, "challenge": "MFA_SETUP", "new_password": "Xx-Passw0rd1!"}
    del body["code"]
    response, _ = post(api, "/auth/challenge", body)
    assert response.status_code == 400
    assert "MFA_SETUP takes action or code" in response.json()["message"]
    assert "Passw0rd" not in response.text
