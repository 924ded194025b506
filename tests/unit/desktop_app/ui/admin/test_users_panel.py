"""The Users tab's bulk buttons: bound to the table's actions, each asking first and
naming the users (cancelled: nothing sent), run over the selected rows but the admin's
own (left out, with a note), then the rows they touched read again; counts in plain
words."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest
from PySide6 import QtCore
from pytestqt.qtbot import QtBot

from desktop_app.admin import actions
from desktop_app.models import groups as groups_model
from desktop_app.models import users as users_model
from desktop_app.qt import messages
from desktop_app.ui.admin import bulk_dialog, dialogs, users_panel
from tests.support.bridges import ManualBridge
from tests.support.fake_api import FakeApi
from tests.unit.desktop_app.ui.admin.conftest import user_body

SELECT = QtCore.QItemSelectionModel.SelectionFlag
NAMES = ("admin", "alice", "bob")


@pytest.fixture
def panel(qtbot: QtBot, manual: ManualBridge, api: FakeApi) -> users_panel.UsersPanel:
    api.answers[("GET", "/admin/users")] = {"users": [user_body(name) for name in NAMES]}
    for name in NAMES:
        api.answers[("GET", f"/admin/users/{name}")] = user_body(name)
    shown = users_panel.UsersPanel(manual, groups_model.GroupsModel(manual))  # type: ignore[arg-type]
    qtbot.addWidget(shown)
    shown.ensure_loaded()
    manual.finish_all()
    assert shown.model.count == len(NAMES)
    return shown


def select(panel: users_panel.UsersPanel, *names: str) -> None:
    chosen = QtCore.QItemSelection()
    for name in names:
        row = panel.model.row_of(name)
        assert row is not None, name
        chosen.select(panel.model.index(row, 0), panel.model.index(row, 0))
    panel.table.selectionModel().select(chosen, SELECT.ClearAndSelect | SELECT.Rows)


def run(
    qtbot: QtBot,
    panel: users_panel.UsersPanel,
    manual: ManualBridge,
    question: dialogs.ConfirmDialog | None,
) -> bulk_dialog.BulkDialog:
    """Say yes to the question (Enter), let the bulk run go, then the rows it touched
    be read again."""
    assert question is not None and question.isVisible()
    qtbot.keyClick(question, QtCore.Qt.Key.Key_Return)
    dialog = panel.bulk_dialog
    assert dialog is not None
    with qtbot.waitSignal(dialog.completed, timeout=1_000):
        manual.finish_all()
    manual.finish_all()
    return dialog


def test_the_bulk_buttons_are_the_tables_actions_and_follow_the_selection(
    panel: users_panel.UsersPanel,
) -> None:
    texts = [button.text() for button in panel.bulk_buttons]
    ellipsis = "\N{HORIZONTAL ELLIPSIS}"
    assert texts == [
        "Enable" + ellipsis,
        "Disable" + ellipsis,
        "Resend invitation" + ellipsis,
        "Add to group",
        "Remove from group",
        "Sign-up and MFA",
    ]
    assert not any(button.isEnabled() for button in panel.bulk_buttons)
    select(panel, "alice", "bob")
    assert panel.bulk_label.text() == "2 selected:"
    assert all(button.isEnabled() for button in panel.bulk_buttons)
    assert panel.ask_bulk(actions.DELETE) is None  # not offered in bulk
    assert panel.count_label.text() == "3 users"


def test_bulk_disable_asks_naming_the_users_and_leaves_the_admin_out(
    qtbot: QtBot, panel: users_panel.UsersPanel, manual: ManualBridge, api: FakeApi
) -> None:
    select(panel, "admin", "alice", "bob")
    question = panel.bulk_disable()
    assert question is not None and question.confirm_button.isDefault()
    assert question.windowTitle() == "Disable users"
    assert question.question.text() == ("Disable 2 users: alice, bob? They can no longer sign in.")
    assert question.note.text() == messages.admin_text(actions.SELF_LEFT_OUT, user="admin")
    assert question.note.isVisibleTo(question)
    api.answers[("GET", "/admin/users/alice")] = user_body("alice", enabled=False)
    dialog = run(qtbot, panel, manual, question)
    assert dialog.windowTitle() == "Disable users"
    assert [label for label, _ok, _m in dialog.progress.outcomes()] == ["alice", "bob"]
    assert dialog.progress.failures() == []
    sent = [(method, path) for method, path, _b in api.requests if method != "GET"]
    assert sorted(sent) == [
        ("POST", "/admin/users/alice/disable"),
        ("POST", "/admin/users/bob/disable"),
    ]
    row = panel.model.row_of("alice")
    assert row is not None
    alice = panel.model.user(row)
    assert alice is not None and not alice.enabled  # the row was read again


def test_bulk_add_names_the_group_and_makes_the_counts_stale(
    qtbot: QtBot, panel: users_panel.UsersPanel, manual: ManualBridge, api: FakeApi
) -> None:
    select(panel, "bob")
    question = panel.bulk_add("Team")
    assert question is not None and question.question.text() == "Add 1 user: bob to Team?"
    with qtbot.waitSignal(panel.groupsChanged, timeout=1_000):
        dialog = run(qtbot, panel, manual, question)
    assert dialog.windowTitle() == "Add users to Team"
    assert ("PUT", "/admin/users/bob/groups/Team", None) in api.requests
    assert dialog.progress.outcomes() == [("bob", True, "")]


def test_cancelling_a_bulk_question_sends_nothing(
    qtbot: QtBot, panel: users_panel.UsersPanel, manual: ManualBridge, api: FakeApi
) -> None:
    before = len(api.requests)
    select(panel, "alice", "bob")
    question = panel.bulk_enable()
    assert question is not None and question.question.text() == "Enable 2 users: alice, bob?"
    assert not question.note.isVisibleTo(question)  # the admin was not selected
    assert panel.bulk_enable() is question  # asked again: the same question
    qtbot.keyClick(question, QtCore.Qt.Key.Key_Escape)
    assert panel.bulk_question is None and panel.bulk_dialog is None
    assert manual.pending() == [] and len(api.requests) == before


def test_the_admin_alone_is_never_a_bulk_target(
    panel: users_panel.UsersPanel, manual: ManualBridge
) -> None:
    select(panel, "admin")
    assert panel.bulk_label.text() == "1 selected:"
    left_out = messages.admin_text(actions.SELF_LEFT_OUT, user="admin")
    assert not panel.bulk_disable_button.isEnabled()
    assert panel.bulk_disable_button.toolTip() == left_out
    assert panel.bulk_disable() is None  # called all the same: nothing asked or sent
    assert panel.message.text() == left_out and not panel.message.is_error
    assert panel.bulk_question is None
    assert [task.name for task in manual.pending()] == ["admin-get-user"]  # the detail pane


def test_many_users_are_named_up_to_a_cap(qtbot: QtBot, manual: ManualBridge, api: FakeApi) -> None:
    names = [f"user{i:02d}" for i in range(14)]
    api.answers[("GET", "/admin/users")] = {"users": [user_body(n) for n in names]}
    panel = users_panel.UsersPanel(manual, groups_model.GroupsModel(manual))  # type: ignore[arg-type]
    qtbot.addWidget(panel)
    panel.ensure_loaded()
    manual.finish_all()
    select(panel, *names)
    question = panel.bulk_resend()
    assert question is not None
    assert question.question.text().startswith(
        "Send the invitation again to 14 users: " + ", ".join(names[:10]) + " and 4 more?"
    )
    assert panel.detail.placeholder.text() == "14 users selected: use the buttons above."


# -- the Last sign-in column ---------------------------------------------------------------


@pytest.fixture
def india_time() -> Iterator[None]:
    """Local time UTC+05:30 (a POSIX TZ string: needs no tzdata on the machine)."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "IST-5:30"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


@pytest.mark.usefixtures("india_time")
def test_the_last_sign_in_column_shows_local_time_or_never_and_sorts(
    qtbot: QtBot, manual: ManualBridge, api: FakeApi
) -> None:
    api.answers[("GET", "/admin/users")] = {
        "users": [
            user_body("admin", last_sign_in="2026-02-01T10:00:00Z"),
            user_body("alice", last_sign_in="2026-03-01T08:15:00Z"),
            user_body("bob", last_sign_in=None),
        ]
    }
    panel = users_panel.UsersPanel(manual, groups_model.GroupsModel(manual))  # type: ignore[arg-type]
    qtbot.addWidget(panel)
    panel.ensure_loaded()
    manual.finish_all()
    column = users_model.Column.LAST_SIGN_IN
    model = panel.table.model()
    horizontal = QtCore.Qt.Orientation.Horizontal
    assert model.headerData(column, horizontal) == "Last sign-in"
    assert not panel.table.isColumnHidden(column)

    def shown() -> list[tuple[str, str]]:
        return [
            (model.index(row, 0).data(), model.index(row, column).data())
            for row in range(model.rowCount())
        ]

    # Local time to the minute, the Created column's format; "Never" when none is recorded.
    assert shown() == [
        ("admin", "2026-02-01 15:30"),
        ("alice", "2026-03-01 13:45"),
        ("bob", "Never"),
    ]
    assert model.index(0, users_model.Column.CREATED).data() == "2026-01-01 12:30"
    panel.table.sortByColumn(column, QtCore.Qt.SortOrder.DescendingOrder)
    assert [name for name, _ in shown()] == ["alice", "admin", "bob"]  # "Never" last
    panel.table.sortByColumn(column, QtCore.Qt.SortOrder.AscendingOrder)
    assert [name for name, _ in shown()] == ["admin", "alice", "bob"]  # either way
