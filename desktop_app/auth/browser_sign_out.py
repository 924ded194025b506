"""Ending the browser's managed-login session, after the app has signed out.

Revoking the refresh token does not touch managed login's session cookie: for about an
hour the next "Sign in with your browser" would sign the previous person back in without
a form, which on a shared computer is an account takeover. Cognito's LOGOUT endpoint
(``/logout?client_id=...&logout_uri=...``) clears that cookie and redirects to
``logout_uri``, one of the app client's registered sign-out URLs.

:func:`end_browser_session` opens that URL in the system browser and, when the sign-out
URI is a loopback one, waits (30 s by default) on it with a
:class:`~desktop_app.auth.loopback.SignOutReceiver`, hardened like the sign-in
callback, which shows "You are signed out". It reports in one line what did not happen;
the local sign-out has happened before it is called and stands whatever it says.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from desktop_app import config, errors, urls
from desktop_app.auth import authorization, browser, loopback

log = logging.getLogger(__name__)

SIGN_OUT_TIMEOUT_S = 30.0


def logout_url(profile: config.Profile) -> str | None:
    """The profile's managed-login ``/logout`` URL; None without a ``logout_uri``."""
    if not profile.logout_uri:
        return None
    return authorization.logout_url(
        profile.domain, client_id=profile.client_id, logout_uri=profile.logout_uri
    )


def end_browser_session(
    profile: config.Profile,
    *,
    open_browser: Callable[[str], bool],
    timeout: float = SIGN_OUT_TIMEOUT_S,
    cancel: threading.Event | None = None,
    pages_dir: Path | None = None,
) -> str | None:
    """Open ``/logout`` in the browser and wait for its redirect to the sign-out URI.

    None when the browser came back (or, for a non-loopback sign-out page, when it was
    opened); otherwise the one line to show: no sign-out URI configured, the port is
    taken, the browser could not be opened, or it did not come back within ``timeout``.
    """
    url = logout_url(profile)
    if url is None or profile.logout_uri is None:
        return (
            "the browser may still be signed in: this environment has no sign-out URI "
            f"(profiles.{profile.name}.logout_uri)"
        )
    if urls.parse_loopback_redirect(profile.logout_uri) is None:
        # A web page of the app's own (https): nothing comes back to this computer.
        if browser.launch(open_browser, url).result() is False:
            return f"could not open the browser to end its sign-in session; open {url}"
        return None
    try:
        with loopback.SignOutReceiver(profile.logout_uri, pages_dir=pages_dir) as receiver:
            if browser.launch(open_browser, url).result() is False:
                return f"could not open the browser to end its sign-in session; open {url}"
            receiver.wait(timeout, cancel)
    except errors.NoFreePort:
        return (
            "the browser may still be signed in: the sign-out port is in use by another "
            f"program; open {url}"
        )
    except errors.SignInCancelled:
        return "ending the browser's sign-in session was cancelled"
    except errors.SignInTimeout:
        return (
            f"the browser did not confirm the sign-out within {timeout:g} seconds, so it may "
            f"still be signed in; open {url}"
        )
    log.info("the browser's managed-login session was ended")
    return None
