"""End-to-end fixtures: real Chromium, a real Secret Service, the real GUI.

What is real here: Chromium (apt ``chromium``, driven by Playwright with
``executable_path``; never ``playwright install``), reached through ``$BROWSER``
and :mod:`webbrowser` as a person's browser is; gnome-keyring on a private D-Bus
bus (the integration suite's ``secret_service``); the app's main window
(offscreen); and, over HTTP on loopback, the stand-in, managed login and the
protected API (the integration suite's fixtures, imported below so each has one
definition). A test skips with the reason when Chromium or the Secret Service
programs are missing; under ``CI=true`` a skip fails the run (tests/conftest.py).

Screenshots go to ``$COGNITO_DESKTOP_ARTIFACTS/e2e`` (default ``tests/artifacts/e2e``).
"""

from __future__ import annotations

import os
import webbrowser
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import pytest
from pytestqt.qtbot import QtBot

from desktop_app import config
from local_cognito import server, settings
from protected_api import server as api_server
from tests.e2e import browser_launcher, keyring_dbus
from tests.e2e.chromium import CHROMIUM, BrowserDesk, Person, browser_command
from tests.e2e.desktop import DesktopApp, sign_in
from tests.integration import conftest as integration
from tests.support import app_env, fixtures, loopback_probe

if TYPE_CHECKING:
    from playwright.sync_api import Browser

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("COGNITO_DESKTOP_ARTIFACTS", ROOT / "tests" / "artifacts"))
_NOT_FOR_CHROMIUM = ("DBUS_SESSION_BUS_ADDRESS", "DISPLAY", "WAYLAND_DISPLAY")

# The integration suite's fixtures, shared rather than copied: pytest finds fixtures
# by the names bound in a conftest. ``pool_settings`` is this directory's own (below).
fake_clock = integration.fake_clock
stand_in = integration.stand_in
idp = integration.idp
api_settings = integration.api_settings
api = integration.api
secret_service = integration.secret_service
fresh_discovery = fixtures.fresh_discovery  # autouse: each test's stand-in is on a new port
deferred_deletes = fixtures.deferred_deletes


@pytest.fixture
def pool_settings() -> settings.PoolSettings:
    """The pool registers loopback ports free right now instead of the fixed defaults,
    which every other test run on a shared machine also binds. The app learns them
    from the stand-in's description, as from the profile ``cognito-local up`` writes."""
    return integration.pool_settings_on(loopback_probe.free_ports(3))


@pytest.fixture(scope="package")
def chromium() -> Iterator[Browser]:
    """One headless Chromium for the e2e tests; each person gets their own context."""
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("no Playwright (pip install playwright; never `playwright install`)")
    # Chromium keeps its own passwords in a basic store (Playwright passes
    # --password-store=basic) and gets no session bus: it must not touch the test keyring.
    env: dict[str, str | float | bool] = {
        k: v for k, v in os.environ.items() if k not in _NOT_FOR_CHROMIUM
    }
    with sync_playwright() as playwright:
        # Playwright adds --no-sandbox (root in a container) and --disable-dev-shm-usage.
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, env=env, timeout=60_000
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def screenshots() -> Path:
    folder = ARTIFACTS / "e2e"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def desk(monkeypatch: pytest.MonkeyPatch) -> Iterator[BrowserDesk]:
    """``$BROWSER`` runs the launcher, which hands each URL to this test's desk."""
    with BrowserDesk() as running:
        monkeypatch.setenv(browser_launcher.DESK_ENV, running.url)
        monkeypatch.setenv("BROWSER", browser_command())
        # webbrowser reads $BROWSER once, at first use, into module globals; start
        # from scratch as a new process would, and put the old registry back after.
        monkeypatch.setattr(webbrowser, "_tryorder", None)
        monkeypatch.setattr(webbrowser, "_browsers", {})
        yield running


@pytest.fixture
def keyring_bus(secret_service: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This process talks to the test's Secret Service, which starts and ends empty."""
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", secret_service["DBUS_SESSION_BUS_ADDRESS"])
    # A locked keyring with a display pops up a dialog and hangs (DESIGN.md).
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    keyring_dbus.delete_all()
    yield
    keyring_dbus.delete_all()


@pytest.fixture
def people(chromium: Browser, screenshots: Path) -> Iterator[Callable[[str], Person]]:
    """``people("carol")``: a person at their own Chromium profile."""
    made: list[Person] = []

    def make(name: str) -> Person:
        person = Person(chromium, name, screenshots)
        made.append(person)
        return person

    yield make
    for person in made:
        person.close()


@pytest.fixture
def make_app(
    qtbot: QtBot,
    stand_in: server.LocalCognito,
    api: api_server.ApiServer,
    keyring_bus: None,
    desk: BrowserDesk,
    screenshots: Path,
    tmp_path: Path,
) -> Iterator[Callable[[str], DesktopApp]]:
    """``make_app("e2e-admin")``: start the app on a profile of that name (its keyring
    entry is ``profile:e2e-admin``). Two calls with one name are a restart."""
    values = app_env.profile_values(stand_in, api.url)
    made: list[DesktopApp] = []

    def make(profile_name: str) -> DesktopApp:
        profile = config.parse_profile(profile_name, values)
        app = DesktopApp(qtbot, profile, screenshots, tmp_path)
        made.append(app)
        return app

    yield make
    for app in made:
        app.close()


class SignedIn(NamedTuple):
    """An app signed in through Chromium, the person who did it, and the loopback URL
    their Chromium landed on."""

    app: DesktopApp
    person: Person
    landed: str


@pytest.fixture
def signed_in(
    make_app: Callable[[str], DesktopApp],
    people: Callable[[str], Person],
    desk: BrowserDesk,
) -> Callable[..., SignedIn]:
    """``signed_in("e2e-alice", "alice", shots="2-alice")``: a new app on that profile,
    signed in by that person at their own Chromium, with the demo user's password unless
    ``password`` is given (``new_password``, ``shots``: as :func:`desktop.sign_in`)."""

    def run(
        profile_name: str,
        username: str,
        password: str | None = None,
        *,
        new_password: str | None = None,
        shots: str | None = None,
    ) -> SignedIn:
        app = make_app(profile_name)
        person = people(username)
        landed = sign_in(
            app,
            person,
            desk,
            username,
            password or app_env.password(username),
            new_password=new_password,
            shots=shots,
        )
        return SignedIn(app, person, landed)

    return run


@pytest.fixture(autouse=True)
def _delete_qt_objects_here(deferred_deletes: None) -> None:
    """Every e2e test runs the app's windows: what they left for deleteLater goes now."""
