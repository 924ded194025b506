"""What the full export and import's widgets share (``migration_dialog``,
``migration_import_tab``): the relay that carries a run's reports from its worker to the
GUI thread, the folder row, the results table, and how a failed run is worded.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from PySide6 import QtCore, QtWidgets

from desktop_app import errors
from desktop_app.admin import migration
from desktop_app.admin import migration_files as files
from desktop_app.admin import migration_import as importing
from desktop_app.api import client as api_client
from desktop_app.qt import messages, tasks
from desktop_app.ui import feedback

log = logging.getLogger(__name__)
_QUEUED = QtCore.Qt.ConnectionType.QueuedConnection
_ROOT = QtCore.QModelIndex()
_DISPLAY = QtCore.Qt.ItemDataRole.DisplayRole
_TOOLTIP = QtCore.Qt.ItemDataRole.ToolTipRole
_FAILED = importing.Status.FAILED
#: Chooses a folder: (parent, caption) -> path, or "" when cancelled.
ChooseFolder = Callable[[QtWidgets.QWidget, str], str]


def choose_folder(parent: QtWidgets.QWidget, caption: str) -> str:
    return QtWidgets.QFileDialog.getExistingDirectory(parent, caption)


class Relay(QtCore.QObject):
    """Made on the GUI thread; the worker emits, Qt queues delivery to the GUI thread.

    Signals:
        progress(object): an :class:`~desktop_app.admin.migration.ExportProgress` or
            :class:`~desktop_app.admin.migration_import.ImportProgress`.
        rows(object): a list of :class:`~desktop_app.admin.migration_import.RowOutcome`.
        finished(object): the run's result, or the exception that ended it. Always last.
    """

    progress = QtCore.Signal(object)
    rows = QtCore.Signal(object)
    finished = QtCore.Signal(object)


def run_on_worker(
    bridge: tasks.ApiCaller,
    work: Callable[[api_client.ApiClient, Relay], object],
    slots: tuple[Callable[[Any], None], Callable[[Any], None], Callable[[Any], None]],
    name: str,
) -> tasks.Cancellable:
    """``work(api, relay)`` on a worker; the relay's progress, rows and finished
    signals reach ``slots`` on the GUI thread (the owner's methods, held weakly:
    :meth:`~desktop_app.qt.tasks.TaskGroup.weakly`). ``finished``
    carries the result or the exception; the exception is raised again for the
    bridge too (an ended session, the network state)."""
    relay = Relay()  # Python-owned: the worker's closure keeps it until the run ends
    on_progress, on_rows, on_finished = slots
    relay.progress.connect(on_progress, type=_QUEUED)
    relay.rows.connect(on_rows, type=_QUEUED)
    relay.finished.connect(on_finished, type=_QUEUED)

    def run(api: api_client.ApiClient) -> None:
        try:
            result = work(api, relay)
        except BaseException as exc:
            relay.finished.emit(exc)
            raise
        relay.finished.emit(result)
        stopped_by = getattr(result, "stopped_by", None)
        if isinstance(stopped_by, errors.NotSignedIn):
            raise stopped_by  # the bridge ends the session

    return bridge.call_api(run, _ignore, _log_failure, name=name)


def _ignore(_value: object) -> None:
    return None


def _log_failure(exc: BaseException) -> None:
    log.info("migration run ended: %s", type(exc).__name__)


class FolderRow(QtWidgets.QWidget):
    """A folder path to type or choose.

    Signals:
        changed(str): the path (stripped), typed or chosen.
        chosen(str): a folder was picked in the folder dialog (after ``changed``).
    """

    changed = QtCore.Signal(str)
    chosen = QtCore.Signal(str)

    def __init__(self, caption: str, chooser: ChooseFolder) -> None:
        super().__init__()
        self._caption = caption
        self._chooser = chooser
        self.edit = QtWidgets.QLineEdit()
        self.edit.setAccessibleName(self.tr("Folder"))
        self.edit.setPlaceholderText(self.tr("Folder"))
        self.edit.textChanged.connect(lambda text: self.changed.emit(text.strip()))
        self.choose_button = QtWidgets.QPushButton(self.tr("Choose\N{HORIZONTAL ELLIPSIS}"))
        self.choose_button.setAccessibleName(self.tr("Choose a folder"))
        self.choose_button.setAutoDefault(False)
        self.choose_button.clicked.connect(self.choose)
        row = QtWidgets.QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QtWidgets.QLabel(self.tr("Folder:")))
        row.addWidget(self.edit, 1)
        row.addWidget(self.choose_button)

    @property
    def path(self) -> str:
        return self.edit.text().strip()

    def choose(self) -> None:
        picked = self._chooser(self.window(), self._caption)
        if picked:
            self.edit.setText(picked)
            self.chosen.emit(self.path)


def label(text: str = "", name: str = "") -> QtWidgets.QLabel:
    label = QtWidgets.QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(QtCore.Qt.TextFormat.PlainText)
    if name:
        label.setAccessibleName(name)
    return label


def ignore_rows(_rows: object) -> None:
    return None


def failure(outcome: object, os_error: str) -> str:
    if isinstance(outcome, OSError):
        return os_error
    if isinstance(outcome, BaseException):
        return messages.admin_failure(outcome)
    return messages.admin_failure(RuntimeError("no result"))


_STATUS_WORDS = {
    (migration.Phase.USERS, importing.Status.CREATED): "Created",
    (migration.Phase.USERS, importing.Status.EXISTS): "Already there",
    (migration.Phase.USERS, importing.Status.FAILED): "Failed",
    (migration.Phase.GROUPS, importing.Status.CREATED): "Added",
    (migration.Phase.GROUPS, importing.Status.EXISTS): "Already a member",
    (migration.Phase.GROUPS, importing.Status.FAILED): "Failed",
}


class ResultsModel(QtCore.QAbstractTableModel):
    """One row per user and membership an import answered, appended batch by batch."""

    HEADERS = ("File", "Row", "User", "Group", "Result", "Details")

    def __init__(self, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.outcomes: list[importing.RowOutcome] = []

    def rowCount(self, parent: QtCore.QModelIndex | QtCore.QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.outcomes)

    def columnCount(self, parent: QtCore.QModelIndex | QtCore.QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(
        self,
        section: int,
        orientation: QtCore.Qt.Orientation,
        role: int = QtCore.Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if orientation == QtCore.Qt.Orientation.Horizontal and role == _DISPLAY:
            return QtCore.QCoreApplication.translate("Admin", self.HEADERS[section])
        return None

    def data(
        self,
        index: QtCore.QModelIndex | QtCore.QPersistentModelIndex,
        role: int = QtCore.Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.outcomes):
            return None
        outcome = self.outcomes[index.row()]
        if role in (_DISPLAY, _TOOLTIP):
            return self.text(outcome, index.column())
        if role == QtCore.Qt.ItemDataRole.ForegroundRole and outcome.status is _FAILED:
            return feedback.error_colour()
        return None

    @staticmethod
    def text(outcome: importing.RowOutcome, column: int) -> str:
        translate = QtCore.QCoreApplication.translate
        if column == 0:
            return files.USERS_FILE if outcome.phase is migration.Phase.USERS else files.GROUPS_FILE
        if column == 1:
            return str(outcome.number)
        if column == 2:
            return outcome.username
        if column == 3:
            return outcome.group or ""
        if column == 4:
            return translate("Admin", _STATUS_WORDS[(outcome.phase, outcome.status)])
        return outcome.message or ""

    def append(self, outcomes: Sequence[importing.RowOutcome]) -> None:
        if not outcomes:
            return
        first = len(self.outcomes)
        self.beginInsertRows(QtCore.QModelIndex(), first, first + len(outcomes) - 1)
        self.outcomes.extend(outcomes)
        self.endInsertRows()

    def clear(self) -> None:
        self.beginResetModel()
        self.outcomes = []
        self.endResetModel()
