"""Token-endpoint calls through Authlib's requests client: exchange, refresh, revoke.

Errors are sorted the way the session needs them: an OAuth error code is a
:class:`Refused` (only ``invalid_grant`` says the grant itself is dead);
transport failures, timeouts, 5xx, throttling (429, even with an OAuth-style JSON
body), ``server_error``/``temporarily_unavailable`` and garbage answers are
transient (``errors.NetworkError``), so a stored refresh token survives them.
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Callable
from typing import Any

import requests
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session

from desktop_app import errors
from desktop_app.auth import http

# RFC 6749 5.2 error codes are ASCII without spaces; anything else is shown as this.
_UNKNOWN_ERROR = "unknown_error"
_ERROR_CODE = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
# Error codes that say "not now" rather than "no" (RFC 6749 4.1.2.1; RFC 8628 3.5).
_TRANSIENT_ERRORS = frozenset({"server_error", "temporarily_unavailable", "slow_down"})


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

    def _oauth(self) -> OAuth2Session:
        # A public client (no secret): client_id goes in the body (RFC 6749 2.3).
        client = OAuth2Session(
            client_id=self._client_id,
            token_endpoint_auth_method="none",
            revocation_endpoint_auth_method="none",
            default_timeout=http.TIMEOUT,
        )
        # The status of the last answer: Authlib turns any JSON body with "error" into
        # an OAuthError, a 429 throttle included, and drops the status on the way.
        client.last_status = 0

        def remember_status(response: requests.Response, *args: Any, **kwargs: Any) -> None:
            client.last_status = response.status_code

        client.hooks["response"].append(remember_status)
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
        with self._oauth() as client:
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
        except (requests.RequestException, ValueError) as exc:
            raise errors.NetworkError(
                f"token endpoint unreachable or garbled: {type(exc).__name__}"
            ) from None
        return _parse(token, self._now())


def _parse(token: Any, now: float) -> TokenResponse:
    access, expires_in = token.get("access_token"), token.get("expires_in")
    if not isinstance(access, str) or not access:
        raise errors.NetworkError("token endpoint answered without an access_token")
    if isinstance(expires_in, bool) or not isinstance(expires_in, int | float) or expires_in <= 0:
        raise errors.NetworkError("token endpoint answered without a valid expires_in")
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
