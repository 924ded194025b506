"""The full export and import dialog: export with progress and Cancel (nothing left
behind), import with a preview, the invitation choice, a confirmation naming how many
users and groups, progress, Cancel and one result row per user; Enter takes each step,
Escape while running cancels and keeps the dialog."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PySide6 import QtCore, QtWidgets
from pytestqt.qtbot import QtBot

from desktop_app import errors
from desktop_app.admin import migration
from desktop_app.admin import migration_files as files
from desktop_app.admin import migration_import as importing
from desktop_app.ui.admin import migration_dialog
from tests.support.bridges import ThreadedBridge
from tests.support.migration_api import COLUMNS, PAGE, FakePoolApi

LEFT = QtCore.Qt.MouseButton.LeftButton
ENTER = QtCore.Qt.Key.Key_Return
WAIT_MS = 10_000


def row(i: int) -> list[str]:
    return [f"User {i}", "", "", f"u{i:05d}@example.com", "TRUE", "", "", "FALSE", f"u{i:05d}"]


def pool(users: int = 3) -> FakePoolApi:
    api = FakePoolApi()
    for i in range(users):
        api.add_user(f"u{i:05d}", email=f"u{i:05d}@example.com", name=f"User {i}")
    api.add_group("Admin", "Administrators", 0)
    api.add_group("Team", "The team", None)
    api.add_member("Admin", "u00000")
    api.add_member("Team", "u00001")
    return api


def open_dialog(
    qtbot: QtBot, api: FakePoolApi, chosen: str = ""
) -> tuple[migration_dialog.MigrationDialog, ThreadedBridge]:
    bridge = ThreadedBridge(api)
    dialog = migration_dialog.MigrationDialog(
        bridge,
        choose_folder=lambda _parent, _caption: chosen,
    )
    qtbot.addWidget(dialog)
    dialog.open()
    return dialog, bridge


def export_folder(tmp_path: Path, api: FakePoolApi) -> Path:
    folder = tmp_path / "export"
    folder.mkdir()
    migration.export_pool(api, folder)
    return folder


# -- export ---------------------------------------------------------------------------------


def test_export_to_a_chosen_folder_with_progress(qtbot: QtBot, tmp_path: Path) -> None:
    dialog, _bridge = open_dialog(qtbot, FakePoolApi(lazy_users=(130, row)), str(tmp_path))
    tab = dialog.export_tab
    assert not tab.start_button.isEnabled()  # no folder yet
    qtbot.mouseClick(tab.folder.choose_button, LEFT)
    assert tab.folder.path == str(tmp_path)
    assert tab.start_button.isDefault()  # Enter exports
    seen: list[int] = []
    tab.bar.valueChanged.connect(seen.append)
    with qtbot.waitSignal(tab.runningChanged, timeout=WAIT_MS) as started:
        qtbot.keyClick(tab.folder.edit, ENTER)
    assert started.args == [True]
    qtbot.waitUntil(lambda: not tab.running, timeout=WAIT_MS)
    assert tab.status.text() == f"Exported 130 users, 0 groups and 0 memberships to {tmp_path}."
    assert {60, 120, 130} <= set(seen)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(files.ALL_FILES)
    assert tab.result == migration.ExportResult(tmp_path, 130, 0, 0)


def test_export_says_it_replaces_the_files_already_there(qtbot: QtBot, tmp_path: Path) -> None:
    (tmp_path / files.USERS_FILE).write_text("old", encoding="utf-8")
    dialog, _bridge = open_dialog(qtbot, pool())
    tab = dialog.export_tab
    tab.folder.edit.setText(str(tmp_path))
    assert tab.warning.isVisibleTo(tab)
    assert tab.warning.text() == "This folder already holds users.csv: the export replaces them."
    assert tab.start_button.text() == "Replace and export"
    qtbot.mouseClick(tab.start_button, LEFT)
    qtbot.waitUntil(lambda: not tab.running, timeout=WAIT_MS)
    assert (tmp_path / files.USERS_FILE).read_text(encoding="utf-8").startswith("name,")


def test_cancel_stops_the_export_and_removes_its_files(qtbot: QtBot, tmp_path: Path) -> None:
    api = FakePoolApi(lazy_users=(20 * PAGE, row))
    second_page = threading.Event()
    release = threading.Event()
    pages = [0]

    def hold(_method: str, path: str) -> None:
        if path == "/admin/export/users":
            pages[0] += 1
            if pages[0] == 2:
                second_page.set()
                release.wait(5)

    api.on_request = hold
    dialog, _bridge = open_dialog(qtbot, api)
    tab = dialog.export_tab
    tab.folder.edit.setText(str(tmp_path))
    qtbot.mouseClick(tab.start_button, LEFT)
    assert second_page.wait(5)
    qtbot.keyClick(dialog, QtCore.Qt.Key.Key_Escape)  # Escape while running: cancel, stay
    assert dialog.isVisible()
    assert tab.status.text() == "Cancelling\N{HORIZONTAL ELLIPSIS}"
    release.set()
    qtbot.waitUntil(lambda: not tab.running, timeout=WAIT_MS)
    assert tab.status.text() == "Export cancelled: no file was written."
    assert pages[0] == 2
    assert list(tmp_path.iterdir()) == []
    dialog.reject()  # finished: now it closes
    assert not dialog.isVisible()


def test_an_export_that_fails_says_why(qtbot: QtBot, tmp_path: Path) -> None:
    api = pool()

    def refuse(_method: str, path: str) -> None:
        if path == "/admin/export/users":
            raise errors.NetworkError("connection refused")

    api.on_request = refuse
    dialog, _bridge = open_dialog(qtbot, api)
    tab = dialog.export_tab
    tab.folder.edit.setText(str(tmp_path))
    qtbot.mouseClick(tab.start_button, LEFT)
    qtbot.waitUntil(lambda: not tab.running, timeout=WAIT_MS)
    assert tab.status.text() == (
        "The API could not be reached. Check the connection and try again."
    )
    assert list(tmp_path.iterdir()) == []


# -- import ---------------------------------------------------------------------------------


def read(qtbot: QtBot, dialog: migration_dialog.MigrationDialog, folder: Path) -> None:
    tab = dialog.import_tab
    dialog.tabs.setCurrentWidget(tab)
    tab.folder.edit.setText(str(folder))
    qtbot.mouseClick(tab.read_button, LEFT)
    qtbot.waitUntil(lambda: tab.preview is not None, timeout=WAIT_MS)


def test_import_previews_asks_then_creates_with_one_row_per_result(
    qtbot: QtBot, tmp_path: Path
) -> None:
    folder = export_folder(tmp_path, pool(3))
    target = FakePoolApi([c for c in COLUMNS if c != "custom:department"])
    dialog, _bridge = open_dialog(qtbot, target)
    tab = dialog.import_tab
    read(qtbot, dialog, folder)
    assert tab.preview_summary.text() == (
        "3 users in users.csv; 2 groups and 2 memberships in groups.csv.\n"
        "Ignored column (not attributes of this pool): custom:department."
    )
    assert tab.preview_table.rowCount() == 3
    first = tab.preview_table.item(0, 0)
    assert first is not None and first.text() == "u00000"
    assert [m for m, _p, _b in target.requests] == ["GET"]  # read only
    assert not tab.import_button.isEnabled()  # the invitation choice comes first
    tab.invite_choice.setChecked(True)
    assert tab.import_button.isEnabled() and tab.import_button.isDefault()

    qtbot.mouseClick(tab.import_button, LEFT)
    assert tab.pages.currentIndex() == 1
    assert tab.question.text() == (
        "Create 3 users and 2 groups in this pool?\n"
        "Users and groups that already exist are left as they are.\n"
        "Each new user is emailed an invitation with a temporary password.\n"
        "1 user will be added to the admin group."
    )
    assert tab.confirm_button.text() == "Create 3 users"
    assert tab.confirm_button.isDefault()  # Enter confirms
    assert not any(p == "/admin/import/users" for _m, p, _b in target.requests)

    with qtbot.waitSignal(dialog.imported, timeout=WAIT_MS) as imported:
        qtbot.keyClick(dialog, ENTER)
    assert imported.args == [3]
    assert tab.status.text() == (
        "Users: 3 created, 0 already there, 0 failed.\n"
        "Memberships: 2 added, 0 already there, 0 failed."
    )
    model = tab.results
    assert model.rowCount() == 5
    assert [model.text(o, 4) for o in model.outcomes] == ["Created"] * 3 + ["Added"] * 2
    assert [model.text(o, 0) for o in model.outcomes] == ["users.csv"] * 3 + ["groups.csv"] * 2
    assert sorted(target.users) == ["u00000", "u00001", "u00002"]
    assert [b["message_action"] for _m, p, b in target.requests if p == "/admin/import/users"] == [
        "INVITE"
    ]


def test_the_confirmation_for_suppressed_messages_says_how_to_invite_later(
    qtbot: QtBot, tmp_path: Path
) -> None:
    folder = export_folder(tmp_path, pool(1))
    dialog, _bridge = open_dialog(qtbot, FakePoolApi())
    tab = dialog.import_tab
    read(qtbot, dialog, folder)
    tab.suppress_choice.setChecked(True)
    tab.ask()
    assert "No message is sent: invite the users later with Resend invitation." in (
        tab.question.text()
    )
    assert tab.confirm_button.text() == "Create 1 user"
    qtbot.mouseClick(tab.back_button, LEFT)
    assert tab.pages.currentIndex() == 0


def test_a_folder_that_is_not_an_export_is_named_in_the_preview(
    qtbot: QtBot, tmp_path: Path
) -> None:
    dialog, _bridge = open_dialog(qtbot, FakePoolApi(), chosen=str(tmp_path))
    tab = dialog.import_tab
    dialog.tabs.setCurrentWidget(tab)
    qtbot.mouseClick(tab.folder.choose_button, LEFT)  # choosing reads the folder
    qtbot.waitUntil(lambda: "no users.csv" in tab.preview_summary.text(), timeout=WAIT_MS)
    assert tab.preview_summary.text() == (
        "the folder has no users.csv; choose the folder of an export"
    )
    assert tab.preview is None and not tab.import_button.isEnabled()


def test_cancel_an_import_keeps_the_dialog_and_counts_what_was_not_sent(
    qtbot: QtBot, tmp_path: Path
) -> None:
    folder = export_folder(tmp_path, pool(120))
    target = FakePoolApi()
    in_second = threading.Event()
    release = threading.Event()

    def hold(_method: str, path: str) -> None:
        if path == "/admin/import/users" and target.import_calls == 1:
            in_second.set()
            release.wait(5)

    target.on_request = hold
    dialog, _bridge = open_dialog(qtbot, target)
    tab = dialog.import_tab
    read(qtbot, dialog, folder)
    tab.suppress_choice.setChecked(True)
    tab.ask()
    qtbot.mouseClick(tab.confirm_button, LEFT)
    assert in_second.wait(5)
    assert not dialog.tabs.isTabEnabled(0)  # no export while an import runs
    dialog.reject()
    assert dialog.isVisible()
    release.set()
    qtbot.waitUntil(lambda: not tab.running, timeout=WAIT_MS)
    assert tab.summary is not None and tab.summary.cancelled
    assert tab.status.text().splitlines()[0] == "Users: 100 created, 0 already there, 0 failed."
    assert "Cancelled: 22 rows not sent." in tab.status.text()  # 20 users, 2 memberships
    assert "Importing the same folder again is safe" in tab.status.text()
    assert len(target.users) == 100
    assert dialog.tabs.isTabEnabled(0)


def test_a_failed_row_is_shown_failed_with_its_reason(qtbot: QtBot, tmp_path: Path) -> None:
    source = FakePoolApi()
    source.add_user("ann", email="ann@example.com")
    source.add_user("bad-bob", email="bob@example.com")
    folder = export_folder(tmp_path, source)
    dialog, _bridge = open_dialog(qtbot, FakePoolApi())
    tab = dialog.import_tab
    read(qtbot, dialog, folder)
    tab.invite_choice.setChecked(True)
    tab.ask()
    qtbot.mouseClick(tab.confirm_button, LEFT)
    qtbot.waitUntil(lambda: not tab.running and tab.summary is not None, timeout=WAIT_MS)
    model = tab.results
    failed = [o for o in model.outcomes if o.status is importing.Status.FAILED]
    assert [(o.username, model.text(o, 4), model.text(o, 5)) for o in failed] == [
        ("bad-bob", "Failed", "email is not a valid email address")
    ]
    index = model.index(model.outcomes.index(failed[0]), 2)
    assert model.data(index, QtCore.Qt.ItemDataRole.ForegroundRole) is not None
    assert tab.status.text().startswith("Users: 1 created, 0 already there, 1 failed.")


@pytest.mark.parametrize("button", ["again_button", "cancel_button"])
def test_run_page_buttons_are_never_the_default(qtbot: QtBot, tmp_path: Path, button: str) -> None:
    dialog, _bridge = open_dialog(qtbot, FakePoolApi())
    dialog.tabs.setCurrentWidget(dialog.import_tab)
    widget = getattr(dialog.import_tab, button)
    assert isinstance(widget, QtWidgets.QPushButton)
    assert not widget.isDefault() and not widget.autoDefault()
    assert not dialog.close_button.isDefault()
