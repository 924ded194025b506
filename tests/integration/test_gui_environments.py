"""The Environments dialog's "Test connection" against the stand-in over real HTTP."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6 import QtCore
from pytestqt.qtbot import QtBot

from desktop_app import config_writer
from desktop_app.auth import discovery
from desktop_app.ui import environments_dialog
from local_cognito import profile as local_profile
from local_cognito import server

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def _fresh_discovery() -> Iterator[None]:
    discovery.clear_cache()
    yield
    discovery.clear_cache()


@pytest.fixture(autouse=True)
def _delete_dialogs_here(qtbot: QtBot) -> Iterator[None]:
    """Delete the closed dialogs on the GUI thread, not in a collector run on a worker."""
    yield
    QtCore.QCoreApplication.sendPostedEvents(None, QtCore.QEvent.Type.DeferredDelete)


def dead_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def open_dialog(qtbot: QtBot, path: Path, current: str) -> environments_dialog.EnvironmentsDialog:
    dialog = environments_dialog.EnvironmentsDialog(path, current=current, confirm=lambda _: True)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: not dialog.is_busy(), timeout=5000)
    assert dialog.form_table()[0] == current
    assert dialog.test_button.isEnabled(), dialog.error_label.text()
    return dialog


def test_connection_succeeds_against_the_stand_in(
    qtbot: QtBot, tmp_path: Path, stand_in: server.LocalCognito
) -> None:
    path = tmp_path / "config.toml"
    config_writer.save(path, {"local": local_profile.profile_values(stand_in.info())})
    dialog = open_dialog(qtbot, path, "local")
    qtbot.mouseClick(dialog.test_button, QtCore.Qt.MouseButton.LeftButton)
    assert "Testing" in dialog.test_label.text()
    assert not dialog.test_button.isEnabled()  # one test at a time
    qtbot.waitUntil(lambda: not dialog.is_busy(), timeout=15_000)
    text = dialog.test_label.text()
    assert text.startswith("Connected to "), text
    assert stand_in.info()["issuer"] in text and "signing key" in text
    assert dialog.test_button.isEnabled()


def test_connection_fails_plainly_against_a_dead_port(
    qtbot: QtBot, tmp_path: Path, stand_in: server.LocalCognito
) -> None:
    port = dead_port()
    values: dict[str, Any] = local_profile.profile_values(stand_in.info())
    values["discovery_url"] = f"http://127.0.0.1:{port}/pool/.well-known/openid-configuration"
    path = tmp_path / "config.toml"
    config_writer.save(path, {"offline": values})
    dialog = open_dialog(qtbot, path, "offline")
    qtbot.mouseClick(dialog.test_button, QtCore.Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.is_busy(), timeout=15_000)
    assert dialog.test_label.text() == (
        f"Connection failed: Cannot reach http://127.0.0.1:{port}"
        "/pool/.well-known/openid-configuration (ConnectionError)"
    )


def test_an_edit_drops_a_result_that_no_longer_applies(
    qtbot: QtBot, tmp_path: Path, stand_in: server.LocalCognito
) -> None:
    path = tmp_path / "config.toml"
    config_writer.save(path, {"local": local_profile.profile_values(stand_in.info())})
    dialog = open_dialog(qtbot, path, "local")
    dialog.test_button.click()
    dialog.edits["admin_group"].setText("Operators")  # the form changed mid-test
    assert dialog.test_label.text() == "" and not dialog.is_busy()
    qtbot.wait(200)
    assert dialog.test_label.text() == ""
    dialog.test_button.click()
    qtbot.waitUntil(lambda: dialog.test_label.text().startswith("Connected"), timeout=15_000)
