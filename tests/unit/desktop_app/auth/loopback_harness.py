"""Talking to a loopback receiver from its tests: its redirect URIs and callbacks.

The receiver under test expects :data:`STATE` (the conftest's ``receiver`` fixture);
requests go out through :mod:`tests.support.loopback_probe`, which can send any
``Host`` and method.
"""

from __future__ import annotations

from tests.support.loopback_probe import Reply, request
from tests.unit.desktop_app.auth.authorization_responses import STATE

CODE = "c0de-8f14e45f-ceea-467f-a0e6-b0b9b5e1e3a1"

__all__ = ["CODE", "STATE", "callback", "ok_query", "uri"]


def uri(port: int, path: str = "/callback", host: str = "127.0.0.1") -> str:
    return f"http://{host}:{port}{path}"


def ok_query(state: str = STATE, code: str = CODE) -> str:
    return f"code={code}&state={state}"


def callback(port: int, query: str, path: str = "/callback") -> Reply:
    """The browser's redirect to ``path`` with ``query``."""
    return request(port, f"{path}?{query}")
