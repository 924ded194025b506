"""``COGNITO_DESKTOP_PROBE``: timestamps for benchmarks and packaged-build checks.

Never needed by people. Each probe prints one line on stdout and quits the app:

* ``first-paint``: ``first-paint <time.monotonic()>`` when the window first paints;
* ``signed-in``: starts a sign-in as soon as the sign-in screen shows and, once signed
  in, prints ``signed-in maxrss_kib=<peak RSS>``;
* ``profile-painted``: with a stored session, prints ``profile-painted
  <time.monotonic()>`` at the first paint of the signed-in view's profile page after
  the silent restore; ``profile-painted-failed <reason>`` (and exit code 1) if the
  session could not be restored.
"""

from __future__ import annotations

import time

from PySide6 import QtCore, QtWidgets

from desktop_app import APP_NAME, PROBE_ENV
from desktop_app.ui import main_window

PROBES = ("first-paint", "signed-in", "profile-painted")


class FirstPaint(QtCore.QObject):
    """Prints ``<label> <time.monotonic()>`` at the watched widget's first paint, then quits."""

    def __init__(self, parent: QtCore.QObject, label: str = "first-paint") -> None:
        super().__init__(parent)
        self._label = label

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:  # noqa: N802
        if event.type() == QtCore.QEvent.Type.Paint:
            print(f"{self._label} {time.monotonic():.6f}", flush=True)
            watched.removeEventFilter(self)
            QtCore.QTimer.singleShot(0, QtWidgets.QApplication.quit)
        return False


def install(window: main_window.MainWindow, probe: str) -> QtCore.QObject | None:
    """Install ``probe`` on ``window`` (before it is shown); what must be kept alive."""
    if probe == "first-paint":
        spy = FirstPaint(window)
        window.installEventFilter(spy)
        return spy
    if probe == "signed-in":
        _install_signed_in(window)
        return None
    if probe == "profile-painted":
        _install_profile_painted(window)
        return None
    raise SystemExit(f"{APP_NAME}: unknown {PROBE_ENV}={probe!r} ({', '.join(PROBES)})")


def _install_signed_in(window: main_window.MainWindow) -> None:
    def sign_in_if_asked(*_args: object) -> None:
        # Queued: the window shows the sign-in screen after the signal's other slots.
        QtCore.QTimer.singleShot(0, click)

    def click() -> None:
        screen = window.sign_in_screen
        if window.stack.currentWidget() is screen and screen.sign_in_button.isEnabled():
            screen.sign_in_button.click()

    def on_ready() -> None:
        if window.bridge is None:
            return
        window.bridge.signedIn.connect(report)
        # A stored session that cannot be restored (revoked, another pool's) also
        # ends on the sign-in screen: sign in then too.
        window.bridge.sessionEnded.connect(sign_in_if_asked)
        click()

    def report(_identity: object) -> None:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
        print(f"signed-in maxrss_kib={peak}", flush=True)
        QtCore.QTimer.singleShot(0, QtWidgets.QApplication.quit)

    window.ready.connect(on_ready)


def _install_profile_painted(window: main_window.MainWindow) -> None:
    def failed(reason: str) -> None:
        print(f"profile-painted-failed {reason}", flush=True)
        QtCore.QTimer.singleShot(0, lambda: QtWidgets.QApplication.exit(1))

    def on_signed_in(_identity: object) -> None:
        # Connected after the window's own slot: the signed-in view exists now.
        view = window.signed_in_view
        if view is None:
            failed("signed in, but no signed-in view")
            return
        spy = FirstPaint(view.profile, "profile-painted")
        view.profile.installEventFilter(spy)

    def on_ready() -> None:
        bridge = window.bridge
        if bridge is None:
            failed("the profile did not open")
            return
        bridge.signedIn.connect(on_signed_in)
        bridge.sessionEnded.connect(lambda *_: failed("the stored session ended"))
        bridge.signInFailed.connect(lambda *_: failed("the stored session was not restored"))
        if window.stack.currentWidget() is window.sign_in_screen:
            failed("no stored session to restore")

    window.ready.connect(on_ready)
