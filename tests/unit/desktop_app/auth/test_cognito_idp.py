"""desktop_app.auth.cognito_idp: where Cognito's user API is, and GlobalSignOut."""

from __future__ import annotations

import json

import pytest
import requests
import responses

from desktop_app import config
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
