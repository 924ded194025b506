"""Request sizes against the protected API, from the attacker's side, over real sockets.

A body of any size, streamed or declared, costs the API at most its limit
(``MAX_BODY_BYTES``) and is answered 413 before routing or the bearer check, on
uvicorn and on Lambda; a request head is read up to a bound that fits the largest
token Cognito's quotas allow and no further; and such a token, minted by the
stand-in for a user in 100 groups of 128-character names, is let in.

The API is tests/integration's ``api`` fixture: uvicorn on loopback in a thread of
this process, so this process's resident memory is the server's.
"""

from __future__ import annotations

import base64
import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

import pytest
import requests

from local_cognito import server
from protected_api import auth, lambda_handler, request_limits, verifier
from protected_api import server as api_server
from tests.infra.apigw import LambdaContext, http_api_event
from tests.integration.conftest import admin_tokens
from tests.support import app_env

pytestmark = pytest.mark.integration
TIMEOUT = 30
MiB = 1024 * 1024
LIMIT = request_limits.DEFAULT_MAX_BODY_BYTES
TOO_LARGE = {"error": "too_large", "message": f"the request body is larger than {LIMIT} bytes"}


def rss_bytes() -> int:
    """This process's resident set size (Linux, /proc)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS in /proc/self/status")


class PeakRss:
    """The largest resident set this process reaches while the block runs (sampled
    every millisecond, so memory taken and given back in between is seen too)."""

    def __init__(self) -> None:
        self.before = self.peak = rss_bytes()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="rss-sampler", daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.001):
            self.peak = max(self.peak, rss_bytes())

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_bytes())

    @property
    def growth(self) -> int:
        return self.peak - self.before


class Upload:
    """A body of ``total`` bytes made 64 KiB at a time as it is sent (the client holds
    one chunk, never the body); ``sent`` counts what the server was handed."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.sent = 0

    def __iter__(self) -> Iterator[bytes]:
        chunk = b"x" * 65536
        while self.sent < self.total:
            self.sent += len(chunk)
            yield chunk


def test_a_100_mb_streamed_body_without_a_token_is_refused_early_and_costs_no_memory(
    api: api_server.ApiServer,
) -> None:
    upload = Upload(100 * MiB)  # chunked: no Content-Length to refuse it by
    with PeakRss() as rss:
        response = requests.post(
            f"{api.url}/admin/users",
            data=upload,
            headers={"Content-Type": "application/json"},
            timeout=TIMEOUT,
        )
    assert response.status_code == 413
    assert response.json() == TOO_LARGE
    assert response.headers["Connection"] == "close"
    assert response.headers["Cache-Control"] == "no-store"
    # Nothing like the body was held: a few MiB of noise at most.
    assert rss.growth < 8 * MiB, f"resident memory grew {rss.growth / MiB:.1f} MiB"
    # The server stopped reading and closed: the client could not send it all.
    assert upload.sent < 50 * MiB, f"the server took {upload.sent / MiB:.1f} MiB"


def test_a_declared_length_over_the_limit_is_refused_before_the_body_is_sent(
    api: api_server.ApiServer,
) -> None:
    host, port = api.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=TIMEOUT) as client:
        client.sendall(
            b"POST /admin/users HTTP/1.1\r\nHost: api\r\nContent-Type: application/json\r\n"
            b"Content-Length: 104857600\r\nExpect: 100-continue\r\n\r\n"
        )
        answer = b""
        while chunk := client.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    # No "100 Continue": the client is told no before it sends a byte of the body.
    assert head.startswith(b"HTTP/1.1 413 "), answer[:200]
    assert json.loads(body) == TOO_LARGE


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_the_limit_is_exact_and_a_body_within_it_goes_on_to_authentication(
    api: api_server.ApiServer, chunked: bool
) -> None:
    def post(size: int) -> requests.Response:
        body = b"{" + b" " * (size - 2) + b"}"
        data: Any = iter([body[: size // 2], body[size // 2 :]]) if chunked else body
        return requests.post(
            f"{api.url}/admin/users",
            data=data,
            headers={"Content-Type": "application/json"},
            timeout=TIMEOUT,
        )

    assert post(LIMIT).status_code == 401  # read whole, then no token
    refused = post(LIMIT + 1)
    assert (refused.status_code, refused.json()) == (413, TOO_LARGE)


# -- Lambda: the same app behind API Gateway --------------------------------------------


@pytest.fixture
def function_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A Lambda execution environment for a pool nothing is asked of (413s come
    before any token or Cognito call)."""
    for name, value in {
        "COGNITO_USER_POOL_ID": "eu-west-1_Limits1",
        "COGNITO_CLIENT_IDS": "app-client",
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_CONFIG_FILE": "/nonexistent",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("COGNITO_ISSUER", "COGNITO_REGION", "MAX_BODY_BYTES"):
        monkeypatch.delenv(name, raising=False)
    lambda_handler._environment_handler.cache_clear()  # a cold start
    yield
    lambda_handler._environment_handler.cache_clear()


def big_event(*, declared: bool = True, base64_encoded: bool = False) -> dict[str, Any]:
    event = http_api_event("POST", "/admin/users", body="x" * (LIMIT + 10))
    if not declared:
        del event["headers"]["content-length"]
    if base64_encoded:
        event["body"] = base64.b64encode(event["body"].encode()).decode("ascii")
        event["isBase64Encoded"] = True
    return event


@pytest.mark.parametrize(
    "event",
    [
        pytest.param(big_event(), id="declared"),
        pytest.param(big_event(declared=False), id="no-content-length"),
        pytest.param(big_event(declared=False, base64_encoded=True), id="base64"),
    ],
)
def test_lambda_refuses_a_body_over_the_limit(function_env: None, event: dict[str, Any]) -> None:
    response = lambda_handler.handler(event, LambdaContext())
    assert response["statusCode"] == 413
    assert json.loads(response["body"]) == TOO_LARGE


def test_lambda_hands_a_body_within_the_limit_on_to_authentication(function_env: None) -> None:
    event = http_api_event("POST", "/admin/users", body={"username": "x", "email": "x@y.example"})
    del event["headers"]["content-length"]
    response = lambda_handler.handler(event, LambdaContext())
    assert response["statusCode"] == 401


# -- request heads and tokens at Cognito's sizes ---------------------------------------


@pytest.mark.parametrize(
    ("character", "least"),
    [
        pytest.param("g", 17_000, id="ascii"),
        # The stand-in writes them as \uXXXX escapes: the largest such token.
        pytest.param("\u7fa4", 100_000, id="cjk"),
    ],
)
def test_a_user_in_100_groups_of_128_characters_is_let_in(
    idp: Any, stand_in: server.LocalCognito, api: api_server.ApiServer, character: str, least: int
) -> None:
    """Cognito's quotas: 100 groups a user, names of up to 128 characters. The token
    the stand-in mints for such a user is far beyond the old 8 KiB token and 10 KiB
    header limits, and beyond h11's 16 KiB head."""
    pool_id = stand_in.pool.id
    names = [character * 125 + f"{i:03d}" for i in range(100)]
    for name in names:
        idp.create_group(GroupName=name, UserPoolId=pool_id)
        idp.admin_add_user_to_group(UserPoolId=pool_id, Username="alice", GroupName=name)
    token = admin_tokens(idp, stand_in, "alice", app_env.password("alice"))["AccessToken"]
    assert least < len(token) <= verifier.MAX_TOKEN_CHARS
    response = requests.get(
        f"{api.url}/me", headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT
    )
    assert response.status_code == 200, response.text[:300]
    assert sorted(response.json()["groups"]) == sorted(names)
    assert response.json()["username"] == "alice"


@pytest.mark.parametrize(
    "size",
    [auth.MAX_AUTHORIZATION_BYTES + 1, request_limits.MAX_REQUEST_HEAD_BYTES - 1024],
    ids=["just-over-the-longest-token", "near-the-head-limit"],
)
def test_an_authorization_header_beyond_any_token_is_refused_before_any_parsing(
    api: api_server.ApiServer, size: int
) -> None:
    header = "Bearer " + "A" * (size - len("Bearer "))
    response = requests.get(f"{api.url}/me", headers={"Authorization": header}, timeout=TIMEOUT)
    assert (response.status_code, response.json()["error"]) == (400, "invalid_request")


def test_a_head_beyond_the_limit_never_reaches_the_api(api: api_server.ApiServer) -> None:
    header = "Bearer " + "A" * MiB
    response = requests.get(f"{api.url}/me", headers={"Authorization": header}, timeout=TIMEOUT)
    assert response.status_code == 431
    assert response.json()["error"] == "too_large"
    assert response.headers["Connection"] == "close"
