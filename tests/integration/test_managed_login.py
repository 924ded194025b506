"""The authorization-code flow with PKCE, end to end over real HTTP.

A scripted browser signs in on the stand-in's managed login; the tokens are then
verified exactly as the app and the API verify real Cognito tokens: discovery,
JWKS by ``kid``, RS256, exact issuer, and the Cognito claims.
"""

from __future__ import annotations

import urllib.parse
from typing import Any

import pytest
import requests

from local_cognito import server
from tests.integration.conftest import REDIRECT_URI
from tests.support import clock
from tests.support.relying_party import Verifier, exchange, refresh, sign_in, user_info
from tests.support.scripted_browser import AuthRequest, ScriptedBrowser, callback_params

pytestmark = pytest.mark.integration
TIMEOUT = 10


@pytest.fixture
def verifier(stand_in: server.LocalCognito, fake_clock: clock.FakeClock) -> Verifier:
    info = stand_in.info()
    return Verifier(info["discovery_url"], info["issuer"], stand_in.pool.client_id, fake_clock)


@pytest.fixture
def alice_tokens(
    stand_in: server.LocalCognito, browser: ScriptedBrowser, auth_request: AuthRequest
) -> dict[str, Any]:
    """alice signed in on managed login with the default request: the token response."""
    return sign_in(stand_in, browser, auth_request)


def test_code_flow_with_pkce_returns_tokens_that_verify_against_jwks(
    stand_in: server.LocalCognito,
    browser: ScriptedBrowser,
    auth_request: AuthRequest,
    verifier: Verifier,
) -> None:
    tokens = sign_in(stand_in, browser, auth_request, "admin", "Admin-Passw0rd!")

    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 3600
    assert set(tokens) == {"access_token", "id_token", "refresh_token", "expires_in", "token_type"}
    access = verifier.access(tokens["access_token"])
    id_claims = verifier.id(tokens["id_token"])
    user = stand_in.pool.pool.users["admin"]
    assert access["sub"] == id_claims["sub"] == user.id
    assert access["username"] == id_claims["cognito:username"] == "admin"
    assert access["cognito:groups"] == id_claims["cognito:groups"] == ["Admin"]
    assert access["scope"].split() == ["openid", "email", "profile"]
    assert access["origin_jti"] == id_claims["origin_jti"]
    assert access["exp"] - access["iat"] == 3600
    assert id_claims["nonce"] == auth_request.nonce
    assert id_claims["email"] == "admin@example.com"
    assert id_claims["email_verified"] is True
    assert id_claims["at_hash"]
    assert access["auth_time"] == id_claims["auth_time"]
    assert "nonce" not in access


def test_discovery_document_points_at_the_local_endpoints(stand_in: server.LocalCognito) -> None:
    info = stand_in.info()
    document = requests.get(info["discovery_url"], timeout=TIMEOUT).json()
    assert document["issuer"] == (f"https://cognito-idp.us-east-1.amazonaws.com/{stand_in.pool.id}")
    for key in (
        "authorization_endpoint",
        "token_endpoint",
        "userinfo_endpoint",
        "revocation_endpoint",
        "jwks_uri",
    ):
        assert document[key].startswith(stand_in.url + "/"), key
    keys = requests.get(document["jwks_uri"], timeout=TIMEOUT).json()["keys"]
    assert [k["kid"] for k in keys] == [stand_in.pool.key.kid]
    assert keys[0]["alg"] == "RS256" and keys[0]["kty"] == "RSA" and "d" not in keys[0]


def test_state_is_echoed_untouched(
    stand_in: server.LocalCognito, browser: ScriptedBrowser, auth_request: AuthRequest
) -> None:
    auth_request.state = "a b&c=d/é+%20?#~"
    url = browser.sign_in(auth_request, "alice", "Alice-Passw0rd!")
    assert callback_params(url)["state"] == "a b&c=d/é+%20?#~"
    assert url.startswith(REDIRECT_URI + "?")


def test_missing_state_is_not_invented(
    stand_in: server.LocalCognito, browser: ScriptedBrowser, auth_request: AuthRequest
) -> None:
    auth_request.state = None
    params = callback_params(browser.sign_in(auth_request, "alice", "Alice-Passw0rd!"))
    assert set(params) == {"code"}


def test_scopes_are_cut_to_the_clients_allowed_scopes(
    stand_in: server.LocalCognito,
    browser: ScriptedBrowser,
    auth_request: AuthRequest,
    verifier: Verifier,
) -> None:
    auth_request.scope = "openid phone admin:everything email"
    tokens = sign_in(stand_in, browser, auth_request)
    assert verifier.access(tokens["access_token"])["scope"] == "openid email"


def test_without_openid_scope_there_is_no_id_token(
    stand_in: server.LocalCognito, browser: ScriptedBrowser, auth_request: AuthRequest
) -> None:
    auth_request.scope = "aws.cognito.signin.user.admin"
    tokens = sign_in(stand_in, browser, auth_request)
    assert "id_token" not in tokens and "access_token" in tokens


def test_sign_in_with_verified_email_alias(
    stand_in: server.LocalCognito,
    browser: ScriptedBrowser,
    auth_request: AuthRequest,
    verifier: Verifier,
) -> None:
    tokens = sign_in(stand_in, browser, auth_request, "Alice@Example.com", "Alice-Passw0rd!")
    assert verifier.access(tokens["access_token"])["username"] == "alice"


@pytest.mark.parametrize(
    ("username", "password", "message"),
    [
        ("alice", "wrong-Passw0rd!", "Incorrect username or password."),
        ("nobody", "Alice-Passw0rd!", "Incorrect username or password."),
        ("dora", "Dora-Passw0rd!", "User is disabled."),
    ],
)
def test_failed_sign_in_shows_cognitos_message(
    browser: ScriptedBrowser, auth_request: AuthRequest, username: str, password: str, message: str
) -> None:
    page = browser.open(auth_request)
    assert not isinstance(page, str)
    result = browser.submit(page, username=username, password=password)
    assert not isinstance(result, str), "a failed sign-in must not redirect to the app"
    assert result.status == 400
    assert result.error == message
    assert result.form is not None  # the form is shown again


def test_login_form_needs_its_csrf_token(
    browser: ScriptedBrowser, auth_request: AuthRequest
) -> None:
    page = browser.open(auth_request)
    assert not isinstance(page, str) and page.form is not None
    page.form.fields["_csrf"] = "forged"
    result = browser.submit(page, username="alice", password="Alice-Passw0rd!")
    assert not isinstance(result, str)
    assert result.status == 400


def test_managed_login_session_cookie_signs_in_again_without_a_form(
    stand_in: server.LocalCognito,
    browser: ScriptedBrowser,
    fake_clock: clock.FakeClock,
    verifier: Verifier,
    alice_tokens: dict[str, Any],
) -> None:
    fake_clock.advance(120)
    again = AuthRequest(stand_in.pool.client_id, REDIRECT_URI)
    result = browser.open(again)
    assert isinstance(result, str), "an existing session redirects straight back"
    tokens = exchange(stand_in, callback_params(result)["code"], again.verifier).json()
    # auth_time is when the person last typed a password, not this redirect.
    assert (
        verifier.access(tokens["access_token"])["auth_time"]
        == verifier.access(alice_tokens["access_token"])["auth_time"]
    )

    again.extra["prompt"] = "login"
    again.verifier = ""
    again.__post_init__()
    assert not isinstance(browser.open(again), str), "prompt=login always shows the form"


def test_logout_clears_the_session_and_redirects_to_the_registered_uri(
    stand_in: server.LocalCognito, browser: ScriptedBrowser, alice_tokens: dict[str, Any]
) -> None:
    logout_uri = stand_in.pool.settings.logout_urls[0]
    response = browser.get(
        "/logout", params={"client_id": stand_in.pool.client_id, "logout_uri": logout_uri}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == logout_uri
    assert not isinstance(browser.open(AuthRequest(stand_in.pool.client_id, REDIRECT_URI)), str), (
        "after logout the form is shown again"
    )


@pytest.mark.parametrize(
    "logout_uri", ["http://127.0.0.1:53682/signed-out/", "http://evil.example/signed-out", ""]
)
def test_logout_refuses_unregistered_uris(
    stand_in: server.LocalCognito, browser: ScriptedBrowser, logout_uri: str
) -> None:
    response = browser.get(
        "/logout", params={"client_id": stand_in.pool.client_id, "logout_uri": logout_uri}
    )
    assert response.status_code == 302
    assert urllib.parse.urlsplit(response.headers["Location"]).path == "/error"


def test_refresh_keeps_auth_time_and_issues_no_new_refresh_token(
    stand_in: server.LocalCognito,
    fake_clock: clock.FakeClock,
    verifier: Verifier,
    alice_tokens: dict[str, Any],
) -> None:
    first = verifier.access(alice_tokens["access_token"])
    fake_clock.advance(600)
    response = refresh(stand_in, alice_tokens["refresh_token"])
    assert response.status_code == 200
    renewed = response.json()
    assert "refresh_token" not in renewed
    access = verifier.access(renewed["access_token"])
    id_claims = verifier.id(renewed["id_token"])
    assert access["auth_time"] == id_claims["auth_time"] == first["auth_time"]
    assert access["iat"] == first["iat"] + 600
    assert access["origin_jti"] == first["origin_jti"]
    assert "nonce" not in id_claims


def test_user_info_returns_attributes_for_a_live_access_token(
    stand_in: server.LocalCognito, alice_tokens: dict[str, Any]
) -> None:
    response = user_info(stand_in, alice_tokens["access_token"])
    assert response.status_code == 200
    assert response.json() == {
        "sub": stand_in.pool.pool.users["alice"].id,
        "username": "alice",
        "email": "alice@example.com",
        "email_verified": "true",
    }


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer not-a-jwt", "Basic abc"])
def test_user_info_rejects_missing_or_bad_tokens(
    stand_in: server.LocalCognito, header: str
) -> None:
    response = requests.get(
        f"{stand_in.url}/oauth2/userInfo",
        timeout=TIMEOUT,
        headers={"Authorization": header} if header else {},
    )
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer error=")


def test_user_info_rejects_an_id_token(
    stand_in: server.LocalCognito, alice_tokens: dict[str, Any]
) -> None:
    response = user_info(stand_in, alice_tokens["id_token"])
    assert response.status_code == 401


def test_pages_are_escaped_and_framing_is_denied(
    stand_in: server.LocalCognito, browser: ScriptedBrowser, auth_request: AuthRequest
) -> None:
    auth_request.extra["login_hint"] = '"><script>alert(1)</script>'
    page = browser.open(auth_request)
    assert not isinstance(page, str)
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;" in page.text
    response = browser.get(
        urllib.parse.urlsplit(page.url).path + "?" + urllib.parse.urlsplit(page.url).query
    )
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        # openid alone releases every attribute the client can read
        ("openid", {"email", "email_verified", "custom:team"}),
        ("openid email", {"email", "email_verified"}),
        ("openid profile", {"custom:team"}),
        # the reserved admin scope changes nothing
        ("openid email aws.cognito.signin.user.admin", {"email", "email_verified"}),
    ],
)
def test_scopes_bound_the_attributes_released(
    stand_in: server.LocalCognito,
    browser: ScriptedBrowser,
    auth_request: AuthRequest,
    verifier: Verifier,
    scope: str,
    expected: set[str],
) -> None:
    stand_in.pool.pool.users["alice"].update_attributes([{"Name": "custom:team", "Value": "blue"}])
    auth_request.scope = scope
    tokens = sign_in(stand_in, browser, auth_request)
    info = user_info(stand_in, tokens["access_token"]).json()
    assert set(info) - {"sub", "username"} == expected
    id_claims = verifier.id(tokens["id_token"])
    assert {k for k in id_claims if k in {"email", "email_verified", "custom:team"}} == expected


def test_the_sign_in_page_lists_the_demo_users_escaped(
    stand_in: server.LocalCognito,
    browser: ScriptedBrowser,
    auth_request: AuthRequest,
) -> None:
    page = browser.authorize(auth_request)
    body = browser.follow(page)
    assert not isinstance(body, str)
    html = body.text
    assert "Demo users" in html
    for user in stand_in.demo_users:
        assert f"<code>{user.username}</code>" in html
        assert f"<code>{user.password}</code>" in html


def test_without_demo_users_the_page_lists_none() -> None:
    with server.LocalCognito(port=0, demo_users=False) as bare:
        browser = ScriptedBrowser(bare.url)
        page = browser.follow(browser.authorize(AuthRequest(bare.pool.client_id, REDIRECT_URI)))
        assert not isinstance(page, str)
        assert "Demo users" not in page.text
