"""Serve the API with uvicorn on loopback, in a thread (tests, cognito-local) or as main.

:func:`http_options` are the uvicorn settings every way of serving the API uses: the
HTTP parser, and a bound on what it buffers of a request head (request line and
headers) still arriving, :data:`protected_api.request_limits.MAX_REQUEST_HEAD_BYTES`,
sized so that a token at Cognito's quotas fits. (Once the head is parsed, the app's
:class:`~protected_api.request_limits.RequestLimits` checks its size exactly.)
uvicorn's two parsers differ here: h11 refuses an incomplete head over
``h11_max_incomplete_event_size`` (16 KiB by default, less than such a token), and
httptools, the one ``uvicorn[standard]`` brings, has no bound at all (it buffers a
header line of any length, copying it on every read). So with httptools the API
serves :class:`HeadLimitedHttpToolsProtocol`, which counts the head's bytes itself.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import threading
import time
from types import TracebackType
from typing import Any

import fastapi
import uvicorn

from protected_api import http_errors, request_limits

try:
    from uvicorn.protocols.http import httptools_impl
except ImportError:  # uvicorn without httptools: h11 and its own bound serve
    httptools_impl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

# RFC 6585 5: the head is too large. Closed after, as h11 and httptools do for a bad head.
_HEAD_TOO_LARGE = json.dumps(
    http_errors.body(
        431,
        "the request line and headers are larger than "
        f"{request_limits.MAX_REQUEST_HEAD_BYTES} bytes",
    )
).encode("ascii")
_HEAD_TOO_LARGE_ANSWER = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
    b"content-type: application/json\r\n"
    b"content-length: " + str(len(_HEAD_TOO_LARGE)).encode("ascii") + b"\r\n"
    b"cache-control: no-store\r\n"
    b"connection: close\r\n\r\n" + _HEAD_TOO_LARGE
)


if httptools_impl is not None:

    class HeadLimitedHttpToolsProtocol(httptools_impl.HttpToolsProtocol):
        """uvicorn's httptools protocol, answering 431 and closing when a request head
        still incomplete passes :data:`~protected_api.request_limits.MAX_REQUEST_HEAD_BYTES`.

        Bytes are counted per socket read, from the read where a request begins until
        its headers are complete, so the count is right within one read: the server
        holds at most the limit and one read, however long a header line a client
        sends. A head that completes within the read that passes the limit is left
        to :class:`~protected_api.request_limits.RequestLimits`, which counts exactly.
        """

        max_head_bytes = request_limits.MAX_REQUEST_HEAD_BYTES

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._in_head = False
            self._head_bytes = 0

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._in_head, self._head_bytes = True, 0

        def on_headers_complete(self) -> None:
            self._in_head = False
            super().on_headers_complete()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if not self._in_head or self.transport.is_closing():
                return
            self._head_bytes += len(data)
            if self._head_bytes > self.max_head_bytes:
                log.info("request head over %d bytes refused (431)", self.max_head_bytes)
                self.transport.write(_HEAD_TOO_LARGE_ANSWER)
                self.transport.close()


def http_options() -> dict[str, Any]:
    """uvicorn settings for the API: its HTTP parser and the request-head bound (see the
    module docstring). ``uvicorn.run(app, **http_options(), ...)`` serves it as here."""
    protocol: type[asyncio.Protocol] | str = (
        HeadLimitedHttpToolsProtocol if httptools_impl is not None else "h11"
    )
    return {
        "http": protocol,
        "h11_max_incomplete_event_size": request_limits.MAX_REQUEST_HEAD_BYTES,
    }


class ApiServer:
    """uvicorn serving ``app`` on ``host:port`` from a daemon thread until :meth:`stop`."""

    def __init__(self, app: fastapi.FastAPI, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self._host = host
        self._port = port
        # No access log: uvicorn's includes query strings. Requests are logged by
        # path and status only, by protected_api's own middleware.
        self._config = uvicorn.Config(
            app,
            host=host,
            port=port,
            log_level="warning",
            access_log=False,
            lifespan="off",
            **http_options(),
        )
        self._server = uvicorn.Server(self._config)
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    @property
    def url(self) -> str:
        assert self._socket is not None, "not started"
        host, port = self._socket.getsockname()[:2]
        return f"http://{host}:{port}" if ":" not in host else f"http://[{host}]:{port}"

    def start(self, timeout: float = 10.0) -> ApiServer:
        """Bind (``OSError`` if the port is taken), serve, and wait until ready."""
        family = socket.AF_INET6 if ":" in self._host else socket.AF_INET
        self._socket = socket.create_server((self._host, self._port), family=family, backlog=128)
        # asyncio sets TCP_NODELAY only on sockets it creates with proto TCP;
        # without it, small responses on kept-alive connections wait ~40 ms
        # (Nagle's algorithm against the client's delayed ACK).
        self._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._socket]},
            name="protected-api",
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the protected API did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        if self._socket is not None:
            self._socket.close()
            self._socket = None

    def __enter__(self) -> ApiServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
