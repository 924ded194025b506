"""Loopback redirect receiver for the authorization code flow (RFC 8252 sections 7.3, 8.3).

:class:`LoopbackReceiver` binds the first free registered ``redirect_uris`` entry on
127.0.0.1, serves it from a daemon thread and hands the browser's redirect back to the
caller of :meth:`LoopbackReceiver.wait`. The first redirect that carries ``code`` or
``error`` ends the flow, whatever its verdict; anything later is answered with the error
page and ignored (a replay).

What a redirect becomes is :func:`desktop_app.auth.authorization.parse_authorization_response`'s
rule (the paste-back path uses the same): a :class:`CallbackResult`, or
:class:`~desktop_app.errors.StateMismatch`, :class:`~desktop_app.errors.AuthorizationDenied`
or a plain :class:`~desktop_app.errors.SignInError` for a malformed response. The HTTP side
(which requests are answered how, and closing sockets without TIME_WAIT) is
:mod:`desktop_app.auth.loopback_server`; the pages are :mod:`desktop_app.auth.loopback_pages`.
"""

from __future__ import annotations

import dataclasses
import logging
import queue
import secrets
import socket
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from desktop_app import errors, resources, urls
from desktop_app.auth import loopback_pages, loopback_server

log = logging.getLogger(__name__)

# How often wait() looks at ``cancel`` (and at close() from another thread).
_POLL = 0.05


@dataclasses.dataclass(frozen=True)
class CallbackResult:
    """A successful redirect: the authorization code and the redirect URI it was sent to."""

    code: str
    redirect_uri: str  # the one that was bound; the token request must repeat it exactly

    def __repr__(self) -> str:
        return f"CallbackResult(code=<redacted>, redirect_uri={self.redirect_uri!r})"


def default_pages_dir() -> Path:
    """The app's ``resources/``: at the top of a source checkout, or in a packaged build."""
    return resources.directory()


class _Listener:
    """Binds the first free of ``uris`` on 127.0.0.1 and serves it until closed.

    Use as a context manager: entering binds (trying ``uris`` in order), leaving always
    closes the port. It is single-use.
    """

    def __init__(
        self,
        uris: Sequence[str],
        route: Callable[[urls.LoopbackRedirect, loopback_pages.Pages], loopback_server.Route],
        *,
        connection_timeout: float,
        pages_dir: Path | None,
    ) -> None:
        if isinstance(uris, str):
            raise ValueError("redirect_uris must be a list of URIs, not one string")
        self._endpoints = tuple(_endpoint(uri) for uri in uris)
        if not self._endpoints:
            raise ValueError("redirect_uris is empty")
        if not connection_timeout > 0:
            raise ValueError("connection_timeout must be positive")
        self._route = route
        self._connection_timeout = connection_timeout
        self._pages = loopback_pages.Pages.load(
            pages_dir if pages_dir is not None else default_pages_dir()
        )
        self._results: queue.SimpleQueue[loopback_server.Outcome] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._server: loopback_server.Server | None = None
        self._thread: threading.Thread | None = None
        self._wake_r: socket.socket | None = None  # close() writes to _wake_w to stop serving
        self._wake_w: socket.socket | None = None
        self._closed = False

    def __enter__(self) -> Self:
        with self._lock:
            if self._server is not None or self._closed:
                raise RuntimeError("a loopback receiver can be entered only once")
            for endpoint in self._endpoints:
                route = self._route(endpoint, self._pages)
                try:
                    server = loopback_server.Server(
                        route, self._results.put, self._connection_timeout
                    )
                except OSError as exc:
                    log.debug("loopback: port %d not available (%s)", endpoint.port, exc)
                    continue
                self._server = server
                self._wake_r, self._wake_w = socket.socketpair()
                self._thread = threading.Thread(
                    target=loopback_server.serve_until_woken,
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

    def _bound(self) -> loopback_server.Server:
        if self._server is None:
            raise RuntimeError("the receiver is not bound; enter it first")
        return self._server

    def _wait(
        self, timeout: float, cancel: threading.Event | None, late: str
    ) -> loopback_server.Outcome:
        """The route's outcome; closes the port whatever happens. ``late`` is the
        :class:`~desktop_app.errors.SignInTimeout` message."""
        self._bound()
        deadline = time.monotonic() + timeout
        try:
            while True:
                if (cancel is not None and cancel.is_set()) or self._closed:
                    raise errors.SignInCancelled("sign-in was cancelled")
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise errors.SignInTimeout(late)
                try:
                    return self._results.get(timeout=min(remaining, _POLL))
                except queue.Empty:
                    continue
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


class LoopbackReceiver(_Listener):
    """Receives one authorization response on a registered loopback redirect URI.

    Use as a context manager: entering binds (trying ``redirect_uris`` in order),
    leaving always closes the port. It is single-use. ``expected_issuer``: the
    profile's issuer, which an ``iss`` in the response must equal (RFC 9207).
    """

    def __init__(
        self,
        redirect_uris: Sequence[str],
        *,
        expected_state: str,
        expected_issuer: str | None = None,
        connection_timeout: float = 5.0,
        pages_dir: Path | None = None,
    ) -> None:
        if not expected_state:
            raise ValueError("expected_state is empty")

        def route(endpoint: urls.LoopbackRedirect, pages: loopback_pages.Pages) -> Any:
            return loopback_server.Route(endpoint, expected_state, pages, expected_issuer)

        super().__init__(
            redirect_uris, route, connection_timeout=connection_timeout, pages_dir=pages_dir
        )

    @property
    def redirect_uri(self) -> str:
        """The redirect URI that was bound; send exactly this one to the token endpoint."""
        return self._bound().route.endpoint.uri

    def start_link(self, target: str) -> str:
        """A one-time URL on this port that answers 302 to ``target`` (the authorize URL),
        once. Open the browser on it: a browser's command line is readable by every local
        user, and ``target`` carries this attempt's state, nonce and challenge."""
        server = self._bound()
        path = loopback_server.START_PREFIX + secrets.token_urlsafe(32)
        server.set_start_link(path, target)
        endpoint = server.route.endpoint
        return f"http://{endpoint.host}:{endpoint.port}{path}"

    def wait(self, timeout: float, cancel: threading.Event | None = None) -> CallbackResult:
        """Block until the redirect arrives, then close the port and return or raise.

        Raises :class:`~desktop_app.errors.SignInTimeout` after ``timeout`` seconds,
        :class:`~desktop_app.errors.SignInCancelled` within ``_POLL`` seconds of ``cancel``
        being set (or of :meth:`close` from another thread), and the redirect's own error
        otherwise (see the module docstring).
        """
        redirect_uri = self.redirect_uri
        outcome = self._wait(
            timeout,
            cancel,
            f"no sign-in response came back from the browser within {timeout:g} seconds; try again",
        )
        if isinstance(outcome, str):
            return CallbackResult(code=outcome, redirect_uri=redirect_uri)
        raise outcome


class SignOutReceiver(_Listener):
    """Waits for the browser to arrive at the sign-out URI after managed login's
    ``/logout`` (which redirects there without parameters), and shows it the
    "You are signed out" page."""

    def __init__(
        self, logout_uri: str, *, connection_timeout: float = 5.0, pages_dir: Path | None = None
    ) -> None:
        def route(endpoint: urls.LoopbackRedirect, pages: loopback_pages.Pages) -> Any:
            return loopback_server.Route(endpoint, "", pages, kind=loopback_server.Kind.SIGNED_OUT)

        super().__init__(
            [logout_uri], route, connection_timeout=connection_timeout, pages_dir=pages_dir
        )

    def wait(self, timeout: float, cancel: threading.Event | None = None) -> None:
        """Return when the browser arrived; :class:`~desktop_app.errors.SignInTimeout`
        or :class:`~desktop_app.errors.SignInCancelled` as for a sign-in."""
        outcome = self._wait(
            timeout,
            cancel,
            f"the browser did not come back from signing out within {timeout:g} seconds",
        )
        if not isinstance(outcome, str):
            raise outcome


def _endpoint(uri: str) -> urls.LoopbackRedirect:
    endpoint = urls.parse_loopback_redirect(uri)
    if endpoint is None:
        raise ValueError(
            f"redirect URI {uri!r} must be http://127.0.0.1:PORT/PATH with an explicit port"
        )
    return endpoint
