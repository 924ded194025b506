"""What the stand-in's user pool and app client look like.

Defaults mirror a Cognito pool created for a native app: a public client (no
secret) with the authorization-code flow, the loopback callback ports the
desktop app tries (with a path of their own per environment), and Cognito's
default token lifetimes.
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Callable

from local_cognito import quotas as quota_mod

Clock = Callable[[], float]

DEFAULT_PORT = 9229
DEFAULT_REGION = "us-east-1"
# The desktop app tries these loopback ports in order (RFC 8252 section 7.3);
# Cognito needs every redirect URI registered exactly, so all are listed.
DEFAULT_CALLBACK_PORTS = (53682, 53683, 53684)
DEFAULT_SCOPES = ("openid", "email", "profile", "aws.cognito.signin.user.admin")
ADMIN_GROUP = "Admin"
# Where the post confirmation trigger puts people who sign themselves up.
DEFAULT_GROUP = "Users"
# The environment: the desktop profile `cognito-local up` writes, and the last segment
# of the callback and sign-out paths, so that each environment's redirect URIs are its
# own (RFC 9700 4.4, mix-up attacks). Same rule as the app's profile names.
DEFAULT_ENVIRONMENT = "local"
ENVIRONMENT_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# Cognito's issuer formats (IssuerConfigurationType): the host of the pool's issuer.
ISSUER_HOSTS = {"classic": "cognito-idp", "updated": "issuer-cognito-idp"}

# The API integration's app client (infra/template.yaml's AutomationClient).
AUTOMATION_CLIENT_NAME = "cognito-desktop-automation"

# What the app clients may write (WriteAttributes, as infra/template.yaml sets them):
# the standard attributes a person edits, never the triggers' custom ones
# (custom:plan feeds a claim; custom:last_sign_in is the post authentication trigger's).
WRITE_ATTRIBUTES = (
    "address",
    "birthdate",
    "email",
    "family_name",
    "gender",
    "given_name",
    "locale",
    "middle_name",
    "name",
    "nickname",
    "phone_number",
    "picture",
    "preferred_username",
    "profile",
    "updated_at",
    "website",
    "zoneinfo",
)

MFA_MODES = ("OFF", "OPTIONAL", "ON")  # the pool's MfaConfiguration
# The issuer an authenticator app shows next to the account (otpauth:// "issuer").
TOTP_ISSUER = "cognito-local"

AUTH_CODE_LIFETIME_S = 300  # Cognito: codes are single-use and live 5 minutes.
LOGIN_SESSION_LIFETIME_S = 3600  # Cognito's managed-login cookie lasts one hour.
CHALLENGE_LIFETIME_S = 180  # Cognito: an auth-challenge session lasts 3 minutes.
MAX_ROTATION_GRACE_S = 60  # Cognito: RetryGracePeriodSeconds is 0..60.


def callback_urls(
    ports: tuple[int, ...] = DEFAULT_CALLBACK_PORTS, environment: str = DEFAULT_ENVIRONMENT
) -> list[str]:
    """Loopback redirect URIs the desktop app registers, one per port:
    ``http://127.0.0.1:{port}/callback/{environment}``."""
    return [f"http://127.0.0.1:{port}/callback/{environment}" for port in ports]


def logout_urls(
    ports: tuple[int, ...] = DEFAULT_CALLBACK_PORTS, environment: str = DEFAULT_ENVIRONMENT
) -> list[str]:
    """Loopback sign-out URIs, matching :func:`callback_urls`:
    ``http://127.0.0.1:{port}/signed-out/{environment}``."""
    return [f"http://127.0.0.1:{port}/signed-out/{environment}" for port in ports]


def issuer_url(region: str, pool_id: str, issuer_format: str = "classic") -> str:
    """The pool's issuer: ``https://cognito-idp.{region}.amazonaws.com/{poolId}``
    (classic) or ``https://issuer-cognito-idp.{region}.amazonaws.com/{poolId}`` (updated)."""
    return f"https://{ISSUER_HOSTS[issuer_format]}.{region}.amazonaws.com/{pool_id}"


@dataclasses.dataclass(frozen=True)
class PoolSettings:
    """Shape of the pool and client that :class:`~local_cognito.pool.LocalPool` creates."""

    region: str = DEFAULT_REGION
    pool_name: str = "cognito-desktop-local"
    client_name: str = "cognito-desktop"
    # The environment's name; the default callback and sign-out URLs end in it.
    environment: str = DEFAULT_ENVIRONMENT
    # Empty: the default ports with /callback/{environment} and /signed-out/{environment}.
    callback_urls: tuple[str, ...] = ()
    logout_urls: tuple[str, ...] = ()
    scopes: tuple[str, ...] = DEFAULT_SCOPES
    # "classic" (cognito-idp.{region}...) or "updated" (issuer-cognito-idp.{region}...).
    issuer_format: str = "classic"
    # Token lifetimes, in the units Cognito's TokenValidityUnits defaults to.
    access_token_minutes: int = 60
    id_token_minutes: int = 60
    refresh_token_days: int = 30
    # Cognito's RefreshTokenRotation feature: each refresh returns a new refresh
    # token and the old one stays valid for the grace period only.
    rotate_refresh_tokens: bool = False
    rotation_grace_seconds: int = 60
    # Cognito makes PKCE optional (a challenge, when sent, must be S256). True is a
    # stricter stand-in that refuses every authorize request without a code_challenge,
    # for proving that a client sends one (`cognito-local up --require-pkce`).
    require_pkce: bool = False
    # MfaConfiguration: "OFF", "OPTIONAL" (users may enrol TOTP) or "ON" (every user
    # enrols at first sign-in). TOTP only; the stand-in sends no SMS.
    mfa: str = "OPTIONAL"
    # Self-registration (AdminCreateUserConfig.AllowAdminCreateUserOnly = not this):
    # managed login's "Sign up" and the SignUp API.
    self_sign_up: bool = True
    # A second app client, cognito-desktop-automation, for the API integration: no
    # OAuth, ExplicitAuthFlows ALLOW_ADMIN_USER_PASSWORD_AUTH + ALLOW_REFRESH_TOKEN_AUTH,
    # no secret. The protected API that `cognito-local up` starts signs people in on it.
    automation_client: bool = True
    # The Lambda triggers the stand-in runs in-process (LambdaConfig names, see
    # lambda_triggers.NAMES; `cognito-local up --triggers` runs them all) and their
    # settings, as the template passes them to the deployed functions.
    triggers: tuple[str, ...] = ()
    allowed_email_domains: tuple[str, ...] = ()  # pre sign-up; empty: any domain
    # Post confirmation puts self-registered users here (never the admin group: the
    # triggers' Config refuses it).
    default_group: str = DEFAULT_GROUP
    app_name: str = "Cognito Desktop"  # custom message
    # Cognito's request-rate quotas, emulated per operation category (quotas.cognito(),
    # `cognito-local up --quotas cognito`); None: no limits (the default).
    quotas: quota_mod.QuotaSettings | None = None

    def __post_init__(self) -> None:
        if not ENVIRONMENT_NAME.match(self.environment):
            raise ValueError(
                f"environment {self.environment!r} must be 1-64 letters, digits, - or _"
            )
        if self.mfa not in MFA_MODES:
            raise ValueError(f"mfa must be one of {', '.join(MFA_MODES)}, not {self.mfa!r}")
        if self.issuer_format not in ISSUER_HOSTS:
            raise ValueError(
                f'issuer_format must be "classic" or "updated", not {self.issuer_format!r}'
            )
        # Frozen: fill the defaults that depend on the environment in place, once.
        if not self.callback_urls:
            object.__setattr__(
                self, "callback_urls", tuple(callback_urls(environment=self.environment))
            )
        if not self.logout_urls:
            object.__setattr__(
                self, "logout_urls", tuple(logout_urls(environment=self.environment))
            )
        if not 0 <= self.rotation_grace_seconds <= MAX_ROTATION_GRACE_S:
            raise ValueError(f"rotation_grace_seconds must be 0..{MAX_ROTATION_GRACE_S}")
        if self.access_token_minutes < 5 or self.id_token_minutes < 5:
            raise ValueError("Cognito token lifetimes are at least 5 minutes")


DEFAULTS = PoolSettings()


def system_clock() -> float:
    """Seconds since the epoch; the default clock every component takes as ``now``."""
    return time.time()
