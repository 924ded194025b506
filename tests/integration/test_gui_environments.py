"""The Environments dialog's "Test connection" against the stand-in over real HTTP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6 import QtCore
from pytestqt.qtbot import QtBot

from desktop_app import config_writer
from desktop_app.ui import environments_dialog
from local_cognito import server
from tests.support import app_env, loopback_probe

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("deferred_deletes")]


def open_dialog(
    qtbot: QtBot, tmp_path: Path, current: str, values: dict[str, Any]
) -> environments_dialog.EnvironmentsDialog:
    """The dialog over a config file holding one profile, ``current``, with ``values``."""
    path = tmp_path / "config.toml"
    config_writer.save(path, {current: values})
    dialog = environments_dialog.EnvironmentsDialog(path, current=current, confirm=lambda _: True)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: not dialog.is_busy(), timeout=5000)
    assert dialog.form_table()[0] == current
    assert dialog.test_button.isEnabled(), dialog.error_label.text()
    return dialog


def test_connection_succeeds_against_the_stand_in(
    qtbot: QtBot, tmp_path: Path, stand_in: server.LocalCognito
) -> None:
    dialog = open_dialog(qtbot, tmp_path, "local", app_env.profile_values(stand_in))
    qtbot.mouseClick(dialog.test_button, QtCore.Qt.MouseButton.LeftButton)
    assert "Testing" in dialog.test_label.text()
    assert not dialog.test_button.isEnabled()  # one test at a time
    qtbot.waitUntil(lambda: not dialog.is_busy(), timeout=15_000)
    text = dialog.test_label.text()
    assert text.startswith("Connected to "), text
    assert stand_in.info()["issuer"] in text and "signing key" in text
    # It names the addresses it contacted: the stand-in's host and port, twice.
    assert f"discovery at {stand_in.url}/" in text and f"signing key(s) at {stand_in.url}/" in text
    assert dialog.test_button.isEnabled()


def test_connection_fails_plainly_against_a_dead_port(
    qtbot: QtBot, tmp_path: Path, stand_in: server.LocalCognito
) -> None:
    port = loopback_probe.free_port()  # nothing listens there
    values = app_env.profile_values(stand_in)
    values["discovery_url"] = f"http://127.0.0.1:{port}/pool/.well-known/openid-configuration"
    dialog = open_dialog(qtbot, tmp_path, "offline", values)
    qtbot.mouseClick(dialog.test_button, QtCore.Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.is_busy(), timeout=15_000)
    assert dialog.test_label.text() == (
        f"Connection failed: Could not reach http://127.0.0.1:{port}"
        "/pool/.well-known/openid-configuration: ConnectionError"
    )


def test_an_edit_drops_a_result_that_no_longer_applies(
    qtbot: QtBot, tmp_path: Path, stand_in: server.LocalCognito
) -> None:
    dialog = open_dialog(qtbot, tmp_path, "local", app_env.profile_values(stand_in))
    dialog.test_button.click()
    dialog.edits["admin_group"].setText("Operators")  # the form changed mid-test
    assert dialog.test_label.text() == "" and not dialog.is_busy()
    qtbot.wait(200)
    assert dialog.test_label.text() == ""
    dialog.test_button.click()
    qtbot.waitUntil(lambda: dialog.test_label.text().startswith("Connected"), timeout=15_000)
