"""desktop_app.auth.browser_sign_out: ending managed login's session in the browser.

The "browser" here does what managed login's ``/logout`` makes a real one do: it
follows the redirect to the sign-out URI, over a real socket to the real receiver. The
whole round trip against the stand-in is in tests/integration/test_browser_sign_out.py.
"""

from __future__ import annotations

import socket
import threading
import time
import urllib.parse
from collections.abc import Callable
from typing import Any

import pytest

from desktop_app import config
from desktop_app.auth import browser_sign_out
from tests.support.loopback_probe import free_port, request

DOMAIN = "https://auth.example.com"
CLIENT = "unit-client"


def profile(logout_uri: str | None, **extra: Any) -> config.Profile:
    table: dict[str, Any] = {
        "user_pool_id": "eu-west-1_Unit",
        "client_id": CLIENT,
        "domain": DOMAIN,
        "redirect_uris": [f"http://127.0.0.1:{free_port()}/callback/unit"],
        **extra,
    }
    if logout_uri is not None:
        table["logout_uri"] = logout_uri
    return config.parse_profile("unit", table)


class Browser:
    """Opens URLs in a thread; ``follow`` says whether it reaches the sign-out URI."""

    def __init__(self, *, follow: bool = True, opens: bool = True) -> None:
        self.follow, self.opens = follow, opens
        self.opened: list[str] = []
        self.pages: list[tuple[int, str]] = []

    def open(self, url: str) -> bool:
        self.opened.append(url)
        if self.opens and self.follow:
            target = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))["logout_uri"]
            parts = urllib.parse.urlsplit(target)
            assert parts.port is not None
            reply = request(parts.port, parts.path)  # managed login's 302 to logout_uri
            self.pages.append((reply.status, reply.text))
        return self.opens


def test_logout_url_names_the_client_and_the_registered_sign_out_uri() -> None:
    url = browser_sign_out.logout_url(profile("http://127.0.0.1:53682/signed-out/unit"))
    assert url is not None and url.startswith(f"{DOMAIN}/logout?")
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
    assert query == {"client_id": CLIENT, "logout_uri": "http://127.0.0.1:53682/signed-out/unit"}
    assert browser_sign_out.logout_url(profile(None)) is None


def test_the_browser_comes_back_to_the_sign_out_uri_and_sees_signed_out() -> None:
    port = free_port()
    browser = Browser()
    chosen = profile(f"http://127.0.0.1:{port}/signed-out/unit")
    assert browser_sign_out.end_browser_session(chosen, open_browser=browser.open) is None
    assert browser.opened == [browser_sign_out.logout_url(chosen)]
    ((status, page),) = browser.pages
    assert status == 200 and "You are signed out" in page
    with pytest.raises(ConnectionRefusedError):  # the port is closed again
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def test_no_sign_out_uri_says_the_browser_may_still_be_signed_in() -> None:
    browser = Browser()
    line = browser_sign_out.end_browser_session(profile(None), open_browser=browser.open)
    assert line is not None and "logout_uri" in line and "may still be signed in" in line
    assert browser.opened == []


def test_an_https_sign_out_page_is_opened_without_waiting() -> None:
    browser = Browser(follow=False)
    chosen = profile("https://app.example.com/signed-out")
    started = time.monotonic()
    assert browser_sign_out.end_browser_session(chosen, open_browser=browser.open) is None
    assert time.monotonic() - started < 2 and len(browser.opened) == 1


@pytest.mark.parametrize(
    ("browser", "timeout", "expected"),
    [
        (Browser(opens=False), 30.0, "could not open the browser"),
        (Browser(follow=False), 0.3, "did not confirm the sign-out within 0.3 seconds"),
    ],
    ids=["no browser", "never comes back"],
)
def test_what_did_not_happen_is_one_line_with_the_url_to_open(
    browser: Browser, timeout: float, expected: str
) -> None:
    chosen = profile(f"http://127.0.0.1:{free_port()}/signed-out/unit")
    started = time.monotonic()
    line = browser_sign_out.end_browser_session(chosen, open_browser=browser.open, timeout=timeout)
    assert line is not None and expected in line
    assert str(browser_sign_out.logout_url(chosen)) in line
    assert "\n" not in line
    assert time.monotonic() - started < 5  # a browser that cannot open is not waited for


def test_a_taken_sign_out_port_is_reported_not_waited_on() -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        browser = Browser()
        line = browser_sign_out.end_browser_session(
            profile(f"http://127.0.0.1:{port}/signed-out/unit"), open_browser=browser.open
        )
    assert line is not None and "in use" in line
    assert browser.opened == []


def test_a_launcher_that_blocks_until_the_browser_exits_does_not_hold_up_the_wait() -> None:
    """``BROWSER=firefox``: webbrowser.open returns when Firefox exits."""
    port = free_port()
    release = threading.Event()
    follower = Browser()

    def blocking(url: str) -> bool:
        follower.open(url)
        release.wait(30)
        return True

    try:
        started = time.monotonic()
        line = browser_sign_out.end_browser_session(
            profile(f"http://127.0.0.1:{port}/signed-out/unit"), open_browser=blocking
        )
        assert line is None and time.monotonic() - started < 5
    finally:
        release.set()


def test_cancel_stops_the_wait() -> None:
    cancel = threading.Event()
    threading.Timer(0.2, cancel.set).start()
    wait: Callable[[], str | None] = lambda: browser_sign_out.end_browser_session(  # noqa: E731
        profile(f"http://127.0.0.1:{free_port()}/signed-out/unit"),
        open_browser=Browser(follow=False).open,
        cancel=cancel,
    )
    started = time.monotonic()
    assert "cancelled" in str(wait())
    assert time.monotonic() - started < 2
