"""The bulk dialog and the CSV import dialog: a row per user, failures in plain words,
Cancel leaving the rest not run, and only valid rows invited."""

from __future__ import annotations

from PySide6 import QtCore
from pytestqt.qtbot import QtBot

from desktop_app import errors
from desktop_app.admin import actions, invites
from desktop_app.ui.admin import bulk_dialog
from tests.support.bridges import ThreadedBridge
from tests.support.fake_api import FakeApi
from tests.unit.desktop_app.ui.admin.conftest import user_body

LEFT = QtCore.Qt.MouseButton.LeftButton


def open_bulk(qtbot: QtBot, bridge: ThreadedBridge, title: str) -> bulk_dialog.BulkDialog:
    dialog = bulk_dialog.BulkDialog(bridge, title)  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    dialog.open()
    return dialog


def cell(dialog: bulk_dialog.BulkDialog, row: int, column: int) -> str:
    item = dialog.progress.results.item(row, column)
    assert item is not None
    return item.text()


def test_bulk_dialog_lists_every_row_with_failures_in_plain_words(
    qtbot: QtBot, threaded: ThreadedBridge, api: FakeApi
) -> None:
    api.answers[("POST", "/admin/users/bob/disable")] = errors.ApiError(404, "no", "not_found")
    dialog = open_bulk(qtbot, threaded, "Disable users")
    steps = [actions.Step(actions.DISABLE, name) for name in ("ann", "bob", "cy")]
    with qtbot.waitSignal(dialog.completed, timeout=5_000) as done:
        dialog.start(steps)
        assert dialog.cancel_button.isVisibleTo(dialog)
        assert cell(dialog, 2, 1) == "Waiting"
    assert done.args == [2, 1, False]
    assert dialog.progress.outcomes() == [
        ("ann", True, ""),
        ("bob", False, "That user (or group) no longer exists; the list was refreshed."),
        ("cy", True, ""),
    ]
    assert dialog.progress.failures() == [("bob", dialog.progress.outcomes()[1][2])]
    assert [cell(dialog, row, 1) for row in range(3)] == ["Done", "Failed", "Done"]
    assert dialog.progress.summary.text() == "2 succeeded, 1 failed."
    assert dialog.close_button.isVisibleTo(dialog)
    assert not dialog.cancel_button.isVisibleTo(dialog)


def test_bulk_dialog_cancel_marks_the_rest_not_run(qtbot: QtBot, api: FakeApi) -> None:
    held = ThreadedBridge(api, hang_first=True)  # the run waits until released
    dialog = open_bulk(qtbot, held, "Enable users")
    with qtbot.waitSignal(dialog.completed, timeout=5_000) as done:
        dialog.start([actions.Step(actions.ENABLE, name) for name in ("u0", "u1", "u2")])
        dialog.reject()  # Escape while running: cancels the rest, stays open
        assert dialog.isVisible()
        held.release.set()
    assert done.args == [0, 0, True]
    assert dialog.progress.outcomes() == [("u0", None, ""), ("u1", None, ""), ("u2", None, "")]
    assert [cell(dialog, 2, column) for column in (1, 2)] == ["Not run", "Cancelled"]
    assert dialog.progress.summary.text() == "0 succeeded, 0 failed. Cancelled: 3 not run."
    assert api.requests == []
    dialog.reject()  # finished: now Escape closes
    assert not dialog.isVisible()


def test_import_preview_with_no_valid_row_cannot_send(
    qtbot: QtBot, threaded: ThreadedBridge
) -> None:
    rows = invites.parse("username,email\nbad name,x\n,\n ,nobody\n")
    dialog = bulk_dialog.ImportDialog(threaded, rows)  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    assert dialog.problem_rows() == [2, 4]
    assert not dialog.invite_button.isEnabled()
    assert dialog.invite_button.text() == "Invite 0 valid rows"
    dialog.start()  # does nothing
    assert dialog.pages.currentWidget() is not dialog.progress


def test_import_sends_only_the_valid_rows(
    qtbot: QtBot, threaded: ThreadedBridge, api: FakeApi
) -> None:
    api.answer = user_body("erin")
    rows = invites.parse("username,email,groups\nerin,erin@example.test,Team\nfrank,nope,\n")
    dialog = bulk_dialog.ImportDialog(threaded, rows)  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    problem = dialog.preview.item(1, 5)
    assert problem is not None and problem.text() == "that is not an email address"
    with qtbot.waitSignal(dialog.completed, timeout=5_000) as done:
        qtbot.mouseClick(dialog.invite_button, LEFT)
    assert done.args == [1, 0, False]
    assert dialog.pages.currentWidget() is dialog.progress
    assert api.requests == [
        (
            "POST",
            "/admin/users",
            {"username": "erin", "email": "erin@example.test", "groups": ["Team"]},
        )
    ]
