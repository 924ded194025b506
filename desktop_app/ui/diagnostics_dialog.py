"""Help > Diagnostics: the report a tester copies into a bug report.

Gathering (config file, keyring) and the discovery check (network) both run
through :mod:`desktop_app.qt.worker`; the dialog shows what it has so far and
never waits on the GUI thread. What it shows is what "Copy diagnostics" copies:
the redacted text of :func:`desktop_app.diagnostics.as_text`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import PySide6
import requests
from PySide6 import QtCore, QtGui, QtWidgets

from desktop_app import config, diagnostics, logs
from desktop_app.auth import store as auth_store
from desktop_app.qt import messages, tasks
from desktop_app.ui import feedback


def qt_info() -> diagnostics.QtInfo:
    """The running Qt, PySide6 and platform plugin (call on the GUI thread)."""
    return diagnostics.QtInfo(
        qt_version=QtCore.qVersion(),
        pyside_version=PySide6.__version__,
        platform_plugin=QtGui.QGuiApplication.platformName(),
    )


class DiagnosticsDialog(QtWidgets.QDialog):
    """A read-only diagnostics report with "Copy diagnostics" and "Open log folder".

    ``profile`` is the active profile (or its name; ``None``: the default one);
    ``store`` is the token store the app already opened (else the keyring is asked
    in the background); ``session_factory`` builds the HTTP session for the
    discovery check; ``open_url`` opens the log folder (``QDesktopServices.openUrl``).
    """

    def __init__(
        self,
        config_path: Path,
        *,
        profile: config.Profile | str | None = None,
        store: auth_store.TokenStore | None = None,
        log_dir: Path | None = None,
        pool: QtCore.QThreadPool | None = None,
        session_factory: Callable[[config.Profile], requests.Session] = (
            diagnostics.new_http_session
        ),
        open_url: Callable[[QtCore.QUrl], bool] = QtGui.QDesktopServices.openUrl,
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._active: config.Profile | str = profile or config.DEFAULT_PROFILE
        self._log_dir = log_dir if log_dir is not None else logs.log_dir()
        self._pool = pool
        self._session_factory = session_factory
        self._open_url = open_url
        self._tasks = tasks.TaskGroup.of(self)
        self.report: diagnostics.Report | None = None

        self.setWindowTitle(self.tr("Diagnostics"))
        self.setAccessibleName(self.tr("Diagnostics"))
        self.resize(640, 420)

        self.text = QtWidgets.QPlainTextEdit(self)
        self.text.setReadOnly(True)
        self.text.setTabChangesFocus(True)
        self.text.setLineWrapMode(QtWidgets.QPlainTextEdit.LineWrapMode.NoWrap)
        self.text.setAccessibleName(self.tr("Diagnostics report"))
        self.text.setPlainText(self.tr("Gathering diagnostics\N{HORIZONTAL ELLIPSIS}"))

        self.status = feedback.MessageLine(self)

        self.copy_button = QtWidgets.QPushButton(self.tr("&Copy diagnostics"), self)
        self.copy_button.setAccessibleName(self.tr("Copy diagnostics"))
        self.copy_button.setEnabled(False)
        self.copy_button.clicked.connect(self._on_copy_clicked)
        self.copy_button.setDefault(True)

        self.log_button = QtWidgets.QPushButton(self.tr("Open &log folder"), self)
        self.log_button.setAccessibleName(self.tr("Open log folder"))
        self.log_button.setAutoDefault(False)
        self.log_button.clicked.connect(self._on_open_log_clicked)

        buttons = QtWidgets.QDialogButtonBox(self)
        buttons.addButton(self.copy_button, QtWidgets.QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.log_button, QtWidgets.QDialogButtonBox.ButtonRole.ActionRole)
        close = buttons.addButton(QtWidgets.QDialogButtonBox.StandardButton.Close)
        close.setAccessibleName(self.tr("Close"))
        close.setAutoDefault(False)
        buttons.rejected.connect(self.reject)

        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self.setTabOrder(self.text, self.copy_button)
        self.setTabOrder(self.copy_button, self.log_button)
        self.setTabOrder(self.log_button, close)

        # Plain values only: the worker never touches the dialog.
        qt, active, log_dir_ = qt_info(), self._active, self._log_dir
        self._start(
            lambda: diagnostics.gather(
                config_path, active, qt=qt, token_store=store, log_dir=log_dir_
            ),
            self._on_gathered,
            self._on_gather_failed,
            "diagnostics.gather",
        )

    # -- background work -----------------------------------------------------------------

    def _start(
        self,
        fn: Callable[[], Any],
        on_result: Callable[[Any], None],
        on_error: Callable[[BaseException], None],
        name: str,
    ) -> None:
        self._tasks.start(fn, on_result, on_error, pool=self._pool, name=name)

    def is_busy(self) -> bool:
        """True until gathering and the discovery check have both reported back."""
        return self._tasks.pending > 0

    def done(self, result: int) -> None:
        # The dialog is going away: results that arrive later must not touch it.
        self._tasks.cancel_all()
        super().done(result)

    def _on_gathered(self, report: diagnostics.Report) -> None:
        self._show(report)
        profile = report.profile
        if profile is None:
            return
        self.status.show_info(self.tr("Checking discovery\N{HORIZONTAL ELLIPSIS}"))
        factory = self._session_factory
        self._start(
            lambda: diagnostics.check_discovery(profile, factory(profile)),
            self._on_checked,
            self._on_check_failed,
            "diagnostics.check_discovery",
        )

    def _on_gather_failed(self, exc: BaseException) -> None:
        failed = self.tr("Could not gather diagnostics: {error}").format(
            error=messages.describe(exc)
        )
        self.text.clear()
        self.status.show_error(failed)

    def _on_checked(self, reachability: diagnostics.Reachability) -> None:
        if self.report is not None:
            self._show(dataclasses.replace(self.report, discovery=reachability))
        if reachability.ok:
            self.status.show_info(self.tr("Discovery answered."))
        else:
            self.status.show_error(self.tr("Discovery did not answer as expected; see the report."))

    def _on_check_failed(self, exc: BaseException) -> None:
        self.status.show_error(
            self.tr("The discovery check failed: {error}").format(error=messages.describe(exc))
        )

    def _show(self, report: diagnostics.Report) -> None:
        self.report = report
        self.text.setPlainText(diagnostics.as_text(report, redact=True))
        self.copy_button.setEnabled(True)

    # -- buttons ---------------------------------------------------------------------------

    def copy_text(self) -> str:
        """What "Copy diagnostics" puts on the clipboard (always redacted)."""
        if self.report is None:
            return ""
        return diagnostics.as_text(self.report, redact=True)

    def _on_copy_clicked(self) -> None:
        text = self.copy_text()
        if not text:
            return
        QtGui.QGuiApplication.clipboard().setText(text)
        self.status.show_info(self.tr("Copied to the clipboard (secrets and emails removed)."))

    def _on_open_log_clicked(self) -> None:
        url = QtCore.QUrl.fromLocalFile(str(self._log_dir))
        if not self._open_url(url):
            self.status.show_error(
                self.tr("Could not open the log folder {path}.").format(path=str(self._log_dir))
            )
