"""Ctrl-C and SIGTERM reach the event loop as a signal, then quit; nothing raises."""

from __future__ import annotations

import os
import signal
from typing import Any

import pytest
from PySide6 import QtCore
from pytestqt.qtbot import QtBot

from desktop_app.qt import interrupt


@pytest.mark.parametrize("signum", interrupt.HANDLED)
def test_a_signal_wakes_the_loop_and_is_emitted_instead_of_raising(
    qtbot: QtBot, signum: int
) -> None:
    guard = interrupt.Interrupts()
    try:
        with qtbot.waitSignal(guard.interrupted, timeout=2_000) as blocker:
            os.kill(os.getpid(), signum)
        assert blocker.args == [signum]
    finally:
        guard.uninstall()


def test_uninstall_restores_the_previous_handlers_and_wakeup_fd(qtbot: QtBot) -> None:
    before = {signum: signal.getsignal(signum) for signum in interrupt.HANDLED}
    guard = interrupt.Interrupts()
    assert signal.getsignal(signal.SIGINT) is not before[signal.SIGINT]
    guard.uninstall()
    guard.uninstall()  # twice is harmless
    assert {signum: signal.getsignal(signum) for signum in interrupt.HANDLED} == before
    # The wakeup fd is the one before (none in pytest): setting it again returns that.
    previous = signal.set_wakeup_fd(-1)
    signal.set_wakeup_fd(previous)
    assert previous == -1


class FakeApp:
    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def quit(self) -> None:
        self.calls.append(("quit", None))

    def exit(self, code: int) -> None:
        self.calls.append(("exit", code))


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_quitting_asks_the_app_to_quit_then_leaves_with_the_signal_status(
    signum: int, code: int
) -> None:
    app = FakeApp()
    interrupt.quit_app(app, signum)  # type: ignore[arg-type]
    assert app.calls == [("quit", None), ("exit", code)]


def test_install_quits_the_app_on_ctrl_c_and_undoes_itself_when_it_quits(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = QtCore.QCoreApplication.instance()
    assert app is not None
    quits: list[int] = []
    # The test's own QApplication must keep running: record the quit instead.
    monkeypatch.setattr(interrupt, "quit_app", lambda _app, signum: quits.append(signum))
    quit_wired = QtCore.SIGNAL("aboutToQuit()")
    wired_before = app.receivers(quit_wired)
    guard = interrupt.install(app)
    try:
        # Undone when the app quits (emitting aboutToQuit here would reach the other
        # listeners of the test's QApplication).
        assert app.receivers(quit_wired) == wired_before + 1
        os.kill(os.getpid(), signal.SIGINT)
        qtbot.waitUntil(lambda: quits == [signal.SIGINT], timeout=2_000)
    finally:
        app.aboutToQuit.disconnect(guard.uninstall)
        guard.uninstall()
        guard.deleteLater()
