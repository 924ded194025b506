"""Canned HTTP answers on loopback, for the auth unit tests that need a real server.

:class:`CannedServer` puts a :class:`Reply` (or a function of the request path that
returns one) behind :class:`tests.support.http_server.LoopbackServer`, and records every
request path. The reply may be swapped while the server runs, and may be slow, not
JSON, or without a Content-Length: what the HTTP session, discovery and the JWKS client
must survive.
"""

from __future__ import annotations

import dataclasses
import ssl
import threading
from collections.abc import Callable
from http import server as http_server
from types import TracebackType

from tests.support.http_server import LoopbackServer


@dataclasses.dataclass
class Reply:
    """What :class:`CannedServer` answers."""

    status: int = 200
    body: bytes = b"{}"
    headers: dict[str, str] = dataclasses.field(
        default_factory=lambda: {"Content-Type": "application/json"}
    )
    delay: float = 0.0
    content_length: bool = True  # False: no Content-Length, the body ends at close


class CannedServer:
    """See the module docstring; a context manager (``url`` once entered)."""

    def __init__(
        self,
        reply: Reply | Callable[[str], Reply] | None = None,
        *,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.reply: Reply | Callable[[str], Reply] = reply or Reply()
        self.paths: list[str] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()  # ends a delayed reply at once
        self._server = LoopbackServer(self._answer, tls=tls, name="canned-http")

    @property
    def hits(self) -> int:
        with self._lock:
            return len(self.paths)

    @property
    def port(self) -> int:
        return self._server.port

    @property
    def url(self) -> str:
        return self._server.url

    def __enter__(self) -> CannedServer:
        self._server.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stopping.set()
        self._server.stop()

    def _answer(self, handler: http_server.BaseHTTPRequestHandler) -> None:
        with self._lock:
            self.paths.append(handler.path)
        reply = self.reply(handler.path) if callable(self.reply) else self.reply
        if reply.delay:
            self._stopping.wait(reply.delay)
        try:
            handler.send_response(reply.status)
            for name, value in reply.headers.items():
                handler.send_header(name, value)
            if reply.content_length:
                handler.send_header("Content-Length", str(len(reply.body)))
            handler.end_headers()
            handler.wfile.write(reply.body)
        except OSError:
            pass  # the client already gave up
