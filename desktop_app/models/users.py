"""The admin users table: Cognito users, a page at a time, filtered on the server.

:class:`UsersModel` pages through ``GET /admin/users`` (or a group's members) the
way :mod:`desktop_app.models.items` pages through ``/items``: ``fetchMore`` only
*starts* one page fetch on a worker through the bridge, and the rows are inserted
when the page comes back on the GUI thread. While a page is in flight a trailing
"Loading…" row shows it. A newer search (or refresh) supersedes whatever is in
flight: its task is cancelled and, as a second guard, every answer carries the
generation it was asked for and is dropped unless that is still the current one.
QtCore only; the view lives in :mod:`desktop_app.ui.admin`.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from typing import Any

from PySide6 import QtCore

from desktop_app import errors
from desktop_app.api import admin
from desktop_app.models import _paging, user_cells
from desktop_app.models import items as items_model
from desktop_app.models.user_cells import Column, column_title

log = logging.getLogger(__name__)
__all__ = ["USER_ROLE", "Column", "PageFn", "UsersModel", "column_title", "list_users_page"]

_translate = QtCore.QCoreApplication.translate
_Role = QtCore.Qt.ItemDataRole
_ROOT = QtCore.QModelIndex()
#: ``data(index, USER_ROLE)`` is the row's :class:`~desktop_app.api.admin.User`
#: (``None`` on the "Loading…" row).
USER_ROLE = int(_Role.UserRole) + 1
#: Pages that come back empty but say "there is more" (Cognito does this with a
#: filter) are followed automatically, up to this many in a row.
MAX_EMPTY_PAGES = 20

PageFn = Callable[[admin.JsonCaller, "str | None", "admin.Search | None", int], admin.UserPage]


def list_users_page(
    api: admin.JsonCaller, token: str | None, search: admin.Search | None, limit: int
) -> admin.UserPage:
    """The default ``page``: one page of ``GET /admin/users``."""
    return admin.list_users(api, search=search, limit=limit, next_token=token)


class UsersModel(_paging.ColumnTable):
    """Users, one row each, fetched a page at a time. Columns: :class:`Column`.

    Idle until :meth:`refresh` or :meth:`set_search`; after a failure no more pages
    are fetched until :meth:`retry` (scrolling must not hammer a failing API).

    Signals:
        loading(): a page fetch started (the "Loading…" row is there).
        loaded(int, bool): a page arrived; users now held, and whether more exist.
        failed(object): the page fetch failed with this exception. A session that
            ended is not reported here: the bridge sends ``sessionEnded``.
        countChanged(int): the number of users held changed.
    """

    loading = QtCore.Signal()
    loaded = QtCore.Signal(int, bool)
    failed = QtCore.Signal(object)
    countChanged = QtCore.Signal(int)

    COLUMNS = Column

    def __init__(
        self,
        bridge: items_model.ApiCaller,
        *,
        page: PageFn | None = None,
        page_size: int = admin.PAGE_MAX,
        parent: QtCore.QObject | None = None,
    ) -> None:
        super().__init__(parent)
        if not 1 <= page_size <= admin.PAGE_MAX:
            raise ValueError(f"page_size must be between 1 and {admin.PAGE_MAX}")
        self._bridge = bridge
        self._page: PageFn = page or list_users_page
        self._page_size = page_size
        self._search: admin.Search | None = None
        self._rows: list[admin.User] = []
        self._seq: dict[str, int] = {}  # username -> load order, to undo a sort
        self._loaded_total = 0
        self._next_token: str | None = None
        self._started = False
        self._exhausted = False
        self._loading = False  # a page is in flight (and the placeholder row shown)
        self._error: BaseException | None = None
        self._fetch_all = False
        self._empty_pages = 0
        self._sort: tuple[Column, QtCore.Qt.SortOrder] | None = None
        self._generation = 0  # bumped by every reset and fetch: older answers are stale
        self._changing = 0  # inside our own begin*/end* signals: see canFetchMore
        self._fetch_task = _paging.TaskSlot()
        # Deleted with a page in flight: the callback must never reach a dead model.
        self.destroyed.connect(self._fetch_task.cancel)

    # -- state -----------------------------------------------------------------------------

    @property
    def search(self) -> admin.Search | None:
        return self._search

    @property
    def is_loading(self) -> bool:
        return self._loading

    @property
    def has_more(self) -> bool:
        """More pages exist (whether or not one could be fetched right now)."""
        return self._started and not self._exhausted

    @property
    def error(self) -> BaseException | None:
        """Why the last fetch failed, until the next one starts."""
        return self._error

    @property
    def count(self) -> int:
        """Users held (the "Loading…" row is not one)."""
        return len(self._rows)

    def user(self, row: int) -> admin.User | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, username: str) -> int | None:
        for row, held in enumerate(self._rows):
            if held.username == username:
                return row
        return None

    # -- loading ---------------------------------------------------------------------------

    def set_search(self, search: admin.Search | None) -> None:
        """Forget the rows and load the first page matching ``search`` (None: all)."""
        self._search = search
        self.refresh()

    def refresh(self) -> None:
        """Forget every row and load the first page again; whatever is in flight
        from before is cancelled and its answer, should it still come, ignored."""
        # Idle during the reset: a view calling fetchMore from endResetModel must
        # not start a second first page.
        self._reset()
        self._started = True
        self._start_fetch()

    def clear(self) -> None:
        """Back to idle and empty (signed out, section hidden); nothing is fetched."""
        self._reset()

    def retry(self) -> None:
        """After a failure: fetch the page that failed (the first, if none arrived)."""
        if self._loading:
            return
        if not self._started:
            self.refresh()
            return
        self._error = None
        if not self._exhausted:
            self._start_fetch()

    def fetch_all(self) -> None:
        """Keep fetching pages, one at a time, until the end (for "export all").
        ``loaded`` with ``has_more`` false, or ``failed``, says when it stopped."""
        if not self._started:
            self.refresh()  # (a reset: clears the flag, so it is set after)
        elif not self._loading and not self._exhausted:
            self._error = None
            self._start_fetch()
        self._fetch_all = self.has_more

    def canFetchMore(self, parent: QtCore.QModelIndex | QtCore.QPersistentModelIndex) -> bool:
        if parent.isValid() or self._changing:
            # While our own rowsInserted/rowsRemoved is being delivered, a listener
            # (a model tester, a proxy) asking for more would nest a second insert
            # inside the first; views ask again from their own timers.
            return False
        return self.has_more and not self._loading and self._error is None

    def fetchMore(self, parent: QtCore.QModelIndex | QtCore.QPersistentModelIndex) -> None:
        if self.canFetchMore(parent):
            self._start_fetch()

    @contextlib.contextmanager
    def _signalling(self) -> Iterator[None]:
        self._changing += 1
        try:
            yield
        finally:
            self._changing -= 1

    def _reset(self) -> None:
        self._fetch_task.cancel()
        self._generation += 1
        before = len(self._rows)
        with self._signalling():
            self.beginResetModel()
            self._rows, self._seq = [], {}
            self._loaded_total = 0
            self._next_token = None
            self._started = self._exhausted = self._loading = self._fetch_all = False
            self._error = None
            self._empty_pages = 0
            self.endResetModel()
        if before:
            self.countChanged.emit(0)

    def _start_fetch(self) -> None:
        self._fetch_task.cancel()  # one page in flight, whatever path got here
        self._generation += 1
        generation = self._generation
        token, search, limit, page = self._next_token, self._search, self._page_size, self._page
        self._error = None
        if not self._loading:
            end = len(self._rows)
            with self._signalling():
                self.beginInsertRows(_ROOT, end, end)
                self._loading = True
                self.endInsertRows()
        self.loading.emit()
        try:
            task = self._bridge.call_api(
                lambda api: page(api, token, search, limit),
                lambda result: self._on_page(generation, token, result),
                lambda exc: self._on_failed(generation, exc),
                name="users-page",
            )
        except errors.ConfigError as exc:  # the profile has no api_url
            self._on_failed(generation, exc)
            return
        # A caller that answered inside call_api has already run _on_page.
        if self._loading and generation == self._generation:
            self._fetch_task.task = task

    def _stop_loading(self) -> None:
        if self._loading:
            end = len(self._rows)
            with self._signalling():
                self.beginRemoveRows(_ROOT, end, end)
                self._loading = False
                self.endRemoveRows()

    def _on_page(self, generation: int, token: str | None, page: admin.UserPage) -> None:
        if generation != self._generation:
            return  # an older search's or page's answer: never applied
        self._fetch_task.task = None
        stuck = page.next_token is not None and page.next_token == token
        if stuck:
            # A token that does not move would have the view ask for the same page forever.
            log.warning("the users API returned a page that does not advance; stopping")
        self._empty_pages = 0 if page.users else self._empty_pages + 1
        if self._empty_pages > MAX_EMPTY_PAGES:
            log.warning("the users API returned %d empty pages in a row; stopping", MAX_EMPTY_PAGES)
            stuck = True
        # State before rows: listeners of rowsInserted must see the new token.
        self._next_token = page.next_token
        self._exhausted = page.next_token is None or stuck
        self._stop_loading()
        if page.users:
            self._append(page.users)
            self.countChanged.emit(len(self._rows))
        self.loaded.emit(len(self._rows), self.has_more)
        if generation != self._generation or self._loading:
            return  # a listener of ``loaded`` already started something newer
        if not self.has_more:
            self._fetch_all = False
        elif self._fetch_all or not page.users:
            # fetch_all goes on by itself; and after an empty page no view would
            # scroll and ask, so ask ourselves.
            self._start_fetch()

    def _on_failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self._fetch_task.task = None
        self._error = exc
        self._fetch_all = False
        self._stop_loading()
        log.info("loading a users page failed: %s", type(exc).__name__)
        self.failed.emit(exc)

    def _append(self, users: tuple[admin.User, ...]) -> None:
        first = len(self._rows)
        with self._signalling():
            self.beginInsertRows(_ROOT, first, first + len(users) - 1)
            for user in users:
                self._seq.setdefault(user.username, self._loaded_total)
                self._loaded_total += 1
            self._rows.extend(users)
            self.endInsertRows()
        if self._sort is not None:
            self._apply_sort(*self._sort)

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

    def rowCount(self, parent: QtCore.QModelIndex | QtCore.QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows) + (1 if self._loading else 0)

    def data(
        self,
        index: QtCore.QModelIndex | QtCore.QPersistentModelIndex,
        role: int = _Role.DisplayRole,
    ) -> Any:
        if not index.isValid() or index.parent().isValid():
            return None
        row, column = index.row(), index.column()
        if not 0 <= column < len(Column):
            return None
        if row == len(self._rows) and self._loading and role == _Role.DisplayRole:
            return _translate("UsersModel", "Loading\N{HORIZONTAL ELLIPSIS}") if not column else ""
        if not 0 <= row < len(self._rows):
            return None  # (the "Loading…" row has text only)
        user = self._rows[row]
        if role == USER_ROLE:
            return user
        if role == _Role.DisplayRole:
            return user_cells.display(user, Column(column))
        if role == _Role.ToolTipRole:
            return user_cells.tooltip(user, Column(column))
        return None

    def column_title(self, section: int) -> str:
        return column_title(Column(section))

    def flags(self, index: QtCore.QModelIndex | QtCore.QPersistentModelIndex) -> QtCore.Qt.ItemFlag:
        if not index.isValid():
            return QtCore.Qt.ItemFlag.NoItemFlags
        if index.row() >= len(self._rows):  # the "Loading…" row: shown, never selected
            return QtCore.Qt.ItemFlag.ItemIsEnabled
        return QtCore.Qt.ItemFlag.ItemIsEnabled | QtCore.Qt.ItemFlag.ItemIsSelectable
