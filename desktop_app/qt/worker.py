"""Run a function off the GUI thread and bring its result back to the GUI thread.

One helper for all background work (like Picard's ``picard/util/thread.py``):
:func:`run` wraps a plain function in a ``QRunnable`` on a ``QThreadPool`` and
delivers the return value, or the exception, to callbacks that run in the thread
that called :func:`run` (the GUI thread), through a queued signal. The function
itself never touches Qt objects.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from PySide6 import QtCore

log = logging.getLogger(__name__)
T = TypeVar("T")

_live: set[Task[Any]] = set()  # tasks whose callbacks are still to run (keeps relays alive)


class _Relay(QtCore.QObject):
    """Lives in the caller's thread; the worker emits, Qt queues the call to that thread.

    Signals:
        done(bool, object): ``(True, value)`` or ``(False, exception)``.
    """

    done = QtCore.Signal(bool, object)


class Task(Generic[T]):
    """A running background call. :meth:`cancel` drops its result (the function
    itself runs to the end: Python threads cannot be interrupted); use the
    function's own cancel event for work that can stop early."""

    def __init__(
        self,
        fn: Callable[[], T],
        on_result: Callable[[T], None] | None,
        on_error: Callable[[BaseException], None] | None,
        name: str,
    ) -> None:
        self.name = name
        self._fn = fn
        self._on_result = on_result
        self._on_error = on_error
        self._cancelled = False
        self._finished = threading.Event()
        self._relay = _Relay()
        self._relay.done.connect(self._on_done, QtCore.Qt.ConnectionType.QueuedConnection)

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def is_done(self) -> bool:
        """True once the function has returned or raised (callbacks may still be queued)."""
        return self._finished.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the function returns (for tests and shutdown; never on the GUI
        thread during normal work)."""
        return self._finished.wait(timeout)

    def cancel(self) -> None:
        """Do not call the callbacks (a newer request superseded this one, or the
        widget that asked is gone)."""
        self._cancelled = True

    def _execute(self) -> None:
        ok: bool
        payload: object
        try:
            value = self._fn()
        except BaseException as exc:
            ok, payload = False, exc
        else:
            ok, payload = True, value
        self._finished.set()
        try:
            self._relay.done.emit(ok, payload)
        except RuntimeError:  # the application is shutting down: nobody left to tell
            _live.discard(self)
        # No cycle may outlive this call: the exception's traceback holds this frame,
        # and a cycle collected later could be collected on this worker thread,
        # deleting Qt objects that belong to the GUI thread.
        del payload

    def _on_done(self, ok: bool, payload: object) -> None:
        _live.discard(self)
        on_result, on_error = self._on_result, self._on_error
        # Break Task <-> relay <-> callbacks now, on the GUI thread (see _execute).
        self._fn = _finished_fn
        self._on_result = self._on_error = None
        self._relay.done.disconnect(self._on_done)
        self._relay.deleteLater()
        if isinstance(payload, BaseException):
            payload.__traceback__ = None
        if self._cancelled:
            return
        if ok:
            if on_result is not None:
                on_result(payload)  # type: ignore[arg-type]  # T, through Qt
        elif on_error is not None:
            assert isinstance(payload, BaseException)
            on_error(payload)
        else:
            assert isinstance(payload, BaseException)
            log.error(
                "background task %s failed: %s: %s", self.name, type(payload).__name__, payload
            )


def _finished_fn() -> Any:
    raise RuntimeError("this task has already run")


class _Runnable(QtCore.QRunnable):
    def __init__(self, task: Task[Any]) -> None:
        super().__init__()
        self._task = task

    def run(self) -> None:
        self._task._execute()


def run(
    fn: Callable[[], T],
    *,
    on_result: Callable[[T], None] | None = None,
    on_error: Callable[[BaseException], None] | None = None,
    pool: QtCore.QThreadPool | None = None,
    name: str = "task",
) -> Task[T]:
    """Start ``fn()`` on ``pool`` (the global pool by default); see the module docstring.

    Must be called from a thread with a Qt event loop (the GUI thread): that is
    where ``on_result(value)`` or ``on_error(exception)`` runs. Without
    ``on_error`` a failure is logged (type and message only, never a traceback
    with locals).
    """
    task: Task[T] = Task(fn, on_result, on_error, name)
    _live.add(task)
    (pool or QtCore.QThreadPool.globalInstance()).start(_Runnable(task))
    return task
