"""The packaged build, as testers get it: built once per run, then driven as a process.

The onedir bundle is built with ``packaging/build.py`` (the README's one command) into
a temporary folder. Then the binary runs ``--version``, ``self-test`` (offscreen), the
GUI's first paint, and ``login`` / ``status`` / ``api GET /me`` / ``logout`` against the
in-process stand-in and protected API, with the scripted person as ``$BROWSER`` and a
real Secret Service, exactly like tests/integration/test_cli_session.py does from source.

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
from pathlib import Path
from types import ModuleType

import pytest
import requests

from desktop_app import diagnostics
from local_cognito import profile, server
from protected_api import server as api_server

pytestmark = [pytest.mark.packaging, pytest.mark.integration, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
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
def packaged_env(
    stand_in: server.LocalCognito,
    api: api_server.ApiServer,
    secret_service: dict[str, str],
    tmp_path: Path,
) -> dict[str, str]:
    info = stand_in.info()
    info["api_url"] = api.url
    config_path = tmp_path / "config.toml"
    profile.write(config_path, profile.profile_values(info))
    return {
        **secret_service,
        "QT_QPA_PLATFORM": "offscreen",
        "COGNITO_DESKTOP_CONFIG": str(config_path),
        "COGNITO_DESKTOP_PROFILE": "local",
        "COGNITO_DESKTOP_LOG_DIR": str(tmp_path / "logs"),
        "XDG_CONFIG_HOME": str(tmp_path / "xdg-config"),
        "BROWSER": f"{sys.executable} {tmp_path / 'browser.py'} %s",
        "BROWSER_ENV_RECORD": str(tmp_path / "browser-env.json"),
        "SCRIPTED_USERNAME": "alice",
        "SCRIPTED_PASSWORD": "Alice-Passw0rd!",
        "PYTHONPATH": str(ROOT),  # for the scripted browser, never read by the bundle
    }


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
    return subprocess.run(
        [str(program), *args],
        env=env,
        cwd=program.parent,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


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
    assert list(checks) == [
        "config",
        "resources",
        "qt",
        "tls",
        "keyring",
        "loopback",
        "discovery",
        "session",
        "api",
    ]
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

    refresh_token = _stored_refresh_token(packaged_env)
    logout = run(bundle, packaged_env, "logout")
    assert logout.returncode == 0, logout.stderr
    assert run(bundle, packaged_env, "status").returncode == 1
    refused = requests.post(
        f"{stand_in.url}/oauth2/token",
        timeout=10,
        data={
            "grant_type": "refresh_token",
            "client_id": stand_in.pool.client_id,
            "refresh_token": refresh_token,
        },
    )
    assert refused.json() == {"error": "invalid_grant"}


def _stored_refresh_token(env: dict[str, str]) -> str:
    """Read back what the bundle stored, through keyring in a separate process."""
    reader = (
        "import json, keyring.backends.SecretService as s\n"
        "k = s.Keyring()\n"
        "raw = json.loads(k.get_password('cognito-desktop', 'profile:local'))\n"
        "if 'chunks' in raw:\n"
        "    raw = json.loads(''.join(k.get_password('cognito-desktop', f'profile:local#{i}')"
        " for i in range(raw['chunks'])))\n"
        "print(raw['refresh_token'])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", reader],
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()
