"""Call a function that may hang, and stop waiting for it after a deadline.

The function runs in a daemon thread; when the deadline passes the caller gets
:class:`Expired` at once and the thread is abandoned (a locked OS keyring can block
behind a dialog for ever, and Python cannot stop a thread). What the function raises
never travels: the caller gets :class:`Failed`, which names the exception's class
only, because a keyring backend's message can hold the secret it was handed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

_T = TypeVar("_T")


class Expired(Exception):  # noqa: N818 - what happened to the deadline, not a local fault
    """The function did not return in time (it may still be running)."""


class Failed(Exception):  # noqa: N818 - the function's verdict, reported by class name
    """The function raised; ``kind`` is the exception's class name, all that is kept."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


def call(
    fn: Callable[[], _T],
    timeout: float,
    *,
    lock: threading.Lock | None = None,
    name: str = "deadline",
) -> _T:
    """``fn()``'s result, if it comes within ``timeout`` seconds.

    ``lock``, when given, is held by the worker thread around ``fn()``: calls sharing it
    run one at a time, so a call queued behind a hung one expires too rather than racing
    it. ``name`` names the thread.
    """
    outcome: list[tuple[bool, Any]] = []
    done = threading.Event()

    def work() -> None:
        try:
            if lock is None:
                outcome.append((True, fn()))
            else:
                with lock:
                    outcome.append((True, fn()))
        except BaseException as exc:  # reported to the caller, never raised in the thread
            outcome.append((False, exc))
        finally:
            done.set()

    threading.Thread(target=work, name=name, daemon=True).start()
    if not done.wait(timeout):
        raise Expired(f"no answer within {timeout:g} s")
    ok, result = outcome[0]
    if ok:
        return result  # type: ignore[no-any-return]
    kind = type(result).__name__
    del outcome[:], result  # drop the exception (its message may hold a value)
    raise Failed(kind)
