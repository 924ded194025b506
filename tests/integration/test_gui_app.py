"""The desktop app's main window against cognito-local and the protected API.

Everything real except the person at the browser (``tests.support.person``): the
stand-in and the API over HTTP on loopback, the app's own loopback receiver, and
(where the keyring matters) a real Secret Service. Each screen is saved as a PNG
under ``$COGNITO_DESKTOP_ARTIFACTS`` (default ``tests/artifacts``) on every run.
"""

from __future__ import annotations

import dataclasses
import os
import socket
import threading
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

import keyring.backends.SecretService
import pytest
import requests
from PySide6 import QtCore, QtWidgets
from pytestqt.qtbot import QtBot

from desktop_app import config, errors
from desktop_app.auth import session, store
from desktop_app.qt import bridge as qt_bridge
from desktop_app.qt import messages
from desktop_app.ui import main_window, signed_in_view
from local_cognito import server
from protected_api import server as api_server
from tests.support import app_env, loopback_probe
from tests.support.person import Person

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("COGNITO_DESKTOP_ARTIFACTS", ROOT / "tests" / "artifacts"))
SIGN_IN_MS = 20_000


def screenshot(widget: QtWidgets.QWidget, name: str) -> Path:
    """Save what ``widget`` shows now (the README's screenshots come from these)."""
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    QtWidgets.QApplication.processEvents()
    assert widget.grab().save(str(path)), f"could not write {path}"
    return path


class App:
    """One app run: a window over a profile for the stand-in, a store, a person."""

    def __init__(
        self,
        qtbot: QtBot,
        stand_in: server.LocalCognito,
        api: api_server.ApiServer | None,
        person: Person,
        token_store: store.TokenStore,
        tmp_path: Path,
        sign_in_timeout: float = session.SIGN_IN_TIMEOUT_S,
        default_size: bool = False,
        **profile_changes: Any,
    ) -> None:
        self.profile = dataclasses.replace(
            app_env.profile(stand_in, api.url if api is not None else None), **profile_changes
        )
        self.person = person
        self.store = token_store
        self.sessions: list[session.Session] = []

        def open_profile(name: str | None) -> main_window.Opened:
            current = session.Session(
                self.profile, token_store=token_store, open_browser=person.open
            )
            self.sessions.append(current)
            return main_window.Opened(
                self.profile, current, has_stored=current.has_stored_session()
            )

        settings = QtCore.QSettings(str(tmp_path / "gui.ini"), QtCore.QSettings.Format.IniFormat)
        self.window = main_window.MainWindow(
            open_profile, settings=settings, sign_in_timeout=sign_in_timeout
        )
        qtbot.addWidget(self.window)
        self.qtbot = qtbot
        if not default_size:  # else: the first run's size (no saved geometry)
            self.window.resize(1000, 680)
        self.window.show()
        with qtbot.waitSignal(self.window.ready, timeout=10_000):
            self.window.start()
        assert self.window.bridge is not None
        self.bridge: qt_bridge.SessionBridge = self.window.bridge

    def current(self) -> QtWidgets.QWidget:
        return self.window.stack.currentWidget()

    def sign_in(self) -> None:
        with self.qtbot.waitSignal(self.bridge.signedIn, timeout=SIGN_IN_MS):
            self.window.sign_in_screen.sign_in_button.click()
        assert self.person.settle() == []

    def view(self) -> signed_in_view.SignedInView:
        """The signed-in view the window shows now."""
        view = self.window.signed_in_view
        assert view is not None
        return view

    def message(self) -> str:
        return self.window.sign_in_screen.message.text()


@pytest.fixture
def make_app(qtbot: QtBot, stand_in: server.LocalCognito, tmp_path: Path) -> Callable[..., App]:
    def make(
        person: Person | None = None,
        token_store: store.TokenStore | None = None,
        api: api_server.ApiServer | None = None,
        **kwargs: Any,
    ) -> App:
        return App(
            qtbot,
            stand_in,
            api,
            person or Person(stand_in.url),
            token_store or store.MemoryStore(warning=None),
            tmp_path,
            **kwargs,
        )

    return make


def test_admin_signs_in_and_sees_the_admin_section(
    make_app: Callable[..., App], stand_in: server.LocalCognito, api: api_server.ApiServer
) -> None:
    app = make_app(Person(stand_in.url, "admin", "Admin-Passw0rd!"), api=api)
    assert app.current() is app.window.sign_in_screen
    assert "local" in app.window.sign_in_screen.environment.text()
    screenshot(app.window, "01-sign-in")
    app.sign_in()
    view = app.view()
    assert app.current() is view
    assert view.admin_visible()
    assert "admin" in app.window.status.user.text()
    assert "Admin" in app.window.status.groups.text()
    assert "access token valid" in app.window.status.state.text()
    screenshot(app.window, "03-profile")
    view.nav.setCurrentRow(1)
    app.qtbot.waitUntil(lambda: view.data.model.rowCount() > 0, timeout=10_000)
    screenshot(app.window, "04-data")
    view.nav.setCurrentRow(2)
    app.qtbot.waitUntil(lambda: view.admin.groups_model.rowCount() > 0, timeout=10_000)
    screenshot(app.window, "05-admin")


def test_a_plain_user_has_no_admin_section(
    make_app: Callable[..., App], api: api_server.ApiServer
) -> None:
    app = make_app(api=api)
    app.sign_in()
    view = app.view()
    assert not view.admin_visible()
    assert app.window.status.groups.text() == ""


def test_waiting_screen_then_cancel(
    make_app: Callable[..., App], stand_in: server.LocalCognito, qtbot: QtBot
) -> None:
    person = Person(stand_in.url, behaviour="ignore")
    app = make_app(person)
    screen = app.window.sign_in_screen
    with qtbot.waitSignal(app.bridge.signInUrl, timeout=5_000):
        screen.sign_in_button.click()
    assert screen.cancel_button.isVisible()
    assert screen.copy_link_button.isEnabled()
    assert "Waiting for you to finish in the browser" in app.message()
    screenshot(app.window, "02-waiting")
    screen.copy_link_button.click()
    assert QtWidgets.QApplication.clipboard().text() == person.opened[0]
    with qtbot.waitSignal(app.bridge.signInFailed, timeout=5_000):
        screen.cancel_button.click()
    assert app.message() == "Sign-in was cancelled."
    assert screen.sign_in_button.text() == "Try again"
    assert screen.sign_in_button.isEnabled()


class BlockingLauncher(Person):
    """``BROWSER=firefox``: ``webbrowser.open`` returns only when the browser exits; the
    person finishes signing in after that (too late, if they pressed Cancel)."""

    def __init__(self, base_url: str) -> None:
        super().__init__(base_url)
        self.release = threading.Event()
        self.browsed: list[str] = []

    def open(self, url: str) -> bool:
        self.release.wait(30)
        try:
            return super().open(url)
        except requests.RequestException as exc:  # the app closed its port meanwhile
            self.browsed.append(type(exc).__name__)
            return True


def test_a_launcher_that_blocks_leaves_copy_link_and_cancel_working(
    make_app: Callable[..., App], stand_in: server.LocalCognito, qtbot: QtBot
) -> None:
    person = BlockingLauncher(stand_in.url)
    app = make_app(person)
    screen = app.window.sign_in_screen
    with qtbot.waitSignal(app.bridge.signInUrl, timeout=5_000):  # not held up by the launcher
        screen.sign_in_button.click()
    assert screen.copy_link_button.isEnabled()
    screen.copy_link_button.click()
    assert "/oauth2/authorize?" in QtWidgets.QApplication.clipboard().text()
    with qtbot.waitSignal(app.bridge.signInFailed, timeout=5_000):
        screen.cancel_button.click()
    assert app.message() == "Sign-in was cancelled."
    signed_in: list[object] = []
    app.bridge.signedIn.connect(signed_in.append)
    person.release.set()  # the browser exits; the person's browser reaches the app late
    qtbot.waitUntil(lambda: bool(person.browsed), timeout=5_000)
    qtbot.wait(200)
    assert person.browsed == ["ConnectionError"] and signed_in == []
    assert app.bridge.state is qt_bridge.State.SIGNED_OUT
    assert app.message() == "Sign-in was cancelled."


def test_timeout_and_access_denied_are_told_in_plain_words(
    make_app: Callable[..., App], stand_in: server.LocalCognito, qtbot: QtBot
) -> None:
    person = Person(stand_in.url, behaviour="ignore")
    app = make_app(person, sign_in_timeout=1.0)
    with qtbot.waitSignal(app.bridge.signInFailed, timeout=10_000):
        app.window.sign_in_screen.sign_in_button.click()
    assert app.message().startswith("Sign-in timed out")
    person.behaviour = "deny"
    with qtbot.waitSignal(app.bridge.signInFailed, timeout=10_000):
        app.window.sign_in_screen.sign_in_button.click()
    assert app.message().startswith("Sign-in was refused: access_denied")
    assert app.message().count("refused") == 1  # said once, not "declined: ... refused"

    assert "The person declined" in app.message()
    screenshot(app.window, "11-declined")


def test_restart_restores_the_session_without_a_browser(
    make_app: Callable[..., App], stand_in: server.LocalCognito, api: api_server.ApiServer
) -> None:
    kept = store.MemoryStore(warning=None)
    first = make_app(token_store=kept, api=api)
    first.sign_in()
    first.window.close()
    person = Person(stand_in.url)
    second = make_app(person, token_store=kept, api=api)
    second.qtbot.waitUntil(lambda: second.window.signed_in_view is not None, timeout=10_000)
    assert person.opened == []
    assert second.bridge.identity is not None
    assert second.bridge.identity.username == "alice"


def test_a_stored_session_dropped_at_start_up_says_why(
    make_app: Callable[..., App], stand_in: server.LocalCognito, idp: Any
) -> None:
    kept = store.MemoryStore(warning=None)
    first = make_app(token_store=kept)
    first.sign_in()
    first.window.close()
    idp.admin_disable_user(UserPoolId=stand_in.pool.id, Username="alice")
    person = Person(stand_in.url)
    second = make_app(person, token_store=kept)
    screen = second.window.sign_in_screen
    second.qtbot.waitUntil(lambda: second.current() is screen and bool(second.message()))
    assert second.message() == (
        "Your saved sign-in is no longer accepted (signed out everywhere, expired, or the "
        "account was disabled); please sign in again"
    )
    assert screen.sign_in_button.text() == "Sign in with your browser"
    assert person.opened == [] and kept.load() is None


def test_use_a_different_account_signs_in_with_prompt_login(
    make_app: Callable[..., App], stand_in: server.LocalCognito, qtbot: QtBot
) -> None:
    person = Person(stand_in.url)
    app = make_app(person)
    screen = app.window.sign_in_screen
    assert screen.different_account_button.isVisible()
    with qtbot.waitSignal(app.bridge.signedIn, timeout=SIGN_IN_MS):
        screen.different_account_button.click()
    assert person.settle() == []
    sent = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(person.opened[0]).query))
    assert sent["prompt"] == "login"
    assert "prompt" not in person.launched[0]  # the browser got the one-time start link


@pytest.mark.parametrize(
    ("offers", "link", "path"),
    [
        ({"self_sign_up": True, "password_reset": False}, "sign_up_button", "/signup"),
        (
            {"self_sign_up": False, "password_reset": True},
            "forgot_password_button",
            "/forgotPassword",
        ),
    ],
    ids=["create an account", "forgot your password"],
)
def test_the_account_links_follow_the_profile_and_start_the_same_sign_in(
    make_app: Callable[..., App],
    stand_in: server.LocalCognito,
    qtbot: QtBot,
    offers: dict[str, bool],
    link: str,
    path: str,
) -> None:
    person = Person(stand_in.url, behaviour="ignore")
    app = make_app(person, **offers)
    screen = app.window.sign_in_screen
    for name in ("sign_up_button", "forgot_password_button"):
        assert getattr(screen, name).isVisible() is (name == link), name
    with qtbot.waitSignal(app.bridge.signInUrl, timeout=5_000):
        getattr(screen, link).click()
    assert person.launched and "/start/" in person.launched[0]  # the one-time start link
    parts = urllib.parse.urlsplit(person.opened[0])
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == stand_in.url + path
    sent = dict(urllib.parse.parse_qsl(parts.query))
    assert sent["code_challenge_method"] == "S256" and sent["code_challenge"]
    assert sent["state"] and sent["nonce"] and sent["client_id"] == app.profile.client_id
    assert not screen.sign_up_button.isVisible()  # waiting: only Copy link and Cancel
    with qtbot.waitSignal(app.bridge.signInFailed, timeout=5_000):
        screen.cancel_button.click()


def test_a_failed_refresh_returns_to_sign_in_with_one_message(
    make_app: Callable[..., App], stand_in: server.LocalCognito, idp: Any, qtbot: QtBot
) -> None:
    app = make_app()
    app.sign_in()
    idp.admin_user_global_sign_out(UserPoolId=stand_in.pool.id, Username="alice")
    ended: list[str] = []
    app.bridge.sessionEnded.connect(ended.append)
    with qtbot.waitSignal(app.bridge.sessionEnded, timeout=10_000):
        app.bridge.refresh_now()
    qtbot.wait(100)
    assert ended == [messages.SESSION_ENDED]
    assert app.current() is app.window.sign_in_screen
    assert app.message() == messages.SESSION_ENDED
    assert app.window.signed_in_view is None
    assert app.store.load() is None
    assert QtWidgets.QApplication.activeModalWidget() is None  # no error dialog
    screenshot(app.window, "12-session-ended")


def test_sign_out_removes_the_keyring_entry(
    make_app: Callable[..., App],
    secret_service: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    qtbot: QtBot,
    request: pytest.FixtureRequest,
) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", secret_service["DBUS_SESSION_BUS_ADDRESS"])
    monkeypatch.delenv("DISPLAY", raising=False)
    kept = store.open_store(
        "gui-sign-out",
        service="cognito-desktop-gui-test",
        backend=keyring.backends.SecretService.Keyring(),
    )
    assert isinstance(kept, store.KeyringStore)
    assert kept.secure
    request.addfinalizer(kept.close)
    app = make_app(token_store=kept)
    app.sign_in()
    # Read back through keyring's own backend, not our store.
    theirs = keyring.backends.SecretService.Keyring()
    # The keyring write finishes behind the signed-in screen.
    qtbot.waitUntil(
        lambda: bool(theirs.get_password("cognito-desktop-gui-test", "profile:gui-sign-out")),
        timeout=10_000,
    )
    with qtbot.waitSignal(app.bridge.signedOut, timeout=10_000):
        app.window.sign_out_action.trigger()
    assert theirs.get_password("cognito-desktop-gui-test", "profile:gui-sign-out") is None
    assert app.message() == (
        "You are signed out.\nEnding the browser's sign-in session too (a browser tab opens)\u2026"
    )
    assert not app.window.sign_out_action.isEnabled()
    # The browser comes back to the sign-out URI: managed login's session ended too.
    with qtbot.waitSignal(app.bridge.browserSignOutFinished, timeout=10_000) as finished:
        pass
    assert finished.args == [""]
    assert app.message() == "You are signed out, in the app and in the browser."
    assert app.person.opened[-1].startswith(app.profile.domain + "/logout?")


class _BrokenKeyring(store.MemoryStore):
    """An OS keyring whose writes fail (locked, or its service died after start-up)."""

    def __init__(self) -> None:
        super().__init__(warning=None)
        self.backend_name, self.secure = "SecretService Keyring", True

    def save(self, session: store.StoredSession) -> None:
        raise errors.KeyringError("the OS keyring did not answer")


def test_signed_in_shows_before_the_keyring_write_and_a_failed_write_is_said(
    make_app: Callable[..., App], qtbot: QtBot
) -> None:
    app = make_app(token_store=_BrokenKeyring())
    with qtbot.waitSignal(app.bridge.sessionNotStored, timeout=SIGN_IN_MS):
        app.window.sign_in_screen.sign_in_button.click()
    # Signed in all the same (this run), and both the status bar and Profile say it.
    assert app.current() is app.view()
    said = app.window.statusBar().currentMessage()
    assert said.startswith("Signed in, but this session could not be saved")
    assert said.endswith("The OS keyring did not answer")
    storage = app.view().profile.fields["storage"].text()
    assert storage.startswith("Not saved (the OS keyring did not answer)")
    assert app.bridge.session.access_token()


def test_the_gui_thread_does_no_network_io(
    make_app: Callable[..., App],
    api: api_server.ApiServer,
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Through sign-in, a refresh, the Data panel and API calls, every socket the app
    opens, writes or reads is on a worker thread, never the GUI thread. (How long the
    GUI thread stalls is measured in bench/admin_table.py, not timed here: the stand-in
    and the API share this process and its GIL, so a time limit would measure them.)"""
    gui = threading.get_ident()
    on_gui: list[str] = []
    for name in ("connect", "sendall", "send", "recv", "recv_into"):
        original = getattr(socket.socket, name)

        def watched(sock: socket.socket, *args: Any, _op: str = name, _f: Any = original) -> Any:
            if threading.get_ident() == gui:
                on_gui.append(_op)
            return _f(sock, *args)

        monkeypatch.setattr(socket.socket, name, watched)
    app = make_app(api=api)
    app.sign_in()
    with qtbot.waitSignal(app.bridge.identityChanged, timeout=10_000):
        app.bridge.refresh_now()
    view = app.view()
    view.nav.setCurrentRow(1)
    qtbot.waitUntil(lambda: view.data.model.rowCount() > 0, timeout=10_000)
    results: list[Any] = []
    for _ in range(5):
        app.bridge.call_api(lambda api: api.get_json("/me"), results.append, pytest.fail)
    qtbot.waitUntil(lambda: len(results) == 5, timeout=10_000)
    assert [r["username"] for r in results] == ["alice"] * 5  # the calls really happened
    assert on_gui == []


def test_admin_section_follows_the_groups_after_a_refresh(
    make_app: Callable[..., App],
    stand_in: server.LocalCognito,
    api: api_server.ApiServer,
    idp: Any,
    qtbot: QtBot,
) -> None:
    app = make_app(api=api)
    app.sign_in()
    view = app.view()
    assert not view.admin_visible()
    idp.admin_add_user_to_group(UserPoolId=stand_in.pool.id, Username="alice", GroupName="Admin")
    with qtbot.waitSignal(app.bridge.identityChanged, timeout=10_000):
        app.bridge.refresh_now()
    assert view.admin_visible()
    assert "Admin" in app.window.status.groups.text()
    idp.admin_remove_user_from_group(
        UserPoolId=stand_in.pool.id, Username="alice", GroupName="Admin"
    )
    with qtbot.waitSignal(app.bridge.identityChanged, timeout=10_000):
        app.bridge.refresh_now()
    assert not view.admin_visible()


def test_a_403_from_the_api_hides_the_admin_section_and_says_why(
    make_app: Callable[..., App],
    stand_in: server.LocalCognito,
    api_settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    qtbot: QtBot,
) -> None:
    """The token says Admin, but this API's admin group is another one: it refuses."""
    import dataclasses

    from protected_api import app as api_app
    from protected_api import verifier

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
    stricter = dataclasses.replace(api_settings, admin_group="SuperAdmin")
    check = verifier.CognitoJwtVerifier.create(
        issuer=stricter.issuer,
        client_ids=stricter.client_ids,
        token_use="access",
        jwks_url=stricter.jwks_url,
    )
    with api_server.ApiServer(api_app.create_app(stricter, token_verifier=check)) as other_api:
        app = make_app(Person(stand_in.url, "admin", "Admin-Passw0rd!"), api=other_api)
        app.sign_in()
        view = app.view()
        assert view.admin_visible()
        view.nav.setCurrentRow(2)
        qtbot.waitUntil(lambda: not view.admin_visible(), timeout=10_000)
        assert view.banner.isVisible()
        assert "refused admin access" in view.banner.text()
        assert view.pages.currentWidget() is view.profile


def test_an_unreachable_sign_in_service_is_told_in_plain_words(
    qtbot: QtBot, stand_in: server.LocalCognito, tmp_path: Path
) -> None:
    dead_port = loopback_probe.free_port()
    values = app_env.profile_values(stand_in)
    values["discovery_url"] = f"http://127.0.0.1:{dead_port}/.well-known/openid-configuration"
    profile = config.parse_profile("local", values)
    person = Person(stand_in.url)

    def open_profile(name: str | None) -> main_window.Opened:
        kept = store.MemoryStore(warning=None)
        current = session.Session(profile, token_store=kept, open_browser=person.open)
        return main_window.Opened(profile, current, has_stored=False)

    window = main_window.MainWindow(open_profile)
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.ready, timeout=10_000):
        window.start()
    assert window.bridge is not None
    with qtbot.waitSignal(window.bridge.signInFailed, timeout=20_000):
        window.sign_in_screen.sign_in_button.click()
    message = window.sign_in_screen.message.text()
    assert message.startswith("Could not reach the sign-in service")
    assert window.sign_in_screen.sign_in_button.text() == "Try again"
    assert person.opened == []  # no browser for a sign-in that cannot complete


def test_the_first_run_window_fits_the_screen_and_shows_every_section(
    make_app: Callable[..., App], stand_in: server.LocalCognito, api: api_server.ApiServer
) -> None:
    app = make_app(Person(stand_in.url, "admin", "Admin-Passw0rd!"), api=api, default_size=True)
    window = app.window
    assert window.windowTitle() == "Cognito Desktop \N{EM DASH} local"
    available = window.screen().availableGeometry()
    expected = main_window.DEFAULT_SIZE.boundedTo(available.size() - main_window.FRAME_ALLOWANCE)
    assert window.size() == expected
    assert available.contains(window.geometry())
    app.sign_in()
    view = app.view()
    view.nav.setCurrentRow(2)
    app.qtbot.waitUntil(lambda: view.admin.users.model.count > 0, timeout=10_000)
    QtWidgets.QApplication.processEvents()
    viewport = view.nav.viewport().rect()
    for row in range(view.nav.count()):
        assert viewport.contains(view.nav.visualItemRect(view.nav.item(row))), row
    # Nothing squeezed below what it needs where the screen has the room (the offscreen
    # screen is 800 px wide: less than the Admin section's minimum).
    room = available.size() - main_window.FRAME_ALLOWANCE
    assert window.width() >= min(window.minimumSizeHint().width(), room.width())
    if room.width() >= window.minimumSizeHint().width():
        assert view.pages.width() >= view.admin.minimumSizeHint().width()
    screenshot(window, "06-first-run-admin")
