"""Loopback redirect receiver for the authorization code flow (RFC 8252 sections 7.3, 8.3).

:class:`LoopbackReceiver` binds the first free registered ``redirect_uris`` entry on
127.0.0.1, serves it from a daemon thread and hands the browser's redirect back to the
caller of :meth:`LoopbackReceiver.wait`. The first redirect that carries ``code`` or
``error`` ends the flow, whatever its verdict; anything later is answered with the error
page and ignored (a replay).

What counts as a redirect, and what it becomes:

- wrong or missing ``Host`` -> 400 (DNS-rebinding defence); a method other than GET -> 405;
  any path but the callback's (favicon, prefetch, ``/``) -> 404; a callback with neither
  ``code`` nor ``error`` -> 400. None of these ends the flow.
- ``state`` missing, repeated or different -> :class:`~desktop_app.errors.StateMismatch`,
  checked first, so a forged ``error=`` cannot pass either (RFC 6749 section 10.12).
- exactly one non-empty ``code`` and no ``error`` -> :class:`CallbackResult`.
- exactly one non-empty ``error`` and no ``code`` ->
  :class:`~desktop_app.errors.AuthorizationDenied`; its text is stripped of control
  characters and shortened, because the CLI prints it to a terminal.
- anything else (``code`` twice, ``code`` and ``error``) -> a plain
  :class:`~desktop_app.errors.SignInError` saying the response was malformed.

Nothing here logs the code, the state or a query string: only method, path and outcome.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hmac
import html
import logging
import queue
import selectors
import socket
import socketserver
import string
import struct
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Sequence
from http import HTTPStatus
from http import server as http_server
from pathlib import Path
from types import TracebackType
from typing import Any

from desktop_app import errors, resources

log = logging.getLogger(__name__)

SUCCESS_PAGE = "callback_success.html"
ERROR_PAGE = "callback_error.html"
_ERROR_FIELDS = frozenset({"title", "error", "description"})

# RFC 8252 section 8.3: listen on the loopback interface only, by IP literal.
_BIND_HOST = "127.0.0.1"
_HOSTS = frozenset({"127.0.0.1", "localhost"})
# How often wait() looks at ``cancel`` and how often serve_forever() looks at shutdown().
_POLL = 0.05
# Longest wait, after a response, for the client to close its end first (see _Server).
_LINGER = 1.0
_MAX_QUERY_FIELDS = 20
# struct linger {l_onoff=1, l_linger=0}: close() sends RST and leaves no TIME_WAIT behind.
_ABORTIVE_LINGER = struct.pack("HH" if sys.platform == "win32" else "ii", 1, 0)

_HEADERS = (
    ("Content-Type", "text/html; charset=utf-8"),
    ("Cache-Control", "no-store"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Content-Type-Options", "nosniff"),
    ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'"),
    ("Connection", "close"),
)


@dataclasses.dataclass(frozen=True)
class CallbackResult:
    """A successful redirect: the authorization code and the redirect URI it was sent to."""

    code: str
    redirect_uri: str  # the one that was bound; the token request must repeat it exactly

    def __repr__(self) -> str:
        return f"CallbackResult(code=<redacted>, redirect_uri={self.redirect_uri!r})"


_Outcome = CallbackResult | errors.SignInError


def default_pages_dir() -> Path:
    """The app's ``resources/``: at the top of a source checkout, or in a packaged build."""
    return resources.directory()


class LoopbackReceiver:
    """Receives one authorization response on a registered loopback redirect URI.

    Use as a context manager: entering binds (trying ``redirect_uris`` in order),
    leaving always closes the port. It is single-use.
    """

    def __init__(
        self,
        redirect_uris: Sequence[str],
        *,
        expected_state: str,
        connection_timeout: float = 5.0,
        pages_dir: Path | None = None,
    ) -> None:
        if isinstance(redirect_uris, str):
            raise ValueError("redirect_uris must be a list of URIs, not one string")
        self._endpoints = tuple(_Endpoint.parse(uri) for uri in redirect_uris)
        if not self._endpoints:
            raise ValueError("redirect_uris is empty")
        if not expected_state:
            raise ValueError("expected_state is empty")
        if not connection_timeout > 0:
            raise ValueError("connection_timeout must be positive")
        self._expected_state = expected_state
        self._connection_timeout = connection_timeout
        self._pages = _Pages.load(pages_dir if pages_dir is not None else default_pages_dir())
        self._results: queue.SimpleQueue[_Outcome] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._wake_r: socket.socket | None = None  # close() writes to _wake_w to stop serving
        self._wake_w: socket.socket | None = None
        self._closed = False

    def __enter__(self) -> LoopbackReceiver:
        with self._lock:
            if self._server is not None or self._closed:
                raise RuntimeError("a LoopbackReceiver can be entered only once")
            for endpoint in self._endpoints:
                route = _Route(endpoint, self._expected_state, self._pages)
                try:
                    server = _Server(route, self._results.put, self._connection_timeout)
                except OSError as exc:
                    log.debug("loopback: port %d not available (%s)", endpoint.port, exc)
                    continue
                self._server = server
                self._wake_r, self._wake_w = socket.socketpair()
                self._thread = threading.Thread(
                    target=_serve_until_woken,
                    args=(server, self._wake_r),
                    name=f"loopback-{endpoint.port}",
                    daemon=True,
                )
                self._thread.start()
                log.info("loopback: listening for %s", endpoint.uri)
                return self
        raise errors.NoFreePort([endpoint.port for endpoint in self._endpoints])

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def redirect_uri(self) -> str:
        """The redirect URI that was bound; send exactly this one to the token endpoint."""
        if self._server is None:
            raise RuntimeError("the receiver is not bound; enter it first")
        return self._server.route.endpoint.uri

    def wait(self, timeout: float, cancel: threading.Event | None = None) -> CallbackResult:
        """Block until the redirect arrives, then close the port and return or raise.

        Raises :class:`~desktop_app.errors.SignInTimeout` after ``timeout`` seconds,
        :class:`~desktop_app.errors.SignInCancelled` within ``_POLL`` seconds of ``cancel``
        being set (or of :meth:`close` from another thread), and the redirect's own error
        otherwise (see the module docstring).
        """
        if self._server is None:
            raise RuntimeError("the receiver is not bound; enter it first")
        deadline = time.monotonic() + timeout
        try:
            while True:
                if (cancel is not None and cancel.is_set()) or self._closed:
                    raise errors.SignInCancelled("sign-in was cancelled")
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise errors.SignInTimeout(
                        f"no sign-in response came back from the browser within {timeout:g} "
                        "seconds; try again"
                    )
                try:
                    outcome = self._results.get(timeout=min(remaining, _POLL))
                except queue.Empty:
                    continue
                if isinstance(outcome, CallbackResult):
                    return outcome
                raise outcome
        finally:
            self.close()

    def close(self) -> None:
        """Stop serving and close the port (and any connection still open). Idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        # Wake the serving loop at once (serve_forever would notice a shutdown
        # only at its next poll, ~50 ms later, on every sign-in).
        assert self._wake_r is not None
        assert self._wake_w is not None
        self._wake_w.send(b"x")
        thread.join()
        self._wake_r.close()
        self._wake_w.close()
        server.server_close()
        server.abort_connections()
        log.debug("loopback: closed %s", server.route.endpoint.uri)


@dataclasses.dataclass(frozen=True)
class _Endpoint:
    """One validated redirect URI and what a request to it must look like."""

    uri: str
    host: str
    port: int
    path: str

    @classmethod
    def parse(cls, uri: str) -> _Endpoint:
        parts = urllib.parse.urlsplit(uri)
        try:
            port = parts.port
        except ValueError:
            port = None
        if (
            parts.scheme != "http"
            or parts.hostname not in _HOSTS
            or not port  # an explicit port: Cognito matches callback URLs exactly
            or parts.username is not None
            or parts.query
            or parts.fragment
            or (parts.path and not parts.path.startswith("/"))
        ):
            raise ValueError(
                f"redirect URI {uri!r} must be http://127.0.0.1:PORT/PATH "
                "(or http://localhost:PORT/PATH) with an explicit port"
            )
        # A URI without a path makes the browser request "/".
        return cls(uri=uri, host=parts.hostname, port=port, path=parts.path or "/")

    @property
    def expected_host(self) -> str:
        """The ``Host`` header a browser sends for this URI (checked case-insensitively)."""
        return f"{self.host}:{self.port}"


@dataclasses.dataclass(frozen=True)
class _Pages:
    """The two HTML pages, checked at load time so a broken bundle fails before sign-in."""

    success: bytes
    error: string.Template

    @classmethod
    def load(cls, directory: Path) -> _Pages:
        if not directory.is_dir():
            raise FileNotFoundError(
                f"sign-in pages folder not found: {directory} (pass pages_dir= to the receiver)"
            )
        success = _template(directory / SUCCESS_PAGE, frozenset())
        return cls(success.substitute().encode(), _template(directory / ERROR_PAGE, _ERROR_FIELDS))

    def render_error(self, title: str, error: str, description: str) -> bytes:
        fields = {"title": title, "error": error, "description": description}
        return self.error.substitute({k: html.escape(v) for k, v in fields.items()}).encode()


def _template(path: Path, fields: frozenset[str]) -> string.Template:
    try:
        template = string.Template(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(f"sign-in page not found: {path}") from None
    if not template.is_valid() or set(template.get_identifiers()) != fields:
        wanted = ", ".join(f"${name}" for name in sorted(fields)) or "none"
        raise ValueError(f"{path}: placeholders must be exactly: {wanted}")
    return template


@dataclasses.dataclass(frozen=True)
class _Route:
    """Everything a handler thread reads; immutable, so sharing it is safe."""

    endpoint: _Endpoint
    expected_state: str
    pages: _Pages


def _serve_until_woken(server: _Server, wake: socket.socket) -> None:
    """Accept connections until a byte arrives on ``wake`` (from :meth:`close`)."""
    with selectors.DefaultSelector() as selector:
        selector.register(server.socket, selectors.EVENT_READ)
        selector.register(wake, selectors.EVENT_READ)
        while True:
            for key, _ in selector.select():
                if key.fileobj is wake:
                    return
                server.handle_request()  # readable: accepts without waiting


class _Server(http_server.ThreadingHTTPServer):
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
        self, route: _Route, deliver: Callable[[_Outcome], None], connection_timeout: float
    ) -> None:
        self.route = route
        self.connection_timeout = connection_timeout
        self._deliver = deliver
        self._claimed = False
        self._aborting = False
        self._lock = threading.Lock()
        self._drained = threading.Condition(self._lock)
        # Open connections, with the outcome each one claimed (handed off when it closes).
        self._connections: dict[socket.socket, _Outcome | None] = {}
        super().__init__((_BIND_HOST, route.endpoint.port), _Handler)

    def server_bind(self) -> None:
        if sys.platform == "win32":
            # Without it another process can bind the same port and receive our redirect.
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_EXCLUSIVEADDRUSE, 1)
        socketserver.TCPServer.server_bind(self)
        # HTTPServer.server_bind would call getfqdn(): a reverse DNS lookup that can stall.
        self.server_name, self.server_port = _BIND_HOST, self.route.endpoint.port

    def get_request(self) -> tuple[socket.socket, Any]:
        conn, address = super().get_request()
        conn.settimeout(self.connection_timeout)  # a stalled client holds only its own thread
        with self._lock:
            self._connections[conn] = None
        return conn, address

    def claim(self, conn: socket.socket, outcome: _Outcome) -> bool:
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


def _printable(text: str, limit: int) -> str:
    """``text`` without control characters (terminal escapes), at most ``limit`` chars."""
    text = "".join(ch if ch.isprintable() else "\ufffd" for ch in text)
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _evaluate(params: dict[str, list[str]], route: _Route) -> _Outcome:
    """The verdict on an authorization response (RFC 6749 sections 4.1.2, 4.1.2.1)."""
    states = params.get("state", [])
    if len(states) != 1 or not hmac.compare_digest(
        states[0].encode(), route.expected_state.encode()
    ):
        return errors.StateMismatch(
            "the sign-in response did not match this sign-in attempt (state check failed); "
            "try again"
        )
    codes, error_codes = params.get("code", []), params.get("error", [])
    descriptions = params.get("error_description", [])
    if len(codes) == 1 and codes[0] and not error_codes:
        return CallbackResult(code=codes[0], redirect_uri=route.endpoint.uri)
    if len(error_codes) == 1 and error_codes[0] and not codes and len(descriptions) <= 1:
        description = _printable(descriptions[0], 500) if descriptions else ""
        return errors.AuthorizationDenied(_printable(error_codes[0], 100), description or None)
    return errors.SignInError("the sign-in response from the browser was malformed; try again")


class _Handler(http_server.BaseHTTPRequestHandler):
    """Answers one request; touches only the immutable route and the server's handoff."""

    server: _Server
    server_version = "CognitoDesktop"
    sys_version = ""

    def _handle(self) -> None:
        route = self.server.route
        path, _, query = self.path.partition("?")
        hosts = self.headers.get_all("Host") or []
        if len(hosts) != 1 or hosts[0].strip().lower() != route.endpoint.expected_host.lower():
            self._fail(HTTPStatus.BAD_REQUEST, "unexpected Host header")
        elif self.command != "GET":
            self._fail(HTTPStatus.METHOD_NOT_ALLOWED, "method not allowed", (("Allow", "GET"),))
        elif path != route.endpoint.path:
            self._fail(HTTPStatus.NOT_FOUND, "stray request")
        else:
            self._callback(route, query)

    # http.server dispatches on do_<METHOD>; every known method gets the same checks, so
    # non-GET is a 405 (unknown methods get send_error's 501).
    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = _handle  # noqa: N815
    do_OPTIONS = do_TRACE = do_CONNECT = _handle  # noqa: N815

    def _callback(self, route: _Route, query: str) -> None:
        try:
            params = urllib.parse.parse_qs(
                query, keep_blank_values=True, max_num_fields=_MAX_QUERY_FIELDS
            )
        except ValueError:
            params = {}
        if "code" not in params and "error" not in params:
            self._fail(HTTPStatus.BAD_REQUEST, "not an authorization response")
            return
        outcome = _evaluate(params, route)
        if not self.server.claim(self.request, outcome):
            body = route.pages.render_error(
                "Sign-in already handled",
                "already_received",
                "The app already received a sign-in response; this one was ignored.",
            )
            self._send(HTTPStatus.BAD_REQUEST, body, "replayed callback, ignored")
        elif isinstance(outcome, CallbackResult):
            self._send(HTTPStatus.OK, route.pages.success, "authorization code received")
        elif isinstance(outcome, errors.AuthorizationDenied):
            body = route.pages.render_error(
                "Sign-in was refused", outcome.error, outcome.description or ""
            )
            self._send(HTTPStatus.BAD_REQUEST, body, "authorization error")
        else:
            code = (
                "invalid_state" if isinstance(outcome, errors.StateMismatch) else "invalid_request"
            )
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
        for name, value in (*_HEADERS, *extra, ("Content-Length", str(len(body)))):
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        path = getattr(self, "path", "").partition("?")[0]
        log.info("loopback: %s %.100r -> %d (%s)", self.command, path, status, outcome)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # The stock error page echoes the request line, which can hold the code.
        self.close_connection = True
        self._fail(HTTPStatus(code), "malformed request")

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass  # the request line holds the query string; _send logs path and outcome

    def log_error(self, format: str, *args: Any) -> None:
        log.debug("loopback: a connection timed out or sent an unreadable request")
