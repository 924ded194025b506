"""The boto3 adapter: the requests it sends, the models it answers with, its retries.

Cognito's answers come from botocore's ``Stubber`` (request shapes, paging,
rollback) or from a loopback server that always answers the same way, so the
real client from ``CognitoAdmin.from_settings`` runs its real retries
(throttling, 5xx, refused connections); only the sleeps between attempts are
recorded instead of slept. Which answer each Cognito error becomes is
test_cognito_errors.py's subject; here, that every call goes through it.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable
from typing import Any, cast

import pytest
from botocore.stub import Stubber

from protected_api import admin_errors, cognito_admin, cognito_errors
from tests.unit.protected_api import stubs

POOL_ID = stubs.POOL_ID
Stubbed = tuple[cognito_admin.CognitoAdmin, Stubber]
Call = Callable[[cognito_admin.CognitoAdmin], Any]
CREATED = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
BOB = {
    "Username": "bob",
    "Attributes": [
        {"Name": "sub", "Value": "s-bob"},
        {"Name": "email", "Value": "bob@example.com"},
        {"Name": "name", "Value": "Bob"},
    ],
    "UserStatus": "CONFIRMED",
    "Enabled": False,
    "UserCreateDate": CREATED,
    "UserLastModifiedDate": CREATED,
}


def from_settings(endpoint: str) -> cognito_admin.CognitoAdmin:
    return cognito_admin.CognitoAdmin.from_settings(stubs.settings_for(endpoint))


# Every call is mapped


@pytest.mark.parametrize(
    ("operation", "call"),
    [
        ("list_users", lambda a: a.list_users()),
        ("admin_get_user", lambda a: a.find_user("bob")),
        ("admin_get_user", lambda a: a.get_user("bob")),
        ("admin_create_user", lambda a: a.create_user("bob", "bob@example.com")),
        ("admin_create_user", lambda a: a.resend_invitation("bob")),
        ("admin_delete_user", lambda a: a.delete_user("bob")),
        ("admin_enable_user", lambda a: a.enable_user("bob")),
        ("admin_disable_user", lambda a: a.disable_user("bob")),
        ("admin_reset_user_password", lambda a: a.reset_password("bob")),
        ("admin_user_global_sign_out", lambda a: a.global_sign_out("bob")),
        ("admin_add_user_to_group", lambda a: a.add_to_group("bob", "Editors")),
        ("admin_remove_user_from_group", lambda a: a.remove_from_group("bob", "Editors")),
        ("list_groups", lambda a: a.list_groups()),
        ("list_users_in_group", lambda a: a.list_group_members("Editors")),
        ("list_users_in_group", lambda a: a.all_group_members("Admin")),
        ("admin_list_groups_for_user", lambda a: a.groups_of("bob")),
    ],
)
def test_every_call_answers_a_cognito_error_as_an_admin_error(
    stubbed: Stubbed, operation: str, call: Call
) -> None:
    adapter, stubber = stubbed
    stubber.add_client_error(operation, "UserNotFoundException", "User does not exist.")
    with pytest.raises(admin_errors.AdminError) as caught:
        call(adapter)
    assert (caught.value.status, caught.value.code) == (404, "not_found")
    assert caught.value.message == "User does not exist."


# Requests and answers


def test_list_users_sends_the_filter_and_token_and_answers_a_page(stubbed: Stubbed) -> None:
    adapter, stubber = stubbed
    stubber.add_response(
        "list_users",
        {"Users": [BOB], "PaginationToken": "next"},
        {"UserPoolId": POOL_ID, "Limit": 5, "Filter": 'email ^= "bob"', "PaginationToken": "t1"},
    )
    page = adapter.list_users(search='email ^= "bob"', limit=5, pagination_token="t1")
    assert page.pagination_token == "next"
    [bob] = page.users
    assert (bob.username, bob.sub, bob.email, bob.name) == (
        "bob",
        "s-bob",
        "bob@example.com",
        "Bob",
    )
    assert (bob.status, bob.enabled, bob.created_at) == ("CONFIRMED", False, CREATED)


# The last sign-in (issue 20: the post authentication trigger writes custom:last_sign_in)


def with_last_sign_in(value: str) -> dict[str, Any]:
    attributes: list[dict[str, str]] = [*cast(list[dict[str, str]], BOB["Attributes"])]
    attributes.append({"Name": "custom:last_sign_in", "Value": value})
    return {**BOB, "Attributes": attributes}


def test_list_users_reads_the_last_sign_in_as_utc(stubbed: Stubbed) -> None:
    adapter, stubber = stubbed
    stubber.add_response("list_users", {"Users": [with_last_sign_in("2026-03-01T08:15:09Z"), BOB]})
    signed_in, never = adapter.list_users().users
    assert signed_in.last_sign_in == datetime.datetime(2026, 3, 1, 8, 15, 9, tzinfo=datetime.UTC)
    assert signed_in.last_sign_in.utcoffset() == datetime.timedelta(0)
    assert never.last_sign_in is None


def test_every_user_answer_carries_the_last_sign_in(stubbed: Stubbed) -> None:
    adapter, stubber = stubbed
    bob = with_last_sign_in("2025-12-31T23:59:59Z")
    user = {k: v for k, v in bob.items() if k != "Attributes"}
    stubber.add_response("admin_get_user", {**user, "UserAttributes": bob["Attributes"]})
    stubber.add_response("admin_list_groups_for_user", {"Groups": []})
    stubber.add_response("list_users_in_group", {"Users": [bob]})
    expected = datetime.datetime(2025, 12, 31, 23, 59, 59, tzinfo=datetime.UTC)
    detail = adapter.get_user("bob")
    assert detail.last_sign_in == expected
    assert detail.attributes["custom:last_sign_in"] == "2025-12-31T23:59:59Z"  # still there
    assert adapter.list_group_members("Editors").users[0].last_sign_in == expected


@pytest.mark.parametrize(
    "value",
    [
        "",
        "yesterday",
        "2026-03-01",
        "2026-03-01T08:15:09",  # no zone: the trigger always writes Z
        "2026-03-01T08:15:09+00:00",
        "2026-03-01T08:15:09.5Z",
        "2026-03-01 08:15:09Z",
        "2026-3-1T8:15:09Z",  # strptime alone would take these
        "2026-13-01T08:15:09Z",
        "2026-02-30T08:15:09Z",
        "2026-03-01T24:00:00Z",
        "0000-01-01T00:00:00Z",
        "2026-03-01T08:15:09Z\n",
        " 2026-03-01T08:15:09Z",
        "\N{ARABIC-INDIC DIGIT TWO}026-03-01T08:15:09Z",
    ],
)
def test_a_malformed_last_sign_in_is_none(stubbed: Stubbed, value: str) -> None:
    adapter, stubber = stubbed
    stubber.add_response("list_users", {"Users": [with_last_sign_in(value)]})
    [bob] = adapter.list_users().users
    assert bob.last_sign_in is None
    assert bob.username == "bob"


def test_the_last_sign_in_attribute_is_the_triggers() -> None:
    """The API is deployed without ``triggers/``, so it writes the name out again."""
    triggers = pytest.importorskip("triggers")
    assert cognito_admin.LAST_SIGN_IN_ATTRIBUTE == triggers.LAST_SIGN_IN_ATTRIBUTE


def test_group_members_page_with_next_token(stubbed: Stubbed) -> None:
    adapter, stubber = stubbed
    stubber.add_response(
        "list_users_in_group",
        {"Users": [BOB]},
        {"UserPoolId": POOL_ID, "GroupName": "Editors", "Limit": 60, "NextToken": "t1"},
    )
    page = adapter.list_group_members("Editors", pagination_token="t1")
    assert [u.username for u in page.users] == ["bob"]
    assert page.pagination_token is None


def test_get_user_follows_every_page_of_groups(stubbed: Stubbed) -> None:
    adapter, stubber = stubbed
    user = {k: v for k, v in BOB.items() if k != "Attributes"}
    stubber.add_response("admin_get_user", {**user, "UserAttributes": BOB["Attributes"]})
    stubber.add_response(
        "admin_list_groups_for_user", {"Groups": [{"GroupName": "A"}], "NextToken": "g2"}
    )
    stubber.add_response(
        "admin_list_groups_for_user",
        {"Groups": [{"GroupName": "B"}]},
        {"UserPoolId": POOL_ID, "Username": "bob", "Limit": 60, "NextToken": "g2"},
    )
    detail = adapter.get_user("bob")
    assert detail.groups == ["A", "B"]
    assert detail.attributes == {"sub": "s-bob", "email": "bob@example.com", "name": "Bob"}


def test_all_group_members_follows_every_page(stubbed: Stubbed) -> None:
    adapter, stubber = stubbed
    alice = {**BOB, "Username": "alice", "Enabled": True}
    stubber.add_response(
        "list_users_in_group",
        {"Users": [BOB], "NextToken": "n2"},
        {"UserPoolId": POOL_ID, "GroupName": "Admin", "Limit": 60},
    )
    stubber.add_response(
        "list_users_in_group",
        {"Users": [alice]},
        {"UserPoolId": POOL_ID, "GroupName": "Admin", "Limit": 60, "NextToken": "n2"},
    )
    members = adapter.all_group_members("Admin")
    assert [(m.username, m.enabled) for m in members] == [("bob", False), ("alice", True)]


def test_token_holder_asks_get_user_with_the_token(stubbed: Stubbed) -> None:
    adapter, stubber = stubbed
    stubber.add_response(
        "get_user",
        {"Username": "bob", "UserAttributes": BOB["Attributes"]},
        {"AccessToken": "the-token"},
    )
    holder = adapter.token_holder("the-token")
    assert holder is not None and (holder.username, holder.sub) == ("bob", "s-bob")


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("NotAuthorizedException", "Access Token has been revoked"),
        ("NotAuthorizedException", "User is disabled."),
        ("UserNotFoundException", "User does not exist."),
    ],
)
def test_token_holder_is_none_for_a_token_cognito_no_longer_honours(
    stubbed: Stubbed, code: str, message: str
) -> None:
    adapter, stubber = stubbed
    stubber.add_client_error("get_user", code, message)
    assert adapter.token_holder("the-token") is None


def test_token_holder_passes_on_a_failure_that_is_no_answer(stubbed: Stubbed) -> None:
    adapter, stubber = stubbed
    stubber.add_client_error("get_user", "InternalErrorException", "oops", http_status_code=500)
    with pytest.raises(admin_errors.AdminError) as caught:
        adapter.token_holder("the-token")
    assert caught.value.status == 503


def test_resend_invitation_asks_for_a_resend_by_email(stubbed: Stubbed) -> None:
    adapter, stubber = stubbed
    expected = {
        "UserPoolId": POOL_ID,
        "Username": "bob",
        "MessageAction": "RESEND",
        "DesiredDeliveryMediums": ["EMAIL"],
    }
    stubber.add_response("admin_create_user", {"User": BOB}, expected)
    adapter.resend_invitation("bob")


def expect_invitation(stubber: Stubber, expected: dict[str, Any] | None = None) -> None:
    """Queue the answers to inviting carol into Editors: the group exists, carol is made."""
    stubber.add_response("get_group", {"Group": {"GroupName": "Editors"}})
    carol = {"Username": "carol", "Attributes": [{"Name": "sub", "Value": "s-1"}]}
    stubber.add_response("admin_create_user", {"User": carol}, expected)


def test_create_user_verifies_the_email_and_joins_the_groups(stubbed: Stubbed) -> None:
    adapter, stubber = stubbed
    expect_invitation(
        stubber,
        {
            "UserPoolId": POOL_ID,
            "Username": "carol",
            "UserAttributes": [
                {"Name": "email", "Value": "carol@example.com"},
                {"Name": "email_verified", "Value": "true"},
                {"Name": "name", "Value": "Carol"},
            ],
            "DesiredDeliveryMediums": ["EMAIL"],
        },
    )
    stubber.add_response(
        "admin_add_user_to_group",
        {},
        {"UserPoolId": POOL_ID, "Username": "carol", "GroupName": "Editors"},
    )
    created = adapter.create_user(
        "carol", "carol@example.com", name="Carol", groups=["Editors", "Editors"]
    )
    assert (created.username, created.sub, created.groups) == ("carol", "s-1", ["Editors"])


def test_create_user_with_an_unknown_group_creates_nobody(stubbed: Stubbed) -> None:
    adapter, stubber = stubbed
    stubber.add_client_error("get_group", "ResourceNotFoundException")
    with pytest.raises(admin_errors.AdminError) as caught:
        adapter.create_user("carol", "carol@example.com", groups=["Nope"])
    assert (caught.value.status, caught.value.code) == (400, "invalid_parameter")
    assert "Nope" in caught.value.message


def test_create_user_rolls_back_when_a_group_cannot_be_added(stubbed: Stubbed) -> None:
    adapter, stubber = stubbed
    expect_invitation(stubber)
    stubber.add_client_error("admin_add_user_to_group", "TooManyRequestsException")
    stubber.add_response("admin_delete_user", {}, {"UserPoolId": POOL_ID, "Username": "carol"})
    with pytest.raises(admin_errors.AdminError) as caught:
        adapter.create_user("carol", "carol@example.com", groups=["Editors"])
    assert caught.value.status == 429


def test_group_member_counts_follow_every_page(stubbed: Stubbed) -> None:
    adapter, stubber = stubbed
    user = {"Username": "u", "Attributes": [], "Enabled": True, "UserStatus": "CONFIRMED"}
    stubber.add_response("list_groups", {"Groups": [{"GroupName": "A"}], "NextToken": "g2"})
    stubber.add_response("list_users_in_group", {"Users": [user] * 60, "NextToken": "p2"})
    stubber.add_response(
        "list_users_in_group",
        {"Users": [user] * 5},
        {"UserPoolId": POOL_ID, "GroupName": "A", "Limit": 60, "NextToken": "p2"},
    )
    stubber.add_response(
        "list_groups",
        {"Groups": [{"GroupName": "B", "Description": "b", "Precedence": 3}]},
        {"UserPoolId": POOL_ID, "Limit": 60, "NextToken": "g2"},
    )
    stubber.add_response("list_users_in_group", {"Users": []})
    groups = adapter.list_groups()
    assert [(g.name, g.member_count, g.precedence) for g in groups] == [
        ("A", 65, None),
        ("B", 0, 3),
    ]


# Retries, with the client from_settings builds


@pytest.mark.parametrize(
    ("status", "error_type", "expected"),
    [
        (400, "TooManyRequestsException", (429, "throttled")),
        (500, "InternalErrorException", (503, "unavailable")),
    ],
)
def test_throttling_and_outages_are_retried_three_times(
    aws_credentials: None,
    sleeps: list[float],
    status: int,
    error_type: str,
    expected: tuple[int, str],
) -> None:
    upstream = stubs.Upstream(status, error_type)
    with upstream.server, pytest.raises(admin_errors.AdminError) as caught:
        from_settings(upstream.server.url).get_user("alice")
    assert (caught.value.status, caught.value.code) == expected
    assert upstream.hits == 3
    assert len(sleeps) == 2 and sum(sleeps) <= 20


def test_unreachable_endpoint_is_503_in_bounded_time(
    aws_credentials: None, sleeps: list[float]
) -> None:
    adapter = from_settings(stubs.closed_port_url())
    started = time.monotonic()
    with pytest.raises(admin_errors.AdminError) as caught:
        adapter.list_users()
    assert (caught.value.status, caught.value.code) == (503, "unavailable")
    assert caught.value.retry_after == cognito_errors.RETRY_AFTER_UNAVAILABLE_S
    assert len(sleeps) == 2
    assert time.monotonic() - started < 5
