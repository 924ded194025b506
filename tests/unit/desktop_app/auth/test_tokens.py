"""desktop_app.auth.tokens: the token endpoint's answers, sorted into what the session needs.

A refused grant (``Refused``; only ``invalid_grant`` kills it) against anything that
says "not now" (``NetworkError``: transport, timeouts, 5xx, 429, garbage), so a stored
refresh token survives every transient failure.
"""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

import pytest
import requests
import responses

from desktop_app import errors
from desktop_app.auth import http, idtoken, tokens

TOKEN = "https://auth.example.com/oauth2/token"
REVOKE = "https://auth.example.com/oauth2/revoke"
NOW = 1_700_000_000.0
OK = {"access_token": "a-1", "id_token": "i-1", "expires_in": 3600, "token_type": "Bearer"}


@pytest.fixture
def client() -> tokens.TokenClient:
    return tokens.TokenClient("client-1", http.new_session(), now=lambda: NOW)


@pytest.fixture
def mock() -> Any:
    with responses.RequestsMock() as running:
        yield running


def sent_form(mock: responses.RequestsMock) -> dict[str, str]:
    body = mock.calls[-1].request.body or ""
    return dict(urllib.parse.parse_qsl(body.decode() if isinstance(body, bytes) else body))


def test_exchange_sends_the_code_with_its_verifier(
    client: tokens.TokenClient, mock: responses.RequestsMock
) -> None:
    mock.add(responses.POST, TOKEN, json={**OK, "refresh_token": "r-1", "scope": "openid email"})
    response = client.exchange(
        TOKEN, code="the-code", redirect_uri="http://127.0.0.1:1/cb", code_verifier="v" * 43
    )
    assert sent_form(mock) == {
        "grant_type": "authorization_code",
        "code": "the-code",
        "redirect_uri": "http://127.0.0.1:1/cb",
        "code_verifier": "v" * 43,
        "client_id": "client-1",  # a public client: no secret, the id in the body
    }
    assert response == tokens.TokenResponse("a-1", NOW + 3600, "i-1", "r-1", "openid email")
    assert "a-1" not in repr(response) and "r-1" not in repr(response)


def test_refresh_sends_the_refresh_token(
    client: tokens.TokenClient, mock: responses.RequestsMock
) -> None:
    mock.add(responses.POST, TOKEN, json=OK)
    response = client.refresh(TOKEN, "r-0")
    assert sent_form(mock) == {
        "grant_type": "refresh_token",
        "refresh_token": "r-0",
        "client_id": "client-1",
    }
    # Without rotation Authlib carries the sent token over: the session sees it unchanged.
    assert response.refresh_token == "r-0"


def _json(status: int, body: object) -> dict[str, Any]:
    return {"status": status, "body": json.dumps(body), "content_type": "application/json"}


@pytest.mark.parametrize(
    ("answer", "refused"),
    [
        (_json(400, {"error": "invalid_grant"}), "invalid_grant"),
        (_json(400, {"error": "invalid_client"}), "invalid_client"),
        (_json(401, {"error": "unauthorized_client"}), "unauthorized_client"),
        (_json(400, {"error": "<script>alert(1)</script>"}), "unknown_error"),  # not echoed
    ],
)
def test_an_oauth_refusal_is_refused_and_only_invalid_grant_kills_the_grant(
    client: tokens.TokenClient, mock: responses.RequestsMock, answer: dict[str, Any], refused: str
) -> None:
    mock.add(responses.POST, TOKEN, **answer)
    with pytest.raises(tokens.Refused) as caught:
        client.refresh(TOKEN, "r-0")
    assert caught.value.error == refused == str(caught.value)
    assert caught.value.grant_is_dead is (refused == "invalid_grant")


@pytest.mark.parametrize(
    "answer",
    [
        _json(429, {"error": "invalid_request"}),  # throttled, however it is worded
        _json(500, {"error": "internal_error"}),
        _json(400, {"error": "server_error"}),
        _json(400, {"error": "temporarily_unavailable"}),
        {"status": 503, "body": "<h1>Service Unavailable</h1>", "content_type": "text/html"},
        {"status": 200, "body": "<html>captive portal</html>", "content_type": "text/html"},
        _json(200, [1, 2, 3]),
        _json(200, {"expires_in": 3600}),
        _json(200, {"access_token": "a", "expires_in": 0}),
        _json(200, {"access_token": "a", "expires_in": True}),
        _json(200, {"access_token": "a", "expires_in": "3600"}),
        _json(200, {"access_token": "a", "expires_in": float("nan")}),  # json writes NaN
        _json(200, {"access_token": "a", "expires_in": float("inf")}),
        _json(200, {"access_token": "a", "expires_in": [3600]}),
        {"status": 200, "body": '{"access_token": "a", "expires_at": 1e400, "expires_in": 1}'},
        {"body": requests.ConnectionError("refresh_token=r-0 failed")},
        {"body": requests.ReadTimeout("read timed out")},
    ],
    ids=[
        "429",
        "500",
        "server_error",
        "temporarily_unavailable",
        "503 html",
        "200 html",
        "200 list",
        "no access_token",
        "zero expiry",
        "bool expiry",
        "text expiry",
        "NaN expiry",
        "Infinity expiry",
        "list expiry",
        "overflowing expires_at",
        "unreachable",
        "timeout",
    ],
)
def test_anything_transient_or_garbled_is_a_network_error(
    client: tokens.TokenClient, mock: responses.RequestsMock, answer: dict[str, Any]
) -> None:
    mock.add(responses.POST, TOKEN, **answer)
    with pytest.raises(errors.NetworkError) as caught:
        client.refresh(TOKEN, "r-0")
    assert "r-0" not in str(caught.value)
    assert not isinstance(caught.value, tokens.Refused)


def test_revoke_sends_the_refresh_token_with_its_hint(
    client: tokens.TokenClient, mock: responses.RequestsMock
) -> None:
    mock.add(responses.POST, REVOKE, body="")
    client.revoke(REVOKE, "r-0")
    assert sent_form(mock) == {
        "token": "r-0",
        "token_type_hint": "refresh_token",
        "client_id": "client-1",
    }


@pytest.mark.parametrize(
    ("answer", "raised", "text"),
    [
        (_json(400, {"error": "unsupported_token_type"}), tokens.Refused, "unsupported_token_type"),
        ({"status": 403, "body": "no"}, tokens.Refused, "http_403"),
        ({"status": 503, "body": "down"}, errors.NetworkError, "revocation failed: HTTP 503"),
        (
            {"body": requests.ConnectionError("r-0")},
            errors.NetworkError,
            "revocation failed: ConnectionError",
        ),
    ],
    ids=["refused", "refused without json", "server error", "unreachable"],
)
def test_a_failed_revocation_says_why(
    client: tokens.TokenClient,
    mock: responses.RequestsMock,
    answer: dict[str, Any],
    raised: type[Exception],
    text: str,
) -> None:
    mock.add(responses.POST, REVOKE, **answer)
    with pytest.raises(raised) as caught:
        client.revoke(REVOKE, "r-0")
    assert str(caught.value) == text


# -- redirects are never followed ---------------------------------------------------------

ELSEWHERE = "https://elsewhere.example/oauth2/token"


def _call(client: tokens.TokenClient, call: str) -> None:
    if call == "exchange":
        client.exchange(
            TOKEN, code="the-code", redirect_uri="http://127.0.0.1:1/cb", code_verifier="v" * 43
        )
    elif call == "refresh":
        client.refresh(TOKEN, "r-0")
    else:
        client.revoke(TOKEN, "r-0")


@pytest.mark.parametrize("call", ["exchange", "refresh", "revoke"])
@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_never_followed_and_is_transient(
    client: tokens.TokenClient, mock: responses.RequestsMock, call: str, status: int
) -> None:
    """A 307/308 would make requests POST the refresh token (or the code and its
    verifier) again, to another host, and believe its invalid_grant."""
    mock.assert_all_requests_are_fired = False
    mock.add(responses.POST, TOKEN, status=status, headers={"Location": ELSEWHERE + "?code=leak"})
    elsewhere = mock.add(responses.POST, ELSEWHERE, **_json(400, {"error": "invalid_grant"}))
    with pytest.raises(errors.NetworkError) as caught:
        _call(client, call)
    assert not isinstance(caught.value, tokens.Refused)
    endpoint = "revocation endpoint" if call == "revoke" else "token endpoint"
    assert str(caught.value) == (
        f"the {endpoint} redirected (HTTP {status}) instead of answering; "
        "the request was not sent on"
    )
    assert elsewhere.call_count == 0 and len(mock.calls) == 1


@pytest.mark.parametrize("status", [300, 304, 399])
def test_any_3xx_is_transient_whatever_its_body_says(
    client: tokens.TokenClient, mock: responses.RequestsMock, status: int
) -> None:
    mock.add(responses.POST, TOKEN, **_json(status, {"error": "invalid_grant"}))
    with pytest.raises(errors.NetworkError, match=f"redirected \\(HTTP {status}\\)"):
        client.refresh(TOKEN, "r-0")


# -- answers as large as Cognito's quotas allow, and no larger ------------------------------


def test_an_answer_at_cognitos_quotas_is_read(
    client: tokens.TokenClient, mock: responses.RequestsMock
) -> None:
    big = {
        **OK,
        "id_token": "i" * idtoken.MAX_TOKEN_CHARS,
        "access_token": "a" * idtoken.MAX_TOKEN_CHARS,
        "refresh_token": "r" * 4096,
    }
    mock.add(responses.POST, TOKEN, json=big)
    assert len(json.dumps(big)) <= tokens.MAX_RESPONSE_BYTES
    response = client.refresh(TOKEN, "r-0")
    assert response.id_token == big["id_token"] and response.access_token == big["access_token"]
    assert response.refresh_token == big["refresh_token"]


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "no length"])
@pytest.mark.parametrize("call", ["exchange", "refresh", "revoke"])
def test_a_larger_answer_is_refused_as_transient(
    client: tokens.TokenClient, mock: responses.RequestsMock, declared: bool, call: str
) -> None:
    body = json.dumps({**OK, "id_token": "i" * tokens.MAX_RESPONSE_BYTES})
    mock.add(
        responses.POST,
        TOKEN,
        body=body,
        content_type="application/json",
        auto_calculate_content_length=declared,
    )
    with pytest.raises(errors.NetworkError, match="larger than 1114112 bytes") as caught:
        _call(client, call)
    assert not isinstance(caught.value, tokens.Refused)
