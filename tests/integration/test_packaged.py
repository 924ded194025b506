"""The packaged build, as testers get it: built once per run, then driven as a process.

The onedir bundle is built with ``packaging/build.py`` (the README's one command) into
a temporary folder. Then the binary runs ``--version``, ``self-test`` (offscreen), the
GUI's first paint, and ``login`` / ``status`` / ``api GET /me`` / ``logout`` against the
in-process stand-in and protected API, with the scripted person as ``$BROWSER`` and a
real Secret Service, exactly like tests/integration/test_cli_session.py does from source;
and ``self-test --sign-in`` (the API's password sign-in, no browser) as a tester runs it.
The API here has password sign-in on (its settings come from
tests/integration/test_cli_password_sign_in.py).

Without PyInstaller (or objdump on Linux) these tests skip with the reason; under
``CI=true`` a skip fails the run (tests/conftest.py).
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from desktop_app import diagnostics
from local_cognito import server
from protected_api import server as api_server
from protected_api import settings as api_settings_mod
from tests.integration import test_cli_password_sign_in as password_sign_in
from tests.support import app_env, relying_party

pytestmark = [pytest.mark.packaging, pytest.mark.integration, pytest.mark.slow]
ROOT = app_env.ROOT
BUILD_TIMEOUT_S = 1200
TIMEOUT = 120  # a cold start of the bundle reads ~200 MB from disk
# Never inside the app (tests/unit/test_import_direction.py's SERVER_ONLY and friends).
SERVER_PACKAGES = (
    "moto",
    "fastapi",
    "starlette",
    "uvicorn",
    "flask",
    "boto3",
    "botocore",
    "local_cognito",
    "protected_api",
    "tests",
)
UNUSED_QT = ("QtNetwork", "QtQml", "QtQuick", "QtSvg", "QtOpenGL", "QtDBus", "QtPdf")


@pytest.fixture
def automation_client(idp: Any, stand_in: server.LocalCognito) -> str:
    return password_sign_in.automation_client_id(idp, stand_in)


@pytest.fixture
def api_settings(
    stand_in: server.LocalCognito, automation_client: str
) -> api_settings_mod.Settings:
    """Replaces conftest's: the API these tests run against has password sign-in on."""
    return password_sign_in.password_api_settings(stand_in, automation_client)


def _build_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "cognito_desktop_build", ROOT / "packaging" / "build.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The onedir build's executable, built once for the whole run."""
    build = _build_module()
    lacking = build.missing_tools()
    if lacking:
        pytest.skip("cannot build the bundle here: missing " + "; ".join(lacking))
    base = tmp_path_factory.mktemp("packaged")
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "packaging" / "build.py"),
            "--dist",
            str(base / "dist"),
            "--work",
            str(base / "work"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT_S,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    program = Path(done.stdout.strip().splitlines()[-1])
    assert program == build.executable(base / "dist", False) and program.is_file()
    return program


@pytest.fixture
def packaged_env(process_env: Callable[..., dict[str, str]], tmp_path: Path) -> dict[str, str]:
    # PYTHONPATH (the repository) is for the scripted browser; the bundle never reads it.
    return process_env(
        BROWSER=f"{sys.executable} {tmp_path / 'browser.py'} %s",
        BROWSER_ENV_RECORD=str(tmp_path / "browser-env.json"),
    )


_BROWSER = """
import json, os, runpy
# What the app handed its browser: the library path must be the user's, not the bundle's.
with open(os.environ["BROWSER_ENV_RECORD"], "w") as record:
    json.dump({"LD_LIBRARY_PATH": os.environ.get("LD_LIBRARY_PATH")}, record)
runpy.run_module("tests.support.browser_command", run_name="__main__")
"""


def run(
    program: Path, env: dict[str, str], *args: str, timeout: float = TIMEOUT
) -> subprocess.CompletedProcess[str]:
    return app_env.run([str(program), *args], env, cwd=program.parent, timeout=timeout)


def test_version_shows_the_version_and_commit(bundle: Path) -> None:
    done = run(bundle, dict(os.environ), "--version")
    assert done.returncode == 0, done.stderr
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    commit = diagnostics.git_commit(ROOT)
    if (ROOT / ".git").exists():
        assert commit is not None
    assert done.stdout == f"cognito-desktop {version} (commit {commit or 'unknown'})\n"


def test_the_bundle_holds_the_app_only(bundle: Path) -> None:
    from PyInstaller.archive.readers import CArchiveReader

    internal = bundle.parent / "_internal"
    top = {path.name.split(".")[0].split("-")[0].lower() for path in internal.iterdir()}
    assert not top & set(SERVER_PACKAGES), sorted(top & set(SERVER_PACKAGES))
    modules = set(CArchiveReader(str(bundle)).open_embedded_archive("PYZ.pyz").toc)
    assert "desktop_app.cli" in modules and "desktop_app.selftest" in modules
    leaked = sorted(m for m in modules if m.split(".")[0] in SERVER_PACKAGES)
    assert not leaked, leaked[:20]
    qt_modules = {p.name.split(".")[0] for p in (internal / "PySide6").glob("Qt*.so")}
    assert {"QtCore", "QtGui", "QtWidgets"} <= qt_modules
    assert not qt_modules & set(UNUSED_QT), sorted(qt_modules)
    assert (internal / "resources" / "callback_success.html").is_file()
    # keyring's entry points are left out: the backends are imported explicitly.
    assert not list(internal.glob("keyring-*.dist-info"))


def test_self_test_passes_in_the_bundle(bundle: Path, packaged_env: dict[str, str]) -> None:
    done = run(bundle, packaged_env, "self-test")
    assert done.returncode == 0, done.stdout + done.stderr
    header, *lines, verdict = done.stdout.splitlines()
    assert ", packaged build, " in header
    assert verdict == "self-test passed"
    checks = {line.split()[1]: line for line in lines}
    assert list(checks) == list(app_env.SELF_TEST_CHECKS)
    assert all(line.startswith("ok ") for line in lines), done.stdout
    assert str(bundle.parent / "_internal" / "resources") in checks["resources"]
    assert "platform plugin 'offscreen'" in checks["qt"]
    assert "SecretService" in checks["keyring"] and "(secure)" in checks["keyring"]


def test_self_test_in_the_bundle_reports_what_is_broken(
    bundle: Path, packaged_env: dict[str, str]
) -> None:
    env = {
        **packaged_env,
        "QT_QPA_PLATFORM": "no-such-plugin",
        "DBUS_SESSION_BUS_ADDRESS": "unix:path=/nonexistent/bus",
    }
    done = run(bundle, env, "self-test")
    assert done.returncode == 1
    failing = [line.split()[1] for line in done.stdout.splitlines() if line.startswith("FAIL")]
    assert failing == ["qt", "keyring"], done.stdout
    assert 'Could not find the Qt platform plugin "no-such-plugin"' in done.stdout
    assert done.stdout.count("fix: ") == 2
    assert done.stdout.splitlines()[-1] == "self-test FAILED: qt, keyring"


def test_the_gui_paints_its_first_window(bundle: Path, packaged_env: dict[str, str]) -> None:
    done = run(bundle, {**packaged_env, "COGNITO_DESKTOP_PROBE": "first-paint"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("first-paint ")


def test_login_status_api_logout_with_the_packaged_binary(
    bundle: Path,
    packaged_env: dict[str, str],
    stand_in: server.LocalCognito,
    tmp_path: Path,
) -> None:
    (tmp_path / "browser.py").write_text(_BROWSER, encoding="utf-8")
    login = run(bundle, packaged_env, "login")
    assert login.returncode == 0, login.stderr
    assert "Signed in as alice" in login.stderr
    handed = json.loads(Path(packaged_env["BROWSER_ENV_RECORD"]).read_text())
    assert str(bundle.parent) not in (handed["LD_LIBRARY_PATH"] or ""), handed

    status = run(bundle, packaged_env, "status", "--json")
    assert status.returncode == 0, status.stderr
    info = json.loads(status.stdout)
    assert info["signed_in"] is True and info["username"] == "alice"
    assert info["storage"]["secure"] is True, info["storage"]

    me = run(bundle, packaged_env, "api", "GET", "/me")
    assert me.returncode == 0, me.stderr
    assert json.loads(me.stdout)["username"] == "alice"

    stored = app_env.stored_session(packaged_env)  # what the bundle stored, read back
    assert stored is not None
    refresh_token = json.loads(stored)["refresh_token"]
    logout = run(bundle, packaged_env, "logout")
    assert logout.returncode == 0, logout.stderr
    assert run(bundle, packaged_env, "status").returncode == 1
    assert relying_party.refresh(stand_in, refresh_token).json() == {"error": "invalid_grant"}


def test_self_test_sign_in_with_the_packaged_binary(
    bundle: Path,
    process_env: Callable[..., dict[str, str]],
    stand_in: server.LocalCognito,
    api: api_server.ApiServer,
    automation_client: str,
    tmp_path: Path,
) -> None:
    """What a tester runs against an environment without a browser: sign-in through the
    API, a refresh, GET /me and sign-out, one line each."""
    env = process_env(
        **password_sign_in.write_password_config(tmp_path, stand_in, api.url, automation_client)
    )
    done = app_env.run(
        [str(bundle), "self-test", "--sign-in"],
        env,
        stdin="admin\nAdmin-Passw0rd!\n",
        cwd=bundle.parent,
        timeout=TIMEOUT,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    header, *lines, verdict = done.stdout.splitlines()
    assert ", packaged build, " in header and verdict == "self-test passed"
    steps = {line.split()[1]: line for line in lines}
    assert list(steps) == [
        "config",
        "credentials",
        "discovery",
        "sign-in",
        "refresh",
        "api",
        "sign-out",
    ]
    assert all(line.startswith("ok ") for line in lines), done.stdout
    assert "signed in as admin (groups: Admin)" in steps["sign-in"]
    assert "Admin-Passw0rd!" not in done.stdout + done.stderr

    wrong = app_env.run(
        [str(bundle), "self-test", "--sign-in", "--username", "admin"],
        env,
        stdin="not-the-password\n",
        cwd=bundle.parent,
        timeout=TIMEOUT,
    )
    assert wrong.returncode == 1
    assert wrong.stdout.splitlines()[-1] == "self-test FAILED: sign-in", wrong.stdout
    assert "fix: check the username and password" in wrong.stdout
