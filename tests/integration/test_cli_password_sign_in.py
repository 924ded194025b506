"""``cognito-desktop login --password-stdin`` and ``self-test --sign-in`` end to end: a
real process, the stand-in, the protected API with password sign-in on, a real Secret
Service; and the app's window restoring such a session.

The API here signs people in on the stand-in's automation app client (``cognito-local
up`` makes one; made here with ``CreateUserPoolClient`` on a stand-in without it, as the
template makes its ``AutomationClient``). test_packaged.py uses the helpers below to run
the bundle's ``self-test --sign-in`` against the same API.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jwt
import pytest
import requests

from desktop_app import config, logs
from local_cognito import profile as local_profile
from local_cognito import seed, server, totp
from protected_api import server as api_server
from protected_api import settings as api_settings_mod
from tests.support import app_env

if TYPE_CHECKING:
    from pytestqt.qtbot import QtBot

pytestmark = pytest.mark.integration
# The demo users' passwords (cognito-local up prints them on purpose).
ALICE = "Alice-Passw0rd!"
ADMIN = "Admin-Passw0rd!"
TIMEOUT = 10


# -- the automation client, the API that signs people in on it, the profile ---------------


def automation_client_id(idp: Any, stand_in: server.LocalCognito) -> str:
    """The app client the API signs people in on: the stand-in's own, else a new one with
    the password flow and refresh and no OAuth (infra/template.yaml's)."""
    made = stand_in.info().get("automation_client_id")
    if made:
        return str(made)
    created = idp.create_user_pool_client(
        UserPoolId=stand_in.pool.id,
        ClientName="automation",
        ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )
    return str(created["UserPoolClient"]["ClientId"])


def password_api_settings(
    stand_in: server.LocalCognito, client_id: str
) -> api_settings_mod.Settings:
    """conftest's API settings with password sign-in on ``client_id``, whose tokens the API
    then accepts besides the desktop client's."""
    info = stand_in.info()
    return api_settings_mod.Settings.from_env(
        {
            "COGNITO_USER_POOL_ID": info["user_pool_id"],
            "COGNITO_CLIENT_IDS": f"{info['client_id']},{client_id}",
            "COGNITO_JWKS_URL": info["jwks_url"],
            "COGNITO_IDP_ENDPOINT_URL": info["cognito_idp_endpoint"],
            "PASSWORD_SIGN_IN_CLIENT_ID": client_id,
        }
    )


@pytest.fixture
def automation_client(idp: Any, stand_in: server.LocalCognito) -> str:
    return automation_client_id(idp, stand_in)


@pytest.fixture
def api_settings(
    stand_in: server.LocalCognito, automation_client: str
) -> api_settings_mod.Settings:
    """Replaces conftest's: its ``api`` fixture then has password sign-in on."""
    return password_api_settings(stand_in, automation_client)


def password_profile_values(
    stand_in: server.LocalCognito, api_url: str, client_id: str, *, on: bool = True
) -> dict[str, Any]:
    """The stand-in's ``local`` profile with password sign-in ``on`` (or off) for
    ``client_id`` at the API at ``api_url``."""
    values = app_env.profile_values(stand_in, api_url)
    values.update(password_sign_in=on, password_sign_in_client_id=client_id)
    return values


def write_password_config(
    folder: Path, stand_in: server.LocalCognito, api_url: str, client_id: str, *, on: bool = True
) -> dict[str, str]:
    """``COGNITO_DESKTOP_CONFIG`` for a new config file under ``folder`` holding
    :func:`password_profile_values` as profile ``local`` (process_env's ``extra``)."""
    path = folder / "password-config" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    local_profile.write(path, password_profile_values(stand_in, api_url, client_id, on=on))
    return {config.CONFIG_ENV: str(path)}


@pytest.fixture
def env(
    process_env: Callable[..., dict[str, str]],
    stand_in: server.LocalCognito,
    api: api_server.ApiServer,
    automation_client: str,
    tmp_path: Path,
) -> Iterator[dict[str, str]]:
    """A ``cognito-desktop`` process's environment on a profile with password sign-in on
    (``$BROWSER`` fails if a browser is ever opened). The Secret Service lives for the
    whole run: a test starts with nothing stored, and leaves nothing."""
    made = process_env(
        BROWSER="false %s",
        **write_password_config(tmp_path, stand_in, api.url, automation_client),
    )
    forget(made)
    yield made
    forget(made)


def forget(env: dict[str, str]) -> None:
    """Remove whatever the app keeps for profile ``local`` (another test's session)."""
    done = app_env.run_python(env, "-c", _FORGET)
    assert done.returncode == 0, done.stderr


_FORGET = """
import keyring.backends.SecretService as secret_service
from desktop_app.auth import store
store.KeyringStore(secret_service.Keyring(), "local").delete()
"""


def stored(env: dict[str, str]) -> dict[str, Any] | None:
    raw = app_env.stored_session(env)
    return None if raw is None else dict(json.loads(raw))


def api_refresh(api: api_server.ApiServer, refresh_token: str, username: str) -> requests.Response:
    return requests.post(
        f"{api.url}/auth/refresh",
        json={"refresh_token": refresh_token, "username": username},
        timeout=TIMEOUT,
    )


def log_text(env: dict[str, str]) -> str:
    return "\n".join(p.read_text() for p in Path(env[logs.LOG_DIR_ENV]).glob("*"))


# -- login --password-stdin ---------------------------------------------------------------


def test_login_status_api_token_logout_with_a_password(
    env: dict[str, str], api: api_server.ApiServer, automation_client: str
) -> None:
    login = app_env.run_cli(
        env, "login", "--password-stdin", "--username", "admin", stdin=f"{ADMIN}\n"
    )
    assert login.returncode == 0, login.stderr
    assert login.stderr == "Signed in as admin (groups: Admin) with password sign-in.\n"
    assert login.stdout == ""

    kept = stored(env)  # in the Secret Service, as after a browser sign-in, marked
    assert kept is not None
    assert (kept["flow"], kept["client_id"], kept["username"]) == (
        "password",
        automation_client,
        "admin",
    )

    # Each new process resumes: a refresh through the API's /auth/refresh.
    status = app_env.run_cli(env, "status", "--json")
    assert status.returncode == 0, status.stderr
    info = json.loads(status.stdout)
    assert (info["signed_in"], info["username"], info["flow"]) == (True, "admin", "password")
    assert info["is_admin"] is True and info["storage"]["secure"] is True
    text = app_env.run_cli(env, "status")
    assert "with password sign-in" in text.stdout

    me = app_env.run_cli(env, "api", "GET", "/me")
    assert me.returncode == 0, me.stderr
    assert json.loads(me.stdout)["username"] == "admin"
    id_token = app_env.run_cli(env, "token", "--id").stdout.strip()
    assert jwt.decode(id_token, options={"verify_signature": False})["aud"] == automation_client

    logout = app_env.run_cli(env, "logout")
    assert logout.returncode == 0, logout.stderr
    assert logout.stderr == "Signed out on this computer.\n"  # no browser to end
    assert stored(env) is None
    assert app_env.run_cli(env, "status").returncode == 1
    # Revoked at the pool (RevokeToken), not just forgotten here: the API cannot refresh it.
    dead = api_refresh(api, kept["refresh_token"], "admin")
    assert (dead.status_code, dead.json()["error"]) == (401, "invalid_grant")

    logged = log_text(env)
    assert logged, "the CLI wrote no log"
    for secret in (ADMIN, kept["refresh_token"], id_token):
        assert secret not in logged
    assert "eyJ" not in logged


def test_the_username_may_be_the_first_stdin_line(env: dict[str, str]) -> None:
    login = app_env.run_cli(env, "login", "--password-stdin", stdin=f"alice\n{ALICE}\n")
    assert login.returncode == 0, login.stderr
    assert "Signed in as alice" in login.stderr


def test_a_wrong_password_is_one_line_and_nothing_is_stored(env: dict[str, str]) -> None:
    wrong = "Not-Alices-Passw0rd!"
    login = app_env.run_cli(
        env, "login", "--password-stdin", "--username", "alice", stdin=f"{wrong}\n"
    )
    assert login.returncode == 1
    assert login.stderr == "cognito-desktop: incorrect username or password\n"
    assert stored(env) is None
    assert wrong not in log_text(env)


def test_an_unknown_user_reads_exactly_like_a_wrong_password(env: dict[str, str]) -> None:
    login = app_env.run_cli(
        env, "login", "--password-stdin", "--username", "nobody-here", stdin=f"{ALICE}\n"
    )
    assert login.returncode == 1
    assert login.stderr == "cognito-desktop: incorrect username or password\n"


def test_a_disabled_account_is_told_so(env: dict[str, str]) -> None:
    login = app_env.run_cli(env, "login", "--password-stdin", stdin="dora\nDora-Passw0rd!\n")
    assert login.returncode == 1
    assert login.stderr == (
        "cognito-desktop: this account is disabled; ask an administrator to enable it\n"
    )


def test_a_new_password_is_the_next_stdin_line(env: dict[str, str]) -> None:
    chosen = "Newbie-Chose-0ne!"
    login = app_env.run_cli(
        env,
        "login",
        "--password-stdin",
        stdin=f"newbie\n{app_env.password('newbie')}\n{chosen}\n",
    )
    assert login.returncode == 0, login.stderr
    assert "This account must choose a new password." in login.stderr
    assert "Signed in as newbie" in login.stderr
    assert app_env.run_cli(env, "logout").returncode == 0
    again = app_env.run_cli(
        env, "login", "--password-stdin", "--username", "newbie", stdin=f"{chosen}\n"
    )
    assert again.returncode == 0, again.stderr
    assert chosen not in log_text(env)


def test_a_new_password_missing_from_stdin_says_so(env: dict[str, str]) -> None:
    login = app_env.run_cli(
        env, "login", "--password-stdin", stdin=f"newbie\n{app_env.password('newbie')}\n"
    )
    assert login.returncode == 1
    assert login.stderr.splitlines()[-1] == "cognito-desktop: no new password on stdin"
    assert stored(env) is None


def test_an_authenticator_code_from_stdin(
    env: dict[str, str], stand_in: server.LocalCognito
) -> None:
    code = totp.code(seed.DEMO_TOTP_SECRET, stand_in.pool.now())
    login = app_env.run_cli(
        env,
        "login",
        "--password-stdin",
        "--totp-code-stdin",
        stdin=f"tom\n{app_env.password('tom')}\n{code}\n",
    )
    assert login.returncode == 0, login.stderr
    assert "Signed in as tom" in login.stderr
    kept = stored(env)
    assert kept is not None and kept["username"] == "tom"


def test_a_wrong_authenticator_code_is_refused(env: dict[str, str]) -> None:
    login = app_env.run_cli(
        env,
        "login",
        "--password-stdin",
        "--totp-code-stdin",
        stdin=f"tom\n{app_env.password('tom')}\n000000\n",
    )
    assert login.returncode == 1
    assert login.stderr == (
        "cognito-desktop: that is not the code the authenticator app shows now (or it was "
        "used already); try again with the next one\n"
    )
    assert stored(env) is None


def test_sign_out_everywhere_ends_a_password_session_too(
    env: dict[str, str], api: api_server.ApiServer
) -> None:
    login = app_env.run_cli(env, "login", "--password-stdin", stdin=f"alice\n{ALICE}\n")
    assert login.returncode == 0, login.stderr
    kept = stored(env)
    assert kept is not None
    logout = app_env.run_cli(env, "logout", "--everywhere")
    assert logout.returncode == 0, logout.stderr
    assert "All other sessions were ended too." in logout.stderr
    assert api_refresh(api, kept["refresh_token"], "alice").status_code == 401


def test_password_sign_in_off_in_the_profile_says_how_to_turn_it_on(
    process_env: Callable[..., dict[str, str]],
    stand_in: server.LocalCognito,
    api: api_server.ApiServer,
    automation_client: str,
    tmp_path: Path,
) -> None:
    off = process_env(
        **write_password_config(tmp_path, stand_in, api.url, automation_client, on=False)
    )
    login = app_env.run_cli(
        off, "login", "--password-stdin", "--username", "alice", stdin=f"{ALICE}\n"
    )
    assert login.returncode == 1
    (line,) = login.stderr.splitlines()
    assert "password sign-in is off for profile 'local'" in line
    assert "password_sign_in = true" in line


# -- self-test --sign-in --------------------------------------------------------------------


def test_self_test_sign_in_passes_step_by_step(env: dict[str, str]) -> None:
    done = app_env.run_cli(env, "self-test", "--sign-in", stdin=f"alice\n{ALICE}\n")
    assert done.returncode == 0, done.stdout + done.stderr
    header, *lines, verdict = done.stdout.splitlines()
    assert header.startswith("cognito-desktop ") and verdict == "self-test passed"
    steps = [line.split()[1] for line in lines]
    assert steps == ["config", "credentials", "discovery", "sign-in", "refresh", "api", "sign-out"]
    assert all(line.startswith("ok ") for line in lines), done.stdout
    assert ALICE not in done.stdout + done.stderr
    assert stored(env) is None  # memory only: a tester's own sign-in is never replaced


def test_self_test_sign_in_with_a_wrong_password_fails_with_a_fix(env: dict[str, str]) -> None:
    done = app_env.run_cli(
        env, "self-test", "--sign-in", "--username", "alice", stdin="Wr0ng-Password!\n"
    )
    assert done.returncode == 1
    failing = [line.split()[1] for line in done.stdout.splitlines() if line.startswith("FAIL")]
    assert failing == ["sign-in"]
    assert "incorrect username or password" in done.stdout
    assert "fix: check the username and password on stdin" in done.stdout
    assert done.stdout.splitlines()[-1] == "self-test FAILED: sign-in"


# -- the app's window: a password session restores silently and signs out without a browser


def test_the_window_restores_a_password_session_and_signs_it_out_without_a_browser(
    qtbot: QtBot,
    stand_in: server.LocalCognito,
    api: api_server.ApiServer,
    automation_client: str,
) -> None:
    from desktop_app.auth import session, store
    from desktop_app.qt import bridge as qt_bridge

    profile = config.parse_profile(
        "local", password_profile_values(stand_in, api.url, automation_client)
    )
    assert profile.sign_out_in_browser
    kept = store.MemoryStore(warning=None)

    def no_browser(url: str) -> bool:
        raise AssertionError("a browser was opened")

    def no_questions(challenge: Any) -> str:
        raise AssertionError(f"asked {challenge.name}")

    first = session.Session(profile, token_store=kept, open_browser=no_browser)
    first.sign_in_with_password("alice", ALICE, answer=no_questions)  # as the CLI does

    subject = qt_bridge.SessionBridge(
        session.Session(profile, token_store=kept, open_browser=no_browser)
    )
    try:
        with qtbot.waitSignal(subject.signedIn, timeout=20_000):
            subject.restore()
        identity = subject.identity
        assert identity is not None and identity.username == "alice"
        assert not subject.browser_sign_out_follows
        with qtbot.waitSignal(subject.signedOut, timeout=20_000) as signed_out:
            subject.sign_out()
        assert signed_out.args == [[]]
        qtbot.wait(100)
        assert not subject.ending_browser_session and kept.load() is None
    finally:
        subject.shutdown()
