"""The composition root of the desktop app: the only place that wires things.

``main()`` shows the window first and loads the rest afterwards: Qt and this
module are all that is imported before the first paint; the auth core
(requests, Authlib, PyJWT, keyring) is imported by a worker that opens the
profile once the window is up.

``COGNITO_DESKTOP_PROBE`` (for benchmarks and packaged-build checks, never
needed by people) is :mod:`desktop_app.probe`'s.
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from desktop_app import APP_NAME, PROBE_ENV, config, logs, resources
from desktop_app.qt import collector
from desktop_app.ui import main_window

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
    return main_window.Opened(profile, current, has_stored=current.has_stored_session())


def _set_icon(app: QtWidgets.QApplication) -> None:
    # After the first paint (decoding it takes a few ms); the title bar and task bar
    # pick it up at once.
    app.setWindowIcon(QtGui.QIcon(str(resources.path(resources.APP_ICON))))


def _quit_on_interrupts(app: QtWidgets.QApplication) -> None:
    from desktop_app.qt import interrupt  # after the first paint: it needs `socket`

    interrupt.install(app)  # parented to the app, undone when it quits


def settings_file() -> Path:
    """Window state (geometry, last profile): never secrets."""
    import platformdirs

    return platformdirs.user_config_path(APP_NAME, appauthor=False) / "gui.ini"


def main(
    *, config_path: Path | None = None, profile_name: str | None = None, verbosity: int = 0
) -> int:
    """Run the desktop app until its window closes."""
    # Fractional scales (150%) stay crisp: Qt 6's default rounding policy (PassThrough),
    # so nothing is set (setting it touches a Qt-namespace enum before the first paint).
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
    assert isinstance(app, QtWidgets.QApplication)
    app.setApplicationName(APP_NAME)
    # No setApplicationDisplayName: on X11 and Windows Qt appends " — <display name>" to
    # every window and dialog title that does not end with it ("Cognito Desktop — local
    # — Cognito Desktop"); the window's own title names the app once.
    app.setDesktopFileName(APP_NAME)
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
    probe_name = os.environ.get(PROBE_ENV, "")
    if probe_name:
        from desktop_app import probe

        _keep = probe.install(window, probe_name)
    window.show()
    # After the first paint: Ctrl-C/SIGTERM quit through the event loop, and the
    # profile opens on a worker.
    window.start_after_first_paint(lambda: _quit_on_interrupts(app), lambda: _set_icon(app))
    code = app.exec()
    # Let background work finish its I/O (a keyring write) before the interpreter goes.
    QtCore.QThreadPool.globalInstance().waitForDone(5000)
    gc_guard.stop()
    return code
