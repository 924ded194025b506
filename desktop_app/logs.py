"""Logging for the app: a rotating file in the platform's log dir, redacted everywhere.

The log holds no secret (every line is redacted), but it does say who signed in to
which pool and when, so on POSIX it is kept from other local users: the directory is
0700 and every log file 0600, and wider modes found at start are tightened.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import platformdirs

from desktop_app import APP_NAME
from desktop_app.auth import redact

if TYPE_CHECKING:
    import logging.handlers

LOG_DIR_ENV = "COGNITO_DESKTOP_LOG_DIR"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
BACKUP_COUNT = 3
DIR_MODE = 0o700
FILE_MODE = 0o600
# Windows has no owner/group/other modes (os.chmod sets only the read-only flag); the
# per-user profile directory's ACL is what keeps the log private there.
_POSIX = os.name == "posix"


def log_dir() -> Path:
    """``$COGNITO_DESKTOP_LOG_DIR``, else the platform's user log directory."""
    override = os.environ.get(LOG_DIR_ENV)
    return Path(override) if override else platformdirs.user_log_path(APP_NAME, appauthor=False)


def setup(verbosity: int = 0) -> Path | None:
    """File log at DEBUG (rotating, 1 MB x 3) and stderr at WARNING/INFO/DEBUG.

    Every line passes through the redacting formatter, including urllib3's
    request lines and library debug output. On POSIX the log directory is made 0700
    and the log files (the current one and its backups) 0600, including ones an
    earlier version left wider; so ``$COGNITO_DESKTOP_LOG_DIR`` should name a directory
    for these logs alone. Returns the log file, or None if the directory cannot be
    written (the app still runs).
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
        _private_dir(path.parent)
        _tighten_files(path)
        file_handler = _private_handler_class()(
            path, maxBytes=1_000_000, backupCount=BACKUP_COUNT, encoding="utf-8"
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


def _private_dir(folder: Path) -> None:
    """Create ``folder`` (and its parents) and, on POSIX, make it 0700 if it is ours.

    A folder owned by someone else (``$COGNITO_DESKTOP_LOG_DIR=/tmp``) is left as it
    is: its mode is not ours to change, and the files made in it are 0600 anyway.
    """
    folder.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)  # the mode is umask-masked
    if _POSIX and folder.stat().st_uid == os.getuid():
        os.chmod(folder, DIR_MODE)  # also tightens a folder that already existed


def _tighten_files(path: Path) -> None:
    """On POSIX, make the existing log file and its backups 0600 (``OSError`` if one
    cannot be: then the app does not write to it)."""
    if not _POSIX:
        return
    for candidate in [path, *(Path(f"{path}.{n}") for n in range(1, BACKUP_COUNT + 1))]:
        try:
            os.chmod(candidate, FILE_MODE)
        except FileNotFoundError:
            continue


def _private_opener(name: str, flags: int) -> int:
    """``open``'s opener: a new file is created 0600 (POSIX; umask can only narrow it)."""
    return os.open(name, flags, FILE_MODE)


def _private_handler_class() -> type[logging.handlers.RotatingFileHandler]:
    """A RotatingFileHandler whose files, the first and each one after a rollover, are
    created 0600 rather than with the umask's default (often 0644)."""
    import logging.handlers

    class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
        def _open(self) -> Any:
            if not _POSIX:
                return super()._open()
            return open(  # the handler owns and closes the stream
                self.baseFilename,
                self.mode,
                encoding=self.encoding,
                errors=self.errors,
                opener=_private_opener,
            )

    return PrivateRotatingFileHandler
