"""dev.py on a fresh machine: which system packages are missing, what it does about them,
what it prints; the demo's line about where sessions are kept; Ctrl-C left to children."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from local_cognito import demo_keyring
from tests.support import dev_script

ROOT = Path(__file__).resolve().parents[2]


def _load_dev() -> ModuleType:
    return dev_script.load()


dev = _load_dev()

LISTING = """\
install ok installed|libgl1|
install ok installed|libglib2.0-0t64|libglib2.0-0 (= 2.84.0-1), libglib-testing
deinstall ok config-files|gnome-keyring|
install ok installed|dbus|dbus-system-bus (= 1.16.2-2), default-dbus-system-bus
"""


def test_installed_names_count_what_is_installed_and_what_it_provides() -> None:
    names = dev.installed_names(LISTING)
    assert {"libgl1", "libglib2.0-0t64", "libglib2.0-0", "libglib-testing", "dbus"} <= names
    assert "gnome-keyring" not in names  # removed, only its config files are left
    assert "dbus-system-bus" in names


def test_missing_packages_keep_the_list_order_once_each() -> None:
    needs = [dev.Need(("libgl1", "gnome-keyring", "zzz"), tests="t"), dev.KEYRING]
    assert dev.missing_packages(needs, LISTING) == ["gnome-keyring", "zzz"]
    assert dev.missing_packages(needs, "") == ["libgl1", "gnome-keyring", "zzz", "dbus"]


@pytest.mark.parametrize(
    ("missing", "is_root", "has_apt", "opted_out", "expected"),
    [
        ([], True, True, False, "nothing"),
        ([], False, False, False, "nothing"),
        (["dbus"], True, True, False, "install"),
        (["dbus"], False, True, False, "advise"),
        (["dbus"], True, False, False, "advise"),
        (["dbus"], True, True, True, "advise"),
    ],
)
def test_plan(
    missing: list[str], is_root: bool, has_apt: bool, opted_out: bool, expected: str
) -> None:
    assert dev.plan(missing, is_root=is_root, has_apt=has_apt, opted_out=opted_out) == expected


def test_the_install_and_apt_lines() -> None:
    assert dev.install_line(["dbus", "chromium"]) == (
        "dev.py: installing system packages: dbus chromium"
    )
    assert dev.apt_line(["dbus"]) == "sudo apt-get install -y --no-install-recommends dbus"
    assert dev.apt_line(["dbus"], is_root=True) == "apt-get install -y --no-install-recommends dbus"


def test_advice_names_the_apt_line_and_which_tests_go_without_each_package() -> None:
    missing = ["libgl1", "gnome-keyring", "chromium"]
    lines = dev.advice_lines(dev.SYSTEM_PACKAGES, missing, is_root=False, ci=False, demo=False)
    assert lines[0] == "dev.py: missing system packages: libgl1 gnome-keyring chromium"
    assert lines[1] == f"dev.py: to install them: {dev.apt_line(missing)}"
    assert f"dev.py:   without libgl1: {dev.QT.tests}" in lines
    assert f"dev.py:   without gnome-keyring: {dev.KEYRING.tests}" in lines
    assert f"dev.py:   without chromium: {dev.E2E.tests}" in lines
    assert not any("binutils" in line for line in lines)
    assert "CI=true" in lines[-1] and "would fail" in lines[-1]
    in_ci = dev.advice_lines(dev.SYSTEM_PACKAGES, missing, is_root=False, ci=True, demo=False)
    assert "CI=true" in in_ci[-1] and in_ci[-1] != lines[-1]
    for_demo = dev.advice_lines([dev.KEYRING], ["dbus"], is_root=True, ci=True, demo=True)
    assert for_demo[-1] == f"dev.py:   without dbus: {dev.KEYRING.demo}"
    assert not any("CI=true" in line for line in for_demo)


def test_the_one_package_list_covers_every_component_and_the_keyring_recipe() -> None:
    listed = [p for need in dev.SYSTEM_PACKAGES for p in need.packages]
    assert len(listed) == len(set(listed))
    assert {"libgl1", "fonts-dejavu-core", "dbus", "gnome-keyring", "binutils", "chromium"} <= set(
        listed
    )
    assert dev.KEYRING.packages == demo_keyring.APT_PACKAGES


def test_ci_run_only_runs_the_readme_test_command_and_the_benchmark_smoke_run() -> None:
    script = (ROOT / ".ci" / "run").read_text()
    commands = [
        line.strip()
        for line in script.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert commands == [
        "set -euo pipefail",
        'cd "$(dirname "$0")/.."',
        'export CI="${CI:-true}"',
        "python3 dev.py test",
        ".venv/bin/python -m bench.run --quick",
    ]


class Machine:
    """dev.py's view of the machine, faked: dpkg's listing, root, apt-get, commands run."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, listing: str | None, root: bool) -> None:
        self.commands: list[tuple[list[str], dict[str, str]]] = []
        self.apt_exit = 0
        monkeypatch.setattr(dev.sys, "platform", "linux")
        monkeypatch.setattr(dev, "_dpkg_listing", lambda: listing)
        monkeypatch.setattr(dev, "_is_root", lambda: root)
        monkeypatch.setattr(dev.shutil, "which", lambda name: f"/usr/bin/{name}")
        monkeypatch.setattr(dev.subprocess, "run", self.run)
        monkeypatch.delenv(dev.NO_APT_ENV, raising=False)

    def run(self, command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        self.commands.append((command, kwargs["env"]))
        return subprocess.CompletedProcess(command, self.apt_exit)


def test_as_root_with_apt_it_installs_what_is_missing_and_says_exactly_what(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    machine = Machine(monkeypatch, LISTING, root=True)
    assert dev.ensure_system_packages([dev.KEYRING, dev.PACKAGED]) == []
    assert capsys.readouterr().out == "dev.py: installing system packages: gnome-keyring binutils\n"
    assert [command for command, _ in machine.commands] == [
        ["apt-get", "update", "-qq"],
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "gnome-keyring", "binutils"],
    ]
    assert all(env["DEBIAN_FRONTEND"] == "noninteractive" for _, env in machine.commands)


def test_a_failed_apt_get_stops_dev_py_with_a_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    machine = Machine(monkeypatch, LISTING, root=True)
    machine.apt_exit = 100
    with pytest.raises(SystemExit, match=r"apt-get update -qq` failed \(exit 100\)"):
        dev.ensure_system_packages([dev.KEYRING])


@pytest.mark.parametrize("root", [False, True])
def test_without_root_or_when_opted_out_it_only_says_how(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], root: bool
) -> None:
    machine = Machine(monkeypatch, LISTING, root=root)
    if root:
        monkeypatch.setenv(dev.NO_APT_ENV, "1")
    monkeypatch.setenv("CI", "true")
    assert dev.ensure_system_packages(dev.SYSTEM_PACKAGES) == [
        *[p for p in dev.QT.packages if p not in ("libgl1", "libglib2.0-0")],
        "gnome-keyring",
        "binutils",
        "chromium",
    ]
    assert machine.commands == []
    out = capsys.readouterr().out.splitlines()
    sudo = "" if root else "sudo "
    assert out[1].startswith(f"dev.py: to install them: {sudo}apt-get install -y ")
    assert out[-1] == "dev.py: CI=true, so the tests that skip fail the run instead"


def test_nothing_missing_means_nothing_printed_or_run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    machine = Machine(monkeypatch, LISTING, root=True)
    assert dev.ensure_system_packages([dev.Need(("libgl1", "dbus"), tests="t")]) == []
    assert machine.commands == []
    assert capsys.readouterr().out == ""


def test_without_dpkg_it_says_it_cannot_check_and_goes_on(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    machine = Machine(monkeypatch, None, root=True)
    assert dev.ensure_system_packages(dev.SYSTEM_PACKAGES) == []
    assert machine.commands == []
    assert "cannot check the system packages" in capsys.readouterr().out


def test_the_demo_says_where_sessions_are_kept_in_one_sentence() -> None:
    lines = {
        "desktop": dev.sessions_line("desktop"),
        "demo": dev.sessions_line("demo", "/data/demo-keyring"),
        "memory": dev.sessions_line("memory", dev.apt_line(["gnome-keyring"])),
    }
    assert set(lines) == set(dev.SESSIONS_KEPT_IN)
    for line in lines.values():
        assert line.startswith("Sessions are kept in: ") and line.endswith(".")
        assert line.count(". ") == 0
    assert "/data/demo-keyring" in lines["demo"]
    assert "apt-get install -y --no-install-recommends gnome-keyring" in lines["memory"]


def test_during_the_demo_ctrl_c_is_left_to_the_children() -> None:
    before = signal.getsignal(signal.SIGINT)
    with dev._interrupts_left_to_children():
        os.kill(os.getpid(), signal.SIGINT)  # would raise KeyboardInterrupt here
        handler = signal.getsignal(signal.SIGINT)
    # A Python function, not SIG_IGN: a child started meanwhile gets the default back.
    assert handler is dev._ignore
    assert signal.getsignal(signal.SIGINT) is before
