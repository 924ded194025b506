"""Fixtures for every auth unit test.

``fresh_discovery`` (autouse) and ``session`` (the app's HTTP session) come from
:mod:`tests.support.fixtures`; ``fresh_jwks`` empties the process's signing-key
clients, so no test sees keys another one fetched (as in a new process). ``key`` and
``world`` are the Session tests' mocked pool (:mod:`session_world`). ``port`` and
``receiver`` are for the loopback receiver's tests (``test_loopback*.py``).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from desktop_app.auth import jwks_cache, loopback
from tests.support import loopback_probe
from tests.support.fixtures import fresh_discovery, http_session  # noqa: F401
from tests.unit.desktop_app.auth import loopback_harness, session_world
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


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    """The pool's signing key (one per test module: RSA key generation is slow)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def world(key: rsa.RSAPrivateKey) -> Iterator[session_world.World]:
    """One test's mocked pool, spy store and clock (:mod:`session_world`)."""
    with session_world.new_world(key) as made:
        yield made
