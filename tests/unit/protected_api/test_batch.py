"""A batch of Cognito calls: retried while throttled, within a deadline, a few at a time."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from protected_api import admin_errors, batch

THROTTLED = admin_errors.AdminError(429, "throttled", "slow down", retry_after=2)
UNAVAILABLE = admin_errors.AdminError(503, "unavailable", "down", retry_after=5)
NOT_FOUND = admin_errors.AdminError(404, "not_found", "User does not exist.")


class Clock:
    """A clock that moves only when slept on; the sleeps are recorded."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def timing(clock: Clock, deadline_s: float = batch.DEADLINE_S) -> batch.Timing:
    return batch.Timing(
        deadline_s=deadline_s, now=lambda: clock.now, sleep=clock.sleep, random=lambda: 1.0
    )


def failing(
    *failures: admin_errors.AdminError, answer: str = "done"
) -> tuple[list[int], Callable[[], str]]:
    calls: list[int] = []

    def call() -> str:
        calls.append(1)
        if len(calls) <= len(failures):
            raise failures[len(calls) - 1]
        return answer

    return calls, call


def test_a_throttled_call_is_made_again_after_a_growing_pause() -> None:
    clock = Clock()
    calls, call = failing(THROTTLED, UNAVAILABLE, THROTTLED)
    assert batch.Batch(timing(clock)).retried(call) == "done"
    assert len(calls) == 4
    assert clock.sleeps == [0.5, 1.0, 2.0]  # base 0.5 s, doubled (random() = 1: no jitter)


def test_the_pause_has_jitter_and_a_cap() -> None:
    run = batch.Batch(batch.Timing(random=lambda: 0.0))
    assert run.pause(0) == pytest.approx(0.25)  # half the base at the least
    assert batch.Batch(batch.Timing(random=lambda: 1.0)).pause(10) == batch.BACKOFF_CAP_S


def test_any_other_failure_is_raised_at_once() -> None:
    clock = Clock()
    calls, call = failing(NOT_FOUND)
    with pytest.raises(admin_errors.AdminError) as caught:
        batch.Batch(timing(clock)).retried(call)
    assert caught.value is NOT_FOUND
    assert (len(calls), clock.sleeps) == (1, [])


def test_the_attempts_are_bounded() -> None:
    clock = Clock()
    calls, call = failing(*[THROTTLED] * 10)
    with pytest.raises(admin_errors.AdminError) as caught:
        batch.Batch(timing(clock)).retried(call)
    assert caught.value.code == "throttled"
    assert len(calls) == batch.ATTEMPTS
    assert len(clock.sleeps) == batch.ATTEMPTS - 1


def test_no_try_starts_after_the_deadline() -> None:
    clock = Clock()
    run = batch.Batch(timing(clock, deadline_s=1.2))
    calls, call = failing(*[THROTTLED] * 10)
    with pytest.raises(admin_errors.AdminError):
        run.retried(call)
    # 0.5 s, then 1.0 s would end past 1.2 s: two calls, one pause.
    assert (len(calls), clock.sleeps) == (2, [0.5])
    assert not run.out_of_time()
    clock.now = 1.2
    assert run.out_of_time()


def test_map_keeps_the_order_and_at_most_workers_in_flight() -> None:
    lock = threading.Lock()
    in_flight = [0]
    most = [0]

    def work(index: int, item: str) -> str:
        with lock:
            in_flight[0] += 1
            most[0] = max(most[0], in_flight[0])
        time.sleep(0.01)
        with lock:
            in_flight[0] -= 1
        return f"{index}:{item}"

    items = [f"row{i}" for i in range(20)]
    results = batch.Batch(workers=4).map(items, work)
    assert results == [f"{i}:row{i}" for i in range(20)]
    assert 2 <= most[0] <= 4
    assert batch.Batch().map([], work) == []
