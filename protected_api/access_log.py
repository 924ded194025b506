"""Request ids and one access-log line per request, without query strings or headers.

A pure ASGI middleware (no per-request task overhead): it takes the caller's
``X-Request-ID`` when it is a short safe token, else makes one, exposes it as
``request.state.request_id`` and returns it in the response header, then logs
``METHOD path status ms id`` on ``protected_api.access``. Query strings are not
logged: a misbehaving client may put a token in one.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("protected_api.access")
HEADER = b"x-request-id"
_SAFE_ID = re.compile(rb"^[A-Za-z0-9._-]{1,64}$")


def request_id_from(headers: list[tuple[bytes, bytes]]) -> str:
    """The caller's X-Request-ID if safe to echo and log, else a fresh one."""
    for name, value in headers:
        if name == HEADER and _SAFE_ID.match(value):
            return value.decode("ascii")
    return uuid.uuid4().hex


class AccessLog:
    """ASGI middleware; see the module docstring."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_from(scope.get("headers", []))
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status: dict[str, Any] = {"code": 500}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (HEADER, request_id.encode("ascii")),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            log.info(
                "%s %s %s %.1fms %s",
                scope.get("method"),
                scope.get("path"),
                status["code"],
                (time.perf_counter() - started) * 1000,
                request_id,
            )
