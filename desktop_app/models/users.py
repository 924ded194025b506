"""The admin users table: Cognito users, a page at a time, filtered on the server.

:class:`UsersModel` pages through ``GET /admin/users`` (or a group's members) with
:class:`desktop_app.models.paged.PagedModel` (one page in flight, a newer search
supersedes an older one, retry after a failure); while a page is in flight a
trailing "Loading…" row shows it. It adds the search, sorting the rows held, and
editing a row after an admin action. QtCore only; the view lives in
:mod:`desktop_app.ui.admin`.

**The MFA column.** ListUsers does not say whether a user has MFA; only AdminGetUser
does, one user at a time. So a page shows as fast as ListUsers answers, with "…" in
the MFA column, and the model reads the MFA of the rows a view actually shows: asking
for a cell's text (``data()``, which views do for the visible cells only) puts the user
on a short list, and :data:`MFA_DELAY_MS` after the last addition (so not while a
person scrolls) one ``GET /admin/mfa`` asks for the most recent :data:`admin.PAGE_MAX`
of them, one request in flight at a time. Rows loaded but never shown cost nothing; a
refresh or search forgets it all. A read that fails shows "?" until the next refresh
(scrolling must not hammer a failing API).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6 import QtCore

from desktop_app import errors
from desktop_app.admin import states
from desktop_app.api import admin
from desktop_app.models import paged, user_cells
from desktop_app.models.user_cells import Column, column_title
from desktop_app.qt import tasks

__all__ = [
    "USER_ROLE",
    "Column",
    "MfaFn",
    "PageFn",
    "UsersModel",
    "column_title",
    "list_users_page",
]

_translate = QtCore.QCoreApplication.translate
_Role = QtCore.Qt.ItemDataRole
_ROOT = QtCore.QModelIndex()
#: ``data(index, USER_ROLE)`` is the row's :class:`~desktop_app.api.admin.User`
#: (``None`` on the "Loading…" row).
USER_ROLE = paged.ROW_ROLE
#: Pages that come back empty but say "there is more" (Cognito does this with a
#: filter) are followed automatically, up to this many in a row.
MAX_EMPTY_PAGES = 20

#: How long after the last newly shown row the MFA of the rows shown is asked for.
MFA_DELAY_MS = 200

PageFn = Callable[[admin.JsonCaller, "str | None", "admin.Search | None", int], admin.UserPage]
MfaFn = Callable[[admin.JsonCaller, Sequence[str]], "dict[str, admin.Mfa | None]"]


def list_users_page(
    api: admin.JsonCaller, token: str | None, search: admin.Search | None, limit: int
) -> admin.UserPage:
    """The default ``page``: one page of ``GET /admin/users``."""
    return admin.list_users(api, search=search, limit=limit, next_token=token)


class UsersModel(paged.PagedModel[admin.User, admin.UserPage]):
    """Users, one row each, fetched a page at a time. Columns: :class:`Column`.

    Idle until :meth:`refresh` or :meth:`set_search`; after a failure no more pages
    are fetched until :meth:`retry` (scrolling must not hammer a failing API). The MFA
    column fills in after the rows are shown (the module docstring); ``mfa`` is the
    call that reads it (default ``admin.users_mfa``).

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
        mfa: MfaFn | None = None,
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
        # The MFA column: what is known, who was shown without it, the one read in flight.
        self._mfa_call: MfaFn = mfa or admin.users_mfa
        self._mfa: dict[str, admin.Mfa | states.MfaRead] = {}
        self._mfa_wanted: dict[str, None] = {}  # an ordered set: the most recently shown last
        self._mfa_generation = 0
        self._mfa_failed = False  # a read failed: no more until the next refresh
        self._mfa_slot = tasks.TaskSlot()
        self.destroyed.connect(self._mfa_slot.cancel)
        self._mfa_timer = QtCore.QTimer(self)
        self._mfa_timer.setSingleShot(True)
        self._mfa_timer.setInterval(MFA_DELAY_MS)
        self._mfa_timer.timeout.connect(self._read_mfa)

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

    def mfa(self, username: str) -> admin.Mfa | states.MfaRead:
        """What is known of ``username``'s MFA (``PENDING`` until it has been read;
        ``FAILED`` for every user not read yet once a read failed)."""
        unknown = states.MfaRead.FAILED if self._mfa_failed else states.MfaRead.PENDING
        return self._mfa.get(username, unknown)

    @property
    def mfa_reading(self) -> bool:
        """An MFA read is waiting to start or under way."""
        return self._mfa_slot.busy or self._mfa_timer.isActive()

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
        self._mfa_generation += 1  # an MFA answer still on its way is dropped
        self._mfa_slot.cancel()
        self._mfa_timer.stop()
        self._mfa, self._mfa_wanted = {}, {}
        self._mfa_failed = False

    def _count_changed(self) -> None:
        self.countChanged.emit(len(self._rows))

    def _loaded(self) -> None:
        self.loaded.emit(len(self._rows), self.has_more)

    # -- editing what is held (after an action succeeded) ----------------------------------

    def replace_user(self, user: admin.User) -> bool:
        """Show ``user``'s new state in its row (in place, even if sorted), with their MFA
        when ``user`` is a detail that says it; False if no row holds that username."""
        row = self.row_of(user.username)
        if row is None:
            return False
        self._rows[row] = user
        if isinstance(user, admin.UserDetail) and user.mfa is not None:
            self._mfa[user.username] = user.mfa
            self._mfa_wanted.pop(user.username, None)
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
        self._mfa.pop(username, None)
        self._mfa_wanted.pop(username, None)
        self.countChanged.emit(len(self._rows))
        return True

    # -- the MFA column --------------------------------------------------------------------

    def _want_mfa(self, username: str) -> None:
        """``username`` was shown without their MFA: read it soon (see the module docstring)."""
        if username in self._mfa_wanted:
            return
        self._mfa_wanted[username] = None
        while len(self._mfa_wanted) > admin.PAGE_MAX:  # only the latest shown are still in view
            del self._mfa_wanted[next(iter(self._mfa_wanted))]
        if not self._mfa_slot.busy:
            self._mfa_timer.start()  # (re)started: after the last new row, not during a scroll

    @QtCore.Slot()
    def _read_mfa(self) -> None:
        names = [name for name in self._mfa_wanted if name not in self._mfa]
        self._mfa_wanted = {}
        if not names or self._mfa_slot.busy:
            return
        generation, call = self._mfa_generation, self._mfa_call
        try:
            task = self._bridge.call_api(
                lambda api: call(api, names),
                lambda found: self._on_mfa(generation, names, found),
                lambda exc: self._on_mfa_failed(generation, names, exc),
                name="users-mfa",
            )
        except errors.ConfigError:  # no API to ask: the page load says so
            return
        if generation == self._mfa_generation and not all(n in self._mfa for n in names):
            self._mfa_slot.task = task

    def _on_mfa(
        self, generation: int, names: list[str], found: dict[str, admin.Mfa | None]
    ) -> None:
        if generation != self._mfa_generation:
            return
        self._mfa_slot.clear()
        for name in names:
            self._mfa[name] = found.get(name) or states.MfaRead.FAILED  # None: gone since
        self._mfa_shown(names)

    def _on_mfa_failed(self, generation: int, names: list[str], exc: BaseException) -> None:
        if generation != self._mfa_generation:
            return
        self._mfa_slot.clear()
        self._log.info("reading the MFA of %d users failed: %s", len(names), type(exc).__name__)
        self._mfa_failed = True
        self._mfa_wanted = {}
        if self._rows:  # every "…" is a "?" now
            with self._signalling():
                self.dataChanged.emit(
                    self.index(0, Column.MFA), self.index(len(self._rows) - 1, Column.MFA)
                )

    def _mfa_shown(self, names: list[str]) -> None:
        answered = set(names)  # one pass over the rows, not one per name
        rows = [row for row, held in enumerate(self._rows) if held.username in answered]
        if rows:
            with self._signalling():
                self.dataChanged.emit(
                    self.index(min(rows), Column.MFA), self.index(max(rows), Column.MFA)
                )
        # Shown again, or for the first time, while this read was under way.
        self._mfa_wanted = {name: None for name in self._mfa_wanted if name not in self._mfa}
        if self._mfa_wanted:
            self._mfa_timer.start()

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
                (user_cells.sort_key(held, column, self.mfa(held.username)), r)
                for r, held in enumerate(self._rows)
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
        mfa = self.mfa(row.username)
        if role == _Role.DisplayRole:
            if column == Column.MFA and mfa is states.MfaRead.PENDING:
                self._want_mfa(row.username)  # a view shows this cell: read it
            return user_cells.display(row, Column(column), mfa)
        if role == _Role.ToolTipRole:
            return user_cells.tooltip(row, Column(column), mfa)
        return None

    def column_title(self, section: int) -> str:
        return column_title(Column(section))
