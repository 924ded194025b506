"""The system browser's launcher in the end-to-end tests: what ``$BROWSER`` runs.

``python tests/e2e/browser_launcher.py URL`` does for the app what ``xdg-open``
does on a desktop: it hands URL to the browser and returns at once. The browser
is the test's Chromium, driven by Playwright in the test process, so the URL goes
to that test's hand-off desk (a loopback HTTP server, ``$COGNITO_E2E_BROWSER_DESK``),
where the person at Chromium picks it up.

Standard library only, and run by path, so it works from any directory.
Exit status 0 when the desk took the URL (``webbrowser`` reports that as
"the browser opened").
"""

from __future__ import annotations

import os
import sys
import urllib.request

DESK_ENV = "COGNITO_E2E_BROWSER_DESK"
TIMEOUT_S = 10.0


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: browser_launcher.py URL", file=sys.stderr)
        return 2
    desk = os.environ.get(DESK_ENV, "")
    if not desk.startswith("http://127.0.0.1:"):
        print(f"browser_launcher: ${DESK_ENV} is not a loopback URL", file=sys.stderr)
        return 2
    # S310: the URL is checked above to be the test's loopback desk (never file: etc.).
    request = urllib.request.Request(  # noqa: S310
        desk,
        data=argv[1].encode("utf-8"),
        method="POST",
        headers={"Content-Type": "text/plain; charset=utf-8"},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:  # noqa: S310
            taken = response.status == 204
    except OSError as exc:  # URLError and timeouts included
        print(f"browser_launcher: the test's browser did not take the URL ({exc})", file=sys.stderr)
        return 1
    return 0 if taken else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
