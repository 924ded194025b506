"""The admin users table: Cognito users, a page at a time, filtered on the server.

:class:`UsersModel` pages through ``GET /admin/users`` (or a group's members) with
:class:`desktop_app.models.paged.PagedModel` (one page in flight, a newer search
supersedes an older one, retry after a failure); while a page is in flight a
trailing "Loading…" row shows it. It adds the search, sorting the rows held, and
editing a row after an admin action. QtCore only; the view lives in
:mod:`desktop_app.ui.admin`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6 import QtCore

from desktop_app.api import admin
from desktop_app.models import paged, user_cells
from desktop_app.models.user_cells import Column, column_title
from desktop_app.qt import tasks

__all__ = ["USER_ROLE", "Column", "PageFn", "UsersModel", "column_title", "list_users_page"]

_translate = QtCore.QCoreApplication.translate
_Role = QtCore.Qt.ItemDataRole
_ROOT = QtCore.QModelIndex()
#: ``data(index, USER_ROLE)`` is the row's :class:`~desktop_app.api.admin.User`
#: (``None`` on the "Loading…" row).
USER_ROLE = paged.ROW_ROLE
#: Pages that come back empty but say "there is more" (Cognito does this with a
#: filter) are followed automatically, up to this many in a row.
MAX_EMPTY_PAGES = 20

PageFn = Callable[[admin.JsonCaller, "str | None", "admin.Search | None", int], admin.UserPage]


def list_users_page(
    api: admin.JsonCaller, token: str | None, search: admin.Search | None, limit: int
) -> admin.UserPage:
    """The default ``page``: one page of ``GET /admin/users``."""
    return admin.list_users(api, search=search, limit=limit, next_token=token)


class UsersModel(paged.PagedModel[admin.User, admin.UserPage]):
    """Users, one row each, fetched a page at a time. Columns: :class:`Column`.

    Idle until :meth:`refresh` or :meth:`set_search`; after a failure no more pages
    are fetched until :meth:`retry` (scrolling must not hammer a failing API).

    Signals:
        loaded(int, bool): a page arrived; users now held, and whether more exist.
        countChanged(int): the number of users held changed.
        (and :class:`~desktop_app.models.paged.PagedModel`'s ``loading``, ``failed``)
    """

    loaded = QtCore.Signal(int, bool)
    countChanged = QtCore.Signal(int)

    COLUMNS = Column
    TASK_NAME = "users-page"
    NOUN = "users"
    LOADING_ROW = True
    FOLLOW_EMPTY_PAGES = MAX_EMPTY_PAGES

    def __init__(
        self,
        bridge: tasks.ApiCaller,
        *,
        page: PageFn | None = None,
        page_size: int = admin.PAGE_MAX,
        parent: QtCore.QObject | None = None,
    ) -> None:
        super().__init__(bridge, parent)
        if not 1 <= page_size <= admin.PAGE_MAX:
            raise ValueError(f"page_size must be between 1 and {admin.PAGE_MAX}")
        self._page: PageFn = page or list_users_page
        self._page_size = page_size
        self._search: admin.Search | None = None
        self._seq: dict[str, int] = {}  # username -> load order, to undo a sort
        self._loaded_total = 0
        self._sort: tuple[Column, QtCore.Qt.SortOrder] | None = None

    # -- state -----------------------------------------------------------------------------

    @property
    def search(self) -> admin.Search | None:
        return self._search

    def user(self, row: int) -> admin.User | None:
        return self.row_at(row)

    def row_of(self, username: str) -> int | None:
        for row, held in enumerate(self._rows):
            if held.username == username:
                return row
        return None

    def set_search(self, search: admin.Search | None) -> None:
        """Forget the rows and load the first page matching ``search`` (None: all)."""
        self._search = search
        self.refresh()

    # -- paged.PagedModel ------------------------------------------------------------------

    def _page_call(self, cursor: str | None) -> Callable[[admin.JsonCaller], admin.UserPage]:
        page, search, limit = self._page, self._search, self._page_size
        return lambda api: page(api, cursor, search, limit)

    def _page_rows(self, page: admin.UserPage) -> tuple[admin.User, ...]:
        return page.users

    def _page_cursor(self, page: admin.UserPage) -> str | None:
        return page.next_token

    def _rows_added(self, rows: Sequence[admin.User]) -> None:
        for user in rows:
            self._seq.setdefault(user.username, self._loaded_total)
            self._loaded_total += 1

    def _arrange(self) -> None:
        if self._sort is not None:
            self._apply_sort(*self._sort)

    def _forget(self) -> None:
        self._seq, self._loaded_total = {}, 0

    def _count_changed(self) -> None:
        self.countChanged.emit(len(self._rows))

    def _loaded(self) -> None:
        self.loaded.emit(len(self._rows), self.has_more)

    # -- editing what is held (after an action succeeded) ----------------------------------

    def replace_user(self, user: admin.User) -> bool:
        """Show ``user``'s new state in its row (in place, even if sorted); False if
        no row holds that username."""
        row = self.row_of(user.username)
        if row is None:
            return False
        self._rows[row] = user
        with self._signalling():
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(Column) - 1))
        return True

    def remove_username(self, username: str) -> bool:
        """Drop the row of a deleted user; False if no row holds that username."""
        row = self.row_of(username)
        if row is None:
            return False
        with self._signalling():
            self.beginRemoveRows(_ROOT, row, row)
            del self._rows[row]
            self.endRemoveRows()
        self.countChanged.emit(len(self._rows))
        return True

    # -- sorting ---------------------------------------------------------------------------

    def sort(
        self, column: int, order: QtCore.Qt.SortOrder = QtCore.Qt.SortOrder.AscendingOrder
    ) -> None:
        """Sort the rows held (pages that arrive later are sorted in); a column
        below 0 restores the order the API sent."""
        if column >= len(Column):
            return
        self._sort = (Column(column), order) if column >= 0 else None
        self._apply_sort(Column(column) if column >= 0 else None, order)

    def _apply_sort(self, column: Column | None, order: QtCore.Qt.SortOrder) -> None:
        descending = order == QtCore.Qt.SortOrder.DescendingOrder
        if column is None:
            positions = sorted(range(len(self._rows)), key=lambda r: self._load_order(r))
        else:
            keyed = [
                (user_cells.sort_key(self._rows[r], column), r) for r in range(len(self._rows))
            ]
            present = [(k, r) for k, r in keyed if k is not None]
            absent = [r for k, r in keyed if k is None]  # blanks last either way
            present.sort(key=lambda kr: kr[0], reverse=descending)
            positions = [r for _k, r in present] + absent
        if positions == list(range(len(self._rows))):
            return
        with self._signalling():
            self.layoutAboutToBeChanged.emit()
            new_row = {old: new for new, old in enumerate(positions)}
            old_indexes = self.persistentIndexList()
            new_indexes = [
                self.index(new_row.get(i.row(), i.row()), i.column()) for i in old_indexes
            ]
            self._rows = [self._rows[r] for r in positions]
            self.changePersistentIndexList(old_indexes, new_indexes)
            self.layoutChanged.emit()

    def _load_order(self, row: int) -> int:
        return self._seq.get(self._rows[row].username, row)

    # -- QAbstractTableModel ---------------------------------------------------------------

    def _cell(self, row: admin.User, column: int, role: int) -> Any:
        if role == _Role.DisplayRole:
            return user_cells.display(row, Column(column))
        if role == _Role.ToolTipRole:
            return user_cells.tooltip(row, Column(column))
        return None

    def column_title(self, section: int) -> str:
        return column_title(Column(section))
