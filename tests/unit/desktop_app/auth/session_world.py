"""A mocked user pool for the Session's unit tests: discovery, JWKS, a token endpoint that
signs ID tokens, the revocation endpoint, cognito-idp, and a spy token store.

Every HTTP call is answered by ``responses`` (a pool on https://...amazonaws.com that
never exists). :func:`new_world` makes one :class:`World` (the pool, the store, the
clock); conftest's ``world`` fixture gives one to each test (``test_session.py``,
``test_session_password.py``).
"""

from __future__ import annotations

import contextlib
import dataclasses
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
from desktop_app.auth import http, jwks_cache, session, store
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


def form_of(request: requests.PreparedRequest) -> dict[str, str]:
    body = request.body or ""
    return dict(urllib.parse.parse_qsl(body.decode() if isinstance(body, bytes) else body))


def jwk_of(key: rsa.RSAPrivateKey, kid: str = KID) -> dict[str, Any]:
    return {**RSAAlgorithm.to_jwk(key.public_key(), as_dict=True), "kid": kid, "alg": "RS256"}


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

    def id_token(
        self, signer: rsa.RSAPrivateKey | None = None, kid: str = KID, **claims: Any
    ) -> str:
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
        return jwt.encode(payload, signer or self.key, algorithm="RS256", headers={"kid": kid})

    def answer(self, **fields: Any) -> None:
        """Queue a 200 answer with ``fields`` (and an hour's expiry)."""
        self.replies.append((200, JSON, json.dumps({"expires_in": 3600, **fields})))

    def __call__(self, request: requests.PreparedRequest) -> Reply:
        form = form_of(request)
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

    def publish(self, *keys: tuple[rsa.RSAPrivateKey, str]) -> None:
        """Serve a JWKS with these (key, kid) pairs."""
        self.mock.replace(responses.GET, JWKS, json={"keys": [jwk_of(k, kid) for k, kid in keys]})

    def _revoke(self, request: requests.PreparedRequest) -> Reply:
        self.revoked.append(form_of(request))
        if self.revoke_replies:
            return self.revoke_replies.pop(0)
        return 200, JSON, ""

    def _idp(self, request: requests.PreparedRequest) -> Reply:
        body = request.body or b"{}"
        self.global_sign_outs.append(
            (dict(request.headers), json.loads(body.decode() if isinstance(body, bytes) else body))
        )
        return 200, {"Content-Type": "application/x-amz-json-1.1"}, "{}"


class SpyStore:
    """A TokenStore that records every call (and what the session held at the time)."""

    backend_name = "spy"
    secure = False
    warning: str | None = None

    def __init__(self) -> None:
        self.inner = store.MemoryStore()
        self.calls: list[tuple[str, Any]] = []
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

    @property
    def saves(self) -> list[tuple[str, Any]]:
        return [call for call in self.calls if call[0] == "save"]

    def refresh_token(self) -> str | None:
        """The stored refresh token, or None when nothing is stored."""
        saved = self.inner.load()
        return saved.refresh_token if saved else None


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


@dataclasses.dataclass
class World:
    """One test's pool, store, clock and backoff sleeps, and sessions made on them."""

    pool: Pool
    spy: SpyStore
    clock: clock.FakeClock
    sleeps: list[float] = dataclasses.field(default_factory=list)

    @property
    def token(self) -> TokenEndpoint:
        return self.pool.token

    def session(
        self, profile: config.Profile | None = None, now: Callable[[], float] | None = None
    ) -> session.Session:
        return session.Session(
            profile or make_profile(),
            token_store=self.spy,
            http_session=http.new_session(),
            now=now or self.clock,
            sleep=self.sleeps.append,
            open_browser=lambda url: pytest.fail("no browser in unit tests"),
        )

    def signed_in(
        self, profile: config.Profile | None = None, *, rotating: bool = False
    ) -> session.Session:
        """A session signed in silently from a stored refresh token (request counts reset);
        ``rotating``: from then on every refresh answer brings a new refresh token."""
        self.spy.inner.save(stored_session())
        current = self.session(profile)
        assert current.resume() is not None
        self.token.forms.clear()
        self.spy.calls.clear()
        self.token.rotate = rotating
        return current

    def assert_signed_out(self, current: session.Session) -> None:
        """Nothing stored, nothing in memory, and the next call says to sign in."""
        assert self.spy.inner.load() is None
        assert current.identity is None and current.access_expires_at is None
        with pytest.raises(errors.NotSignedIn):
            current.access_token()


@contextlib.contextmanager
def new_world(key: rsa.RSAPrivateKey) -> Iterator[World]:
    """A :class:`World` on a mocked pool signing with ``key`` (conftest's ``world``)."""
    fake_clock = clock.FakeClock(start=NOW)
    document = {
        "issuer": ISSUER,
        "authorization_endpoint": f"{DOMAIN}/oauth2/authorize",
        "token_endpoint": TOKEN,
        "jwks_uri": JWKS,
        "userinfo_endpoint": f"{DOMAIN}/oauth2/userInfo",
    }
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add(responses.GET, DISCOVERY, json=document)
        mock.add(responses.GET, JWKS, json={"keys": [jwk_of(key)]})
        yield World(Pool(mock, TokenEndpoint(key, fake_clock)), SpyStore(), fake_clock)


def allow_a_key_refetch() -> None:
    """As if ten seconds (the key-set refetch limit) had passed since the last fetch."""
    jwks_cache._clients[JWKS]._next_fetch = float("-inf")
