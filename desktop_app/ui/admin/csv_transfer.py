"""CSV in and out of the Users tab: bulk invitations from a file, and the loaded rows
out to a file. Files are read and written in a worker; the invitations go through
:class:`~desktop_app.ui.admin.bulk_dialog.ImportDialog` (preview first, then progress).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from pathlib import Path

from PySide6 import QtCore, QtWidgets

from desktop_app.admin import export as csv_export
from desktop_app.admin import invites
from desktop_app.api import admin
from desktop_app.qt import bridge as qt_bridge
from desktop_app.qt import messages, tasks, worker
from desktop_app.ui.admin import bulk_dialog, common


class CsvTransfer(QtCore.QObject):
    """Import and export for one users panel (``window``: the dialogs' parent).

    Signals:
        message(str, bool): what happened, and whether it is an error.
        busyChanged(str, bool): ``"import"`` or ``"export"`` started or ended.
        imported(int): invitations sent by an import that finished (maybe 0).
    """

    message = QtCore.Signal(str, bool)
    busyChanged = QtCore.Signal(str, bool)
    imported = QtCore.Signal(int)

    def __init__(
        self,
        bridge: qt_bridge.SessionBridge,
        window: QtWidgets.QWidget,
        *,
        choose_open_file: common.ChooseFile = common.choose_open_file,
        choose_save_file: common.ChooseFile = common.choose_save_file,
    ) -> None:
        super().__init__(window)
        self._bridge = bridge
        self._window = window
        self._choose_open_file = choose_open_file
        self._choose_save_file = choose_save_file
        self.import_dialog: bulk_dialog.ImportDialog | None = None
        self._tasks = tasks.TaskGroup.of(self)

    def import_file(self, known_groups: Callable[[], Collection[str]]) -> None:
        """Ask for a CSV file, read and check it in a worker, then open the preview."""
        path = self._choose_open_file(
            self._window,
            self.tr("Invite users from CSV"),
            self.tr("CSV files (*.csv);;All files (*)"),
        )
        if not path:
            return
        known = set(known_groups())

        def read() -> list[invites.InviteRow]:
            return invites.parse(Path(path).read_bytes(), known_groups=known)

        self.busyChanged.emit("import", True)
        self._tasks.start(read, self._show_preview, self._on_read_failed, name="csv-import")

    def _on_read_failed(self, exc: BaseException) -> None:
        self.busyChanged.emit("import", False)
        if isinstance(exc, OSError):
            self.message.emit(self.tr("The file could not be read."), True)
        else:
            self.message.emit(messages.admin_failure(exc), True)

    def _show_preview(self, rows: list[invites.InviteRow]) -> None:
        self.busyChanged.emit("import", False)
        if not rows:
            self.message.emit(self.tr("The file has no rows to invite."), True)
            return
        dialog = bulk_dialog.ImportDialog(self._bridge, rows, self._window)
        dialog.completed.connect(self._on_imported)
        dialog.finished.connect(dialog.deleteLater)
        self.import_dialog = dialog
        dialog.open()

    @QtCore.Slot(int, int, bool)
    def _on_imported(self, ok: int, failed: int, _cancelled: bool) -> None:
        self.message.emit(
            self.tr("{ok} invitation(s) sent, {failed} failed.").format(ok=ok, failed=failed),
            failed > 0,
        )
        self.imported.emit(ok)

    def export(self, users: Sequence[admin.User], *, more_exist: bool) -> None:
        """Ask where, then write ``users`` as CSV in a worker."""
        path = self._choose_save_file(
            self._window, self.tr("Export users to CSV"), self.tr("CSV files (*.csv)")
        )
        if not path:
            return
        text = csv_export.users_csv(users)
        count = len(users)

        def write() -> None:
            with open(path, "w", encoding="utf-8", newline="") as out:
                out.write(text)

        def written(_value: object) -> None:
            self.busyChanged.emit("export", False)
            said = self.tr("{n} users exported to {path}.").format(n=count, path=path)
            if more_exist:
                said += " " + self.tr("More users exist: scroll to load them, then export again.")
            self.message.emit(said, False)

        def failed(_exc: BaseException) -> None:
            self.busyChanged.emit("export", False)
            self.message.emit(self.tr("The file could not be written."), True)

        self.busyChanged.emit("export", True)
        self._tasks.track(worker.run(write, on_result=written, on_error=failed))
