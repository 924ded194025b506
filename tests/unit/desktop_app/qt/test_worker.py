"""desktop_app.qt.worker: a function off the GUI thread, its outcome back on it."""

from __future__ import annotations

import logging
import threading

import pytest
from pytestqt.qtbot import QtBot

from desktop_app.qt import worker

TIMEOUT_MS = 5_000


def test_the_function_runs_on_a_worker_and_the_result_comes_back_on_the_gui_thread(
    qtbot: QtBot,
) -> None:
    gui = threading.get_ident()
    ran_on: list[int] = []
    results: list[tuple[int, int]] = []

    def work() -> int:
        ran_on.append(threading.get_ident())
        return 42

    task = worker.run(work, on_result=lambda v: results.append((v, threading.get_ident())))
    qtbot.waitUntil(lambda: bool(results), timeout=TIMEOUT_MS)
    assert ran_on and ran_on[0] != gui
    assert results == [(42, gui)]
    assert task.is_done() and not task.cancelled


def test_an_exception_goes_to_on_error_without_its_traceback(qtbot: QtBot) -> None:
    failures: list[BaseException] = []

    def work() -> None:
        raise ValueError("nope")

    worker.run(work, on_result=lambda _v: pytest.fail("no result"), on_error=failures.append)
    qtbot.waitUntil(lambda: bool(failures), timeout=TIMEOUT_MS)
    assert isinstance(failures[0], ValueError)
    # The traceback would hold the worker's frame (and its locals) alive: dropped.
    assert failures[0].__traceback__ is None


def test_a_cancelled_task_calls_nothing(qtbot: QtBot) -> None:
    release = threading.Event()
    called: list[object] = []
    task = worker.run(release.wait, on_result=called.append, on_error=called.append)
    task.cancel()
    release.set()
    assert task.wait(5)
    qtbot.wait(50)  # the queued delivery runs here, and must do nothing
    assert called == [] and task.cancelled


def test_a_failure_without_on_error_is_logged_by_type_and_message(
    qtbot: QtBot, caplog: pytest.LogCaptureFixture
) -> None:
    def work() -> None:
        raise RuntimeError("broken")

    with caplog.at_level(logging.ERROR, logger="desktop_app.qt.worker"):
        task = worker.run(work, name="probe")
        assert task.wait(5)
        qtbot.waitUntil(lambda: "probe" in caplog.text, timeout=TIMEOUT_MS)
    assert "RuntimeError: broken" in caplog.text
    assert "Traceback" not in caplog.text
