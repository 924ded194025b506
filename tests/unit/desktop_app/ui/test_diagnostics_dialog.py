"""desktop_app.ui.diagnostics_dialog."""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtCore, QtGui
from pytestqt.qtbot import QtBot

from desktop_app import config
from desktop_app.auth import store
from desktop_app.ui import diagnostics_dialog
from tests.support.http_server import closed_port
from tests.unit.desktop_app.ui.conftest import WORK


def test_diagnostics_shows_and_copies_a_redacted_report(qtbot: QtBot, tmp_path: Path) -> None:
    port = closed_port()
    live = config.parse_profile(
        "work",
        {**WORK, "discovery_url": f"http://127.0.0.1:{port}/.well-known/openid-configuration"},
    )
    path = tmp_path / "config.toml"
    # A bad value whose error message quotes an email address.
    path.write_text(
        '[profiles.work]\nclient_id = "x"\nredirect_uris = ["http://jane.doe@example.com:1/cb"]\n'
        'user_pool_id = "eu-west-2_AbC123xyz"\ndomain = "https://auth.example.com"\n',
        encoding="utf-8",
    )
    log_dir = tmp_path / "jane.doe@example.com" / "logs"
    opened: list[QtCore.QUrl] = []

    def open_url(url: QtCore.QUrl) -> bool:
        opened.append(url)
        return False

    dialog = diagnostics_dialog.DiagnosticsDialog(
        path,
        profile=live,
        store=store.MemoryStore(),
        log_dir=log_dir,
        open_url=open_url,
    )
    qtbot.addWidget(dialog)
    assert not dialog.copy_button.isEnabled()  # nothing gathered yet
    qtbot.waitUntil(lambda: "Discovery: FAILED" in dialog.text.toPlainText(), timeout=10_000)
    shown = dialog.text.toPlainText()
    assert f"cannot reach http://127.0.0.1:{port}" in shown
    assert "profiles.work.redirect_uris" in shown  # the config problem, named

    qtbot.mouseClick(dialog.copy_button, QtCore.Qt.MouseButton.LeftButton)
    copied = QtGui.QGuiApplication.clipboard().text()
    assert copied == shown == dialog.copy_text()
    assert "jane.doe" not in copied and "@" not in copied and "[email]" in copied
    assert "workclient" in copied and "Qt: " in copied and "platform plugin: offscreen" in copied

    dialog.log_button.click()
    assert opened == [QtCore.QUrl.fromLocalFile(str(log_dir))]
    assert "Could not open the log folder" in dialog.status.text()
    assert dialog.status.is_error
    assert dialog.copy_button.isDefault() and dialog.text.isReadOnly()


def test_diagnostics_without_a_profile_does_not_check(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = diagnostics_dialog.DiagnosticsDialog(
        tmp_path / "missing.toml", profile="work", store=store.MemoryStore()
    )
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.report is not None and not dialog.is_busy())
    assert "Discovery: no profile to check" in dialog.text.toPlainText()
    assert "(missing)" in dialog.text.toPlainText()
