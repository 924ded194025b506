"""ID token validation: OpenID Connect Core 3.1.3.7 plus Cognito's rules.

Build one :class:`IdTokenValidator` per profile (it owns the :class:`JwksClient`)
and call :meth:`~IdTokenValidator.validate` with the nonce the sign-in sent. It
fails closed: every check runs on every token, and any failure raises
:class:`~desktop_app.errors.IdTokenError` with a short reason that never holds
the token or a claim value. A token longer than :data:`MAX_TOKEN_CHARS` (sized from
Cognito's quotas) is refused before anything is decoded; header and payload must be
strict JSON (:mod:`desktop_app.auth.strict_json`: no duplicate names, no ``NaN``, no
byte-order mark).
"""

from __future__ import annotations

import hmac
import math
import threading
import time
from collections.abc import Callable
from typing import Any

import jwt
import jwt.utils
import requests
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from jwt.algorithms import RSAAlgorithm

from desktop_app import errors
from desktop_app.auth import http, strict_json

#: Longest ID token accepted, in characters; checked before anything is decoded.
#: Cognito's quotas bound a token: a user in up to 100 groups with names of up to 128
#: characters, up to 50 custom attributes with values of up to 2,048 characters (names
#: up to 20, plus "custom:"), ~17 standard attributes of up to 2,048 characters each,
#: a username of up to 128. The payload's JSON, at one byte a character:
#:   groups      100 * (128 + 3 quotes and comma)           =  13,100
#:   custom       50 * (2,048 + 34 for the name and quotes)   = 104,100
#:   standard     17 * (2,048 + 25)                           =  35,241
#:   the rest (sub, iss, aud, times, nonce, jti, username...) ~   2,000
#:                                                             ~ 154,400 bytes,
#: base64url 4/3 of that ~205,900 characters, plus a header (~130) and an RS256
#: signature (342 for a 2,048-bit key, 683 for 4,096): ~207,000. Values in a script
#: UTF-8 writes in 3 bytes (CJK; raw UTF-8, not \u escapes) make groups 100 * 387 =
#: 38,700 and custom attributes 50 * 6,178 = 308,900: ~384,800 bytes, ~514,000
#: characters. 512 KiB (524,288) holds that; a longer token is no Cognito token and
#: is refused before any base64 or JSON work.
MAX_TOKEN_CHARS = 512 * 1024
MAX_JWKS_BYTES = 64 * 1024  # Cognito's JWKS is ~1 KB (two keys)


class JwksClient:
    """The user pool's RS256 signing keys by ``kid``, fetched lazily from ``jwks_uri``.

    Keys come only from this URL, never from a token's ``jku``/``jwk``/``x5u``
    header. A ``kid`` not in the cached set triggers a refetch (key rotation). A
    penalty box, as in aws-jwt-verify: only a fetch that did not find the ``kid`` it
    was made for (or that failed) makes the next one wait ``min_refetch_interval``.
    A routine fetch that found its key starts no wait, so a key published moments
    after it (while the person was still in the browser) costs one more fetch; a
    flood of forged kids costs at most one fetch per interval, and in the wait an
    unknown kid is refused without asking (``UnknownSigningKey.retry_later``).
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
        # The end of the penalty: no fetch before it. Set only by a fetch that failed
        # or lacked the kid it was made for.
        self._next_fetch = float("-inf")
        self._lock = threading.Lock()

    def key(self, kid: str | None) -> RSAPublicKey:
        """The key for ``kid``: :class:`~desktop_app.errors.IdTokenError` if unknown,
        :class:`~desktop_app.errors.NetworkError` if the JWKS cannot be fetched.

        An unknown ``kid`` is :class:`~desktop_app.errors.UnknownSigningKey`:
        ``retry_later=False`` when a fetch made for it just now lacks it,
        ``retry_later=True`` when it was refused without asking because a recent
        fetch failed or lacked a key (the penalty box).

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
            try:
                document = http.get_json(self._session, self.jwks_uri, max_bytes=MAX_JWKS_BYTES)
                keys = parse_jwks(document)
            except errors.CognitoDesktopError as exc:
                self._penalise()
                if isinstance(exc, errors.NetworkError | errors.IdTokenError):
                    raise
                raise errors.IdTokenError(f"bad signing key set: {exc}") from None
            self._keys = keys
            found = _pick(keys, kid)
            if found is not None:
                return found
            self._penalise()
        raise _no_key(kid)

    def _penalise(self) -> None:
        """No fetch for the next interval (after a fetch that failed or missed)."""
        self._next_fetch = self._monotonic() + self._interval


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
        ID token that answers no authorization request: from the refresh grant (no
        nonce was sent, and one the token carries is the original sign-in's: OIDC
        Core 12.2, so the caller must then check that ``sub`` is the signed-in
        user's), or from the protected API's password sign-in (straight from the API
        over TLS, as the token endpoint's answer is).
        """
        if nonce is not None and not nonce:
            raise ValueError("nonce must be the value the authorization request sent")
        # Before any decoding: a token over the limit costs a length check only.
        if not isinstance(id_token, str) or not 0 < len(id_token) <= MAX_TOKEN_CHARS:
            raise errors.IdTokenError("ID token is missing or too large")
        header = _header(id_token)
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
        except jwt.InvalidSignatureError:
            raise errors.IdTokenError("ID token signature does not verify") from None
        except (jwt.InvalidTokenError, ValueError, RecursionError):
            raise errors.IdTokenError("ID token is not a signed JWT") from None
        # RFC 7519 4: a JWT with duplicate claim names MUST be rejected, or only the
        # last one used. Rejected: whoever reads the token with another parser (the
        # API, a log viewer) could otherwise see another value than this check did.
        try:
            claims = strict_json.loads(signed["payload"])
        except ValueError as exc:  # its text is a fixed reason, never the payload
            raise errors.IdTokenError(f"ID token payload is not strict JSON ({exc})") from None
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


def _header(id_token: str) -> dict[str, Any]:
    """The JOSE header, read as strict JSON (before the signature can be checked).

    RFC 7515 4: header parameter names MUST be unique, or only the last one used; a
    header naming ``alg`` or ``kid`` twice is refused.
    """
    segment = id_token.partition(".")[0]
    try:
        header = strict_json.loads(jwt.utils.base64url_decode(segment))
    except ValueError:  # binascii.Error (bad base64) is a ValueError too
        raise errors.IdTokenError("ID token is not a signed JWT") from None
    if not isinstance(header, dict):
        raise errors.IdTokenError("ID token is not a signed JWT")
    return header


def _time(claims: dict[str, Any], name: str) -> float:
    value = claims.get(name)
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        raise errors.IdTokenError(f"ID token has no valid {name}")
    return float(value)
