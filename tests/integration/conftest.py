"""The stand-in over real HTTP on a free loopback port, with an injectable clock."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from local_cognito import server, settings
from protected_api import app as api_app
from protected_api import server as api_server
from protected_api import settings as api_settings_mod
from protected_api import verifier
from tests.support import clock, scripted_browser

REDIRECT_URI = settings.callback_urls()[0]


@pytest.fixture
def fake_clock() -> clock.FakeClock:
    return clock.FakeClock()


@pytest.fixture
def pool_settings() -> settings.PoolSettings:
    """Override in a test module to start the stand-in with other settings."""
    return settings.PoolSettings()


@pytest.fixture
def stand_in(
    fake_clock: clock.FakeClock, pool_settings: settings.PoolSettings
) -> Iterator[server.LocalCognito]:
    with server.LocalCognito(port=0, now=fake_clock, config=pool_settings) as running:
        yield running


@pytest.fixture
def idp(stand_in: server.LocalCognito) -> Any:
    """A boto3 cognito-idp client pointed at the stand-in, as the API configures it."""
    return boto3.client(
        "cognito-idp",
        endpoint_url=stand_in.url,
        region_name=stand_in.pool.settings.region,
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


@pytest.fixture
def browser(stand_in: server.LocalCognito) -> scripted_browser.ScriptedBrowser:
    return scripted_browser.ScriptedBrowser(stand_in.url)


@pytest.fixture
def auth_request(stand_in: server.LocalCognito) -> scripted_browser.AuthRequest:
    return scripted_browser.AuthRequest(stand_in.pool.client_id, REDIRECT_URI)


@pytest.fixture
def api_settings(stand_in: server.LocalCognito) -> api_settings_mod.Settings:
    """The protected API configured for the stand-in, exactly as for a real pool
    except the JWKS URL and the cognito-idp endpoint."""
    info = stand_in.info()
    return api_settings_mod.Settings.from_env(
        {
            "COGNITO_USER_POOL_ID": info["user_pool_id"],
            "COGNITO_CLIENT_IDS": info["client_id"],
            "COGNITO_JWKS_URL": info["jwks_url"],
            "COGNITO_IDP_ENDPOINT_URL": info["cognito_idp_endpoint"],
        }
    )


@pytest.fixture
def api(
    stand_in: server.LocalCognito,
    api_settings: api_settings_mod.Settings,
    fake_clock: clock.FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[api_server.ApiServer]:
    """The protected API on a free loopback port, on the same clock as the stand-in."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
    check = verifier.CognitoJwtVerifier.create(
        issuer=api_settings.issuer,
        client_ids=api_settings.client_ids,
        token_use="access",
        jwks_url=api_settings.jwks_url,
        now=fake_clock,
    )
    with api_server.ApiServer(api_app.create_app(api_settings, token_verifier=check)) as running:
        yield running


def admin_tokens(
    idp: Any, stand_in: server.LocalCognito, username: str, password: str
) -> dict[str, Any]:
    """Tokens for a user through AdminInitiateAuth (fast; same issuer and key as managed login)."""
    result = idp.admin_initiate_auth(
        UserPoolId=stand_in.pool.id,
        ClientId=stand_in.pool.client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )
    return dict(result["AuthenticationResult"])


@pytest.fixture(scope="session")
def secret_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A real Secret Service for the whole run; the env a client process needs."""
    from tests.support import secret_service as secret_service_mod

    lacking = secret_service_mod.missing()
    if lacking:
        pytest.skip(
            f"no Secret Service here (apt install dbus gnome-keyring): missing {', '.join(lacking)}"
        )
    with secret_service_mod.running(tmp_path_factory.mktemp("secret-service")) as env:
        yield env
