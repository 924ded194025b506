"""The browser's first step since issue 16: the app opens a one-time loopback start link
(``http://127.0.0.1:PORT/start/<token>``) that answers 302 to the authorize URL, so the
URL never shows on a command line. Scripted browsers call :func:`follow` first."""

from __future__ import annotations

import urllib.parse

import requests

TIMEOUT_S = 10.0


def is_start_link(url: str) -> bool:
    parts = urllib.parse.urlsplit(url)
    return parts.hostname == "127.0.0.1" and parts.path.startswith("/start/")


def follow(url: str) -> str:
    """The authorize URL a start link redirects to (consuming it, as a browser does);
    any other URL unchanged."""
    if not is_start_link(url):
        return url
    with requests.Session() as browser:
        browser.trust_env = False  # nothing between the "browser" and loopback
        answer = browser.get(url, allow_redirects=False, timeout=TIMEOUT_S)
    if answer.status_code != 302 or "Location" not in answer.headers:
        raise AssertionError(f"start link answered {answer.status_code}, not a redirect")
    return answer.headers["Location"]
