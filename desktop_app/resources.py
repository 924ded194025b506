"""Where the app's ``resources/`` folder is: next to the package in a checkout, or in
the bundle of a packaged build. Standard library only (the bottom layer).

A PyInstaller build sets ``sys.frozen`` and unpacks (onefile) or keeps (onedir) its
data files under ``sys._MEIPASS``; ``packaging/pyinstaller.spec`` puts this folder
there as ``resources/``. Relying on ``__file__`` would happen to work with today's
PyInstaller, but that is an implementation detail of its importer.
"""

from __future__ import annotations

import sys
from pathlib import Path

#: The window and executable icon.
APP_ICON = "app-icon.png"
#: Files the app cannot work without; ``self-test`` checks every one is readable.
REQUIRED = ("callback_success.html", "callback_error.html", APP_ICON)


def bundle_dir() -> Path | None:
    """The packaged build's folder (``sys._MEIPASS``), or None when run from source."""
    if not getattr(sys, "frozen", False):
        return None
    meipass = getattr(sys, "_MEIPASS", None)
    return Path(meipass) if isinstance(meipass, str) else None


def is_frozen() -> bool:
    """True in a packaged (PyInstaller) build."""
    return bundle_dir() is not None


def directory() -> Path:
    """The ``resources/`` folder of this checkout or of this packaged build."""
    bundle = bundle_dir()
    if bundle is not None:
        return bundle / "resources"
    return Path(__file__).resolve().parents[1] / "resources"


def path(name: str) -> Path:
    """``name`` inside :func:`directory` (not checked for existence)."""
    return directory() / name
