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
from http.server import BaseHTTPRequestHandler
from typing import Any

import requests

from tests.support import http_server

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
        self._server = http_server.LoopbackServer(
            self._answer, protocol_version="HTTP/1.1", name="fault-proxy"
        )
        self._forward = requests.Session()
        self.start()

    @property
    def url(self) -> str:
        return self._server.url

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
        """Listen again (on the same port after :meth:`stop`)."""
        self._server.start()

    def stop(self) -> None:
        """Take the port down: connections are refused until :meth:`start`."""
        self._server.stop()

    def close(self) -> None:
        self.stop()
        self._forward.close()

    def __enter__(self) -> FaultProxy:
        return self

    def __exit__(self, *exc_info: object) -> None:
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

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path
        self.seen.append((handler.command, path.partition("?")[0]))
        body = http_server.read_body(handler)
        fault = self.fault_for(path)
        handler.close_connection = True
        if fault == "reset":
            return _reset(handler)
        if fault == "500":
            return _reply(handler, 500, "text/plain", b"Internal Server Error")
        if fault == "429-json":
            payload = {"error": "TooManyRequestsException", "error_description": "Rate exceeded"}
            return _reply(handler, 429, "application/json", json.dumps(payload).encode())
        if fault and fault.startswith("oauth-error:"):
            payload = {"error": fault.partition(":")[2]}
            return _reply(handler, 400, "application/json", json.dumps(payload).encode())
        if fault == "html":
            page = b"<html><body><h1>Sign in to the hotel Wi-Fi</h1></body></html>"
            return _reply(handler, 200, "text/html", page)
        if fault == "truncated":
            return _reply(handler, 200, "application/json", b'{"access_token": "eyJhbGciOi')
        if fault == "slow":
            time.sleep(self.delay)
        headers = {
            k: v for k, v in handler.headers.items() if k.lower() not in _HOP_BY_HOP | {"host"}
        }
        answer = self.forward(handler.command, path, headers, body)
        if fault == "reset-after-forward":
            return _reset(handler)
        content = answer.content
        if path.endswith("/.well-known/openid-configuration") and answer.status_code == 200:
            document = answer.json()
            for key in PROXIED_KEYS:
                if isinstance(document.get(key), str):
                    document[key] = document[key].replace(self.upstream, self.url)
            content = json.dumps(document).encode()
        if fault == "cut":
            handler.send_response(answer.status_code)
            handler.send_header("Content-Type", answer.headers.get("Content-Type", ""))
            handler.send_header("Content-Length", str(len(content)))
            handler.end_headers()
            handler.wfile.write(content[: len(content) // 2])
            handler.wfile.flush()
            return _reset(handler)
        extra = [
            (k, v)
            for k, v in answer.headers.items()
            if k.lower() not in _HOP_BY_HOP | {"date", "server"}
        ]
        return _reply(handler, answer.status_code, None, content, extra)


def _reply(
    handler: BaseHTTPRequestHandler,
    status: int,
    content_type: str | None,
    body: bytes,
    extra: list[tuple[str, str]] | None = None,
) -> None:
    handler.send_response(status)
    if content_type is not None:
        handler.send_header("Content-Type", content_type)
    for name, value in extra or []:
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.send_header("Connection", "close")
    handler.end_headers()
    handler.wfile.write(body)


def _reset(handler: BaseHTTPRequestHandler) -> None:
    with contextlib.suppress(OSError):
        handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _RESET)
        handler.connection.close()
