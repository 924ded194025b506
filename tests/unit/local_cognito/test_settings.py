"""local_cognito.settings: the pool's shape, and the limits Cognito puts on it."""

from __future__ import annotations

import time

import pytest

from local_cognito import settings


def test_callback_and_logout_urls_are_loopback_one_per_port_in_order() -> None:
    # Each environment has its own path (RFC 9700 4.4): the default profile is "local".
    assert settings.callback_urls() == [
        "http://127.0.0.1:53682/callback/local",
        "http://127.0.0.1:53683/callback/local",
        "http://127.0.0.1:53684/callback/local",
    ]
    assert settings.logout_urls((1234,)) == ["http://127.0.0.1:1234/signed-out/local"]
    assert settings.callback_urls((1234,), "dev") == ["http://127.0.0.1:1234/callback/dev"]
    assert settings.logout_urls(environment="dev")[0] == "http://127.0.0.1:53682/signed-out/dev"


def test_the_registered_urls_follow_the_environment() -> None:
    dev = settings.PoolSettings(environment="dev")
    assert dev.callback_urls == tuple(settings.callback_urls(environment="dev"))
    assert dev.logout_urls == tuple(settings.logout_urls(environment="dev"))
    # Given URLs are kept as they are.
    given = settings.PoolSettings(environment="dev", callback_urls=("http://127.0.0.1:1/x",))
    assert given.callback_urls == ("http://127.0.0.1:1/x",)
    assert given.logout_urls == tuple(settings.logout_urls(environment="dev"))


def test_issuer_formats() -> None:
    assert settings.DEFAULTS.issuer_format == "classic"
    assert settings.issuer_url("us-east-1", "us-east-1_AbC") == (
        "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC"
    )
    assert settings.issuer_url("us-east-1", "us-east-1_AbC", "updated") == (
        "https://issuer-cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC"
    )


def test_defaults_are_a_public_native_app_client() -> None:
    assert settings.PoolSettings() == settings.DEFAULTS
    assert settings.DEFAULTS.callback_urls == tuple(settings.callback_urls())
    assert settings.DEFAULTS.logout_urls == tuple(settings.logout_urls())
    assert "openid" in settings.DEFAULTS.scopes
    assert (settings.DEFAULTS.access_token_minutes, settings.DEFAULTS.refresh_token_days) == (
        60,
        30,
    )
    assert settings.DEFAULTS.rotate_refresh_tokens is False
    assert settings.DEFAULTS.require_pkce is False  # PKCE is optional on Cognito


@pytest.mark.parametrize("grace", [0, settings.MAX_ROTATION_GRACE_S])
def test_rotation_grace_at_its_limits_is_accepted(grace: int) -> None:
    assert settings.PoolSettings(rotation_grace_seconds=grace).rotation_grace_seconds == grace


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"rotation_grace_seconds": -1}, "rotation_grace_seconds must be 0..60"),
        ({"rotation_grace_seconds": 61}, "rotation_grace_seconds must be 0..60"),
        ({"access_token_minutes": 4}, "at least 5 minutes"),
        ({"id_token_minutes": 4}, "at least 5 minutes"),
        ({"environment": "has space"}, "environment 'has space' must be 1-64 letters"),
        ({"environment": ""}, "environment '' must be 1-64 letters"),
        ({"issuer_format": "original"}, 'issuer_format must be "classic" or "updated"'),
    ],
)
def test_what_cognito_refuses_is_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        settings.PoolSettings(**changes)  # type: ignore[arg-type]


def test_the_system_clock_is_epoch_seconds() -> None:
    before = time.time()
    assert before <= settings.system_clock() <= time.time()
