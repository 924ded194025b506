"""What the paged models share: the bridge they need, and the slot of the call in flight."""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any, ClassVar, Protocol, TypeVar

from PySide6 import QtCore

from desktop_app.api import client as api_client

T = TypeVar("T")
_ROOT = QtCore.QModelIndex()


class Cancellable(Protocol):
    def cancel(self) -> None: ...


class ApiCaller(Protocol):
    """What a model needs of :class:`~desktop_app.qt.bridge.SessionBridge`: run a
    function with the API client off the GUI thread, call back on it, and hand back
    something that drops the callbacks when cancelled (a ``worker.Task``)."""

    def call_api(
        self,
        fn: Callable[[api_client.ApiClient], T],
        on_result: Callable[[T], None],
        on_error: Callable[[BaseException], None],
        *,
        name: str = ...,
    ) -> Cancellable: ...


class TaskSlot:
    """Holds the call in flight, if any. A plain object, so the model's ``destroyed``
    signal can still reach it (and cancel the call) after the C++ half is gone."""

    def __init__(self) -> None:
        self.task: Cancellable | None = None

    def cancel(self, *_args: object) -> None:
        if self.task is not None:
            self.task.cancel()
            self.task = None


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
