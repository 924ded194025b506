"""The floor for start-up: a bare PySide6 QMainWindow hello-world.

Prints ``first-paint <time.monotonic()>`` on the window's first paint and quits,
exactly as ``COGNITO_DESKTOP_PROBE=first-paint`` makes the app do; with
``signed-in`` (no sign-in here) it prints its peak RSS once painted, for context.
"""

from __future__ import annotations

import os
import resource
import sys
import time

from PySide6 import QtCore, QtWidgets


class _FirstPaint(QtCore.QObject):
    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if event.type() == QtCore.QEvent.Type.Paint:
            print(f"first-paint {time.monotonic():.6f}", flush=True)
            if os.environ.get("COGNITO_DESKTOP_PROBE") == "signed-in":
                peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                print(f"signed-in maxrss_kib={peak}", flush=True)
            watched.removeEventFilter(self)
            QtCore.QTimer.singleShot(0, QtWidgets.QApplication.quit)
        return False


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
