"""What the admin widget tests share: API answers for a user, and a fake API behind
a bridge of either kind (:mod:`tests.support.bridges`)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.bridges import ManualBridge, ThreadedBridge
from tests.support.fake_api import FakeApi


def user_body(username: str, **changes: Any) -> dict[str, Any]:
    """``GET /admin/users/{username}``'s answer (a user detail), with ``changes``."""
    body: dict[str, Any] = {
        "username": username,
        "sub": f"sub-{username}",
        "email": f"{username}@example.test",
        "status": "CONFIRMED",
        "enabled": True,
        "created_at": "2026-01-01T07:00:00Z",
        "attributes": {"email": f"{username}@example.test"},
        "groups": [],
    }
    return body | changes


@pytest.fixture
def api() -> FakeApi:
    return FakeApi()


@pytest.fixture
def manual(api: FakeApi) -> ManualBridge:
    """Calls held until the test finishes them, in the order it chooses."""
    return ManualBridge(api)


@pytest.fixture
def threaded(api: FakeApi) -> ThreadedBridge:
    """Calls on the real worker pool, as the app makes them."""
    return ThreadedBridge(api)
