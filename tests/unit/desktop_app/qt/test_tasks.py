"""desktop_app.qt.tasks: task groups, the in-flight slot, stop flags, weak callbacks."""

from __future__ import annotations

import threading
from typing import Any

import shiboken6
from PySide6 import QtCore
from pytestqt.qtbot import QtBot

from desktop_app.qt import tasks

TIMEOUT_MS = 5_000


class Call:
    def __init__(self) -> None:
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


def test_a_slot_holds_one_call_and_a_new_one_cancels_the_old() -> None:
    slot = tasks.TaskSlot()
    first, second = Call(), Call()
    assert slot.replace(first) is first and slot.busy
    slot.replace(second)
    assert first.cancelled and not second.cancelled
    slot.clear()  # delivered: nothing in flight, nothing cancelled
    assert not slot.busy and not second.cancelled
    slot.replace(first := Call())
    slot.cancel()
    assert first.cancelled and not slot.busy


def test_a_stop_flag_renewed_stops_the_previous_run_only() -> None:
    flag = tasks.StopFlag()
    old = flag.event
    new = flag.renew()
    assert old.is_set() and not new.is_set() and not flag.is_set()
    flag.set()
    assert new.is_set()


def test_a_group_cancels_every_tracked_call_and_sets_its_flags_when_its_owner_goes() -> None:
    owner = QtCore.QObject()
    group = tasks.TaskGroup.of(owner)
    calls = [group.track(Call()) for _ in range(3)]
    flag = group.stop_flag()
    assert set(group) == set(calls)
    shiboken6.delete(owner)
    assert all(call.cancelled for call in calls)
    assert flag.is_set() and group.closed


def test_a_group_holds_its_calls_weakly() -> None:
    group = tasks.TaskGroup()
    group.track(Call())  # nobody else holds it: gone at once
    assert list(group) == []


class Listener(QtCore.QObject):
    def __init__(self) -> None:
        super().__init__()
        self.heard: list[Any] = []

    def on_value(self, value: Any) -> None:
        self.heard.append(value)


def test_weak_callbacks_are_skipped_once_the_group_is_closed() -> None:
    listener = Listener()
    group = tasks.TaskGroup.of(listener)
    call = group.weakly(listener.on_value)
    call(1)
    group.close()
    call(2)
    assert listener.heard == [1]


def test_weak_callbacks_do_not_keep_their_owner_alive() -> None:
    listener = Listener()
    call = tasks.TaskGroup().weakly(listener.on_value)
    del listener
    call(1)  # the owner is gone: nothing to call, nothing raised


def test_start_runs_on_a_worker_counts_pending_and_delivers_weakly(qtbot: QtBot) -> None:
    listener = Listener()
    group = tasks.TaskGroup.of(listener)
    release = threading.Event()
    group.start(lambda: release.wait(5) and "done", listener.on_value, listener.on_value)
    assert group.pending == 1
    release.set()
    qtbot.waitUntil(lambda: group.pending == 0, timeout=TIMEOUT_MS)
    assert listener.heard == ["done"]


def test_start_after_the_owner_is_gone_delivers_nothing(qtbot: QtBot) -> None:
    listener = Listener()
    heard = listener.heard
    group = tasks.TaskGroup.of(listener)
    release = threading.Event()
    task = group.start(lambda: release.wait(5), listener.on_value, listener.on_value)
    shiboken6.delete(listener)
    release.set()
    assert task.wait(5)
    qtbot.wait(50)  # the queued delivery runs here, and must do nothing
    assert heard == []
