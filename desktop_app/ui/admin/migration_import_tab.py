"""The Import tab of the full export and import
(:class:`~desktop_app.ui.admin.migration_dialog.MigrationDialog`): a folder of export
files into this pool, in three steps on three pages: the preview (counts, the first
rows, the columns this pool cannot take) with the invitation choice; the confirmation
naming how many users and groups it creates; the run, with progress, Cancel and one
result row per user and membership
(:func:`desktop_app.admin.migration_import.import_pool` on a worker).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6 import QtCore, QtWidgets

from desktop_app.admin import migration, wording
from desktop_app.admin import migration_files as files
from desktop_app.admin import migration_import as importing
from desktop_app.api import client as api_client
from desktop_app.qt import messages, tasks
from desktop_app.ui import feedback
from desktop_app.ui.admin import migration_widgets as widgets

_FAILED = importing.Status.FAILED


class ImportTab(QtWidgets.QWidget):
    """A folder of export files into this pool: preview, choice, confirmation, run.

    Signals:
        runningChanged(bool): an import started or ended.
        imported(int): users created by an import that ended (maybe 0).
    """

    runningChanged = QtCore.Signal(bool)
    imported = QtCore.Signal(int)

    def __init__(self, bridge: tasks.ApiCaller, chooser: widgets.ChooseFolder) -> None:
        super().__init__()
        self._bridge = bridge
        self._tasks = tasks.TaskGroup.of(self)
        self._stop = self._tasks.stop_flag()
        self._reading = tasks.TaskSlot()
        self.running = False
        self.preview: importing.ImportPreview | None = None
        self.summary: importing.ImportSummary | None = None
        self.pages = QtWidgets.QStackedWidget()
        self.pages.addWidget(self._setup_page(chooser))
        self.pages.addWidget(self._confirm_page())
        self.pages.addWidget(self._run_page())
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pages)
        self._show_preview(None)

    # -- pages -----------------------------------------------------------------------------

    def _setup_page(self, chooser: widgets.ChooseFolder) -> QtWidgets.QWidget:
        page = QtWidgets.QWidget()
        intro = widgets.label(
            self.tr(
                "Creates the users, groups and memberships of an export (a folder with "
                "{users} and {groups}) in this pool. Users and memberships already here "
                "are left as they are, so importing the same folder again is safe."
            ).format(users=files.USERS_FILE, groups=files.GROUPS_FILE)
        )
        self.folder = widgets.FolderRow(self.tr("Import users from a folder"), chooser)
        self.folder.changed.connect(self._on_folder_changed)
        self.folder.chosen.connect(lambda _path: self.read_folder())
        self.folder.edit.returnPressed.connect(self.read_folder)
        self.read_button = QtWidgets.QPushButton(self.tr("Read folder"))
        self.read_button.setAutoDefault(False)
        self.read_button.clicked.connect(self.read_folder)
        self.preview_summary = feedback.MessageLine()
        self.preview_table = QtWidgets.QTableWidget(0, 2)
        self.preview_table.setAccessibleName(self.tr("First rows"))
        self.preview_table.setHorizontalHeaderLabels([self.tr("User"), self.tr("Values")])
        self.preview_table.horizontalHeader().setStretchLastSection(True)
        self.preview_table.verticalHeader().setVisible(False)
        self.preview_table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.preview_table.setWordWrap(False)
        choice = QtWidgets.QGroupBox(self.tr("Messages to the users"))
        self.invite_choice = QtWidgets.QRadioButton(
            self.tr("Email each user an invitation with a temporary password")
        )
        self.suppress_choice = QtWidgets.QRadioButton(
            self.tr("Send nothing now (invite them later with Resend invitation)")
        )
        for button in (self.invite_choice, self.suppress_choice):
            button.toggled.connect(self._update)
        choice_layout = QtWidgets.QVBoxLayout(choice)
        choice_layout.addWidget(self.invite_choice)
        choice_layout.addWidget(self.suppress_choice)
        self.import_button = QtWidgets.QPushButton(self.tr("Import\N{HORIZONTAL ELLIPSIS}"))
        self.import_button.clicked.connect(self.ask)
        folder_row = QtWidgets.QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(self.read_button)
        buttons = QtWidgets.QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.import_button)
        layout = QtWidgets.QVBoxLayout(page)
        layout.addWidget(intro)
        layout.addLayout(folder_row)
        layout.addWidget(self.preview_summary)
        layout.addWidget(self.preview_table, 1)
        layout.addWidget(choice)
        layout.addLayout(buttons)
        return page

    def _confirm_page(self) -> QtWidgets.QWidget:
        page = QtWidgets.QWidget()
        self.question = widgets.label(name=self.tr("Question"))
        self.back_button = QtWidgets.QPushButton(self.tr("Back"))
        self.back_button.setAutoDefault(False)
        self.back_button.clicked.connect(lambda: self.pages.setCurrentIndex(0))
        self.confirm_button = QtWidgets.QPushButton()
        self.confirm_button.clicked.connect(self.start)
        buttons = QtWidgets.QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.confirm_button)
        layout = QtWidgets.QVBoxLayout(page)
        layout.addWidget(self.question)
        layout.addStretch(1)
        layout.addLayout(buttons)
        return page

    def _run_page(self) -> QtWidgets.QWidget:
        page = QtWidgets.QWidget()
        self.bar = QtWidgets.QProgressBar()
        self.bar.setAccessibleName(self.tr("Progress"))
        self.status = feedback.MessageLine()
        self.results = widgets.ResultsModel(self)
        self.results_view = QtWidgets.QTableView()
        self.results_view.setAccessibleName(self.tr("Results"))
        self.results_view.setModel(self.results)
        self.results_view.verticalHeader().setVisible(False)
        self.results_view.horizontalHeader().setStretchLastSection(True)
        self.results_view.setWordWrap(False)
        self.cancel_button = QtWidgets.QPushButton(self.tr("Cancel import"))
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.again_button = QtWidgets.QPushButton(self.tr("Import another folder"))
        self.again_button.setAutoDefault(False)
        self.again_button.clicked.connect(self._restart)
        buttons = QtWidgets.QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.again_button)
        layout = QtWidgets.QVBoxLayout(page)
        layout.addWidget(self.bar)
        layout.addWidget(self.status)
        layout.addWidget(self.results_view, 1)
        layout.addLayout(buttons)
        return page

    def primary_button(self) -> QtWidgets.QPushButton | None:
        """The button Enter presses on the page shown (none while an import runs)."""
        return {0: self.import_button, 1: self.confirm_button}.get(self.pages.currentIndex())

    # -- reading the folder ----------------------------------------------------------------

    @property
    def message_action(self) -> importing.MessageAction | None:
        if self.invite_choice.isChecked():
            return "INVITE"
        if self.suppress_choice.isChecked():
            return "SUPPRESS"
        return None

    def _on_folder_changed(self, _path: str) -> None:
        self._reading.cancel()  # an answer for the folder typed before is of no use
        self._show_preview(None)

    def read_folder(self) -> None:
        """Read the folder's files (and this pool's attributes) in a worker for the preview."""
        folder = self.folder.path
        if not folder:
            return
        admin_group = getattr(getattr(self._bridge, "profile", None), "admin_group", None)
        self.preview_summary.show_info(self.tr("Reading the folder\N{HORIZONTAL ELLIPSIS}"))
        self.read_button.setEnabled(False)

        def read(api: api_client.ApiClient) -> importing.ImportPreview:
            return importing.read_folder(api, folder, admin_group=admin_group)

        weakly = self._tasks.weakly
        task = self._bridge.call_api(
            read, weakly(self._on_read), weakly(self._on_read_failed), name="migration-read"
        )
        self._reading.replace(self._tasks.track(task))

    def _on_read(self, preview: importing.ImportPreview) -> None:
        self._reading.clear()
        self._show_preview(preview)

    def _on_read_failed(self, exc: BaseException) -> None:
        self._reading.clear()
        self._show_preview(None)
        self.preview_summary.show_error(
            widgets.failure(exc, messages.migration_files(writing=False))
        )

    def _show_preview(self, preview: importing.ImportPreview | None) -> None:
        self.preview = preview
        self.read_button.setEnabled(True)
        self.preview_table.setRowCount(0)
        if preview is None:
            self.preview_summary.show_info(
                self.tr("Choose the folder of an export, then Read folder.")
            )
            self._update()
            return
        lines = [
            self.tr("{users} in {file}; {groups} and {memberships} in {groups_file}.").format(
                users=wording.count(preview.users, "user"),
                file=files.USERS_FILE,
                groups=wording.count(len(preview.groups), "group"),
                memberships=wording.count(preview.memberships, "membership"),
                groups_file=files.GROUPS_FILE,
            ),
            # Not admin_text: a note names the file's own columns, which may hold braces.
            *(QtCore.QCoreApplication.translate("Admin", note) for note in preview.notes),
        ]
        self.preview_summary.show_info("\n".join(lines))
        self.preview_table.setRowCount(len(preview.first_users))
        for row, (username, values) in enumerate(preview.first_users):
            for column, text in enumerate((username, values)):
                item = QtWidgets.QTableWidgetItem(text)
                item.setToolTip(text)
                self.preview_table.setItem(row, column, item)
        self._update()

    def _update(self, *_args: object) -> None:
        ready = self.preview is not None and self.preview.users + len(self.preview.groups) > 0
        self.import_button.setEnabled(ready and self.message_action is not None)

    # -- confirmation and the run ----------------------------------------------------------

    def ask(self) -> None:
        """The confirmation page: how many users and groups, and what the users receive."""
        preview, action = self.preview, self.message_action
        if preview is None or action is None:
            return
        users = wording.count(preview.users, "user")
        groups = wording.count(len(preview.groups), "group")
        lines = [
            self.tr("Create {users} and {groups} in this pool?").format(users=users, groups=groups),
            self.tr("Users and groups that already exist are left as they are."),
        ]
        if action == "INVITE":
            lines.append(
                self.tr("Each new user is emailed an invitation with a temporary password.")
            )
        else:
            lines.append(
                self.tr("No message is sent: invite the users later with Resend invitation.")
            )
        if preview.disabled:
            lines.append(
                self.tr("{users} will be disabled once created, as in the export.").format(
                    users=wording.count(len(preview.disabled), "user")
                )
            )
        if preview.admin_members:
            lines.append(
                self.tr("{users} will be added to the admin group.").format(
                    users=wording.count(preview.admin_members, "user")
                )
            )
        self.question.setText("\n".join(lines))
        self.confirm_button.setText(self.tr("Create {users}").format(users=users))
        self.confirm_button.setAccessibleName(self.confirm_button.text())
        self.pages.setCurrentIndex(1)
        self.confirm_button.setFocus()

    def start(self) -> None:
        """Run the import confirmed on the confirmation page."""
        preview, action = self.preview, self.message_action
        if self.running or preview is None or action is None:
            return
        stop = self._stop.renew()
        self.results.clear()
        self.summary = None
        self.pages.setCurrentIndex(2)
        self.bar.setRange(0, max(1, preview.users))
        self.bar.setValue(0)
        self.status.show_info(self.tr("Starting\N{HORIZONTAL ELLIPSIS}"))
        self._set_running(True)

        def work(api: api_client.ApiClient, relay: widgets.Relay) -> importing.ImportSummary:
            return importing.import_pool(
                api,
                preview,
                action,
                stop=stop,
                on_progress=relay.progress.emit,
                on_rows=relay.rows.emit,
            )

        weakly = self._tasks.weakly
        slots = (weakly(self._on_progress), weakly(self._on_rows), weakly(self._on_finished))
        self._tasks.track(widgets.run_on_worker(self._bridge, work, slots, "migration-import"))

    def cancel(self) -> None:
        """Stop before the next batch; the rows not sent are counted as not run."""
        if self.running:
            self._stop.set()
            self.status.show_info(self.tr("Cancelling\N{HORIZONTAL ELLIPSIS}"))

    def _restart(self) -> None:
        if not self.running:
            self.pages.setCurrentIndex(0)

    def _set_running(self, running: bool) -> None:
        self.running = running
        self.cancel_button.setVisible(running)
        self.again_button.setVisible(not running)
        self.runningChanged.emit(running)

    def _on_progress(self, progress: importing.ImportProgress) -> None:
        self.bar.setRange(0, max(1, progress.total))
        self.bar.setValue(progress.done)
        what = "user" if progress.phase is migration.Phase.USERS else "membership"
        self.status.show_info(
            self.tr("{done} of {total} done").format(
                done=f"{progress.done:,}", total=wording.count(progress.total, what)
            )
        )

    def _on_rows(self, outcomes: Sequence[importing.RowOutcome]) -> None:
        self.results.append(outcomes)

    def _on_finished(self, outcome: object) -> None:
        self._set_running(False)
        if not isinstance(outcome, importing.ImportSummary):
            self.status.show_error(
                widgets.failure(outcome, messages.migration_files(writing=False))
            )
            return
        self.summary = outcome
        self.status.show_info(self.summary_text(outcome))
        first_failure = next(
            (i for i, o in enumerate(self.results.outcomes) if o.status is _FAILED), None
        )
        if first_failure is not None:
            self.results_view.scrollTo(self.results.index(first_failure, 0))
        self.imported.emit(outcome.users[importing.Status.CREATED])

    def summary_text(self, summary: importing.ImportSummary) -> str:
        """What the import did, in plain words."""
        users, members = summary.users, summary.memberships
        created, exists, failed = (
            importing.Status.CREATED,
            importing.Status.EXISTS,
            importing.Status.FAILED,
        )
        lines = [
            self.tr("Users: {created} created, {exists} already there, {failed} failed.").format(
                created=f"{users[created]:,}",
                exists=f"{users[exists]:,}",
                failed=f"{users[failed]:,}",
            ),
            self.tr("Memberships: {added} added, {exists} already there, {failed} failed.").format(
                added=f"{members[created]:,}",
                exists=f"{members[exists]:,}",
                failed=f"{members[failed]:,}",
            ),
        ]
        if summary.cancelled:
            lines.append(
                self.tr("Cancelled: {rows} not sent.").format(
                    rows=wording.count(summary.not_run, "row")
                )
            )
        elif summary.stopped_by is not None:
            lines.append(
                self.tr("Stopped: {reason} {rows} not sent.").format(
                    reason=messages.admin_failure(summary.stopped_by),
                    rows=wording.count(summary.not_run, "row"),
                )
            )
        if summary.cancelled or summary.stopped_by is not None:
            lines.append(
                self.tr(
                    "Importing the same folder again is safe: what was created is reported "
                    "as already there."
                )
            )
        return "\n".join(lines)
