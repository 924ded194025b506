"""desktop_app.ui.environments_dialog."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import shiboken6
from PySide6 import QtCore, QtWidgets
from pytestqt.qtbot import QtBot

from desktop_app import config
from desktop_app.auth import store
from desktop_app.ui import diagnostics_dialog, environments_dialog
from tests.unit.desktop_app.ui.conftest import TEAM, WORK, Asked


def list_names(dialog: environments_dialog.EnvironmentsDialog) -> list[str]:
    return [dialog.list.item(row).text() for row in range(dialog.list.count())]


def test_the_active_profile_is_shown_first(
    open_environments: Callable[..., environments_dialog.EnvironmentsDialog],
) -> None:
    dialog = open_environments("team")
    assert list_names(dialog) == ["work", "team"]
    assert dialog.list.currentRow() == 1
    assert dialog.form_table() == ("team", TEAM)
    assert not dialog.save_button.isEnabled()  # nothing changed yet
    assert dialog.use_button.isEnabled() and dialog.remove_button.isEnabled()


def test_an_invalid_redirect_uri_is_refused_naming_the_key(
    qtbot: QtBot,
    open_environments: Callable[..., environments_dialog.EnvironmentsDialog],
    config_path: Path,
) -> None:
    before = config_path.read_text(encoding="utf-8")
    dialog = open_environments()
    dialog.redirect_edit.setPlainText("https://example.com/callback")
    assert not dialog.error_label.isHidden()
    assert "profiles.work.redirect_uris" in dialog.error_label.text()
    assert not dialog.save_button.isEnabled()
    assert not dialog.test_button.isEnabled() and not dialog.use_button.isEnabled()
    qtbot.mouseClick(dialog.save_button, QtCore.Qt.MouseButton.LeftButton)
    dialog.save_button.click()
    assert not dialog.is_busy()
    assert config_path.read_text(encoding="utf-8") == before

    dialog.redirect_edit.setPlainText("http://127.0.0.1:53690/callback")
    assert dialog.error_label.isHidden() and dialog.save_button.isEnabled()


def test_a_new_profile_is_saved_and_load_reads_it_back(
    qtbot: QtBot,
    open_environments: Callable[..., environments_dialog.EnvironmentsDialog],
    config_path: Path,
) -> None:
    dialog = open_environments()
    qtbot.mouseClick(dialog.add_button, QtCore.Qt.MouseButton.LeftButton)
    assert dialog.form_table() == ("", {})
    dialog.name_edit.setText("staging")
    dialog.edits["user_pool_id"].setText("us-east-1_Stag1234")
    dialog.edits["domain"].setText("https://login.staging.example")
    dialog.edits["client_id"].setText("stagingclient")
    dialog.redirect_edit.setPlainText(
        "http://127.0.0.1:53682/callback/staging\n\n  http://127.0.0.1:53683/callback/staging  \n"
    )
    dialog.scopes_edit.setText("openid, email  aws.cognito.signin.user.admin")
    dialog.edits["api_url"].setText("https://api.staging.example")
    assert dialog.error_label.isHidden(), dialog.error_label.text()
    with qtbot.waitSignal(dialog.profilesChanged, timeout=5000):
        qtbot.mouseClick(dialog.save_button, QtCore.Qt.MouseButton.LeftButton)

    profiles = config.load(config_path)
    assert set(profiles) == {"work", "team", "staging"}
    staging = profiles["staging"]
    assert staging.issuer == "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Stag1234"
    assert staging.redirect_uris == (
        "http://127.0.0.1:53682/callback/staging",
        "http://127.0.0.1:53683/callback/staging",
    )
    assert staging.scopes == ("openid", "email", "aws.cognito.signin.user.admin")
    assert staging.api_url == "https://api.staging.example"
    assert profiles["work"] == config.parse_profile("work", WORK)
    assert list_names(dialog) == ["work", "team", "staging"]
    assert dialog.list.currentItem().text() == "staging"
    assert not dialog.save_button.isEnabled() and dialog.use_button.isEnabled()


def test_a_duplicate_name_is_refused(
    open_environments: Callable[..., environments_dialog.EnvironmentsDialog],
) -> None:
    dialog = open_environments()
    dialog.name_edit.setText("team")
    assert "team" in dialog.error_label.text() and not dialog.save_button.isEnabled()


def test_renaming_replaces_the_old_table(
    qtbot: QtBot,
    open_environments: Callable[..., environments_dialog.EnvironmentsDialog],
    config_path: Path,
) -> None:
    dialog = open_environments()
    dialog.name_edit.setText("work-eu")
    with qtbot.waitSignal(dialog.profilesChanged, timeout=5000):
        dialog.save_button.click()
    assert list(config.load(config_path)) == ["team", "work-eu"]


def test_remove_asks_then_removes(
    qtbot: QtBot,
    open_environments: Callable[..., environments_dialog.EnvironmentsDialog],
    config_path: Path,
    asked: Asked,
) -> None:
    dialog = open_environments()
    asked.answer = False
    dialog.remove_button.click()
    assert asked.questions and "work" in asked.questions[-1]
    assert not dialog.is_busy() and set(config.load(config_path)) == {"work", "team"}

    asked.answer = True
    with qtbot.waitSignal(dialog.profilesChanged, timeout=5000):
        qtbot.mouseClick(dialog.remove_button, QtCore.Qt.MouseButton.LeftButton)
    assert set(config.load(config_path)) == {"team"}
    assert list_names(dialog) == ["team"]
    assert dialog.form_table()[0] == "team"


def test_use_this_environment_emits_the_name(
    qtbot: QtBot, open_environments: Callable[..., environments_dialog.EnvironmentsDialog]
) -> None:
    dialog = open_environments()
    dialog.list.setCurrentRow(1)
    with qtbot.waitSignal(dialog.profileChosen, timeout=1000) as blocker:
        dialog.use_button.click()
    assert blocker.args == ["team"]
    assert dialog.result() == QtWidgets.QDialog.DialogCode.Accepted


def test_unsaved_edits_are_kept_unless_the_person_agrees(
    open_environments: Callable[..., environments_dialog.EnvironmentsDialog], asked: Asked
) -> None:
    dialog = open_environments()
    dialog.edits["client_id"].setText("edited")
    asked.answer = False
    dialog.list.setCurrentRow(1)
    assert dialog.list.currentRow() == 0 and dialog.edits["client_id"].text() == "edited"
    asked.answer = True
    dialog.list.setCurrentRow(1)
    assert dialog.form_table() == ("team", TEAM)


def test_a_broken_file_is_reported_and_not_overwritten(
    qtbot: QtBot, tmp_path: Path, asked: Asked
) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[profiles.work\n", encoding="utf-8")
    dialog = environments_dialog.EnvironmentsDialog(path, confirm=asked)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: not dialog.is_busy())
    assert "not valid TOML" in dialog.error_label.text()
    dialog.name_edit.setText("work")
    for key, value in WORK.items():
        if key == "redirect_uris":
            dialog.redirect_edit.setPlainText("http://127.0.0.1:53682/callback")
        else:
            dialog.edits[key].setText(str(value))
    dialog.save_button.click()
    qtbot.waitUntil(lambda: not dialog.is_busy())
    assert "not valid TOML" in dialog.error_label.text()
    assert path.read_text(encoding="utf-8") == "[profiles.work\n"


def test_every_control_is_named_and_reachable_by_keyboard(
    open_environments: Callable[..., environments_dialog.EnvironmentsDialog],
) -> None:
    dialog = open_environments()
    controls = dialog.findChildren(QtWidgets.QAbstractButton) + dialog.findChildren(
        QtWidgets.QLineEdit
    )
    controls += [dialog.list, dialog.redirect_edit]
    assert all(control.accessibleName() for control in controls)
    assert dialog.save_button.isDefault()
    # The tab chain runs list -> Add/Remove -> the form top to bottom -> the actions.
    chain: list[QtWidgets.QWidget] = []
    widget: QtWidgets.QWidget = dialog.list
    while widget not in chain:
        if widget.focusPolicy() & QtCore.Qt.FocusPolicy.TabFocus and widget.window() is dialog:
            chain.append(widget)
        widget = widget.nextInFocusChain()
    expected = [dialog.list, dialog.add_button, dialog.remove_button, dialog.name_edit]
    assert chain[:4] == expected
    form = [w for w in chain if isinstance(w, QtWidgets.QLineEdit | QtWidgets.QPlainTextEdit)]
    assert [w.accessibleName() for w in form][:8] == [
        "Name",
        "Region",
        "User pool ID",
        "Issuer (instead of a pool ID)",
        "Managed-login domain",
        "Client ID",
        "Redirect URIs (one per line)",
        "Scopes (space-separated)",
    ]
    assert chain[-4:] == [
        dialog.test_button,
        dialog.use_button,
        dialog.save_button,
        dialog.close_button,
    ]


@pytest.mark.parametrize("kind", ["environments", "diagnostics"])
def test_a_result_arriving_after_the_dialog_is_gone_is_dropped(
    qtbot: QtBot, config_path: Path, kind: str
) -> None:
    dialog: QtWidgets.QDialog
    if kind == "environments":
        dialog = environments_dialog.EnvironmentsDialog(config_path, confirm=Asked())
    else:
        dialog = diagnostics_dialog.DiagnosticsDialog(
            config_path, profile="team", store=store.MemoryStore()
        )
    tasks = list(dialog._tasks)
    assert tasks
    shiboken6.delete(dialog)  # gone before its background read reports back
    qtbot.waitUntil(lambda: all(task.is_done() for task in tasks))
    qtbot.wait(50)  # the queued callbacks run (and must do nothing) here
