"""Opening the system browser without waiting on it.

``webbrowser.open`` (the default ``open_browser``) returns when the launcher does, and
some launchers wait for the browser to exit: with ``BROWSER=firefox`` it blocks for as
long as Firefox runs. :func:`launch` therefore runs the opener on a daemon thread; the
sign-in and sign-out flows go on waiting on their loopback port (and on Cancel) whatever
the launcher does, and ask :meth:`Launch.result` only for a short grace period.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

#: How long a flow waits for the launcher's answer before going on without it.
GRACE_S = 1.0


class Launch:
    """One call to ``open_browser(url)`` running in the background."""

    def __init__(self, open_browser: Callable[[str], bool], url: str) -> None:
        self._done = threading.Event()
        self._opened: bool | None = None
        self._thread = threading.Thread(
            target=self._run, args=(open_browser, url), name="browser-launch", daemon=True
        )
        self._thread.start()

    def _run(self, open_browser: Callable[[str], bool], url: str) -> None:
        try:
            self._opened = bool(open_browser(url))
        except Exception as exc:  # webbrowser.Error, OSError, a broken launcher: not opened
            log.info("the browser could not be opened (%s)", type(exc).__name__)
            self._opened = False
        finally:
            self._done.set()

    def result(self, grace: float = GRACE_S) -> bool | None:
        """True if the launcher said it opened the browser, False if it said it could
        not (or failed), None if it has not answered within ``grace`` seconds (a
        launcher that waits for the browser to exit: the browser is most likely open)."""
        self._done.wait(grace)
        return self._opened if self._done.is_set() else None


def launch(open_browser: Callable[[str], bool], url: str) -> Launch:
    """Start ``open_browser(url)`` on a daemon thread and return at once."""
    return Launch(open_browser, url)
