"""The floor for start-up: a bare PySide6 QMainWindow hello-world.

Prints ``first-paint <time.monotonic()>`` on the window's first paint and quits,
exactly as ``COGNITO_DESKTOP_PROBE=first-paint`` makes the app do; with
``signed-in`` (no sign-in here) it prints its peak RSS once painted, for context.

With ``profile-painted`` (the floor of ``bench.stored_session_start``) it does, after
its first paint and in the same process, what restoring a stored session needs at the
least: one keyring read (``$BENCH_KEYRING_SERVICE`` / ``$BENCH_KEYRING_USERNAME``,
through the backend the app uses for the Secret Service) and one refresh-token POST
(``requests``, to ``$BENCH_TOKEN_ENDPOINT`` for ``$BENCH_CLIENT_ID``), then prints
``profile-painted <time.monotonic()>`` and quits; ``profile-painted-failed`` and exit
code 1 if either fails.
"""

from __future__ import annotations

import os
import resource
import sys
import time
from typing import Any

from PySide6 import QtCore, QtWidgets


class _FirstPaint(QtCore.QObject):
    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if event.type() == QtCore.QEvent.Type.Paint:
            print(f"first-paint {time.monotonic():.6f}", flush=True)
            if os.environ.get("COGNITO_DESKTOP_PROBE") == "signed-in":
                peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                print(f"signed-in maxrss_kib={peak}", flush=True)
            watched.removeEventFilter(self)
            if os.environ.get("COGNITO_DESKTOP_PROBE") == "profile-painted":
                QtCore.QTimer.singleShot(0, _restore_floor)
            else:
                QtCore.QTimer.singleShot(0, QtWidgets.QApplication.quit)
        return False


def _restore_floor() -> None:
    """One keyring read and one refresh POST, imported and done after the first paint."""
    import importlib
    import json

    # By name: PyInstaller must not pull requests or the app into the bare bundle
    # (bench.bundle builds this file with every default).
    requests: Any = importlib.import_module("requests")
    secret_service: Any = importlib.import_module("desktop_app.auth.secret_service")
    try:
        stored = secret_service.KeptConnectionKeyring().get_password(
            os.environ["BENCH_KEYRING_SERVICE"], os.environ["BENCH_KEYRING_USERNAME"]
        )
        if stored is None:
            raise RuntimeError("no stored session")
        response = requests.post(
            os.environ["BENCH_TOKEN_ENDPOINT"],
            data={
                "grant_type": "refresh_token",
                "client_id": os.environ["BENCH_CLIENT_ID"],
                "refresh_token": json.loads(stored)["refresh_token"],
            },
            timeout=10,
        )
        response.raise_for_status()
        if not response.json().get("id_token"):
            raise RuntimeError("no ID token")
    except Exception as exc:
        print(f"profile-painted-failed {type(exc).__name__}", flush=True)
        QtWidgets.QApplication.exit(1)
        return
    print(f"profile-painted {time.monotonic():.6f}", flush=True)
    QtWidgets.QApplication.quit()


def main() -> int:
    app = QtWidgets.QApplication(sys.argv[:1])
    window = QtWidgets.QMainWindow()
    window.setWindowTitle("Hello")
    window.setCentralWidget(QtWidgets.QLabel("Hello, world"))
    window.resize(960, 640)
    spy = _FirstPaint(window)
    window.installEventFilter(spy)
    window.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
