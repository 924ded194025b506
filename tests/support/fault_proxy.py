"""A reverse proxy on 127.0.0.1 that passes requests to a real server or fails them on cue.

Put it in front of the stand-in or the protected API and tell it, per path prefix,
how to misbehave: ``"500"``, ``"429-json"`` (a throttle with an OAuth-style JSON
body), ``"oauth-error:CODE"`` (400 ``{"error": CODE}``), ``"html"`` (a 200
captive-portal page), ``"truncated"`` (JSON cut short),
``"cut"`` (half a body, then a reset), ``"reset"`` (a reset before any answer),
``"reset-after-forward"`` (the server did the work, the answer is lost), ``"slow"``
(answers after :attr:`FaultProxy.delay` seconds). :meth:`FaultProxy.stop` takes the
port down altogether; :meth:`FaultProxy.start` brings it back on the same port.

A discovery document passing through has the endpoints in :data:`PROXIED_KEYS`
pointed at the proxy (the issuer and the browser's authorize URL are left alone).
"""

from __future__ import annotations

import contextlib
import json
import socket
import struct
import threading
import time
from http import server as http_server
from types import TracebackType
from typing import Any

import requests

Fault = str
PROXIED_KEYS = ("token_endpoint", "jwks_uri", "revocation_endpoint", "userinfo_endpoint")
_HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding"}
)
_RESET = struct.pack("ii", 1, 0)  # SO_LINGER on, 0 s: close() sends RST


class FaultProxy:
    def __init__(self, upstream: str, *, delay: float = 2.5) -> None:
        self.upstream = upstream.rstrip("/")
        self.delay = delay
        self.seen: list[tuple[str, str]] = []  # (method, path) of every request
        self._faults: dict[str, Fault] = {}
        self._lock = threading.Lock()
        self._server: http_server.ThreadingHTTPServer | None = None
        self._port = 0
        self._forward = requests.Session()
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    def fault(self, prefix: str, fault: Fault) -> None:
        """Fail every request whose path starts with ``prefix`` as ``fault`` says."""
        with self._lock:
            self._faults[prefix] = fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def fault_for(self, path: str) -> Fault | None:
        with self._lock:
            for prefix, fault in self._faults.items():
                if path.startswith(prefix):
                    return fault
        return None

    def start(self) -> None:
        proxy = self

        class Handler(_Handler):
            owner = proxy

        server = http_server.ThreadingHTTPServer(("127.0.0.1", self._port), Handler)
        server.daemon_threads = True
        server.block_on_close = False
        self._port = server.server_address[1]
        self._server = server
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def close(self) -> None:
        self.stop()
        self._forward.close()

    def __enter__(self) -> FaultProxy:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def forward(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Any:
        return self._forward.request(
            method,
            self.upstream + path,
            headers=headers,
            data=body or None,
            allow_redirects=False,
            timeout=10,
        )


class _Handler(http_server.BaseHTTPRequestHandler):
    owner: FaultProxy
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # request lines carry codes and tokens; nothing is printed

    def _any(self) -> None:
        owner = self.owner
        path = self.path
        owner.seen.append((self.command, path.partition("?")[0]))
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        fault = owner.fault_for(path)
        self.close_connection = True
        if fault == "reset":
            return self._reset()
        if fault == "500":
            return self._reply(500, "text/plain", b"Internal Server Error")
        if fault == "429-json":
            payload = {"error": "TooManyRequestsException", "error_description": "Rate exceeded"}
            return self._reply(429, "application/json", json.dumps(payload).encode())
        if fault and fault.startswith("oauth-error:"):
            payload = {"error": fault.partition(":")[2]}
            return self._reply(400, "application/json", json.dumps(payload).encode())
        if fault == "html":
            page = b"<html><body><h1>Sign in to the hotel Wi-Fi</h1></body></html>"
            return self._reply(200, "text/html", page)
        if fault == "truncated":
            return self._reply(200, "application/json", b'{"access_token": "eyJhbGciOi')
        if fault == "slow":
            time.sleep(owner.delay)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP | {"host"}}
        answer = owner.forward(self.command, path, headers, body)
        if fault == "reset-after-forward":
            return self._reset()
        content = answer.content
        if path.endswith("/.well-known/openid-configuration") and answer.status_code == 200:
            document = answer.json()
            for key in PROXIED_KEYS:
                if isinstance(document.get(key), str):
                    document[key] = document[key].replace(owner.upstream, owner.url)
            content = json.dumps(document).encode()
        if fault == "cut":
            self.send_response(answer.status_code)
            self.send_header("Content-Type", answer.headers.get("Content-Type", ""))
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content[: len(content) // 2])
            self.wfile.flush()
            return self._reset()
        extra = [
            (k, v)
            for k, v in answer.headers.items()
            if k.lower() not in _HOP_BY_HOP | {"date", "server"}
        ]
        return self._reply(answer.status_code, None, content, extra)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _any  # noqa: N815

    def _reply(
        self,
        status: int,
        content_type: str | None,
        body: bytes,
        extra: list[tuple[str, str]] | None = None,
    ) -> None:
        self.send_response(status)
        if content_type is not None:
            self.send_header("Content-Type", content_type)
        for name, value in extra or []:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def _reset(self) -> None:
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _RESET)
            self.connection.close()
