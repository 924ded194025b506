"""The invite dialog (validates as you type, sends the table's invite) and the delete
confirmation (the username typed)."""

from __future__ import annotations

from PySide6 import QtCore
from pytestqt.qtbot import QtBot

from desktop_app import errors
from desktop_app.ui.admin import dialogs
from tests.support.bridges import ThreadedBridge
from tests.support.fake_api import FakeApi
from tests.unit.desktop_app.ui.admin.conftest import user_body

LEFT = QtCore.Qt.MouseButton.LeftButton


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
