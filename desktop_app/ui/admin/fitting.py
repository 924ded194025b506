"""How the admin tables and panes fit the window: columns shared out within a table's
width (:class:`FitColumns`, the users tables' widths in :data:`USER_WIDTHS`), dates on
one line (:class:`DateDelegate`), and two panes side by side or one above the other
as the room allows (:class:`ResponsiveSplitter`). The default window (960 x 640) shows
every column of the users table without scrolling sideways."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from PySide6 import QtCore, QtGui, QtWidgets

from desktop_app.models import users as users_model


@dataclasses.dataclass(frozen=True)
class Width:
    """A column's width: ``least`` it is never narrowed below, ``best`` it needs no more."""

    least: int
    best: int


def fitted(room: int, widths: Sequence[Width]) -> list[int]:
    """Each column's width so that together they fill ``room``: every column its
    ``least``, and what is left shared in proportion to what each still lacks of its
    ``best`` (all their ``best`` when there is room; all their ``least`` when not even
    that fits, the table then scrolls)."""
    least = sum(w.least for w in widths)
    best = sum(w.best for w in widths)
    if room >= best:
        return [w.best for w in widths]
    if room <= least:
        return [w.least for w in widths]
    share = (room - least) / (best - least)
    return [w.least + int((w.best - w.least) * share) for w in widths]


class FitColumns(QtCore.QObject):
    """Keeps a table's columns within its width as the view is resized
    (:func:`fitted`; the last column takes what rounding leaves), so no column hides
    behind a scroll bar in the default window. Text too wide for its cell is elided;
    its tooltip says it all. Once the person drags a column's edge, their widths stay."""

    def __init__(self, view: QtWidgets.QTableView, widths: dict[int, Width]) -> None:
        super().__init__(view)
        self._view = view
        self._widths = dict(widths)
        self._fitting = False
        self.by_hand = False
        header = view.horizontalHeader()
        header.setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.sectionResized.connect(self._on_section_resized)
        view.viewport().installEventFilter(self)
        self.fit()

    def fit(self) -> None:
        """Share the view's width among its shown columns now (unless set by hand)."""
        if self.by_hand:
            return
        columns = [c for c in sorted(self._widths) if not self._view.isColumnHidden(c)]
        room = self._view.viewport().width()
        if not columns or room <= 0:
            return
        widths = [self._with_title(c) for c in columns]
        self._fitting = True
        try:
            header = self._view.horizontalHeader()
            for column, width in zip(columns, fitted(room, widths), strict=True):
                header.resizeSection(column, width)
        finally:
            self._fitting = False

    def _with_title(self, column: int) -> Width:
        """The column's widths, never so narrow that its title is cut."""
        width = self._widths[column]
        model = self._view.model()
        title = model.headerData(column, QtCore.Qt.Orientation.Horizontal) if model else None
        if not isinstance(title, str):
            return width
        font = QtGui.QFont(self._view.horizontalHeader().font())
        font.setBold(True)  # some styles draw titles bold
        needed = QtGui.QFontMetrics(font).horizontalAdvance(title) + 2 * _CELL_MARGIN + 2
        return Width(max(width.least, needed), max(width.best, needed))

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if event.type() == QtCore.QEvent.Type.Resize:
            self.fit()
        return False

    @QtCore.Slot(int, int, int)
    def _on_section_resized(self, _column: int, _old: int, _new: int) -> None:
        # A drag on a column's edge (the mouse held down), not the view stretching its
        # last column: from now on the widths are the person's.
        held = QtWidgets.QApplication.mouseButtons() & QtCore.Qt.MouseButton.LeftButton
        if not self._fitting and held:
            self.by_hand = True


class ResponsiveSplitter(QtWidgets.QSplitter):
    """Two panes side by side once the splitter is ``wide`` pixels wide, else one above
    the other (each at full width: a table keeps its columns in view in the default
    window). The first pane gets ``side`` (side by side) or ``stacked`` of the room
    whenever the arrangement changes.

    Signals:
        arranged(bool): the panes were laid out again; whether side by side.
    """

    arranged = QtCore.Signal(bool)

    def __init__(
        self,
        wide: int,
        *,
        side: float,
        stacked: float,
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(QtCore.Qt.Orientation.Vertical, parent)
        self.setChildrenCollapsible(False)
        self._wide = wide
        self._shares = {True: side, False: stacked}
        self._side_by_side: bool | None = None  # not laid out yet

    @property
    def side_by_side(self) -> bool:
        return self._side_by_side is True

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        side_by_side = event.size().width() >= self._wide
        if side_by_side == self._side_by_side:
            return
        self._side_by_side = side_by_side
        self.setOrientation(
            QtCore.Qt.Orientation.Horizontal if side_by_side else QtCore.Qt.Orientation.Vertical
        )
        room = event.size().width() if side_by_side else event.size().height()
        first = int(room * self._shares[side_by_side])
        self.setSizes([first, room - first])
        self.arranged.emit(side_by_side)


class DateDelegate(QtWidgets.QStyledItemDelegate):
    """Shows a date cell ("2026-05-01 09:30") on one line: whole when the column is wide
    enough, else the day alone ("2026-05-01"), never cut mid-word; the cell's tooltip
    keeps the exact time."""

    def initStyleOption(
        self,
        option: QtWidgets.QStyleOptionViewItem,
        index: QtCore.QModelIndex | QtCore.QPersistentModelIndex,
    ) -> None:
        super().initStyleOption(option, index)
        text = option.text
        room = option.rect.width() - 2 * _CELL_MARGIN
        if " " in text and option.fontMetrics.horizontalAdvance(text) > room:
            option.text = text.split(" ", 1)[0]


#: The padding a cell keeps on each side of its text (the styles' usual 3 px and more).
_CELL_MARGIN = 5

_Col = users_model.Column
#: How wide each column of a users table may be (:class:`FitColumns`): a date needs
#: 80 px for its day, 120 for the time too.
USER_WIDTHS: dict[int, Width] = {
    _Col.USERNAME: Width(80, 130),
    _Col.EMAIL: Width(100, 200),
    _Col.NAME: Width(60, 130),
    _Col.STATUS: Width(80, 200),
    _Col.ENABLED: Width(52, 64),
    _Col.MFA: Width(46, 64),
    _Col.CREATED: Width(80, 120),
    _Col.MODIFIED: Width(80, 120),
    _Col.LAST_SIGN_IN: Width(80, 120),
}
DATE_COLUMNS = (_Col.CREATED, _Col.MODIFIED, _Col.LAST_SIGN_IN)


def fit_user_columns(view: QtWidgets.QTableView, hidden: Sequence[int] = ()) -> FitColumns:
    """A users table's columns fitted to its width (``hidden``: columns not shown), its
    dates on one line."""
    for column in hidden:
        view.setColumnHidden(column, True)
    dates = DateDelegate(view)
    for column in DATE_COLUMNS:
        view.setItemDelegateForColumn(column, dates)
    return FitColumns(view, {c: w for c, w in USER_WIDTHS.items() if c not in hidden})
