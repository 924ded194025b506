"""Password sign-in through the protected API (``/auth``), over HTTP against the stand-in.

Sign-in, each challenge (``NEW_PASSWORD_REQUIRED``, ``SOFTWARE_TOKEN_MFA``,
``MFA_SETUP``), refresh, the errors, the attempt limits (429 with ``Retry-After``),
an unknown user against a wrong password (the same answer, in about the same time),
the routes' absence when the feature is off, the audit lines (and no secret in any
log), and two API processes sharing one limit through DynamoDB (moto's, on loopback).

The automation app client is made here with ``CreateUserPoolClient`` on the stand-in's
pool, as the template makes its ``AutomationClient``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import jwt
import pytest
import requests

from local_cognito import seed, server, settings, totp
from protected_api import app as api_app
from protected_api import (
    attempt_limits,
    cognito_sign_in,
    password_sign_in,
    verifier,
)
from protected_api import server as api_server
from protected_api import settings as api_settings_mod
from tests.integration.conftest import admin_tokens
from tests.support import clock

pytestmark = pytest.mark.integration
TIMEOUT = 10
ROOT = Path(__file__).resolve().parents[2]

# -- the automation client and an API that signs people in on it ------------------------


def create_automation_client(
    idp: Any, stand_in: server.LocalCognito, *, secret: bool = False
) -> tuple[str, str | None]:
    """A new app client for the API integration: the password flow and refresh, no OAuth
    (infra/template.yaml's ``AutomationClient``). Its id, and its secret if it has one."""
    created = idp.create_user_pool_client(
        UserPoolId=stand_in.pool.id,
        ClientName="automation",
        GenerateSecret=secret,
        ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]
    return str(created["ClientId"]), created.get("ClientSecret")


def password_sign_in_settings(
    stand_in: server.LocalCognito, client_id: str, **extra: str
) -> api_settings_mod.Settings:
    """The API for the stand-in with password sign-in on ``client_id`` (whose tokens it
    then accepts, besides the desktop client's)."""
    info = stand_in.info()
    return api_settings_mod.Settings.from_env(
        {
            "COGNITO_USER_POOL_ID": info["user_pool_id"],
            "COGNITO_CLIENT_IDS": f"{info['client_id']},{client_id}",
            "COGNITO_JWKS_URL": info["jwks_url"],
            "COGNITO_IDP_ENDPOINT_URL": info["cognito_idp_endpoint"],
            "PASSWORD_SIGN_IN_CLIENT_ID": client_id,
            **extra,
        }
    )


def sign_in_app(
    config: api_settings_mod.Settings, fake_clock: clock.FakeClock, *, floor_s: float = 0.0
) -> Any:
    """The app for ``config``, its verifier and attempt limits on the test's clock."""
    check = verifier.CognitoJwtVerifier.create(
        issuer=config.issuer,
        client_ids=config.client_ids,
        token_use="access",
        jwks_url=config.jwks_url,
        now=fake_clock,
    )
    service = password_sign_in.SignInService(
        cognito_sign_in.PasswordSignIn.from_settings(config),
        attempt_limits.Limiter(attempt_limits.MemoryAttemptStore(), now=fake_clock),
        floor_s=floor_s,
    )
    return api_app.create_app(config, token_verifier=check, sign_in_service=service)


@pytest.fixture
def aws_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")


@pytest.fixture
def automation_client(idp: Any, stand_in: server.LocalCognito) -> str:
    return create_automation_client(idp, stand_in)[0]


@pytest.fixture
def sign_in_api(
    stand_in: server.LocalCognito,
    automation_client: str,
    fake_clock: clock.FakeClock,
    aws_keys: None,
) -> Iterator[api_server.ApiServer]:
    """The API with password sign-in on, answering at once (no time floor)."""
    config = password_sign_in_settings(stand_in, automation_client)
    with api_server.ApiServer(sign_in_app(config, fake_clock)) as running:
        yield running


def post(api: api_server.ApiServer, path: str, body: Any, **kwargs: Any) -> requests.Response:
    return requests.post(f"{api.url}{path}", json=body, timeout=TIMEOUT, **kwargs)


def sign_in(api: api_server.ApiServer, username: str, password: str) -> requests.Response:
    return post(api, "/auth/sign-in", {"username": username, "password": password})


def me(api: api_server.ApiServer, access_token: str) -> dict[str, Any]:
    response = requests.get(
        f"{api.url}/me", headers={"Authorization": f"Bearer {access_token}"}, timeout=TIMEOUT
    )
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def assert_tokens(response: requests.Response, *, refresh: bool = True) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    assert response.headers["Cache-Control"] == "no-store"
    body: dict[str, Any] = response.json()
    keys = {"access_token", "id_token", "expires_in", "token_type"}
    assert set(body) == (keys | {"refresh_token"} if refresh else keys)
    assert body["token_type"] == "Bearer"
    assert isinstance(body["expires_in"], int) and body["expires_in"] > 0
    return body


def assert_error(response: requests.Response, status: int, error: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["Cache-Control"] == "no-store"
    body: dict[str, Any] = response.json()
    assert set(body) == {"error", "message"}
    assert body["error"] == error, body
    return body


def assert_challenge(response: requests.Response, name: str, username: str) -> str:
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"challenge", "session", "username"}
    assert (body["challenge"], body["username"]) == (name, username)
    return str(body["session"])


# -- off by default ------------------------------------------------------------------------


def test_without_the_setting_the_routes_do_not_exist(api: api_server.ApiServer) -> None:
    unknown = post(api, "/auth/no-such-route", {"username": "alice", "password": "x"})
    assert unknown.status_code == 404
    for path in ("/auth/sign-in", "/auth/challenge", "/auth/refresh"):
        response = post(api, path, {"username": "alice", "password": "Alice-Passw0rd!"})
        assert (response.status_code, response.content) == (404, unknown.content), path
    assert not [p for p in api.app.openapi()["paths"] if p.startswith("/auth")]


# -- sign-in, refresh ----------------------------------------------------------------------


def test_a_password_gives_tokens_the_api_accepts(
    sign_in_api: api_server.ApiServer, automation_client: str
) -> None:
    tokens = assert_tokens(sign_in(sign_in_api, "alice", "Alice-Passw0rd!"))
    who = me(sign_in_api, tokens["access_token"])
    assert (who["username"], who["client_id"], who["is_admin"]) == (
        "alice",
        automation_client,
        False,
    )
    claims = jwt.decode(tokens["id_token"], options={"verify_signature": False})
    assert claims["aud"] == automation_client and claims["cognito:username"] == "alice"
    admin = assert_tokens(sign_in(sign_in_api, "admin", "Admin-Passw0rd!"))
    who = me(sign_in_api, admin["access_token"])
    assert who["is_admin"] and who["groups"] == ["Admin"]


def test_refresh_gives_new_tokens_without_a_refresh_token(
    sign_in_api: api_server.ApiServer,
    idp: Any,
    stand_in: server.LocalCognito,
    fake_clock: clock.FakeClock,
) -> None:
    tokens = assert_tokens(sign_in(sign_in_api, "alice", "Alice-Passw0rd!"))
    fake_clock.advance(60)
    body = {"refresh_token": tokens["refresh_token"], "username": "alice"}
    renewed = assert_tokens(post(sign_in_api, "/auth/refresh", body), refresh=False)
    assert renewed["access_token"] != tokens["access_token"]
    assert me(sign_in_api, renewed["access_token"])["username"] == "alice"

    # Not a refresh token, and one issued to another client (the desktop app's).
    bad = {"refresh_token": "not-a-refresh-token", "username": "alice"}
    assert_error(post(sign_in_api, "/auth/refresh", bad), 401, "invalid_grant")
    desktops = admin_tokens(idp, stand_in, "alice", "Alice-Passw0rd!")["RefreshToken"]
    other = {"refresh_token": desktops, "username": "alice"}
    assert_error(post(sign_in_api, "/auth/refresh", other), 401, "invalid_grant")
    # Signed out everywhere: the refresh token is revoked.
    idp.admin_user_global_sign_out(UserPoolId=stand_in.pool.id, Username="alice")
    assert_error(post(sign_in_api, "/auth/refresh", body), 401, "invalid_grant")


# -- the challenges --------------------------------------------------------------------------


def test_new_password_required(sign_in_api: api_server.ApiServer) -> None:
    session = assert_challenge(
        sign_in(sign_in_api, "newbie", "Temp-Passw0rd1!"), "NEW_PASSWORD_REQUIRED", "newbie"
    )
    answer = {"challenge": "NEW_PASSWORD_REQUIRED", "session": session, "username": "newbie"}
    weak = post(sign_in_api, "/auth/challenge", {**answer, "new_password": "weak"})
    assert_error(weak, 400, "invalid_request")
    chosen = post(sign_in_api, "/auth/challenge", {**answer, "new_password": "Chosen-Passw0rd1!"})
    assert me(sign_in_api, assert_tokens(chosen)["access_token"])["username"] == "newbie"
    # The session is spent; the new password is the password now.
    again = post(sign_in_api, "/auth/challenge", {**answer, "new_password": "Other-Passw0rd1!"})
    assert_error(again, 401, "invalid_session")
    assert_tokens(sign_in(sign_in_api, "newbie", "Chosen-Passw0rd1!"))
    assert_error(sign_in(sign_in_api, "newbie", "Temp-Passw0rd1!"), 401, "invalid_credentials")


def test_software_token_mfa(sign_in_api: api_server.ApiServer, fake_clock: clock.FakeClock) -> None:
    session = assert_challenge(
        sign_in(sign_in_api, "tom", "Tom-Passw0rd!"), "SOFTWARE_TOKEN_MFA", "tom"
    )
    right = totp.code(seed.DEMO_TOTP_SECRET, fake_clock())
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    answer = {"challenge": "SOFTWARE_TOKEN_MFA", "session": session, "username": "tom"}
    assert_error(
        post(sign_in_api, "/auth/challenge", {**answer, "code": wrong}), 401, "invalid_code"
    )
    tokens = assert_tokens(post(sign_in_api, "/auth/challenge", {**answer, "code": right}))
    assert me(sign_in_api, tokens["access_token"])["username"] == "tom"


def test_a_session_that_is_not_one_is_invalid_session(
    sign_in_api: api_server.ApiServer, fake_clock: clock.FakeClock
) -> None:
    answer = {
        "challenge": "SOFTWARE_TOKEN_MFA",
        "session": "x" * 40,
        "username": "tom",
        "code": totp.code(seed.DEMO_TOTP_SECRET, fake_clock()),
    }
    assert_error(post(sign_in_api, "/auth/challenge", answer), 401, "invalid_session")


@pytest.mark.parametrize("pool_settings", [settings.PoolSettings(mfa="ON")])
def test_mfa_setup_enrols_an_authenticator(
    sign_in_api: api_server.ApiServer, fake_clock: clock.FakeClock
) -> None:
    session = assert_challenge(
        sign_in(sign_in_api, "alice", "Alice-Passw0rd!"), "MFA_SETUP", "alice"
    )
    base = {"challenge": "MFA_SETUP", "username": "alice"}
    associated = post(
        sign_in_api, "/auth/challenge", {**base, "session": session, "action": "associate"}
    )
    assert associated.status_code == 200, associated.text
    assert associated.headers["Cache-Control"] == "no-store"
    setup = associated.json()
    assert set(setup) == {"secret", "session"}
    code = totp.code(setup["secret"], fake_clock())
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    refused = post(
        sign_in_api, "/auth/challenge", {**base, "session": setup["session"], "code": wrong}
    )
    assert_error(refused, 401, "invalid_code")
    done = post(sign_in_api, "/auth/challenge", {**base, "session": setup["session"], "code": code})
    assert me(sign_in_api, assert_tokens(done)["access_token"])["username"] == "alice"
    # Enrolled: the next sign-in asks for a code.
    assert_challenge(
        sign_in(sign_in_api, "alice", "Alice-Passw0rd!"), "SOFTWARE_TOKEN_MFA", "alice"
    )


# -- errors -----------------------------------------------------------------------------------


def test_a_disabled_user(sign_in_api: api_server.ApiServer) -> None:
    assert_error(sign_in(sign_in_api, "dora", "Dora-Passw0rd!"), 403, "user_disabled")


def test_a_password_reset_by_an_admin(
    sign_in_api: api_server.ApiServer, idp: Any, stand_in: server.LocalCognito
) -> None:
    idp.admin_reset_user_password(UserPoolId=stand_in.pool.id, Username="alice")
    response = sign_in(sign_in_api, "alice", "Alice-Passw0rd!")
    assert_error(response, 409, "password_reset_required")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": "alice"}, "password"),
        ({"password": "Alice-Passw0rd!"}, "username"),
        ({"username": "", "password": "Alice-Passw0rd!"}, "username"),
        ({"username": "a" * 129, "password": "Alice-Passw0rd!"}, "username"),
        ({"username": "al\nice", "password": "Alice-Passw0rd!"}, "username"),
        ({"username": "alice", "password": "P" * 257}, "password"),
        ({"username": "alice", "password": 12345678}, "password"),
        ({"username": ["alice"], "password": "Alice-Passw0rd!"}, "username"),
        ({"username": "alice", "password": "Alice-Passw0rd!", "remember": True}, "remember"),
        (["alice", "Alice-Passw0rd!"], "body"),
    ],
)
def test_a_body_that_is_not_a_sign_in_is_invalid_request(
    sign_in_api: api_server.ApiServer, body: Any, field: str
) -> None:
    response = assert_error(post(sign_in_api, "/auth/sign-in", body), 400, "invalid_request")
    assert field in response["message"]
    assert "Passw0rd" not in response["message"] and "PPPP" not in response["message"]


@pytest.mark.parametrize(
    "answer",
    [
        {"challenge": "SOFTWARE_TOKEN_MFA", "code": "12345"},
        {"challenge": "SOFTWARE_TOKEN_MFA", "code": "12345a"},
        {"challenge": "SOFTWARE_TOKEN_MFA", "code": "\uff11\uff12\uff13\uff14\uff15\uff16"},
        {"challenge": "SOFTWARE_TOKEN_MFA", "code": 123456},
        {"challenge": "SOFTWARE_TOKEN_MFA"},
        {"challenge": "SOFTWARE_TOKEN_MFA", "code": "123456", "new_password": "Xx-Passw0rd!"},
        {"challenge": "NEW_PASSWORD_REQUIRED", "code": "123456"},
        {"challenge": "MFA_SETUP"},
        {"challenge": "MFA_SETUP", "action": "associate", "code": "123456"},
        {"challenge": "MFA_SETUP", "action": "verify"},
        {"challenge": "SMS_MFA", "code": "123456"},
        {"challenge": "SOFTWARE_TOKEN_MFA", "code": "123456", "session": "short"},
    ],
)
def test_an_answer_that_does_not_fit_its_challenge_is_invalid_request(
    sign_in_api: api_server.ApiServer, answer: dict[str, Any]
) -> None:
    body = {"session": "s" * 40, "username": "tom", **answer}
    assert_error(post(sign_in_api, "/auth/challenge", body), 400, "invalid_request")


def test_only_strict_json_is_read(sign_in_api: api_server.ApiServer) -> None:
    url = f"{sign_in_api.url}/auth/sign-in"
    json_type = {"Content-Type": "application/json"}
    for data, headers in [
        (b'{"username": "alice", "password": "x", "password": "Alice-Passw0rd!"}', json_type),
        (b'{"username": "alice", "password": NaN}', json_type),
        (b"\xff\xfe", json_type),
        (b"username=alice&password=Alice-Passw0rd!", {}),  # a form: not JSON
        (b'{"username": "alice", "password": "Alice-Passw0rd!"}', {"Content-Type": "text/plain"}),
    ]:
        response = requests.post(url, data=data, headers=headers, timeout=TIMEOUT)
        assert_error(response, 400, "invalid_request")


def test_an_oversized_body_is_refused_before_the_route(sign_in_api: api_server.ApiServer) -> None:
    limit = sign_in_api.app.state.settings.max_body_bytes
    response = sign_in(sign_in_api, "alice", "P" * (limit + 1))
    assert response.status_code == 413
    assert response.json()["error"] == "too_large"


# -- unknown user vs wrong password ------------------------------------------------------


@pytest.fixture
def floored_api(
    stand_in: server.LocalCognito,
    automation_client: str,
    fake_clock: clock.FakeClock,
    aws_keys: None,
) -> Iterator[api_server.ApiServer]:
    """The API as it ships: sign-in answers take at least the time floor."""
    config = password_sign_in_settings(stand_in, automation_client)
    app = sign_in_app(config, fake_clock, floor_s=password_sign_in.SIGN_IN_FLOOR_S)
    with api_server.ApiServer(app) as running:
        yield running


def test_an_unknown_user_looks_like_a_wrong_password(
    floored_api: api_server.ApiServer, fake_clock: clock.FakeClock
) -> None:
    times: dict[str, list[float]] = {"unknown": [], "wrong": []}
    answers: set[tuple[int, bytes, str | None]] = set()
    for round_ in range(4):
        for kind, username in [("unknown", f"nobody-{round_}"), ("wrong", "alice")]:
            started = time.perf_counter()
            response = sign_in(floored_api, username, "Wrong-Passw0rd!")
            times[kind].append(time.perf_counter() - started)
            answers.add(
                (response.status_code, response.content, response.headers.get("Retry-After"))
            )
        fake_clock.advance(3600)  # past any lock: this test is about the answers
    assert answers == {
        (401, b'{"error":"invalid_credentials","message":"Incorrect username or password."}', None)
    }
    floor = password_sign_in.SIGN_IN_FLOOR_S
    assert min(min(t) for t in times.values()) >= floor
    gap = abs(statistics.median(times["unknown"]) - statistics.median(times["wrong"]))
    assert gap < 0.1, times


# -- attempt limits -----------------------------------------------------------------------


def test_a_username_is_locked_after_five_failures_then_freed_by_a_success(
    sign_in_api: api_server.ApiServer, fake_clock: clock.FakeClock
) -> None:
    for _ in range(5):
        assert_error(sign_in(sign_in_api, "alice", "Wrong-Passw0rd!"), 401, "invalid_credentials")
    locked = sign_in(sign_in_api, "alice", "Alice-Passw0rd!")  # even the right password
    assert_error(locked, 429, "too_many_attempts")
    assert locked.headers["Retry-After"] == "1"
    assert "1 seconds" in locked.json()["message"]
    # Another user from the same address is not locked.
    assert_tokens(sign_in(sign_in_api, "admin", "Admin-Passw0rd!"))
    # Case does not make another username.
    assert_error(sign_in(sign_in_api, "ALICE", "Alice-Passw0rd!"), 429, "too_many_attempts")

    fake_clock.advance(2)  # past the API's lock (1 s) and Cognito's (1 s after 5 failures)
    assert_tokens(sign_in(sign_in_api, "alice", "Alice-Passw0rd!"))
    # The success started the count again: five more failures before the next lock.
    for _ in range(5):
        assert_error(sign_in(sign_in_api, "alice", "Wrong-Passw0rd!"), 401, "invalid_credentials")
    assert_error(sign_in(sign_in_api, "alice", "Wrong-Passw0rd!"), 429, "too_many_attempts")


def test_the_delay_grows_with_each_failure(
    sign_in_api: api_server.ApiServer, fake_clock: clock.FakeClock
) -> None:
    waits: list[int] = []
    for _ in range(9):
        response = sign_in(sign_in_api, "alice", "Wrong-Passw0rd!")
        if response.status_code == 429:
            wait = int(response.headers["Retry-After"])
            waits.append(wait)
            fake_clock.advance(wait)
    # The API locks after the 5th, 6th, 7th... failure for 1, 2, 4... s; Cognito's own
    # lockout may answer some of them (also 429), never anything else.
    assert waits and all(w >= 1 for w in waits)
    assert max(waits) >= 2


def test_an_address_is_locked_after_twenty_failures_on_any_usernames(
    sign_in_api: api_server.ApiServer,
) -> None:
    for n in range(attempt_limits.ADDRESS_POLICY.free):
        assert_error(
            sign_in(sign_in_api, f"stuffed-{n}", "Guess-Passw0rd!"), 401, "invalid_credentials"
        )
    response = sign_in(sign_in_api, "admin", "Admin-Passw0rd!")
    assert_error(response, 429, "too_many_attempts")
    assert int(response.headers["Retry-After"]) >= 1


def test_wrong_codes_count_against_the_username(
    sign_in_api: api_server.ApiServer, fake_clock: clock.FakeClock
) -> None:
    right = totp.code(seed.DEMO_TOTP_SECRET, fake_clock())
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    outcomes: list[int] = []
    for _ in range(6):
        # A new sign-in each time does not start the count again: only tokens do.
        started = sign_in(sign_in_api, "tom", "Tom-Passw0rd!")
        if started.status_code != 200:
            outcomes.append(started.status_code)
            break
        session = started.json()["session"]
        answer = {"challenge": "SOFTWARE_TOKEN_MFA", "session": session, "username": "tom"}
        outcomes.append(post(sign_in_api, "/auth/challenge", {**answer, "code": wrong}).status_code)
    assert outcomes[:5] == [401] * 5
    assert outcomes[5] == 429


# -- audit lines, and no secret in any log ----------------------------------------------------


def test_every_attempt_is_audited_and_no_secret_is_logged(
    sign_in_api: api_server.ApiServer,
    caplog: pytest.LogCaptureFixture,
    fake_clock: clock.FakeClock,
) -> None:
    caplog.set_level(logging.DEBUG)
    tokens = assert_tokens(sign_in(sign_in_api, "alice", "Alice-Passw0rd!"))
    assert_error(sign_in(sign_in_api, "alice", "Wrong-Alice-Passw0rd!"), 401, "invalid_credentials")
    assert_error(sign_in(sign_in_api, "mallory\n{", "Mallory-Passw0rd!"), 400, "invalid_request")
    assert_error(sign_in(sign_in_api, "zoë\u2028x", "Zoe-Passw0rd!"), 401, "invalid_credentials")
    session = assert_challenge(
        sign_in(sign_in_api, "tom", "Tom-Passw0rd!"), "SOFTWARE_TOKEN_MFA", "tom"
    )
    code = totp.code(seed.DEMO_TOTP_SECRET, fake_clock())
    answer = {"challenge": "SOFTWARE_TOKEN_MFA", "session": session, "username": "tom"}
    tom = assert_tokens(post(sign_in_api, "/auth/challenge", {**answer, "code": code}))
    newbie = assert_challenge(
        sign_in(sign_in_api, "newbie", "Temp-Passw0rd1!"), "NEW_PASSWORD_REQUIRED", "newbie"
    )
    new_password = {
        "challenge": "NEW_PASSWORD_REQUIRED",
        "session": newbie,
        "username": "newbie",
        "new_password": "Chosen-Passw0rd1!",
    }
    assert_tokens(post(sign_in_api, "/auth/challenge", new_password))
    body = {"refresh_token": tokens["refresh_token"], "username": "alice"}
    renewed = assert_tokens(post(sign_in_api, "/auth/refresh", body), refresh=False)

    secrets = {
        "alice's password": "Alice-Passw0rd!",
        "a wrong password": "Wrong-Alice-Passw0rd!",
        "an invalid body's password": "Mallory-Passw0rd!",
        "an unknown user's password": "Zoe-Passw0rd!",
        "tom's password": "Tom-Passw0rd!",
        "the temporary password": "Temp-Passw0rd1!",
        "the new password": "Chosen-Passw0rd1!",
        "tom's session": session,
        "newbie's session": newbie,
        "the TOTP code": code,
        "the access token": tokens["access_token"],
        "the id token": tokens["id_token"],
        "the refresh token": tokens["refresh_token"],
        "tom's refresh token": tom["refresh_token"],
        "a refreshed access token": renewed["access_token"],
    }
    # The API's records (the stand-in runs in this process too: its own suite checks it).
    records = [r for r in caplog.records if r.name.startswith(("protected_api", "botocore"))]
    text = "\n".join(r.getMessage() for r in records)
    leaked = [name for name, value in secrets.items() if value in text]
    assert not leaked, leaked

    audit = [json.loads(r.getMessage()) for r in records if r.name == "protected_api.audit"]
    seen = [(a["action"], a["challenge"], a["username"], a["result"]) for a in audit]
    assert seen == [
        ("sign_in", None, "alice", "tokens"),
        ("sign_in", None, "alice", "invalid_credentials"),
        # The invalid body wrote nothing; the unknown name is escaped like any audit field.
        ("sign_in", None, "zoë\\u2028x", "invalid_credentials"),
        ("sign_in", None, "tom", "challenge:SOFTWARE_TOKEN_MFA"),
        ("challenge", "SOFTWARE_TOKEN_MFA", "tom", "tokens"),
        ("sign_in", None, "newbie", "challenge:NEW_PASSWORD_REQUIRED"),
        ("challenge", "NEW_PASSWORD_REQUIRED", "newbie", "tokens"),
        ("refresh", None, "alice", "tokens"),
    ]
    assert {a["client"] for a in audit} == {"127.0.0.1"}
    assert all(re.fullmatch(r"[0-9a-f]{32}", a["request_id"]) for a in audit)
    assert all(
        set(a) == {"time", "request_id", "action", "challenge", "username", "client", "result"}
        for a in audit
    )


# -- an automation client with a secret ------------------------------------------------------


def test_a_client_with_a_secret_signs_in_with_secret_hash(
    idp: Any,
    stand_in: server.LocalCognito,
    fake_clock: clock.FakeClock,
    aws_keys: None,
) -> None:
    client_id, secret = create_automation_client(idp, stand_in, secret=True)
    assert secret
    config = password_sign_in_settings(stand_in, client_id, PASSWORD_SIGN_IN_CLIENT_SECRET=secret)
    assert secret not in repr(config)
    with api_server.ApiServer(sign_in_app(config, fake_clock)) as running:
        tokens = assert_tokens(sign_in(running, "alice", "Alice-Passw0rd!"))
        body = {"refresh_token": tokens["refresh_token"], "username": "alice"}
        assert_tokens(post(running, "/auth/refresh", body), refresh=False)


# -- two API processes, one limit (DynamoDB) -------------------------------------------------


@pytest.fixture
def dynamodb_endpoint() -> Iterator[str]:
    """moto's DynamoDB on a loopback port, for the processes of one test."""
    from moto.server import ThreadedMotoServer

    motoserver = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    motoserver.start()
    host, port = motoserver.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        motoserver.stop()


def create_attempt_table(endpoint: str, region: str, name: str = "attempts") -> Any:
    """The table as the template declares it: ``pk`` (string), TTL on ``expires_at``."""
    dynamodb = boto3.client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.update_time_to_live(
        TableName=name,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"},
    )
    return dynamodb


@contextlib.contextmanager
def api_process(environ: dict[str, str], log: Path) -> Iterator[str]:
    """``python -m protected_api --port 0`` with ``environ``; yields its URL."""
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "protected_api", "--port", "0"],
            env=environ,
            cwd=ROOT,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            found = re.search(rb"Uvicorn running on (http://127\.0\.0\.1:\d+)", log.read_bytes())
            if found:
                yield found.group(1).decode()
                return
            assert process.poll() is None, log.read_text(errors="replace")
            assert time.monotonic() < deadline, log.read_text(errors="replace")
            time.sleep(0.05)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.mark.slow
def test_two_api_processes_share_one_limit(
    stand_in: server.LocalCognito,
    automation_client: str,
    dynamodb_endpoint: str,
    tmp_path: Path,
) -> None:
    region = stand_in.pool.settings.region
    dynamodb = create_attempt_table(dynamodb_endpoint, region)
    info = stand_in.info()
    environ = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "COGNITO_"))},
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_CONFIG_FILE": "/nonexistent",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
        "COGNITO_USER_POOL_ID": info["user_pool_id"],
        "COGNITO_CLIENT_IDS": f"{info['client_id']},{automation_client}",
        "COGNITO_JWKS_URL": info["jwks_url"],
        "COGNITO_IDP_ENDPOINT_URL": info["cognito_idp_endpoint"],
        "PASSWORD_SIGN_IN_CLIENT_ID": automation_client,
        "ATTEMPT_STORE_TABLE": "attempts",
        "ATTEMPT_STORE_ENDPOINT_URL": dynamodb_endpoint,
    }
    free = attempt_limits.ADDRESS_POLICY.free
    with (
        api_process(environ, tmp_path / "a.log") as first,
        api_process(environ, tmp_path / "b.log") as second,
    ):
        statuses: list[int] = []
        # Credential stuffing: one address, a new username each time (so Cognito's own
        # lockout, which is per user, never answers). Alternate between the processes:
        # each alone sees half of the attempts.
        for n in range(free + 3):
            url = first if n % 2 == 0 else second
            body = {"username": f"stuffed-{n}", "password": "Guess-Passw0rd!"}
            response = requests.post(f"{url}/auth/sign-in", json=body, timeout=TIMEOUT)
            statuses.append(response.status_code)
            if response.status_code == 429:
                assert response.json()["error"] == "too_many_attempts"
                assert int(response.headers["Retry-After"]) >= 1
                break
        # The shared limit: the address is refused after its 20th attempt in all (the
        # lock it sets lasts 1 s, then 2 s after the 21st...). With a counter per
        # process, each would have allowed 20 of its own: no 429 before the 41st.
        assert statuses[:free] == [401] * free, statuses
        assert statuses[-1] == 429, statuses
        items = dynamodb.scan(TableName="attempts")["Items"]
        by_address = [i for i in items if i["pk"]["S"].startswith("addr:")]
        assert len(by_address) == 1 and int(by_address[0]["attempts"]["N"]) >= free
        assert all(i["pk"]["S"].startswith(("addr:", "user:")) for i in items)
        assert not [i for i in items if "stuffed" in json.dumps(i)]  # keys are hashed
    logs = (tmp_path / "a.log").read_text() + (tmp_path / "b.log").read_text()
    audit_lines = [line for line in logs.splitlines() if "protected_api.audit" in line]
    assert len(audit_lines) == len(statuses)
    assert "Guess-Passw0rd!" not in logs
