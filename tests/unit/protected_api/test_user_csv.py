"""Cognito's user-import CSV: the header, a user as a row, a row as a new user, and back."""

from __future__ import annotations

from typing import Any

import pytest

from protected_api import admin_errors, pool_schema, user_csv

# The standard schema as DescribeUserPool lists it (no limits: 2048 applies), with the
# template's custom attributes.
STANDARD = [
    ("sub", "String"),
    ("name", "String"),
    ("given_name", "String"),
    ("family_name", "String"),
    ("email", "String"),
    ("email_verified", "Boolean"),
    ("birthdate", "String"),
    ("phone_number", "String"),
    ("phone_number_verified", "Boolean"),
    ("updated_at", "Number"),
    ("identities", "String"),
    ("custom:plan", "String"),
    ("custom:department", "String"),
]


def schema_with(mfa: str = "OFF") -> pool_schema.PoolSchema:
    attributes = [
        {"Name": name, "AttributeDataType": kind, "Mutable": name != "sub"}
        for name, kind in STANDARD
    ]
    attributes[0]["Required"] = True  # sub, as Cognito describes it
    attributes[4]["Required"] = True  # email, as the template has it
    attributes[6]["StringAttributeConstraints"] = {"MinLength": "10", "MaxLength": "10"}
    return pool_schema.from_description({"SchemaAttributes": attributes, "MfaConfiguration": mfa})


SCHEMA = schema_with()
HEADER = user_csv.header(SCHEMA)
USER: dict[str, Any] = {
    "Username": "bob",
    "UserStatus": "CONFIRMED",
    "Enabled": True,
    "Attributes": [
        {"Name": "sub", "Value": "s-bob"},
        {"Name": "email", "Value": "bob@example.com"},
        {"Name": "email_verified", "Value": "true"},
        {"Name": "phone_number_verified", "Value": "false"},
        {"Name": "birthdate", "Value": "1985-02-01"},
        {"Name": "custom:plan", "Value": "pro"},
        {"Name": "name", "Value": "Bob, Jr."},
    ],
}


def cell(row: list[str], column: str) -> str:
    return row[HEADER.index(column)]


def test_the_header_is_get_csv_headers() -> None:
    # Every attribute but the ones Cognito keeps, then Cognito's two columns, last.
    assert HEADER == [
        "name",
        "given_name",
        "family_name",
        "email",
        "email_verified",
        "birthdate",
        "phone_number",
        "phone_number_verified",
        "updated_at",
        "custom:plan",
        "custom:department",
        "cognito:mfa_enabled",
        "cognito:username",
    ]


def test_a_user_becomes_a_row_in_the_headers_order() -> None:
    row = user_csv.row(USER, HEADER, SCHEMA)
    assert len(row) == len(HEADER)
    assert cell(row, "cognito:username") == "bob"
    assert cell(row, "email_verified") == "TRUE"
    assert cell(row, "phone_number_verified") == "FALSE"
    assert cell(row, "birthdate") == "02/01/1985"  # mm/dd/yyyy in the file
    assert cell(row, "name") == "Bob, Jr."  # the value itself: escaping is the writer's
    assert cell(row, "custom:department") == ""  # absent: empty, never missing
    assert cell(row, "cognito:mfa_enabled") == "FALSE"


@pytest.mark.parametrize(("mfa", "cell_value"), [("ON", "TRUE"), ("OPTIONAL", "FALSE")])
def test_mfa_enabled_follows_the_pool(mfa: str, cell_value: str) -> None:
    row = user_csv.row(USER, HEADER, schema_with(mfa))
    assert cell(row, "cognito:mfa_enabled") == cell_value


def test_a_row_becomes_the_user_it_came_from() -> None:
    columns = user_csv.columns(SCHEMA, HEADER)
    username, attributes = user_csv.new_user(SCHEMA, columns, user_csv.row(USER, HEADER, SCHEMA))
    assert username == "bob"
    original = {a["Name"]: a["Value"] for a in USER["Attributes"] if a["Name"] != "sub"}
    assert dict(attributes) == original


def test_booleans_are_read_in_any_case_and_birthdates_in_either_form() -> None:
    names = ["cognito:username", "cognito:mfa_enabled", "email", "email_verified", "birthdate"]
    columns = user_csv.columns(SCHEMA, names)
    _, attributes = user_csv.new_user(
        SCHEMA, columns, ["ann", "false", "ann@example.com", "True", "1990-12-31"]
    )
    assert dict(attributes) == {
        "email": "ann@example.com",
        "email_verified": "true",
        "birthdate": "1990-12-31",
    }


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (["cognito:username", "cognito:mfa_enabled", "email", "email"], "email appears twice"),
        (["cognito:username", "cognito:mfa_enabled", "email", "sub"], "sub is kept by Cognito"),
        (["cognito:username", "cognito:mfa_enabled", "email", "custom:nope"], "custom:nope is not"),
        (["cognito:username", "cognito:mfa_enabled", "email", "cognito:other"], "cognito:other"),
        (["cognito:mfa_enabled", "email"], "no cognito:username column"),
        (["cognito:username", "email"], "no cognito:mfa_enabled column"),
        (["cognito:username", "cognito:mfa_enabled"], "no email column"),
    ],
)
def test_a_header_the_pool_cannot_take_is_refused(header: list[str], message: str) -> None:
    with pytest.raises(admin_errors.AdminError) as caught:
        user_csv.columns(SCHEMA, header)
    assert (caught.value.status, caught.value.code) == (400, "invalid_parameter")
    assert message in caught.value.message


SHORT = ["cognito:username", "cognito:mfa_enabled", "email", "email_verified", "updated_at"]


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        (["ann", "FALSE", "ann@example.com", "TRUE"], "the row has 4 values and the header 5"),
        (["with space", "FALSE", "ann@example.com", "", ""], "cognito:username must be"),
        (["ann", "", "ann@example.com", "", ""], "cognito:mfa_enabled must be TRUE or FALSE"),
        (["ann", "FALSE", "ann@example.com", "yes", ""], "email_verified must be TRUE or FALSE"),
        (["ann", "FALSE", "", "", ""], "email is required by this user pool"),
        (["ann", "FALSE", "nobody", "", ""], "email must be an email address"),
        (["ann", "FALSE", "ann@example.com", "", "soon"], "updated_at must be a number"),
    ],
)
def test_a_row_cognito_would_refuse_is_a_row_error(cells: list[str], message: str) -> None:
    columns = user_csv.columns(SCHEMA, SHORT)
    with pytest.raises(user_csv.RowError) as caught:
        user_csv.new_user(SCHEMA, columns, cells)
    assert caught.value.code == "invalid_parameter"
    assert message in caught.value.message
    assert "nobody" not in caught.value.message  # the column is named, never the value


def test_usernames_of_rows_short_or_not() -> None:
    columns = user_csv.columns(SCHEMA, SHORT)
    assert user_csv.usernames([["ann", "FALSE"], []], columns) == ["ann", ""]
