"""Each module's ``handler(event, context)``: Lambda's door reads the configuration from
os.environ and the client from triggers.aws."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
from botocore.stub import Stubber

from tests.unit.triggers import events
from triggers import (
    aws,
    custom_message,
    post_authentication,
    post_confirmation,
    pre_sign_up,
    pre_token_generation,
)
from triggers.config import ConfigError

ENV = {
    "ALLOWED_EMAIL_DOMAINS": "example.com",
    "DEFAULT_GROUP": "Users",
    "APP_NAME": "Acme Desk",
    "MANAGED_LOGIN_URL": "https://auth.example.com",
    "APP_CLIENT_NAME": "acme-desktop",
    "DEFAULT_PLAN": "starter",
}


@pytest.fixture
def stub(monkeypatch: pytest.MonkeyPatch) -> Iterator[Stubber]:
    """The environment above, and aws.cognito_client answering through a Stubber."""
    for name in (
        "ALLOWED_EMAIL_DOMAINS",
        "DEFAULT_GROUP",
        "ADMIN_GROUP",
        "APP_NAME",
        "MANAGED_LOGIN_URL",
        "APP_CLIENT_NAME",
        "DEFAULT_PLAN",
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    client = events.idp_client()
    monkeypatch.setattr(aws, "cognito_client", lambda: client)
    monkeypatch.setattr(custom_message, "_sign_in_queries", {})
    with Stubber(client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def test_custom_message_end_to_end(stub: Stubber) -> None:
    stub.add_response(
        "list_user_pool_clients",
        {
            "UserPoolClients": [
                {
                    "ClientId": "9acme0000000000000000000",
                    "UserPoolId": events.POOL_ID,
                    "ClientName": "acme-desktop",
                }
            ]
        },
        {"UserPoolId": events.POOL_ID, "MaxResults": 60},
    )
    stub.add_response(
        "describe_user_pool_client",
        {
            "UserPoolClient": {
                "ClientId": "9acme0000000000000000000",
                "CallbackURLs": ["http://127.0.0.1:53682/callback"],
            }
        },
        {"UserPoolId": events.POOL_ID, "ClientId": "9acme0000000000000000000"},
    )
    event = custom_message.handler(events.custom_message(), None)
    message = event["response"]["emailMessage"]
    assert event["response"]["emailSubject"] == "Confirm your Acme Desk account"
    [link] = [html.unescape(h) for h in re.findall(r'href="([^"]*)"', message)]
    assert link.startswith("https://auth.example.com/login?client_id=9acme0000000000000000000&")


def test_post_confirmation_end_to_end(stub: Stubber) -> None:
    stub.add_response(
        "admin_add_user_to_group",
        {},
        {"UserPoolId": events.POOL_ID, "Username": events.USERNAME, "GroupName": "Users"},
    )
    post_confirmation.handler(events.post_confirmation(), None)


def test_post_authentication_end_to_end(stub: Stubber) -> None:
    stub.add_response("admin_update_user_attributes", {})
    post_authentication.handler(events.post_authentication(), None)


@pytest.mark.usefixtures("stub")
def test_pre_sign_up_end_to_end() -> None:
    with pytest.raises(pre_sign_up.SignUpRefused, match=r"example\.com only"):
        pre_sign_up.handler(events.pre_sign_up(email="jane@example.org"), None)


@pytest.mark.usefixtures("stub")
def test_pre_token_generation_end_to_end() -> None:
    event = pre_token_generation.handler(events.pre_token_generation(), None)
    details = event["response"]["claimsAndScopeOverrideDetails"]
    assert details["accessTokenGeneration"]["claimsToAddOrOverride"] == {"plan": "starter"}


@pytest.mark.usefixtures("stub")
def test_bad_environment_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEFAULT_GROUP", "Admin")
    with pytest.raises(ConfigError, match="DEFAULT_GROUP"):
        post_confirmation.handler(events.post_confirmation(), None)
