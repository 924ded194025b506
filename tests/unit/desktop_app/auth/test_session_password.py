"""Session with the protected API's password sign-in: what is checked, stored, refreshed
through ``/auth/refresh``, and revoked with ``RevokeToken``.

The pool (discovery, JWKS, token and revocation endpoints, cognito-idp) is
conftest's ``world`` (:mod:`tests.unit.desktop_app.auth.session_world`); the API's
routes are answered here.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
import responses
from cryptography.hazmat.primitives.asymmetric import rsa

from desktop_app import config, errors
from desktop_app.auth import password_flow, session, session_codec, store
from tests.unit.desktop_app.auth.session_world import (
    IDP,
    JSON,
    World,
    make_profile,
    stored_session,
)

API = "https://api.example.com"
AUTOMATION = "automation-client"
PASSWORD = "Sekr1t-Passw0rd!"


def password_profile(**overrides: Any) -> config.Profile:
    values: dict[str, Any] = {
        "api_url": API,
        "password_sign_in": True,
        "password_sign_in_client_id": AUTOMATION,
    }
    values.update(overrides)
    return make_profile(**values)


class Api:
    """The API's password sign-in routes: sign-in answers ``sign_in`` (tokens by
    default), refresh answers tokens; every body is recorded."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.bodies: dict[str, list[dict[str, Any]]] = {"sign-in": [], "refresh": []}
        self.sign_in_reply: tuple[int, dict[str, Any]] | None = None
        self.refresh_reply: tuple[int, dict[str, Any]] | None = None
        self.aud = AUTOMATION
        mock = world.pool.mock
        mock.add_callback(responses.POST, API + "/auth/sign-in", callback=self._sign_in)
        mock.add_callback(responses.POST, API + "/auth/refresh", callback=self._refresh)

    def tokens(self, *, refresh: bool) -> dict[str, Any]:
        token = self.world.token
        token.issued += 1
        answer = {
            "access_token": f"api-access-{token.issued}",
            "id_token": token.id_token(aud=self.aud),
            "expires_in": 3600,
            "token_type": "Bearer",
        }
        if refresh:
            answer["refresh_token"] = "api-refresh"
        return answer

    def _sign_in(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        self.bodies["sign-in"].append(json.loads(request.body or b"{}"))
        status, body = self.sign_in_reply or (200, self.tokens(refresh=True))
        return status, JSON, json.dumps(body)

    def _refresh(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        self.bodies["refresh"].append(json.loads(request.body or b"{}"))
        status, body = self.refresh_reply or (200, self.tokens(refresh=False))
        return status, JSON, json.dumps(body)


@pytest.fixture
def api(world: World) -> Api:
    return Api(world)


def no_questions(challenge: password_flow.Challenge) -> str:
    raise AssertionError(f"asked {challenge.name}")


def password_stored(**overrides: Any) -> store.StoredSession:
    values: dict[str, Any] = {
        "refresh_token": "api-refresh",
        "client_id": AUTOMATION,
        "flow": session_codec.PASSWORD_FLOW,
    }
    values.update(overrides)
    return stored_session(**values)


def test_sign_in_with_password_checks_the_id_token_and_stores_like_the_browser(
    world: World, api: Api
) -> None:
    current = world.session(password_profile())
    identity = current.sign_in_with_password("alice", PASSWORD, answer=no_questions)
    assert identity.username == "alice" and identity.groups == ("Admin",)
    assert api.bodies["sign-in"] == [{"username": "alice", "password": PASSWORD}]
    saved = world.spy.inner.load()
    assert saved == store.StoredSession(
        refresh_token="api-refresh",
        username="alice",
        sub=identity.sub,
        client_id=AUTOMATION,
        issuer=current.profile.issuer,
        saved_at=world.clock(),
        flow=session_codec.PASSWORD_FLOW,
    )
    assert current.flow == session_codec.PASSWORD_FLOW
    assert current.access_token() == "api-access-1"
    assert session.ADMIN_SCOPE in current.scopes  # Cognito's API sign-in grants it
    assert world.token.count == 0  # the pool's token endpoint was never asked


@pytest.mark.parametrize(
    ("claims", "says"),
    [
        ({"aud": "unit-client"}, "another client"),  # the desktop client's, not automation's
        ({"iss": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other"}, "issuer"),
        ({"exp": 1}, "expired"),
    ],
)
def test_an_id_token_that_fails_a_check_keeps_nothing(
    world: World, api: Api, claims: dict[str, Any], says: str
) -> None:
    current = world.session(password_profile())
    api.sign_in_reply = (
        200,
        {
            **api.tokens(refresh=True),
            "id_token": world.token.id_token(**{"aud": AUTOMATION, **claims}),
        },
    )
    with pytest.raises(errors.IdTokenError, match=says):
        current.sign_in_with_password("alice", PASSWORD, answer=no_questions)
    assert world.spy.saves == [] and current.identity is None


def test_an_id_token_signed_by_another_key_keeps_nothing(world: World, api: Api) -> None:
    current = world.session(password_profile())
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    api.sign_in_reply = (
        200,
        {**api.tokens(refresh=True), "id_token": world.token.id_token(stranger, aud=AUTOMATION)},
    )
    with pytest.raises(errors.IdTokenError, match="signature"):
        current.sign_in_with_password("alice", PASSWORD, answer=no_questions)
    assert world.spy.saves == []


def test_sign_in_with_password_needs_it_turned_on(world: World, api: Api) -> None:
    current = world.session(make_profile(api_url=API))
    with pytest.raises(errors.ConfigError, match="password_sign_in = true"):
        current.sign_in_with_password("alice", PASSWORD, answer=no_questions)
    assert api.bodies["sign-in"] == []


def test_a_refused_sign_in_stores_nothing(world: World, api: Api) -> None:
    api.sign_in_reply = (401, {"error": "invalid_credentials", "message": "no"})
    current = world.session(password_profile())
    with pytest.raises(password_flow.Refused, match="incorrect username or password"):
        current.sign_in_with_password("alice", PASSWORD, answer=no_questions)
    assert world.spy.saves == []


def test_resume_refreshes_through_the_api_not_the_token_endpoint(world: World, api: Api) -> None:
    world.spy.inner.save(password_stored())
    current = world.session(password_profile())
    assert current.resume() is not None
    assert api.bodies["refresh"] == [{"refresh_token": "api-refresh", "username": "alice"}]
    assert world.token.count == 0
    assert current.flow == session_codec.PASSWORD_FLOW
    world.clock.advance(3600)  # due again: the next token comes from the API too
    assert current.access_token() == "api-access-2"
    assert len(api.bodies["refresh"]) == 2 and world.token.count == 0


def test_a_browser_session_still_refreshes_at_the_token_endpoint(world: World, api: Api) -> None:
    world.spy.inner.save(stored_session())
    current = world.session(password_profile())
    assert current.resume() is not None
    assert world.token.count == 1 and api.bodies["refresh"] == []
    assert current.flow == session_codec.BROWSER_FLOW


def test_invalid_grant_from_the_api_ends_the_session(world: World, api: Api) -> None:
    world.spy.inner.save(password_stored())
    api.refresh_reply = (401, {"error": "invalid_grant", "message": "gone"})
    with pytest.raises(errors.SessionExpired, match="no longer accepted"):
        world.session(password_profile()).resume()
    assert world.spy.inner.load() is None


def test_the_api_turning_the_feature_off_keeps_the_session(world: World, api: Api) -> None:
    world.spy.inner.save(password_stored())
    api.refresh_reply = (404, {"detail": "Not Found"})
    with pytest.raises(errors.SessionExpired, match="password sign-in is not turned on"):
        world.session(password_profile()).resume()
    assert world.spy.inner.load() is not None


def test_a_refreshed_id_token_for_the_desktop_client_ends_the_session(
    world: World, api: Api
) -> None:
    world.spy.inner.save(password_stored())
    api.aud = "unit-client"
    with pytest.raises(errors.RefreshedIdTokenRefused, match="another client"):
        world.session(password_profile()).resume()
    assert world.spy.inner.load() is None


@pytest.mark.parametrize(
    ("profile", "says"),
    [
        (make_profile(api_url=API), "no longer has turned on"),
        (password_profile(password_sign_in_client_id="another-automation"), "another app client"),
    ],
    ids=["turned off", "another client"],
)
def test_a_password_session_the_profile_no_longer_allows_is_removed(
    world: World, api: Api, profile: config.Profile, says: str
) -> None:
    world.spy.inner.save(password_stored())
    with pytest.raises(errors.SessionExpired, match=says):
        world.session(profile).resume()
    assert world.spy.inner.load() is None and api.bodies["refresh"] == []


def test_sign_out_revokes_with_revoke_token_and_the_automation_client(
    world: World, api: Api
) -> None:
    world.spy.inner.save(password_stored())
    current = world.session(password_profile())
    assert current.resume() is not None
    assert current.sign_out() == []
    assert world.pool.revoked == []  # not the token endpoint's /oauth2/revoke
    ((headers, body),) = world.pool.global_sign_outs
    assert headers["X-Amz-Target"] == "AWSCognitoIdentityProviderService.RevokeToken"
    assert body == {"Token": "api-refresh", "ClientId": AUTOMATION}
    world.assert_signed_out(current)
    assert current.flow == session_codec.PASSWORD_FLOW  # kept: no browser session to end


def test_sign_out_of_a_password_session_not_yet_resumed_knows_its_flow(
    world: World, api: Api
) -> None:
    world.spy.inner.save(password_stored())
    current = world.session(password_profile())
    assert current.flow is None
    assert current.sign_out() == []
    assert current.flow == session_codec.PASSWORD_FLOW
    assert [body["ClientId"] for _, body in world.pool.global_sign_outs] == [AUTOMATION]


def test_a_refused_revocation_is_reported_and_everything_is_still_cleared(
    world: World, api: Api
) -> None:
    world.spy.inner.save(password_stored())
    world.pool.mock.replace(
        responses.POST,
        IDP,
        status=400,
        json={"__type": "UnsupportedOperationException", "message": "revocation is off"},
    )
    current = world.session(password_profile())
    (problem,) = current.sign_out()
    assert problem == "could not revoke the refresh token: HTTP 400"
    assert world.spy.inner.load() is None


def test_sign_out_everywhere_works_with_the_api_sign_in_s_access_token(
    world: World, api: Api
) -> None:
    current = world.session(password_profile())
    current.sign_in_with_password("alice", PASSWORD, answer=no_questions)
    assert current.sign_out(everywhere=True) == []
    targets = [h["X-Amz-Target"].rpartition(".")[2] for h, _ in world.pool.global_sign_outs]
    assert targets == ["GlobalSignOut", "RevokeToken"]
    assert world.pool.global_sign_outs[0][1] == {"AccessToken": "api-access-1"}
