"""Fixtures the dialog tests share: a config file with two profiles, a recorder for
the questions a dialog asks, and dialogs deleted on the GUI thread."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6 import QtCore
from pytestqt.qtbot import QtBot

from desktop_app import config_writer
from desktop_app.auth import discovery
from desktop_app.ui import environments_dialog

POOL_ID = "eu-west-2_AbC123xyz"
WORK: dict[str, object] = {
    "user_pool_id": POOL_ID,
    "domain": "https://auth.example.com",
    "client_id": "workclient",
    "redirect_uris": ["http://127.0.0.1:53682/callback"],
}
TEAM: dict[str, object] = {
    **WORK,
    "client_id": "teamclient",
    # Each environment its own redirect URIs: two profiles may not share one.
    "redirect_uris": ["http://127.0.0.1:53682/callback/team"],
}


@pytest.fixture(autouse=True)
def _fresh_discovery() -> None:
    discovery.clear_cache()


@pytest.fixture(autouse=True)
def _delete_dialogs_here(qtbot: QtBot) -> Iterator[None]:
    """qtbot closes each dialog and calls deleteLater, but without a running event
    loop the deletion waits; a dialog left to Python's cycle collector could then be
    freed from a worker thread. Delete them now, on the GUI thread."""
    yield
    QtCore.QCoreApplication.sendPostedEvents(None, QtCore.QEvent.Type.DeferredDelete)


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    config_writer.save(path, {"work": WORK, "team": TEAM})
    return path


class Asked:
    """Records the questions a dialog asks and gives one answer to all."""

    def __init__(self, answer: bool = True) -> None:
        self.answer = answer
        self.questions: list[str] = []

    def __call__(self, question: str) -> bool:
        self.questions.append(question)
        return self.answer


@pytest.fixture
def asked() -> Asked:
    return Asked()


@pytest.fixture
def open_environments(
    qtbot: QtBot, config_path: Path, asked: Asked
) -> Callable[..., environments_dialog.EnvironmentsDialog]:
    def make(current: str | None = "work") -> environments_dialog.EnvironmentsDialog:
        dialog = environments_dialog.EnvironmentsDialog(config_path, current=current, confirm=asked)
        qtbot.addWidget(dialog)
        qtbot.waitUntil(lambda: not dialog.is_busy())
        return dialog

    return make
