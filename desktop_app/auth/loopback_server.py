"""The HTTP side of the loopback receiver: one server, one handler per request.

:class:`Server` answers on 127.0.0.1 only, one thread per connection, and hands the
first authorization response's outcome (the code, or why the sign-in failed) to the
receiver; later ones are replays and get the error page. Requests that are not an
authorization response do not end the flow:

- wrong or missing ``Host`` -> 400 (DNS-rebinding defence); a method other than GET -> 405;
  any path but the callback's (favicon, prefetch, ``/``) -> 404; a callback with neither
  ``code`` nor ``error`` -> 400.

What a response means is :func:`desktop_app.auth.authorization.parse_authorization_response`'s
call. Sockets are closed so that no TIME_WAIT is left on the port (see :class:`Server`).
Nothing here logs the code, the state or a query string: only method, path and outcome.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import hmac
import logging
import selectors
import socket
import socketserver
import struct
import sys
import threading
import time
from collections.abc import Callable
from http import HTTPStatus
from http import server as http_server
from typing import Any

from desktop_app import errors, urls
from desktop_app.auth import authorization, loopback_pages

log = logging.getLogger(__name__)

#: RFC 8252 section 8.3: listen on the loopback interface only, by IP literal.
BIND_HOST = "127.0.0.1"
# Longest wait, after a response, for the client to close its end first (see Server).
_LINGER = 1.0
# struct linger {l_onoff=1, l_linger=0}: close() sends RST and leaves no TIME_WAIT behind.
_ABORTIVE_LINGER = struct.pack("HH" if sys.platform == "win32" else "ii", 1, 0)

#: What a route comes to: the authorization code ("" for a signed-out route), or why
#: the sign-in failed.
Outcome = str | errors.SignInError

START_PREFIX = "/start/"


class Kind(enum.Enum):
    CALLBACK = "callback"  # the redirect URI of a sign-in
    SIGNED_OUT = "signed_out"  # the sign-out URI managed login's /logout redirects to


@dataclasses.dataclass(frozen=True)
class Route:
    """Everything a handler thread reads; immutable, so sharing it is safe."""

    endpoint: urls.LoopbackRedirect
    expected_state: str
    pages: loopback_pages.Pages
    expected_issuer: str | None = None
    kind: Kind = Kind.CALLBACK

    @property
    def expected_host(self) -> str:
        """The ``Host`` header a browser sends for the redirect URI (checked
        case-insensitively)."""
        return f"{self.endpoint.host}:{self.endpoint.port}"


def serve_until_woken(server: Server, wake: socket.socket) -> None:
    """Accept connections until a byte arrives on ``wake`` (the receiver's ``close()``)."""
    with selectors.DefaultSelector() as selector:
        selector.register(server.socket, selectors.EVENT_READ)
        selector.register(wake, selectors.EVENT_READ)
        while True:
            for key, _ in selector.select():
                if key.fileobj is wake:
                    return
                server.handle_request()  # readable: accepts without waiting


class Server(http_server.ThreadingHTTPServer):
    """One thread per connection, each socket with its own timeout, exclusive bind.

    Connections are closed so that TIME_WAIT never lands on our port: after a response the
    client is given a moment to close first, else (and on abort) the socket is reset.
    Otherwise, without SO_REUSEADDR, the next sign-in could not bind the port for a minute.
    A claimed result is handed off only once its connection is closed, so when ``wait()``
    returns the browser has its page and the port is free.
    """

    # Exclusive bind: no SO_REUSEADDR (on Windows it lets a second socket share a live port).
    allow_reuse_address = False
    daemon_threads = True

    def __init__(
        self, route: Route, deliver: Callable[[Outcome], None], connection_timeout: float
    ) -> None:
        self.route = route
        self.connection_timeout = connection_timeout
        self._deliver = deliver
        self._claimed = False
        self._aborting = False
        self._start: tuple[str, str] | None = None  # (path, target) of the start link
        self._start_used = False
        self._lock = threading.Lock()
        self._drained = threading.Condition(self._lock)
        # Open connections, with the outcome each one claimed (handed off when it closes).
        self._connections: dict[socket.socket, Outcome | None] = {}
        super().__init__((BIND_HOST, route.endpoint.port), _Handler)

    def server_bind(self) -> None:
        if sys.platform == "win32":
            # Without it another process can bind the same port and receive our redirect.
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_EXCLUSIVEADDRUSE, 1)
        socketserver.TCPServer.server_bind(self)
        # HTTPServer.server_bind would call getfqdn(): a reverse DNS lookup that can stall.
        self.server_name, self.server_port = BIND_HOST, self.route.endpoint.port

    def get_request(self) -> tuple[socket.socket, Any]:
        conn, address = super().get_request()
        conn.settimeout(self.connection_timeout)  # a stalled client holds only its own thread
        with self._lock:
            self._connections[conn] = None
        return conn, address

    def set_start_link(self, path: str, target: str) -> None:
        """Serve ``path`` once, as a 302 to ``target`` (the authorize URL)."""
        with self._lock:
            self._start, self._start_used = (path, target), False

    def is_start_path(self, path: str) -> bool:
        start = self._start
        return start is not None and hmac.compare_digest(path.encode(), start[0].encode())

    def use_start_link(self) -> str | None:
        """The start link's target the first time; None ever after."""
        with self._lock:
            if self._start is None or self._start_used:
                return None
            self._start_used = True
            return self._start[1]

    def claim(self, conn: socket.socket, outcome: Outcome) -> bool:
        """Record ``outcome`` for ``conn`` if no result was claimed yet (first one wins)."""
        with self._lock:
            if self._claimed:
                return False
            self._claimed = True
            self._connections[conn] = outcome
            return True

    def shutdown_request(self, request: Any) -> None:
        assert isinstance(request, socket.socket)
        peer_closed = not self._aborting and _await_peer_close(
            request, min(self.connection_timeout, _LINGER)
        )
        with self._lock:
            outcome = self._connections.pop(request, None)
            if not peer_closed:
                _make_abortive(request)
            request.close()
            self._drained.notify_all()
        if outcome is not None:
            self._deliver(outcome)

    def abort_connections(self) -> None:
        """Reset every open connection and wait (briefly) until their threads let go.

        SHUT_RD wakes a handler blocked reading from a silent client; its thread then
        closes the socket with a reset. Waiting for that means the port is really free
        when ``close()`` returns. (Not SHUT_WR: our FIN first would leave a TIME_WAIT.)
        """
        with self._lock:
            self._aborting = True
            for conn in self._connections:
                _make_abortive(conn)
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RD)
            self._drained.wait_for(
                lambda: not self._connections, min(self.connection_timeout, _LINGER)
            )

    def handle_error(self, request: Any, client_address: Any) -> None:
        # The default prints a traceback to stderr; a reset browser socket is routine.
        log.debug("loopback: connection failed (%s)", sys.exc_info()[0])


def _await_peer_close(conn: socket.socket, timeout: float) -> bool:
    """Read until the client closes its end (True) or ``timeout`` passes (False)."""
    deadline = time.monotonic() + timeout
    try:
        while (left := deadline - time.monotonic()) > 0:
            conn.settimeout(left)
            if not conn.recv(4096):
                return True
    except OSError:
        pass
    return False


def _make_abortive(conn: socket.socket) -> None:
    with contextlib.suppress(OSError):
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _ABORTIVE_LINGER)


def _evaluate(params: dict[str, list[str]], route: Route) -> Outcome:
    """The verdict on an authorization response, as a value to hand over."""
    try:
        return authorization.parse_authorization_response(
            params, expected_state=route.expected_state, expected_issuer=route.expected_issuer
        )
    except errors.SignInError as exc:
        return exc


class _Handler(http_server.BaseHTTPRequestHandler):
    """Answers one request; touches only the immutable route and the server's handoff."""

    server: Server
    server_version = "CognitoDesktop"
    sys_version = ""

    def _handle(self) -> None:
        route = self.server.route
        path, _, query = self.path.partition("?")
        hosts = self.headers.get_all("Host") or []
        if len(hosts) != 1 or hosts[0].strip().lower() != route.expected_host.lower():
            self._fail(HTTPStatus.BAD_REQUEST, "unexpected Host header")
        elif self.command != "GET":
            self._fail(HTTPStatus.METHOD_NOT_ALLOWED, "method not allowed", (("Allow", "GET"),))
        elif route.kind is Kind.CALLBACK and self.server.is_start_path(path):
            self._start_link()
        elif path != route.endpoint.path:
            self._fail(HTTPStatus.NOT_FOUND, "stray request")
        elif route.kind is Kind.SIGNED_OUT:
            self.server.claim(self.request, "")
            self._send(HTTPStatus.OK, route.pages.signed_out, "signed out in the browser")
        else:
            self._callback(route, query)

    # http.server dispatches on do_<METHOD>; every known method gets the same checks, so
    # non-GET is a 405 (unknown methods get send_error's 501).
    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = _handle  # noqa: N815
    do_OPTIONS = do_TRACE = do_CONNECT = _handle  # noqa: N815

    def _start_link(self) -> None:
        target = self.server.use_start_link()
        if target is not None:
            self._send(HTTPStatus.FOUND, b"", "start link followed", (("Location", target),))
            return
        # Opened twice: whoever opened it first (another local user who read the browser's
        # command line?) knows this attempt's state, so the attempt must not go on.
        self.server.claim(
            self.request,
            errors.SignInError(
                "the sign-in link was opened twice, so this sign-in was stopped for safety; "
                "try again"
            ),
        )
        body = self.server.route.pages.render_error(
            "Sign-in link already used",
            "link_reused",
            "This one-time sign-in link was already opened. Start the sign-in again from the app.",
        )
        self._send(HTTPStatus.GONE, body, "start link reused; sign-in stopped")

    def _callback(self, route: Route, query: str) -> None:
        params = authorization.query_parameters(query)
        if not authorization.is_authorization_response(params):
            self._fail(HTTPStatus.BAD_REQUEST, "not an authorization response")
            return
        outcome = _evaluate(params, route)
        if isinstance(outcome, errors.StateMismatch):
            # Not this attempt's response (forged, stale, or another attempt's): say so,
            # and keep waiting for the real one until the timeout.
            body = route.pages.render_error("Sign-in not completed", "invalid_state", str(outcome))
            self._send(HTTPStatus.BAD_REQUEST, body, "invalid_state, ignored")
            return
        if not self.server.claim(self.request, outcome):
            body = route.pages.render_error(
                "Sign-in already handled",
                "already_received",
                "The app already received a sign-in response; this one was ignored.",
            )
            self._send(HTTPStatus.BAD_REQUEST, body, "replayed callback, ignored")
        elif isinstance(outcome, str):
            self._send(HTTPStatus.OK, route.pages.success, "authorization code received")
        elif isinstance(outcome, errors.AuthorizationDenied):
            body = route.pages.render_error(
                "Sign-in was refused", outcome.error, outcome.description or ""
            )
            self._send(HTTPStatus.BAD_REQUEST, body, "authorization error")
        else:
            mixed_up = isinstance(outcome, errors.IssuerMismatch)
            code = "invalid_issuer" if mixed_up else "invalid_request"
            body = route.pages.render_error("Sign-in not completed", code, str(outcome))
            self._send(HTTPStatus.BAD_REQUEST, body, code)

    def _fail(
        self, status: HTTPStatus, outcome: str, extra: tuple[tuple[str, str], ...] = ()
    ) -> None:
        body = self.server.route.pages.render_error(
            status.phrase, f"http_{status.value}", status.description
        )
        self._send(status, body, outcome, extra)

    def _send(
        self,
        status: HTTPStatus,
        body: bytes,
        outcome: str,
        extra: tuple[tuple[str, str], ...] = (),
    ) -> None:
        self.send_response(status)
        for name, value in (*loopback_pages.HEADERS, *extra, ("Content-Length", str(len(body)))):
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        path = getattr(self, "path", "").partition("?")[0]
        if path.startswith(START_PREFIX):
            path = START_PREFIX + "<redacted>"  # a used link is harmless, a fresh one is not
        log.info("loopback: %s %.100r -> %d (%s)", self.command, path, status, outcome)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # The stock error page echoes the request line, which can hold the code.
        self.close_connection = True
        self._fail(HTTPStatus(code), "malformed request")

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass  # the request line holds the query string; _send logs path and outcome

    def log_error(self, format: str, *args: Any) -> None:
        log.debug("loopback: a connection timed out or sent an unreadable request")
