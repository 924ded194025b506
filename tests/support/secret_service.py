"""A real Secret Service (gnome-keyring on a private D-Bus session bus) for tests.

The recipe from DESIGN.md: a session bus of our own, gnome-keyring-daemon with
only the secrets component, unlocked with a password on stdin, its data under a
temporary directory; wait until ``org.freedesktop.secrets`` has an owner; kill
both by PID at the end. DISPLAY is removed so a locked keyring cannot pop up a
dialog and hang.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

NEEDED = ("dbus-daemon", "gnome-keyring-daemon", "dbus-send")


def missing() -> list[str]:
    """The programs this machine lacks (apt: dbus gnome-keyring)."""
    return [name for name in NEEDED if shutil.which(name) is None]


@contextlib.contextmanager
def running(base: Path, timeout: float = 10.0) -> Iterator[dict[str, str]]:
    """Start the bus and the keyring; yield the environment a client process needs."""
    runtime = base / "runtime"
    runtime.mkdir(mode=0o700, parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(
        {
            "XDG_DATA_HOME": str(base / "data"),
            "XDG_RUNTIME_DIR": str(runtime),
            "HOME": str(base / "home"),
        }
    )
    (base / "home").mkdir(exist_ok=True)
    bus = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address=1"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    keyring_daemon: subprocess.Popen[bytes] | None = None
    try:
        assert bus.stdout is not None
        address = bus.stdout.readline().strip()
        if not address:
            raise RuntimeError("dbus-daemon printed no address")
        env["DBUS_SESSION_BUS_ADDRESS"] = address
        keyring_daemon = subprocess.Popen(
            ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        assert keyring_daemon.stdin is not None
        keyring_daemon.stdin.write(b"test-keyring-password")
        keyring_daemon.stdin.close()
        deadline = time.monotonic() + timeout
        while not _owned(env):
            if time.monotonic() > deadline or keyring_daemon.poll() is not None:
                raise RuntimeError("gnome-keyring did not take org.freedesktop.secrets")
            time.sleep(0.05)
        yield env
    finally:
        for process in (keyring_daemon, bus):
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=5)
        if bus.stdout is not None:
            bus.stdout.close()


def _owned(env: dict[str, str]) -> bool:
    result = subprocess.run(
        [
            "dbus-send",
            "--session",
            "--dest=org.freedesktop.DBus",
            "--type=method_call",
            "--print-reply",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus.NameHasOwner",
            "string:org.freedesktop.secrets",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=5,
        check=False,
    )
    return "boolean true" in result.stdout
