"""Refresh-token rotation (Cognito's RefreshTokenRotation) behind a setting."""

from __future__ import annotations

from typing import Any

import pytest

from local_cognito import server, settings
from tests.support import clock
from tests.support.relying_party import refresh, revoke, sign_in
from tests.support.scripted_browser import AuthRequest, ScriptedBrowser

pytestmark = pytest.mark.integration


@pytest.fixture
def pool_settings() -> settings.PoolSettings:
    return settings.PoolSettings(rotate_refresh_tokens=True, rotation_grace_seconds=60)


def test_each_refresh_returns_a_new_refresh_token_and_the_old_one_retires(
    stand_in: server.LocalCognito,
    browser: ScriptedBrowser,
    auth_request: AuthRequest,
    fake_clock: clock.FakeClock,
) -> None:
    first = sign_in(stand_in, browser, auth_request)["refresh_token"]
    response = refresh(stand_in, first)
    assert response.status_code == 200
    second = response.json()["refresh_token"]
    assert second != first

    fake_clock.advance(59)  # inside the grace period the old one still works
    assert refresh(stand_in, first).status_code == 200
    fake_clock.advance(2)
    assert refresh(stand_in, first).json() == {"error": "invalid_grant"}

    third = refresh(stand_in, second).json()["refresh_token"]
    assert third not in (first, second)
    assert refresh(stand_in, third).status_code == 200


def test_revoking_a_rotated_token_revokes_the_whole_family(
    stand_in: server.LocalCognito, browser: ScriptedBrowser, auth_request: AuthRequest
) -> None:
    first = sign_in(stand_in, browser, auth_request)["refresh_token"]
    second = refresh(stand_in, first).json()["refresh_token"]
    revoke(stand_in, first)
    assert refresh(stand_in, second).json() == {"error": "invalid_grant"}


def test_rotation_is_off_by_default(stand_in: server.LocalCognito) -> None:
    assert stand_in.pool.settings.rotate_refresh_tokens
    assert not settings.PoolSettings().rotate_refresh_tokens


def test_grace_period_is_capped_at_cognitos_60_seconds() -> None:
    with pytest.raises(ValueError, match="rotation_grace_seconds"):
        settings.PoolSettings(rotate_refresh_tokens=True, rotation_grace_seconds=61)


@pytest.mark.parametrize("pool_settings", [settings.PoolSettings()])
def test_rotation_follows_the_clients_own_setting(
    stand_in: server.LocalCognito, browser: ScriptedBrowser, auth_request: AuthRequest, idp: Any
) -> None:
    first = sign_in(stand_in, browser, auth_request)["refresh_token"]
    assert "refresh_token" not in refresh(stand_in, first).json()
    idp.update_user_pool_client(
        UserPoolId=stand_in.pool.id,
        ClientId=stand_in.pool.client_id,
        CallbackURLs=list(stand_in.pool.settings.callback_urls),
        AllowedOAuthFlows=["code"],
        AllowedOAuthScopes=list(stand_in.pool.settings.scopes),
        AllowedOAuthFlowsUserPoolClient=True,
        RefreshTokenRotation={"Feature": "ENABLED", "RetryGracePeriodSeconds": 0},
    )
    second = refresh(stand_in, first).json()["refresh_token"]
    assert second != first
    assert refresh(stand_in, first).json() == {"error": "invalid_grant"}  # no grace
    assert refresh(stand_in, second).status_code == 200
