"""What survives a restart, and how it is written down.

A :class:`StoredSession` is kept as one compact, ASCII-only JSON object::

    {"v": 1, "refresh_token": "...", "username": "...", "sub": "...",
     "client_id": "...", "issuer": "...", "saved_at": 1720000000.25, "flow": "browser"}

``flow`` says how the session was signed in, so how it refreshes and is revoked:
``browser`` (the authorization code flow: the token endpoint, the profile's
``client_id``) or ``password`` (the protected API's password sign-in: ``/auth/refresh``,
the profile's ``password_sign_in_client_id``). Records written before it existed have
none and read as ``browser``, which is what they are. (A version that predates it reads
a ``password`` record as a session of another app client, and removes it.)

:func:`decode` refuses anything else with :class:`CorruptError`, whose text is a
secret-free reason (it is logged): never the value, never the token.
"""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any

FORMAT_VERSION = 1
_TEXT_FIELDS = ("refresh_token", "username", "sub", "client_id", "issuer")
#: :attr:`StoredSession.flow` of a session from the browser (authorization code) flow.
BROWSER_FLOW = "browser"
#: :attr:`StoredSession.flow` of a session from the protected API's password sign-in.
PASSWORD_FLOW = "password"
FLOWS = (BROWSER_FLOW, PASSWORD_FLOW)


class CorruptError(Exception):
    """The stored text is not a session this version can read; ``str()`` says why."""


@dataclasses.dataclass(frozen=True)
class StoredSession:
    """What survives a restart. ``refresh_token`` is the only secret and never shown."""

    refresh_token: str = dataclasses.field(repr=False)
    username: str
    sub: str
    client_id: str
    issuer: str
    saved_at: float  # epoch seconds
    flow: str = BROWSER_FLOW  # one of FLOWS: how it refreshes (the module docstring)


def encode(session: StoredSession) -> str:
    """``session`` as compact ASCII JSON (UTF-16 keyrings then need 2 bytes a character)."""
    document: dict[str, Any] = {"v": FORMAT_VERSION, **dataclasses.asdict(session)}
    return json.dumps(document, separators=(",", ":"), ensure_ascii=True)


def decode(value: str) -> StoredSession:
    """The session in ``value``; :class:`CorruptError` if it is not one."""
    try:
        document = json.loads(value)
    except ValueError:
        raise CorruptError("not JSON") from None
    if not isinstance(document, dict):
        raise CorruptError("not a JSON object")
    if document.get("v") != FORMAT_VERSION:
        raise CorruptError("unknown format version")
    for name in _TEXT_FIELDS:
        if not isinstance(document.get(name), str):
            raise CorruptError(f"missing or invalid {name}")
    if not document["refresh_token"]:
        raise CorruptError("empty refresh_token")
    saved_at = document.get("saved_at")
    if (
        not isinstance(saved_at, int | float)
        or isinstance(saved_at, bool)
        or not math.isfinite(saved_at)
    ):
        raise CorruptError("missing or invalid saved_at")
    flow = document.get("flow", BROWSER_FLOW)
    if flow not in FLOWS:
        raise CorruptError("unknown flow")
    texts = {name: document[name] for name in _TEXT_FIELDS}
    return StoredSession(**texts, saved_at=float(saved_at), flow=flow)
