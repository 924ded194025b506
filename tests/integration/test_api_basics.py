"""The protected API over real HTTP, with tokens from the stand-in."""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
import requests

from local_cognito import cli, server
from local_cognito import settings as local_settings
from protected_api import app as api_app
from protected_api import server as api_server
from protected_api import settings as api_settings
from tests.integration.conftest import admin_tokens, idp_client
from tests.support import app_env

pytestmark = pytest.mark.integration
TIMEOUT = 10


def test_me_describes_the_caller(
    idp: Any, stand_in: server.LocalCognito, api: api_server.ApiServer
) -> None:
    tokens = admin_tokens(idp, stand_in, "admin", "Admin-Passw0rd!")
    response = requests.get(
        f"{api.url}/me",
        timeout=TIMEOUT,
        headers={"Authorization": f"Bearer {tokens['AccessToken']}"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["username"] == "admin"
    assert body["groups"] == ["Admin"]
    assert body["is_admin"] is True
    assert body["sub"] == stand_in.pool.pool.users["admin"].id


def test_me_answers_the_access_tokens_plan(
    idp: Any, stand_in: server.LocalCognito, api: api_server.ApiServer
) -> None:
    """Whatever the pool puts in ``plan`` (its pre token generation trigger, or nothing),
    ``/me`` says the same."""
    tokens = admin_tokens(idp, stand_in, "alice", "Alice-Passw0rd!")
    claims = jwt.decode(tokens["AccessToken"], options={"verify_signature": False})
    body = me(api, tokens["AccessToken"])
    assert "plan" in body
    assert body["plan"] == claims.get("plan")


@pytest.mark.parametrize("plan", ["free", "pro", "team_2-eu"])
def test_me_reads_a_plan_from_a_signed_access_token(
    idp: Any, stand_in: server.LocalCognito, api: api_server.ApiServer, plan: str
) -> None:
    token = with_plan(stand_in, idp, plan)
    assert me(api, token)["plan"] == plan


@pytest.mark.parametrize("plan", ["Pro-Plan", "free\n", "", 42, ["pro"]])
def test_me_reads_a_plan_that_is_not_a_plan_name_as_null_and_logs_it_without_the_value(
    idp: Any,
    stand_in: server.LocalCognito,
    api: api_server.ApiServer,
    caplog: pytest.LogCaptureFixture,
    plan: Any,
) -> None:
    caplog.set_level("INFO", logger="protected_api")
    token = with_plan(stand_in, idp, plan)
    body = me(api, token)  # the token is still good
    assert (body["username"], body["plan"]) == ("alice", None)
    [warning] = [r for r in caplog.records if r.name == "protected_api.auth"]
    assert warning.levelname == "WARNING"
    assert "plan" in warning.getMessage()
    if plan:
        assert str(plan).strip() not in warning.getMessage()
    assert "Pro-Plan" not in caplog.text


def me(api: api_server.ApiServer, token: str) -> dict[str, Any]:
    response = requests.get(
        f"{api.url}/me", timeout=TIMEOUT, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def with_plan(stand_in: server.LocalCognito, idp: Any, plan: Any) -> str:
    """alice's access token from the stand-in, with ``plan`` as a pre token generation
    trigger would put it, signed again with the pool's own key (so the API's verifier,
    which reads the pool's JWKS over HTTP, takes it)."""
    tokens = admin_tokens(idp, stand_in, "alice", "Alice-Passw0rd!")
    claims = jwt.decode(tokens["AccessToken"], options={"verify_signature": False})
    return stand_in.pool.key.sign({**claims, "plan": plan})


def test_items_page_through(
    idp: Any, stand_in: server.LocalCognito, api: api_server.ApiServer
) -> None:
    tokens = admin_tokens(idp, stand_in, "alice", "Alice-Passw0rd!")
    headers = {"Authorization": f"Bearer {tokens['AccessToken']}"}
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 50, **({"cursor": cursor} if cursor else {})}
        page = requests.get(
            f"{api.url}/items", params=params, headers=headers, timeout=TIMEOUT
        ).json()
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == page["total"] == 137
    bad = requests.get(
        f"{api.url}/items", params={"cursor": "!!"}, headers=headers, timeout=TIMEOUT
    )
    assert bad.status_code == 400


def test_no_token_is_401_with_a_bearer_challenge(api: api_server.ApiServer) -> None:
    response = requests.get(f"{api.url}/me", timeout=TIMEOUT)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="protected_api"'


def test_healthz_needs_no_token(api: api_server.ApiServer) -> None:
    assert requests.get(f"{api.url}/healthz", timeout=TIMEOUT).json() == {"status": "ok"}


def test_request_id_is_echoed_when_safe_and_replaced_otherwise(
    api: api_server.ApiServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="protected_api.access")
    safe = requests.get(f"{api.url}/healthz", headers={"X-Request-ID": "abc-123"}, timeout=TIMEOUT)
    assert safe.headers["X-Request-ID"] == "abc-123"
    unsafe = requests.get(
        f"{api.url}/healthz", headers={"X-Request-ID": "evil\tvalue<script>"}, timeout=TIMEOUT
    )
    assert unsafe.headers["X-Request-ID"] != "evil\tvalue<script>"
    assert len(unsafe.headers["X-Request-ID"]) == 32
    lines = [r.getMessage() for r in caplog.records if r.name == "protected_api.access"]
    assert any(line.startswith("GET /healthz 200 ") and line.endswith("abc-123") for line in lines)


def test_access_log_never_has_the_query_string(
    api: api_server.ApiServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="protected_api.access")
    response = requests.get(f"{api.url}/me?access_token=secret-value", timeout=TIMEOUT)
    assert response.status_code == 400  # tokens in the query string are refused
    assert "secret-value" not in caplog.text


def test_a_path_with_a_newline_cannot_forge_an_access_log_line(
    api: api_server.ApiServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="protected_api.access")
    forged = "GET /admin/users 200 0.1ms 0123456789abcdef0123456789abcdef"
    response = requests.get(f"{api.url}/me%0A{urllib.parse.quote(forged)}%1B[2J", timeout=TIMEOUT)
    assert response.status_code == 404
    [line] = [
        r.getMessage()
        for r in caplog.records
        if r.name == "protected_api.access" and r.getMessage().startswith("GET /me")
    ]
    assert line.splitlines() == [line] and "\x1b" not in line
    assert line.startswith(f"GET /me\\n{forged}\\x1b[2J 404 ")


# -- the updated issuer format (cognito-local up --issuer-format updated) ---------------


@pytest.fixture
def updated_pool(monkeypatch: pytest.MonkeyPatch) -> Iterator[server.LocalCognito]:
    """A pool whose tokens carry the updated issuer, on the real clock (the API that
    ``cognito-local up`` starts checks times against it)."""
    # cognito-local sets dummy keys with setdefault; these are undone after the test.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
    config = local_settings.PoolSettings(issuer_format="updated")
    with server.LocalCognito(port=0, config=config) as running:
        yield running


def test_the_api_cognito_local_starts_for_an_updated_issuer_pool_accepts_its_tokens(
    updated_pool: server.LocalCognito,
) -> None:
    issuer = updated_pool.info()["issuer"]
    assert issuer.startswith("https://issuer-cognito-idp.")
    api = cli._start_api(updated_pool, "127.0.0.1", 0)  # as `up --issuer-format updated`
    try:
        assert api.app.state.settings.issuer == issuer
        idp = idp_client(updated_pool.url, updated_pool.pool.settings.region)
        token = admin_tokens(idp, updated_pool, "admin", app_env.password("admin"))
        response = requests.get(
            f"{api.url}/me",
            headers={"Authorization": f"Bearer {token['AccessToken']}"},
            timeout=TIMEOUT,
        )
    finally:
        api.stop()
    assert response.status_code == 200, response.text
    assert (response.json()["username"], response.json()["is_admin"]) == ("admin", True)


def test_an_api_expecting_the_classic_issuer_refuses_the_updated_pools_tokens(
    updated_pool: server.LocalCognito,
) -> None:
    info = updated_pool.info()
    classic = api_settings.Settings.from_env(
        {
            "COGNITO_USER_POOL_ID": info["user_pool_id"],
            "COGNITO_CLIENT_IDS": info["client_id"],
            "COGNITO_JWKS_URL": info["jwks_url"],
            "COGNITO_IDP_ENDPOINT_URL": info["cognito_idp_endpoint"],
        }
    )
    assert classic.issuer.startswith("https://cognito-idp.")
    idp = idp_client(updated_pool.url, updated_pool.pool.settings.region)
    token = admin_tokens(idp, updated_pool, "admin", app_env.password("admin"))
    with api_server.ApiServer(api_app.create_app(classic)) as api:
        response = requests.get(
            f"{api.url}/me",
            headers={"Authorization": f"Bearer {token['AccessToken']}"},
            timeout=TIMEOUT,
        )
    assert response.status_code == 401
