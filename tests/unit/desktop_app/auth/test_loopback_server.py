"""desktop_app.auth.loopback_server: how the receiver's server answers every request.

Requests that are not the redirect (wrong Host, method or path, no ``code`` or
``error``) are refused without ending the flow; every answer carries the security
headers; nothing a request carries reaches a page, a header or the log. Driven
through a bound :class:`~desktop_app.auth.loopback.LoopbackReceiver` over real sockets.
"""

from __future__ import annotations

import http.client
import logging
import socket
import time

import pytest

from desktop_app.auth import loopback
from tests.support.loopback_probe import request
from tests.unit.desktop_app.auth.loopback_harness import CODE, STATE, callback, ok_query, uri

SECURITY_HEADERS = {
    "Content-Type": "text/html; charset=utf-8",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
}


@pytest.mark.parametrize(
    ("target", "method", "host", "status"),
    [
        ("/favicon.ico", "GET", "", 404),
        ("/", "GET", "", 404),
        ("/callback/", "GET", "", 404),
        ("/callbackx?" + ok_query(), "GET", "", 404),
        ("/other?" + ok_query(), "GET", "", 404),
        ("/callback", "GET", "", 400),  # on the path, but not an authorization response
        (f"/callback?state={STATE}", "GET", "", 400),
        ("/callback?" + "&".join(f"p{n}=v" for n in range(30)), "GET", "", 400),  # too many
        ("/callback?" + ok_query(), "POST", "", 405),
        ("/callback?" + ok_query(), "HEAD", "", 405),
        ("/callback?" + ok_query(), "PUT", "", 405),
        ("/callback?" + ok_query(), "BREW", "", 501),
        # DNS rebinding: the Host must be exactly the redirect URI's host:port
        ("/callback?" + ok_query(), "GET", None, 400),
        ("/callback?" + ok_query(), "GET", "evil.example:{port}", 400),
        ("/callback?" + ok_query(), "GET", "127.0.0.1", 400),
        ("/callback?" + ok_query(), "GET", "localhost:{port}", 400),
        ("/callback?" + ok_query(), "GET", "127.0.0.1:1", 400),
        ("/callback?" + ok_query(), "GET", "127.0.0.2:{port}", 400),
    ],
)
def test_stray_requests_are_refused_and_do_not_end_the_flow(
    receiver: loopback.LoopbackReceiver,
    port: int,
    target: str,
    method: str,
    host: str | None,
    status: int,
) -> None:
    sent = None if host is None else host.format(port=port)  # "": the right one
    response = request(port, target, method=method, host=sent)
    assert response.status == status
    if status == 405:
        assert response.headers["Allow"] == "GET"
    assert callback(port, ok_query()).status == 200
    assert receiver.wait(5).code == CODE


@pytest.mark.parametrize(
    ("target", "status"),
    [
        ("/callback?" + ok_query(), 200),
        (f"/callback?error=access_denied&state={STATE}", 400),
        ("/favicon.ico", 404),
    ],
)
def test_every_response_sends_the_security_headers(
    receiver: loopback.LoopbackReceiver, port: int, target: str, status: int
) -> None:
    response = request(port, target)
    assert response.status == status
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value
    assert int(response.headers["Content-Length"]) == len(response.raw)
    receiver.close()


def test_unparseable_request_gets_our_page_without_echoing_it(
    receiver: loopback.LoopbackReceiver, port: int
) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        too_many_headers = "".join(f"X-{n}: {n}\r\n" for n in range(101))
        raw.sendall(f"GET /callback?code={CODE} HTTP/1.1\r\n{too_many_headers}\r\n".encode())
        response = http.client.HTTPResponse(raw)
        response.begin()
        page = response.read()
    assert response.status == 431
    assert response.headers["Cache-Control"] == "no-store"
    assert CODE.encode() not in page
    assert CODE not in str(response.headers)


def test_stalled_sockets_do_not_block_the_real_callback(port: int) -> None:
    with loopback.LoopbackReceiver(
        [uri(port)], expected_state=STATE, connection_timeout=3
    ) as receiver:
        silent = socket.create_connection(("127.0.0.1", port))
        partial = socket.create_connection(("127.0.0.1", port))
        partial.sendall(b"GET /callback?code=x")  # no end of line, ever
        try:
            time.sleep(0.05)
            started = time.monotonic()
            assert callback(port, ok_query()).status == 200
            assert receiver.wait(5).code == CODE
            assert time.monotonic() - started < 1
        finally:
            silent.close()
            partial.close()


def test_logs_never_hold_the_code_state_or_query(
    caplog: pytest.LogCaptureFixture, port: int
) -> None:
    caplog.set_level(logging.DEBUG)
    with loopback.LoopbackReceiver([uri(port)], expected_state=STATE) as receiver:
        request(port, "/favicon.ico?" + ok_query())
        request(port, "/callback?" + ok_query(), method="POST")
        request(port, "/callback?" + ok_query(), host="evil.example")
        callback(port, ok_query(state="wrong-" + STATE))
        start = receiver.start_link("https://auth.example.com/oauth2/authorize?state=" + STATE)
        request(port, start.removeprefix(f"http://127.0.0.1:{port}"))
        callback(port, ok_query())
        assert receiver.wait(5).code == CODE
    assert caplog.records
    assert start.rsplit("/", 1)[1] not in caplog.text  # the start link's secret part
    for record in caplog.records:
        text = record.getMessage()
        assert CODE not in text
        assert STATE not in text
        assert "code=" not in text
