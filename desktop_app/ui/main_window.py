"""The main window: start-up, the sign-in screen, and then the signed-in view
(:mod:`desktop_app.ui.signed_in_view`).

Start-up paints at once: the auth core (requests, Authlib, PyJWT, keyring) is
loaded and the profile opened in a worker after the first paint, through the
``open_profile`` function the composition root (``desktop_app.app``) injects.
From then on everything goes through one :class:`~desktop_app.qt.bridge.SessionBridge`.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6 import QtCore, QtGui, QtWidgets

from desktop_app import APP_TITLE
from desktop_app.auth import authorization
from desktop_app.qt import worker
from desktop_app.ui import session_status, signin_screen

if TYPE_CHECKING:
    from desktop_app import config
    from desktop_app.auth import session as auth_session
    from desktop_app.qt import bridge as qt_bridge
    from desktop_app.ui import signed_in_view


@dataclasses.dataclass(frozen=True)
class Opened:
    """What ``open_profile`` returns: a ready session and whether one is stored."""

    profile: config.Profile
    session: auth_session.Session
    has_stored: bool


OpenProfile = Callable[[str | None], Opened]


class MainWindow(QtWidgets.QMainWindow):
    """See the module docstring.

    Signals:
        ready(): the profile is open and the first screen (sign-in or restoring) shows.
    """

    ready = QtCore.Signal()

    def __init__(
        self,
        open_profile: OpenProfile,
        *,
        profile_name: str | None = None,
        settings: QtCore.QSettings | None = None,
        log_dir: Path | None = None,
        config_path: Path | None = None,
        sign_in_timeout: float | None = None,
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._open_profile = open_profile
        self._sign_in_timeout = sign_in_timeout
        self._profile_name = profile_name
        self._settings = settings
        self._log_dir = log_dir
        self._config_path = config_path
        self.bridge: qt_bridge.SessionBridge | None = None
        self.signed_in_view: signed_in_view.SignedInView | None = None
        self.setWindowTitle(APP_TITLE)
        self.resize(960, 640)
        if settings is not None and (geometry := settings.value("window/geometry")):
            self.restoreGeometry(geometry)

        self.start_page = QtWidgets.QLabel(self.tr("Starting\u2026"))
        self.start_page.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self.start_page.setAccessibleName(self.tr("Status"))
        self.sign_in_screen = signin_screen.SignInScreen()
        self.sign_in_screen.signInRequested.connect(self._on_sign_in_requested)
        self.sign_in_screen.differentAccountRequested.connect(
            lambda: self._on_sign_in_requested(prompt_login=True)
        )
        self.sign_in_screen.signUpRequested.connect(
            lambda: self._on_sign_in_requested(entry=authorization.Entry.SIGN_UP)
        )
        self.sign_in_screen.forgotPasswordRequested.connect(
            lambda: self._on_sign_in_requested(entry=authorization.Entry.FORGOT_PASSWORD)
        )
        self.sign_in_screen.cancelRequested.connect(self._on_cancel_requested)
        self.sign_in_screen.environmentsRequested.connect(self.open_environments)
        self.stack = QtWidgets.QStackedWidget()
        self.stack.addWidget(self.start_page)
        self.stack.addWidget(self.sign_in_screen)
        self.setCentralWidget(self.stack)

        self.status = session_status.SessionStatus()
        self.statusBar().addPermanentWidget(self.status)
        self._build_menus()
        self._set_signed_in_actions(False)

    # -- menus -----------------------------------------------------------------------------

    def _build_menus(self) -> None:
        account = self.menuBar().addMenu(self.tr("&Account"))
        self.sign_out_action = account.addAction(self.tr("Sign &out"))
        self.sign_out_action.triggered.connect(lambda: self.sign_out(everywhere=False))
        self.sign_out_everywhere_action = account.addAction(self.tr("Sign out &everywhere"))
        self.sign_out_everywhere_action.triggered.connect(lambda: self.sign_out(everywhere=True))
        account.addSeparator()
        self.switch_action = account.addAction(self.tr("Switch &environment\u2026"))
        self.switch_action.triggered.connect(self.open_environments)
        account.addSeparator()
        quit_action = account.addAction(self.tr("&Quit"))
        quit_action.setShortcut(QtGui.QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        help_menu = self.menuBar().addMenu(self.tr("&Help"))
        help_menu.addAction(self.tr("&Diagnostics\u2026")).triggered.connect(self.open_diagnostics)
        help_menu.addAction(self.tr("Open &log folder")).triggered.connect(self.open_log_folder)
        help_menu.addSeparator()
        help_menu.addAction(self.tr("&About")).triggered.connect(self.open_about)

    def _set_signed_in_actions(self, signed_in: bool) -> None:
        self.sign_out_action.setEnabled(signed_in)
        self.sign_out_everywhere_action.setEnabled(signed_in)

    # -- start-up and profiles -------------------------------------------------------------

    def start(self) -> None:
        """Open the profile in the background (call after the window is shown)."""
        self.stack.setCurrentWidget(self.start_page)
        self.start_page.setText(self.tr("Starting\u2026"))
        name, open_profile = self._profile_name, self._open_profile

        def opening() -> Opened:
            opened = open_profile(name)
            # The signed-in view's modules, imported here off the GUI thread (classes
            # only, no widget), so that signing in does not stall the window for them.
            importlib.import_module("desktop_app.ui.signed_in_view")
            return opened

        worker.run(
            opening,
            on_result=self._on_opened,
            on_error=self._on_open_failed,
            name="open-profile",
        )

    def _on_opened(self, opened: Opened) -> None:
        from desktop_app.qt import bridge as qt_bridge  # imported by the worker already

        self._profile_name = opened.profile.name
        if self._settings is not None:
            self._settings.setValue("profile", opened.profile.name)
        current = qt_bridge.SessionBridge(
            opened.session, sign_in_timeout=self._sign_in_timeout, parent=self
        )
        current.stateChanged.connect(self._on_state_changed)
        current.signedIn.connect(self._on_signed_in)
        current.identityChanged.connect(self._on_identity_changed)
        current.signInUrl.connect(self.sign_in_screen.set_sign_in_url)
        current.signInFailed.connect(self._on_sign_in_failed)
        current.signedOut.connect(self._on_signed_out)
        current.browserSignOutFinished.connect(self._on_browser_signed_out)
        current.sessionEnded.connect(self._on_session_ended)
        self.bridge = current
        self.status.attach(current)
        self.sign_in_screen.set_environment(opened.profile.name, opened.profile.issuer)
        self.sign_in_screen.set_offers(
            sign_up=opened.profile.self_sign_up, password_reset=opened.profile.password_reset
        )
        self.setWindowTitle(f"{APP_TITLE} \u2014 {opened.profile.name}")
        if opened.has_stored:
            self.start_page.setText(self.tr("Restoring your session\u2026"))
            current.restore()
        else:
            self.sign_in_screen.show_idle()
            self.stack.setCurrentWidget(self.sign_in_screen)
        self.ready.emit()

    def _on_open_failed(self, exc: BaseException) -> None:
        self.sign_in_screen.set_environment(self._profile_name or "?", "")
        from desktop_app.qt import messages  # not before the first paint: start-up stays lean

        self.sign_in_screen.show_idle(messages.environment_unusable(exc))
        self.sign_in_screen.sign_in_button.setEnabled(False)
        self.stack.setCurrentWidget(self.sign_in_screen)
        self.ready.emit()

    def _on_profiles_changed(self) -> None:
        """The active profile may have been edited or removed: if nobody is signed in,
        reopen it so the sign-in screen uses what the file says now."""
        if self.signed_in_view is None and (
            self.bridge is None or self.stack.currentWidget() is self.sign_in_screen
        ):
            self.switch_profile(self._profile_name)

    def switch_profile(self, name: str | None) -> None:
        """Sign-in state belongs to a profile: drop this one's view, open ``name``."""
        if self.bridge is not None:
            self.bridge.shutdown()
            self.bridge.deleteLater()
            self.bridge = None
        self._drop_signed_in_view()
        self._profile_name = name
        self.start()

    # -- sign in / out ---------------------------------------------------------------------

    def _on_sign_in_requested(
        self,
        *,
        prompt_login: bool = False,
        entry: authorization.Entry = authorization.Entry.SIGN_IN,
    ) -> None:
        if self.bridge is not None:
            self.sign_in_screen.show_waiting()
            self.bridge.sign_in(prompt_login=prompt_login, entry=entry)

    def _on_cancel_requested(self) -> None:
        if self.bridge is not None:
            self.bridge.cancel_sign_in()

    def _on_sign_in_failed(self, kind: Any, message: str) -> None:
        from desktop_app.qt import messages  # imported by the bridge already

        self.sign_in_screen.show_failure(messages.sign_in_failure(kind, message))
        self.stack.setCurrentWidget(self.sign_in_screen)

    def _on_signed_in(self, identity: auth_session.Identity) -> None:
        assert self.bridge is not None
        self._drop_signed_in_view()
        from desktop_app.ui import signed_in_view  # imported by the opening worker

        view = signed_in_view.SignedInView(self.bridge)
        view.adminForbidden.connect(self._on_admin_forbidden)
        self.signed_in_view = view
        self.stack.addWidget(view)
        self.stack.setCurrentWidget(view)
        self._set_signed_in_actions(True)
        self.statusBar().showMessage(self.tr("Signed in as {0}").format(identity.username), 5000)
        self._bring_to_front()

    def _on_identity_changed(self, _identity: object) -> None:
        if self.signed_in_view is not None:
            self.signed_in_view.update_admin_visibility()

    def _on_admin_forbidden(self, reason: str) -> None:
        self.statusBar().showMessage(reason, 15000)

    def sign_out(self, *, everywhere: bool) -> None:
        if self.bridge is None:
            return
        self.sign_in_screen.show_busy(self.tr("Signing out\u2026"))
        self.stack.setCurrentWidget(self.sign_in_screen)
        self._drop_signed_in_view()
        self._set_signed_in_actions(False)
        self.bridge.sign_out(everywhere=everywhere)

    def _on_signed_out(self, problems: list[str]) -> None:
        from desktop_app.qt import messages  # imported by the bridge already

        self.statusBar().clearMessage()
        ending = self.bridge is not None and self.bridge.browser_sign_out_follows
        self.sign_in_screen.show_idle(messages.signed_out(problems, ending_browser_session=ending))
        self.stack.setCurrentWidget(self.sign_in_screen)

    def _on_browser_signed_out(self, problem: str) -> None:
        from desktop_app.qt import messages  # imported by the bridge already

        if self.stack.currentWidget() is self.sign_in_screen:
            self.sign_in_screen.update_message(messages.browser_signed_out(problem))

    def _on_session_ended(self, message: str) -> None:
        self.statusBar().clearMessage()
        self._drop_signed_in_view()
        self._set_signed_in_actions(False)
        self.sign_in_screen.show_idle(message)
        self.stack.setCurrentWidget(self.sign_in_screen)

    def _on_state_changed(self, state: object) -> None:
        from desktop_app.qt import bridge as qt_bridge

        if state is qt_bridge.State.SIGNED_OUT and self.stack.currentWidget() is self.start_page:
            self.sign_in_screen.show_idle()  # nothing to restore
            self.stack.setCurrentWidget(self.sign_in_screen)

    def _drop_signed_in_view(self) -> None:
        view, self.signed_in_view = self.signed_in_view, None
        if view is not None:
            self.stack.removeWidget(view)
            view.deleteLater()

    def _bring_to_front(self) -> None:
        if self.isMinimized():
            self.showNormal()
        self.raise_()
        self.activateWindow()

    # -- dialogs ---------------------------------------------------------------------------

    def open_environments(self) -> None:
        from desktop_app.ui import environments_dialog

        dialog = environments_dialog.EnvironmentsDialog(
            self._config_file(), current=self._profile_name, parent=self
        )
        dialog.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.profileChosen.connect(self.switch_profile)
        dialog.profilesChanged.connect(self._on_profiles_changed)
        dialog.open()

    def open_diagnostics(self) -> None:
        from desktop_app.ui import diagnostics_dialog

        profile = self.bridge.profile if self.bridge is not None else None
        store = self.bridge.session.store if self.bridge is not None else None
        dialog = diagnostics_dialog.DiagnosticsDialog(
            self._config_file(),
            profile=profile or self._profile_name,
            store=store,
            log_dir=self._log_dir,
            parent=self,
        )
        dialog.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def _config_file(self) -> Path:
        from desktop_app import config

        return self._config_path or config.resolve_path(None)

    def open_about(self) -> None:
        from desktop_app.ui import about_dialog

        dialog = about_dialog.AboutDialog(parent=self)
        dialog.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def open_log_folder(self) -> None:
        if self._log_dir is not None:
            QtGui.QDesktopServices.openUrl(QtCore.QUrl.fromLocalFile(str(self._log_dir)))

    # -- closing ---------------------------------------------------------------------------

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:
        if self._settings is not None:
            self._settings.setValue("window/geometry", self.saveGeometry())
            self._settings.sync()
        if self.bridge is not None:
            self.bridge.shutdown()
        super().closeEvent(event)
