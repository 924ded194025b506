"""create_app wires the parts: every area's routes, the error handlers, the access log."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from protected_api import app as api_app
from protected_api import cognito_admin
from protected_api import server as api_server
from tests.unit.protected_api import stubs


@pytest.fixture(scope="module")
def api() -> Iterator[api_server.ApiServer]:
    unused: Any = object()  # no admin route gets past authentication here
    app = api_app.create_app(
        stubs.settings_for(),
        token_verifier=stubs.TokenTable({"t": stubs.claims("alice")}),
        admin_client=unused,
    )
    with api_server.ApiServer(app) as running:
        yield running


def test_health_needs_no_token_and_carries_a_request_id(api: api_server.ApiServer) -> None:
    response = requests.get(f"{api.url}/healthz", timeout=stubs.TIMEOUT)
    assert response.json() == {"status": "ok"}
    assert response.headers["X-Request-ID"]


@pytest.mark.parametrize(
    ("path", "token", "status", "error"),
    [
        ("/me", None, 401, "unauthorized"),  # auth's handler
        ("/admin/users", None, 401, "unauthorized"),
        ("/admin/users", "t", 403, "insufficient_scope"),
        ("/nowhere", "t", 404, "not_found"),  # http_errors' handlers
        ("/items?limit=0", "t", 422, "invalid_request"),
    ],
)
def test_every_area_and_handler_is_installed(
    api: api_server.ApiServer, path: str, token: str | None, status: int, error: str
) -> None:
    headers = stubs.bearer(token) if token else {}
    response = requests.get(api.url + path, headers=headers, timeout=stubs.TIMEOUT)
    assert (response.status_code, response.json()["error"]) == (status, error)


def test_the_adapter_and_verifier_come_from_the_settings_by_default(aws_credentials: None) -> None:
    app = api_app.create_app(stubs.settings_for("http://127.0.0.1:9"))
    assert isinstance(app.state.admin, cognito_admin.CognitoAdmin)
    assert app.state.admin.user_pool_id == stubs.POOL_ID
    assert app.state.verifier.issuer == stubs.ISSUER


def test_botocore_never_logs_request_bodies() -> None:
    botocore_log = logging.getLogger("botocore")
    botocore_log.setLevel(logging.DEBUG)
    # The level is set when the module is imported, whatever the root level is.
    importlib.reload(api_app)
    assert botocore_log.level == logging.WARNING
