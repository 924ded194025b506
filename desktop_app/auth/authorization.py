"""The authorization request and response of the code flow, as pure functions.

RFC 6749 4.1.1 and 4.1.2 with PKCE (RFC 7636 4.3) and the OpenID Connect ``nonce``.
No socket, no browser: the loopback receiver (:mod:`desktop_app.auth.loopback_server`)
and the paste-back path (:func:`code_from_pasted_redirect`, for ``cognito-desktop login
--no-browser``) both hand the redirect's query to :func:`parse_authorization_response`,
so the two cannot disagree about what a response means.
"""

from __future__ import annotations

import enum
import hmac
import urllib.parse
from collections.abc import Mapping, Sequence

from desktop_app import errors

#: More query fields than this is not an authorization response (Cognito sends two).
MAX_QUERY_FIELDS = 20
# Longest error code and description shown (they are printed to a terminal).
_ERROR_LIMIT = 100
_DESCRIPTION_LIMIT = 500


class Entry(enum.Enum):
    """Which managed-login page a sign-in starts on. All three take the parameters of
    ``/oauth2/authorize`` and end the same way, with a code at the redirect URI
    (Cognito: "User-interactive managed login and classic hosted UI endpoints"), so a
    confirmed sign-up or a reset password ends signed in. The value is the page's path
    on the managed-login domain ("" for the discovered authorization endpoint)."""

    SIGN_IN = ""
    SIGN_UP = "/signup"
    FORGOT_PASSWORD = "/forgotPassword"


def entry_endpoint(entry: Entry, *, authorization_endpoint: str, domain: str) -> str:
    """Where the browser starts for ``entry``: the discovered ``authorization_endpoint``
    to sign in, else ``/signup`` or ``/forgotPassword`` on the managed-login ``domain``."""
    if entry is Entry.SIGN_IN:
        return authorization_endpoint
    return domain.rstrip("/") + str(entry.value)


def authorization_url(
    authorization_endpoint: str,
    *,
    client_id: str,
    redirect_uri: str,
    scopes: Sequence[str],
    state: str,
    nonce: str,
    code_challenge: str,
    prompt_login: bool = False,
) -> str:
    """The managed-login URL: RFC 6749 4.1.1, RFC 7636 4.3 (S256, the only method Cognito
    accepts), OpenID Connect Core 3.1.2.1 ``nonce``. Spaces are encoded as ``%20``.
    ``authorization_endpoint`` may be any page that takes these parameters
    (:func:`entry_endpoint`).

    ``prompt_login`` adds ``prompt=login`` (OpenID Connect Core 3.1.2.1; Cognito's
    authorize endpoint honours it): managed login asks for credentials even when its
    session cookie would sign the browser's last user in silently ("Use a different
    account").
    """
    fields = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": " ".join(scopes),
        "state": state,
        "nonce": nonce,
        "code_challenge": code_challenge,
        "code_challenge_method": "S256",
    }
    if prompt_login:
        fields["prompt"] = "login"
    query = urllib.parse.urlencode(fields, quote_via=urllib.parse.quote)
    return f"{authorization_endpoint}?{query}"


def logout_url(domain: str, *, client_id: str, logout_uri: str) -> str:
    """Managed login's ``/logout`` (Cognito's LOGOUT endpoint): it clears the browser's
    managed-login session cookie and redirects to ``logout_uri``, which must be one of
    the app client's registered sign-out URLs. Tokens are not affected."""
    query = urllib.parse.urlencode(
        {"client_id": client_id, "logout_uri": logout_uri}, quote_via=urllib.parse.quote
    )
    return f"{domain.rstrip('/')}/logout?{query}"


def query_parameters(query: str) -> dict[str, list[str]]:
    """A query string's parameters, empty values kept (``code=`` is a malformed code,
    not a missing one); none at all when it has more than :data:`MAX_QUERY_FIELDS`."""
    try:
        return urllib.parse.parse_qs(query, keep_blank_values=True, max_num_fields=MAX_QUERY_FIELDS)
    except ValueError:
        return {}


def is_authorization_response(params: Mapping[str, Sequence[str]]) -> bool:
    """Whether a request to the redirect URI claims to be an authorization response (it
    carries ``code`` or ``error``); anything else there is a stray request."""
    return "code" in params or "error" in params


def parse_authorization_response(
    params: Mapping[str, Sequence[str]], *, expected_state: str, expected_issuer: str | None = None
) -> str:
    """The authorization code from a redirect's query parameters, or the reason there is none.

    Checked in this order:

    1. ``state``: exactly one, equal to ``expected_state`` (compared in constant time),
       else :class:`~desktop_app.errors.StateMismatch`. First, so that a forged
       ``error=`` is not believed either (RFC 6749 10.12; 4.1.2.1 returns ``state``
       with errors too).
    2. ``iss`` (RFC 9207 2.4), when the response carries one: exactly one, equal to
       ``expected_issuer``, else :class:`~desktop_app.errors.IssuerMismatch`: another
       environment's sign-in service answered (a mix-up, RFC 9700 4.4) and its code
       must not be sent to this environment's token endpoint. Cognito does not send
       ``iss`` today; the per-environment redirect path is the defence that always
       applies (see docs/SECURITY.md).
    3. ``error``: its presence means the sign-in failed, whatever else came with it,
       a ``code`` included: :class:`~desktop_app.errors.AuthorizationDenied` (RFC 6749
       4.1.2.1), its text made printable and shortened because the CLI prints it.
    4. ``code``: exactly one, not empty (RFC 6749 4.1.2).

    A parameter sent twice is malformed (RFC 6749 3.1: "MUST NOT be included more than
    once"); so is an empty ``error``. Malformed responses raise a plain
    :class:`~desktop_app.errors.SignInError`.
    """
    states = params.get("state", [])
    if len(states) != 1 or not hmac.compare_digest(states[0].encode(), expected_state.encode()):
        raise errors.StateMismatch(
            "the sign-in response did not match this sign-in attempt (state check failed); "
            "try again"
        )
    if "iss" in params:
        issuers = params["iss"]
        if (
            expected_issuer is None
            or len(issuers) != 1
            or not hmac.compare_digest(issuers[0].encode(), expected_issuer.encode())
        ):
            raise errors.IssuerMismatch(
                "the sign-in response came from another sign-in service than this "
                "environment's (iss check failed); nothing was sent to the token endpoint"
            )
    if "error" in params:
        error_codes, descriptions = params["error"], params.get("error_description", [])
        if len(error_codes) != 1 or not error_codes[0] or len(descriptions) > 1:
            raise errors.SignInError(
                "the sign-in response was malformed (an empty or repeated error); try again"
            )
        description = printable(descriptions[0], _DESCRIPTION_LIMIT) if descriptions else ""
        raise errors.AuthorizationDenied(
            printable(error_codes[0], _ERROR_LIMIT), description or None
        )
    codes = params.get("code", [])
    if len(codes) != 1 or not codes[0]:
        raise errors.SignInError(
            "the sign-in response was malformed (no authorization code, or more than one); "
            "try again"
        )
    return codes[0]


def code_from_pasted_redirect(
    pasted: str, *, redirect_uri: str, expected_state: str, expected_issuer: str | None = None
) -> str:
    """The code from the final redirect URL a person pasted back (no browser, no port).

    The URL must be ``redirect_uri`` itself (scheme, host and port, path; user-info would
    change the host part); its query then goes through :func:`parse_authorization_response`.
    """
    expected = urllib.parse.urlsplit(redirect_uri)
    got = urllib.parse.urlsplit(pasted.strip())
    if (got.scheme, got.netloc, got.path) != (expected.scheme, expected.netloc, expected.path):
        raise errors.SignInError(
            "that is not the redirect URL; paste the whole address from the browser's address bar"
        )
    return parse_authorization_response(
        query_parameters(got.query), expected_state=expected_state, expected_issuer=expected_issuer
    )


def printable(text: str, limit: int) -> str:
    """``text`` without control characters (terminal escapes), at most ``limit`` chars."""
    text = "".join(ch if ch.isprintable() else "\ufffd" for ch in text)
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"
