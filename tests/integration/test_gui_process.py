"""``cognito-desktop`` with no subcommand: the real GUI process, signed in through $BROWSER.

The app runs offscreen with ``COGNITO_DESKTOP_PROBE`` (see ``desktop_app.app``) so the
test can tell when its window painted and when it signed in; the stand-in and the API
run in this process, the session goes to a real Secret Service.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import keyring.backends.SecretService
import pytest

from local_cognito import profile, server
from protected_api import server as api_server

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 60
HEAVY = ("requests", "authlib", "jwt", "keyring", "urllib3", "cryptography")


@pytest.fixture
def gui_env(
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
        "XDG_CONFIG_HOME": str(tmp_path / "xdg-config"),
        "COGNITO_DESKTOP_CONFIG": str(config_path),
        "COGNITO_DESKTOP_PROFILE": "local",
        "COGNITO_DESKTOP_LOG_DIR": str(tmp_path / "logs"),
        "BROWSER": f"{sys.executable} -m tests.support.browser_command %s",
        "SCRIPTED_USERNAME": "admin",
        "SCRIPTED_PASSWORD": "Admin-Passw0rd!",
        "PYTHONPATH": str(ROOT),
    }


def run_gui(env: dict[str, str], probe: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "desktop_app"],
        env={**env, "COGNITO_DESKTOP_PROBE": probe},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def test_no_subcommand_opens_the_window_and_paints_before_loading_the_auth_core(
    gui_env: dict[str, str],
) -> None:
    probe = f"import sys, desktop_app.app; print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    imported = subprocess.run(
        [sys.executable, "-c", probe],
        env=gui_env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=True,
    )
    assert imported.stdout.strip() == "[]", "loaded before the first paint: " + imported.stdout
    done = run_gui(gui_env, "first-paint")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("first-paint ")


def test_the_gui_process_signs_in_through_the_browser_and_keeps_the_session(
    gui_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    done = run_gui(gui_env, "signed-in")
    assert done.returncode == 0, done.stderr
    assert "signed-in maxrss_kib=" in done.stdout
    log_text = (Path(gui_env["COGNITO_DESKTOP_LOG_DIR"]) / "cognito-desktop.log").read_text()
    assert "signed in as admin" in log_text
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", gui_env["DBUS_SESSION_BUS_ADDRESS"])
    monkeypatch.delenv("DISPLAY", raising=False)
    stored = keyring.backends.SecretService.Keyring().get_password(
        "cognito-desktop", "profile:local"
    )
    assert stored is not None
    assert "admin" in stored
    # A second start restores silently: the probe's sign-in button is never needed.
    again = run_gui({**gui_env, "BROWSER": "false"}, "signed-in")
    assert again.returncode == 0, again.stderr
