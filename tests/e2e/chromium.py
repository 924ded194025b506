"""Real Chromium as the system browser: the hand-off desk and the person at the browser.

The app opens its sign-in URL with :mod:`webbrowser`; ``$BROWSER`` runs
``tests/e2e/browser_launcher.py``, which POSTs the URL to a :class:`BrowserDesk`
(a loopback HTTP server in the test process). The test then gives the URL to a
:class:`Person`: one person's own Chromium profile (a Playwright browser context,
so cookies are theirs alone), who fills managed login's pages with the keyboard
and mouse and lets Chromium follow the redirect to the app's loopback receiver.

Everything Chromium does is recorded (every request URL, every console message,
every uncaught page error) so a test can check what a page loaded and said.
Every wait is bounded (:data:`WAIT_MS`).
"""

from __future__ import annotations

import dataclasses
import queue
import re
import shlex
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import TYPE_CHECKING

from tests.e2e import browser_launcher
from tests.support import http_server

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Error, Page, Request

CHROMIUM = Path("/usr/bin/chromium")
WAIT_MS = 20_000
LAUNCHER = Path(browser_launcher.__file__).resolve()
_MAX_URL_BYTES = 64 * 1024


def browser_command(python: str = sys.executable) -> str:
    """The ``$BROWSER`` value: this interpreter running the launcher (``%s`` is the URL)."""
    return shlex.join([python, str(LAUNCHER)]) + " %s"


class BrowserDesk:
    """Where the launcher leaves each URL the app opened (``POST /open``, body = URL).

    A context manager: entering starts the server on a free loopback port,
    leaving stops it. :attr:`opened` lists every URL handed over, in order.
    """

    def __init__(self) -> None:
        self.opened: list[str] = []
        self._waiting: queue.SimpleQueue[str] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._server = http_server.LoopbackServer(self._answer, name="browser-desk")

    @property
    def url(self) -> str:
        """What the launcher POSTs to (``$COGNITO_E2E_BROWSER_DESK``)."""
        assert self._server.running, "enter the desk first"
        return f"{self._server.url}/open"

    def take(self) -> str | None:
        """The oldest URL not yet taken, or None."""
        try:
            return self._waiting.get_nowait()
        except queue.Empty:
            return None

    def _hand_over(self, url: str) -> None:
        with self._lock:
            self.opened.append(url)
        self._waiting.put(url)

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        if handler.command != "POST" or handler.path != "/open" or not 0 < length <= _MAX_URL_BYTES:
            handler.send_error(400)
            return
        url = handler.rfile.read(length).decode("utf-8")
        if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
            handler.send_error(400)
            return
        self._hand_over(url)
        handler.send_response(204)
        handler.end_headers()

    def __enter__(self) -> BrowserDesk:
        self._server.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.stop()


@dataclasses.dataclass(frozen=True)
class Console:
    """One console message and the page it was logged on."""

    type: str
    text: str
    url: str


def origin(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class Person:
    """One person at their own Chromium profile (cookies and history are theirs only)."""

    def __init__(self, browser: Browser, name: str, screenshots: Path) -> None:
        self.name = name
        self._screenshots = screenshots
        self.context = browser.new_context(viewport={"width": 1000, "height": 720})
        self.context.set_default_timeout(WAIT_MS)
        self.context.set_default_navigation_timeout(WAIT_MS)
        self.requests: list[str] = []
        self.console: list[Console] = []
        self.page_errors: list[str] = []
        self.context.on("request", self._on_request)
        self.context.on("console", self._on_console)
        self.page: Page = self.context.new_page()
        self.page.on("pageerror", self._on_page_error)

    def _on_request(self, request: Request) -> None:
        self.requests.append(request.url)

    def _on_console(self, message: ConsoleMessage) -> None:
        page = message.page
        self.console.append(Console(message.type, message.text, page.url if page else ""))

    def _on_page_error(self, error: Error) -> None:
        self.page_errors.append(f"{error.name}: {error.message}")

    def open(self, url: str) -> None:
        """The browser was launched with ``url``: show it in the tab."""
        self.page.goto(url, wait_until="load")

    def sign_in(self, username: str, password: str) -> None:
        """Managed login's sign-in form, filled and sent like a person does it."""
        page = self.page
        page.get_by_role("heading", name="Sign in").wait_for()
        page.get_by_label("Username or email").fill(username)
        page.get_by_label("Password", exact=True).fill(password)
        page.get_by_role("button", name="Sign in").click()

    def choose_new_password(self, new_password: str, screenshot: str | None = None) -> None:
        """Managed login's "Change your password" page (a first sign-in with a temporary one)."""
        page = self.page
        page.get_by_role("heading", name="Change your password").wait_for()
        if screenshot:
            self.screenshot(screenshot)
        page.get_by_label("New password", exact=True).fill(new_password)
        page.get_by_label("Confirm new password").fill(new_password)
        page.get_by_role("button", name="Change password").click()

    def _shot(self, screenshot: str | None) -> None:
        if screenshot:
            self.screenshot(screenshot)

    def sign_up(
        self, username: str, email: str, password: str, screenshot: str | None = None
    ) -> None:
        """Managed login's "Sign up" form: username, email, the password twice."""
        page = self.page
        page.get_by_role("heading", name="Sign up", exact=True).wait_for()
        page.get_by_label("Username", exact=True).fill(username)
        page.get_by_label("Email", exact=True).fill(email)
        page.get_by_label("Password", exact=True).fill(password)
        page.get_by_label("Confirm password", exact=True).fill(password)
        self._shot(screenshot)
        page.get_by_role("button", name="Sign up", exact=True).click()

    def confirm_account(self, code: str, screenshot: str | None = None) -> None:
        """Managed login's "Confirm your account" page: the emailed verification code."""
        page = self.page
        page.get_by_role("heading", name="Confirm your account").wait_for()
        page.get_by_label("Verification code").fill(code)
        self._shot(screenshot)
        page.get_by_role("button", name="Confirm account").click()

    def ask_for_reset_code(self, username: str, screenshot: str | None = None) -> None:
        """Managed login's "Forgot your password?" page: who, then "Reset my password"."""
        page = self.page
        page.get_by_role("heading", name="Forgot your password?").wait_for()
        page.get_by_label("Username or email").fill(username)
        self._shot(screenshot)
        page.get_by_role("button", name="Reset my password").click()

    def reset_password(self, code: str, new_password: str, screenshot: str | None = None) -> None:
        """Managed login's "Reset your password" page: the emailed code, the new password twice."""
        page = self.page
        page.get_by_role("heading", name="Reset your password").wait_for()
        page.get_by_label("Verification code").fill(code)
        page.get_by_label("New password", exact=True).fill(new_password)
        page.get_by_label("Confirm new password").fill(new_password)
        self._shot(screenshot)
        page.get_by_role("button", name="Change password").click()

    def enter_mfa_code(self, code: str, screenshot: str | None = None) -> None:
        """Managed login's "Multi-factor authentication" page: the authenticator's code."""
        page = self.page
        page.get_by_role("heading", name="Multi-factor authentication").wait_for()
        page.get_by_label("Code", exact=True).fill(code)
        self._shot(screenshot)
        page.get_by_role("button", name="Sign in", exact=True).click()

    def mfa_setup_secret(self, screenshot: str | None = None) -> str:
        """Managed login's "Set up multi-factor authentication" page: the secret key it
        shows as text (what a person types into an authenticator app), without spaces."""
        page = self.page
        page.get_by_role("heading", name="Set up multi-factor authentication").wait_for()
        self._shot(screenshot)
        return page.locator("#secret").inner_text().replace(" ", "")

    def set_up_mfa(self, code: str) -> None:
        """The set-up page's first code from the authenticator, then "Verify and sign in"."""
        page = self.page
        page.get_by_label("Code from your authenticator").fill(code)
        page.get_by_role("button", name="Verify and sign in").click()

    def wait_for_alert(self) -> str:
        """The error a managed-login page shows (``role=alert``) once it is there."""
        alert = self.page.get_by_role("alert")
        alert.wait_for()
        return alert.inner_text()

    def wait_for_app(self, redirect_uris: list[str]) -> str:
        """Wait until Chromium shows the app's loopback page; its URL."""
        paths = "|".join(re.escape(uri) for uri in redirect_uris)
        self.page.wait_for_url(re.compile(rf"^(?:{paths})\?"), wait_until="load")
        self.page.get_by_role("heading", name="You are signed in").wait_for()
        return self.page.url

    def settle(self) -> None:
        """Let late requests and console messages (favicon, CSP reports) arrive."""
        self.page.wait_for_load_state("networkidle")

    def screenshot(self, name: str) -> Path:
        path = self._screenshots / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def close(self) -> None:
        self.context.close()
