"""``cognito-desktop`` end to end: a real process, the stand-in, the API, a real keyring.

The system browser is ``$BROWSER``: a scripted person who signs in on managed login
and lands on the app's loopback receiver, as a browser would.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import jwt
import pytest
import requests

from local_cognito import server
from tests.support import app_env, relying_party
from tests.support.scripted_browser import ScriptedBrowser

pytestmark = pytest.mark.integration


@pytest.fixture
def cli_env(process_env: Callable[..., dict[str, str]]) -> dict[str, str]:
    return process_env()


def stored_refresh_token(env: dict[str, str]) -> str:
    stored = app_env.stored_session(env)
    assert stored is not None
    return str(json.loads(stored)["refresh_token"])


def test_login_status_token_api_logout(
    cli_env: dict[str, str], stand_in: server.LocalCognito
) -> None:
    login = app_env.run_cli(cli_env, "login")
    assert login.returncode == 0, login.stderr
    assert "Signed in as alice" in login.stderr

    status = app_env.run_cli(cli_env, "status", "--json")
    assert status.returncode == 0, status.stderr
    info = json.loads(status.stdout)
    assert info["signed_in"] is True and info["username"] == "alice"
    assert info["storage"]["secure"] is True

    access = app_env.run_cli(cli_env, "token").stdout.strip()
    claims = jwt.decode(access, options={"verify_signature": False})
    assert claims["token_use"] == "access" and claims["username"] == "alice"
    id_token = app_env.run_cli(cli_env, "token", "--id").stdout.strip()
    assert jwt.decode(id_token, options={"verify_signature": False})["token_use"] == "id"

    me = app_env.run_cli(cli_env, "api", "GET", "/me")
    assert me.returncode == 0, me.stderr
    assert json.loads(me.stdout)["username"] == "alice"

    refresh_token = stored_refresh_token(cli_env)
    logout = app_env.run_cli(cli_env, "logout")
    assert logout.returncode == 0, logout.stderr
    assert app_env.run_cli(cli_env, "status").returncode == 1

    # The refresh token was revoked at the server, not just forgotten here.
    assert relying_party.refresh(stand_in, refresh_token).json() == {"error": "invalid_grant"}

    log_text = "\n".join(p.read_text() for p in Path(cli_env["COGNITO_DESKTOP_LOG_DIR"]).glob("*"))
    assert log_text, "the CLI wrote no log"
    for what, secret in {
        "refresh token": refresh_token,
        "access token": access,
        "ID token": id_token,
        "password": "Alice-Passw0rd!",
    }.items():
        assert secret not in log_text, f"the {what} is in the log"
    assert "eyJ" not in log_text


def test_login_without_a_browser_by_pasting_the_redirect(
    cli_env: dict[str, str], stand_in: server.LocalCognito
) -> None:
    with subprocess.Popen(
        [sys.executable, "-m", "desktop_app.cli", "login", "--no-browser"],
        env=cli_env,
        cwd=app_env.ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        try:
            assert process.stderr is not None and process.stdin is not None
            url = ""
            for _ in range(10):
                line = process.stderr.readline()
                if line.startswith("http"):
                    url = line.strip()
                    break
            assert url.startswith(f"{stand_in.url}/oauth2/authorize?")
            browser = ScriptedBrowser(stand_in.url)
            page = browser.open_url(url)
            assert not isinstance(page, str)
            redirect = browser.submit(page, username="alice", password="Alice-Passw0rd!")
            assert isinstance(redirect, str)
            process.stdin.write(redirect + "\n")
            process.stdin.close()
            assert process.wait(timeout=app_env.TIMEOUT_S) == 0, process.stderr.read()
        finally:
            if process.poll() is None:
                process.kill()
    assert json.loads(app_env.run_cli(cli_env, "status", "--json").stdout)["username"] == "alice"


def test_a_pasted_redirect_with_the_wrong_state_is_refused(cli_env: dict[str, str]) -> None:
    result = app_env.run_cli(
        cli_env,
        "login",
        "--no-browser",
        stdin="http://127.0.0.1:53682/callback?code=abc&state=forged\n",
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith("cognito-desktop: ")
    assert "Traceback" not in result.stderr
    assert app_env.run_cli(cli_env, "status").returncode == 1


def test_commands_need_a_session(cli_env: dict[str, str]) -> None:
    for args in (("token",), ("api", "GET", "/me")):
        result = app_env.run_cli(cli_env, *args)
        assert result.returncode == 1
        assert "not signed in" in result.stderr
        assert "Traceback" not in result.stderr


def test_self_test_reports_each_check(cli_env: dict[str, str]) -> None:
    before = app_env.run_cli(cli_env, "self-test")
    assert before.returncode == 0, before.stdout + before.stderr
    header, *lines, verdict = before.stdout.splitlines()
    assert header.startswith("cognito-desktop ") and ", from source, " in header
    assert [line.split()[1] for line in lines] == list(app_env.SELF_TEST_CHECKS)
    assert all(line.startswith("ok") for line in lines), before.stdout
    assert "not signed in" in lines[7]
    assert verdict == "self-test passed"
    broken = {**cli_env, "DBUS_SESSION_BUS_ADDRESS": "unix:path=/nonexistent/bus"}
    without_keyring = app_env.run_cli(broken, "self-test")
    assert without_keyring.returncode == 1
    failing = [line for line in without_keyring.stdout.splitlines() if line.startswith("FAIL")]
    assert [line.split()[1] for line in failing] == ["keyring"]
    assert "fix: start and unlock a Secret Service" in without_keyring.stdout


def test_logout_with_browser_opens_managed_logins_logout(
    cli_env: dict[str, str], stand_in: server.LocalCognito, tmp_path: Path
) -> None:
    assert app_env.run_cli(cli_env, "login").returncode == 0
    opened = tmp_path / "opened.txt"
    recorder = f"import sys; open({str(opened)!r}, 'w').write(sys.argv[1])"
    env = {**cli_env, "BROWSER": f'{sys.executable} -c "{recorder}" %s'}
    result = app_env.run_cli(env, "logout", "--browser")
    assert result.returncode == 0, result.stderr
    url = opened.read_text()
    assert url.startswith(f"{stand_in.url}/logout?client_id={stand_in.pool.client_id}")
    answer = requests.get(url, allow_redirects=False, timeout=10)
    assert answer.status_code == 302
    assert answer.headers["Location"] == stand_in.pool.settings.logout_urls[0]
