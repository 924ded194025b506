"""FastAPI dependencies: who is calling (:func:`principal`) and may they (:func:`require_group`).

Bearer tokens are read from the ``Authorization`` header only (RFC 6750 2.1);
an ``access_token`` in the query string or a form body is refused rather than
read. Errors follow RFC 6750 section 3: 401 with ``WWW-Authenticate: Bearer``
(``error="invalid_token"`` and a generic body that does not say which check
failed), 400 ``invalid_request`` for a malformed request, 403
``insufficient_scope`` for a valid token without the needed group.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import re
from collections.abc import Callable
from typing import Annotated, Any

import fastapi
import starlette.concurrency

from protected_api import errors, verifier

log = logging.getLogger(__name__)

# "Bearer", a space and the longest token the verifier takes (sized from Cognito's
# quotas, see verifier.MAX_TOKEN_CHARS), with room for stray spaces; longer is refused
# before any parsing. The server refuses a far longer request head itself
# (protected_api.request_limits.MAX_REQUEST_HEAD_BYTES).
MAX_AUTHORIZATION_BYTES = len("Bearer ") + verifier.MAX_TOKEN_CHARS + 64
REALM = "protected_api"
#: The claim the pre token generation trigger adds (issue 20, ``triggers.PLAN_CLAIM``) and
#: the values it may hold (``triggers.PLAN_PATTERN``). Written out here, not imported: the
#: API is deployed alone, without the ``triggers`` package (a test keeps the two in step).
PLAN_CLAIM = "plan"
PLAN_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,31}$"
_PLAN = re.compile(PLAN_PATTERN)  # used with fullmatch: "free\n" is not a plan name


@dataclasses.dataclass(frozen=True)
class Principal:
    """The caller, as a verified access token describes them (no token kept)."""

    sub: str
    username: str
    client_id: str
    groups: tuple[str, ...]
    scopes: tuple[str, ...]
    expires_at: int
    issued_at: int
    auth_time: int | None
    plan: str | None = None  # the ``plan`` claim; None when absent or not a plan name

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> Principal:
        return cls(
            sub=str(claims["sub"]),
            username=str(claims.get("username", claims["sub"])),
            client_id=str(claims.get("client_id", "")),
            groups=verifier.groups_of(claims),
            scopes=tuple(str(claims.get("scope", "")).split()),
            expires_at=int(claims["exp"]),
            issued_at=int(claims["iat"]),
            auth_time=_whole_seconds(claims.get("auth_time")),
            plan=_plan(claims.get(PLAN_CLAIM)),
        )


def _whole_seconds(value: object) -> int | None:
    """A time claim as whole seconds; ``None`` for anything but a finite number (the
    verifier refuses a token that holds anything else)."""
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return int(value)
    return None


def _plan(value: object) -> str | None:
    """The ``plan`` claim if it is a plan name (:data:`PLAN_PATTERN`); ``None`` when absent.

    Anything else is read as absent rather than refusing the token: the plan says what
    the caller may use, not who they are. It is logged without the value, which came
    from a user attribute."""
    if value is None:
        return None
    if isinstance(value, str) and _PLAN.fullmatch(value):
        return value
    log.warning("ignoring the token's %s claim: not a plan name", PLAN_CLAIM)
    return None


class AuthError(Exception):
    """Turned into an RFC 6750 response by :func:`install`."""

    def __init__(self, status: int, error: str | None, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message


def bearer_token(request: fastapi.Request) -> str:
    """The token of ``Authorization: Bearer ...`` (RFC 6750 2.1); refused in the query
    string, where logs and Referer would keep it (2.3)."""
    if "access_token" in request.query_params:
        raise AuthError(400, "invalid_request", "send the token in the Authorization header")
    header = request.headers.get("authorization")
    if header is None:
        raise AuthError(401, None, "authentication required")
    if len(header) > MAX_AUTHORIZATION_BYTES:
        raise AuthError(400, "invalid_request", "Authorization header too large")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        raise AuthError(401, "invalid_token", "a Bearer token is required")
    return token


async def principal(request: fastapi.Request) -> Principal:
    """The verified caller; raises :class:`AuthError` for anything else.

    With the signing key already cached, verification is ~50 µs of CPU and runs
    right here; only a JWKS fetch (network I/O) goes to the thread pool, so the
    event loop never blocks and the common case skips a thread hop.
    """
    token = bearer_token(request)
    check: verifier.TokenVerifier = request.app.state.verifier
    try:
        if check.ready_for(token):
            claims = check.verify(token)
        else:
            claims = await starlette.concurrency.run_in_threadpool(check.verify, token)
    except errors.JwtInvalidError as exc:
        # The reason goes to the log (it never holds the token), not the client.
        log.info("token rejected: %s", type(exc).__name__)
        raise AuthError(401, "invalid_token", "the access token is not valid") from None
    except errors.JwtForbiddenError:
        raise AuthError(403, "insufficient_scope", "not allowed") from None
    except errors.JwksUnavailableError:
        log.warning("token not verified: JWKS unavailable")
        raise AuthError(503, None, "cannot verify tokens right now") from None
    return Principal.from_claims(claims)


CurrentUser = Annotated[Principal, fastapi.Depends(principal)]


def require_group(group: str) -> Callable[[Principal], Principal]:
    """A dependency: the caller must be in ``group`` (exact list element match)."""

    def dependency(user: CurrentUser) -> Principal:
        if group not in user.groups:
            raise AuthError(403, "insufficient_scope", f"requires membership of group {group}")
        return user

    return dependency


def install(app: fastapi.FastAPI) -> None:
    """Register the handler that turns :class:`AuthError` into RFC 6750 responses."""

    @app.exception_handler(AuthError)
    async def _auth_error(request: fastapi.Request, exc: AuthError) -> fastapi.Response:
        challenge = f'Bearer realm="{REALM}"'
        if exc.error is not None:
            challenge += f', error="{exc.error}"'
        headers = {"Cache-Control": "no-store"}
        if exc.status in (401, 403) or exc.error == "invalid_request":
            headers["WWW-Authenticate"] = challenge
        if exc.status == 503:
            headers["Retry-After"] = "10"
        fallback = "temporarily_unavailable" if exc.status == 503 else "unauthorized"
        body = {"error": exc.error or fallback, "message": exc.message}
        return fastapi.responses.JSONResponse(body, status_code=exc.status, headers=headers)
