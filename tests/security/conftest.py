"""The security suite runs against the same real components as the integration tests.

The stand-in, the protected API, the shared clock and the Secret Service come from
``tests/integration/conftest.py`` (imported, not copied). Only the callback ports
differ: every test gets its own free ones, so the suite never competes with another
run for the stand-in's fixed defaults (53682-53684) and squatting on them is safe.
"""

from __future__ import annotations

import pytest

from local_cognito import settings
from tests.integration import conftest as integration
from tests.integration.conftest import (  # noqa: F401 - pytest fixtures, reused
    alice_stored,
    api,
    api_settings,
    fake_clock,
    idp,
    process_env,
    secret_service,
    stand_in,
)
from tests.support import loopback_probe
from tests.support.fixtures import fresh_discovery  # noqa: F401 - autouse fixture


@pytest.fixture
def callback_ports() -> list[int]:
    """The three loopback ports registered on the app client, in the app's order."""
    return loopback_probe.free_ports(3)


@pytest.fixture
def pool_settings(callback_ports: list[int]) -> settings.PoolSettings:
    return integration.pool_settings_on(callback_ports)
