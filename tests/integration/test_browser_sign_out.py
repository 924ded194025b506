"""Shared computers (issue 16): signing out ends managed login's browser session too, and
"Use a different account" asks for credentials even while that session is alive.

One scripted browser keeps its cookies across every step, as one browser profile does;
the app, the stand-in's managed login and the loopback receivers talk over real sockets.
"""

from __future__ import annotations

import threading
import urllib.parse

import pytest
import requests

from desktop_app.auth import session, store
from local_cognito import server, settings
from tests.integration import conftest as integration
from tests.support import app_env, loopback_probe, start_link
from tests.support.scripted_browser import ScriptedBrowser

TIMEOUT = 10


@pytest.fixture
def pool_settings() -> settings.PoolSettings:
    """Callback and sign-out URLs on ports free right now: the sign-out receiver listens
    on the profile's one sign-out port, which another run on a shared machine may hold
    (53682 is everybody's default)."""
    return integration.pool_settings_on(loopback_probe.free_ports(3))


class SharedBrowser:
    """The computer's one browser: whoever sits down uses its cookies. ``signed_in_with``
    records, per sign-in, whether managed login showed its form ("form") or sent the
    browser straight back ("silent")."""

    def __init__(self, stand_in: server.LocalCognito, username: str, password: str) -> None:
        self.browser = ScriptedBrowser(stand_in.url)
        self.username, self.password = username, password
        self.signed_in_with: list[str] = []
        self.signed_out_pages: list[int] = []
        self.opened: list[str] = []
        self.failures: list[BaseException] = []
        self._lock = threading.Lock()
        self._visits: list[threading.Thread] = []

    def open(self, url: str) -> bool:
        self.opened.append(url)
        thread = threading.Thread(target=self._visit, args=(url,), daemon=True)
        self._visits.append(thread)
        thread.start()
        return True

    def settle(self) -> None:
        """Wait until every page opened so far is done (the app may be told of a
        redirect before the browser has read the page it lands on)."""
        for visit in self._visits:
            visit.join(TIMEOUT)

    def _visit(self, url: str) -> None:
        try:
            with self._lock:
                if urllib.parse.urlsplit(url).path == "/logout":
                    answer = self.browser.get(url)  # clears the cookie, 302 to the sign-out URI
                    assert answer.status_code == 302, answer.status_code
                    back = requests.get(answer.headers["Location"], timeout=TIMEOUT)
                    self.signed_out_pages.append(back.status_code)
                    return
                page = self.browser.open_url(start_link.follow(url))
                if isinstance(page, str):
                    self.signed_in_with.append("silent")
                    target = page
                else:
                    self.signed_in_with.append("form")
                    result = self.browser.submit(
                        page, username=self.username, password=self.password
                    )
                    assert isinstance(result, str), "managed login did not redirect"
                    target = result
                requests.get(target, timeout=TIMEOUT)
        except BaseException as exc:
            self.failures.append(exc)


def new_session(stand_in: server.LocalCognito, browser: SharedBrowser) -> session.Session:
    return session.Session(
        app_env.profile(stand_in), token_store=store.MemoryStore(), open_browser=browser.open
    )


def test_sign_out_ends_the_browser_session_so_the_next_person_gets_the_form(
    stand_in: server.LocalCognito,
) -> None:
    computer = SharedBrowser(stand_in, "alice", "Alice-Passw0rd!")
    first = new_session(stand_in, computer)
    assert first.sign_in(timeout=TIMEOUT).username == "alice"
    # Without the browser's sign-out, the next sign-in is alice again without a form:
    first.sign_out()
    assert new_session(stand_in, computer).sign_in(timeout=TIMEOUT).username == "alice"
    assert computer.signed_in_with == ["form", "silent"]

    second = new_session(stand_in, computer)
    second.sign_in(timeout=TIMEOUT)
    assert second.sign_out() == []
    assert second.end_browser_session(timeout=TIMEOUT) is None
    computer.settle()
    assert computer.signed_out_pages == [200]
    logout = computer.opened[-1]
    assert logout.startswith(f"{stand_in.url}/logout?")
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(logout).query))
    assert query["logout_uri"] == app_env.profile(stand_in).logout_uri

    computer.username, computer.password = "admin", "Admin-Passw0rd!"
    assert new_session(stand_in, computer).sign_in(timeout=TIMEOUT).username == "admin"
    assert computer.signed_in_with[-1] == "form"
    assert computer.failures == []


def test_use_a_different_account_asks_for_credentials_despite_a_live_session(
    stand_in: server.LocalCognito,
) -> None:
    computer = SharedBrowser(stand_in, "alice", "Alice-Passw0rd!")
    new_session(stand_in, computer).sign_in(timeout=TIMEOUT)
    computer.username, computer.password = "admin", "Admin-Passw0rd!"
    other = new_session(stand_in, computer).sign_in(timeout=TIMEOUT, prompt_login=True)
    assert other.username == "admin"
    assert computer.signed_in_with == ["form", "form"]
    assert computer.failures == []
