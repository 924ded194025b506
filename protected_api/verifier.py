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

import base64
import binascii
import dataclasses
import json
import math
import re
import time
from collections.abc import Callable, Sequence
from typing import Any, Literal, Protocol

from jwt.algorithms import RSAAlgorithm

from protected_api import errors, jwks, signature_memo

TokenUse = Literal["access", "id"]
MAX_TOKEN_BYTES = 8 * 1024  # Cognito access tokens are ~1 KB; ID tokens a few KB
_POOL_ID = re.compile(r"^(?P<region>[a-z]{2}(-[a-z]+)+-\d+)_[0-9A-Za-z]+$")
_COMPACT_JWS = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")
_REQUIRED = ("exp", "iat", "iss", "sub", "token_use")
# PyJWT's RS256 primitive (RSASSA-PKCS1-v1_5 with SHA-256, RFC 7518 3.3).
_RS256 = RSAAlgorithm(RSAAlgorithm.SHA256)


def issuer_for(user_pool_id: str, region: str | None = None) -> str:
    """``https://cognito-idp.{region}.amazonaws.com/{poolId}``; region from the id if omitted."""
    match = _POOL_ID.match(user_pool_id)
    if match is None:
        raise ValueError(f"not a Cognito user pool id: {user_pool_id!r}")
    if region is not None and region != match["region"]:
        raise ValueError(f"region {region!r} does not match user pool id {user_pool_id!r}")
    return f"https://cognito-idp.{match['region']}.amazonaws.com/{user_pool_id}"


class TokenVerifier(Protocol):
    """What the API needs of a verifier: claims for a good token, an error otherwise."""

    def verify(self, token: str) -> dict[str, Any]: ...

    def ready_for(self, token: str) -> bool:
        """Whether :meth:`verify` can run without network I/O (no JWKS fetch)."""
        ...


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
    # Tokens whose RS256 signature already verified, so a client that reuses its
    # access token for an hour costs one RSA check, not one per request. Every
    # claim is still checked on every request; see protected_api.signature_memo.
    memo_size: int = 4096
    _memo: signature_memo.SignatureMemo = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_memo", signature_memo.SignatureMemo(self.memo_size))
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
        memo_size: int = 4096,
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
            memo_size=memo_size,
        )

    def ready_for(self, token: str) -> bool:
        """Whether :meth:`verify` would run without fetching the JWKS.

        True also for tokens that will fail before any key is needed (malformed);
        false only when the token's ``kid`` is not cached yet.
        """
        if self._memo.get(token, self.jwks_cache) is not None:
            return True
        try:
            header = _json_object(_b64decode(token.split(".", 1)[0]), "header")
        except (errors.JwtInvalidError, AttributeError):
            return True
        kid = header.get("kid")
        return not isinstance(kid, str) or self.jwks_cache.peek(kid) is not None

    def verify(self, token: str) -> dict[str, Any]:
        """The token's claims if every configured check passes; else an error."""
        remembered = self._memo.get(token, self.jwks_cache)
        if remembered is not None:
            claims = dict(remembered)
            self.check_claims(claims)
            return claims
        header, claims, signing_input, signature = _parse(token)
        if header.get("alg") != "RS256":
            raise errors.JwtInvalidSignatureAlgorithmError("alg must be RS256")
        if not isinstance(header.get("kid"), str):
            raise errors.JwtParseError("header has no kid")
        if "crit" in header:
            # RFC 7515 4.1.11: unknown critical extensions must be refused;
            # Cognito never sets any.
            raise errors.JwtParseError("critical header extensions are not supported")
        key = self.jwks_cache.get_key(header["kid"])
        if not _RS256.verify(signing_input, key, signature):
            raise errors.JwtInvalidSignatureError("signature does not verify")
        self._memo.put(token, header["kid"], key, claims)
        self.check_claims(claims)
        return claims

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


def _parse(token: str) -> tuple[dict[str, Any], dict[str, Any], bytes, bytes]:
    """(header, payload, signing input, signature) of a compact JWS, strictly.

    One pass instead of PyJWT's get_unverified_header() + decode(), which each
    re-check every character of all three segments: that was two thirds of the
    verifier's time. The charset is checked once by a regex; the segments must
    be canonical base64url (re-encoding gives them back), so one token has one
    spelling; header and payload must be JSON objects.
    """
    if not isinstance(token, str) or len(token) > MAX_TOKEN_BYTES:
        raise errors.JwtTooLargeError("token too large")
    if not _COMPACT_JWS.match(token):
        raise errors.JwtParseError("not a compact JWS")
    header_b64, payload_b64, signature_b64 = token.split(".")
    header = _json_object(_b64decode(header_b64), "header")
    payload = _json_object(_b64decode(payload_b64), "payload")
    signing_input = f"{header_b64}.{payload_b64}".encode("ascii")
    return header, payload, signing_input, _b64decode(signature_b64)


def _b64decode(segment: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError):
        raise errors.JwtParseError("segment is not base64url") from None
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii") != segment:
        raise errors.JwtParseError("segment is not canonical base64url")
    return raw


def _json_object(raw: bytes, name: str) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        raise errors.JwtParseError(f"{name} is not JSON") from None
    if not isinstance(value, dict):
        raise errors.JwtParseError(f"{name} is not a JSON object")
    return value


def groups_of(claims: dict[str, Any]) -> tuple[str, ...]:
    """``cognito:groups`` as a tuple of exact names (anything malformed is no groups)."""
    groups = claims.get("cognito:groups")
    if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
        return ()
    return tuple(groups)
