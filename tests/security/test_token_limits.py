"""Token sizes and token-endpoint answers, from the attacker's side, over real sockets.

A token endpoint that redirects must not get the refresh token (or the code and its
verifier) sent on to another host, whose ``invalid_grant`` would end the session; an
answer or an ID token far beyond what Cognito's quotas allow is refused before it costs
memory or decoding work.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from http import server as http_server

import jwt.api_jws
import jwt.utils
import pytest
import requests

from desktop_app import errors
from desktop_app.auth import http, idtoken, strict_json, tokens
from tests.support.http_server import LoopbackServer, closed_port, read_body, reply_json

PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")
VERIFIER = "v" * 43


@pytest.fixture(autouse=True)
def _no_environment_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


class Recorder:
    """Answers every request with ``invalid_grant`` and records it (method, path, body)."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, bytes]] = []
        self._lock = threading.Lock()

    def __call__(self, handler: http_server.BaseHTTPRequestHandler) -> None:
        with self._lock:
            self.requests.append((handler.command, handler.path, read_body(handler)))
        reply_json(handler, 400, b'{"error": "invalid_grant"}')


@pytest.fixture
def elsewhere() -> Iterator[tuple[LoopbackServer, Recorder]]:
    """The host a redirect points at: it would say ``invalid_grant`` to anything."""
    recorder = Recorder()
    with LoopbackServer(recorder, name="elsewhere") as server:
        yield server, recorder


Answer = Callable[[http_server.BaseHTTPRequestHandler], None]


def redirecting_to(target: str, status: int) -> Answer:
    def answer(handler: http_server.BaseHTTPRequestHandler) -> None:
        read_body(handler)
        reply_json(handler, status, b"", headers={"Location": target})

    return answer


CALLS: dict[str, Callable[[tokens.TokenClient, str], object]] = {
    "refresh": lambda client, url: client.refresh(url, "refresh-SECRET"),
    "exchange": lambda client, url: client.exchange(
        url, code="code-SECRET", redirect_uri="http://127.0.0.1:1/callback", code_verifier=VERIFIER
    ),
    "revoke": lambda client, url: client.revoke(url, "refresh-SECRET"),
}


@pytest.mark.parametrize("status", [307, 308, 302])
@pytest.mark.parametrize("call", list(CALLS))
def test_a_redirecting_token_endpoint_never_reaches_the_other_host(
    elsewhere: tuple[LoopbackServer, Recorder], status: int, call: str
) -> None:
    other, recorder = elsewhere
    target = f"{other.url}/oauth2/token?from=redirect"
    hits: list[str] = []

    def first(handler: http_server.BaseHTTPRequestHandler) -> None:
        hits.append(handler.path)
        redirecting_to(target, status)(handler)

    with LoopbackServer(first, name="token-endpoint") as endpoint, http.new_session() as session:
        client = tokens.TokenClient("client-1", session)
        with pytest.raises(errors.NetworkError) as caught:
            CALLS[call](client, f"{endpoint.url}/oauth2/token")
    assert not isinstance(caught.value, tokens.Refused)
    message = str(caught.value)
    assert f"redirected (HTTP {status})" in message
    for secret in ("SECRET", VERIFIER, "from=redirect", str(other.port)):
        assert secret not in message
    assert hits == ["/oauth2/token"]
    assert recorder.requests == []  # not the token, not the code, not the verifier


@pytest.fixture
def endless() -> Iterator[tuple[LoopbackServer, list[int]]]:
    """A token endpoint answering 200 with a body without a length that goes on for
    16 MiB (HTTP/1.0: it ends when the connection closes); records the bytes it got out."""
    sent = [0]

    def answer(handler: http_server.BaseHTTPRequestHandler) -> None:
        read_body(handler)
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.end_headers()
        chunk = b"x" * 65536
        handler.wfile.write(b'{"access_token": "')
        for _ in range(256):
            handler.wfile.write(chunk)
            sent[0] += len(chunk)

    with LoopbackServer(answer, name="endless") as server:
        yield server, sent


@pytest.mark.parametrize("call", list(CALLS))
def test_an_endless_answer_is_cut_off_while_it_is_read(
    endless: tuple[LoopbackServer, list[int]], call: str
) -> None:
    server, sent = endless
    with http.new_session() as session:
        client = tokens.TokenClient("client-1", session)
        with pytest.raises(errors.NetworkError, match="larger than") as caught:
            CALLS[call](client, f"{server.url}/oauth2/token")
    assert not isinstance(caught.value, tokens.Refused)
    # The client stopped reading soon after the limit (what the socket buffers hold aside).
    time.sleep(0.2)
    assert sent[0] < 16 * 1024 * 1024


def test_a_declared_length_beyond_the_limit_is_refused_without_reading() -> None:
    def answer(handler: http_server.BaseHTTPRequestHandler) -> None:
        read_body(handler)
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(tokens.MAX_RESPONSE_BYTES + 1))
        handler.end_headers()
        handler.wfile.write(b"{}")  # the declared length alone is judged

    with (
        LoopbackServer(answer) as server,
        http.new_session() as session,
        pytest.raises(errors.NetworkError, match="larger than"),
    ):
        tokens.TokenClient("client-1", session).refresh(f"{server.url}/oauth2/token", "r-0")


def test_an_answer_as_large_as_cognitos_quotas_allow_is_read() -> None:
    body = json.dumps(
        {
            "access_token": "a" * idtoken.MAX_TOKEN_CHARS,
            "id_token": "i" * idtoken.MAX_TOKEN_CHARS,
            "refresh_token": "r" * 4096,
            "expires_in": 3600,
            "token_type": "Bearer",
        }
    ).encode()
    assert len(body) <= tokens.MAX_RESPONSE_BYTES

    def answer(handler: http_server.BaseHTTPRequestHandler) -> None:
        read_body(handler)
        reply_json(handler, 200, body)

    with LoopbackServer(answer) as server, http.new_session() as session:
        response = tokens.TokenClient("client-1", session).refresh(f"{server.url}/t", "r-0")
    assert response.id_token is not None and len(response.id_token) == idtoken.MAX_TOKEN_CHARS


@pytest.mark.parametrize("size", [idtoken.MAX_TOKEN_CHARS + 1, 1024 * 1024 + 1, 64 * 1024 * 1024])
def test_an_absurd_id_token_is_refused_before_any_decoding_or_fetch(
    size: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_decoding(*args: object, **kwargs: object) -> bytes:
        raise AssertionError("the token was decoded")

    monkeypatch.setattr(jwt.utils, "base64url_decode", no_decoding)
    monkeypatch.setattr(jwt.api_jws, "base64url_decode", no_decoding)
    monkeypatch.setattr(strict_json, "loads", no_decoding)
    with requests.Session() as session:
        jwks = idtoken.JwksClient(f"http://127.0.0.1:{closed_port()}/jwks.json", session)
        validator = idtoken.IdTokenValidator(issuer="https://issuer", client_id="c", jwks=jwks)
        header = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0"  # {"alg":"RS256","kid":"k1"}
        token = f"{header}.{'A' * (size - len(header) - 2)}."
        assert len(token) == size
        with pytest.raises(errors.IdTokenError, match="too large"):
            validator.validate(token, nonce="n")
