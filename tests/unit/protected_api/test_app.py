"""create_app wires the parts: every area's routes, the error handlers, the access log
and the body limit."""

from __future__ import annotations

import dataclasses
import importlib
import logging
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from protected_api import app as api_app
from protected_api import cognito_admin, password_sign_in, request_limits
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


@pytest.mark.parametrize("token", [None, "t"], ids=["no-token", "signed-in"])
def test_a_body_over_the_limit_is_refused_before_routing_and_authentication(
    api: api_server.ApiServer, caplog: pytest.LogCaptureFixture, token: str | None
) -> None:
    caplog.set_level(logging.INFO, logger="protected_api.access")
    headers = stubs.bearer(token) if token else {}
    big = b"x" * (request_limits.DEFAULT_MAX_BODY_BYTES + 1)
    for path in ("/admin/users", "/me", "/nowhere"):  # a body route, a GET route, no route
        response = requests.post(api.url + path, data=big, headers=headers, timeout=stubs.TIMEOUT)
        assert (response.status_code, response.json()["error"]) == (413, "too_large")
        assert response.headers["X-Request-ID"]  # the access log wraps the limit
    lines = [r.getMessage() for r in caplog.records if r.name == "protected_api.access"]
    assert [line.split()[:3] for line in lines[-3:]] == [
        ["POST", "/admin/users", "413"],
        ["POST", "/me", "413"],
        ["POST", "/nowhere", "413"],
    ]


def test_a_head_over_the_limit_is_refused_before_routing(api: api_server.ApiServer) -> None:
    filler = "f" * request_limits.MAX_REQUEST_HEAD_BYTES
    response = requests.get(
        f"{api.url}/healthz", headers={"X-Filler": filler}, timeout=stubs.TIMEOUT
    )
    assert response.status_code == 431
    assert response.json() == {
        "error": "too_large",
        "message": "the request line and headers are larger than "
        f"{request_limits.MAX_REQUEST_HEAD_BYTES} bytes",
    }


def test_the_body_limit_comes_from_the_settings() -> None:
    config = dataclasses.replace(stubs.settings_for(), max_body_bytes=1024)
    unused: Any = object()
    app = api_app.create_app(config, token_verifier=stubs.TokenTable({}), admin_client=unused)
    with api_server.ApiServer(app) as running:
        refused = requests.post(f"{running.url}/me", data=b"x" * 1025, timeout=stubs.TIMEOUT)
        taken = requests.post(f"{running.url}/me", data=b"x" * 1024, timeout=stubs.TIMEOUT)
    assert (refused.status_code, taken.status_code) == (413, 405)


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


def sign_in_paths(app: Any) -> set[str]:
    return {path for path in app.openapi()["paths"] if path.startswith("/auth")}


def test_password_sign_in_routes_exist_only_when_configured(aws_credentials: None) -> None:
    off = api_app.create_app(stubs.settings_for("http://127.0.0.1:9"))
    assert sign_in_paths(off) == set()
    assert not hasattr(off.state, "sign_in")
    on = dataclasses.replace(
        stubs.settings_for("http://127.0.0.1:9"),
        client_ids=(stubs.CLIENT, "robot"),
        password_sign_in_client_id="robot",
    )
    app = api_app.create_app(on)
    assert sign_in_paths(app) == {"/auth/sign-in", "/auth/challenge", "/auth/refresh"}
    assert isinstance(app.state.sign_in, password_sign_in.SignInService)
    assert app.state.sign_in.cognito.client_id == "robot"
    # Each route documents the body it reads itself.
    schema = app.openapi()["paths"]["/auth/sign-in"]["post"]["requestBody"]
    body = schema["content"]["application/json"]["schema"]
    assert set(body["required"]) == {"username", "password"}
    injected: Any = object()
    assert api_app.create_app(on, sign_in_service=injected).state.sign_in is injected
