"""The files of a full export (``docs/csv-format.md``, "A full export"): their names,
headers, and the CSV dialect they are written in, read and written a row at a time;
the groups and the disabled users read back from them.

The dialect is Cognito's user-import format's ("Creating the user import CSV file",
Amazon Cognito Developer Guide), so Cognito's own import job reads ``users.csv`` as it
is: UTF-8 without a byte-order mark, values never quoted, a comma in a value written
``\\,``, one row per line (``\\n``). Line breaks cannot be in a row, so a line break in
a value is written ``\\n`` (or ``\\r``), and a backslash ``\\\\``: the app reads these back
exactly; Cognito's importer would keep those rare values as written. A BOM and
``\\r\\n`` line ends are accepted on reading. Spreadsheet formulas are not escaped here:
these files are data for an import (phone numbers start with ``+``), not for a
spreadsheet. Pure Python: no Qt.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

USERS_FILE = "users.csv"
STATES_FILE = "user_states.csv"
GROUPS_FILE = "groups.csv"
ALL_FILES = (USERS_FILE, STATES_FILE, GROUPS_FILE)
PARTIAL = ".partial"  # the suffix of a file still being written
#: The username's column in Cognito's user-import CSV format.
USERNAME_COLUMN = "cognito:username"
STATES_HEADER = ("username", "status", "enabled")
GROUPS_HEADER = ("group_name", "description", "precedence", "username")
TRUE, FALSE = "TRUE", "FALSE"  # booleans as Cognito's format writes them
#: The longest line read (Cognito's own limit is 16,000 characters a row).
MAX_LINE = 1_000_000
_ESCAPES = str.maketrans({"\\": "\\\\", ",": "\\,", "\n": "\\n", "\r": "\\r"})
_UNESCAPE = {"\\\\": "\\", "\\,": ",", "\\n": "\n", "\\r": "\r"}
_TOKEN = re.compile(r"\\.|\\$|,|[^\\,]+")


def line(cells: Sequence[str]) -> str:
    """One row in the dialect, with its line end."""
    return ",".join(cell.translate(_ESCAPES) for cell in cells) + "\n"


def write_row(out: IO[str], cells: Sequence[str]) -> None:
    out.write(line(cells))


def write_rows(out: IO[str], rows: Sequence[Sequence[str]]) -> None:
    out.write("".join(line(cells) for cells in rows))


def split(text: str) -> list[str]:
    """The cells of one line (without its line end)."""
    if "\\" not in text:
        return text.split(",")
    cells: list[str] = []
    current: list[str] = []
    for token in _TOKEN.findall(text):
        if token == ",":
            cells.append("".join(current))
            current = []
        elif token.startswith("\\"):
            current.append(_UNESCAPE.get(token, token))  # any other backslash: as written
        else:
            current.append(token)
    cells.append("".join(current))
    return cells


class Reader:
    """A file of the dialect read row by row (a context manager): its header (which
    must be ``expected`` if given), then (data row number from 1, cells) per row, blank
    lines skipped, every row as wide as the header. A problem is a ``ValueError``
    naming the file and the line."""

    def __init__(self, path: Path, expected: Sequence[str] | None = None) -> None:
        self.path = path
        self._expected = None if expected is None else tuple(expected)
        self.header: tuple[str, ...] = ()
        self._file: IO[str] | None = None
        self._line = 0

    def __enter__(self) -> Reader:
        self._file = open(self.path, encoding="utf-8-sig", newline=None)
        try:
            first = self._next()
            if first is None:
                raise ValueError(f"{self.path.name} is empty: it needs its header row")
            self.header = tuple(cell.strip() for cell in first)
            if self._expected is not None and self.header != self._expected:
                raise ValueError(f"{self.path.name}'s header must be " + ",".join(self._expected))
        except BaseException:
            self._file.close()
            raise
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._file is not None:
            self._file.close()

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        number = 0
        while (cells := self._next()) is not None:
            number += 1
            if len(cells) != len(self.header):
                raise ValueError(
                    f"{self.path.name} line {self._line}: {len(cells)} values, "
                    f"the header has {len(self.header)}"
                )
            yield number, cells

    def _next(self) -> list[str] | None:
        assert self._file is not None, "use the reader in a with statement"
        try:
            while text := self._file.readline(MAX_LINE + 1):
                self._line += 1
                if len(text) > MAX_LINE:
                    raise ValueError(f"{self.path.name} line {self._line} is too long")
                text = text.rstrip("\n")
                if "\x00" in text:
                    raise ValueError(f"{self.path.name} is not a text file")
                if text.strip(", \t"):
                    return split(text)
        except UnicodeDecodeError:
            raise ValueError(f"{self.path.name} is not UTF-8 text") from None
        return None


@dataclasses.dataclass(frozen=True)
class GroupRow:
    """A group as ``groups.csv`` describes it."""

    name: str
    description: str | None
    precedence: int | None


def disabled_users(path: Path) -> Iterator[str]:
    """The usernames ``user_states.csv`` lists as not enabled."""
    with Reader(path, STATES_HEADER) as states:
        for _number, (username, _status, enabled) in states.rows():
            if enabled.strip().upper() == FALSE:
                yield username


def group_rows(path: Path) -> Iterator[tuple[int, GroupRow, str]]:
    """(data row number, the group, the username or "") for each row of groups.csv."""
    with Reader(path, GROUPS_HEADER) as groups_file:
        for number, (name, description, precedence, username) in groups_file.rows():
            if not name:
                raise ValueError(f"{GROUPS_FILE} row {number}: the group name is missing")
            try:
                rank = int(precedence) if precedence else None
            except ValueError:
                raise ValueError(
                    f"{GROUPS_FILE} row {number}: precedence must be a whole number"
                ) from None
            yield number, GroupRow(name, description or None, rank), username
