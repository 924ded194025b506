"""MainWindow.start_after_first_paint: the profile opens once the window has painted, or
after a bounded wait when no paint comes (started minimized, on a hidden screen)."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from desktop_app.ui import main_window


def _never_opened(_name: str | None) -> main_window.Opened:
    raise AssertionError("start() is replaced in these tests")


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    monkeypatch.setattr(main_window.MainWindow, "start", lambda self: calls.append("start"))
    return calls


def test_a_shown_window_starts_after_its_first_paint_once(
    qtbot: QtBot, started: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(main_window, "START_AT_THE_LATEST_MS", 300)
    window = main_window.MainWindow(_never_opened)
    qtbot.addWidget(window)
    window.start_after_first_paint(lambda: started.append("also"))
    assert started == []  # nothing before the paint
    window.show()
    qtbot.waitUntil(lambda: started == ["also", "start"], timeout=2000)
    qtbot.wait(500)  # past the fallback: still once
    assert started == ["also", "start"]


def test_a_window_that_never_paints_starts_all_the_same(
    qtbot: QtBot, started: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(main_window, "START_AT_THE_LATEST_MS", 200)
    window = main_window.MainWindow(_never_opened)
    qtbot.addWidget(window)  # never shown: no paint
    window.start_after_first_paint()
    qtbot.wait(50)
    assert started == []
    qtbot.waitUntil(lambda: started == ["start"], timeout=2000)
