"""ApiClient: bearer token, one refresh-and-retry on 401, errors with the API's message."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import responses

from desktop_app import errors
from desktop_app.api import client
from desktop_app.auth import http
from tests.support.fake_api import FakeTokens
from tests.unit.desktop_app.api.conftest import API


@pytest.fixture
def mock() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as running:
        yield running


@pytest.fixture
def api(tokens: FakeTokens) -> client.ApiClient:
    """With a trailing slash on the base URL, as a config file may have it."""
    return client.ApiClient(API + "/", tokens, http.new_session())


def bearers(mock: responses.RequestsMock) -> list[str | None]:
    return [call.request.headers.get("Authorization") for call in mock.calls]


def test_the_access_token_is_sent_as_a_bearer(
    mock: responses.RequestsMock, api: client.ApiClient, tokens: FakeTokens
) -> None:
    mock.get(f"{API}/me", json={"username": "alice"})
    assert api.get_json("/me") == {"username": "alice"}
    assert bearers(mock) == ["Bearer tok-1"]
    assert tokens.refreshes == 0


def test_body_and_query_are_passed_and_the_base_url_slash_is_not_doubled(
    mock: responses.RequestsMock, api: client.ApiClient
) -> None:
    mock.post(f"{API}/items", json={"id": 7}, status=201)
    response = api.request("POST", "/items", json={"name": "x"}, params={"dry_run": "1"})
    assert response.status_code == 201
    sent = mock.calls[0].request
    assert sent.url == f"{API}/items?dry_run=1"
    assert json.loads(sent.body or b"") == {"name": "x"}


def test_a_401_refreshes_once_and_retries_once_with_the_new_token(
    mock: responses.RequestsMock, api: client.ApiClient, tokens: FakeTokens
) -> None:
    mock.get(f"{API}/me", status=401, json={"message": "Unauthorized"})
    mock.get(f"{API}/me", json={"username": "alice"})
    assert api.get_json("/me") == {"username": "alice"}
    assert tokens.refreshes == 1
    assert bearers(mock) == ["Bearer tok-1", "Bearer tok-2"]


def test_a_second_401_is_an_api_error_without_another_refresh(
    mock: responses.RequestsMock, api: client.ApiClient, tokens: FakeTokens
) -> None:
    mock.get(f"{API}/me", status=401, json={"message": "token revoked"})
    with pytest.raises(errors.ApiError) as caught:
        api.request("GET", "/me")
    assert caught.value.status == 401
    assert "token revoked" in str(caught.value)
    assert tokens.refreshes == 1
    assert len(mock.calls) == 2


def test_a_failed_refresh_on_401_propagates(mock: responses.RequestsMock) -> None:
    tokens = FakeTokens(refresh_error=errors.SessionExpired("sign in again"))
    api = client.ApiClient(API, tokens, http.new_session())
    mock.get(f"{API}/me", status=401)
    with pytest.raises(errors.SessionExpired):
        api.request("GET", "/me")
    assert len(mock.calls) == 1


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (403, {"message": "admins only"}, "admins only"),
        (404, {"detail": "no such item"}, "no such item"),
        (409, {"error": "conflict"}, "conflict"),
        (422, {"message": "name is required", "error": "validation"}, "name is required"),
        (500, {"message": "database unavailable"}, "database unavailable"),
        (503, {"message": "try later"}, "try later"),
    ],
)
def test_errors_carry_the_apis_message(
    mock: responses.RequestsMock,
    api: client.ApiClient,
    tokens: FakeTokens,
    status: int,
    body: dict[str, str],
    message: str,
) -> None:
    mock.get(f"{API}/items/1", status=status, json=body)
    with pytest.raises(errors.ApiError) as caught:
        api.request("GET", "/items/1")
    assert caught.value.status == status
    assert str(caught.value) == f"API error {status}: {message}"
    assert tokens.refreshes == 0
    assert len(mock.calls) == 1


@pytest.mark.parametrize(
    ("body", "content_type"),
    [("<h1>Bad Gateway</h1>", "text/html"), ('["not", "an", "object"]', "application/json")],
)
def test_an_error_without_a_json_message_uses_the_reason(
    mock: responses.RequestsMock, api: client.ApiClient, body: str, content_type: str
) -> None:
    mock.get(f"{API}/me", status=502, body=body, content_type=content_type)
    with pytest.raises(errors.ApiError) as caught:
        api.request("GET", "/me")
    assert caught.value.status == 502
    assert str(caught.value) == "API error 502: Bad Gateway"
    assert caught.value.code is None


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (
            {"error": "self_lockout", "message": "you cannot disable your own account"},
            "self_lockout",
        ),
        ({"error": 42, "message": "not a string"}, None),
        ({"error": "x" * 65, "message": "too long to be a code"}, None),
        ({"message": "no code"}, None),
    ],
)
def test_errors_carry_the_apis_code_when_it_is_one(
    mock: responses.RequestsMock, api: client.ApiClient, body: dict[str, object], code: str | None
) -> None:
    mock.post(f"{API}/admin/users/bob/disable", status=409, json=body)
    with pytest.raises(errors.ApiError) as caught:
        api.request("POST", "/admin/users/bob/disable")
    assert caught.value.status == 409
    assert caught.value.code == code
    assert caught.value.message == body["message"]


def test_a_non_json_success_body_is_an_api_error_for_get_json(
    mock: responses.RequestsMock, api: client.ApiClient
) -> None:
    mock.get(f"{API}/me", body="hello", content_type="text/plain")
    with pytest.raises(errors.ApiError, match="non-JSON"):
        api.get_json("/me")


@pytest.mark.parametrize(
    "failure",
    [
        requests.ConnectionError("connection refused"),
        requests.ReadTimeout("read timed out"),
        requests.exceptions.SSLError("certificate verify failed"),
    ],
    ids=["refused", "timeout", "tls"],
)
def test_an_unreachable_api_is_a_network_error(
    mock: responses.RequestsMock, api: client.ApiClient, failure: Exception
) -> None:
    mock.get(f"{API}/me", body=failure)
    with pytest.raises(errors.NetworkError) as caught:
        api.request("GET", "/me")
    assert "tok-1" not in str(caught.value)
    assert API in str(caught.value)


def test_a_closed_port_is_a_network_error(tokens: FakeTokens) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    api = client.ApiClient(f"http://127.0.0.1:{port}", tokens, http.new_session())
    with pytest.raises(errors.NetworkError, match="did not answer"):
        api.request("GET", "/me")


@pytest.mark.parametrize("path", ["me", "", "https://evil.example/me", "?x=1", " /me"])
def test_the_path_must_start_with_a_slash(
    mock: responses.RequestsMock, api: client.ApiClient, tokens: FakeTokens, path: str
) -> None:
    with pytest.raises(ValueError, match="must start with '/'"):
        api.request("GET", path)
    assert len(mock.calls) == 0
    assert tokens.access_calls == 0  # refused before any token is fetched


def test_redirects_are_not_followed_so_the_token_stays_with_the_api(
    mock: responses.RequestsMock, api: client.ApiClient
) -> None:
    mock.get(f"{API}/me", status=302, headers={"Location": "https://evil.example/steal"})
    evil = mock.get("https://evil.example/steal", json={})
    response = api.request("GET", "/me")
    assert response.status_code == 302
    assert evil.call_count == 0


def test_the_default_session_has_a_timeout(
    mock: responses.RequestsMock, tokens: FakeTokens
) -> None:
    mock.get(f"{API}/me", json={})
    client.ApiClient(API, tokens).request("GET", "/me")
    sent: Any = mock.calls[0].request  # responses adds req_kwargs to the request it saw
    assert sent.req_kwargs["timeout"] == http.TIMEOUT


def test_bodies_go_out_as_compact_utf8_json_sized_for_the_apis_limit(
    mock: responses.RequestsMock, api: client.ApiClient
) -> None:
    """The largest invitation Cognito's limits allow, in non-ASCII letters, fits the API's
    default 64 KiB body limit as the app sends it (issue 17); escaped it would not."""
    sent: list[requests.PreparedRequest] = []

    def answer(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        sent.append(request)
        return 201, {}, "{}"

    mock.add_callback(responses.POST, f"{API}/admin/users", callback=answer)
    invitation = {
        "username": "ü" * 128,
        "email": "a" * 64 + "@" + "b" * 185 + ".com",
        "name": "名" * 2048,
        "groups": [f"{i:03d}" + "グ" * 125 for i in range(100)],
    }
    api.request("POST", "/admin/users", json=invitation)
    (request,) = sent
    body = request.body
    assert isinstance(body, bytes)
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(body) == invitation
    assert b"\\u" not in body and b", " not in body
    assert len(body) < 64 * 1024 < len(json.dumps(invitation).encode())


def test_a_body_that_is_not_json_is_refused_before_sending(api: client.ApiClient) -> None:
    with pytest.raises(ValueError, match="not JSON compliant"):
        api.request("POST", "/admin/users", json={"n": float("nan")})


def test_a_throttled_answer_says_how_long_to_wait(
    mock: responses.RequestsMock, api: client.ApiClient
) -> None:
    mock.get(
        f"{API}/admin/users",
        status=429,
        json={"error": "throttled", "message": "too many requests"},
        headers={"Retry-After": "2"},
    )
    with pytest.raises(errors.ApiError) as caught:
        api.get_json("/admin/users")
    assert (caught.value.status, caught.value.code, caught.value.retry_after) == (
        429,
        "throttled",
        2.0,
    )


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        (None, None),
        ("0", 0.0),
        (" 5 ", 5.0),
        ("99999999999999999999", client.MAX_RETRY_AFTER_S),
        ("-1", None),
        ("1.5", None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", None),  # a date: not a form the API sends
        ("٣", None),  # a digit, but not an ASCII one
    ],
)
def test_retry_after_is_read_as_whole_seconds_or_not_at_all(
    header: str | None, seconds: float | None
) -> None:
    assert client.retry_after(header) == seconds


def test_an_error_without_retry_after_has_none(
    mock: responses.RequestsMock, api: client.ApiClient
) -> None:
    mock.get(f"{API}/me", status=409, json={"error": "conflict", "message": "no"})
    with pytest.raises(errors.ApiError) as caught:
        api.get_json("/me")
    assert caught.value.retry_after is None
