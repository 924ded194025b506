"""An admin invites a user from the app, the user signs in through Chromium, then the
admin disables them, end to end.

Two people, two app windows (each with its own keyring entry) and two Chromium
profiles: the admin's and the new user's. The invite dialog and the user detail
pane are driven with qtbot like a person (``open()``, never ``exec()``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from PySide6 import QtCore
from pytestqt.qtbot import QtBot

from desktop_app.api import admin
from desktop_app.qt import messages
from desktop_app.ui.admin import users_panel
from local_cognito import server
from tests.e2e import keyring_dbus
from tests.e2e.conftest import SignedIn
from tests.e2e.desktop import DesktopApp, users_tab
from tests.integration.conftest import admin_tokens

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

LEFT = QtCore.Qt.MouseButton.LeftButton
CAROL = "carol"
CAROL_EMAIL = "carol@example.com"
CAROL_PASSWORD = "Carol-Chosen-Passw0rd!"


def row_user(panel: users_panel.UsersPanel, username: str) -> admin.User | None:
    row = panel.model.row_of(username)
    return panel.model.user(row) if row is not None and row >= 0 else None


def invite_in_the_users_panel(
    qtbot: QtBot, app: DesktopApp, panel: users_panel.UsersPanel, shots: str
) -> None:
    dialog = panel.open_invite()
    assert dialog.isVisible()
    qtbot.keyClicks(dialog.username, CAROL)
    qtbot.keyClicks(dialog.email, CAROL_EMAIL)
    qtbot.keyClicks(dialog.name, "Carol Example")
    assert dialog.problems() == {}
    assert dialog.send_button.isEnabled()
    app.screenshot(f"{shots}-app-invite-dialog", dialog)
    sent: list[object] = []
    dialog.accepted.connect(lambda: sent.append(True))
    qtbot.mouseClick(dialog.send_button, LEFT)
    app.wait_until(lambda: sent or dialog.message.text())
    assert sent, f"the invite was refused: {dialog.message.text()}"
    app.wait_until(lambda: row_user(panel, CAROL) is not None)


Invited = tuple[DesktopApp, users_panel.UsersPanel, DesktopApp]


@pytest.fixture
def invite_carol(
    qtbot: QtBot, signed_in: Callable[..., SignedIn], stand_in: server.LocalCognito
) -> Callable[[str], Invited]:
    """``invite_carol(shots)``: the admin invites carol in the Users panel; carol signs in
    with the emailed temporary password and chooses her own. The admin's app, its panel,
    carol's app."""

    def run(shots: str) -> Invited:
        admin_app = signed_in("e2e-admin", "admin").app
        panel = users_tab(admin_app)
        invite_in_the_users_panel(qtbot, admin_app, panel, shots)

        [invitation] = stand_in.pool.outbox.messages(to=CAROL_EMAIL)
        assert invitation.kind == "invitation"
        assert invitation.username == CAROL
        temporary = invitation.temporary_password
        assert temporary
        assert temporary in invitation.body

        carol = signed_in(
            "e2e-carol", CAROL, temporary, new_password=CAROL_PASSWORD, shots=f"{shots}-carol"
        )
        return admin_app, panel, carol.app

    return run


def test_4_an_invited_user_signs_in_through_chromium_and_chooses_a_password(
    invite_carol: Callable[[str], Invited], stand_in: server.LocalCognito, idp: Any
) -> None:
    admin_app, panel, carol_app = invite_carol("4-invite")
    invited = row_user(panel, CAROL)
    assert invited is not None
    assert invited.status == "FORCE_CHANGE_PASSWORD"
    assert invited.email == CAROL_EMAIL
    assert CAROL_EMAIL in panel.message.text()
    admin_app.screenshot("4-invite-app-users-panel")

    identity = carol_app.bridge.identity
    assert identity is not None
    assert identity.username == CAROL
    assert not carol_app.signed_in_view().admin_visible()
    user = idp.admin_get_user(UserPoolId=stand_in.pool.id, Username=CAROL)
    assert user["UserStatus"] == "CONFIRMED"
    stored = keyring_dbus.read_session("e2e-carol")
    assert stored is not None
    assert stored["username"] == CAROL
    # Her own password is the one Cognito checks now; the temporary one is spent.
    [invitation] = stand_in.pool.outbox.messages(to=CAROL_EMAIL)
    assert admin_tokens(idp, stand_in, CAROL, CAROL_PASSWORD)["RefreshToken"]
    with pytest.raises(idp.exceptions.NotAuthorizedException):
        admin_tokens(idp, stand_in, CAROL, str(invitation.temporary_password))

    # The admin's table catches up on a refresh.
    panel.refresh()
    admin_app.wait_until(
        lambda: (found := row_user(panel, CAROL)) is not None and found.status == "CONFIRMED"
    )


def test_5_a_disabled_user_is_returned_to_sign_in_at_their_next_refresh(
    qtbot: QtBot,
    invite_carol: Callable[[str], Invited],
    stand_in: server.LocalCognito,
    idp: Any,
) -> None:
    admin_app, panel, carol_app = invite_carol("5-disable")
    assert keyring_dbus.read_session("e2e-carol") is not None

    # The admin disables carol from her detail pane.
    assert panel.select_username(CAROL)
    pane = panel.detail
    admin_app.wait_until(
        lambda: (
            pane.detail is not None
            and pane.detail.username == CAROL
            and not pane.is_busy
            and not pane.is_loading()
        )
    )
    assert pane.toggle_button.text() == "Disable…"
    qtbot.mouseClick(pane.toggle_button, LEFT)
    # Disabling asks first, naming carol; the admin confirms.
    question = pane.confirm_dialog
    assert question is not None and CAROL in question.question.text()
    admin_app.screenshot("5-disable-app-admin-asks", question)
    qtbot.mouseClick(question.confirm_button, LEFT)
    admin_app.wait_until(lambda: (found := row_user(panel, CAROL)) and not found.enabled)
    admin_app.wait_until(lambda: pane.toggle_button.text() == "Enable")
    assert not idp.admin_get_user(UserPoolId=stand_in.pool.id, Username=CAROL)["Enabled"]
    admin_app.screenshot("5-disable-app-admin-disabled-carol")

    # Carol's app refreshes (what its timer does before the access token expires).
    ended: list[str] = []
    carol_app.bridge.sessionEnded.connect(ended.append)
    carol_app.bridge.refresh_now()
    carol_app.wait_until(lambda: ended)
    qtbot.wait(100)  # one message, no storm
    assert ended == [messages.SESSION_ENDED]
    assert carol_app.current() is carol_app.window.sign_in_screen
    assert carol_app.message() == messages.SESSION_ENDED
    assert carol_app.window.signed_in_view is None
    assert carol_app.window.sign_in_screen.sign_in_button.isEnabled()
    carol_app.screenshot("5-disable-carol-app-session-ended")
    assert keyring_dbus.read_session("e2e-carol") is None  # the dead token is not kept
    assert keyring_dbus.read_session("e2e-admin") is not None  # the admin is unaffected
