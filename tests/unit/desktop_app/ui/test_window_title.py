"""The window's title names the app and the environment once, as the platform shows it.

On X11 and Windows Qt appends " \N{EM DASH} <display name>" to every window title that
does not already end with an explicitly set application display name, so setting one
turned "Cognito Desktop \N{EM DASH} local" into "... \N{EM DASH} local \N{EM DASH} Cognito Desktop".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6 import QtGui, QtWidgets

from desktop_app import APP_TITLE, app
from desktop_app.ui import main_window


def shown_title(title: str, display_name: str | None) -> str:
    """What QPlatformWindow::formatWindowTitle makes of ``title`` (qplatformwindow.cpp)."""
    if display_name and not title.endswith(display_name):
        return f"{title} \N{EM DASH} {display_name}" if title else display_name
    return title


def test_main_sets_no_display_name_that_qt_would_append(
    qapp: QtWidgets.QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, Any] = {}

    def run_loop() -> int:
        windows = [w for w in qapp.topLevelWidgets() if isinstance(w, main_window.MainWindow)]
        seen["titles"] = [w.windowTitle() for w in windows]
        seen["display"] = QtGui.QGuiApplication.applicationDisplayName()
        seen["name"] = QtGui.QGuiApplication.applicationName()
        for window in windows:
            window.close()
            window.deleteLater()
        return 0

    before = (qapp.applicationName(), qapp.desktopFileName(), qapp.applicationDisplayName())
    monkeypatch.setattr(app, "settings_file", lambda: tmp_path / "gui.ini")
    monkeypatch.setattr(main_window.MainWindow, "start", lambda self: None)
    monkeypatch.setattr(qapp, "exec", run_loop)
    try:
        assert app.main(config_path=tmp_path / "config.toml") == 0
    finally:
        qapp.setApplicationName(before[0])
        qapp.setDesktopFileName(before[1])
    assert seen["titles"] == [APP_TITLE]
    # Unset, the display name is the application name, which Qt does not append.
    assert seen["display"] == seen["name"] != APP_TITLE
    profile_title = f"{APP_TITLE} \N{EM DASH} local"
    explicit = None if seen["display"] == seen["name"] else seen["display"]
    assert shown_title(profile_title, explicit) == profile_title
    assert shown_title(profile_title, APP_TITLE) != profile_title  # what the test guards


def test_the_title_names_the_environment_once(qtbot: Any) -> None:
    from desktop_app import config
    from desktop_app.auth import session, store

    profile = config.parse_profile(
        "local",
        {
            "user_pool_id": "eu-west-2_AbC123xyz",
            "domain": "https://auth.example.com",
            "client_id": "c",
            "redirect_uris": ["http://127.0.0.1:53682/callback"],
        },
    )

    def open_profile(_name: str | None) -> main_window.Opened:
        current = session.Session(profile, token_store=store.MemoryStore(warning=None))
        return main_window.Opened(profile, current, has_stored=False)

    window = main_window.MainWindow(open_profile)
    qtbot.addWidget(window)
    assert window.windowTitle() == APP_TITLE
    with qtbot.waitSignal(window.ready, timeout=5000):
        window.start()
    assert window.windowTitle() == f"{APP_TITLE} \N{EM DASH} local"
    assert window.windowTitle().count(APP_TITLE) == 1
