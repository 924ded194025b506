"""desktop_app.ui.config_watch and the main window reloading its profile when the
config file changes on disk (as ``cognito-local up`` rewrites its profile)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from PySide6 import QtWidgets
from pytestqt.qtbot import QtBot

from desktop_app import config, config_writer
from desktop_app.auth import session, store
from desktop_app.qt import bridge as qt_bridge
from desktop_app.ui import config_watch, main_window

from .conftest import TEAM, WORK

WAIT_MS = 5_000


class Window:
    """A main window over ``path``, opening profiles as the app does, without a keyring."""

    def __init__(self, qtbot: QtBot, path: Path) -> None:
        self.sessions: list[session.Session] = []

        def open_profile(name: str | None) -> main_window.Opened:
            profile = config.load_profile(path, name or config.DEFAULT_PROFILE)
            current = session.Session(profile, token_store=store.MemoryStore(warning=None))
            self.sessions.append(current)
            return main_window.Opened(profile, current, has_stored=False)

        self.window = main_window.MainWindow(open_profile, profile_name="work", config_path=path)
        qtbot.addWidget(self.window)
        self.window.show()
        with qtbot.waitSignal(self.window.ready, timeout=WAIT_MS):
            self.window.start()

    def client_id(self) -> str:
        assert self.window.bridge is not None
        return self.window.bridge.profile.client_id


def rewrite(path: Path, **work: object) -> None:
    """Replace the file atomically, as config_writer (and cognito-local up) do."""
    replace(path, config_writer.dump({"work": {**WORK, **work}, "team": TEAM}))


def replace(path: Path, text: str) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def test_read_fingerprints_and_parses_the_same_bytes(config_path: Path) -> None:
    reading = config_watch.read(config_path, "work")
    assert reading.error is None and reading.profile is not None
    assert reading.profile.client_id == WORK["client_id"]
    assert reading.fingerprint == config_watch.fingerprint(config_path)
    config_path.write_text("[profiles.work", encoding="utf-8")
    broken = config_watch.read(config_path, "work")
    assert broken.profile is None and broken.error and "not valid TOML" in broken.error
    assert broken.fingerprint not in (None, reading.fingerprint)
    missing = config_watch.read(config_path.with_name("none.toml"), "work")
    assert missing.fingerprint is None and missing.error and "not found" in missing.error


def test_a_new_client_id_on_disk_reopens_the_profile_and_says_so(
    qtbot: QtBot, config_path: Path
) -> None:
    app = Window(qtbot, config_path)
    watch = app.window.config_watch
    assert watch is not None
    assert {str(config_path), str(config_path.parent)} <= set(watch.watched())
    assert app.client_id() == "workclient"
    rewrite(config_path, client_id="newclient")
    qtbot.waitUntil(lambda: app.client_id() == "newclient", timeout=WAIT_MS)
    assert app.sessions[-1].profile.client_id == "newclient" and len(app.sessions) == 2
    assert app.window.statusBar().currentMessage() == config_watch.reloaded("work")
    assert app.window.stack.currentWidget() is app.window.sign_in_screen
    # Still watched after the atomic replace: a second change is seen too.
    rewrite(config_path, client_id="third")
    qtbot.waitUntil(lambda: app.client_id() == "third", timeout=WAIT_MS)


def test_another_profiles_change_reopens_nothing(qtbot: QtBot, config_path: Path) -> None:
    app = Window(qtbot, config_path)
    config_writer.save(config_path, {"work": WORK, "team": {**TEAM, "client_id": "other"}})
    qtbot.wait(config_watch.DEBOUNCE_MS * 3)
    assert len(app.sessions) == 1 and app.window.statusBar().currentMessage() == ""


def test_a_broken_file_keeps_the_old_profile_until_it_is_fixed(
    qtbot: QtBot, config_path: Path
) -> None:
    app = Window(qtbot, config_path)
    replace(config_path, "[profiles.work\n")
    qtbot.waitUntil(
        lambda: (
            app.window.statusBar()
            .currentMessage()
            .startswith(config_watch.unusable("").split("(")[0])
        ),
        timeout=WAIT_MS,
    )
    assert "not valid TOML" in app.window.statusBar().currentMessage()
    assert app.client_id() == "workclient" and len(app.sessions) == 1
    rewrite(config_path, client_id="fixed")
    qtbot.waitUntil(lambda: app.client_id() == "fixed", timeout=WAIT_MS)


def test_a_sign_in_reads_the_file_first_and_uses_the_new_settings(
    qtbot: QtBot, config_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[str] = []

    def sign_in(self: qt_bridge.SessionBridge, **_kwargs: Any) -> None:
        started.append(self.profile.client_id)

    monkeypatch.setattr(qt_bridge.SessionBridge, "sign_in", sign_in)
    app = Window(qtbot, config_path)
    app.window.sign_in_screen.sign_in_button.click()  # file as opened: goes straight on
    qtbot.waitUntil(lambda: started == ["workclient"], timeout=WAIT_MS)
    rewrite(config_path, client_id="newclient")
    # Before the change notification's debounce has run out: the check still sees it.
    app.window.sign_in_screen.show_idle()
    assert app.window.sign_in_screen.sign_in_button.isEnabled()
    app.window.sign_in_screen.sign_in_button.click()
    qtbot.waitUntil(lambda: len(started) == 2, timeout=WAIT_MS)
    assert started == ["workclient", "newclient"]
    assert app.client_id() == "newclient"


def test_cancel_while_the_file_is_read_starts_no_sign_in(
    qtbot: QtBot, config_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[str] = []
    monkeypatch.setattr(qt_bridge.SessionBridge, "sign_in", lambda self, **_kw: started.append("x"))
    app = Window(qtbot, config_path)
    app.window.sign_in_screen.sign_in_button.click()
    app.window.sign_in_screen.cancelRequested.emit()
    qtbot.wait(200)
    assert started == []
    assert isinstance(app.window.stack.currentWidget(), QtWidgets.QWidget)
