"""Logging for the app: a rotating file in the platform's log dir, redacted everywhere."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import platformdirs

from desktop_app import APP_NAME
from desktop_app.auth import redact

LOG_DIR_ENV = "COGNITO_DESKTOP_LOG_DIR"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def log_dir() -> Path:
    """``$COGNITO_DESKTOP_LOG_DIR``, else the platform's user log directory."""
    override = os.environ.get(LOG_DIR_ENV)
    return Path(override) if override else platformdirs.user_log_path(APP_NAME, appauthor=False)


def setup(verbosity: int = 0) -> Path | None:
    """File log at DEBUG (rotating, 1 MB x 3) and stderr at WARNING/INFO/DEBUG.

    Every line passes through the redacting formatter, including urllib3's
    request lines and library debug output. Returns the log file, or None if
    the directory cannot be written (the app still runs).
    """
    import logging.handlers  # socket, pickle, queue...: not needed before setup

    root = logging.getLogger()
    root.setLevel(logging.DEBUG)
    for handler in list(root.handlers):
        if getattr(handler, "_cognito_desktop", False):
            root.removeHandler(handler)
            handler.close()  # a replaced file handler would keep its file open
    console = logging.StreamHandler()
    console.setLevel((logging.WARNING, logging.INFO, logging.DEBUG)[min(verbosity, 2)])
    console.setFormatter(redact.RedactingFormatter("%(levelname)s %(name)s: %(message)s"))
    handlers: list[logging.Handler] = [console]
    path: Path | None = log_dir() / f"{APP_NAME}.log"
    try:
        assert path is not None
        path.parent.mkdir(parents=True, exist_ok=True)
        file_handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=1_000_000, backupCount=3, encoding="utf-8"
        )
        file_handler.setLevel(logging.DEBUG)
        file_handler.setFormatter(redact.RedactingFormatter(FORMAT))
        handlers.append(file_handler)
    except OSError:
        path = None
    for handler in handlers:
        handler._cognito_desktop = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    return path
