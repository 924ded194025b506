"""A lazy table of the protected API's ``/items``, paged through the session bridge.

Qt asks :meth:`ItemsModel.canFetchMore` / :meth:`ItemsModel.fetchMore` when a view
scrolls near the end. ``fetchMore`` only *starts* a page fetch (one at a time) on
a worker through the bridge; the rows are inserted when the page comes back on
the GUI thread. Nothing here blocks on I/O. QtCore only: the view lives in
:mod:`desktop_app.ui.data_panel`.
"""

from __future__ import annotations

import datetime
import enum
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6 import QtCore

from desktop_app import errors
from desktop_app.api import client as api_client
from desktop_app.api import items as api_items
from desktop_app.models import _paging

log = logging.getLogger(__name__)
T = TypeVar("T")

_translate = QtCore.QCoreApplication.translate
_Role = QtCore.Qt.ItemDataRole
_ROOT = QtCore.QModelIndex()
#: ``data(index, ITEM_ROLE)`` is the row's :class:`~desktop_app.api.items.Item`.
ITEM_ROLE = int(_Role.UserRole) + 1

FetchPage = Callable[[api_client.ApiClient, "str | None", int], api_items.ItemPage]


# Re-exported: other models and the tests name them through this module.
Cancellable = _paging.Cancellable
ApiCaller = _paging.ApiCaller


class Column(enum.IntEnum):
    TITLE = 0
    UPDATED = 1
    SIZE = 2
    ID = 3


def column_title(column: Column) -> str:
    titles = {
        Column.TITLE: _translate("ItemsModel", "Title"),
        Column.UPDATED: _translate("ItemsModel", "Updated"),
        Column.SIZE: _translate("ItemsModel", "Size"),
        Column.ID: _translate("ItemsModel", "ID"),
    }
    return titles[column]


def local_time(moment: datetime.datetime) -> str:
    """``moment`` in the computer's time zone, ISO-like to the minute."""
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


class ItemsModel(_paging.ColumnTable):
    """The items, one row each, fetched a page at a time. Columns: :class:`Column`.

    Idle until :meth:`refresh` (so a view attached before sign-in does not start
    fetching on its own); after a failure no more pages are fetched until
    :meth:`retry` (so scrolling does not hammer an API that just failed).

    Signals:
        loading(): a page fetch started.
        loaded(int, int): a page arrived; rows now held and the API's total.
        failed(object): the page fetch failed with this exception (an
            ``ApiError``, ``NetworkError`` or anything else the fetch raised).
            A session that ended is not reported here: the bridge sends its
            ``sessionEnded`` instead, and whoever handles that calls :meth:`clear`.
    """

    loading = QtCore.Signal()
    loaded = QtCore.Signal(int, int)
    failed = QtCore.Signal(object)

    COLUMNS = Column

    def __init__(
        self,
        bridge: ApiCaller,
        *,
        fetch: FetchPage = api_items.fetch_page,
        page_size: int = api_items.DEFAULT_LIMIT,
        parent: QtCore.QObject | None = None,
    ) -> None:
        super().__init__(parent)
        if not 1 <= page_size <= api_items.MAX_LIMIT:
            raise ValueError(f"page_size must be between 1 and {api_items.MAX_LIMIT}")
        self._bridge = bridge
        self._fetch = fetch
        self._page_size = page_size
        self._rows: list[api_items.Item] = []
        self._total: int | None = None
        self._next_cursor: str | None = None
        self._started = False  # refresh() was called: there is a list to page through
        self._exhausted = False  # the last page arrived
        self._loading = False  # a page fetch is running
        self._fetch_task = _paging.TaskSlot()  # ...and this drops its result
        # A model deleted with a page in flight (its panel closed, the person signed
        # out) must not be called back: the C++ half would be gone. The slot is a
        # plain object, so it is still there to cancel when ``destroyed`` fires.
        self.destroyed.connect(self._fetch_task.cancel)
        self._serial = 0  # counts fetches started
        self._error: BaseException | None = None

    # -- state -----------------------------------------------------------------------------

    @property
    def is_loading(self) -> bool:
        return self._loading

    @property
    def total(self) -> int | None:
        """What the API says the whole list holds (``None`` before the first page)."""
        return self._total

    @property
    def error(self) -> BaseException | None:
        """Why the last fetch failed, until the next one starts."""
        return self._error

    @property
    def has_more(self) -> bool:
        """More pages exist (whether or not one could be fetched right now)."""
        return self._started and not self._exhausted

    def item(self, row: int) -> api_items.Item:
        return self._rows[row]

    # -- loading ---------------------------------------------------------------------------

    def refresh(self) -> None:
        """Forget every row and load the first page again. A page still in flight
        from before is cancelled: its late result must not land in the new list."""
        # Idle during the reset: views call fetchMore from endResetModel, and
        # the first page is fetched once, here, not once by them and once by us.
        self._reset(started=False)
        self._started = True
        self._start_fetch()

    def clear(self) -> None:
        """Back to idle and empty (signed out, session ended); nothing is fetched."""
        self._reset(started=False)

    def retry(self) -> None:
        """After a failure: fetch the page that failed (the first, if none arrived)."""
        if self._loading:
            return
        if not self._started or self._total is None:
            self.refresh()
            return
        self._error = None
        if not self._exhausted:
            self._start_fetch()

    def canFetchMore(self, parent: QtCore.QModelIndex | QtCore.QPersistentModelIndex) -> bool:
        if parent.isValid():
            return False
        return self.has_more and not self._loading and self._error is None

    def fetchMore(self, parent: QtCore.QModelIndex | QtCore.QPersistentModelIndex) -> None:
        # Views call this freely (on every scroll near the end): the guard in
        # canFetchMore keeps it to one request at a time.
        if self.canFetchMore(parent):
            self._start_fetch()

    def _reset(self, *, started: bool) -> None:
        self._fetch_task.cancel()
        self._loading = False
        self.beginResetModel()
        self._rows = []
        self._total = None
        self._next_cursor = None
        self._started = started
        self._exhausted = False
        self._error = None
        self.endResetModel()

    def _start_fetch(self) -> None:
        self._fetch_task.cancel()  # one page in flight, whatever path got here
        cursor, limit, fetch = self._next_cursor, self._page_size, self._fetch
        self._serial += 1
        serial = self._serial
        self._error = None
        self._loading = True
        self.loading.emit()
        try:
            task = self._bridge.call_api(
                lambda api: fetch(api, cursor, limit),
                lambda page: self._on_page(cursor, page),
                self._on_failed,
                name="items-page",
            )
        except errors.ConfigError as exc:  # the profile has no api_url: nothing to call
            self._on_failed(exc)
            return
        # A caller that answers at once (in call_api) has already run _on_page,
        # which may even have started the next fetch: keep only a live, current task.
        if self._loading and serial == self._serial:
            self._fetch_task.task = task

    def _on_page(self, cursor: str | None, page: api_items.ItemPage) -> None:
        self._loading, self._fetch_task.task = False, None
        stuck = page.next_cursor is not None and (page.next_cursor == cursor or not page.items)
        if stuck:
            # A cursor that does not move (or pages that stay empty) would have the
            # view ask for the same page forever; the list ends here instead.
            log.warning("the items API returned a page that does not advance; stopping")
        # State first, rows second: rowsInserted makes views (and qtmodeltester) call
        # fetchMore at once, and that must see the new cursor, not fetch this page again.
        self._total = page.total
        self._next_cursor = page.next_cursor
        self._exhausted = page.next_cursor is None or stuck
        if page.items:
            first = len(self._rows)
            self.beginInsertRows(QtCore.QModelIndex(), first, first + len(page.items) - 1)
            self._rows.extend(page.items)
            self.endInsertRows()
        self.loaded.emit(len(self._rows), page.total)

    def _on_failed(self, exc: BaseException) -> None:
        self._loading, self._fetch_task.task = False, None
        self._error = exc
        log.info("loading an items page failed: %s", type(exc).__name__)
        self.failed.emit(exc)

    # -- QAbstractTableModel ---------------------------------------------------------------

    def rowCount(self, parent: QtCore.QModelIndex | QtCore.QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def data(
        self,
        index: QtCore.QModelIndex | QtCore.QPersistentModelIndex,
        role: int = _Role.DisplayRole,
    ) -> Any:
        if not index.isValid() or index.parent().isValid():
            return None
        row, column = index.row(), index.column()
        if not (0 <= row < len(self._rows) and 0 <= column < len(Column)):
            return None
        item = self._rows[row]
        if role == ITEM_ROLE:
            return item
        if role == _Role.DisplayRole:
            return _display(item, Column(column))
        if role == _Role.ToolTipRole:
            return _tooltip(item, Column(column))
        if role == _Role.TextAlignmentRole and column == Column.SIZE:
            return int(QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter)
        return None

    def column_title(self, section: int) -> str:
        return column_title(Column(section))

    def flags(self, index: QtCore.QModelIndex | QtCore.QPersistentModelIndex) -> QtCore.Qt.ItemFlag:
        if not index.isValid():
            return QtCore.Qt.ItemFlag.NoItemFlags
        # Read-only: selectable so an ID can be copied, never editable.
        return QtCore.Qt.ItemFlag.ItemIsEnabled | QtCore.Qt.ItemFlag.ItemIsSelectable


def _display(item: api_items.Item, column: Column) -> str:
    if column is Column.TITLE:
        return item.title
    if column is Column.UPDATED:
        return local_time(item.updated_at)
    if column is Column.SIZE:
        return QtCore.QLocale().formattedDataSize(item.size_bytes, 1)
    return item.id


def _tooltip(item: api_items.Item, column: Column) -> str | None:
    if column is Column.UPDATED:
        return item.updated_at.astimezone().isoformat(sep=" ", timespec="seconds")
    if column is Column.SIZE:
        exact = QtCore.QLocale().toString(item.size_bytes)
        return _translate("ItemsModel", "{size} bytes").format(size=exact)
    return None
