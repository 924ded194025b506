"""The admin audit trail: one JSON line per admin action on the ``protected_api.audit`` logger.

Each line holds who (``actor_sub``, ``actor_username``), what (``action``,
``target``, ``group``), the outcome (``result``: ``"ok"`` or the error code the
client got), ``request_id`` (the one :mod:`protected_api.access_log` put on the
request and in the ``X-Request-ID`` answer) and ``time`` (UTC, ISO 8601). Nothing else is
written: never a token, password, Authorization header, filter value or
Cognito message, so the line is safe to ship to any log store. Where the lines
end up is the deployment's logging configuration (``python -m protected_api``
logs INFO to stderr).

Password sign-in (:mod:`protected_api.routes.sign_in`) writes one line per attempt with
:func:`record_sign_in`: the step, the username as given, the client address and the
outcome, never the password, code, session or any token.

Most fields come from the request (names from the token or the URL; for a refused
non-admin the action is the request's path), so every field but ``time`` goes
through :func:`protected_api.access_log.escape`, the access log's own escaping: a
newline, a terminal escape or a U+2028 is written as ``\\n``, ``\\x1b``, ``\\u2028`` in
the value itself, not only in the JSON text, so a tool that decodes the line
(``jq -r``, a log viewer) cannot be made to show a second line either.
"""

from __future__ import annotations

import datetime
import json
import logging
from collections.abc import Callable

from protected_api import access_log

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
    """Write one audit line and return it (see the module docstring for its fields)."""
    fields = {
        "request_id": request_id,
        "actor_sub": actor_sub,
        "actor_username": actor_username,
        "action": action,
        "target": target,
        "group": group,
        "result": result,
    }
    return _write(fields, now)


def record_sign_in(
    *,
    action: str,
    username: str | None,
    client: str | None,
    result: str,
    request_id: str,
    challenge: str | None = None,
    now: Callable[[], datetime.datetime] = _utc_now,
) -> str:
    """Write one line for a password sign-in attempt and return it.

    ``action`` is ``sign_in``, ``challenge`` or ``refresh``; ``challenge`` the challenge
    answered (``MFA_SETUP:associate`` for the authenticator's secret); ``username`` as the
    client gave it (for a refresh, only claimed); ``client`` the peer address; ``result``
    ``tokens``, ``challenge:<NAME>``, ``totp_secret`` or the ``error`` code answered.
    """
    fields = {
        "request_id": request_id,
        "action": action,
        "challenge": challenge,
        "username": username,
        "client": client,
        "result": result,
    }
    return _write(fields, now)


def _write(fields: dict[str, str | None], now: Callable[[], datetime.datetime]) -> str:
    """Log ``fields`` (escaped) after the time as one JSON line, and return the line."""
    line = json.dumps(
        {
            "time": now().astimezone(datetime.UTC).isoformat(timespec="milliseconds"),
            **{
                name: None if value is None else access_log.escape(value)
                for name, value in fields.items()
            },
        },
        # ASCII-only JSON on top: the line itself is plain ASCII whatever the names.
        ensure_ascii=True,
        separators=(",", ":"),
    )
    log.info(line)
    return line
