"""triggers.custom_message: the app's wording, escaped; the code placeholder always; a
sign-in link when the app client can be found, looked up once per pool."""

from __future__ import annotations

import html
import logging
import re
import urllib.parse
from typing import Any

import pytest
from botocore.stub import Stubber

from tests.unit.triggers import events
from triggers import custom_message
from triggers.config import Config

SOURCES = [
    "CustomMessage_SignUp",
    "CustomMessage_ResendCode",
    "CustomMessage_ForgotPassword",
    "CustomMessage_AdminCreateUser",
    "CustomMessage_UpdateUserAttribute",
    "CustomMessage_VerifyUserAttribute",
]
LOGIN = "https://auth.example.com"
LINKED = Config(managed_login_url=LOGIN)
APP_CLIENT = "7exampleappclientid000000"
CALLBACK = "http://127.0.0.1:53682/callback"
FIRST_PAGE = {"UserPoolId": events.POOL_ID, "MaxResults": 60}
SECOND_PAGE = FIRST_PAGE | {"NextToken": "page-2"}


@pytest.fixture(autouse=True)
def no_remembered_clients(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(custom_message, "_sign_in_queries", {})


def _summary(client_id: str, name: str) -> dict[str, str]:
    return {"ClientId": client_id, "UserPoolId": events.POOL_ID, "ClientName": name}


def _queue_lookup(stub: Stubber, callbacks: list[str] | None = None) -> None:
    """Two pages of clients (the app's on the second), then the app client itself."""
    stub.add_response(
        "list_user_pool_clients",
        {
            "UserPoolClients": [
                _summary("1adminconsole000000000000", "admin-console"),
                _summary("2automation0000000000000", "automation"),
            ],
            "NextToken": "page-2",
        },
        FIRST_PAGE,
    )
    stub.add_response(
        "list_user_pool_clients",
        {"UserPoolClients": [_summary(APP_CLIENT, "cognito-desktop")]},
        SECOND_PAGE,
    )
    stub.add_response(
        "describe_user_pool_client",
        {
            "UserPoolClient": {
                "UserPoolId": events.POOL_ID,
                "ClientName": "cognito-desktop",
                "ClientId": APP_CLIENT,
                "CallbackURLs": [CALLBACK, "http://localhost:53682/callback"]
                if callbacks is None
                else callbacks,
            }
        },
        {"UserPoolId": events.POOL_ID, "ClientId": APP_CLIENT},
    )


def _links(message: str) -> list[str]:
    return [html.unescape(href) for href in re.findall(r'href="([^"]*)"', message)]


@pytest.mark.parametrize("source", SOURCES)
def test_each_source_gets_subject_and_message(source: str) -> None:
    event = events.custom_message(source)
    assert custom_message.handle(event, Config(), events.no_cognito) is event
    response = event["response"]
    assert "Cognito Desktop" in response["emailSubject"]
    assert "Cognito Desktop" in response["emailMessage"]
    assert events.CODE_PARAMETER in response["emailMessage"]
    assert response["emailMessage"].startswith("<html><body>")
    assert response["smsMessage"] is None  # left to Cognito
    assert _links(response["emailMessage"]) == []  # no MANAGED_LOGIN_URL, no link


def test_admin_invitation_carries_the_username_placeholder() -> None:
    event = events.custom_message("CustomMessage_AdminCreateUser")
    message = custom_message.handle(event, Config(), events.no_cognito)["response"]["emailMessage"]
    assert events.USERNAME_PARAMETER in message
    assert events.CODE_PARAMETER in message
    assert "temporary password" in message


@pytest.mark.parametrize("source", [s for s in SOURCES if s != "CustomMessage_AdminCreateUser"])
def test_only_the_invitation_names_the_username(source: str) -> None:
    event = events.custom_message(source)
    message = custom_message.handle(event, Config(), events.no_cognito)["response"]["emailMessage"]
    assert events.USERNAME_PARAMETER not in message


def test_invitation_without_username_placeholder_named() -> None:
    event = events.custom_message("CustomMessage_AdminCreateUser")
    event["request"]["usernameParameter"] = None
    with pytest.raises(ValueError, match=r"request\.usernameParameter"):
        custom_message.handle(event, Config(), events.no_cognito)


def test_everything_in_the_html_is_escaped() -> None:
    config = Config(app_name='<script>alert("x")</script> & Co')
    event = events.custom_message("CustomMessage_AdminCreateUser")
    event["request"]["usernameParameter"] = "<b>{username}</b>"
    message = custom_message.handle(event, config, events.no_cognito)["response"]["emailMessage"]
    assert "<script>" not in message
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co" in message
    assert "&lt;b&gt;{username}&lt;/b&gt;" in message
    # The only tags are the template's own.
    assert set(re.findall(r"</?([a-z]+)", message)) <= {"html", "body", "p", "a"}


def test_subject_is_plain_text() -> None:
    config = Config(app_name="Tom & Jerry")
    event = custom_message.handle(events.custom_message(), config, events.no_cognito)
    assert event["response"]["emailSubject"] == "Confirm your Tom & Jerry account"


@pytest.mark.parametrize("source", ["CustomMessage_Authentication", "CustomMessage_Unknown"])
def test_other_sources_returned_unchanged(source: str) -> None:
    event = events.custom_message(source)
    assert custom_message.handle(event, LINKED, events.no_cognito) == events.custom_message(source)


def test_sign_in_link_from_the_app_client(client: Any, stub: Stubber) -> None:
    _queue_lookup(stub)
    event = events.custom_message()
    message = custom_message.handle(event, LINKED, lambda: client)["response"]["emailMessage"]
    [link] = _links(message)
    parts = urllib.parse.urlsplit(link)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{LOGIN}/login"
    assert urllib.parse.parse_qsl(parts.query) == [
        ("client_id", APP_CLIENT),
        ("response_type", "code"),
        ("scope", "openid"),
        ("redirect_uri", CALLBACK),
    ]
    assert "&amp;response_type=code" in message  # escaped in the href
    assert events.CODE_PARAMETER in message


def test_one_lookup_per_pool(client: Any, stub: Stubber) -> None:
    _queue_lookup(stub)  # answers for one lookup only
    calls: list[int] = []

    def counted() -> Any:
        calls.append(1)
        return client

    first = custom_message.handle(events.custom_message(), LINKED, counted)
    second = custom_message.handle(
        events.custom_message("CustomMessage_ForgotPassword"), LINKED, counted
    )
    assert _links(first["response"]["emailMessage"]) == _links(second["response"]["emailMessage"])
    assert len(_links(second["response"]["emailMessage"])) == 1
    assert calls == [1]


def test_lookup_failure_leaves_the_link_out_and_is_retried(
    client: Any, stub: Stubber, caplog: pytest.LogCaptureFixture
) -> None:
    stub.add_client_error(
        "list_user_pool_clients",
        service_error_code="AccessDeniedException",
        service_message="not authorized",
        expected_params=FIRST_PAGE,
    )
    with caplog.at_level(logging.WARNING, logger="triggers"):
        event = custom_message.handle(events.custom_message(), LINKED, lambda: client)
    message = event["response"]["emailMessage"]
    assert _links(message) == []
    assert events.CODE_PARAMETER in message
    assert "AccessDeniedException" in caplog.text
    assert events.POOL_ID in caplog.text
    # A failure is not remembered: the next message tries again.
    _queue_lookup(stub)
    event = custom_message.handle(events.custom_message(), LINKED, lambda: client)
    assert len(_links(event["response"]["emailMessage"])) == 1


def test_unreachable_cognito_leaves_the_link_out(caplog: pytest.LogCaptureFixture) -> None:
    import botocore.exceptions

    def unreachable() -> Any:
        raise botocore.exceptions.ConnectTimeoutError(endpoint_url="https://idp.example")

    with caplog.at_level(logging.WARNING, logger="triggers"):
        event = custom_message.handle(events.custom_message(), LINKED, unreachable)
    assert _links(event["response"]["emailMessage"]) == []
    assert "ConnectTimeoutError" in caplog.text


@pytest.mark.parametrize(
    ("clients", "reason"),
    [
        ([_summary("1adminconsole000000000000", "admin-console")], "0 app clients"),
        (
            [_summary("3one00000000000000000000", "cognito-desktop")] * 2,
            "2 app clients",
        ),
    ],
)
def test_no_link_unless_exactly_one_client_has_the_name(
    client: Any,
    stub: Stubber,
    clients: list[dict[str, str]],
    reason: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    stub.add_response("list_user_pool_clients", {"UserPoolClients": clients}, FIRST_PAGE)
    with caplog.at_level(logging.WARNING, logger="triggers"):
        event = custom_message.handle(events.custom_message(), LINKED, lambda: client)
    assert _links(event["response"]["emailMessage"]) == []
    assert reason in caplog.text


def test_no_link_without_a_callback_url(client: Any, stub: Stubber) -> None:
    _queue_lookup(stub, callbacks=[])
    event = custom_message.handle(events.custom_message(), LINKED, lambda: client)
    assert _links(event["response"]["emailMessage"]) == []


def test_endless_pages_given_up(
    client: Any, stub: Stubber, caplog: pytest.LogCaptureFixture
) -> None:
    stub.add_response(
        "list_user_pool_clients", {"UserPoolClients": [], "NextToken": "page-2"}, FIRST_PAGE
    )
    for _ in range(9):
        stub.add_response(
            "list_user_pool_clients", {"UserPoolClients": [], "NextToken": "page-2"}, SECOND_PAGE
        )
    with caplog.at_level(logging.WARNING, logger="triggers"):
        event = custom_message.handle(events.custom_message(), LINKED, lambda: client)
    assert _links(event["response"]["emailMessage"]) == []
    assert "too many app clients" in caplog.text


def test_the_guides_sample_event() -> None:
    event = events.custom_message_guide_sample()
    message = custom_message.handle(event, Config(), events.no_cognito)["response"]["emailMessage"]
    assert "####" in message


@pytest.mark.parametrize("value", [None, "", 1234])
def test_code_placeholder_missing_named(value: Any) -> None:
    event = events.custom_message()
    event["request"]["codeParameter"] = value
    with pytest.raises(ValueError, match=r"request\.codeParameter"):
        custom_message.handle(event, LINKED, events.no_cognito)


def test_missing_request_named() -> None:
    event = events.custom_message()
    del event["request"]
    with pytest.raises(ValueError, match="request must be a JSON object"):
        custom_message.handle(event, LINKED, events.no_cognito)


def test_response_of_the_wrong_type_named() -> None:
    event = events.custom_message() | {"response": "nope"}
    with pytest.raises(ValueError, match="response must be a JSON object"):
        custom_message.handle(event, Config(), events.no_cognito)
