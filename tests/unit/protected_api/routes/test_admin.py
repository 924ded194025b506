"""``/admin`` over real HTTP: every row of the route table, the live check, the guards,
the audit line, and names that hold a ``/``.

The API runs in-process (``ApiServer``) with a verifier that knows a few tokens
(admins' and a plain user's) and the real adapter on a boto3 client whose
answers botocore's ``Stubber`` gives: a route that makes a call it should not,
or with other parameters, fails the request, and every answer queued must be
used. The 429 and 503 answers come from the real client against a loopback
Cognito, with botocore's sleeps recorded instead of slept.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import urllib.parse
from collections.abc import Iterator
from typing import Any

import fastapi
import pytest
import requests
from botocore.stub import Stubber

from protected_api import (
    admin_errors,
    audit,
    auth,
    cognito_admin,
    cognito_errors,
    live_authority,
)
from protected_api import app as api_app
from protected_api import server as api_server
from protected_api.routes import admin
from tests.unit.protected_api import stubs

P = stubs.POOL_ID
ME = stubs.claims("admin", "Admin", sub="s-admin")
# The same admin with the scope that lets Cognito's GetUser take their token.
ME_SCOPED = {**ME, "scope": f"openid {live_authority.SIGN_IN_SCOPE}"}
TOKENS = {
    "admin-token": ME,
    "scoped-token": ME_SCOPED,
    "user-token": stubs.claims("alice", "Editors"),
}
BOB_SUB = [{"Name": "sub", "Value": "s-bob"}]
BOB = {"Username": "bob", "Attributes": BOB_SUB, "UserStatus": "CONFIRMED", "Enabled": True}
GET_BOB = ("admin_get_user", {"Username": "bob", "UserAttributes": BOB_SUB}, None)
# bob signed up and has not entered the emailed code yet, as AdminGetUser says.
GET_PENDING_BOB = (
    "admin_get_user",
    {"Username": "bob", "UserAttributes": BOB_SUB, "UserStatus": "UNCONFIRMED"},
    {"UserPoolId": P, "Username": "bob"},
)
ADMIN_SUB = [{"Name": "sub", "Value": "s-admin"}]
ADMIN = {"Username": "admin", "Attributes": ADMIN_SUB, "UserStatus": "CONFIRMED", "Enabled": True}
Call = tuple[str, dict[str, Any], dict[str, Any] | None]
# DescribeUserPool: the pool's schema (name and custom:department, both mutable).
POOL_SCHEMA = [
    {"Name": "sub", "AttributeDataType": "String", "Mutable": False, "Required": True},
    {"Name": "name", "AttributeDataType": "String", "Mutable": True},
    {"Name": "email", "AttributeDataType": "String", "Mutable": True},
    {"Name": "email_verified", "AttributeDataType": "Boolean", "Mutable": True},
    {"Name": "custom:department", "AttributeDataType": "String", "Mutable": True},
]
DESCRIBE: Call = (
    "describe_user_pool",
    {"UserPool": {"Id": P, "SchemaAttributes": POOL_SCHEMA, "EstimatedNumberOfUsers": 2}},
    {"UserPoolId": P},
)


def my_account(*, enabled: bool = True, sub: str = "s-admin") -> Call:
    """AdminGetUser on the caller: their account as Cognito has it now."""
    answer = {"Username": "admin", "UserAttributes": [{"Name": "sub", "Value": sub}]}
    return "admin_get_user", {**answer, "Enabled": enabled}, {"UserPoolId": P, "Username": "admin"}


def my_groups(*groups: str) -> Call:
    """AdminListGroupsForUser on the caller."""
    answer = {"Groups": [{"GroupName": g} for g in groups]}
    return "admin_list_groups_for_user", answer, {"UserPoolId": P, "Username": "admin", "Limit": 60}


# The live check before every change: the caller's account, then their groups.
LIVE = [my_account(), my_groups("Admin", "Editors")]


def admins(*users: dict[str, Any]) -> Call:
    """ListUsersInGroup on the admin group (the last-admin rule)."""
    return (
        "list_users_in_group",
        {"Users": list(users)},
        {"UserPoolId": P, "GroupName": "Admin", "Limit": 60},
    )


# The caller and bob, both enabled admins: taking one away leaves one.
TWO_ADMINS = admins(ADMIN, BOB)


def on_bob(operation: str, **extra: Any) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """A call on bob that answers nothing, with the parameters it must be made with."""
    return operation, {}, {"UserPoolId": P, "Username": "bob", **extra}


@dataclasses.dataclass(frozen=True)
class Case:
    """A harmless request for one row, and the Cognito calls it must make, in order."""

    path: str
    calls: list[tuple[str, dict[str, Any], dict[str, Any] | None]]
    target: str | None = "bob"
    group: str | None = None
    query: dict[str, Any] = dataclasses.field(default_factory=dict)
    body: dict[str, Any] | None = None


CASES = {
    "list_users": Case(
        "/users",
        [("list_users", {"Users": [BOB]}, {"UserPoolId": P, "Limit": 9, "Filter": 'email ^= "b"'})],
        target=None,
        query={"limit": 9, "attribute": "email", "match": "prefix", "value": "b"},
    ),
    "create_user": Case(
        "/users",
        [*LIVE, ("admin_create_user", {"User": BOB}, None)],
        body={"username": "bob", "email": "bob@example.com"},
    ),
    "get_user": Case("/users/bob", [GET_BOB, ("admin_list_groups_for_user", {"Groups": []}, None)]),
    "delete_user": Case("/users/bob", [*LIVE, GET_BOB, TWO_ADMINS, on_bob("admin_delete_user")]),
    "resend_invitation": Case(
        "/users/bob/resend-invitation",
        [
            *LIVE,
            on_bob("admin_create_user", MessageAction="RESEND", DesiredDeliveryMediums=["EMAIL"]),
        ],
    ),
    "enable_user": Case("/users/bob/enable", [*LIVE, on_bob("admin_enable_user")]),
    "disable_user": Case(
        "/users/bob/disable", [*LIVE, GET_BOB, TWO_ADMINS, on_bob("admin_disable_user")]
    ),
    "reset_password": Case(
        "/users/bob/reset-password", [*LIVE, on_bob("admin_reset_user_password")]
    ),
    "global_sign_out": Case("/users/bob/sign-out", [*LIVE, on_bob("admin_user_global_sign_out")]),
    "add_to_group": Case(
        "/users/bob/groups/Editors",
        [*LIVE, on_bob("admin_add_user_to_group", GroupName="Editors")],
        group="Editors",
    ),
    "remove_from_group": Case(
        "/users/bob/groups/Admin",
        [*LIVE, GET_BOB, TWO_ADMINS, on_bob("admin_remove_user_from_group", GroupName="Admin")],
        group="Admin",
    ),
    "list_mfa": Case(
        "/mfa",
        [
            (
                "admin_get_user",
                {"Username": "bob", "UserAttributes": BOB_SUB, "UserMFASettingList": ["X"]},
                {"UserPoolId": P, "Username": "bob"},
            )
        ],
        target=None,
        query={"username": "bob"},
    ),
    "confirm_sign_up": Case(
        "/users/bob/confirm-sign-up", [*LIVE, GET_PENDING_BOB, on_bob("admin_confirm_sign_up")]
    ),
    "resend_confirmation_code": Case(
        "/users/bob/resend-confirmation-code",
        [
            *LIVE,
            GET_PENDING_BOB,
            ("resend_confirmation_code", {}, {"ClientId": stubs.CLIENT, "Username": "bob"}),
        ],
    ),
    "reset_mfa": Case(
        "/users/bob/reset-mfa",
        [
            *LIVE,
            on_bob(
                "admin_set_user_mfa_preference",
                SoftwareTokenMfaSettings={"Enabled": False, "PreferredMfa": False},
            ),
        ],
    ),
    "verify_email": Case(
        "/users/bob/verify-email",
        [
            *LIVE,
            (
                "admin_get_user",
                {"Username": "bob", "UserAttributes": [{"Name": "email", "Value": "b@x.example"}]},
                {"UserPoolId": P, "Username": "bob"},
            ),
            on_bob(
                "admin_update_user_attributes",
                UserAttributes=[{"Name": "email_verified", "Value": "true"}],
            ),
        ],
    ),
    "list_groups": Case(
        "/groups",
        [
            ("list_groups", {"Groups": [{"GroupName": "A"}]}, None),
            ("list_users_in_group", {"Users": [BOB]}, None),
        ],
        target=None,
    ),
    "list_group_members": Case(
        "/groups/Editors/members",
        [
            (
                "list_users_in_group",
                {"Users": [BOB]},
                {"UserPoolId": P, "GroupName": "Editors", "Limit": 5, "NextToken": "t"},
            )
        ],
        target="Editors",
        query={"limit": 5, "pagination_token": "t"},
    ),
    # Issue 21
    "get_schema": Case("/schema", [DESCRIBE], target=None),
    "update_attributes": Case(
        "/users/bob/attributes",
        [
            *LIVE,
            DESCRIBE,
            on_bob("admin_update_user_attributes", UserAttributes=[{"Name": "name", "Value": "B"}]),
            GET_BOB,
            ("admin_list_groups_for_user", {"Groups": []}, None),
        ],
        body={"set": {"name": "B"}},
    ),
    "create_group": Case(
        "/groups",
        [
            *LIVE,
            (
                "create_group",
                {"Group": {"GroupName": "Sales"}},
                {"UserPoolId": P, "GroupName": "Sales", "Precedence": 3},
            ),
        ],
        target="Sales",
        body={"name": "Sales", "precedence": 3},
    ),
    "update_group": Case(
        "/groups/Sales",
        [
            *LIVE,
            ("get_group", {"Group": {"GroupName": "Sales", "Precedence": 3}}, None),
            (
                "update_group",
                {"Group": {"GroupName": "Sales", "Description": "S", "Precedence": 3}},
                {"UserPoolId": P, "GroupName": "Sales", "Description": "S", "Precedence": 3},
            ),
            ("list_users_in_group", {"Users": [BOB]}, None),
        ],
        target="Sales",
        body={"description": "S"},
    ),
    "delete_group": Case(
        "/groups/Sales",
        [*LIVE, ("delete_group", {}, {"UserPoolId": P, "GroupName": "Sales"})],
        target="Sales",
    ),
    "export_users": Case(
        "/export/users",
        [DESCRIBE, ("list_users", {"Users": [BOB]}, {"UserPoolId": P, "Limit": 60})],
        target=None,
    ),
    "export_memberships": Case(
        "/export/memberships", [("list_groups", {"Groups": []}, None)], target=None
    ),
    "import_users": Case(
        "/import/users",
        [*LIVE, DESCRIBE, ("admin_create_user", {"User": BOB}, None)],
        target=None,
        body={
            "header": ["cognito:username", "cognito:mfa_enabled", "name"],
            "rows": [["bob", "FALSE", "Bob"]],
            "message_action": "SUPPRESS",
        },
    ),
    "import_memberships": Case(
        "/import/memberships",
        [*LIVE, on_bob("admin_add_user_to_group", GroupName="Sales")],
        target=None,
        body={"memberships": [["Sales", "bob"]]},
    ),
}


@pytest.fixture
def audit_lines(caplog: pytest.LogCaptureFixture) -> Iterator[list[dict[str, Any]]]:
    """The audit lines written during the test, parsed (the list fills as they come)."""
    caplog.set_level(logging.INFO, logger=audit.LOGGER_NAME)
    lines: list[dict[str, Any]] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(json.loads(record.getMessage()))

    handler = Collect()
    logging.getLogger(audit.LOGGER_NAME).addHandler(handler)
    yield lines
    logging.getLogger(audit.LOGGER_NAME).removeHandler(handler)


def serve(adapter: cognito_admin.CognitoAdmin) -> api_server.ApiServer:
    app = api_app.create_app(
        stubs.settings_for(), token_verifier=stubs.TokenTable(TOKENS), admin_client=adapter
    )
    return api_server.ApiServer(app)


@pytest.fixture
def api(stubbed: tuple[cognito_admin.CognitoAdmin, Stubber]) -> Iterator[api_server.ApiServer]:
    with serve(stubbed[0]) as running:
        yield running


def call(
    api: api_server.ApiServer, method: str, path: str, token: str = "admin-token", **kwargs: Any
) -> requests.Response:
    return requests.request(
        method,
        f"{api.url}/admin{path}",
        headers=stubs.bearer(token),
        timeout=stubs.TIMEOUT,
        **kwargs,
    )


# Every row


@pytest.mark.parametrize("route", admin.ROUTES, ids=lambda route: route.action)
def test_every_route_makes_its_call_and_writes_one_audit_line(
    route: admin.AdminRoute,
    api: api_server.ApiServer,
    stubbed: tuple[cognito_admin.CognitoAdmin, Stubber],
    audit_lines: list[dict[str, Any]],
) -> None:
    case = CASES[route.action]
    for operation, answer, expected in case.calls:
        stubbed[1].add_response(operation, answer, expected)
    response = call(api, route.method, case.path, params=case.query, json=case.body)
    assert response.status_code == route.status_code, response.text
    assert response.headers["Cache-Control"] == "no-store"
    [line] = audit_lines
    assert line["action"] == route.action
    assert (line["target"], line["group"], line["result"]) == (case.target, case.group, "ok")
    assert (line["actor_sub"], line["actor_username"]) == ("s-admin", "admin")
    assert line["request_id"] == response.headers["X-Request-ID"]


# The guards


@pytest.mark.parametrize(
    ("method", "path", "what"),
    [
        ("POST", "/users/admin/disable", "disable"),
        ("DELETE", "/users/s-admin", "delete"),
        ("DELETE", "/users/admin/groups/Admin", "remove group Admin from"),
    ],
)
def test_self_lockout_is_refused_after_the_live_check_only(
    api: api_server.ApiServer,
    stubbed: tuple[cognito_admin.CognitoAdmin, Stubber],
    audit_lines: list[dict[str, Any]],
    method: str,
    path: str,
    what: str,
) -> None:
    for operation, answer, expected in LIVE:
        stubbed[1].add_response(operation, answer, expected)
    response = call(api, method, path)
    assert response.status_code == 409
    assert response.json() == {
        "error": "self_lockout",
        "message": f"you cannot {what} your own account; ask another admin",
    }
    assert [line["result"] for line in audit_lines] == ["self_lockout"]


def test_an_alias_of_the_caller_is_the_caller(
    api: api_server.ApiServer, stubbed: tuple[cognito_admin.CognitoAdmin, Stubber]
) -> None:
    me = {"Username": "admin", "UserAttributes": [{"Name": "sub", "Value": "s-admin"}]}
    for operation, answer, expected in LIVE:
        stubbed[1].add_response(operation, answer, expected)
    stubbed[1].add_response(
        "admin_get_user", me, {"UserPoolId": P, "Username": "admin@example.com"}
    )
    assert call(api, "POST", "/users/admin@example.com/disable").status_code == 409


def test_leaving_another_group_is_allowed(
    api: api_server.ApiServer, stubbed: tuple[cognito_admin.CognitoAdmin, Stubber]
) -> None:
    for operation, answer, expected in LIVE:
        stubbed[1].add_response(operation, answer, expected)
    stubbed[1].add_response(
        "admin_remove_user_from_group",
        {},
        {"UserPoolId": P, "Username": "admin", "GroupName": "Editors"},
    )
    assert call(api, "DELETE", "/users/admin/groups/Editors").status_code == 204


# Live authority: before a change, Cognito says whether the caller is still an admin


def queue(stubbed: tuple[cognito_admin.CognitoAdmin, Stubber], *calls: Call) -> None:
    for operation, answer, expected in calls:
        stubbed[1].add_response(operation, answer, expected)


@pytest.mark.parametrize(
    ("calls", "code"),
    [
        ([my_account(), my_groups("Editors")], "admin_removed"),
        ([my_account(enabled=False)], "account_disabled"),
        ([my_account(sub="s-new-account")], "account_deleted"),
    ],
    ids=["demoted", "disabled", "username-reused"],
)
@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/users/bob/disable"), ("DELETE", "/users/bob"), ("PUT", "/users/bob/groups/Admin")],
)
def test_a_change_is_refused_when_cognito_no_longer_takes_the_caller_as_an_admin(
    api: api_server.ApiServer,
    stubbed: tuple[cognito_admin.CognitoAdmin, Stubber],
    audit_lines: list[dict[str, Any]],
    calls: list[Call],
    code: str,
    method: str,
    path: str,
) -> None:
    queue(stubbed, *calls)  # and nothing after: the change itself is never asked for
    response = call(api, method, path)
    assert response.status_code == 403, response.text
    assert response.json()["error"] == code
    assert response.headers["Cache-Control"] == "no-store"
    assert [line["result"] for line in audit_lines] == [code]


def test_a_deleted_caller_is_refused(
    api: api_server.ApiServer, stubbed: tuple[cognito_admin.CognitoAdmin, Stubber]
) -> None:
    stubbed[1].add_client_error("admin_get_user", "UserNotFoundException", "User does not exist.")
    response = call(api, "POST", "/users/bob/enable")
    assert (response.status_code, response.json()["error"]) == (403, "account_deleted")


def test_with_the_sign_in_scope_the_callers_own_token_is_checked(
    api: api_server.ApiServer, stubbed: tuple[cognito_admin.CognitoAdmin, Stubber]
) -> None:
    holder = {"Username": "admin", "UserAttributes": ADMIN_SUB}
    queue(
        stubbed,
        ("get_user", holder, {"AccessToken": "scoped-token"}),
        my_groups("Admin"),
        on_bob("admin_enable_user"),
    )
    assert call(api, "POST", "/users/bob/enable", token="scoped-token").status_code == 204


@pytest.mark.parametrize(
    ("account", "code"),
    [(my_account(), "signed_out"), (my_account(enabled=False), "account_disabled")],
    ids=["signed-out", "disabled"],
)
def test_a_token_cognito_revoked_is_refused_with_the_reason(
    api: api_server.ApiServer,
    stubbed: tuple[cognito_admin.CognitoAdmin, Stubber],
    account: Call,
    code: str,
) -> None:
    stubbed[1].add_client_error(
        "get_user", "NotAuthorizedException", "Access Token has been revoked"
    )
    queue(stubbed, account)
    response = call(api, "POST", "/users/bob/enable", token="scoped-token")
    assert (response.status_code, response.json()["error"]) == (403, code)


# The last admin


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/users/bob/disable"),
        ("DELETE", "/users/bob"),
        ("DELETE", "/users/bob/groups/Admin"),
    ],
)
def test_the_last_enabled_admin_is_kept(
    api: api_server.ApiServer,
    stubbed: tuple[cognito_admin.CognitoAdmin, Stubber],
    audit_lines: list[dict[str, Any]],
    method: str,
    path: str,
) -> None:
    # The caller passed the live check, then was disabled by bob's own request: bob is
    # the one enabled admin left, and taking him away would leave none.
    queue(stubbed, *LIVE, GET_BOB, admins({**ADMIN, "Enabled": False}, BOB))
    response = call(api, method, path)
    assert response.status_code == 409, response.text
    body = response.json()
    assert body["error"] == "last_admin"
    assert body["message"].endswith("this would leave the pool without an enabled admin")
    assert [line["result"] for line in audit_lines] == ["last_admin"]


# The last sign-in on the wire (issue 20)


def test_user_summaries_carry_the_last_sign_in_as_iso_8601_or_null(
    api: api_server.ApiServer, stubbed: tuple[cognito_admin.CognitoAdmin, Stubber]
) -> None:
    signed_in = {
        **BOB,
        "Attributes": [*BOB_SUB, {"Name": "custom:last_sign_in", "Value": "2026-03-01T08:15:09Z"}],
    }
    garbled = {
        **ADMIN,
        "Attributes": [*ADMIN_SUB, {"Name": "custom:last_sign_in", "Value": "last Tuesday"}],
    }
    never = {**BOB, "Username": "carol"}
    queue(stubbed, ("list_users", {"Users": [signed_in, garbled, never]}, None))
    response = call(api, "GET", "/users")
    assert response.status_code == 200, response.text
    users = response.json()["users"]
    assert [(u["username"], u["last_sign_in"]) for u in users] == [
        ("bob", "2026-03-01T08:15:09Z"),
        ("admin", None),
        ("carol", None),
    ]


# Names with a "/": the raw path decides


def test_a_quoted_slash_names_one_user_and_never_moves_the_request(
    api: api_server.ApiServer, stubbed: tuple[cognito_admin.CognitoAdmin, Stubber]
) -> None:
    name = "alice/groups/Staff"
    target = {"Username": name, "UserAttributes": [{"Name": "sub", "Value": "s-x"}]}
    queue(
        stubbed,
        *LIVE,
        ("admin_get_user", target, {"UserPoolId": P, "Username": name}),
        TWO_ADMINS,
        # The user named, deleted; not alice taken out of Staff.
        ("admin_delete_user", {}, {"UserPoolId": P, "Username": name}),
    )
    response = call(api, "DELETE", "/users/alice%2Fgroups%2FStaff")
    assert response.status_code == 204, response.text


@pytest.mark.parametrize("name", ["mallory/x", "a%2Fb", "what?", "#hash", "Ünïcødé", "%"])
def test_every_valid_name_reaches_cognito_unchanged(
    api: api_server.ApiServer, stubbed: tuple[cognito_admin.CognitoAdmin, Stubber], name: str
) -> None:
    quoted = urllib.parse.quote(name, safe="")
    queue(
        stubbed,
        ("admin_get_user", {"Username": name, "UserAttributes": BOB_SUB}, None),
        ("admin_list_groups_for_user", {"Groups": []}, None),
        *LIVE,
        ("admin_add_user_to_group", {}, {"UserPoolId": P, "Username": name, "GroupName": name}),
    )
    got = call(api, "GET", f"/users/{quoted}")
    assert (got.status_code, got.json()["username"]) == (200, name)
    assert call(api, "PUT", f"/users/{quoted}/groups/{quoted}").status_code == 204


# Refusals


def test_a_partial_search_is_refused_and_audited(
    api: api_server.ApiServer, audit_lines: list[dict[str, Any]]
) -> None:
    response = call(api, "GET", "/users", params={"attribute": "email"})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert [(line["action"], line["result"]) for line in audit_lines] == [
        ("list_users", "invalid_request")
    ]


def test_a_non_admin_is_refused_and_audited(
    api: api_server.ApiServer, audit_lines: list[dict[str, Any]]
) -> None:
    response = call(api, "POST", "/users/bob/enable", token="user-token")
    assert response.status_code == 403
    assert response.json()["error"] == "insufficient_scope"
    [line] = audit_lines
    assert (line["actor_username"], line["action"], line["result"]) == (
        "alice",
        "POST /admin/users/bob/enable",
        "forbidden",
    )


def test_an_unexpected_failure_is_audited_as_error(audit_lines: list[dict[str, Any]]) -> None:
    def broken(adapter: cognito_admin.CognitoAdmin) -> None:
        raise RuntimeError("a bug")

    route = admin.AdminRoute("GET", "/x", broken, "list_groups", "summary", "description")
    principal = auth.Principal.from_claims(ME)
    caller = admin.Caller(principal, cognito_admin.CognitoAdmin(None, P), "Admin", "r-1")  # type: ignore[arg-type]
    with pytest.raises(RuntimeError):
        caller.perform(route, {})
    assert [(line["action"], line["result"]) for line in audit_lines] == [("list_groups", "error")]


# Cognito in trouble


def test_throttled_is_429_with_retry_after(throttling: stubs.Upstream, sleeps: list[float]) -> None:
    adapter = cognito_admin.CognitoAdmin.from_settings(stubs.settings_for(throttling.server.url))
    with serve(adapter) as running:
        response = call(running, "GET", "/users/alice")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == str(cognito_errors.RETRY_AFTER_THROTTLED_S)
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Request-ID"]
    assert response.json()["error"] == "throttled"


def test_unreachable_is_503_with_retry_after(aws_credentials: None, sleeps: list[float]) -> None:
    adapter = cognito_admin.CognitoAdmin.from_settings(stubs.settings_for(stubs.closed_port_url()))
    with serve(adapter) as running:
        responses = [call(running, "GET", path) for path in ("/users", "/groups")]
    for response in responses:
        assert response.status_code == 503
        assert response.headers["Retry-After"] == str(cognito_errors.RETRY_AFTER_UNAVAILABLE_S)
        assert response.json()["error"] == "unavailable"


# Audit details


@pytest.mark.parametrize(
    ("parameters", "expected"),
    [
        ({"username": "bob"}, ("bob", None)),
        ({"username": "bob", "group": "Editors"}, ("bob", "Editors")),
        ({"group": "Editors", "limit": 5}, ("Editors", None)),
        ({"limit": 5, "attribute": None}, (None, None)),
        ({}, (None, None)),
    ],
)
def test_the_audit_line_names_the_user_and_group_acted_on(
    parameters: dict[str, Any], expected: tuple[str | None, str | None]
) -> None:
    assert admin.audit_subject(parameters) == expected


def test_an_invitation_is_audited_under_the_new_username() -> None:
    body = admin.admin_schema.NewUser(username="carol", email="carol@example.com", groups=["A"])
    assert admin.audit_subject({"body": body}) == ("carol", None)


def test_without_the_access_log_the_audit_line_still_has_a_request_id(
    stubbed: tuple[cognito_admin.CognitoAdmin, Stubber], audit_lines: list[dict[str, Any]]
) -> None:
    app = fastapi.FastAPI()
    app.state.settings = stubs.settings_for()
    app.state.verifier = stubs.TokenTable(TOKENS)
    app.state.admin = stubbed[0]
    auth.install(app)
    admin_errors.install(app)
    app.include_router(admin.router, prefix="/admin")
    for operation, answer, expected in [*LIVE, on_bob("admin_enable_user")]:
        stubbed[1].add_response(operation, answer, expected)
    with api_server.ApiServer(app) as running:
        response = call(running, "POST", "/users/bob/enable")
    assert response.status_code == 204
    assert "X-Request-ID" not in response.headers
    [line] = audit_lines
    assert re.fullmatch(r"[0-9a-f]{32}", line["request_id"])
