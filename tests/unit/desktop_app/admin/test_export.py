"""The users table out as CSV: one row per user, spreadsheet formulas neutralised, and
the one formula rule reversible (what the import undoes)."""

from __future__ import annotations

import csv
import datetime
import io

import pytest

from desktop_app.admin import export
from desktop_app.api import admin

WHEN = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=2)))


def user(**changes: object) -> admin.User:
    values: dict[str, object] = {
        "username": "alice",
        "sub": "s-1",
        "email": "alice@example.com",
        "name": 'Alice, "Al" Example',
        "status": "CONFIRMED",
        "enabled": True,
        "created_at": WHEN,
        "modified_at": None,
    }
    values.update(changes)
    return admin.User(**values)  # type: ignore[arg-type]


def test_export_writes_a_header_and_one_row_per_user() -> None:
    text = export.users_csv([user(), user(username="dora", enabled=False, name=None)])
    assert text.startswith(
        "username,email,name,status,enabled,created,last_modified,last_sign_in\r\n"
    )
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[1] == [
        "alice",
        "alice@example.com",
        'Alice, "Al" Example',
        "CONFIRMED",
        "true",
        "2026-01-02T01:04:05+00:00",
        "",
        "",
    ]
    assert rows[2][0] == "dora" and rows[2][2] == "" and rows[2][4] == "false"
    assert len(rows) == 3


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_export_neutralises_spreadsheet_formulas(start: str) -> None:
    evil = start + 'HYPERLINK("http://x")'
    text = export.users_csv([user(name=evil, email=evil, username=start + "bob")])
    [_header, row] = list(csv.reader(io.StringIO(text, newline="")))
    assert row[0] == "'" + start + "bob"
    assert row[1] == "'" + evil
    assert row[2] == "'" + evil


def test_safe_cell_leaves_plain_text_alone() -> None:
    assert export.safe_cell("alice") == "alice"
    assert export.safe_cell("a=b") == "a=b"
    assert export.safe_cell("") == ""


def test_export_of_nothing_is_the_header() -> None:
    assert export.users_csv([]) == (
        "username,email,name,status,enabled,created,last_modified,last_sign_in\r\n"
    )


def test_the_last_sign_in_is_exported_in_utc() -> None:
    signed_in = datetime.datetime(2026, 3, 1, 8, 15, 9, tzinfo=datetime.UTC)
    [_header, row] = list(
        csv.reader(io.StringIO(export.users_csv([user(last_sign_in=signed_in)]), newline=""))
    )
    assert row[export.HEADER.index("last_sign_in")] == "2026-03-01T08:15:09+00:00"


@pytest.mark.parametrize(
    "value",
    ["=1+1", "'=1+1", "''-x", "'", "''", "-", "@", "plain", "", "'quoted'", "a'=b", "\t=x", "+"],
)
def test_plain_cell_undoes_exactly_what_safe_cell_added(value: str) -> None:
    assert export.plain_cell(export.safe_cell(value)) == value


@pytest.mark.parametrize(
    ("cell", "value"),
    [("'=SUM(A1)", "=SUM(A1)"), ("''=x", "'=x"), ("'plain", "'plain"), ("'", "'"), ("x", "x")],
)
def test_plain_cell_removes_only_an_apostrophe_the_rule_would_have_added(
    cell: str, value: str
) -> None:
    assert export.plain_cell(cell) == value


def test_a_value_starting_with_apostrophes_before_a_formula_is_escaped_once_more() -> None:
    assert export.safe_cell("'=x") == "''=x"
    assert export.safe_cell("'x") == "'x"  # not a formula either way: left alone
