"""CSV in and out of the Users tab: bulk invitations from a file, the loaded rows out
to a file, the invitation template, and the full export and import of the pool.

Files are read and written in a worker; the invitations go through
:class:`~desktop_app.ui.admin.bulk_dialog.ImportDialog` (preview first, then
progress), its preview noting the columns the file had that an invitation ignores.
The whole pool moves through :class:`~desktop_app.ui.admin.migration_dialog.MigrationDialog`.
The buttons this adds to the panel (:attr:`CsvTransfer.template_button`,
:attr:`CsvTransfer.migration_button`) are placed by the panel.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence

from PySide6 import QtCore, QtWidgets

from desktop_app.admin import export as csv_export
from desktop_app.admin import invites, wording
from desktop_app.api import admin
from desktop_app.qt import bridge as qt_bridge
from desktop_app.qt import messages, tasks, worker
from desktop_app.ui.admin import bulk_dialog, common, migration_dialog

TEMPLATE_NAME = "invitations-template.csv"


def choose_template_path(parent: QtWidgets.QWidget, caption: str, filters: str) -> str:
    """Where to save the template (suggesting :data:`TEMPLATE_NAME`)."""
    return QtWidgets.QFileDialog.getSaveFileName(parent, caption, TEMPLATE_NAME, filters)[0]


class CsvTransfer(QtCore.QObject):
    """Import and export for one users panel (``window``: the dialogs' parent).

    ``choose_template_file`` picks where the template goes: by default the panel's
    ``choose_save_file`` when a test passed one, else a file dialog suggesting
    :data:`TEMPLATE_NAME`. ``choose_folder`` picks the migration's folder.

    Signals:
        message(str, bool): what happened, and whether it is an error.
        busyChanged(str, bool): ``"import"`` or ``"export"`` started or ended.
        imported(int): users created by an import that finished (maybe 0): invitations
            sent from a CSV file, or users of a full import.
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
        choose_template_file: common.ChooseFile | None = None,
        choose_folder: migration_dialog.ChooseFolder = migration_dialog.choose_folder,
    ) -> None:
        super().__init__(window)
        self._bridge = bridge
        self._window = window
        self._choose_open_file = choose_open_file
        self._choose_save_file = choose_save_file
        if choose_template_file is None:
            injected = choose_save_file is not common.choose_save_file
            choose_template_file = choose_save_file if injected else choose_template_path
        self._choose_template_file = choose_template_file
        self._choose_folder = choose_folder
        self.import_dialog: bulk_dialog.ImportDialog | None = None
        self.migration_dialog: migration_dialog.MigrationDialog | None = None
        self._tasks = tasks.TaskGroup.of(self)
        ellipsis = "\N{HORIZONTAL ELLIPSIS}"
        # No parent until the panel lays them out (a parented widget outside a layout
        # would be drawn over the panel's corner).
        self.template_button = _button(self.tr("Download template") + ellipsis)
        self.template_button.setToolTip(
            self.tr("Save an invitation file to fill in: the columns and one example row.")
        )
        self.template_button.clicked.connect(self.save_template)
        self.migration_button = _button(self.tr("Export or import all") + ellipsis)
        self.migration_button.setToolTip(
            self.tr(
                "Every user, group and membership to a folder, or from one: the way to move "
                "users to another pool."
            )
        )
        self.migration_button.clicked.connect(self.open_migration)

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

        def read() -> invites.InviteFile:
            return invites.read_path(path, known_groups=known)

        self.busyChanged.emit("import", True)
        self._tasks.start(read, self._show_preview, self._on_read_failed, name="csv-import")

    def _on_read_failed(self, exc: BaseException) -> None:
        self.busyChanged.emit("import", False)
        if isinstance(exc, OSError):
            self.message.emit(self.tr("The file could not be read."), True)
        else:
            self.message.emit(messages.admin_failure(exc), True)

    def _show_preview(self, read: invites.InviteFile) -> None:
        self.busyChanged.emit("import", False)
        if not read.rows:
            self.message.emit(self.tr("The file has no rows to invite."), True)
            return
        dialog = bulk_dialog.ImportDialog(self._bridge, read.rows, self._window)
        # Not admin_text: a note names the file's own columns, which may hold braces.
        notes = [QtCore.QCoreApplication.translate("Admin", note) for note in read.notes]
        if notes:  # under the preview's counts: which columns were left out, and why
            dialog.summary.setText("\n".join([dialog.summary.text(), *notes]))
        dialog.completed.connect(self._on_imported)
        dialog.finished.connect(dialog.deleteLater)
        self.import_dialog = dialog
        dialog.open()

    @QtCore.Slot(int, int, bool)
    def _on_imported(self, ok: int, failed: int, _cancelled: bool) -> None:
        self.message.emit(
            self.tr("{sent} sent, {failed} failed.").format(
                sent=wording.count(ok, "invitation"), failed=f"{failed:,}"
            ),
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
        count = len(users)

        def written() -> None:
            said = self.tr("{users} exported to {path}.").format(
                users=wording.count(count, "user"), path=path
            )
            if more_exist:
                said += " " + self.tr("More users exist: scroll to load them, then export again.")
            self.message.emit(said, False)

        self._write("export", path, csv_export.users_csv(users), written)

    def save_template(self) -> None:
        """Ask where, then write the invitation template (header and one example row)."""
        path = self._choose_template_file(
            self._window, self.tr("Save the invitation template"), self.tr("CSV files (*.csv)")
        )
        if not path:
            return

        def written() -> None:
            said = self.tr(
                "Template saved to {path}: fill in one row per person, then use Import CSV."
            ).format(path=path)
            self.message.emit(said, False)

        self._write("template", path, invites.template_csv(), written)

    def _write(self, kind: str, path: str, text: str, written: Callable[[], None]) -> None:
        """Write ``text`` to ``path`` (UTF-8, line ends as they are) in a worker;
        ``busyChanged`` for an export (the panel owns that button), the template
        button here."""

        def write() -> None:
            with open(path, "w", encoding="utf-8", newline="") as out:
                out.write(text)

        def busy(now: bool) -> None:
            if kind == "template":
                self.template_button.setEnabled(not now)
            else:
                self.busyChanged.emit(kind, now)

        def done(_value: object) -> None:
            busy(False)
            written()

        def failed(_exc: BaseException) -> None:
            busy(False)
            self.message.emit(self.tr("The file could not be written."), True)

        busy(True)
        self._tasks.track(worker.run(write, on_result=done, on_error=failed, name=f"csv-{kind}"))

    def open_migration(self) -> migration_dialog.MigrationDialog:
        """Open the full export and import (window-modal, not blocking); the open one if any."""
        if self.migration_dialog is not None:
            self.migration_dialog.raise_()
            self.migration_dialog.activateWindow()
            return self.migration_dialog
        dialog = migration_dialog.MigrationDialog(
            self._bridge, self._window, choose_folder=self._choose_folder
        )
        dialog.imported.connect(self.imported)
        dialog.finished.connect(self._on_migration_closed)
        self.migration_dialog = dialog
        dialog.open()
        return dialog

    @QtCore.Slot()
    def _on_migration_closed(self) -> None:
        dialog, self.migration_dialog = self.migration_dialog, None
        if dialog is not None:
            dialog.deleteLater()


def _button(text: str) -> QtWidgets.QPushButton:
    button = QtWidgets.QPushButton(text)
    button.setAccessibleName(text.rstrip("\N{HORIZONTAL ELLIPSIS}"))
    return button
