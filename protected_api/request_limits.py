"""How large a request may be: its head and its body, refused before routing.

:class:`RequestLimits` is a pure ASGI middleware (no per-request task, unlike
Starlette's ``BaseHTTPMiddleware``). Before routing and authentication it answers, in
the API's error shape (:func:`protected_api.http_errors.body`):

* **431** when the request line and headers are over :data:`MAX_REQUEST_HEAD_BYTES`;
* **413** at once, without reading a byte of the body, when ``Content-Length``
  declares more than the body limit (a malformed ``Content-Length`` is a 400);
* **413** while reading, when the bytes received pass the limit, however they arrive
  (chunked, with no ``Content-Length``; or a Lambda event's body, which comes whole).

The body is read (up to the limit) before the app is called and handed to it from
memory, by wrapping ``receive``, so a route that never reads its body is protected
too: no request reaches a route, or the bearer check, with more than the limit.
Refusals say ``Connection: close``: the rest of an oversized request is not read
(RFC 9110 15.5.14 lets a server close the connection).

The head check here is exact but comes after the HTTP server has parsed the head;
what the server buffers before that is bounded by :mod:`protected_api.server`.
"""

from __future__ import annotations

import collections
import json
import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from protected_api import auth, http_errors

log = logging.getLogger(__name__)

#: Default body limit (``MAX_BODY_BYTES`` overrides it, see protected_api.settings).
#: The largest body any route takes is an invitation (``POST /admin/users``), at the
#: schema's limits and Cognito's (lengths in UTF-16 units, so at most 3 UTF-8 bytes per
#: unit), sent as the desktop app sends it: compact JSON in UTF-8, nothing escaped
#: (desktop_app.api.client):
#:   groups    100 * (128 * 3 + 2 quotes + comma)   = 38,700
#:   name      2,048 * 3                             =  6,144
#:   username  128 * 3                               =    384
#:   email (254), names and punctuation              <    400
#:                                                   < 45,700 bytes.
#: 64 KiB (65,536) holds it. A client that escapes every non-ASCII character as
#: ``\uXXXX`` (6 bytes) needs up to ~90,600: raise ``MAX_BODY_BYTES`` for it.
DEFAULT_MAX_BODY_BYTES = 64 * 1024
#: Bounds a ``MAX_BODY_BYTES`` setting may take: below 1 KiB an ordinary invitation
#: fails; API Gateway's own payload quota is 10 MB.
MIN_MAX_BODY_BYTES = 1024
MAX_MAX_BODY_BYTES = 10 * 1024 * 1024

#: Longest request head (request line and every header): longer is 431 here, and the
#: HTTP server stops buffering a head still arriving near it (protected_api.server).
#: The Authorization header alone may be ``auth.MAX_AUTHORIZATION_BYTES`` (a token at
#: Cognito's quotas, ~128 KiB); 32 KiB more is room for the request line (a query with
#: a 2 KiB pagination token and a 256-character search value, percent-encoded) and the
#: other headers, twice what h11 allows a whole head by default (16 KiB).
MAX_REQUEST_HEAD_BYTES = auth.MAX_AUTHORIZATION_BYTES + 32 * 1024

# More digits than this is more than any limit here, whatever they say.
_MAX_LENGTH_DIGITS = 18


class InvalidContentLengthError(ValueError):
    """``Content-Length`` is not one non-negative decimal number (RFC 9110 8.6)."""


def declared_length(headers: list[tuple[bytes, bytes]]) -> int | None:
    """The body length ``Content-Length`` declares, ``None`` if there is none.

    Repeated headers (or a comma list) must agree, as RFC 9110 8.6 allows; anything
    else raises :class:`InvalidContentLengthError`. A number too long to matter reads
    as one past the largest limit.
    """
    values = {
        part.strip()
        for name, value in headers
        if name.lower() == b"content-length"
        for part in value.split(b",")
    }
    if not values:
        return None
    if len(values) > 1:
        raise InvalidContentLengthError("Content-Length values disagree")
    (value,) = values
    if not value.isdigit():  # bytes.isdigit: ASCII digits only
        raise InvalidContentLengthError("Content-Length is not a number")
    if len(value.lstrip(b"0")) > _MAX_LENGTH_DIGITS:
        return MAX_MAX_BODY_BYTES + 1
    return int(value)


def head_size(scope: Scope) -> int:
    """The request head's size as HTTP/1.1 writes it: the request line, every header
    line and the blank line (the bytes on the wire, give or take optional spaces)."""
    target = scope.get("raw_path") or str(scope.get("path", "")).encode("utf-8", "replace")
    query = scope.get("query_string") or b""
    request_line = len(str(scope.get("method", ""))) + 1 + len(target) + len(" HTTP/1.1\r\n")
    if query:
        request_line += 1 + len(query)
    headers = sum(len(name) + 2 + len(value) + 2 for name, value in scope.get("headers", []))
    return request_line + headers + 2


class RequestLimits:
    """ASGI middleware; see the module docstring."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        max_head_bytes: int = MAX_REQUEST_HEAD_BYTES,
    ) -> None:
        if not MIN_MAX_BODY_BYTES <= max_body_bytes <= MAX_MAX_BODY_BYTES:
            raise ValueError(f"max_body_bytes must be {MIN_MAX_BODY_BYTES}..{MAX_MAX_BODY_BYTES}")
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_head_bytes = max_head_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if head_size(scope) > self.max_head_bytes:
            log.info("request head over %d bytes refused", self.max_head_bytes)
            await _refuse(
                send,
                431,
                f"the request line and headers are larger than {self.max_head_bytes} bytes",
            )
            return
        try:
            declared = declared_length(scope.get("headers", []))
        except InvalidContentLengthError as exc:
            await _refuse(send, 400, str(exc))
            return
        if declared is not None and declared > self.max_body_bytes:
            await self._too_large(send)
            return
        received = await self._read_body(receive)
        if received is None:
            await self._too_large(send)
            return
        pending = collections.deque(received)

        async def replay() -> Message:
            # What was read, then the server's own receive (which reports a disconnect).
            return pending.popleft() if pending else await receive()

        await self.app(scope, replay, send)

    async def _read_body(self, receive: Receive) -> list[Message] | None:
        """The request's messages, its body joined into one; ``None`` past the limit.

        Only ``http.request`` messages count; a disconnect ends the reading and is
        handed on, for the app to see as it would have.
        """
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return [_request(b"".join(chunks), more=True), message] if chunks else [message]
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return [_request(b"".join(chunks), more=False)]

    async def _too_large(self, send: Send) -> None:
        log.info("request body over %d bytes refused", self.max_body_bytes)
        await _refuse(send, 413, f"the request body is larger than {self.max_body_bytes} bytes")


def _request(body: bytes, *, more: bool) -> Message:
    return {"type": "http.request", "body": body, "more_body": more}


async def _refuse(send: Send, status: int, message: str) -> None:
    """Answer ``status`` in the API's error shape and ask for the connection to close."""
    content = json.dumps(http_errors.body(status, message)).encode("ascii")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(content)).encode("ascii")),
                (b"cache-control", b"no-store"),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": content})
