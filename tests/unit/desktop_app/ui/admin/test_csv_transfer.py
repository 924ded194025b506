"""CSV in and out of the Users tab: the template saved and importable, the export read
back through the import's preview unchanged with a note on the columns it ignored, and
the full export and import opened from here."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from PySide6 import QtCore, QtWidgets
from pytestqt.qtbot import QtBot

from desktop_app.admin import invites
from desktop_app.api import admin
from desktop_app.ui.admin import csv_transfer, migration_dialog
from tests.support.bridges import ThreadedBridge

LEFT = QtCore.Qt.MouseButton.LeftButton
WAIT_MS = 5_000


class Files:
    """The file choosers, answering what the test set (empty: the admin cancelled)."""

    def __init__(self) -> None:
        self.open_path = ""
        self.save_path = ""
        self.asked: list[str] = []

    def open_file(self, _parent: QtWidgets.QWidget, caption: str, _filters: str) -> str:
        self.asked.append(caption)
        return self.open_path

    def save_file(self, _parent: QtWidgets.QWidget, caption: str, _filters: str) -> str:
        self.asked.append(caption)
        return self.save_path


@pytest.fixture
def files() -> Files:
    return Files()


@pytest.fixture
def transfer(qtbot: QtBot, threaded: ThreadedBridge, files: Files) -> csv_transfer.CsvTransfer:
    window = QtWidgets.QWidget()
    qtbot.addWidget(window)
    return csv_transfer.CsvTransfer(
        threaded,  # type: ignore[arg-type]
        window,
        choose_open_file=files.open_file,
        choose_save_file=files.save_file,
    )


def user(username: str, email: str, name: str | None) -> admin.User:
    when = datetime.datetime(2026, 2, 3, 4, 5, 6, tzinfo=datetime.UTC)
    return admin.User(username, f"sub-{username}", email, name, "CONFIRMED", True, when, when)


def test_the_template_button_saves_a_template_that_imports(
    qtbot: QtBot, transfer: csv_transfer.CsvTransfer, files: Files, tmp_path: Path
) -> None:
    target = tmp_path / "template.csv"
    files.save_path = str(target)
    assert transfer.template_button.text() == "Download template\N{HORIZONTAL ELLIPSIS}"
    with qtbot.waitSignal(transfer.message, timeout=WAIT_MS) as said:
        qtbot.mouseClick(transfer.template_button, LEFT)
    assert said.args == [
        f"Template saved to {target}: fill in one row per person, then use Import CSV.",
        False,
    ]
    assert files.asked == ["Save the invitation template"]
    assert target.read_bytes() == invites.template_csv().encode("utf-8")
    assert transfer.template_button.isEnabled()

    files.open_path = str(target)
    transfer.import_file(list)
    qtbot.waitUntil(lambda: transfer.import_dialog is not None, timeout=WAIT_MS)
    dialog = transfer.import_dialog
    assert dialog is not None
    assert dialog.problem_rows() == []
    assert [(r.username, r.email) for r in dialog.valid] == [("jane.doe", "jane.doe@example.com")]


def test_a_cancelled_template_choice_writes_nothing(
    transfer: csv_transfer.CsvTransfer, files: Files
) -> None:
    transfer.save_template()
    assert files.asked == ["Save the invitation template"]
    assert transfer.template_button.isEnabled()


def test_the_template_suggests_its_own_name_by_default(
    qtbot: QtBot, threaded: ThreadedBridge
) -> None:
    window = QtWidgets.QWidget()
    qtbot.addWidget(window)
    default = csv_transfer.CsvTransfer(threaded, window)  # type: ignore[arg-type]
    assert default._choose_template_file is csv_transfer.choose_template_path


def test_the_export_reads_back_through_the_import_preview_unchanged_with_a_note(
    qtbot: QtBot, transfer: csv_transfer.CsvTransfer, files: Files, tmp_path: Path
) -> None:
    users = [
        user("alice", "alice@example.com", 'Alice, "Al" Example'),
        user("-bob", "bob@example.com", "=1+1"),
        user("zoë", "zoe@example.com", None),
    ]
    target = tmp_path / "users.csv"
    files.save_path = str(target)
    with qtbot.waitSignal(transfer.message, timeout=WAIT_MS) as said:
        transfer.export(users, more_exist=False)
    assert said.args == [f"3 users exported to {target}.", False]
    files.open_path = str(target)
    transfer.import_file(list)
    qtbot.waitUntil(lambda: transfer.import_dialog is not None, timeout=WAIT_MS)
    dialog = transfer.import_dialog
    assert dialog is not None
    assert [(r.username, r.email, r.name) for r in dialog.rows] == [
        (u.username, u.email, u.name) for u in users
    ]
    assert dialog.problem_rows() == []
    note = (
        "Ignored columns an invitation cannot set: status, enabled, created, "
        "last_modified, last_sign_in."
    )
    assert dialog.summary.text().endswith("\n" + note)


def test_an_oversized_file_is_refused_in_the_message(
    qtbot: QtBot, transfer: csv_transfer.CsvTransfer, files: Files, tmp_path: Path
) -> None:
    big = tmp_path / "big.csv"
    big.write_bytes(b"username,email\n" + b"x" * (invites.MAX_BYTES + 1))
    files.open_path = str(big)
    with qtbot.waitSignal(transfer.message, timeout=WAIT_MS) as said:
        transfer.import_file(list)
    assert said.args == ["the file is larger than 8 MB; split it into parts", True]
    assert transfer.import_dialog is None


def test_the_migration_button_opens_one_dialog(
    qtbot: QtBot, transfer: csv_transfer.CsvTransfer
) -> None:
    qtbot.mouseClick(transfer.migration_button, LEFT)
    dialog = transfer.migration_dialog
    assert isinstance(dialog, migration_dialog.MigrationDialog)
    assert dialog.isVisible() and dialog.windowModality() != QtCore.Qt.WindowModality.NonModal
    assert transfer.open_migration() is dialog  # the open one, raised
    with qtbot.waitSignal(transfer.imported, timeout=WAIT_MS) as imported:
        dialog.imported.emit(4)  # an import that ended refreshes the panel
    assert imported.args == [4]
    dialog.reject()
    assert transfer.migration_dialog is None


def test_a_column_name_with_braces_is_noted_as_it_is(
    qtbot: QtBot, transfer: csv_transfer.CsvTransfer, files: Files, tmp_path: Path
) -> None:
    source = tmp_path / "odd.csv"
    source.write_text("username,email,{team}\nann,a@example.com,x\n", encoding="utf-8")
    files.open_path = str(source)
    transfer.import_file(list)
    qtbot.waitUntil(lambda: transfer.import_dialog is not None, timeout=WAIT_MS)
    dialog = transfer.import_dialog
    assert dialog is not None
    assert "Ignored unknown column: '{team}'." in dialog.summary.text()


@pytest.mark.parametrize(
    ("ok", "failed", "said"),
    [(1, 0, "1 invitation sent, 0 failed."), (1200, 3, "1,200 invitations sent, 3 failed.")],
)
def test_the_invitations_sent_are_counted_in_plain_words(
    qtbot: QtBot, transfer: csv_transfer.CsvTransfer, ok: int, failed: int, said: str
) -> None:
    with qtbot.waitSignal(transfer.message, timeout=WAIT_MS) as message:
        transfer._on_imported(ok, failed, False)
    assert message.args == [said, failed > 0]
