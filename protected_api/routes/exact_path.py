"""Routing on the path as the client sent it, so every valid Cognito name is addressable.

Cognito's user and group names may hold any letter, mark, symbol, digit or
punctuation (``[\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+``): ``/``, ``%``, ``?``, ``#``,
``..`` included. A client quotes such a name into one path segment
(``mallory%2Fx``), but Starlette routes on the *decoded* path, where that
segment has become two: the user ``mallory/x`` could never be managed, and
``DELETE /admin/users/alice%2Fgroups%2FStaff`` (the user ``alice/groups/Staff``)
removed ``alice`` from ``Staff``.

:class:`ExactPathRoute` routes on the raw path instead: split on ``/`` first,
then each segment percent-decoded once, as strict UTF-8. A ``/`` or ``%`` inside a
segment is escaped again (``%2F``, ``%25``) before FastAPI's own matcher sees the
path, so one ``{name}`` is still one segment, and unescaped in the parameters it
finds. Nothing is normalised: ``..`` is a name, not a step up.

The raw path is ASGI's ``raw_path`` (uvicorn, Starlette's test client) or, under
Mangum, API Gateway's ``rawPath`` (payload format 2.0; not tried against a real
API Gateway). A server that gives neither is routed on the decoded path, as before.
"""

from __future__ import annotations

import re
import urllib.parse
from typing import Any

import fastapi.routing
from starlette.routing import Match
from starlette.types import Scope

_ESCAPED = re.compile("%(25|2F)")


def _raw_path(scope: Scope) -> bytes | None:
    raw = scope.get("raw_path")
    if isinstance(raw, bytes):
        return raw.split(b"?", 1)[0]  # some servers keep the query in it
    event = scope.get("aws.event")
    if isinstance(event, dict) and isinstance(event.get("rawPath"), str):
        return str(event["rawPath"]).encode("utf-8")
    return None


def _segment(raw: bytes) -> str:
    """One raw segment decoded once, with ``%`` and ``/`` escaped again."""
    text = urllib.parse.unquote_to_bytes(raw).decode("utf-8")  # strict: no U+FFFD names
    return text.replace("%", "%25").replace("/", "%2F")


def unescape(value: str) -> str:
    """A parameter as the client named it (undoes :func:`_segment`'s escapes, in one pass)."""
    return _ESCAPED.sub(lambda m: "%" if m.group(1) == "25" else "/", value)


def routing_path(scope: Scope) -> str | None:
    """The path to match on: the raw path, each segment decoded once and re-escaped;
    None when the server gave no raw path; ``""`` (matches nothing) when a segment is
    not UTF-8."""
    raw = _raw_path(scope)
    if raw is None:
        return None
    try:
        path = "/".join(_segment(part) for part in raw.split(b"/"))
    except UnicodeDecodeError:
        return ""
    root = str(scope.get("root_path", ""))
    # scope["path"] holds the root path, the raw path only if the proxy left it in.
    if root and str(scope.get("path", "")).startswith(root) and not path.startswith(root):
        path = root + path
    return path


# Where the routing path is kept in the request's scope: worked out once per request,
# not once per route tried.
_SCOPE_KEY = "protected_api.routing_path"


class ExactPathRoute(fastapi.routing.APIRoute):
    """An API route whose path parameters are the raw path's segments, each decoded once."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope.get("type") != "http":
            return super().matches(scope)
        if _SCOPE_KEY not in scope:
            scope[_SCOPE_KEY] = routing_path(scope)
        path: str | None = scope[_SCOPE_KEY]
        if path is None:
            return super().matches(scope)
        # A copy that differs only in "path": FastAPI's matcher (prefix, methods) decides.
        match, child = super().matches({**scope, "path": path})
        if match is not Match.NONE:
            params: dict[str, Any] = dict(child.get("path_params", {}))
            for name in self.param_convertors:
                if isinstance(params.get(name), str):
                    params[name] = unescape(params[name])
            child["path_params"] = params
        return match, child
