"""HTTP client for the protected API: bearer token, timeouts, one refresh-and-retry on 401."""

from __future__ import annotations

import json as _json
import logging
from typing import Any, Protocol

import requests

from desktop_app import errors
from desktop_app.auth import http

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 5 * 1024 * 1024


class TokenSource(Protocol):
    """What the client needs of a session (``desktop_app.auth.session.Session`` is one)."""

    def access_token(self, *, min_valid: float = 60.0) -> str: ...

    def refresh(self) -> object: ...


class ApiClient:
    """Calls ``base_url`` with the session's access token."""

    def __init__(
        self, base_url: str, tokens: TokenSource, session: requests.Session | None = None
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._tokens = tokens
        self._http = session or http.new_session()

    def request(
        self, method: str, path: str, *, json: Any = None, params: dict[str, Any] | None = None
    ) -> requests.Response:
        """One call; on a 401 the token is refreshed once and the call retried once.

        Returns the response for any status below 400; raises ``ApiError`` (with
        the API's message) otherwise, ``NetworkError`` when it cannot be reached.
        """
        if not path.startswith("/"):
            raise ValueError("path must start with '/'")
        response = self._send(method, path, self._tokens.access_token(), json, params)
        if response.status_code == 401:
            log.info("API answered 401; refreshing the token once and retrying")
            self._tokens.refresh()
            response = self._send(method, path, self._tokens.access_token(), json, params)
        if response.status_code >= 400:
            raise errors.ApiError(
                response.status_code,
                _message(response),
                _code(response),
                retry_after=retry_after(response.headers.get("Retry-After")),
            )
        return response

    def get_json(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """GET ``path`` and decode its JSON body."""
        response = self.request("GET", path, params=params)
        try:
            return response.json()
        except ValueError:
            raise errors.ApiError(response.status_code, "the API answered with non-JSON") from None

    def _send(
        self, method: str, path: str, token: str, json: Any, params: dict[str, Any] | None
    ) -> requests.Response:
        try:
            headers = {"Authorization": f"Bearer {token}"}
            if json is not None:
                headers["Content-Type"] = "application/json"
            return self._http.request(
                method,
                self.base_url + path,
                data=None if json is None else encode_json(json),
                params=params,
                headers=headers,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            raise errors.NetworkError(
                f"the API at {self.base_url} did not answer ({type(exc).__name__})"
            ) from None


def encode_json(body: Any) -> bytes:
    """A request body as compact UTF-8 JSON, nothing escaped: what the API's body limit
    (64 KiB, ``protected_api.request_limits``) is sized for. ``requests``' own ``json=``
    writes every non-ASCII character as a 6-byte ``\\uXXXX``, which would double the
    largest invitation. NaN and infinities are refused (not JSON)."""
    return _json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


#: The longest wait a Retry-After may ask for that the client believes (an hour).
MAX_RETRY_AFTER_S = 3600.0


def retry_after(value: str | None) -> float | None:
    """The seconds a ``Retry-After`` header asks to wait (RFC 9110 10.2.3: a number of
    seconds; the HTTP-date form is not one the API sends), capped at
    :data:`MAX_RETRY_AFTER_S`; None when absent or not a number."""
    if value is None:
        return None
    text = value.strip()
    if not text.isascii() or not text.isdigit():
        return None
    return min(float(text[:12]), MAX_RETRY_AFTER_S)


def _code(response: requests.Response) -> str | None:
    """The error body's ``error`` code (``{"error": code, "message": text}``), if any."""
    try:
        body = response.json()
    except ValueError:
        return None
    code = body.get("error") if isinstance(body, dict) else None
    return code if isinstance(code, str) and len(code) <= 64 and code.isascii() else None


def _message(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.reason or "error"
    if isinstance(body, dict):
        for key in ("message", "error", "detail"):
            if isinstance(body.get(key), str):
                return str(body[key])
    return response.reason or "error"
