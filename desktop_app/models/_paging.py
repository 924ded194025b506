"""What the paged models share: the bridge they need, and the slot of the call in flight."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

from desktop_app.api import client as api_client

T = TypeVar("T")


class Cancellable(Protocol):
    def cancel(self) -> None: ...


class ApiCaller(Protocol):
    """What a model needs of :class:`~desktop_app.qt.bridge.SessionBridge`: run a
    function with the API client off the GUI thread, call back on it, and hand back
    something that drops the callbacks when cancelled (a ``worker.Task``)."""

    def call_api(
        self,
        fn: Callable[[api_client.ApiClient], T],
        on_result: Callable[[T], None],
        on_error: Callable[[BaseException], None],
        *,
        name: str = ...,
    ) -> Cancellable: ...


class TaskSlot:
    """Holds the call in flight, if any. A plain object, so the model's ``destroyed``
    signal can still reach it (and cancel the call) after the C++ half is gone."""

    def __init__(self) -> None:
        self.task: Cancellable | None = None

    def cancel(self, *_args: object) -> None:
        if self.task is not None:
            self.task.cancel()
            self.task = None
