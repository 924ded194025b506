"""Serve the API with uvicorn on loopback, in a thread (tests, cognito-local) or as main."""

from __future__ import annotations

import logging
import socket
import threading
import time
from types import TracebackType

import fastapi
import uvicorn

log = logging.getLogger(__name__)


class ApiServer:
    """uvicorn serving ``app`` on ``host:port`` from a daemon thread until :meth:`stop`."""

    def __init__(self, app: fastapi.FastAPI, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self._host = host
        self._port = port
        # No access log: uvicorn's includes query strings. Requests are logged by
        # path and status only, by protected_api's own middleware.
        self._config = uvicorn.Config(
            app, host=host, port=port, log_level="warning", access_log=False, lifespan="off"
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
