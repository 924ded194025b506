"""A $BROWSER command for CLI tests: a person signing in, scripted.

``python -m tests.support.browser_command URL`` opens URL like a browser, signs
in on managed login with ``SCRIPTED_USERNAME`` / ``SCRIPTED_PASSWORD`` (and sets
``SCRIPTED_NEW_PASSWORD`` if asked for one), then requests the final redirect on
the app's loopback receiver, exactly as a browser would. Given managed login's
``/logout`` URL it follows the redirect to the app's sign-out URI instead. Exits 0 when
the app's page answered 200. With ``SCRIPTED_RECORD`` set, the URL it was given and the redirect
it followed (which carries the authorization code) are appended to that file.
"""

from __future__ import annotations

import os
import sys
import urllib.parse

import requests

from tests.support import start_link
from tests.support.scripted_browser import ScriptedBrowser


def _record(*urls: str) -> None:
    path = os.environ.get("SCRIPTED_RECORD")
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.writelines(f"{url}\n" for url in urls)


def main(url: str) -> int:
    url = start_link.follow(url)  # the app opens a one-time loopback link first
    parts = urllib.parse.urlsplit(url)
    if parts.path == "/logout":  # managed login's sign-out: 302 to the app's sign-out URI
        _record(url)
        answer = requests.get(url, allow_redirects=False, timeout=10)
        if answer.status_code != 302:
            print(f"browser: /logout answered {answer.status_code}", file=sys.stderr)
            return 1
        back = requests.get(answer.headers["Location"], timeout=10)  # the app's receiver
        return 0 if back.status_code == 200 else 1
    browser = ScriptedBrowser(f"{parts.scheme}://{parts.netloc}")
    result = browser.open_url(url)
    if not isinstance(result, str):  # the sign-in form (no managed-login session yet)
        result = browser.submit(
            result,
            username=os.environ["SCRIPTED_USERNAME"],
            password=os.environ["SCRIPTED_PASSWORD"],
        )
    if not isinstance(result, str) and "SCRIPTED_NEW_PASSWORD" in os.environ:
        new = os.environ["SCRIPTED_NEW_PASSWORD"]
        result = browser.submit(result, new_password=new, confirm_password=new)
    if not isinstance(result, str):
        print(
            f"browser: sign-in did not redirect ({result.status} {result.error})", file=sys.stderr
        )
        return 1
    _record(url, result)
    response = requests.get(result, timeout=10)  # the app's loopback receiver
    return 0 if response.status_code == 200 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
