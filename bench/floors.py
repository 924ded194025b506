"""Floors for the desktop sign-in goals: the bare pieces doing the same work as ours.

Issue 22 replaced "a peer that does less" with floors that do what ours does, from
well-known pieces and nothing else:

* **interactive** (:func:`interactive_floor_once`): Authlib's ``OAuth2Session`` with PKCE
  S256 builds the authorize URL (``state`` and ``nonce``), one request on
  ``http.server`` takes the callback on a registered loopback port, Authlib exchanges the
  code, PyJWT verifies the ID token against the pool's JWKS (a new ``PyJWKClient`` per
  run: one JWKS fetch per run, as ours with a new ``Session``; RS256, ``iss``, ``aud``,
  ``exp``, ``iat``, ``token_use == "id"``, ``nonce``), then **one** ``set_password`` of
  the same keyring item ours writes, with a payload of the same length, through the
  same Secret Service backend object. ``write=None`` leaves the write out (the GUI
  goal's floor "minus the write").
* **silent** (:func:`silent_floor_once`): one ``get_password`` of that item, one
  refresh-token POST (``requests``), PyJWT verification of the refreshed ID token with a
  JWKS fetch.

Pure helpers (:func:`goal_ratio`, :func:`floor_payload`) are unit tested.
"""

from __future__ import annotations

import dataclasses
import http.server
import json
import time
import webbrowser
from collections.abc import Sequence
from typing import Any, Protocol

import jwt
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session

from bench import _common as common


class Person(Protocol):
    """The scripted person the floor's browser reaches (``bench.desktop_sign_in``)."""

    def settle(self) -> list[str]: ...


class KeyringBackend(Protocol):
    """The part of a ``keyring`` backend the floors use."""

    def set_password(self, service: str, username: str, password: str) -> None: ...

    def get_password(self, service: str, username: str) -> str | None: ...


def goal_ratio(ours_median: float, floor_median: float) -> float:
    """``ours / floor``; a floor of zero or less is a broken measurement."""
    if floor_median <= 0:
        raise ValueError(f"the floor's median must be positive, got {floor_median!r}")
    return ours_median / floor_median


def meets(ratio: float, goal: float) -> bool:
    """Whether ``ratio`` is within ``goal`` (both ``ours / floor``; at most ``goal``)."""
    return ratio <= goal


def floor_payload(fields: dict[str, Any], size: int) -> str:
    """``fields`` as compact JSON, padded with a ``pad`` member to exactly ``size``
    characters when shorter (a write of the same size as ours), unchanged when not."""
    text = json.dumps(fields, separators=(",", ":"), ensure_ascii=True)
    if len(text) >= size:
        return text
    bare = json.dumps({**fields, "pad": ""}, separators=(",", ":"), ensure_ascii=True)
    if len(bare) > size:  # too short for even an empty pad member
        return text
    return json.dumps(
        {**fields, "pad": "x" * (size - len(bare))}, separators=(",", ":"), ensure_ascii=True
    )


@dataclasses.dataclass(frozen=True)
class Pool:
    """What a client of the pool is configured with."""

    client_id: str
    scopes: Sequence[str]
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_url: str


@dataclasses.dataclass(frozen=True)
class KeyringItem:
    """One keyring item written (or read) through ``backend``, ``size`` characters long."""

    backend: KeyringBackend
    service: str
    username: str
    size: int


def verify_id_token(pool: Pool, id_token: str, nonce: str | None) -> dict[str, Any]:
    """PyJWT verification as ours does it; the claims, or an exception. A new
    ``PyJWKClient``: one JWKS fetch per call."""
    keys = jwt.PyJWKClient(pool.jwks_url, cache_keys=True, timeout=common.TIMEOUT_S)
    key = keys.get_signing_key_from_jwt(id_token)
    claims: dict[str, Any] = jwt.decode(
        id_token,
        key.key,
        algorithms=["RS256"],
        audience=pool.client_id,
        issuer=pool.issuer,
        options={"require": ["exp", "iat", "iss", "aud", "sub"]},
    )
    if claims.get("token_use") != "id":
        raise ValueError("not an ID token")
    if nonce is not None and claims.get("nonce") != nonce:
        raise ValueError("nonce mismatch")
    return claims


class OneRequest(http.server.BaseHTTPRequestHandler):
    """Keeps the request path and the time it arrived, answers with a short page."""

    def do_GET(self) -> None:
        self.server.callback_path = self.path  # type: ignore[attr-defined]
        body = b"Signed in. You can close this window."
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return


@dataclasses.dataclass
class FloorRun:
    """One run of the interactive floor: ``perf_counter`` marks, and whether it worked."""

    started: float = 0.0
    verified: float = 0.0
    done: float = 0.0
    ok: bool = False
    claims: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def seconds(self) -> float:
        return self.done - self.started


def authlib_code_flow(
    client_id: str,
    scopes: Sequence[str],
    authorization_endpoint: str,
    token_endpoint: str,
    port: int,
    browser_name: str,
    timeout_s: float,
    *,
    nonce: bool,
) -> tuple[dict[str, Any], str | None]:
    """The bare code flow: Authlib's PKCE S256 and ``state`` (and a ``nonce`` if asked),
    the browser opened on the authorize URL, one ``http.server`` request on
    ``http://127.0.0.1:PORT/callback``, the code exchange. The token answer and the
    nonce sent."""
    with OAuth2Session(
        client_id,
        scope=" ".join(scopes),
        redirect_uri=f"http://127.0.0.1:{port}/callback",
        code_challenge_method="S256",
        token_endpoint_auth_method="none",
    ) as client:
        verifier = generate_token(48)
        sent = generate_token(20) if nonce else None
        extra = {"nonce": sent} if sent else {}
        url, state = client.create_authorization_url(
            authorization_endpoint, code_verifier=verifier, **extra
        )
        server = http.server.HTTPServer(("127.0.0.1", port), OneRequest)
        server.timeout = timeout_s
        try:
            webbrowser.get(browser_name).open(url)
            server.handle_request()
        finally:
            server.server_close()
        path = getattr(server, "callback_path", "")
        token = client.fetch_token(
            token_endpoint,
            authorization_response=f"http://127.0.0.1:{port}{path}",
            state=state,
            code_verifier=verifier,
            timeout=common.TIMEOUT_S,
        )
    return dict(token), sent


def interactive_floor_once(
    pool: Pool,
    port: int,
    browser_name: str,
    person: Person,
    write: KeyringItem | None,
    timeout_s: float,
) -> FloorRun:
    """One interactive sign-in from the bare pieces (the module docstring); timed from
    creating the client to stored (or, without ``write``, to the verified ID token)."""
    run = FloorRun()
    common.timed_clean(lambda: None)  # the same full collection ours' runs start with
    run.started = time.perf_counter()
    token, nonce = authlib_code_flow(
        pool.client_id,
        pool.scopes,
        pool.authorization_endpoint,
        pool.token_endpoint,
        port,
        browser_name,
        timeout_s,
        nonce=True,
    )
    claims = verify_id_token(pool, str(token["id_token"]), nonce)
    run.verified = time.perf_counter()
    if write is not None:
        payload = floor_payload(
            {
                "v": 1,
                "refresh_token": token["refresh_token"],
                "username": claims.get("cognito:username", ""),
                "sub": claims["sub"],
                "client_id": pool.client_id,
                "issuer": pool.issuer,
                "saved_at": time.time(),
                "flow": "browser",
            },
            write.size,
        )
        write.backend.set_password(write.service, write.username, payload)
    run.done = time.perf_counter()
    failures = person.settle()
    for failure in failures:
        print(f"floor: browser failure: {failure}")
    run.claims = claims
    run.ok = not failures and bool(token.get("access_token")) and bool(claims.get("sub"))
    return run


def silent_floor_once(pool: Pool, item: KeyringItem) -> tuple[float, bool]:
    """One keyring read, one refresh POST, the refreshed ID token verified (with a JWKS
    fetch); seconds, and whether it got verified tokens."""
    claims: list[dict[str, Any]] = []

    def run() -> None:
        stored = item.backend.get_password(item.service, item.username)
        if stored is None:
            raise RuntimeError("the floor found no stored session")
        response = requests.post(
            pool.token_endpoint,
            data={
                "grant_type": "refresh_token",
                "client_id": pool.client_id,
                "refresh_token": json.loads(stored)["refresh_token"],
            },
            timeout=common.TIMEOUT_S,
        )
        response.raise_for_status()
        body = response.json()
        claims.append(verify_id_token(pool, str(body["id_token"]), None))
        if not body.get("access_token"):
            raise RuntimeError("no access token")

    seconds = common.timed_clean(run)
    return seconds, bool(claims and claims[0].get("sub"))
