"""desktop_app.ui.about_dialog."""

from __future__ import annotations

from PySide6 import QtCore
from pytestqt.qtbot import QtBot

from desktop_app import diagnostics
from desktop_app.ui import about_dialog


def test_about_shows_version_commit_and_runtimes(qtbot: QtBot) -> None:
    dialog = about_dialog.AboutDialog(version="9.8.7", commit="abcdef123456")
    qtbot.addWidget(dialog)
    assert dialog.version_label.text() == "Version 9.8.7 (commit abcdef123456)"
    runtime = dialog.runtime_label.text()
    assert f"Qt {QtCore.qVersion()}" in runtime and "PySide6" in runtime and "Python 3." in runtime
    assert about_dialog.DOCS_URL in dialog.docs_label.text()


def test_about_defaults_to_the_installed_version(qtbot: QtBot) -> None:
    dialog = about_dialog.AboutDialog()
    qtbot.addWidget(dialog)
    version, _ = diagnostics.version_info()
    assert f"Version {version} " in dialog.version_label.text()
