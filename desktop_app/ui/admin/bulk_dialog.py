"""Bulk actions and the CSV import: a progress bar, Cancel, and one result row per user.

Partial failures are the point of this module: every item gets its own row saying
what happened to it (done, failed with the plain reason, or not run because the
admin cancelled), and the summary counts both. The steps (actions of
:mod:`desktop_app.admin.actions`, one per user) run in
:class:`~desktop_app.qt.bulk.BulkRunner`, a few at once, waiting when the API says
Cognito is throttling (the summary says so); nothing here blocks.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6 import QtCore, QtWidgets

from desktop_app.admin import actions, invites, wording
from desktop_app.qt import bridge as qt_bridge
from desktop_app.qt import bulk
from desktop_app.ui import feedback

_NOT_EDITABLE = QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers


class BulkProgress(QtWidgets.QWidget):
    """Progress bar, summary and the per-item result table of one bulk run.

    Signals:
        completed(int, int, bool): ok count, failed count, whether it was cancelled.
    """

    completed = QtCore.Signal(int, int, bool)

    def __init__(
        self, bridge: qt_bridge.SessionBridge, parent: QtWidgets.QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.runner = bulk.BulkRunner(bridge, parent=self)
        self.bar = QtWidgets.QProgressBar()
        self.bar.setAccessibleName(self.tr("Progress"))
        self.summary = QtWidgets.QLabel()
        self.summary.setAccessibleName(self.tr("Summary"))
        self.summary.setWordWrap(True)
        self.results = QtWidgets.QTableWidget(0, 3)
        self.results.setAccessibleName(self.tr("Results"))
        self.results.setHorizontalHeaderLabels(
            [self.tr("User"), self.tr("Result"), self.tr("Details")]
        )
        self.results.setWordWrap(False)
        self.results.horizontalHeader().setStretchLastSection(True)
        self.results.verticalHeader().setVisible(False)
        self.results.setEditTriggers(_NOT_EDITABLE)
        self.results.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self._outcomes: list[tuple[str, bool | None, str]] = []
        self.runner.progress.connect(self._on_progress)
        self.runner.itemDone.connect(self._on_item_done)
        self.runner.throttled.connect(self._on_throttled)
        self.runner.finished.connect(self._on_finished)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.bar)
        layout.addWidget(self.summary)
        layout.addWidget(self.results, 1)

    @property
    def running(self) -> bool:
        return self.runner.running

    def outcomes(self) -> list[tuple[str, bool | None, str]]:
        """(label, ok, message) per item; ``ok`` is None for an item not run (yet)."""
        return list(self._outcomes)

    def failures(self) -> list[tuple[str, str]]:
        return [(label, message) for label, ok, message in self._outcomes if ok is False]

    def start(self, steps: Sequence[actions.Step]) -> None:
        self._outcomes = [(step.username, None, "") for step in steps]
        self.results.setRowCount(len(steps))
        for row, (label, _ok, _message) in enumerate(self._outcomes):
            self._set_row(row, label, self.tr("Waiting"), "", None)
        self.bar.setRange(0, max(1, len(steps)))
        self.bar.setValue(0)
        self.summary.setText(self.tr("Working\N{HORIZONTAL ELLIPSIS}"))
        self.runner.start(steps)

    def cancel(self) -> None:
        self.runner.cancel()

    def _set_row(self, row: int, label: str, result: str, detail: str, ok: bool | None) -> None:
        cells = (label, result, detail)
        for column, text in enumerate(cells):
            item = QtWidgets.QTableWidgetItem(text)
            if ok is False:
                item.setForeground(feedback.error_colour(self.palette()))
                item.setToolTip(detail)
            self.results.setItem(row, column, item)

    @QtCore.Slot(int, int)
    def _on_progress(self, done: int, total: int) -> None:
        self.bar.setRange(0, max(1, total))
        self.bar.setValue(done)
        self.summary.setText(self.tr("{done} of {total} done").format(done=done, total=total))

    @QtCore.Slot(float)
    def _on_throttled(self, seconds: float) -> None:
        done, total = self.bar.value(), self.bar.maximum()
        self.summary.setText(
            self.tr(
                "{done} of {total} done. Cognito is limiting the request rate: "
                "going on in {seconds} s\N{HORIZONTAL ELLIPSIS}"
            ).format(done=done, total=total, seconds=f"{seconds:.1f}".removesuffix(".0"))
        )

    @QtCore.Slot(int, str, bool, str)
    def _on_item_done(self, index: int, label: str, ok: bool, message: str) -> None:
        if not 0 <= index < len(self._outcomes):
            return
        self._outcomes[index] = (label, ok, message)
        result = self.tr("Done") if ok else self.tr("Failed")
        self._set_row(index, label, result, message, ok)
        shown = self.results.item(index, 0)
        if shown is not None:
            self.results.scrollToItem(shown)

    @QtCore.Slot(int, int, bool)
    def _on_finished(self, ok: int, failed: int, cancelled: bool) -> None:
        for row, (label, state, _message) in enumerate(self._outcomes):
            if state is None:
                self._set_row(row, label, self.tr("Not run"), self.tr("Cancelled"), None)
        # Failures are the rows to read: bring the first into view.
        first_failure = next(
            (r for r, (_l, s, _m) in enumerate(self._outcomes) if s is False), None
        )
        if first_failure is not None:
            shown = self.results.item(first_failure, 0)
            if shown is not None:
                self.results.scrollToItem(shown)
        text = self.tr("{ok} succeeded, {failed} failed.").format(ok=ok, failed=failed)
        if cancelled:
            skipped = sum(1 for _label, state, _m in self._outcomes if state is None)
            text += " " + self.tr("Cancelled: {n} not run.").format(n=skipped)
        self.summary.setText(text)
        self.completed.emit(ok, failed, cancelled)


class _RunDialog(QtWidgets.QDialog):
    """A dialog around one :class:`BulkProgress`: Cancel (or Escape) stops the run
    before the next user and the dialog stays to show the results; Close follows.

    Signals:
        completed(int, int, bool): as :class:`BulkProgress`.
    """

    completed = QtCore.Signal(int, int, bool)

    def __init__(
        self, bridge: qt_bridge.SessionBridge, parent: QtWidgets.QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.progress = BulkProgress(bridge)
        self.progress.completed.connect(self._on_completed)
        # Made inside the dialog, so that the default buttons set below are the dialog's
        # (common.dialog_buttons says why).
        self.buttons = QtWidgets.QDialogButtonBox(self)

    def _add_cancel_and_close(self) -> None:
        self.cancel_button = self.buttons.addButton(
            QtWidgets.QDialogButtonBox.StandardButton.Cancel
        )
        # Enter never cancels a run; once it is over, Enter closes the dialog.
        self.cancel_button.setAutoDefault(False)
        self.close_button = self.buttons.addButton(QtWidgets.QDialogButtonBox.StandardButton.Close)
        self.close_button.hide()
        self.close_button.clicked.connect(self.accept)

    def reject(self) -> None:
        # Escape while running cancels the rest; the dialog stays to show the results.
        if self.progress.running:
            self.progress.cancel()
            return
        super().reject()

    @QtCore.Slot(int, int, bool)
    def _on_completed(self, ok: int, failed: int, cancelled: bool) -> None:
        self.cancel_button.hide()
        self.close_button.show()
        self.close_button.setDefault(True)
        self.close_button.setFocus()
        self.completed.emit(ok, failed, cancelled)


class BulkDialog(_RunDialog):
    """One bulk action over the selected users; Cancel stops before the next user.

    Signals:
        completed(int, int, bool): as :class:`BulkProgress`.
    """

    def __init__(
        self,
        bridge: qt_bridge.SessionBridge,
        title: str,
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(bridge, parent)
        self.setWindowTitle(title)
        self.resize(520, 420)
        heading = QtWidgets.QLabel(title)
        heading.setWordWrap(True)
        self._add_cancel_and_close()
        self.cancel_button.setAccessibleName(self.tr("Cancel the remaining users"))
        self.cancel_button.clicked.connect(self.progress.cancel)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.progress, 1)
        layout.addWidget(self.buttons)

    def start(self, steps: Sequence[actions.Step]) -> None:
        self.progress.start(steps)


class ImportDialog(_RunDialog):
    """CSV import: a preview where each row shows its problem, then the invitations.

    Nothing is sent until the admin presses "Invite N valid rows"; rows with an
    error are shown (highlighted) and skipped.

    Signals:
        completed(int, int, bool): as :class:`BulkProgress`.
    """

    COLUMNS = ("Line", "Username", "Email", "Name", "Groups", "Problem")

    def __init__(
        self,
        bridge: qt_bridge.SessionBridge,
        rows: Sequence[invites.InviteRow],
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(bridge, parent)
        self.setWindowTitle(self.tr("Invite users from CSV"))
        self.resize(760, 480)
        self.rows = list(rows)
        self.valid = [row for row in self.rows if not row.error]
        self.summary = QtWidgets.QLabel(
            self.tr("{rows}: {valid} valid, {bad} with problems (skipped).").format(
                rows=wording.count(len(self.rows), "row"),
                valid=len(self.valid),
                bad=len(self.rows) - len(self.valid),
            )
        )
        self.summary.setWordWrap(True)
        self.preview = QtWidgets.QTableWidget(len(self.rows), len(self.COLUMNS))
        self.preview.setAccessibleName(self.tr("Rows to invite"))
        self.preview.setHorizontalHeaderLabels([self.tr(c) for c in self.COLUMNS])
        self.preview.horizontalHeader().setStretchLastSection(True)
        self.preview.verticalHeader().setVisible(False)
        self.preview.setEditTriggers(_NOT_EDITABLE)
        for index, row in enumerate(self.rows):
            self._fill(index, row)
        self.preview.setWordWrap(False)
        self.preview.resizeColumnsToContents()
        self.pages = QtWidgets.QStackedWidget()
        preview_page = QtWidgets.QWidget()
        preview_layout = QtWidgets.QVBoxLayout(preview_page)
        preview_layout.setContentsMargins(0, 0, 0, 0)
        preview_layout.addWidget(self.summary)
        preview_layout.addWidget(self.preview, 1)
        self.pages.addWidget(preview_page)
        self.pages.addWidget(self.progress)

        self.invite_button = self.buttons.addButton(
            self.tr("Invite {rows}").format(rows=wording.count(len(self.valid), "valid row")),
            QtWidgets.QDialogButtonBox.ButtonRole.AcceptRole,
        )
        self.invite_button.setEnabled(bool(self.valid))
        self.invite_button.setDefault(True)  # Enter in the preview sends the invitations
        self.invite_button.clicked.connect(self.start)
        self._add_cancel_and_close()
        self.cancel_button.clicked.connect(self.reject)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.pages, 1)
        layout.addWidget(self.buttons)

    def _fill(self, index: int, row: invites.InviteRow) -> None:
        cells = (
            str(row.line),
            row.username,
            row.email,
            row.name or "",
            ", ".join(row.groups),
            row.error or "",
        )
        for column, text in enumerate(cells):
            item = QtWidgets.QTableWidgetItem(text)
            if row.error:
                item.setForeground(feedback.error_colour(self.palette()))
                item.setToolTip(row.error)
            self.preview.setItem(index, column, item)

    def problem_rows(self) -> list[int]:
        """Line numbers of the rows highlighted as invalid."""
        return [row.line for row in self.rows if row.error]

    @QtCore.Slot()
    def start(self) -> None:
        """Send the invitations for the valid rows (only once)."""
        if not self.valid or self.progress.running or self.pages.currentWidget() is self.progress:
            return
        steps = [actions.invite(row.username, row.invitation) for row in self.valid]
        self.invite_button.hide()
        self.pages.setCurrentWidget(self.progress)
        self.cancel_button.clicked.disconnect(self.reject)
        self.cancel_button.clicked.connect(self.progress.cancel)
        self.progress.start(steps)
