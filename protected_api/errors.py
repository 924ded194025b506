"""One error class per failed check, as aws-jwt-verify has (src/error.ts).

Callers tell "send the person to refresh" (:class:`JwtInvalidError` and its
subclasses: 401) from "the token is fine but not allowed" (:class:`JwtForbiddenError`:
403) from "cannot tell right now" (:class:`JwksUnavailableError`: 503). Messages
name the failed check and never include the token or its claims' values.
"""

from __future__ import annotations


class JwtInvalidError(Exception):
    """The token must not be accepted (401 ``invalid_token``)."""


class JwtParseError(JwtInvalidError):
    """Not a compact JWS of three base64url parts with a strict-JSON header and payload,
    or a claim of another type than Cognito writes (a ``sub`` that is not a string...)."""


class JwtTooLargeError(JwtInvalidError):
    """Longer than any Cognito token; rejected before any parsing or crypto."""


class JwtInvalidSignatureAlgorithmError(JwtInvalidError):
    """``alg`` is not RS256 (``none``, HS256 with the public key, ...)."""


class KidNotFoundInJwksError(JwtInvalidError):
    """No key in the pool's JWKS has the token's ``kid``, even after a refetch."""


class JwtInvalidSignatureError(JwtInvalidError):
    """The signature does not verify with the pool's key."""


class JwtMissingClaimError(JwtInvalidError):
    """A required claim (``exp``, ``iat``, ``iss``, ``sub``, ``token_use``...) is absent."""


class JwtExpiredError(JwtInvalidError):
    """``exp`` is in the past (beyond the leeway)."""


class JwtNotBeforeError(JwtInvalidError):
    """``nbf`` or ``iat`` is in the future (beyond the leeway)."""


class JwtInvalidIssuerError(JwtInvalidError):
    """``iss`` is not exactly the pool's issuer."""


class JwtInvalidTokenUseError(JwtInvalidError):
    """``token_use`` is not the configured one (an ID token sent as an access token)."""


class JwtInvalidClientIdError(JwtInvalidError):
    """``client_id`` (access) or ``aud`` (ID token) is not an accepted app client."""


class JwtForbiddenError(Exception):
    """A valid token that lacks a required scope or group (403)."""


class JwtInvalidScopeError(JwtForbiddenError):
    """None of the required scopes is in ``scope``."""


class JwtInvalidGroupError(JwtForbiddenError):
    """None of the required groups is in ``cognito:groups``."""


class JwksUnavailableError(Exception):
    """The JWKS could not be fetched or parsed in time; fail closed (503)."""
