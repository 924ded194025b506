"""The resource server's scopes: required only when the settings name the resource server."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from protected_api import app as api_app
from protected_api import auth, scopes, settings
from protected_api import server as api_server
from tests.unit.protected_api import stubs

API_ID = "cognito-desktop-api"


def scoped_settings() -> settings.Settings:
    """The settings with ``REQUIRE_SCOPES`` set."""
    return dataclasses.replace(stubs.settings_for(), require_scopes=API_ID)


def test_require_scopes_is_read_from_the_environment() -> None:
    base = {"COGNITO_USER_POOL_ID": "eu-west-1_AbC123", "COGNITO_CLIENT_IDS": "c"}
    assert settings.Settings.from_env(base).require_scopes is None
    chosen = settings.Settings.from_env({**base, "REQUIRE_SCOPES": API_ID})
    assert scopes.resource_server(chosen) == API_ID
    with pytest.raises(settings.SettingsError, match="REQUIRE_SCOPES"):
        settings.Settings.from_env({**base, "REQUIRE_SCOPES": "no spaces allowed"})


def principal(*scope: str, groups: tuple[str, ...] = ("Admin",)) -> auth.Principal:
    return auth.Principal.from_claims({**stubs.claims("ann", *groups), "scope": " ".join(scope)})


def test_off_by_default() -> None:
    assert scopes.resource_server(stubs.settings_for()) is None
    scopes.check(principal(), stubs.settings_for(), scopes.ADMIN)  # no scope, no refusal


@pytest.mark.parametrize("scope", [scopes.READ, scopes.ADMIN])
def test_when_required_the_token_must_carry_the_scope(scope: str) -> None:
    config = scoped_settings()
    assert scopes.resource_server(config) == API_ID
    scopes.check(principal(f"{API_ID}/{scope}"), config, scope)
    for wrong in ((), (scope,), (f"other-api/{scope}",), (f"{API_ID}/x{scope}",)):
        with pytest.raises(auth.AuthError) as caught:
            scopes.check(principal(*wrong), config, scope)
        assert (caught.value.status, caught.value.error) == (403, "insufficient_scope")
        assert caught.value.message == f"requires scope {API_ID}/{scope}"


# Over HTTP: /me and /items need read, /admin needs admin as well as the group

TOKENS: dict[str, dict[str, Any]] = {
    "read": {**stubs.claims("ann", "Admin"), "scope": f"openid {API_ID}/read"},
    "admin-no-read": {**stubs.claims("ann", "Admin"), "scope": f"openid {API_ID}/admin"},
    "none": {**stubs.claims("ann", "Admin"), "scope": "openid email"},
    "user-both": {
        **stubs.claims("bea", "Editors"),
        "scope": f"{API_ID}/read {API_ID}/admin",
    },
}


@pytest.fixture
def scoped_api(aws_credentials: None) -> Iterator[api_server.ApiServer]:
    app = api_app.create_app(scoped_settings(), token_verifier=stubs.TokenTable(TOKENS))
    with api_server.ApiServer(app) as running:
        yield running


def status(api: api_server.ApiServer, path: str, token: str) -> tuple[int, str]:
    response = requests.get(f"{api.url}{path}", headers=stubs.bearer(token), timeout=stubs.TIMEOUT)
    challenge = response.headers.get("WWW-Authenticate", "")
    return response.status_code, challenge


@pytest.mark.parametrize("path", ["/me", "/items"])
def test_reading_needs_the_read_scope(scoped_api: api_server.ApiServer, path: str) -> None:
    assert status(scoped_api, path, "read")[0] == 200
    for token in ("none", "admin-no-read"):
        code, challenge = status(scoped_api, path, token)
        assert code == 403 and 'error="insufficient_scope"' in challenge


def test_admin_routes_need_the_admin_scope_and_the_group(
    scoped_api: api_server.ApiServer,
) -> None:
    for token in ("read", "none", "user-both"):  # no admin scope, or no group
        code, challenge = status(scoped_api, "/admin/users", token)
        assert code == 403 and 'error="insufficient_scope"' in challenge, token


def test_without_required_scopes_tokens_need_none(aws_credentials: None) -> None:
    app = api_app.create_app(stubs.settings_for(), token_verifier=stubs.TokenTable(TOKENS))
    with api_server.ApiServer(app) as running:
        assert status(running, "/me", "none")[0] == 200
        assert status(running, "/items", "none")[0] == 200
