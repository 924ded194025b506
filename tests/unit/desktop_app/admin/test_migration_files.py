"""The full export's CSV dialect (Cognito's user-import format): written and read back
exactly, commas as ``\\,``, never quoted; problems named with the file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_app.admin import migration_files as files

AWKWARD = [
    "plain",
    "",
    "a, b",
    'say "hi"',
    "back\\slash",
    "ends with \\",
    "\\,",
    "two\nlines",
    "cr\r\nlf",
    "=1+1",
    "+15550100",
    "Zoë 名前",
    " padded ",
]


def test_a_row_is_written_unquoted_with_commas_escaped() -> None:
    assert files.line(["John", "a, b", "+1555", ""]) == "John,a\\, b,+1555,\n"
    assert files.line(['say "hi"']) == 'say "hi"\n'


@pytest.mark.parametrize("value", AWKWARD)
def test_every_value_reads_back_exactly(value: str) -> None:
    assert files.split(files.line(["x", value, "y"]).removesuffix("\n")) == ["x", value, "y"]


def test_cognitos_own_sample_row_reads_as_cognito_means_it() -> None:
    text = (
        "John,,John,Doe,,,,,,,johndoe@example.com,TRUE,,02/01/1985,,,+12345550100,TRUE,"
        "123 Any Street\\, Apt 4"
    )
    cells = files.split(text)
    assert cells[0] == "John" and cells[10] == "johndoe@example.com"
    assert cells[-1] == "123 Any Street, Apt 4"
    assert files.split("a\\xb") == ["a\\xb"]  # an unknown escape is kept as written


def test_the_reader_takes_a_bom_crlf_and_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "users.csv"
    body = "".join(files.line(["u" + str(i), v]) for i, v in enumerate(AWKWARD))
    path.write_bytes(("\ufeffcognito:username,note\r\n\r\n" + body.replace("\n", "\r\n")).encode())
    # a value's own line break is escaped, so \r\n only ever ends a row
    with files.Reader(path) as reader:
        assert reader.header == ("cognito:username", "note")
        rows = list(reader.rows())
    assert [cells[1] for _n, cells in rows] == AWKWARD
    assert [n for n, _cells in rows] == list(range(1, len(AWKWARD) + 1))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "users.csv is empty"),
        (b"a,b\nx\n", "users.csv line 2: 1 values, the header has 2"),
        (b"a,b\n\xff\xfe,x\n", "not UTF-8"),
        (b"a,b\nx\x00,y\n", "not a text file"),
    ],
)
def test_a_broken_file_is_named_with_its_line(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "users.csv"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=message), files.Reader(path) as reader:
        list(reader.rows())


def test_the_expected_header_is_checked(tmp_path: Path) -> None:
    path = tmp_path / "groups.csv"
    path.write_text("group,username\n", encoding="utf-8")
    with (
        pytest.raises(ValueError, match=r"groups\.csv's header must be group_name,description"),
        files.Reader(path, files.GROUPS_HEADER),
    ):
        pass


def test_a_line_longer_than_the_limit_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(files, "MAX_LINE", 20)
    path = tmp_path / "users.csv"
    path.write_text("a\n" + "x" * 50 + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 2 is too long"), files.Reader(path) as reader:
        list(reader.rows())
