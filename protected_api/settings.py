"""Configuration from the environment, validated once at start-up.

| variable | meaning |
|---|---|
| ``COGNITO_USER_POOL_ID`` | e.g. ``eu-west-1_AbCdEfGhI`` (or give ``COGNITO_ISSUER``) |
| ``COGNITO_REGION`` | optional; must match the pool id's prefix |
| ``COGNITO_ISSUER`` | optional; must match the pool id if both are given |
| ``COGNITO_CLIENT_IDS`` | required: comma-separated app clients whose tokens are accepted |
| ``COGNITO_JWKS_URL`` | optional override of ``{issuer}/.well-known/jwks.json`` (local pools) |
| ``COGNITO_IDP_ENDPOINT_URL`` | optional boto3 ``endpoint_url`` for ``cognito-idp`` (local pools) |
| ``ADMIN_GROUP`` | group whose members may use ``/admin``; default ``Admin`` |
| ``JWT_LEEWAY_SECONDS`` | clock-skew allowance for ``exp``/``iat``/``nbf``; default 5 |

AWS credentials for the admin calls come from boto3's usual chain (an IAM role
in production); they live with the API, never on a desktop.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping

from protected_api import verifier

_GROUP = re.compile(r"^[\w+=,.@-]{1,128}$")  # Cognito's GroupName pattern (\p{L}... simplified)


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

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        def get(name: str) -> str | None:
            value = environ.get(name, "").strip()
            return value or None

        pool_id = get("COGNITO_USER_POOL_ID")
        issuer = get("COGNITO_ISSUER")
        if pool_id is None:
            if issuer is None:
                raise SettingsError("set COGNITO_USER_POOL_ID (or COGNITO_ISSUER)")
            pool_id = issuer.rstrip("/").rsplit("/", 1)[-1]
        try:
            derived = verifier.issuer_for(pool_id, get("COGNITO_REGION"))
        except ValueError as exc:
            raise SettingsError(f"COGNITO_USER_POOL_ID/COGNITO_REGION: {exc}") from None
        if issuer is not None and issuer != derived:
            raise SettingsError("COGNITO_ISSUER does not match COGNITO_USER_POOL_ID")
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
        return cls(
            issuer=derived,
            client_ids=clients,
            user_pool_id=pool_id,
            region=pool_id.split("_", 1)[0],
            jwks_url=get("COGNITO_JWKS_URL") or f"{derived}/.well-known/jwks.json",
            idp_endpoint_url=get("COGNITO_IDP_ENDPOINT_URL"),
            admin_group=group,
            leeway_seconds=leeway,
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
