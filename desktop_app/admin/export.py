"""The users table out to a spreadsheet (CSV), and the one rule for spreadsheet
formulas in the app's CSV files (OWASP "CSV Injection"): :func:`safe_cell` on the way
out, :func:`plain_cell` on the way back in. Pure Python: no Qt.

The format (columns, encoding, limits, the formula rule) is documented in
``docs/csv-format.md``; :mod:`desktop_app.admin.invites` reads these files back.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable, Sequence

from desktop_app.api import admin

HEADER = (
    "username",
    "email",
    "name",
    "status",
    "enabled",
    "created",
    "last_modified",
    "last_sign_in",
)
#: RFC 4180 line breaks, in every CSV file the app writes.
LINE_END = "\r\n"
# A spreadsheet evaluates a cell starting with one of these as a formula (OWASP).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_ESCAPE = "'"


def users_csv(users: Iterable[admin.User]) -> str:
    """The users as CSV text (header :data:`HEADER`); dates in UTC ISO 8601,
    enabled as ``true``/``false``. Write it with ``newline=""`` and UTF-8."""
    return csv_text(
        HEADER,
        (
            [
                user.username,
                user.email or "",
                user.name or "",
                user.status,
                "true" if user.enabled else "false",
                _utc(user.created_at),
                _utc(user.modified_at),
                _utc(user.last_sign_in),
            ]
            for user in users
        ),
    )


def csv_text(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """``header`` and ``rows`` as CSV text, every data cell through :func:`safe_cell`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=LINE_END)
    writer.writerow(header)
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return out.getvalue()


def safe_cell(value: str) -> str:
    """``value`` with a leading apostrophe if a spreadsheet would run it as a formula.

    A value that already starts with apostrophes before a formula character gets one
    more too, so :func:`plain_cell` can always tell the added one from the value's own:
    ``plain_cell(safe_cell(v)) == v`` for every ``v``."""
    return _ESCAPE + value if _needs_escape(value) else value


def plain_cell(cell: str) -> str:
    """The value :func:`safe_cell` wrote as ``cell``: its added apostrophe removed,
    anything else left as it is."""
    if cell.startswith(_ESCAPE) and _needs_escape(cell[1:]):
        return cell[1:]
    return cell


def _needs_escape(value: str) -> bool:
    return value.lstrip(_ESCAPE).startswith(_FORMULA_START)


def _utc(moment: datetime.datetime | None) -> str:
    if moment is None:
        return ""
    return moment.astimezone(datetime.UTC).isoformat(timespec="seconds")
