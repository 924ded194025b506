"""BulkRunner: many actions on one worker, per-item results in order, cancel, session end."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
import shiboken6
from PySide6 import QtCore
from pytestqt.qtbot import QtBot

from desktop_app import errors
from desktop_app.api import admin
from desktop_app.qt import bulk, worker

TIMEOUT_MS = 5_000


class ThreadedBridge:
    """Like the session bridge: ``fn(api)`` on a real worker thread; a session that
    ended goes to ``ended``, not to ``on_error``."""

    def __init__(self) -> None:
        self.api = object()
        self.tasks: list[worker.Task[Any]] = []
        self.ended = 0
        self.threads: list[int] = []

    def call_api(
        self,
        fn: Callable[[Any], Any],
        on_result: Callable[[Any], None],
        on_error: Callable[[BaseException], None],
        *,
        name: str = "api",
    ) -> worker.Task[Any]:
        def failed(exc: BaseException) -> None:
            if isinstance(exc, errors.NotSignedIn):
                self.ended += 1
                return
            on_error(exc)

        def run() -> Any:
            self.threads.append(threading.get_ident())
            return fn(self.api)

        task = worker.run(run, on_result=on_result, on_error=failed, name=name)
        self.tasks.append(task)
        return task


class Recorder:
    def __init__(self, runner: bulk.BulkRunner) -> None:
        self.progress: list[tuple[int, int]] = []
        self.items: list[tuple[int, str, bool, str]] = []
        self.finished: list[tuple[int, int, bool]] = []
        self.order: list[str] = []
        runner.progress.connect(self._on_progress)
        runner.itemDone.connect(self._on_item)
        runner.finished.connect(self._on_finished)

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.append((done, total))
        self.order.append("progress")

    def _on_item(self, index: int, label: str, ok: bool, message: str) -> None:
        self.items.append((index, label, ok, message))
        self.order.append("item")

    def _on_finished(self, ok: int, failed: int, cancelled: bool) -> None:
        self.finished.append((ok, failed, cancelled))
        self.order.append("finished")


@pytest.fixture
def bridge() -> ThreadedBridge:
    return ThreadedBridge()


@pytest.fixture
def runner(bridge: ThreadedBridge) -> bulk.BulkRunner:
    return bulk.BulkRunner(bridge)


def action(calls: list[str], label: str, fail: BaseException | None = None) -> bulk.Item:
    def run(api: admin.JsonCaller) -> object:
        calls.append(label)
        if fail is not None:
            raise fail
        return None

    return (label, run)


def test_twenty_items_one_failing_nineteen_succeed_each_reported_in_order(
    qtbot: QtBot, runner: bulk.BulkRunner, bridge: ThreadedBridge
) -> None:
    seen = Recorder(runner)
    calls: list[str] = []
    gone = errors.ApiError(404, "user not found", "not_found")
    items = [action(calls, f"user{i:02d}", gone if i == 7 else None) for i in range(20)]
    runner.start(items)
    assert runner.running
    with qtbot.waitSignal(runner.finished, timeout=TIMEOUT_MS):
        pass
    assert not runner.running
    assert seen.finished == [(19, 1, False)]
    assert calls == [f"user{i:02d}" for i in range(20)]
    assert [i[0] for i in seen.items] == list(range(20))
    assert seen.items[7] == (7, "user07", False, admin.plain_message(gone))
    assert "no longer exists" in seen.items[7][3]
    assert all(ok and message == "" for _i, _l, ok, message in seen.items if _i != 7)
    assert seen.progress == [(n, 20) for n in range(1, 21)]
    assert seen.order[-1] == "finished"
    assert len(bridge.tasks) == 1  # one background task for the whole run
    assert threading.get_ident() not in bridge.threads


def test_any_exception_is_an_item_failure_with_a_plain_message(
    qtbot: QtBot, runner: bulk.BulkRunner
) -> None:
    seen = Recorder(runner)
    calls: list[str] = []
    items = [
        action(calls, "a", errors.NetworkError("down")),
        action(calls, "b", ValueError("username must be 1 to 128 letters")),
        action(calls, "c", KeyError("secret-ish")),
        action(calls, "d", errors.ApiError(429, "slow", "throttled")),
    ]
    with qtbot.waitSignal(runner.finished, timeout=TIMEOUT_MS):
        runner.start(items)
    assert seen.finished == [(0, 4, False)]
    messages = [m for _i, _l, _ok, m in seen.items]
    assert messages == [
        admin.plain_message(e)
        for e in (
            errors.NetworkError("down"),
            ValueError("username must be 1 to 128 letters"),
            KeyError("secret-ish"),
            errors.ApiError(429, "slow", "throttled"),
        )
    ]
    assert "secret-ish" not in messages[2]


def test_cancel_stops_before_the_next_item(qtbot: QtBot, runner: bulk.BulkRunner) -> None:
    seen = Recorder(runner)
    calls: list[str] = []
    started = threading.Event()
    release = threading.Event()

    def slow(api: admin.JsonCaller) -> object:
        calls.append("slow")
        started.set()
        release.wait(5)
        return None

    items = [action(calls, "first"), ("slow", slow)] + [
        action(calls, f"later{i}") for i in range(5)
    ]
    runner.start(items)
    assert started.wait(5)
    runner.cancel()
    release.set()
    with qtbot.waitSignal(runner.finished, timeout=TIMEOUT_MS):
        pass
    assert calls == ["first", "slow"]  # the item under way finished; no later one ran
    assert seen.finished == [(2, 0, True)]
    assert [i[1] for i in seen.items] == ["first", "slow"]


def test_cancel_during_the_last_item_is_not_a_cancelled_run(
    qtbot: QtBot, runner: bulk.BulkRunner
) -> None:
    seen = Recorder(runner)
    started = threading.Event()
    release = threading.Event()

    def last(api: admin.JsonCaller) -> object:
        started.set()
        release.wait(5)
        return None

    runner.start([("only", last)])
    assert started.wait(5)
    runner.cancel()
    release.set()
    with qtbot.waitSignal(runner.finished, timeout=TIMEOUT_MS):
        pass
    assert seen.finished == [(1, 0, False)]  # nothing was left not run


def test_a_session_that_ends_stops_the_run_and_the_bridge_hears_of_it(
    qtbot: QtBot, runner: bulk.BulkRunner, bridge: ThreadedBridge
) -> None:
    seen = Recorder(runner)
    calls: list[str] = []
    ended = errors.SessionExpired("your session ended; sign in again")
    items = [action(calls, f"u{i}", ended if i == 2 else None) for i in range(6)]
    with qtbot.waitSignal(runner.finished, timeout=TIMEOUT_MS):
        runner.start(items)
    qtbot.waitUntil(lambda: bridge.ended == 1, timeout=TIMEOUT_MS)
    assert calls == ["u0", "u1", "u2"]
    assert seen.finished == [(2, 1, True)]
    assert seen.items[-1] == (2, "u2", False, admin.plain_message(ended))
    assert runner.session_ended
    assert not runner.running


def test_an_empty_list_finishes_at_once(qtbot: QtBot, runner: bulk.BulkRunner) -> None:
    seen = Recorder(runner)
    with qtbot.waitSignal(runner.finished, timeout=TIMEOUT_MS):
        runner.start([])
    assert seen.finished == [(0, 0, False)]
    assert seen.items == [] and seen.progress == []


def test_one_run_at_a_time_then_again(qtbot: QtBot, runner: bulk.BulkRunner) -> None:
    seen = Recorder(runner)
    release = threading.Event()

    def wait(api: admin.JsonCaller) -> object:
        release.wait(5)
        return None

    runner.start([("a", wait)])
    with pytest.raises(RuntimeError, match="already running"):
        runner.start([("b", wait)])
    release.set()
    with qtbot.waitSignal(runner.finished, timeout=TIMEOUT_MS):
        pass
    with qtbot.waitSignal(runner.finished, timeout=TIMEOUT_MS):
        runner.start([("c", wait)])
    assert seen.finished == [(1, 0, False), (1, 0, False)]
    assert [i[1] for i in seen.items] == ["a", "c"]
    assert not runner.session_ended


def test_no_api_raises_and_leaves_the_runner_idle() -> None:
    class NoApi:
        def call_api(self, *args: Any, **kwargs: Any) -> Any:
            raise errors.ConfigError("profile 'local' has no api_url")

    runner = bulk.BulkRunner(NoApi())
    with pytest.raises(errors.ConfigError):
        runner.start([("a", lambda api: None)])
    assert not runner.running


def test_a_runner_deleted_mid_run_stops_and_nothing_crashes(
    qtbot: QtBot, bridge: ThreadedBridge
) -> None:
    owner = QtCore.QObject()
    runner = bulk.BulkRunner(bridge, parent=owner)
    calls: list[str] = []
    started = threading.Event()
    release = threading.Event()

    def slow(api: admin.JsonCaller) -> object:
        calls.append("slow")
        started.set()
        release.wait(5)
        return None

    runner.start([("slow", slow), action(calls, "never")])
    assert started.wait(5)
    shiboken6.delete(owner)  # the dialog that owned it was closed
    release.set()
    qtbot.waitUntil(lambda: bridge.tasks[0].is_done(), timeout=TIMEOUT_MS)
    qtbot.wait(50)  # the queued signals reach a receiver that is gone: dropped
    assert calls == ["slow"]
