"""A Secret Service of our own: gnome-keyring on a private D-Bus session bus.

``python3 dev.py demo`` starts one for the app when the desktop has none, and the
tests use it (``tests/support/secret_service.py``). The recipe (DESIGN.md, "Real
components"): a session bus of our own, ``gnome-keyring-daemon`` with only the
secrets component, unlocked with a password on its stdin (never on a command line),
its data under a directory we choose; wait until ``org.freedesktop.secrets`` has an
owner; stop both by PID at the end. ``DISPLAY`` is removed from the daemons'
environment so a locked keyring cannot pop up a dialog and hang. Both daemons run in
a session of their own: a Ctrl-C in the terminal is for the app, and the keyring must
outlive the app's last write.

``python -m local_cognito.demo_keyring --check`` exits 0 when this environment's
session bus already offers a Secret Service (the desktop's), 1 otherwise.
``python -m local_cognito.demo_keyring DIR`` starts one keeping its data in ``DIR``
(the password that unlocks it in ``DIR/unlock-password``, mode 0600), prints one JSON
line (``{"DBUS_SESSION_BUS_ADDRESS": ...}``, or ``{"error": ...}`` and exit 1), and
keeps it running until its stdin closes or it gets SIGTERM/SIGHUP.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

NEEDED = ("dbus-daemon", "gnome-keyring-daemon", "dbus-send")
#: Debian's packages for :data:`NEEDED` (dev.py's SYSTEM_PACKAGES lists them too).
APT_PACKAGES = ("dbus", "gnome-keyring")
SECRETS = "org.freedesktop.secrets"
#: Bus names of a keyring the app accepts (desktop_app.auth.keyring_choice): the Secret
#: Service (GNOME Keyring, KeePassXC, recent KWallet) or KWallet's own.
KEYRING_NAMES = (SECRETS, "org.kde.kwalletd5", "org.kde.kwalletd6")
PASSWORD_FILE = "unlock-password"
DBUS_TIMEOUT_S = 5.0


def missing() -> list[str]:
    """The programs this machine lacks (apt: :data:`APT_PACKAGES`)."""
    return [name for name in NEEDED if shutil.which(name) is None]


def _program(name: str) -> str:
    """``name``'s full path on PATH (the name itself when absent: starting it fails)."""
    return shutil.which(name) or name


def _bus_call(env: Mapping[str, str], method: str, *args: str) -> str | None:
    """``org.freedesktop.DBus.<method>`` on ``env``'s session bus: the reply, or None."""
    try:
        result = subprocess.run(  # noqa: S603 -- fixed argv
            [
                _program("dbus-send"),
                "--session",
                "--dest=org.freedesktop.DBus",
                "--type=method_call",
                "--print-reply",
                f"--reply-timeout={int(DBUS_TIMEOUT_S * 1000)}",
                "/org/freedesktop/DBus",
                f"org.freedesktop.DBus.{method}",
                *args,
            ],
            env=dict(env),
            capture_output=True,
            text=True,
            timeout=DBUS_TIMEOUT_S + 1,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout if result.returncode == 0 else None


def has_owner(env: Mapping[str, str], name: str = SECRETS) -> bool:
    """Whether ``name`` has an owner on ``env``'s session bus now."""
    reply = _bus_call(env, "NameHasOwner", f"string:{name}")
    return reply is not None and "boolean true" in reply


def desktop_has_keyring(env: Mapping[str, str]) -> bool:
    """Whether ``env``'s session bus offers a keyring the app accepts, running or
    started on demand (D-Bus activation, as desktops usually start gnome-keyring)."""
    if not env.get("DBUS_SESSION_BUS_ADDRESS") or shutil.which("dbus-send") is None:
        return False
    replies = (_bus_call(env, "ListNames"), _bus_call(env, "ListActivatableNames"))
    return any(f'"{name}"' in (reply or "") for reply in replies for name in KEYRING_NAMES)


def _stop(process: subprocess.Popen[bytes] | subprocess.Popen[str] | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


@contextlib.contextmanager
def running(
    base: Path, password: bytes, *, timeout: float = 10.0, runtime: Path | None = None
) -> Iterator[dict[str, str]]:
    """Start the bus and the keyring (data in ``base/data``, HOME ``base/home``, sockets
    in ``runtime``, default ``base/runtime``); yield the environment a client needs.
    ``RuntimeError`` if the keyring does not come up within ``timeout`` seconds."""
    runtime = runtime or base / "runtime"
    runtime.mkdir(mode=0o700, parents=True, exist_ok=True)
    (base / "home").mkdir(mode=0o700, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(
        {
            "XDG_DATA_HOME": str(base / "data"),
            "XDG_RUNTIME_DIR": str(runtime),
            "HOME": str(base / "home"),
        }
    )
    bus = subprocess.Popen(  # noqa: S603 -- fixed argv
        [_program("dbus-daemon"), "--session", "--nofork", "--print-address=1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,  # "Failed to set fd limit" as non-root-ish root, harmless
        text=True,
        env=env,
        start_new_session=True,
    )
    keyring_daemon: subprocess.Popen[bytes] | None = None
    try:
        assert bus.stdout is not None
        address = bus.stdout.readline().strip()
        if not address:
            raise RuntimeError("dbus-daemon printed no address")
        env["DBUS_SESSION_BUS_ADDRESS"] = address
        keyring_daemon = subprocess.Popen(  # noqa: S603 -- fixed argv
            [_program("gnome-keyring-daemon"), "--foreground", "--unlock", "--components=secrets"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
        assert keyring_daemon.stdin is not None
        keyring_daemon.stdin.write(password)  # --unlock reads it from stdin
        keyring_daemon.stdin.close()
        deadline = time.monotonic() + timeout
        while not has_owner(env):
            if time.monotonic() > deadline or keyring_daemon.poll() is not None:
                raise RuntimeError(f"gnome-keyring did not take {SECRETS}")
            time.sleep(0.05)
        yield env
    finally:
        _stop(keyring_daemon)
        _stop(bus)
        if bus.stdout is not None:
            bus.stdout.close()


def demo_password(base: Path) -> bytes:
    """The password that unlocks the demo keyring in ``base``, made on first use.

    Kept in ``base/unlock-password``, mode 0600, beside the keyring it unlocks: it
    protects the demo's sessions no better than the file's mode does, which is all a
    demo keyring that must unlock without asking needs."""
    path = base / PASSWORD_FILE
    if path.exists():
        return path.read_bytes().strip()
    base.mkdir(mode=0o700, parents=True, exist_ok=True)
    value = secrets.token_urlsafe(32).encode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(value)
    return value


def serve(base: Path) -> int:
    """Run a demo keyring in ``base`` until stdin closes or SIGTERM/SIGHUP (see the
    module docstring); SIGINT is ignored, the one who started it stops it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, lambda *_: sys.exit(0))
    if lacking := missing():
        print(json.dumps({"error": f"missing {', '.join(lacking)}"}), flush=True)
        return 1
    try:
        with (
            tempfile.TemporaryDirectory(prefix="demo-keyring-") as runtime,
            running(base, demo_password(base), runtime=Path(runtime)) as env,
        ):
            print(json.dumps({"DBUS_SESSION_BUS_ADDRESS": env["DBUS_SESSION_BUS_ADDRESS"]}))
            sys.stdout.flush()
            sys.stdin.read()  # until whoever started this closes our stdin (or exits)
    except (OSError, RuntimeError) as exc:
        print(json.dumps({"error": str(exc)}), flush=True)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args == ["--check"]:
        return 0 if desktop_has_keyring(os.environ) else 1
    if len(args) != 1 or args[0].startswith("-"):
        print("usage: python -m local_cognito.demo_keyring --check | DIR", file=sys.stderr)
        return 2
    return serve(Path(args[0]))


if __name__ == "__main__":
    sys.exit(main())
