"""The user card: fields, attributes, and group chips (a blocked one says why)."""

from __future__ import annotations

from PySide6 import QtCore
from pytestqt.qtbot import QtBot

from desktop_app.api import admin
from desktop_app.ui.admin import user_card

LEFT = QtCore.Qt.MouseButton.LeftButton


def test_user_card_blocks_the_named_chip(qtbot: QtBot) -> None:
    card = user_card.UserCard()
    qtbot.addWidget(card)
    detail = admin.UserDetail(
        *("admin", "sub-admin", "admin@example.test", None, "CONFIRMED", True, None, None),
        attributes={"email": "admin@example.test", "sub": "sub-admin"},
        groups=("Admin", "Team"),
    )
    card.show_user("admin", detail, {"Admin": "not yourself"})
    assert card.fields["username"].text() == "admin"
    assert card.fields["name"].text() == card.fields["created"].text() == "\N{EM DASH}"
    assert card.attributes.rowCount() == 2
    admin_chip, team_chip = card.chip("Admin"), card.chip("Team")
    assert admin_chip is not None and admin_chip.remove_button is not None
    assert team_chip is not None and team_chip.remove_button is not None
    card.set_actions_enabled(True)
    assert not admin_chip.remove_button.isEnabled()
    assert admin_chip.remove_button.toolTip() == "not yourself"
    assert team_chip.remove_button.isEnabled()
    with qtbot.waitSignal(card.removeGroup, timeout=1_000) as removed:
        qtbot.mouseClick(team_chip.remove_button, LEFT)
    assert removed.args == ["Team"]
    card.set_actions_enabled(False)
    assert not team_chip.remove_button.isEnabled()
    card.show_user("someone", None, {})  # loading: only the name
    assert [c.name for c in card.chips()] == []
    assert card.fields["username"].text() == "someone"
