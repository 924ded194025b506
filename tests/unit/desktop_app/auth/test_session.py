"""Session: single-flight refresh, rotation, invalid_grant, retries, resume, sign-out.

Every HTTP call is answered by ``responses`` (a pool on https://...amazonaws.com
that never exists); ID tokens are signed here and served through a JWKS. The
store is a :class:`MemoryStore` (or a spy around one): no keyring is touched.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from typing import Any

import jwt
import pytest
import requests
import responses
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from desktop_app import config, errors
from desktop_app.auth import discovery, http, session, store
from tests.support import clock

REGION = "eu-west-1"
POOL_ID = f"{REGION}_Unit"
ISSUER = f"https://cognito-idp.{REGION}.amazonaws.com/{POOL_ID}"
DISCOVERY = f"{ISSUER}/.well-known/openid-configuration"
JWKS = f"{ISSUER}/.well-known/jwks.json"
DOMAIN = "https://auth.example.com"
TOKEN = f"{DOMAIN}/oauth2/token"
REVOKE = f"{DOMAIN}/oauth2/revoke"
IDP = f"https://cognito-idp.{REGION}.amazonaws.com/"
CLIENT = "unit-client"
REDIRECT = "http://127.0.0.1:53682/callback"
SUB = "0b7f8e0a-1111-4222-8333-444455556666"
NOW = 1_700_000_000.0
KID = "unit-key"
ALL_SCOPES = ["openid", "email", "profile", session.ADMIN_SCOPE]
JSON = {"Content-Type": "application/json"}

Reply = tuple[int, dict[str, str], str] | Exception


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def make_profile(**overrides: Any) -> config.Profile:
    table: dict[str, Any] = {
        "user_pool_id": POOL_ID,
        "client_id": CLIENT,
        "domain": DOMAIN,
        "redirect_uris": [REDIRECT],
        "scopes": ALL_SCOPES,
    }
    table.update(overrides)
    return config.parse_profile("unit", {k: v for k, v in table.items() if v is not None})


class TokenEndpoint:
    """A token endpoint: records each form it gets; ``replies`` are used up first."""

    def __init__(self, key: rsa.RSAPrivateKey, now: clock.FakeClock) -> None:
        self.key = key
        self.now = now
        self.forms: list[dict[str, str]] = []
        self.replies: list[Reply] = []
        self.rotate = False
        self.delay = 0.0
        self.sub = SUB
        self.nonce: str | None = None
        self.scope: str | None = None
        self.issued = 0  # numbers the tokens; never reset
        self._lock = threading.Lock()

    @property
    def count(self) -> int:
        with self._lock:
            return len(self.forms)

    def id_token(self, **claims: Any) -> str:
        now = int(self.now())
        payload: dict[str, Any] = {
            "iss": ISSUER,
            "aud": CLIENT,
            "sub": self.sub,
            "token_use": "id",
            "cognito:username": "alice",
            "cognito:groups": ["Admin"],
            "email": "alice@example.com",
            "auth_time": now,
            "iat": now,
            "exp": now + 3600,
        }
        if self.nonce is not None:
            payload["nonce"] = self.nonce
        payload.update(claims)
        return jwt.encode(payload, self.key, algorithm="RS256", headers={"kid": KID})

    def __call__(self, request: requests.PreparedRequest) -> Reply:
        body = request.body or ""
        text = body.decode() if isinstance(body, bytes) else body
        form = dict(urllib.parse.parse_qsl(text))
        with self._lock:
            self.forms.append(form)
            self.issued += 1
            number = self.issued
            reply = self.replies.pop(0) if self.replies else None
        if self.delay:
            time.sleep(self.delay)
        if reply is not None:
            return reply
        answer: dict[str, Any] = {
            "access_token": f"access-{number}",
            "id_token": self.id_token(),
            "expires_in": 3600,
            "token_type": "Bearer",
        }
        if self.scope is not None:
            answer["scope"] = self.scope
        if self.rotate or form.get("grant_type") == "authorization_code":
            answer["refresh_token"] = f"refresh-{number}"
        return 200, JSON, json.dumps(answer)


class Pool:
    """The mocked pool: discovery, JWKS, token and revocation endpoints, GlobalSignOut."""

    def __init__(self, mock: responses.RequestsMock, token: TokenEndpoint) -> None:
        self.mock = mock
        self.token = token
        self.revoked: list[dict[str, str]] = []
        self.revoke_replies: list[Reply] = []
        self.global_sign_outs: list[tuple[dict[str, str], dict[str, Any]]] = []
        mock.add_callback(responses.POST, TOKEN, callback=token)
        mock.add_callback(responses.POST, REVOKE, callback=self._revoke)
        mock.add_callback(responses.POST, IDP, callback=self._idp)

    def _revoke(self, request: requests.PreparedRequest) -> Reply:
        body = request.body or ""
        text = body.decode() if isinstance(body, bytes) else body
        self.revoked.append(dict(urllib.parse.parse_qsl(text)))
        if self.revoke_replies:
            return self.revoke_replies.pop(0)
        return 200, JSON, ""

    def _idp(self, request: requests.PreparedRequest) -> Reply:
        body = request.body or b"{}"
        self.global_sign_outs.append(
            (dict(request.headers), json.loads(body.decode() if isinstance(body, bytes) else body))
        )
        return 200, {"Content-Type": "application/x-amz-json-1.1"}, "{}"


@pytest.fixture(autouse=True)
def _fresh_discovery() -> Iterator[None]:
    discovery.clear_cache()
    yield
    discovery.clear_cache()


@pytest.fixture
def fake_clock() -> clock.FakeClock:
    return clock.FakeClock(start=NOW)


@pytest.fixture
def pool(key: rsa.RSAPrivateKey, fake_clock: clock.FakeClock) -> Iterator[Pool]:
    jwk = {**RSAAlgorithm.to_jwk(key.public_key(), as_dict=True), "kid": KID, "alg": "RS256"}
    document = {
        "issuer": ISSUER,
        "authorization_endpoint": f"{DOMAIN}/oauth2/authorize",
        "token_endpoint": TOKEN,
        "jwks_uri": JWKS,
        "userinfo_endpoint": f"{DOMAIN}/oauth2/userInfo",
    }
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add(responses.GET, DISCOVERY, json=document)
        mock.add(responses.GET, JWKS, json={"keys": [jwk]})
        yield Pool(mock, TokenEndpoint(key, fake_clock))


class SpyStore:
    """A TokenStore that records every call (and what the session held at the time)."""

    backend_name = "spy"
    secure = False
    warning: str | None = None

    def __init__(self) -> None:
        self.inner = store.MemoryStore()
        self.calls: list[tuple[str, Any]] = []
        self.session: session.Session | None = None
        self.on_save: Callable[[store.StoredSession], None] | None = None

    def load(self) -> store.StoredSession | None:
        self.calls.append(("load", None))
        return self.inner.load()

    def save(self, stored: store.StoredSession) -> None:
        self.calls.append(("save", stored.refresh_token))
        if self.on_save is not None:
            self.on_save(stored)
        self.inner.save(stored)

    def delete(self) -> None:
        self.calls.append(("delete", None))
        self.inner.delete()


@pytest.fixture
def spy() -> SpyStore:
    return SpyStore()


@pytest.fixture
def sleeps() -> list[float]:
    return []


def stored_session(refresh_token: str = "refresh-0", **overrides: Any) -> store.StoredSession:
    values: dict[str, Any] = {
        "refresh_token": refresh_token,
        "username": "alice",
        "sub": SUB,
        "client_id": CLIENT,
        "issuer": ISSUER,
        "saved_at": NOW - 100,
    }
    values.update(overrides)
    return store.StoredSession(**values)


@pytest.fixture
def make_session(
    fake_clock: clock.FakeClock, sleeps: list[float], spy: SpyStore
) -> Callable[..., session.Session]:
    def make(
        profile: config.Profile | None = None,
        token_store: store.TokenStore | None = None,
        now: Callable[[], float] | None = None,
    ) -> session.Session:
        created = session.Session(
            profile or make_profile(),
            token_store=token_store or spy,
            http_session=http.new_session(),
            now=now or fake_clock,
            sleep=sleeps.append,
            open_browser=lambda url: pytest.fail("no browser in unit tests"),
        )
        spy.session = created
        return created

    return make


def resumed(
    make_session: Callable[..., session.Session], pool: Pool, spy: SpyStore, **kwargs: Any
) -> session.Session:
    """A session signed in silently from a stored refresh token (request counts reset)."""
    spy.inner.save(stored_session())
    current = make_session(**kwargs)
    assert current.resume() is not None
    pool.token.forms.clear()
    spy.calls.clear()
    return current


# -- single-flight ----------------------------------------------------------------------


def test_fifty_concurrent_callers_share_one_refresh(
    make_session: Callable[..., session.Session],
    pool: Pool,
    spy: SpyStore,
    fake_clock: clock.FakeClock,
) -> None:
    current = resumed(make_session, pool, spy)
    old = current.access_token()
    fake_clock.advance(3600 - 30)  # inside the 60 s refresh margin: every caller must refresh
    pool.token.delay = 0.05  # a refresh that takes a while, so the callers pile up
    barrier = threading.Barrier(50)
    results: list[str] = []
    failures: list[BaseException] = []

    def call() -> None:
        barrier.wait(timeout=10)
        try:
            results.append(current.access_token())
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=call) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert not failures
    assert len(results) == 50
    assert pool.token.count == 1, "50 callers made more than one refresh request"
    assert old == "access-1" and set(results) == {"access-2"}


def test_a_caller_that_saw_the_due_token_does_not_refresh_again_after_another_did(
    make_session: Callable[..., session.Session],
    pool: Pool,
    spy: SpyStore,
    fake_clock: clock.FakeClock,
) -> None:
    """Two callers find the token due at the same moment; one is descheduled just after
    its expiry check, and runs on only once the other's refresh has finished. Both
    arrived together, so there must still be one refresh request (the issue: "many
    concurrent callers -> one request")."""
    current = resumed(make_session, pool, spy)
    fake_clock.advance(3600 - 30)
    resume_late = threading.Event()
    paused = threading.Event()

    def now() -> float:
        if threading.current_thread().name == "late" and not paused.is_set():
            paused.set()  # the late caller has read the due token and checks the time
            resume_late.wait(timeout=10)
        return fake_clock()

    current._now = now  # the clock the late caller reads between its check and refresh()
    late_result: list[str] = []
    late = threading.Thread(target=lambda: late_result.append(current.access_token()), name="late")
    late.start()
    assert paused.wait(timeout=10)
    first = current.access_token()  # the other caller refreshes meanwhile
    resume_late.set()
    late.join(timeout=10)
    assert pool.token.count == 1, (
        f"{pool.token.count} refresh requests for two concurrent callers: refresh() takes "
        "its generation snapshot after the caller's expiry check, so a caller descheduled "
        "in between refreshes a second time"
    )
    assert late_result == [first]


# -- rotation -----------------------------------------------------------------------------


def test_a_rotated_refresh_token_is_saved_before_the_session_switches_to_it(
    make_session: Callable[..., session.Session],
    pool: Pool,
    spy: SpyStore,
    fake_clock: clock.FakeClock,
) -> None:
    current = resumed(make_session, pool, spy)
    old_expiry = current.access_expires_at
    pool.token.rotate = True
    seen_at_save: list[tuple[float | None, str | None]] = []

    def on_save(saved: store.StoredSession) -> None:
        held = current._stored
        seen_at_save.append((current.access_expires_at, held.refresh_token if held else None))

    spy.on_save = on_save
    fake_clock.advance(3600 - 30)
    token = current.access_token()
    assert token == "access-2"
    assert pool.token.forms[0]["refresh_token"] == "refresh-0"
    assert [c for c in spy.calls if c[0] != "load"] == [("save", "refresh-2")]
    # When it was saved, the session still held the old token and the old access token.
    assert seen_at_save == [(old_expiry, "refresh-0")]
    saved = spy.inner.load()
    assert saved is not None and saved.refresh_token == "refresh-2"
    assert saved.sub == SUB and saved.client_id == CLIENT and saved.issuer == ISSUER
    # The next refresh uses the new token, never the retired one.
    fake_clock.advance(3600)
    current.access_token()
    assert pool.token.forms[1]["refresh_token"] == "refresh-2"


def test_without_rotation_nothing_is_saved_on_refresh(
    make_session: Callable[..., session.Session],
    pool: Pool,
    spy: SpyStore,
    fake_clock: clock.FakeClock,
) -> None:
    current = resumed(make_session, pool, spy)
    fake_clock.advance(3600)
    current.access_token()
    assert not [c for c in spy.calls if c[0] == "save"]
    saved = spy.inner.load()
    assert saved is not None and saved.refresh_token == "refresh-0"


def test_a_failed_save_of_the_rotated_token_keeps_the_new_token_in_memory(
    make_session: Callable[..., session.Session],
    pool: Pool,
    spy: SpyStore,
    fake_clock: clock.FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The rotated token would be lost if dropped; the stored old one keeps working
    # only for the grace period. So this run carries on with the new one, warned.
    current = resumed(make_session, pool, spy)
    old_expiry = current.access_expires_at
    pool.token.rotate = True

    def fail(saved: store.StoredSession) -> None:
        raise errors.KeyringError("the OS keyring did not answer")

    spy.on_save = fail
    fake_clock.advance(3600 - 30)
    current.refresh()
    assert current.access_expires_at != old_expiry
    saved = spy.inner.load()
    assert saved is not None and saved.refresh_token == "refresh-0"
    assert "could not store the rotated refresh token" in caplog.text


def test_a_rotated_refresh_token_is_kept_when_the_keys_to_check_its_answer_are_unreachable(
    make_session: Callable[..., session.Session],
    pool: Pool,
    spy: SpyStore,
    fake_clock: clock.FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Cognito retires the old refresh token after its grace period: dropping the new one
    # because the signing keys were briefly unreachable would sign the person out later.
    current = resumed(make_session, pool, spy)
    identity = current.identity
    pool.token.rotate = True
    monkeypatch.setattr(session, "_jwks_clients", {})  # as in a new process: no keys yet
    current._validator = None
    pool.mock.replace(responses.GET, JWKS, body=requests.ConnectionError("keys unreachable"))
    fake_clock.advance(3600)
    with pytest.raises(errors.NetworkError):
        current.access_token()
    saved = spy.inner.load()
    assert saved is not None and saved.refresh_token not in ("refresh-0", "")
    # Nothing unchecked was used: same identity, the expired access token not replaced.
    assert current.identity == identity
    # With the keys back, and past the key-set refetch limit (10 s), the next refresh
    # sends the new token and its answer is checked.
    session._jwks_clients[JWKS]._next_fetch = float("-inf")
    jwk = RSAAlgorithm.to_jwk(pool.token.key.public_key(), as_dict=True)
    pool.mock.replace(responses.GET, JWKS, json={"keys": [{**jwk, "kid": KID, "alg": "RS256"}]})
    assert current.access_token()
    assert pool.token.forms[-1]["refresh_token"] == saved.refresh_token


def _reply_signed_with_a_new_key(pool: Pool) -> rsa.RSAPrivateKey:
    """Queue a rotating refresh answer whose ID token is signed with a key (kid-2) the
    cached key set does not hold; the new key, to publish later."""
    new_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    claims = jwt.decode(pool.token.id_token(), options={"verify_signature": False})
    id_token = jwt.encode(claims, new_key, algorithm="RS256", headers={"kid": "kid-2"})
    answer = {"access_token": "a-2", "id_token": id_token, "expires_in": 3600}
    pool.token.replies.append((200, JSON, json.dumps({**answer, "refresh_token": "refresh-r"})))
    return new_key


def test_a_key_rotated_in_moments_ago_is_retried_later_not_the_end_of_the_session(
    make_session: Callable[..., session.Session],
    pool: Pool,
    spy: SpyStore,
    fake_clock: clock.FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(session, "_jwks_clients", {})  # this test's keys stay its own
    current = resumed(make_session, pool, spy)  # the key set was fetched just now
    identity = current.identity
    new_key = _reply_signed_with_a_new_key(pool)
    fake_clock.advance(3600)
    with pytest.raises(errors.NetworkError, match="signing keys changed"):
        current.access_token()
    # Not signed out; nothing unchecked used; the rotated refresh token kept.
    assert current.identity == identity
    saved = spy.inner.load()
    assert saved is not None and saved.refresh_token == "refresh-r"
    # Ten seconds on (the refetch limit), the set holds the new key: the next refresh
    # sends the kept token, refetches once and signs the new key's token in.
    session._jwks_clients[JWKS]._next_fetch = float("-inf")
    new_jwk = RSAAlgorithm.to_jwk(new_key.public_key(), as_dict=True)
    pool.mock.replace(responses.GET, JWKS, json={"keys": [{**new_jwk, "kid": "kid-2"}]})
    claims = jwt.decode(pool.token.id_token(), options={"verify_signature": False})
    id_token = jwt.encode(claims, new_key, algorithm="RS256", headers={"kid": "kid-2"})
    pool.token.replies.append(
        (200, JSON, json.dumps({"access_token": "a-3", "id_token": id_token, "expires_in": 3600}))
    )
    assert current.access_token() == "a-3"
    assert pool.token.forms[-1]["refresh_token"] == "refresh-r"


def test_a_key_still_unknown_after_a_fresh_refetch_ends_the_session(
    make_session: Callable[..., session.Session],
    pool: Pool,
    spy: SpyStore,
    fake_clock: clock.FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(session, "_jwks_clients", {})  # this test's keys stay its own
    current = resumed(make_session, pool, spy)
    _reply_signed_with_a_new_key(pool)
    session._jwks_clients[JWKS]._next_fetch = float("-inf")  # a refetch is allowed
    fake_clock.advance(3600)
    with pytest.raises(errors.RefreshedIdTokenRefused, match="unknown key"):
        current.access_token()
    assert current.identity is None and spy.inner.load() is None


# -- invalid_grant --------------------------------------------------------------------------


def test_invalid_grant_ends_the_session_once_and_for_all(
    make_session: Callable[..., session.Session],
    pool: Pool,
    spy: SpyStore,
    sleeps: list[float],
    fake_clock: clock.FakeClock,
) -> None:
    current = resumed(make_session, pool, spy)
    pool.token.replies.append((400, JSON, json.dumps({"error": "invalid_grant"})))
    fake_clock.advance(3600)
    with pytest.raises(errors.SessionExpired):
        current.access_token()
    assert pool.token.count == 1
    assert sleeps == []
    assert spy.inner.load() is None
    assert ("delete", None) in spy.calls
    assert current.identity is None and current.access_expires_at is None
    # No loop: later callers are told to sign in; nothing more reaches the server.
    with pytest.raises(errors.NotSignedIn):
        current.access_token()
    with pytest.raises(errors.NotSignedIn):
        current.id_token()
    assert pool.token.count == 1


def test_resume_with_a_dead_refresh_token_returns_none_and_forgets_it(
    make_session: Callable[..., session.Session], pool: Pool, spy: SpyStore
) -> None:
    spy.inner.save(stored_session())
    pool.token.replies.append((400, JSON, json.dumps({"error": "invalid_grant"})))
    assert make_session().resume() is None
    assert pool.token.count == 1
    assert spy.inner.load() is None


# -- transient failures ---------------------------------------------------------------------

TRANSIENT: dict[str, Callable[[], Reply]] = {
    "read timeout": lambda: requests.ReadTimeout("read timed out"),
    "connect timeout": lambda: requests.ConnectTimeout("connect timed out"),
    "connection refused": lambda: requests.ConnectionError("connection refused"),
    "500 JSON": lambda: (500, JSON, json.dumps({"error": "internal_error"})),
    "503 HTML": lambda: (503, {"Content-Type": "text/html"}, "<h1>Service Unavailable</h1>"),
    "200 garbage": lambda: (200, {"Content-Type": "text/html"}, "<html>captive portal</html>"),
    "200 without access_token": lambda: (200, JSON, json.dumps({"expires_in": 3600})),
    "200 JSON list": lambda: (200, JSON, "[1, 2, 3]"),
}


@pytest.mark.parametrize("failure", TRANSIENT.values(), ids=TRANSIENT.keys())
def test_transient_failures_are_retried_with_backoff_and_keep_the_stored_token(
    make_session: Callable[..., session.Session],
    pool: Pool,
    spy: SpyStore,
    sleeps: list[float],
    fake_clock: clock.FakeClock,
    failure: Callable[[], Reply],
) -> None:
    current = resumed(make_session, pool, spy)
    pool.token.replies.extend(failure() for _ in range(session.REFRESH_ATTEMPTS))
    fake_clock.advance(3600)
    with pytest.raises(errors.NetworkError) as caught:
        current.access_token()
    assert not isinstance(caught.value, errors.SessionExpired)
    assert pool.token.count == session.REFRESH_ATTEMPTS == 3
    assert sleeps == [0.5, 1.0]
    saved = spy.inner.load()
    assert saved is not None and saved.refresh_token == "refresh-0"
    assert ("delete", None) not in spy.calls
    assert current.identity is not None  # still signed in; a later try may work
    # ... and it does, once the endpoint recovers.
    assert current.access_token() == f"access-{1 + session.REFRESH_ATTEMPTS + 1}"


def test_a_5xx_then_a_200_succeeds_after_one_backoff(
    make_session: Callable[..., session.Session],
    pool: Pool,
    spy: SpyStore,
    sleeps: list[float],
    fake_clock: clock.FakeClock,
) -> None:
    current = resumed(make_session, pool, spy)
    pool.token.replies.append((502, {"Content-Type": "text/plain"}, "bad gateway"))
    fake_clock.advance(3600)
    assert current.access_token() == "access-3"
    assert pool.token.count == 2
    assert sleeps == [0.5]
    assert [f["refresh_token"] for f in pool.token.forms] == ["refresh-0", "refresh-0"]


def test_network_error_messages_hold_no_secret(
    make_session: Callable[..., session.Session],
    pool: Pool,
    spy: SpyStore,
    fake_clock: clock.FakeClock,
) -> None:
    current = resumed(make_session, pool, spy)
    pool.token.replies.extend(
        requests.ConnectionError("refresh_token=refresh-0 failed") for _ in range(3)
    )
    fake_clock.advance(3600)
    with pytest.raises(errors.NetworkError) as caught:
        current.access_token()
    assert "refresh-0" not in str(caught.value)


# -- silent sign-in ------------------------------------------------------------------------


def test_resume_signs_in_silently_from_the_stored_session(
    make_session: Callable[..., session.Session], pool: Pool, spy: SpyStore
) -> None:
    spy.inner.save(stored_session())
    current = make_session()
    identity = current.resume()
    assert identity == session.Identity(
        username="alice",
        sub=SUB,
        email="alice@example.com",
        groups=("Admin",),
        auth_time=int(NOW),
    )
    assert pool.token.forms == [
        {"grant_type": "refresh_token", "refresh_token": "refresh-0", "client_id": CLIENT}
    ]
    assert current.access_token() == "access-1"
    assert current.id_token().startswith("eyJ")
    assert pool.token.count == 1  # the fresh token is reused, not refreshed again
    assert current.access_expires_at == NOW + 3600


def test_resume_without_a_stored_session_returns_none(
    make_session: Callable[..., session.Session], pool: Pool
) -> None:
    assert make_session().resume() is None
    assert pool.token.count == 0


@pytest.mark.parametrize(
    "other",
    [
        {"client_id": "another-client"},
        {"issuer": f"https://cognito-idp.{REGION}.amazonaws.com/{REGION}_Other"},
    ],
    ids=["another client", "another pool"],
)
def test_a_stored_session_for_another_client_or_pool_is_deleted(
    make_session: Callable[..., session.Session],
    pool: Pool,
    spy: SpyStore,
    other: dict[str, str],
) -> None:
    spy.inner.save(stored_session(**other))
    current = make_session()
    assert current.resume() is None
    assert spy.inner.load() is None
    assert pool.token.count == 0  # its refresh token is never sent anywhere
    assert current.identity is None
    with pytest.raises(errors.NotSignedIn):
        current.access_token()


def test_without_a_session_access_token_says_to_sign_in(
    make_session: Callable[..., session.Session], pool: Pool
) -> None:
    with pytest.raises(errors.NotSignedIn, match="login"):
        make_session().access_token()
    assert pool.token.count == 0


# -- the refreshed ID token ------------------------------------------------------------------


def test_a_refreshed_id_token_for_another_user_ends_the_session(
    make_session: Callable[..., session.Session],
    pool: Pool,
    spy: SpyStore,
    fake_clock: clock.FakeClock,
) -> None:
    current = resumed(make_session, pool, spy)
    pool.token.sub = "someone-else"
    fake_clock.advance(3600)
    with pytest.raises(errors.IdTokenError, match="another user"):
        current.access_token()
    assert spy.inner.load() is None
    assert current.identity is None and current.access_expires_at is None
    with pytest.raises(errors.NotSignedIn):
        current.access_token()
    assert pool.token.count == 1


def test_a_refreshed_id_token_that_does_not_validate_is_refused(
    make_session: Callable[..., session.Session],
    pool: Pool,
    spy: SpyStore,
    fake_clock: clock.FakeClock,
) -> None:
    current = resumed(make_session, pool, spy)
    old_expiry = current.access_expires_at
    fake_clock.advance(3600)
    forged = pool.token.id_token(aud="another-client")
    pool.token.replies.append(
        (200, JSON, json.dumps({"access_token": "a", "id_token": forged, "expires_in": 3600}))
    )
    # Both a validation failure and the end of the session (cli status, the GUI bridge).
    with pytest.raises(errors.RefreshedIdTokenRefused, match="please sign in again"):
        current.access_token()
    # The unvalidated tokens are not used, and the session has ended (see
    # tests/security/test_hostile_idp.py for why the refresh token is dropped too).
    assert old_expiry is not None and current.access_expires_at is None
    assert spy.inner.load() is None and current.identity is None


# -- interactive sign-in by pasting the redirect (no browser, no port) --------------------------


def test_sign_in_by_pasting_the_redirect_stores_only_after_validation(
    make_session: Callable[..., session.Session], pool: Pool, spy: SpyStore
) -> None:
    current = make_session()
    seen: dict[str, str] = {}

    def paste(url: str) -> str:
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
        seen.update(query)
        pool.token.nonce = query["nonce"]
        return f"  {REDIRECT}?code=the-code&state={query['state']}\n"

    identity = current.sign_in(paste_redirect=paste)
    assert identity.username == "alice" and identity.sub == SUB
    assert seen["code_challenge_method"] == "S256" and seen["client_id"] == CLIENT
    form = pool.token.forms[0]
    assert form["grant_type"] == "authorization_code" and form["code"] == "the-code"
    assert form["redirect_uri"] == REDIRECT and len(form["code_verifier"]) >= 43
    saved = spy.inner.load()
    assert saved is not None and saved.refresh_token == "refresh-1" and saved.sub == SUB
    assert current.access_token() == "access-1"


def test_sign_in_with_a_wrong_nonce_stores_nothing(
    make_session: Callable[..., session.Session], pool: Pool, spy: SpyStore
) -> None:
    current = make_session()

    def paste(url: str) -> str:
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
        pool.token.nonce = "a-replayed-nonce"
        return f"{REDIRECT}?code=the-code&state={query['state']}"

    with pytest.raises(errors.IdTokenError, match="nonce"):
        current.sign_in(paste_redirect=paste)
    assert spy.inner.load() is None and not [c for c in spy.calls if c[0] == "save"]
    assert current.identity is None


# -- signing out -----------------------------------------------------------------------------


def test_sign_out_revokes_forgets_and_clears_memory(
    make_session: Callable[..., session.Session], pool: Pool, spy: SpyStore
) -> None:
    current = resumed(make_session, pool, spy)
    assert current.sign_out() == []
    assert pool.revoked == [
        {"token": "refresh-0", "token_type_hint": "refresh_token", "client_id": CLIENT}
    ]
    assert spy.inner.load() is None
    assert current.identity is None and current.access_expires_at is None
    with pytest.raises(errors.NotSignedIn):
        current.access_token()
    assert pool.token.count == 0
    assert pool.global_sign_outs == []


def test_sign_out_of_a_stored_session_not_yet_resumed_revokes_it(
    make_session: Callable[..., session.Session], pool: Pool, spy: SpyStore
) -> None:
    spy.inner.save(stored_session())
    assert make_session().sign_out() == []
    assert [r["token"] for r in pool.revoked] == ["refresh-0"]
    assert spy.inner.load() is None
    assert pool.token.count == 0


@pytest.mark.parametrize(
    "failure",
    [
        requests.ConnectionError("no route to host"),
        requests.ReadTimeout("read timed out"),
        (503, {"Content-Type": "text/plain"}, "down"),
        (400, JSON, json.dumps({"error": "unsupported_token_type"})),
    ],
    ids=["unreachable", "timeout", "503", "400"],
)
def test_sign_out_reports_a_failed_revocation_and_still_clears_everything(
    make_session: Callable[..., session.Session],
    pool: Pool,
    spy: SpyStore,
    failure: Reply,
) -> None:
    current = resumed(make_session, pool, spy)
    pool.revoke_replies.append(failure)
    problems = current.sign_out()
    assert len(problems) == 1 and "revoke" in problems[0]
    assert "refresh-0" not in problems[0]
    assert spy.inner.load() is None
    assert current.identity is None and current.access_expires_at is None


def test_sign_out_everywhere_without_the_admin_scope_says_what_is_missing(
    make_session: Callable[..., session.Session], pool: Pool, spy: SpyStore
) -> None:
    profile = make_profile(scopes=["openid", "email", "profile"])
    current = resumed(make_session, pool, spy, profile=profile)
    problems = current.sign_out(everywhere=True)
    assert len(problems) == 1
    assert session.ADMIN_SCOPE in problems[0] and "scope" in problems[0]
    assert pool.global_sign_outs == []
    assert [r["token"] for r in pool.revoked] == ["refresh-0"]  # this session still ends
    assert spy.inner.load() is None and current.identity is None


def test_sign_out_everywhere_follows_the_granted_scopes_not_the_configured_ones(
    make_session: Callable[..., session.Session], pool: Pool, spy: SpyStore
) -> None:
    pool.token.scope = "openid email profile"  # the app client does not allow the admin scope
    current = resumed(make_session, pool, spy)
    problems = current.sign_out(everywhere=True)
    assert len(problems) == 1 and session.ADMIN_SCOPE in problems[0]
    assert pool.global_sign_outs == []


def test_sign_out_everywhere_calls_global_sign_out_with_the_access_token(
    make_session: Callable[..., session.Session], pool: Pool, spy: SpyStore
) -> None:
    current = resumed(make_session, pool, spy)
    assert current.sign_out(everywhere=True) == []
    assert len(pool.global_sign_outs) == 1
    headers, body = pool.global_sign_outs[0]
    assert headers["X-Amz-Target"] == "AWSCognitoIdentityProviderService.GlobalSignOut"
    assert headers["Content-Type"] == "application/x-amz-json-1.1"
    assert body == {"AccessToken": "access-1"}
    assert pool.token.count == 0  # the access token was fresh, no refresh needed
    assert spy.inner.load() is None and current.identity is None


def test_sign_out_everywhere_refreshes_a_stale_access_token_first(
    make_session: Callable[..., session.Session],
    pool: Pool,
    spy: SpyStore,
    fake_clock: clock.FakeClock,
) -> None:
    current = resumed(make_session, pool, spy)
    fake_clock.advance(3600)
    assert current.sign_out(everywhere=True) == []
    assert pool.token.count == 1
    assert pool.global_sign_outs[0][1] == {"AccessToken": "access-2"}


def test_sign_out_everywhere_reports_a_refused_global_sign_out(
    make_session: Callable[..., session.Session], pool: Pool, spy: SpyStore
) -> None:
    current = resumed(make_session, pool, spy)
    pool.mock.replace(
        responses.POST,
        IDP,
        status=400,
        json={"__type": "NotAuthorizedException", "message": "Access Token has been revoked"},
    )
    problems = current.sign_out(everywhere=True)
    assert problems == ["could not sign out everywhere: HTTP 400"]
    assert spy.inner.load() is None and current.identity is None


def test_sign_out_everywhere_for_an_issuer_only_profile_calls_the_pools_region(
    make_session: Callable[..., session.Session], pool: Pool, spy: SpyStore
) -> None:
    """A profile may name just the ``issuer`` (no region/user_pool_id); the region is in it."""
    profile = make_profile(user_pool_id=None, issuer=ISSUER)
    current = resumed(make_session, pool, spy, profile=profile)
    problems = current.sign_out(everywhere=True)
    assert session.idp_endpoint(profile) == IDP
    assert problems == []
    assert len(pool.global_sign_outs) == 1


def test_sign_out_when_not_signed_in_is_quiet(
    make_session: Callable[..., session.Session], pool: Pool, spy: SpyStore
) -> None:
    current = make_session()
    assert current.sign_out() == []
    assert pool.revoked == []
    assert spy.inner.load() is None


# -- parse_redirect ---------------------------------------------------------------------------

STATE = "expected-state_123"


@pytest.mark.parametrize(
    "url",
    [
        f"http://localhost:53682/callback?code=c&state={STATE}",
        f"http://127.0.0.1:53683/callback?code=c&state={STATE}",
        f"http://127.0.0.1/callback?code=c&state={STATE}",
        f"https://127.0.0.1:53682/callback?code=c&state={STATE}",
        f"http://127.0.0.1:53682/callback/?code=c&state={STATE}",
        f"http://127.0.0.1:53682/other?code=c&state={STATE}",
        f"http://evil@127.0.0.1:53682/callback?code=c&state={STATE}",
        f"http://evil.example/callback?code=c&state={STATE}",
        "c",
        "",
    ],
)
def test_parse_redirect_refuses_another_address(url: str) -> None:
    with pytest.raises(errors.SignInError) as caught:
        session.parse_redirect(url, REDIRECT, STATE)
    assert type(caught.value) is errors.SignInError
    assert "redirect URL" in str(caught.value)


def test_parse_redirect_returns_the_code() -> None:
    url = f"\t{REDIRECT}?state={STATE}&code=abc-DEF_123 \n"
    assert session.parse_redirect(url, REDIRECT, STATE) == "abc-DEF_123"


def test_parse_redirect_shows_an_authorization_error_with_its_description() -> None:
    url = (
        f"{REDIRECT}?error=access_denied&error_description=User+cancelled+the+sign-in&state={STATE}"
    )
    with pytest.raises(errors.AuthorizationDenied) as caught:
        session.parse_redirect(url, REDIRECT, STATE)
    assert caught.value.error == "access_denied"
    assert caught.value.description == "User cancelled the sign-in"
    assert str(caught.value) == "sign-in was refused: access_denied (User cancelled the sign-in)"


def test_parse_redirect_error_without_description() -> None:
    with pytest.raises(errors.AuthorizationDenied) as caught:
        session.parse_redirect(f"{REDIRECT}?error=server_error&state={STATE}", REDIRECT, STATE)
    assert str(caught.value) == "sign-in was refused: server_error"


def test_parse_redirect_strips_control_characters_from_the_error_it_shows() -> None:
    """The loopback receiver makes the description printable (no terminal escapes);
    the pasted path shows the same text on the terminal, so it must too."""
    url = (
        f"{REDIRECT}?error=access_denied&error_description=%1B%5B2J%1B%5D0%3Bpwned%07&state={STATE}"
    )
    with pytest.raises(errors.AuthorizationDenied) as caught:
        session.parse_redirect(url, REDIRECT, STATE)
    shown = str(caught.value)
    assert not any(ord(ch) < 32 or ord(ch) == 127 for ch in shown), repr(shown)


def test_parse_redirect_checks_state_before_trusting_an_error() -> None:
    """As the loopback receiver does: an error response with a forged state is a
    state mismatch (RFC 6749 4.1.2.1 returns state with errors too)."""
    url = f"{REDIRECT}?error=access_denied&error_description=forged&state=forged"
    with pytest.raises(errors.StateMismatch):
        session.parse_redirect(url, REDIRECT, STATE)


@pytest.mark.parametrize(
    "query",
    [
        "code=c",
        "code=c&state=",
        "code=c&state=wrong",
        f"code=c&state={STATE}x",
        f"code=c&state={STATE}&state={STATE}",
        f"code=c&state={STATE}&state=other",
        f"code=c&STATE={STATE}",
    ],
    ids=["missing", "empty", "wrong", "longer", "duplicate", "two different", "case"],
)
def test_parse_redirect_refuses_a_missing_duplicate_or_wrong_state(query: str) -> None:
    with pytest.raises(errors.StateMismatch):
        session.parse_redirect(f"{REDIRECT}?{query}", REDIRECT, STATE)


def test_parse_redirect_refuses_a_non_ascii_state_as_a_mismatch() -> None:
    """A pasted URL is untrusted text: any state that is not ours is a StateMismatch
    (not a TypeError from hmac.compare_digest on non-ASCII str)."""
    with pytest.raises(errors.StateMismatch):
        session.parse_redirect(f"{REDIRECT}?code=c&state=%C3%A9t%C3%A9", REDIRECT, STATE)


@pytest.mark.parametrize(
    "query",
    [f"state={STATE}", f"state={STATE}&code=", f"state={STATE}&code=a&code=b"],
    ids=["missing", "empty", "duplicate"],
)
def test_parse_redirect_refuses_a_missing_or_duplicate_code(query: str) -> None:
    with pytest.raises(errors.SignInError, match="no authorization code") as caught:
        session.parse_redirect(f"{REDIRECT}?{query}", REDIRECT, STATE)
    assert not isinstance(caught.value, errors.StateMismatch)


# -- odds and ends ----------------------------------------------------------------------------


def test_idp_endpoint_uses_the_discovery_override_origin_for_a_local_pool() -> None:
    local = make_profile(
        discovery_url="http://127.0.0.1:9229/pool/.well-known/openid-configuration"
    )
    assert session.idp_endpoint(local) == "http://127.0.0.1:9229/"
    assert session.idp_endpoint(make_profile()) == IDP


def test_logout_url_clears_the_managed_login_cookie() -> None:
    profile = make_profile(logout_uri="http://127.0.0.1:53682/signed-out")
    current = session.Session(profile, token_store=store.MemoryStore())
    url = current.logout_url()
    assert url is not None and url.startswith(f"{DOMAIN}/logout?")
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
    assert query == {"client_id": CLIENT, "logout_uri": "http://127.0.0.1:53682/signed-out"}
    assert session.Session(make_profile(), token_store=store.MemoryStore()).logout_url() is None
