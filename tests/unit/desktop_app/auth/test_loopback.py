"""desktop_app.auth.loopback: the RFC 8252 loopback receiver, over real sockets on 127.0.0.1.

Binding, what a redirect comes to (the same table as the pure parser's), replays,
and the port being free again after every outcome. How the server answers other
requests is ``test_loopback_server.py``; the pages are ``test_loopback_pages.py``.
"""

from __future__ import annotations

import html
import shutil
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

import pytest

from desktop_app import errors
from desktop_app.auth import loopback, loopback_pages
from tests.support.loopback_probe import free_port, request
from tests.unit.desktop_app.auth.authorization_responses import CASES, Case
from tests.unit.desktop_app.auth.loopback_harness import CODE, STATE, callback, ok_query, uri

PAGES = loopback.default_pages_dir()
RESPONSES = [case for case in CASES if case.is_response]


def assert_refused(port: int) -> None:
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


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
        "http://[::1]:8080/callback",
        "http://127.0.0.1/callback",
        "http://127.0.0.1:8080/callback?x=1",
        "http://localhost:8080/callback",  # RFC 8252 8.3: another process may hold [::1]
        "http://user@127.0.0.1:8080/callback",
    ],
)
def test_rejects_redirect_uris_that_are_not_loopback_with_a_port(bad: str) -> None:
    # The whole rule is desktop_app.urls.parse_loopback_redirect's (test_urls.py).
    with pytest.raises(ValueError, match="redirect URI"):
        loopback.LoopbackReceiver([bad], expected_state=STATE)


@pytest.mark.parametrize(
    ("redirect_uris", "state", "timeout", "match"),
    [
        ("http://127.0.0.1:8080/cb", STATE, 5.0, "list"),
        ([], STATE, 5.0, "empty"),
        (["http://127.0.0.1:8080/cb"], "", 5.0, "expected_state"),
        (["http://127.0.0.1:8080/cb"], STATE, 0.0, "connection_timeout"),
    ],
    ids=["one string", "no uris", "no state", "no timeout"],
)
def test_bad_arguments_are_refused(
    redirect_uris: list[str], state: str, timeout: float, match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        loopback.LoopbackReceiver(redirect_uris, expected_state=state, connection_timeout=timeout)


def test_wait_before_enter_and_second_enter_are_errors(port: int) -> None:
    receiver = loopback.LoopbackReceiver([uri(port)], expected_state=STATE)
    with pytest.raises(RuntimeError):
        receiver.wait(1)
    with receiver, pytest.raises(RuntimeError):
        receiver.__enter__()


# -- the callback -------------------------------------------------------------------


@pytest.mark.parametrize("case", RESPONSES, ids=[case.name for case in RESPONSES])
def test_a_callback_ends_the_flow_as_the_protocol_reads_it(
    receiver: loopback.LoopbackReceiver, port: int, case: Case
) -> None:
    """The same verdicts as authorization.parse_authorization_response's (a code and an
    error together: denied), and a page that says which. A response without this
    attempt's state is not the one the receiver waits for: it gets the error page and
    the real callback, arriving after it, still completes the sign-in."""
    response = callback(port, case.text)
    if case.raises is None:
        assert (response.status, "close this tab" in response.text) == (200, True)
    elif case.raises is errors.StateMismatch:
        assert (response.status, "invalid_state" in response.text) == (400, True)
        assert callback(port, ok_query()).status == 200
        assert receiver.wait(5).code == CODE
        return
    else:
        page = {
            errors.AuthorizationDenied: html.escape(case.error or ""),
            errors.SignInError: "invalid_request",
        }[case.raises]
        assert (response.status, page in response.text) == (400, True)
    case.check(lambda: receiver.wait(5).code)


def test_forged_callbacks_do_not_end_the_sign_in_before_its_timeout(
    receiver: loopback.LoopbackReceiver, port: int
) -> None:
    for query in (ok_query(state="forged"), "code=x", f"code=x&state={STATE}&state=x"):
        assert callback(port, query).status == 400
    with pytest.raises(errors.SignInTimeout):
        receiver.wait(0.3)


def test_success_returns_the_bound_redirect_uri(
    receiver: loopback.LoopbackReceiver, port: int
) -> None:
    callback(port, ok_query())
    assert receiver.wait(5) == loopback.CallbackResult(code=CODE, redirect_uri=uri(port))


def test_code_is_not_in_repr() -> None:
    result = loopback.CallbackResult(code=CODE, redirect_uri="http://127.0.0.1:1/cb")
    assert CODE not in repr(result)
    assert CODE not in str(result)
    assert "http://127.0.0.1:1/cb" in repr(result)


@pytest.mark.parametrize(
    ("first", "outcome"),
    [(ok_query(), None), (f"error=access_denied&state={STATE}", errors.AuthorizationDenied)],
    ids=["after a success", "after a failure"],
)
def test_a_replayed_callback_gets_the_error_page_and_is_ignored(
    receiver: loopback.LoopbackReceiver, port: int, first: str, outcome: type[Exception] | None
) -> None:
    callback(port, first)
    replay = callback(port, ok_query(code="second-code"))
    assert replay.status == 400
    assert "already" in replay.text
    if outcome is None:
        assert receiver.wait(5).code == CODE
    else:
        with pytest.raises(outcome):
            receiver.wait(5)


def test_an_error_page_escapes_everything(receiver: loopback.LoopbackReceiver, port: int) -> None:
    payload = "<script>alert('x')</script>&\"<img src=x onerror=alert(1)>"
    quoted = urllib.parse.quote(payload)
    page = callback(
        port, f"error=access_denied%3Cb%3E&error_description={quoted}&state={STATE}"
    ).text
    assert "<script" not in page and "<img" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;&amp;&quot;&lt;img" in page
    assert "access_denied&lt;b&gt;" in page
    with pytest.raises(errors.AuthorizationDenied) as caught:
        receiver.wait(5)
    assert caught.value.error == "access_denied<b>"
    assert caught.value.description == payload


def test_pages_dir_can_point_elsewhere(tmp_path: Path, port: int) -> None:
    shutil.copy(PAGES / loopback_pages.ERROR_PAGE, tmp_path)
    shutil.copy(PAGES / loopback_pages.SIGNED_OUT_PAGE, tmp_path)
    (tmp_path / loopback_pages.SUCCESS_PAGE).write_text("<p>bundled success</p>", encoding="utf-8")
    with loopback.LoopbackReceiver(
        [uri(port)], expected_state=STATE, pages_dir=tmp_path
    ) as receiver:
        assert callback(port, ok_query()).text == "<p>bundled success</p>"
        receiver.wait(5)


def test_broken_pages_fail_at_construction(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="pages folder"):
        loopback.LoopbackReceiver(
            ["http://127.0.0.1:8080/cb"], expected_state=STATE, pages_dir=tmp_path / "nope"
        )


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
    callback(port, ok_query(state="nope"))  # ignored: the flow goes on until it times out
    with pytest.raises(errors.SignInTimeout):
        receiver.wait(0.1)


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


# -- the one-time start link (issue 16: no authorize URL on a command line) ---------------

AUTHORIZE = f"https://auth.example.com/oauth2/authorize?state={STATE}&nonce=n"


def _path(link: str, port: int) -> str:
    prefix = f"http://127.0.0.1:{port}"
    assert link.startswith(prefix + "/start/")
    return link.removeprefix(prefix)


def test_the_start_link_redirects_to_the_authorize_url_once(
    receiver: loopback.LoopbackReceiver, port: int
) -> None:
    link = receiver.start_link(AUTHORIZE)
    assert STATE not in link and "nonce" not in link
    assert len(link.rsplit("/", 1)[1]) >= 40  # 32 random bytes, unguessable
    first = request(port, _path(link, port))
    assert (first.status, first.headers["Location"]) == (302, AUTHORIZE)
    assert first.headers["Referrer-Policy"] == "no-referrer"
    assert first.headers["Cache-Control"] == "no-store"
    assert callback(port, ok_query()).status == 200
    assert receiver.wait(5).code == CODE


def test_a_start_link_opened_twice_stops_the_sign_in(
    receiver: loopback.LoopbackReceiver, port: int
) -> None:
    """Someone who read the link first (from the browser's command line) knows the state:
    the person's own browser then finds the link used, and the attempt must not go on."""
    path = _path(receiver.start_link(AUTHORIZE), port)
    assert request(port, path).status == 302  # the other local user
    second = request(port, path)  # the person's browser
    assert second.status == 410
    assert "already opened" in second.text and STATE not in second.text
    with pytest.raises(errors.SignInError, match="opened twice"):
        receiver.wait(5)


def test_the_start_link_needs_the_right_host_and_the_whole_token(
    receiver: loopback.LoopbackReceiver, port: int
) -> None:
    path = _path(receiver.start_link(AUTHORIZE), port)
    assert request(port, path, host="evil.example").status == 400  # DNS rebinding
    assert request(port, path[:-1]).status == 404
    assert request(port, "/start/").status == 404
    assert request(port, path).status == 302  # still unused after those


# -- RFC 9207 iss (issue 16: mix-up between environments) ---------------------------------

ISSUER = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Mine"


@pytest.mark.parametrize(
    ("iss", "code"),
    [
        (None, CODE),
        (ISSUER, CODE),
        ("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_B", None),
    ],
    ids=["no iss", "this issuer", "another issuer"],
)
def test_an_iss_in_the_response_must_be_the_profiles_issuer(
    port: int, iss: str | None, code: str | None
) -> None:
    with loopback.LoopbackReceiver(
        [uri(port)], expected_state=STATE, expected_issuer=ISSUER
    ) as receiver:
        query = ok_query() + (f"&iss={urllib.parse.quote(iss)}" if iss else "")
        answer = callback(port, query)
        if code is not None:
            assert answer.status == 200
            assert receiver.wait(5).code == code
        else:
            assert (answer.status, "invalid_issuer" in answer.text) == (400, True)
            with pytest.raises(errors.IssuerMismatch):
                receiver.wait(5)


def test_another_environments_callback_path_is_a_stray_request(port: int) -> None:
    mine = uri(port, "/callback/production")
    with loopback.LoopbackReceiver([mine], expected_state=STATE) as receiver:
        assert callback(port, ok_query(), path="/callback/staging").status == 404
        assert callback(port, ok_query(), path="/callback").status == 404
        assert callback(port, ok_query(), path="/callback/production").status == 200
        assert receiver.wait(5).redirect_uri == mine


# -- the sign-out receiver -------------------------------------------------------------------


def test_the_sign_out_receiver_shows_signed_out_and_returns(port: int) -> None:
    with loopback.SignOutReceiver(uri(port, "/signed-out/dev")) as receiver:
        assert request(port, "/signed-out/other").status == 404
        assert request(port, "/signed-out/dev", host="evil.example").status == 400
        assert request(port, "/signed-out/dev", method="POST").status == 405
        page = request(port, "/signed-out/dev")
        assert (page.status, "You are signed out" in page.text) == (200, True)
        receiver.wait(5)
    assert_refused(port)


def test_the_sign_out_receiver_times_out_and_frees_the_port(port: int) -> None:
    with (
        loopback.SignOutReceiver(uri(port, "/signed-out")) as receiver,
        pytest.raises(errors.SignInTimeout, match="signing out"),
    ):
        receiver.wait(0.1)
    assert_refused(port)
