"""desktop_app.auth.deadline: a call that may hang, given up on in time."""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable

import pytest

from desktop_app.auth import deadline


@pytest.mark.parametrize("value", [42, None, "text"])
def test_the_result_comes_back(value: object) -> None:
    assert deadline.call(lambda: value, 1.0) == value


def test_a_hanging_call_expires_on_time_and_is_abandoned() -> None:
    release = threading.Event()
    started = time.monotonic()
    with pytest.raises(deadline.Expired, match=r"within 0\.2 s"):
        deadline.call(lambda: release.wait(10), 0.2, name="hung-call")
    assert 0.2 <= time.monotonic() - started < 1
    assert any(t.name == "hung-call" and t.daemon for t in threading.enumerate())
    release.set()


def _raise(exc: BaseException) -> Callable[[], None]:
    def fail() -> None:
        raise exc

    return fail


@pytest.mark.parametrize(
    ("raised", "kind"),
    [
        (RuntimeError("cannot write profile:work=s3cret-value"), "RuntimeError"),
        (OSError("s3cret-value"), "OSError"),
        (KeyboardInterrupt("s3cret-value"), "KeyboardInterrupt"),
    ],
)
def test_a_failure_travels_as_its_class_name_only(raised: BaseException, kind: str) -> None:
    with pytest.raises(deadline.Failed) as caught:
        deadline.call(_raise(raised), 1.0)
    assert caught.value.kind == kind == str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__context__ is None
    assert "s3cret-value" not in "".join(traceback.format_exception(caught.value))


def test_calls_sharing_a_lock_queue_behind_a_hung_one_and_expire_too() -> None:
    lock, release = threading.Lock(), threading.Event()
    with pytest.raises(deadline.Expired):
        deadline.call(lambda: release.wait(10), 0.1, lock=lock)
    ran = threading.Event()
    started = time.monotonic()
    with pytest.raises(deadline.Expired):
        deadline.call(ran.set, 0.2, lock=lock)
    assert time.monotonic() - started < 1
    assert not ran.is_set()  # it never raced the hung call
    release.set()
    assert ran.wait(5)  # it ran once the hung one let go
    assert deadline.call(lambda: "free again", 1.0, lock=lock) == "free again"
