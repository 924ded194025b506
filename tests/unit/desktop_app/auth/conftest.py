"""Fixtures for every auth unit test.

``fresh_discovery`` (autouse) and ``session`` (the app's HTTP session) come from
:mod:`tests.support.fixtures`; ``fresh_jwks`` empties the process's signing-key
clients, so no test sees keys another one fetched (as in a new process). ``port`` and
``receiver`` are for the loopback receiver's tests (``test_loopback*.py``).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from desktop_app.auth import jwks_cache, loopback
from tests.support import loopback_probe
from tests.support.fixtures import fresh_discovery, http_session  # noqa: F401
from tests.unit.desktop_app.auth import loopback_harness
from tests.unit.desktop_app.auth.loopback_harness import STATE


@pytest.fixture(autouse=True)
def fresh_jwks() -> Iterator[None]:
    jwks_cache.clear()
    yield
    jwks_cache.clear()


@pytest.fixture
def port() -> int:
    """A free loopback port for a receiver to bind."""
    return loopback_probe.free_port()


@pytest.fixture
def receiver(port: int) -> Iterator[loopback.LoopbackReceiver]:
    """A receiver bound on ``port`` (path ``/callback``), expecting the harness's ``STATE``."""
    with loopback.LoopbackReceiver([loopback_harness.uri(port)], expected_state=STATE) as bound:
        yield bound
