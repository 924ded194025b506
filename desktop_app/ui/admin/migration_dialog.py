"""The full export and import of the pool (the migration path between pools,
``docs/migration.md``): one dialog, two tabs.

**Export** (:class:`ExportTab`): every user, group and membership to a chosen folder
(:func:`desktop_app.admin.migration.export_pool`), with a progress bar against Cognito's
estimate of the pool's size, and Cancel (it stops at the next page and removes the
partial files). **Import** (:class:`~desktop_app.ui.admin.migration_import_tab.ImportTab`):
a folder of such files, read first into a preview, the invitation choice, a
confirmation naming how many users and groups it creates, then progress, Cancel and
one result row per user and membership.

The work runs on a worker through the session bridge; what it reports reaches the
tabs through a relay object (queued signals, as :mod:`desktop_app.qt.bulk` does), so
nothing here blocks. Closing the dialog while something runs cancels it first.
"""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtCore, QtWidgets

from desktop_app.admin import migration, wording
from desktop_app.admin import migration_files as files
from desktop_app.api import client as api_client
from desktop_app.qt import messages, tasks
from desktop_app.ui import feedback
from desktop_app.ui.admin import migration_import_tab
from desktop_app.ui.admin import migration_widgets as widgets

ChooseFolder = widgets.ChooseFolder
choose_folder = widgets.choose_folder


class ExportTab(QtWidgets.QWidget):
    """Every user, group and membership to a folder.

    Signals:
        runningChanged(bool): an export started or ended.
    """

    runningChanged = QtCore.Signal(bool)

    def __init__(self, bridge: tasks.ApiCaller, chooser: ChooseFolder) -> None:
        super().__init__()
        self._bridge = bridge
        self._tasks = tasks.TaskGroup.of(self)
        self._stop = self._tasks.stop_flag()
        self.running = False
        self.result: migration.ExportResult | None = None
        intro = widgets.label(
            self.tr(
                "Writes every user (attributes, and whether enabled), every group and every "
                "membership to {users}, {states} and {groups} in a folder: Cognito's "
                "user-import format, for another pool. Passwords and MFA secrets cannot "
                "be exported."
            ).format(
                users=files.USERS_FILE,
                states=files.STATES_FILE,
                groups=files.GROUPS_FILE,
            )
        )
        self.folder = widgets.FolderRow(self.tr("Export all users to a folder"), chooser)
        self.folder.changed.connect(self._update)
        self.warning = widgets.label(name=self.tr("Warning"))
        self.bar = QtWidgets.QProgressBar()
        self.bar.setAccessibleName(self.tr("Progress"))
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        self.status = feedback.MessageLine()
        self.start_button = QtWidgets.QPushButton(self.tr("Export"))
        self.start_button.clicked.connect(self.start)
        self.cancel_button = QtWidgets.QPushButton(self.tr("Cancel export"))
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.hide()
        buttons = QtWidgets.QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.start_button)
        layout = QtWidgets.QVBoxLayout(self)
        for widget in (intro, self.folder, self.warning, self.bar, self.status):
            layout.addWidget(widget)
        layout.addStretch(1)
        layout.addLayout(buttons)
        self._update()

    def primary_button(self) -> QtWidgets.QPushButton:
        """The button Enter presses on this tab."""
        return self.start_button

    def _update(self, *_args: object) -> None:
        path = self.folder.path
        existing = migration.existing_files(path) if path and Path(path).is_dir() else []
        if existing:
            self.warning.setText(
                self.tr("This folder already holds {files}: the export replaces them.").format(
                    files=wording.listed(existing)
                )
            )
        self.warning.setVisible(bool(existing))
        self.start_button.setText(self.tr("Replace and export") if existing else self.tr("Export"))
        self.start_button.setEnabled(bool(path) and not self.running)

    def start(self) -> None:
        """Export to the folder typed or chosen (replacing the export's files there)."""
        folder = self.folder.path
        if self.running or not folder:
            return
        stop = self._stop.renew()
        self._set_running(True)
        self.result = None
        self.bar.setRange(0, 0)  # until the first page says how far there is to go
        self.status.show_info(self.tr("Starting\N{HORIZONTAL ELLIPSIS}"))

        def work(api: api_client.ApiClient, relay: widgets.Relay) -> migration.ExportResult:
            return migration.export_pool(
                api, folder, stop=stop, progress=relay.progress.emit, replace=True
            )

        weakly = self._tasks.weakly
        slots = (weakly(self._on_progress), widgets.ignore_rows, weakly(self._on_finished))
        self._tasks.track(widgets.run_on_worker(self._bridge, work, slots, "migration-export"))

    def cancel(self) -> None:
        """Stop at the next page; the partial files are removed."""
        if self.running:
            self._stop.set()
            self.status.show_info(self.tr("Cancelling\N{HORIZONTAL ELLIPSIS}"))

    def _set_running(self, running: bool) -> None:
        self.running = running
        self.folder.setEnabled(not running)
        self.cancel_button.setVisible(running)
        self._update()
        self.runningChanged.emit(running)

    def _on_progress(self, progress: migration.ExportProgress) -> None:
        if progress.phase is migration.Phase.USERS:
            total = max(progress.estimated_users, progress.users)
            self.bar.setRange(0, max(1, total))
            self.bar.setValue(progress.users)
            self.status.show_info(
                self.tr("{done} of about {total} exported").format(
                    done=wording.count(progress.users, "user"), total=f"{total:,}"
                )
            )
        else:
            self.bar.setRange(0, max(1, progress.users))
            self.bar.setValue(progress.users)
            self.status.show_info(
                self.tr("{users} exported; groups: {memberships} so far").format(
                    users=wording.count(progress.users, "user"),
                    memberships=wording.count(progress.memberships, "membership"),
                )
            )

    def _on_finished(self, outcome: object) -> None:
        self._set_running(False)
        if isinstance(outcome, migration.ExportResult):
            self.result = outcome
            if outcome.cancelled:
                self.bar.setRange(0, 1)
                self.bar.setValue(0)
                self.status.show_info(self.tr("Export cancelled: no file was written."))
                return
            self.bar.setRange(0, 1)
            self.bar.setValue(1)
            self.status.show_info(
                self.tr("Exported {users}, {groups} and {memberships} to {folder}.").format(
                    users=wording.count(outcome.users, "user"),
                    groups=wording.count(outcome.groups, "group"),
                    memberships=wording.count(outcome.memberships, "membership"),
                    folder=outcome.folder,
                )
            )
            return
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        self.status.show_error(widgets.failure(outcome, messages.migration_files(writing=True)))


class MigrationDialog(QtWidgets.QDialog):
    """The full export and import; see the module docstring. Window-modal, not blocking.

    Signals:
        imported(int): users created by an import that ended (the panel refreshes).
    """

    imported = QtCore.Signal(int)

    def __init__(
        self,
        bridge: tasks.ApiCaller,
        parent: QtWidgets.QWidget | None = None,
        *,
        choose_folder: ChooseFolder = widgets.choose_folder,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Export or import all users"))
        self.resize(720, 520)
        self.export_tab = ExportTab(bridge, choose_folder)
        self.import_tab = migration_import_tab.ImportTab(bridge, choose_folder)
        self.import_tab.imported.connect(self.imported)
        self.tabs = QtWidgets.QTabWidget()
        self.tabs.addTab(self.export_tab, self.tr("Export"))
        self.tabs.addTab(self.import_tab, self.tr("Import"))
        for tab in (self.export_tab, self.import_tab):
            tab.runningChanged.connect(self._on_running)
        self.tabs.currentChanged.connect(self._update_default)
        self.import_tab.pages.currentChanged.connect(self._update_default)
        self.buttons = QtWidgets.QDialogButtonBox(
            QtWidgets.QDialogButtonBox.StandardButton.Close, self
        )
        self.close_button = self.buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Close)
        self.close_button.setAutoDefault(False)
        self.buttons.rejected.connect(self.reject)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.buttons)
        self._update_default()

    def _update_default(self, *_args: object) -> None:
        """Enter takes the current tab's next step (Export, Import..., Create N users),
        never Close or Cancel."""
        tab = self.tabs.currentWidget()
        primary = (
            tab.primary_button()
            if isinstance(tab, ExportTab | migration_import_tab.ImportTab)
            else None
        )
        for button in self.findChildren(QtWidgets.QPushButton):
            button.setAutoDefault(False)
            button.setDefault(button is primary)

    @property
    def running(self) -> bool:
        return self.export_tab.running or self.import_tab.running

    def reject(self) -> None:
        # Escape or Close while something runs cancels it; the dialog stays to say so.
        if self.running:
            self.export_tab.cancel()
            self.import_tab.cancel()
            return
        super().reject()

    @QtCore.Slot(bool)
    def _on_running(self, _running: bool) -> None:
        running = self.running
        for index in range(self.tabs.count()):
            if self.tabs.widget(index) is not self.tabs.currentWidget():
                self.tabs.setTabEnabled(index, not running)
