"""An AdminError is answered as ``{"error", "message"}``, never cached, with Retry-After if any."""

from __future__ import annotations

import json
from typing import Any

import fastapi
import pytest

from protected_api import admin_errors
from tests.unit.protected_api import stubs


def answer(error: admin_errors.AdminError) -> Any:
    """What the handler :func:`admin_errors.install` registers answers to ``error``."""
    app = fastapi.FastAPI()
    admin_errors.install(app)
    handler = app.exception_handlers[admin_errors.AdminError]
    return stubs.run_async(handler(None, error))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("error", "retry_after"),
    [
        (admin_errors.AdminError(404, "not_found", "User does not exist."), None),
        (admin_errors.AdminError(409, "self_lockout", "ask another admin"), None),
        (admin_errors.AdminError(429, "throttled", "slow down", retry_after=2), "2"),
        (admin_errors.AdminError(503, "unavailable", "later", retry_after=5), "5"),
    ],
    ids=lambda value: value.code if isinstance(value, admin_errors.AdminError) else None,
)
def test_an_admin_error_is_answered_as_it_says(
    error: admin_errors.AdminError, retry_after: str | None
) -> None:
    response = answer(error)
    assert response.status_code == error.status
    assert json.loads(response.body) == {"error": error.code, "message": error.message}
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers.get("Retry-After") == retry_after


def test_the_error_carries_its_message_as_its_text() -> None:
    error = admin_errors.AdminError(409, "self_lockout", "ask another admin")
    assert str(error) == "ask another admin"
    assert error.retry_after is None
