"""The task toolkit: how widgets and models start, track and drop background calls.

Background work itself runs through :mod:`desktop_app.qt.worker`; this module holds
what every owner of such work needs around it, in one place:

- :class:`ApiCaller` / :class:`Cancellable`: what an owner needs of the session
  bridge (run ``fn(api)`` off the GUI thread, get back something to cancel);
- :class:`TaskGroup`: every call one owner started, all dropped (and every
  :class:`StopFlag` set) when the owner is destroyed;
- :class:`TaskSlot`: the one call an owner has in flight (a newer one replaces it);
- :class:`StopFlag`: the cancel event a long loop on a worker checks between steps;
- :meth:`TaskGroup.weakly`: a callback that holds its owner weakly and is skipped
  once the owner is gone.

Every holder is a plain Python object, not a ``QObject``: an owner's ``destroyed``
signal is delivered after its C++ half is gone, and must still reach the holder.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterator
from typing import Any, Protocol, TypeVar

from PySide6 import QtCore

from desktop_app.api import client as api_client
from desktop_app.qt import worker

T = TypeVar("T")
C = TypeVar("C", bound="Cancellable")


class Cancellable(Protocol):
    """A call whose callbacks can be dropped (a :class:`~desktop_app.qt.worker.Task`)."""

    def cancel(self) -> None: ...


class ApiCaller(Protocol):
    """What owners need of :class:`~desktop_app.qt.bridge.SessionBridge`: run a
    function with the API client off the GUI thread, call back on it, and hand back
    something that drops the callbacks when cancelled."""

    def call_api(
        self,
        fn: Callable[[api_client.ApiClient], T],
        on_result: Callable[[T], None],
        on_error: Callable[[BaseException], None],
        *,
        name: str = ...,
    ) -> Cancellable: ...


class StopFlag:
    """The cancel event of the current run of a loop on a worker. :meth:`renew` stops
    the previous run and hands out a fresh event for the next."""

    def __init__(self) -> None:
        self.event = threading.Event()

    def renew(self) -> threading.Event:
        self.event.set()
        self.event = threading.Event()
        return self.event

    def set(self, *_args: object) -> None:
        self.event.set()

    def is_set(self) -> bool:
        return self.event.is_set()


class TaskSlot:
    """The call in flight, if any: :meth:`replace` cancels the previous one."""

    def __init__(self) -> None:
        self.task: Cancellable | None = None

    @property
    def busy(self) -> bool:
        return self.task is not None

    def replace(self, task: C) -> C:
        self.cancel()
        self.task = task
        return task

    def clear(self) -> None:
        """The call reported back: nothing is in flight (nothing is cancelled)."""
        self.task = None

    def cancel(self, *_args: object) -> None:
        if self.task is not None:
            self.task.cancel()
            self.task = None


class TaskGroup:
    """The background calls (and stop flags) one owner started; :meth:`cancel_all`
    drops them all. :meth:`of` ties the group to an owner's ``destroyed`` signal
    (which also closes the group: its :meth:`weakly` callbacks are skipped from then
    on). Tasks are held weakly: a delivered task leaves on its own."""

    def __init__(self) -> None:
        self._tasks: weakref.WeakSet[Any] = weakref.WeakSet()
        self._flags: list[StopFlag] = []
        self._closed = False
        self._pending = 0  # started by :meth:`start`, callbacks not yet run

    @classmethod
    def of(cls, owner: QtCore.QObject) -> TaskGroup:
        group = cls()
        owner.destroyed.connect(group.close)
        return group

    @property
    def closed(self) -> bool:
        return self._closed

    def track(self, task: C) -> C:
        self._tasks.add(task)
        return task

    def __iter__(self) -> Iterator[Any]:
        """The tracked tasks not yet delivered and dropped."""
        return iter(list(self._tasks))

    def stop_flag(self) -> StopFlag:
        """A :class:`StopFlag` that :meth:`cancel_all` sets too."""
        flag = StopFlag()
        self._flags.append(flag)
        return flag

    def cancel_all(self, *_args: object) -> None:
        for flag in self._flags:
            flag.set()
        for task in list(self._tasks):
            task.cancel()

    def close(self, *_args: object) -> None:
        """The owner is gone: drop everything, and skip every :meth:`weakly` callback."""
        self._closed = True
        self.cancel_all()

    @property
    def pending(self) -> int:
        """Calls started with :meth:`start` whose callback has not run yet (a cancelled
        call stays pending: its callback never runs)."""
        return self._pending

    def start(
        self,
        fn: Callable[[], T],
        on_result: Callable[[T], None],
        on_error: Callable[[BaseException], None],
        *,
        pool: QtCore.QThreadPool | None = None,
        name: str = "task",
    ) -> worker.Task[T]:
        """Run ``fn()`` on a worker (:func:`desktop_app.qt.worker.run`) with the two
        callbacks held weakly (:meth:`weakly`), and track it."""
        self._pending += 1

        def delivered(callback: Callable[[Any], None]) -> Callable[[Any], None]:
            weak = self.weakly(callback)

            def call(value: Any) -> None:
                self._pending -= 1
                weak(value)

            return call

        task = worker.run(
            fn,
            on_result=delivered(on_result),
            on_error=delivered(on_error),
            pool=pool,
            name=name,
        )
        return self.track(task)

    def weakly(self, method: Callable[[Any], None]) -> Callable[[Any], None]:
        """``method`` (a bound method), held weakly and skipped once the group is
        closed. A task must not keep a widget alive in a reference cycle: Python's
        collector could then free it, widgets and all, from a worker thread."""
        method_ref = weakref.WeakMethod(method)

        def call(value: Any) -> None:
            live = method_ref()
            if live is not None and not self._closed:
                live(value)

        return call
