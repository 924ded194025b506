"""The detail pane: its buttons take the table's actions (the consequential ones ask
first, naming the user; cancelled, nothing is sent), say what happened, read the user
again, and are off (with the reason) on the admin's own account."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6 import QtCore
from pytestqt.qtbot import QtBot

from desktop_app import errors
from desktop_app.admin import actions
from desktop_app.models import groups as groups_model
from desktop_app.qt import messages
from desktop_app.ui.admin import user_detail
from tests.support.bridges import ManualBridge
from tests.support.fake_api import FakeApi
from tests.unit.desktop_app.ui.admin.conftest import user_body

LEFT = QtCore.Qt.MouseButton.LeftButton
ENTER = QtCore.Qt.Key.Key_Return
ELLIPSIS = "\N{HORIZONTAL ELLIPSIS}"
GONE = errors.ApiError(404, "no such user", "not_found")


class Pane:
    """The pane over a :class:`ManualBridge`, with what it said recorded."""

    def __init__(self, qtbot: QtBot, bridge: ManualBridge, api: FakeApi) -> None:
        self.bridge, self.api = bridge, api
        self.widget = user_detail.UserDetailPane(bridge, groups_model.GroupsModel(bridge))  # type: ignore[arg-type]
        qtbot.addWidget(self.widget)
        self.said: list[tuple[str, bool]] = []
        self.removed: list[str] = []
        self.changed: list[str] = []
        self.groups_changed = 0
        self.widget.message.connect(lambda text, error: self.said.append((text, error)))
        self.widget.userRemoved.connect(self.removed.append)
        self.widget.userChanged.connect(lambda user: self.changed.append(user.username))
        self.widget.groupsChanged.connect(self._on_groups_changed)

    def _on_groups_changed(self) -> None:
        self.groups_changed += 1

    def show(self, username: str, **changes: Any) -> None:
        """Select ``username``, as the server has them (with ``changes``)."""
        self.api.answers[("GET", f"/admin/users/{username}")] = user_body(username, **changes)
        self.widget.show_user(username)
        self.bridge.finish_all()
        assert self.widget.detail is not None and self.widget.detail.username == username

    def sent(self) -> list[tuple[str, str]]:
        """The requests that changed something (not the reads)."""
        return [(method, path) for method, path, _b in self.api.requests if method != "GET"]

    def answer_yes(self, qtbot: QtBot) -> str:
        """Press Enter on the question the pane asks; what it asked."""
        question = self.widget.confirm_dialog
        assert question is not None and question.isVisible()
        asked = question.question.text()
        qtbot.keyClick(question, ENTER)
        return asked


@pytest.fixture
def pane(qtbot: QtBot, manual: ManualBridge, api: FakeApi) -> Pane:
    return Pane(qtbot, manual, api)


def test_disable_sends_says_it_and_shows_the_user_read_again(
    qtbot: QtBot, pane: Pane, manual: ManualBridge, api: FakeApi
) -> None:
    pane.show("alice")
    shown = pane.widget
    assert shown.toggle_button.text() == "Disable" + ELLIPSIS and shown.toggle_button.isEnabled()
    assert not shown.resend_button.isVisibleTo(shown)  # no pending invitation
    api.answers[("GET", "/admin/users/alice")] = user_body("alice", enabled=False)
    qtbot.mouseClick(shown.toggle_button, LEFT)
    assert pane.answer_yes(qtbot).startswith("Disable alice?")
    assert shown.is_busy and not shown.toggle_button.isEnabled()
    assert [task.name for task in manual.pending()] == ["admin-user-action"]
    manual.finish_all()
    assert pane.sent() == [("POST", "/admin/users/alice/disable")]
    assert pane.said == [("alice is disabled.", False)]
    assert api.requests[-1][:2] == ("GET", "/admin/users/alice")  # read again
    assert shown.toggle_button.text() == "Enable" and shown.toggle_button.isEnabled()
    assert pane.changed[-1] == "alice" and pane.groups_changed == 0
    qtbot.mouseClick(shown.toggle_button, LEFT)  # Enable asks nothing
    assert shown.confirm_dialog is None
    manual.finish_all()
    assert pane.sent()[-1] == ("POST", "/admin/users/alice/enable")


@pytest.mark.parametrize(
    ("button", "asked"),
    [
        ("toggle_button", "Disable alice? They can no longer sign in"),
        ("reset_button", "Reset alice's password? Their password stops working"),
        ("sign_out_button", "Sign alice out everywhere?"),
    ],
)
def test_a_consequential_action_asks_and_cancel_does_nothing(
    qtbot: QtBot, pane: Pane, manual: ManualBridge, button: str, asked: str
) -> None:
    pane.show("alice")
    shown = pane.widget
    qtbot.mouseClick(getattr(shown, button), LEFT)
    question = shown.confirm_dialog
    assert question is not None and question.question.text().startswith(asked)
    assert question.confirm_button.isDefault()
    qtbot.keyClick(question, QtCore.Qt.Key.Key_Escape)
    assert shown.confirm_dialog is None and not shown.is_busy
    assert manual.pending() == [] and pane.sent() == []


def test_adding_to_the_admin_group_asks_and_other_groups_do_not(
    qtbot: QtBot, pane: Pane, manual: ManualBridge
) -> None:
    pane.show("alice")
    shown = pane.widget
    assert shown.take(actions.ADD_TO_GROUP, "Team") is None  # at once
    manual.finish_all()
    question = shown.take(actions.ADD_TO_GROUP, "Admin")
    assert question is not None
    assert question.question.text().startswith("Make alice an admin? Adding them to Admin")
    question.reject()
    assert pane.sent() == [("PUT", "/admin/users/alice/groups/Team")]
    shown.take(actions.ADD_TO_GROUP, "Admin")
    pane.answer_yes(qtbot)
    manual.finish_all()
    assert pane.sent()[-1] == ("PUT", "/admin/users/alice/groups/Admin")


def test_the_admins_own_account_is_guarded_with_the_reasons(
    pane: Pane, manual: ManualBridge
) -> None:
    pane.show("admin", groups=["Admin", "Team"])
    shown = pane.widget
    for button, action in (
        (shown.toggle_button, actions.DISABLE),
        (shown.delete_button, actions.DELETE),
        (shown.reset_button, actions.RESET_PASSWORD),
        (shown.sign_out_button, actions.SIGN_OUT_EVERYWHERE),
    ):
        assert not button.isEnabled(), button.text()
        assert button.toolTip() == messages.admin_text(action.own_account)
    assert set(shown.blocked_reasons()) == set(user_detail.GUARDED)
    assert shown.lockout_note.isVisibleTo(shown)
    admin_chip, team_chip = shown.chip("Admin"), shown.chip("Team")
    assert admin_chip is not None and admin_chip.remove_button is not None
    assert not admin_chip.remove_button.isEnabled()
    assert admin_chip.remove_button.toolTip() == messages.admin_text(
        actions.REMOVE_FROM_GROUP.own_account
    )
    assert team_chip is not None and team_chip.remove_button is not None
    assert team_chip.remove_button.isEnabled()

    # Called directly all the same, nothing is sent.
    shown.toggle_enabled()
    shown.take(actions.RESET_PASSWORD)
    shown.take(actions.REMOVE_FROM_GROUP, "Admin")
    assert shown.ask_delete() is None
    assert manual.pending() == [] and pane.sent() == []
    shown.take(actions.REMOVE_FROM_GROUP, "Team")  # another group: allowed
    manual.finish_all()
    assert pane.sent() == [("DELETE", "/admin/users/admin/groups/Team")]


def test_a_failed_action_is_said_and_a_user_gone_leaves(
    qtbot: QtBot, pane: Pane, api: FakeApi
) -> None:
    pane.show("alice")
    api.answers[("POST", "/admin/users/alice/reset-password")] = GONE
    api.answers[("GET", "/admin/users/alice")] = GONE
    qtbot.mouseClick(pane.widget.reset_button, LEFT)
    pane.answer_yes(qtbot)
    pane.bridge.finish_all()
    assert pane.said == [("That user (or group) no longer exists; the list was refreshed.", True)]
    assert pane.removed == ["alice"]
    assert pane.widget.username is None and not pane.widget.is_busy


def test_group_changes_make_the_counts_stale_whichever_way_they_went(
    pane: Pane, api: FakeApi
) -> None:
    pane.show("alice")
    pane.widget.take(actions.ADD_TO_GROUP, "Team")
    pane.bridge.finish_all()
    api.answers[("DELETE", "/admin/users/alice/groups/Beta")] = errors.ApiError(
        400, "not a member", "invalid_request"
    )
    pane.widget.take(actions.REMOVE_FROM_GROUP, "Beta")
    pane.bridge.finish_all()
    assert pane.said == [
        ("alice added to Team.", False),
        ("The request was refused: not a member.", True),
    ]
    assert pane.groups_changed == 2


def test_delete_asks_for_the_username_then_the_row_goes(pane: Pane) -> None:
    pane.show("dora")
    dialog = pane.widget.ask_delete()
    assert dialog is not None and pane.widget.ask_delete() is dialog  # asked once
    assert pane.sent() == []
    dialog.confirm.setText("dora")
    dialog.accept()
    pane.bridge.finish_all()
    assert pane.sent() == [("DELETE", "/admin/users/dora")]
    assert pane.said == [("dora was deleted.", False)]
    assert pane.removed == ["dora"] and pane.widget.username is None


def test_an_action_on_a_user_no_longer_shown_still_updates_their_row(
    pane: Pane, manual: ManualBridge
) -> None:
    pane.show("alice", status="FORCE_CHANGE_PASSWORD")
    assert pane.widget.resend_button.isVisibleTo(pane.widget)
    pane.widget.take(actions.RESEND_INVITATION)
    [action] = manual.pending()
    pane.api.answers[("GET", "/admin/users/bob")] = user_body("bob")
    pane.widget.show_user("bob")  # selected another while the invitation went out
    manual.pending()[-1].finish()
    action.finish()
    manual.finish_all()
    assert pane.said == [("Invitation sent again to alice.", False)]
    assert pane.changed[-2:] == ["bob", "alice"]
    assert pane.widget.username == "bob"


def test_a_403_is_passed_on(qtbot: QtBot, pane: Pane, api: FakeApi) -> None:
    pane.show("alice")
    api.answers[("POST", "/admin/users/alice/sign-out")] = errors.ApiError(403, "no", "forbidden")
    with qtbot.waitSignal(pane.widget.forbidden, timeout=1_000) as refused:
        qtbot.mouseClick(pane.widget.sign_out_button, LEFT)
        pane.answer_yes(qtbot)
        pane.bridge.finish_all()
    assert refused.args == ["You are not allowed to do this (admin group required)."]
