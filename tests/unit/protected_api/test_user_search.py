"""A search becomes one ListUsers filter, and never a different one."""

from __future__ import annotations

import pytest

from protected_api import admin_errors, user_search


@pytest.mark.parametrize(
    ("attribute", "match", "value", "expected"),
    [
        ("email", "exact", "a@example.com", 'email = "a@example.com"'),
        ("username", "prefix", "al", 'username ^= "al"'),
        ("name", "exact", 'say "hi"', 'name = "say \\"hi\\""'),
        ("name", "exact", "back\\slash", 'name = "back\\\\slash"'),
        ("name", "prefix", '\\"', 'name ^= "\\\\\\""'),
        ("name", "exact", '" or email ^= "', 'name = "\\" or email ^= \\""'),
        ("cognito:user_status", "exact", "CONFIRMED", 'cognito:user_status = "CONFIRMED"'),
    ],
)
def test_build_filter_escapes_the_value(
    attribute: str, match: user_search.Match, value: str, expected: str
) -> None:
    assert user_search.build_filter(attribute, match, value) == expected
    assert user_search.filter_for(attribute, match, value) == expected


@pytest.mark.parametrize(
    ("attribute", "value"),
    [
        ("custom:team", "a"),
        ("email ", "a"),
        ("email", ""),
        ("email", "x" * (user_search.MAX_FILTER_VALUE + 1)),
        ("email", "a\nb"),
        ("sub", "\0"),
    ],
)
def test_build_filter_refuses(attribute: str, value: str) -> None:
    with pytest.raises(admin_errors.AdminError) as caught:
        user_search.build_filter(attribute, "exact", value)
    assert (caught.value.status, caught.value.code) == (400, "invalid_parameter")


def test_the_longest_value_is_accepted() -> None:
    value = "x" * user_search.MAX_FILTER_VALUE
    assert user_search.build_filter("email", "exact", value) == f'email = "{value}"'


def test_no_search_is_no_filter() -> None:
    assert user_search.filter_for(None, None, None) is None


@pytest.mark.parametrize(
    ("attribute", "match", "value"),
    [
        ("email", None, None),
        (None, "exact", None),
        (None, None, "a"),
        ("email", "exact", None),
        (None, "prefix", "a"),
    ],
)
def test_a_partial_search_is_an_invalid_request(
    attribute: str | None, match: user_search.Match | None, value: str | None
) -> None:
    with pytest.raises(admin_errors.AdminError) as caught:
        user_search.filter_for(attribute, match, value)
    assert (caught.value.status, caught.value.code) == (400, "invalid_request")
