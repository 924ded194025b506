"""desktop_app.auth.cognito_idp: where Cognito's user API is, and GlobalSignOut."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
import responses

from desktop_app import config, errors
from desktop_app.auth import cognito_idp, http

ISSUER = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Unit"
API = "https://cognito-idp.eu-west-1.amazonaws.com/"
ACCESS = "eyJ-access-token-of-the-user"


def profile(**table: str) -> config.Profile:
    base = {
        "client_id": "c",
        "domain": "https://auth.example.com",
        "redirect_uris": ["http://127.0.0.1:53682/callback"],
    }
    return config.parse_profile("unit", {**base, **table})


@pytest.mark.parametrize(
    ("table", "endpoint"),
    [
        ({"user_pool_id": "eu-west-1_Unit"}, API),
        ({"issuer": ISSUER}, API),  # an issuer-only profile: the region is in its host
        (
            {
                "user_pool_id": "eu-west-1_Unit",
                "discovery_url": "http://127.0.0.1:9229/pool/.well-known/openid-configuration",
            },
            "http://127.0.0.1:9229/",  # a local pool: the override's origin
        ),
    ],
    ids=["pool id", "issuer only", "local pool"],
)
def test_the_endpoint_follows_the_profile(table: dict[str, str], endpoint: str) -> None:
    assert cognito_idp.endpoint(profile(**table)) == endpoint


@responses.activate
def test_global_sign_out_sends_the_access_token_as_aws_json() -> None:
    responses.add(responses.POST, API, json={})
    with http.new_session() as session:
        cognito_idp.global_sign_out(session, API, ACCESS)
    (call,) = responses.calls
    assert call.request.headers["X-Amz-Target"] == (
        "AWSCognitoIdentityProviderService.GlobalSignOut"
    )
    assert call.request.headers["Content-Type"] == "application/x-amz-json-1.1"
    assert json.loads(call.request.body or b"") == {"AccessToken": ACCESS}


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ({"status": 400, "json": {"__type": "NotAuthorizedException"}}, "HTTP 400"),
        ({"status": 500, "body": "down"}, "HTTP 500"),
        ({"body": requests.ConnectionError(f"failed with {ACCESS}")}, "ConnectionError"),
        ({"body": requests.ReadTimeout("read timed out")}, "ReadTimeout"),
    ],
    ids=["refused", "server error", "unreachable", "timeout"],
)
@responses.activate
def test_a_failed_global_sign_out_is_a_short_secret_free_reason(
    answer: dict[str, object], reason: str
) -> None:
    responses.add(responses.POST, API, **answer)  # type: ignore[arg-type]
    with http.new_session() as session, pytest.raises(cognito_idp.CallFailed) as caught:
        cognito_idp.global_sign_out(session, API, ACCESS)
    assert str(caught.value) == reason
    assert caught.value.__suppress_context__ or caught.value.__context__ is None


# -- call: every request to Cognito's user API -------------------------------------------


@responses.activate
def test_a_call_names_its_operation_and_has_the_apps_timeout() -> None:
    responses.add(responses.POST, API, json={"Username": "alice"})
    # A plain requests session (no default timeout of its own): the call sets it.
    with requests.Session() as session:
        answer = cognito_idp.call(session, API, "GetUser", {"AccessToken": ACCESS})
    assert answer == {"Username": "alice"}
    sent: Any = responses.calls[0].request  # responses adds req_kwargs to the request it saw
    assert sent.headers["X-Amz-Target"] == "AWSCognitoIdentityProviderService.GetUser"
    assert sent.req_kwargs["timeout"] == http.TIMEOUT


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        (
            {"__type": "CodeMismatchException", "message": "Invalid code received for user"},
            "CodeMismatchException",
            "Invalid code received for user",
        ),
        (  # the namespaced form some AWS front ends send, and a trailing URL
            {"__type": "com.amazonaws.cognito#NotAuthorizedException:http://x", "Message": "No"},
            "NotAuthorizedException",
            "No",
        ),
        (
            {"__type": "Limit\x1b[2JExceeded", "message": "a\nb"},
            "Limit\ufffd[2JExceeded",
            "a\ufffdb",
        ),
        ({"message": ""}, None, None),
        ([1, 2], None, None),
        ("not json at all", None, None),
    ],
    ids=["plain", "namespaced", "control characters", "no type", "not an object", "not json"],
)
@responses.activate
def test_a_refusal_carries_cognitos_code_and_printable_message(
    body: object, code: str | None, message: str | None
) -> None:
    if isinstance(body, str):
        responses.add(responses.POST, API, status=400, body=body)
    else:
        responses.add(responses.POST, API, status=400, json=body)
    with http.new_session() as session, pytest.raises(cognito_idp.Refused) as caught:
        cognito_idp.call(session, API, "VerifySoftwareToken", {"AccessToken": ACCESS})
    assert (caught.value.status, caught.value.code, caught.value.message) == (400, code, message)
    assert str(caught.value) == "HTTP 400"


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ({"body": "<html>"}, "VerifySoftwareToken did not answer JSON"),
        ({"json": ["a"]}, "VerifySoftwareToken did not answer a JSON object"),
        ({"body": b"x" * (cognito_idp.MAX_ANSWER_BYTES + 1)}, "answered more than"),
    ],
    ids=["not json", "not an object", "too big"],
)
@responses.activate
def test_a_200_that_is_not_an_answer_fails(answer: dict[str, object], problem: str) -> None:
    responses.add(responses.POST, API, **answer)  # type: ignore[arg-type]
    with http.new_session() as session, pytest.raises(cognito_idp.CallFailed, match=problem):
        cognito_idp.call(session, API, "VerifySoftwareToken", {"AccessToken": ACCESS})


@responses.activate
def test_an_empty_200_is_an_empty_answer() -> None:
    responses.add(responses.POST, API, body="")
    with http.new_session() as session:
        assert cognito_idp.call(session, API, "SetUserMFAPreference", {}) == {}


@responses.activate
def test_no_answer_is_a_network_error() -> None:
    responses.add(responses.POST, API, body=requests.ConnectTimeout("connect timed out"))
    with http.new_session() as session, pytest.raises(errors.NetworkError) as caught:
        cognito_idp.call(session, API, "GetUser", {"AccessToken": ACCESS})
    assert isinstance(caught.value, cognito_idp.Unreachable)
    assert str(caught.value) == "ConnectTimeout"
