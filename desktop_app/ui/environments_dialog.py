"""File > Environments: list, add, edit, remove and test the profiles in the config file.

The form is checked with :func:`desktop_app.config.parse_profile` on every edit,
so what Save writes is exactly what the app will load; the error names the key.
Reading and writing the file and "Test connection" (discovery plus the JWKS) run
through :mod:`desktop_app.qt.worker`. Keys the form does not show are not kept.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
from PySide6 import QtCore, QtGui, QtWidgets

from desktop_app import config, config_writer, diagnostics, errors
from desktop_app.qt import messages, tasks, worker
from desktop_app.ui import feedback, profile_form


class EnvironmentsDialog(QtWidgets.QDialog):
    """Profiles on the left, the selected one's form on the right.

    ``current`` is the active profile (selected first). ``session_factory`` builds
    the HTTP session for "Test connection"; ``confirm(question)`` asks before
    discarding edits or removing a profile (a ``QMessageBox`` by default).

    Signals:
        profilesChanged(): the config file was written (a profile was added,
            edited, renamed or removed).
        profileChosen(str): the person chose this profile as the active one
            ("Use this environment"); the dialog then closes.
    """

    profilesChanged = QtCore.Signal()
    profileChosen = QtCore.Signal(str)

    def __init__(
        self,
        config_path: Path,
        *,
        current: str | None = None,
        pool: QtCore.QThreadPool | None = None,
        session_factory: Callable[[config.Profile], requests.Session] = (
            diagnostics.new_http_session
        ),
        confirm: Callable[[str], bool] | None = None,
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._path = config_path
        self._pool = pool
        self._session_factory = session_factory
        self._confirm = confirm or self._ask
        self._tables: dict[str, dict[str, Any]] = {}
        self._editing: str | None = None  # the saved profile in the form; None: a new one
        self._loaded: tuple[str, dict[str, Any]] = ("", {})
        self._profile: config.Profile | None = None
        self._busy = False  # reading or writing the file
        self._test_task: worker.Task[Any] | None = None
        self._tasks = tasks.TaskGroup.of(self)
        self._select_after_save: str | None = None

        self.setWindowTitle(self.tr("Environments"))
        self.setAccessibleName(self.tr("Environments"))
        self.resize(820, 560)

        self.list = QtWidgets.QListWidget(self)
        self.list.setAccessibleName(self.tr("Environments"))
        self.list.currentRowChanged.connect(self._on_row_changed)
        self._order: list[QtWidgets.QWidget] = [self.list]
        self.add_button = self._button(self.tr("&Add"), self.tr("Add environment"), self._on_add)
        self.remove_button = self._button(
            self.tr("&Remove"), self.tr("Remove environment"), self._on_remove
        )

        self.form = profile_form.ProfileForm(self)
        self.form.edited.connect(self._on_edited)
        self.edits = self.form.edits
        self.name_edit = self.form.name_edit
        self.redirect_edit = self.form.redirect_edit
        self.scopes_edit = self.form.scopes_edit
        self._order.extend(self.form.fields)

        self.error_label = feedback.MessageLine(self)  # what is wrong with the values
        self.test_label = feedback.MessageLine(self)  # how "Test connection" went

        self.test_button = self._button(
            self.tr("&Test connection"), self.tr("Test connection"), self._on_test
        )
        self.use_button = self._button(
            self.tr("Use this &environment"), self.tr("Use this environment"), self._on_use
        )
        # Enter saves (the default button); Ctrl+S too. Esc closes.
        self.save_button = self._button(self.tr("Save"), self.tr("Save environment"), self._on_save)
        self.save_button.setShortcut(QtGui.QKeySequence(QtGui.QKeySequence.StandardKey.Save))
        self.save_button.setAutoDefault(True)
        self.save_button.setDefault(True)
        self.close_button = self._button(self.tr("Close"), self.tr("Close"), self.reject)

        left = QtWidgets.QVBoxLayout()
        left.addWidget(self.list, 1)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        left.addLayout(row)
        right = QtWidgets.QVBoxLayout()
        right.addWidget(self.form)
        right.addWidget(self.error_label)
        right.addWidget(self.test_label)
        right.addStretch(1)
        actions = QtWidgets.QHBoxLayout()
        actions.addWidget(self.test_button)
        actions.addWidget(self.use_button)
        actions.addStretch(1)
        actions.addWidget(self.save_button)
        actions.addWidget(self.close_button)
        right.addLayout(actions)
        top = QtWidgets.QHBoxLayout(self)
        top.addLayout(left, 1)
        top.addLayout(right, 3)
        # The order things were made in: list, its buttons, the form top to bottom, actions.
        for first, second in itertools.pairwise(self._order):
            self.setTabOrder(first, second)
        self._start_current = current
        self._clear_form()
        self._set_busy(True)
        path = self._path
        self._run(
            lambda: config_writer.load_tables(path),
            self._on_loaded,
            self._on_io_failed,
            "load",
        )

    # -- building --------------------------------------------------------------------------

    def _button(self, text: str, name: str, slot: Callable[[], None]) -> QtWidgets.QPushButton:
        button = QtWidgets.QPushButton(text, self)
        button.setAccessibleName(name)
        button.setAutoDefault(False)
        button.clicked.connect(slot)
        self._order.append(button)
        return button

    # -- the form --------------------------------------------------------------------------

    def form_table(self) -> tuple[str, dict[str, Any]]:
        """``(name, table)`` as the form stands; empty fields are left out."""
        return self.form.table()

    def _fill(self, name: str, table: dict[str, Any]) -> None:
        self.form.fill(name, table)
        self._loaded = self.form_table()
        self._on_edited()

    def _clear_form(self) -> None:
        self._editing = None
        self._fill("", {})

    def is_dirty(self) -> bool:
        """The form differs from the saved profile (always, for a new one)."""
        return self._editing is None or self.form_table() != self._loaded

    def _on_edited(self) -> None:
        name, table = self.form_table()
        self._profile = None
        try:
            if name != self._editing and name in self._tables:
                raise errors.ConfigError(
                    self.tr("profiles.{name}: an environment with this name exists").format(
                        name=name
                    )
                )
            self._profile = config.parse_profile(name, table)
        except errors.ConfigError as exc:
            self.error_label.show_error(str(exc))
        if self._profile is not None:
            self.error_label.clear()
        if self._test_task is not None:  # the result would describe other values
            self._test_task.cancel()
            self._test_task = None
        self.test_label.clear()
        self._update_buttons()

    def _update_buttons(self) -> None:
        valid, idle = self._profile is not None, not self._busy
        self.save_button.setEnabled(valid and idle and self.is_dirty())
        self.test_button.setEnabled(valid and self._test_task is None)
        self.use_button.setEnabled(valid and idle and not self.is_dirty())
        self.remove_button.setEnabled(idle and self._editing is not None)
        self.add_button.setEnabled(idle)
        self.list.setEnabled(idle)

    # -- the list --------------------------------------------------------------------------

    def _show_list(self, select: str | None) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        for name in self._tables:
            item = QtWidgets.QListWidgetItem(name, self.list)
            try:
                config.parse_profile(name, self._tables[name])
            except errors.ConfigError as exc:
                item.setText(self.tr("{name} (needs fixing)").format(name=name))
                item.setToolTip(str(exc))
        names = list(self._tables)
        self.list.setCurrentRow(names.index(select) if select in names else -1)
        self.list.blockSignals(False)
        if select in self._tables:
            self._editing = select
            self._fill(select, self._tables[select])
        else:
            self._clear_form()

    def _on_row_changed(self, row: int) -> None:
        names = list(self._tables)
        if not 0 <= row < len(names) or names[row] == self._editing:
            return
        if (
            self.is_dirty()
            and self._profile_touched()
            and not self._confirm(self.tr("Discard the changes to this environment?"))
        ):
            self.list.blockSignals(True)
            self.list.setCurrentRow(names.index(self._editing) if self._editing in names else -1)
            self.list.blockSignals(False)
            return
        self._editing = names[row]
        self._fill(names[row], self._tables[names[row]])

    def _profile_touched(self) -> bool:
        """A new, still empty form is not worth a question."""
        return self._editing is not None or self.form_table() != ("", {})

    def _on_add(self) -> None:
        question = self.tr("Discard the changes to this environment?")
        if self.is_dirty() and self._profile_touched() and not self._confirm(question):
            return
        self.list.setCurrentRow(-1)
        self._clear_form()
        self.name_edit.setFocus()

    # -- file and network work -------------------------------------------------------------

    def _run(
        self,
        fn: Callable[[], Any],
        on_result: Callable[[Any], None],
        on_error: Callable[[BaseException], None],
        name: str,
    ) -> worker.Task[Any]:
        return self._tasks.start(
            fn, on_result, on_error, pool=self._pool, name=f"environments.{name}"
        )

    def is_busy(self) -> bool:
        """True until the file read or write, or the connection test, has reported back."""
        return self._busy or self._test_task is not None

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self._update_buttons()

    def _on_loaded(self, tables: dict[str, dict[str, Any]]) -> None:
        self._tables = tables
        self._set_busy(False)
        start = self._start_current if self._start_current in tables else next(iter(tables), None)
        self._show_list(start)

    def _on_io_failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        self.error_label.show_failure(exc)

    def _write(self, tables: dict[str, Any], remove: list[str], select: str | None) -> None:
        path = self._path

        def work() -> dict[str, dict[str, Any]]:
            config_writer.save(path, tables, remove=remove)
            return config_writer.load_tables(path)

        self._select_after_save = select
        self._set_busy(True)
        self._run(work, self._on_saved, self._on_io_failed, "save")

    def _on_saved(self, saved: dict[str, dict[str, Any]]) -> None:
        self._tables = saved
        self._set_busy(False)
        self._show_list(self._select_after_save)
        self.profilesChanged.emit()

    def _on_save(self) -> None:
        if self._profile is None or self._busy:
            return  # the error label already says why
        name, table = self.form_table()
        renamed = [self._editing] if self._editing and self._editing != name else []
        self._write({name: table}, renamed, name)

    def _on_remove(self) -> None:
        name = self._editing
        if name is None or self._busy:
            return
        if not self._confirm(
            self.tr("Remove the environment {name} from the config file?").format(name=name)
        ):
            return
        names = [other for other in self._tables if other != name]
        self._write({}, [name], names[0] if names else None)

    def _on_test(self) -> None:
        profile = self._profile
        if profile is None:
            return
        factory = self._session_factory
        self.test_label.show_info(self.tr("Testing the connection\N{HORIZONTAL ELLIPSIS}"))
        self._test_task = self._run(
            lambda: diagnostics.check_connection(profile, factory(profile)),
            self._on_tested,
            self._on_test_failed,
            "test",
        )
        self._update_buttons()

    def _on_tested(self, result: diagnostics.ConnectionResult) -> None:
        self._test_task = None
        text = self.tr(
            "Connected to {issuer}: discovery at {discovery} and {count} signing key(s) "
            "at {jwks} ({ms} ms)."
        ).format(
            issuer=result.issuer,
            discovery=result.discovery_url,
            count=result.key_count,
            jwks=result.jwks_uri,
            ms=round(result.elapsed_ms),
        )
        if result.proxy:
            text += " " + self.tr("Through the proxy {proxy}.").format(proxy=result.proxy)
        self.test_label.show_info(text)
        self._update_buttons()

    def _on_test_failed(self, exc: BaseException) -> None:
        self._test_task = None
        self.test_label.show_error(
            self.tr("Connection failed: {error}").format(error=messages.describe(exc))
        )
        self._update_buttons()

    def _on_use(self) -> None:
        if self._editing is not None and not self.is_dirty() and self._profile is not None:
            self.profileChosen.emit(self._editing)
            self.accept()

    # -- closing ---------------------------------------------------------------------------

    def _ask(self, question: str) -> bool:
        answer = QtWidgets.QMessageBox.question(self, self.tr("Environments"), question)
        return answer == QtWidgets.QMessageBox.StandardButton.Yes

    def reject(self) -> None:
        question = self.tr("Close without saving the changes?")
        if self.is_dirty() and self._profile_touched() and not self._confirm(question):
            return
        super().reject()

    def done(self, result: int) -> None:
        # Results that arrive after the dialog closed must not touch it.
        self._tasks.cancel_all()
        super().done(result)
