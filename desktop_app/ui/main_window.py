"""The main window: start-up, the sign-in screen, and then the signed-in view
(:mod:`desktop_app.ui.signed_in_view`).

Start-up paints at once: the auth core (requests, Authlib, PyJWT, keyring) is
loaded and the profile opened in a worker after the first paint, through the
``open_profile`` function the composition root (``desktop_app.app``) injects.
From then on everything goes through one :class:`~desktop_app.qt.bridge.SessionBridge`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6 import QtCore, QtGui, QtWidgets

from desktop_app import APP_TITLE
from desktop_app.qt import worker
from desktop_app.ui import session_status, view_ahead

# Imported where used, after the first paint: the sign-in screen, the config watch and
# the authorization request's entry points are not needed to paint "Starting...".
if TYPE_CHECKING:
    from desktop_app import config
    from desktop_app.auth import authorization
    from desktop_app.auth import session as auth_session
    from desktop_app.qt import bridge as qt_bridge
    from desktop_app.ui import config_watch, signed_in_view, signin_screen


START_AT_THE_LATEST_MS = 1000  # start_after_first_paint: if no paint comes before


@dataclasses.dataclass(frozen=True)
class Opened:
    """What ``open_profile`` returns: a ready session and whether one is stored."""

    profile: config.Profile
    session: auth_session.Session
    has_stored: bool


OpenProfile = Callable[[str | None], Opened]

#: The first run's window (no saved geometry): room for the navigation and every column
#: of the admin users table. A smaller screen gets what it has, less the frame.
DEFAULT_SIZE = QtCore.QSize(1280, 800)
#: Below this the sign-in screen and the panels' toolbars start to be cut.
MINIMUM_SIZE = QtCore.QSize(720, 480)
#: Room left for the window manager's frame (title bar, borders) around the contents.
FRAME_ALLOWANCE = QtCore.QSize(16, 48)


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
        # Built once the first profile is open (it reads the disk): see _watch_config.
        self.config_watch: config_watch.ConfigWatch | None = None
        self._opening = False
        self._recheck = False  # the file changed while a profile was being opened
        self._pending_sign_in: tuple[bool, authorization.Entry] | None = None
        self._notice: tuple[str, bool] | None = None  # (sentence, on the sign-in screen)
        self._told: object = None  # the fingerprint whose "applies later" was said
        self.setWindowTitle(APP_TITLE)
        geometry = settings.value("window/geometry") if settings is not None else None
        if not (geometry and self.restoreGeometry(geometry)):
            self._default_geometry()

        # Before the first paint only what it shows is built: the sign-in screen is
        # built when first used.
        self.start_label = QtWidgets.QLabel(self.tr("Starting\u2026"))
        self.start_label.setAccessibleName(self.tr("Status"))
        self.start_page = QtWidgets.QWidget()
        row = QtWidgets.QHBoxLayout(self.start_page)  # centred by stretches; a label
        row.addStretch(1)  # is centred vertically by default
        row.addWidget(self.start_label)
        row.addStretch(1)
        self._sign_in_screen: signin_screen.SignInScreen | None = None
        self._after_paint: list[Callable[[], object]] = []
        self._started_after_paint = False
        self.stack = QtWidgets.QStackedWidget()
        self.stack.addWidget(self.start_page)
        self.setCentralWidget(self.stack)
        self._ahead = view_ahead.ViewAhead(self.stack, self)

        self.status = session_status.SessionStatus()
        self.statusBar().addPermanentWidget(self.status)
        self._build_menus()
        self._set_signed_in_actions(False)

    def start_after_first_paint(self, *also: Callable[[], object]) -> None:
        """:meth:`start` (and ``also``) once the window has first painted: loading the
        profile on a worker competes with painting for the interpreter, and the first
        paint is what the person waits for. A window that does not paint (started
        minimized, on a hidden screen) starts after :data:`START_AT_THE_LATEST_MS`."""
        self._after_paint = list(also)
        self.installEventFilter(self)
        QtCore.QTimer.singleShot(START_AT_THE_LATEST_MS, self._run_after_paint)

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if watched is self and event.type() == QtCore.QEvent.Type.Paint:
            QtCore.QTimer.singleShot(0, self._run_after_paint)
        return False

    def _run_after_paint(self) -> None:
        if self._started_after_paint:  # the paint and the fallback: whichever came first
            return
        self._started_after_paint = True
        self.removeEventFilter(self)
        steps, self._after_paint = self._after_paint, []
        for step in steps:
            step()
        self.start()

    @property
    def sign_in_screen(self) -> signin_screen.SignInScreen:
        """The sign-in screen, built the first time it is needed (after the first paint)."""
        if self._sign_in_screen is None:
            from desktop_app.auth import authorization
            from desktop_app.ui import signin_screen

            screen = signin_screen.SignInScreen()
            screen.signInRequested.connect(self._on_sign_in_requested)
            screen.differentAccountRequested.connect(
                lambda: self._on_sign_in_requested(prompt_login=True)
            )
            screen.signUpRequested.connect(
                lambda: self._on_sign_in_requested(entry=authorization.Entry.SIGN_UP)
            )
            screen.forgotPasswordRequested.connect(
                lambda: self._on_sign_in_requested(entry=authorization.Entry.FORGOT_PASSWORD)
            )
            screen.cancelRequested.connect(self._on_cancel_requested)
            screen.environmentsRequested.connect(self.open_environments)
            self.stack.addWidget(screen)
            self._sign_in_screen = screen
        return self._sign_in_screen

    def _default_geometry(self) -> None:
        """:data:`DEFAULT_SIZE`, bounded by the screen's free area, centred on it."""
        available = self.screen().availableGeometry()
        room = QtCore.QSize(
            available.width() - FRAME_ALLOWANCE.width(),
            available.height() - FRAME_ALLOWANCE.height(),
        )
        size = DEFAULT_SIZE.boundedTo(room)
        self.setMinimumSize(MINIMUM_SIZE.boundedTo(room))
        self.resize(size)
        self.move(
            available.x() + (available.width() - size.width()) // 2,
            available.y() + (available.height() - size.height()) // 2,
        )

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
        self.quit_action = account.addAction(self.tr("&Quit"))
        self.quit_action.triggered.connect(self.close)
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
        # Here, not in _build_menus: the first shortcut makes PySide6 create all of the
        # Qt namespace's enums (~100, tens of ms), which the first paint need not wait for.
        self.quit_action.setShortcut(QtGui.QKeySequence.StandardKey.Quit)
        self.stack.setCurrentWidget(self.start_page)
        self.start_label.setText(self.tr("Starting\u2026"))
        name, open_profile, path = self._profile_name, self._open_profile, self._config_path
        self._opening = True

        from desktop_app.ui import config_watch

        def opening() -> tuple[Opened, config_watch.Fingerprint | None]:
            # Before the profile is read: a write in between is then seen as a change.
            found = config_watch.fingerprint(path) if path is not None else None
            return open_profile(name), found

        worker.run(
            opening,
            on_result=self._on_profile_opened,
            on_error=self._on_open_failed,
            name="open-profile",
        )

    def _on_profile_opened(self, result: tuple[Opened, config_watch.Fingerprint | None]) -> None:
        opened, found = result
        self._watch_config(found)
        self._on_opened(opened)

    def _on_opened(self, opened: Opened) -> None:
        from desktop_app.qt import bridge as qt_bridge  # imported by the worker already

        self._opening = False
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
        current.sessionNotStored.connect(self._on_session_not_stored)
        self.bridge = current
        self.status.attach(current)
        self.sign_in_screen.set_environment(opened.profile.name, opened.profile.issuer)
        self.sign_in_screen.set_offers(
            sign_up=opened.profile.self_sign_up, password_reset=opened.profile.password_reset
        )
        self.setWindowTitle(f"{APP_TITLE} \u2014 {opened.profile.name}")
        notice, self._notice = self._notice, None
        if opened.has_stored:
            self.start_label.setText(self.tr("Restoring your session\u2026"))
            current.restore()
        else:
            self.sign_in_screen.show_idle(notice[0] if notice and notice[1] else "")
            self.stack.setCurrentWidget(self.sign_in_screen)
        if notice is not None:
            self.statusBar().showMessage(notice[0], 15000)
        self._ahead.prepare(current)  # while restoring, or before the person signs in
        self.ready.emit()
        if opened.has_stored:
            self._pending_sign_in = None  # restoring instead
        elif self._pending_sign_in is not None:
            self.sign_in_screen.show_waiting()
        if self._recheck:
            self._recheck = False
            self._check_config()
        else:
            self._continue_sign_in()

    def _on_open_failed(self, exc: BaseException) -> None:
        self._opening = False
        self._pending_sign_in = None
        self._watch_config(None)
        self.sign_in_screen.set_environment(self._profile_name or "?", "")
        from desktop_app.qt import messages  # not before the first paint: start-up stays lean

        self.sign_in_screen.show_idle(messages.environment_unusable(exc), error=True)
        self.sign_in_screen.sign_in_button.setEnabled(False)
        self.stack.setCurrentWidget(self.sign_in_screen)
        self.ready.emit()
        if self._recheck:
            self._recheck = False
            self._check_config()

    def _on_profiles_changed(self) -> None:
        """The active profile may have been edited or removed: if nobody is signed in,
        reopen it so the sign-in screen uses what the file says now."""
        if self.signed_in_view is None and (
            self.bridge is None or self.stack.currentWidget() is self.sign_in_screen
        ):
            self.switch_profile(self._profile_name)

    # -- the config file changing on disk --------------------------------------------------

    def _watch_config(self, found: config_watch.Fingerprint | None) -> None:
        if self._config_path is None:
            return
        from desktop_app.ui import config_watch

        if self.config_watch is None:
            self.config_watch = config_watch.ConfigWatch(
                self._config_path, lambda: self._profile_name or self._default_name(), self
            )
            self.config_watch.changed.connect(self._on_config_changed)
            self.config_watch.unchanged.connect(self._continue_sign_in)
        self.config_watch.opened(found)

    @staticmethod
    def _default_name() -> str:
        from desktop_app import config

        return config.DEFAULT_PROFILE

    def _check_config(self) -> None:
        if self.config_watch is not None:
            self.config_watch.check()

    def _on_config_changed(self, reading: config_watch.Reading) -> None:
        """Reopen the profile if the file now reads differently (see the module
        docstring of :mod:`desktop_app.ui.config_watch`)."""
        from desktop_app import config
        from desktop_app.qt import bridge as qt_bridge
        from desktop_app.ui import config_watch

        if self._opening:  # that open may have read the file before this change
            self._recheck = True
            return
        bridge, new = self.bridge, reading.profile
        if new is None:  # the file is broken now: keep what was loaded
            self.statusBar().showMessage(config_watch.unusable(reading.error or "?"), 15000)
            self._continue_sign_in()
            return
        if bridge is None:  # the last open failed: the file may be fixed now
            self._reopen(config_watch.reloaded(new.name), on_screen=False)
            return
        changed = config.changed_fields(bridge.profile, new)
        if not changed:  # another profile, or only formatting, changed
            assert self.config_watch is not None
            self.config_watch.opened(reading.fingerprint)
            self._continue_sign_in()
            return
        state = bridge.state
        if self.signed_in_view is None and state is qt_bridge.State.SIGNED_OUT:
            self._reopen(config_watch.reloaded(new.name), on_screen=False)
        elif state is qt_bridge.State.SIGNING_OUT:
            pass  # the next sign-in reads the file again
        elif config.ends_session(changed):
            self._end_stale_session(new.name, signing_in=state is qt_bridge.State.SIGNING_IN)
        elif self._told != reading.fingerprint:
            self._told = reading.fingerprint
            self.statusBar().showMessage(config_watch.applies_later(new.name), 15000)

    def _reopen(self, notice: str, *, on_screen: bool) -> None:
        pending = self._pending_sign_in
        self.switch_profile(self._profile_name)
        self._notice = (notice, on_screen)
        self._pending_sign_in = pending  # goes on with the new settings once open

    def _end_stale_session(self, name: str, *, signing_in: bool) -> None:
        """The session (or sign-in) belongs to the old pool or app client: end it on
        this computer (the old pool may be gone: nothing to revoke it at) and reopen."""
        from desktop_app.ui import config_watch

        assert self.bridge is not None
        if signing_in:
            self._reopen(config_watch.signed_out(name), on_screen=True)
            return
        self._notice = (config_watch.signed_out(name), True)
        self._opening = True
        self._drop_signed_in_view()
        self._set_signed_in_actions(False)
        self.start_label.setText(self.tr("Reloading the environment\u2026"))
        self.stack.setCurrentWidget(self.start_page)
        worker.run(
            self.bridge.session.store.delete,
            on_result=self._on_stale_session_forgotten,
            on_error=self._on_stale_session_forgotten,
            name="forget-session",
        )

    def _on_stale_session_forgotten(self, _result: object) -> None:
        notice = self._notice
        self.switch_profile(self._profile_name)
        self._notice = notice

    def switch_profile(self, name: str | None) -> None:
        """Sign-in state belongs to a profile: drop this one's view, open ``name``."""
        if self.bridge is not None:
            self.bridge.shutdown()
            self.bridge.deleteLater()
            self.bridge = None
        self._drop_signed_in_view()
        self._set_signed_in_actions(False)
        self._profile_name = name
        self._pending_sign_in = None
        self._notice = None
        self.start()

    # -- sign in / out ---------------------------------------------------------------------

    def _on_sign_in_requested(
        self,
        *,
        prompt_login: bool = False,
        entry: authorization.Entry | None = None,  # None: sign in
    ) -> None:
        if self.bridge is None:
            return
        if entry is None:
            from desktop_app.auth import authorization

            entry = authorization.Entry.SIGN_IN
        self.sign_in_screen.show_waiting()
        self._ahead.prepare(self.bridge)  # again after a sign-out dropped it
        self._pending_sign_in = (prompt_login, entry)
        if self.config_watch is None:
            self._continue_sign_in()
        else:
            # Read the file first (a worker; cheap): a missed change notification must
            # not send the browser off with a stale client id.
            self._check_config()

    def _continue_sign_in(self) -> None:
        pending, self._pending_sign_in = self._pending_sign_in, None
        if pending is not None and self.bridge is not None:
            self.bridge.sign_in(prompt_login=pending[0], entry=pending[1])

    def _on_cancel_requested(self) -> None:
        if self._pending_sign_in is not None:  # still reading the config file
            self._pending_sign_in = None
            self.sign_in_screen.show_idle()
            return
        if self.bridge is not None:
            self.bridge.cancel_sign_in()

    def _on_sign_in_failed(self, kind: Any, message: str) -> None:
        from desktop_app.qt import messages  # imported by the bridge already

        self.sign_in_screen.show_failure(messages.sign_in_failure(kind, message))
        self.stack.setCurrentWidget(self.sign_in_screen)

    def _on_signed_in(self, identity: auth_session.Identity) -> None:
        assert self.bridge is not None
        old = self.signed_in_view
        # Built ahead while the person was in the browser (or the session restored): it
        # fills itself from this same signal, so the next paint shows it signed in.
        view = self._ahead.take(self.bridge)
        if old is not None and old is not view:
            self.stack.removeWidget(old)
            old.deleteLater()
        view.update_admin_visibility()
        view.adminForbidden.connect(self._on_admin_forbidden)
        self.signed_in_view = view
        self.stack.setCurrentWidget(view)
        self._set_signed_in_actions(True)
        self.statusBar().showMessage(self.tr("Signed in as {0}").format(identity.username), 5000)
        self._bring_to_front()

    def _on_identity_changed(self, _identity: object) -> None:
        if self.signed_in_view is not None:
            self.signed_in_view.update_admin_visibility()

    def _on_session_not_stored(self, message: str) -> None:
        # Stays until the next message: the person should see it before they quit.
        self.statusBar().showMessage(message)
        if self.signed_in_view is not None:
            self.signed_in_view.show_storage_problem()

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
        self._ahead.drop()
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
