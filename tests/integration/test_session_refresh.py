"""Session against the real stand-in: refresh, rotation, invalid_grant, sign-out, logs.

In-process, with a memory store (never the person's keyring). Sign-in goes through
managed login with the scripted browser, either through the loopback receiver or
by pasting the redirect; quicker setups start from AdminInitiateAuth's refresh token.
"""

from __future__ import annotations

import logging
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests

from desktop_app import config, errors, logs
from desktop_app.api import client as api_client
from desktop_app.auth import idtoken, pkce, session, store, tokens
from local_cognito import server, settings
from protected_api import server as api_server
from tests.integration.conftest import admin_tokens
from tests.support import app_env, app_logging, clock, concurrency, relying_party, stores
from tests.support.scripted_browser import ScriptedBrowser, callback_params

pytestmark = pytest.mark.integration
PASSWORD = "Alice-Passw0rd!"
TIMEOUT = 10


class CountingClient:
    """Wraps ``Session._client``: counts refresh calls, passes everything through."""

    def __init__(self, inner: tokens.TokenClient) -> None:
        self.inner = inner
        self.refreshed_with: list[str] = []
        self._lock = threading.Lock()

    def refresh(self, token_endpoint: str, refresh_token: str) -> tokens.TokenResponse:
        with self._lock:
            self.refreshed_with.append(refresh_token)
        return self.inner.refresh(token_endpoint, refresh_token)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class ServerCount:
    """Counts refresh-token redemptions at the stand-in (every refresh that reaches it)."""

    def __init__(self, stand_in: server.LocalCognito, monkeypatch: pytest.MonkeyPatch) -> None:
        self.tokens: list[str] = []
        service = stand_in.pool.tokens
        original = service.redeem

        def redeem(token: str, client_id: str) -> Any:
            self.tokens.append(token)
            return original(token, client_id)

        monkeypatch.setattr(service, "redeem", redeem)


@pytest.fixture
def spy() -> stores.RecordingStore:
    return stores.RecordingStore()


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def server_count(stand_in: server.LocalCognito, monkeypatch: pytest.MonkeyPatch) -> ServerCount:
    return ServerCount(stand_in, monkeypatch)


def new_session(
    profile: config.Profile,
    token_store: store.TokenStore,
    fake_clock: clock.FakeClock,
    sleeps: list[float] | None = None,
    open_browser: Callable[[str], bool] | None = None,
) -> session.Session:
    current = session.Session(
        profile,
        token_store=token_store,
        now=fake_clock,
        sleep=(sleeps.append if sleeps is not None else lambda s: None),
        open_browser=open_browser or (lambda url: pytest.fail("no browser expected")),
    )
    if isinstance(token_store, stores.RecordingStore):
        token_store.session = current
    return current


def resumed(
    stand_in: server.LocalCognito,
    spy: stores.RecordingStore,
    fake_clock: clock.FakeClock,
    stored: store.StoredSession,
    *,
    api_url: str | None = None,
    sleeps: list[float] | None = None,
) -> session.Session:
    """The app started again with ``stored`` in its store: a new Session, resumed."""
    spy.inner.save(stored)
    current = new_session(app_env.profile(stand_in, api_url), spy, fake_clock, sleeps)
    assert current.resume() is not None
    return current


def paste_via_browser(
    stand_in: server.LocalCognito, username: str = "alice", password: str = PASSWORD
) -> Callable[[str], str]:
    """``paste_redirect``: the scripted browser signs in; its final URL is 'pasted' back."""

    def paste(url: str) -> str:
        browser = ScriptedBrowser(stand_in.url)
        page = browser.open_url(url)
        assert not isinstance(page, str)
        redirect = browser.submit(page, username=username, password=password)
        assert isinstance(redirect, str), getattr(redirect, "error", redirect)
        return redirect

    return paste


# -- single-flight --------------------------------------------------------------------------------


@pytest.fixture
def alice_resumed(
    stand_in: server.LocalCognito,
    spy: stores.RecordingStore,
    fake_clock: clock.FakeClock,
    alice_stored: store.StoredSession,
) -> session.Session:
    """The app started with alice's session in its store (``spy``), resumed."""
    return resumed(stand_in, spy, fake_clock, alice_stored)


def test_fifty_threads_with_a_due_token_make_one_refresh_request(
    alice_resumed: session.Session, fake_clock: clock.FakeClock, server_count: ServerCount
) -> None:
    current = alice_resumed
    first = current.access_token()
    counting = CountingClient(current._client)
    current._client = counting  # type: ignore[assignment]
    server_count.tokens.clear()
    fake_clock.advance(3600 - 30)  # the access token is due (60 s margin)

    results, failures = concurrency.at_once(current.access_token, callers=50)
    assert not failures
    assert len(counting.refreshed_with) == 1
    assert len(server_count.tokens) == 1, "more than one refresh reached the token endpoint"
    assert len(results) == 50 and len(set(results)) == 1 and first not in results


# -- rotation -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "pool_settings",
    [settings.PoolSettings(rotate_refresh_tokens=True, rotation_grace_seconds=60)],
)
def test_a_rotated_refresh_token_is_saved_before_the_old_one_is_dropped(
    stand_in: server.LocalCognito,
    alice_stored: store.StoredSession,
    spy: stores.RecordingStore,
    fake_clock: clock.FakeClock,
) -> None:
    current = resumed(stand_in, spy, fake_clock, alice_stored)  # the first refresh rotates
    first_rotation = spy.saved_token()
    assert first_rotation not in (None, alice_stored.refresh_token)
    assert spy.seen_at_save == [(alice_stored.refresh_token, None)]
    expiry = current.access_expires_at
    spy.calls.clear()
    spy.seen_at_save.clear()

    fake_clock.advance(3600 - 30)
    current.access_token()
    second_rotation = spy.saved_token()
    assert second_rotation not in (None, first_rotation, alice_stored.refresh_token)
    assert [c for c in spy.calls if c != "load"] == ["save"]
    assert spy.saved[-1].refresh_token == second_rotation
    # Saved while the session still held the previous refresh and access tokens.
    assert spy.seen_at_save == [(first_rotation, expiry)]
    assert current._stored is not None and current._stored.refresh_token == second_rotation

    # The stored token is the live one; the one it replaced retires after the grace period.
    fake_clock.advance(61)
    assert relying_party.refresh(stand_in, first_rotation or "").json() == {
        "error": "invalid_grant"
    }
    assert relying_party.refresh(stand_in, second_rotation or "").status_code == 200


# -- invalid_grant --------------------------------------------------------------------------------


def revoke_at_server(stand_in: server.LocalCognito, idp: Any, stored: store.StoredSession) -> None:
    assert relying_party.revoke(stand_in, stored.refresh_token).status_code == 200


def disable_user(stand_in: server.LocalCognito, idp: Any, stored: store.StoredSession) -> None:
    idp.admin_disable_user(UserPoolId=stand_in.pool.id, Username=stored.username)


@pytest.mark.parametrize("kill", [revoke_at_server, disable_user], ids=["revoked", "disabled"])
def test_invalid_grant_deletes_the_stored_token_and_does_not_loop(
    stand_in: server.LocalCognito,
    idp: Any,
    alice_stored: store.StoredSession,
    spy: stores.RecordingStore,
    sleeps: list[float],
    fake_clock: clock.FakeClock,
    server_count: ServerCount,
    kill: Callable[[server.LocalCognito, Any, store.StoredSession], None],
) -> None:
    current = resumed(stand_in, spy, fake_clock, alice_stored, sleeps=sleeps)
    kill(stand_in, idp, alice_stored)
    server_count.tokens.clear()
    fake_clock.advance(3600)
    with pytest.raises(errors.SessionExpired):
        current.access_token()
    assert server_count.tokens == [alice_stored.refresh_token]  # exactly one request
    assert sleeps == []
    assert spy.inner.load() is None
    assert current.identity is None
    with pytest.raises(errors.NotSignedIn):
        current.access_token()
    assert len(server_count.tokens) == 1
    # A new process finds nothing to resume.
    assert new_session(app_env.profile(stand_in), spy, fake_clock).resume() is None


# -- silent sign-in -------------------------------------------------------------------------------


def test_resume_from_a_stored_session(
    stand_in: server.LocalCognito, spy: stores.RecordingStore, fake_clock: clock.FakeClock
) -> None:
    profile = app_env.profile(stand_in)
    signed_in = new_session(profile, spy, fake_clock).sign_in(
        paste_redirect=paste_via_browser(stand_in, "admin", "Admin-Passw0rd!")
    )
    fake_clock.advance(600)
    current = new_session(profile, spy, fake_clock)  # the next start of the app
    identity = current.resume()
    assert identity is not None
    assert identity.username == "admin" and identity.sub == signed_in.sub
    assert "Admin" in identity.groups and identity.email == signed_in.email
    access = jwt.decode(current.access_token(), options={"verify_signature": False})
    assert access["username"] == "admin" and access["token_use"] == "access"
    id_claims = jwt.decode(current.id_token(), options={"verify_signature": False})
    assert id_claims["sub"] == signed_in.sub and id_claims["iat"] >= fake_clock() - 1


def test_resume_deletes_a_session_stored_for_another_client(
    stand_in: server.LocalCognito,
    alice_stored: store.StoredSession,
    spy: stores.RecordingStore,
    fake_clock: clock.FakeClock,
    server_count: ServerCount,
) -> None:
    spy.inner.save(
        store.StoredSession(**{**alice_stored.__dict__, "client_id": "some-other-client"})
    )
    server_count.tokens.clear()
    with pytest.raises(errors.SessionExpired, match="another app client"):
        new_session(app_env.profile(stand_in), spy, fake_clock).resume()
    assert spy.inner.load() is None
    assert server_count.tokens == []


def test_a_refreshed_id_token_for_another_sub_ends_the_session(
    stand_in: server.LocalCognito,
    spy: stores.RecordingStore,
    fake_clock: clock.FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    current = new_session(app_env.profile(stand_in), spy, fake_clock)
    current.sign_in(paste_redirect=paste_via_browser(stand_in))
    real_validate = idtoken.IdTokenValidator.validate

    def other_user(self: idtoken.IdTokenValidator, token: str, *, nonce: str | None) -> Any:
        claims = real_validate(self, token, nonce=nonce)
        return {**claims, "sub": "11111111-2222-3333-4444-555555555555"}

    monkeypatch.setattr(idtoken.IdTokenValidator, "validate", other_user)
    fake_clock.advance(3600)
    with pytest.raises(errors.IdTokenError, match="another user"):
        current.access_token()
    assert spy.inner.load() is None
    assert current.identity is None and current.access_expires_at is None


# -- signing out ----------------------------------------------------------------------------------


def test_sign_out_revokes_at_the_server_and_forgets_locally(
    stand_in: server.LocalCognito, spy: stores.RecordingStore, fake_clock: clock.FakeClock
) -> None:
    current = new_session(app_env.profile(stand_in), spy, fake_clock)
    identity = current.sign_in(paste_redirect=paste_via_browser(stand_in))
    assert identity.username == "alice"
    refresh_token = spy.saved_token()
    assert refresh_token is not None
    assert current.sign_out() == []
    assert relying_party.refresh(stand_in, refresh_token).json() == {"error": "invalid_grant"}
    assert spy.inner.load() is None
    assert current.identity is None and current.access_expires_at is None
    with pytest.raises(errors.NotSignedIn):
        current.access_token()


def test_sign_out_everywhere_without_the_admin_scope_says_so(
    stand_in: server.LocalCognito, spy: stores.RecordingStore, fake_clock: clock.FakeClock
) -> None:
    values = app_env.profile_values(stand_in)
    values["scopes"] = ["openid", "email", "profile"]
    profile = config.parse_profile("local", values)
    current = new_session(profile, spy, fake_clock)
    current.sign_in(paste_redirect=paste_via_browser(stand_in))
    refresh_token = spy.saved_token() or ""
    problems = current.sign_out(everywhere=True)
    assert len(problems) == 1 and session.ADMIN_SCOPE in problems[0]
    # This session is still revoked and forgotten.
    assert relying_party.refresh(stand_in, refresh_token).json() == {"error": "invalid_grant"}
    assert spy.inner.load() is None and current.identity is None


def test_sign_out_everywhere_ends_the_users_other_sessions(
    stand_in: server.LocalCognito, idp: Any, spy: stores.RecordingStore, fake_clock: clock.FakeClock
) -> None:
    current = new_session(app_env.profile(stand_in), spy, fake_clock)
    current.sign_in(paste_redirect=paste_via_browser(stand_in))
    mine = spy.saved_token() or ""
    elsewhere = admin_tokens(idp, stand_in, "alice", PASSWORD)["RefreshToken"]
    someone_else = admin_tokens(idp, stand_in, "admin", "Admin-Passw0rd!")["RefreshToken"]
    assert relying_party.refresh(stand_in, elsewhere).status_code == 200

    assert current.sign_out(everywhere=True) == []
    assert relying_party.refresh(stand_in, elsewhere).json() == {"error": "invalid_grant"}
    assert relying_party.refresh(stand_in, mine).json() == {"error": "invalid_grant"}
    assert relying_party.refresh(stand_in, someone_else).status_code == 200
    assert spy.inner.load() is None and current.identity is None


# -- the API client with a real session -----------------------------------------------------------


class BadTokenFirst:
    """A TokenSource handing out a token the API rejects ``bad`` times, then the real one."""

    def __init__(self, current: session.Session, bad: int) -> None:
        self.current = current
        self.bad = bad

    def access_token(self, *, min_valid: float = 60.0) -> str:
        if self.bad:
            self.bad -= 1
            return "not-a-token"
        return self.current.access_token(min_valid=min_valid)

    def refresh(self) -> object:
        return self.current.refresh()


def test_api_client_refreshes_once_on_401_against_the_real_api(
    stand_in: server.LocalCognito,
    alice_stored: store.StoredSession,
    api: api_server.ApiServer,
    spy: stores.RecordingStore,
    fake_clock: clock.FakeClock,
    server_count: ServerCount,
) -> None:
    current = resumed(stand_in, spy, fake_clock, alice_stored, api_url=api.url)
    server_count.tokens.clear()

    plain = api_client.ApiClient(api.url, current, current.http)
    assert plain.get_json("/me")["username"] == "alice"
    assert server_count.tokens == []

    retried = api_client.ApiClient(api.url, BadTokenFirst(current, bad=1), current.http)
    assert retried.get_json("/me")["username"] == "alice"
    assert len(server_count.tokens) == 1

    hopeless = api_client.ApiClient(api.url, BadTokenFirst(current, bad=2), current.http)
    with pytest.raises(errors.ApiError) as caught:
        hopeless.get_json("/me")
    assert caught.value.status == 401
    assert len(server_count.tokens) == 2  # one more refresh, one retry, then the error


# -- nothing secret in the logs of a full session -------------------------------------------------


@pytest.fixture
def logged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[], str]]:
    """``logs.setup(2)`` writing to tmp; yields a reader of everything logged to files."""
    log_dir = tmp_path / "logs"
    monkeypatch.setenv(logs.LOG_DIR_ENV, str(log_dir))
    with app_logging.set_up(2) as path:
        assert path is not None and path.parent == log_dir
        yield lambda: "\n".join(p.read_text(encoding="utf-8") for p in sorted(log_dir.iterdir()))


def test_a_full_session_logs_no_secret(
    stand_in: server.LocalCognito,
    idp: Any,
    api: api_server.ApiServer,
    fake_clock: clock.FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    logged: Callable[[], str],
) -> None:
    caplog.set_level(logging.DEBUG)
    secrets: dict[str, str] = {"password": PASSWORD}
    made: dict[str, list[str]] = {"verifier": [], "state": [], "nonce": []}
    for name, maker in (
        ("verifier", pkce.new_verifier),
        ("state", pkce.new_state),
        ("nonce", pkce.new_nonce),
    ):

        def recorded(maker: Callable[[], str] = maker, name: str = name) -> str:
            value = maker()
            made[name].append(value)
            return value

        monkeypatch.setattr(pkce, f"new_{name}", recorded)

    browser_errors: list[BaseException] = []

    def open_browser(url: str) -> bool:
        def person() -> None:
            try:
                browser = ScriptedBrowser(stand_in.url)
                page = browser.open_url(url)
                assert not isinstance(page, str)
                callback = browser.submit(page, username="alice", password=PASSWORD)
                assert isinstance(callback, str)
                secrets["code"] = callback_params(callback)["code"]
                requests.get(callback, timeout=TIMEOUT)
            except BaseException as exc:
                browser_errors.append(exc)

        threading.Thread(target=person, name="scripted-browser", daemon=True).start()
        return True

    profile = app_env.profile(stand_in, api.url)
    memory = store.MemoryStore()
    current = new_session(profile, memory, fake_clock, open_browser=open_browser)

    # Sign in through the loopback receiver.
    identity = current.sign_in(timeout=30)
    assert not browser_errors and identity.username == "alice"
    stored = memory.load()
    assert stored is not None
    secrets["refresh token"] = stored.refresh_token
    secrets["access token"] = current.access_token()
    secrets["ID token"] = current.id_token()

    # Refresh, then call the API (including a 401 and its one refresh-and-retry).
    fake_clock.advance(3600 - 30)
    secrets["refreshed access token"] = current.access_token()
    secrets["refreshed ID token"] = current.id_token()
    api_client.ApiClient(api.url, current, current.http).get_json("/me")
    api_client.ApiClient(api.url, BadTokenFirst(current, bad=1), current.http).get_json("/me")
    secrets["access token after 401"] = current.access_token()
    with pytest.raises(errors.ApiError):
        api_client.ApiClient(api.url, current, current.http).get_json("/admin/users")

    # Failure paths: a forged pasted redirect; a refresh token the pool does not know.
    with pytest.raises(errors.StateMismatch):
        current.sign_in(
            paste_redirect=lambda url: f"{profile.redirect_uris[0]}?code=forged&state=forged"
        )
    unknown = store.MemoryStore()
    unknown.save(
        store.StoredSession(
            refresh_token="bogus-" + "x" * 40,
            username="alice",
            sub=identity.sub,
            client_id=profile.client_id,
            issuer=profile.issuer,
            saved_at=0.0,
        )
    )
    with pytest.raises(errors.SessionExpired):
        new_session(profile, unknown, fake_clock).resume()

    # Sign out everywhere, then the revoked token fails to refresh.
    assert current.sign_out(everywhere=True) == []
    after = store.MemoryStore()
    after.save(stored)
    with pytest.raises(errors.SessionExpired):
        new_session(profile, after, fake_clock).resume()

    secrets["bogus refresh token"] = "bogus-" + "x" * 40
    for name, values in made.items():
        for i, value in enumerate(values):
            secrets[f"{name} {i}"] = value
    assert made["verifier"] and "code" in secrets

    text = logged()
    assert "POST /oauth2/token" in text, "urllib3's DEBUG request lines are not in the log"
    callback_path = urllib.parse.urlsplit(profile.redirect_uris[0]).path
    assert f"GET {callback_path}?code=[redacted]&state=[redacted]" in text
    assert "loopback: listening" in text and "(invalid_grant)" in text
    leaked = [what for what, secret in secrets.items() if secret in text]
    assert not leaked, f"in the log file: {leaked}"
    assert "eyJ" not in text

    # The app's own records (and its HTTP client's) hold no secret even before redaction.
    own = [
        r
        for r in caplog.records
        if r.name.startswith(("desktop_app", "urllib3")) and r.threadName != "scripted-browser"
    ]
    assert any(r.name.startswith("desktop_app") for r in own)
    raw = "\n".join(r.getMessage() for r in own)
    leaked = [what for what, secret in secrets.items() if secret in raw]
    assert not leaked, f"in the app's log records: {leaked}"
    assert "eyJ" not in raw
