"""Session: single-flight refresh, rotation, invalid_grant, retries, resume, sign-out.

Every HTTP call is answered by ``responses``: the mocked pool of
:mod:`tests.unit.desktop_app.auth.session_world` (conftest's ``world``), whose ID tokens
are signed there and served through a JWKS. The store is a spy around a
:class:`MemoryStore`: no keyring is touched.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Callable

import pytest
import requests
import responses
from cryptography.hazmat.primitives.asymmetric import rsa

from desktop_app import config, errors
from desktop_app.auth import jwks_cache, session, store
from tests.unit.desktop_app.auth.session_world import (
    CLIENT,
    IDP,
    ISSUER,
    JSON,
    JWKS,
    KID,
    NOW,
    REDIRECT,
    REGION,
    SUB,
    Reply,
    TokenEndpoint,
    World,
    allow_a_key_refetch,
    make_profile,
    stored_session,
)

# -- single-flight ----------------------------------------------------------------------


def test_fifty_concurrent_callers_share_one_refresh(world: World) -> None:
    current = world.signed_in()
    old = current.access_token()
    world.clock.advance(3600 - 30)  # inside the 60 s refresh margin: every caller must refresh
    world.token.delay = 0.05  # a refresh that takes a while, so the callers pile up
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
    assert world.token.count == 1, "50 callers made more than one refresh request"
    assert old == "access-1" and set(results) == {"access-2"}


def test_a_caller_that_saw_the_due_token_does_not_refresh_again_after_another_did(
    world: World,
) -> None:
    """Two callers find the token due at the same moment; one is descheduled just after
    its expiry check, and runs on only once the other's refresh has finished. Both
    arrived together, so there must still be one refresh request (the issue: "many
    concurrent callers -> one request")."""
    current = world.signed_in()
    world.clock.advance(3600 - 30)
    resume_late = threading.Event()
    paused = threading.Event()

    def now() -> float:
        if threading.current_thread().name == "late" and not paused.is_set():
            paused.set()  # the late caller has read the due token and checks the time
            resume_late.wait(timeout=10)
        return world.clock()

    current._now = now  # the clock the late caller reads between its check and refresh()
    late_result: list[str] = []
    late = threading.Thread(target=lambda: late_result.append(current.access_token()), name="late")
    late.start()
    assert paused.wait(timeout=10)
    first = current.access_token()  # the other caller refreshes meanwhile
    resume_late.set()
    late.join(timeout=10)
    assert world.token.count == 1, (
        f"{world.token.count} refresh requests for two concurrent callers: refresh() takes "
        "its generation snapshot after the caller's expiry check, so a caller descheduled "
        "in between refreshes a second time"
    )
    assert late_result == [first]


# -- rotation -----------------------------------------------------------------------------


def test_a_rotated_refresh_token_is_saved_before_the_session_switches_to_it(world: World) -> None:
    current = world.signed_in(rotating=True)
    old_expiry = current.access_expires_at
    seen_at_save: list[tuple[float | None, str | None]] = []

    def on_save(saved: store.StoredSession) -> None:
        held = current._stored
        seen_at_save.append((current.access_expires_at, held.refresh_token if held else None))

    world.spy.on_save = on_save
    world.clock.advance(3600 - 30)
    assert current.access_token() == "access-2"
    assert world.token.forms[0]["refresh_token"] == "refresh-0"
    assert world.spy.saves == [("save", "refresh-2")]
    # When it was saved, the session still held the old token and the old access token.
    assert seen_at_save == [(old_expiry, "refresh-0")]
    saved = world.spy.inner.load()
    assert saved is not None and saved.refresh_token == "refresh-2"
    assert saved.sub == SUB and saved.client_id == CLIENT and saved.issuer == ISSUER
    # The next refresh uses the new token, never the retired one.
    world.clock.advance(3600)
    current.access_token()
    assert world.token.forms[1]["refresh_token"] == "refresh-2"


def test_without_rotation_nothing_is_saved_on_refresh(world: World) -> None:
    current = world.signed_in()
    world.clock.advance(3600)
    current.access_token()
    assert world.spy.saves == []
    assert world.spy.refresh_token() == "refresh-0"


def test_a_failed_save_of_the_rotated_token_keeps_the_new_token_in_memory(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    # The rotated token would be lost if dropped; the stored old one keeps working
    # only for the grace period. So this run carries on with the new one, warned.
    current = world.signed_in(rotating=True)
    old_expiry = current.access_expires_at

    def fail(saved: store.StoredSession) -> None:
        raise errors.KeyringError("the OS keyring did not answer")

    world.spy.on_save = fail
    world.clock.advance(3600 - 30)
    current.refresh()
    assert current.access_expires_at != old_expiry
    assert world.spy.refresh_token() == "refresh-0"
    assert "could not store the rotated refresh token" in caplog.text


def test_a_rotated_refresh_token_is_kept_when_the_keys_to_check_its_answer_are_unreachable(
    world: World, key: rsa.RSAPrivateKey
) -> None:
    # Cognito retires the old refresh token after its grace period: dropping the new one
    # because the signing keys were briefly unreachable would sign the person out later.
    current = world.signed_in(rotating=True)
    identity = current.identity
    jwks_cache.clear()  # as in a new process: no keys yet
    current._validators.clear()
    world.pool.mock.replace(responses.GET, JWKS, body=requests.ConnectionError("unreachable"))
    world.clock.advance(3600)
    with pytest.raises(errors.NetworkError):
        current.access_token()
    kept = world.spy.refresh_token()
    assert kept not in (None, "refresh-0", "")
    # Nothing unchecked was used: same identity, the expired access token not replaced.
    assert current.identity == identity
    # With the keys back, and past the key-set refetch limit, the next refresh sends
    # the new token and its answer is checked.
    allow_a_key_refetch()
    world.pool.publish((key, KID))
    assert current.access_token()
    assert world.token.forms[-1]["refresh_token"] == kept


def _reply_signed_with_a_new_key(token: TokenEndpoint) -> rsa.RSAPrivateKey:
    """Queue a rotating refresh answer whose ID token is signed with a key (kid-2) the
    cached key set does not hold; the new key, to publish later."""
    new_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    id_token = token.id_token(new_key, "kid-2")
    token.answer(access_token="a-2", id_token=id_token, refresh_token="refresh-r")
    return new_key


def test_a_key_rotated_in_moments_ago_is_retried_later_not_the_end_of_the_session(
    world: World,
) -> None:
    current = world.signed_in()
    identity = current.identity
    # A refetch moments ago lacked a key (another kid): the 10 s wait has started.
    with pytest.raises(errors.UnknownSigningKey):
        jwks_cache._clients[JWKS].key("kid-9")
    new_key = _reply_signed_with_a_new_key(world.token)
    world.clock.advance(3600)
    with pytest.raises(errors.NetworkError, match="signing keys changed"):
        current.access_token()
    # Not signed out; nothing unchecked used; the rotated refresh token kept.
    assert current.identity == identity
    assert world.spy.refresh_token() == "refresh-r"
    # Ten seconds on (the refetch limit), the set holds the new key: the next refresh
    # sends the kept token, refetches once and signs the new key's token in.
    allow_a_key_refetch()
    world.pool.publish((new_key, "kid-2"))
    world.token.answer(access_token="a-3", id_token=world.token.id_token(new_key, "kid-2"))
    assert current.access_token() == "a-3"
    assert world.token.forms[-1]["refresh_token"] == "refresh-r"


def test_a_key_still_unknown_after_a_fresh_refetch_ends_the_session(world: World) -> None:
    current = world.signed_in()
    _reply_signed_with_a_new_key(world.token)
    allow_a_key_refetch()
    world.clock.advance(3600)
    with pytest.raises(errors.RefreshedIdTokenRefused, match="unknown key"):
        current.access_token()
    assert current.identity is None and world.spy.inner.load() is None


# -- invalid_grant --------------------------------------------------------------------------


def test_invalid_grant_ends_the_session_once_and_for_all(world: World) -> None:
    current = world.signed_in()
    world.token.replies.append((400, JSON, json.dumps({"error": "invalid_grant"})))
    world.clock.advance(3600)
    with pytest.raises(errors.SessionExpired):
        current.access_token()
    assert world.token.count == 1
    assert world.sleeps == []
    assert ("delete", None) in world.spy.calls
    # No loop: later callers are told to sign in; nothing more reaches the server.
    world.assert_signed_out(current)
    with pytest.raises(errors.NotSignedIn):
        current.id_token()
    assert world.token.count == 1


def test_resume_with_a_dead_refresh_token_says_why_and_forgets_it(world: World) -> None:
    world.spy.inner.save(stored_session())
    world.token.replies.append((400, JSON, json.dumps({"error": "invalid_grant"})))
    with pytest.raises(errors.SessionExpired, match=r"no longer accepted .*account was disabled"):
        world.session().resume()
    assert world.token.count == 1
    assert world.spy.inner.load() is None


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
    world: World, failure: Callable[[], Reply]
) -> None:
    current = world.signed_in()
    world.token.replies.extend(failure() for _ in range(session.REFRESH_ATTEMPTS))
    world.clock.advance(3600)
    with pytest.raises(errors.NetworkError) as caught:
        current.access_token()
    assert not isinstance(caught.value, errors.SessionExpired)
    assert world.token.count == session.REFRESH_ATTEMPTS == 3
    assert world.sleeps == [0.5, 1.0]
    assert world.spy.refresh_token() == "refresh-0"
    assert ("delete", None) not in world.spy.calls
    assert current.identity is not None  # still signed in; a later try may work
    # ... and it does, once the endpoint recovers.
    assert current.access_token() == f"access-{1 + session.REFRESH_ATTEMPTS + 1}"


def test_a_5xx_then_a_200_succeeds_after_one_backoff(world: World) -> None:
    current = world.signed_in()
    world.token.replies.append((502, {"Content-Type": "text/plain"}, "bad gateway"))
    world.clock.advance(3600)
    assert current.access_token() == "access-3"
    assert world.token.count == 2
    assert world.sleeps == [0.5]
    assert [f["refresh_token"] for f in world.token.forms] == ["refresh-0", "refresh-0"]


def test_network_error_messages_hold_no_secret(world: World) -> None:
    current = world.signed_in()
    world.token.replies.extend(
        requests.ConnectionError("refresh_token=refresh-0 failed") for _ in range(3)
    )
    world.clock.advance(3600)
    with pytest.raises(errors.NetworkError) as caught:
        current.access_token()
    assert "refresh-0" not in str(caught.value)


# -- silent sign-in ------------------------------------------------------------------------


def test_resume_signs_in_silently_from_the_stored_session(world: World) -> None:
    world.spy.inner.save(stored_session())
    current = world.session()
    identity = current.resume()
    assert identity == session.Identity(
        username="alice",
        sub=SUB,
        email="alice@example.com",
        groups=("Admin",),
        auth_time=int(NOW),
    )
    assert world.token.forms == [
        {"grant_type": "refresh_token", "refresh_token": "refresh-0", "client_id": CLIENT}
    ]
    assert current.access_token() == "access-1"
    assert current.id_token().startswith("eyJ")
    assert world.token.count == 1  # the fresh token is reused, not refreshed again
    assert current.access_expires_at == NOW + 3600


@pytest.mark.parametrize(
    "stored",
    [
        None,
        stored_session(client_id="another-client"),
        stored_session(issuer=f"https://cognito-idp.{REGION}.amazonaws.com/{REGION}_Other"),
    ],
    ids=["nothing stored", "another client", "another pool"],
)
def test_resume_without_a_session_of_this_client_and_pool_says_why(
    world: World, stored: store.StoredSession | None
) -> None:
    if stored is not None:
        world.spy.inner.save(stored)
    current = world.session()
    if stored is None:
        assert current.resume() is None
    else:
        with pytest.raises(errors.SessionExpired, match="another app client or user pool"):
            current.resume()
    assert world.token.count == 0  # a foreign refresh token is never sent anywhere
    world.assert_signed_out(current)  # and it is deleted


def test_without_a_session_access_token_says_to_sign_in(world: World) -> None:
    with pytest.raises(errors.NotSignedIn, match="login"):
        world.session().access_token()
    assert world.token.count == 0


# -- the refreshed ID token ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("claims", "reason"),
    [({"sub": "someone-else"}, "another user"), ({"aud": "another-client"}, "another client")],
    ids=["another user", "another client"],
)
def test_a_refreshed_id_token_that_does_not_validate_ends_the_session(
    world: World, claims: dict[str, str], reason: str
) -> None:
    current = world.signed_in()
    old_expiry = current.access_expires_at
    world.clock.advance(3600)
    world.token.answer(access_token="a", id_token=world.token.id_token(**claims))
    # Both a validation failure and the end of the session (cli status, the GUI bridge).
    with pytest.raises(errors.RefreshedIdTokenRefused, match=reason) as caught:
        current.access_token()
    assert isinstance(caught.value, errors.IdTokenError)
    assert str(caught.value).endswith("please sign in again")
    # The unvalidated tokens are not used, and the session has ended (see
    # tests/security/test_hostile_idp.py for why the refresh token is dropped too).
    assert old_expiry is not None
    world.assert_signed_out(current)
    assert world.token.count == 1


# -- interactive sign-in by pasting the redirect (no browser, no port) --------------------------


class PasteBack:
    """What a person pastes: the redirect with ``query`` (``{state}`` is the request's),
    after the pool put ``nonce`` (default: the request's) in the ID token. ``urls``: the
    authorize URLs it was shown."""

    def __init__(self, token: TokenEndpoint, query: str, nonce: str | None = None) -> None:
        self.token, self.query, self.nonce = token, query, nonce
        self.urls: list[str] = []

    def __call__(self, url: str) -> str:
        self.urls.append(url)
        request = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
        self.token.nonce = self.nonce or request["nonce"]
        return f"  {REDIRECT}?{self.query.format(state=request['state'])}\n"


def test_sign_in_by_pasting_the_redirect_stores_only_after_validation(world: World) -> None:
    current = world.session()
    paste = PasteBack(world.token, "code=the-code&state={state}")
    identity = current.sign_in(paste_redirect=paste)
    assert identity.username == "alice" and identity.sub == SUB
    sent = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(paste.urls[0]).query))
    assert sent["code_challenge_method"] == "S256" and sent["client_id"] == CLIENT
    form = world.token.forms[0]
    assert form["grant_type"] == "authorization_code" and form["code"] == "the-code"
    assert form["redirect_uri"] == REDIRECT and len(form["code_verifier"]) >= 43
    saved = world.spy.inner.load()
    assert saved is not None and saved.refresh_token == "refresh-1" and saved.sub == SUB
    assert current.access_token() == "access-1"


@pytest.mark.parametrize(
    ("query", "nonce", "error", "exchanges"),
    [
        ("code=the-code&state={state}", "a-replayed-nonce", errors.IdTokenError, 1),
        # An error means the sign-in failed, whatever else came: the code is not used.
        ("code=the-code&error=access_denied&state={state}", None, errors.AuthorizationDenied, 0),
        ("code=the-code&state=forged", None, errors.StateMismatch, 0),
    ],
    ids=["wrong nonce", "code and error", "forged state"],
)
def test_a_failed_pasted_sign_in_stores_nothing(
    world: World, query: str, nonce: str | None, error: type[Exception], exchanges: int
) -> None:
    current = world.session()
    with pytest.raises(error):
        current.sign_in(paste_redirect=PasteBack(world.token, query, nonce))
    assert world.token.count == exchanges
    assert world.spy.inner.load() is None and world.spy.saves == []
    assert current.identity is None


# -- start-up: one keyring read decides "restoring" and then restores ------------------------


def test_asking_whether_a_session_is_stored_reads_the_keyring_once_for_the_resume(
    world: World,
) -> None:
    world.spy.inner.save(stored_session())
    current = world.session()
    assert current.has_stored_session() is True
    assert current.resume() is not None
    assert [call for call in world.spy.calls if call[0] == "load"] == [("load", None)]
    # A later resume reads again: the record was for that one start-up.
    current.resume()
    assert len([call for call in world.spy.calls if call[0] == "load"]) == 2


def test_nothing_stored_is_said_and_resume_finds_nothing(world: World) -> None:
    current = world.session()
    assert current.has_stored_session() is False
    assert current.resume() is None


# -- a sign-in shown first and stored behind it (the GUI's) ----------------------------------


def _signed_in_store_later(world: World) -> session.Session:
    current = world.session()
    current.sign_in(
        paste_redirect=PasteBack(world.token, "code=the-code&state={state}"), store_later=True
    )
    return current


def test_a_sign_in_stored_later_is_in_hand_at_once_and_stored_once(world: World) -> None:
    current = _signed_in_store_later(world)
    assert current.access_token() == "access-1"
    assert world.spy.saves == []  # nothing written yet
    current.store_pending()
    saved = world.spy.inner.load()
    assert saved is not None and saved.refresh_token == "refresh-1" and saved.sub == SUB
    current.store_pending()  # nothing pending: no second write
    assert world.spy.saves == [("save", "refresh-1")]
    assert current.storage_problem is None


def test_a_sign_out_before_the_write_leaves_nothing_stored(world: World) -> None:
    current = _signed_in_store_later(world)
    assert current.sign_out() == []
    current.store_pending()  # the write behind the screen arrives late: it must not land
    assert ("save", "refresh-1") not in world.spy.saves
    world.assert_signed_out(current)


def test_a_rotation_before_the_write_is_what_gets_stored(world: World) -> None:
    current = _signed_in_store_later(world)
    world.token.rotate = True
    current.refresh()  # saves the rotated token itself
    rotated = world.spy.refresh_token()
    assert rotated not in (None, "refresh-1")
    current.store_pending()  # the older pending session must not overwrite it
    assert world.spy.refresh_token() == rotated
    assert ("save", "refresh-1") not in world.spy.saves


def test_a_failed_write_keeps_the_session_in_memory_and_says_why(world: World) -> None:
    current = _signed_in_store_later(world)

    def fail(saved: store.StoredSession) -> None:
        raise errors.KeyringError("the OS keyring did not answer")

    world.spy.on_save = fail
    with pytest.raises(errors.KeyringError):
        current.store_pending()
    assert current.storage_problem == "the OS keyring did not answer"
    assert world.spy.inner.load() is None
    assert current.access_token() == "access-1"  # still signed in for this run


# -- signing out -----------------------------------------------------------------------------


def test_sign_out_revokes_forgets_and_clears_memory(world: World) -> None:
    current = world.signed_in()
    assert current.sign_out() == []
    assert world.pool.revoked == [
        {"token": "refresh-0", "token_type_hint": "refresh_token", "client_id": CLIENT}
    ]
    world.assert_signed_out(current)
    assert world.token.count == 0
    assert world.pool.global_sign_outs == []


def test_sign_out_of_a_stored_session_not_yet_resumed_revokes_it(world: World) -> None:
    world.spy.inner.save(stored_session())
    assert world.session().sign_out() == []
    assert [r["token"] for r in world.pool.revoked] == ["refresh-0"]
    assert world.spy.inner.load() is None
    assert world.token.count == 0


def test_sign_out_when_not_signed_in_is_quiet(world: World) -> None:
    assert world.session().sign_out() == []
    assert world.pool.revoked == []
    assert world.spy.inner.load() is None


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
    world: World, failure: Reply
) -> None:
    current = world.signed_in()
    world.pool.revoke_replies.append(failure)
    problems = current.sign_out()
    assert len(problems) == 1 and "revoke" in problems[0]
    assert "refresh-0" not in problems[0]
    world.assert_signed_out(current)


@pytest.mark.parametrize(
    ("profile", "granted"),
    [
        (make_profile(scopes=["openid", "email", "profile"]), None),
        # Granted scopes win over the configured ones: the app client did not allow it.
        (make_profile(), "openid email profile"),
    ],
    ids=["not configured", "not granted"],
)
def test_sign_out_everywhere_without_the_admin_scope_says_what_is_missing(
    world: World, profile: config.Profile, granted: str | None
) -> None:
    world.token.scope = granted
    current = world.signed_in(profile)
    problems = current.sign_out(everywhere=True)
    assert len(problems) == 1
    assert session.ADMIN_SCOPE in problems[0] and "scope" in problems[0]
    assert world.pool.global_sign_outs == []
    assert [r["token"] for r in world.pool.revoked] == ["refresh-0"]  # this session still ends
    world.assert_signed_out(current)


@pytest.mark.parametrize(
    ("profile", "later", "refreshes", "access_token"),
    [
        (make_profile(), 0, 0, "access-1"),  # the access token is fresh: no refresh needed
        (make_profile(), 3600, 1, "access-2"),  # a stale one is refreshed first
        # A profile may name just the issuer (no region/user_pool_id); the region is in it.
        (make_profile(user_pool_id=None, issuer=ISSUER), 0, 0, "access-1"),
    ],
    ids=["fresh", "stale", "issuer-only profile"],
)
def test_sign_out_everywhere_calls_global_sign_out_with_the_access_token(
    world: World, profile: config.Profile, later: float, refreshes: int, access_token: str
) -> None:
    current = world.signed_in(profile)
    world.clock.advance(later)
    assert current.sign_out(everywhere=True) == []
    assert len(world.pool.global_sign_outs) == 1
    headers, body = world.pool.global_sign_outs[0]
    assert headers["X-Amz-Target"] == "AWSCognitoIdentityProviderService.GlobalSignOut"
    assert headers["Content-Type"] == "application/x-amz-json-1.1"
    assert body == {"AccessToken": access_token}
    assert world.token.count == refreshes
    world.assert_signed_out(current)


def test_sign_out_everywhere_reports_a_refused_global_sign_out(world: World) -> None:
    current = world.signed_in()
    world.pool.mock.replace(
        responses.POST,
        IDP,
        status=400,
        json={"__type": "NotAuthorizedException", "message": "Access Token has been revoked"},
    )
    assert current.sign_out(everywhere=True) == ["could not sign out everywhere: HTTP 400"]
    world.assert_signed_out(current)
