"""A user pool's public face, canned: a discovery document and a JWKS on loopback.

For unit tests of what checks a pool from outside (diagnostics, the self-test): no
stand-in, no moto, just :class:`StubServer` (a
:class:`~tests.support.http_server.LoopbackServer`) answering JSON from a function of
the request path, and :func:`serve_pool` pointing it at a Cognito-shaped discovery
document. :func:`profile_table` is a profile for that pool, as the config file holds it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tests.support import http_server

POOL_ID = "eu-west-2_AbC123xyz"
ISSUER = f"https://cognito-idp.eu-west-2.amazonaws.com/{POOL_ID}"
#: What a :class:`StubServer` answers: ``(status, JSON body)`` for a request path.
Answer = Callable[[str], tuple[int, Any]]


class StubServer:
    """Answers every request with ``answer(path)`` (default: 200 ``{}``), which a test may
    swap while it runs; :attr:`paths` records every request path in order."""

    def __init__(self, answer: Answer | None = None) -> None:
        self.answer: Answer = answer or (lambda path: (200, {}))
        self.paths: list[str] = []
        self._lock = threading.Lock()
        self._server = http_server.LoopbackServer(self._reply, name="stub-pool")

    @property
    def url(self) -> str:
        return self._server.url

    @property
    def hits(self) -> int:
        with self._lock:
            return len(self.paths)

    def _reply(self, handler: BaseHTTPRequestHandler) -> None:
        with self._lock:
            self.paths.append(handler.path)
        status, body = self.answer(handler.path)
        http_server.reply_json(handler, status, json.dumps(body).encode())

    def __enter__(self) -> StubServer:
        self._server.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.stop()


def public_jwk(kid: str) -> dict[str, object]:
    """A fresh RSA public key as a JWKS entry (RS256, ``use: sig``)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    entry: dict[str, object] = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    return {**entry, "kid": kid, "alg": "RS256", "use": "sig"}


def serve_pool(server: StubServer, keys: list[dict[str, object]], issuer: str = ISSUER) -> str:
    """Point ``server`` at a discovery document and JWKS; returns the discovery URL.
    Any other path is a 404."""
    base = server.url

    def answer(path: str) -> tuple[int, Any]:
        if path.endswith("openid-configuration"):
            return 200, {
                "issuer": issuer,
                "authorization_endpoint": f"{base}/oauth2/authorize",
                "token_endpoint": f"{base}/oauth2/token",
                "jwks_uri": f"{base}/pool/.well-known/jwks.json",
            }
        if path.endswith("jwks.json"):
            return 200, {"keys": keys}
        return 404, {}

    server.answer = answer
    return f"{base}/pool/.well-known/openid-configuration"


def profile_table(discovery_url: str | None = None) -> dict[str, object]:
    """A config-file profile table for :data:`POOL_ID` (discovery at ``discovery_url``)."""
    table: dict[str, object] = {
        "user_pool_id": POOL_ID,
        "domain": "https://auth.example.com",
        "client_id": "abc123client",
        "redirect_uris": ["http://127.0.0.1:53682/callback"],
    }
    if discovery_url:
        table["discovery_url"] = discovery_url
    return table
