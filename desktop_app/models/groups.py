"""The pool's groups with their member counts (``GET /admin/groups``), as a table model.

A pool has few groups (Cognito's quota is 10,000, the console shows them all), so
they come in one call: :meth:`GroupsModel.refresh` starts it on a worker through
the bridge and the rows are replaced when it returns. A refresh supersedes the one
in flight, whose answer is then dropped. QtCore only.
"""

from __future__ import annotations

import enum
import logging
from typing import Any

from PySide6 import QtCore

from desktop_app import errors
from desktop_app.api import admin
from desktop_app.models import _paging
from desktop_app.models import items as items_model

log = logging.getLogger(__name__)

_translate = QtCore.QCoreApplication.translate
_Role = QtCore.Qt.ItemDataRole
_ROOT = QtCore.QModelIndex()
#: ``data(index, GROUP_ROLE)`` is the row's :class:`~desktop_app.api.admin.Group`.
GROUP_ROLE = int(_Role.UserRole) + 1


class Column(enum.IntEnum):
    NAME = 0
    MEMBERS = 1
    DESCRIPTION = 2


def column_title(column: Column) -> str:
    titles = {
        Column.NAME: _translate("GroupsModel", "Name"),
        Column.MEMBERS: _translate("GroupsModel", "Members"),
        Column.DESCRIPTION: _translate("GroupsModel", "Description"),
    }
    return titles[column]


class GroupsModel(_paging.ColumnTable):
    """Every group, one row each. Columns: :class:`Column`. Empty until :meth:`refresh`.

    Signals:
        loading(): the groups are being fetched.
        loaded(int): they arrived; how many groups there are.
        failed(object): the fetch failed with this exception (the rows held stay).
            A session that ended goes to the bridge's ``sessionEnded`` instead.
    """

    loading = QtCore.Signal()
    loaded = QtCore.Signal(int)
    failed = QtCore.Signal(object)

    COLUMNS = Column

    def __init__(self, bridge: items_model.ApiCaller, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._groups: tuple[admin.Group, ...] = ()
        self._loading = False
        self._error: BaseException | None = None
        self._generation = 0
        self._sort: tuple[Column, QtCore.Qt.SortOrder] | None = None
        self._task = _paging.TaskSlot()
        self.destroyed.connect(self._task.cancel)

    @property
    def groups(self) -> tuple[admin.Group, ...]:
        """Every group held, in the order shown."""
        return self._groups

    @property
    def is_loading(self) -> bool:
        return self._loading

    @property
    def error(self) -> BaseException | None:
        return self._error

    def group(self, row: int) -> admin.Group | None:
        return self._groups[row] if 0 <= row < len(self._groups) else None

    def row_of(self, name: str) -> int | None:
        for row, group in enumerate(self._groups):
            if group.name == name:
                return row
        return None

    def refresh(self) -> None:
        """Fetch the groups again; ``loaded`` or ``failed`` follows."""
        self._task.cancel()
        self._generation += 1
        generation = self._generation
        self._loading = True
        self._error = None
        self.loading.emit()
        try:
            task = self._bridge.call_api(
                admin.list_groups,
                lambda groups: self._on_groups(generation, groups),
                lambda exc: self._on_failed(generation, exc),
                name="groups",
            )
        except errors.ConfigError as exc:  # the profile has no api_url
            self._on_failed(generation, exc)
            return
        if self._loading and generation == self._generation:
            self._task.task = task

    def clear(self) -> None:
        """Empty and idle (signed out); a fetch in flight is dropped."""
        self._task.cancel()
        self._generation += 1
        self._loading = False
        self._error = None
        self.beginResetModel()
        self._groups = ()
        self.endResetModel()

    def _on_groups(self, generation: int, groups: tuple[admin.Group, ...]) -> None:
        if generation != self._generation:
            return
        self._task.task = None
        self._loading = False
        self.beginResetModel()
        self._groups = _sorted(groups, self._sort)
        self.endResetModel()
        self.loaded.emit(len(self._groups))

    def _on_failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self._task.task = None
        self._loading = False
        self._error = exc
        log.info("loading the groups failed: %s", type(exc).__name__)
        self.failed.emit(exc)

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
        before = self._groups
        self._groups = _sorted(before, self._sort)
        position = {id(group): row for row, group in enumerate(self._groups)}
        old = self.persistentIndexList()
        new = [self.index(position[id(before[i.row()])], i.column()) for i in old]
        self.changePersistentIndexList(old, new)
        self.layoutChanged.emit()

    # -- QAbstractTableModel ---------------------------------------------------------------

    def rowCount(self, parent: QtCore.QModelIndex | QtCore.QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._groups)

    def data(
        self,
        index: QtCore.QModelIndex | QtCore.QPersistentModelIndex,
        role: int = _Role.DisplayRole,
    ) -> Any:
        if not index.isValid() or index.parent().isValid():
            return None
        row, column = index.row(), index.column()
        if not (0 <= row < len(self._groups) and 0 <= column < len(Column)):
            return None
        group = self._groups[row]
        if role == GROUP_ROLE:
            return group
        if role == _Role.DisplayRole:
            if column == Column.NAME:
                return group.name
            if column == Column.MEMBERS:
                return QtCore.QLocale().toString(group.member_count)
            return group.description or ""
        if role == _Role.ToolTipRole and column == Column.DESCRIPTION and group.description:
            return group.description
        if role == _Role.ToolTipRole and column == Column.NAME and group.precedence is not None:
            return _translate("GroupsModel", "Precedence {precedence}").format(
                precedence=group.precedence
            )
        if role == _Role.TextAlignmentRole and column == Column.MEMBERS:
            return int(QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter)
        return None

    def column_title(self, section: int) -> str:
        return column_title(Column(section))

    def flags(self, index: QtCore.QModelIndex | QtCore.QPersistentModelIndex) -> QtCore.Qt.ItemFlag:
        if not index.isValid():
            return QtCore.Qt.ItemFlag.NoItemFlags
        return QtCore.Qt.ItemFlag.ItemIsEnabled | QtCore.Qt.ItemFlag.ItemIsSelectable


def _sorted(
    groups: tuple[admin.Group, ...], sort: tuple[Column, QtCore.Qt.SortOrder] | None
) -> tuple[admin.Group, ...]:
    if sort is None:
        return tuple(groups)
    column, order = sort
    descending = order == QtCore.Qt.SortOrder.DescendingOrder
    if column is Column.MEMBERS:
        return tuple(sorted(groups, key=lambda g: g.member_count, reverse=descending))
    if column is Column.DESCRIPTION:
        return tuple(
            sorted(groups, key=lambda g: (g.description or "").casefold(), reverse=descending)
        )
    return tuple(sorted(groups, key=lambda g: g.name.casefold(), reverse=descending))
