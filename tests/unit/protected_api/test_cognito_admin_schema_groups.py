"""The adapter's schema, attribute and group calls (issue 21): the requests botocore's
Stubber sees, in order, and the answers they become."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from botocore.stub import Stubber

from protected_api import admin_errors, admin_schema, cognito_admin
from tests.unit.protected_api import stubs, test_pool_schema

P = stubs.POOL_ID
Stubbed = tuple[cognito_admin.CognitoAdmin, Stubber]
NOW = datetime.datetime(2026, 1, 2, tzinfo=datetime.UTC)
POOL = {"Id": P, **test_pool_schema.DESCRIBED}
BOB_ATTRIBUTES = [
    {"Name": "sub", "Value": "s-bob"},
    {"Name": "email", "Value": "bob@example.com"},
    {"Name": "custom:department", "Value": "Sales"},
]


def describe(stubber: Stubber) -> None:
    stubber.add_response("describe_user_pool", {"UserPool": POOL}, {"UserPoolId": P})


def get_bob(stubber: Stubber, attributes: list[dict[str, str]] = BOB_ATTRIBUTES) -> None:
    answer = {"Username": "bob", "UserAttributes": attributes, "Enabled": True}
    stubber.add_response("admin_get_user", answer, {"UserPoolId": P, "Username": "bob"})


def bob_detail(stubber: Stubber) -> None:
    """What the answer after a change reads: AdminGetUser and the user's groups."""
    get_bob(stubber)
    stubber.add_response(
        "admin_list_groups_for_user",
        {"Groups": [{"GroupName": "Sales"}]},
        {"UserPoolId": P, "Username": "bob", "Limit": 60},
    )


def change(**fields: Any) -> admin_schema.AttributeChange:
    return admin_schema.AttributeChange.model_validate(fields)


def test_the_schema_is_described_once_and_answered_fresh_for_the_route(stubbed: Stubbed) -> None:
    adapter, stubber = stubbed
    describe(stubber)
    first = adapter.pool_schema()
    assert adapter.pool_schema() is first  # remembered: one DescribeUserPool
    describe(stubber)
    answer = adapter.schema()  # GET /admin/schema asks Cognito now
    assert answer.estimated_users == 1234
    assert [a.name for a in answer.attributes][:2] == ["sub", "email"]


def test_update_attributes_sets_deletes_and_answers_the_user(stubbed: Stubbed) -> None:
    adapter, stubber = stubbed
    describe(stubber)
    stubber.add_response(
        "admin_update_user_attributes",
        {},
        {
            "UserPoolId": P,
            "Username": "bob",
            "UserAttributes": [
                {"Name": "custom:department", "Value": "Sales"},
                {"Name": "email", "Value": "bob@example.com"},
                {"Name": "email_verified", "Value": "true"},
            ],
        },
    )
    stubber.add_response(
        "admin_delete_user_attributes",
        {},
        {"UserPoolId": P, "Username": "bob", "UserAttributeNames": ["updated_at"]},
    )
    bob_detail(stubber)
    detail = adapter.update_attributes(
        "bob",
        change(
            set={"custom:department": "Sales", "email": "bob@example.com"},
            delete=["updated_at"],
            email_verified=True,
        ),
    )
    assert detail.attributes["custom:department"] == "Sales"
    assert detail.groups == ["Sales"]


def test_only_the_calls_a_change_needs_are_made(stubbed: Stubbed) -> None:
    adapter, stubber = stubbed
    describe(stubber)
    stubber.add_response(
        "admin_delete_user_attributes",
        {},
        {"UserPoolId": P, "Username": "bob", "UserAttributeNames": ["custom:department"]},
    )
    bob_detail(stubber)
    adapter.update_attributes("bob", change(delete=["custom:department"]))


def test_a_refused_change_makes_no_call_but_the_schema(stubbed: Stubbed) -> None:
    adapter, stubber = stubbed
    describe(stubber)
    with pytest.raises(admin_errors.AdminError) as caught:
        adapter.update_attributes("bob", change(set={"custom:level": "2"}))
    assert caught.value.status == 400  # immutable; nothing was sent to change it


def test_verifying_the_email_of_a_user_without_one_is_409(stubbed: Stubbed) -> None:
    adapter, stubber = stubbed
    describe(stubber)
    get_bob(stubber, [{"Name": "sub", "Value": "s-bob"}])
    with pytest.raises(admin_errors.AdminError) as caught:
        adapter.update_attributes("bob", change(email_verified=True))
    assert (caught.value.status, caught.value.code) == (409, "invalid_state")


def test_create_group_sends_only_what_is_given(stubbed: Stubbed) -> None:
    adapter, stubber = stubbed
    stubber.add_response(
        "create_group",
        {"Group": {"GroupName": "Sales", "Precedence": 5}},
        {"UserPoolId": P, "GroupName": "Sales", "Precedence": 5},
    )
    group = adapter.create_group("Sales", precedence=5)
    assert group == admin_schema.GroupSummary(
        name="Sales", description=None, precedence=5, member_count=0
    )


def _get_group(stubber: Stubber, **group: Any) -> None:
    stubber.add_response(
        "get_group",
        {"Group": {"GroupName": "Sales", **group}},
        {"UserPoolId": P, "GroupName": "Sales"},
    )


def _members(stubber: Stubber, count: int) -> None:
    users = [{"Username": f"u{i}", "Attributes": []} for i in range(count)]
    stubber.add_response("list_users_in_group", {"Users": users}, None)


def test_update_group_keeps_what_it_was_not_told_to_change(stubbed: Stubbed) -> None:
    adapter, stubber = stubbed
    role = "arn:aws:iam::123456789012:role/sales"
    _get_group(stubber, Description="Old", Precedence=3, RoleArn=role)
    stubber.add_response(
        "update_group",
        {"Group": {"GroupName": "Sales", "Description": "New", "Precedence": 3}},
        # UpdateGroup resets what it is not given: the role and precedence go back too.
        {
            "UserPoolId": P,
            "GroupName": "Sales",
            "Description": "New",
            "Precedence": 3,
            "RoleArn": role,
        },
    )
    _members(stubber, 2)
    group = adapter.update_group("Sales", {"description": "New"})
    assert (group.description, group.precedence, group.member_count) == ("New", 3, 2)


def test_update_group_clears_a_field_by_leaving_it_out(stubbed: Stubbed) -> None:
    adapter, stubber = stubbed
    _get_group(stubber, Description="Old", Precedence=3)
    stubber.add_response(
        "update_group",
        {"Group": {"GroupName": "Sales", "Description": "Old"}},
        {"UserPoolId": P, "GroupName": "Sales", "Description": "Old"},
    )
    _members(stubber, 0)
    assert adapter.update_group("Sales", {"precedence": None}).precedence is None


def test_update_and_delete_of_an_unknown_group_are_404(stubbed: Stubbed) -> None:
    adapter, stubber = stubbed
    stubber.add_client_error("get_group", "ResourceNotFoundException", "Group not found.")
    with pytest.raises(admin_errors.AdminError) as caught:
        adapter.update_group("Nope", {"description": "x"})
    assert caught.value.status == 404
    stubber.add_client_error("delete_group", "ResourceNotFoundException", "Group not found.")
    with pytest.raises(admin_errors.AdminError) as caught:
        adapter.delete_group("Nope")
    assert caught.value.status == 404


def test_delete_group(stubbed: Stubbed) -> None:
    adapter, stubber = stubbed
    stubber.add_response("delete_group", {}, {"UserPoolId": P, "GroupName": "Sales"})
    adapter.delete_group("Sales")


def test_a_taken_group_name_is_409_and_says_which_cognito_error(stubbed: Stubbed) -> None:
    adapter, stubber = stubbed
    stubber.add_client_error(
        "create_group", "GroupExistsException", "A group with the name exists."
    )
    with pytest.raises(admin_errors.AdminError) as caught:
        adapter.create_group("Sales")
    assert (caught.value.status, caught.value.code) == (409, "already_exists")
    assert caught.value.upstream == "GroupExistsException"
