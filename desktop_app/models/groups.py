"""The pool's groups with their member counts (``GET /admin/groups``), as a table model.

A pool has few groups (Cognito's quota is 10,000, the console shows them all), so
they come in one call, as a one-page list of
:class:`desktop_app.models.paged.PagedModel`: :meth:`GroupsModel.refresh` starts it
on a worker through the bridge and the rows are replaced when it returns. A refresh
supersedes the one in flight, whose answer is then dropped. QtCore only.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any

from PySide6 import QtCore

from desktop_app.api import admin
from desktop_app.models import paged
from desktop_app.qt import tasks

_translate = QtCore.QCoreApplication.translate
_Role = QtCore.Qt.ItemDataRole
_ROOT = QtCore.QModelIndex()
#: ``data(index, GROUP_ROLE)`` is the row's :class:`~desktop_app.api.admin.Group`.
GROUP_ROLE = paged.ROW_ROLE


class Column(enum.IntEnum):
    NAME = 0
    MEMBERS = 1
    PRECEDENCE = 2
    DESCRIPTION = 3  # last: it takes the room left


def column_title(column: Column) -> str:
    titles = {
        Column.NAME: _translate("GroupsModel", "Name"),
        Column.MEMBERS: _translate("GroupsModel", "Members"),
        Column.PRECEDENCE: _translate("GroupsModel", "Precedence"),
        Column.DESCRIPTION: _translate("GroupsModel", "Description"),
    }
    return titles[column]


class GroupsModel(paged.PagedModel[admin.Group, "tuple[admin.Group, ...]"]):
    """Every group, one row each. Columns: :class:`Column`. Empty until :meth:`refresh`;
    on a failure the rows held stay.

    Signals:
        loaded(int): they arrived; how many groups there are.
        (and :class:`~desktop_app.models.paged.PagedModel`'s ``loading``, ``failed``)
    """

    loaded = QtCore.Signal(int)

    COLUMNS = Column
    TASK_NAME = "groups"
    NOUN = "groups"
    RELOAD_IN_PLACE = True

    def __init__(self, bridge: tasks.ApiCaller, parent: QtCore.QObject | None = None) -> None:
        super().__init__(bridge, parent)
        self._sort: tuple[Column, QtCore.Qt.SortOrder] | None = None

    @property
    def groups(self) -> tuple[admin.Group, ...]:
        """Every group held, in the order shown."""
        return tuple(self._rows)

    def group(self, row: int) -> admin.Group | None:
        return self.row_at(row)

    def row_of(self, name: str) -> int | None:
        for row, group in enumerate(self._rows):
            if group.name == name:
                return row
        return None

    # -- paged.PagedModel ------------------------------------------------------------------

    def _page_call(
        self, cursor: str | None
    ) -> Callable[[admin.JsonCaller], tuple[admin.Group, ...]]:
        return admin.list_groups

    def _page_rows(self, page: tuple[admin.Group, ...]) -> tuple[admin.Group, ...]:
        return _sorted(page, self._sort)

    def _page_cursor(self, page: tuple[admin.Group, ...]) -> str | None:
        return None  # one call answers every group

    def _loaded(self) -> None:
        self.loaded.emit(len(self._rows))

    def sort(
        self, column: int, order: QtCore.Qt.SortOrder = QtCore.Qt.SortOrder.AscendingOrder
    ) -> None:
        """Sort the groups; a column below 0 restores the API's order on the next refresh."""
        if column >= len(Column):
            return
        self._sort = (Column(column), order) if column >= 0 else None
        if self._sort is None:
            return
        self.layoutAboutToBeChanged.emit()
        before = self._rows
        self._rows = list(_sorted(tuple(before), self._sort))
        position = {id(group): row for row, group in enumerate(self._rows)}
        old = self.persistentIndexList()
        new = [self.index(position[id(before[i.row()])], i.column()) for i in old]
        self.changePersistentIndexList(old, new)
        self.layoutChanged.emit()

    # -- QAbstractTableModel ---------------------------------------------------------------

    def _cell(self, group: admin.Group, column: int, role: int) -> Any:
        if role == _Role.DisplayRole:
            if column == Column.NAME:
                return group.name
            if column == Column.MEMBERS:
                return QtCore.QLocale().toString(group.member_count)
            if column == Column.PRECEDENCE:
                return "" if group.precedence is None else str(group.precedence)
            return group.description or ""
        if role == _Role.ToolTipRole and column == Column.DESCRIPTION and group.description:
            return group.description
        if role == _Role.ToolTipRole and column == Column.PRECEDENCE:
            return _translate(
                "GroupsModel", "When a user's groups name IAM roles, the lowest precedence wins"
            )
        if role == _Role.TextAlignmentRole and column in (Column.MEMBERS, Column.PRECEDENCE):
            return int(QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter)
        return None

    def column_title(self, section: int) -> str:
        return column_title(Column(section))


def _sorted(
    groups: tuple[admin.Group, ...], sort: tuple[Column, QtCore.Qt.SortOrder] | None
) -> tuple[admin.Group, ...]:
    if sort is None:
        return tuple(groups)
    column, order = sort
    descending = order == QtCore.Qt.SortOrder.DescendingOrder
    if column is Column.MEMBERS:
        return tuple(sorted(groups, key=lambda g: g.member_count, reverse=descending))
    if column is Column.PRECEDENCE:  # none last, either way
        ranked = sorted(
            (g for g in groups if g.precedence is not None),
            key=lambda g: g.precedence or 0,
            reverse=descending,
        )
        return (*ranked, *(g for g in groups if g.precedence is None))
    if column is Column.DESCRIPTION:
        return tuple(
            sorted(groups, key=lambda g: (g.description or "").casefold(), reverse=descending)
        )
    return tuple(sorted(groups, key=lambda g: g.name.casefold(), reverse=descending))
