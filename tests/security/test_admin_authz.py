"""A signed-in user who is not an admin calls every admin route of the real API: 403.

The routes come from the FastAPI app itself (not from a table), so a new route under
``/admin`` that forgets ``require_group`` fails here. The same walk checks token-use
confusion: an admin's *ID* token is not a bearer token anywhere under ``/admin``.
The hand-written matrix with every token variant is
``tests/integration/test_api_authz_matrix.py``.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import requests

from local_cognito import server
from protected_api import server as api_server
from tests.integration.conftest import admin_tokens
from tests.integration.test_api_authz_matrix import served_routes

pytestmark = pytest.mark.integration
TIMEOUT = 10
ADMIN_PREFIX = "/admin"


def admin_routes(api: api_server.ApiServer) -> list[tuple[str, str]]:
    """(method, concrete path) for every route the app serves under /admin."""
    found: list[tuple[str, str]] = []
    for route, _original in served_routes(api.app):
        path = getattr(route, "path", None)
        assert isinstance(path, str), f"cannot classify {route!r}"
        if not path.startswith(ADMIN_PREFIX):
            continue
        # Harmless values: a user that does not exist, a group name.
        concrete = re.sub(r"\{[^}]+\}", "authz-nobody", path)
        for method in sorted((getattr(route, "methods", None) or {"GET"}) - {"HEAD"}):
            found.append((method, concrete))
    return found


def call(api: api_server.ApiServer, method: str, path: str, token: str) -> requests.Response:
    return requests.request(
        method,
        api.url + path,
        headers={"Authorization": f"Bearer {token}"},
        json={},  # a body that parses, so only authorization can refuse it
        timeout=TIMEOUT,
        allow_redirects=False,
    )


def test_every_admin_route_refuses_a_signed_in_non_admin(
    api: api_server.ApiServer, idp: Any, stand_in: server.LocalCognito
) -> None:
    alice = admin_tokens(idp, stand_in, "alice", "Alice-Passw0rd!")
    routes = admin_routes(api)
    assert ("GET", "/admin/users") in routes and len(routes) >= 10, routes
    assert call(api, "GET", "/me", alice["AccessToken"]).status_code == 200  # a valid user

    wrong = {}
    for method, path in routes:
        response = call(api, method, path, alice["AccessToken"])
        challenge = response.headers.get("WWW-Authenticate", "")
        if response.status_code != 403 or 'error="insufficient_scope"' not in challenge:
            wrong[f"{method} {path}"] = f"{response.status_code} {response.text[:120]}"
    assert not wrong, f"admin routes a non-admin got past: {wrong}"


def test_no_admin_route_takes_an_id_token_as_a_bearer(
    api: api_server.ApiServer, idp: Any, stand_in: server.LocalCognito
) -> None:
    admin = admin_tokens(idp, stand_in, "admin", "Admin-Passw0rd!")
    wrong = {}
    for method, path in admin_routes(api):
        response = call(api, method, path, admin["IdToken"])
        if response.status_code != 401:
            wrong[f"{method} {path}"] = response.status_code
    assert not wrong, f"an ID token was accepted: {wrong}"
    # The same admin's access token does get through (the check is not "refuse all").
    allowed = call(api, "GET", "/admin/users", admin["AccessToken"])
    assert allowed.status_code == 200, allowed.text
