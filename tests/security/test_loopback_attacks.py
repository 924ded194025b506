"""Local attacks on the loopback redirect (RFC 8252 sections 7.3, 8.3), end to end.

Threats: another program on the same machine (squatting on the redirect port,
sharing it with SO_REUSEPORT, racing or replaying a callback, stalling the
receiver), a malicious web page in the person's browser (DNS rebinding with a
foreign ``Host``, reflected XSS through the callback's parameters), and anything
that keeps the port open after the flow. Sign-in runs through the real
:class:`~desktop_app.auth.session.Session` and managed login of the stand-in over
real HTTP; the receiver's own edge cases are unit-tested in
``tests/unit/desktop_app/auth/test_loopback.py``.
"""

from __future__ import annotations

import html
import html.parser
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from desktop_app import errors
from desktop_app.auth import loopback, loopback_pages, session, store, tokens
from local_cognito import server
from tests.support import app_env, loopback_probe, start_link
from tests.support.scripted_browser import ScriptedBrowser

pytestmark = pytest.mark.integration
PASSWORD = "Alice-Passw0rd!"
TIMEOUT = 10


# -- a browser the test scripts -----------------------------------------------------------


class Browser:
    """``open_browser`` for the session: runs ``script(url)`` in a thread, like a browser
    that returns at once; failures are kept for :meth:`settle`."""

    def __init__(self, script: Callable[[str], None]) -> None:
        self.script = script
        self.opened: list[str] = []
        self.failures: list[BaseException] = []
        self._threads: list[threading.Thread] = []

    def open(self, url: str) -> bool:
        url = start_link.follow(url)  # the browser's first request: the one-time start link
        self.opened.append(url)

        def run() -> None:
            try:
                self.script(url)
            except BaseException as exc:
                self.failures.append(exc)

        thread = threading.Thread(target=run, name="scripted-browser", daemon=True)
        self._threads.append(thread)
        thread.start()
        return True

    def settle(self) -> None:
        for thread in self._threads:
            thread.join(TIMEOUT)
        if self.failures:
            raise self.failures[0]

    @property
    def query(self) -> dict[str, str]:
        """The parameters of the authorize URL the app opened (the last one)."""
        return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.opened[-1]).query))

    @property
    def port(self) -> int:
        port = urllib.parse.urlsplit(self.query["redirect_uri"]).port
        assert port is not None
        return port


def sign_in_at_managed_login(stand_in: server.LocalCognito, url: str) -> str:
    """Sign in as alice on managed login; the callback URL it redirects to (not yet sent)."""
    browser = ScriptedBrowser(stand_in.url)
    page = browser.open_url(url)
    assert not isinstance(page, str)
    result = browser.submit(page, username="alice", password=PASSWORD)
    assert isinstance(result, str), getattr(result, "error", result)
    browser.http.close()
    return result


def redirect_with(url: str, **params: str) -> str:
    """The app's redirect URI (from authorize URL ``url``) with ``params`` as its query."""
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
    return f"{query['redirect_uri']}?{urllib.parse.urlencode(params)}"


class CountingExchange:
    """Wraps the session's token client: counts code exchanges, passes them on."""

    def __init__(self, current: session.Session) -> None:
        self.codes: list[str] = []
        inner = current._client
        original = inner.exchange

        def exchange(token_endpoint: str, **kwargs: Any) -> tokens.TokenResponse:
            self.codes.append(kwargs["code"])
            return original(token_endpoint, **kwargs)

        inner.exchange = exchange  # type: ignore[method-assign]


def new_session(stand_in: server.LocalCognito, browser: Browser) -> session.Session:
    return session.Session(
        app_env.profile(stand_in), token_store=store.MemoryStore(), open_browser=browser.open
    )


def new_listeners(before: list[loopback_probe.Listener]) -> list[loopback_probe.Listener]:
    known = {listener.inode for listener in before}
    return [s for s in loopback_probe.listening_sockets() if s.inode not in known]


class ExternalLoads(html.parser.HTMLParser):
    """Every tag and every attribute that could load or navigate somewhere."""

    LOADING = frozenset({"src", "href", "action", "srcset", "data", "poster", "formaction"})

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.loads: list[str] = []
        self.styles: list[str] = []  # the text of <style> elements

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if name in self.LOADING or name.startswith("on"):
                self.loads.append(f"<{tag} {name}={value!r}>")
            if name == "http-equiv" and (value or "").lower() == "refresh":
                self.loads.append(f"<{tag} http-equiv=refresh>")

    def handle_data(self, data: str) -> None:
        if self.tags and self.tags[-1] == "style":
            self.styles.append(data)


def assert_safe_page(response: requests.Response | loopback_probe.Reply) -> ExternalLoads:
    """The loopback page loads nothing, caches nothing and leaks no referrer."""
    headers = response.headers
    assert headers["Cache-Control"] == "no-store"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert headers["X-Content-Type-Options"] == "nosniff"
    body = response.text
    parsed = ExternalLoads()
    parsed.feed(body)
    assert parsed.tags, "not an HTML page"
    assert not parsed.loads, parsed.loads
    lowered = body.lower()
    for forbidden in ("<script", "<iframe", "<object", "<embed", "<link", "<base"):
        assert forbidden not in lowered
    style = "".join(parsed.styles).lower()
    assert "url(" not in style and "@import" not in style
    return parsed


# -- listening sockets ------------------------------------------------------------------------


def test_only_127_0_0_1_listens_during_sign_in_and_nothing_after(
    stand_in: server.LocalCognito, callback_ports: list[int]
) -> None:
    before = loopback_probe.listening_sockets()
    during: list[loopback_probe.Listener] = []
    pages: list[requests.Response] = []

    def person(url: str) -> None:
        during.extend(new_listeners(before))
        pages.append(requests.get(sign_in_at_managed_login(stand_in, url), timeout=TIMEOUT))

    browser = Browser(person)
    identity = new_session(stand_in, browser).sign_in(timeout=30)
    browser.settle()

    assert identity.username == "alice"
    assert during, "no listening socket was seen during the flow"
    assert {(s.address, s.port) for s in during} == {("127.0.0.1", browser.port)}
    assert browser.port == callback_ports[0]
    assert not new_listeners(before), "a socket still listens after sign-in"
    assert loopback_probe.is_refused(browser.port)
    assert pages[0].status_code == 200
    assert_safe_page(pages[0])


# -- squatters on the registered ports ------------------------------------------------------


ANY_IPV4 = "0.0.0.0"  # noqa: S104 - a squatter on every interface, on purpose


def squat(host: str, port: int, *, reuse_port: bool = False) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    squatter = socket.socket(family, socket.SOCK_STREAM)
    if reuse_port:
        # Linux lets a second socket share the port only if both set SO_REUSEPORT;
        # the receiver never does, so it must not end up sharing with this one.
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    squatter.bind((host, port))
    squatter.listen()
    return squatter


@pytest.mark.parametrize(
    ("host", "reuse_port"),
    [("127.0.0.1", False), (ANY_IPV4, False), ("::", False), ("127.0.0.1", True)],
    ids=["127.0.0.1", "ipv4-any", "ipv6-any", "127.0.0.1-SO_REUSEPORT"],
)
def test_a_squatter_on_the_first_port_moves_sign_in_to_the_next_registered_port(
    stand_in: server.LocalCognito, callback_ports: list[int], host: str, reuse_port: bool
) -> None:
    before = loopback_probe.listening_sockets()
    during: list[loopback_probe.Listener] = []

    def person(url: str) -> None:
        during.extend(new_listeners(before))
        requests.get(sign_in_at_managed_login(stand_in, url), timeout=TIMEOUT)

    browser = Browser(person)
    with squat(host, callback_ports[0], reuse_port=reuse_port) as squatter:
        squatter.settimeout(0)
        before.extend(new_listeners(before))  # the squatter is not the receiver
        identity = new_session(stand_in, browser).sign_in(timeout=30)
        browser.settle()
        with pytest.raises(BlockingIOError):
            squatter.accept()  # the squatter never saw a connection: no redirect reached it
    assert identity.username == "alice"
    assert browser.query["redirect_uri"] == f"http://127.0.0.1:{callback_ports[1]}/callback/local"
    assert {(s.address, s.port) for s in during} == {("127.0.0.1", callback_ports[1])}


def test_with_every_registered_port_taken_sign_in_fails_naming_them_and_binds_nothing(
    stand_in: server.LocalCognito, callback_ports: list[int]
) -> None:
    browser = Browser(lambda url: None)
    squatters = [squat("127.0.0.1", port) for port in callback_ports]
    try:
        before = loopback_probe.listening_sockets()
        with pytest.raises(errors.NoFreePort) as caught:
            new_session(stand_in, browser).sign_in(timeout=30)
        assert not new_listeners(before), "the receiver bound some other port"
    finally:
        for squatter in squatters:
            squatter.close()
    assert caught.value.ports == tuple(callback_ports)
    assert all(str(port) in str(caught.value) for port in callback_ports)
    assert browser.opened == [], "the browser was sent to sign in with nowhere to come back"


# -- DNS rebinding: a web page that reaches the port under its own host name -------------


def test_foreign_host_headers_are_refused_and_the_real_callback_still_completes(
    stand_in: server.LocalCognito,
) -> None:
    statuses: dict[str, int] = {}
    forged_code = "forged-code-from-a-rebinding-page"

    def attacker_then_person(url: str) -> None:
        port = urllib.parse.urlsplit(redirect_with(url)).port
        assert port is not None
        # The page knows the state here (the strongest case): only Host can stop it.
        target = urllib.parse.urlsplit(
            redirect_with(url, code=forged_code, state=browser.query["state"])
        )
        for host in (
            "evil.example",
            f"evil.example:{port}",
            f"127.0.0.1.evil.example:{port}",
            f"localhost:{port}",  # the registered URI says 127.0.0.1, not localhost
            f"127.0.0.1:{port + 1}",
            f"127.0.0.1:{port}.evil.example",
            None,
        ):
            reply = loopback_probe.request(port, f"{target.path}?{target.query}", host=host)
            statuses[str(host)] = reply.status
        requests.get(sign_in_at_managed_login(stand_in, url), timeout=TIMEOUT)

    browser = Browser(attacker_then_person)
    current = new_session(stand_in, browser)
    exchanges = CountingExchange(current)
    identity = current.sign_in(timeout=30)
    browser.settle()
    assert identity.username == "alice"
    assert set(statuses.values()) == {400}, statuses
    assert len(exchanges.codes) == 1 and forged_code not in exchanges.codes


# -- reflected XSS -----------------------------------------------------------------------------

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg/onload=alert(1)>",
    "</code></p><iframe src=//evil.example></iframe>",
    "javascript:alert(1)",
    "&lt;script&gt;alert(1)&lt;/script&gt;",  # already entity-encoded: must not be decoded
    "<a href=https://evil.example/phish>Click here to continue</a>",
    "${title}$error<style>@import url(//evil.example)</style>",  # template placeholders
]
STATE = "st4te-for-the-xss-tests-Zk3pQ9wXyL0aBcDe"


@pytest.fixture
def receiver() -> Iterator[tuple[loopback.LoopbackReceiver, int]]:
    port = loopback_probe.free_port()
    with loopback.LoopbackReceiver(
        [f"http://127.0.0.1:{port}/callback"], expected_state=STATE
    ) as bound:
        yield bound, port


def fetch(port: int, path: str, **params: str) -> loopback_probe.Reply:
    return loopback_probe.request(port, f"{path}?{urllib.parse.urlencode(params)}")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_xss_in_the_reflected_error_and_description_comes_back_escaped(
    receiver: tuple[loopback.LoopbackReceiver, int], payload: str
) -> None:
    bound, port = receiver
    reply = fetch(port, "/callback", error=payload, error_description=payload, state=STATE)
    assert reply.status == 400
    parsed = assert_safe_page(reply)
    assert payload not in reply.text or html.escape(payload) == payload
    assert reply.text.count(html.escape(payload)) == 2  # both reflected, both escaped
    template = ExternalLoads()
    template.feed((loopback.default_pages_dir() / loopback_pages.ERROR_PAGE).read_text())
    assert parsed.tags == template.tags, "the payload added markup to the page"
    with pytest.raises(errors.AuthorizationDenied) as caught:
        bound.wait(5)
    assert caught.value.error == payload  # the app shows it as text, in full


@pytest.mark.parametrize("payload", PAYLOADS)
def test_xss_in_any_other_parameter_or_the_path_is_never_reflected(
    receiver: tuple[loopback.LoopbackReceiver, int], payload: str
) -> None:
    _bound, port = receiver
    quoted = urllib.parse.quote(payload, safe="")
    replies = [
        fetch(port, "/callback", code=payload, state=payload),  # state mismatch page
        fetch(port, "/callback", code="c", state=STATE + "x", extra=payload),
        fetch(port, "/callback", error="e", state=payload, error_description=payload),
        loopback_probe.request(port, f"/{quoted}?code={quoted}&state={STATE}"),  # 404
        loopback_probe.request(port, f"/callback?code={quoted}&state={STATE}", host=payload),
    ]
    for reply in replies:
        assert reply.status in (400, 404)
        assert_safe_page(reply)
        assert payload not in reply.text
        assert html.escape(payload) not in reply.text or html.escape(payload) == payload


# -- stalled connections ---------------------------------------------------------------------


def test_stalled_connections_do_not_delay_the_real_callback(stand_in: server.LocalCognito) -> None:
    took: list[float] = []
    held: list[socket.socket] = []

    def stall_then_sign_in(url: str) -> None:
        port = urllib.parse.urlsplit(redirect_with(url)).port
        assert port is not None
        held.append(socket.create_connection(("127.0.0.1", port)))  # connects, says nothing
        partial = socket.create_connection(("127.0.0.1", port))
        partial.sendall(b"GET /callback?code=stalled&state=")  # half a request, forever
        held.append(partial)
        callback = sign_in_at_managed_login(stand_in, url)
        started = time.monotonic()
        assert requests.get(callback, timeout=TIMEOUT).status_code == 200
        took.append(time.monotonic() - started)

    browser = Browser(stall_then_sign_in)
    started = time.monotonic()
    try:
        identity = new_session(stand_in, browser).sign_in(timeout=30)
        browser.settle()
    finally:
        for conn in held:
            conn.close()
    assert identity.username == "alice"
    assert took[0] < 1.0, f"the callback took {took[0]:.2f} s behind the stalled connections"
    assert time.monotonic() - started < 4.0  # well under the 5 s per-connection timeout


# -- replay ----------------------------------------------------------------------------------


def test_a_callback_replayed_in_the_same_flow_is_refused_without_a_second_exchange(
    stand_in: server.LocalCognito,
) -> None:
    replays: list[str] = []

    def person_then_replay(url: str) -> None:
        callback = sign_in_at_managed_login(stand_in, url)
        assert requests.get(callback, timeout=TIMEOUT).status_code == 200
        try:
            replays.append(str(requests.get(callback, timeout=TIMEOUT).status_code))
        except requests.ConnectionError:
            replays.append("connection refused")  # the port was already closed

    browser = Browser(person_then_replay)
    current = new_session(stand_in, browser)
    exchanges = CountingExchange(current)
    current.sign_in(timeout=30)
    browser.settle()
    assert replays in (["400"], ["connection refused"])
    assert len(exchanges.codes) == 1


def test_an_old_callback_replayed_into_a_new_sign_in_is_refused_and_ignored(
    stand_in: server.LocalCognito,
) -> None:
    old: list[str] = []

    def person(url: str) -> None:
        old.append(sign_in_at_managed_login(stand_in, url))
        requests.get(old[-1], timeout=TIMEOUT)

    first = Browser(person)
    new_session(stand_in, first).sign_in(timeout=30)
    first.settle()
    answered: list[int] = []

    def replayer(url: str) -> None:
        answered.append(requests.get(old[0], timeout=TIMEOUT).status_code)

    second = Browser(replayer)
    current = new_session(stand_in, second)
    exchanges = CountingExchange(current)
    with pytest.raises(errors.SignInTimeout):  # the replay did not end it; nothing else came
        current.sign_in(timeout=2)
    second.settle()
    assert answered == [400]
    assert exchanges.codes == []
    assert current.store.load() is None and current.identity is None


# -- the port closes with every outcome ------------------------------------------------------


def _sign_in(stand_in: server.LocalCognito, url: str) -> str:
    return sign_in_at_managed_login(stand_in, url)


def _deny(stand_in: server.LocalCognito, url: str) -> str:
    state = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))["state"]
    return redirect_with(url, error="access_denied", error_description="declined", state=state)


def _mixed_up(stand_in: server.LocalCognito, url: str) -> str:
    state = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))["state"]
    return redirect_with(url, code="c", state=state, iss="https://idp.example/another-pool")


@pytest.mark.parametrize(
    ("callback", "raises", "timeout", "cancel_after"),
    [
        (_sign_in, None, 30.0, None),
        (_deny, errors.AuthorizationDenied, 30.0, None),
        (_mixed_up, errors.IssuerMismatch, 30.0, None),
        (None, errors.SignInTimeout, 0.5, None),
        (None, errors.SignInCancelled, 30.0, 0.5),
    ],
    ids=["success", "error-callback", "iss-mismatch", "timeout", "cancel"],
)
def test_the_port_is_closed_within_a_second_of_every_outcome(
    stand_in: server.LocalCognito,
    callback: Callable[[server.LocalCognito, str], str] | None,
    raises: type[Exception] | None,
    timeout: float,
    cancel_after: float | None,
) -> None:
    outcome_at: list[float] = []

    def browse(url: str) -> None:
        if callback is not None:
            target = callback(stand_in, url)
            requests.get(target, timeout=TIMEOUT)
            outcome_at.append(time.monotonic())  # the browser has its page: the flow is over

    browser = Browser(browse)
    current = new_session(stand_in, browser)
    cancel = threading.Event()

    def press_cancel() -> None:
        outcome_at.append(time.monotonic())
        cancel.set()

    if cancel_after is not None:
        threading.Timer(cancel_after, press_cancel).start()
    started = time.monotonic()
    if raises is None:
        current.sign_in(timeout=timeout, cancel=cancel)
    else:
        with pytest.raises(raises):
            current.sign_in(timeout=timeout, cancel=cancel)
    browser.settle()
    if not outcome_at:  # the timeout: its deadline is the outcome
        outcome_at.append(started + timeout)
    assert loopback_probe.seconds_until_refused(browser.port, limit=1.0) is not None
    refused_after = time.monotonic() - outcome_at[0]
    assert refused_after < 1.0, f"the port was open {refused_after:.2f} s after the outcome"
    with socket.socket() as again:  # no TIME_WAIT holds it: the next sign-in can bind it
        again.bind(("127.0.0.1", browser.port))
