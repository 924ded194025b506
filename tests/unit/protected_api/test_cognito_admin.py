"""The admin adapter and its HTTP answers, without the stand-in.

Cognito's answers come from botocore's ``Stubber`` (error mapping, paging) or
from a loopback server that always answers the same way, so the real client
from ``CognitoAdmin.from_settings`` runs its real retries (throttling, 5xx,
refused connections); only the sleeps between attempts are recorded instead
of slept.
"""

from __future__ import annotations

import datetime
import http.server
import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import requests
from botocore.stub import Stubber

from protected_api import app as api_app
from protected_api import audit, cognito_admin, settings
from protected_api import server as api_server

POOL_ID = "us-east-1_AbC123xyZ"
TIMEOUT = 10


def make_settings(endpoint: str | None = None) -> settings.Settings:
    issuer = f"https://cognito-idp.us-east-1.amazonaws.com/{POOL_ID}"
    return settings.Settings(
        issuer=issuer,
        client_ids=("client-a",),
        user_pool_id=POOL_ID,
        region="us-east-1",
        jwks_url="http://127.0.0.1:9/jwks.json",
        idp_endpoint_url=endpoint,
    )


@pytest.fixture(autouse=True)
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")


@pytest.fixture
def stubbed() -> Iterator[tuple[cognito_admin.CognitoAdmin, Stubber]]:
    client = boto3.client("cognito-idp", region_name="us-east-1")
    with Stubber(client) as stubber:
        yield cognito_admin.CognitoAdmin(client, POOL_ID), stubber
        stubber.assert_no_pending_responses()


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """botocore's backoff delays, recorded instead of slept."""
    delays: list[float] = []
    monkeypatch.setattr("botocore.endpoint.time.sleep", delays.append)
    return delays


class Upstream:
    """A loopback cognito-idp that gives every request the same answer, and counts them."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        self.hits = 0
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                outer.hits += 1
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/x-amz-json-1.1")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def throttling() -> Iterator[Upstream]:
    upstream = Upstream(400, {"__type": "TooManyRequestsException", "message": "Rate exceeded"})
    yield upstream
    upstream.close()


def closed_port() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


# Filters


@pytest.mark.parametrize(
    ("attribute", "match", "value", "expected"),
    [
        ("email", "exact", "a@example.com", 'email = "a@example.com"'),
        ("username", "prefix", "al", 'username ^= "al"'),
        ("name", "exact", 'say "hi"', 'name = "say \\"hi\\""'),
        ("name", "exact", "back\\slash", 'name = "back\\\\slash"'),
        ("name", "prefix", '\\"', 'name ^= "\\\\\\""'),
        ("cognito:user_status", "exact", "CONFIRMED", 'cognito:user_status = "CONFIRMED"'),
    ],
)
def test_build_filter_escapes_the_value(
    attribute: str, match: Any, value: str, expected: str
) -> None:
    assert cognito_admin.build_filter(attribute, match, value) == expected


@pytest.mark.parametrize(
    ("attribute", "value"),
    [("custom:team", "a"), ("email", ""), ("email", "x" * 257), ("email", "a\nb"), ("sub", "\0")],
)
def test_build_filter_refuses(attribute: str, value: str) -> None:
    with pytest.raises(cognito_admin.AdminError) as caught:
        cognito_admin.build_filter(attribute, "exact", value)
    assert caught.value.status == 400


# Error mapping


@pytest.mark.parametrize(
    ("code", "http_status", "status", "error"),
    [
        ("UserNotFoundException", 400, 404, "not_found"),
        ("ResourceNotFoundException", 400, 404, "not_found"),
        ("UsernameExistsException", 400, 409, "already_exists"),
        ("AliasExistsException", 400, 409, "already_exists"),
        ("GroupExistsException", 400, 409, "already_exists"),
        ("InvalidParameterException", 400, 400, "invalid_parameter"),
        ("InvalidPasswordException", 400, 400, "invalid_parameter"),
        ("UnsupportedUserStateException", 400, 409, "invalid_state"),
        ("NotAuthorizedException", 400, 409, "invalid_state"),
        ("TooManyRequestsException", 400, 429, "throttled"),
        ("LimitExceededException", 400, 429, "throttled"),
        ("ThrottlingException", 400, 429, "throttled"),
        ("InternalErrorException", 500, 503, "unavailable"),
        ("AccessDeniedException", 400, 502, "upstream_error"),
        ("SomethingNewException", 400, 502, "upstream_error"),
    ],
)
def test_cognito_errors_map_to_http_answers(
    stubbed: tuple[cognito_admin.CognitoAdmin, Stubber],
    code: str,
    http_status: int,
    status: int,
    error: str,
) -> None:
    adapter, stubber = stubbed
    stubber.add_client_error(
        "admin_disable_user", code, "Cognito says why", http_status_code=http_status
    )
    with pytest.raises(cognito_admin.AdminError) as caught:
        adapter.disable_user("alice")
    assert (caught.value.status, caught.value.code) == (status, error)
    if status in (400, 404, 409):
        assert caught.value.message == "Cognito says why"
    else:  # Throttling, outages and surprises say nothing about Cognito's internals.
        assert "Cognito says why" not in caught.value.message
    assert (caught.value.retry_after is not None) == (status in (429, 503))


def test_throttling_is_retried_three_times_then_429(
    throttling: Upstream, sleeps: list[float]
) -> None:
    adapter = cognito_admin.CognitoAdmin.from_settings(make_settings(throttling.url))
    with pytest.raises(cognito_admin.AdminError) as caught:
        adapter.get_user("alice")
    assert caught.value.status == 429
    assert caught.value.retry_after == cognito_admin.RETRY_AFTER_THROTTLED_S
    assert throttling.hits == 3
    assert len(sleeps) == 2 and sum(sleeps) <= 20


def test_server_errors_are_retried_then_503(sleeps: list[float]) -> None:
    upstream = Upstream(500, {"__type": "InternalErrorException", "message": "boom"})
    try:
        adapter = cognito_admin.CognitoAdmin.from_settings(make_settings(upstream.url))
        with pytest.raises(cognito_admin.AdminError) as caught:
            adapter.enable_user("alice")
    finally:
        upstream.close()
    assert (caught.value.status, caught.value.code) == (503, "unavailable")
    assert upstream.hits == 3


def test_unreachable_endpoint_is_503(sleeps: list[float]) -> None:
    adapter = cognito_admin.CognitoAdmin.from_settings(make_settings(closed_port()))
    started = time.monotonic()
    with pytest.raises(cognito_admin.AdminError) as caught:
        adapter.list_users()
    assert (caught.value.status, caught.value.code) == (503, "unavailable")
    assert caught.value.retry_after == cognito_admin.RETRY_AFTER_UNAVAILABLE_S
    assert len(sleeps) == 2
    assert time.monotonic() - started < 5


# Adapter behaviour


def test_create_user_rolls_back_when_a_group_cannot_be_added(
    stubbed: tuple[cognito_admin.CognitoAdmin, Stubber],
) -> None:
    adapter, stubber = stubbed
    stubber.add_response("get_group", {"Group": {"GroupName": "Editors"}})
    stubber.add_response(
        "admin_create_user",
        {"User": {"Username": "carol", "Attributes": [{"Name": "sub", "Value": "s-1"}]}},
        {
            "UserPoolId": POOL_ID,
            "Username": "carol",
            "UserAttributes": [
                {"Name": "email", "Value": "carol@example.com"},
                {"Name": "email_verified", "Value": "true"},
            ],
            "DesiredDeliveryMediums": ["EMAIL"],
        },
    )
    stubber.add_client_error("admin_add_user_to_group", "TooManyRequestsException")
    stubber.add_response("admin_delete_user", {}, {"UserPoolId": POOL_ID, "Username": "carol"})
    with pytest.raises(cognito_admin.AdminError) as caught:
        adapter.create_user("carol", "carol@example.com", groups=["Editors"])
    assert caught.value.status == 429


def test_group_member_counts_follow_every_page(
    stubbed: tuple[cognito_admin.CognitoAdmin, Stubber],
) -> None:
    adapter, stubber = stubbed
    user = {"Username": "u", "Attributes": [], "Enabled": True, "UserStatus": "CONFIRMED"}
    stubber.add_response("list_groups", {"Groups": [{"GroupName": "A"}], "NextToken": "g2"})
    stubber.add_response("list_users_in_group", {"Users": [user] * 60, "NextToken": "p2"})
    stubber.add_response(
        "list_users_in_group",
        {"Users": [user] * 5},
        {"UserPoolId": POOL_ID, "GroupName": "A", "Limit": 60, "NextToken": "p2"},
    )
    stubber.add_response(
        "list_groups",
        {"Groups": [{"GroupName": "B", "Description": "b", "Precedence": 3}]},
        {"UserPoolId": POOL_ID, "Limit": 60, "NextToken": "g2"},
    )
    stubber.add_response("list_users_in_group", {"Users": []})
    groups = adapter.list_groups()
    assert [(g.name, g.member_count, g.precedence) for g in groups] == [
        ("A", 65, None),
        ("B", 0, 3),
    ]


def test_audit_line_shape() -> None:
    fixed = datetime.datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=datetime.UTC)
    line = audit.record(
        actor_sub="s-1",
        actor_username="admin",
        action="disable_user",
        target="bob\nforged",
        result="ok",
        request_id="r-1",
        now=lambda: fixed,
    )
    assert "\n" not in line
    assert json.loads(line) == {
        "time": "2026-01-02T03:04:05.678+00:00",
        "request_id": "r-1",
        "actor_sub": "s-1",
        "actor_username": "admin",
        "action": "disable_user",
        "target": "bob\nforged",
        "group": None,
        "result": "ok",
    }


# HTTP answers


class AdminVerifier:
    """Accepts the token "admin-token" as an access token of an Admin member."""

    def ready_for(self, token: str) -> bool:
        return True

    def verify(self, token: str) -> dict[str, Any]:
        assert token == "admin-token"
        now = int(time.time())
        return {
            "sub": "s-admin",
            "username": "admin",
            "client_id": "client-a",
            "cognito:groups": ["Admin"],
            "exp": now + 3600,
            "iat": now,
        }


def serve(adapter: cognito_admin.CognitoAdmin) -> api_server.ApiServer:
    app = api_app.create_app(make_settings(), token_verifier=AdminVerifier(), admin_client=adapter)
    return api_server.ApiServer(app)


def get(api: api_server.ApiServer, path: str) -> requests.Response:
    return requests.get(
        api.url + path, headers={"Authorization": "Bearer admin-token"}, timeout=TIMEOUT
    )


def test_http_429_with_retry_after(throttling: Upstream, sleeps: list[float]) -> None:
    adapter = cognito_admin.CognitoAdmin.from_settings(make_settings(throttling.url))
    with serve(adapter) as api:
        response = get(api, "/admin/users/alice")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == str(cognito_admin.RETRY_AFTER_THROTTLED_S)
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Request-ID"]
    assert response.json()["error"] == "throttled"


def test_http_503_when_cognito_is_unreachable(sleeps: list[float]) -> None:
    adapter = cognito_admin.CognitoAdmin.from_settings(make_settings(closed_port()))
    with serve(adapter) as api:
        users = get(api, "/admin/users")
        groups = get(api, "/admin/groups")
    for response in (users, groups):
        assert response.status_code == 503
        assert response.headers["Retry-After"] == str(cognito_admin.RETRY_AFTER_UNAVAILABLE_S)
        assert response.json()["error"] == "unavailable"
