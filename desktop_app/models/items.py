"""A lazy table of the protected API's ``/items``, paged through the session bridge.

The paging (one page in flight, stale answers dropped, retry after a failure) is
:class:`desktop_app.models.paged.PagedModel`'s; this module says how to fetch a page
of items and how to show one. QtCore only: the view lives in
:mod:`desktop_app.ui.data_panel`.
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Callable
from typing import Any

from PySide6 import QtCore

from desktop_app.api import client as api_client
from desktop_app.api import items as api_items
from desktop_app.models import paged
from desktop_app.qt import tasks

_translate = QtCore.QCoreApplication.translate
_Role = QtCore.Qt.ItemDataRole
_ROOT = QtCore.QModelIndex()
#: ``data(index, ITEM_ROLE)`` is the row's :class:`~desktop_app.api.items.Item`.
ITEM_ROLE = paged.ROW_ROLE

FetchPage = Callable[[api_client.ApiClient, "str | None", int], api_items.ItemPage]


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


class ItemsModel(paged.PagedModel[api_items.Item, api_items.ItemPage]):
    """The items, one row each, fetched a page at a time. Columns: :class:`Column`.

    Idle until :meth:`refresh` (so a view attached before sign-in does not start
    fetching on its own); after a failure no more pages are fetched until
    :meth:`retry` (so scrolling does not hammer an API that just failed). An empty
    page that promises more ends the list (the items API never sends one).

    Signals:
        loaded(int, int): a page arrived; rows now held and the API's total.
        (and :class:`~desktop_app.models.paged.PagedModel`'s ``loading``, ``failed``)
    """

    loaded = QtCore.Signal(int, int)

    COLUMNS = Column
    TASK_NAME = "items-page"
    NOUN = "items"

    def __init__(
        self,
        bridge: tasks.ApiCaller,
        *,
        fetch: FetchPage = api_items.fetch_page,
        page_size: int = api_items.DEFAULT_LIMIT,
        parent: QtCore.QObject | None = None,
    ) -> None:
        super().__init__(bridge, parent)
        if not 1 <= page_size <= api_items.MAX_LIMIT:
            raise ValueError(f"page_size must be between 1 and {api_items.MAX_LIMIT}")
        self._fetch = fetch
        self._page_size = page_size
        self._total: int | None = None

    @property
    def total(self) -> int | None:
        """What the API says the whole list holds (``None`` before the first page)."""
        return self._total

    def item(self, row: int) -> api_items.Item:
        return self._rows[row]

    # -- paged.PagedModel ------------------------------------------------------------------

    def _page_call(
        self, cursor: str | None
    ) -> Callable[[api_client.ApiClient], api_items.ItemPage]:
        fetch, limit = self._fetch, self._page_size
        return lambda api: fetch(api, cursor, limit)

    def _page_rows(self, page: api_items.ItemPage) -> tuple[api_items.Item, ...]:
        return page.items

    def _page_cursor(self, page: api_items.ItemPage) -> str | None:
        return page.next_cursor

    def _take_page(self, page: api_items.ItemPage) -> None:
        self._total = page.total

    def _forget(self) -> None:
        self._total = None

    def _loaded(self) -> None:
        self.loaded.emit(len(self._rows), self._total or 0)

    # -- QAbstractTableModel ---------------------------------------------------------------

    def _cell(self, row: api_items.Item, column: int, role: int) -> Any:
        if role == _Role.DisplayRole:
            return _display(row, Column(column))
        if role == _Role.ToolTipRole:
            return _tooltip(row, Column(column))
        if role == _Role.TextAlignmentRole and column == Column.SIZE:
            return int(QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter)
        return None

    def column_title(self, section: int) -> str:
        return column_title(Column(section))


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
