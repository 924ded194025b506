"""The account lifecycle from the app's side, against the stand-in over real HTTP.

- TOTP MFA through :mod:`desktop_app.auth.mfa` and ``cognito-desktop mfa``, with codes
  computed here (``local_cognito.totp``) as an authenticator app would;
- "Create an account" and "Forgot your password?": the app's own sign-in flow (PKCE,
  state, nonce, loopback receiver, one-time start link) starting on managed login's
  ``/signup`` and ``/forgotPassword``, driven by a scripted person, ending signed in.
"""

from __future__ import annotations

import dataclasses
import queue
import subprocess
import sys
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

import pytest
import requests

from desktop_app.auth import authorization, cognito_idp, mfa, session, store
from desktop_app.logs import LOG_DIR_ENV
from local_cognito import server, totp
from tests.support import app_env, clock, start_link
from tests.support.person import Person
from tests.support.scripted_browser import AuthRequest, Page, ScriptedBrowser, callback_params

pytestmark = pytest.mark.integration

SIGN_IN_TIMEOUT_S = 20.0


def signed_in(
    stand_in: server.LocalCognito,
    username: str = "alice",
    scopes: tuple[str, ...] | None = None,
) -> session.Session:
    """A session signed in through managed login, as the app does."""
    profile = app_env.profile(stand_in)
    if scopes is not None:
        profile = dataclasses.replace(profile, scopes=scopes)
    person = Person(stand_in.url, username, app_env.password(username))
    current = session.Session(
        profile, token_store=store.MemoryStore(warning=None), open_browser=person.open
    )
    current.sign_in(timeout=SIGN_IN_TIMEOUT_S)
    assert person.settle() == []
    return current


@pytest.fixture
def alice(stand_in: server.LocalCognito) -> Iterator[session.Session]:
    current = signed_in(stand_in)
    yield current
    current.http.close()


def authenticator(secret: str, fake_clock: clock.FakeClock) -> str:
    """The code an authenticator app shows now (the stand-in's now)."""
    return totp.code(secret, fake_clock())


# -- TOTP through the app's module -------------------------------------------------------------


def test_enrol_then_turn_off_with_real_codes(
    alice: session.Session, fake_clock: clock.FakeClock
) -> None:
    subject = mfa.Mfa(alice)
    assert subject.allowed  # the stand-in's profile asks for the admin scope
    assert subject.status() == mfa.Status("alice", (), None)

    enrolment = subject.begin()
    assert enrolment.account == "alice" and enrolment.issuer == "Cognito Desktop (local)"
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(enrolment.uri).query))
    assert query["secret"] == enrolment.secret
    subject.confirm(authenticator(enrolment.secret, fake_clock))
    status = subject.status()
    assert status.totp and status.preferred == mfa.TOTP

    subject.turn_off()
    assert not subject.status().totp


def test_a_wrong_code_turns_nothing_on(alice: session.Session, fake_clock: clock.FakeClock) -> None:
    subject = mfa.Mfa(alice)
    enrolment = subject.begin()
    # A code from ten minutes ahead: well outside the +-1 step window.
    wrong = totp.code(enrolment.secret, fake_clock() + 600)
    assert wrong != authenticator(enrolment.secret, fake_clock)
    with pytest.raises(mfa.WrongCodeError):
        subject.confirm(wrong)
    assert not subject.status().totp
    subject.confirm(authenticator(enrolment.secret, fake_clock))  # the secret still works
    assert subject.status().totp


def test_the_next_sign_in_asks_for_a_code_from_the_app_it_was_enrolled_in(
    alice: session.Session, fake_clock: clock.FakeClock, stand_in: server.LocalCognito
) -> None:
    subject = mfa.Mfa(alice)
    enrolment = subject.begin()
    subject.confirm(authenticator(enrolment.secret, fake_clock))
    fake_clock.advance(totp.STEP_S)  # the next code: the one used to enrol is spent

    browser, request = ScriptedBrowser(stand_in.url), _auth_request(stand_in)
    page = browser.open(request)
    assert isinstance(page, Page)
    asked = browser.submit(page, username="alice", password=app_env.password("alice"))
    assert isinstance(asked, Page) and asked.form is not None and "code" in asked.form.inputs
    landed = browser.submit(asked, code=authenticator(enrolment.secret, fake_clock))
    assert isinstance(landed, str) and "code" in callback_params(landed)


def test_without_the_admin_scope_nothing_is_asked(stand_in: server.LocalCognito) -> None:
    current = signed_in(stand_in, scopes=("openid", "email", "profile"))
    subject = mfa.Mfa(current)
    assert not subject.allowed
    with pytest.raises(mfa.MissingScopeError, match=r"'aws\.cognito\.signin\.user\.admin' scope"):
        subject.status()
    current.http.close()


def test_a_revoked_access_token_is_refused_in_plain_words(alice: session.Session) -> None:
    # Signed out everywhere from elsewhere: this session's access token is revoked too.
    api = cognito_idp.endpoint(alice.profile)
    cognito_idp.global_sign_out(alice.http, api, alice.access_token())
    with pytest.raises(mfa.MfaError) as caught:
        mfa.Mfa(alice).status()
    assert caught.value.code == "NotAuthorizedException"
    assert str(caught.value).startswith("Cognito did not allow this with your current sign-in")


# -- cognito-desktop mfa --------------------------------------------------------------------


class Interactive:
    """``cognito-desktop ARGS`` with its stdout read line by line while it runs, so a
    test can answer a prompt with what the process printed (the secret, a URL)."""

    def __init__(self, env: dict[str, str], *args: str, watch: str = "stdout") -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "desktop_app.cli", *args],
            env=env,
            cwd=app_env.ROOT,
            text=True,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert self.proc.stdout is not None and self.proc.stderr is not None
        watched, other = (
            (self.proc.stdout, self.proc.stderr)
            if watch == "stdout"
            else (self.proc.stderr, self.proc.stdout)
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        self.rest: list[str] = []
        self._threads = [
            threading.Thread(target=self._pump, args=(watched,), daemon=True),
            threading.Thread(target=lambda: self.rest.append(other.read()), daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def _pump(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines.put(line)
        self.lines.put(None)

    def wait_for(self, found: Callable[[str], bool]) -> str:
        while True:
            try:
                line = self.lines.get(timeout=app_env.TIMEOUT_S)
            except queue.Empty:
                pytest.fail(f"no such line within {app_env.TIMEOUT_S} s: {self.seen}")
            if line is None:
                pytest.fail(f"the process ended first: {self.seen} {self.finish('')}")
            self.seen.append(line)
            if found(line):
                return line

    def finish(self, stdin: str) -> tuple[int, str]:
        """Send ``stdin``, close it; the exit code and everything not yet read."""
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(stdin)
            self.proc.stdin.close()
        except (BrokenPipeError, ValueError):
            pass
        code = self.proc.wait(timeout=app_env.TIMEOUT_S)
        for thread in self._threads:
            thread.join(timeout=10)
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()
        while not self.lines.empty():
            line = self.lines.get()
            if line is not None:
                self.seen.append(line)
        return code, "".join(self.seen) + "".join(self.rest)


@pytest.fixture
def cli_env(process_env: Callable[..., dict[str, str]]) -> Iterator[dict[str, str]]:
    """The CLI's environment; signed out after the test (the Secret Service is shared
    by the run, and the next test's pool is another one)."""
    env = process_env()
    yield env
    app_env.run_cli(env, "logout", "--no-browser")


def test_the_cli_enables_shows_and_disables_totp(
    cli_env: dict[str, str], fake_clock: clock.FakeClock
) -> None:
    login = app_env.run_cli(cli_env, "login")
    assert login.returncode == 0, login.stderr
    off = app_env.run_cli(cli_env, "mfa", "status")
    assert off.returncode == 0, off.stderr
    assert off.stdout == "Two-step verification with an authenticator app is off for alice.\n"

    enable = Interactive(cli_env, "mfa", "enable")
    key = enable.wait_for(lambda line: line.startswith("Key: "))
    secret = key.removeprefix("Key: ").strip().replace(" ", "")
    uri = enable.wait_for(lambda line: line.startswith("URI: ")).removeprefix("URI: ").strip()
    assert uri == mfa.otpauth_uri(secret, account="alice", issuer="Cognito Desktop (local)")
    code, output = enable.finish(authenticator(secret, fake_clock) + "\n")
    assert code == 0, output
    assert "\u2588" in output  # the QR code, drawn in the terminal
    assert "Two-step verification is on" in output

    on = app_env.run_cli(cli_env, "mfa", "status")
    assert on.stdout == "Two-step verification with an authenticator app is on for alice.\n"
    kept = app_env.run_cli(cli_env, "mfa", "disable", stdin="n\n")
    assert kept.returncode == 1
    assert kept.stderr.splitlines()[-1].endswith("cognito-desktop: nothing changed")
    assert "on for alice" in app_env.run_cli(cli_env, "mfa", "status").stdout
    disable = app_env.run_cli(cli_env, "mfa", "disable", stdin="y\n")
    assert disable.returncode == 0, disable.stderr
    assert "off for alice" in app_env.run_cli(cli_env, "mfa", "status").stdout

    logs = "\n".join(p.read_text() for p in Path(cli_env[LOG_DIR_ENV]).glob("*"))
    assert logs, "the CLI wrote no log"
    assert secret not in logs


def test_the_cli_says_when_not_signed_in(cli_env: dict[str, str]) -> None:
    app_env.run_cli(cli_env, "logout", "--no-browser")
    result = app_env.run_cli(cli_env, "mfa", "status")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "cognito-desktop: not signed in to profile 'local'; "
        "run 'cognito-desktop --profile local login'"
    ]


# -- "Create an account" and "Forgot your password?" ------------------------------------------


def _auth_request(stand_in: server.LocalCognito) -> AuthRequest:
    redirect = app_env.profile(stand_in).redirect_uris[0]
    return AuthRequest(stand_in.pool.client_id, redirect)


def _latest_code(stand_in: server.LocalCognito, username: str) -> str:
    messages = stand_in.pool.outbox.messages(username=username)
    assert messages, f"no message for {username} in the outbox"
    code = messages[-1].code
    assert code
    return code


def sign_up(stand_in: server.LocalCognito, url: str, username: str, password: str) -> str:
    """A person creating an account on managed login from ``url``; the app's callback."""
    browser = ScriptedBrowser(stand_in.url)
    page = browser.open_url(url)
    assert isinstance(page, Page) and page.status == 200, page
    confirm = browser.submit(
        page,
        username=username,
        email=f"{username}@example.com",
        password=password,
        confirm_password=password,
    )
    assert isinstance(confirm, Page) and confirm.form is not None, confirm
    assert "code" in confirm.form.inputs, confirm.error
    landed = browser.submit(confirm, username=username, code=_latest_code(stand_in, username))
    assert isinstance(landed, str), getattr(landed, "error", landed)
    return landed


def reset_password(stand_in: server.LocalCognito, url: str, username: str, new: str) -> str:
    """A person resetting their password on managed login from ``url``; the app's callback."""
    browser = ScriptedBrowser(stand_in.url)
    page = browser.open_url(url)
    assert isinstance(page, Page) and page.status == 200, page
    confirm = browser.submit(page, username=username)
    assert isinstance(confirm, Page) and confirm.form is not None, confirm
    landed = browser.submit(
        confirm,
        code=_latest_code(stand_in, username),
        new_password=new,
        confirm_password=new,
    )
    assert isinstance(landed, str), getattr(landed, "error", landed)
    return landed


class Browsing:
    """``open_browser`` for a Session: follows the one-time start link, records the page
    it led to, and lets ``person(url)`` finish there (in a thread, as a browser would)."""

    def __init__(self, person: Callable[[str], str]) -> None:
        self.person = person
        self.opened: list[str] = []
        self.failures: list[str] = []
        self.threads: list[threading.Thread] = []

    def __call__(self, link: str) -> bool:
        assert start_link.is_start_link(link)  # never the URL itself on a command line
        url = start_link.follow(link)
        self.opened.append(url)

        def browse() -> None:
            try:
                requests.get(self.person(url), timeout=10)  # the app's loopback receiver
            except BaseException as exc:  # reported by settle()
                self.failures.append(f"{type(exc).__name__}: {exc}")

        thread = threading.Thread(target=browse, daemon=True)
        self.threads.append(thread)
        thread.start()
        return True

    def settle(self) -> list[str]:
        for thread in self.threads:
            thread.join(10)
        return self.failures


def assert_same_flow_on(url: str, stand_in: server.LocalCognito, path: str) -> None:
    """``url`` is managed login's ``path`` with every parameter of the authorize request."""
    parts = urllib.parse.urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == stand_in.url + path
    query = dict(urllib.parse.parse_qsl(parts.query))
    profile = app_env.profile(stand_in)
    assert query.keys() == {
        "response_type",
        "client_id",
        "redirect_uri",
        "scope",
        "state",
        "nonce",
        "code_challenge",
        "code_challenge_method",
    }
    assert query["response_type"] == "code" and query["client_id"] == profile.client_id
    assert query["redirect_uri"] in profile.redirect_uris
    assert query["scope"] == " ".join(profile.scopes)
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43


def session_for(stand_in: server.LocalCognito, browsing: Browsing) -> session.Session:
    return session.Session(
        app_env.profile(stand_in),
        token_store=store.MemoryStore(warning=None),
        open_browser=browsing,
    )


def test_create_an_account_ends_signed_in(stand_in: server.LocalCognito) -> None:
    browsing = Browsing(lambda url: sign_up(stand_in, url, "newcomer", "Newcomer-Passw0rd!"))
    current = session_for(stand_in, browsing)
    identity = current.sign_in(timeout=SIGN_IN_TIMEOUT_S, entry=authorization.Entry.SIGN_UP)
    assert browsing.settle() == []
    assert_same_flow_on(browsing.opened[0], stand_in, "/signup")
    assert identity.username == "newcomer"
    assert identity.claims.get("email_verified") is True
    assert current.access_token()
    current.http.close()


def test_forgot_your_password_ends_signed_in(stand_in: server.LocalCognito) -> None:
    new = "Alice-Reset-Passw0rd!"
    browsing = Browsing(lambda url: reset_password(stand_in, url, "alice", new))
    current = session_for(stand_in, browsing)
    identity = current.sign_in(timeout=SIGN_IN_TIMEOUT_S, entry=authorization.Entry.FORGOT_PASSWORD)
    assert browsing.settle() == []
    assert_same_flow_on(browsing.opened[0], stand_in, "/forgotPassword")
    assert identity.username == "alice"
    # The new password is the one that works from now on.
    browser = ScriptedBrowser(stand_in.url)
    assert isinstance(browser.sign_in(_auth_request(stand_in), "alice", new), str)
    current.http.close()


def test_the_cli_signs_up_without_a_browser(
    cli_env: dict[str, str], stand_in: server.LocalCognito
) -> None:
    login = Interactive(cli_env, "login", "--sign-up", "--no-browser", watch="stderr")
    url = login.wait_for(lambda line: line.startswith("http")).strip()
    assert_same_flow_on(url, stand_in, "/signup")
    assert "code_verifier" not in url  # only the challenge leaves the app
    landed = sign_up(stand_in, url, "clinewcomer", "Clinewcomer-Passw0rd!")
    code, output = login.finish(landed + "\n")
    assert code == 0, output
    assert "Signed in as clinewcomer" in output
