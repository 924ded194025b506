"""Invitation CSV in: per-row errors (kept, with the reason) and structural ones (raised);
the app's own export reads back unchanged, its other columns ignored with a note; the
template reads back too."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from desktop_app.admin import actions, export, invites
from desktop_app.api import admin

Row = invites.InviteRow


def test_a_good_file_parses_every_column() -> None:
    text = (
        "username,email,name,groups\n"
        "carol,carol@example.com,Carol Example,Editors;Beta\n"
        "dave,dave@example.com,,\n"
    )
    assert invites.parse(text) == [
        Row(2, "carol", "carol@example.com", "Carol Example", ("Editors", "Beta"), None),
        Row(3, "dave", "dave@example.com", None, (), None),
    ]


def test_columns_in_any_order_and_case_and_optional_ones_left_out() -> None:
    text = " Email ,USERNAME\r\nerin@example.com,erin\r\n"
    assert invites.parse(text) == [Row(2, "erin", "erin@example.com", None, (), None)]


def test_cells_are_stripped_groups_deduplicated_and_blank_lines_skipped() -> None:
    text = "\nusername,email,groups\n\n  fay , fay@example.com , Editors ; ;Editors;Beta \n,,\n"
    [row] = invites.parse(text)
    assert row == Row(4, "fay", "fay@example.com", None, ("Editors", "Beta"), None)


def test_a_quoted_cell_over_two_lines_numbers_rows_by_their_first_line() -> None:
    text = 'username,email,name\ngus,gus@example.com,"Gus\nSecond"\nhal,hal@example.com,Hal\n'
    rows = invites.parse(text)
    assert [r.line for r in rows] == [2, 4]
    assert rows[0].error == "name must not contain control characters"
    assert rows[1].error is None


def test_a_bom_and_bytes_are_accepted() -> None:
    data = "\ufeffusername,email\nivy,ivy@example.com\n".encode()
    assert invites.parse(data)[0].username == "ivy"
    assert invites.parse(data.decode())[0].username == "ivy"


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
    rows = invites.parse("username,email,name,groups\n" + line + "\nok,ok@example.com\n")
    assert rows[0].line == 2
    assert rows[0].error is not None and problem in rows[0].error
    assert rows[1] == Row(3, "ok", "ok@example.com", None, (), None)


def test_a_long_name_is_refused() -> None:
    [row] = invites.parse(f"username,email,name\nann,a@example.com,{'n' * 2049}\n")
    assert row.error == "name is longer than 2048 characters"


def test_several_problems_are_all_named() -> None:
    [row] = invites.parse("username,email\n,nope\n")
    assert row.error == "username is missing; that is not an email address"


def test_unknown_groups_when_the_groups_are_known() -> None:
    text = "username,email,groups\nann,a@example.com,Editors;Nope;Ghost\nbob,b@example.com,Admin\n"
    rows = invites.parse(text, known_groups={"Editors", "Admin"})
    assert rows[0].error == "unknown group 'Nope', 'Ghost'"
    assert rows[1].error is None
    assert invites.parse(text)[0].error is None  # not checked without a list


def test_duplicates_within_the_file_are_errors_on_the_later_rows() -> None:
    text = (
        "username,email\n"
        "ann,a@example.com\n"
        "ANN,other@example.com\n"
        "bob,A@Example.com\n"
        "cat,c@example.com\n"
    )
    rows = invites.parse(text)
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
        ("username,email,email\n", "named twice: email"),
        ('username,email\nann,"a@example.com\n', "not valid CSV"),
        ("username,email\x00\n", "not a text CSV"),
    ],
)
def test_structural_problems_raise(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        invites.parse(text)


def test_not_utf8_raises() -> None:
    with pytest.raises(ValueError, match="not UTF-8"):
        invites.parse("username,email\nzoë,z@example.com\n".encode("latin-1"))


def test_a_trailing_empty_header_cell_is_allowed() -> None:
    rows = invites.parse("username,email,\nann,a@example.com,\n")
    assert rows == [Row(2, "ann", "a@example.com", None, (), None)]


def test_too_many_rows_raise_but_blank_rows_do_not_count() -> None:
    body = "".join(f"u{i},u{i}@example.com\n\n" for i in range(5))
    assert len(invites.parse("username,email\n" + body, max_rows=5)) == 5
    with pytest.raises(ValueError, match="more than 4 rows"):
        invites.parse("username,email\n" + body, max_rows=4)


def test_the_default_limit_is_a_thousand_rows() -> None:
    body = "".join(f"u{i},u{i}@example.com\n" for i in range(1001))
    with pytest.raises(ValueError, match="more than 1000 rows"):
        invites.parse("username,email\n" + body)


def test_a_row_is_invited_with_its_email_name_and_groups() -> None:
    [row] = invites.parse("username,email,name,groups\ncarol,c@example.com,Carol,Team;Beta\n")
    assert row.invitation == actions.Invitation("c@example.com", "Carol", ("Team", "Beta"))


# -- round trip with the export, ignored columns, the template ------------------------------


def exported_user(username: str, email: str | None, name: str | None) -> admin.User:
    moment = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
    return admin.User(
        username, f"sub-{username}", email, name, "CONFIRMED", True, moment, moment, moment
    )


def test_the_apps_export_imports_back_unchanged() -> None:
    users = [
        exported_user("alice", "alice@example.com", 'Alice, "Al" Example'),
        exported_user("=cmd|calc", "+x@example.com", '=HYPERLINK("http://evil")'),
        exported_user("-dash", "@at@example.com", "'=already quoted"),
        exported_user("zoë", "zoe@example.com", "Zoë Ünïcödé 名前"),
        exported_user("bob", "bob@example.com", None),
    ]
    read = invites.read(export.users_csv(users).encode("utf-8"))
    assert [(r.username, r.email, r.name) for r in read.rows] == [
        (u.username, u.email, u.name) for u in users
    ]
    assert [r.error for r in read.rows[:1]] == [None]
    assert read.read_only == ("status", "enabled", "created", "last_modified", "last_sign_in")
    assert read.unknown == ()
    assert read.notes == (
        "Ignored columns an invitation cannot set: status, enabled, created, "
        "last_modified, last_sign_in.",
    )


def test_the_export_read_back_with_a_bom_and_lf_line_ends_is_the_same() -> None:
    users = [exported_user("carol", "carol@example.com", "Carol")]
    text = export.users_csv(users)
    again = ("\ufeff" + text.replace("\r\n", "\n")).encode("utf-8")
    assert invites.read(again) == invites.read(text)


def test_extra_columns_are_ignored_with_a_note_not_refused() -> None:
    text = (
        "username,Status,email,department,group,created\n"
        "ann,CONFIRMED,a@example.com,Sales,Editors,2026-01-01\n"
    )
    read = invites.read(text)
    assert read.rows == [invites.InviteRow(2, "ann", "a@example.com", None, (), None)]
    assert read.read_only == ("Status", "created")
    assert read.unknown == ("department", "group")
    assert read.notes == (
        "Ignored columns an invitation cannot set: Status, created.",
        "Ignored unknown columns: 'department', 'group' (did you mean 'groups'?). The "
        "columns are username, email, name, groups.",
    )


def test_one_ignored_column_is_named_in_the_singular() -> None:
    read = invites.read("username,email,status\nann,a@example.com,CONFIRMED\n")
    assert read.notes == ("Ignored column an invitation cannot set: status.",)


def test_a_file_of_invitation_columns_has_no_notes() -> None:
    assert invites.read("username,email,name,groups\nann,a@example.com,,\n").notes == ()


def test_formula_escaping_is_undone_in_every_column() -> None:
    text = "username,email,name,groups\n'-ann,a@example.com,'=Ann,'@Team;Beta\n"
    [row] = invites.parse(text)
    assert (row.username, row.name, row.groups) == ("-ann", "=Ann", ("@Team", "Beta"))


def test_the_template_imports() -> None:
    text = invites.template_csv()
    assert text.splitlines()[0] == "username,email,name,groups"
    read = invites.read(text.encode("utf-8"), known_groups=set())
    assert read.notes == ()
    assert read.rows == [
        invites.InviteRow(2, "jane.doe", "jane.doe@example.com", "Jane Doe", (), None)
    ]


def test_read_path_refuses_a_file_over_the_size_limit_before_reading_it(tmp_path: Path) -> None:
    big = tmp_path / "big.csv"
    big.write_bytes(b"username,email\n" + b"x" * invites.MAX_BYTES)
    with pytest.raises(ValueError, match="larger than 8 MB"):
        invites.read_path(big)
    small = tmp_path / "small.csv"
    small.write_text("username,email\nann,a@example.com\n", encoding="utf-8")
    assert [r.username for r in invites.read_path(small).rows] == ["ann"]
