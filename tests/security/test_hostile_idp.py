"""The client's real sign-in against a hostile identity provider (issue 9).

Each case runs :meth:`Session.sign_in` end to end, with real HTTP on loopback, against
:class:`~tests.security.hostile_idp.HostileIdP` answering wrongly in one way. The
cases are the OpenID Foundation's relying-party conformance tests that apply to a
code-flow public client (ids are the old ``rp-*`` names, or the new suite's
``oidcc-client-test-*`` where only it has the case), Cognito's ``token_use``
confusion (``cognito-*``), and a few more attacks in the same spirit
(``hostile-*``).

For every negative case: sign-in raises the error for *that* check; the token store
never sees a save (nothing reaches the keyring); after the token response the client
sends no request except the JWKS fetch validation itself needs (the exact count is
part of each case); the session holds no identity or token afterwards; and no code or
token the IdP issued appears in the error or the log. For every positive case:
sign-in succeeds and the exact request sequence is checked.

Choices where the OpenID Foundation allows either answer:

- ``rp-id_token-sig-none`` is *refused*. An unsigned ID token may only be accepted
  from a client that registered ``id_token_signed_response_alg=none`` (OIDC Core 2,
  3.1.3.7 item 7); Cognito signs with RS256 and the certification programme made the
  test optional (conformance-suite issue 878).
- ``rp-id_token-kid-absent-multiple-jwks`` is *refused* ("reject the ID Token since
  it can not by using the kid determined which key to use", the test's first
  allowed outcome); ``rp-id_token-kid-absent-single-jwks`` must succeed, and does.
- An ``aud`` list naming another audience besides this client is refused even with a
  correct ``azp`` (OIDC Core 3.1.3.7 item 3: "additional audiences not trusted by the
  Client"; this client trusts none).

userInfo: the client never calls the userInfo endpoint (the identity comes from the
validated ID token only), so ``rp-userinfo-bad-sub-claim`` cannot be believed; the
test for it proves no userInfo request is ever made, during sign-in or refresh, even
when the IdP's userInfo would name another subject.

Refresh (``oidcc-client-test-refresh-token-invalid-*``): a refresh whose ID token
fails validation ends the session here. Nothing from that answer is used (not its
access token, not a rotated refresh token), the stored session is deleted, and the
error says to sign in again. The stored refresh token is dropped rather than kept
because the IdP that issued it has just answered with tokens for another issuer,
client or person: retrying with it would only fetch more of the same, and a clean
sign-in re-establishes who is who. Nothing is sent to revoke it either ("no further
request"): the revocation endpoint belongs to the same misbehaving IdP.
"""

from __future__ import annotations

import dataclasses
import logging
import secrets
import time
from collections.abc import Callable, Iterator
from typing import Any

import keyring.backend
import keyring.backends.SecretService
import pytest

from desktop_app import config, errors
from desktop_app.auth import http, idtoken, jwks_cache, session, store
from tests.security.hostile_idp import (
    CLIENT_ID,
    OTHER_ISSUER,
    REMOVE,
    SUB,
    USERNAME,
    Fault,
    HostileIdP,
    Relative,
)
from tests.support import clock, loopback_probe, stores

PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")
SIGN_IN_TIMEOUT = 15.0
# After a failure, how long to watch for a stray request before checking the log.
SETTLE_S = 0.3

BROKEN_JWK = {"kty": "RSA", "kid": "k-broken", "alg": "RS256", "use": "sig", "n": "!!", "e": "AQAB"}


# -- fixtures ------------------------------------------------------------------------------


@pytest.fixture
def hostile_idp(monkeypatch: pytest.MonkeyPatch) -> Iterator[HostileIdP]:
    """A running hostile IdP with two free loopback callback URLs registered."""
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    with HostileIdP() as idp:
        idp.redirect_uris = [
            f"http://127.0.0.1:{port}/callback" for port in loopback_probe.free_ports(2)
        ]
        yield idp
    assert not idp.browser_errors, f"the scripted browser failed: {idp.browser_errors!r}"


@pytest.fixture
def hostile_jwks_clock(hostile_idp: HostileIdP, monkeypatch: pytest.MonkeyPatch) -> clock.FakeClock:
    """The monotonic clock of the JWKS client sessions share for this IdP's jwks_uri.

    Sessions share one :class:`~desktop_app.auth.idtoken.JwksClient` per URI for the
    process (``jwks_cache.shared``); this puts one with a clock the test moves in
    that cache, so key rotation and its refetch rate limit are tested without sleeping.
    """
    monotonic = clock.FakeClock(start=1000.0)
    client = idtoken.JwksClient(hostile_idp.jwks_uri, http.new_session(), monotonic=monotonic)
    monkeypatch.setitem(jwks_cache._clients, hostile_idp.jwks_uri, client)
    return monotonic


@pytest.fixture
def hostile_store() -> stores.RecordingStore:
    return stores.RecordingStore()


@pytest.fixture
def hostile_session(
    hostile_idp: HostileIdP,
    hostile_store: stores.RecordingStore,
    hostile_jwks_clock: clock.FakeClock,
) -> Callable[..., session.Session]:
    """Builds a Session for the hostile IdP (its browser follows redirects with requests)."""

    def make(token_store: store.TokenStore | None = None) -> session.Session:
        profile = config.parse_profile(
            "hostile",
            {
                "issuer": hostile_idp.issuer,
                "domain": hostile_idp.url,
                "client_id": CLIENT_ID,
                "redirect_uris": hostile_idp.redirect_uris,
            },
        )
        return session.Session(
            profile,
            token_store=token_store or hostile_store,
            http_session=http.new_session(),
            sleep=lambda seconds: pytest.fail("no retry is expected against the hostile IdP"),
            open_browser=hostile_idp.browser,
        )

    return make


@pytest.fixture
def hostile_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    return caplog


# -- helpers ---------------------------------------------------------------------------------


def sign_in(current: session.Session) -> session.Identity:
    return current.sign_in(timeout=SIGN_IN_TIMEOUT)


def sign_in_requests(idp: HostileIdP, jwks_fetches: int) -> list[str]:
    """What one sign-in sends the IdP (the scripted browser's authorize included)."""
    return [
        "GET /eu-west-1_Hostile/.well-known/openid-configuration",
        "GET /oauth2/authorize",
        "POST /oauth2/token (authorization_code)",
        *[f"GET {idp.jwks_path}"] * jwks_fetches,
    ]


def settled(idp: HostileIdP, mark: int) -> list[str]:
    """The requests since ``mark``, after giving a stray one time to arrive."""
    time.sleep(SETTLE_S)
    idp.join_browsers()
    return [str(request) for request in idp.since(mark)]


def assert_no_secret_leaked(
    idp: HostileIdP, error: BaseException, log: pytest.LogCaptureFixture
) -> None:
    # Everything the app logged; the scripted browser's own request log (urllib3,
    # in its thread) shows the callback URL with the code, as a browser's history would.
    logged = " ".join(
        record.getMessage() for record in log.records if record.threadName != "hostile-browser"
    )
    shown = f"{error} {error!r} {logged}"
    assert idp.issued, "the IdP issued nothing: the case did not reach the token endpoint?"
    for issued in idp.issued:
        for part in issued.split("."):
            assert len(part) < 16 or part not in shown, "an issued code or token leaked"


def assert_holds_nothing(idp: HostileIdP, current: session.Session) -> None:
    """No identity, no token, and asking for one sends nothing to the IdP."""
    assert current.identity is None
    assert current.access_expires_at is None
    mark = idp.mark()
    with pytest.raises(errors.NotSignedIn):
        current.access_token()
    assert idp.since(mark) == []


# -- the cases -----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Refused:
    """A sign-in that must fail with ``error`` matching ``reason`` after exactly
    ``jwks_fetches`` JWKS requests (0: refused from the header alone)."""

    id: str
    fault: Fault
    reason: str
    jwks_fetches: int = 1
    error: type[errors.CognitoDesktopError] = errors.IdTokenError


def _without_kid(entries: list[dict[str, Any]], idp: HostileIdP) -> list[Any]:
    return [{k: v for k, v in entry.items() if k != "kid"} for entry in entries]


def _plus_second_key(entries: list[dict[str, Any]], idp: HostileIdP) -> list[Any]:
    return [*entries, idp.attacker_jwk("k-second")]


REFUSED = [
    # Signatures (3.1.3.7 items 6-8).
    Refused(
        "rp-id_token-bad-sig-rs256",
        Fault(signing="rs256-bad-signature"),
        "signature does not verify",
    ),
    Refused(
        "hostile-id_token-signed-by-another-rsa-key",
        Fault(signing="rs256-other-key"),
        "signature does not verify",
    ),
    Refused(
        "rp-id_token-bad-sig-hs256",
        Fault(signing="hs256-client-id"),
        "not signed with RS256",
        jwks_fetches=0,
    ),
    Refused(
        "hostile-id_token-hs256-keyed-with-the-rsa-public-key",
        Fault(signing="hs256-public-key"),
        "not signed with RS256",
        jwks_fetches=0,
    ),
    Refused(
        "rp-id_token-bad-sig-es256",  # and the JWKS publishes the EC key under its kid
        Fault(signing="es256"),
        "not signed with RS256",
        jwks_fetches=0,
    ),
    Refused("rp-id_token-sig-none", Fault(signing="none"), "not signed with RS256", 0),
    Refused(
        "hostile-id_token-jku-header-to-attacker-keys",
        Fault(
            signing="rs256-other-key",
            header={"kid": "attacker", "jku": lambda idp: f"{idp.url}/attacker/jwks.json"},
        ),
        "unknown key",
    ),
    Refused(
        "hostile-id_token-embedded-jwk-header",
        Fault(
            signing="rs256-other-key",
            header={"kid": "attacker", "jwk": lambda idp: idp.attacker_jwk()},
        ),
        "unknown key",
    ),
    # Keys.
    Refused(
        "rp-id_token-kid-absent-multiple-jwks",
        Fault(header={"kid": REMOVE}, jwks=_plus_second_key),
        "names no signing key",
    ),
    Refused(
        "hostile-id_token-kid-not-in-jwks",
        Fault(header={"kid": "k-unpublished"}),
        "unknown key",
    ),
    Refused(
        "hostile-jwks-kid-names-the-unparseable-key",
        Fault(header={"kid": "k-broken"}, jwks=lambda entries, idp: [BROKEN_JWK, *entries]),
        "unknown key",
    ),
    Refused("hostile-jwks-not-json", Fault(jwks_body=b"<html>oops</html>"), "bad signing key set"),
    # Claims (3.1.3.7 items 2-5, 9-11).
    Refused("rp-id_token-issuer-mismatch", Fault(claims={"iss": OTHER_ISSUER}), "another issuer"),
    Refused(
        "hostile-id_token-issuer-with-trailing-slash",
        Fault(claims={"iss": lambda idp: idp.issuer + "/"}),
        "another issuer",
    ),
    Refused("rp-id_token-aud", Fault(claims={"aud": "another-client"}), "for another client"),
    Refused("oidcc-client-test-missing-aud", Fault(claims={"aud": REMOVE}), "another client"),
    Refused(
        "hostile-id_token-aud-extra-untrusted-audience",
        Fault(claims={"aud": [CLIENT_ID, "untrusted-client"], "azp": CLIENT_ID}),
        "untrusted audiences",
    ),
    Refused(
        "hostile-id_token-aud-list-without-azp",
        Fault(claims={"aud": [CLIENT_ID, "untrusted-client"]}),
        "for another client",
    ),
    Refused(
        "hostile-id_token-azp-another-client",
        Fault(claims={"azp": "another-client"}),
        "issued to another client",
    ),
    Refused("rp-id_token-iat", Fault(claims={"iat": REMOVE}), "no valid iat"),
    Refused("rp-id_token-sub", Fault(claims={"sub": REMOVE}), "no subject"),
    Refused("hostile-id_token-missing-exp", Fault(claims={"exp": REMOVE}), "no valid exp"),
    Refused(
        "hostile-id_token-expired",
        Fault(claims={"exp": Relative(-3600), "iat": Relative(-7200)}),
        "has expired",
    ),
    Refused(
        "hostile-id_token-issued-in-the-future",
        Fault(claims={"iat": Relative(3600), "exp": Relative(7200)}),
        "issued in the future",
    ),
    Refused(
        "rp-nonce-invalid",
        Fault(claims={"nonce": "a-nonce-this-sign-in-never-sent"}),
        "nonce does not match",
    ),
    Refused("hostile-nonce-missing", Fault(claims={"nonce": REMOVE}), "nonce does not match"),
    # Cognito: an ID token says token_use=id; an access token is never one.
    Refused("cognito-token_use-access", Fault(claims={"token_use": "access"}), "not an ID token"),
    Refused("cognito-token_use-missing", Fault(claims={"token_use": REMOVE}), "not an ID token"),
    Refused(
        "cognito-access-token-as-id-token",  # token_use=access, client_id, no aud
        Fault(id_token="access_token"),
        "another client",
    ),
    Refused(
        "hostile-token-response-without-id_token",
        Fault(id_token="absent"),
        "no ID token came back",
        jwks_fetches=0,
    ),
]


@pytest.mark.parametrize("case", REFUSED, ids=lambda case: case.id)
def test_a_bad_id_token_fails_closed(
    case: Refused,
    hostile_idp: HostileIdP,
    hostile_session: Callable[..., session.Session],
    hostile_store: stores.RecordingStore,
    hostile_log: pytest.LogCaptureFixture,
) -> None:
    hostile_idp.fault = case.fault
    current = hostile_session()
    with pytest.raises(case.error, match=case.reason) as caught:
        sign_in(current)
    assert settled(hostile_idp, 0) == sign_in_requests(hostile_idp, case.jwks_fetches)
    assert hostile_idp.pkce_checks == 1  # the refusal is the ID token's, not the code's
    assert "save" not in hostile_store.calls and hostile_store.inner.load() is None
    assert_holds_nothing(hostile_idp, current)
    assert_no_secret_leaked(hostile_idp, caught.value, hostile_log)


ACCEPTED = [
    pytest.param(Fault(), id="rp-response_type-code"),  # also rp-id_token-sig-rs256
    pytest.param(Fault(header={"kid": REMOVE}), id="rp-id_token-kid-absent-single-jwks"),
    pytest.param(
        Fault(header={"kid": REMOVE}, jwks=_without_kid),
        id="hostile-id_token-kid-absent-single-jwk-without-kid",
    ),
    pytest.param(
        Fault(
            jwks=lambda entries, idp: [
                BROKEN_JWK,
                idp.ec_jwk(),
                {**idp.jwk("k1"), "kid": "k-enc", "use": "enc"},
                "not a key",
                *entries,
            ]
        ),
        id="hostile-jwks-unparseable-and-unusable-keys-are-skipped",
    ),
    pytest.param(
        Fault(claims={"aud": [CLIENT_ID], "azp": CLIENT_ID}),
        id="hostile-id_token-aud-list-of-just-this-client-with-azp",
    ),
    pytest.param(
        Fault(claims={"exp": Relative(-30), "iat": Relative(-3630)}),
        id="hostile-id_token-expired-within-clock-skew-leeway",
    ),
]


@pytest.mark.parametrize("fault", ACCEPTED)
def test_a_good_id_token_signs_in(
    fault: Fault,
    hostile_idp: HostileIdP,
    hostile_session: Callable[..., session.Session],
    hostile_store: stores.RecordingStore,
) -> None:
    hostile_idp.fault = fault
    current = hostile_session()
    identity = sign_in(current)
    assert (identity.sub, identity.username) == (SUB, USERNAME)
    assert settled(hostile_idp, 0) == sign_in_requests(hostile_idp, 1)
    assert hostile_idp.pkce_checks == 1
    assert hostile_store.calls == ["save"]
    saved = hostile_store.inner.load()
    assert saved is not None and saved.sub == SUB and saved.issuer == hostile_idp.issuer
    assert saved.refresh_token in hostile_idp.issued
    assert current.access_token() in hostile_idp.issued


# -- discovery -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        pytest.param(
            {"issuer": OTHER_ISSUER}, "is for issuer", id="rp-discovery-issuer-not-matching-config"
        ),
        pytest.param(
            {"issuer": lambda idp: idp.issuer + "/"},
            "is for issuer",
            id="hostile-discovery-issuer-with-trailing-slash",
        ),
        pytest.param({"issuer": REMOVE}, "is for issuer", id="hostile-discovery-without-issuer"),
        pytest.param(
            {"jwks_uri": "http://keys.example.com/jwks.json"},
            "must be an https URL",
            id="hostile-discovery-jwks_uri-plain-http",
        ),
        pytest.param(
            {"token_endpoint": "http://evil.example.com/oauth2/token"},
            "must be an https URL",
            id="hostile-discovery-token_endpoint-plain-http",
        ),
    ],
)
def test_a_bad_discovery_document_stops_before_the_browser_opens(
    changes: dict[str, Any],
    reason: str,
    hostile_idp: HostileIdP,
    hostile_session: Callable[..., session.Session],
    hostile_store: stores.RecordingStore,
) -> None:
    hostile_idp.fault = Fault(discovery=changes)
    current = hostile_session()
    with pytest.raises(errors.DiscoveryError, match=reason):
        sign_in(current)
    assert settled(hostile_idp, 0) == ["GET /eu-west-1_Hostile/.well-known/openid-configuration"]
    assert hostile_idp.browser_opens == 0
    assert hostile_store.calls == []
    assert current.identity is None


# -- key rotation ----------------------------------------------------------------------------


def test_rp_key_rotation_op_sign_key(
    hostile_idp: HostileIdP,
    hostile_session: Callable[..., session.Session],
    hostile_jwks_clock: clock.FakeClock,
) -> None:
    """rp-key-rotation-op-sign-key / oidcc-client-test-signing-key-rotation: a token
    signed with a kid not in the cached JWKS makes one refetch, then succeeds, even
    moments after the last fetch (that one found its key, so no wait started). Only a
    refetch that misses starts the 10 s wait: however many unknown kids arrive, one
    refetch per 10 s (aws-jwt-verify's penalty box)."""
    jwks_get = f"GET {hostile_idp.jwks_path}"
    assert sign_in(hostile_session()).sub == SUB
    assert settled(hostile_idp, 0).count(jwks_get) == 1

    hostile_idp.rotate()  # publishes k1 + k2, signs with k2
    hostile_jwks_clock.advance(3.0)  # rotation right after a fetch that found its key
    mark = hostile_idp.mark()
    assert sign_in(hostile_session()).sub == SUB
    assert settled(hostile_idp, mark) == sign_in_requests(hostile_idp, 1)[1:]  # discovery cached

    # A flood of forged kids: the first costs one refetch, which misses; the rest, none...
    hostile_idp.fault = Fault(header={"kid": "k-forged"})
    mark = hostile_idp.mark()
    for _ in range(3):
        with pytest.raises(errors.IdTokenError, match="unknown key"):
            sign_in(hostile_session())
    assert settled(hostile_idp, mark).count(jwks_get) == 1
    hostile_jwks_clock.advance(10.0)  # ...until 10 s after that miss: one more
    mark = hostile_idp.mark()
    for _ in range(2):
        with pytest.raises(errors.IdTokenError, match="unknown key"):
            sign_in(hostile_session())
    assert settled(hostile_idp, mark).count(jwks_get) == 1

    # The rotated-in key keeps working from the cache, with the old one withdrawn.
    hostile_idp.fault = Fault()
    hostile_idp.published = ["k2"]
    mark = hostile_idp.mark()
    assert sign_in(hostile_session()).sub == SUB
    assert jwks_get not in settled(hostile_idp, mark)


# -- userInfo --------------------------------------------------------------------------------


def test_rp_userinfo_bad_sub_claim_is_never_believed(
    hostile_idp: HostileIdP,
    hostile_session: Callable[..., session.Session],
    hostile_store: stores.RecordingStore,
) -> None:
    """The client does not call userInfo: a userInfo answer about someone else
    (rp-userinfo-bad-sub-claim) never reaches it, in sign-in, refresh or token use."""
    hostile_idp.userinfo_sub = "someone-else"
    hostile_idp.fault = Fault(userinfo={"username": "mallory", "email": "m@evil.example"})
    current = hostile_session()
    identity = sign_in(current)
    current.refresh()
    current.access_token()
    current.id_token()
    assert identity.sub == SUB and current.identity is not None
    assert current.identity.sub == SUB and current.identity.username == "alice"
    seen = settled(hostile_idp, 0)
    assert "GET /oauth2/userInfo" not in seen
    assert seen == [*sign_in_requests(hostile_idp, 1), "POST /oauth2/token (refresh_token)"]
    # The IdP really would have answered about someone else.
    assert hostile_idp.userinfo_sub != identity.sub


# -- refresh -----------------------------------------------------------------------------------


REFRESH_REFUSED = [
    pytest.param(
        Fault(claims={"iss": OTHER_ISSUER}),
        "another issuer",
        id="oidcc-client-test-refresh-token-invalid-issuer",
    ),
    pytest.param(
        Fault(claims={"sub": "another-person"}),
        "for another user",
        id="oidcc-client-test-refresh-token-invalid-sub",
    ),
    pytest.param(
        Fault(claims={"aud": "another-client"}),
        "for another client",
        id="oidcc-client-test-refresh-token-invalid-aud",
    ),
    pytest.param(
        Fault(signing="rs256-other-key"),
        "signature does not verify",
        id="hostile-refresh-id_token-bad-sig-rs256",
    ),
    pytest.param(
        Fault(id_token="access_token"),
        "another client",
        id="cognito-refresh-access-token-as-id-token",
    ),
]


@pytest.mark.parametrize("rotation", [False, True], ids=["no-rotation", "rotation"])
@pytest.mark.parametrize(("fault", "reason"), REFRESH_REFUSED)
def test_a_refresh_with_a_bad_id_token_ends_the_session(
    fault: Fault,
    reason: str,
    rotation: bool,
    hostile_idp: HostileIdP,
    hostile_session: Callable[..., session.Session],
    hostile_store: stores.RecordingStore,
    hostile_log: pytest.LogCaptureFixture,
) -> None:
    hostile_idp.rotate_refresh_tokens = rotation
    current = hostile_session()
    sign_in(current)
    signed_in = hostile_store.inner.load()
    assert signed_in is not None
    hostile_store.calls.clear()
    hostile_idp.refresh_fault = fault
    mark = hostile_idp.mark()
    issued_before = len(hostile_idp.issued)

    with pytest.raises(errors.IdTokenError, match=reason) as caught:
        current.refresh()

    assert settled(hostile_idp, mark) == ["POST /oauth2/token (refresh_token)"]
    # The answer carried an access token, an ID token and (rotation) a refresh token.
    assert len(hostile_idp.issued[issued_before:]) == (3 if rotation else 2)
    # Nothing from the refused answer was kept or stored, and the session is over.
    assert hostile_store.calls == ["delete"]
    assert hostile_store.inner.load() is None
    assert_holds_nothing(hostile_idp, current)
    assert "sign in again" in str(caught.value)
    assert_no_secret_leaked(hostile_idp, caught.value, hostile_log)


def test_oidcc_client_test_refresh_token(
    hostile_idp: HostileIdP,
    hostile_session: Callable[..., session.Session],
    hostile_store: stores.RecordingStore,
) -> None:
    """The positive refresh: same person, new tokens, the rotated refresh token stored."""
    hostile_idp.rotate_refresh_tokens = True
    current = hostile_session()
    sign_in(current)
    first = current.access_token()
    hostile_store.calls.clear()
    response = current.refresh()
    assert response.access_token != first and current.access_token() == response.access_token
    assert current.identity is not None and current.identity.sub == SUB
    saved = hostile_store.inner.load()
    assert hostile_store.calls == ["save"] and saved is not None
    assert saved.refresh_token == response.refresh_token


# -- the real keyring --------------------------------------------------------------------------


@pytest.fixture
def hostile_keyring(
    secret_service: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[store.TokenStore]:
    """A real Secret Service (gnome-keyring) store under a profile name of its own."""
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", secret_service["DBUS_SESSION_BUS_ADDRESS"])
    monkeypatch.delenv("DISPLAY", raising=False)
    chosen = store.open_store(f"hostile-{secrets.token_hex(4)}", backend=_secret_service())
    assert chosen.secure and isinstance(chosen, store.KeyringStore)
    yield chosen
    chosen.delete()
    close = getattr(chosen._backend, "close", None)
    if close is not None:
        close()


def _secret_service() -> keyring.backend.KeyringBackend:
    backend_class: Any = keyring.backends.SecretService.Keyring  # untyped in keyring
    backend: keyring.backend.KeyringBackend = backend_class()
    return backend


def _keyring_item(token_store: store.TokenStore) -> str | None:
    """The raw item, read with keyring's own backend (not the store under test)."""
    assert isinstance(token_store, store.KeyringStore)
    return _secret_service().get_password(store.SERVICE, token_store._main_key)


@pytest.mark.integration
def test_a_bad_signature_writes_nothing_to_a_real_keyring(
    hostile_idp: HostileIdP,
    hostile_session: Callable[..., session.Session],
    hostile_keyring: store.TokenStore,
) -> None:
    hostile_idp.fault = Fault(signing="rs256-bad-signature")
    with pytest.raises(errors.IdTokenError, match="signature does not verify"):
        sign_in(hostile_session(hostile_keyring))
    assert hostile_keyring.load() is None
    assert _keyring_item(hostile_keyring) is None


@pytest.mark.integration
def test_a_refresh_for_another_person_clears_a_real_keyring(
    hostile_idp: HostileIdP,
    hostile_session: Callable[..., session.Session],
    hostile_keyring: store.TokenStore,
) -> None:
    hostile_idp.rotate_refresh_tokens = True
    current = hostile_session(hostile_keyring)
    sign_in(current)
    assert _keyring_item(hostile_keyring) is not None  # the honest sign-in was stored
    hostile_idp.refresh_fault = Fault(claims={"sub": "another-person"})
    with pytest.raises(errors.IdTokenError, match="for another user"):
        current.refresh()
    assert hostile_keyring.load() is None
    assert _keyring_item(hostile_keyring) is None
