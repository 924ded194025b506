"""local_cognito.web: managed login's pages and endpoints, through the Flask test client."""

from __future__ import annotations

import jwt
import pytest
from flask.testing import FlaskClient

from local_cognito import pool as pool_mod
from local_cognito import settings, web
from tests.support import clock
from tests.support.scripted_browser import AuthRequest, callback_params
from tests.unit.local_cognito.conftest import BASE_URL, sign_in


@pytest.mark.parametrize(
    ("method", "path", "owned"),
    [
        ("GET", "/", True),
        ("POST", "/", False),  # the cognito-idp JSON API
        ("GET", "/login", True),
        ("POST", "/oauth2/token", True),
        ("GET", "/outbox.json", True),
        ("GET", "/POOL/.well-known/jwks.json", True),
        ("GET", "/OTHER/.well-known/jwks.json", False),
        ("POST", "/some/moto/path", False),
    ],
)
def test_owns_splits_managed_login_from_moto(method: str, path: str, owned: bool) -> None:
    assert web.owns(method, path, "POOL") is owned


def test_discovery_points_at_this_server_and_the_pools_issuer(
    client: FlaskClient, demo_pool: pool_mod.LocalPool
) -> None:
    document = client.get(f"/{demo_pool.id}/.well-known/openid-configuration").json
    assert document["issuer"] == demo_pool.tokens.issuer
    assert document["token_endpoint"] == f"{BASE_URL}/oauth2/token"
    assert document["jwks_uri"] == f"{BASE_URL}/{demo_pool.id}/.well-known/jwks.json"
    assert document["id_token_signing_alg_values_supported"] == ["RS256"]
    jwks = client.get(f"/{demo_pool.id}/.well-known/jwks.json").json
    assert jwks == demo_pool.key.jwks()
    for path in ("openid-configuration", "jwks.json"):
        missing = client.get(f"/us-east-1_Other/.well-known/{path}")
        assert (missing.status_code, missing.json) == (
            404,
            {"message": "ResourceNotFoundException"},
        )


def test_pages_are_locked_down(client: FlaskClient, auth_request: AuthRequest) -> None:
    page = client.get("/login", query_string=auth_request.params())
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert client.get("/healthz").headers.get("X-Frame-Options") is None  # JSON, not a page


def test_a_sign_in_without_the_csrf_cookie_is_refused(
    client: FlaskClient, auth_request: AuthRequest
) -> None:
    form_url = "/login?" + "&".join(f"{k}={v}" for k, v in auth_request.params().items())
    refused = client.post(
        form_url, data={"_csrf": "forged", "username": "alice", "password": "Alice-Passw0rd!"}
    )
    assert refused.status_code == 400
    assert b"Your session expired" in refused.data


def test_a_bad_redirect_uri_is_never_redirected_to(
    client: FlaskClient, auth_request: AuthRequest
) -> None:
    auth_request.redirect_uri = "http://evil.example/callback"
    answer = client.get("/oauth2/authorize", query_string=auth_request.params())
    assert (answer.status_code, answer.headers["Location"]) == (
        302,
        "/error?error=redirect_mismatch",
    )
    auth_request.client_id = "no-such-client"
    answer = client.get("/oauth2/authorize", query_string=auth_request.params())
    assert answer.headers["Location"] == "/error?error=invalid_client"


def test_the_session_cookie_signs_in_again_until_it_expires(
    client: FlaskClient,
    auth_request: AuthRequest,
    login: web.ManagedLogin,
    fake_clock: clock.FakeClock,
) -> None:
    sign_in(client, auth_request)
    again = client.get("/oauth2/authorize", query_string=auth_request.params())
    assert "code" in callback_params(again.headers["Location"])  # no form this time
    fake_clock.advance(settings.LOGIN_SESSION_LIFETIME_S)
    expired = client.get("/oauth2/authorize", query_string=auth_request.params())
    assert expired.headers["Location"].startswith("/login?")
    login.start_session("alice")  # starting another clears the expired one
    assert len(login.sessions) == 1


def test_a_disabled_users_session_no_longer_signs_in(
    login: web.ManagedLogin, demo_pool: pool_mod.LocalPool
) -> None:
    sid, found = login.start_session("alice")
    assert login.session_for(sid) is found
    demo_pool.pool.users["alice"].enabled = False
    assert login.session_for(sid) is None
    assert login.session_for(None) is None


def test_a_first_sign_in_asks_for_a_new_password(
    client: FlaskClient, auth_request: AuthRequest, login: web.ManagedLogin
) -> None:
    to_form = client.get("/oauth2/authorize", query_string=auth_request.params())
    form_url = to_form.headers["Location"]
    client.get(form_url)
    csrf = client.get_cookie(web.CSRF_COOKIE)
    assert csrf is not None
    page = client.post(
        form_url, data={"_csrf": csrf.value, "username": "newbie", "password": "Temp-Passw0rd1!"}
    )
    assert page.status_code == 200 and b"new_password" in page.data
    [(cid, challenge)] = login.challenges.items()
    assert (challenge.username, challenge.needs_code) == ("newbie", False)
    fields = {"_csrf": csrf.value, "challenge": cid, "new_password": "Chosen-Passw0rd!"}
    mismatch = client.post(form_url, data={**fields, "confirm_password": "Other-Passw0rd!"})
    assert b"Passwords do not match." in mismatch.data
    done = client.post(form_url, data={**fields, "confirm_password": "Chosen-Passw0rd!"})
    assert done.status_code == 302 and "code" in callback_params(done.headers["Location"])
    assert login.challenges == {}


def test_user_info_wants_a_live_bearer_token(client: FlaskClient) -> None:
    for headers, status, error in (
        ({}, 401, "invalid_request"),
        ({"Authorization": "Basic abc"}, 401, "invalid_request"),
        ({"Authorization": "Bearer not-a-jwt"}, 401, "invalid_token"),
    ):
        answer = client.get("/oauth2/userInfo", headers=headers)
        assert (answer.status_code, answer.json) == (status, {"error": error})
        assert answer.headers["WWW-Authenticate"] == f'Bearer error="{error}"'


def test_user_info_answers_with_the_scopes_attributes(
    client: FlaskClient, demo_pool: pool_mod.LocalPool
) -> None:
    record = demo_pool.tokens.start_session(demo_pool.client_id, "alice", ("openid", "email"))
    access, _ = demo_pool.tokens.access_token(record)
    answer = client.get("/oauth2/userInfo", headers={"Authorization": f"Bearer {access}"})
    assert answer.json == {
        "sub": demo_pool.pool.users["alice"].id,
        "username": "alice",
        "email": "alice@example.com",
        "email_verified": "true",
    }
    no_openid = demo_pool.tokens.start_session(demo_pool.client_id, "alice", ("email",))
    access, _ = demo_pool.tokens.access_token(no_openid)
    refused = client.get("/oauth2/userInfo", headers={"Authorization": f"Bearer {access}"})
    assert (refused.status_code, refused.json) == (403, {"error": "insufficient_scope"})


@pytest.mark.parametrize(
    ("client_id", "logout_uri", "location"),
    [
        ("no-such-client", settings.logout_urls()[0], "/error?error=invalid_client"),
        (None, "http://evil.example/bye", "/error?error=redirect_mismatch"),
        (None, settings.logout_urls()[0], settings.logout_urls()[0]),
    ],
)
def test_logout_goes_only_to_a_registered_uri(
    client: FlaskClient,
    demo_pool: pool_mod.LocalPool,
    client_id: str | None,
    logout_uri: str,
    location: str,
) -> None:
    query = {"client_id": client_id or demo_pool.client_id, "logout_uri": logout_uri}
    answer = client.get("/logout", query_string=query)
    assert (answer.status_code, answer.headers["Location"]) == (302, location)


def test_logout_ends_the_managed_login_session(
    client: FlaskClient, auth_request: AuthRequest, login: web.ManagedLogin
) -> None:
    sign_in(client, auth_request)
    assert len(login.sessions) == 1
    query = {"client_id": auth_request.client_id, "logout_uri": settings.logout_urls()[0]}
    client.get("/logout", query_string=query)
    assert login.sessions == {}
    assert client.get_cookie(web.SESSION_COOKIE) is None


def test_the_outbox_and_health_endpoints(
    client: FlaskClient, demo_pool: pool_mod.LocalPool
) -> None:
    assert client.get("/healthz").json == {"status": "ok"}
    [invitation] = client.get("/outbox.json").json
    assert invitation["username"] == "newbie" and invitation["temporary_password"]
    page = client.get("/outbox")
    assert page.status_code == 200 and b"newbie" in page.data
    index = client.get("/")
    assert demo_pool.client_id.encode() in index.data


def test_logout_with_redirect_uri_signs_out_then_shows_the_sign_in_form(
    client: FlaskClient, auth_request: AuthRequest, login: web.ManagedLogin
) -> None:
    # AWS's /logout page: with redirect_uri (and the rest of a login request) instead of
    # logout_uri, the user is signed out and sent to sign in again.
    sign_in(client, auth_request)
    answer = client.get("/logout", query_string=auth_request.params())
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/login?")
    assert "redirect_uri=" in answer.headers["Location"]
    assert login.sessions == {}
    assert client.get_cookie(web.SESSION_COOKIE) is None
    # The login page asks again: the old session no longer issues a code.
    assert client.get(answer.headers["Location"]).status_code == 200
    again = client.get("/oauth2/authorize", query_string=auth_request.params())
    assert again.headers["Location"].startswith("/login?")


@pytest.mark.parametrize(
    ("redirect_uri", "location"),
    [
        ("http://evil.example/callback", "/error?error=redirect_mismatch"),
        ("http://127.0.0.1:53682/callback", "/error?error=redirect_mismatch"),  # not /local
    ],
)
def test_logout_with_an_unregistered_redirect_uri_signs_nobody_out(
    client: FlaskClient,
    auth_request: AuthRequest,
    login: web.ManagedLogin,
    redirect_uri: str,
    location: str,
) -> None:
    sign_in(client, auth_request)
    auth_request.redirect_uri = redirect_uri
    answer = client.get("/logout", query_string=auth_request.params())
    assert (answer.status_code, answer.headers["Location"]) == (302, location)
    assert len(login.sessions) == 1


@pytest.mark.parametrize("pool_settings", [settings.PoolSettings(issuer_format="updated")])
def test_discovery_reports_the_updated_issuer(
    client: FlaskClient, demo_pool: pool_mod.LocalPool
) -> None:
    document = client.get(f"/{demo_pool.id}/.well-known/openid-configuration").json
    assert document["issuer"] == (
        f"https://issuer-cognito-idp.us-east-1.amazonaws.com/{demo_pool.id}"
    )


@pytest.mark.parametrize(
    "pool_settings",
    [settings.PoolSettings(issuer_format=f) for f in ("classic", "updated")],
    ids=["classic", "updated"],
)
def test_discovery_and_the_tokens_name_the_same_issuer(
    client: FlaskClient, auth_request: AuthRequest, demo_pool: pool_mod.LocalPool
) -> None:
    issuer = client.get(f"/{demo_pool.id}/.well-known/openid-configuration").json["issuer"]
    expected = settings.issuer_url("us-east-1", demo_pool.id, demo_pool.settings.issuer_format)
    assert issuer == expected
    answer = client.post(
        "/oauth2/token",
        data={
            "grant_type": "authorization_code",
            "client_id": demo_pool.client_id,
            "code": callback_params(sign_in(client, auth_request))["code"],
            "redirect_uri": auth_request.redirect_uri,
            "code_verifier": auth_request.verifier,
        },
    ).json
    for name in ("access_token", "id_token"):
        assert jwt.decode(answer[name], options={"verify_signature": False})["iss"] == issuer


def test_prompt_login_shows_the_form_despite_a_session(
    client: FlaskClient, auth_request: AuthRequest
) -> None:
    sign_in(client, auth_request)
    auth_request.extra["prompt"] = "login"
    answer = client.get("/oauth2/authorize", query_string=auth_request.params())
    assert answer.headers["Location"].startswith("/login?")
