"""Ctrl-C (and SIGTERM) in the terminal running ``cognito-desktop`` or the demo quit cleanly.

The real console script, offscreen, on the stand-in's profile: once the window is up
and the profile opened (its log file exists), the signal closes the window as the
person would (the window's geometry is saved) and the process ends within seconds
with the signal's status and no traceback.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from desktop_app import config, logs
from desktop_app.qt import interrupt
from local_cognito import demo_keyring

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
COGNITO_DESKTOP = Path(sys.executable).with_name("cognito-desktop")
UP_TIMEOUT_S = 30
QUIT_TIMEOUT_S = 10
DEMO = ("demo", "--no-state", "--port", "0", "--api-port", "0")  # fresh pool, free ports


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_quits_the_running_app_cleanly(
    process_env: Callable[..., dict[str, str]], tmp_path: Path, signum: int
) -> None:
    env = process_env()
    log_file = Path(env["COGNITO_DESKTOP_LOG_DIR"]) / "cognito-desktop.log"
    gui_ini = Path(env["XDG_CONFIG_HOME"]) / "cognito-desktop" / "gui.ini"
    app = subprocess.Popen(
        [str(COGNITO_DESKTOP)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # the signal is for the app, not for pytest
    )
    try:
        deadline = time.monotonic() + UP_TIMEOUT_S
        # The log file is opened by the worker that opens the profile, after the paint.
        while not log_file.exists():
            assert app.poll() is None, app.communicate()
            assert time.monotonic() < deadline, "the app did not start"
            time.sleep(0.1)
        time.sleep(0.5)  # and its event loop is running
        started = time.monotonic()
        app.send_signal(signum)
        _out, err = app.communicate(timeout=QUIT_TIMEOUT_S)
    finally:
        if app.poll() is None:
            app.kill()
            app.communicate()
    assert time.monotonic() - started < QUIT_TIMEOUT_S
    assert app.returncode == interrupt.exit_code(signum), err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert "window" in gui_ini.read_text(), "the window was not closed as a person closes it"


def test_ctrl_c_in_the_terminal_running_the_demo_ends_it_all_cleanly(tmp_path: Path) -> None:
    """`python3 dev.py demo --no-state` (fresh pool, free ports, offscreen, no apt): the
    banner says where sessions are kept; a SIGINT to the whole process group, as a
    terminal's Ctrl-C, quits the app and stops the stand-in and the demo keyring."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DBUS_SESSION_BUS_ADDRESS", "DISPLAY", "WAYLAND_DISPLAY")
    }
    env.update(
        {
            "QT_QPA_PLATFORM": "offscreen",
            "DEV_PY_NO_APT": "1",
            "XDG_CONFIG_HOME": str(tmp_path / "config"),
            "XDG_DATA_HOME": str(tmp_path / "data"),
            config.CONFIG_ENV: str(tmp_path / "config.toml"),
            logs.LOG_DIR_ENV: str(tmp_path / "logs"),
        }
    )
    demo = subprocess.Popen(
        [sys.executable, str(ROOT / "dev.py"), *DEMO],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's foreground job
    )
    log_file = tmp_path / "logs" / "cognito-desktop.log"
    try:
        deadline = time.monotonic() + 2 * UP_TIMEOUT_S
        while not log_file.exists():
            assert demo.poll() is None, demo.communicate()
            assert time.monotonic() < deadline, "the demo's app did not start"
            time.sleep(0.1)
        time.sleep(0.5)
        os.killpg(demo.pid, signal.SIGINT)
        out, _ = demo.communicate(timeout=2 * QUIT_TIMEOUT_S)
    finally:
        if demo.poll() is None:
            os.killpg(demo.pid, signal.SIGKILL)
            demo.communicate()
    assert demo.returncode == interrupt.exit_code(signal.SIGINT), out
    assert "Traceback" not in out and "KeyboardInterrupt" not in out, out
    kept = "a demo Secret Service" if not demo_keyring.missing() else "memory only"
    assert f"Sessions are kept in: {kept}" in out
    assert "cognito-local: stopped" in out
    with pytest.raises(ProcessLookupError):
        os.killpg(demo.pid, 0)  # nothing of the demo's process group is left


def test_ctrl_c_while_the_stand_in_loads_ends_it_without_a_traceback() -> None:
    """`cognito-local up` takes a second to import its libraries: a Ctrl-C then (as in
    the demo's first seconds) says it was interrupted, no traceback."""
    stand_in = subprocess.Popen(
        [str(COGNITO_DESKTOP.with_name("cognito-local")), "up", "--no-profile", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        time.sleep(0.3)
        stand_in.send_signal(signal.SIGINT)
        _out, err = stand_in.communicate(timeout=QUIT_TIMEOUT_S)
    finally:
        if stand_in.poll() is None:
            stand_in.kill()
            stand_in.communicate()
    assert stand_in.returncode in (0, 130), err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
