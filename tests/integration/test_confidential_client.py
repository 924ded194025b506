"""A standard server-side web app on the stand-in, as on Cognito: a confidential app client
(created with a client secret through boto3) signs in through managed login without PKCE,
authenticates at the token endpoint with ``client_secret_basic`` or ``client_secret_post``,
refreshes with its secret, and is refused (``invalid_client``) with a wrong or missing one.

This module's stand-in is Cognito's default pool, where PKCE is optional; the suite's
shared ``stand_in`` is strict (``require_pkce``) to prove the desktop app sends it.
"""

from __future__ import annotations

import dataclasses
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from local_cognito import server, settings
from tests.support import clock
from tests.support.relying_party import REDIRECT_URI, Verifier, token_request
from tests.support.scripted_browser import AuthRequest, ScriptedBrowser, callback_params

pytestmark = pytest.mark.integration
TIMEOUT = 10
CALLBACK = "https://web.example.test/oauth2/callback"
AUTH_METHODS = ["client_secret_basic", "client_secret_post"]
# Authlib answers a failed client authentication with 401 and WWW-Authenticate: Basic
# (RFC 6749 5.2) whenever Basic is allowed; AWS's page shows 400 (docs/local-cognito.md).
INVALID_CLIENT_STATUS = 401


@dataclasses.dataclass(frozen=True)
class WebApp:
    client_id: str
    secret: str


@pytest.fixture
def stand_in(fake_clock: clock.FakeClock) -> Iterator[server.LocalCognito]:
    """Cognito's default pool: PKCE optional (overrides the suite's strict stand-in)."""
    with server.LocalCognito(port=0, now=fake_clock, config=settings.PoolSettings()) as running:
        assert not running.pool.settings.require_pkce
        yield running


@pytest.fixture
def web_app(idp: Any, stand_in: server.LocalCognito) -> WebApp:
    """A confidential app client, created as a web app's would be in the console."""
    created = idp.create_user_pool_client(
        UserPoolId=stand_in.pool.id,
        ClientName="server-side-web-app",
        GenerateSecret=True,
        AllowedOAuthFlowsUserPoolClient=True,
        AllowedOAuthFlows=["code"],
        AllowedOAuthScopes=["openid", "email", "profile"],
        CallbackURLs=[CALLBACK],
        SupportedIdentityProviders=["COGNITO"],
    )["UserPoolClient"]
    return WebApp(created["ClientId"], created["ClientSecret"])


def no_pkce_request(client_id: str, redirect_uri: str) -> AuthRequest:
    request = AuthRequest(client_id, redirect_uri)
    request.challenge, request.method = "", None
    return request


def sign_in(browser: ScriptedBrowser, request: AuthRequest, entry: str) -> str:
    """alice signs in through managed login entered at ``entry``; the authorization code."""
    if entry == "/oauth2/authorize":
        callback = browser.sign_in(request, "alice", "Alice-Passw0rd!")
    else:  # straight to the sign-in page, with the same parameters
        page = browser.open_url(f"{entry}?{urllib.parse.urlencode(request.params())}")
        assert not isinstance(page, str)
        result = browser.submit(page, username="alice", password="Alice-Passw0rd!")
        assert isinstance(result, str), result
        callback = result
    assert callback.startswith(request.redirect_uri + "?")
    params = callback_params(callback)
    assert params["state"] == request.state
    return params["code"]


def token(
    stand_in: server.LocalCognito, client_id: str, secret: str | None, auth: str, **form: str
) -> requests.Response:
    """POST ``form`` to the token endpoint, authenticating as ``auth`` says (no secret:
    ``client_id`` alone, as a public client does)."""
    url = f"{stand_in.url}/oauth2/token"
    if secret is None:
        return requests.post(url, data={"client_id": client_id, **form}, timeout=TIMEOUT)
    if auth == "client_secret_basic":
        return requests.post(url, data=form, auth=(client_id, secret), timeout=TIMEOUT)
    body = {"client_id": client_id, "client_secret": secret, **form}
    return requests.post(url, data=body, timeout=TIMEOUT)


@pytest.mark.parametrize("auth", AUTH_METHODS)
@pytest.mark.parametrize("entry", ["/oauth2/authorize", "/login"])
def test_a_web_app_signs_in_without_pkce_and_refreshes_with_its_secret(
    stand_in: server.LocalCognito,
    browser: ScriptedBrowser,
    web_app: WebApp,
    fake_clock: clock.FakeClock,
    auth: str,
    entry: str,
) -> None:
    request = no_pkce_request(web_app.client_id, CALLBACK)
    code = sign_in(browser, request, entry)
    exchanged = token(
        stand_in,
        web_app.client_id,
        web_app.secret,
        auth,
        grant_type="authorization_code",
        code=code,
        redirect_uri=CALLBACK,
    )
    assert exchanged.status_code == 200, exchanged.text
    body = exchanged.json()
    info = stand_in.info()
    verify = Verifier(info["discovery_url"], info["issuer"], web_app.client_id, fake_clock)
    assert verify.access(body["access_token"])["username"] == "alice"
    claims = verify.id(body["id_token"])
    assert (claims["cognito:username"], claims["nonce"]) == ("alice", request.nonce)

    refreshed = token(
        stand_in,
        web_app.client_id,
        web_app.secret,
        auth,
        grant_type="refresh_token",
        refresh_token=body["refresh_token"],
    )
    assert refreshed.status_code == 200, refreshed.text
    assert verify.access(refreshed.json()["access_token"])["client_id"] == web_app.client_id


def assert_invalid_client(response: requests.Response) -> None:
    assert response.json() == {"error": "invalid_client"}
    assert response.status_code == INVALID_CLIENT_STATUS


@pytest.mark.parametrize("auth", AUTH_METHODS)
def test_a_wrong_or_missing_secret_is_invalid_client(
    stand_in: server.LocalCognito,
    browser: ScriptedBrowser,
    web_app: WebApp,
    auth: str,
) -> None:
    code = sign_in(browser, no_pkce_request(web_app.client_id, CALLBACK), "/oauth2/authorize")
    grant = {"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK}
    wrong = token(stand_in, web_app.client_id, web_app.secret + "x", auth, **grant)
    assert_invalid_client(wrong)
    missing = token(stand_in, web_app.client_id, None, auth, **grant)
    assert_invalid_client(missing)

    # The refresh grant checks the secret as well; a failed attempt leaves the token be.
    grant["code"] = sign_in(  # the managed-login session signs alice in again
        browser, no_pkce_request(web_app.client_id, CALLBACK), "/oauth2/authorize"
    )
    tokens = token(stand_in, web_app.client_id, web_app.secret, auth, **grant).json()
    refresh_token = tokens["refresh_token"]
    again = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    assert_invalid_client(token(stand_in, web_app.client_id, web_app.secret + "x", auth, **again))
    assert_invalid_client(token(stand_in, web_app.client_id, None, auth, **again))
    assert token(stand_in, web_app.client_id, web_app.secret, auth, **again).status_code == 200


def test_the_public_client_signs_in_without_pkce_too(
    stand_in: server.LocalCognito, browser: ScriptedBrowser
) -> None:
    request = no_pkce_request(stand_in.pool.client_id, REDIRECT_URI)
    code = sign_in(browser, request, "/oauth2/authorize")
    response = token_request(
        stand_in, grant_type="authorization_code", code=code, redirect_uri=REDIRECT_URI
    )
    assert response.status_code == 200, response.text
    assert {"access_token", "id_token", "refresh_token"} <= set(response.json())


def test_a_web_app_that_sends_a_challenge_must_send_its_verifier(
    stand_in: server.LocalCognito, browser: ScriptedBrowser, web_app: WebApp
) -> None:
    request = AuthRequest(web_app.client_id, CALLBACK)  # with an S256 challenge
    code = sign_in(browser, request, "/oauth2/authorize")
    grant = {"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK}
    missing = token(stand_in, web_app.client_id, web_app.secret, "client_secret_basic", **grant)
    assert (missing.status_code, missing.json()) == (400, {"error": "invalid_request"})
