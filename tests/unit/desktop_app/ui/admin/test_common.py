"""The pieces the admin panels share: the message line (and the 403 it passes on),
group chips, the group menu button, dates as shown."""

from __future__ import annotations

import datetime
import types

import pytest
from PySide6 import QtCore
from pytestqt.qtbot import QtBot

from desktop_app import errors
from desktop_app.ui.admin import common

LEFT = QtCore.Qt.MouseButton.LeftButton


@pytest.fixture
def line(qtbot: QtBot) -> common.MessageLine:
    shown = common.MessageLine()
    qtbot.addWidget(shown)
    return shown


def test_the_message_line_says_failures_in_plain_words(line: common.MessageLine) -> None:
    forbidden: list[str] = []
    line.forbidden.connect(forbidden.append)
    assert line.isHidden()
    line.show_failure(errors.ApiError(429, "slow down", "throttled"))
    assert line.is_error and not line.isHidden()
    assert line.text() == "Cognito is throttling requests; wait a moment and retry."
    assert forbidden == []
    line.show_info("Done.")
    assert not line.is_error and line.text() == "Done."
    line.clear()
    assert line.isHidden() and line.text() == ""


def test_a_403_shown_is_passed_on(line: common.MessageLine) -> None:
    forbidden: list[str] = []
    line.forbidden.connect(forbidden.append)
    line.show_failure(errors.ApiError(403, "no", "forbidden"))
    assert forbidden == ["You are not allowed to do this (admin group required)."]
    assert line.text() == forbidden[0]


def test_a_chip_removes_unless_blocked(qtbot: QtBot) -> None:
    free = common.Chip("Team", removable=True)
    blocked = common.Chip("Admin", removable=True, blocked_reason="not yourself")
    plain = common.Chip("Beta", removable=False)
    for chip in (free, blocked, plain):
        qtbot.addWidget(chip)
    assert free.remove_button is not None and blocked.remove_button is not None
    assert plain.remove_button is None
    assert not blocked.remove_button.isEnabled()
    assert blocked.remove_button.toolTip() == "not yourself"
    assert free.remove_button.toolTip() == "Remove from Team"
    with qtbot.waitSignal(free.removeClicked, timeout=1_000) as removed:
        qtbot.mouseClick(free.remove_button, LEFT)
    assert removed.args == ["Team"]


def test_the_group_menu_lists_the_groups_as_they_are_when_it_opens(qtbot: QtBot) -> None:
    groups = types.SimpleNamespace(groups=[types.SimpleNamespace(name="Admin")])
    chosen: list[str] = []
    button = common.group_menu_button("Add to group", groups, chosen.append)  # type: ignore[arg-type]
    qtbot.addWidget(button)
    menu = button.menu()
    assert menu is not None and button.accessibleName() == "Add to group"
    groups.groups.append(types.SimpleNamespace(name="Team"))
    menu.aboutToShow.emit()
    assert [action.text() for action in menu.actions()] == ["Admin", "Team"]
    menu.actions()[1].trigger()
    assert chosen == ["Team"]


def test_dates_are_local_to_the_minute_and_a_dash_when_unknown() -> None:
    local = datetime.datetime(2026, 3, 1, 12, 34, 56).astimezone()
    assert common.when(local) == "2026-03-01 12:34"
    assert common.when(local.astimezone(datetime.UTC)) == "2026-03-01 12:34"
    assert common.when(None) == "\N{EM DASH}"
