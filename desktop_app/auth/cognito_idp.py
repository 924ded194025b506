"""Cognito's own user API (``cognito-idp``, AWS JSON 1.1), for what OAuth does not cover.

The app calls it with a user's access token: ``GlobalSignOut`` (revoke every refresh
token the user holds, on every device) and the MFA calls of :mod:`desktop_app.auth.mfa`;
and with a refresh token and its app client's id: ``RevokeToken``, how a password
sign-in's session (:mod:`desktop_app.auth.password_flow`) is signed out.
Cognito asks for the ``aws.cognito.signin.user.admin`` scope on that token
(``session.ADMIN_SCOPE``). No AWS credentials are needed or used (the access token is the
authorization), so each is a plain HTTPS request: :func:`call`.
https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/CommonErrors.html
"""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

import requests

from desktop_app import config, errors
from desktop_app.auth import authorization, http, strict_json

_TARGET = "AWSCognitoIdentityProviderService."
# Cognito's answers to these calls are a few hundred bytes; anything far bigger is not one.
MAX_ANSWER_BYTES = 64 * 1024
_CODE_LIMIT = 80  # longest error code kept (Cognito's are under 50 characters)
_MESSAGE_LIMIT = 300  # longest error message kept (it may be shown to the person)


class CallFailed(errors.CognitoDesktopError):
    """A cognito-idp call did not succeed; ``str()`` is a short, secret-free reason
    (``HTTP 400``, or the transport exception's class name)."""


class Unreachable(CallFailed, errors.NetworkError):
    """The request did not get an answer (connection, TLS, timeout); trying again may
    work. ``str()`` is the transport exception's class name."""


class Refused(CallFailed):
    """Cognito answered with an error. ``code`` is the JSON body's ``__type`` without
    its namespace (``NotAuthorizedException``), or None; ``message`` is its ``message``
    made printable and shortened (Cognito's own words, e.g. why a change is not allowed),
    or None; ``status`` the HTTP status. ``str()`` is ``HTTP <status>``."""

    def __init__(self, status: int, code: str | None, message: str | None) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.code = code
        self.message = message


def endpoint(profile: config.Profile) -> str:
    """The cognito-idp API: the discovery override's origin (a local pool), else the
    issuer's host (``cognito-idp.{region}.amazonaws.com``)."""
    parts = urllib.parse.urlsplit(profile.discovery_url or profile.issuer)
    return f"{parts.scheme}://{parts.netloc}/"


def call(
    http_session: requests.Session, api: str, operation: str, body: dict[str, Any]
) -> dict[str, Any]:
    """POST ``operation`` (``GetUser``) with ``body`` to ``api``; the answer's JSON object.

    Every request has :data:`desktop_app.auth.http.TIMEOUT`. :class:`Unreachable` when
    no answer came, :class:`Refused` for any status but 200 (with Cognito's error code
    and message when the body names them), :class:`CallFailed` for a 200 whose body is
    not a JSON object. No message holds the body's secrets: only the error's code and
    message are ever read from a refusal.
    """
    try:
        with http_session.post(
            api,
            data=json.dumps(body),
            headers={
                "Content-Type": "application/x-amz-json-1.1",
                "X-Amz-Target": _TARGET + operation,
            },
            timeout=http.TIMEOUT,
            allow_redirects=False,
            stream=True,
        ) as response:
            raw = _read(response)
    except requests.RequestException as exc:
        raise Unreachable(type(exc).__name__) from None
    if raw is None:
        raise CallFailed(f"{operation} answered more than {MAX_ANSWER_BYTES} bytes")
    if response.status_code != 200:
        code, message = _error_of(raw)
        raise Refused(response.status_code, code, message)
    if not raw.strip():
        return {}  # GlobalSignOut and SetUserMFAPreference answer with an empty object
    try:
        answer = strict_json.loads(raw)
    except ValueError as exc:  # a fixed reason, never the body
        raise CallFailed(f"{operation} did not answer JSON ({exc})") from None
    if not isinstance(answer, dict):
        raise CallFailed(f"{operation} did not answer a JSON object")
    return answer


def _read(response: requests.Response) -> bytes | None:
    """The body, or None once it passes :data:`MAX_ANSWER_BYTES`."""
    body = bytearray()
    for chunk in response.iter_content(8192):
        body += chunk
        if len(body) > MAX_ANSWER_BYTES:
            return None
    return bytes(body)


def _error_of(raw: bytes) -> tuple[str | None, str | None]:
    """Cognito's error code and message from an error body (AWS JSON 1.1:
    ``{"__type": "...#NotAuthorizedException", "message": "..."}``)."""
    try:
        document = strict_json.loads(raw)
    except ValueError:
        return None, None
    if not isinstance(document, dict):
        return None, None
    code, message = document.get("__type"), document.get("message", document.get("Message"))
    if isinstance(code, str) and code:
        # The namespace goes (``com.amazon...#Code``), and a trailing ``:http://...`` too.
        code = authorization.printable(code.rpartition("#")[2].partition(":")[0], _CODE_LIMIT)
    else:
        code = None
    if isinstance(message, str) and message.strip():
        message = authorization.printable(message.strip(), _MESSAGE_LIMIT)
    else:
        message = None
    return code or None, message


def global_sign_out(http_session: requests.Session, api: str, access_token: str) -> None:
    """Sign the access token's user out everywhere (``GlobalSignOut`` at ``api``).

    :class:`CallFailed` if the request fails or is refused.
    https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_GlobalSignOut.html
    """
    call(http_session, api, "GlobalSignOut", {"AccessToken": access_token})


def revoke_token(
    http_session: requests.Session, api: str, refresh_token: str, client_id: str
) -> None:
    """Revoke a refresh token, and the access tokens issued from it (``RevokeToken`` at
    ``api``): the app client's id is the authorization (a public client; one with a
    secret would need it too). :class:`CallFailed` if the request fails or is refused.
    https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_RevokeToken.html
    """
    call(http_session, api, "RevokeToken", {"Token": refresh_token, "ClientId": client_id})
