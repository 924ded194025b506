"""The two fixtures every stand-in starts from: its clock and its pool's settings.

Imported by name into tests/integration/conftest.py (and from there by the security and
end-to-end suites) and tests/unit/local_cognito/conftest.py; a test module overrides
``pool_settings`` (or parametrizes it) for another pool shape.
"""

from __future__ import annotations

import pytest

from local_cognito import settings
from tests.support import clock


@pytest.fixture
def fake_clock() -> clock.FakeClock:
    """Starts at the real time; the test moves it (``now=`` of the stand-in and the API)."""
    return clock.FakeClock()


@pytest.fixture
def pool_settings() -> settings.PoolSettings:
    """Cognito's defaults, except that PKCE is required (``require_pkce``, the stand-in's
    strict mode): the project's own tests thereby prove that the app sends it. Override
    in a test module for another pool."""
    return settings.PoolSettings(require_pkce=True)
