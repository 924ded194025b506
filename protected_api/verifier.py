"""Verify Cognito JWTs the way AWS's own aws-jwt-verify does, with PyJWT.

Build a :class:`CognitoJwtVerifier` once (it owns the JWKS cache) and call
:meth:`~CognitoJwtVerifier.verify` per request. It fails closed: ``client_ids``
and ``token_use`` have no defaults, so every check is either configured or
explicitly disabled with ``None``.

Checks, in order (each failure raises its own class from :mod:`protected_api.errors`):
size and shape; header ``alg`` is RS256 and ``kid`` is a string; the key for
``kid`` from the pool's JWKS; the RS256 signature; required claims; ``iss``
exactly; ``exp``, ``nbf`` and ``iat`` against the clock with a small leeway;
``token_use``; ``client_id`` (access) or ``aud`` (ID); then scopes and groups.
"""

from __future__ import annotations

import dataclasses
import math
import re
import time
from collections.abc import Callable, Sequence
from typing import Any, Literal

import jwt

from protected_api import errors, jwks

TokenUse = Literal["access", "id"]
MAX_TOKEN_BYTES = 8 * 1024  # Cognito access tokens are ~1 KB; ID tokens a few KB
_POOL_ID = re.compile(r"^(?P<region>[a-z]{2}(-[a-z]+)+-\d+)_[0-9A-Za-z]+$")
_COMPACT_JWS = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")
_REQUIRED = ("exp", "iat", "iss", "sub", "token_use")


def issuer_for(user_pool_id: str, region: str | None = None) -> str:
    """``https://cognito-idp.{region}.amazonaws.com/{poolId}``; region from the id if omitted."""
    match = _POOL_ID.match(user_pool_id)
    if match is None:
        raise ValueError(f"not a Cognito user pool id: {user_pool_id!r}")
    if region is not None and region != match["region"]:
        raise ValueError(f"region {region!r} does not match user pool id {user_pool_id!r}")
    return f"https://cognito-idp.{match['region']}.amazonaws.com/{user_pool_id}"


@dataclasses.dataclass(frozen=True)
class CognitoJwtVerifier:
    """Verifies one pool's tokens of one ``token_use`` for a set of app clients."""

    issuer: str
    client_ids: frozenset[str] | None
    token_use: TokenUse | None
    jwks_cache: jwks.JwksCache
    scopes: frozenset[str] | None = None  # any one of these must be granted
    groups: frozenset[str] | None = None  # membership of any one of these
    leeway_seconds: float = 5.0
    now: Callable[[], float] = time.time

    def __post_init__(self) -> None:
        if self.client_ids is not None and not self.client_ids:
            raise ValueError("client_ids must list at least one client (or be None)")
        if not 0 <= self.leeway_seconds <= 300:
            raise ValueError("leeway_seconds must be 0..300")

    @classmethod
    def create(
        cls,
        *,
        user_pool_id: str | None = None,
        region: str | None = None,
        issuer: str | None = None,
        client_ids: Sequence[str] | None,
        token_use: TokenUse | None,
        jwks_url: str | None = None,
        scopes: Sequence[str] | None = None,
        groups: Sequence[str] | None = None,
        leeway_seconds: float = 5.0,
        jwks_cache: jwks.JwksCache | None = None,
        now: Callable[[], float] = time.time,
    ) -> CognitoJwtVerifier:
        """Build from the pool: ``user_pool_id`` (+ ``region``) or ``issuer``.

        ``jwks_url`` overrides ``{issuer}/.well-known/jwks.json`` (for a local pool);
        ``client_ids=None`` and ``token_use=None`` switch those checks off, on purpose.
        """
        derived = issuer_for(user_pool_id, region) if user_pool_id else None
        if derived and issuer and derived != issuer:
            raise ValueError("issuer does not match user_pool_id")
        chosen = issuer or derived
        if not chosen:
            raise ValueError("give user_pool_id (and region) or issuer")
        cache = jwks_cache or jwks.JwksCache(jwks_url or f"{chosen}/.well-known/jwks.json")
        return cls(
            issuer=chosen,
            client_ids=None if client_ids is None else frozenset(client_ids),
            token_use=token_use,
            jwks_cache=cache,
            scopes=None if scopes is None else frozenset(scopes),
            groups=None if groups is None else frozenset(groups),
            leeway_seconds=leeway_seconds,
            now=now,
        )

    def verify(self, token: str) -> dict[str, Any]:
        """The token's claims if every configured check passes; else an error."""
        header = self._header(token)
        key = self.jwks_cache.get_key(header["kid"])
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=["RS256"],
                # Time, audience and issuer are checked below, with our clock and
                # our error classes; PyJWT checks the signature only.
                options={
                    "verify_signature": True,
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                    "verify_aud": False,
                    "verify_iss": False,
                },
            )
        except jwt.InvalidSignatureError:
            raise errors.JwtInvalidSignatureError("signature does not verify") from None
        except jwt.InvalidTokenError:
            raise errors.JwtParseError("token payload is not valid") from None
        self.check_claims(claims)
        return claims

    def _header(self, token: str) -> dict[str, Any]:
        if not isinstance(token, str) or len(token) > MAX_TOKEN_BYTES:
            raise errors.JwtTooLargeError("token too large")
        if not _COMPACT_JWS.match(token):
            raise errors.JwtParseError("not a compact JWS")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError:
            raise errors.JwtParseError("header is not valid") from None
        if header.get("alg") != "RS256":
            raise errors.JwtInvalidSignatureAlgorithmError("alg must be RS256")
        if not isinstance(header.get("kid"), str):
            raise errors.JwtParseError("header has no kid")
        return header

    def check_claims(self, claims: dict[str, Any]) -> None:
        """Every claim check, on an already signature-verified payload."""
        for name in _REQUIRED:
            if name not in claims:
                raise errors.JwtMissingClaimError(f"missing claim {name}")
        if claims["iss"] != self.issuer:
            raise errors.JwtInvalidIssuerError("issuer not accepted")
        now, leeway = self.now(), self.leeway_seconds
        exp, iat, nbf = claims["exp"], claims["iat"], claims.get("nbf", claims["iat"])
        if not all(
            isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
            for v in (exp, iat, nbf)
        ):
            raise errors.JwtParseError("exp, iat and nbf must be numbers")
        if now >= exp + leeway:
            raise errors.JwtExpiredError("token expired")
        if iat > now + leeway or nbf > now + leeway:
            raise errors.JwtNotBeforeError("token not yet valid")
        if self.token_use is not None and claims["token_use"] != self.token_use:
            raise errors.JwtInvalidTokenUseError("token_use not accepted")
        if self.client_ids is not None:
            client = (
                claims.get("client_id") if claims["token_use"] == "access" else claims.get("aud")
            )
            if not isinstance(client, str) or client not in self.client_ids:
                raise errors.JwtInvalidClientIdError("client not accepted")
        if self.scopes is not None:
            granted = claims.get("scope")
            if not isinstance(granted, str) or not self.scopes & set(granted.split()):
                raise errors.JwtInvalidScopeError("required scope missing")
        if self.groups is not None and not self.groups & set(groups_of(claims)):
            raise errors.JwtInvalidGroupError("required group missing")


def groups_of(claims: dict[str, Any]) -> tuple[str, ...]:
    """``cognito:groups`` as a tuple of exact names (anything malformed is no groups)."""
    groups = claims.get("cognito:groups")
    if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
        return ()
    return tuple(groups)
