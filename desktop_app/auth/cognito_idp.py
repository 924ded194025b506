"""Cognito's own user API (``cognito-idp``, AWS JSON 1.1), for what OAuth does not cover.

The one call the app makes with a user's access token is ``GlobalSignOut``: it revokes
every refresh token the user holds, on every device. Cognito asks for the
``aws.cognito.signin.user.admin`` scope on that token (``session.ADMIN_SCOPE``). No AWS
credentials are needed or used (the access token is the authorization), so this is a
plain HTTPS request.
https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_GlobalSignOut.html
"""

from __future__ import annotations

import json
import urllib.parse

import requests

from desktop_app import config, errors


class CallFailed(errors.CognitoDesktopError):
    """A cognito-idp call did not succeed; ``str()`` is a short, secret-free reason
    (``HTTP 400``, or the transport exception's class name)."""


def endpoint(profile: config.Profile) -> str:
    """The cognito-idp API: the discovery override's origin (a local pool), else the
    issuer's host (``cognito-idp.{region}.amazonaws.com``)."""
    parts = urllib.parse.urlsplit(profile.discovery_url or profile.issuer)
    return f"{parts.scheme}://{parts.netloc}/"


def global_sign_out(http_session: requests.Session, api: str, access_token: str) -> None:
    """Sign the access token's user out everywhere (``GlobalSignOut`` at ``api``).

    :class:`CallFailed` if the request fails or is refused.
    """
    try:
        response = http_session.post(
            api,
            data=json.dumps({"AccessToken": access_token}),
            headers={
                "Content-Type": "application/x-amz-json-1.1",
                "X-Amz-Target": "AWSCognitoIdentityProviderService.GlobalSignOut",
            },
        )
    except requests.RequestException as exc:
        raise CallFailed(type(exc).__name__) from None
    if response.status_code != 200:
        raise CallFailed(f"HTTP {response.status_code}")
