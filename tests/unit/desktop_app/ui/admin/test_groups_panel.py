"""The Groups tab: the membership buttons (the table's add and remove, the admin kept
in the admin group, removing asks first naming the members, one call for them,
everything read again after), and the groups themselves: create, edit, delete with the
member count and the name typed, the admin group never deleted."""

from __future__ import annotations

import pytest
from PySide6 import QtCore, QtTest
from pytestqt.qtbot import QtBot

from desktop_app import errors
from desktop_app.admin import actions, group_actions
from desktop_app.models import groups as groups_model
from desktop_app.qt import messages
from desktop_app.ui.admin import dialogs, groups_panel
from tests.support.bridges import ManualBridge
from tests.support.fake_api import FakeApi
from tests.unit.desktop_app.ui.admin.conftest import user_body

SELECT = QtCore.QItemSelectionModel.SelectionFlag
MEMBERS = {"Admin": ("admin", "alice"), "Team": ("alice", "bob")}
ENTER = QtCore.Qt.Key.Key_Return


@pytest.fixture
def panel(qtbot: QtBot, manual: ManualBridge, api: FakeApi) -> groups_panel.GroupsPanel:
    api.answers[("GET", "/admin/groups")] = {
        "groups": [{"name": name, "member_count": len(names)} for name, names in MEMBERS.items()]
    }
    for group, names in MEMBERS.items():
        body = {"users": [user_body(name) for name in names]}
        api.answers[("GET", f"/admin/groups/{group}/members")] = body
    shown = groups_panel.GroupsPanel(manual, groups_model.GroupsModel(manual))  # type: ignore[arg-type]
    qtbot.addWidget(shown)
    shown.refresh()
    manual.finish_all()
    return shown


def choose(
    panel: groups_panel.GroupsPanel, bridge: ManualBridge, group: str, *selected: str
) -> None:
    """Show ``group``'s members (loaded), with ``selected`` selected."""
    panel.choose_group(group)
    bridge.finish_all()
    model = panel.members_model
    assert model is not None
    chosen = QtCore.QItemSelection()
    for name in selected:
        row = model.row_of(name)
        assert row is not None, name
        chosen.select(model.index(row, 0), model.index(row, 0))
    panel.members_view.selectionModel().select(chosen, SELECT.ClearAndSelect | SELECT.Rows)


def confirm(question: dialogs.ConfirmDialog | None) -> None:
    """Say yes to ``question``, as a person pressing Enter."""
    assert question is not None and question.isVisible()
    QtTest.QTest.keyClick(question, ENTER)
    assert not question.isVisible()


def sent(api: FakeApi) -> list[tuple[str, str]]:
    """The requests that changed something (not the reads)."""
    return [(method, path) for method, path, _b in api.requests if method != "GET"]


def reads(api: FakeApi) -> list[str]:
    return [path for method, path, _b in api.requests if method == "GET"]


def test_the_admin_cannot_leave_the_admin_group_here(
    panel: groups_panel.GroupsPanel, manual: ManualBridge, api: FakeApi
) -> None:
    choose(panel, manual, "Admin", "admin", "alice")
    assert not panel.remove_button.isEnabled()
    reason = messages.admin_text(actions.REMOVE_FROM_GROUP.own_account)
    assert panel.removal_blocked() == panel.remove_button.toolTip() == reason
    panel.remove_selected()  # called directly all the same: nothing is sent
    assert sent(api) == []
    choose(panel, manual, "Admin", "alice")
    assert panel.remove_button.isEnabled() and panel.remove_button.toolTip() == ""


def test_removing_members_is_one_call_that_stops_at_the_first_failure(
    qtbot: QtBot, panel: groups_panel.GroupsPanel, manual: ManualBridge, api: FakeApi
) -> None:
    choose(panel, manual, "Team", "alice", "bob")
    api.answers[("DELETE", "/admin/users/alice/groups/Team")] = errors.ApiError(404, "no", None)
    with qtbot.waitSignal(panel.membershipChanged, timeout=1_000) as changed:
        confirm(panel.remove_selected())
        assert panel.is_busy and not panel.remove_button.isEnabled()
        [call] = manual.pending()
        call.finish()
    assert changed.args == [["alice", "bob"]]
    assert sent(api) == [("DELETE", "/admin/users/alice/groups/Team")]  # bob's never went
    assert panel.message.text() == "That user (or group) no longer exists; the list was refreshed."
    assert not panel.is_busy
    before = len(reads(api))
    manual.finish_all()
    assert reads(api)[before:] == ["/admin/groups", "/admin/groups/Team/members"]  # again
    del api.answers[("DELETE", "/admin/users/alice/groups/Team")]
    choose(panel, manual, "Team", "alice", "bob")
    confirm(panel.remove_selected())
    manual.finish_all()
    assert panel.message.text() == "2 members removed from Team."


def test_add_member_checks_the_name_then_adds(
    panel: groups_panel.GroupsPanel, manual: ManualBridge, api: FakeApi
) -> None:
    choose(panel, manual, "Team")
    panel.add_member("bad name")
    assert panel.message.is_error and "username must be" in panel.message.text()
    assert manual.pending() == []
    panel.add_name.setText("carol")
    panel.add_button.click()
    manual.finish_all()
    assert sent(api) == [("PUT", "/admin/users/carol/groups/Team")]
    assert panel.message.text() == "carol added to Team."
    assert panel.add_name.text() == ""


def test_removing_members_asks_naming_them_and_cancel_removes_nobody(
    qtbot: QtBot, panel: groups_panel.GroupsPanel, manual: ManualBridge, api: FakeApi
) -> None:
    choose(panel, manual, "Team", "alice", "bob")
    question = panel.remove_selected()
    assert question is not None
    assert question.question.text() == "Remove 2 users: alice, bob from Team?"
    assert question.confirm_button.text() == "Remove from group"
    qtbot.keyClick(question, QtCore.Qt.Key.Key_Escape)
    assert panel.confirm_dialog is None
    assert manual.pending() == [] and sent(api) == []


def test_adding_someone_to_the_admin_group_asks_first(
    qtbot: QtBot, panel: groups_panel.GroupsPanel, manual: ManualBridge, api: FakeApi
) -> None:
    choose(panel, manual, "Team")
    assert panel.add_member("carol") is None  # another group: at once
    manual.finish_all()
    assert sent(api) == [("PUT", "/admin/users/carol/groups/Team")]
    choose(panel, manual, "Admin")
    question = panel.add_member("carol")
    assert question is not None and question.question.text().startswith("Make carol an admin?")
    question.reject()
    assert manual.pending() == [] and len(sent(api)) == 1  # cancelled: nothing
    confirm(panel.add_member("carol"))
    manual.finish_all()
    assert sent(api)[-1] == ("PUT", "/admin/users/carol/groups/Admin")


# -- the groups themselves -----------------------------------------------------------------


def test_the_admin_group_cannot_be_deleted_and_says_why(
    panel: groups_panel.GroupsPanel, manual: ManualBridge, api: FakeApi
) -> None:
    assert panel.groups_status.text() == "2 groups"
    assert panel.new_button.isEnabled() and not panel.delete_button.isEnabled()
    choose(panel, manual, "Admin")
    assert panel.edit_button.isEnabled()  # its description can be edited
    assert not panel.delete_button.isEnabled()
    reason = messages.admin_text(group_actions.DELETE_GROUP.admin_group)
    assert panel.delete_button.toolTip() == panel.delete_blocked() == reason
    assert panel.ask_delete_group() is None and sent(api) == []
    choose(panel, manual, "Team")
    assert panel.delete_button.isEnabled() and panel.delete_button.toolTip() == ""


def test_deleting_a_group_shows_its_members_and_needs_its_name(
    qtbot: QtBot, panel: groups_panel.GroupsPanel, manual: ManualBridge, api: FakeApi
) -> None:
    choose(panel, manual, "Team")
    dialog = panel.ask_delete_group()
    assert dialog is not None and dialog.isVisible()
    assert dialog.text.text().startswith("Delete the group Team (2 members)?")
    qtbot.keyClick(dialog.confirm, ENTER)  # nothing typed: nothing happens
    assert dialog.isVisible() and manual.pending() == []
    dialog.reject()  # cancelled: nothing sent
    assert panel.delete_dialog is None and sent(api) == []

    dialog = panel.ask_delete_group()
    assert dialog is not None
    qtbot.keyClicks(dialog.confirm, "Team")
    qtbot.keyClick(dialog.confirm, ENTER)
    api.answers[("GET", "/admin/groups")] = {"groups": [{"name": "Admin", "member_count": 2}]}
    manual.finish_all()
    assert sent(api) == [("DELETE", "/admin/groups/Team")]
    assert panel.message.text() == "Group Team was deleted."
    assert panel.group is None and panel.groups_model.row_of("Team") is None
    assert panel.groups_status.text() == "1 group"


def test_a_new_group_is_created_then_chosen(
    qtbot: QtBot, panel: groups_panel.GroupsPanel, manual: ManualBridge, api: FakeApi
) -> None:
    dialog = panel.open_new_group()
    assert dialog.creating and not dialog.save_button.isEnabled()
    qtbot.keyClicks(dialog.name, "Ops")
    qtbot.keyClicks(dialog.precedence, "-3")
    assert dialog.hints["precedence"].isVisibleTo(dialog)
    assert not dialog.save_button.isEnabled()
    dialog.precedence.setText("3")
    dialog.description.setText(" On call ")
    created = {"name": "Ops", "description": "On call", "precedence": 3, "member_count": 0}
    api.answers[("POST", "/admin/groups")] = created
    groups = api.answers[("GET", "/admin/groups")]["groups"]
    api.answers[("GET", "/admin/groups")] = {"groups": [*groups, created]}
    api.answers[("GET", "/admin/groups/Ops/members")] = {"users": []}
    qtbot.keyClick(dialog.name, ENTER)
    manual.finish_all()
    assert (
        "POST",
        "/admin/groups",
        {"name": "Ops", "description": "On call", "precedence": 3},
    ) in api.requests
    assert panel.message.text() == "Group Ops created."
    assert not dialog.isVisible() and panel.group == "Ops"


def test_editing_a_group_sends_only_what_changed(
    qtbot: QtBot, panel: groups_panel.GroupsPanel, manual: ManualBridge, api: FakeApi
) -> None:
    choose(panel, manual, "Team")
    dialog = panel.open_edit_group()
    assert dialog is not None and not dialog.creating
    assert dialog.name.text() == "Team" and dialog.name.isReadOnly()
    assert not dialog.save_button.isEnabled()  # nothing changed
    dialog.precedence.setText("1")
    api.answers[("PATCH", "/admin/groups/Team")] = {
        "name": "Team",
        "precedence": 1,
        "member_count": 2,
    }
    qtbot.keyClick(dialog.precedence, ENTER)
    manual.finish_all()
    assert ("PATCH", "/admin/groups/Team", {"precedence": 1}) in api.requests
    assert panel.message.text() == "Group Team saved."


def test_a_refused_new_group_keeps_the_dialog_open(
    qtbot: QtBot, panel: groups_panel.GroupsPanel, manual: ManualBridge, api: FakeApi
) -> None:
    api.answers[("POST", "/admin/groups")] = errors.ApiError(409, "exists", "already_exists")
    dialog = panel.open_new_group()
    dialog.name.setText("Team")
    dialog.save()
    manual.finish_all()
    assert dialog.isVisible() and dialog.message.is_error
    assert dialog.message.text() == "A group with that name already exists."
    assert panel.open_new_group() is dialog  # the same dialog, not a second
