"""The desktop app's real GUI, in-process and offscreen, as a person's machine runs it.

:class:`DesktopApp` is one run of the app: a :class:`~desktop_app.ui.main_window.MainWindow`
whose ``open_profile`` does what the composition root (``desktop_app.app.open_profile``)
does: the session's refresh token goes to the OS keyring through ``store.open_store``
(here the real Secret Service), and the browser is opened with ``webbrowser.open``, the
session's default, so ``$BROWSER`` decides which browser that is. Only the profile comes
from the stand-in's description instead of a TOML file.

:func:`sign_in` is a person signing in: they press "Sign in with your browser", the URL
reaches their Chromium through ``$BROWSER`` and the desk, they fill managed login, and
Chromium brings the code back to the app's loopback receiver. :func:`start_sign_in` and
:func:`finish_sign_in` are its two ends, for the sign-ins that start elsewhere ("Create an
account", "Forgot your password?") or pass other pages (MFA) in between.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import keyring.backends.SecretService
import shiboken6
from PySide6 import QtCore, QtWidgets
from pytestqt.qtbot import QtBot

from desktop_app import config
from desktop_app.auth import session, store
from desktop_app.qt import bridge as qt_bridge
from desktop_app.ui import main_window, signed_in_view
from desktop_app.ui.admin import users_panel
from tests.e2e.chromium import WAIT_MS, BrowserDesk, Person
from tests.support import start_link


class DesktopApp:
    """One app run over ``profile``; its window is shown (offscreen) and started."""

    def __init__(
        self, qtbot: QtBot, profile: config.Profile, screenshots: Path, state_dir: Path
    ) -> None:
        self.qtbot = qtbot
        self.profile = profile
        self._screenshots = screenshots
        self.stores: list[store.TokenStore] = []

        def open_profile(_name: str | None) -> main_window.Opened:
            # The backend keyring would choose on a Linux desktop, named because
            # keyring.get_keyring() is chosen once per process (other tests set it).
            token_store = store.open_store(
                profile.name, backend=keyring.backends.SecretService.Keyring()
            )
            self.stores.append(token_store)
            current = session.Session(profile, token_store=token_store)
            return main_window.Opened(profile, current, has_stored=current.has_stored_session())

        settings = QtCore.QSettings(
            str(state_dir / f"gui-{profile.name}.ini"), QtCore.QSettings.Format.IniFormat
        )
        self.window = main_window.MainWindow(open_profile, settings=settings)
        qtbot.addWidget(self.window)
        self.window.resize(1100, 720)
        self.window.show()
        with qtbot.waitSignal(self.window.ready, timeout=WAIT_MS):
            self.window.start()
        assert self.window.bridge is not None
        self.bridge: qt_bridge.SessionBridge = self.window.bridge
        [token_store] = self.stores
        # A memory store would pass every sign-in test and keep nothing: insist on the keyring.
        assert isinstance(token_store, store.KeyringStore), token_store
        assert token_store.secure

    def current(self) -> QtWidgets.QWidget | None:
        return self.window.stack.currentWidget()

    def message(self) -> str:
        return self.window.sign_in_screen.message.text()

    def signed_in_view(self) -> signed_in_view.SignedInView:
        view = self.window.signed_in_view
        assert view is not None, "the app is not signed in"
        assert self.current() is view
        return view

    def wait_until(self, condition: Callable[[], object], timeout_ms: int = WAIT_MS) -> None:
        """Process Qt events until ``condition()`` holds (pytest-qt fails after the timeout)."""
        self.qtbot.waitUntil(lambda: bool(condition()), timeout=timeout_ms)

    def call_api(self, fn: Callable[[Any], object]) -> object:
        """``fn(api)`` through the app's own ApiClient (in a worker); its result or error."""
        outcome: list[object] = []
        self.bridge.call_api(fn, outcome.append, outcome.append, name="e2e-call")
        self.wait_until(lambda: outcome)
        return outcome[0]

    def screenshot(self, name: str, widget: QtWidgets.QWidget | None = None) -> Path:
        """Save what the window (or ``widget``) shows now."""
        path = self._screenshots / f"{name}.png"
        QtWidgets.QApplication.processEvents()
        assert (widget or self.window).grab().save(str(path)), f"could not write {path}"
        return path

    def close(self) -> None:
        """Quit this run (the window closes; the bridge shuts down and lets the keyring go).
        Idempotent: pytest-qt also closes (and deletes) the window at teardown."""
        if not shiboken6.isValid(self.window):
            return
        self.window.close()
        QtCore.QCoreApplication.sendPostedEvents(None, QtCore.QEvent.Type.DeferredDelete)


@dataclasses.dataclass
class BrowserSignIn:
    """A sign-in the app has started and handed to a person's Chromium: what the bridge
    has said about it so far (``signedIn`` payloads, ``signInFailed`` kinds and texts)."""

    app: DesktopApp
    person: Person
    signed_in: list[object] = dataclasses.field(default_factory=list)
    failed: list[tuple[object, str]] = dataclasses.field(default_factory=list)


def start_sign_in(
    app: DesktopApp,
    person: Person,
    desk: BrowserDesk,
    button: QtWidgets.QAbstractButton | None = None,
    *,
    shots: str | None = None,
) -> BrowserSignIn:
    """The person presses ``button`` on the sign-in screen ("Sign in with your browser"
    unless given: "Create an account", "Forgot your password?"...); the URL the app
    opened reaches their Chromium, which now shows managed login's first page."""
    started = BrowserSignIn(app, person)
    app.bridge.signedIn.connect(started.signed_in.append)
    app.bridge.signInFailed.connect(lambda kind, text: started.failed.append((kind, text)))
    launched = len(desk.opened)
    (button or app.window.sign_in_screen.sign_in_button).click()
    app.wait_until(lambda: len(desk.opened) > launched or started.failed)
    assert not started.failed, f"the sign-in failed before the browser opened: {started.failed}"
    url = desk.take()
    assert url is not None
    # The one-time loopback link, never the authorize URL (a command line is public).
    assert start_link.is_start_link(url) and "state=" not in url, url
    if shots:
        app.screenshot(f"{shots}-app-waiting")
    person.open(url)
    return started


def finish_sign_in(started: BrowserSignIn, *, shots: str | None = None) -> str:
    """Chromium follows managed login's redirect to the app, which ends signed in; the
    loopback URL Chromium landed on."""
    app, person = started.app, started.person
    landed = person.wait_for_app(list(app.profile.redirect_uris))
    if shots:
        person.screenshot(f"{shots}-browser-done")
    app.wait_until(lambda: started.signed_in or started.failed)
    assert not started.failed, f"the sign-in failed: {started.failed}"
    app.wait_until(lambda: app.window.signed_in_view is not None)
    # The keyring write follows the signed-in screen by a moment (bridge.STORE_AFTER_MS).
    app.wait_until(lambda: not app.bridge.storing)
    if shots:
        app.screenshot(f"{shots}-app-signed-in")
    return landed


def sign_in(
    app: DesktopApp,
    person: Person,
    desk: BrowserDesk,
    username: str,
    password: str,
    *,
    new_password: str | None = None,
    shots: str | None = None,
) -> str:
    """``person`` signs ``app`` in through Chromium; the loopback URL Chromium landed on.

    ``new_password``: managed login asks for one (a first sign-in with a temporary
    password). ``shots``: prefix for the screenshots of each step.
    """
    started = start_sign_in(app, person, desk, shots=shots)
    if shots:
        person.screenshot(f"{shots}-browser-sign-in")
    person.sign_in(username, password)
    if new_password is not None:
        person.choose_new_password(
            new_password, screenshot=f"{shots}-browser-new-password" if shots else None
        )
    return finish_sign_in(started, shots=shots)


def users_tab(app: DesktopApp) -> users_panel.UsersPanel:
    """Open the Admin section's Users tab and wait for its first page."""
    view = app.signed_in_view()
    assert view.admin_visible()
    view.nav.setCurrentRow(2)
    panel = view.admin.users
    app.wait_until(lambda: not panel.model.is_loading and panel.model.count > 0)
    app.wait_until(lambda: view.admin.groups_model.rowCount() > 0)  # the dialog's choices
    return panel
