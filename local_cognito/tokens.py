"""Cognito-shaped tokens: one issuer, one key, configured lifetimes.

Every token the stand-in hands out comes from :class:`TokenService`, whether it
was asked for through managed login (``/oauth2/token``) or through the
``cognito-idp`` API (``AdminInitiateAuth``), so the desktop app and the
protected API verify both with the code they use against real Cognito.

Claims follow the AWS developer guide pages "Understanding the access token"
and "Understanding the identity (ID) token". Refresh tokens are opaque.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import logging
import secrets
import uuid
from typing import Any

import jwt

from local_cognito import keys, settings

log = logging.getLogger(__name__)

_UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
# Cognito's defaults when a client sets a validity without TokenValidityUnits.
_DEFAULT_UNITS = {"AccessToken": "hours", "IdToken": "hours", "RefreshToken": "days"}
_DEFAULT_VALIDITY = {"AccessToken": 1, "IdToken": 1, "RefreshToken": 30}
_BOOLEAN_ATTRIBUTES = frozenset({"email_verified", "phone_number_verified"})
ADMIN_SCOPE = "aws.cognito.signin.user.admin"


@dataclasses.dataclass(frozen=True)
class Customization:
    """What a pre token generation trigger changes in one sign-in's or refresh's tokens.

    Built and checked against Cognito's rules by ``lambda_triggers``; applied here to
    both tokens the same way: groups first, then suppressed claims, then added ones.
    """

    id_claims: dict[str, Any] = dataclasses.field(default_factory=dict)
    id_suppress: frozenset[str] = frozenset()
    access_claims: dict[str, Any] = dataclasses.field(default_factory=dict)
    access_suppress: frozenset[str] = frozenset()
    scopes_add: tuple[str, ...] = ()
    scopes_suppress: frozenset[str] = frozenset()
    groups: tuple[str, ...] | None = None  # groupOverrideDetails.groupsToOverride

    def apply(self, claims: dict[str, Any], token_use: str) -> None:
        if self.groups is not None:
            claims.pop("cognito:groups", None)
            if self.groups:
                claims["cognito:groups"] = list(self.groups)
        access = token_use == "access"
        if access and (self.scopes_add or self.scopes_suppress):
            scopes = [s for s in str(claims.get("scope", "")).split() if s]
            scopes += [s for s in self.scopes_add if s not in scopes]
            claims["scope"] = " ".join(s for s in scopes if s not in self.scopes_suppress)
        # "If a value is both suppressed and replaced, then it will be suppressed."
        claims.update(self.access_claims if access else self.id_claims)
        for name in self.access_suppress if access else self.id_suppress:
            claims.pop(name, None)


class InvalidGrant(Exception):  # noqa: N818 - named after the OAuth error it becomes
    """A refresh token that cannot be used; the reason is for the server log only."""


@dataclasses.dataclass
class RefreshRecord:
    """What the stand-in remembers about one refresh token (never the token in logs)."""

    token: str
    client_id: str
    username: str
    sub: str
    scopes: tuple[str, ...]
    auth_time: int
    origin_jti: str
    expires_at: float
    # Set when rotation replaced this token: it keeps working until then.
    retire_at: float | None = None

    def __repr__(self) -> str:  # keeps the token itself out of any log line
        return f"RefreshRecord(client_id={self.client_id!r}, username={self.username!r})"


def token_lifetimes(client: Any) -> tuple[int, int, int]:
    """(access, id, refresh) lifetimes in seconds from a moto client's settings."""
    config: dict[str, Any] = client.extended_config
    units = {**_DEFAULT_UNITS, **(config.get("TokenValidityUnits") or {})}

    def seconds(kind: str) -> int:
        value = config.get(f"{kind}Validity") or _DEFAULT_VALIDITY[kind]
        return int(value) * _UNIT_SECONDS[units[kind]]

    return seconds("AccessToken"), seconds("IdToken"), seconds("RefreshToken")


def at_hash(access_token: str) -> str:
    """OpenID Connect Core 3.1.3.6: left half of SHA-256 of the access token."""
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode("ascii")


class TokenService:
    """Issues, refreshes and revokes tokens for one moto user pool."""

    def __init__(
        self,
        pool: Any,
        key: keys.SigningKey,
        now: settings.Clock = settings.system_clock,
        issuer_format: str = "classic",
    ) -> None:
        self._pool = pool
        self._key = key
        self._now = now
        # Cognito's issuer in the pool's format (IssuerConfigurationType): classic
        # https://cognito-idp.{region}..., or updated https://issuer-cognito-idp.{region}...
        self.issuer = settings.issuer_url(pool.region, pool.id, issuer_format)
        self._refresh: dict[str, RefreshRecord] = {}
        self._by_origin: dict[str, RefreshRecord] = {}
        self._access_by_origin: dict[str, list[str]] = {}
        self._revoked_origins: set[str] = set()

    # -- refresh tokens -------------------------------------------------------------

    def start_session(
        self, client_id: str, username: str, scopes: tuple[str, ...], auth_time: int | None = None
    ) -> RefreshRecord:
        """Create the refresh token that anchors a new sign-in session."""
        user = self._user(username)
        now = self._now()
        _, _, refresh_s = token_lifetimes(self._pool.clients[client_id])
        record = RefreshRecord(
            token=_opaque_token(),
            client_id=client_id,
            username=user.username,
            sub=user.id,
            scopes=scopes,
            auth_time=int(now) if auth_time is None else auth_time,
            origin_jti=str(uuid.uuid4()),
            expires_at=now + refresh_s,
        )
        self._store(record)
        return record

    def _store(self, record: RefreshRecord) -> None:
        self._refresh[record.token] = record
        self._by_origin[record.origin_jti] = record
        # moto's own table: GlobalSignOut and AdminUserGlobalSignOut null entries here.
        self._pool.refresh_tokens[record.token] = (
            record.client_id,
            record.username,
            record.origin_jti,
        )

    def redeem(self, token: str, client_id: str) -> RefreshRecord:
        """Check a refresh token the way Cognito does before issuing new tokens."""
        record = self._refresh.get(token)
        if record is None:
            raise InvalidGrant("unknown refresh token")
        if record.client_id != client_id:
            raise InvalidGrant("refresh token belongs to another client")
        if self._pool.refresh_tokens.get(token) is None:
            raise InvalidGrant("refresh token revoked or user signed out globally")
        now = self._now()
        if now >= record.expires_at:
            raise InvalidGrant("refresh token expired")
        if record.retire_at is not None and now >= record.retire_at:
            raise InvalidGrant("rotated refresh token past its grace period")
        user = self._pool.users.get(record.username)
        if user is None or user.id != record.sub:
            raise InvalidGrant("user no longer exists")
        if not user.enabled:
            raise InvalidGrant("user is disabled")
        return record

    def rotation_grace(self, client_id: str) -> int | None:
        """The client's RefreshTokenRotation grace in seconds, or None when rotation is off."""
        rotation = self._pool.clients[client_id].extended_config.get("RefreshTokenRotation") or {}
        if rotation.get("Feature") != "ENABLED":
            return None
        return int(rotation.get("RetryGracePeriodSeconds", 0))

    def rotate(self, record: RefreshRecord, grace_seconds: int) -> RefreshRecord:
        """Replace a refresh token (RefreshTokenRotation); the old one retires after grace."""
        now = self._now()
        if record.retire_at is None:
            record.retire_at = now + grace_seconds
        replacement = dataclasses.replace(record, token=_opaque_token(), retire_at=None)
        self._store(replacement)
        return replacement

    def find(self, token: str) -> RefreshRecord | None:
        """The record for ``token``, if the stand-in issued it."""
        return self._refresh.get(token)

    def find_by_origin(self, origin_jti: str) -> RefreshRecord | None:
        """The newest record of the session ``origin_jti`` names."""
        return self._by_origin.get(origin_jti)

    def revoke(self, record: RefreshRecord) -> None:
        """RFC 7009 revocation: the refresh token and the access tokens it issued die."""
        for token, other in list(self._refresh.items()):
            if other.origin_jti == record.origin_jti:
                self._pool.refresh_tokens[token] = None
        self._revoked_origins.add(record.origin_jti)
        for access in self._access_by_origin.pop(record.origin_jti, []):
            self._pool.access_tokens.pop(access, None)

    # -- JWTs -------------------------------------------------------------------------

    def access_token(
        self, record: RefreshRecord, custom: Customization | None = None
    ) -> tuple[str, int]:
        """A signed access token for the session ``record`` anchors, and its lifetime;
        ``custom``: what the pre token generation trigger changed."""
        user = self._user(record.username)
        access_s, _, _ = token_lifetimes(self._pool.clients[record.client_id])
        claims = self._base_claims(user, "access", record, access_s)
        claims.update(
            {
                "client_id": record.client_id,
                "scope": " ".join(record.scopes),
                "username": user.username,
                "version": 2,
            }
        )
        if custom is not None:
            custom.apply(claims, "access")
        token = self._key.sign(claims)
        self._pool.access_tokens[token] = (record.client_id, user.username)
        self._access_by_origin.setdefault(record.origin_jti, []).append(token)
        return token, access_s

    def id_token(
        self,
        record: RefreshRecord,
        *,
        nonce: str | None = None,
        access_token: str | None = None,
        custom: Customization | None = None,
    ) -> str:
        """A signed ID token; ``nonce`` echoes the authorize request (OIDC Core 3.1.3.7)."""
        user = self._user(record.username)
        _, id_s, _ = token_lifetimes(self._pool.clients[record.client_id])
        claims = self._base_claims(user, "id", record, id_s)
        claims.update(_id_attributes(user, record.scopes))
        claims.update({"aud": record.client_id, "cognito:username": user.username})
        if nonce is not None:
            claims["nonce"] = nonce
        if access_token is not None:
            claims["at_hash"] = at_hash(access_token)
        if custom is not None:
            custom.apply(claims, "id")
        return self._key.sign(claims)

    def _base_claims(
        self, user: Any, token_use: str, record: RefreshRecord, lifetime_s: int
    ) -> dict[str, Any]:
        now = int(self._now())
        claims: dict[str, Any] = {
            "sub": user.id,
            "iss": self.issuer,
            "token_use": token_use,
            "auth_time": record.auth_time,
            "iat": now,
            "exp": now + lifetime_s,
            "jti": str(uuid.uuid4()),
            "origin_jti": record.origin_jti,
            "event_id": str(uuid.uuid4()),
        }
        groups = group_names(user)
        if groups:
            claims["cognito:groups"] = groups
        return claims

    def verify_access_token(self, token: str) -> dict[str, Any]:
        """Claims of a live access token this pool issued, else ``jwt.InvalidTokenError``.

        Used by ``/oauth2/userInfo``: signature, issuer, expiry, ``token_use``, and
        whether revocation, global sign-out, deletion or disabling has killed it.
        """
        claims: dict[str, Any] = jwt.decode(
            token,
            self._key.public_key,
            algorithms=["RS256"],
            issuer=self.issuer,
            # Time is checked below against the injected clock, not PyJWT's.
            options={
                "require": ["exp", "iat", "sub", "token_use"],
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
            },
        )
        now = self._now()
        if not claims["iat"] <= now < claims["exp"]:
            raise jwt.InvalidTokenError("expired or not yet valid")
        if claims["token_use"] != "access":
            raise jwt.InvalidTokenError("not an access token")
        if claims.get("origin_jti") in self._revoked_origins:
            raise jwt.InvalidTokenError("revoked")
        if token not in self._pool.access_tokens:
            raise jwt.InvalidTokenError("signed out")
        user = self._pool.users.get(claims.get("username"))
        if user is None or user.id != claims["sub"] or not user.enabled:
            raise jwt.InvalidTokenError("user gone or disabled")
        return claims

    def _user(self, username: str) -> Any:
        user = self._pool._get_user(username)
        if user is None:
            raise InvalidGrant("user no longer exists")
        return user


def group_names(user: Any) -> list[str]:
    """A user's groups in Cognito's order: by precedence, then name."""
    groups = sorted(
        user.groups, key=lambda g: (g.precedence is None, g.precedence or 0, g.group_name)
    )
    return [g.group_name for g in groups]


# Which attributes each OIDC scope releases (AWS: "The user attributes endpoint").
SCOPE_ATTRIBUTES = {
    "email": frozenset({"email", "email_verified"}),
    "phone": frozenset({"phone_number", "phone_number_verified"}),
    "profile": frozenset(
        {
            "name",
            "family_name",
            "given_name",
            "middle_name",
            "nickname",
            "preferred_username",
            "profile",
            "picture",
            "website",
            "gender",
            "birthdate",
            "zoneinfo",
            "locale",
            "updated_at",
            "address",
        }
    ),
}


def visible_attributes(user: Any, scopes: tuple[str, ...] | list[str]) -> dict[str, str]:
    """The user attributes the scopes release, as Cognito's userInfo endpoint does.

    ``openid`` alone releases every attribute; ``email``, ``phone`` and ``profile``
    each release their own set (``profile`` also the ``custom:`` ones).
    ``aws.cognito.signin.user.admin`` changes nothing.
    """
    attributes = {k: v for k, v in user.attribute_lookup.items() if k != "sub"}
    chosen = [s for s in scopes if s in SCOPE_ATTRIBUTES]
    if not chosen:
        return attributes
    allowed = frozenset().union(*(SCOPE_ATTRIBUTES[s] for s in chosen))
    return {
        k: v
        for k, v in attributes.items()
        if k in allowed or ("profile" in chosen and k.startswith("custom:"))
    }


def _id_attributes(user: Any, scopes: tuple[str, ...]) -> dict[str, Any]:
    return {
        name: (value == "true") if name in _BOOLEAN_ATTRIBUTES else value
        for name, value in visible_attributes(user, scopes).items()
    }


def _opaque_token() -> str:
    # Cognito refresh tokens are long opaque JWE strings; length matters to the
    # app's keyring code (Windows caps a secret at 2,560 bytes), so match it.
    return secrets.token_urlsafe(1200)
