"""Cyclic garbage is collected on the GUI thread's timer, never automatically."""

from __future__ import annotations

import gc

from pytestqt.qtbot import QtBot

from desktop_app.qt import collector


class Cycle:
    def __init__(self) -> None:
        self.me = self


def test_cycles_are_collected_by_the_timer_only(qtbot: QtBot) -> None:
    old = gc.get_threshold()
    guard = collector.GuiThreadCollector(interval_ms=10)
    try:
        assert not gc.isenabled()
        gc.collect()
        gc.set_threshold(5, old[1], old[2])
        guard._threshold = gc.get_threshold()
        for _ in range(50):  # far past the threshold: automatic collection would run
            Cycle()
        assert any(isinstance(o, Cycle) for o in gc.get_objects())
        qtbot.waitUntil(
            lambda: not any(isinstance(o, Cycle) for o in gc.get_objects()), timeout=2_000
        )
    finally:
        guard.stop()
        gc.set_threshold(*old)
    assert gc.isenabled()
