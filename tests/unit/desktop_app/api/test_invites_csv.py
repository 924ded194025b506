"""Invitation CSV in (per-row errors, structural errors) and users CSV out (formula-safe)."""

from __future__ import annotations

import csv
import datetime
import io

import pytest

from desktop_app.api import admin, invites_csv

Row = invites_csv.InviteRow


def test_a_good_file_parses_every_column() -> None:
    text = (
        "username,email,name,groups\n"
        "carol,carol@example.com,Carol Example,Editors;Beta\n"
        "dave,dave@example.com,,\n"
    )
    assert invites_csv.parse(text) == [
        Row(2, "carol", "carol@example.com", "Carol Example", ("Editors", "Beta"), None),
        Row(3, "dave", "dave@example.com", None, (), None),
    ]


def test_columns_in_any_order_and_case_and_optional_ones_left_out() -> None:
    text = " Email ,USERNAME\r\nerin@example.com,erin\r\n"
    assert invites_csv.parse(text) == [Row(2, "erin", "erin@example.com", None, (), None)]


def test_cells_are_stripped_groups_deduplicated_and_blank_lines_skipped() -> None:
    text = "\nusername,email,groups\n\n  fay , fay@example.com , Editors ; ;Editors;Beta \n,,\n"
    [row] = invites_csv.parse(text)
    assert row == Row(4, "fay", "fay@example.com", None, ("Editors", "Beta"), None)


def test_a_quoted_cell_over_two_lines_numbers_rows_by_their_first_line() -> None:
    text = 'username,email,name\ngus,gus@example.com,"Gus\nSecond"\nhal,hal@example.com,Hal\n'
    rows = invites_csv.parse(text)
    assert [r.line for r in rows] == [2, 4]
    assert rows[0].error == "name must not contain control characters"
    assert rows[1].error is None


def test_a_bom_and_bytes_are_accepted() -> None:
    data = "\ufeffusername,email\nivy,ivy@example.com\n".encode()
    assert invites_csv.parse(data)[0].username == "ivy"
    assert invites_csv.parse(data.decode())[0].username == "ivy"


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        (",a@example.com", "username is missing"),
        ("bad name,a@example.com", "username must be 1 to 128"),
        ("x" * 129 + ",a@example.com", "username must be 1 to 128"),
        ("ann,", "email is missing"),
        ("ann,not-an-email", "that is not an email address"),
        ("ann,a@b", "that is not an email address"),
        ("ann,a@example.com,,bad group", "group must be 1 to 128"),
        ("ann,a@example.com,Ann\x07,", "control characters"),
        ("ann,a@example.com,Ann,Editors,surplus", "outside the named columns"),
    ],
)
def test_a_bad_row_is_kept_with_its_reason(line: str, problem: str) -> None:
    rows = invites_csv.parse("username,email,name,groups\n" + line + "\nok,ok@example.com\n")
    assert rows[0].line == 2
    assert rows[0].error is not None and problem in rows[0].error
    assert rows[1] == Row(3, "ok", "ok@example.com", None, (), None)


def test_a_long_name_is_refused() -> None:
    [row] = invites_csv.parse(f"username,email,name\nann,a@example.com,{'n' * 2049}\n")
    assert row.error == "name is longer than 2048 characters"


def test_several_problems_are_all_named() -> None:
    [row] = invites_csv.parse("username,email\n,nope\n")
    assert row.error == "username is missing; that is not an email address"


def test_unknown_groups_when_the_groups_are_known() -> None:
    text = "username,email,groups\nann,a@example.com,Editors;Nope;Ghost\nbob,b@example.com,Admin\n"
    rows = invites_csv.parse(text, known_groups={"Editors", "Admin"})
    assert rows[0].error == "unknown group 'Nope', 'Ghost'"
    assert rows[1].error is None
    assert invites_csv.parse(text)[0].error is None  # not checked without a list


def test_duplicates_within_the_file_are_errors_on_the_later_rows() -> None:
    text = (
        "username,email\n"
        "ann,a@example.com\n"
        "ANN,other@example.com\n"
        "bob,A@Example.com\n"
        "cat,c@example.com\n"
    )
    rows = invites_csv.parse(text)
    assert [r.error for r in rows] == [
        None,
        "same username as line 2",
        "same email as line 2",
        None,
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty"),
        ("\n\n", "the file is empty"),
        ("ann,a@example.com\n", "missing: username, email"),
        ("username,name\nann,Ann\n", "missing: email"),
        ("username,email,group\nann,a@example.com,Editors\n", "unknown column(s) 'group'"),
        ("username,email,email\n", "named twice: email"),
        ('username,email\nann,"a@example.com\n', "not valid CSV"),
        ("username,email\x00\n", "not a text CSV"),
    ],
)
def test_structural_problems_raise(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        invites_csv.parse(text)


def test_not_utf8_raises() -> None:
    with pytest.raises(ValueError, match="not UTF-8"):
        invites_csv.parse("username,email\nzoë,z@example.com\n".encode("latin-1"))


def test_a_trailing_empty_header_cell_is_allowed() -> None:
    rows = invites_csv.parse("username,email,\nann,a@example.com,\n")
    assert rows == [Row(2, "ann", "a@example.com", None, (), None)]


def test_too_many_rows_raise_but_blank_rows_do_not_count() -> None:
    body = "".join(f"u{i},u{i}@example.com\n\n" for i in range(5))
    assert len(invites_csv.parse("username,email\n" + body, max_rows=5)) == 5
    with pytest.raises(ValueError, match="more than 4 rows"):
        invites_csv.parse("username,email\n" + body, max_rows=4)


def test_the_default_limit_is_a_thousand_rows() -> None:
    body = "".join(f"u{i},u{i}@example.com\n" for i in range(1001))
    with pytest.raises(ValueError, match="more than 1000 rows"):
        invites_csv.parse("username,email\n" + body)


# -- export --------------------------------------------------------------------------------

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
    text = invites_csv.export_users([user(), user(username="dora", enabled=False, name=None)])
    assert text.startswith("username,email,name,status,enabled,created,last_modified\r\n")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[1] == [
        "alice",
        "alice@example.com",
        'Alice, "Al" Example',
        "CONFIRMED",
        "true",
        "2026-01-02T01:04:05+00:00",
        "",
    ]
    assert rows[2][0] == "dora" and rows[2][2] == "" and rows[2][4] == "false"
    assert len(rows) == 3


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_export_neutralises_spreadsheet_formulas(start: str) -> None:
    evil = start + 'HYPERLINK("http://x")'
    text = invites_csv.export_users([user(name=evil, email=evil, username=start + "bob")])
    [_header, row] = list(csv.reader(io.StringIO(text, newline="")))
    assert row[0] == "'" + start + "bob"
    assert row[1] == "'" + evil
    assert row[2] == "'" + evil


def test_safe_cell_leaves_plain_text_alone() -> None:
    assert invites_csv.safe_cell("alice") == "alice"
    assert invites_csv.safe_cell("a=b") == "a=b"
    assert invites_csv.safe_cell("") == ""


def test_export_of_nothing_is_the_header() -> None:
    assert invites_csv.export_users([]) == (
        "username,email,name,status,enabled,created,last_modified\r\n"
    )
