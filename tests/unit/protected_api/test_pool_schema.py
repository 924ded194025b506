"""The pool's schema as DescribeUserPool gives it, the value rules, and the schema's memory."""

from __future__ import annotations

from typing import Any

import pytest

from protected_api import admin_schema, pool_schema

# A DescribeUserPool answer's SchemaAttributes, as Cognito writes them (strings for limits).
DESCRIBED: dict[str, Any] = {
    "MfaConfiguration": "OPTIONAL",
    "EstimatedNumberOfUsers": 1234,
    "SchemaAttributes": [
        {
            "Name": "sub",
            "AttributeDataType": "String",
            "Mutable": False,
            "Required": True,
            "StringAttributeConstraints": {"MinLength": "1", "MaxLength": "2048"},
        },
        {
            "Name": "email",
            "AttributeDataType": "String",
            "Mutable": True,
            "Required": True,
            "StringAttributeConstraints": {"MinLength": "0", "MaxLength": "2048"},
        },
        {"Name": "email_verified", "AttributeDataType": "Boolean", "Mutable": True},
        {
            "Name": "updated_at",
            "AttributeDataType": "Number",
            "Mutable": True,
            "NumberAttributeConstraints": {"MinValue": "0"},
        },
        {
            "Name": "custom:department",
            "AttributeDataType": "String",
            "Mutable": True,
            "Required": False,
            "StringAttributeConstraints": {"MinLength": "0", "MaxLength": "64"},
        },
        {
            "Name": "custom:level",
            "AttributeDataType": "Number",
            "Mutable": False,
            "NumberAttributeConstraints": {"MinValue": "1", "MaxValue": "9"},
        },
        {
            "Name": "dev:custom:secret",
            "AttributeDataType": "String",
            "DeveloperOnlyAttribute": True,
        },
        {"Name": "custom:odd", "AttributeDataType": "Binary"},
    ],
}


@pytest.fixture
def schema() -> pool_schema.PoolSchema:
    return pool_schema.from_description(DESCRIBED)


def spec(schema: pool_schema.PoolSchema, name: str) -> admin_schema.AttributeSpec:
    found = schema.spec(name)
    assert found is not None, name
    return found


def test_the_description_becomes_attribute_specs(schema: pool_schema.PoolSchema) -> None:
    assert [a.name for a in schema.attributes] == [
        "sub",
        "email",
        "email_verified",
        "updated_at",
        "custom:department",
        "custom:level",
    ]  # developer-only and unknown types are not the app's to show
    assert (schema.mfa_configuration, schema.estimated_users) == ("OPTIONAL", 1234)
    assert spec(schema, "custom:department") == admin_schema.AttributeSpec(
        name="custom:department",
        type="String",
        mutable=True,
        required=False,
        min_length=0,
        max_length=64,
        min_value=None,
        max_value=None,
        custom=True,
        searchable=False,
    )
    level = spec(schema, "custom:level")
    assert (level.type, level.mutable, level.min_value, level.max_value) == ("Number", False, 1, 9)
    assert (level.min_length, level.max_length) == (None, None)
    assert schema.required == ("email",)  # sub too, says Cognito: but it makes that itself


def test_searchable_is_what_list_users_can_filter_on(schema: pool_schema.PoolSchema) -> None:
    searchable = {a.name for a in schema.attributes if a.searchable}
    assert searchable == {"sub", "email"}  # of these; never a custom one
    assert spec(schema, "email_verified").searchable is False


@pytest.mark.parametrize(
    ("name", "value", "why"),
    [
        ("custom:department", "d" * 64, None),
        ("custom:department", "d" * 65, "must be at most 64 characters"),
        ("custom:department", "line\nbreak", "must not contain control characters"),
        ("email", "new@example.com", None),
        ("email", "not an address", "must be an email address"),
        ("email_verified", "true", None),
        ("email_verified", "TRUE", 'must be "true" or "false"'),
        ("updated_at", "1700000000", None),
        ("updated_at", "-1", "must be at least 0"),
        ("updated_at", "soon", "must be a number"),
        ("custom:level", "9", None),
        ("custom:level", "10", "must be at most 9"),
        ("custom:level", "0.5", "must be at least 1"),
    ],
)
def test_a_value_is_checked_against_its_attribute(
    schema: pool_schema.PoolSchema, name: str, value: str, why: str | None
) -> None:
    assert pool_schema.problem(spec(schema, name), value) == why


def test_minimum_lengths_and_phone_numbers() -> None:
    described = {
        "SchemaAttributes": [
            {
                "Name": "custom:code",
                "AttributeDataType": "String",
                "StringAttributeConstraints": {"MinLength": "3", "MaxLength": "5"},
            },
            {"Name": "phone_number", "AttributeDataType": "String"},
        ]
    }
    schema = pool_schema.from_description(described)
    assert pool_schema.problem(spec(schema, "custom:code"), "ab") == "must be at least 3 characters"
    phone = spec(schema, "phone_number")
    assert phone.max_length is None  # no constraints given: Cognito's 2048 applies
    assert pool_schema.problem(phone, "+14155550100") is None
    assert pool_schema.problem(phone, "4155550100") is not None
    assert pool_schema.problem(phone, "x" * 2049) == "must be at most 2048 characters"


def test_the_schema_is_asked_for_once_a_minute_unless_fresh() -> None:
    now = [100.0]
    loads: list[float] = []

    def load() -> pool_schema.PoolSchema:
        loads.append(now[0])
        return pool_schema.from_description(DESCRIBED)

    cache = pool_schema.SchemaCache(load, ttl_s=60, now=lambda: now[0])
    first = cache.get()
    now[0] += 59
    assert cache.get() is first
    assert loads == [100.0]
    now[0] += 2
    cache.get()
    assert loads == [100.0, 161.0]
    cache.get(fresh=True)
    assert len(loads) == 3
