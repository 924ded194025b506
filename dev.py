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
(`--no-app` runs the stand-in alone, until Ctrl+C). Ctrl+C in the demo quits the app
(which closes as its window would) and then the stand-in.

System packages (Debian and Ubuntu: the one list is SYSTEM_PACKAGES below): before
`test`, and before `demo` for the Qt libraries and the keyring, dev.py asks dpkg which
are missing. As root with apt-get it installs them, printing what; otherwise it prints
the one `apt-get install` line that would, and what goes without them (which tests
skip: with CI=true a skip fails the run). DEV_PY_NO_APT=1: never run apt-get, only say.

Where the demo keeps the app's session (its banner says which): the desktop's Secret
Service when there is one; otherwise a demo one (gnome-keyring on a private D-Bus bus,
local_cognito/demo_keyring.py, data in `demo-keyring` beside the demo's pool, or in a
temporary directory with `--no-state`); otherwise memory only.
Standard library only, so it runs on any Python 3.11+.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import importlib.util
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import venv
from collections.abc import Iterable, Iterator, Sequence
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


# -- system packages ------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Need:
    """Debian packages, and what goes without them: in the tests, in the demo."""

    packages: tuple[str, ...]
    tests: str
    demo: str = ""


# Qt offscreen needs these shared libraries and a font; the keyring tests (and the demo's
# keyring) a real Secret Service: a private D-Bus bus and gnome-keyring (the same two as
# local_cognito.demo_keyring.APT_PACKAGES); PyInstaller (the packaged-build tests) needs
# objdump; the end-to-end tests drive Debian's Chromium with Playwright (never
# `playwright install`). DESIGN.md, "Real components".
QT = Need(
    (
        "libglib2.0-0",
        "libgl1",
        "libegl1",
        "libx11-6",
        "libdbus-1-3",
        "libfontconfig1",
        "libfreetype6",
        "libxkbcommon0",
        "fonts-dejavu-core",
    ),
    tests="the Qt/GUI tests fail (Qt cannot load)",
    demo="the app's window cannot open (Qt cannot load)",
)
KEYRING = Need(
    ("dbus", "gnome-keyring"),
    tests="the keyring tests skip",
    demo="the app keeps sessions in memory only",
)
PACKAGED = Need(("binutils",), tests="the packaged-build tests skip")
E2E = Need(("chromium",), tests="the end-to-end Chromium tests skip")
#: Everything `test` needs: the one list (.ci/run and the README point here).
SYSTEM_PACKAGES = (QT, KEYRING, PACKAGED, E2E)
DEMO_PACKAGES = (QT,)  # and KEYRING unless the desktop has a Secret Service
NO_APT_ENV = "DEV_PY_NO_APT"
INSTALLED = "install ok installed"


def venv_need() -> Need:
    """Debian's python3 has no ensurepip (so no venv with pip) without this package."""
    minor = sys.version_info[1]
    effect = "dev.py cannot create .venv"
    return Need((f"python3.{minor}-venv",), tests=effect, demo=effect)


def installed_names(listing: str) -> set[str]:
    """The installed packages, and what they provide, in `dpkg-query -W -f=
    '${Status}|${Package}|${Provides}\\n'` output (Debian 13 renamed libraries, for
    example libglib2.0-0t64, which provides libglib2.0-0)."""
    names: set[str] = set()
    for line in listing.splitlines():
        status, _, rest = line.partition("|")
        package, _, provides = rest.partition("|")
        if status.strip() != INSTALLED:
            continue  # removed with its config files kept, half-installed...
        names.add(package.strip())
        names.update(p.split()[0] for p in provides.split(",") if p.strip())
    return names


def missing_packages(needs: Iterable[Need], listing: str) -> list[str]:
    """The packages of `needs` that `listing` (see installed_names) lacks, in order."""
    have = installed_names(listing)
    wanted = dict.fromkeys(p for need in needs for p in need.packages)
    return [p for p in wanted if p not in have]


def plan(missing: Sequence[str], *, is_root: bool, has_apt: bool, opted_out: bool) -> str:
    """What to do about `missing`: "nothing", "install" (root, apt-get, not opted
    out) or "advise" (print the line that would install them)."""
    if not missing:
        return "nothing"
    return "install" if is_root and has_apt and not opted_out else "advise"


def install_line(missing: Sequence[str]) -> str:
    return f"dev.py: installing system packages: {' '.join(missing)}"


def apt_line(missing: Sequence[str], *, is_root: bool = False) -> str:
    """The one command that installs `missing`."""
    sudo = "" if is_root else "sudo "
    return f"{sudo}apt-get install -y --no-install-recommends {' '.join(missing)}"


def advice_lines(
    needs: Iterable[Need], missing: Sequence[str], *, is_root: bool, ci: bool, demo: bool
) -> list[str]:
    """What to print when the missing packages are not installed here: the apt line,
    then what goes without each (in the tests, or in the demo when `demo`)."""
    lines = [
        f"dev.py: missing system packages: {' '.join(missing)}",
        f"dev.py: to install them: {apt_line(missing, is_root=is_root)}",
    ]
    for need in needs:
        if lacking := [p for p in need.packages if p in missing]:
            lines.append(
                f"dev.py:   without {' '.join(lacking)}: {need.demo if demo else need.tests}"
            )
    if not demo:
        lines.append(
            "dev.py: CI=true, so the tests that skip fail the run instead"
            if ci
            else "dev.py: (with CI=true the tests that skip would fail the run instead)"
        )
    return lines


def _dpkg_listing() -> str | None:
    """Every package dpkg knows, one dpkg-query call (None: not a dpkg system)."""
    if shutil.which("dpkg-query") is None:
        return None
    found = subprocess.run(
        ["dpkg-query", "-W", "-f=${Status}|${Package}|${Provides}\\n"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return found.stdout


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def ensure_system_packages(needs: Sequence[Need], *, demo: bool = False) -> list[str]:
    """Install what `needs` lacks when root with apt-get, else say how and what goes
    without (in the demo when `demo`, else in the tests); returns what is still missing
    (nothing also when this is no Linux, or no dpkg to ask)."""
    if not sys.platform.startswith("linux"):
        return []
    listing = _dpkg_listing()
    if listing is None:
        print("dev.py: cannot check the system packages (no dpkg-query); going on", flush=True)
        return []
    missing = missing_packages(needs, listing)
    root = _is_root()
    todo = plan(
        missing,
        is_root=root,
        has_apt=shutil.which("apt-get") is not None,
        opted_out=os.environ.get(NO_APT_ENV, "") not in ("", "0"),
    )
    if todo == "advise":
        ci = os.environ.get("CI") == "true"
        for line in advice_lines(needs, missing, is_root=root, ci=ci, demo=demo):
            print(line, flush=True)
        return missing
    if todo == "install":
        print(install_line(missing), flush=True)
        apt_env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for command in (
            ["apt-get", "update", "-qq"],
            ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing],
        ):
            done = subprocess.run(command, env=apt_env, stdout=subprocess.DEVNULL, check=False)
            if done.returncode:
                sys.exit(
                    f"dev.py: `{' '.join(command)}` failed (exit {done.returncode}); "
                    "see its output above"
                )
    return []


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
        if importlib.util.find_spec("ensurepip") is None:
            ensure_system_packages([venv_need()], demo=True)
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


# Where the demo's app keeps its session: one sentence each, in the demo's banner.
SESSIONS_KEPT_IN = {
    "desktop": "your desktop's Secret Service",
    "demo": "a demo Secret Service (gnome-keyring on a private bus; data in {where})",
    "memory": "memory only (no Secret Service: {where})",
}
DEMO_KEYRING_DIR = "demo-keyring"  # beside the demo's pool (state.DEMO_DIR_NAME)
DEMO_KEYRING_START_S = 30


def sessions_line(kind: str, where: str = "") -> str:
    """The banner's line saying where sessions are kept (see SESSIONS_KEPT_IN)."""
    return "Sessions are kept in: " + SESSIONS_KEPT_IN[kind].format(where=where) + "."


@dataclasses.dataclass
class SessionKeeper:
    """What keeps the demo app's session: its kind, what it is, and its process."""

    kind: str
    where: str = ""
    env: dict[str, str] = dataclasses.field(default_factory=dict)
    process: subprocess.Popen[str] | None = None
    temporary: tempfile.TemporaryDirectory[str] | None = None

    def read(self) -> None:
        """Wait for the demo keyring's one line: its bus, or why it did not start."""
        if self.process is None:
            return
        assert self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], DEMO_KEYRING_START_S)
        line = self.process.stdout.readline() if ready else ""
        try:
            said = json.loads(line)
        except ValueError:
            said = {"error": "it did not say why"}
        if "DBUS_SESSION_BUS_ADDRESS" in said:
            self.env = {"DBUS_SESSION_BUS_ADDRESS": said["DBUS_SESSION_BUS_ADDRESS"]}
        else:
            self.stop()
            self.kind, self.where = "memory", f"the demo one did not start: {said['error']}"

    def stop(self) -> None:
        """End the demo keyring (closing its stdin ends it) and a temporary home."""
        if self.process is not None:
            if self.process.stdin is not None:
                self.process.stdin.close()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
            if self.process.stdout is not None:
                self.process.stdout.close()
            self.process = None
        if self.temporary is not None:
            self.temporary.cleanup()
            self.temporary = None


def session_keeper(keyring_dir: Path | None) -> SessionKeeper:
    """The desktop's Secret Service, else a demo one started in `keyring_dir` (None: a
    temporary one), installing dbus and gnome-keyring first when it can; else memory."""
    desktop = subprocess.run(
        [str(_python()), "-m", "local_cognito.demo_keyring", "--check"],
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    if desktop.returncode == 0:
        ensure_system_packages(DEMO_PACKAGES, demo=True)
        return SessionKeeper("desktop")
    lacking = ensure_system_packages([*DEMO_PACKAGES, KEYRING], demo=True)
    if keyring_lacking := [p for p in lacking if p in KEYRING.packages]:
        return SessionKeeper("memory", apt_line(keyring_lacking, is_root=_is_root()))
    temporary = None
    if keyring_dir is None:
        temporary = tempfile.TemporaryDirectory(prefix="cognito-demo-keyring-")
        keyring_dir = Path(temporary.name)
    process = subprocess.Popen(
        [str(_python()), "-m", "local_cognito.demo_keyring", str(keyring_dir)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,  # Ctrl-C is for the app: the keyring outlives its last write
    )
    where = "a temporary directory" if temporary is not None else str(keyring_dir)
    return SessionKeeper("demo", where, process=process, temporary=temporary)


def _ignore(_signum: int, _frame: object) -> None:
    """dev.py's SIGINT handler while the demo runs (a function, not SIG_IGN, which the
    children would inherit)."""


@contextlib.contextmanager
def _interrupts_left_to_children() -> Iterator[None]:
    """Ctrl-C reaches the terminal's whole foreground process group: the app closes and
    quits, the stand-in stops, each by itself. dev.py only waits for them and cleans up,
    rather than dying with a traceback or killing the app while it saves its session."""
    previous = signal.signal(signal.SIGINT, _ignore)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def demo(args: list[str]) -> int:
    """The stand-in (and API) in the background, the app in the foreground. The pool is
    kept in the same state dir every time (`--no-state` for a fresh one in memory), so
    a restart keeps the app's client id and the testers' users."""
    if "--no-triggers" in args:
        args = [a for a in args if a != "--no-triggers"]
    else:
        args = [*DEMO_TRIGGERS, *args]
    fresh = "--no-state" in args
    if fresh:
        args = [a for a in args if a != "--no-state"]
    demo_dir = None if fresh else Path(_demo_state_dir())
    if demo_dir is not None and not any(
        a == "--state-dir" or a.startswith("--state-dir=") for a in args
    ):
        args = ["--state-dir", str(demo_dir), *args]
    with _interrupts_left_to_children():
        if "--no-app" in args:
            return _run(str(BIN / "cognito-local"), "up", *[a for a in args if a != "--no-app"])
        keeper = session_keeper(None if demo_dir is None else demo_dir.parent / DEMO_KEYRING_DIR)
        try:
            return _demo_with_app(args, keeper)
        finally:
            keeper.stop()


def _demo_with_app(args: list[str], keeper: SessionKeeper) -> int:
    stand_in = subprocess.Popen(
        [str(BIN / "cognito-local"), "up", *args], stdout=subprocess.PIPE, text=True
    )
    try:
        assert stand_in.stdout is not None
        ready = threading.Event()
        last_line = [time.monotonic()]

        def forward(stream: Any) -> None:
            # cognito-local prints its endpoints and demo users once it is serving
            # and has written the `local` profile: the first line means ready.
            for line in stream:
                sys.stdout.write(line)
                sys.stdout.flush()
                last_line[0] = time.monotonic()
                ready.set()
            ready.set()

        threading.Thread(target=forward, args=(stand_in.stdout,), daemon=True).start()
        if not ready.wait(120) or stand_in.poll() is not None:
            return stand_in.poll() or 1
        keeper.read()
        deadline = time.monotonic() + 2
        while time.monotonic() - last_line[0] < 0.2 < deadline - time.monotonic():
            time.sleep(0.05)  # our lines after cognito-local's banner, which comes at once
        print("Starting the desktop app on profile 'local'...", flush=True)
        print(sessions_line(keeper.kind, keeper.where), flush=True)
        app = [str(BIN / "cognito-desktop"), "--profile", "local"]
        print("dev.py: $", " ".join(app), flush=True)
        env = {**os.environ, **keeper.env}
        return subprocess.run(app, cwd=ROOT, env=env, check=False).returncode
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
    if command == "test":
        ensure_system_packages(SYSTEM_PACKAGES)
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
