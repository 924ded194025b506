"""The user card: fields, attributes, and group chips (a blocked one says why)."""

from __future__ import annotations

import datetime

from PySide6 import QtCore, QtWidgets
from pytestqt.qtbot import QtBot

from desktop_app.api import admin
from desktop_app.ui.admin import common, user_card

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


def test_a_sub_and_the_dates_stay_on_one_line(qtbot: QtBot) -> None:
    card = user_card.UserCard()
    qtbot.addWidget(card)
    card.resize(420, 600)
    card.show()
    qtbot.waitExposed(card)
    sub = "19ea766e-5884-4812-aa17-49d653c8bb63"
    created = datetime.datetime(2026, 5, 1, 9, 30, tzinfo=datetime.UTC)
    detail = admin.UserDetail(
        *("alice", sub, "alice@example.test", None, "CONFIRMED", True, created, created),
        attributes={"email": "alice@example.test", "email_verified": "true", "sub": sub},
        groups=(),
    )
    card.show_user("alice", detail, {})
    QtWidgets.QApplication.processEvents()
    table = card.attributes
    assert not table.wordWrap()
    metrics = table.fontMetrics()
    names = max(metrics.horizontalAdvance(table.item(r, 0).text()) for r in range(3))
    assert table.columnWidth(0) >= names  # the names whole, the values the rest
    assert table.rowHeight(0) < 2 * metrics.height()
    for key in ("created", "modified"):
        label = card.fields[key]
        assert not label.wordWrap()
        assert label.text() == common.when(created)
        assert label.width() >= label.fontMetrics().horizontalAdvance(label.text())
