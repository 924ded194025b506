"""The composition root of the desktop app: the only place that wires things.

``main()`` shows the window first and loads the rest afterwards: Qt and this
module are all that is imported before the first paint; the auth core
(requests, Authlib, PyJWT, keyring) is imported by a worker that opens the
profile once the window is up.

``COGNITO_DESKTOP_PROBE`` (for benchmarks and packaged-build checks, never
needed by people): ``first-paint`` prints ``first-paint <time.monotonic()>``
when the window first paints, then quits; ``signed-in`` starts a sign-in as
soon as the sign-in screen shows and, once signed in, prints
``signed-in maxrss_kib=<peak RSS>`` and quits.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from desktop_app import APP_NAME, APP_TITLE, config, logs, resources
from desktop_app.qt import collector
from desktop_app.ui import main_window

PROBE_ENV = "COGNITO_DESKTOP_PROBE"
_logging_ready = threading.Event()


def open_profile(config_path: Path, name: str | None, verbosity: int = 0) -> main_window.Opened:
    """Load ``name`` (or the default) and build its session; runs in a worker."""
    if not _logging_ready.is_set():
        logs.setup(verbosity)  # after the first paint: opening the log file is I/O
        _logging_ready.set()
    from desktop_app.auth import http, session, store

    profile = config.load_profile(config_path, name or config.DEFAULT_PROFILE)
    token_store = store.open_store(profile.name)
    proxies = {"http": profile.proxy, "https": profile.proxy} if profile.proxy else None
    current = session.Session(
        profile,
        token_store=token_store,
        http_session=http.new_session(ca_bundle=profile.ca_bundle, proxies=proxies),
    )
    return main_window.Opened(profile, current, has_stored=token_store.load() is not None)


def settings_file() -> Path:
    """Window state (geometry, last profile): never secrets."""
    import platformdirs

    return platformdirs.user_config_path(APP_NAME, appauthor=False) / "gui.ini"


class _FirstPaint(QtCore.QObject):
    """Reports the window's first paint (``first-paint`` probe)."""

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if event.type() == QtCore.QEvent.Type.Paint:
            print(f"first-paint {time.monotonic():.6f}", flush=True)
            watched.removeEventFilter(self)
            QtCore.QTimer.singleShot(0, QtWidgets.QApplication.quit)
        return False


def _install_probe(window: main_window.MainWindow, probe: str) -> QtCore.QObject | None:
    if probe == "first-paint":
        spy = _FirstPaint(window)
        window.installEventFilter(spy)
        return spy
    if probe == "signed-in":

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
        return None
    raise SystemExit(f"{APP_NAME}: unknown {PROBE_ENV}={probe!r} (first-paint, signed-in)")


def main(
    *, config_path: Path | None = None, profile_name: str | None = None, verbosity: int = 0
) -> int:
    """Run the desktop app until its window closes."""
    if QtWidgets.QApplication.instance() is None:
        # Before the application exists: fractional scales (150%) stay crisp.
        QtGui.QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
            QtCore.Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
        )
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
    assert isinstance(app, QtWidgets.QApplication)
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_TITLE)
    app.setDesktopFileName(APP_NAME)
    app.setWindowIcon(QtGui.QIcon(str(resources.path(resources.APP_ICON))))
    gc_guard = collector.GuiThreadCollector(app)
    path = config_path or config.resolve_path(None)
    settings = QtCore.QSettings(str(settings_file()), QtCore.QSettings.Format.IniFormat)
    remembered = settings.value("profile")
    window = main_window.MainWindow(
        lambda name: open_profile(path, name, verbosity),
        profile_name=profile_name or (remembered if isinstance(remembered, str) else None),
        settings=settings,
        log_dir=logs.log_dir(),
        config_path=path,
    )
    probe = os.environ.get(PROBE_ENV, "")
    _keep = _install_probe(window, probe) if probe else None
    window.show()
    QtCore.QTimer.singleShot(0, window.start)
    code = app.exec()
    # Let background work finish its I/O (a keyring write) before the interpreter goes.
    QtCore.QThreadPool.globalInstance().waitForDone(5000)
    gc_guard.stop()
    return code
