"""The stand-in over real HTTP on a free loopback port, with an injectable clock."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from local_cognito import server, settings
from tests.support import clock, scripted_browser

REDIRECT_URI = settings.callback_urls()[0]


@pytest.fixture
def fake_clock() -> clock.FakeClock:
    return clock.FakeClock()


@pytest.fixture
def pool_settings() -> settings.PoolSettings:
    """Override in a test module to start the stand-in with other settings."""
    return settings.PoolSettings()


@pytest.fixture
def stand_in(
    fake_clock: clock.FakeClock, pool_settings: settings.PoolSettings
) -> Iterator[server.LocalCognito]:
    with server.LocalCognito(port=0, now=fake_clock, config=pool_settings) as running:
        yield running


@pytest.fixture
def idp(stand_in: server.LocalCognito) -> Any:
    """A boto3 cognito-idp client pointed at the stand-in, as the API configures it."""
    return boto3.client(
        "cognito-idp",
        endpoint_url=stand_in.url,
        region_name=stand_in.pool.settings.region,
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


@pytest.fixture
def browser(stand_in: server.LocalCognito) -> scripted_browser.ScriptedBrowser:
    return scripted_browser.ScriptedBrowser(stand_in.url)


@pytest.fixture
def auth_request(stand_in: server.LocalCognito) -> scripted_browser.AuthRequest:
    return scripted_browser.AuthRequest(stand_in.pool.client_id, REDIRECT_URI)
