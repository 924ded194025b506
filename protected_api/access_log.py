"""Request ids and one access-log line per request, without query strings or headers.

A pure ASGI middleware (no per-request task overhead): it takes the caller's
``X-Request-ID`` when it is a short safe token, else makes one, exposes it as
``request.state.request_id`` and returns it in the response header, then logs
``METHOD path status ms id`` on ``protected_api.access``. Query strings are not
logged: a misbehaving client may put a token in one.

Every request-derived text that goes into a log line (here the method and the
path, decoded from ``%0A`` and the like; the audit trail's names and actions in
:mod:`protected_api.audit`) goes through :func:`escape` first, so no request can
end a line and forge the next one, or send a terminal escape to whoever reads it.
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
# What a log line must not hold raw: C0 controls, DEL and C1 controls (NEL among them),
# U+2028 and U+2029 (line and paragraph separators: str.splitlines and JavaScript end
# a line at each), the bidirectional controls (U+061C, U+200E/F, U+202A-E, U+2066-9:
# they reorder what a terminal or browser shows), lone surrogates (not encodable), and
# the backslash itself, so that every escape in a line is one this function wrote.
_UNSAFE = re.compile(
    r"[\\\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]"
)
_SHORT = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def escape(text: str) -> str:
    """``text`` with every character a log line must not hold raw written as an escape
    (``\\n``, ``\\r``, ``\\t``, ``\\\\``, ``\\xNN``, ``\\uNNNN``); the rest, other
    non-ASCII included, unchanged. One line in, one line out, whatever ``text`` is."""
    return _UNSAFE.sub(_escaped, text)


def _escaped(match: re.Match[str]) -> str:
    character = match.group()
    short = _SHORT.get(character)
    if short is not None:
        return short
    code = ord(character)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


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
                escape(str(scope.get("method"))),
                escape(str(scope.get("path"))),
                status["code"],
                (time.perf_counter() - started) * 1000,
                request_id,
            )
