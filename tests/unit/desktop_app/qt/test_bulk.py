"""BulkRunner: table steps on one worker, per-step results in order, guards, cancel,
the session ending."""

from __future__ import annotations

import threading
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

TIMEOUT_MS = 5_000
ME = actions.Acting("admin", "sub-admin", "Admin")


class HeldApi(FakeApi):
    """A :class:`FakeApi` whose request about the user ``held`` waits for ``release``
    (at most 5 s); ``started`` is set when it begins."""

    def __init__(self, held: str | None = None, **answers: Any) -> None:
        super().__init__(**answers)
        self.held = held
        self.started = threading.Event()
        self.release = threading.Event()

    def request(
        self, method: str, path: str, *, json: Any = None, params: dict[str, Any] | None = None
    ) -> Any:
        if self.held is not None and path.startswith(f"/admin/users/{self.held}/"):
            self.started.set()
            self.release.wait(5)
        return super().request(method, path, json=json, params=params)

    def users(self) -> list[str]:
        """Whose disable was sent, in order."""
        return [path.split("/")[3] for _method, path, _body in self.requests]


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

    def messages(self) -> list[str]:
        return [message for _i, _l, _ok, message in self.items]


@pytest.fixture
def api() -> HeldApi:
    return HeldApi()


@pytest.fixture
def bridge(api: HeldApi) -> ThreadedBridge:
    return ThreadedBridge(api)


@pytest.fixture
def runner(bridge: ThreadedBridge) -> bulk.BulkRunner:
    return bulk.BulkRunner(bridge)


def disable(*names: str) -> list[actions.Step]:
    return [actions.Step(actions.DISABLE, name) for name in names]


def fail_for(api: FakeApi, name: str, exc: BaseException) -> None:
    api.answers[("POST", f"/admin/users/{name}/disable")] = exc


def run_to_end(qtbot: QtBot, runner: bulk.BulkRunner, steps: list[actions.Step]) -> None:
    with qtbot.waitSignal(runner.finished, timeout=TIMEOUT_MS):
        runner.start(steps)


def test_twenty_steps_one_failing_nineteen_succeed_each_reported_in_order(
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
    assert api.users() == names
    assert [i[0] for i in seen.items] == list(range(20))
    assert seen.items[7] == (7, "user07", False, messages.admin_failure(gone))
    assert "no longer exists" in seen.items[7][3]
    assert all(ok and message == "" for index, _l, ok, message in seen.items if index != 7)
    assert seen.progress == [(n, 20) for n in range(1, 21)]
    assert seen.order[-1] == "finished"
    assert len(bridge.tasks) == 1  # one background task for the whole run
    assert threading.get_ident() not in bridge.threads


def test_any_exception_is_a_step_failure_with_a_plain_message(
    qtbot: QtBot, runner: bulk.BulkRunner, api: HeldApi
) -> None:
    seen = Recorder(runner)
    fail_for(api, "a", errors.NetworkError("down"))
    fail_for(api, "c", KeyError("secret-ish"))
    fail_for(api, "d", errors.ApiError(429, "slow", "throttled"))
    run_to_end(qtbot, runner, disable("a", "bad name", "c", "d"))
    assert seen.finished == [(0, 4, False)]
    assert seen.messages() == [
        "The API could not be reached. Check the connection and try again.",
        "username must be 1 to 128 letters, digits, symbols or punctuation, without spaces "
        "(got 8 chars)",
        "Unexpected error (KeyError).",
        "Cognito is throttling requests; wait a moment and retry.",
    ]
    assert api.users() == ["a", "c", "d"]  # the bad name was refused before sending


def test_a_step_a_guard_refused_fails_with_the_reason_and_is_never_sent(
    qtbot: QtBot, runner: bulk.BulkRunner, api: HeldApi
) -> None:
    seen = Recorder(runner)
    run_to_end(qtbot, runner, actions.plan(actions.DISABLE, ["admin", "alice"], ME))
    assert seen.items == [
        (0, "admin", False, messages.admin_text(actions.DISABLE.own_account)),
        (1, "alice", True, ""),
    ]
    assert seen.finished == [(1, 1, False)]
    assert api.users() == ["alice"]


def test_cancel_stops_before_the_next_step(
    qtbot: QtBot, runner: bulk.BulkRunner, api: HeldApi
) -> None:
    seen = Recorder(runner)
    api.held = "slow"
    runner.start(disable("first", "slow", *(f"later{i}" for i in range(5))))
    assert api.started.wait(5)
    runner.cancel()
    api.release.set()
    with qtbot.waitSignal(runner.finished, timeout=TIMEOUT_MS):
        pass
    assert api.users() == ["first", "slow"]  # the step under way finished; no later one ran
    assert seen.finished == [(2, 0, True)]
    assert [i[1] for i in seen.items] == ["first", "slow"]


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
    qtbot: QtBot, runner: bulk.BulkRunner, bridge: ThreadedBridge, api: HeldApi
) -> None:
    seen = Recorder(runner)
    ended = errors.SessionExpired("your session ended; sign in again")
    fail_for(api, "u2", ended)
    run_to_end(qtbot, runner, disable(*(f"u{i}" for i in range(6))))
    qtbot.waitUntil(lambda: bridge.ended == 1, timeout=TIMEOUT_MS)
    assert api.users() == ["u0", "u1", "u2"]
    assert seen.finished == [(2, 1, True)]
    assert seen.items[-1] == (2, "u2", False, messages.admin_failure(ended))
    assert runner.session_ended
    assert not runner.running


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


def test_a_runner_deleted_mid_run_stops_and_nothing_crashes(
    qtbot: QtBot, bridge: ThreadedBridge, api: HeldApi
) -> None:
    owner = QtCore.QObject()
    runner = bulk.BulkRunner(bridge, parent=owner)
    api.held = "slow"
    runner.start(disable("slow", "never"))
    assert api.started.wait(5)
    shiboken6.delete(owner)  # the dialog that owned it was closed
    api.release.set()
    qtbot.waitUntil(lambda: bridge.tasks[0].is_done(), timeout=TIMEOUT_MS)
    qtbot.wait(50)  # the queued signals reach a receiver that is gone: dropped
    assert api.users() == ["slow"]
