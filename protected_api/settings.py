"""Configuration from the environment, validated once at start-up.

| variable | meaning |
|---|---|
| ``COGNITO_USER_POOL_ID`` | e.g. ``eu-west-1_AbCdEfGhI`` (or give ``COGNITO_ISSUER``) |
| ``COGNITO_REGION`` | optional; must match the pool id's prefix |
| ``COGNITO_ISSUER`` | optional; the pool's issuer, in either format (below) |
| ``COGNITO_CLIENT_IDS`` | required: comma-separated app clients whose tokens are accepted |
| ``COGNITO_JWKS_URL`` | optional override of ``{issuer}/.well-known/jwks.json`` (local pools) |
| ``COGNITO_IDP_ENDPOINT_URL`` | optional boto3 ``endpoint_url`` for ``cognito-idp`` (local pools) |
| ``ADMIN_GROUP`` | group whose members may use ``/admin``; default ``Admin`` |
| ``JWT_LEEWAY_SECONDS`` | clock-skew allowance for ``exp``/``iat``/``nbf``; default 5 |
| ``MAX_BODY_BYTES`` | largest request body; default 65536 (64 KiB), 1024..10485760 |
| ``REQUIRE_SCOPES`` | optional resource server id (``cognito-desktop-api``): then ``/me`` and |
| | ``/items`` need its ``read`` scope, ``/admin`` its ``admin`` scope too |
| ``REQUIRE_ADMIN_MFA`` | ``true``: ``/admin`` refuses (403 ``mfa_required``) an admin whose |
| | account has no TOTP MFA (:class:`protected_api.live_authority.MfaGate`); default off |
| ``PASSWORD_SIGN_IN_CLIENT_ID`` | optional: the automation app client; set, ``/auth/sign-in``, |
| | ``/auth/challenge`` and ``/auth/refresh`` exist (unset: 404). One of ``COGNITO_CLIENT_IDS`` |
| ``PASSWORD_SIGN_IN_CLIENT_SECRET`` | optional: that client's secret (``SECRET_HASH`` is sent) |
| ``ATTEMPT_STORE_TABLE`` | optional DynamoDB table for the sign-in attempt counters, shared |
| | by every instance; unset: counters in the process (one server only) |
| ``ATTEMPT_STORE_ENDPOINT_URL`` | tests only: boto3 ``endpoint_url`` for that table (moto) |

A pool has two possible issuers, derived from its id: classic
``https://cognito-idp.{region}.amazonaws.com/{poolId}`` (the default) and updated
``https://issuer-cognito-idp.{region}.amazonaws.com/{poolId}`` (the pool's
``IssuerConfiguration``). ``COGNITO_ISSUER`` picks one of them (anything else is
refused); tokens must carry exactly the one chosen.

AWS credentials for the admin calls come from boto3's usual chain (an IAM role
in production); they live with the API, never on a desktop.

Password sign-in (:mod:`protected_api.password_sign_in`) is off unless
``PASSWORD_SIGN_IN_CLIENT_ID`` is set. That client must also be in ``COGNITO_CLIENT_IDS``:
the API serves the tokens it hands out, so it must accept them too. The secret is kept
out of ``repr``, so a logged ``Settings`` never shows it.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable, Mapping
from typing import NamedTuple

from protected_api import request_limits, verifier

_RESOURCE_SERVER = re.compile(r"^[A-Za-z0-9._:/-]{1,200}$")
_GROUP = re.compile(r"^[\w+=,.@-]{1,128}$")  # Cognito's GroupName pattern (\p{L}... simplified)
_CLIENT_ID = re.compile(r"^[\w+]{1,128}$")  # Cognito's ClientId pattern
# Cognito's ClientSecret is [\w+]+; moto's hold more, so any printable ASCII is taken.
_CLIENT_SECRET = re.compile(r"^[\x21-\x7e]{1,128}$")
_TABLE = re.compile(r"^[A-Za-z0-9_.-]{3,255}$")  # DynamoDB's TableName pattern


class SettingsError(ValueError):
    """A missing or bad environment variable; the message names it."""


@dataclasses.dataclass(frozen=True)
class Settings:
    issuer: str
    client_ids: tuple[str, ...]
    user_pool_id: str
    region: str
    jwks_url: str
    idp_endpoint_url: str | None = None
    admin_group: str = "Admin"
    leeway_seconds: float = 5.0
    max_body_bytes: int = request_limits.DEFAULT_MAX_BODY_BYTES
    require_scopes: str | None = None  # a resource server identifier: its scopes are required
    require_admin_mfa: bool = False  # /admin only for callers whose account has TOTP MFA
    # Password sign-in (off when the client id is None); the secret stays out of repr.
    password_sign_in_client_id: str | None = None
    password_sign_in_client_secret: str | None = dataclasses.field(default=None, repr=False)
    attempt_store_table: str | None = None  # None: the in-process attempt store
    attempt_store_endpoint_url: str | None = None  # tests only (moto's DynamoDB)

    @property
    def password_sign_in(self) -> bool:
        """Whether ``/auth/sign-in``, ``/auth/challenge`` and ``/auth/refresh`` are served."""
        return self.password_sign_in_client_id is not None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        def get(name: str) -> str | None:
            value = environ.get(name, "").strip()
            return value or None

        pool_id = get("COGNITO_USER_POOL_ID")
        issuer = get("COGNITO_ISSUER")
        against = "COGNITO_USER_POOL_ID" if pool_id is not None else "its pool id"
        if pool_id is None:
            if issuer is None:
                raise SettingsError("set COGNITO_USER_POOL_ID (or COGNITO_ISSUER)")
            pool_id = issuer.rstrip("/").rsplit("/", 1)[-1]
        try:
            derived = verifier.issuers_for(pool_id, get("COGNITO_REGION"))
        except ValueError as exc:
            raise SettingsError(f"COGNITO_USER_POOL_ID/COGNITO_REGION: {exc}") from None
        if issuer is not None and issuer not in derived:
            # The two issuers are public URLs; naming them says what to write.
            raise SettingsError(
                f"COGNITO_ISSUER does not match {against}: it must be " + " or ".join(derived)
            )
        issuer = issuer or derived[0]
        clients = tuple(
            c.strip() for c in (get("COGNITO_CLIENT_IDS") or "").split(",") if c.strip()
        )
        if not clients:
            raise SettingsError("set COGNITO_CLIENT_IDS (comma-separated app client ids)")
        group = get("ADMIN_GROUP") or "Admin"
        if not _GROUP.match(group):
            raise SettingsError(f"ADMIN_GROUP {group!r} is not a valid group name")
        try:
            leeway = float(get("JWT_LEEWAY_SECONDS") or 5)
        except ValueError:
            raise SettingsError("JWT_LEEWAY_SECONDS must be a number") from None
        if not 0 <= leeway <= 300:
            raise SettingsError("JWT_LEEWAY_SECONDS must be 0..300")
        sign_in = _password_sign_in(get, clients)
        return cls(
            issuer=issuer,
            client_ids=clients,
            user_pool_id=pool_id,
            region=pool_id.split("_", 1)[0],
            jwks_url=get("COGNITO_JWKS_URL") or f"{issuer}/.well-known/jwks.json",
            idp_endpoint_url=get("COGNITO_IDP_ENDPOINT_URL"),
            admin_group=group,
            leeway_seconds=leeway,
            max_body_bytes=_max_body_bytes(get("MAX_BODY_BYTES")),
            require_scopes=_resource_server(get("REQUIRE_SCOPES")),
            require_admin_mfa=_flag("REQUIRE_ADMIN_MFA", get("REQUIRE_ADMIN_MFA")),
            password_sign_in_client_id=sign_in.client_id,
            password_sign_in_client_secret=sign_in.client_secret,
            attempt_store_table=sign_in.table,
            attempt_store_endpoint_url=sign_in.endpoint_url,
        )

    def access_verifier(self) -> verifier.CognitoJwtVerifier:
        """The one verifier the API uses: access tokens of the configured clients."""
        return verifier.CognitoJwtVerifier.create(
            issuer=self.issuer,
            client_ids=self.client_ids,
            token_use="access",
            jwks_url=self.jwks_url,
            leeway_seconds=self.leeway_seconds,
        )


class _SignInSettings(NamedTuple):
    client_id: str | None
    client_secret: str | None
    table: str | None
    endpoint_url: str | None


def _password_sign_in(
    get: Callable[[str], str | None], clients: tuple[str, ...]
) -> _SignInSettings:
    """The password sign-in settings, checked together (see the module docstring)."""
    client_id = get("PASSWORD_SIGN_IN_CLIENT_ID")
    secret = get("PASSWORD_SIGN_IN_CLIENT_SECRET")
    table = get("ATTEMPT_STORE_TABLE")
    endpoint = get("ATTEMPT_STORE_ENDPOINT_URL")
    if client_id is None:
        if secret is not None:
            # Most likely a misspelt client id variable: say so rather than run without it.
            raise SettingsError(
                "PASSWORD_SIGN_IN_CLIENT_SECRET is set but PASSWORD_SIGN_IN_CLIENT_ID is not"
            )
    elif not _CLIENT_ID.match(client_id):
        raise SettingsError("PASSWORD_SIGN_IN_CLIENT_ID is not an app client id")
    elif client_id not in clients:
        raise SettingsError(
            "PASSWORD_SIGN_IN_CLIENT_ID must also be one of COGNITO_CLIENT_IDS: "
            "the API must accept the access tokens it hands out"
        )
    # Never the value in a message: it is a secret.
    if secret is not None and not _CLIENT_SECRET.match(secret):
        raise SettingsError("PASSWORD_SIGN_IN_CLIENT_SECRET is not an app client secret")
    if table is not None and not _TABLE.match(table):
        raise SettingsError(
            "ATTEMPT_STORE_TABLE must be a DynamoDB table name (3-255 letters, digits, _ . -)"
        )
    if endpoint is not None and not endpoint.startswith(("http://", "https://")):
        raise SettingsError("ATTEMPT_STORE_ENDPOINT_URL must be an http(s) URL")
    return _SignInSettings(client_id, secret, table, endpoint)


def _resource_server(value: str | None) -> str | None:
    """``REQUIRE_SCOPES``: the template's ``ApiIdentifier`` shape, or unset (not required)."""
    if value is not None and not _RESOURCE_SERVER.match(value):
        raise SettingsError(
            "REQUIRE_SCOPES must be the resource server identifier "
            "(1-200 letters, digits or . _ : / -), e.g. cognito-desktop-api"
        )
    return value


_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def _flag(name: str, value: str | None) -> bool:
    """An on/off variable: unset is off; anything but the usual words is refused, so a
    typo cannot leave a security setting silently off."""
    if value is None:
        return False
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise SettingsError(f"{name} must be true or false")


def _max_body_bytes(value: str | None) -> int:
    low, high = request_limits.MIN_MAX_BODY_BYTES, request_limits.MAX_MAX_BODY_BYTES
    if value is None:
        return request_limits.DEFAULT_MAX_BODY_BYTES
    if not value.isascii() or not value.isdigit():
        raise SettingsError("MAX_BODY_BYTES must be a whole number of bytes")
    if len(value) > len(str(high)) or not low <= int(value) <= high:
        raise SettingsError(f"MAX_BODY_BYTES must be {low}..{high}")
    return int(value)
