"""A scripted person at the system browser, for in-process app tests (GUI and session).

``Person.open`` is what the app gets as its ``open_browser``: like a real browser it
returns at once, and in a thread it does what ``behaviour`` says: sign in on managed
login as ``username``/``password`` and follow the redirect to the app's loopback
receiver (``"sign-in"``), decline (``"deny"``: managed login's ``access_denied``
redirect back to the app), or never come back (``"ignore"``: for cancel and timeout).
"""

from __future__ import annotations

import threading
import urllib.parse
from typing import Literal

import requests

from tests.support import start_link
from tests.support.scripted_browser import ScriptedBrowser

Behaviour = Literal["sign-in", "deny", "ignore"]
TIMEOUT_S = 10.0


class Person:
    def __init__(
        self,
        base_url: str,
        username: str = "alice",
        password: str = "Alice-Passw0rd!",
        behaviour: Behaviour = "sign-in",
    ) -> None:
        self.base_url = base_url
        self.username = username
        self.password = password
        self.behaviour: Behaviour = behaviour
        self.launched: list[str] = []  # every URL the app opened the browser on
        self.opened: list[str] = []  # the authorize URL each of them led to
        self.failures: list[str] = []
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def open(self, url: str) -> bool:
        authorize = start_link.follow(url)  # what a browser does first, on its own thread
        with self._lock:
            self.launched.append(url)
            self.opened.append(authorize)
            url = authorize
            if self.behaviour == "ignore":
                return True
            thread = threading.Thread(target=self._browse, args=(url,), daemon=True)
            self._threads.append(thread)
        thread.start()
        return True

    def _browse(self, url: str) -> None:
        try:
            if self.behaviour == "deny":
                query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
                target = (
                    query["redirect_uri"][0]
                    + "?"
                    + urllib.parse.urlencode(
                        {
                            "error": "access_denied",
                            "error_description": "The person declined",
                            "state": query["state"][0],
                        }
                    )
                )
            else:
                browser = ScriptedBrowser(self.base_url)
                page = browser.open_url(url)
                if isinstance(page, str):
                    target = page  # managed login remembered this browser
                else:
                    result = browser.submit(page, username=self.username, password=self.password)
                    if not isinstance(result, str):
                        raise RuntimeError(f"sign-in did not redirect: {result.status}")
                    target = result
                browser.http.close()
            requests.get(target, timeout=TIMEOUT_S)  # the app's loopback receiver
        except Exception as exc:  # reported through .failures / settle()
            with self._lock:
                self.failures.append(f"{type(exc).__name__}: {exc}")

    def settle(self, timeout: float = TIMEOUT_S) -> list[str]:
        """Wait for the browsing threads so far; the failures they hit."""
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(timeout)
        with self._lock:
            return list(self.failures)
