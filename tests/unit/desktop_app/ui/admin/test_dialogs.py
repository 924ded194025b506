"""The invite dialog (validates as you type, sends the table's invite; Enter sends it),
the confirmations that need a name typed, and the question before an action: in each
the action is the default button, and cancelling does nothing."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets
from pytestqt.qtbot import QtBot

from desktop_app import errors
from desktop_app.ui.admin import dialogs
from tests.support.bridges import ThreadedBridge
from tests.support.fake_api import FakeApi
from tests.unit.desktop_app.ui.admin.conftest import user_body

LEFT = QtCore.Qt.MouseButton.LeftButton
ENTER = QtCore.Qt.Key.Key_Return


def next_tab(widget: QtWidgets.QWidget) -> QtWidgets.QWidget:
    """Where Tab goes from ``widget``: the next widget in the chain that takes Tab."""
    found = widget.nextInFocusChain()
    while not found.focusPolicy() & QtCore.Qt.FocusPolicy.TabFocus:
        found = found.nextInFocusChain()
    return found


def invite_dialog(qtbot: QtBot, bridge: ThreadedBridge, groups: list[str]) -> dialogs.InviteDialog:
    dialog = dialogs.InviteDialog(bridge, groups)  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    dialog.open()
    return dialog


def test_invite_dialog_validates_as_you_type(qtbot: QtBot, threaded: ThreadedBridge) -> None:
    dialog = invite_dialog(qtbot, threaded, ["Admin", "Team"])
    assert not dialog.send_button.isEnabled()
    assert dialog.username_hint.text() == "" and dialog.email_hint.text() == ""  # not yet

    qtbot.keyClicks(dialog.username, "bad name")
    assert "username" in dialog.username_hint.text()
    dialog.username.setText("carol")
    assert dialog.username_hint.text() == ""
    qtbot.keyClicks(dialog.email, "carol@")
    assert dialog.email_hint.text() == "Enter a valid email address."
    assert not dialog.send_button.isEnabled()
    qtbot.keyClicks(dialog.email, "example.com")
    assert dialog.problems() == {}
    assert dialog.send_button.isEnabled()
    dialog.set_group_checked("Team")
    assert dialog.chosen_groups() == ["Team"]
    dialog.set_group_checked("Team", False)
    assert dialog.chosen_groups() == []


def test_invite_dialog_sends_then_closes(
    qtbot: QtBot, threaded: ThreadedBridge, api: FakeApi
) -> None:
    api.answer = user_body("carol", status="FORCE_CHANGE_PASSWORD")
    dialog = invite_dialog(qtbot, threaded, ["Team"])
    dialog.username.setText("carol")
    dialog.email.setText(" carol@example.test ")
    dialog.name.setText("Carol")
    dialog.set_group_checked("Team")
    with qtbot.waitSignal(dialog.invited, timeout=5_000) as sent:
        qtbot.mouseClick(dialog.send_button, LEFT)
        assert dialog.sending
        assert not dialog.send_button.isEnabled() and not dialog.email.isEnabled()
    assert sent.args is not None and sent.args[0].username == "carol"
    assert api.requests == [
        (
            "POST",
            "/admin/users",
            {
                "username": "carol",
                "email": "carol@example.test",
                "groups": ["Team"],
                "name": "Carol",
            },
        )
    ]
    assert not dialog.isVisible()
    assert dialog.result() == dialogs.InviteDialog.DialogCode.Accepted


def test_invite_dialog_stays_open_with_the_plain_reason(
    qtbot: QtBot, threaded: ThreadedBridge, api: FakeApi
) -> None:
    api.answer = errors.ApiError(409, "username already exists", "already_exists")
    dialog = invite_dialog(qtbot, threaded, [])
    dialog.username.setText("alice")
    dialog.email.setText("alice@example.test")
    with qtbot.waitSignal(dialog.settled, timeout=5_000):
        dialog.send()
    assert dialog.isVisible()
    assert dialog.message.is_error
    assert dialog.message.text() == "A user with that name or email already exists."
    assert dialog.send_button.isEnabled() and dialog.username.isEnabled()


def test_delete_dialog_needs_the_exact_username(qtbot: QtBot) -> None:
    dialog = dialogs.DeleteDialog("dora")
    qtbot.addWidget(dialog)
    dialog.open()
    assert not dialog.delete_button.isEnabled()
    qtbot.keyClicks(dialog.confirm, "Dora")
    assert not dialog.delete_button.isEnabled()
    dialog.accept()  # e.g. Enter pressed: still refused
    assert dialog.isVisible()
    dialog.confirm.setText("dora")
    with qtbot.waitSignal(dialog.accepted, timeout=1_000):
        qtbot.mouseClick(dialog.delete_button, LEFT)


def test_enter_in_a_filled_invite_dialog_sends_it(
    qtbot: QtBot, threaded: ThreadedBridge, api: FakeApi
) -> None:
    api.answer = user_body("carol", status="FORCE_CHANGE_PASSWORD")
    dialog = invite_dialog(qtbot, threaded, ["Team"])
    # It opens on the first field, not on Cancel (a focused button is the one Enter
    # presses); Tab goes through the fields, then Cancel and Send.
    assert dialog.focusWidget() is dialog.username
    cancel = dialog.buttons.button(dialog.buttons.StandardButton.Cancel)
    assert cancel is not None and not cancel.isDefault()
    assert next_tab(dialog.groups) is cancel
    assert next_tab(cancel) is dialog.send_button
    qtbot.keyClick(dialog.username, ENTER)  # empty: Enter does nothing at all
    assert dialog.isVisible() and api.requests == []
    assert dialog.send_button.isDefault()
    qtbot.keyClicks(dialog.username, "carol")
    qtbot.keyClicks(dialog.email, "carol@example.test")
    with qtbot.waitSignal(dialog.invited, timeout=5_000):
        qtbot.keyClick(dialog.email, ENTER)
    assert [(m, p) for m, p, _b in api.requests] == [("POST", "/admin/users")]
    assert dialog.result() == dialogs.InviteDialog.DialogCode.Accepted


def test_enter_in_a_question_confirms_and_cancel_does_nothing(qtbot: QtBot) -> None:
    said: list[str] = []
    question = dialogs.ConfirmDialog("Disable", "Disable alice?", "Disable")
    qtbot.addWidget(question)
    question.accepted.connect(lambda: said.append("yes"))
    question.open()
    assert question.confirm_button.isDefault() and question.question.text() == "Disable alice?"
    assert question.focusWidget() is question.confirm_button  # nothing to type: the action
    qtbot.keyClick(question, QtCore.Qt.Key.Key_Escape)
    assert not question.isVisible() and said == []
    question.open()
    cancel = question.buttons.button(question.buttons.StandardButton.Cancel)
    assert cancel is not None
    qtbot.mouseClick(cancel, LEFT)
    assert said == [] and question.result() == dialogs.ConfirmDialog.DialogCode.Rejected
    question.open()
    qtbot.keyClick(question.question, ENTER)
    assert said == ["yes"] and not question.isVisible()


def test_a_question_can_carry_a_note(qtbot: QtBot) -> None:
    plain = dialogs.ConfirmDialog("t", "Disable 1 user: alice?", "Disable")
    noted = dialogs.ConfirmDialog("t", "q?", "Do it", note="Your own account is left out.")
    for dialog in (plain, noted):
        qtbot.addWidget(dialog)
        dialog.open()
    assert not plain.note.isVisibleTo(plain)
    assert noted.note.isVisibleTo(noted) and noted.note.text() == "Your own account is left out."


def test_enter_in_a_typed_confirmation_waits_for_the_exact_name(qtbot: QtBot) -> None:
    dialog = dialogs.TypedConfirmDialog(
        "Delete group", "Delete the group Team (6 members)?", "Team", "Delete", "Type it"
    )
    qtbot.addWidget(dialog)
    dialog.open()
    assert dialog.focusWidget() is dialog.confirm  # where the name is typed
    assert dialog.confirm_button.isDefault() and not dialog.confirm_button.isEnabled()
    qtbot.keyClicks(dialog.confirm, "team")
    qtbot.keyClick(dialog.confirm, ENTER)
    assert dialog.isVisible()  # not the name: Enter does nothing
    dialog.confirm.setText("Team")
    with qtbot.waitSignal(dialog.accepted, timeout=1_000):
        qtbot.keyClick(dialog.confirm, ENTER)


def test_an_invitation_into_the_admin_group_asks_first(
    qtbot: QtBot, threaded: ThreadedBridge, api: FakeApi
) -> None:
    api.answer = user_body("carol", status="FORCE_CHANGE_PASSWORD")
    dialog = invite_dialog(qtbot, threaded, ["Admin", "Team"])
    dialog.username.setText("carol")
    dialog.email.setText("carol@example.test")
    dialog.set_group_checked("Admin")
    qtbot.keyClick(dialog.email, ENTER)
    question = dialog.question
    assert question is not None and question.isVisible()
    assert question.question.text().startswith("Make carol an admin? Adding them to Admin")
    qtbot.keyClick(question, QtCore.Qt.Key.Key_Escape)  # cancelled: nothing sent
    assert dialog.question is None and dialog.isVisible() and not dialog.sending
    assert api.requests == []
    dialog.send()
    assert dialog.question is not None
    with qtbot.waitSignal(dialog.invited, timeout=5_000):
        qtbot.keyClick(dialog.question, ENTER)
    assert api.requests[0][2]["groups"] == ["Admin"]
