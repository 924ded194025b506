"""ApiServer: uvicorn on loopback from a thread, started and stopped by the test."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import fastapi
import pytest
import requests

from protected_api import request_limits
from protected_api import server as api_server
from tests.unit.protected_api import stubs


def hello_app() -> fastapi.FastAPI:
    app = fastapi.FastAPI()

    @app.get("/hello")
    def hello() -> dict[str, str]:
        return {"hello": "world"}

    return app


def test_it_serves_on_a_free_loopback_port_until_stopped() -> None:
    server = api_server.ApiServer(hello_app())
    with server:
        assert server.url.startswith("http://127.0.0.1:")
        response = requests.get(f"{server.url}/hello", timeout=stubs.TIMEOUT)
        assert response.json() == {"hello": "world"}
        url = server.url
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}/hello", timeout=stubs.TIMEOUT)


def test_a_taken_port_is_an_oserror() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(OSError, match="in use"):
            api_server.ApiServer(hello_app(), port=port).start()


def test_the_url_needs_a_started_server() -> None:
    with pytest.raises(AssertionError):
        _ = api_server.ApiServer(hello_app()).url


# -- the request head: as large as a Cognito token needs, and no larger -------------------

HEAD_LIMIT = request_limits.MAX_REQUEST_HEAD_BYTES


@pytest.fixture(params=["httptools", "h11"])
def served(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The hello app's URL, served with the API's uvicorn options on either parser:
    httptools (what ``uvicorn[standard]`` installs) or h11 (without it)."""
    if request.param == "h11":
        monkeypatch.setattr(api_server, "httptools_impl", None)
    options = api_server.http_options()
    expected = api_server.HeadLimitedHttpToolsProtocol if request.param == "httptools" else "h11"
    assert options == {"http": expected, "h11_max_incomplete_event_size": HEAD_LIMIT}
    with api_server.ApiServer(hello_app()) as running:
        yield running.url


def test_a_head_with_a_token_at_cognitos_quotas_is_read(served: str) -> None:
    # h11's default (16 KiB) would refuse this before the app, with a 400.
    token = "t" * (128 * 1024)
    response = requests.get(
        f"{served}/hello",
        headers={"Authorization": f"Bearer {token}", "X-Other": "o" * 16_000},
        timeout=stubs.TIMEOUT,
    )
    assert response.json() == {"hello": "world"}


def test_an_unfinished_head_past_the_limit_is_refused_and_the_connection_closed(
    served: str, request: pytest.FixtureRequest
) -> None:
    """The server's own bound, for a head still arriving (a complete one is measured
    exactly by the app's RequestLimits)."""
    host, port = served.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=stubs.TIMEOUT) as client:
        client.sendall(b"GET /hello HTTP/1.1\r\nHost: x\r\nX-Filler: " + b"f" * HEAD_LIMIT)
        answer = _read_all(client)  # returns once the server has closed
    head, _, body = answer.partition(b"\r\n\r\n")
    assert b"\r\nconnection: close" in head.lower()
    if "httptools" in request.node.callspec.id:
        assert head.startswith(b"HTTP/1.1 431 ")
        assert json.loads(body) == {
            "error": "too_large",
            "message": f"the request line and headers are larger than {HEAD_LIMIT} bytes",
        }
    else:  # uvicorn's own answer when h11 gives up
        assert head.startswith(b"HTTP/1.1 400 ")


def test_an_endless_header_line_is_cut_off_near_the_limit(served: str) -> None:
    """httptools alone would buffer the line for as long as it grows (and copy it
    every read): the count stops it within a read of the limit."""
    host, port = served.removeprefix("http://").split(":")
    sent = 0
    with socket.create_connection((host, int(port)), timeout=stubs.TIMEOUT) as client:
        client.sendall(b"GET /hello HTTP/1.1\r\nHost: x\r\nX-Endless: ")
        try:
            while sent < 64 * 1024 * 1024:
                client.sendall(b"e" * 65536)
                sent += 65536
        except OSError:  # the server closed: the point
            pass
        answer = _read_all(client)
    assert sent < 16 * 1024 * 1024, f"the server read {sent} bytes of one header line"
    assert answer.startswith((b"HTTP/1.1 431 ", b"HTTP/1.1 400 ")), answer[:80]


def _read_all(client: socket.socket) -> bytes:
    answer = b""
    try:
        while chunk := client.recv(65536):
            answer += chunk
    except OSError:
        pass  # a reset after the answer
    return answer
