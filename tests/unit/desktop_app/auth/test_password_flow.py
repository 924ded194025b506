"""desktop_app.auth.password_flow: the protected API's password sign-in, over ``responses``.

Each answer of the contract (tokens, each challenge), each error answer, transport
failures and garbage; every request has a timeout and follows no redirect; no line
(message or log) holds the password, a token, a code or the challenge's session.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
import requests
import responses

from desktop_app import errors
from desktop_app.auth import http, password_flow, tokens

API = "https://api.example.com/v1"
SIGN_IN = API + password_flow.SIGN_IN_PATH
CHALLENGE = API + password_flow.CHALLENGE_PATH
REFRESH = API + password_flow.REFRESH_PATH
NOW = 1_700_000_000.0
PASSWORD = "Sekr1t-Passw0rd!"
NEW_PASSWORD = "N3w-Passw0rd-2!"
CODE = "123456"
SESSION = "opaque-challenge-session-" + "s" * 40
REFRESH_TOKEN = "refresh-" + "r" * 60
ACCESS = "access-" + "a" * 60
ID = "id-" + "i" * 60
SECRETS = (PASSWORD, NEW_PASSWORD, CODE, SESSION, REFRESH_TOKEN, ACCESS, ID)
TOKENS = {
    "access_token": ACCESS,
    "id_token": ID,
    "refresh_token": REFRESH_TOKEN,
    "expires_in": 3600,
    "token_type": "Bearer",
}


@pytest.fixture
def mock() -> Any:
    with responses.RequestsMock() as running:
        yield running


@pytest.fixture
def client() -> password_flow.PasswordSignIn:
    return password_flow.PasswordSignIn(API + "/", http.new_session(), now=lambda: NOW)


def challenge(name: str) -> dict[str, str]:
    return {"challenge": name, "session": SESSION, "username": "alice"}


def body_of(call: Any) -> dict[str, Any]:
    return dict(json.loads(call.request.body))


def error(status: int, code: str, message: str = "", **headers: str) -> dict[str, Any]:
    return {
        "status": status,
        "json": {"error": code, "message": message or code},
        "headers": headers,
    }


# -- the answers -------------------------------------------------------------------------


def test_sign_in_posts_json_and_answers_tokens(
    mock: Any, client: password_flow.PasswordSignIn
) -> None:
    mock.add(responses.POST, SIGN_IN, json=TOKENS)
    answer = client.sign_in("alice", PASSWORD)
    assert isinstance(answer, tokens.TokenResponse)
    assert (answer.access_token, answer.id_token, answer.refresh_token) == (
        ACCESS,
        ID,
        REFRESH_TOKEN,
    )
    assert answer.expires_at == NOW + 3600
    assert answer.scope == password_flow.ACCESS_TOKEN_SCOPE
    (call,) = mock.calls
    assert body_of(call) == {"username": "alice", "password": PASSWORD}
    assert call.request.headers["Content-Type"] == "application/json"
    assert PASSWORD not in repr(answer) and ACCESS not in repr(answer)


@pytest.mark.parametrize("name", ["NEW_PASSWORD_REQUIRED", "SOFTWARE_TOKEN_MFA", "MFA_SETUP"])
def test_sign_in_answers_each_challenge(
    mock: Any, client: password_flow.PasswordSignIn, name: str
) -> None:
    mock.add(responses.POST, SIGN_IN, json=challenge(name))
    answer = client.sign_in("alice", PASSWORD)
    assert answer == password_flow.Challenge(name, SESSION, "alice")
    assert SESSION not in repr(answer)


@pytest.mark.parametrize(
    ("name", "key", "value"),
    [("NEW_PASSWORD_REQUIRED", "new_password", NEW_PASSWORD), ("SOFTWARE_TOKEN_MFA", "code", CODE)],
)
def test_respond_sends_the_answer_under_its_name(
    mock: Any, client: password_flow.PasswordSignIn, name: str, key: str, value: str
) -> None:
    mock.add(responses.POST, CHALLENGE, json=TOKENS)
    answer = client.respond(password_flow.Challenge(name, SESSION, "alice"), value)
    assert isinstance(answer, tokens.TokenResponse)
    assert body_of(mock.calls[0]) == {
        "challenge": name,
        "session": SESSION,
        "username": "alice",
        key: value,
    }


def test_respond_refuses_a_challenge_it_cannot_answer(client: password_flow.PasswordSignIn) -> None:
    with pytest.raises(ValueError, match="MFA_SETUP"):
        client.respond(password_flow.Challenge("MFA_SETUP", SESSION, "alice"), "x")


def test_refresh_sends_token_and_username_and_keeps_no_refresh_token(
    mock: Any, client: password_flow.PasswordSignIn
) -> None:
    mock.add(
        responses.POST, REFRESH, json={k: v for k, v in TOKENS.items() if k != "refresh_token"}
    )
    answer = client.refresh(REFRESH_TOKEN, "alice")
    assert answer.refresh_token is None and answer.access_token == ACCESS
    assert body_of(mock.calls[0]) == {"refresh_token": REFRESH_TOKEN, "username": "alice"}


def test_every_call_has_a_timeout(mock: Any, client: password_flow.PasswordSignIn) -> None:
    mock.add(responses.POST, SIGN_IN, json=challenge("SOFTWARE_TOKEN_MFA"))
    mock.add(responses.POST, CHALLENGE, json=TOKENS)
    mock.add(responses.POST, REFRESH, json=TOKENS)
    outcome = client.sign_in("alice", PASSWORD)
    assert isinstance(outcome, password_flow.Challenge)
    client.respond(outcome, CODE)
    client.refresh(REFRESH_TOKEN, "alice")
    assert len(mock.calls) == 3
    for call in mock.calls:
        assert call.request.req_kwargs["timeout"] == http.TIMEOUT


# -- the error answers -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code", "says"),
    [
        (401, "invalid_credentials", "incorrect username or password"),
        (403, "user_disabled", "this account is disabled"),
        (409, "password_reset_required", "login --forgot-password"),
        (401, "invalid_session", "its challenge expired; start again"),
        (400, "invalid_request", "the API refused the sign-in (HTTP 400, invalid_request): why"),
        (418, "\x1b[31mteapot", "(HTTP 418, http_418)"),
    ],
)
def test_an_error_answer_is_one_line_saying_what_to_do(
    mock: Any, client: password_flow.PasswordSignIn, status: int, code: str, says: str
) -> None:
    mock.add(responses.POST, SIGN_IN, **error(status, code, "why"))
    with pytest.raises(password_flow.Refused) as refused:
        client.sign_in("alice", PASSWORD)
    assert says in str(refused.value)
    assert refused.value.status == status and "\n" not in str(refused.value)
    assert not refused.value.grant_is_dead


def test_too_many_attempts_says_how_long_to_wait(
    mock: Any, client: password_flow.PasswordSignIn
) -> None:
    mock.add(responses.POST, SIGN_IN, **error(429, "too_many_attempts", **{"Retry-After": "30"}))
    with pytest.raises(password_flow.Refused) as refused:
        client.sign_in("alice", PASSWORD)
    assert refused.value.error == "too_many_attempts" and refused.value.retry_after == 30
    assert str(refused.value) == "too many sign-in attempts; try again in 30 s"


@pytest.mark.parametrize("retry_after", ["Wed, 21 Oct 2015 07:28:00 GMT", "\u00b2", "-1", ""])
def test_a_retry_after_that_is_no_number_of_seconds_is_not_said(
    mock: Any, client: password_flow.PasswordSignIn, retry_after: str
) -> None:
    mock.add(
        responses.POST, SIGN_IN, **error(429, "too_many_attempts", **{"Retry-After": retry_after})
    )
    with pytest.raises(password_flow.Refused) as refused:
        client.sign_in("alice", PASSWORD)
    assert refused.value.retry_after is None
    assert str(refused.value).endswith("try again later")


def test_a_404_means_the_feature_is_off_at_the_api(
    mock: Any, client: password_flow.PasswordSignIn
) -> None:
    mock.add(responses.POST, SIGN_IN, status=404, json={"detail": "Not Found"})
    with pytest.raises(password_flow.Refused) as refused:
        client.sign_in("alice", PASSWORD)
    assert refused.value.error == "not_found"
    assert str(refused.value).startswith(
        "password sign-in is not turned on at the API (https://api.example.com/v1)"
    )


def test_a_dead_refresh_token_is_invalid_grant(
    mock: Any, client: password_flow.PasswordSignIn
) -> None:
    mock.add(responses.POST, REFRESH, **error(401, "invalid_grant"))
    with pytest.raises(password_flow.Refused) as refused:
        client.refresh(REFRESH_TOKEN, "alice")
    assert refused.value.grant_is_dead


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_failures_are_transient(
    mock: Any, client: password_flow.PasswordSignIn, status: int
) -> None:
    mock.add(responses.POST, SIGN_IN, status=status, body="<html>gateway</html>")
    with pytest.raises(errors.NetworkError, match=rf"\(HTTP {status}\); try again shortly"):
        client.sign_in("alice", PASSWORD)


def test_throttled_refresh_is_transient(mock: Any, client: password_flow.PasswordSignIn) -> None:
    mock.add(responses.POST, REFRESH, **error(429, "too_many_attempts", **{"Retry-After": "5"}))
    with pytest.raises(errors.NetworkError, match="try again in 5 s"):
        client.refresh(REFRESH_TOKEN, "alice")


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_is_not_followed_so_the_password_goes_nowhere_else(
    mock: Any, client: password_flow.PasswordSignIn, status: int
) -> None:
    mock.add(
        responses.POST,
        SIGN_IN,
        status=status,
        headers={"Location": "https://evil.example/steal"},
        json={"error": "invalid_grant"},
    )
    with pytest.raises(errors.NetworkError, match="redirected"):
        client.sign_in("alice", PASSWORD)
    assert len(mock.calls) == 1  # and responses would have failed a call to evil.example


@pytest.mark.parametrize(
    ("exception", "says"),
    [
        (requests.ConnectTimeout(), "did not answer in time"),
        (requests.ReadTimeout(), "did not answer in time"),
        (requests.ConnectionError(), "cannot reach https://api.example.com/v1/auth/sign-in"),
    ],
)
def test_transport_failures_are_network_errors(
    mock: Any, client: password_flow.PasswordSignIn, exception: Exception, says: str
) -> None:
    mock.add(responses.POST, SIGN_IN, body=exception)
    with pytest.raises(errors.NetworkError, match=says):
        client.sign_in("alice", PASSWORD)


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        ({"body": "not json"}, "did not answer JSON"),
        ({"json": [1, 2]}, "is not a JSON object"),
        ({"body": b'{"a": 1, "a": 2}'}, "did not answer JSON"),
        ({"json": {**TOKENS, **challenge("SOFTWARE_TOKEN_MFA")}}, "both tokens and a challenge"),
        ({"json": {"challenge": "SOFTWARE_TOKEN_MFA", "username": "a"}}, "no challenge session"),
        ({"json": {**challenge("SOFTWARE_TOKEN_MFA"), "username": ""}}, "has no username"),
        ({"json": {**challenge("x y"), "username": "a"}}, "names no valid challenge"),
        ({"json": {**TOKENS, "token_type": "mac"}}, "not a bearer token"),
        ({"json": {**TOKENS, "expires_in": "soon"}}, "without a valid expires_in"),
        ({"json": {**TOKENS, "access_token": ""}}, "without an access_token"),
        ({"json": {}}, "without an access_token"),
    ],
)
def test_garbled_answers_are_refused(
    mock: Any, client: password_flow.PasswordSignIn, answer: dict[str, Any], says: str
) -> None:
    mock.add(responses.POST, SIGN_IN, **answer)
    with pytest.raises(errors.NetworkError, match=says):
        client.sign_in("alice", PASSWORD)


def test_an_answer_larger_than_any_token_answer_is_cut_off(
    mock: Any, client: password_flow.PasswordSignIn
) -> None:
    mock.add(responses.POST, SIGN_IN, body=b"x" * (password_flow.MAX_ANSWER_BYTES + 1))
    with pytest.raises(errors.NetworkError, match="more than"):
        client.sign_in("alice", PASSWORD)


# -- run: the challenges, in order ---------------------------------------------------------


def test_run_answers_a_new_password_then_a_code(
    mock: Any, client: password_flow.PasswordSignIn
) -> None:
    mock.add(responses.POST, SIGN_IN, json=challenge("NEW_PASSWORD_REQUIRED"))
    mock.add(responses.POST, CHALLENGE, json=challenge("SOFTWARE_TOKEN_MFA"))
    mock.add(responses.POST, CHALLENGE, json=TOKENS)
    asked: list[str] = []

    def answer(asking: password_flow.Challenge) -> str:
        asked.append(asking.name)
        return NEW_PASSWORD if asking.name == "NEW_PASSWORD_REQUIRED" else CODE

    response = password_flow.run(client, "alice", PASSWORD, answer=answer)
    assert response.access_token == ACCESS
    assert asked == ["NEW_PASSWORD_REQUIRED", "SOFTWARE_TOKEN_MFA"]
    assert body_of(mock.calls[1])["new_password"] == NEW_PASSWORD
    assert body_of(mock.calls[2])["code"] == CODE


@pytest.mark.parametrize(
    ("name", "says"),
    [("MFA_SETUP", "set up an authenticator app"), ("SMS_MFA", "asks for SMS_MFA")],
)
def test_run_cannot_answer_what_needs_the_browser(
    mock: Any, client: password_flow.PasswordSignIn, name: str, says: str
) -> None:
    mock.add(responses.POST, SIGN_IN, json=challenge(name))
    with pytest.raises(password_flow.CannotAnswer, match=says) as refused:
        password_flow.run(client, "alice", PASSWORD, answer=lambda c: pytest.fail("asked"))
    assert refused.value.challenge == name and "cognito-desktop login" in str(refused.value)


def test_run_gives_up_on_endless_challenges(
    mock: Any, client: password_flow.PasswordSignIn
) -> None:
    mock.add(responses.POST, SIGN_IN, json=challenge("SOFTWARE_TOKEN_MFA"))
    mock.add(responses.POST, CHALLENGE, json=challenge("SOFTWARE_TOKEN_MFA"))
    with pytest.raises(errors.SignInError, match="more than 4 questions"):
        password_flow.run(client, "alice", PASSWORD, answer=lambda c: CODE)
    assert len(mock.calls) == 1 + password_flow.MAX_CHALLENGES


# -- no secret in any line ---------------------------------------------------------------


def test_no_message_or_log_line_holds_a_secret(
    mock: Any, client: password_flow.PasswordSignIn, caplog: pytest.LogCaptureFixture
) -> None:
    """Every path that words something, at DEBUG (urllib3's lines included): the
    password, the new password, the code, the session and the tokens never show."""
    caplog.set_level(logging.DEBUG)
    lines: list[str] = []
    mock.add(responses.POST, SIGN_IN, json=challenge("NEW_PASSWORD_REQUIRED"))
    mock.add(responses.POST, CHALLENGE, json=challenge("SOFTWARE_TOKEN_MFA"))
    mock.add(responses.POST, CHALLENGE, json=TOKENS)
    response = password_flow.run(
        client,
        "alice",
        PASSWORD,
        answer=lambda c: NEW_PASSWORD if c.name == "NEW_PASSWORD_REQUIRED" else CODE,
    )
    lines += [repr(response)]
    for status, code in [(401, "invalid_credentials"), (400, "invalid_request"), (500, "x")]:
        mock.replace(responses.POST, SIGN_IN, **error(status, code))
        with pytest.raises(errors.CognitoDesktopError) as failed:
            client.sign_in("alice", PASSWORD)
        lines.append(str(failed.value))
    for status in (401, 404, 429):
        mock.add(responses.POST, REFRESH, **error(status, "invalid_grant"))
        with pytest.raises(errors.CognitoDesktopError) as failed:
            client.refresh(REFRESH_TOKEN, "alice")
        lines.append(str(failed.value))
    text = "\n".join([*lines, caplog.text])
    assert "password sign-in: the API asks for NEW_PASSWORD_REQUIRED" in caplog.text
    for secret in SECRETS:
        assert secret not in text
