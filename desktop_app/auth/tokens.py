"""Token-endpoint calls through Authlib's requests client: exchange, refresh, revoke.

Errors are sorted the way the session needs them: an OAuth error code is a
:class:`Refused` (only ``invalid_grant`` says the grant itself is dead);
transport failures, timeouts, 5xx, throttling (429, even with an OAuth-style JSON
body), ``server_error``/``temporarily_unavailable`` and garbage answers are
transient (``errors.NetworkError``), so a stored refresh token survives them.

Redirects are never followed: requests would send the form (the refresh token, or
the code and its verifier) again to wherever a 307/308 points, and believe that
host's ``invalid_grant``. Any 3xx is a transient ``NetworkError`` saying the
endpoint redirected. An answer longer than :data:`MAX_RESPONSE_BYTES` (sized from
Cognito's quotas) is cut off while it is read, also as a ``NetworkError``.
"""

from __future__ import annotations

import dataclasses
import math
import re
import time
from collections.abc import Callable
from typing import Any

import requests
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session

from desktop_app import errors
from desktop_app.auth import http, idtoken

# RFC 6749 5.2 error codes are ASCII without spaces; anything else is shown as this.
_UNKNOWN_ERROR = "unknown_error"
_ERROR_CODE = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
# Error codes that say "not now" rather than "no" (RFC 6749 4.1.2.1; RFC 8628 3.5).
_TRANSIENT_ERRORS = frozenset({"server_error", "temporarily_unavailable", "slow_down"})
#: Longest answer read from the token or revocation endpoint, in bytes. Cognito's
#: biggest: an ID token of up to idtoken.MAX_TOKEN_CHARS (its arithmetic is there:
#: groups, custom and standard attributes at their quotas), an access token of as
#: much again (it carries the groups too, and a pre token generation trigger can add
#: claims), a refresh token (~1,800 characters) and a few short members:
#: 2 * 524,288 + 64 KiB = 1,114,112 bytes.
MAX_RESPONSE_BYTES = 2 * idtoken.MAX_TOKEN_CHARS + 64 * 1024
_CHUNK = 8192
_TOKEN_ENDPOINT = "token endpoint"
_REVOCATION_ENDPOINT = "revocation endpoint"


class Refused(Exception):  # noqa: N818 - the token endpoint's answer, not a local failure
    """The token endpoint answered with an OAuth error code (e.g. ``invalid_grant``).

    ``error`` is the code, reduced to a safe token (it is shown and logged); only
    :attr:`grant_is_dead` (``invalid_grant``) means a refresh token must be dropped.
    """

    def __init__(self, error: str) -> None:
        error = error if _ERROR_CODE.fullmatch(error) else _UNKNOWN_ERROR
        super().__init__(error)
        self.error = error

    @property
    def grant_is_dead(self) -> bool:
        return self.error == "invalid_grant"


@dataclasses.dataclass(frozen=True)
class TokenResponse:
    """What the token endpoint returned; tokens never appear in repr."""

    access_token: str
    expires_at: float
    id_token: str | None = None
    refresh_token: str | None = None  # present on sign-in, and on refresh with rotation
    scope: str | None = None

    def __repr__(self) -> str:
        return (
            f"TokenResponse(expires_at={self.expires_at:.0f}, id_token={bool(self.id_token)}, "
            f"refresh_token={bool(self.refresh_token)})"
        )


class TokenClient:
    """One app client's calls to one token and revocation endpoint."""

    def __init__(
        self, client_id: str, session: requests.Session, *, now: Callable[[], float] = time.time
    ) -> None:
        self._client_id = client_id
        self._session = session
        self._now = now

    def _oauth(self, endpoint: str = _TOKEN_ENDPOINT) -> OAuth2Session:
        # A public client (no secret): client_id goes in the body (RFC 6749 2.3).
        client = OAuth2Session(
            client_id=self._client_id,
            token_endpoint_auth_method="none",
            revocation_endpoint_auth_method="none",
            default_timeout=http.TIMEOUT,
        )
        # Never follow a redirect (the module docstring says why). The hook below
        # refuses any 3xx before requests would; this is the backstop (requests then
        # raises TooManyRedirects, sending nothing on).
        client.max_redirects = 0
        # The status of the last answer: Authlib turns any JSON body with "error" into
        # an OAuthError, a 429 throttle included, and drops the status on the way.
        client.last_status = 0

        def check_answer(response: requests.Response, *args: Any, **kwargs: Any) -> None:
            # Runs before requests reads the body or resolves a redirect, and before
            # Authlib parses anything (a 3xx body saying invalid_grant must not count).
            client.last_status = response.status_code
            if 300 <= response.status_code < 400:
                response.close()
                raise errors.NetworkError(
                    f"the {endpoint} redirected (HTTP {response.status_code}) instead of "
                    "answering; the request was not sent on"
                )
            _read_capped(response, endpoint)

        client.hooks["response"].append(check_answer)
        client.verify = self._session.verify
        client.proxies = dict(self._session.proxies)
        client.trust_env = self._session.trust_env
        return client

    def exchange(
        self, token_endpoint: str, *, code: str, redirect_uri: str, code_verifier: str
    ) -> TokenResponse:
        """RFC 6749 4.1.3 with RFC 7636 4.5's ``code_verifier``."""
        with self._oauth() as client:
            return self._call(
                client,
                lambda: client.fetch_token(
                    token_endpoint,
                    grant_type="authorization_code",
                    code=code,
                    redirect_uri=redirect_uri,
                    code_verifier=code_verifier,
                ),
            )

    def refresh(self, token_endpoint: str, refresh_token: str) -> TokenResponse:
        """RFC 6749 6; Cognito returns a new refresh token only with rotation on."""
        with self._oauth() as client:
            return self._call(
                client, lambda: client.refresh_token(token_endpoint, refresh_token=refresh_token)
            )

    def revoke(self, revocation_endpoint: str, refresh_token: str) -> None:
        """RFC 7009; Cognito answers 200 even for an unknown or spent token."""
        with self._oauth(_REVOCATION_ENDPOINT) as client:
            try:
                response = client.revoke_token(
                    revocation_endpoint, token=refresh_token, token_type_hint="refresh_token"
                )
            except requests.RequestException as exc:
                raise errors.NetworkError(f"revocation failed: {type(exc).__name__}") from None
        if response.status_code >= 500:
            raise errors.NetworkError(f"revocation failed: HTTP {response.status_code}")
        if response.status_code != 200:
            raise Refused(_error_code(response))

    def _call(self, client: OAuth2Session, request: Callable[[], Any]) -> TokenResponse:
        try:
            token = request()
        except OAuthError as exc:
            refused = Refused(str(exc.error or "invalid_request"))
            status: int = client.last_status
            if status == 429 or status >= 500 or refused.error in _TRANSIENT_ERRORS:
                raise errors.NetworkError(
                    f"token endpoint is busy or failing (HTTP {status}, {refused.error}); "
                    "try again shortly"
                ) from None
            raise refused from None
        except requests.HTTPError as exc:
            # Not an OAuth answer (a proxy's or gateway's page): nothing says the
            # grant is dead, so it is treated as transient and the session kept.
            status = exc.response.status_code if exc.response is not None else 0
            raise errors.NetworkError(f"token endpoint answered HTTP {status}") from None
        except (requests.RequestException, ValueError, TypeError, OverflowError) as exc:
            # Authlib's OAuth2Token runs int() on expires_in/expires_at: a list there is a
            # TypeError, NaN a ValueError, Infinity or 1e400 an OverflowError.
            raise errors.NetworkError(
                f"token endpoint unreachable or garbled: {type(exc).__name__}"
            ) from None
        return parse(token, self._now())


def _read_capped(response: requests.Response, endpoint: str) -> None:
    """Read ``response``'s body into it, refusing more than :data:`MAX_RESPONSE_BYTES`
    (declared or sent) as a ``NetworkError``; later reads of ``.content`` (requests',
    Authlib's) get what was read here."""
    declared = response.headers.get("Content-Length", "")
    too_large = errors.NetworkError(
        f"the {endpoint}'s answer is larger than {MAX_RESPONSE_BYTES} bytes; "
        "no sign-in service sends that much"
    )
    if declared.isdigit() and int(declared) > MAX_RESPONSE_BYTES:
        response.close()
        raise too_large
    body = bytearray()
    for chunk in response.iter_content(_CHUNK):
        body += chunk
        if len(body) > MAX_RESPONSE_BYTES:
            response.close()
            raise too_large
    # What Response.content stores once it has read the body itself.
    response._content = bytes(body)


def parse(token: Any, now: float, *, source: str = _TOKEN_ENDPOINT) -> TokenResponse:
    """A token answer (RFC 6749 5.1's members: a JSON object, or Authlib's dict of one)
    as a :class:`TokenResponse`, ``expires_in`` turned into ``expires_at`` from ``now``;
    a :class:`~desktop_app.errors.NetworkError` naming ``source`` when ``access_token``
    or a finite, positive ``expires_in`` is missing (a garbled answer: try again)."""
    access, expires_in = token.get("access_token"), token.get("expires_in")
    if not isinstance(access, str) or not access:
        raise errors.NetworkError(f"{source} answered without an access_token")
    # requests' JSON reader takes NaN and Infinity: an expiry that never comes is garbage.
    if (
        isinstance(expires_in, bool)
        or not isinstance(expires_in, int | float)
        or not math.isfinite(expires_in)
        or expires_in <= 0
    ):
        raise errors.NetworkError(f"{source} answered without a valid expires_in")
    id_token, refresh = token.get("id_token"), token.get("refresh_token")
    return TokenResponse(
        access_token=access,
        expires_at=now + float(expires_in),
        id_token=id_token if isinstance(id_token, str) and id_token else None,
        refresh_token=refresh if isinstance(refresh, str) and refresh else None,
        scope=token.get("scope") if isinstance(token.get("scope"), str) else None,
    )


def _error_code(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"http_{response.status_code}"
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, str) else f"http_{response.status_code}"
