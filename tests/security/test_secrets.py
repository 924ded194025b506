"""One whole session at DEBUG, then every file and stream it wrote is searched for secrets.

The session: ``cognito-desktop`` as real processes (login through ``$BROWSER``,
status, token, token --id, ``api GET /me``, logout; all at ``-vv``) on a real Secret
Service; the GUI process signing an admin in (it writes QSettings); and, in this
process, the app's own Session and API clients at DEBUG: sign-in, refresh, GET /me,
admin actions (invite, add to group, disable, enable, reset password), and failures
(state mismatch, access_denied, a 500 on refresh, invalid_grant), then sign-out.

Every secret is collected where it is born: codes from the browser's side, PKCE
verifiers, states and nonces by wrapping :mod:`desktop_app.auth.pkce` (in the child
processes through a ``sitecustomize`` hook), tokens from the store and the session,
passwords, and invitees' temporary passwords from the stand-in's outbox. Searched:
the log directory, stdout and stderr of every process and of this one, the config
file, the XDG config dir (QSettings' ``gui.ini``), and the temp dir the processes
used. Each secret is looked for as is, URL-encoded and base64-encoded; and no JWT
("eyJ") may appear at all.

Two exceptions are by design: ``token`` prints the token on stdout (its job), and
``login`` prints the authorize URL for the person
(RFC 8252 front channel, like the browser's address bar). That URL carries the state
and nonce (never the verifier); they may appear inside it on stderr, and nowhere else.
"""

from __future__ import annotations

import base64
import logging
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from desktop_app import errors, logs
from desktop_app.api import admin as admin_api
from desktop_app.api import client as api_client
from desktop_app.auth import pkce, session, store
from local_cognito import server
from protected_api import server as api_server
from tests.support import app_env, app_logging, clock, start_link
from tests.support.fault_proxy import FaultProxy
from tests.support.scripted_browser import ScriptedBrowser, callback_params

pytestmark = [pytest.mark.integration, pytest.mark.slow]
PASSWORDS = {f"{name}'s password": app_env.password(name) for name in ("alice", "admin")}

# Loaded by every child Python through PYTHONPATH: records what pkce makes.
SITECUSTOMIZE = """
import os
from desktop_app.auth import pkce

def _recorded(name, make):
    def made():
        value = make()
        with open(os.environ["SECRETS_RECORD"], "a", encoding="utf-8") as out:
            out.write(f"{name} {value}\\n")
        return value
    return made

for _name in ("new_verifier", "new_state", "new_nonce"):
    setattr(pkce, _name, _recorded(_name, getattr(pkce, _name)))
"""


class Secrets:
    """Every secret of the session, by a name that says where it came from."""

    def __init__(self) -> None:
        self.values: dict[str, str] = dict(PASSWORDS)

    def add(self, what: str, value: str | None) -> None:
        if value:
            self.values[f"{what} #{len(self.values)}"] = value

    def forms(self) -> Iterator[tuple[str, str]]:
        for what, value in self.values.items():
            yield what, value
            yield f"{what} (URL-encoded)", urllib.parse.quote(value, safe="")
            raw = value.encode()
            yield f"{what} (base64)", base64.b64encode(raw).decode().rstrip("=")
            yield f"{what} (base64url)", base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def found_in(self, text: str) -> list[str]:
        found = [what for what, form in self.forms() if form in text]
        if "eyJ" in text:
            found.append("a JWT (eyJ...)")
        return found


@pytest.fixture
def secrets(monkeypatch: pytest.MonkeyPatch) -> Secrets:
    collected = Secrets()
    for name in ("new_verifier", "new_state", "new_nonce"):
        maker = getattr(pkce, name)

        def recorded(make: Callable[[], str] = maker, name: str = name) -> str:
            value = make()
            collected.add(name, value)
            return value

        monkeypatch.setattr(pkce, name, recorded)
    return collected


@pytest.fixture
def dirs(tmp_path: Path) -> dict[str, Path]:
    made = {
        name: tmp_path / name for name in ("logs", "xdg-config", "tmp", "config", "hook", "record")
    }
    for path in made.values():
        path.mkdir()
    (made["hook"] / "sitecustomize.py").write_text(SITECUSTOMIZE)
    return made


@pytest.fixture
def env(process_env: Callable[..., dict[str, str]], dirs: dict[str, Path]) -> dict[str, str]:
    # Under tmp_path: config/, logs/ and xdg-config/, as in dirs (all searched below).
    return process_env(
        TMPDIR=str(dirs["tmp"]),
        SCRIPTED_RECORD=str(dirs["record"] / "browser.txt"),
        SECRETS_RECORD=str(dirs["record"] / "pkce.txt"),
        PYTHONPATH=f"{dirs['hook']}:{app_env.ROOT}",
    )


class Streams:
    """stdout and stderr of every child process."""

    def __init__(self) -> None:
        self.text: list[str] = []

    def run(
        self, env: dict[str, str], *args: str, gui: bool = False, prints_a_token: bool = False
    ) -> str:
        """Run the CLI (or the GUI); ``prints_a_token``: stdout is the token, by design."""
        done = app_env.run_gui(env, "signed-in") if gui else app_env.run_cli(env, "-vv", *args)
        self.text += [done.stderr] if prints_a_token else [done.stdout, done.stderr]
        assert done.returncode == 0, f"{args or 'gui'}: {done.stderr[-2000:]}"
        return done.stdout


def read_records(record: Path, secrets: Secrets) -> list[str]:
    """The children's secrets; returns the authorize URLs the browser was given."""
    authorize: list[str] = []
    for line in (record / "pkce.txt").read_text().splitlines():
        name, value = line.split(" ", 1)
        secrets.add(f"child {name}", value)
    for url in (record / "browser.txt").read_text().splitlines():
        params = callback_params(url)
        if urllib.parse.urlsplit(url).path == "/logout":
            continue  # the sign-out's /logout: client_id and logout_uri, no secret
        if "code" in params:
            secrets.add("child authorization code", params["code"])
        else:
            authorize.append(url)
    return authorize


def in_process_session(
    stand_in: server.LocalCognito,
    api: api_server.ApiServer,
    idp: Any,
    fake_clock: clock.FakeClock,
    secrets: Secrets,
) -> None:
    """The app's core at DEBUG in this process: sign-in, refresh, API, admin, failures."""
    proxy = FaultProxy(stand_in.url)
    profile = app_env.profile(stand_in, api.url, idp_via=proxy.url)

    behaviour = {"as": "admin"}

    def browser(url: str) -> bool:
        url = start_link.follow(url)  # the one-time loopback link, as a browser would

        def person() -> None:
            query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
            if behaviour["as"] == "deny":
                target = (
                    query["redirect_uri"]
                    + "?"
                    + urllib.parse.urlencode({"error": "access_denied", "state": query["state"]})
                )
            elif behaviour["as"] == "forge":
                target = query["redirect_uri"] + "?code=forged-code&state=forged-state"
            else:
                scripted = ScriptedBrowser(stand_in.url)
                page = scripted.open_url(url)
                assert not isinstance(page, str)
                target = scripted.submit(
                    page, username="admin", password=PASSWORDS["admin's password"]
                )  # type: ignore[assignment]
                assert isinstance(target, str)
                secrets.add("authorization code", callback_params(target)["code"])
            requests.get(target, timeout=10)

        threading.Thread(target=person, name="scripted-browser", daemon=True).start()
        return True

    memory = store.MemoryStore()
    current = session.Session(
        profile, token_store=memory, now=fake_clock, sleep=lambda s: None, open_browser=browser
    )
    try:
        assert current.sign_in(timeout=30).username == "admin"
        stored = memory.load()
        assert stored is not None
        secrets.add("refresh token", stored.refresh_token)
        secrets.add("access token", current.access_token())
        secrets.add("ID token", current.id_token())
        fake_clock.advance(3600 - 30)
        secrets.add("refreshed access token", current.access_token())
        secrets.add("refreshed ID token", current.id_token())

        caller = api_client.ApiClient(api.url, current, current.http)
        assert caller.get_json("/me")["username"] == "admin"
        admin_api.invite_user(caller, "carol", "carol@example.com", groups=["Admin"])
        admin_api.add_to_group(caller, "alice", "Admin")
        admin_api.remove_from_group(caller, "alice", "Admin")
        admin_api.disable_user(caller, "carol")
        admin_api.enable_user(caller, "carol")
        admin_api.reset_password(caller, "alice")
        admin_api.resend_invitation(caller, "carol")
        for message in stand_in.pool.outbox.messages():
            secrets.add("temporary password", message.temporary_password)
            secrets.add("emailed code", message.code)

        behaviour["as"] = "forge"  # refused with a page; the sign-in waits on, then times out
        with pytest.raises(errors.SignInTimeout):
            current.sign_in(timeout=1)
        behaviour["as"] = "deny"
        with pytest.raises(errors.AuthorizationDenied):
            current.sign_in(timeout=30)
        proxy.fault("/oauth2/token", "500")
        with pytest.raises(errors.NetworkError):
            current.refresh()
        proxy.clear()
        assert current.sign_out() == []
        revoked = store.MemoryStore()
        revoked.save(stored)
        after = session.Session(profile, token_store=revoked, now=fake_clock)
        with pytest.raises(errors.SessionExpired):  # invalid_grant: the revoked token is refused
            after.resume()
    finally:
        proxy.close()


def test_a_whole_session_at_debug_leaves_no_secret_anywhere(
    stand_in: server.LocalCognito,
    api: api_server.ApiServer,
    idp: Any,
    fake_clock: clock.FakeClock,
    env: dict[str, str],
    dirs: dict[str, Path],
    secrets: Secrets,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv(logs.LOG_DIR_ENV, str(dirs["logs"]))
    streams = Streams()
    # The CLI, as real processes, on the real keyring.
    streams.run(env, "login")
    streams.run(env, "status", "--json")
    secrets.add("CLI access token", streams.run(env, "token", prints_a_token=True).strip())
    secrets.add("CLI ID token", streams.run(env, "token", "--id", prints_a_token=True).strip())
    streams.run(env, "api", "GET", "/me")
    streams.run(env, "logout")
    # The GUI process signs the admin in (and writes its QSettings), then quits.
    as_admin = {"SCRIPTED_USERNAME": "admin", "SCRIPTED_PASSWORD": PASSWORDS["admin's password"]}
    streams.run({**env, **as_admin}, gui=True)
    authorize_urls = read_records(dirs["record"], secrets)
    assert len(authorize_urls) == 2

    # The core in this process, logging at DEBUG to the same log directory.
    with app_logging.set_up(2) as log_file:
        in_process_session(stand_in, api, idp, fake_clock, secrets)
    assert log_file is not None and log_file.parent == dirs["logs"]
    captured = capfd.readouterr()

    kinds = {k.split(" #")[0] for k in secrets.values}
    for needed in (
        "child new_verifier",
        "child authorization code",
        "authorization code",
        "refresh token",
        "temporary password",
        "new_verifier",
        "CLI access token",
    ):
        assert needed in kinds, f"the session never produced a {needed}"

    searched: dict[str, str] = {}
    for root in ("logs", "xdg-config", "tmp", "config"):
        for path in sorted(dirs[root].rglob("*")):
            if path.is_file():
                searched[str(path.relative_to(dirs["logs"].parent))] = path.read_text(
                    encoding="utf-8", errors="replace"
                )
    assert any(name.endswith("gui.ini") for name in searched), "no QSettings file was written"
    log_text = "".join(v for k, v in searched.items() if k.startswith("logs"))
    assert "POST /oauth2/token" in log_text and "DEBUG" in log_text, "not a DEBUG log"

    stderr_and_stdout = "\n".join([*streams.text, captured.out, captured.err])
    for url in authorize_urls:  # the one place state and nonce may be shown, by design
        assert stderr_and_stdout.count(url) <= 1, "the authorize URL was printed more than once"
        stderr_and_stdout = stderr_and_stdout.replace(url, "<authorize URL>")
    searched["stdout and stderr"] = stderr_and_stdout
    searched["this process's log records"] = "\n".join(
        r.getMessage()
        for r in caplog.records
        if r.name.startswith(("desktop_app", "urllib3")) and r.threadName != "scripted-browser"
    )

    leaks = {where: found for where, text in searched.items() if (found := secrets.found_in(text))}
    assert not leaks, f"secrets found: {leaks}"
