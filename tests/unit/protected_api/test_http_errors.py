"""Every HTTP and validation error is ``{"error", "message"}``, uncached, never echoing input."""

from __future__ import annotations

from collections.abc import Iterator

import fastapi
import pydantic
import pytest
import requests

from protected_api import http_errors
from protected_api import server as api_server
from tests.unit.protected_api import stubs


class Body(pydantic.BaseModel):
    name: str = pydantic.Field(max_length=5)


@pytest.fixture(scope="module")
def api() -> Iterator[api_server.ApiServer]:
    app = fastapi.FastAPI()
    http_errors.install(app)

    @app.get("/status/{status}")
    def status(status: int) -> None:
        raise fastapi.HTTPException(status, f"status {status}", headers={"X-Why": "test"})

    @app.post("/body")
    def body(body: Body) -> None:
        return None

    with api_server.ApiServer(app) as running:
        yield running


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, "invalid_request"),
        (404, "not_found"),
        (409, "conflict"),
        (413, "too_large"),
        (415, "unsupported_media_type"),
        (418, "http_error"),
        (431, "too_large"),
    ],
)
def test_http_errors_have_a_code_and_keep_their_headers(
    api: api_server.ApiServer, status: int, error: str
) -> None:
    response = requests.get(f"{api.url}/status/{status}", timeout=stubs.TIMEOUT)
    assert response.status_code == status
    assert response.json() == {"error": error, "message": f"status {status}"}
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Why"] == "test"


def test_answers_made_before_fastapi_use_the_same_shape() -> None:
    assert http_errors.body(413, "too big") == {"error": "too_large", "message": "too big"}
    assert http_errors.body(400, "bad") == {"error": "invalid_request", "message": "bad"}
    assert http_errors.body(599, "odd") == {"error": "http_error", "message": "odd"}


def test_routing_errors_use_the_same_body(api: api_server.ApiServer) -> None:
    missing = requests.get(f"{api.url}/nowhere", timeout=stubs.TIMEOUT)
    assert (missing.status_code, missing.json()["error"]) == (404, "not_found")
    wrong_method = requests.delete(f"{api.url}/body", timeout=stubs.TIMEOUT)
    assert (wrong_method.status_code, wrong_method.json()["error"]) == (405, "method_not_allowed")


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b'{"name": "' + b"x" * 100_000 + b'"}', id="huge-string"),
        pytest.param(b'{"name": "\\ud800"}', id="lone-surrogate"),
        pytest.param(b'{"name": NaN}', id="nan"),
        pytest.param(b"\xff\xfe", id="not-utf8"),
        pytest.param(b'{"name": 5}', id="wrong-type"),
    ],
)
def test_a_422_never_echoes_the_input(api: api_server.ApiServer, data: bytes) -> None:
    response = requests.post(
        f"{api.url}/body",
        data=data,
        headers={"Content-Type": "application/json"},
        timeout=stubs.TIMEOUT,
    )
    assert response.status_code == 422
    body = response.json()
    assert (body["error"], body["message"]) == ("invalid_request", "the request is not valid")
    assert all(set(entry) == {"type", "loc", "msg"} for entry in body["detail"])
    assert "xxxxxxxxxx" not in response.text
    assert response.headers["Cache-Control"] == "no-store"
