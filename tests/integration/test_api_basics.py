"""The protected API over real HTTP, with tokens from the stand-in."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from local_cognito import server
from protected_api import server as api_server
from tests.integration.conftest import admin_tokens

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
