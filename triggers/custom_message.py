"""Custom message: the app's own wording for the codes Cognito emails.

Cognito calls it before it sends a code. For sign-up (and its resend), a forgotten
password, an administrator's invitation and the verification of a changed address,
this sets ``emailSubject`` and a short HTML ``emailMessage`` naming the app, holding
``request.codeParameter`` (the ``{####}`` placeholder Cognito swaps for the code; for
an invitation it is the temporary password, next to ``request.usernameParameter``),
and a link to the app's sign-in page when one can be built. ``smsMessage`` is left to
Cognito, and so is every other message (``CustomMessage_Authentication``, the MFA code).

Everything put into the HTML is escaped: the app name comes from configuration, the
placeholders and the link from Cognito, and none of them is markup.

The link opens managed login for the app client named :attr:`Config.app_client_name`,
found with ``ListUserPoolClients`` and ``DescribeUserPoolClient`` and remembered per
pool for the life of the execution environment (a client's id and callback URLs do
not change under it). A failed lookup leaves the link out, and is tried again next
time: the code matters, the link is a convenience.
https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-custom-message.html
"""

from __future__ import annotations

import html
import logging
import os
import urllib.parse
from collections.abc import Callable
from typing import Any

import triggers
from triggers import aws
from triggers.config import Config

log = logging.getLogger(__name__)

_ADMIN_CREATE_USER = "CustomMessage_AdminCreateUser"
_CODE_SENTENCE = "Your {app} verification code is {code}."
#: triggerSource -> (subject, sentence). ``{app}``, ``{code}`` and ``{username}`` are
#: filled in; the sentence's values are escaped first, the subject is plain text.
_MESSAGES: dict[str, tuple[str, str]] = {
    "CustomMessage_SignUp": ("Confirm your {app} account", _CODE_SENTENCE),
    "CustomMessage_ResendCode": ("Confirm your {app} account", _CODE_SENTENCE),
    "CustomMessage_ForgotPassword": (
        "Reset your {app} password",
        "Your {app} password reset code is {code}.",
    ),
    _ADMIN_CREATE_USER: (
        "Your {app} account",
        "An administrator created a {app} account for you. "
        "Your username is {username} and your temporary password is {code}.",
    ),
    "CustomMessage_UpdateUserAttribute": ("Verify your address for {app}", _CODE_SENTENCE),
    "CustomMessage_VerifyUserAttribute": ("Verify your address for {app}", _CODE_SENTENCE),
}
#: ListUserPoolClients' largest page, and how many pages to read before giving up on a
#: pool (the trigger has 5 s in all).
_PAGE_SIZE = 60
_MAX_PAGES = 10

#: (userPoolId, app client name) -> the sign-in link's query string.
_sign_in_queries: dict[tuple[str, str], str] = {}


class _ClientLookupError(Exception):
    """The app client could not be found or has no callback URL; says which, log-safe."""


def _client_id(client: Any, pool_id: str, name: str) -> str:
    """The id of the one app client called ``name``, reading every page."""
    matches: list[str] = []
    token: str | None = None
    for _ in range(_MAX_PAGES):
        page_args: dict[str, Any] = {"UserPoolId": pool_id, "MaxResults": _PAGE_SIZE}
        if token:
            page_args["NextToken"] = token
        page = client.list_user_pool_clients(**page_args)
        matches += [
            str(summary.get("ClientId"))
            for summary in page.get("UserPoolClients", [])
            if summary.get("ClientName") == name and summary.get("ClientId")
        ]
        token = page.get("NextToken")
        if not token:
            break
    else:
        raise _ClientLookupError("too many app clients to search")
    if len(matches) != 1:
        # Cognito allows two clients one name; linking to either could be the wrong app.
        raise _ClientLookupError(f"{len(matches)} app clients have APP_CLIENT_NAME")
    return matches[0]


def _sign_in_query(client: Any, pool_id: str, name: str) -> str:
    """``client_id=...&response_type=code&scope=openid&redirect_uri=...`` for ``name``."""
    client_id = _client_id(client, pool_id, name)
    described = client.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)
    callbacks = described.get("UserPoolClient", {}).get("CallbackURLs") or []
    if not callbacks:
        raise _ClientLookupError("the app client has no callback URL")
    return urllib.parse.urlencode(
        {
            "client_id": client_id,
            "response_type": "code",
            "scope": "openid",
            "redirect_uri": str(callbacks[0]),
        }
    )


def _sign_in_link(config: Config, cognito: Callable[[], Any], source: str, pool_id: str) -> str:
    """Managed login's sign-in page for the app, or "" (logged) when there is none."""
    if not config.managed_login_url:
        log.info("%s in %s: no sign-in link (MANAGED_LOGIN_URL unset)", source, pool_id)
        return ""
    key = (pool_id, config.app_client_name)
    if key not in _sign_in_queries:
        try:
            _sign_in_queries[key] = _sign_in_query(cognito(), pool_id, config.app_client_name)
        except aws.ERRORS as exc:
            log.warning("%s in %s: no sign-in link (%s)", source, pool_id, aws.error_code(exc))
            return ""
        except _ClientLookupError as exc:
            log.warning("%s in %s: no sign-in link (%s)", source, pool_id, exc)
            return ""
    return f"{config.managed_login_url}/login?{_sign_in_queries[key]}"


def _html(sentence: str, app: str, link: str) -> str:
    """The email body; every argument is already escaped."""
    button = f'<p><a href="{link}">Sign in to {app}</a></p>' if link else ""
    return f"<html><body><p>{sentence}</p>{button}</body></html>"


def handle(event: dict[str, Any], config: Config, cognito: Callable[[], Any]) -> dict[str, Any]:
    """Returns the event with `response` filled in (Cognito's documented shape).

    ``cognito`` is called only to find the app client, once per pool.
    """
    source = triggers.trigger_source(event)
    pool_id = triggers.text(event, "userPoolId")
    template = _MESSAGES.get(source)
    if template is None:
        return event
    triggers.user_attributes(event)
    code = triggers.request_text(event, "codeParameter")
    username = (
        triggers.request_text(event, "usernameParameter") if source == _ADMIN_CREATE_USER else ""
    )
    response = triggers.response(event)
    subject, sentence = template
    app = html.escape(config.app_name)
    filled = sentence.format(app=app, code=html.escape(code), username=html.escape(username))
    link = html.escape(_sign_in_link(config, cognito, source, pool_id))
    response["emailSubject"] = subject.format(app=config.app_name)
    response["emailMessage"] = _html(filled, app, link)
    return event


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda's entry point."""
    return handle(event, Config.from_env(os.environ), aws.cognito_client)
