"""One threaded test HTTP server on loopback, for every test double that speaks HTTP.

:class:`LoopbackServer` runs a :class:`http.server.ThreadingHTTPServer` on
``127.0.0.1`` in a daemon thread and hands every request to one ``answer(handler)``
function (``handler.command`` is the method). It is quiet (no access log on stderr,
no traceback when a client hangs up, which several tests do on purpose), can wrap
its socket in TLS, can restart on the same port, and is a context manager.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
from collections.abc import Callable
from http import server as http_server
from typing import Any

Answer = Callable[[http_server.BaseHTTPRequestHandler], None]
METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS")


class LoopbackServer:
    """See the module docstring. ``port=0`` picks a free port; after :meth:`stop`,
    :meth:`start` binds the same port again (for "the server came back" tests)."""

    def __init__(
        self,
        answer: Answer,
        *,
        port: int = 0,
        tls: ssl.SSLContext | None = None,
        protocol_version: str = "HTTP/1.0",
        name: str = "test-http",
    ) -> None:
        self._answer = answer
        self._port = port
        self._tls = tls
        self._protocol_version = protocol_version
        self._name = name
        self._server: http_server.ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        assert self._port, "start the server first"
        return self._port

    @property
    def url(self) -> str:
        """``http(s)://127.0.0.1:PORT`` (no trailing slash)."""
        return f"{'https' if self._tls else 'http'}://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> LoopbackServer:
        answer = self._answer

        class Handler(http_server.BaseHTTPRequestHandler):
            protocol_version = self._protocol_version

            def handle_one_request(self) -> None:
                # The client giving up mid-answer is what several tests do on purpose.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    super().handle_one_request()

            def log_message(self, format: str, *args: Any) -> None:
                pass  # requests may carry codes and tokens; keep test output clean

        for method in METHODS:
            setattr(Handler, f"do_{method}", lambda handler: answer(handler))

        class Server(http_server.ThreadingHTTPServer):
            daemon_threads = True
            block_on_close = False

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # clients that give up (timeouts, refused certificates) are the point

        server = Server(("127.0.0.1", self._port), Handler)
        if self._tls is not None:
            server.socket = self._tls.wrap_socket(server.socket, server_side=True)
        self._port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, args=(0.05,), name=self._name, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> LoopbackServer:
        return self if self.running else self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def reply_json(
    handler: http_server.BaseHTTPRequestHandler,
    status: int,
    body: bytes,
    *,
    content_type: str = "application/json",
    headers: dict[str, str] | None = None,
) -> None:
    """Answer ``status`` with ``body`` and a correct Content-Length."""
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    for key, value in (headers or {}).items():
        handler.send_header(key, value)
    handler.end_headers()
    handler.wfile.write(body)


def read_body(handler: http_server.BaseHTTPRequestHandler) -> bytes:
    """The request body, by Content-Length (empty when there is none)."""
    length = int(handler.headers.get("Content-Length") or 0)
    return handler.rfile.read(length) if length > 0 else b""


def closed_port() -> int:
    """A loopback port nothing listens on (bound once, then released): connecting to
    it is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port
