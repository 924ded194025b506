"""local_cognito.oauth: Cognito's rules on Authlib's grants (PKCE S256, single-use codes,
scopes cut to the client's, the refresh grant, revocation), through the Flask test client."""

from __future__ import annotations

import types
from typing import Any

import pytest
from flask.testing import FlaskClient

from local_cognito import oauth, settings, tokens
from local_cognito import pool as pool_mod
from tests.support import clock
from tests.support.scripted_browser import AuthRequest, callback_params
from tests.unit.local_cognito.conftest import sign_in

ALLOWED = ["openid", "email", "profile"]


def client_for(**config: Any) -> oauth.Client:
    moto_client = types.SimpleNamespace(
        id="client-1",
        generate_secret=config.pop("generate_secret", False),
        secret=config.pop("secret", None),
        extended_config={
            "AllowedOAuthScopes": ALLOWED,
            "AllowedOAuthFlows": ["code"],
            "CallbackURLs": ["http://127.0.0.1:53682/callback"],
            **config,
        },
    )
    return oauth.Client(moto_client)


def token(client: FlaskClient, **form: str) -> Any:
    return client.post("/oauth2/token", data=form)


def exchange(client: FlaskClient, request: AuthRequest, callback: str, **changes: str) -> Any:
    form = {
        "grant_type": "authorization_code",
        "client_id": request.client_id,
        "code": callback_params(callback)["code"],
        "redirect_uri": request.redirect_uri,
        "code_verifier": request.verifier,
    }
    return token(client, **{**form, **changes})


# -- the client adapter ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("asked", "granted"),
    [
        (None, "openid email profile"),  # none asked: every allowed scope
        ("openid email", "openid email"),
        ("openid phone admin:all email openid", "openid email"),  # cut and de-duplicated
        ("phone admin:all", None),  # nothing left: invalid_scope
    ],
)
def test_scopes_are_cut_to_the_clients_allowed_scopes(asked: str | None, granted: str) -> None:
    assert client_for().get_allowed_scope(asked) == granted


@pytest.mark.parametrize(
    "uri",
    [
        "http://127.0.0.1:53682/callback/",
        "http://localhost:53682/callback",
        "http://127.0.0.1:53683/callback",
        "https://127.0.0.1:53682/callback",
    ],
)
def test_redirect_uris_match_exactly(uri: str) -> None:
    client = client_for()
    assert client.check_redirect_uri("http://127.0.0.1:53682/callback")
    assert not client.check_redirect_uri(uri)
    assert client.get_default_redirect_uri() is None  # redirect_uri is always required


def test_a_public_client_has_no_secret_and_authenticates_by_id_alone() -> None:
    public = client_for()
    assert public.check_endpoint_auth_method("none", "token")
    assert not public.check_endpoint_auth_method("client_secret_post", "token")
    assert not public.check_client_secret("")
    confidential = client_for(generate_secret=True, secret="s3cret")
    assert confidential.check_client_secret("s3cret")
    assert not confidential.check_client_secret("guess")
    assert not confidential.check_endpoint_auth_method("none", "token")


def test_only_the_code_flow_and_refresh_are_allowed() -> None:
    client = client_for()
    assert client.check_response_type("code") and not client.check_response_type("token")
    assert client.check_grant_type("authorization_code")
    assert client.check_grant_type("refresh_token")
    assert not client.check_grant_type("password")
    assert not client_for(AllowedOAuthFlows=[]).check_grant_type("authorization_code")


def test_an_authorization_code_repr_leaves_the_code_out() -> None:
    code = oauth.AuthorizationCode(
        "the-code", "client-1", "http://x/cb", "openid", "alice", 0, None, "ch", "S256", 0.0
    )
    assert "the-code" not in repr(code) and "alice" in repr(code)


# -- the grants ---------------------------------------------------------------------------


def test_a_code_and_its_verifier_give_tokens_once(
    client: FlaskClient, auth_request: AuthRequest
) -> None:
    callback = sign_in(client, auth_request)
    assert callback_params(callback)["state"] == auth_request.state
    answer = exchange(client, auth_request, callback)
    assert answer.status_code == 200, answer.json
    assert set(answer.json) == {
        "access_token",
        "id_token",
        "refresh_token",
        "expires_in",
        "token_type",
    }
    again = exchange(client, auth_request, callback)
    assert (again.status_code, again.json) == (400, {"error": "invalid_grant"})


def test_a_wrong_verifier_spends_the_code(client: FlaskClient, auth_request: AuthRequest) -> None:
    callback = sign_in(client, auth_request)
    wrong = exchange(client, auth_request, callback, code_verifier="x" * 64)
    assert wrong.json == {"error": "invalid_grant"}  # nothing more: no error_description
    assert exchange(client, auth_request, callback).json == {"error": "invalid_grant"}


def test_a_code_lives_five_minutes(
    client: FlaskClient, auth_request: AuthRequest, fake_clock: clock.FakeClock
) -> None:
    callback = sign_in(client, auth_request)
    fake_clock.advance(settings.AUTH_CODE_LIFETIME_S)
    assert exchange(client, auth_request, callback).json == {"error": "invalid_grant"}


def without_pkce(request: AuthRequest) -> AuthRequest:
    """``request`` as a client that does not use PKCE sends it."""
    request.challenge, request.method = "", None
    return request


@pytest.mark.parametrize(
    ("method", "challenge"), [("plain", None), (None, ""), ("S256", "")], ids=str
)
def test_pkce_s256_is_required_in_strict_mode(
    client: FlaskClient,
    auth_request: AuthRequest,
    demo_pool: pool_mod.LocalPool,
    method: str | None,
    challenge: str | None,
) -> None:
    assert demo_pool.settings.require_pkce  # the shared fixture's pool is strict
    auth_request.method = method
    if challenge is not None:
        auth_request.challenge = challenge
    elif method == "plain":
        auth_request.challenge = auth_request.verifier
    answer = client.get("/oauth2/authorize", query_string=auth_request.params())
    assert answer.status_code == 302
    assert callback_params(answer.headers["Location"])["error"] == "invalid_request"


COGNITO_DEFAULT = pytest.mark.parametrize("pool_settings", [settings.PoolSettings()])


@COGNITO_DEFAULT
def test_by_default_pkce_is_optional_as_on_cognito(
    client: FlaskClient, auth_request: AuthRequest
) -> None:
    callback = sign_in(client, without_pkce(auth_request))
    answer = exchange(client, auth_request, callback, code_verifier="")
    assert answer.status_code == 200, answer.json
    assert {"access_token", "id_token", "refresh_token"} <= set(answer.json)


@COGNITO_DEFAULT
def test_by_default_a_verifier_for_a_code_without_a_challenge_is_refused(
    client: FlaskClient, auth_request: AuthRequest
) -> None:
    # RFC 9700 section 4.8 (Authlib's rule; Cognito's page does not say either way).
    callback = sign_in(client, without_pkce(auth_request))
    answer = exchange(client, auth_request, callback, code_verifier="v" * 43)
    assert answer.json == {"error": "invalid_request"}


@COGNITO_DEFAULT
@pytest.mark.parametrize(
    ("method", "challenge"), [("plain", None), ("S256", ""), (None, None)], ids=str
)
def test_by_default_a_challenge_sent_must_be_s256(
    client: FlaskClient, auth_request: AuthRequest, method: str | None, challenge: str | None
) -> None:
    auth_request.method = method
    if challenge is not None:
        auth_request.challenge = challenge
    elif method == "plain":
        auth_request.challenge = auth_request.verifier
    answer = client.get("/oauth2/authorize", query_string=auth_request.params())
    assert answer.status_code == 302
    assert callback_params(answer.headers["Location"])["error"] == "invalid_request"


@COGNITO_DEFAULT
def test_by_default_a_code_issued_for_a_challenge_needs_its_verifier(
    client: FlaskClient, auth_request: AuthRequest
) -> None:
    callback = sign_in(client, auth_request)
    missing = exchange(client, auth_request, callback, code_verifier="")
    assert missing.json == {"error": "invalid_request"}
    again = client.get("/oauth2/authorize", query_string=auth_request.params())  # the session
    assert exchange(client, auth_request, again.headers["Location"]).status_code == 200


def test_the_refresh_grant_reissues_the_sessions_scopes(
    client: FlaskClient, auth_request: AuthRequest, demo_pool: pool_mod.LocalPool
) -> None:
    auth_request.scope = "openid email"
    tokens_ = exchange(client, auth_request, sign_in(client, auth_request)).json
    refreshed = token(
        client,
        grant_type="refresh_token",
        client_id=demo_pool.client_id,
        refresh_token=tokens_["refresh_token"],
        scope="openid email profile",  # ignored, as Cognito does
    )
    assert refreshed.status_code == 200
    assert "refresh_token" not in refreshed.json  # no rotation by default
    claims = demo_pool.tokens.verify_access_token(refreshed.json["access_token"])
    assert claims["scope"] == "openid email"


@pytest.mark.parametrize(
    "pool_settings", [settings.PoolSettings(rotate_refresh_tokens=True, rotation_grace_seconds=0)]
)
def test_with_rotation_each_refresh_returns_a_new_refresh_token(
    client: FlaskClient, auth_request: AuthRequest, demo_pool: pool_mod.LocalPool
) -> None:
    first = exchange(client, auth_request, sign_in(client, auth_request)).json["refresh_token"]
    refreshed = token(
        client, grant_type="refresh_token", client_id=demo_pool.client_id, refresh_token=first
    ).json
    assert refreshed["refresh_token"] != first
    spent = token(
        client, grant_type="refresh_token", client_id=demo_pool.client_id, refresh_token=first
    )
    assert spent.json == {"error": "invalid_grant"}  # no grace configured


def test_revocation_is_for_the_issuing_client_and_kills_the_session(
    client: FlaskClient, auth_request: AuthRequest, demo_pool: pool_mod.LocalPool
) -> None:
    refresh = exchange(client, auth_request, sign_in(client, auth_request)).json["refresh_token"]
    other = demo_pool.backend.create_user_pool_client(demo_pool.id, False, {"ClientName": "o"})
    refused = client.post("/oauth2/revoke", data={"client_id": other.id, "token": refresh})
    assert refused.status_code == 400
    assert demo_pool.tokens.redeem(refresh, demo_pool.client_id) is not None
    done = client.post("/oauth2/revoke", data={"client_id": demo_pool.client_id, "token": refresh})
    assert done.status_code == 200
    with pytest.raises(tokens.InvalidGrant):
        demo_pool.tokens.redeem(refresh, demo_pool.client_id)
    unknown = client.post(
        "/oauth2/revoke", data={"client_id": demo_pool.client_id, "token": "never-issued"}
    )
    assert unknown.status_code == 200  # RFC 7009 section 2.2
