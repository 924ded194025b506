"""The typed admin client: what each call sends, how answers parse, garbage refused."""

from __future__ import annotations

import datetime
import json
import re
import urllib.parse
from typing import Any

import pytest
import responses

from desktop_app import errors
from desktop_app.api import admin, client
from tests.unit.desktop_app.api.conftest import API, DROP, changed

SECRET = "s3cr3t-looking-value"

GOOD_USER: dict[str, Any] = {
    "username": "alice",
    "sub": "0f6b-sub",
    "email": "alice@example.com",
    "name": "Alice Example",
    "status": "CONFIRMED",
    "enabled": True,
    "created_at": "2026-01-01T07:00:00Z",
    "modified_at": "2026-01-02T08:30:00+00:00",
}
GOOD_DETAIL: dict[str, Any] = {
    **GOOD_USER,
    "name": None,
    "attributes": {"email": "alice@example.com", "name": "From Attributes", "sub": "0f6b-sub"},
    "groups": ["Admin", "Editors"],
}
ALICE = admin.User(
    username="alice",
    sub="0f6b-sub",
    email="alice@example.com",
    name="Alice Example",
    status="CONFIRMED",
    enabled=True,
    created_at=datetime.datetime(2026, 1, 1, 7, tzinfo=datetime.UTC),
    modified_at=datetime.datetime(2026, 1, 2, 8, 30, tzinfo=datetime.UTC),
)


def user_with(**changes: Any) -> dict[str, Any]:
    return changed(GOOD_USER, **changes)


def query(mock: responses.RequestsMock, n: int = 0) -> dict[str, list[str]]:
    url = mock.calls[n].request.url or ""
    return urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)


def sent_json(mock: responses.RequestsMock, n: int = 0) -> Any:
    return json.loads(mock.calls[n].request.body or b"")


# -- reads ---------------------------------------------------------------------------------


def test_list_users_parses_a_page(mock: responses.RequestsMock, api: client.ApiClient) -> None:
    mock.get(f"{API}/admin/users", json={"users": [GOOD_USER], "pagination_token": "next+1/="})
    page = admin.list_users(api)
    assert page == admin.UserPage((ALICE,), "next+1/=")
    assert query(mock) == {"limit": ["60"]}


def test_list_users_sends_the_search_the_limit_and_the_token_unchanged(
    mock: responses.RequestsMock, api: client.ApiClient
) -> None:
    mock.get(f"{API}/admin/users", json={"users": [], "pagination_token": None})
    search = admin.Search("email", "prefix", 'al"ice')
    page = admin.list_users(api, search=search, limit=25, next_token="a+b/c==")
    assert page == admin.UserPage((), None)
    assert query(mock) == {
        "limit": ["25"],
        "attribute": ["email"],
        "match": ["prefix"],
        "value": ['al"ice'],
        "pagination_token": ["a+b/c=="],
    }


@pytest.mark.parametrize("limit", [0, 61])
def test_list_users_refuses_a_limit_cognito_would(api: client.ApiClient, limit: int) -> None:
    with pytest.raises(ValueError, match="limit"):
        admin.list_users(api, limit=limit)


def test_a_user_without_optional_fields(
    mock: responses.RequestsMock, api: client.ApiClient
) -> None:
    bare = user_with(sub=None, email=DROP, name=DROP, created_at=None, modified_at=DROP)
    mock.get(f"{API}/admin/users", json={"users": [bare]})
    [user] = admin.list_users(api).users
    assert (user.sub, user.email, user.name, user.created_at, user.modified_at) == (
        None,
        None,
        None,
        None,
        None,
    )


def test_a_naive_time_is_taken_as_utc(mock: responses.RequestsMock, api: client.ApiClient) -> None:
    mock.get(f"{API}/admin/users", json={"users": [user_with(created_at="2026-01-01T07:00:00")]})
    [user] = admin.list_users(api).users
    assert user.created_at == datetime.datetime(2026, 1, 1, 7, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    "wire",
    [
        "2026-03-01T08:15:09Z",  # as the API writes it
        "2026-03-01T08:15:09+00:00",
        "2026-03-01T09:45:09+01:30",  # another offset: the same moment, kept in UTC
        "2026-03-01T08:15:09",  # naive: taken as UTC, like every time of this API
    ],
)
def test_the_last_sign_in_is_a_utc_datetime(
    mock: responses.RequestsMock, api: client.ApiClient, wire: str
) -> None:
    mock.get(f"{API}/admin/users", json={"users": [user_with(last_sign_in=wire)]})
    [user] = admin.list_users(api).users
    assert user.last_sign_in == datetime.datetime(2026, 3, 1, 8, 15, 9, tzinfo=datetime.UTC)
    assert user.last_sign_in is not None and user.last_sign_in.tzinfo is datetime.UTC


@pytest.mark.parametrize("body", [user_with(last_sign_in=None), GOOD_USER])
def test_no_last_sign_in_is_none(
    mock: responses.RequestsMock, api: client.ApiClient, body: dict[str, Any]
) -> None:
    """``null`` (never recorded) and a missing field (an API from before issue 20) alike."""
    mock.get(f"{API}/admin/users", json={"users": [body]})
    [user] = admin.list_users(api).users
    assert user.last_sign_in is None
    assert user == ALICE


def test_a_users_detail_carries_the_last_sign_in(
    mock: responses.RequestsMock, api: client.ApiClient
) -> None:
    mock.get(
        f"{API}/admin/users/alice", json={**GOOD_DETAIL, "last_sign_in": "2026-03-01T08:15:09Z"}
    )
    user = admin.get_user(api, "alice")
    assert user.last_sign_in == datetime.datetime(2026, 3, 1, 8, 15, 9, tzinfo=datetime.UTC)


def test_group_members_quotes_the_group_and_pages(
    mock: responses.RequestsMock, api: client.ApiClient
) -> None:
    mock.get(f"{API}/admin/groups/a%2Bb%40c/members", json={"users": [GOOD_USER]})
    page = admin.group_members(api, "a+b@c", limit=10, next_token="t1")
    assert page.users == (ALICE,)
    assert query(mock) == {"limit": ["10"], "pagination_token": ["t1"]}


def test_get_user_reads_attributes_and_groups(
    mock: responses.RequestsMock, api: client.ApiClient
) -> None:
    mock.get(f"{API}/admin/users/alice", json=GOOD_DETAIL)
    user = admin.get_user(api, "alice")
    assert isinstance(user, admin.UserDetail)
    assert user.name == "From Attributes"  # no top-level name: the attribute's
    assert user.groups == ("Admin", "Editors")
    assert dict(user.attributes)["email"] == "alice@example.com"


def test_list_groups(mock: responses.RequestsMock, api: client.ApiClient) -> None:
    groups = [
        {"name": "Admin", "description": "Admins", "precedence": 0, "member_count": 1},
        {"name": "Beta", "description": None, "precedence": None, "member_count": 0},
    ]
    mock.get(f"{API}/admin/groups", json={"groups": groups})
    assert admin.list_groups(api) == (
        admin.Group("Admin", "Admins", 0, 1),
        admin.Group("Beta", None, None, 0),
    )


# -- garbage -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ([], "users answer"),
        ({"users": {}}, "users"),
        ({"users": [SECRET]}, "users[0]"),
        ({"users": [user_with(username=DROP)]}, "users[0].username"),
        ({"users": [GOOD_USER, user_with(username=7)]}, "users[1].username"),
        ({"users": [user_with(enabled=SECRET)]}, "users[0].enabled"),
        ({"users": [user_with(enabled=1)]}, "users[0].enabled"),
        ({"users": [user_with(status=None)]}, "users[0].status"),
        ({"users": [user_with(email=["x"])]}, "users[0].email"),
        ({"users": [user_with(created_at=SECRET)]}, "users[0].created_at"),
        ({"users": [user_with(modified_at=12)]}, "users[0].modified_at"),
        ({"users": [user_with(last_sign_in=SECRET)]}, "users[0].last_sign_in"),
        ({"users": [user_with(last_sign_in=1772352909)]}, "users[0].last_sign_in"),
        ({"users": [user_with(last_sign_in=True)]}, "users[0].last_sign_in"),
        ({"users": [], "pagination_token": ""}, "pagination_token"),
        ({"users": [], "pagination_token": 5}, "pagination_token"),
    ],
)
def test_a_garbage_page_names_the_field_and_never_the_value(
    mock: responses.RequestsMock, api: client.ApiClient, body: Any, field: str
) -> None:
    mock.get(f"{API}/admin/users", json=body)
    with pytest.raises(errors.ApiError) as caught:
        admin.list_users(api)
    assert caught.value.code == "invalid_answer"
    assert str(caught.value).endswith(f"the admin answer is not valid: {field}")
    assert SECRET not in str(caught.value)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"attributes": [SECRET]}, "user.attributes"),
        ({"attributes": {"email": 5}}, "user.attributes"),
        ({"groups": SECRET}, "user.groups"),
        ({"groups": ["ok", 3]}, "user.groups"),
        ({"sub": 42}, "user.sub"),
    ],
)
def test_a_garbage_user_names_the_field(
    mock: responses.RequestsMock, api: client.ApiClient, changes: dict[str, Any], field: str
) -> None:
    mock.get(f"{API}/admin/users/alice", json={**GOOD_DETAIL, **changes})
    with pytest.raises(errors.ApiError, match=f"not valid: {field}$") as caught:
        admin.get_user(api, "alice")
    assert SECRET not in str(caught.value)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"groups": SECRET}, "groups"),
        ({"groups": [{"name": "a", "member_count": True}]}, r"groups\[0\].member_count"),
        ({"groups": [{"name": "a", "member_count": -1}]}, r"groups\[0\].member_count"),
        ({"groups": [{"name": "a", "member_count": 1, "precedence": "1"}]}, "precedence"),
        ({"groups": [{"member_count": 1}]}, r"groups\[0\].name"),
        ({"groups": [{"name": "a", "member_count": 1, "description": 3}]}, "description"),
    ],
)
def test_a_garbage_group_list_names_the_field(
    mock: responses.RequestsMock, api: client.ApiClient, body: Any, field: str
) -> None:
    mock.get(f"{API}/admin/groups", json=body)
    with pytest.raises(errors.ApiError, match=field) as caught:
        admin.list_groups(api)
    assert SECRET not in str(caught.value)


def test_an_invite_answer_that_is_not_json(
    mock: responses.RequestsMock, api: client.ApiClient
) -> None:
    mock.post(f"{API}/admin/users", body="<html>" + SECRET, status=201)
    with pytest.raises(errors.ApiError, match="not valid: not JSON") as caught:
        admin.invite_user(api, "carol", "carol@example.com")
    assert SECRET not in str(caught.value)


# -- writes --------------------------------------------------------------------------------


def test_invite_user_sends_the_checked_body_and_parses_the_user(
    mock: responses.RequestsMock, api: client.ApiClient
) -> None:
    created = {**GOOD_DETAIL, "username": "carol", "status": "FORCE_CHANGE_PASSWORD"}
    mock.post(f"{API}/admin/users", json=created, status=201)
    user = admin.invite_user(api, "carol", "  carol@example.com ", name="Carol", groups=["Editors"])
    assert user.status == "FORCE_CHANGE_PASSWORD"
    assert sent_json(mock) == {
        "username": "carol",
        "email": "carol@example.com",
        "groups": ["Editors"],
        "name": "Carol",
    }


def test_invite_user_leaves_out_an_empty_name(
    mock: responses.RequestsMock, api: client.ApiClient
) -> None:
    mock.post(f"{API}/admin/users", json=GOOD_DETAIL, status=201)
    admin.invite_user(api, "carol", "carol@example.com", name="")
    assert "name" not in sent_json(mock)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"username": "with space", "email": "a@example.com"}, "username must be"),
        ({"username": "carol", "email": "nope"}, "not an email"),
        ({"username": "carol", "email": "a@example.com", "groups": ["a b"]}, "group must be"),
    ],
)
def test_invite_user_checks_before_sending(
    mock: responses.RequestsMock, api: client.ApiClient, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        admin.invite_user(api, **kwargs)
    assert len(mock.calls) == 0


@pytest.mark.parametrize(
    ("call", "method", "path"),
    [
        (lambda a: admin.resend_invitation(a, "bob"), "POST", "/admin/users/bob/resend-invitation"),
        (lambda a: admin.enable_user(a, "bob"), "POST", "/admin/users/bob/enable"),
        (lambda a: admin.disable_user(a, "bob"), "POST", "/admin/users/bob/disable"),
        (lambda a: admin.reset_password(a, "bob"), "POST", "/admin/users/bob/reset-password"),
        (lambda a: admin.sign_out_everywhere(a, "bob"), "POST", "/admin/users/bob/sign-out"),
        (lambda a: admin.delete_user(a, "bob"), "DELETE", "/admin/users/bob"),
        (
            lambda a: admin.add_to_group(a, "bob", "Editors"),
            "PUT",
            "/admin/users/bob/groups/Editors",
        ),
        (
            lambda a: admin.remove_from_group(a, "bob", "Editors"),
            "DELETE",
            "/admin/users/bob/groups/Editors",
        ),
        (
            lambda a: admin.add_to_group(a, "a+b@c.d", "x=y,z"),
            "PUT",
            "/admin/users/a%2Bb%40c.d/groups/x%3Dy%2Cz",
        ),
    ],
)
def test_each_action_calls_its_route(
    mock: responses.RequestsMock, api: client.ApiClient, call: Any, method: str, path: str
) -> None:
    mock.add(method, f"{API}{path}", status=204)
    assert call(api) is None
    assert mock.calls[0].request.method == method
    assert mock.calls[0].request.path_url == path


@pytest.mark.parametrize("name", ["", "a b", "with space", "x" * 129, "tab\t", "nl\n", "\u200b"])
def test_a_name_cognito_would_refuse_is_refused_before_sending(
    mock: responses.RequestsMock, api: client.ApiClient, name: str
) -> None:
    for call in (
        lambda: admin.get_user(api, name),
        lambda: admin.delete_user(api, name),
        lambda: admin.add_to_group(api, "bob", name),
        lambda: admin.group_members(api, name),
    ):
        with pytest.raises(ValueError, match="must be 1 to 128"):
            call()
    assert len(mock.calls) == 0


# Cognito's names may hold "/", "%", "?", "#"...: each is quoted into one path segment.
CORPUS = [
    ("mallory/x", "mallory%2Fx"),
    ("a%2Fb", "a%252Fb"),
    ("what?", "what%3F"),
    ("#hash", "%23hash"),
    ("Ünïcødé", "%C3%9Cn%C3%AFc%C3%B8d%C3%A9"),
    ("alice/groups/Staff", "alice%2Fgroups%2FStaff"),
    ("../admin", "..%2Fadmin"),
    ("é/x", "%C3%A9%2Fx"),
]


@pytest.mark.parametrize("name", [".", "..", "...", "../.."])
def test_a_dot_name_is_not_resolved_on_the_way_out(
    mock: responses.RequestsMock, api: client.ApiClient, name: str
) -> None:
    # Unquoted, urllib3 would send /admin/users/../disable as /admin/disable.
    mock.add("POST", re.compile(r".*"), status=204)
    admin.disable_user(api, name)
    segment = name.replace("/", "%2F")
    assert mock.calls[0].request.path_url == f"/admin/users/{segment}/disable"


@pytest.mark.parametrize(("name", "segment"), CORPUS)
def test_every_cognito_name_is_one_quoted_segment(
    mock: responses.RequestsMock, api: client.ApiClient, name: str, segment: str
) -> None:
    mock.add("DELETE", f"{API}/admin/users/{segment}", status=204)
    mock.add("PUT", f"{API}/admin/users/{segment}/groups/{segment}", status=204)
    mock.add("POST", f"{API}/admin/users/{segment}/disable", status=204)
    admin.delete_user(api, name)
    admin.add_to_group(api, name, name)
    admin.disable_user(api, name)
    assert [c.request.path_url for c in mock.calls] == [
        f"/admin/users/{segment}",
        f"/admin/users/{segment}/groups/{segment}",
        f"/admin/users/{segment}/disable",
    ]


def test_an_api_error_comes_through_with_its_code(
    mock: responses.RequestsMock, api: client.ApiClient
) -> None:
    mock.post(
        f"{API}/admin/users/admin/disable",
        json={"error": "self_lockout", "message": "you cannot disable your own account"},
        status=409,
    )
    with pytest.raises(errors.ApiError) as caught:
        admin.disable_user(api, "admin")
    assert (caught.value.status, caught.value.code) == (409, "self_lockout")
    assert caught.value.message == "you cannot disable your own account"


# -- checks --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["alice", "a.b_c-d", "a+b@c.d", "x=y,z", "Ünï", "x" * 128, "a/b", "..", "%", "?#", "€$"],
)
def test_check_name_accepts_cognito_names(name: str) -> None:
    assert admin.check_name(name) == name


def test_check_name_says_what_and_how_long_but_not_the_value() -> None:
    with pytest.raises(ValueError, match=r"^group must be .* \(got 9 chars\)$") as caught:
        admin.check_name("bad SECRT", "group")
    assert "SECRT" not in str(caught.value)


@pytest.mark.parametrize("email", ["a@example.com", "first.last+tag@sub.example.org"])
def test_check_email_accepts_and_strips(email: str) -> None:
    assert admin.check_email(f"  {email}\n") == email


@pytest.mark.parametrize(
    "email", ["", "plain", "a@b", "a b@example.com", "a@@example.com", "a@" + "x" * 250 + ".com"]
)
def test_check_email_refuses(email: str) -> None:
    with pytest.raises(ValueError, match="not an email address"):
        admin.check_email(email)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("phone", "exact", "1"), "cannot search on"),
        (("email", "contains", "a"), "match must be"),
        (("email", "exact", ""), "1 to 256"),
        (("email", "exact", "x" * 257), "1 to 256"),
        (("email", "exact", "a\nb"), "control characters"),
    ],
)
def test_a_search_is_checked_when_made(args: tuple[Any, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        admin.Search(*args)


def test_every_listed_search_attribute_is_accepted_and_two_more() -> None:
    assert "given_name" not in admin.SEARCH_ATTRIBUTES  # not offered in the search bar
    for attribute in (*admin.SEARCH_ATTRIBUTES, "given_name", "family_name"):
        assert admin.Search(attribute, "prefix", "a").attribute == attribute  # type: ignore[arg-type]
