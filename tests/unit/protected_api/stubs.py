"""Test doubles shared by protected_api's unit tests: settings, a verifier, Cognito stand-ins.

Nothing here starts anything by itself; the fixtures that do are in ``conftest.py``.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import Coroutine
from http import server as http_server
from typing import Any, TypeVar

from protected_api import errors, settings
from tests.support import http_server as loopback

T = TypeVar("T")

POOL_ID = "us-east-1_AbC123xyZ"
ISSUER = f"https://cognito-idp.us-east-1.amazonaws.com/{POOL_ID}"
CLIENT = "client-a"
TIMEOUT = 10


def settings_for(endpoint: str | None = None, *, admin_group: str = "Admin") -> settings.Settings:
    """The API's settings for :data:`POOL_ID`; ``endpoint`` is the cognito-idp endpoint."""
    return settings.Settings(
        issuer=ISSUER,
        client_ids=(CLIENT,),
        user_pool_id=POOL_ID,
        region="us-east-1",
        jwks_url="http://127.0.0.1:9/jwks.json",  # never fetched: tests inject the verifier
        idp_endpoint_url=endpoint,
        admin_group=admin_group,
    )


def claims(username: str, *groups: str, sub: str | None = None) -> dict[str, Any]:
    """A verified access token's claims for ``username`` (``sub`` defaults to ``s-<name>``)."""
    now = int(time.time())
    return {
        "sub": sub or f"s-{username}",
        "username": username,
        "client_id": CLIENT,
        "cognito:groups": list(groups),
        "scope": "openid email",
        "exp": now + 3600,
        "iat": now,
    }


class TokenTable:
    """A verifier that knows a fixed set of tokens (token -> claims); any other is invalid."""

    def __init__(self, tokens: dict[str, dict[str, Any]]) -> None:
        self.tokens = tokens

    def ready_for(self, token: str) -> bool:
        return True

    def verify(self, token: str) -> dict[str, Any]:
        if token not in self.tokens:
            raise errors.JwtInvalidSignatureError("not a token of this table")
        return dict(self.tokens[token])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def closed_port_url(path: str = "") -> str:
    """A loopback URL nothing listens on (the port was free a moment ago)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}{path}"


class Upstream:
    """A loopback cognito-idp that gives every request the same answer, and counts them."""

    def __init__(self, status: int, error_type: str, message: str = "Cognito says why") -> None:
        self.hits = 0
        self._status = status
        self._body = json.dumps({"__type": error_type, "message": message}).encode()
        self.server = loopback.LoopbackServer(self._answer, name="cognito-idp")

    def _answer(self, handler: http_server.BaseHTTPRequestHandler) -> None:
        self.hits += 1
        loopback.read_body(handler)
        loopback.reply_json(
            handler, self._status, self._body, content_type="application/x-amz-json-1.1"
        )


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine`` on a loop of its own, closed after. Not ``asyncio.run``: on the
    main thread that replaces the thread's current loop, and a loop another test left
    there (Mangum's, in tests/infra) would then be dropped unclosed."""
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coroutine)
    finally:
        loop.close()
