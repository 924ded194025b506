"""The Admin section (Users, Groups, Overview) on a real bridge signed in as the admin,
against cognito-local and the protected API, driven as an admin would drive it.

File dialogs are replaced by ``choose_open_file`` / ``choose_save_file``; the other
dialogs are opened with ``open()`` and driven with qtbot, never ``exec()``.
"""

from __future__ import annotations

import csv
import datetime
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6 import QtCore, QtWidgets
from pytestqt.qtbot import QtBot

from desktop_app.admin import actions
from desktop_app.api import admin
from desktop_app.api import client as api_client
from desktop_app.models import groups as groups_model
from desktop_app.models import users as users_model
from desktop_app.qt import bridge as qt_bridge
from desktop_app.qt import messages
from desktop_app.ui import signed_in_view
from desktop_app.ui.admin import dialogs, overview, section, users_panel
from local_cognito import seed, server
from tests.support import loopback_probe

# deferred_deletes: a Qt object wrongly owned by Python crashes these tests (as a borrowed
# layout once did) instead of being collected later on some worker.
pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("deferred_deletes")]

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("COGNITO_DESKTOP_ARTIFACTS", ROOT / "tests" / "artifacts"))
LEFT = QtCore.Qt.MouseButton.LeftButton
ENTER = QtCore.Qt.Key.Key_Return
ELLIPSIS = "\N{HORIZONTAL ELLIPSIS}"
WAIT_MS = 15_000
SELECT = QtCore.QItemSelectionModel.SelectionFlag
DEMO = len(seed.DEMO_USERS)  # admin, alice, newbie, dora...


class Files:
    """Stands in for the file dialogs: hands out the paths a test sets."""

    def __init__(self) -> None:
        self.open_path = ""
        self.save_path = ""
        self.asked: list[str] = []

    def choose_open(self, _parent: QtWidgets.QWidget, caption: str, _filters: str) -> str:
        self.asked.append(caption)
        return self.open_path

    def choose_save(self, _parent: QtWidgets.QWidget, caption: str, _filters: str) -> str:
        self.asked.append(caption)
        return self.save_path


@pytest.fixture
def files() -> Files:
    return Files()


@pytest.fixture
def make_section(
    qtbot: QtBot, admin_bridge: qt_bridge.SessionBridge, files: Files
) -> Callable[[], section.AdminSection]:
    kept: list[section.AdminSection] = []  # qtbot holds widgets weakly

    def make() -> section.AdminSection:
        shown = section.AdminSection(
            admin_bridge, choose_open_file=files.choose_open, choose_save_file=files.choose_save
        )
        qtbot.addWidget(shown)
        kept.append(shown)
        shown.resize(1200, 760)
        shown.show()
        qtbot.waitExposed(shown)
        shown.reload()
        settle(qtbot, shown.users)
        qtbot.waitUntil(lambda: shown.groups_model.rowCount() > 0, timeout=WAIT_MS)
        return shown

    return make


def screenshot(widget: QtWidgets.QWidget, name: str) -> None:
    """Save what ``widget`` shows now, as test_gui_app does for the README."""
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    QtWidgets.QApplication.processEvents()
    assert widget.grab().save(str(folder / f"{name}.png"))


def settle(qtbot: QtBot, panel: users_panel.UsersPanel) -> None:
    """Wait until the users table has what it asked for."""
    qtbot.waitUntil(lambda: not panel.model.is_loading and panel.model.count > 0, timeout=WAIT_MS)


def detail_of(qtbot: QtBot, panel: users_panel.UsersPanel, username: str) -> admin.UserDetail:
    assert panel.select_username(username), f"{username} is not in the table"
    pane = panel.detail

    def ready() -> bool:
        return (
            pane.detail is not None
            and pane.detail.username == username
            and not pane.is_busy
            and not pane.is_loading()
        )

    qtbot.waitUntil(ready, timeout=WAIT_MS)
    assert pane.detail is not None
    return pane.detail


def row_user(panel: users_panel.UsersPanel, username: str) -> admin.User:
    row = panel.model.row_of(username)
    assert row is not None, f"{username} is not in the table"
    user = panel.model.user(row)
    assert user is not None
    return user


def say_yes(qtbot: QtBot, question: dialogs.ConfirmDialog | None) -> str:
    """Press Enter on ``question`` (its confirm button is the default); what it asked."""
    assert question is not None and question.isVisible()
    asked = question.question.text()
    qtbot.keyClick(question, ENTER)
    return asked


def select_usernames(panel: users_panel.UsersPanel, names: list[str]) -> None:
    chosen = QtCore.QItemSelection()
    for name in names:
        row = panel.model.row_of(name)
        assert row is not None, name
        index = panel.model.index(row, 0)
        chosen.select(index, index)
    panel.table.selectionModel().select(chosen, SELECT.ClearAndSelect | SELECT.Rows)


@pytest.fixture
def panel(make_section: Callable[[], section.AdminSection]) -> users_panel.UsersPanel:
    """The Users tab of a new Admin section."""
    return make_section().users


@pytest.fixture
def team_section(
    idp: Any, stand_in: server.LocalCognito, make_section: Callable[[], section.AdminSection]
) -> section.AdminSection:
    """An Admin section opened on a pool with an empty group "Team"."""
    idp.create_group(GroupName="Team", UserPoolId=stand_in.pool.id, Description="Team group")
    return make_section()


# -- search and paging ---------------------------------------------------------------------


def test_search_is_debounced_and_runs_on_the_server(
    qtbot: QtBot, panel: users_panel.UsersPanel, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[admin.Search | None] = []
    original = panel.model.set_search
    monkeypatch.setattr(panel.model, "set_search", lambda s: (asked.append(s), original(s)))

    qtbot.keyClicks(panel.search_bar.text, "ne")  # one keystroke at a time
    assert panel.search_bar.pending()
    qtbot.waitUntil(lambda: asked != [], timeout=WAIT_MS)
    assert asked == [admin.Search("username", "prefix", "ne")]  # one request, not two
    settle(qtbot, panel)
    assert [row_user(panel, "newbie").username] == [
        panel.model.user(r).username  # type: ignore[union-attr]
        for r in range(panel.model.count)
    ]
    assert panel.count_label.text() == "1 user"

    panel.search_bar.set_search("email", "exact", "dora@example.com")
    panel.search_now()
    settle(qtbot, panel)
    assert panel.model.count == 1
    assert row_user(panel, "dora").enabled is False

    # Cognito's "status" filter is the Enabled flag (case-sensitive).
    panel.search_bar.set_search("status", "exact", "Disabled")
    assert panel.search_bar.text.completer() is not None  # offers Enabled / Disabled
    panel.search_now()
    settle(qtbot, panel)
    assert [panel.model.user(0).username] == ["dora"]  # type: ignore[union-attr]

    panel.search_bar.text.clear()
    panel.search_now()
    qtbot.waitUntil(lambda: panel.model.count == DEMO and not panel.model.is_loading)
    assert panel.model.search is None


def test_an_older_search_never_replaces_a_newer_one(
    qtbot: QtBot, admin_bridge: qt_bridge.SessionBridge, stand_in: server.LocalCognito
) -> None:
    seed.seed_synthetic(stand_in.pool, 5)
    release = threading.Event()
    slow_answered = threading.Event()

    def page(
        api: admin.JsonCaller, token: str | None, search: admin.Search | None, limit: int
    ) -> admin.UserPage:
        answer = admin.list_users(api, search=search, limit=limit, next_token=token)
        if search is not None and search.value == "user":  # the older, slow search
            release.wait(10)
            slow_answered.set()
        return answer

    groups = groups_model.GroupsModel(admin_bridge)
    model = users_model.UsersModel(admin_bridge, page=page)
    panel = users_panel.UsersPanel(admin_bridge, groups, model=model)
    qtbot.addWidget(panel)

    panel.search_bar.set_search("username", "prefix", "user")
    panel.search_now()
    panel.search_bar.set_search("username", "prefix", "ali")
    panel.search_now()
    qtbot.waitUntil(lambda: model.count == 1 and not model.is_loading, timeout=WAIT_MS)
    release.set()
    qtbot.waitUntil(slow_answered.is_set, timeout=WAIT_MS)
    qtbot.wait(200)  # the stale answer reaches the GUI thread, and is dropped
    assert [model.user(r).username for r in range(model.count)] == ["alice"]  # type: ignore[union-attr]
    assert model.search == admin.Search("username", "prefix", "ali")


def test_scrolling_pages_to_the_end(
    qtbot: QtBot, stand_in: server.LocalCognito, make_section: Callable[[], section.AdminSection]
) -> None:
    seed.seed_synthetic(stand_in.pool, 130)
    panel = make_section().users  # opened on the seeded pool
    assert panel.model.count == 60
    assert panel.count_label.text() == "60 users loaded, more available"
    for _ in range(10):
        if not panel.model.has_more:
            break
        panel.table.scrollToBottom()
        qtbot.waitUntil(lambda: not panel.model.is_loading, timeout=WAIT_MS)
    total = 130 + DEMO
    assert panel.model.count == total
    assert not panel.model.has_more
    assert panel.count_label.text() == f"{total} users"
    names = {panel.model.user(r).username for r in range(total)}  # type: ignore[union-attr]
    assert len(names) == total

    # Sorting orders the loaded rows from the header, with no new request.
    panel.table.sortByColumn(users_model.Column.USERNAME, QtCore.Qt.SortOrder.DescendingOrder)
    assert panel.model.user(0).username == "user00130"  # type: ignore[union-attr]
    assert not panel.model.is_loading


# -- single-user actions -------------------------------------------------------------------


def test_invite_then_the_user_is_pending_and_the_outbox_has_the_password(
    qtbot: QtBot,
    stand_in: server.LocalCognito,
    team_section: section.AdminSection,
) -> None:
    panel = team_section.users
    dialog = panel.open_invite()
    assert dialog.isVisible()
    assert not dialog.send_button.isEnabled()
    dialog.username.setText("carol")
    dialog.email.setText("carol@")
    assert dialog.email_hint.text() != ""
    assert not dialog.send_button.isEnabled()
    dialog.email.setText("carol@example.com")
    dialog.name.setText("Carol Example")
    dialog.set_group_checked("Team")
    assert dialog.email_hint.text() == ""
    assert dialog.send_button.isEnabled()

    with qtbot.waitSignal(dialog.accepted, timeout=WAIT_MS):
        qtbot.keyClick(dialog.name, ENTER)  # Enter sends it, as the default button
    assert panel.invite_dialog is None
    qtbot.waitUntil(lambda: panel.model.row_of("carol") is not None, timeout=WAIT_MS)
    carol = row_user(panel, "carol")
    assert carol.status == "FORCE_CHANGE_PASSWORD"
    assert carol.email == "carol@example.com"
    assert "carol@example.com" in panel.message.text()
    [message] = stand_in.pool.outbox.messages(to="carol@example.com")
    assert message.kind == "invitation"
    assert message.username == "carol"
    assert message.temporary_password
    assert message.temporary_password in message.body
    # The new member is counted in the Groups tab.
    qtbot.waitUntil(lambda: team_section.groups.member_count("Team") == 1, timeout=WAIT_MS)
    assert detail_of(qtbot, panel, "carol").groups == ("Team",)

    # The same username again: the dialog stays open and says why.
    again = panel.open_invite()
    again.username.setText("carol")
    again.email.setText("carol2@example.com")
    qtbot.mouseClick(again.send_button, LEFT)
    qtbot.waitUntil(lambda: again.message.text() != "", timeout=WAIT_MS)
    assert again.isVisible()
    assert again.message.text() == "A user with that name or email already exists."
    again.reject()


def test_disable_then_enable_from_the_detail_pane(
    qtbot: QtBot, idp: Any, stand_in: server.LocalCognito, panel: users_panel.UsersPanel
) -> None:
    pane = panel.detail
    detail = detail_of(qtbot, panel, "alice")
    assert detail.enabled
    assert pane.toggle_button.text() == "Disable" + ELLIPSIS
    assert pane.card.fields["email"].text() == "alice@example.com"
    assert pane.card.attributes.rowCount() >= 2  # sub, email, email_verified...
    assert not pane.resend_button.isVisibleTo(pane)  # not a pending invitation

    qtbot.mouseClick(pane.toggle_button, LEFT)
    assert say_yes(qtbot, pane.confirm_dialog).startswith("Disable alice?")
    assert not pane.toggle_button.isEnabled()  # busy until the call returns
    qtbot.waitUntil(lambda: not row_user(panel, "alice").enabled, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: pane.toggle_button.text() == "Enable", timeout=WAIT_MS)
    assert panel.message.text() == "alice is disabled."
    assert not idp.admin_get_user(UserPoolId=stand_in.pool.id, Username="alice")["Enabled"]

    qtbot.waitUntil(pane.toggle_button.isEnabled, timeout=WAIT_MS)
    qtbot.mouseClick(pane.toggle_button, LEFT)
    qtbot.waitUntil(lambda: row_user(panel, "alice").enabled, timeout=WAIT_MS)
    assert idp.admin_get_user(UserPoolId=stand_in.pool.id, Username="alice")["Enabled"]


def test_resend_and_a_failed_action_keep_the_table_consistent(
    qtbot: QtBot, idp: Any, stand_in: server.LocalCognito, panel: users_panel.UsersPanel
) -> None:
    pane = panel.detail
    detail_of(qtbot, panel, "newbie")
    assert pane.resend_button.isVisibleTo(pane) and pane.resend_button.isEnabled()
    before = len(stand_in.pool.outbox.messages(username="newbie"))
    qtbot.mouseClick(pane.resend_button, LEFT)
    qtbot.waitUntil(
        lambda: len(stand_in.pool.outbox.messages(username="newbie")) == before + 1,
        timeout=WAIT_MS,
    )
    qtbot.waitUntil(lambda: not pane.is_busy, timeout=WAIT_MS)
    assert not panel.message.is_error

    # Deleted behind the admin's back: the action fails in plain words, the row goes.
    detail_of(qtbot, panel, "alice")
    idp.admin_delete_user(UserPoolId=stand_in.pool.id, Username="alice")
    qtbot.mouseClick(pane.reset_button, LEFT)
    assert say_yes(qtbot, pane.confirm_dialog).startswith("Reset alice's password?")
    qtbot.waitUntil(lambda: panel.model.row_of("alice") is None, timeout=WAIT_MS)
    assert panel.message.is_error
    assert panel.message.text() == "That user (or group) no longer exists; the list was refreshed."
    assert pane.username is None


def test_delete_needs_the_username_typed(
    qtbot: QtBot, idp: Any, stand_in: server.LocalCognito, panel: users_panel.UsersPanel
) -> None:
    pane = panel.detail
    detail_of(qtbot, panel, "dora")
    # The Delete key on the table asks, like the button.
    panel.window().activateWindow()
    panel.table.setFocus()
    qtbot.waitUntil(panel.table.hasFocus, timeout=WAIT_MS)
    qtbot.keyClick(panel.table, QtCore.Qt.Key.Key_Delete)
    dialog = pane.delete_dialog
    assert dialog is not None and dialog.isVisible()
    assert pane.ask_delete() is dialog  # asked again: the same question, not a second one
    assert not dialog.delete_button.isEnabled()
    qtbot.keyClicks(dialog.confirm, "dor")
    assert not dialog.delete_button.isEnabled()
    qtbot.keyClicks(dialog.confirm, "a")
    assert dialog.delete_button.isEnabled()
    qtbot.mouseClick(dialog.delete_button, LEFT)
    qtbot.waitUntil(lambda: panel.model.row_of("dora") is None, timeout=WAIT_MS)
    assert panel.message.text() == "dora was deleted."
    with pytest.raises(idp.exceptions.UserNotFoundException):
        idp.admin_get_user(UserPoolId=stand_in.pool.id, Username="dora")


def test_group_chips_add_and_remove_update_the_member_counts(
    qtbot: QtBot,
    idp: Any,
    stand_in: server.LocalCognito,
    team_section: section.AdminSection,
) -> None:
    panel, pane = team_section.users, team_section.users.detail
    detail_of(qtbot, panel, "alice")
    assert pane.group_chips() == []
    assert team_section.groups.member_count("Team") == 0
    pane.group_choice.setCurrentText("Team")
    qtbot.mouseClick(pane.add_group_button, LEFT)
    qtbot.waitUntil(lambda: pane.group_chips() == ["Team"], timeout=WAIT_MS)
    qtbot.waitUntil(lambda: team_section.groups.member_count("Team") == 1, timeout=WAIT_MS)
    assert panel.message.text() == "alice added to Team."
    screenshot(team_section, "06-admin-users")

    chip = pane.chip("Team")
    assert chip is not None and chip.remove_button is not None
    qtbot.waitUntil(chip.remove_button.isEnabled, timeout=WAIT_MS)
    qtbot.mouseClick(chip.remove_button, LEFT)
    qtbot.waitUntil(lambda: pane.group_chips() == [], timeout=WAIT_MS)
    qtbot.waitUntil(lambda: team_section.groups.member_count("Team") == 0, timeout=WAIT_MS)
    groups = idp.admin_list_groups_for_user(UserPoolId=stand_in.pool.id, Username="alice")
    assert groups["Groups"] == []


def test_self_lockout_actions_are_disabled_with_the_reason(
    qtbot: QtBot, make_section: Callable[[], section.AdminSection]
) -> None:
    shown = make_section()
    panel, pane = shown.users, shown.users.detail
    detail_of(qtbot, panel, "admin")
    for button, reason in (
        (pane.toggle_button, actions.DISABLE),
        (pane.delete_button, actions.DELETE),
        (pane.reset_button, actions.RESET_PASSWORD),
        (pane.sign_out_button, actions.SIGN_OUT_EVERYWHERE),
    ):
        assert not button.isEnabled(), button.text()
        assert button.toolTip() == messages.admin_text(reason.own_account)
    assert pane.lockout_note.isVisibleTo(pane)
    chip = pane.chip("Admin")
    assert chip is not None and chip.remove_button is not None
    assert not chip.remove_button.isEnabled()
    leaving = messages.admin_text(actions.REMOVE_FROM_GROUP.own_account)
    assert chip.remove_button.toolTip() == leaving
    assert pane.ask_delete() is None
    pane.toggle_enabled()  # even called directly, nothing is sent
    assert not pane.is_busy

    # Another user's actions are all there.
    detail_of(qtbot, panel, "alice")
    assert pane.toggle_button.isEnabled() and pane.delete_button.isEnabled()
    assert not pane.lockout_note.isVisibleTo(pane)

    # In the Groups tab the admin cannot remove themselves from the admin group.
    shown.tabs.setCurrentWidget(shown.groups)
    shown.groups.choose_group("Admin")
    model = shown.groups.members_model
    assert model is not None
    qtbot.waitUntil(lambda: model.count == 1 and not model.is_loading, timeout=WAIT_MS)
    shown.groups.members_view.selectRow(0)
    assert not shown.groups.remove_button.isEnabled()
    assert shown.groups.remove_button.toolTip() == leaving


# -- bulk ----------------------------------------------------------------------------------


def test_bulk_disable_of_20_users_reports_the_one_that_failed(
    qtbot: QtBot,
    idp: Any,
    stand_in: server.LocalCognito,
    make_section: Callable[[], section.AdminSection],
) -> None:
    names = seed.seed_synthetic(stand_in.pool, 20)
    panel = make_section().users  # opened on the seeded pool
    select_usernames(panel, names)
    assert len(panel.selected_users()) == 20
    assert panel.bulk_label.text() == "20 selected:"
    assert panel.bulk_disable_button.isEnabled()
    idp.admin_delete_user(UserPoolId=stand_in.pool.id, Username="user00007")

    asked = say_yes(qtbot, panel.bulk_disable())
    assert asked.startswith("Disable 20 users: ") and " and 10 more? " in asked
    dialog = panel.bulk_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: not dialog.progress.running, timeout=30_000)
    outcomes = dialog.progress.outcomes()
    assert [label for label, _ok, _m in outcomes] == names
    assert sum(1 for _l, ok, _m in outcomes if ok) == 19
    assert dialog.progress.failures() == [
        ("user00007", "That user (or group) no longer exists; the list was refreshed.")
    ]
    assert dialog.progress.summary.text() == "19 succeeded, 1 failed."
    screenshot(dialog, "07-admin-bulk-results")
    assert dialog.progress.bar.value() == 20
    assert dialog.close_button.isVisibleTo(dialog)
    failed_row = names.index("user00007")
    assert dialog.progress.results.item(failed_row, 1).text() == "Failed"  # type: ignore[union-attr]

    # The table follows: the deleted user is gone, the others show disabled.
    qtbot.waitUntil(lambda: panel.model.row_of("user00007") is None, timeout=WAIT_MS)
    qtbot.waitUntil(
        lambda: all(not row_user(panel, n).enabled for n in names if n != "user00007"),
        timeout=WAIT_MS,
    )
    qtbot.mouseClick(dialog.close_button, LEFT)
    assert not dialog.isVisible()


def test_bulk_actions_skip_the_admins_own_row_and_groups_follow(
    qtbot: QtBot,
    idp: Any,
    stand_in: server.LocalCognito,
    team_section: section.AdminSection,
) -> None:
    panel = team_section.users
    select_usernames(panel, ["admin", "alice"])
    question = panel.bulk_disable()
    assert question is not None
    assert question.note.text() == messages.admin_text(actions.SELF_LEFT_OUT, user="admin")
    screenshot(question, "23-admin-bulk-question")
    assert say_yes(qtbot, question).startswith("Disable 1 user: alice?")
    dialog = panel.bulk_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: not dialog.progress.running, timeout=WAIT_MS)
    assert dialog.progress.outcomes() == [("alice", True, "")]  # the admin never a target
    assert idp.admin_get_user(UserPoolId=stand_in.pool.id, Username="admin")["Enabled"]
    qtbot.waitUntil(lambda: not row_user(panel, "alice").enabled, timeout=WAIT_MS)
    dialog.accept()

    select_usernames(panel, ["alice", "newbie"])
    say_yes(qtbot, panel.bulk_add("Team"))
    adding = panel.bulk_dialog
    assert adding is not None
    qtbot.waitUntil(lambda: not adding.progress.running, timeout=WAIT_MS)
    assert adding.progress.failures() == []
    qtbot.waitUntil(lambda: team_section.groups.member_count("Team") == 2, timeout=WAIT_MS)
    adding.accept()

    select_usernames(panel, ["alice", "newbie"])
    say_yes(qtbot, panel.bulk_resend())
    resending = panel.bulk_dialog
    assert resending is not None
    qtbot.waitUntil(lambda: not resending.progress.running, timeout=WAIT_MS)
    # alice is no pending invitation: said for her row, newbie's went out.
    assert [label for label, _m in resending.progress.failures()] == ["alice"]
    resending.accept()

    select_usernames(panel, ["alice", "newbie"])
    say_yes(qtbot, panel.bulk_remove("Team"))
    removing = panel.bulk_dialog
    assert removing is not None
    qtbot.waitUntil(lambda: not removing.progress.running, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: team_section.groups.member_count("Team") == 0, timeout=WAIT_MS)
    removing.accept()


# -- CSV -----------------------------------------------------------------------------------


def test_csv_import_previews_the_bad_row_and_invites_only_the_valid_ones(
    qtbot: QtBot,
    idp: Any,
    stand_in: server.LocalCognito,
    tmp_path: Path,
    files: Files,
    team_section: section.AdminSection,
) -> None:
    panel = team_section.users
    source = tmp_path / "invites.csv"
    source.write_text(
        "username,email,name,groups\n"
        "erin,erin@example.com,Erin,Team\n"
        "frank,not-an-email,Frank,\n"
        "gina,gina@example.com,,\n",
        encoding="utf-8",
    )
    files.open_path = str(source)
    panel.import_csv()
    qtbot.waitUntil(lambda: panel.csv.import_dialog is not None, timeout=WAIT_MS)
    dialog = panel.csv.import_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.problem_rows() == [3]
    assert dialog.invite_button.text() == "Invite 2 valid rows"
    assert dialog.invite_button.isEnabled()
    problem = dialog.preview.item(1, 5)
    assert problem is not None and "email" in problem.text()
    assert stand_in.pool.outbox.messages(to="erin@example.com") == []  # nothing sent yet
    screenshot(dialog, "08-admin-import-preview")

    qtbot.mouseClick(dialog.invite_button, LEFT)
    qtbot.waitUntil(lambda: dialog.close_button.isVisibleTo(dialog), timeout=WAIT_MS)
    assert [(label, ok) for label, ok, _m in dialog.progress.outcomes()] == [
        ("erin", True),
        ("gina", True),
    ]
    assert len(stand_in.pool.outbox.messages(to="erin@example.com")) == 1
    assert len(stand_in.pool.outbox.messages(to="gina@example.com")) == 1
    with pytest.raises(idp.exceptions.UserNotFoundException):
        idp.admin_get_user(UserPoolId=stand_in.pool.id, Username="frank")
    qtbot.waitUntil(lambda: panel.model.row_of("gina") is not None, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: team_section.groups.member_count("Team") == 1, timeout=WAIT_MS)
    assert panel.message.text() == "2 invitations sent, 0 failed."


def test_a_csv_without_a_header_is_refused_in_the_message_line(
    qtbot: QtBot, tmp_path: Path, files: Files, panel: users_panel.UsersPanel
) -> None:
    source = tmp_path / "bad.csv"
    source.write_text("erin,erin@example.com\n", encoding="utf-8")
    files.open_path = str(source)
    panel.import_csv()
    qtbot.waitUntil(lambda: panel.message.text() != "", timeout=WAIT_MS)
    assert panel.message.is_error
    assert "header" in panel.message.text()
    assert panel.csv.import_dialog is None
    assert panel.import_button.isEnabled()


def test_export_writes_the_loaded_rows(
    qtbot: QtBot,
    stand_in: server.LocalCognito,
    tmp_path: Path,
    files: Files,
    make_section: Callable[[], section.AdminSection],
) -> None:
    seed.seed_synthetic(stand_in.pool, 70)
    panel = make_section().users  # opened on the seeded pool
    qtbot.waitUntil(lambda: not panel.model.is_loading, timeout=WAIT_MS)
    loaded = [panel.model.user(r).username for r in range(panel.model.count)]  # type: ignore[union-attr]
    target = tmp_path / "users.csv"
    files.save_path = str(target)
    panel.export_csv()
    qtbot.waitUntil(lambda: "exported" in panel.message.text(), timeout=WAIT_MS)
    with target.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["username"] for row in rows] == loaded
    assert {row["status"] for row in rows} >= {"CONFIRMED"}
    assert f"{len(loaded)} users exported" in panel.message.text()
    if panel.model.has_more:
        assert "More users exist" in panel.message.text()

    files.save_path = ""  # the admin cancelled the file dialog: nothing happens
    panel.message.clear()
    panel.export_csv()
    assert panel.message.text() == ""


# -- Groups tab ----------------------------------------------------------------------------


def test_group_members_page_lazily_and_can_be_added_and_removed(
    qtbot: QtBot,
    idp: Any,
    stand_in: server.LocalCognito,
    make_section: Callable[[], section.AdminSection],
) -> None:
    for i in range(70):
        seed.add_user(
            stand_in.pool,
            f"member{i:03d}",
            "Member-Passw0rd!",
            f"m{i}@example.test",
            groups=("Big",),
        )
    shown = make_section()
    groups = shown.groups
    shown.tabs.setCurrentWidget(groups)
    assert groups.member_count("Big") == 70
    row = shown.groups_model.row_of("Big")
    assert row is not None
    groups.groups_view.selectRow(row)
    assert groups.group == "Big"
    model = groups.members_model
    assert model is not None
    qtbot.waitUntil(lambda: model.count >= 60 and not model.is_loading, timeout=WAIT_MS)
    for _ in range(5):
        if not model.has_more:
            break
        groups.members_view.scrollToBottom()
        qtbot.waitUntil(lambda: not model.is_loading, timeout=WAIT_MS)
    assert model.count == 70
    assert groups.members_count.text() == "70 members"
    screenshot(shown, "09-admin-groups")

    qtbot.keyClicks(groups.add_name, "alice")
    qtbot.mouseClick(groups.add_button, LEFT)
    qtbot.waitUntil(lambda: groups.member_count("Big") == 71, timeout=WAIT_MS)
    assert groups.message.text() == "alice added to Big."
    assert groups.add_name.text() == ""

    groups.choose_group("Admin")
    admins = groups.members_model
    assert admins is not None and admins is not model
    qtbot.waitUntil(lambda: admins.count == 1 and not admins.is_loading, timeout=WAIT_MS)
    idp.admin_add_user_to_group(UserPoolId=stand_in.pool.id, Username="alice", GroupName="Admin")
    admins.refresh()
    qtbot.waitUntil(lambda: admins.count == 2 and not admins.is_loading, timeout=WAIT_MS)
    alice_row = admins.row_of("alice")
    assert alice_row is not None
    groups.members_view.selectRow(alice_row)
    assert groups.remove_button.isEnabled()
    qtbot.mouseClick(groups.remove_button, LEFT)
    assert say_yes(qtbot, groups.confirm_dialog) == "Remove 1 user: alice from Admin?"
    qtbot.waitUntil(lambda: groups.member_count("Admin") == 1, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: admins.count == 1 and not admins.is_loading, timeout=WAIT_MS)


# -- Overview ------------------------------------------------------------------------------


def test_overview_charts_and_pending_invitations_with_resend(
    qtbot: QtBot, admin_bridge: qt_bridge.SessionBridge, stand_in: server.LocalCognito
) -> None:
    seed.seed_synthetic(stand_in.pool, 65)  # more than one page to count

    def later() -> datetime.datetime:
        return datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=10)

    panel = overview.OverviewPanel(admin_bridge, now=later)
    qtbot.addWidget(panel)
    panel.resize(900, 600)
    panel.show()
    with qtbot.waitSignal(panel.loaded, timeout=WAIT_MS):
        panel.ensure_loaded()
    confirmed = 65 + DEMO - 1  # all but newbie
    assert dict(panel.status_chart.bars()) == {
        "Confirmed": confirmed,
        "Invited, must set a password": 1,
    }
    assert dict(panel.group_chart.bars()) == {"Admin": 1}
    assert f"Confirmed: {confirmed}" in panel.status_chart.accessibleDescription()
    assert panel.summary.text() == f"{65 + DEMO} users in 1 group."
    assert panel.days.value() == overview.DEFAULT_PENDING_DAYS
    assert panel.pending_usernames() == ["newbie"]
    screenshot(panel, "10-admin-overview")
    panel.days.setValue(30)
    assert panel.pending_usernames() == []
    panel.days.setValue(7)

    before = len(stand_in.pool.outbox.messages(username="newbie"))
    qtbot.mouseClick(panel.resend_buttons["newbie"], LEFT)
    qtbot.waitUntil(lambda: panel.resend_buttons["newbie"].text() == "Sent", timeout=WAIT_MS)
    assert len(stand_in.pool.outbox.messages(username="newbie")) == before + 1
    assert panel.message.text() == "Invitation sent again to newbie."
    image = panel.status_chart.grab().toImage()
    assert not image.isNull()


# -- last sign-in (issue 20) ---------------------------------------------------------------

SIGN_IN_FORMAT = "%Y-%m-%dT%H:%M:%SZ"  # what the post authentication trigger writes


def set_last_sign_in(
    idp: Any, stand_in: server.LocalCognito, username: str, moment: datetime.datetime
) -> None:
    """What the post authentication trigger does at a sign-in, done by hand."""
    idp.admin_update_user_attributes(
        UserPoolId=stand_in.pool.id,
        Username=username,
        UserAttributes=[{"Name": "custom:last_sign_in", "Value": moment.strftime(SIGN_IN_FORMAT)}],
    )


def test_the_users_table_shows_the_last_sign_in_or_never(
    idp: Any, stand_in: server.LocalCognito, make_section: Callable[[], section.AdminSection]
) -> None:
    signed_in = datetime.datetime(2026, 3, 1, 8, 15, 9, tzinfo=datetime.UTC)
    set_last_sign_in(idp, stand_in, "alice", signed_in)
    panel = make_section().users
    column = users_model.Column.LAST_SIGN_IN
    assert panel.model.headerData(column, QtCore.Qt.Orientation.Horizontal) == "Last sign-in"
    assert row_user(panel, "alice").last_sign_in == signed_in
    # Local time to the minute, as the Created column shows its dates.
    assert cell(panel, "alice", column) == signed_in.astimezone().strftime("%Y-%m-%d %H:%M")
    assert cell(panel, "newbie", column) == "Never"
    assert "\n" not in cell(panel, "alice", column)
    panel.table.sortByColumn(column, QtCore.Qt.SortOrder.DescendingOrder)
    assert panel.model.user(0) == row_user(panel, "alice")  # the only one signed in: first


def test_overview_counts_users_not_signed_in_for_90_days(
    qtbot: QtBot, admin_bridge: qt_bridge.SessionBridge, idp: Any, stand_in: server.LocalCognito
) -> None:
    now = datetime.datetime.now(datetime.UTC)
    set_last_sign_in(idp, stand_in, "alice", now - datetime.timedelta(days=120))
    set_last_sign_in(idp, stand_in, "tom", now - datetime.timedelta(days=2))
    clock = {"now": now}
    panel = overview.OverviewPanel(admin_bridge, now=lambda: clock["now"])
    qtbot.addWidget(panel)
    panel.show()
    with qtbot.waitSignal(panel.loaded, timeout=WAIT_MS):
        panel.ensure_loaded()
    # alice only: tom signed in lately, and every other account is minutes old.
    assert panel.inactive_label.text() == "Not signed in for 90 days: 1"
    panel.stop_mfa_count()

    # 91 days on, every demo account counts: tom's sign-in is 93 days old, and the
    # ones that never signed in were created more than 90 days before.
    clock["now"] = now + datetime.timedelta(days=91)
    with qtbot.waitSignal(panel.loaded, timeout=WAIT_MS):
        panel.refresh()
    assert panel.inactive_label.text() == f"Not signed in for 90 days: {DEMO}"
    panel.stop_mfa_count()


# -- the account lifecycle (issue 18) ------------------------------------------------------

SIGN_UP_PASSWORD = "Signed-Up-Passw0rd!"


def sign_up(idp: Any, stand_in: server.LocalCognito, username: str) -> None:
    """Self-registration, as managed login's "Sign up" does it: UNCONFIRMED until the code."""
    idp.sign_up(
        ClientId=stand_in.pool.client_id,
        Username=username,
        Password=SIGN_UP_PASSWORD,
        UserAttributes=[{"Name": "email", "Value": f"{username}@example.com"}],
    )


def enable_totp(stand_in: server.LocalCognito, username: str) -> None:
    """An authenticator app switched on, as AdminGetUser then reports it."""
    user = stand_in.pool.pool.users[username]
    user.token_verified = user.software_token_mfa_enabled = True


def cell(panel: users_panel.UsersPanel, username: str, column: users_model.Column) -> Any:
    row = panel.model.row_of(username)
    assert row is not None, f"{username} is not in the table"
    return panel.model.data(panel.model.index(row, column))


def test_a_pending_sign_up_is_confirmed_after_the_admin_says_yes(
    qtbot: QtBot,
    idp: Any,
    stand_in: server.LocalCognito,
    make_section: Callable[[], section.AdminSection],
) -> None:
    sign_up(idp, stand_in, "sam")
    panel = make_section().users
    pane = panel.detail
    status = users_model.Column.STATUS
    assert cell(panel, "sam", status) == "Signed up, email not confirmed"
    detail_of(qtbot, panel, "sam")
    assert pane.card.fields["status"].text() == "Signed up, email not confirmed"
    assert pane.confirm_sign_up_button.isVisibleTo(pane)
    assert pane.resend_code_button.isVisibleTo(pane)
    assert pane.verify_email_button.isVisibleTo(pane)
    assert not pane.reset_mfa_button.isVisibleTo(pane)
    screenshot(panel.window(), "20-admin-sign-up")

    qtbot.mouseClick(pane.confirm_sign_up_button, LEFT)
    dialog = pane.confirm_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.question.text() == (
        "Confirm sam's sign-up without the code sent to their email? They can then sign in."
    )
    screenshot(dialog, "21-admin-confirm-sign-up")
    qtbot.mouseClick(dialog.confirm_button, LEFT)
    qtbot.waitUntil(lambda: cell(panel, "sam", status) == "Confirmed", timeout=WAIT_MS)
    assert panel.message.text() == "sam's sign-up is confirmed; they can sign in now."
    assert idp.admin_get_user(UserPoolId=stand_in.pool.id, Username="sam")["UserStatus"] == (
        "CONFIRMED"
    )
    qtbot.waitUntil(lambda: not pane.confirm_sign_up_button.isVisibleTo(pane), timeout=WAIT_MS)


def test_the_mfa_column_fills_in_and_an_admin_resets_mfa(
    qtbot: QtBot, stand_in: server.LocalCognito, make_section: Callable[[], section.AdminSection]
) -> None:
    enable_totp(stand_in, "alice")
    panel = make_section().users
    mfa = users_model.Column.MFA
    assert panel.model.headerData(mfa, QtCore.Qt.Orientation.Horizontal) == "MFA"
    qtbot.waitUntil(lambda: cell(panel, "alice", mfa) == "TOTP", timeout=WAIT_MS)
    assert cell(panel, "dora", mfa) == "None"
    screenshot(panel.window(), "22-admin-users-mfa")

    pane = panel.detail
    detail_of(qtbot, panel, "alice")
    assert pane.card.fields["mfa"].text() == "TOTP"
    assert pane.reset_mfa_button.isVisibleTo(pane) and pane.reset_mfa_button.isEnabled()
    qtbot.mouseClick(pane.reset_mfa_button, LEFT)
    dialog = pane.confirm_dialog
    assert dialog is not None and dialog.question.text().startswith("Reset alice's MFA?")
    qtbot.mouseClick(dialog.confirm_button, LEFT)
    qtbot.waitUntil(lambda: cell(panel, "alice", mfa) == "None", timeout=WAIT_MS)
    assert pane.card.fields["mfa"].text() == "None"
    assert not stand_in.pool.pool.users["alice"].software_token_mfa_enabled

    # The admin's own MFA: not from here.
    enable_totp(stand_in, "admin")
    detail_of(qtbot, panel, "alice")  # away and back: read again
    detail_of(qtbot, panel, "admin")
    assert pane.reset_mfa_button.isVisibleTo(pane) and not pane.reset_mfa_button.isEnabled()
    assert pane.reset_mfa_button.toolTip() == messages.admin_text(actions.RESET_MFA.own_account)


def test_bulk_mark_emails_verified_asks_then_runs_over_the_selection(
    qtbot: QtBot,
    idp: Any,
    stand_in: server.LocalCognito,
    make_section: Callable[[], section.AdminSection],
) -> None:
    for name in ("sam", "tess"):
        sign_up(idp, stand_in, name)
    panel = make_section().users
    select_usernames(panel, ["sam", "tess"])
    panel.bulk_account_actions[actions.MARK_EMAIL_VERIFIED].trigger()
    question = panel.bulk_question
    assert question is not None and question.isVisible()
    assert "2 users: sam, tess" in question.question.text()
    qtbot.mouseClick(question.confirm_button, LEFT)
    dialog = panel.bulk_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: not dialog.progress.running, timeout=WAIT_MS)
    assert dialog.progress.failures() == []
    for name in ("sam", "tess"):
        user = idp.admin_get_user(UserPoolId=stand_in.pool.id, Username=name)
        attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
        assert attributes["email_verified"] == "true"
    dialog.accept()


def test_overview_counts_pending_sign_ups_and_users_without_mfa(
    qtbot: QtBot, admin_bridge: qt_bridge.SessionBridge, idp: Any, stand_in: server.LocalCognito
) -> None:
    sign_up(idp, stand_in, "sam")
    enable_totp(stand_in, "alice")
    seed.seed_synthetic(stand_in.pool, 65)  # two batches of MFA reads
    users = stand_in.pool.pool.users.values()
    without = sum(1 for user in users if not user.software_token_mfa_enabled)
    total = len(stand_in.pool.pool.users)
    panel = overview.OverviewPanel(admin_bridge)
    qtbot.addWidget(panel)
    panel.show()
    with qtbot.waitSignal(panel.loaded, timeout=WAIT_MS):
        panel.ensure_loaded()
    assert panel.unconfirmed_label.text() == "Sign-ups not confirmed: 1"
    assert ("Signed up, email not confirmed", 1) in panel.status_chart.bars()
    assert "counting" in panel.mfa_label.text() and panel.mfa_stop_button.isVisible()
    with qtbot.waitSignal(panel.mfaCounted, timeout=WAIT_MS):
        pass
    assert panel.mfa_label.text() == f"Users without MFA: {without} of {total}."
    assert not panel.mfa_stop_button.isVisible()


# -- attributes, groups, the default window (issue 21) ---------------------------------------


def user_attributes(idp: Any, stand_in: server.LocalCognito, username: str) -> dict[str, str]:
    user = idp.admin_get_user(UserPoolId=stand_in.pool.id, Username=username)
    return {a["Name"]: a["Value"] for a in user["UserAttributes"]}


def test_attributes_are_edited_as_the_schema_allows(
    qtbot: QtBot, idp: Any, stand_in: server.LocalCognito, panel: users_panel.UsersPanel
) -> None:
    pane = panel.detail
    detail_of(qtbot, panel, "alice")
    dialog = pane.edit_attributes()
    assert dialog is not None
    qtbot.waitUntil(lambda: "custom:department" in dialog.editors, timeout=WAIT_MS)
    assert "sub" not in dialog.editors  # Cognito's own: shown, never edited
    assert "email_verified" not in dialog.editors
    dialog.editors["custom:department"].setText("Sales")
    dialog.editors["email"].setText("alice@new.example.com")
    assert dialog.mark_verified.isVisibleTo(dialog) and not dialog.mark_verified.isChecked()
    screenshot(dialog, "24-admin-attributes")
    qtbot.keyClick(dialog.editors["email"], ENTER)  # Save is the default button
    qtbot.waitUntil(lambda: pane.attributes_dialog is None, timeout=WAIT_MS)
    stored = user_attributes(idp, stand_in, "alice")
    assert stored["custom:department"] == "Sales"
    # Cognito's rule: the new address is never verified until alice confirms it (in a
    # pool that verifies before updating, the old one stays, verified, meanwhile).
    assert (stored["email"], stored.get("email_verified")) in (
        ("alice@new.example.com", "false"),
        ("alice@new.example.com", None),
        ("alice@example.com", "true"),
    )
    assert panel.message.text() == "alice's attributes are saved."
    shown = "No" if stored["email"] == "alice@new.example.com" else "Yes"
    qtbot.waitUntil(lambda: pane.card.fields["email_verified"].text() == shown, timeout=WAIT_MS)

    # Marked verified on purpose, and a field emptied is deleted.
    again = pane.edit_attributes()
    assert again is not None
    qtbot.waitUntil(lambda: "custom:department" in again.editors, timeout=WAIT_MS)
    again.editors["email"].setText("alice@example.com")
    again.mark_verified.setChecked(True)
    again.editors["custom:department"].clear()
    again.save()
    qtbot.waitUntil(lambda: pane.attributes_dialog is None, timeout=WAIT_MS)
    stored = user_attributes(idp, stand_in, "alice")
    assert stored["email"] == "alice@example.com" and stored["email_verified"] == "true"
    assert "custom:department" not in stored


def test_groups_are_created_edited_and_deleted_but_not_the_admin_group(
    qtbot: QtBot,
    idp: Any,
    stand_in: server.LocalCognito,
    make_section: Callable[[], section.AdminSection],
) -> None:
    shown = make_section()
    groups = shown.groups
    shown.tabs.setCurrentWidget(groups)
    dialog = groups.open_new_group()
    qtbot.keyClicks(dialog.name, "Ops")
    qtbot.keyClicks(dialog.description, "On call")
    qtbot.keyClicks(dialog.precedence, "3")
    qtbot.keyClick(dialog.precedence, ENTER)
    qtbot.waitUntil(lambda: groups.group == "Ops", timeout=WAIT_MS)
    found = idp.get_group(GroupName="Ops", UserPoolId=stand_in.pool.id)["Group"]
    assert (found["Description"], found["Precedence"]) == ("On call", 3)
    assert groups.message.text() == "Group Ops created."

    edit = groups.open_edit_group()
    assert edit is not None
    edit.precedence.setText("1")
    qtbot.keyClick(edit.precedence, ENTER)
    qtbot.waitUntil(lambda: groups.message.text() == "Group Ops saved.", timeout=WAIT_MS)
    found = idp.get_group(GroupName="Ops", UserPoolId=stand_in.pool.id)["Group"]
    assert (found["Description"], found["Precedence"]) == ("On call", 1)

    idp.admin_add_user_to_group(UserPoolId=stand_in.pool.id, Username="alice", GroupName="Ops")
    groups.refresh()
    qtbot.waitUntil(lambda: groups.member_count("Ops") == 1, timeout=WAIT_MS)
    deleting = groups.ask_delete_group()
    assert deleting is not None
    assert deleting.text.text().startswith("Delete the group Ops (1 member)?")
    screenshot(deleting, "25-admin-delete-group")
    qtbot.keyClicks(deleting.confirm, "Ops")
    qtbot.keyClick(deleting.confirm, ENTER)
    qtbot.waitUntil(lambda: shown.groups_model.row_of("Ops") is None, timeout=WAIT_MS)
    with pytest.raises(idp.exceptions.ResourceNotFoundException):
        idp.get_group(GroupName="Ops", UserPoolId=stand_in.pool.id)
    assert idp.admin_get_user(UserPoolId=stand_in.pool.id, Username="alice")["Enabled"]

    groups.choose_group("Admin")
    assert not groups.delete_button.isEnabled()
    assert "admin group" in groups.delete_button.toolTip()


def test_the_default_window_shows_everything_unclipped(
    qtbot: QtBot, admin_bridge: qt_bridge.SessionBridge
) -> None:
    window = QtWidgets.QMainWindow()
    qtbot.addWidget(window)
    window.menuBar().addMenu("&Account")
    window.statusBar().showMessage("Signed in")
    view = signed_in_view.SignedInView(admin_bridge)
    window.setCentralWidget(view)
    window.resize(960, 640)  # the app's default (ui/main_window.py)
    window.show()
    qtbot.waitExposed(window)
    view.nav.setCurrentRow(2)
    panel = view.admin.users
    settle(qtbot, panel)
    detail_of(qtbot, panel, "alice")
    QtWidgets.QApplication.processEvents()

    # The navigation: every entry whole.
    metrics = view.nav.fontMetrics()
    for row in range(view.nav.count()):
        item = view.nav.item(row)
        assert item is not None
        if item.isHidden():
            continue
        room = view.nav.visualItemRect(item).width()
        assert metrics.horizontalAdvance(item.text()) <= room, item.text()
        assert view.nav.visualItemRect(item).right() <= view.nav.viewport().width()

    # The users table: every column in view, none scrolled off.
    table = panel.table
    assert table.horizontalScrollBar().maximum() == 0
    header = table.horizontalHeader()
    widths = [header.sectionSize(c) for c in range(header.count())]
    assert sum(widths) <= table.viewport().width() + 1
    assert all(width >= 40 for width in widths)
    # The detail pane's buttons are not cut short.
    for button in panel.detail.findChildren(QtWidgets.QPushButton):
        if button.isVisibleTo(panel.detail):
            assert button.width() >= button.minimumSizeHint().width(), button.text()
    screenshot(window, "05b-admin-default-size")

    view.admin.tabs.setCurrentWidget(view.admin.groups)
    qtbot.waitUntil(lambda: view.admin.groups_model.rowCount() > 0, timeout=WAIT_MS)
    QtWidgets.QApplication.processEvents()
    screenshot(window, "09b-admin-groups-default-size")
    assert view.admin.groups.groups_view.horizontalScrollBar().maximum() == 0

    view.admin.tabs.setCurrentWidget(view.admin.overview)
    qtbot.waitUntil(lambda: view.admin.overview.snapshot is not None, timeout=WAIT_MS)
    view.admin.overview.stop_mfa_count()
    QtWidgets.QApplication.processEvents()
    screenshot(window, "10b-admin-overview-default-size")
    assert view.admin.overview.pending.horizontalScrollBar().maximum() == 0
    assert view.admin.overview.summary.text().endswith("in 1 group.")


def test_an_unreachable_api_says_offline_with_an_error_and_retry_recovers(
    qtbot: QtBot, admin_bridge: qt_bridge.SessionBridge, api: Any
) -> None:
    """The API gone (nothing listens on its port): the table says "Offline", never
    "0 users loaded, more available"; the failure is visibly an error; Retry, with the
    API back, loads the users."""
    admin_bridge.api = api_client.ApiClient(
        f"http://127.0.0.1:{loopback_probe.free_port()}", admin_bridge.session
    )
    groups = groups_model.GroupsModel(admin_bridge)
    panel = users_panel.UsersPanel(admin_bridge, groups)
    qtbot.addWidget(panel)
    panel.resize(960, 420)
    panel.show()
    qtbot.waitExposed(panel)
    with qtbot.waitSignal(panel.model.failed, timeout=WAIT_MS):
        panel.ensure_loaded()
    assert panel.count_label.text() == "Offline \N{EM DASH} the list could not be loaded."
    assert panel.message.is_error and panel.message.icon.isVisibleTo(panel)
    assert panel.message.accessibleDescription().startswith("Error: The API could not be reached")
    assert panel.retry_button.isVisibleTo(panel)
    QtWidgets.QApplication.processEvents()
    screenshot(panel, "26-admin-offline")

    admin_bridge.api = api_client.ApiClient(api.url, admin_bridge.session)  # back online
    qtbot.mouseClick(panel.retry_button, LEFT)
    settle(qtbot, panel)
    assert panel.count_label.text() == f"{DEMO} users"
    assert not panel.retry_button.isVisibleTo(panel)
