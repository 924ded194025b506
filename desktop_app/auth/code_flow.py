"""One interactive authorization code flow with PKCE, for a native app (RFC 8252).

Fresh ``code_verifier``, ``state`` and ``nonce`` (:mod:`desktop_app.auth.pkce`); the
authorize URL (:mod:`desktop_app.auth.authorization`) opened in the system browser with
the code coming back to the loopback receiver, or, without a browser, the final redirect
pasted back by the person; the code exchange (RFC 6749 4.1.3, RFC 7636 4.5); the ID
token's check (OpenID Connect Core 3.1.3.7) against this attempt's nonce. Nothing is
stored here: :class:`desktop_app.auth.session.Session` keeps what comes back.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from desktop_app import config, errors
from desktop_app.auth import authorization, browser, discovery, idtoken, loopback, pkce, tokens


def run(
    profile: config.Profile,
    endpoints: discovery.Endpoints,
    client: tokens.TokenClient,
    validator: idtoken.IdTokenValidator,
    *,
    open_browser: Callable[[str], bool],
    show_url: Callable[[str, bool], None],
    paste_redirect: Callable[[str], str] | None,
    timeout: float,
    cancel: threading.Event | None,
    prompt_login: bool = False,
    entry: authorization.Entry = authorization.Entry.SIGN_IN,
) -> tuple[tokens.TokenResponse, dict[str, Any]]:
    """The token response and the validated ID token's claims.

    ``show_url(url, opened)`` lets the caller print the URL (always, or only when the
    browser did not open) or offer to copy it. The browser itself is opened on the
    receiver's one-time start link, never on the URL (a command line is public), and
    on its own thread (:mod:`desktop_app.auth.browser`): a launcher that waits for the
    browser to exit holds up neither the wait nor Cancel. With ``paste_redirect`` no
    browser or port is used: it receives the URL and returns the final redirect URL
    the person pasted back. ``prompt_login``: managed login asks for credentials even
    if the browser is still signed in ("Use a different account"). ``entry``: the
    managed-login page the browser starts on (sign in, create an account, forgot
    password); everything else about the flow is the same.
    """
    verifier, state, nonce = pkce.new_verifier(), pkce.new_state(), pkce.new_nonce()
    challenge = pkce.challenge(verifier)
    start = authorization.entry_endpoint(
        entry, authorization_endpoint=endpoints.authorization_endpoint, domain=profile.domain
    )

    def authorization_url(redirect_uri: str) -> str:
        return authorization.authorization_url(
            start,
            client_id=profile.client_id,
            redirect_uri=redirect_uri,
            scopes=profile.scopes,
            state=state,
            nonce=nonce,
            code_challenge=challenge,
            prompt_login=prompt_login,
        )

    if paste_redirect is not None:
        redirect_uri = profile.redirect_uris[0]
        pasted = paste_redirect(authorization_url(redirect_uri))
        code = authorization.code_from_pasted_redirect(
            pasted, redirect_uri=redirect_uri, expected_state=state, expected_issuer=profile.issuer
        )
    else:
        with loopback.LoopbackReceiver(
            profile.redirect_uris, expected_state=state, expected_issuer=profile.issuer
        ) as receiver:
            redirect_uri = receiver.redirect_uri
            url = authorization_url(redirect_uri)
            launched = browser.launch(open_browser, receiver.start_link(url))
            show_url(url, launched.result() is True)
            code = receiver.wait(timeout, cancel).code
    try:
        response = client.exchange(
            endpoints.token_endpoint, code=code, redirect_uri=redirect_uri, code_verifier=verifier
        )
    except tokens.Refused as exc:
        raise errors.TokenExchangeError(
            f"the token endpoint refused the sign-in code ({exc.error})"
        ) from None
    if response.id_token is None:
        raise errors.IdTokenError("no ID token came back; add 'openid' to the profile's scopes")
    return response, validator.validate(response.id_token, nonce=nonce)
