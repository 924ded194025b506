"""The attribute rules: which attributes an admin may edit (and why not), each value
checked as Cognito will, and one edit planned from what was typed (the email rule
included)."""

from __future__ import annotations

import dataclasses

import pytest

from desktop_app.admin import attributes
from desktop_app.admin.attributes import Invalid, Problem
from desktop_app.api import admin


def spec(name: str, kind: str = "String", **changes: object) -> admin.AttributeSpec:
    base = admin.AttributeSpec(
        name=name,
        type=kind,  # type: ignore[arg-type]
        mutable=True,
        required=False,
        min_length=None,
        max_length=None,
        min_value=None,
        max_value=None,
        custom=name.startswith("custom:"),
        searchable=not name.startswith("custom:"),
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


SCHEMA = (
    spec("sub", mutable=False, required=True, min_length=1, max_length=2048),
    spec("email", required=True),
    spec("email_verified", "Boolean"),
    spec("phone_number"),
    spec("name"),
    spec("birthdate", min_length=10, max_length=10),
    spec("custom:department", max_length=20),
    spec("custom:employee_id", mutable=False),
    spec("custom:floor", "Number", min_value=0, max_value=40),
    spec("custom:remote", "Boolean"),
    spec("custom:since", "DateTime"),
    spec("custom:last_sign_in"),
)
ALICE = {
    "sub": "0f1e-alice",
    "email": "alice@example.test",
    "email_verified": "true",
    "custom:department": "Sales",
    "custom:employee_id": "E-17",
    "cognito:mfa_enabled": "false",
}


def rows() -> dict[str, attributes.Field]:
    return {row.name: row for row in attributes.fields(SCHEMA, ALICE)}


def test_every_attribute_is_a_row_email_first_then_standard_then_custom() -> None:
    names = [row.name for row in attributes.fields(SCHEMA, ALICE)]
    assert names[:2] == ["email", "phone_number"]
    standard, custom = names[2:7], names[7:]
    assert standard == sorted(standard) and "cognito:mfa_enabled" in standard
    assert custom == sorted(custom) and all(n.startswith("custom:") for n in custom)
    assert set(names) == {s.name for s in SCHEMA} | set(ALICE)
    found = rows()
    assert found["custom:department"].value == "Sales"
    assert found["phone_number"].value == ""  # in the schema, not set on alice


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("sub", attributes.READ_ONLY["sub"]),
        ("email_verified", attributes.READ_ONLY["email_verified"]),
        ("custom:last_sign_in", attributes.READ_ONLY["custom:last_sign_in"]),
        ("custom:employee_id", attributes.IMMUTABLE),
        ("cognito:mfa_enabled", attributes.COGNITO_OWN),
    ],
)
def test_what_is_not_editable_says_why(name: str, why: str) -> None:
    row = rows()[name]
    assert not row.editable and row.read_only == why


def test_an_attribute_the_schema_does_not_list_is_shown_not_edited() -> None:
    row = {r.name: r for r in attributes.fields(SCHEMA, {"locale": "en-GB"})}["locale"]
    assert row.spec is None and row.read_only == attributes.NOT_IN_SCHEMA


def test_the_editable_ones() -> None:
    editable = {name for name, row in rows().items() if row.editable}
    assert editable == {
        "email",
        "phone_number",
        "name",
        "birthdate",
        "custom:department",
        "custom:floor",
        "custom:remote",
        "custom:since",
    }


@pytest.mark.parametrize(
    ("name", "typed", "problem"),
    [
        ("email", "", Invalid(Problem.REQUIRED)),
        ("email", "   ", Invalid(Problem.REQUIRED)),
        ("email", "alice@", Invalid(Problem.NOT_AN_EMAIL)),
        ("email", "alice@example.org", None),
        ("name", "", None),  # emptied: deleted, not required
        ("custom:department", "x" * 21, Invalid(Problem.TOO_LONG, 20)),
        ("custom:department", "x" * 20, None),
        ("name", "x" * 2049, Invalid(Problem.TOO_LONG, 2048)),  # Cognito's own limit
        ("birthdate", "1990-4-30", Invalid(Problem.TOO_SHORT, 10)),
        ("birthdate", "1990-02-30", Invalid(Problem.NOT_A_BIRTHDATE)),
        ("birthdate", "0000-02-29", None),  # no year given
        ("birthdate", "1990-04-30", None),
        ("phone_number", "07700 900123", Invalid(Problem.NOT_A_PHONE_NUMBER)),
        ("phone_number", "+447700900123", None),
        ("custom:floor", "3.5", Invalid(Problem.NOT_A_NUMBER)),
        ("custom:floor", "-1", Invalid(Problem.TOO_SMALL, 0)),
        ("custom:floor", "41", Invalid(Problem.TOO_LARGE, 40)),
        ("custom:floor", "40", None),
        ("custom:remote", "yes", Invalid(Problem.NOT_TRUE_OR_FALSE)),
        ("custom:remote", "TRUE", None),
        ("custom:since", "last week", Invalid(Problem.NOT_A_DATE_TIME)),
        ("custom:since", "2026-05-01T09:30:00Z", None),
    ],
)
def test_each_value_is_checked_as_cognito_will(
    name: str, typed: str, problem: Invalid | None
) -> None:
    assert attributes.check(rows()[name], typed) == problem


def test_plan_sends_only_what_changed_and_deletes_what_was_emptied() -> None:
    found = rows()
    typed = {
        "email": "alice@example.test",  # unchanged
        "name": "Alice Liddell",
        "custom:department": "",  # emptied: deleted
        "phone_number": "",  # empty before and after: nothing
        "custom:remote": " True ",  # trimmed, lower case
        "sub": "mine-now",  # read-only: never sent, whatever is typed
    }
    edit, problems = attributes.plan(found.values(), typed)
    assert problems == {}
    assert dict(edit.set) == {"name": "Alice Liddell", "custom:remote": "true"}
    assert edit.delete == ("custom:department",)
    assert edit.email_verified is None
    assert not edit.empty and set(edit.names) == {"name", "custom:remote", "custom:department"}


def test_plan_collects_each_fields_problem_and_nothing_to_send_is_empty() -> None:
    edit, problems = attributes.plan(rows().values(), {"email": "", "custom:floor": "lots"})
    assert problems == {
        "email": Invalid(Problem.REQUIRED),
        "custom:floor": Invalid(Problem.NOT_A_NUMBER),
    }
    assert edit.empty
    nothing, none = attributes.plan(rows().values(), {"email": "alice@example.test"})
    assert nothing.empty and none == {}


def test_a_new_email_is_unverified_unless_the_admin_marks_it_on_purpose() -> None:
    found = rows().values()
    new = {"email": "alice@new.example"}
    assert attributes.email_change(found, new)
    assert not attributes.email_change(found, {"email": "alice@example.test"})
    assert not attributes.email_change(found, {"email": ""})  # emptied: refused anyway
    edit, _ = attributes.plan(found, new)
    assert dict(edit.set) == {"email": "alice@new.example"} and edit.email_verified is None
    marked, _ = attributes.plan(found, new, mark_email_verified=True)
    assert marked.email_verified is True
    # Ticked, but the email is not changing: nothing about it is sent.
    other, _ = attributes.plan(found, {"name": "Al"}, mark_email_verified=True)
    assert other.email_verified is None
