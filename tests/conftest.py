"""Suite-wide setup: offscreen Qt, and real components that CI must have."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator

# Qt must never try to open a display in tests (set before any Qt import).
os.environ["QT_QPA_PLATFORM"] = "offscreen"

import pytest

_skipped: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # A test may skip on a laptop that lacks a real component (Chromium, a
    # Secret Service, Xvfb), but in CI every component is installed: a skip
    # there means the suite silently tested less, so it fails the run.
    if os.environ.get("CI") == "true" and _skipped:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(f"CI=true but {len(_skipped)} test(s) skipped:", red=True)
            for nodeid in _skipped:
                reporter.write_line(f"  {nodeid}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(autouse=True)
def _cycles_collected_on_the_gui_thread(request: pytest.FixtureRequest) -> Iterator[None]:
    """In a test with Qt, as in the app (``desktop_app/app.py``): Python's cyclic garbage
    is collected on the GUI thread only (``desktop_app.qt.collector``). Otherwise a worker
    thread of the test (the API, the stand-in, a bulk run) can collect a cycle holding a
    widget or a relay and destroy it there, which crashes the process; it did, in the
    admin GUI tests. What the test left is collected here, on this thread."""
    if not {"qtbot", "qapp"} & set(request.fixturenames):
        yield
        return
    from desktop_app.qt import collector

    request.getfixturevalue("qapp")
    guard = collector.GuiThreadCollector()
    try:
        yield
    finally:
        guard.stop()
        gc.collect()
