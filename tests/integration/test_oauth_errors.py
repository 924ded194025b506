"""Cognito's rules, not looser ones: every way a code or refresh token must fail."""

from __future__ import annotations

import urllib.parse
from typing import Any

import pytest
import requests

from local_cognito import server, settings
from tests.integration.conftest import REDIRECT_URI
from tests.support import clock
from tests.support.relying_party import (
    exchange,
    refresh,
    revoke,
    sign_in,
    token_request,
    user_info,
)
from tests.support.scripted_browser import AuthRequest, ScriptedBrowser, callback_params

pytestmark = pytest.mark.integration
TIMEOUT = 10


def code_for(browser: ScriptedBrowser, request: AuthRequest) -> str:
    return callback_params(browser.sign_in(request, "alice", "Alice-Passw0rd!"))["code"]


def assert_error(response: requests.Response, error: str, status: int = 400) -> None:
    assert response.status_code == status, response.text
    # Cognito's token errors are exactly {"error": "..."}: no description to leak.
    assert response.json() == {"error": error}
    assert response.headers["Cache-Control"] == "no-store"


def test_wrong_code_verifier_is_invalid_grant(
    stand_in: server.LocalCognito, browser: ScriptedBrowser, auth_request: AuthRequest
) -> None:
    code = code_for(browser, auth_request)
    wrong = AuthRequest(stand_in.pool.client_id, REDIRECT_URI).verifier
    assert_error(exchange(stand_in, code, wrong), "invalid_grant")
    # The failed attempt spent the code: the right verifier no longer helps.
    assert_error(exchange(stand_in, code, auth_request.verifier), "invalid_grant")


def test_missing_code_verifier_is_refused(
    stand_in: server.LocalCognito, browser: ScriptedBrowser, auth_request: AuthRequest
) -> None:
    code = code_for(browser, auth_request)
    response = token_request(
        stand_in, grant_type="authorization_code", code=code, redirect_uri=REDIRECT_URI
    )
    assert_error(response, "invalid_request")


def test_a_code_works_once(
    stand_in: server.LocalCognito, browser: ScriptedBrowser, auth_request: AuthRequest
) -> None:
    code = code_for(browser, auth_request)
    assert exchange(stand_in, code, auth_request.verifier).status_code == 200
    assert_error(exchange(stand_in, code, auth_request.verifier), "invalid_grant")


@pytest.mark.parametrize(
    ("age", "works"),
    [(settings.AUTH_CODE_LIFETIME_S - 1, True), (settings.AUTH_CODE_LIFETIME_S, False)],
)
def test_codes_expire_after_five_minutes(
    stand_in: server.LocalCognito,
    browser: ScriptedBrowser,
    auth_request: AuthRequest,
    fake_clock: clock.FakeClock,
    age: int,
    works: bool,
) -> None:
    code = code_for(browser, auth_request)
    fake_clock.advance(age)
    response = exchange(stand_in, code, auth_request.verifier)
    if works:
        assert response.status_code == 200
    else:
        assert_error(response, "invalid_grant")


def test_token_redirect_uri_must_match_the_authorize_one(
    stand_in: server.LocalCognito, browser: ScriptedBrowser, auth_request: AuthRequest
) -> None:
    code = code_for(browser, auth_request)
    other = settings.callback_urls()[1]  # also registered, but not the one used
    assert_error(
        exchange(stand_in, code, auth_request.verifier, redirect_uri=other), "invalid_grant"
    )


def test_code_is_bound_to_its_client(
    stand_in: server.LocalCognito, browser: ScriptedBrowser, auth_request: AuthRequest, idp: Any
) -> None:
    other = idp.create_user_pool_client(
        UserPoolId=stand_in.pool.id,
        ClientName="other",
        CallbackURLs=[REDIRECT_URI],
        AllowedOAuthFlows=["code"],
        AllowedOAuthScopes=["openid"],
        AllowedOAuthFlowsUserPoolClient=True,
    )["UserPoolClient"]["ClientId"]
    code = code_for(browser, auth_request)
    assert_error(exchange(stand_in, code, auth_request.verifier, client_id=other), "invalid_grant")


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "http://127.0.0.1:53699/callback",  # port differs
        "http://127.0.0.1:53682/callback/",  # trailing slash
        "http://localhost:53682/callback",  # host differs
        "https://127.0.0.1:53682/callback",  # scheme differs
        "http://127.0.0.1:53682/Callback",  # path case differs
        "http://evil.example/callback",
    ],
)
def test_unregistered_redirect_uri_never_redirects(
    browser: ScriptedBrowser, auth_request: AuthRequest, redirect_uri: str
) -> None:
    auth_request.redirect_uri = redirect_uri
    response = browser.authorize(auth_request)
    assert response.status_code == 302
    location = urllib.parse.urlsplit(response.headers["Location"])
    assert (location.path, location.query) == ("/error", "error=redirect_mismatch")
    page = browser.get(response.headers["Location"])
    assert "redirect_mismatch" in page.text


def test_missing_redirect_uri_is_a_mismatch(
    browser: ScriptedBrowser, auth_request: AuthRequest
) -> None:
    params = auth_request.params()
    del params["redirect_uri"]
    response = browser.get("/oauth2/authorize", params=params)
    assert response.headers["Location"] == "/error?error=redirect_mismatch"


def test_unknown_client_is_refused_everywhere(
    stand_in: server.LocalCognito, browser: ScriptedBrowser, auth_request: AuthRequest
) -> None:
    auth_request.client_id = "nosuchclient0000000000000"
    response = browser.authorize(auth_request)
    assert response.headers["Location"] == "/error?error=invalid_client"
    token = exchange(stand_in, "x", auth_request.verifier, client_id=auth_request.client_id)
    assert_error(token, "invalid_client")


@pytest.mark.parametrize(
    ("challenge", "method"),
    [
        ("plain", "plain"),  # plain PKCE is refused
        ("present", None),  # the method must be stated, and be S256
        (None, "S256"),  # the challenge itself is required
    ],
)
def test_pkce_must_be_s256(
    browser: ScriptedBrowser, auth_request: AuthRequest, challenge: str | None, method: str | None
) -> None:
    if challenge is None:
        auth_request.challenge = ""
    elif challenge == "plain":
        auth_request.challenge = auth_request.verifier
    auth_request.method = method
    response = browser.authorize(auth_request)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(REDIRECT_URI + "?")
    params = callback_params(location)
    assert params["error"] == "invalid_request"
    assert params["state"] == auth_request.state
    assert "code" not in params


@pytest.mark.parametrize("entry", ["/oauth2/authorize", "/login"])
def test_strict_mode_refuses_an_authorize_request_without_code_challenge(
    stand_in: server.LocalCognito,
    browser: ScriptedBrowser,
    auth_request: AuthRequest,
    entry: str,
) -> None:
    # The project's stand-in runs with require_pkce (Cognito's own default is optional),
    # so every sign-in in these suites proves the app sends PKCE.
    assert stand_in.pool.settings.require_pkce
    auth_request.challenge, auth_request.method = "", None
    response = browser.get(entry, params=auth_request.params())
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(REDIRECT_URI + "?")
    params = callback_params(location)
    assert (params["error"], params["state"]) == ("invalid_request", auth_request.state)
    assert "code" not in params


def test_unsupported_response_type_is_reported_to_the_app(
    browser: ScriptedBrowser, auth_request: AuthRequest
) -> None:
    auth_request.extra["response_type"] = "token"
    response = browser.authorize(auth_request)
    params = callback_params(response.headers["Location"])
    assert params["error"] == "unsupported_response_type"


def test_only_disallowed_scopes_is_invalid_scope(
    browser: ScriptedBrowser, auth_request: AuthRequest
) -> None:
    auth_request.scope = "phone admin:everything"
    params = callback_params(browser.authorize(auth_request).headers["Location"])
    assert params["error"] == "invalid_scope"


def test_unknown_grant_type(stand_in: server.LocalCognito) -> None:
    response = token_request(
        stand_in, grant_type="password", username="alice", password="Alice-Passw0rd!"
    )
    assert_error(response, "unsupported_grant_type")


# -- refresh tokens that must stop working --------------------------------------------


@pytest.fixture
def signed_in(
    stand_in: server.LocalCognito, browser: ScriptedBrowser, auth_request: AuthRequest
) -> dict[str, Any]:
    tokens = sign_in(stand_in, browser, auth_request)
    assert refresh(stand_in, tokens["refresh_token"]).status_code == 200
    return tokens


def test_revoked_refresh_token_and_its_access_tokens_stop_working(
    stand_in: server.LocalCognito, signed_in: dict[str, Any]
) -> None:
    assert user_info(stand_in, signed_in["access_token"]).status_code == 200
    response = revoke(stand_in, signed_in["refresh_token"])
    assert response.status_code == 200
    assert_error(refresh(stand_in, signed_in["refresh_token"]), "invalid_grant")
    assert user_info(stand_in, signed_in["access_token"]).status_code == 401
    # Revoking again, or an unknown token, is still 200 (RFC 7009 section 2.2).
    for token in (signed_in["refresh_token"], "never-issued"):
        again = revoke(stand_in, token)
        assert again.status_code == 200


def test_revoke_by_another_client_is_refused(
    stand_in: server.LocalCognito, signed_in: dict[str, Any], idp: Any
) -> None:
    other = idp.create_user_pool_client(UserPoolId=stand_in.pool.id, ClientName="other")[
        "UserPoolClient"
    ]["ClientId"]
    response = revoke(stand_in, signed_in["refresh_token"], client_id=other)
    assert response.status_code == 400
    assert refresh(stand_in, signed_in["refresh_token"]).status_code == 200


@pytest.mark.parametrize(
    "action", ["admin_disable_user", "admin_delete_user", "admin_user_global_sign_out"]
)
def test_refresh_fails_once_the_user_is_cut_off(
    stand_in: server.LocalCognito, signed_in: dict[str, Any], idp: Any, action: str
) -> None:
    getattr(idp, action)(UserPoolId=stand_in.pool.id, Username="alice")
    assert_error(refresh(stand_in, signed_in["refresh_token"]), "invalid_grant")
    assert user_info(stand_in, signed_in["access_token"]).status_code == 401


def test_re_enabled_user_can_refresh_again(
    stand_in: server.LocalCognito, signed_in: dict[str, Any], idp: Any
) -> None:
    idp.admin_disable_user(UserPoolId=stand_in.pool.id, Username="alice")
    assert refresh(stand_in, signed_in["refresh_token"]).status_code == 400
    idp.admin_enable_user(UserPoolId=stand_in.pool.id, Username="alice")
    assert refresh(stand_in, signed_in["refresh_token"]).status_code == 200


def test_recreated_user_does_not_inherit_old_refresh_tokens(
    stand_in: server.LocalCognito, signed_in: dict[str, Any], idp: Any
) -> None:
    idp.admin_delete_user(UserPoolId=stand_in.pool.id, Username="alice")
    idp.admin_create_user(UserPoolId=stand_in.pool.id, Username="alice", MessageAction="SUPPRESS")
    assert_error(refresh(stand_in, signed_in["refresh_token"]), "invalid_grant")


def test_refresh_token_expires_after_its_configured_lifetime(
    stand_in: server.LocalCognito, signed_in: dict[str, Any], fake_clock: clock.FakeClock
) -> None:
    fake_clock.advance(30 * 86400 - 5)
    assert refresh(stand_in, signed_in["refresh_token"]).status_code == 200
    fake_clock.advance(10)
    assert_error(refresh(stand_in, signed_in["refresh_token"]), "invalid_grant")


def test_access_token_expires_for_user_info(
    stand_in: server.LocalCognito, signed_in: dict[str, Any], fake_clock: clock.FakeClock
) -> None:
    fake_clock.advance(3600)
    assert user_info(stand_in, signed_in["access_token"]).status_code == 401


def test_garbage_refresh_token(stand_in: server.LocalCognito) -> None:
    assert_error(refresh(stand_in, "x" * 5000), "invalid_grant")
