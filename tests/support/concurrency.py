"""Many callers at the same moment, for tests of single-flight code (one refresh for all)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def at_once(
    call: Callable[[], T], callers: int = 50, timeout: float = 30.0
) -> tuple[list[T], list[BaseException]]:
    """``callers`` threads wait at a barrier, then all run ``call``; what they returned and
    what they raised (each list in no particular order)."""
    barrier = threading.Barrier(callers)
    results: list[T] = []
    failures: list[BaseException] = []

    def run() -> None:
        barrier.wait(timeout=10)
        try:
            results.append(call())
        except BaseException as exc:  # handed back to the test, not lost in a thread
            failures.append(exc)

    threads = [threading.Thread(target=run, name=f"caller-{i}") for i in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    return results, failures
