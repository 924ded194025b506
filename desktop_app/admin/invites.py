"""The rules for a file of invitations (CSV): which columns, which rows are valid.

:func:`parse` reads an invitation file into one :class:`InviteRow` per data row,
each valid or carrying the reason it is not, so the panel can show a preview
before anything is sent; only a file that cannot be read as a table at all raises.
Pure Python: no Qt.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Callable, Collection

from desktop_app.admin import actions
from desktop_app.api import admin

REQUIRED = ("username", "email")
OPTIONAL = ("name", "groups")
GROUP_SEPARATOR = ";"
MAX_NAME = 2048  # the API's limit on the name attribute


@dataclasses.dataclass(frozen=True)
class InviteRow:
    """One data row of an invitation file.

    ``line`` is the file line the row starts on (the header is line 1); the
    fields are the row's text, stripped; ``error`` says why the row would be
    refused (several reasons joined by "; "), or is None for a row to send.
    """

    line: int
    username: str
    email: str
    name: str | None
    groups: tuple[str, ...]
    error: str | None

    @property
    def invitation(self) -> actions.Invitation:
        """What inviting this row sends besides the username."""
        return actions.Invitation(self.email, self.name, self.groups)


def parse(
    text: str | bytes, *, known_groups: Collection[str] | None = None, max_rows: int = 1000
) -> list[InviteRow]:
    """The rows of an invitation CSV, each checked; see the module docstring.

    The first non-blank row is the header: ``username`` and ``email`` are required,
    ``name`` and ``groups`` (separated by ``;``) optional, in any order and case.
    With ``known_groups``, a group not in it is a row error. ``ValueError`` (with
    a message for the person who chose the file) when there is no such header,
    a column is unknown or repeated, the file is not UTF-8, it is not valid CSV,
    or it holds more than ``max_rows`` data rows. Blank rows are skipped.
    """
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValueError("the file is not UTF-8 text; save it as CSV UTF-8") from None
    text = text.removeprefix("\ufeff")  # a BOM from Excel's "CSV UTF-8"
    if "\x00" in text:
        raise ValueError("the file is not a text CSV file")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    columns: dict[str, int] | None = None
    rows: list[InviteRow] = []
    next_line = 1
    try:
        for cells in reader:
            # A quoted cell may span lines: a row is numbered by its first line.
            line, next_line = next_line, reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            if columns is None:
                columns = _columns(cells)
            elif len(rows) >= max_rows:
                raise ValueError(f"the file has more than {max_rows} rows; split it into parts")
            else:
                rows.append(_row(line, cells, columns))
    except csv.Error as exc:
        raise ValueError(f"the file is not valid CSV (line {reader.line_num}): {exc}") from None
    if columns is None:
        raise ValueError("the file is empty; it needs a header row: username,email[,name,groups]")
    return _check_all(rows, None if known_groups is None else set(known_groups))


def _columns(header: list[str]) -> dict[str, int]:
    names = [cell.strip().casefold() for cell in header]
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        raise ValueError(
            "the first row must be a header naming the columns; missing: "
            + ", ".join(missing)
            + " (columns: username, email, and optionally name, groups)"
        )
    # An empty header cell (a trailing comma from a spreadsheet) names no column.
    unknown = [name for name in names if name and name not in (*REQUIRED, *OPTIONAL)]
    if unknown:
        shown = ", ".join(repr(name[:40]) for name in unknown[:5])
        raise ValueError(
            f"unknown column(s) {shown}; the columns are username, email, name, groups"
        )
    repeated = sorted({name for name in names if name and names.count(name) > 1})
    if repeated:
        raise ValueError("column(s) named twice: " + ", ".join(repeated))
    return {name: position for position, name in enumerate(names) if name}


def _row(line: int, cells: list[str], columns: dict[str, int]) -> InviteRow:
    def cell(name: str) -> str:
        position = columns.get(name)
        return cells[position].strip() if position is not None and position < len(cells) else ""

    problems: list[str] = []
    named = set(columns.values())
    if any(cells[i].strip() for i in range(len(cells)) if i not in named):
        problems.append("a cell is outside the named columns (a comma too many?)")
    username, email, name = cell("username"), cell("email"), cell("name")
    groups: list[str] = []
    for group in (g.strip() for g in cell("groups").split(GROUP_SEPARATOR)):
        if group and group not in groups:
            groups.append(group)
    if not username:
        problems.append("username is missing")
    else:
        problems += _problem(admin.check_name, username)
    if not email:
        problems.append("email is missing")
    else:
        problems += _problem(admin.check_email, email)
    if len(name) > MAX_NAME:
        problems.append(f"name is longer than {MAX_NAME} characters")
    elif any(not ch.isprintable() for ch in name):
        problems.append("name must not contain control characters")
    for group in groups:
        problems += _problem(lambda g: admin.check_name(g, "group"), group)
    error = "; ".join(problems) if problems else None
    return InviteRow(line, username, email, name or None, tuple(groups), error)


def _problem(check: Callable[[str], object], value: str) -> list[str]:
    try:
        check(value)
    except ValueError as exc:
        return [str(exc)]
    return []


def _check_all(rows: list[InviteRow], known: set[str] | None) -> list[InviteRow]:
    """Add the errors only the whole file shows: unknown groups, duplicates."""
    first_username: dict[str, int] = {}
    first_email: dict[str, int] = {}
    checked = []
    for row in rows:
        problems = [row.error] if row.error else []
        if known is not None:
            unknown = [g for g in row.groups if g not in known]
            if unknown:
                problems.append("unknown group " + ", ".join(repr(g) for g in unknown))
        # Cognito compares usernames (in a case-insensitive pool) and emails without case.
        for value, first, what in (
            (row.username, first_username, "username"),
            (row.email, first_email, "email"),
        ):
            key = value.casefold()
            if not key:
                continue
            if key in first:
                problems.append(f"same {what} as line {first[key]}")
            else:
                first[key] = row.line
        error = "; ".join(problems) if problems else None
        checked.append(dataclasses.replace(row, error=error))
    return checked
