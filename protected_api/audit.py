"""The admin audit trail: one JSON line per admin action on the ``protected_api.audit`` logger.

Each line holds who (``actor_sub``, ``actor_username``), what (``action``,
``target``, ``group``), the outcome (``result``: ``"ok"`` or the error code the
client got), ``request_id`` (the one :mod:`protected_api.access_log` put on the
request and in the ``X-Request-ID`` answer) and ``time`` (UTC, ISO 8601). Nothing else is
written: never a token, password, Authorization header, filter value or
Cognito message, so the line is safe to ship to any log store. Where the lines
end up is the deployment's logging configuration (``python -m protected_api``
logs INFO to stderr).
"""

from __future__ import annotations

import datetime
import json
import logging
from collections.abc import Callable

LOGGER_NAME = "protected_api.audit"

log = logging.getLogger(LOGGER_NAME)


def _utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def record(
    *,
    actor_sub: str,
    actor_username: str,
    action: str,
    target: str | None,
    result: str,
    request_id: str,
    group: str | None = None,
    now: Callable[[], datetime.datetime] = _utc_now,
) -> str:
    """Write one audit line and return it."""
    line = json.dumps(
        {
            "time": now().astimezone(datetime.UTC).isoformat(timespec="milliseconds"),
            "request_id": request_id,
            "actor_sub": actor_sub,
            "actor_username": actor_username,
            "action": action,
            "target": target,
            "group": group,
            "result": result,
        },
        # ASCII-only JSON: a username with a newline or a terminal escape
        # stays inside its string and cannot forge a second line.
        ensure_ascii=True,
        separators=(",", ":"),
    )
    log.info(line)
    return line
