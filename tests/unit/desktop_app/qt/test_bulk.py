"""BulkRunner: table steps a few at once in one background task, each step reported
once, guards, cancel, the session ending, and throttling (429 with Retry-After) waited
out and retried without losing or repeating a row."""

from __future__ import annotations

import collections
import threading
import time
from typing import Any

import pytest
import shiboken6
from PySide6 import QtCore
from pytestqt.qtbot import QtBot

from desktop_app import errors
from desktop_app.admin import actions
from desktop_app.qt import bulk, messages
from tests.support.bridges import ThreadedBridge
from tests.support.fake_api import FakeApi

TIMEOUT_MS = 10_000
ME = actions.Acting("admin", "sub-admin", "Admin")
FAST = bulk.Backoff(attempts=4, first=0.01, longest=1.0)  # tests need not wait long


class HeldApi(FakeApi):
    """A :class:`FakeApi` that can hold requests: those about the users in ``held`` (or
    every one, with ``hold_all``) wait for ``release`` (at most 5 s). It counts the
    requests under way, and the most there ever were at once."""

    def __init__(self, held: str | None = None, **answers: Any) -> None:
        super().__init__(**answers)
        self.held = held
        self.hold_all = False
        self.started = threading.Event()
        self.release = threading.Event()
        self._lock = threading.Lock()
        self.in_flight = 0
        self.most_at_once = 0

    def request(
        self, method: str, path: str, *, json: Any = None, params: dict[str, Any] | None = None
    ) -> Any:
        with self._lock:
            self.in_flight += 1
            self.most_at_once = max(self.most_at_once, self.in_flight)
        try:
            if self.hold_all or (
                self.held is not None and path.startswith(f"/admin/users/{self.held}/")
            ):
                self.started.set()
                self.release.wait(5)
            else:
                time.sleep(0.005)  # a call takes a moment: others overlap it
            return super().request(method, path, json=json, params=params)
        finally:
            with self._lock:
                self.in_flight -= 1

    def users(self) -> list[str]:
        """Whose request was sent, in the order they were."""
        with self._lock:
            return [path.split("/")[3] for _method, path, _body in self.requests]


class ThrottlingApi(HeldApi):
    """Answers 429 ``throttled`` (with ``retry_after``, if given) to the first
    ``throttles[user]`` requests about each user, then as a :class:`FakeApi` does."""

    def __init__(self, throttles: dict[str, int], retry_after: float | None) -> None:
        super().__init__()
        self.throttles = dict(throttles)
        self.retry_after = retry_after
        self.answered: collections.Counter[str] = collections.Counter()  # successes

    def request(
        self, method: str, path: str, *, json: Any = None, params: dict[str, Any] | None = None
    ) -> Any:
        user = path.split("/")[3]
        with self._lock:
            throttled = self.throttles.get(user, 0) > 0
            if throttled:
                self.throttles[user] -= 1
        answer = super().request(method, path, json=json, params=params)
        if throttled:
            raise errors.ApiError(429, "slow down", "throttled", retry_after=self.retry_after)
        with self._lock:
            self.answered[user] += 1
        return answer


class Recorder:
    def __init__(self, runner: bulk.BulkRunner) -> None:
        self.progress: list[tuple[int, int]] = []
        self.items: list[tuple[int, str, bool, str]] = []
        self.finished: list[tuple[int, int, bool]] = []
        self.throttled: list[float] = []
        self.order: list[str] = []
        runner.progress.connect(self._on_progress)
        runner.itemDone.connect(self._on_item)
        runner.finished.connect(self._on_finished)
        runner.throttled.connect(self.throttled.append)

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.append((done, total))
        self.order.append("progress")

    def _on_item(self, index: int, label: str, ok: bool, message: str) -> None:
        self.items.append((index, label, ok, message))
        self.order.append("item")

    def _on_finished(self, ok: int, failed: int, cancelled: bool) -> None:
        self.finished.append((ok, failed, cancelled))
        self.order.append("finished")

    def by_index(self) -> list[tuple[int, str, bool, str]]:
        return sorted(self.items)

    def messages(self) -> list[str]:
        return [message for _i, _l, _ok, message in self.by_index()]


@pytest.fixture
def api() -> HeldApi:
    return HeldApi()


@pytest.fixture
def bridge(api: HeldApi) -> ThreadedBridge:
    return ThreadedBridge(api)


@pytest.fixture
def runner(bridge: ThreadedBridge) -> bulk.BulkRunner:
    return bulk.BulkRunner(bridge, backoff=FAST)


@pytest.fixture
def serial(bridge: ThreadedBridge) -> bulk.BulkRunner:
    """One step at a time: the order the steps run in is the order given."""
    return bulk.BulkRunner(bridge, workers=1, backoff=FAST)


def disable(*names: str) -> list[actions.Step]:
    return [actions.Step(actions.DISABLE, name) for name in names]


def fail_for(api: FakeApi, name: str, exc: BaseException) -> None:
    api.answers[("POST", f"/admin/users/{name}/disable")] = exc


def run_to_end(qtbot: QtBot, runner: bulk.BulkRunner, steps: list[actions.Step]) -> None:
    with qtbot.waitSignal(runner.finished, timeout=TIMEOUT_MS):
        runner.start(steps)


def test_twenty_steps_one_failing_nineteen_succeed_each_reported_once(
    qtbot: QtBot, runner: bulk.BulkRunner, bridge: ThreadedBridge, api: HeldApi
) -> None:
    seen = Recorder(runner)
    names = [f"user{i:02d}" for i in range(20)]
    gone = errors.ApiError(404, "user not found", "not_found")
    fail_for(api, "user07", gone)
    runner.start(disable(*names))
    assert runner.running
    with qtbot.waitSignal(runner.finished, timeout=TIMEOUT_MS):
        pass
    assert not runner.running
    assert seen.finished == [(19, 1, False)]
    assert sorted(api.users()) == names  # each sent once
    assert [i[0] for i in seen.by_index()] == list(range(20))  # each reported once
    assert seen.by_index()[7] == (7, "user07", False, messages.admin_failure(gone))
    assert "no longer exists" in seen.by_index()[7][3]
    assert all(ok and m == "" for index, _l, ok, m in seen.items if index != 7)
    assert seen.progress == [(n, 20) for n in range(1, 21)]  # never goes back
    assert seen.order[-1] == "finished"
    assert len(bridge.tasks) == 1  # one background task for the whole run
    assert threading.get_ident() not in bridge.threads


def test_steps_run_a_few_at_once_never_more(
    qtbot: QtBot, runner: bulk.BulkRunner, api: HeldApi
) -> None:
    seen = Recorder(runner)
    api.hold_all = True
    names = [f"u{i}" for i in range(10)]
    runner.start(disable(*names))
    qtbot.waitUntil(lambda: api.in_flight == bulk.WORKERS, timeout=TIMEOUT_MS)
    qtbot.wait(100)  # a fifth would have started by now
    assert api.in_flight == bulk.WORKERS
    api.release.set()
    with qtbot.waitSignal(runner.finished, timeout=TIMEOUT_MS):
        pass
    assert api.most_at_once == bulk.WORKERS
    assert seen.finished == [(10, 0, False)]
    assert sorted(api.users()) == names


def test_any_exception_is_a_step_failure_with_a_plain_message(
    qtbot: QtBot, runner: bulk.BulkRunner, api: HeldApi
) -> None:
    seen = Recorder(runner)
    fail_for(api, "a", errors.NetworkError("down"))
    fail_for(api, "c", KeyError("secret-ish"))
    fail_for(api, "d", errors.ApiError(400, "no such attribute", "invalid_parameter"))
    run_to_end(qtbot, runner, disable("a", "bad name", "c", "d"))
    assert seen.finished == [(0, 4, False)]
    assert seen.messages() == [
        "The API could not be reached. Check the connection and try again.",
        "username must be 1 to 128 letters, digits, symbols or punctuation, without spaces "
        "(got 8 chars)",
        "Unexpected error (KeyError).",
        "The request was refused: no such attribute.",
    ]
    assert sorted(api.users()) == ["a", "c", "d"]  # the bad name was refused before sending
    assert seen.throttled == []  # none of these is tried again


def test_a_step_a_guard_refused_fails_with_the_reason_and_is_never_sent(
    qtbot: QtBot, runner: bulk.BulkRunner, api: HeldApi
) -> None:
    seen = Recorder(runner)
    run_to_end(qtbot, runner, actions.plan(actions.DISABLE, ["admin", "alice"], ME))
    assert seen.by_index() == [
        (0, "admin", False, messages.admin_text(actions.DISABLE.own_account)),
        (1, "alice", True, ""),
    ]
    assert seen.finished == [(1, 1, False)]
    assert api.users() == ["alice"]


# -- throttling ----------------------------------------------------------------------------


def throttled_run(
    qtbot: QtBot, throttles: dict[str, int], names: list[str], retry_after: float | None
) -> tuple[ThrottlingApi, Recorder, float]:
    api = ThrottlingApi(throttles, retry_after)
    runner = bulk.BulkRunner(ThreadedBridge(api), backoff=FAST)
    seen = Recorder(runner)
    began = time.monotonic()
    run_to_end(qtbot, runner, disable(*names))
    return api, seen, time.monotonic() - began


def test_throttled_steps_wait_the_retry_after_then_succeed_none_lost_none_twice(
    qtbot: QtBot,
) -> None:
    names = [f"u{i:02d}" for i in range(12)]
    throttles = {"u01": 1, "u04": 3, "u05": 2, "u10": 1}
    api, seen, took = throttled_run(qtbot, throttles, names, retry_after=0.05)
    assert seen.finished == [(12, 0, False)]
    assert [(i, ok) for i, _l, ok, _m in seen.by_index()] == [(i, True) for i in range(12)]
    assert api.answered == dict.fromkeys(names, 1)  # done exactly once each: no duplicate
    sent = collections.Counter(api.users())
    assert sent == {n: 1 + throttles.get(n, 0) for n in names}  # a 429 is tried again
    assert seen.throttled and set(seen.throttled) == {0.05}
    assert took >= 0.05 * 3  # u04 waited out three pauses
    assert api.most_at_once <= bulk.WORKERS
    assert seen.progress == [(n, 12) for n in range(1, 13)]


def test_without_a_retry_after_the_wait_doubles() -> None:
    throttled = errors.ApiError(429, "slow down", "throttled")
    backoff = bulk.Backoff(attempts=5, first=0.5, longest=3.0)
    assert [backoff.delay(throttled, n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, None]
    told = errors.ApiError(429, "slow down", "throttled", retry_after=7.0)
    assert backoff.delay(told, 1) == 3.0  # never longer than ``longest``
    assert bulk.Backoff().delay(told, 1) == 7.0
    for other in (
        errors.ApiError(400, "bad", "invalid_parameter"),
        errors.ApiError(503, "down", "unavailable", retry_after=1.0),  # may have been done
        errors.NetworkError("down"),
        ValueError("bad name"),
    ):
        assert backoff.delay(other, 1) is None


def test_a_step_still_throttled_after_every_try_fails_in_plain_words(qtbot: QtBot) -> None:
    api, seen, _took = throttled_run(qtbot, {"b": 99}, ["a", "b", "c"], retry_after=None)
    assert seen.finished == [(2, 1, False)]
    assert seen.by_index()[1] == (
        1,
        "b",
        False,
        "Cognito is throttling requests; wait a moment and retry.",
    )
    assert collections.Counter(api.users())["b"] == FAST.attempts
    assert api.answered == {"a": 1, "c": 1}


def test_cancel_while_waiting_out_throttling_leaves_the_step_not_run(qtbot: QtBot) -> None:
    api = ThrottlingApi({"a": 1}, retry_after=30.0)
    runner = bulk.BulkRunner(ThreadedBridge(api), workers=1)
    seen = Recorder(runner)
    runner.start(disable("a", "b"))
    qtbot.waitUntil(lambda: seen.throttled == [30.0], timeout=TIMEOUT_MS)
    began = time.monotonic()
    with qtbot.waitSignal(runner.finished, timeout=TIMEOUT_MS):
        runner.cancel()
    assert time.monotonic() - began < 5  # the wait ended with the cancel
    assert seen.finished == [(0, 0, True)]
    assert seen.items == [] and api.answered == {}


# -- cancel, the session, the runner's life ------------------------------------------------


def test_cancel_stops_before_the_next_step(
    qtbot: QtBot, runner: bulk.BulkRunner, api: HeldApi
) -> None:
    seen = Recorder(runner)
    api.hold_all = True
    names = [f"u{i}" for i in range(10)]
    runner.start(disable(*names))
    qtbot.waitUntil(lambda: api.in_flight == bulk.WORKERS, timeout=TIMEOUT_MS)
    runner.cancel()
    api.release.set()
    with qtbot.waitSignal(runner.finished, timeout=TIMEOUT_MS):
        pass
    # The steps under way finished; no later one started.
    assert len(api.users()) == bulk.WORKERS
    assert seen.finished == [(bulk.WORKERS, 0, True)]
    assert sorted(i[0] for i in seen.items) == list(range(bulk.WORKERS))


def test_cancel_during_the_last_step_is_not_a_cancelled_run(
    qtbot: QtBot, runner: bulk.BulkRunner, api: HeldApi
) -> None:
    seen = Recorder(runner)
    api.held = "only"
    runner.start(disable("only"))
    assert api.started.wait(5)
    runner.cancel()
    api.release.set()
    with qtbot.waitSignal(runner.finished, timeout=TIMEOUT_MS):
        pass
    assert seen.finished == [(1, 0, False)]  # nothing was left not run


def test_a_session_that_ends_stops_the_run_and_the_bridge_hears_of_it(
    qtbot: QtBot, serial: bulk.BulkRunner, bridge: ThreadedBridge, api: HeldApi
) -> None:
    seen = Recorder(serial)
    ended = errors.SessionExpired("your session ended; sign in again")
    fail_for(api, "u2", ended)
    run_to_end(qtbot, serial, disable(*(f"u{i}" for i in range(6))))
    qtbot.waitUntil(lambda: bridge.ended == 1, timeout=TIMEOUT_MS)
    assert api.users() == ["u0", "u1", "u2"]
    assert seen.finished == [(2, 1, True)]
    assert seen.items[-1] == (2, "u2", False, messages.admin_failure(ended))
    assert serial.session_ended
    assert not serial.running


def test_a_session_that_ends_stops_every_worker(
    qtbot: QtBot, runner: bulk.BulkRunner, bridge: ThreadedBridge, api: HeldApi
) -> None:
    seen = Recorder(runner)
    fail_for(api, "u00", errors.SessionExpired("your session ended; sign in again"))
    names = [f"u{i:02d}" for i in range(40)]
    run_to_end(qtbot, runner, disable(*names))
    qtbot.waitUntil(lambda: bridge.ended == 1, timeout=TIMEOUT_MS)
    ok, failed, stopped = seen.finished[0]
    assert stopped and failed == 1 and ok + failed < len(names)
    assert len(api.users()) == ok + failed  # whatever was sent was reported
    assert runner.session_ended


def test_an_empty_list_finishes_at_once(qtbot: QtBot, runner: bulk.BulkRunner) -> None:
    seen = Recorder(runner)
    run_to_end(qtbot, runner, [])
    assert seen.finished == [(0, 0, False)]
    assert seen.items == [] and seen.progress == []


def test_one_run_at_a_time_then_again(qtbot: QtBot, runner: bulk.BulkRunner, api: HeldApi) -> None:
    seen = Recorder(runner)
    api.held = "a"
    runner.start(disable("a"))
    with pytest.raises(RuntimeError, match="already running"):
        runner.start(disable("b"))
    api.release.set()
    with qtbot.waitSignal(runner.finished, timeout=TIMEOUT_MS):
        pass
    run_to_end(qtbot, runner, disable("c"))
    assert seen.finished == [(1, 0, False), (1, 0, False)]
    assert [i[1] for i in seen.items] == ["a", "c"]
    assert not runner.session_ended


def test_no_api_raises_and_leaves_the_runner_idle() -> None:
    class NoApi:
        def call_api(self, *args: Any, **kwargs: Any) -> Any:
            raise errors.ConfigError("profile 'local' has no api_url")

    runner = bulk.BulkRunner(NoApi())
    with pytest.raises(errors.ConfigError):
        runner.start(disable("a"))
    assert not runner.running
    with pytest.raises(ValueError, match="at least one worker"):
        bulk.BulkRunner(NoApi(), workers=0)


def test_a_runner_deleted_mid_run_stops_and_nothing_crashes(
    qtbot: QtBot, bridge: ThreadedBridge, api: HeldApi
) -> None:
    owner = QtCore.QObject()
    runner = bulk.BulkRunner(bridge, parent=owner, workers=1)
    api.held = "slow"
    runner.start(disable("slow", "never"))
    assert api.started.wait(5)
    shiboken6.delete(owner)  # the dialog that owned it was closed
    api.release.set()
    qtbot.waitUntil(lambda: bridge.tasks[0].is_done(), timeout=TIMEOUT_MS)
    qtbot.wait(50)  # the queued signals reach a receiver that is gone: dropped
    assert api.users() == ["slow"]


def test_a_finished_runs_relay_is_deleted_on_the_gui_thread(
    qtbot: QtBot, runner: bulk.BulkRunner
) -> None:
    """The workers may drop the last other reference to the relay: deleting it there,
    with queued signals still to deliver, would crash, so the runner deletes it here."""
    deleted_on: list[QtCore.QThread | None] = []
    run_to_end(qtbot, runner, disable("alice", "bob"))
    relay = runner._retired
    assert relay is not None and runner._relay is None
    relay.destroyed.connect(lambda: deleted_on.append(QtCore.QThread.currentThread()))
    qtbot.waitUntil(lambda: bool(deleted_on) or not shiboken6.isValid(relay))
    assert not shiboken6.isValid(relay)
    assert deleted_on in ([], [QtCore.QCoreApplication.instance().thread()])  # type: ignore[union-attr]
