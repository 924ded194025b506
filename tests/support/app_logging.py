"""The app's logging (:func:`desktop_app.logs.setup`) inside a test, taken down after.

``logs.setup`` adds its handlers to the root logger and sets the root level to DEBUG:
left in place, they would write every later test's records to a file that no longer
exists. :func:`taken_down` removes (and closes) whatever handlers the app added in the
block and puts the root level back; :func:`set_up` also runs ``logs.setup`` first.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path

from desktop_app import logs


def _is_the_apps(handler: logging.Handler) -> bool:
    return bool(getattr(handler, "_cognito_desktop", False))  # logs.setup's own mark


@contextlib.contextmanager
def taken_down() -> Iterator[None]:
    """After the block: no handler of the app's on the root logger, the old root level."""
    root = logging.getLogger()
    level = root.level
    try:
        yield
    finally:
        for handler in [h for h in root.handlers if _is_the_apps(h)]:
            root.removeHandler(handler)
            handler.close()
        root.setLevel(level)


@contextlib.contextmanager
def set_up(verbosity: int = 2) -> Iterator[Path | None]:
    """``logs.setup(verbosity)`` for the block (``$COGNITO_DESKTOP_LOG_DIR`` is the
    caller's to set); yields the log file it opened, None if it could not."""
    with taken_down():
        yield logs.setup(verbosity)


def app_handlers() -> list[logging.Handler]:
    """The handlers ``logs.setup`` put on the root logger (and nobody removed)."""
    return [h for h in logging.getLogger().handlers if _is_the_apps(h)]
