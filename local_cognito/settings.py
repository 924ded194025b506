"""What the stand-in's user pool and app client look like.

Defaults mirror a Cognito pool created for a native app: a public client (no
secret) with the authorization-code flow, the loopback callback ports the
desktop app tries, and Cognito's default token lifetimes.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable

Clock = Callable[[], float]

DEFAULT_PORT = 9229
DEFAULT_REGION = "us-east-1"
# The desktop app tries these loopback ports in order (RFC 8252 section 7.3);
# Cognito needs every redirect URI registered exactly, so all are listed.
DEFAULT_CALLBACK_PORTS = (53682, 53683, 53684)
DEFAULT_SCOPES = ("openid", "email", "profile", "aws.cognito.signin.user.admin")
ADMIN_GROUP = "Admin"

AUTH_CODE_LIFETIME_S = 300  # Cognito: codes are single-use and live 5 minutes.
LOGIN_SESSION_LIFETIME_S = 3600  # Cognito's managed-login cookie lasts one hour.
CHALLENGE_LIFETIME_S = 180  # Cognito: an auth-challenge session lasts 3 minutes.
MAX_ROTATION_GRACE_S = 60  # Cognito: RetryGracePeriodSeconds is 0..60.


def callback_urls(ports: tuple[int, ...] = DEFAULT_CALLBACK_PORTS) -> list[str]:
    """Loopback redirect URIs the desktop app registers, one per port."""
    return [f"http://127.0.0.1:{port}/callback" for port in ports]


def logout_urls(ports: tuple[int, ...] = DEFAULT_CALLBACK_PORTS) -> list[str]:
    """Loopback sign-out URIs, matching :func:`callback_urls`."""
    return [f"http://127.0.0.1:{port}/signed-out" for port in ports]


@dataclasses.dataclass(frozen=True)
class PoolSettings:
    """Shape of the pool and client that :class:`~local_cognito.pool.LocalPool` creates."""

    region: str = DEFAULT_REGION
    pool_name: str = "cognito-desktop-local"
    client_name: str = "cognito-desktop"
    callback_urls: tuple[str, ...] = tuple(callback_urls())
    logout_urls: tuple[str, ...] = tuple(logout_urls())
    scopes: tuple[str, ...] = DEFAULT_SCOPES
    # Token lifetimes, in the units Cognito's TokenValidityUnits defaults to.
    access_token_minutes: int = 60
    id_token_minutes: int = 60
    refresh_token_days: int = 30
    # Cognito's RefreshTokenRotation feature: each refresh returns a new refresh
    # token and the old one stays valid for the grace period only.
    rotate_refresh_tokens: bool = False
    rotation_grace_seconds: int = 60

    def __post_init__(self) -> None:
        if not 0 <= self.rotation_grace_seconds <= MAX_ROTATION_GRACE_S:
            raise ValueError(f"rotation_grace_seconds must be 0..{MAX_ROTATION_GRACE_S}")
        if self.access_token_minutes < 5 or self.id_token_minutes < 5:
            raise ValueError("Cognito token lifetimes are at least 5 minutes")


DEFAULTS = PoolSettings()


def system_clock() -> float:
    """Seconds since the epoch; the default clock every component takes as ``now``."""
    return time.time()
