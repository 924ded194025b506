"""Test doubles for the session bridge's ``call_api`` (what models and widgets use).

- :class:`ManualBridge`: records each call as a :class:`FakeTask` that runs only when
  the test calls :meth:`FakeTask.finish`, so a test decides the order answers arrive in.
- :class:`ThreadedBridge`: runs each call on a real worker thread
  (:func:`desktop_app.qt.worker.run`), as the real bridge does; it can hold the first
  call until ``release`` is set, and sends a session that ended (``NotSignedIn``) to
  ``ended`` instead of ``on_error``, as the real bridge does.

Both carry the few attributes widgets read of the bridge (``identity``, ``profile``).
"""

from __future__ import annotations

import threading
import types
from collections.abc import Callable
from typing import Any

from desktop_app import errors
from desktop_app.qt import worker

_NO_API = object()


def _admin_identity() -> types.SimpleNamespace:
    return types.SimpleNamespace(username="admin", sub="sub-admin")


class FakeTask:
    """Held until the test calls :meth:`finish`; honours ``cancel`` like ``worker.Task``
    unless told to deliver anyway (to prove a model's own stale-answer guard)."""

    def __init__(
        self,
        fn: Callable[[Any], Any],
        on_result: Callable[[Any], None],
        on_error: Callable[[BaseException], None],
        name: str,
        api: Any,
    ) -> None:
        self.fn, self.on_result, self.on_error, self.name = fn, on_result, on_error, name
        self.api = api
        self.cancelled = False
        self.finished = False

    def cancel(self) -> None:
        self.cancelled = True

    def finish(self, *, even_if_cancelled: bool = False) -> None:
        assert not self.finished
        self.finished = True
        deliver = even_if_cancelled or not self.cancelled
        try:
            value = self.fn(self.api)
        except BaseException as exc:
            if deliver:
                self.on_error(exc)
            return
        if deliver:
            self.on_result(value)


class ManualBridge:
    """``call_api`` that records a :class:`FakeTask` per call (``fn`` gets ``api``)."""

    def __init__(self, api: Any = _NO_API, *, admin_group: str = "Admin") -> None:
        self.api = object() if api is _NO_API else api
        self.tasks: list[FakeTask] = []
        self.identity: Any = _admin_identity()
        self.profile = types.SimpleNamespace(admin_group=admin_group)

    def call_api(
        self,
        fn: Callable[[Any], Any],
        on_result: Callable[[Any], None],
        on_error: Callable[[BaseException], None],
        *,
        name: str = "api",
    ) -> FakeTask:
        task = FakeTask(fn, on_result, on_error, name, self.api)
        self.tasks.append(task)
        return task

    def pending(self) -> list[FakeTask]:
        return [t for t in self.tasks if not t.finished and not t.cancelled]

    def finish_all(self) -> None:
        while self.pending():
            self.pending()[0].finish()


class ThreadedBridge:
    """``fn(api)`` on a real worker thread. ``hang_first``: the first call waits for
    ``release`` (at most 10 s) before it runs."""

    def __init__(
        self, api: Any = _NO_API, *, hang_first: bool = False, admin_group: str = "Admin"
    ) -> None:
        self.api = object() if api is _NO_API else api
        self.hang_first = hang_first
        self.release = threading.Event()
        self.calls = 0
        self.ended = 0  # calls that failed because the session ended
        self.threads: list[int] = []
        self.tasks: list[worker.Task[Any]] = []
        self.identity: Any = _admin_identity()
        self.profile = types.SimpleNamespace(admin_group=admin_group)

    def call_api(
        self,
        fn: Callable[[Any], Any],
        on_result: Callable[[Any], None],
        on_error: Callable[[BaseException], None],
        *,
        name: str = "api",
    ) -> worker.Task[Any]:
        self.calls += 1
        hang = self.hang_first and self.calls == 1
        api = self.api

        def run() -> Any:
            self.threads.append(threading.get_ident())
            if hang:
                self.release.wait(10)
            return fn(api)

        def failed(exc: BaseException) -> None:
            if isinstance(exc, errors.NotSignedIn):
                self.ended += 1
                return
            on_error(exc)

        task = worker.run(run, on_result=on_result, on_error=failed, name=name)
        self.tasks.append(task)
        return task
