"""``python -m protected_api``: settings from the environment, or exit 2 naming the variable."""

from __future__ import annotations

from typing import Any

import pytest
import uvicorn

from protected_api import __main__ as main_module
from protected_api import request_limits, server


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: calls.append(options))
    return calls


def test_missing_settings_exit_2_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], served: list[Any]
) -> None:
    monkeypatch.delenv("COGNITO_USER_POOL_ID", raising=False)
    monkeypatch.delenv("COGNITO_ISSUER", raising=False)
    assert main_module.main([]) == 2
    assert "COGNITO_USER_POOL_ID" in capsys.readouterr().err
    assert served == []


def test_it_serves_without_uvicorns_access_log(
    monkeypatch: pytest.MonkeyPatch, served: list[dict[str, Any]]
) -> None:
    monkeypatch.setenv("COGNITO_USER_POOL_ID", "eu-west-1_AbC")
    monkeypatch.setenv("COGNITO_CLIENT_IDS", "app-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
    assert main_module.main(["--port", "8123"]) == 0
    [options] = served
    assert options == {
        "host": "127.0.0.1",
        "port": 8123,
        "access_log": False,
        "log_level": "info",
        **server.http_options(),  # `python -m protected_api` bounds the request head too
    }
    assert options["h11_max_incomplete_event_size"] == request_limits.MAX_REQUEST_HEAD_BYTES
