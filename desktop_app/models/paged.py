"""One base for the table models that load from the protected API through the bridge.

:class:`PagedModel` is what the items, users and groups tables share. Qt asks
``canFetchMore`` / ``fetchMore`` when a view scrolls near the end; ``fetchMore`` only
*starts* one page fetch (guarded by the in-flight slot) on a worker through the
bridge, and the rows are inserted when the page comes back on the GUI thread.
Nothing here blocks on I/O.

A newer :meth:`~PagedModel.refresh` supersedes whatever is in flight: its task is
cancelled and, as a second guard, every answer carries the generation it was asked
for and is dropped unless that is still the current one. After a failure no more
pages are fetched until :meth:`~PagedModel.retry` (scrolling must not hammer a
failing API). A page whose cursor does not move, or too many empty pages that
promise more, end the list instead of having the view ask forever.

Subclasses say how to fetch one page and what a page holds, and emit their own
``loaded`` signal; see the hooks at the end of :class:`PagedModel`.
"""

from __future__ import annotations

import contextlib
import enum
import logging
from collections.abc import Callable, Iterator, Sequence
from typing import Any, ClassVar, Generic, TypeVar

from PySide6 import QtCore

from desktop_app import errors
from desktop_app.api import client as api_client
from desktop_app.qt import tasks

R = TypeVar("R")  # one row
P = TypeVar("P")  # one page, as the API layer returns it
_ROOT = QtCore.QModelIndex()
_Role = QtCore.Qt.ItemDataRole
_translate = QtCore.QCoreApplication.translate
#: ``data(index, ROW_ROLE)`` is the row's object (an item, a user, a group); ``None``
#: on the "Loading…" row.
ROW_ROLE = int(_Role.UserRole) + 1


class ColumnTable(QtCore.QAbstractTableModel):
    """A flat table whose columns are an ``IntEnum``: column count and horizontal
    headers come from :attr:`COLUMNS` and :meth:`column_title`."""

    COLUMNS: ClassVar[type[enum.IntEnum]]

    def column_title(self, section: int) -> str:
        raise NotImplementedError

    def columnCount(self, parent: QtCore.QModelIndex | QtCore.QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(
        self,
        section: int,
        orientation: QtCore.Qt.Orientation,
        role: int = QtCore.Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if (
            orientation == QtCore.Qt.Orientation.Horizontal
            and role == QtCore.Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self.COLUMNS)
        ):
            return self.column_title(section)
        return super().headerData(section, orientation, role)


class PagedModel(ColumnTable, Generic[R, P]):
    """See the module docstring. Idle and empty until :meth:`refresh`.

    Signals:
        loading(): a page fetch started.
        failed(object): the page fetch failed with this exception (an ``ApiError``,
            ``NetworkError`` or anything else the fetch raised). A session that ended
            is not reported here: the bridge sends its ``sessionEnded`` instead, and
            whoever handles that calls :meth:`clear`.
    """

    loading = QtCore.Signal()
    failed = QtCore.Signal(object)

    #: The worker task's name (for the log).
    TASK_NAME: ClassVar[str] = "page"
    #: What the rows are, for the log ("the users API returned...").
    NOUN: ClassVar[str] = "rows"
    #: Show a trailing "Loading…" row while a page is in flight.
    LOADING_ROW: ClassVar[bool] = False
    #: Empty pages that promise more are fetched on, up to this many in a row.
    FOLLOW_EMPTY_PAGES: ClassVar[int] = 0
    #: One-page lists (the groups): :meth:`refresh` keeps the rows shown until the
    #: new ones arrive, and they replace the old ones in one reset.
    RELOAD_IN_PLACE: ClassVar[bool] = False

    def __init__(self, bridge: tasks.ApiCaller, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._rows: list[R] = []
        self._cursor: str | None = None
        self._started = False  # refresh() was called: there is a list to page through
        self._exhausted = False  # the last page arrived
        self._loading = False  # a page is in flight (and the "Loading…" row shown)
        self._error: BaseException | None = None
        self._fetch_all = False
        self._empty_pages = 0
        self._pages = 0  # pages that arrived since the last reset
        self._generation = 0  # bumped by every reset and fetch: older answers are stale
        self._changing = 0  # inside our own begin*/end* signals: see canFetchMore
        self._slot = tasks.TaskSlot()
        # A model deleted with a page in flight (its panel closed, the person signed
        # out) must not be called back: the C++ half would be gone. The slot is a
        # plain object, so it is still there to cancel when ``destroyed`` fires.
        self.destroyed.connect(self._slot.cancel)
        self._log = logging.getLogger(type(self).__module__)

    # -- state -----------------------------------------------------------------------------

    @property
    def is_loading(self) -> bool:
        return self._loading

    @property
    def error(self) -> BaseException | None:
        """Why the last fetch failed, until the next one starts."""
        return self._error

    @property
    def has_more(self) -> bool:
        """More pages exist (whether or not one could be fetched right now)."""
        return self._started and not self._exhausted

    @property
    def count(self) -> int:
        """Rows held (the "Loading…" row is not one)."""
        return len(self._rows)

    # -- loading ---------------------------------------------------------------------------

    def refresh(self) -> None:
        """Load the first page again; whatever is in flight from before is cancelled
        and its answer, should it still come, ignored. The rows go at once (or, for a
        one-page list, when the new ones arrive)."""
        if self.RELOAD_IN_PLACE:
            self._slot.cancel()
            self._cursor, self._error = None, None
            self._exhausted, self._empty_pages, self._pages = False, 0, 0
        else:
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
        if not self._started or not self._pages:
            self.refresh()
            return
        self._error = None
        if not self._exhausted:
            self._start_fetch()

    def fetch_all(self) -> None:
        """Keep fetching pages, one at a time, until the end (for "export all").
        ``loaded`` with nothing more to come, or ``failed``, says when it stopped."""
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
        # Views call this freely (on every scroll near the end): the guard in
        # canFetchMore keeps it to one request at a time.
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
        self._slot.cancel()
        self._generation += 1
        before = len(self._rows)
        with self._signalling():
            self.beginResetModel()
            self._rows = []
            self._cursor = None
            self._started = self._exhausted = self._loading = self._fetch_all = False
            self._error = None
            self._empty_pages = self._pages = 0
            self._forget()
            self.endResetModel()
        if before:
            self._count_changed()

    def _start_fetch(self) -> None:
        self._slot.cancel()  # one page in flight, whatever path got here
        self._generation += 1
        generation, cursor = self._generation, self._cursor
        call = self._page_call(cursor)
        self._error = None
        self._set_loading(True)
        self.loading.emit()
        try:
            task = self._bridge.call_api(
                call,
                lambda page: self._on_page(generation, cursor, page),
                lambda exc: self._on_failed(generation, exc),
                name=self.TASK_NAME,
            )
        except errors.ConfigError as exc:  # the profile has no api_url: nothing to call
            self._on_failed(generation, exc)
            return
        # A caller that answered inside call_api has already run _on_page (which may
        # even have started the next fetch): keep only a live, current task.
        if self._loading and generation == self._generation:
            self._slot.task = task

    def _set_loading(self, loading: bool) -> None:
        if loading == self._loading:
            return
        if not self.LOADING_ROW:
            self._loading = loading
            return
        end = len(self._rows)
        with self._signalling():
            if loading:
                self.beginInsertRows(_ROOT, end, end)
                self._loading = True
                self.endInsertRows()
            else:
                self.beginRemoveRows(_ROOT, end, end)
                self._loading = False
                self.endRemoveRows()

    def _on_page(self, generation: int, cursor: str | None, page: P) -> None:
        if generation != self._generation:
            return  # an older refresh's or page's answer: never applied
        self._slot.clear()
        rows, next_cursor = self._page_rows(page), self._page_cursor(page)
        stuck = next_cursor is not None and next_cursor == cursor
        if stuck:
            self._log.warning(
                "the %s API returned a page that does not advance; stopping", self.NOUN
            )
        self._empty_pages = 0 if rows else self._empty_pages + 1
        if next_cursor is not None and self._empty_pages > self.FOLLOW_EMPTY_PAGES:
            # No view would scroll to ask for more after an empty page; past the limit,
            # pages that stay empty would be fetched forever.
            self._log.warning(
                "the %s API returned %d empty pages in a row; stopping",
                self.NOUN,
                self._empty_pages,
            )
            stuck = True
        # State before rows: listeners of rowsInserted must see the new cursor.
        self._cursor = next_cursor
        self._exhausted = next_cursor is None or stuck
        self._pages += 1
        self._take_page(page)
        first_of_reload = self.RELOAD_IN_PLACE and cursor is None
        self._set_loading(False)
        if first_of_reload:
            with self._signalling():
                self.beginResetModel()
                self._rows = list(rows)
                self.endResetModel()
        elif rows:
            first = len(self._rows)
            with self._signalling():
                self.beginInsertRows(_ROOT, first, first + len(rows) - 1)
                self._rows.extend(rows)
                self._rows_added(rows)
                self.endInsertRows()
            self._arrange()
        if rows or first_of_reload:
            self._count_changed()
        self._loaded()
        if generation != self._generation or self._loading:
            return  # a listener of ``loaded`` already started something newer
        if not self.has_more:
            self._fetch_all = False
        elif self._fetch_all or not rows:
            # fetch_all goes on by itself; and after an empty page no view would
            # scroll and ask, so ask ourselves.
            self._start_fetch()

    def _on_failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self._slot.clear()
        self._error = exc
        self._fetch_all = False
        self._set_loading(False)
        self._log.info("loading a page of %s failed: %s", self.NOUN, type(exc).__name__)
        self.failed.emit(exc)

    # -- QAbstractTableModel ---------------------------------------------------------------

    def row_at(self, row: int) -> R | None:
        """The row's object, or None past the rows held."""
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def rowCount(self, parent: QtCore.QModelIndex | QtCore.QPersistentModelIndex = _ROOT) -> int:
        if parent.isValid():
            return 0
        return len(self._rows) + (1 if self.LOADING_ROW and self._loading else 0)

    def data(
        self,
        index: QtCore.QModelIndex | QtCore.QPersistentModelIndex,
        role: int = _Role.DisplayRole,
    ) -> Any:
        if not index.isValid() or index.parent().isValid():
            return None
        row, column = index.row(), index.column()
        if not 0 <= column < len(self.COLUMNS):
            return None
        if row == len(self._rows) and self._loading and role == _Role.DisplayRole:
            # The "Loading…" row (only there with LOADING_ROW) has text only.
            return _translate("PagedModel", "Loading\N{HORIZONTAL ELLIPSIS}") if not column else ""
        if not 0 <= row < len(self._rows):
            return None
        if role == ROW_ROLE:
            return self._rows[row]
        return self._cell(self._rows[row], column, role)

    def flags(self, index: QtCore.QModelIndex | QtCore.QPersistentModelIndex) -> QtCore.Qt.ItemFlag:
        if not index.isValid():
            return QtCore.Qt.ItemFlag.NoItemFlags
        if index.row() >= len(self._rows):  # the "Loading…" row: shown, never selected
            return QtCore.Qt.ItemFlag.ItemIsEnabled
        # Read-only: selectable (an ID can be copied, users picked), never editable.
        return QtCore.Qt.ItemFlag.ItemIsEnabled | QtCore.Qt.ItemFlag.ItemIsSelectable

    # -- hooks -----------------------------------------------------------------------------

    def _page_call(self, cursor: str | None) -> Callable[[api_client.ApiClient], P]:
        """The function a worker runs to fetch the page at ``cursor`` (None: the first).
        It must capture plain values only: it runs off the GUI thread."""
        raise NotImplementedError

    def _page_rows(self, page: P) -> Sequence[R]:
        raise NotImplementedError

    def _page_cursor(self, page: P) -> str | None:
        """The next page's cursor, or None at the end."""
        raise NotImplementedError

    def _take_page(self, page: P) -> None:
        """Anything else a page carries (a total), taken before its rows go in."""

    def _rows_added(self, rows: Sequence[R]) -> None:
        """Inside the insert of ``rows`` (already in ``self._rows``): index them."""

    def _arrange(self) -> None:
        """After rows went in: sort them, if the model sorts."""

    def _forget(self) -> None:
        """Inside a reset: drop whatever a subclass keeps about the rows."""

    def _count_changed(self) -> None:
        """The number of rows held changed."""

    def _loaded(self) -> None:
        """A page was taken in: emit the subclass's ``loaded`` signal."""
        raise NotImplementedError

    def _cell(self, row: R, column: int, role: int) -> Any:
        """``data()`` of one cell of a row held, for any role but :data:`ROW_ROLE`."""
        raise NotImplementedError
