"""The password sign-in adapter: the requests it sends (SECRET_HASH included), the
answers it makes of Cognito's, and its client's bounds. Which answer each Cognito
error becomes is test_sign_in_errors.py's subject."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from protected_api import cognito_sign_in, settings, sign_in_errors
from tests.unit.protected_api import stubs

CLIENT = "automation-client"
SECRET = "secret"
SESSION = "s" * 40
RESULT = {
    "AccessToken": "access",
    "IdToken": "id",
    "RefreshToken": "refresh",
    "ExpiresIn": 3600,
    "TokenType": "Bearer",
}

Stubbed = tuple[cognito_sign_in.PasswordSignIn, Stubber]


def stubbed_with(secret: str | None) -> Iterator[Stubbed]:
    client = boto3.client("cognito-idp", region_name="us-east-1")
    with Stubber(client) as stubber:
        yield cognito_sign_in.PasswordSignIn(client, stubs.POOL_ID, CLIENT, secret), stubber
        stubber.assert_no_pending_responses()


@pytest.fixture
def public(aws_credentials: None) -> Iterator[Stubbed]:
    yield from stubbed_with(None)


@pytest.fixture
def confidential(aws_credentials: None) -> Iterator[Stubbed]:
    yield from stubbed_with(SECRET)


def test_secret_hash_is_hmac_sha256_of_username_and_client_id() -> None:
    # printf 'aliceclient-a' | openssl dgst -sha256 -hmac secret -binary | base64
    expected = "xQmUjuQc+pQN3/8LVd/iHrB8W0aK0Sp5WWMiO5qsZZ0="
    assert cognito_sign_in.secret_hash("alice", "client-a", "secret") == expected


def test_a_password_sign_in_without_a_secret(public: Stubbed) -> None:
    adapter, stubber = public
    stubber.add_response(
        "admin_initiate_auth",
        {"AuthenticationResult": RESULT, "ChallengeParameters": {}},
        {
            "UserPoolId": stubs.POOL_ID,
            "ClientId": CLIENT,
            "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
            "AuthParameters": {"USERNAME": "alice", "PASSWORD": "pw"},
        },
    )
    tokens = adapter.start("alice", "pw")
    assert tokens == cognito_sign_in.Tokens("access", "id", "refresh", 3600, "Bearer")
    assert "access" not in repr(tokens) and "refresh" not in repr(tokens)


def test_every_call_of_a_client_with_a_secret_sends_secret_hash(confidential: Stubbed) -> None:
    adapter, stubber = confidential
    alice = cognito_sign_in.secret_hash("alice", CLIENT, SECRET)
    stubber.add_response(
        "admin_initiate_auth",
        {"ChallengeName": "SOFTWARE_TOKEN_MFA", "Session": SESSION, "ChallengeParameters": {}},
        {
            "UserPoolId": stubs.POOL_ID,
            "ClientId": CLIENT,
            "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
            "AuthParameters": {"USERNAME": "alice", "PASSWORD": "pw", "SECRET_HASH": alice},
        },
    )
    stubber.add_response(
        "admin_respond_to_auth_challenge",
        {"AuthenticationResult": RESULT, "ChallengeParameters": {}},
        {
            "UserPoolId": stubs.POOL_ID,
            "ClientId": CLIENT,
            "ChallengeName": "SOFTWARE_TOKEN_MFA",
            "Session": SESSION,
            "ChallengeResponses": {
                "USERNAME": "alice",
                "SOFTWARE_TOKEN_MFA_CODE": "123456",
                "SECRET_HASH": alice,
            },
        },
    )
    stubber.add_response(
        "admin_initiate_auth",
        {"AuthenticationResult": {**RESULT, "RefreshToken": "ignored"}},
        {
            "UserPoolId": stubs.POOL_ID,
            "ClientId": CLIENT,
            "AuthFlow": "REFRESH_TOKEN_AUTH",
            "AuthParameters": {"REFRESH_TOKEN": "refresh", "SECRET_HASH": alice},
        },
    )
    challenge = adapter.start("alice", "pw")
    assert challenge == cognito_sign_in.Challenge("SOFTWARE_TOKEN_MFA", SESSION, "alice")
    assert SESSION not in repr(challenge)
    adapter.respond("SOFTWARE_TOKEN_MFA", SESSION, "alice", {"SOFTWARE_TOKEN_MFA_CODE": "123456"})
    refreshed = adapter.refresh("refresh", "alice")
    assert refreshed.refresh_token is None  # the client keeps the one it has
    assert refreshed.access_token == "access"


def test_a_challenge_names_the_user_as_cognito_does(public: Stubbed) -> None:
    adapter, stubber = public
    stubber.add_response(
        "admin_initiate_auth",
        {
            "ChallengeName": "NEW_PASSWORD_REQUIRED",
            "Session": SESSION,
            # Signed in with an email alias: the answers must name the user.
            "ChallengeParameters": {"USER_ID_FOR_SRP": "alice", "requiredAttributes": "[]"},
        },
    )
    challenge = adapter.start("alice@example.com", "pw")
    assert challenge == cognito_sign_in.Challenge("NEW_PASSWORD_REQUIRED", SESSION, "alice")


@pytest.mark.parametrize("name", ["SMS_MFA", "EMAIL_OTP", "SELECT_MFA_TYPE", "CUSTOM_CHALLENGE"])
def test_a_challenge_no_client_can_answer_is_an_upstream_error(public: Stubbed, name: str) -> None:
    adapter, stubber = public
    stubber.add_response(
        "admin_initiate_auth",
        {"ChallengeName": name, "Session": SESSION, "ChallengeParameters": {}},
    )
    with pytest.raises(sign_in_errors.SignInError) as caught:
        adapter.start("alice", "pw")
    assert (caught.value.status, caught.value.code) == (502, "unsupported_challenge")
    assert name in caught.value.message
    assert not caught.value.counted  # the password was right


@pytest.mark.parametrize(
    "answer",
    [
        {"ChallengeName": "SOFTWARE_TOKEN_MFA", "ChallengeParameters": {}},  # no session
        {"AuthenticationResult": {"AccessToken": "access"}},  # no ID token
    ],
)
def test_an_incomplete_answer_is_an_upstream_error(public: Stubbed, answer: dict[str, Any]) -> None:
    adapter, stubber = public
    stubber.add_response("admin_initiate_auth", answer)
    with pytest.raises(sign_in_errors.SignInError) as caught:
        adapter.start("alice", "pw")
    assert (caught.value.status, caught.value.code) == (502, "upstream_error")


def test_mfa_setup_associates_then_verifies_with_the_session(public: Stubbed) -> None:
    adapter, stubber = public
    stubber.add_response(
        "associate_software_token",
        {"SecretCode": "SECRETSECRET2345", "Session": "t" * 40},
        {"Session": SESSION},
    )
    stubber.add_response(
        "verify_software_token",
        {"Status": "SUCCESS", "Session": "u" * 40},
        {"Session": "t" * 40, "UserCode": "123456"},
    )
    setup = adapter.associate_totp(SESSION)
    assert setup == cognito_sign_in.TotpSetup("SECRETSECRET2345", "t" * 40)
    assert "SECRETSECRET2345" not in repr(setup)
    assert adapter.verify_totp(setup.session, "123456") == "u" * 40


def test_a_refresh_answered_with_a_challenge_is_an_upstream_error(public: Stubbed) -> None:
    adapter, stubber = public
    stubber.add_response(
        "admin_initiate_auth",
        {"ChallengeName": "SOFTWARE_TOKEN_MFA", "Session": SESSION, "ChallengeParameters": {}},
    )
    with pytest.raises(sign_in_errors.SignInError) as caught:
        adapter.refresh("refresh", "alice")
    assert caught.value.code == "upstream_error"


@pytest.mark.parametrize(
    ("call", "operation", "flow_error"),
    [
        (lambda a: a.start("alice", "pw"), "admin_initiate_auth", "invalid_credentials"),
        (
            lambda a: a.respond("NEW_PASSWORD_REQUIRED", SESSION, "u", {"NEW_PASSWORD": "x"}),
            "admin_respond_to_auth_challenge",
            "invalid_session",
        ),
        (lambda a: a.associate_totp(SESSION), "associate_software_token", "invalid_session"),
        (lambda a: a.verify_totp(SESSION, "123456"), "verify_software_token", "invalid_session"),
        (lambda a: a.refresh("refresh", "alice"), "admin_initiate_auth", "invalid_grant"),
    ],
)
def test_every_call_maps_cognitos_errors_for_its_flow(
    public: Stubbed, call: Any, operation: str, flow_error: str
) -> None:
    adapter, stubber = public
    stubber.add_client_error(operation, "NotAuthorizedException", "alice", http_status_code=400)
    with pytest.raises(sign_in_errors.SignInError) as caught:
        call(adapter)
    assert caught.value.code == flow_error
    assert "alice" not in caught.value.message  # Cognito's (moto's) message is not passed on


def test_the_client_is_bounded_and_made_for_the_automation_client(aws_credentials: None) -> None:
    config = dataclasses.replace(
        stubs.settings_for("http://127.0.0.1:9"),
        client_ids=(stubs.CLIENT, CLIENT),
        password_sign_in_client_id=CLIENT,
        password_sign_in_client_secret=SECRET,
    )
    adapter = cognito_sign_in.PasswordSignIn.from_settings(config)
    assert (adapter.client_id, adapter.user_pool_id) == (CLIENT, stubs.POOL_ID)
    client_config = adapter.client.meta.config
    assert (client_config.connect_timeout, client_config.read_timeout) == (3, 10)
    assert client_config.retries == {"mode": "standard", "total_max_attempts": 2}
    assert adapter.client.meta.endpoint_url == "http://127.0.0.1:9"
    assert SECRET not in repr(config) and isinstance(config, settings.Settings)
