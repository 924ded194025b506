"""Faults: the sign-in service, the API or the keyring down, slow, broken or lying.

Every fault must give a clear, secret-free error, leave the app usable (the next
attempt works once the fault is gone), keep the stored refresh token through
anything transient, and drop it only when the token endpoint says ``invalid_grant``.
The sign-in service and the API are real (the stand-in and the protected API over
HTTP); a :class:`~tests.support.fault_proxy.FaultProxy` in front of each breaks them
on cue. The keyring is a real Secret Service (gnome-keyring) where it matters.
"""

from __future__ import annotations

import contextlib
import gc
import os
import subprocess
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

import jwt
import keyring.backend
import keyring.core
import pytest
import requests

from desktop_app import config, errors
from desktop_app.api import client as api_client
from desktop_app.auth import http, pkce, session, store
from local_cognito import server
from protected_api import server as api_server
from tests.security.test_loopback_attacks import Browser, sign_in_at_managed_login
from tests.support import app_env, clock, relying_party
from tests.support import secret_service as secret_service_mod
from tests.support.fault_proxy import FaultProxy

pytestmark = pytest.mark.integration
TIMEOUT = 10
# Every way a server can fail that says nothing about the refresh token itself.
TRANSIENT = ["slow", "500", "429-json", "html", "truncated", "cut", "reset"]


@pytest.fixture(autouse=True)
def _short_timeouts(monkeypatch: pytest.MonkeyPatch) -> None:
    """One second to connect and to read (the app's are 3 s and 15 s); "slow" takes 2.5 s."""
    monkeypatch.setattr(http, "TIMEOUT", (1.0, 1.0))


@pytest.fixture
def idp_proxy(stand_in: server.LocalCognito) -> Iterator[FaultProxy]:
    with FaultProxy(stand_in.url) as proxy:
        yield proxy


@pytest.fixture
def api_proxy(api: api_server.ApiServer) -> Iterator[FaultProxy]:
    with FaultProxy(api.url) as proxy:
        yield proxy


@pytest.fixture
def profile(
    stand_in: server.LocalCognito, idp_proxy: FaultProxy, api_proxy: FaultProxy
) -> config.Profile:
    """The local profile, with discovery (so tokens, keys, revocation) and the API through
    the proxies; the browser still goes straight to managed login."""
    return app_env.profile(stand_in, api_proxy.url, idp_via=idp_proxy.url)


@pytest.fixture
def made(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """Every PKCE verifier, state and nonce the session makes (to look for them later)."""
    values: dict[str, list[str]] = {"verifier": [], "state": [], "nonce": []}
    for name in values:
        maker = getattr(pkce, f"new_{name}")

        def recorded(maker: Callable[[], str] = maker, name: str = name) -> str:
            value = maker()
            values[name].append(value)
            return value

        monkeypatch.setattr(pkce, f"new_{name}", recorded)
    return values


def new_session(
    profile: config.Profile,
    token_store: store.TokenStore | None = None,
    browser: Browser | None = None,
    now: Callable[[], float] | None = None,
) -> session.Session:
    return session.Session(
        profile,
        token_store=token_store if token_store is not None else store.MemoryStore(),
        sleep=lambda seconds: None,  # the retry backoff, not the fault, is skipped
        now=now or clock.FakeClock(),
        open_browser=(browser or Browser(lambda url: pytest.fail("no browser expected"))).open,
    )


def person(stand_in: server.LocalCognito, codes: list[str]) -> Browser:
    """Signs in as alice and follows the redirect; keeps every code it carried."""

    def browse(url: str) -> None:
        callback = sign_in_at_managed_login(stand_in, url)
        codes.append(dict(p.split("=", 1) for p in callback.split("?", 1)[1].split("&"))["code"])
        requests.get(callback, timeout=TIMEOUT)

    return Browser(browse)


class FailedSignIn(NamedTuple):
    session: session.Session
    error: BaseException
    codes: list[str]  # every authorization code alice's browser carried
    browser: Browser


def failed_sign_in(
    stand_in: server.LocalCognito,
    profile: config.Profile,
    expected: type[Exception],
    token_store: store.TokenStore | None = None,
    now: Callable[[], float] | None = None,
) -> FailedSignIn:
    """alice signs in at her browser and the app's sign-in raises ``expected``; her
    browser has settled (so every code it carried is known)."""
    codes: list[str] = []
    browser = person(stand_in, codes)
    current = new_session(profile, token_store, browser=browser, now=now)
    with pytest.raises(expected) as caught:
        current.sign_in(timeout=30)
    browser.settle()
    return FailedSignIn(current, caught.value, codes, browser)


def assert_clear(exc: BaseException, *secrets: str) -> None:
    """One line, an app error, no secret, no token-like text, no traceback noise."""
    text = str(exc)
    assert isinstance(exc, errors.CognitoDesktopError), type(exc)
    assert text and "\n" not in text and len(text) < 300, text
    assert "eyJ" not in text and "Traceback" not in text
    leaked = [s for s in secrets if s and s in text]
    assert not leaked, f"{text!r} holds a secret"


# -- the sign-in service is down or broken -----------------------------------------------------


@pytest.mark.parametrize("fault", ["down", "slow", "500", "html", "truncated", "reset"])
def test_a_broken_sign_in_service_is_reported_before_the_browser_opens(
    stand_in: server.LocalCognito, idp_proxy: FaultProxy, profile: config.Profile, fault: str
) -> None:
    if fault == "down":
        idp_proxy.stop()
    else:
        idp_proxy.fault("/", fault)
    codes: list[str] = []
    browser = person(stand_in, codes)
    current = new_session(profile, browser=browser)
    with pytest.raises(errors.CognitoDesktopError) as caught:
        current.sign_in(timeout=30)
    assert_clear(caught.value)
    assert "127.0.0.1" in str(caught.value), "the message should say which server failed"
    assert browser.opened == []

    idp_proxy.start() if fault == "down" else idp_proxy.clear()
    assert current.sign_in(timeout=30).username == "alice"
    browser.settle()


@pytest.mark.parametrize("fault", [*TRANSIENT, "reset-after-forward"])
def test_a_fault_in_the_code_exchange_fails_clearly_and_the_next_sign_in_works(
    stand_in: server.LocalCognito,
    idp_proxy: FaultProxy,
    profile: config.Profile,
    made: dict[str, list[str]],
    fault: str,
) -> None:
    idp_proxy.fault("/oauth2/token", fault)
    current, error, codes, browser = failed_sign_in(stand_in, profile, errors.NetworkError)
    assert_clear(error, *codes, *made["verifier"], *made["state"], *made["nonce"])
    assert "token endpoint" in str(error)
    assert current.identity is None and current.store.load() is None

    idp_proxy.clear()
    assert current.sign_in(timeout=30).username == "alice"
    browser.settle()
    assert current.store.load() is not None


@pytest.mark.parametrize("fault", ["down", *TRANSIENT, "reset-after-forward"])
def test_a_fault_during_refresh_keeps_the_stored_refresh_token(
    stand_in: server.LocalCognito,
    alice_stored: store.StoredSession,
    idp_proxy: FaultProxy,
    profile: config.Profile,
    fault: str,
) -> None:
    memory = store.MemoryStore()
    memory.save(alice_stored)
    current = new_session(profile, memory)
    current.endpoints()  # discovery is cached: the fault hits the refresh itself
    if fault == "down":
        idp_proxy.stop()
    else:
        idp_proxy.fault("/oauth2/token", fault)
    with pytest.raises(errors.NetworkError) as caught:
        current.resume()
    assert_clear(caught.value, alice_stored.refresh_token)
    assert "refresh" in str(caught.value)
    kept = memory.load()
    assert kept is not None and kept.refresh_token == alice_stored.refresh_token

    idp_proxy.start() if fault == "down" else idp_proxy.clear()
    identity = current.resume()
    assert identity is not None and identity.username == "alice"
    assert jwt.decode(current.access_token(), options={"verify_signature": False})["sub"]


@pytest.mark.parametrize(
    ("fault", "raised"),
    [
        ("oauth-error:server_error", errors.NetworkError),
        ("oauth-error:temporarily_unavailable", errors.NetworkError),
        ("oauth-error:invalid_client", errors.SessionExpired),
        ("oauth-error:unauthorized_client", errors.SessionExpired),
        ("oauth-error:invalid_request", errors.SessionExpired),
        ("oauth-error:<script>alert(1)</script>", errors.SessionExpired),
    ],
)
def test_a_refusal_other_than_invalid_grant_keeps_the_stored_refresh_token(
    stand_in: server.LocalCognito,
    alice_stored: store.StoredSession,
    idp_proxy: FaultProxy,
    profile: config.Profile,
    fault: str,
    raised: type[Exception],
) -> None:
    memory = store.MemoryStore()
    memory.save(alice_stored)
    current = new_session(profile, memory)
    current.endpoints()
    idp_proxy.fault("/oauth2/token", fault)
    with pytest.raises(errors.CognitoDesktopError) as caught:
        current.refresh()
    assert type(caught.value) is raised
    assert_clear(caught.value, alice_stored.refresh_token)
    assert "<script>" not in str(caught.value)  # a server's error code is not echoed raw
    kept = memory.load()
    assert kept is not None and kept.refresh_token == alice_stored.refresh_token
    idp_proxy.clear()
    assert current.resume() is not None


def test_only_invalid_grant_drops_the_stored_refresh_token(
    stand_in: server.LocalCognito, alice_stored: store.StoredSession, profile: config.Profile
) -> None:
    relying_party.revoke(stand_in, alice_stored.refresh_token).raise_for_status()
    memory = store.MemoryStore()
    memory.save(alice_stored)
    current = new_session(profile, memory)
    with pytest.raises(errors.SessionExpired, match="no longer accepted"):  # invalid_grant
        current.resume()
    assert memory.load() is None
    with pytest.raises(errors.NotSignedIn) as caught:
        current.access_token()
    assert_clear(caught.value, alice_stored.refresh_token)


# -- the API is down or broken --------------------------------------------------------------


@pytest.mark.parametrize("fault", ["down", "slow", "500", "html", "truncated", "cut", "reset"])
def test_a_broken_api_gives_a_clear_error_and_the_session_survives(
    stand_in: server.LocalCognito,
    alice_stored: store.StoredSession,
    api_proxy: FaultProxy,
    profile: config.Profile,
    fake_clock: clock.FakeClock,
    fault: str,
) -> None:
    memory = store.MemoryStore()
    memory.save(alice_stored)
    current = new_session(profile, memory, now=fake_clock)
    assert current.resume() is not None
    assert profile.api_url is not None
    client = api_client.ApiClient(profile.api_url, current, current.http)
    access = current.access_token()
    if fault == "down":
        api_proxy.stop()
    else:
        api_proxy.fault("/me", fault)
    with pytest.raises((errors.ApiError, errors.NetworkError)) as caught:
        client.get_json("/me")
    assert_clear(caught.value, access, alice_stored.refresh_token)
    kept = memory.load()
    assert kept is not None and kept.refresh_token == alice_stored.refresh_token
    assert current.identity is not None

    api_proxy.start() if fault == "down" else api_proxy.clear()
    assert client.get_json("/me")["username"] == "alice"


# -- the keyring is locked, missing or broken -----------------------------------------------


class ExplodingKeyring(keyring.backend.KeyringBackend):
    """A keyring whose every call raises, with a message holding what it was given."""

    priority = 1.0

    def get_password(self, service: str, username: str) -> str | None:
        raise RuntimeError(f"backend exploded reading {username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise RuntimeError(f"backend exploded writing {password}")

    def delete_password(self, service: str, username: str) -> None:
        raise RuntimeError(f"backend exploded deleting {username}")


def files_under(*roots: Path) -> list[Path]:
    return [p for root in roots if root.exists() for p in root.rglob("*") if p.is_file()]


def test_a_raising_keyring_fails_sign_in_clearly_and_writes_nothing(
    stand_in: server.LocalCognito,
    profile: config.Profile,
    made: dict[str, list[str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    broken = store.KeyringStore(ExplodingKeyring(), "local", timeout=5)  # type: ignore[no-untyped-call]
    current, error, codes, browser = failed_sign_in(stand_in, profile, errors.KeyringError, broken)
    assert_clear(error, *codes, *made["verifier"])
    assert "RuntimeError" in str(error) and "exploded" not in str(error)
    assert current.identity is None
    with pytest.raises(errors.KeyringError):
        current.resume()
    assert files_under(tmp_path) == [], "something fell back to a file"

    working = new_session(profile, store.MemoryStore(), browser=browser)
    assert working.sign_in(timeout=30).username == "alice"  # the app is still usable
    browser.settle()


def choose_keyring_afresh(monkeypatch: pytest.MonkeyPatch) -> None:
    """keyring decides once per process which backends are viable; these tests change the
    bus under it, so the choice is made again now and once more after the test."""
    monkeypatch.setattr(keyring.core, "_keyring_backend", None)
    forget_viable_keyrings()


def forget_viable_keyrings() -> None:
    with contextlib.suppress(KeyError):  # nothing remembered yet
        keyring.backend.get_all_keyring.reset()
    # keyring's own probe of the Secret Service leaves its D-Bus socket to the garbage
    # collector; collect it here rather than as a ResourceWarning in a later test.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()


@pytest.fixture
def no_secret_service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A session bus address that leads nowhere, and keyring's choice made afresh."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path}/no-bus")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local/share"))
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    monkeypatch.delenv("DISPLAY", raising=False)
    choose_keyring_afresh(monkeypatch)
    yield home
    forget_viable_keyrings()


def test_without_a_secret_service_the_session_is_memory_only_with_a_warning(
    stand_in: server.LocalCognito, profile: config.Profile, no_secret_service: Path
) -> None:
    chosen = store.open_store("local", timeout=5)
    assert isinstance(chosen, store.MemoryStore)
    assert chosen.secure is False
    assert chosen.warning is not None and "only while the app runs" in chosen.warning
    codes: list[str] = []
    browser = person(stand_in, codes)
    current = new_session(profile, chosen, browser=browser)
    assert current.sign_in(timeout=30).username == "alice"
    browser.settle()
    assert files_under(no_secret_service) == [], "a session was written to a file"


@pytest.fixture
def locked_secret_service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A real gnome-keyring of its own (locking it must not disturb other tests), locked."""
    lacking = secret_service_mod.missing()
    if lacking:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must have a Secret Service: missing {', '.join(lacking)}")
        pytest.skip(f"no Secret Service here (apt install dbus gnome-keyring): {lacking}")
    with secret_service_mod.running(tmp_path / "secret-service") as env:
        for name in ("DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR", "XDG_DATA_HOME", "HOME"):
            monkeypatch.setenv(name, env[name])
        monkeypatch.delenv("DISPLAY", raising=False)  # a locked keyring would pop a dialog
        choose_keyring_afresh(monkeypatch)
        subprocess.run(
            [
                "dbus-send",
                "--session",
                "--dest=org.freedesktop.secrets",
                "--print-reply",
                "/org/freedesktop/secrets",
                "org.freedesktop.Secret.Service.Lock",
                "array:objpath:/org/freedesktop/secrets/collection/login",
            ],
            env=env,
            check=True,
            capture_output=True,
            timeout=10,
        )
        yield
    forget_viable_keyrings()


def test_a_locked_keyring_is_a_clear_error_and_nothing_is_kept_elsewhere(
    stand_in: server.LocalCognito,
    profile: config.Profile,
    made: dict[str, list[str]],
    locked_secret_service: None,
) -> None:
    locked = store.open_store("local", timeout=5)
    assert isinstance(locked, store.KeyringStore) and locked.secure
    with pytest.raises(errors.KeyringError) as on_resume:
        new_session(profile, locked).resume()
    assert_clear(on_resume.value)
    assert "locked" in str(on_resume.value)

    current, error, codes, _ = failed_sign_in(stand_in, profile, errors.KeyringError, locked)
    assert_clear(error, *codes, *made["verifier"])
    assert "locked" in str(error)
    assert current.identity is None
    locked.close()


# -- the clock is wrong -----------------------------------------------------------------------


def test_a_client_clock_five_minutes_fast_still_signs_in_and_refreshes(
    stand_in: server.LocalCognito, profile: config.Profile, fake_clock: clock.FakeClock
) -> None:
    codes: list[str] = []
    browser = person(stand_in, codes)
    skewed = clock.FakeClock(fake_clock() + 300)
    current = new_session(profile, browser=browser, now=skewed)
    assert current.sign_in(timeout=30).username == "alice"
    browser.settle()
    before = current.access_token()
    fake_clock.advance(3600)  # an hour on, for the pool and the app alike
    skewed.advance(3600)  # the access token is due by the app's own clock: refresh
    assert current.access_token() != before


def test_a_client_clock_five_minutes_slow_is_refused_without_storing_anything(
    stand_in: server.LocalCognito, profile: config.Profile, fake_clock: clock.FakeClock
) -> None:
    skewed = clock.FakeClock(fake_clock() - 300)  # the ID token's iat is 5 min "ahead"
    current, error, codes, browser = failed_sign_in(
        stand_in, profile, errors.IdTokenError, now=skewed
    )
    assert_clear(error, *codes)
    assert "clock" in str(error)  # the person is told what to fix
    assert current.store.load() is None and current.identity is None

    skewed.advance(300)  # the clock is put right: the same app signs in
    assert current.sign_in(timeout=30).username == "alice"
    browser.settle()
