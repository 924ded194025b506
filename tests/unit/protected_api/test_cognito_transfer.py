"""The full export and import, on botocore's Stubber: pages, cursors, per-row results,
retries while throttled, no duplicate user."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.stub import Stubber

from protected_api import (
    admin_errors,
    admin_schema,
    batch,
    cognito_admin,
    cognito_transfer,
    user_csv,
)
from protected_api import page_tokens as tokens
from tests.unit.protected_api import stubs, test_user_csv

P = stubs.POOL_ID
Stubbed = tuple[cognito_admin.CognitoAdmin, Stubber]
POOL = {
    "Id": P,
    "MfaConfiguration": "OFF",
    "SchemaAttributes": [
        {"Name": name, "AttributeDataType": kind, "Mutable": True, "Required": name == "email"}
        for name, kind in test_user_csv.STANDARD
    ],
}


def describe(stubber: Stubber) -> None:
    stubber.add_response("describe_user_pool", {"UserPool": POOL}, {"UserPoolId": P})


class Sleeps:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def one_at_a_time(sleeps: Sleeps) -> batch.Batch:
    """A batch that runs rows in order (the Stubber answers in order) on a fake clock."""
    timing = batch.Timing(now=lambda: sleeps.now, sleep=sleeps.sleep, random=lambda: 1.0)
    return batch.Batch(timing, workers=1)


# -- export ----------------------------------------------------------------------------------


def test_a_users_page_is_rows_with_their_states(stubbed: Stubbed) -> None:
    adapter, stubber = stubbed
    describe(stubber)
    disabled = {**test_user_csv.USER, "Username": "carl", "Enabled": False, "UserStatus": "X"}
    stubber.add_response(
        "list_users",
        {"Users": [test_user_csv.USER, disabled], "PaginationToken": "next"},
        {"UserPoolId": P, "Limit": 60, "PaginationToken": "this"},
    )
    page = cognito_transfer.export_users_page(adapter, pagination_token="this")
    assert page.header == test_user_csv.HEADER
    assert [row[-1] for row in page.rows] == ["bob", "carl"]
    assert page.rows[0] == user_csv.row(
        test_user_csv.USER, test_user_csv.HEADER, test_user_csv.SCHEMA
    )
    assert page.states == [
        admin_schema.UserState(username="bob", status="CONFIRMED", enabled=True),
        admin_schema.UserState(username="carl", status="X", enabled=False),
    ]
    assert page.pagination_token == "next"


def groups_answer(*names: str) -> dict[str, Any]:
    return {"Groups": [{"GroupName": n, "Description": f"{n}!", "Precedence": 1} for n in names]}


def members(
    stubber: Stubber,
    group: str,
    names: list[str],
    *,
    after: str | None = None,
    next_token: str | None = None,
) -> None:
    expected: dict[str, Any] = {"UserPoolId": P, "GroupName": group, "Limit": 60}
    if after:
        expected["NextToken"] = after
    answer: dict[str, Any] = {"Users": [{"Username": n, "Attributes": []} for n in names]}
    if next_token:
        answer["NextToken"] = next_token
    stubber.add_response("list_users_in_group", answer, expected)


def test_memberships_walk_the_groups_in_name_order_a_page_at_a_time(stubbed: Stubbed) -> None:
    adapter, stubber = stubbed
    stubber.add_response("list_groups", groups_answer("Zeta", "Alpha"), None)
    members(stubber, "Alpha", ["ann"], next_token="more")
    first = cognito_transfer.export_memberships_page(adapter)
    assert [g.name for g in first.groups] == ["Alpha", "Zeta"]
    assert first.groups[0].description == "Alpha!"
    assert first.memberships == [("Alpha", "ann")]
    assert first.pagination_token is not None
    assert tokens.decode(first.pagination_token) == tokens.MembershipCursor("Alpha", "more")

    # Alpha's last page: the next group is found by name (ListGroups again).
    members(stubber, "Alpha", ["bob"], after="more")
    stubber.add_response("list_groups", groups_answer("Zeta", "Alpha"), None)
    second = cognito_transfer.export_memberships_page(
        adapter, pagination_token=first.pagination_token
    )
    assert (second.groups, second.memberships) == ([], [("Alpha", "bob")])
    assert second.pagination_token is not None
    assert tokens.decode(second.pagination_token) == tokens.MembershipCursor("Zeta")

    members(stubber, "Zeta", [])
    stubber.add_response("list_groups", groups_answer("Zeta", "Alpha"), None)
    last = cognito_transfer.export_memberships_page(
        adapter, pagination_token=second.pagination_token
    )
    assert (last.memberships, last.pagination_token) == ([], None)


def test_a_group_deleted_during_the_export_is_skipped(stubbed: Stubbed) -> None:
    adapter, stubber = stubbed
    stubber.add_client_error("list_users_in_group", "ResourceNotFoundException", "gone")
    stubber.add_response("list_groups", groups_answer("Beta", "Gamma"), None)
    page = cognito_transfer.export_memberships_page(
        adapter, pagination_token=tokens.encode(tokens.MembershipCursor("Alpha", "t"))
    )
    assert page.memberships == []
    assert page.pagination_token is not None
    assert tokens.decode(page.pagination_token).group == "Beta"


def test_a_pool_without_groups_is_one_empty_page(stubbed: Stubbed) -> None:
    adapter, stubber = stubbed
    stubber.add_response("list_groups", {"Groups": []}, None)
    page = cognito_transfer.export_memberships_page(adapter)
    assert (page.groups, page.memberships, page.pagination_token) == ([], [], None)


# -- import ----------------------------------------------------------------------------------

HEADER = ["cognito:username", "cognito:mfa_enabled", "email", "email_verified"]


def users(*rows: list[str], action: str = "SUPPRESS", **extra: Any) -> admin_schema.UserImport:
    return admin_schema.UserImport.model_validate(
        {"header": HEADER, "rows": list(rows), "message_action": action, **extra}
    )


def created(username: str, email: str, **extra: Any) -> dict[str, Any]:
    """The AdminCreateUser request for a row of :data:`HEADER`."""
    return {
        "UserPoolId": P,
        "Username": username,
        "UserAttributes": [
            {"Name": "email", "Value": email},
            {"Name": "email_verified", "Value": "true"},
        ],
        **extra,
    }


def answer(username: str) -> dict[str, Any]:
    return {"User": {"Username": username, "Attributes": []}}


def test_each_row_becomes_a_user_with_its_own_result(
    stubbed: Stubbed, one_at_a_time: batch.Batch
) -> None:
    adapter, stubber = stubbed
    describe(stubber)
    stubber.add_response(
        "admin_create_user",
        answer("ann"),
        created("ann", "ann@example.com", MessageAction="SUPPRESS"),
    )
    stubber.add_client_error(
        "admin_create_user", "UsernameExistsException", "User account already exists"
    )
    stubber.add_client_error("admin_create_user", "AliasExistsException", "An account exists")
    results = cognito_transfer.import_users(
        adapter,
        users(
            ["ann", "FALSE", "ann@example.com", "TRUE"],
            ["bob", "FALSE", "bob@example.com", "TRUE"],
            ["cat", "FALSE", "bob@example.com", "TRUE"],
            ["dan", "FALSE", "", "TRUE"],
        ),
        run=one_at_a_time,
    ).results
    assert [(r.row, r.username, r.status, r.error) for r in results] == [
        (0, "ann", "created", None),
        (1, "bob", "exists", None),
        (2, "cat", "failed", "already_exists"),  # a taken alias is not "this user exists"
        (3, "dan", "failed", "invalid_parameter"),  # never sent: email is required
    ]
    assert results[3].message == "email is required by this user pool"


def test_a_throttled_row_is_retried_and_a_lost_answer_makes_no_duplicate(
    stubbed: Stubbed, one_at_a_time: batch.Batch, sleeps: Sleeps
) -> None:
    adapter, stubber = stubbed
    describe(stubber)
    # ann: throttled twice, then created.
    stubber.add_client_error("admin_create_user", "TooManyRequestsException", "Rate exceeded")
    stubber.add_client_error("admin_create_user", "TooManyRequestsException", "Rate exceeded")
    stubber.add_response("admin_create_user", answer("ann"), None)
    # bob: the first call's outcome is unknown (a 5xx after it may have landed); the
    # retry finds the name taken: "exists", and no second user.
    stubber.add_client_error(
        "admin_create_user", "InternalErrorException", "oops", http_status_code=500
    )
    stubber.add_client_error("admin_create_user", "UsernameExistsException", "exists")
    results = cognito_transfer.import_users(
        adapter,
        users(
            ["ann", "FALSE", "ann@example.com", "TRUE"],
            ["bob", "FALSE", "bob@example.com", "TRUE"],
        ),
        run=one_at_a_time,
    ).results
    assert [(r.username, r.status) for r in results] == [("ann", "created"), ("bob", "exists")]
    assert sleeps.slept == [0.5, 1.0, 0.5]


def test_a_row_still_throttled_after_every_attempt_is_reported(
    stubbed: Stubbed, one_at_a_time: batch.Batch, sleeps: Sleeps
) -> None:
    adapter, stubber = stubbed
    describe(stubber)
    for _ in range(batch.ATTEMPTS):
        stubber.add_client_error("admin_create_user", "TooManyRequestsException", "slow")
    results = cognito_transfer.import_users(
        adapter, users(["ann", "FALSE", "a@example.com", "TRUE"]), run=one_at_a_time
    ).results
    assert [(r.status, r.error) for r in results] == [("failed", "throttled")]
    assert len(sleeps.slept) == batch.ATTEMPTS - 1


def test_rows_left_when_the_time_is_up_are_not_tried(stubbed: Stubbed, sleeps: Sleeps) -> None:
    adapter, stubber = stubbed
    describe(stubber)  # and no AdminCreateUser at all
    timing = batch.Timing(now=lambda: sleeps.now, sleep=sleeps.sleep)
    run = batch.Batch(timing, workers=1)
    sleeps.now = batch.DEADLINE_S  # earlier rows took the batch's whole time
    results = cognito_transfer.import_users(
        adapter,
        users(["ann", "FALSE", "a@example.com", "TRUE"], ["bob", "FALSE", "b@example.com", "TRUE"]),
        run=run,
    ).results
    assert [(r.username, r.status, r.error) for r in results] == [
        ("ann", "failed", "throttled"),
        ("bob", "failed", "throttled"),
    ]
    assert results[1].message == cognito_transfer.OUT_OF_TIME


def test_invitations_go_by_email_and_disabled_rows_are_disabled(
    stubbed: Stubbed, one_at_a_time: batch.Batch
) -> None:
    adapter, stubber = stubbed
    describe(stubber)
    stubber.add_response(
        "admin_create_user",
        answer("ann"),
        created("ann", "ann@example.com", DesiredDeliveryMediums=["EMAIL"]),
    )
    stubber.add_response("admin_disable_user", {}, {"UserPoolId": P, "Username": "ann"})
    results = cognito_transfer.import_users(
        adapter,
        users(["ann", "FALSE", "ann@example.com", "TRUE"], action="INVITE", disabled=["ann"]),
        run=one_at_a_time,
    ).results
    assert [(r.status, r.error) for r in results] == [("created", None)]


@pytest.mark.parametrize(
    ("header", "disabled", "message"),
    [
        (["cognito:username", "cognito:mfa_enabled", "email", "custom:nope"], [], "custom:nope"),
        (HEADER, ["zed"], "disabled names zed, which no row creates"),
    ],
)
def test_a_request_that_cannot_work_is_refused_before_any_row(
    stubbed: Stubbed, header: list[str], disabled: list[str], message: str
) -> None:
    adapter, stubber = stubbed
    describe(stubber)
    body = admin_schema.UserImport.model_validate(
        {
            "header": header,
            "rows": [["ann", "FALSE", "ann@example.com", "TRUE"]],
            "message_action": "SUPPRESS",
            "disabled": disabled,
        }
    )
    with pytest.raises(admin_errors.AdminError) as caught:
        cognito_transfer.import_users(adapter, body)
    assert caught.value.status == 400
    assert message in caught.value.message


def memberships(
    groups: list[dict[str, Any]], pairs: list[list[str]]
) -> admin_schema.MembershipImport:
    return admin_schema.MembershipImport.model_validate({"groups": groups, "memberships": pairs})


def test_missing_groups_are_created_then_each_membership_added(
    stubbed: Stubbed, one_at_a_time: batch.Batch
) -> None:
    adapter, stubber = stubbed
    stubber.add_response(
        "create_group",
        {"Group": {"GroupName": "Sales"}},
        {"UserPoolId": P, "GroupName": "Sales", "Description": "S", "Precedence": 4},
    )
    stubber.add_client_error("create_group", "GroupExistsException", "exists")
    stubber.add_response(
        "admin_add_user_to_group", {}, {"UserPoolId": P, "Username": "ann", "GroupName": "Sales"}
    )
    stubber.add_client_error("admin_add_user_to_group", "UserNotFoundException", "no such user")
    results = cognito_transfer.import_memberships(
        adapter,
        memberships(
            [{"name": "Sales", "description": "S", "precedence": 4}, {"name": "Admin"}],
            [["Sales", "ann"], ["Admin", "ghost"]],
        ),
        run=one_at_a_time,
    ).results
    assert [(r.row, r.username, r.status, r.error) for r in results] == [
        (0, "ann", "created", None),
        (1, "ghost", "failed", "not_found"),
    ]


def test_a_group_that_cannot_be_created_fails_the_request(
    stubbed: Stubbed, one_at_a_time: batch.Batch
) -> None:
    adapter, stubber = stubbed
    for _ in range(batch.ATTEMPTS):
        stubber.add_client_error("create_group", "TooManyRequestsException", "slow")
    with pytest.raises(admin_errors.AdminError) as caught:
        cognito_transfer.import_memberships(
            adapter, memberships([{"name": "Sales"}], [["Sales", "ann"]]), run=one_at_a_time
        )
    assert (caught.value.status, caught.value.retry_after) == (429, 2)
