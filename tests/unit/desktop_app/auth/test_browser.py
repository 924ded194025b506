"""desktop_app.auth.browser: the system browser opened on its own thread."""

from __future__ import annotations

import threading
import time
import webbrowser

import pytest

from desktop_app.auth import browser


@pytest.mark.parametrize(
    ("opener", "expected"),
    [
        (lambda url: True, True),
        (lambda url: False, False),
        (lambda url: (_ for _ in ()).throw(webbrowser.Error("no browser")), False),
        (lambda url: (_ for _ in ()).throw(OSError("exec failed")), False),
    ],
    ids=["opened", "not opened", "webbrowser.Error", "OSError"],
)
def test_the_launchers_answer_is_reported(opener: object, expected: bool) -> None:
    assert browser.launch(opener, "http://127.0.0.1:1/start/x").result() is expected  # type: ignore[arg-type]


def test_a_launcher_that_waits_for_the_browser_to_exit_is_not_waited_for() -> None:
    release = threading.Event()
    got: list[str] = []

    def firefox(url: str) -> bool:
        got.append(url)
        release.wait(30)
        return True

    started = time.monotonic()
    launched = browser.launch(firefox, "http://127.0.0.1:1/start/x")
    assert launched.result(grace=0.2) is None  # still running: most likely open
    assert time.monotonic() - started < 1
    assert got == ["http://127.0.0.1:1/start/x"]
    release.set()
    assert launched.result(grace=5) is True
