"""The users table out to a spreadsheet (CSV), with formula injection neutralised
(OWASP "CSV Injection"). Pure Python: no Qt.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable

from desktop_app.api import admin

HEADER = ("username", "email", "name", "status", "enabled", "created", "last_modified")
# A spreadsheet evaluates a cell starting with one of these as a formula (OWASP).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def users_csv(users: Iterable[admin.User]) -> str:
    """The users as CSV text (header :data:`HEADER`); dates in UTC ISO 8601,
    enabled as ``true``/``false``. Write it with ``newline=""`` and UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180 line breaks
    writer.writerow(HEADER)
    for user in users:
        writer.writerow(
            [
                safe_cell(user.username),
                safe_cell(user.email or ""),
                safe_cell(user.name or ""),
                safe_cell(user.status),
                "true" if user.enabled else "false",
                _utc(user.created_at),
                _utc(user.modified_at),
            ]
        )
    return out.getvalue()


def safe_cell(value: str) -> str:
    """``value`` with a leading apostrophe if a spreadsheet would run it as a formula."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _utc(moment: datetime.datetime | None) -> str:
    if moment is None:
        return ""
    return moment.astimezone(datetime.UTC).isoformat(timespec="seconds")
