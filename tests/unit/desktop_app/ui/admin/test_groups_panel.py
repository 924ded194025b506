"""The Groups tab's membership buttons: the table's add and remove, the admin kept in
the admin group, one call for the selected members, everything read again after."""

from __future__ import annotations

import pytest
from PySide6 import QtCore
from pytestqt.qtbot import QtBot

from desktop_app import errors
from desktop_app.admin import actions
from desktop_app.models import groups as groups_model
from desktop_app.qt import messages
from desktop_app.ui.admin import groups_panel
from tests.support.bridges import ManualBridge
from tests.support.fake_api import FakeApi
from tests.unit.desktop_app.ui.admin.conftest import user_body

SELECT = QtCore.QItemSelectionModel.SelectionFlag
MEMBERS = {"Admin": ("admin", "alice"), "Team": ("alice", "bob")}


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
        panel.remove_selected()
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
    panel.remove_selected()
    manual.finish_all()
    assert panel.message.text() == "2 member(s) removed from Team."


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
