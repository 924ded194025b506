"""RequestLimits: a head or a body over its limit is refused before the app runs,
however the body arrives."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import pytest

from protected_api import auth, request_limits
from tests.unit.protected_api import stubs

LIMIT = 2048


class Exchange:
    """One request through ``RequestLimits(app)``: what the app saw, and what went back."""

    def __init__(
        self,
        messages: Iterable[dict[str, Any]],
        headers: list[tuple[bytes, bytes]] | None = None,
        *,
        scope_type: str = "http",
        max_head_bytes: int = request_limits.MAX_REQUEST_HEAD_BYTES,
    ) -> None:
        self._incoming = list(messages)
        self.received = 0  # how many messages were taken from the server
        self.app_called = False
        self.app_messages: list[dict[str, Any]] = []
        self.sent: list[dict[str, Any]] = []
        scope = {
            "type": scope_type,
            "method": "POST",
            "path": "/x",
            "raw_path": b"/x",
            "query_string": b"",
            "headers": headers or [],
        }
        middleware = request_limits.RequestLimits(
            self._app, max_body_bytes=LIMIT, max_head_bytes=max_head_bytes
        )
        stubs.run_async(middleware(scope, self._receive, self._send))

    async def _receive(self) -> dict[str, Any]:
        self.received += 1
        if self._incoming:
            return self._incoming.pop(0)
        return {"type": "http.disconnect"}

    async def _send(self, message: Any) -> None:
        self.sent.append(message)

    async def _app(self, scope: Any, receive: Any, send: Any) -> None:
        self.app_called = True
        while True:
            message = await receive()
            self.app_messages.append(message)
            if message["type"] != "http.request":
                break
            if not message.get("more_body"):
                # What a server gives after the body: the disconnect, when it comes.
                self.app_messages.append(await receive())
                break
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    @property
    def status(self) -> int:
        return int(self.sent[0]["status"])

    @property
    def body(self) -> Any:
        return json.loads(b"".join(m.get("body", b"") for m in self.sent[1:]))

    @property
    def headers(self) -> dict[bytes, bytes]:
        return dict(self.sent[0]["headers"])


def chunks(*sizes: int, last: bool = True) -> list[dict[str, Any]]:
    """``http.request`` messages of ``sizes`` bytes; the last says no more unless told."""
    final = len(sizes) - 1 if last else -1
    return [
        {"type": "http.request", "body": b"x" * size, "more_body": i != final}
        for i, size in enumerate(sizes)
    ]


def length(value: int | bytes) -> list[tuple[bytes, bytes]]:
    return [(b"content-length", value if isinstance(value, bytes) else str(value).encode())]


def test_a_declared_length_over_the_limit_is_refused_without_reading() -> None:
    exchange = Exchange(chunks(LIMIT + 1), length(LIMIT + 1))
    assert (exchange.status, exchange.received, exchange.app_called) == (413, 0, False)
    assert exchange.body == {
        "error": "too_large",
        "message": f"the request body is larger than {LIMIT} bytes",
    }
    assert exchange.headers[b"connection"] == b"close"
    assert exchange.headers[b"cache-control"] == b"no-store"
    assert exchange.headers[b"content-type"] == b"application/json"


@pytest.mark.parametrize(
    ("sizes", "read"),
    [
        pytest.param((LIMIT + 1,), 1, id="one-message"),
        pytest.param((1000, 1000, 49, 1000, 1000), 3, id="streamed"),
    ],
)
def test_a_body_that_grows_past_the_limit_is_refused_before_the_app_runs(
    sizes: tuple[int, ...], read: int
) -> None:
    exchange = Exchange(chunks(*sizes))  # no Content-Length: chunked, or a Lambda event
    assert (exchange.status, exchange.app_called) == (413, False)
    assert exchange.received == read  # reading stopped at the message past the limit


def test_a_body_within_the_limit_reaches_the_app_whole_then_the_servers_receive() -> None:
    exchange = Exchange(chunks(1000, 1000, 48), length(LIMIT))
    assert exchange.status == 204
    assert exchange.app_messages == [
        {"type": "http.request", "body": b"x" * LIMIT, "more_body": False},
        {"type": "http.disconnect"},  # from the server's own receive, after the replay
    ]
    assert exchange.received == 4


def test_a_request_without_a_body_costs_one_receive() -> None:
    exchange = Exchange([{"type": "http.request", "body": b"", "more_body": False}])
    assert exchange.status == 204
    assert exchange.app_messages[0] == {"type": "http.request", "body": b"", "more_body": False}
    assert exchange.received == 2  # the body, and the app's own wait for the disconnect


def test_a_disconnect_while_reading_is_handed_to_the_app() -> None:
    exchange = Exchange(chunks(100, 100, last=False))  # then the client goes away
    assert exchange.app_called
    assert exchange.app_messages == [
        {"type": "http.request", "body": b"x" * 200, "more_body": True},
        {"type": "http.disconnect"},
    ]


def test_other_scopes_pass_through_untouched() -> None:
    exchange = Exchange([], scope_type="lifespan")
    assert exchange.app_called and exchange.status == 204


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param(length(b"ten"), id="not-a-number"),
        pytest.param(length(b"-1"), id="negative"),
        pytest.param(length(b"1.5"), id="fraction"),
        pytest.param(length(b"\xd9\xa1"), id="arabic-indic-digit"),
        pytest.param(length(10) + length(11), id="two-values"),
        pytest.param(length(b"10, 11"), id="two-values-in-one-header"),
    ],
)
def test_a_malformed_content_length_is_a_400(headers: list[tuple[bytes, bytes]]) -> None:
    exchange = Exchange(chunks(10), headers)
    assert (exchange.status, exchange.app_called, exchange.received) == (400, False, 0)
    assert exchange.body["error"] == "invalid_request"
    assert "Content-Length" in exchange.body["message"]


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ([], None),
        (length(0), 0),
        (length(b"0042"), 42),
        (length(7) + length(7), 7),  # repeated, agreeing (RFC 9110 8.6)
        (length(b"7, 7"), 7),
        ([(b"Content-Length", b"12")], 12),
        (length(b"9" * 400), request_limits.MAX_MAX_BODY_BYTES + 1),  # no big-number work
    ],
)
def test_declared_length(headers: list[tuple[bytes, bytes]], expected: int | None) -> None:
    assert request_limits.declared_length(headers) == expected


async def _unused_app(scope: Any, receive: Any, send: Any) -> None:
    raise AssertionError("never called")


@pytest.mark.parametrize("max_bytes", [request_limits.MIN_MAX_BODY_BYTES - 1, 10**9, 0, -1])
def test_the_limit_itself_is_checked(max_bytes: int) -> None:
    with pytest.raises(ValueError, match="max_body_bytes"):
        request_limits.RequestLimits(_unused_app, max_body_bytes=max_bytes)


def test_the_default_holds_the_largest_invitation_the_app_can_send() -> None:
    """100 groups of 128 characters, a 2,048-character name and a 128-character
    username, in CJK letters, as the desktop app encodes it (compact UTF-8 JSON); a
    client that escapes every character as \\uXXXX needs MAX_BODY_BYTES raised."""
    from desktop_app.api import client  # the encoder the limit is sized for

    name = "\u7fa4" * 128
    invitation = {
        "username": name,
        "email": f"{'a' * 64}@{'b' * 181}.example",  # 254, the longest address
        "groups": [name] * 100,
        "name": "\u540d" * 2048,
    }
    size = len(client.encode_json(invitation))
    assert 45_000 < size <= request_limits.DEFAULT_MAX_BODY_BYTES
    assert len(json.dumps(invitation).encode()) > request_limits.DEFAULT_MAX_BODY_BYTES


def test_the_head_limit_holds_the_longest_authorization_header_and_more() -> None:
    assert request_limits.MAX_REQUEST_HEAD_BYTES >= auth.MAX_AUTHORIZATION_BYTES + 16 * 1024


def test_head_size_counts_the_request_line_and_the_header_lines() -> None:
    scope = {
        "method": "GET",
        "raw_path": b"/me",
        "query_string": b"a=1",
        "headers": [(b"host", b"api"), (b"authorization", b"Bearer t")],
    }
    wire = b"GET /me?a=1 HTTP/1.1\r\nhost: api\r\nauthorization: Bearer t\r\n\r\n"
    assert request_limits.head_size(scope) == len(wire)
    # Mangum's scope has no raw_path: the path is counted as UTF-8.
    assert request_limits.head_size({"method": "GET", "path": "/\u00e9", "headers": []}) == len(
        b"GET /\xc3\xa9 HTTP/1.1\r\n\r\n"
    )


def test_a_head_over_the_limit_is_a_431_before_the_body_or_the_app() -> None:
    headers = [(b"x-filler", b"f" * 100)]
    size = request_limits.head_size({"method": "POST", "raw_path": b"/x", "headers": headers})
    within = Exchange(chunks(10), headers, max_head_bytes=size)
    assert within.status == 204
    over = Exchange(chunks(10), headers, max_head_bytes=size - 1)
    assert (over.status, over.app_called, over.received) == (431, False, 0)
    assert over.body == {
        "error": "too_large",
        "message": f"the request line and headers are larger than {size - 1} bytes",
    }
    assert over.headers[b"connection"] == b"close"
