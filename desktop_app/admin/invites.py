"""The rules for a file of invitations (CSV): which columns, which rows are valid.

:func:`read` reads an invitation file into one :class:`InviteRow` per data row,
each valid or carrying the reason it is not, and the notes on what it ignored (the
export's read-only columns, unknown ones), so the panel can show a preview before
anything is sent; only a file that cannot be read as a table at all raises. The
app's own export (:mod:`desktop_app.admin.export`) reads back unchanged: its
formula escaping is undone (:func:`~desktop_app.admin.export.plain_cell`) and its
other columns are ignored with a note. :func:`template_csv` is the file to start
from. The format is documented in ``docs/csv-format.md``. Pure Python: no Qt.
"""

from __future__ import annotations

import csv
import dataclasses
import difflib
import io
from collections.abc import Callable, Collection
from pathlib import Path

from desktop_app.admin import actions, export, wording
from desktop_app.api import admin

REQUIRED = ("username", "email")
OPTIONAL = ("name", "groups")
#: Columns the app's export writes that an invitation cannot set: ignored, with a note.
READ_ONLY = tuple(column for column in export.HEADER if column not in (*REQUIRED, *OPTIONAL))
GROUP_SEPARATOR = ";"
MAX_NAME = 2048  # the API's limit on the name attribute
MAX_ROWS = 1000  # one invitation is one request: a bigger file is a migration (docs)
MAX_BYTES = 8 * 1024 * 1024  # far above MAX_ROWS full rows; read whole, so bounded
#: The template's example row (``example.com`` is reserved for examples, RFC 2606).
TEMPLATE_ROW = ("jane.doe", "jane.doe@example.com", "Jane Doe", "")


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


@dataclasses.dataclass(frozen=True)
class InviteFile:
    """A read invitation file: its rows, and the header's columns it ignored
    (``read_only``: the export's, ``unknown``: any other; as the header spells them)."""

    rows: list[InviteRow]
    read_only: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()

    @property
    def notes(self) -> tuple[str, ...]:
        """What the preview says about the ignored columns, one sentence each."""
        notes: list[str] = []
        if self.read_only:
            notes.append(
                f"Ignored {wording.plural('column', len(self.read_only))} an invitation "
                "cannot set: " + ", ".join(self.read_only) + "."
            )
        if self.unknown:
            named = ", ".join(_with_suggestion(column) for column in self.unknown)
            notes.append(
                f"Ignored unknown {wording.plural('column', len(self.unknown))}: {named}. "
                "The columns are username, email, name, groups."
            )
        return tuple(notes)


def template_csv() -> str:
    """An invitation file to start from: the header and one example row."""
    return export.csv_text((*REQUIRED, *OPTIONAL), [TEMPLATE_ROW])


def read_path(
    path: str | Path, *, known_groups: Collection[str] | None = None, max_rows: int = MAX_ROWS
) -> InviteFile:
    """:func:`read` of the file at ``path``; ``ValueError`` for a file over
    :data:`MAX_BYTES` (before reading it), ``OSError`` if it cannot be read."""
    with open(path, "rb") as source:
        data = source.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValueError(
            f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB; split it into parts"
        )
    return read(data, known_groups=known_groups, max_rows=max_rows)


def parse(
    text: str | bytes, *, known_groups: Collection[str] | None = None, max_rows: int = MAX_ROWS
) -> list[InviteRow]:
    """The rows of :func:`read` (without its notes)."""
    return read(text, known_groups=known_groups, max_rows=max_rows).rows


def read(
    text: str | bytes, *, known_groups: Collection[str] | None = None, max_rows: int = MAX_ROWS
) -> InviteFile:
    """The rows of an invitation CSV, each checked; see the module docstring.

    The first non-blank row is the header: ``username`` and ``email`` are required,
    ``name`` and ``groups`` (separated by ``;``) optional, in any order and case;
    any other column is ignored (:attr:`InviteFile.notes` says which). Cells are
    stripped and their formula escaping undone. With ``known_groups``, a group not
    in it is a row error. ``ValueError`` (with a message for the person who chose
    the file) when there is no such header, a column is repeated, the file is not
    UTF-8 (a BOM is allowed), it is not valid CSV, or it holds more than
    ``max_rows`` data rows. Blank rows are skipped.
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
    header: _Header | None = None
    rows: list[InviteRow] = []
    next_line = 1
    try:
        for cells in reader:
            # A quoted cell may span lines: a row is numbered by its first line.
            line, next_line = next_line, reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = _header(cells)
            elif len(rows) >= max_rows:
                raise ValueError(f"the file has more than {max_rows} rows; split it into parts")
            else:
                rows.append(_row(line, cells, header))
    except csv.Error as exc:
        raise ValueError(f"the file is not valid CSV (line {reader.line_num}): {exc}") from None
    if header is None:
        raise ValueError("the file is empty; it needs a header row: username,email[,name,groups]")
    checked = _check_all(rows, None if known_groups is None else set(known_groups))
    return InviteFile(checked, header.read_only, header.unknown)


@dataclasses.dataclass(frozen=True)
class _Header:
    columns: dict[str, int]  # an invitation column: its position
    named: frozenset[int]  # every position with a column name, used or ignored
    read_only: tuple[str, ...]
    unknown: tuple[str, ...]


def _with_suggestion(column: str) -> str:
    close = difflib.get_close_matches(column.casefold(), (*REQUIRED, *OPTIONAL), n=1)
    return f"{column[:40]!r}" + (f" (did you mean {close[0]!r}?)" if close else "")


def _header(cells: list[str]) -> _Header:
    names = [cell.strip().casefold() for cell in cells]
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        raise ValueError(
            "the first row must be a header naming the columns; missing: "
            + ", ".join(missing)
            + " (columns: username, email, and optionally name, groups)"
        )
    repeated = sorted({name for name in names if name and names.count(name) > 1})
    if repeated:
        raise ValueError("column(s) named twice: " + ", ".join(repeated))
    # An empty header cell (a trailing comma from a spreadsheet) names no column.
    named = frozenset(position for position, name in enumerate(names) if name)
    used = (*REQUIRED, *OPTIONAL)
    return _Header(
        columns={name: position for position, name in enumerate(names) if name in used},
        named=named,
        read_only=tuple(cells[i].strip() for i in sorted(named) if names[i] in READ_ONLY),
        unknown=tuple(
            cells[i].strip() for i in sorted(named) if names[i] not in (*used, *READ_ONLY)
        ),
    )


def _row(line: int, cells: list[str], header: _Header) -> InviteRow:
    def cell(name: str) -> str:
        position = header.columns.get(name)
        if position is None or position >= len(cells):
            return ""
        return export.plain_cell(cells[position].strip())

    problems: list[str] = []
    if any(cells[i].strip() for i in range(len(cells)) if i not in header.named):
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
