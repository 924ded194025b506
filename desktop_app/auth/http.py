"""The one way the app makes HTTP requests: timeouts always, TLS verification always.

:class:`Http` is a :class:`requests.Session` that cannot lose its timeout or
turn certificate checks off, and whose configured proxies and CA bundle win over
the environment. :func:`get_json` fetches a small, strict JSON document safely and
turns every failure into an app error whose message names the URL's host and path
only (query strings can carry codes and state).
"""

from __future__ import annotations

import urllib.parse
from typing import Any

import requests

from desktop_app import errors
from desktop_app.auth import strict_json

# (connect, read) seconds. 3.05: just over a multiple of 3 s, TCP's retransmit window.
TIMEOUT: tuple[float, float] = (3.05, 15.0)
_CHUNK = 8192


class HttpStatusError(errors.NetworkError):
    """The server answered, but not with 200 (or with a redirect we do not follow)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class Http(requests.Session):
    """A session whose every request has a timeout and verifies TLS.

    A request without ``timeout`` (or with ``timeout=None``) gets :data:`TIMEOUT`;
    ``verify=False`` (or any false value), per request or on the session, raises
    ``ValueError``. ``ca_bundle`` is a PEM file of CAs to trust instead of certifi's.
    """

    _verify: bool | str

    def __init__(
        self, *, ca_bundle: str | None = None, proxies: dict[str, str] | None = None
    ) -> None:
        super().__init__()
        if ca_bundle is not None:
            self.verify = ca_bundle
        if proxies:
            self.proxies.update(proxies)

    @property
    def verify(self) -> bool | str:
        return self._verify

    @verify.setter
    def verify(self, value: bool | str | None) -> None:
        self._verify = _checked_verify(value)

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = TIMEOUT
        # An explicit verify=None reaching the adapter would mean "do not verify".
        verify = kwargs.get("verify")
        kwargs["verify"] = self.verify if verify is None else _checked_verify(verify)
        return super().send(request, **kwargs)

    def merge_environment_settings(
        self,
        url: Any,
        proxies: Any,
        stream: Any,
        verify: Any,
        cert: Any,
    ) -> Any:
        # requests lets HTTPS_PROXY and REQUESTS_CA_BUNDLE override the session's own
        # proxies and CA bundle (psf/requests#2018); configuration must win.
        if verify is None and self.verify is not True:
            verify = self.verify
        elif verify is not None:
            _checked_verify(verify)
        merged_proxies = {**self.proxies, **(proxies or {})}
        return super().merge_environment_settings(url, merged_proxies, stream, verify, cert)


def _checked_verify(value: object) -> bool | str:
    if value is True or (isinstance(value, str) and value):
        return value
    raise ValueError("TLS verification cannot be turned off (verify must be True or a CA path)")


def new_session(*, ca_bundle: str | None = None, proxies: dict[str, str] | None = None) -> Http:
    """An :class:`Http` session (the composition root builds one per profile)."""
    return Http(ca_bundle=ca_bundle, proxies=proxies)


def describe(url: str) -> str:
    """``scheme://host[:port]/path`` of ``url``: safe to show (no query, no userinfo)."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or "?"
    if ":" in host:
        host = f"[{host}]"
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


def get_json(session: requests.Session, url: str, *, max_bytes: int = 256 * 1024) -> dict[str, Any]:
    """GET ``url`` and return its body, which must be a JSON object of at most ``max_bytes``.

    Redirects are not followed (a discovery document or JWKS that moves is an
    error, not a hint). Transport failures, timeouts and any status but 200 raise
    :class:`~desktop_app.errors.NetworkError`; a body that is too big, not strict
    JSON (:mod:`desktop_app.auth.strict_json`: UTF-8 without a byte-order mark, no
    ``NaN``, no duplicate names) or not an object raises
    :class:`~desktop_app.errors.CognitoDesktopError`.
    """
    where = describe(url)
    try:
        with session.get(
            url,
            timeout=TIMEOUT,
            stream=True,
            allow_redirects=False,
            headers={"Accept": "application/json"},
        ) as response:
            if response.status_code != 200:
                raise HttpStatusError(
                    f"{where} answered HTTP {response.status_code}", response.status_code
                )
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise errors.CognitoDesktopError(f"{where} sent more than {max_bytes} bytes")
            body = bytearray()
            for chunk in response.iter_content(_CHUNK):
                body += chunk
                if len(body) > max_bytes:
                    raise errors.CognitoDesktopError(f"{where} sent more than {max_bytes} bytes")
    except requests.Timeout:
        raise errors.NetworkError(f"{where} did not answer in time") from None
    except requests.RequestException as exc:
        raise errors.NetworkError(f"cannot reach {where} ({type(exc).__name__})") from None
    try:
        document = strict_json.loads(bytes(body))
    except ValueError as exc:  # a fixed reason, never the body
        raise errors.CognitoDesktopError(f"{where} did not return JSON ({exc})") from None
    if not isinstance(document, dict):
        raise errors.CognitoDesktopError(f"{where} did not return a JSON object")
    return document
