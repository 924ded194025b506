"""desktop_app.auth.loopback: the RFC 8252 loopback receiver, over real sockets on 127.0.0.1."""

from __future__ import annotations

import http.client
import logging
import shutil
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from desktop_app import errors
from desktop_app.auth import loopback
from tests.support.loopback_probe import Reply, free_port, request

STATE = "st4te-Zk3pQ9wXyL0aBcDeFgHiJkLmNoPqRsTuVw"
CODE = "c0de-8f14e45f-ceea-467f-a0e6-b0b9b5e1e3a1"
PAGES = Path(__file__).resolve().parents[4] / "resources"
SECURITY_HEADERS = {
    "Content-Type": "text/html; charset=utf-8",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
}


def uri(port: int, path: str = "/callback", host: str = "127.0.0.1") -> str:
    return f"http://{host}:{port}{path}"


def callback(port: int, query: str, path: str = "/callback") -> Reply:
    return request(port, f"{path}?{query}")


def ok_query(state: str = STATE, code: str = CODE) -> str:
    return f"code={code}&state={state}"


def assert_refused(port: int) -> None:
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture
def receiver(port: int) -> Iterator[loopback.LoopbackReceiver]:
    with loopback.LoopbackReceiver([uri(port)], expected_state=STATE) as bound:
        yield bound


# -- binding ------------------------------------------------------------------------


def test_binds_loopback_only(receiver: loopback.LoopbackReceiver, port: int) -> None:
    assert receiver._server is not None
    assert receiver._server.socket.getsockname() == ("127.0.0.1", port)
    assert receiver.redirect_uri == uri(port)


def test_tries_redirect_uris_in_order_when_the_first_port_is_taken() -> None:
    taken, free = free_port(), free_port()
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", taken))
        squatter.listen()
        uris = [uri(taken), uri(free, "/cb")]
        with loopback.LoopbackReceiver(uris, expected_state=STATE) as receiver:
            assert receiver.redirect_uri == uri(free, "/cb")
            callback(free, ok_query(), path="/cb")
            assert receiver.wait(5).redirect_uri == uri(free, "/cb")


def test_no_free_port_names_every_port() -> None:
    squatters = [socket.socket(), socket.socket()]
    try:
        for squatter in squatters:
            squatter.bind(("127.0.0.1", 0))
            squatter.listen()
        ports = [s.getsockname()[1] for s in squatters]
        receiver = loopback.LoopbackReceiver([uri(p) for p in ports], expected_state=STATE)
        with pytest.raises(errors.NoFreePort) as caught, receiver:
            pass
        assert caught.value.ports == tuple(ports)
        assert all(str(p) in str(caught.value) for p in ports)
    finally:
        for squatter in squatters:
            squatter.close()


@pytest.mark.parametrize(
    "bad",
    [
        "https://127.0.0.1:8080/callback",
        "http://0.0.0.0:8080/callback",
        "http://[::1]:8080/callback",
        "http://example.com:8080/callback",
        "http://127.0.0.1/callback",
        "http://127.0.0.1:0/callback",
        "http://127.0.0.1:99999/callback",
        "http://127.0.0.1:8080/callback?x=1",
        "http://127.0.0.1:8080/callback#frag",
        "http://user@127.0.0.1:8080/callback",
    ],
)
def test_rejects_redirect_uris_that_are_not_loopback_with_a_port(bad: str) -> None:
    with pytest.raises(ValueError, match="redirect URI"):
        loopback.LoopbackReceiver([bad], expected_state=STATE)


def test_rejects_a_single_string_empty_list_and_empty_state() -> None:
    with pytest.raises(ValueError, match="list"):
        loopback.LoopbackReceiver("http://127.0.0.1:8080/cb", expected_state=STATE)
    with pytest.raises(ValueError, match="empty"):
        loopback.LoopbackReceiver([], expected_state=STATE)
    with pytest.raises(ValueError, match="expected_state"):
        loopback.LoopbackReceiver(["http://127.0.0.1:8080/cb"], expected_state="")


def test_wait_before_enter_and_second_enter_are_errors(port: int) -> None:
    receiver = loopback.LoopbackReceiver([uri(port)], expected_state=STATE)
    with pytest.raises(RuntimeError):
        receiver.wait(1)
    with receiver, pytest.raises(RuntimeError):
        receiver.__enter__()


# -- the callback -------------------------------------------------------------------


def test_success_returns_the_code_and_the_bound_redirect_uri(
    receiver: loopback.LoopbackReceiver, port: int
) -> None:
    response = callback(port, ok_query())
    assert response.status == 200
    assert "close this tab" in response.text
    result = receiver.wait(5)
    assert result.code == CODE
    assert result.redirect_uri == uri(port)


def test_code_is_not_in_repr() -> None:
    result = loopback.CallbackResult(code=CODE, redirect_uri="http://127.0.0.1:1/cb")
    assert CODE not in repr(result)
    assert CODE not in str(result)
    assert "http://127.0.0.1:1/cb" in repr(result)


@pytest.mark.parametrize(
    "query",
    [
        f"code={CODE}",
        f"code={CODE}&state=",
        f"code={CODE}&state=wrong-{STATE}",
        f"code={CODE}&state={STATE[:-1]}",
        f"code={CODE}&state={STATE}&state=other",
        f"code={CODE}&state=%C3%A9t%C3%A9",  # non-ASCII: still a constant-time compare
        f"error=access_denied&state=forged-{STATE}",  # a forged error is a state failure too
    ],
    ids=["missing", "empty", "wrong", "prefix", "duplicated", "non-ascii", "forged-error"],
)
def test_bad_state_is_rejected(receiver: loopback.LoopbackReceiver, port: int, query: str) -> None:
    response = callback(port, query)
    assert response.status == 400
    assert "invalid_state" in response.text
    with pytest.raises(errors.StateMismatch):
        receiver.wait(5)


def test_replayed_callback_gets_the_error_page_and_is_ignored(
    receiver: loopback.LoopbackReceiver, port: int
) -> None:
    assert callback(port, ok_query()).status == 200
    replay = callback(port, ok_query(code="second-code"))
    assert replay.status == 400
    assert "already" in replay.text
    assert receiver.wait(5).code == CODE


def test_replay_after_a_failure_is_ignored_too(
    receiver: loopback.LoopbackReceiver, port: int
) -> None:
    assert callback(port, ok_query(state="wrong")).status == 400
    assert callback(port, ok_query()).status == 400
    with pytest.raises(errors.StateMismatch):
        receiver.wait(5)


@pytest.mark.parametrize(
    "query",
    [
        f"code=a&code=b&state={STATE}",
        f"code=&state={STATE}",
        f"code={CODE}&error=access_denied&state={STATE}",
        f"error=a&error=b&state={STATE}",
        f"error=a&error_description=x&error_description=y&state={STATE}",
    ],
    ids=["two-codes", "empty-code", "code-and-error", "two-errors", "two-descriptions"],
)
def test_malformed_callback_is_a_sign_in_error(
    receiver: loopback.LoopbackReceiver, port: int, query: str
) -> None:
    assert callback(port, query).status == 400
    with pytest.raises(errors.SignInError, match="malformed") as caught:
        receiver.wait(5)
    assert type(caught.value) is errors.SignInError


def test_error_callback_is_authorization_denied_and_its_page_escapes_everything(
    receiver: loopback.LoopbackReceiver, port: int
) -> None:
    payload = "<script>alert('x')</script>&\"<img src=x onerror=alert(1)>"
    query = (
        "error=access_denied%3Cb%3E&error_description="
        + urllib.parse.quote(payload)
        + f"&state={STATE}"
    )
    response = callback(port, query)
    page = response.text
    assert response.status == 400
    assert "<script" not in page
    assert "<img" not in page
    assert "<b>" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;&amp;&quot;&lt;img" in page
    assert "access_denied&lt;b&gt;" in page
    with pytest.raises(errors.AuthorizationDenied) as caught:
        receiver.wait(5)
    assert caught.value.error == "access_denied<b>"
    assert caught.value.description == payload


def test_error_description_loses_terminal_control_characters(
    receiver: loopback.LoopbackReceiver, port: int
) -> None:
    callback(port, f"error=access_denied&error_description=a%1B%5B2Jb%0Ac&state={STATE}")
    with pytest.raises(errors.AuthorizationDenied) as caught:
        receiver.wait(5)
    assert caught.value.description == "a\ufffd[2Jb\ufffdc"


# -- requests that do not end the flow ----------------------------------------------


@pytest.mark.parametrize(
    ("target", "method", "status"),
    [
        ("/favicon.ico", "GET", 404),
        ("/", "GET", 404),
        ("/callback/", "GET", 404),
        ("/callbackx?" + ok_query(), "GET", 404),
        ("/other?" + ok_query(), "GET", 404),
        ("/callback", "GET", 400),  # on the path, but not an authorization response
        ("/callback?" + ok_query(), "POST", 405),
        ("/callback?" + ok_query(), "HEAD", 405),
        ("/callback?" + ok_query(), "PUT", 405),
        ("/callback?" + ok_query(), "BREW", 501),
    ],
)
def test_stray_requests_do_not_end_the_flow(
    receiver: loopback.LoopbackReceiver, port: int, target: str, method: str, status: int
) -> None:
    response = request(port, target, method=method)
    assert response.status == status
    if status == 405:
        assert response.headers["Allow"] == "GET"
    assert callback(port, ok_query()).status == 200
    assert receiver.wait(5).code == CODE


@pytest.mark.parametrize(
    "host",
    [
        None,
        "evil.example:{port}",
        "127.0.0.1",
        "localhost:{port}",
        "127.0.0.1:1",
        "127.0.0.2:{port}",
    ],
)
def test_wrong_host_is_400_and_the_flow_continues(
    receiver: loopback.LoopbackReceiver, port: int, host: str | None
) -> None:
    sent = None if host is None else host.format(port=port)
    response = request(port, "/callback?" + ok_query(), host=sent)
    assert response.status == 400
    assert callback(port, ok_query()).status == 200
    assert receiver.wait(5).code == CODE


def test_localhost_uri_binds_127_0_0_1_and_expects_a_localhost_host(port: int) -> None:
    with loopback.LoopbackReceiver([uri(port, host="localhost")], expected_state=STATE) as receiver:
        assert receiver._server is not None
        assert receiver._server.socket.getsockname() == ("127.0.0.1", port)
        assert request(port, "/callback?" + ok_query()).status == 400  # Host 127.0.0.1:PORT
        ok = request(port, "/callback?" + ok_query(), host=f"LocalHost:{port}")
        assert ok.status == 200
        assert receiver.wait(5).redirect_uri == uri(port, host="localhost")


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


# -- ending the flow ----------------------------------------------------------------


def test_timeout(receiver: loopback.LoopbackReceiver) -> None:
    started = time.monotonic()
    with pytest.raises(errors.SignInTimeout):
        receiver.wait(0.2)
    assert 0.2 <= time.monotonic() - started < 1


def test_cancel_is_noticed_within_half_a_second(receiver: loopback.LoopbackReceiver) -> None:
    cancel = threading.Event()
    timer = threading.Timer(0.1, cancel.set)
    timer.start()
    started = time.monotonic()
    with pytest.raises(errors.SignInCancelled):
        receiver.wait(30, cancel)
    assert time.monotonic() - started < 0.5
    timer.join()


def test_close_from_another_thread_ends_wait(receiver: loopback.LoopbackReceiver) -> None:
    timer = threading.Timer(0.1, receiver.close)
    timer.start()
    with pytest.raises(errors.SignInCancelled):
        receiver.wait(30)
    timer.join()


def _succeed(receiver: loopback.LoopbackReceiver, port: int) -> None:
    callback(port, ok_query())
    receiver.wait(5)


def _deny(receiver: loopback.LoopbackReceiver, port: int) -> None:
    callback(port, f"error=access_denied&state={STATE}")
    with pytest.raises(errors.AuthorizationDenied):
        receiver.wait(5)


def _mismatch(receiver: loopback.LoopbackReceiver, port: int) -> None:
    callback(port, ok_query(state="nope"))
    with pytest.raises(errors.StateMismatch):
        receiver.wait(5)


def _time_out(receiver: loopback.LoopbackReceiver, port: int) -> None:
    with pytest.raises(errors.SignInTimeout):
        receiver.wait(0.05)


def _cancel(receiver: loopback.LoopbackReceiver, port: int) -> None:
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(errors.SignInCancelled):
        receiver.wait(5, cancel)


def _leave(receiver: loopback.LoopbackReceiver, port: int) -> None:
    pass  # leaving the with block without waiting


@pytest.mark.parametrize(
    ("outcome", "ends_the_flow"),
    [
        (_succeed, True),
        (_deny, True),
        (_mismatch, True),
        (_time_out, True),
        (_cancel, True),
        (_leave, False),
    ],
    ids=["success", "denied", "state-mismatch", "timeout", "cancel", "exit"],
)
def test_port_is_closed_after_each_outcome_and_can_be_bound_again(
    port: int,
    outcome: Callable[[loopback.LoopbackReceiver, int], None],
    ends_the_flow: bool,
) -> None:
    with loopback.LoopbackReceiver([uri(port)], expected_state=STATE) as receiver:
        assert request(port, "/favicon.ico").status == 404
        stalled = socket.create_connection(("127.0.0.1", port))
        try:
            time.sleep(0.05)  # accepted: a handler thread is now blocked reading it
            outcome(receiver, port)
            if ends_the_flow:
                assert_refused(port)
        finally:
            stalled.close()
    assert_refused(port)
    # No TIME_WAIT or half-open socket holds the port: the next sign-in can bind it at once.
    with loopback.LoopbackReceiver([uri(port)], expected_state=STATE) as again:
        assert again.redirect_uri == uri(port)


# -- pages and headers --------------------------------------------------------------


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


@pytest.mark.parametrize("name", [loopback.SUCCESS_PAGE, loopback.ERROR_PAGE])
def test_pages_load_nothing_external(name: str) -> None:
    text = (PAGES / name).read_text(encoding="utf-8").lower()
    for forbidden in ("http://", "https://", "<script", "<link", "<img", "src=", "@import"):
        assert forbidden not in text


def test_success_page_tells_the_person_to_return_to_the_app() -> None:
    text = (PAGES / loopback.SUCCESS_PAGE).read_text(encoding="utf-8")
    assert "close this tab" in text
    assert "return to the app" in text


def test_pages_dir_can_point_elsewhere(tmp_path: Path, port: int) -> None:
    shutil.copy(PAGES / loopback.ERROR_PAGE, tmp_path)
    (tmp_path / loopback.SUCCESS_PAGE).write_text("<p>bundled success</p>", encoding="utf-8")
    with loopback.LoopbackReceiver(
        [uri(port)], expected_state=STATE, pages_dir=tmp_path
    ) as receiver:
        assert callback(port, ok_query()).text == "<p>bundled success</p>"
        receiver.wait(5)


def test_missing_or_broken_pages_fail_at_construction(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="pages folder"):
        loopback.LoopbackReceiver(
            ["http://127.0.0.1:8080/cb"], expected_state=STATE, pages_dir=tmp_path / "nope"
        )
    with pytest.raises(FileNotFoundError, match=loopback.SUCCESS_PAGE):
        loopback.LoopbackReceiver(
            ["http://127.0.0.1:8080/cb"], expected_state=STATE, pages_dir=tmp_path
        )
    (tmp_path / loopback.SUCCESS_PAGE).write_text("ok", encoding="utf-8")
    (tmp_path / loopback.ERROR_PAGE).write_text("$title $error $surprise", encoding="utf-8")
    with pytest.raises(ValueError, match="placeholders"):
        loopback.LoopbackReceiver(
            ["http://127.0.0.1:8080/cb"], expected_state=STATE, pages_dir=tmp_path
        )


# -- logging ------------------------------------------------------------------------


def test_logs_never_hold_the_code_state_or_query(
    caplog: pytest.LogCaptureFixture, port: int
) -> None:
    caplog.set_level(logging.DEBUG)
    with loopback.LoopbackReceiver([uri(port)], expected_state=STATE) as receiver:
        request(port, "/favicon.ico?" + ok_query())
        request(port, "/callback?" + ok_query(), method="POST")
        request(port, "/callback?" + ok_query(), host="evil.example")
        callback(port, ok_query(state="wrong-" + STATE))
        callback(port, ok_query())
        with pytest.raises(errors.StateMismatch):
            receiver.wait(5)
    assert caplog.records
    for record in caplog.records:
        text = record.getMessage()
        assert CODE not in text
        assert STATE not in text
        assert "code=" not in text
