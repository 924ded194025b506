#!/usr/bin/env python3
"""Bootstrap and run the project from a fresh clone: `python3 dev.py demo|test`.

The README's quick start is these two commands. Each creates `.venv/` in the
repository on first use, installs the project with its `dev` extra, every
package held at its version in `requirements.lock` (again only when
`pyproject.toml` or the lock changes), then runs:

  demo   the offline Cognito stand-in and the protected API with demo users
         (`cognito-local up`, which writes the app's `local` profile), then the
         desktop app on that profile; closing the app stops the stand-in. The pool
         is kept across runs in the user data dir (`cognito-local-state`;
         `--no-state` for a fresh one)
  test   ruff (lint + format check), mypy, then the whole pytest suite
  lint   ruff and mypy only
  lock   rewrite `requirements.lock` from what .venv holds (after changing a
         dependency: `.venv/bin/pip install -e '.[dev]'`, then `python3 dev.py lock`)
  audit  `pip-audit --strict` on `requirements.lock`: fails on a known vulnerability,
         and on any package it could not check (it needs to reach a vulnerability
         database: PyPI's JSON API or OSV; see docs/SECURITY.md, "Supply chain")

Extra arguments after `test` go to pytest; after `demo`, to `cognito-local up`
(`--no-app` runs the stand-in alone, until Ctrl+C).
Standard library only, so it runs on any Python 3.11+.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading
import venv
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".installed-from"
LOCK = ROOT / "requirements.lock"
LOCK_HEADER = """\
# Every package the dev environment (.[dev]) resolves to, at the version CI tests.
# dev.py installs with `-c requirements.lock`; `python3 dev.py audit` checks it.
# Regenerate after changing a dependency in pyproject.toml:
#   .venv/bin/pip install -e '.[dev]' && python3 dev.py lock
"""
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def _python() -> Path:
    return BIN / ("python.exe" if os.name == "nt" else "python")


def _wanted_stamp() -> str:
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes())
    if LOCK.exists():
        digest.update(LOCK.read_bytes())
    return digest.hexdigest()


def ensure_venv() -> None:
    """Create the venv and install the project unless it is already current."""
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py may be run by an older python3
        sys.exit(f"dev.py: Python 3.11 or newer is needed (this is {sys.version.split()[0]})")
    if not _python().exists():
        print("dev.py: creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    if STAMP.exists() and STAMP.read_text().strip() == _wanted_stamp():
        return
    print("dev.py: installing the project and its dev tools into .venv ...", flush=True)
    pip = [str(_python()), "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "install", "--upgrade", "pip"], check=True)
    constraints = ["-c", str(LOCK)] if LOCK.exists() else []
    subprocess.run([*pip, "install", *constraints, "-e", f"{ROOT}[dev]"], check=True)
    STAMP.write_text(_wanted_stamp() + "\n")


def _run(*cmd: str) -> int:
    print("dev.py: $", " ".join(cmd), flush=True)
    return subprocess.run(cmd, cwd=ROOT, check=False).returncode


def lint() -> int:
    tool = str(BIN / "ruff")
    for cmd in ([tool, "check", "."], [tool, "format", "--check", "."], [str(BIN / "mypy")]):
        if rc := _run(*cmd):
            return rc
    return 0


_PIP_LIST = (str(_python()), "-m", "pip", "--disable-pip-version-check", "list")


def lock() -> int:
    """Write `requirements.lock`: `name==version` for every package in .venv but the project."""
    listed = subprocess.run(
        [*_PIP_LIST, "--format=freeze", "--exclude-editable"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    pins = sorted(
        (line.strip() for line in listed.splitlines() if "==" in line),
        key=lambda pin: pin.lower(),
    )
    LOCK.write_text(LOCK_HEADER + "".join(f"{pin}\n" for pin in pins))
    print(f"dev.py: wrote {len(pins)} pins to {LOCK.name}", flush=True)
    return 0


def audit() -> int:
    """pip-audit on the lock: nonzero on a known vulnerability or an unauditable package."""
    # --no-deps --disable-pip: the lock is the whole resolved set, nothing to resolve again.
    audit_tool = str(BIN / "pip-audit")
    return _run(audit_tool, "--strict", "--no-deps", "--disable-pip", "-r", str(LOCK))


# The demo runs the Lambda triggers (sign-up open to the demo users' domain); a
# `--no-triggers` after `demo` leaves them off. Later arguments override these.
DEMO_TRIGGERS = ("--triggers", "--allowed-email-domains", "example.com")


def _demo_state_dir() -> str:
    """The demo's fixed state dir (`local_cognito.state.demo_dir()`: `cognito-desktop/
    cognito-local-state` under the platformdirs user data dir), asked of the venv's
    Python because this file runs on the standard library alone."""
    found = subprocess.run(
        [str(_python()), "-c", "from local_cognito import state; print(state.demo_dir())"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return found.stdout.strip()


def demo(args: list[str]) -> int:
    """The stand-in (and API) in the background, the app in the foreground. The pool is
    kept in the same state dir every time (`--no-state` for a fresh one in memory), so
    a restart keeps the app's client id and the testers' users."""
    if "--no-triggers" in args:
        args = [a for a in args if a != "--no-triggers"]
    else:
        args = [*DEMO_TRIGGERS, *args]
    if "--no-state" in args:
        args = [a for a in args if a != "--no-state"]
    elif not any(a == "--state-dir" or a.startswith("--state-dir=") for a in args):
        args = ["--state-dir", _demo_state_dir(), *args]
    if "--no-app" in args:
        return _run(str(BIN / "cognito-local"), "up", *[a for a in args if a != "--no-app"])
    stand_in = subprocess.Popen(
        [str(BIN / "cognito-local"), "up", *args], stdout=subprocess.PIPE, text=True
    )
    try:
        assert stand_in.stdout is not None
        ready = threading.Event()

        def forward(stream: Any) -> None:
            # cognito-local prints its endpoints and demo users once it is serving
            # and has written the `local` profile: the first line means ready.
            for line in stream:
                sys.stdout.write(line)
                sys.stdout.flush()
                ready.set()
            ready.set()

        threading.Thread(target=forward, args=(stand_in.stdout,), daemon=True).start()
        if not ready.wait(120) or stand_in.poll() is not None:
            return stand_in.poll() or 1
        print("Starting the desktop app on profile 'local'...", flush=True)
        return _run(str(BIN / "cognito-desktop"), "--profile", "local")
    finally:
        stand_in.terminate()
        try:
            stand_in.wait(timeout=10)
        except subprocess.TimeoutExpired:
            stand_in.kill()


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"demo", "test", "lint", "lock", "audit"}:
        print(__doc__, file=sys.stderr)
        return 2
    command, rest = argv[0], argv[1:]
    if command == "lock":  # records .venv as it is: installing first would apply the old lock
        if not _python().exists():
            sys.exit("dev.py: no .venv yet; run `python3 dev.py lint` first")
        return lock()
    ensure_venv()
    if command == "demo":
        return demo(rest)
    if command == "audit":
        return audit()
    if rc := lint():
        return rc
    if command == "lint":
        return 0
    return _run(str(_python()), "-m", "pytest", *rest)


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit(130)
    except subprocess.CalledProcessError as exc:
        sys.exit(f"dev.py: install step failed (exit {exc.returncode}); see the output above")
