"""The schema, attribute and group routes over real HTTP, against the stand-in.

Each change is checked in the pool itself (boto3 on the stand-in), not only in the
API's answer.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests

from local_cognito import server
from tests.integration.test_api_admin import Admin, admin_token, call  # noqa: F401 - fixtures

pytestmark = pytest.mark.integration


def attributes_of(idp: Any, stand_in: server.LocalCognito, username: str) -> dict[str, str]:
    user = idp.admin_get_user(UserPoolId=stand_in.pool.id, Username=username)
    return {a["Name"]: a["Value"] for a in user["UserAttributes"]}


def patch(as_admin: Admin, username: str, **body: Any) -> requests.Response:
    return as_admin("PATCH", f"/users/{username}/attributes", json=body)


def test_the_schema_lists_the_pools_attributes(call: Admin) -> None:  # noqa: F811
    response = call("GET", "/schema")
    assert response.status_code == 200, response.text
    body = response.json()
    specs = {a["name"]: a for a in body["attributes"]}
    assert specs["email"]["type"] == "String" and specs["email"]["searchable"] is True
    assert specs["email_verified"]["type"] == "Boolean"
    assert specs["sub"]["mutable"] is False
    plan = specs["custom:plan"]  # the stand-in's, as the template's
    assert (plan["custom"], plan["searchable"], plan["max_length"]) == (True, False, 32)
    assert body["estimated_users"] >= 5  # the demo users


def test_an_admin_sets_and_deletes_attributes(
    call: Admin,  # noqa: F811
    idp: Any,
    stand_in: server.LocalCognito,
) -> None:
    response = patch(call, "alice", set={"name": "Alice A.", "custom:plan": "pro"})
    assert response.status_code == 200, response.text
    assert response.json()["attributes"]["custom:plan"] == "pro"
    assert response.json()["name"] == "Alice A."
    held = attributes_of(idp, stand_in, "alice")
    assert (held["name"], held["custom:plan"]) == ("Alice A.", "pro")

    response = patch(call, "alice", delete=["custom:plan"])
    assert response.status_code == 200, response.text
    assert "custom:plan" not in attributes_of(idp, stand_in, "alice")


def test_a_new_email_verified_on_purpose(
    call: Admin,  # noqa: F811
    idp: Any,
    stand_in: server.LocalCognito,
) -> None:
    response = patch(call, "alice", set={"email": "alice.new@example.com"}, email_verified=True)
    assert response.status_code == 200, response.text
    held = attributes_of(idp, stand_in, "alice")
    assert (held["email"], held["email_verified"]) == ("alice.new@example.com", "true")
    # Marked unverified on purpose (another admin's account: allowed).
    assert patch(call, "alice", email_verified=False).status_code == 200
    assert attributes_of(idp, stand_in, "alice")["email_verified"] == "false"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"set": {"sub": "mine"}}, "sub is kept by Cognito itself"),
        ({"set": {"custom:nope": "x"}}, "custom:nope is not an attribute of this user pool"),
        ({"set": {"custom:plan": "p" * 33}}, "custom:plan must be at most 32 characters"),
        ({"set": {"email": "not an address"}}, "email must be an email address"),
        ({"set": {"email_verified": "true"}}, "email_verified field"),
        ({"set": {"cognito:user_status": "CONFIRMED"}}, "kept by Cognito"),
    ],
)
def test_a_change_cognito_would_refuse_is_a_400_and_changes_nothing(
    call: Admin,  # noqa: F811
    idp: Any,
    stand_in: server.LocalCognito,
    body: dict[str, Any],
    message: str,
) -> None:
    before = attributes_of(idp, stand_in, "alice")
    response = patch(call, "alice", **body)
    assert response.status_code == 400, response.text
    assert message in response.json()["message"]
    assert attributes_of(idp, stand_in, "alice") == before


def test_an_admin_cannot_unverify_their_own_email(
    call: Admin,  # noqa: F811
    idp: Any,
    stand_in: server.LocalCognito,
) -> None:
    response = patch(call, "admin", email_verified=False)
    assert response.status_code == 409
    assert response.json()["error"] == "self_lockout"
    assert attributes_of(idp, stand_in, "admin")["email_verified"] == "true"
    # Any other change to one's own attributes is fine.
    assert patch(call, "admin", set={"name": "The Admin"}).status_code == 200


def test_unknown_user_is_404(call: Admin) -> None:  # noqa: F811
    response = patch(call, "nobody-here", set={"name": "x"})
    assert response.status_code == 404


def groups_of_pool(idp: Any, stand_in: server.LocalCognito) -> dict[str, dict[str, Any]]:
    answer = idp.list_groups(UserPoolId=stand_in.pool.id, Limit=60)
    return {g["GroupName"]: g for g in answer["Groups"]}


def test_an_admin_creates_changes_and_deletes_a_group(
    call: Admin,  # noqa: F811
    idp: Any,
    stand_in: server.LocalCognito,
) -> None:
    created = call("POST", "/groups", json={"name": "Sales", "description": "S", "precedence": 5})
    assert created.status_code == 201, created.text
    assert created.json() == {
        "name": "Sales",
        "description": "S",
        "precedence": 5,
        "member_count": 0,
    }
    assert call("POST", "/groups", json={"name": "Sales"}).status_code == 409

    idp.admin_add_user_to_group(UserPoolId=stand_in.pool.id, Username="alice", GroupName="Sales")
    changed = call("PATCH", "/groups/Sales", json={"precedence": 2})
    assert changed.status_code == 200, changed.text
    assert changed.json() == {
        "name": "Sales",
        "description": "S",
        "precedence": 2,
        "member_count": 1,
    }
    held = groups_of_pool(idp, stand_in)["Sales"]
    assert (held["Description"], held["Precedence"]) == ("S", 2)

    assert call("DELETE", "/groups/Sales").status_code == 204
    assert "Sales" not in groups_of_pool(idp, stand_in)
    # alice stays, outside the group.
    assert idp.admin_get_user(UserPoolId=stand_in.pool.id, Username="alice")["Username"] == "alice"
    assert call("DELETE", "/groups/Sales").status_code == 404
    assert call("PATCH", "/groups/Sales", json={"precedence": 1}).status_code == 404


def test_the_admin_group_cannot_be_deleted(
    call: Admin,  # noqa: F811
    idp: Any,
    stand_in: server.LocalCognito,
) -> None:
    response = call("DELETE", "/groups/Admin")
    assert response.status_code == 409
    assert response.json()["error"] == "admin_group"
    assert "Admin" in groups_of_pool(idp, stand_in)
    # Its description and precedence may still change.
    assert call("PATCH", "/groups/Admin", json={"description": "Admins"}).status_code == 200


def test_a_group_name_cognito_refuses_is_refused_before_any_call(
    call: Admin,  # noqa: F811
    idp: Any,
    stand_in: server.LocalCognito,
) -> None:
    for body in ({"name": "with space"}, {"name": "G", "precedence": -1}, {"name": ""}):
        assert call("POST", "/groups", json=body).status_code == 422
    assert not {"with space", "G", ""} & set(groups_of_pool(idp, stand_in))


def test_groups_list_shows_the_new_fields(call: Admin) -> None:  # noqa: F811
    call("POST", "/groups", json={"name": "Ops", "description": "On call", "precedence": 1})
    listed = {g["name"]: g for g in call("GET", "/groups").json()["groups"]}
    assert listed["Ops"] == {
        "name": "Ops",
        "description": "On call",
        "precedence": 1,
        "member_count": 0,
    }
