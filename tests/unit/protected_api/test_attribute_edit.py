"""An attribute change checked against the schema: the calls it becomes, or the 400 naming
the attribute."""

from __future__ import annotations

from typing import Any

import pytest

from protected_api import admin_errors, admin_schema, attribute_edit, pool_schema
from tests.unit.protected_api import test_pool_schema

SCHEMA = pool_schema.from_description(
    {
        "SchemaAttributes": [
            *test_pool_schema.DESCRIBED["SchemaAttributes"],
            {"Name": "name", "AttributeDataType": "String", "Mutable": True},
            {"Name": "phone_number_verified", "AttributeDataType": "Boolean", "Mutable": True},
        ]
    }
)


def change(**fields: Any) -> admin_schema.AttributeChange:
    return admin_schema.AttributeChange.model_validate(fields)


def test_values_and_deletions_become_the_two_calls() -> None:
    edit = attribute_edit.plan(
        SCHEMA,
        change(
            set={"name": "Bob", "custom:department": "Sales", "phone_number_verified": "false"},
            delete=["updated_at", "updated_at"],
        ),
    )
    assert edit.update == (
        ("name", "Bob"),
        ("custom:department", "Sales"),
        ("phone_number_verified", "false"),
    )
    assert edit.delete == ("updated_at",)


@pytest.mark.parametrize(
    ("verified", "value"), [(True, "true"), (False, "false")], ids=["verified", "unverified"]
)
def test_email_verified_is_sent_only_when_asked_for(verified: bool, value: str) -> None:
    with_flag = attribute_edit.plan(
        SCHEMA, change(set={"email": "new@example.com"}, email_verified=verified)
    )
    assert with_flag.update == (("email", "new@example.com"), ("email_verified", value))
    # Without it, the address goes alone: Cognito's own rule makes it unverified.
    alone = attribute_edit.plan(SCHEMA, change(set={"email": "new@example.com"}))
    assert alone.update == (("email", "new@example.com"),)
    just_the_flag = attribute_edit.plan(SCHEMA, change(email_verified=verified))
    assert just_the_flag.update == (("email_verified", value),)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"set": {"custom:nope": "x"}}, "custom:nope is not an attribute of this user pool"),
        ({"delete": ["favourite_colour"]}, "favourite_colour is not an attribute"),
        ({"set": {"sub": "x"}}, "sub is kept by Cognito itself"),
        ({"delete": ["identities"]}, "identities is kept by Cognito itself"),
        ({"set": {"cognito:user_status": "CONFIRMED"}}, "cognito:user_status is kept by Cognito"),
        ({"set": {"custom:level": "3"}}, "custom:level cannot be changed once the user exists"),
        ({"set": {"email_verified": "true"}}, "set email_verified with the email_verified field"),
        ({"set": {"custom:department": "d" * 65}}, "custom:department must be at most 64"),
        ({"set": {"updated_at": "yesterday"}}, "updated_at must be a number"),
        ({"set": {"name": ""}}, "name: give a value, or list the attribute under delete"),
        ({"delete": ["email"]}, "email is required by this user pool and cannot be deleted"),
        ({"set": {"name": "x"}, "delete": ["name"]}, "name is both set and deleted"),
    ],
)
def test_a_change_cognito_would_refuse_is_a_400_naming_the_attribute(
    fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(admin_errors.AdminError) as caught:
        attribute_edit.plan(SCHEMA, change(**fields))
    assert (caught.value.status, caught.value.code) == (400, "invalid_parameter")
    assert message in caught.value.message


def test_a_change_of_nothing_is_refused() -> None:
    with pytest.raises(admin_errors.AdminError) as caught:
        attribute_edit.plan(SCHEMA, change())
    assert (caught.value.status, caught.value.code) == (400, "invalid_request")


def test_verification_cannot_go_with_a_deleted_email() -> None:
    optional_email = pool_schema.from_description(
        {"SchemaAttributes": [{"Name": "email", "AttributeDataType": "String", "Required": False}]}
    )
    with pytest.raises(admin_errors.AdminError, match="email_verified cannot be set"):
        attribute_edit.plan(optional_email, change(delete=["email"], email_verified=True))
    assert attribute_edit.plan(optional_email, change(delete=["email"])).delete == ("email",)
