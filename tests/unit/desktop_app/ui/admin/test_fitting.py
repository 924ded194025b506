"""Tables and panes that fit the window: columns shared out within a table's width (the
users table's nine in the default window), kept once resized by hand, dates on one line,
and two panes side by side or stacked as the room allows."""

from __future__ import annotations

import pytest
from PySide6 import QtCore, QtGui, QtWidgets
from pytestqt.qtbot import QtBot

from desktop_app.ui.admin import fitting

WIDTHS = [fitting.Width(80, 130), fitting.Width(50, 60), fitting.Width(80, 120)]


@pytest.mark.parametrize(
    ("room", "widths"),
    [
        (400, [130, 60, 120]),  # room for all: each its best
        (310, [130, 60, 120]),
        (210, [80, 50, 80]),  # not even the least fits: the table scrolls
        (100, [80, 50, 80]),
        (260, [105, 55, 100]),  # half-way: each half of what it lacks
    ],
)
def test_columns_share_the_room(room: int, widths: list[int]) -> None:
    assert fitting.fitted(room, WIDTHS) == widths
    assert sum(fitting.fitted(room, WIDTHS)) <= max(room, 210)


def test_a_users_table_keeps_every_column_in_view_until_resized_by_hand(qtbot: QtBot) -> None:
    model = QtGui.QStandardItemModel(2, 9)
    model.setItem(0, 6, QtGui.QStandardItem("2026-05-01 09:30"))
    view = QtWidgets.QTableView()
    view.setModel(model)
    qtbot.addWidget(view)
    fitter = fitting.fit_user_columns(view, hidden=(1,))
    assert view.isColumnHidden(1)
    for width in (1400, 760, 600):
        view.resize(width, 300)
        view.show()
        qtbot.waitExposed(view)
        QtWidgets.QApplication.processEvents()
        assert view.horizontalScrollBar().maximum() == 0, width
    header = view.horizontalHeader()
    least = sum(w.least for c, w in fitting.USER_WIDTHS.items() if c != 1)
    assert sum(header.sectionSize(c) for c in range(9) if c != 1) >= least
    assert not fitter.by_hand
    # The date shows whole, or the day alone: never cut mid-word.
    option = QtWidgets.QStyleOptionViewItem()
    option.initFrom(view)
    option.rect = QtCore.QRect(0, 0, 60, 20)
    delegate = view.itemDelegateForColumn(6)
    assert isinstance(delegate, fitting.DateDelegate)
    delegate.initStyleOption(option, model.index(0, 6))
    assert option.text == "2026-05-01"
    option.rect = QtCore.QRect(0, 0, 400, 20)
    delegate.initStyleOption(option, model.index(0, 6))
    assert option.text == "2026-05-01 09:30"


def test_two_panes_sit_side_by_side_only_when_wide(qtbot: QtBot) -> None:
    splitter = fitting.ResponsiveSplitter(800, side=3 / 5, stacked=1 / 2)
    qtbot.addWidget(splitter)
    said: list[bool] = []
    splitter.arranged.connect(said.append)
    for _ in range(2):
        splitter.addWidget(QtWidgets.QLabel("pane"))
    splitter.resize(900, 400)
    splitter.show()
    qtbot.waitExposed(splitter)
    assert splitter.orientation() == QtCore.Qt.Orientation.Horizontal and said == [True]
    first, second = splitter.sizes()
    assert first > second  # three fifths for the first
    splitter.resize(700, 400)
    QtWidgets.QApplication.processEvents()
    assert splitter.orientation() == QtCore.Qt.Orientation.Vertical and said == [True, False]
    splitter.resize(720, 420)  # still narrow: laid out as it was, sizes kept
    QtWidgets.QApplication.processEvents()
    assert said == [True, False]
