"""``cognito-desktop`` end to end: a real process, the stand-in, the API, a real keyring.

The system browser is ``$BROWSER``: a scripted person who signs in on managed login
and lands on the app's loopback receiver, as a browser would.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.parse
from collections.abc import Callable
from pathlib import Path

import jwt
import pytest

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


def test_logout_ends_the_browser_session_too_unless_told_not_to(
    cli_env: dict[str, str], stand_in: server.LocalCognito, tmp_path: Path
) -> None:
    record = tmp_path / "opened.txt"
    env = {**cli_env, "SCRIPTED_RECORD": str(record)}
    assert app_env.run_cli(env, "login").returncode == 0
    result = app_env.run_cli(env, "logout")
    assert result.returncode == 0, result.stderr
    assert "The browser is signed out too." in result.stderr
    logout = record.read_text().splitlines()[-1]
    assert logout.startswith(f"{stand_in.url}/logout?client_id={stand_in.pool.client_id}")
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(logout).query))
    assert query["logout_uri"] == stand_in.pool.settings.logout_urls[0]

    assert app_env.run_cli(env, "login").returncode == 0
    opened = len(record.read_text().splitlines())
    skipped = app_env.run_cli(env, "logout", "--no-browser")
    assert skipped.returncode == 0, skipped.stderr
    assert len(record.read_text().splitlines()) == opened  # no browser was opened
    assert f"may still be signed in; to end that too, open: {logout}" in skipped.stderr


def test_logout_says_so_in_one_line_when_the_browser_cannot_be_opened(
    cli_env: dict[str, str],
) -> None:
    assert app_env.run_cli(cli_env, "login").returncode == 0
    env = {**cli_env, "BROWSER": f'{sys.executable} -c "raise SystemExit(1)" %s'}
    result = app_env.run_cli(env, "logout")
    assert result.returncode == 0, result.stderr  # the local sign-out stands
    assert "Signed out on this computer." in result.stderr
    warnings = [line for line in result.stderr.splitlines() if "warning:" in line]
    assert len(warnings) == 1 and "could not open the browser" in warnings[0]
    assert "/logout?client_id=" in warnings[0]
    assert app_env.run_cli(cli_env, "status").returncode == 1


def test_login_prompt_login_sends_prompt_login(cli_env: dict[str, str], tmp_path: Path) -> None:
    record = tmp_path / "opened.txt"
    env = {**cli_env, "SCRIPTED_RECORD": str(record)}
    assert app_env.run_cli(env, "login", "--prompt-login").returncode == 0
    authorize = record.read_text().splitlines()[0]
    assert dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(authorize).query))["prompt"] == "login"
    assert app_env.run_cli(env, "logout", "--no-browser").returncode == 0  # the keyring is shared
