"""The issue 21 routes over real HTTP, beyond their row in test_admin.py: their guards,
their validation (422 before any Cognito call, 400 naming the attribute), their limits.

Same set-up as test_admin.py: the in-process API, a verifier that knows a few tokens,
the real adapter on a Stubber that must see exactly the calls queued.
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.stub import Stubber

from protected_api import cognito_admin
from protected_api import server as api_server
from tests.unit.protected_api.routes.test_admin import (
    DESCRIBE,
    GET_BOB,
    LIVE,
    P,
    api,  # noqa: F401 - the fixture
    audit_lines,  # noqa: F401 - the fixture
    call,
    on_bob,
    queue,
)

Stubbed = tuple[cognito_admin.CognitoAdmin, Stubber]


def test_the_admin_group_is_never_deleted(
    api: api_server.ApiServer,  # noqa: F811 - the fixture
    stubbed: Stubbed,
    audit_lines: list[dict[str, Any]],  # noqa: F811 - the fixture
) -> None:
    queue(stubbed, *LIVE)  # the live check, then nothing: no DeleteGroup
    response = call(api, "DELETE", "/groups/Admin")
    assert response.status_code == 409
    assert response.json()["error"] == "admin_group"
    assert "Admin group" in response.json()["message"]
    assert [(line["action"], line["target"], line["result"]) for line in audit_lines] == [
        ("delete_group", "Admin", "admin_group")
    ]


def test_an_admin_cannot_mark_their_own_email_unverified(
    api: api_server.ApiServer,  # noqa: F811 - the fixture
    stubbed: Stubbed,
) -> None:
    queue(stubbed, *LIVE)
    response = call(api, "PATCH", "/users/admin/attributes", json={"email_verified": False})
    assert response.status_code == 409
    assert response.json()["error"] == "self_lockout"


def test_marking_someone_elses_email_unverified_is_allowed(
    api: api_server.ApiServer,  # noqa: F811 - the fixture
    stubbed: Stubbed,
) -> None:
    queue(
        stubbed,
        *LIVE,
        GET_BOB,  # is bob the caller under another name? (the guard asks)
        DESCRIBE,
        on_bob(
            "admin_update_user_attributes",
            UserAttributes=[{"Name": "email_verified", "Value": "false"}],
        ),
        GET_BOB,
        ("admin_list_groups_for_user", {"Groups": []}, None),
    )
    response = call(api, "PATCH", "/users/bob/attributes", json={"email_verified": False})
    assert response.status_code == 200, response.text
    assert response.json()["username"] == "bob"


def test_an_attribute_cognito_would_refuse_is_a_400_naming_it(
    api: api_server.ApiServer,  # noqa: F811 - the fixture
    stubbed: Stubbed,
) -> None:
    queue(stubbed, *LIVE, DESCRIBE)  # and no AdminUpdateUserAttributes
    response = call(api, "PATCH", "/users/bob/attributes", json={"set": {"sub": "mine"}})
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_parameter",
        "message": "sub is kept by Cognito itself and cannot be changed",
    }


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PATCH", "/users/bob/attributes", {"set": {"name": 5}}),
        ("PATCH", "/users/bob/attributes", {"set": {"name": "x"}, "extra": 1}),
        ("PATCH", "/users/bob/attributes", {"email_verified": "yes"}),
        ("PATCH", "/users/bob/attributes", {"set": {"with space": "x"}}),
        ("PATCH", "/users/bob/attributes", {"set": {"name": "x" * 2049}}),
        ("POST", "/groups", {"name": "with space"}),
        ("POST", "/groups", {"name": "G", "precedence": -1}),
        ("POST", "/groups", {"name": "G", "precedence": "3"}),
        ("POST", "/groups", {"name": "G", "description": "x" * 2049}),
        ("PATCH", "/groups/G", {"precedence": True}),
        ("PATCH", "/groups/G", {"role_arn": "arn:aws:iam::1:role/x"}),
        (
            "POST",
            "/import/users",
            {"header": ["cognito:username"], "rows": [], "message_action": "SUPPRESS"},
        ),
        (
            "POST",
            "/import/users",
            {"header": ["cognito:username"], "rows": [["a"]] * 51, "message_action": "SUPPRESS"},
        ),
        (
            "POST",
            "/import/users",
            {"header": ["cognito:username"], "rows": [["a"]], "message_action": "EMAIL"},
        ),
        ("POST", "/import/memberships", {"memberships": [["G", "a"]] * 101}),
        ("POST", "/import/memberships", {"memberships": [["G"]]}),
        ("POST", "/import/memberships", {"groups": [{"name": "G", "precedence": 1.5}]}),
    ],
)
def test_a_body_out_of_bounds_is_refused_before_anything_is_asked(
    api: api_server.ApiServer,  # noqa: F811 - the fixture
    method: str,
    path: str,
    body: dict[str, Any],
) -> None:
    # Nothing queued: not even the live check runs for a body that cannot be valid.
    response = call(api, method, path, json=body)
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "invalid_request"


def test_an_export_token_is_checked_before_any_call(
    api: api_server.ApiServer,  # noqa: F811 - the fixture
) -> None:
    long = call(api, "GET", "/export/users", params={"pagination_token": "t" * 4097})
    assert long.status_code == 422
    forged = call(api, "GET", "/export/memberships", params={"pagination_token": "bm90LWpzb24"})
    assert forged.status_code == 400
    assert forged.json()["error"] == "invalid_parameter"


def test_the_schema_answer_lists_the_pools_attributes(
    api: api_server.ApiServer,  # noqa: F811 - the fixture
    stubbed: Stubbed,
) -> None:
    queue(stubbed, DESCRIBE)
    body = call(api, "GET", "/schema").json()
    assert body["estimated_users"] == 2
    department = next(a for a in body["attributes"] if a["name"] == "custom:department")
    assert department == {
        "name": "custom:department",
        "type": "String",
        "mutable": True,
        "required": False,
        "min_length": None,
        "max_length": None,
        "min_value": None,
        "max_value": None,
        "custom": True,
        "searchable": False,
    }


def test_a_group_change_sends_only_the_fields_named(
    api: api_server.ApiServer,  # noqa: F811 - the fixture
    stubbed: Stubbed,
) -> None:
    queue(
        stubbed,
        *LIVE,
        ("get_group", {"Group": {"GroupName": "G", "Description": "D", "Precedence": 7}}, None),
        # precedence: null clears it (left out of UpdateGroup); the description stays.
        (
            "update_group",
            {"Group": {"GroupName": "G", "Description": "D"}},
            {"UserPoolId": P, "GroupName": "G", "Description": "D"},
        ),
        ("list_users_in_group", {"Users": []}, None),
    )
    response = call(api, "PATCH", "/groups/G", json={"precedence": None})
    assert response.status_code == 200, response.text
    assert response.json() == {
        "name": "G",
        "description": "D",
        "precedence": None,
        "member_count": 0,
    }
