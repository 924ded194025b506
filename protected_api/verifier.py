"""Verify Cognito JWTs the way AWS's own aws-jwt-verify does, with PyJWT.

Build a :class:`CognitoJwtVerifier` once (it owns the JWKS cache) and call
:meth:`~CognitoJwtVerifier.verify` per request. It fails closed: ``client_ids``
and ``token_use`` have no defaults, so every check is either configured or
explicitly disabled with ``None``.

Checks, in order (each failure raises its own class from :mod:`protected_api.errors`):
size (before any decoding, :data:`MAX_TOKEN_CHARS`) and shape, header and payload
strict JSON (:mod:`protected_api.strict_json`); header ``alg`` is RS256 and ``kid``
is a string; the key for ``kid`` from the pool's JWKS; the RS256 signature; required
claims, and every claim the API reads of the type Cognito gives it; ``iss`` exactly;
``exp``, ``nbf`` and ``iat`` against the clock with a small leeway; ``token_use``;
``client_id`` (access) or ``aud`` (ID); then scopes and groups.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import math
import re
import time
from collections.abc import Callable, Sequence
from typing import Any, Literal, Protocol

from jwt.algorithms import RSAAlgorithm

from protected_api import errors, jwks, signature_memo, strict_json

TokenUse = Literal["access", "id"]
IssuerFormat = Literal["classic", "updated"]

#: Longest token accepted, in characters (base64url is ASCII: characters are bytes);
#: checked before anything is decoded. Sized from Cognito's quotas for what an access
#: token carries, every non-ASCII character written as a 6-byte ``\uXXXX`` escape (as
#: Python's json writes it; raw UTF-8 is at most 3 bytes a UTF-16 unit). That assumes
#: Cognito counts its 128-character limits in UTF-16 units, as Java strings do (not
#: verified): a character outside the BMP is then two units and two escapes.
#:   cognito:groups  100 groups * (128 * 6 + 2 quotes + comma)          = 77,100
#:   scope           50 scopes (AllowedOAuthScopes) * (256 + space)     = 12,850
#:   username        128 * 6                                            =    768
#:   client_id (128), iss (<= 120), sub, jti, origin_jti, event_id
#:   (36 each), times, token_use, version, names and punctuation        <   900
#:                                                                      < 91,620 bytes,
#: base64url 4/3 of that < 122,160 characters, plus the header (< 140) and an RS256
#: signature (342 for Cognito's 2,048-bit keys, 683 for 4,096): < 123,000. With raw
#: 3-byte UTF-8 instead it is ~71,300; with ASCII names (a user in 100 groups of 128
#: characters, a few scopes) ~19,300. 128 KiB (131,072) holds the worst case; a longer
#: string is no Cognito access token and costs one length check. Claims that a
#: pre-token-generation trigger adds are not in the sum: they must fit in the headroom.
MAX_TOKEN_CHARS = 128 * 1024
ISSUER_HOSTS: dict[IssuerFormat, str] = {"classic": "cognito-idp", "updated": "issuer-cognito-idp"}
_POOL_ID = re.compile(r"^(?P<region>[a-z]{2}(-[a-z]+)+-\d+)_[0-9A-Za-z]+$")
_COMPACT_JWS = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")
_REQUIRED = ("exp", "iat", "iss", "sub", "token_use")
# Claims read as text, when present (sub and token_use always are): a number, list or
# object where Cognito writes a string is a token no Cognito pool issued.
_STRING_CLAIMS = ("sub", "token_use", "jti", "client_id", "username", "scope")
# Claims read as times, when present (exp and iat always are).
_TIME_CLAIMS = ("exp", "iat", "nbf", "auth_time")
# PyJWT's RS256 primitive (RSASSA-PKCS1-v1_5 with SHA-256, RFC 7518 3.3).
_RS256 = RSAAlgorithm(RSAAlgorithm.SHA256)


def issuer_for(
    user_pool_id: str, region: str | None = None, issuer_format: IssuerFormat = "classic"
) -> str:
    """The pool's issuer: ``https://cognito-idp.{region}.amazonaws.com/{poolId}``
    (classic) or ``https://issuer-cognito-idp.{region}.amazonaws.com/{poolId}``
    (updated, the pool's ``IssuerConfiguration``); region from the id if omitted."""
    match = _POOL_ID.match(user_pool_id)
    if match is None:
        raise ValueError(f"not a Cognito user pool id: {user_pool_id!r}")
    if region is not None and region != match["region"]:
        raise ValueError(f"region {region!r} does not match user pool id {user_pool_id!r}")
    host = ISSUER_HOSTS[issuer_format]
    return f"https://{host}.{match['region']}.amazonaws.com/{user_pool_id}"


def issuers_for(user_pool_id: str, region: str | None = None) -> tuple[str, ...]:
    """Every issuer the pool can have, one per format (classic first)."""
    return tuple(issuer_for(user_pool_id, region, name) for name in ISSUER_HOSTS)


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

        With both, ``issuer`` must be one of the pool's issuers (classic or updated
        format); with the pool alone, the classic one is checked. ``jwks_url``
        overrides ``{issuer}/.well-known/jwks.json`` (for a local pool);
        ``client_ids=None`` and ``token_use=None`` switch those checks off, on purpose.
        """
        derived = issuers_for(user_pool_id, region) if user_pool_id else ()
        if derived and issuer and issuer not in derived:
            raise ValueError("issuer does not match user_pool_id")
        chosen = issuer or (derived[0] if derived else None)
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
        if not isinstance(token, str) or len(token) > MAX_TOKEN_CHARS:
            return True
        if self._memo.get(token, self.jwks_cache) is not None:
            return True
        try:
            header = _json_object(_b64decode(token.split(".", 1)[0]), "header")
        except errors.JwtInvalidError:
            return True
        kid = header.get("kid")
        return not isinstance(kid, str) or self.jwks_cache.peek(kid) is not None

    def verify(self, token: str) -> dict[str, Any]:
        """The token's claims if every configured check passes; else an error."""
        # Before anything else, the memo's hashing included: an absurd size costs one
        # length check.
        if not isinstance(token, str):
            raise errors.JwtParseError("token is not a string")
        if len(token) > MAX_TOKEN_CHARS:
            raise errors.JwtTooLargeError("token too large")
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
        _check_claim_types(claims)
        if claims["iss"] != self.issuer:
            raise errors.JwtInvalidIssuerError("issuer not accepted")
        now, leeway = self.now(), self.leeway_seconds
        exp, iat, nbf = claims["exp"], claims["iat"], claims.get("nbf", claims["iat"])
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


def _check_claim_types(claims: dict[str, Any]) -> None:
    """Refuse a claim the API reads that is not of the type Cognito writes.

    Strings for :data:`_STRING_CLAIMS`; finite numbers, not booleans, for
    :data:`_TIME_CLAIMS` (``NaN`` never compares, so a NaN ``exp`` would never
    expire; strict JSON already refuses it, this holds for any caller's claims);
    ``cognito:groups`` a list of strings. The message names the claim, never its value.
    """
    for name in _STRING_CLAIMS:
        if name in claims and not isinstance(claims[name], str):
            raise errors.JwtParseError(f"claim {name} must be a string")
    for name in _TIME_CLAIMS:
        if name in claims:
            value = claims[name]
            if (
                not isinstance(value, int | float)
                or isinstance(value, bool)
                or not math.isfinite(value)
            ):
                raise errors.JwtParseError(f"claim {name} must be a number")
    groups = claims.get("cognito:groups", [])
    if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
        raise errors.JwtParseError("claim cognito:groups must be a list of strings")


def _parse(token: str) -> tuple[dict[str, Any], dict[str, Any], bytes, bytes]:
    """(header, payload, signing input, signature) of a compact JWS, strictly.

    One pass instead of PyJWT's get_unverified_header() + decode(), which each
    re-check every character of all three segments: that was two thirds of the
    verifier's time. The charset is checked once by a regex; the segments must
    be canonical base64url (re-encoding gives them back), so one token has one
    spelling; header and payload must be strict JSON objects
    (:mod:`protected_api.strict_json`). The caller has checked the size.
    """
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
        value = strict_json.loads(raw)
    except ValueError as exc:
        # strict_json's reasons are fixed sentences that never quote the document.
        raise errors.JwtParseError(f"{name} is not strict JSON: {exc}") from None
    if not isinstance(value, dict):
        raise errors.JwtParseError(f"{name} is not a JSON object")
    return value


def groups_of(claims: dict[str, Any]) -> tuple[str, ...]:
    """``cognito:groups`` as a tuple of exact names (anything malformed is no groups;
    :meth:`CognitoJwtVerifier.verify` already refuses a token that holds such)."""
    groups = claims.get("cognito:groups")
    if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
        return ()
    return tuple(groups)
