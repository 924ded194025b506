"""ID token validation: OpenID Connect Core 3.1.3.7 plus Cognito's rules.

Build one :class:`IdTokenValidator` per profile (it owns the :class:`JwksClient`)
and call :meth:`~IdTokenValidator.validate` with the nonce the sign-in sent. It
fails closed: every check runs on every token, and any failure raises
:class:`~desktop_app.errors.IdTokenError` with a short reason that never holds
the token or a claim value.
"""

from __future__ import annotations

import hmac
import json
import math
import threading
import time
from collections.abc import Callable
from typing import Any

import jwt
import requests
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from jwt.algorithms import RSAAlgorithm

from desktop_app import errors
from desktop_app.auth import http

MAX_TOKEN_CHARS = 64 * 1024  # Cognito ID tokens are a few KB, more with many groups
MAX_JWKS_BYTES = 64 * 1024  # Cognito's JWKS is ~1 KB (two keys)


class JwksClient:
    """The user pool's RS256 signing keys by ``kid``, fetched lazily from ``jwks_uri``.

    Keys come only from this URL, never from a token's ``jku``/``jwk``/``x5u``
    header. A ``kid`` not in the cached set triggers a refetch (key rotation),
    but fetches, successful or not, are at least ``min_refetch_interval`` apart:
    a flood of forged kids costs one request per interval, and a kid missing
    from a set fetched moments ago is refused without asking again.
    Concurrent callers share one fetch.
    """

    def __init__(
        self,
        jwks_uri: str,
        session: requests.Session,
        *,
        min_refetch_interval: float = 10.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.jwks_uri = jwks_uri
        self._session = session
        self._interval = min_refetch_interval
        self._monotonic = monotonic
        self._keys: dict[str, RSAPublicKey] | None = None
        self._next_fetch = float("-inf")
        self._lock = threading.Lock()

    def key(self, kid: str | None) -> RSAPublicKey:
        """The key for ``kid``: :class:`~desktop_app.errors.IdTokenError` if unknown,
        :class:`~desktop_app.errors.NetworkError` if the JWKS cannot be fetched.

        ``kid=None`` is for a token whose header names no key: it is verified with
        the set's only key, and refused when the set has several (OpenID Connect
        Core 10.1: "If there are multiple keys in the referenced JWK Set document,
        a kid value MUST be provided"; the OpenID Foundation's RP tests
        ``rp-id_token-kid-absent-single-jwks`` and ``-multiple-jwks``).
        """
        found = _pick(self._keys, kid)
        if found is not None:
            return found
        with self._lock:
            # Another caller may have fetched while this one waited for the lock.
            found = _pick(self._keys, kid)
            if found is not None:
                return found
            if self._monotonic() < self._next_fetch:
                if self._keys is None:
                    raise errors.NetworkError("signing keys unavailable; try again shortly")
                raise _no_key(kid, retry_later=True)
            self._next_fetch = self._monotonic() + self._interval
            try:
                document = http.get_json(self._session, self.jwks_uri, max_bytes=MAX_JWKS_BYTES)
            except errors.NetworkError:
                raise
            except errors.CognitoDesktopError as exc:
                raise errors.IdTokenError(f"bad signing key set: {exc}") from None
            self._keys = parse_jwks(document)
            found = _pick(self._keys, kid)
            if found is not None:
                return found
        raise _no_key(kid)


def _pick(keys: dict[str, RSAPublicKey] | None, kid: str | None) -> RSAPublicKey | None:
    if keys is None:
        return None
    if kid is None:
        return next(iter(keys.values())) if len(keys) == 1 else None
    return keys.get(kid)


def _no_key(kid: str | None, *, retry_later: bool = False) -> errors.IdTokenError:
    if kid is None:
        return errors.IdTokenError(
            "ID token names no signing key, and the pool does not have exactly one"
        )
    return errors.UnknownSigningKey("ID token signed with an unknown key", retry_later=retry_later)


def parse_jwks(document: dict[str, Any]) -> dict[str, RSAPublicKey]:
    """The RS256 signature keys (2048 bits or more) in a JWKS, by ``kid`` ("" if none)."""
    entries = document.get("keys")
    if not isinstance(entries, list):
        raise errors.IdTokenError("signing key set has no 'keys' list")
    keys: dict[str, RSAPublicKey] = {}
    for jwk in entries:
        if not isinstance(jwk, dict) or not isinstance(jwk.get("kid", ""), str):
            continue
        if jwk.get("kty") != "RSA" or jwk.get("use", "sig") != "sig":
            continue
        if jwk.get("alg", "RS256") != "RS256":
            continue
        try:
            key = RSAAlgorithm.from_jwk(jwk)
        except (ValueError, TypeError, KeyError, jwt.InvalidKeyError):
            continue
        if isinstance(key, RSAPublicKey) and key.key_size >= 2048:
            # A key without a kid is filed under "", which no token can name (an
            # empty kid is refused): it is used only as a set's one and only key.
            keys[jwk.get("kid", "")] = key
    return keys


class IdTokenValidator:
    """Validates one client's ID tokens from one issuer (OIDC Core 3.1.3.7)."""

    def __init__(
        self,
        *,
        issuer: str,
        client_id: str,
        jwks: JwksClient,
        leeway: float = 60.0,
        now: Callable[[], float] = time.time,
    ) -> None:
        if not issuer or not client_id:
            raise ValueError("issuer and client_id are required")
        if not 0 <= leeway <= 300:
            raise ValueError("leeway must be 0..300 seconds")
        self.issuer = issuer
        self.client_id = client_id
        self._jwks = jwks
        self._leeway = leeway
        self._now = now

    def validate(self, id_token: str, *, nonce: str | None) -> dict[str, Any]:
        """The token's claims if every check passes; else ``IdTokenError``.

        ``nonce`` is the value the authorization request sent. ``None`` is for an
        ID token from the refresh grant only: no nonce was sent, and one the token
        carries is the original sign-in's (OIDC Core 12.2), so it is not checked;
        the caller must then check that ``sub`` is the signed-in user's.
        """
        if nonce is not None and not nonce:
            raise ValueError("nonce must be the value the authorization request sent")
        if not isinstance(id_token, str) or not 0 < len(id_token) <= MAX_TOKEN_CHARS:
            raise errors.IdTokenError("ID token is missing or too large")
        try:
            header = jwt.get_unverified_header(id_token)
        except jwt.InvalidTokenError:
            raise errors.IdTokenError("ID token is not a signed JWT") from None
        # 3.1.3.7 item 7: the alg Cognito uses; never "none", HS256 or another.
        if header.get("alg") != "RS256":
            raise errors.IdTokenError("ID token is not signed with RS256")
        if "crit" in header:  # RFC 7515 4.1.11; Cognito sets none
            raise errors.IdTokenError("ID token has critical header extensions")
        # RFC 7515 4.1.4: kid is optional; absent, the set's only key is used (see
        # JwksClient.key). Present, it must be a usable name.
        kid = header.get("kid")
        if "kid" in header and (not isinstance(kid, str) or not kid):
            raise errors.IdTokenError("ID token has no key id")
        key = self._jwks.key(kid)
        try:
            signed = jwt.PyJWS().decode_complete(id_token, key, algorithms=["RS256"])
            claims = json.loads(signed["payload"])
        except jwt.InvalidSignatureError:
            raise errors.IdTokenError("ID token signature does not verify") from None
        except (jwt.InvalidTokenError, ValueError, RecursionError):
            raise errors.IdTokenError("ID token is not a signed JWT") from None
        if not isinstance(claims, dict):
            raise errors.IdTokenError("ID token payload is not a JSON object")
        self._check_claims(claims, nonce)
        return claims

    def _check_claims(self, claims: dict[str, Any], nonce: str | None) -> None:
        if claims.get("iss") != self.issuer:  # item 2: exact match
            raise errors.IdTokenError("ID token is from another issuer")
        aud = claims.get("aud")
        if isinstance(aud, list):
            # Item 3: refuse a token that "contains additional audiences not trusted
            # by the Client"; this client trusts none, so a list may name only it.
            # Items 4-5: a list also needs azp naming this client.
            if self.client_id not in aud or claims.get("azp") != self.client_id:
                raise errors.IdTokenError("ID token is for another client")
            if any(entry != self.client_id for entry in aud):
                raise errors.IdTokenError("ID token is also for other, untrusted audiences")
        elif aud != self.client_id:
            raise errors.IdTokenError("ID token is for another client")
        if "azp" in claims and claims["azp"] != self.client_id:
            raise errors.IdTokenError("ID token was issued to another client")
        if claims.get("token_use") != "id":  # Cognito: never accept an access token here
            raise errors.IdTokenError("token is not an ID token")
        now, leeway = self._now(), self._leeway
        if now >= _time(claims, "exp") + leeway:  # item 9
            raise errors.IdTokenError(
                "ID token has expired (if it was just issued, check this computer's date and time)"
            )
        if _time(claims, "iat") > now + leeway:  # item 10
            raise errors.IdTokenError(
                "ID token was issued in the future: check this computer's date and time "
                "(the clock is behind)"
            )
        if "nbf" in claims and _time(claims, "nbf") > now + leeway:
            raise errors.IdTokenError("ID token is not valid yet")
        sent = claims.get("nonce")
        # item 11: compare in constant time; bytes so non-ASCII cannot raise TypeError.
        if nonce is not None and (
            not isinstance(sent, str)
            or not hmac.compare_digest(sent.encode("utf-8"), nonce.encode("utf-8"))
        ):
            raise errors.IdTokenError("ID token nonce does not match this sign-in")
        sub = claims.get("sub")
        if not isinstance(sub, str) or not sub:
            raise errors.IdTokenError("ID token has no subject")


def _time(claims: dict[str, Any], name: str) -> float:
    value = claims.get(name)
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        raise errors.IdTokenError(f"ID token has no valid {name}")
    return float(value)
