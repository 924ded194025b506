"""Request ids, and one access-log line per request without its query string."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest

from protected_api import access_log
from tests.unit.protected_api import stubs

NEW_ID = re.compile(r"[0-9a-f]{32}")


@pytest.mark.parametrize(
    "value",
    [b"abc", b"A-Z_a.z-09", b"x" * 64],
)
def test_a_safe_request_id_is_reused(value: bytes) -> None:
    assert access_log.request_id_from([(b"x-request-id", value)]) == value.decode()


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param([], id="none"),
        pytest.param([(b"x-request-id", b"")], id="empty"),
        pytest.param([(b"x-request-id", b"x" * 65)], id="too-long"),
        pytest.param([(b"x-request-id", b"a b")], id="space"),
        pytest.param([(b"x-request-id", b"a\r\nSet-Cookie: x")], id="header-injection"),
        pytest.param([(b"x-request-id", "é".encode())], id="not-ascii"),
        pytest.param([(b"x-correlation-id", b"abc")], id="other-header"),
    ],
)
def test_anything_else_gets_a_new_id(headers: list[tuple[bytes, bytes]]) -> None:
    assert NEW_ID.fullmatch(access_log.request_id_from(headers))


def serve(scope: dict[str, Any], status: int = 204) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Run one request through the middleware; the messages sent, and the scope the app saw."""
    seen: dict[str, Any] = {}
    sent: list[dict[str, Any]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.update(scope)
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: Any) -> None:
        sent.append(message)

    stubs.run_async(access_log.AccessLog(app)(scope, receive, send))
    return sent, seen


def test_one_line_per_request_without_the_query_string(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="protected_api.access")
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/me",
        "query_string": b"access_token=secret",
        "headers": [(b"x-request-id", b"req-1"), (b"authorization", b"Bearer secret")],
    }
    sent, seen = serve(scope, status=401)
    assert seen["state"]["request_id"] == "req-1"
    assert (b"x-request-id", b"req-1") in sent[0]["headers"]
    [line] = [r.getMessage() for r in caplog.records if r.name == "protected_api.access"]
    assert re.fullmatch(r"GET /me 401 \d+\.\dms req-1", line)
    assert "secret" not in caplog.text


def test_other_scopes_pass_through_untouched(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="protected_api.access")
    sent, seen = serve({"type": "lifespan"})
    assert "state" not in seen
    assert sent[0]["headers"] == []
    assert not [r for r in caplog.records if r.name == "protected_api.access"]


def test_a_request_that_crashes_is_logged_as_500(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="protected_api.access")

    async def crash(scope: Any, receive: Any, send: Any) -> None:
        raise RuntimeError("a bug")

    scope = {"type": "http", "method": "POST", "path": "/admin/users", "headers": []}
    with pytest.raises(RuntimeError):
        stubs.run_async(access_log.AccessLog(crash)(scope, None, None))  # type: ignore[arg-type]
    [line] = [r.getMessage() for r in caplog.records if r.name == "protected_api.access"]
    assert line.startswith("POST /admin/users 500 ")


# -- lines that cannot be forged ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("/me", "/me"),
        ("/admin/users/zo\u00eb/\u65e5\u672c", "/admin/users/zo\u00eb/\u65e5\u672c"),  # readable
        ("a\nb", "a\\nb"),
        ("a\r\nb", "a\\r\\nb"),
        ("a\tb", "a\\tb"),
        ("\x1b[2J\x1b]0;title\x07", "\\x1b[2J\\x1b]0;title\\x07"),
        ("\x00\x0b\x0c\x1c\x1d\x1e\x1f\x7f", "\\x00\\x0b\\x0c\\x1c\\x1d\\x1e\\x1f\\x7f"),
        ("\x85\x9b", "\\x85\\x9b"),  # C1: NEL, CSI
        ("a\u2028b\u2029c", "a\\u2028b\\u2029c"),
        ("\u202eevil\u202c", "\\u202eevil\\u202c"),  # bidirectional controls
        ("\u2066x\u2069 \u200f\u061c", "\\u2066x\\u2069 \\u200f\\u061c"),
        ("\ud800", "\\ud800"),  # a lone surrogate: not even encodable
        ("a\\nb", "a\\\\nb"),  # a real backslash stays apart from the escapes
    ],
    ids=repr,
)
def test_escape_writes_every_line_breaking_or_terminal_character_as_an_escape(
    text: str, escaped: str
) -> None:
    assert access_log.escape(text) == escaped
    assert len(access_log.escape(text).splitlines()) <= 1
    access_log.escape(text).encode("utf-8")  # whatever went in, it can be written


def test_a_path_with_a_newline_cannot_forge_a_second_access_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="protected_api.access")
    # What uvicorn puts in the scope for GET /me%0AGET%20/admin/users%20200%200.1ms%20abc
    forged = "/me\nGET /admin/users 200 0.1ms abc"
    serve({"type": "http", "method": "GET", "path": forged, "headers": []}, status=401)
    [line] = [r.getMessage() for r in caplog.records if r.name == "protected_api.access"]
    assert line.splitlines() == [line]
    assert re.fullmatch(
        r"GET /me\\nGET /admin/users 200 0\.1ms abc 401 \d+\.\dms [0-9a-f]{32}", line
    )


def test_a_method_is_escaped_too(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="protected_api.access")
    serve({"type": "http", "method": "GET\r\nX", "path": "/", "headers": []})
    [line] = [r.getMessage() for r in caplog.records if r.name == "protected_api.access"]
    assert line.startswith("GET\\r\\nX / 204 ")
