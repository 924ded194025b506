"""The typed admin client's issue 21 calls: the schema, attributes, groups, the full export
and import. What each sends, how answers parse, garbage refused."""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

import pytest
import responses

from desktop_app import errors
from desktop_app.api import admin, client
from tests.unit.desktop_app.api.conftest import API, DROP, changed
from tests.unit.desktop_app.api.test_admin import GOOD_DETAIL, sent_json

DEPARTMENT: dict[str, Any] = {
    "name": "custom:department",
    "type": "String",
    "mutable": True,
    "required": False,
    "min_length": 0,
    "max_length": 64,
    "min_value": None,
    "max_value": None,
    "custom": True,
    "searchable": False,
}
GROUP: dict[str, Any] = {"name": "Sales", "description": "S", "precedence": 3, "member_count": 0}
HEADER = ["email", "email_verified", "cognito:mfa_enabled", "cognito:username"]


def request_of(mock: responses.RequestsMock, n: int = 0) -> Any:
    return mock.calls[n].request


# -- the schema ------------------------------------------------------------------------------


def test_get_schema_parses_the_attributes(
    mock: responses.RequestsMock, api: client.ApiClient
) -> None:
    mock.get(f"{API}/admin/schema", json={"attributes": [DEPARTMENT], "estimated_users": 7})
    schema = admin.get_schema(api)
    assert schema.estimated_users == 7
    assert schema.spec("custom:department") == admin.AttributeSpec(
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
    assert schema.spec("nope") is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"attributes": [changed(DEPARTMENT, type="Text")]}, "attributes[0].type"),
        ({"attributes": [changed(DEPARTMENT, mutable="yes")]}, "attributes[0].mutable"),
        ({"attributes": [changed(DEPARTMENT, max_length=6.5)]}, "attributes[0].max_length"),
        ({"attributes": [changed(DEPARTMENT, min_value=True)]}, "attributes[0].min_value"),
        ({"attributes": [changed(DEPARTMENT, name=DROP)]}, "attributes[0].name"),
        ({"attributes": {}}, "attributes"),
        ({"attributes": [], "estimated_users": -1}, "estimated_users"),
        ({"attributes": [], "estimated_users": "7"}, "estimated_users"),
    ],
)
def test_a_schema_of_the_wrong_shape_is_refused(
    mock: responses.RequestsMock, api: client.ApiClient, body: dict[str, Any], field: str
) -> None:
    mock.get(f"{API}/admin/schema", json={"estimated_users": 1, **body})
    with pytest.raises(errors.ApiError) as caught:
        admin.get_schema(api)
    assert caught.value.code == "invalid_answer"
    assert caught.value.message.endswith(field)


# -- attributes ------------------------------------------------------------------------------


def test_update_attributes_sends_the_change_and_answers_the_user(
    mock: responses.RequestsMock, api: client.ApiClient
) -> None:
    mock.patch(f"{API}/admin/users/a%2Fb/attributes", json=GOOD_DETAIL)
    detail = admin.update_attributes(
        api, "a/b", {"custom:department": "Sales"}, delete=["nickname"], email_verified=False
    )
    assert detail.username == "alice"
    assert dict(detail.attributes)["name"] == "From Attributes"
    assert sent_json(mock) == {
        "set": {"custom:department": "Sales"},
        "delete": ["nickname"],
        "email_verified": False,
    }


def test_email_verified_is_sent_only_when_given(
    mock: responses.RequestsMock, api: client.ApiClient
) -> None:
    mock.patch(f"{API}/admin/users/bob/attributes", json=GOOD_DETAIL)
    admin.update_attributes(api, "bob", {"email": "new@example.com"})
    assert sent_json(mock) == {"set": {"email": "new@example.com"}, "delete": []}


@pytest.mark.parametrize(
    ("values", "delete"),
    [({"": "x"}, ()), ({"n" * 33: "x"}, ()), ({"name": "x" * 2049}, ()), ({}, ("",))],
)
def test_an_attribute_change_out_of_bounds_is_refused_before_sending(
    mock: responses.RequestsMock,
    api: client.ApiClient,
    values: dict[str, str],
    delete: tuple[str, ...],
) -> None:
    with pytest.raises(ValueError, match="attribute"):
        admin.update_attributes(api, "bob", values, delete=delete)
    assert not mock.calls


# -- groups ----------------------------------------------------------------------------------


def test_create_group_sends_the_group_and_parses_it(
    mock: responses.RequestsMock, api: client.ApiClient
) -> None:
    mock.post(f"{API}/admin/groups", json=GROUP, status=201)
    group = admin.create_group(api, "Sales", description="S", precedence=3)
    assert group == admin.Group("Sales", "S", 3, 0)
    assert sent_json(mock) == {"name": "Sales", "description": "S", "precedence": 3}


def test_update_group_sends_only_what_is_given(
    mock: responses.RequestsMock, api: client.ApiClient
) -> None:
    mock.patch(f"{API}/admin/groups/ops%2Fteam", json=GROUP)
    mock.patch(f"{API}/admin/groups/ops%2Fteam", json=GROUP)
    admin.update_group(api, "ops/team", precedence=None)
    admin.update_group(api, "ops/team", description="New")
    assert sent_json(mock, 0) == {"precedence": None}  # None clears
    assert sent_json(mock, 1) == {"description": "New"}  # UNSET stays as it is
    with pytest.raises(ValueError, match="give a description or a precedence"):
        admin.update_group(api, "ops/team")


@pytest.mark.parametrize(
    "kwargs",
    [{"precedence": -1}, {"precedence": True}, {"precedence": 2**31}, {"description": "x" * 2049}],
)
def test_a_group_out_of_bounds_is_refused_before_sending(
    mock: responses.RequestsMock, api: client.ApiClient, kwargs: dict[str, Any]
) -> None:
    with pytest.raises(ValueError, match="group's"):
        admin.create_group(api, "Sales", **kwargs)
    assert not mock.calls


def test_delete_group_and_the_admin_groups_refusal(
    mock: responses.RequestsMock, api: client.ApiClient
) -> None:
    mock.delete(f"{API}/admin/groups/Sales", status=204)
    mock.delete(
        f"{API}/admin/groups/Admin",
        status=409,
        json={"error": "admin_group", "message": "the Admin group holds the admins"},
    )
    admin.delete_group(api, "Sales")
    with pytest.raises(errors.ApiError) as caught:
        admin.delete_group(api, "Admin")
    assert (caught.value.status, caught.value.code) == (409, "admin_group")


# -- export ----------------------------------------------------------------------------------

EXPORT: dict[str, Any] = {
    "header": HEADER,
    "rows": [["a@example.com", "TRUE", "FALSE", "ann"]],
    "states": [{"username": "ann", "status": "CONFIRMED", "enabled": False}],
    "pagination_token": "next+/=",
}


def test_an_export_page_parses_and_passes_the_token_on(
    mock: responses.RequestsMock, api: client.ApiClient
) -> None:
    mock.get(f"{API}/admin/export/users", json=EXPORT)
    page = admin.export_users_page(api, "this+/=")
    assert page == admin.ExportPage(
        header=tuple(HEADER),
        rows=(("a@example.com", "TRUE", "FALSE", "ann"),),
        next_token="next+/=",
        states=(admin.UserState("ann", "CONFIRMED", False),),
    )
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(request_of(mock).url).query)
    assert query == {"pagination_token": ["this+/="]}


def test_the_first_export_page_sends_no_token(
    mock: responses.RequestsMock, api: client.ApiClient
) -> None:
    mock.get(f"{API}/admin/export/users", json=changed(EXPORT, pagination_token=None))
    assert admin.export_users_page(api, None).next_token is None
    assert "?" not in request_of(mock).url


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (changed(EXPORT, rows=[["only", "three", "cells"]]), "rows[0]"),
        (changed(EXPORT, rows=[[1, 2, 3, 4]]), "rows[0]"),
        (changed(EXPORT, header="email"), "header"),
        (changed(EXPORT, states=[]), "states"),
        (changed(EXPORT, states=[{"username": "ann", "status": "X"}]), "states[0].enabled"),
        (changed(EXPORT, pagination_token=""), "pagination_token"),
    ],
)
def test_an_export_page_of_the_wrong_shape_is_refused(
    mock: responses.RequestsMock, api: client.ApiClient, body: dict[str, Any], field: str
) -> None:
    mock.get(f"{API}/admin/export/users", json=body)
    with pytest.raises(errors.ApiError) as caught:
        admin.export_users_page(api, None)
    assert caught.value.message.endswith(field)


def test_a_membership_page_parses(mock: responses.RequestsMock, api: client.ApiClient) -> None:
    mock.get(
        f"{API}/admin/export/memberships",
        json={
            "groups": [{"name": "Sales", "description": None, "precedence": 2}],
            "memberships": [["Sales", "ann"]],
            "pagination_token": None,
        },
    )
    page = admin.export_memberships_page(api, None)
    assert page == admin.MembershipPage(
        (admin.GroupSpec("Sales", None, 2),), (("Sales", "ann"),), None
    )


@pytest.mark.parametrize(
    "body",
    [
        {"groups": [], "memberships": [["Sales"]], "pagination_token": None},
        {"groups": [{"name": "S", "precedence": "2"}], "memberships": [], "pagination_token": None},
        {"groups": None, "memberships": [], "pagination_token": None},
    ],
)
def test_a_membership_page_of_the_wrong_shape_is_refused(
    mock: responses.RequestsMock, api: client.ApiClient, body: dict[str, Any]
) -> None:
    mock.get(f"{API}/admin/export/memberships", json=body)
    with pytest.raises(errors.ApiError):
        admin.export_memberships_page(api, None)


# -- import ----------------------------------------------------------------------------------


def row(name: str, email: str = "x@example.com") -> list[str]:
    return [email, "TRUE", "FALSE", name]


def results_for(request: Any, statuses: dict[str, str] | None = None) -> tuple[int, dict, str]:
    """A ``responses`` callback: one result per row sent (created unless ``statuses``)."""
    body = json.loads(request.body)
    rows = body.get("rows", body.get("memberships", []))
    names = [r[-1] for r in rows]
    results = [
        {
            "row": i,
            "username": name,
            "status": (statuses or {}).get(name, "created"),
            "error": None,
            "message": None,
        }
        for i, name in enumerate(names)
    ]
    return 200, {}, json.dumps({"results": results})


def test_import_users_sends_batches_and_numbers_results_by_the_rows_given(
    mock: responses.RequestsMock, api: client.ApiClient
) -> None:
    mock.add_callback(
        responses.POST,
        f"{API}/admin/import/users",
        callback=lambda r: results_for(r, {"u3": "exists"}),
    )
    rows = [row(f"u{i}") for i in range(admin.IMPORT_ROWS + 5)]
    results = admin.import_users(api, HEADER, rows, "INVITE", disabled=["u1", "u52", "ghost"])
    assert [r.row for r in results] == list(range(len(rows)))
    assert results[3] == admin.RowResult(3, "u3", "exists")
    assert results[54].username == "u54"
    first, second = (json.loads(call.request.body) for call in mock.calls)
    assert (len(first["rows"]), len(second["rows"])) == (admin.IMPORT_ROWS, 5)
    assert (first["header"], first["message_action"]) == (HEADER, "INVITE")
    # Each request names the disabled users among its own rows only.
    assert (first["disabled"], second["disabled"]) == (["u1"], ["u52"])


def test_import_users_cuts_batches_by_size_and_refuses_a_row_too_large_alone(
    mock: responses.RequestsMock, api: client.ApiClient
) -> None:
    mock.add_callback(responses.POST, f"{API}/admin/import/users", callback=results_for)
    big = "x" * 2000
    rows = [[big] * 3 + [f"u{i}"] for i in range(12)]  # ~6 KB each: 9 or 10 a request
    huge = [big * 40, "TRUE", "FALSE", "huge"]  # over the limit on its own
    results = admin.import_users(api, HEADER, [*rows[:6], huge, *rows[6:]], "SUPPRESS")
    assert [(r.row, r.username, r.status) for r in results][6] == (6, "huge", "failed")
    assert results[6].error == "too_large"
    assert [r.status for r in results].count("created") == 12
    assert [r.row for r in results] == list(range(13))
    bodies = [call.request.body for call in mock.calls]
    assert len(bodies) >= 2
    assert all(len(body) <= admin.MAX_IMPORT_BODY_BYTES for body in bodies)
    assert all(b"huge" not in body for body in bodies)


ONE_RESULT = {"row": 0, "username": "u0", "status": "created", "error": None, "message": None}


@pytest.mark.parametrize(
    "bad",
    [
        {"results": []},
        {"results": [changed(ONE_RESULT, row=1)]},
        {"results": [changed(ONE_RESULT, status="made")]},
        {"results": [changed(ONE_RESULT, row=True)]},
        {"results": [changed(ONE_RESULT, username=None)]},
    ],
)
def test_an_import_answer_that_does_not_match_the_rows_is_refused(
    mock: responses.RequestsMock, api: client.ApiClient, bad: dict[str, Any]
) -> None:
    mock.post(f"{API}/admin/import/users", json=bad)
    with pytest.raises(errors.ApiError) as caught:
        admin.import_users(api, HEADER, [row("u0")], "SUPPRESS")
    assert caught.value.code == "invalid_answer"


def test_a_throttled_import_raises_with_the_wait(
    mock: responses.RequestsMock, api: client.ApiClient
) -> None:
    mock.post(
        f"{API}/admin/import/users",
        status=429,
        json={"error": "throttled", "message": "slow down"},
        headers={"Retry-After": "2"},
    )
    with pytest.raises(errors.ApiError) as caught:
        admin.import_users(api, HEADER, [row("u0")], "SUPPRESS")
    assert caught.value.retry_after == 2.0


def test_import_memberships_creates_the_groups_first(
    mock: responses.RequestsMock, api: client.ApiClient
) -> None:
    mock.add_callback(
        responses.POST,
        f"{API}/admin/import/memberships",
        callback=lambda r: results_for(r, {"ghost": "failed"}),
    )
    groups = [admin.GroupSpec(f"G{i}", "d", i) for i in range(admin.IMPORT_MEMBERSHIPS + 1)]
    pairs = [("G0", "ann"), ("G1", "ghost")]
    results = admin.import_memberships(api, groups, pairs)
    assert [(r.row, r.username, r.status) for r in results] == [
        (0, "ann", "created"),
        (1, "ghost", "failed"),
    ]
    bodies = [json.loads(call.request.body) for call in mock.calls]
    assert [(len(b["groups"]), len(b["memberships"])) for b in bodies] == [(100, 0), (1, 0), (0, 2)]
    assert bodies[0]["groups"][3] == {"name": "G3", "description": "d", "precedence": 3}


def test_import_with_an_unknown_message_action_is_refused(
    mock: responses.RequestsMock, api: client.ApiClient
) -> None:
    with pytest.raises(ValueError, match="INVITE or SUPPRESS"):
        admin.import_users(api, HEADER, [row("u0")], "EMAIL")  # type: ignore[arg-type]
    assert not mock.calls
