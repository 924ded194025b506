"""ApiServer: uvicorn on loopback from a thread, started and stopped by the test."""

from __future__ import annotations

import socket

import fastapi
import pytest
import requests

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
