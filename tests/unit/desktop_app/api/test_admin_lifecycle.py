"""The admin client's account-lifecycle calls: the MFA batch (short URLs, one page at a
time, answers checked), a user's MFA in their detail, and the four actions' requests."""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable
from typing import Any

import pytest
import responses

from desktop_app import errors
from desktop_app.api import admin, client
from tests.unit.desktop_app.api.conftest import API
from tests.unit.desktop_app.api.test_admin import GOOD_DETAIL

TOTP = admin.Mfa((admin.TOTP,), admin.TOTP)


def entry(name: str, *methods: str, found: bool = True) -> dict[str, Any]:
    return {
        "username": name,
        "found": found,
        "mfa_methods": list(methods),
        "preferred_mfa": methods[0] if methods else None,
    }


def asked(mock: responses.RequestsMock) -> list[list[str]]:
    """The usernames each MFA request asked for."""
    batches = []
    for call in mock.calls:
        query = urllib.parse.urlsplit(call.request.url or "").query
        batches.append(urllib.parse.parse_qs(query)["username"])
    return batches


def answer_what_is_asked(mock: responses.RequestsMock) -> None:
    def reply(request: Any) -> tuple[int, dict[str, str], str]:
        import json

        query = urllib.parse.urlsplit(request.url).query
        names = urllib.parse.parse_qs(query)["username"]
        return 200, {}, json.dumps({"users": [entry(n, admin.TOTP) for n in names]})

    mock.add_callback(responses.GET, f"{API}/admin/mfa", callback=reply)


def test_users_mfa_asks_once_per_name_and_reads_each_answer(
    mock: responses.RequestsMock, api: client.ApiClient
) -> None:
    mock.get(
        f"{API}/admin/mfa",
        json={
            "users": [
                entry("ann", admin.TOTP),
                entry("bo"),
                entry("cy", found=False),
                entry("stranger", admin.TOTP),  # never asked about: ignored
            ]
        },
    )
    found = admin.users_mfa(api, ["ann", "bo", "ann", "cy"])
    assert asked(mock) == [["ann", "bo", "cy"]]
    assert found == {"ann": TOTP, "bo": admin.Mfa(), "cy": None}
    assert found["ann"] is not None and found["ann"].totp
    assert admin.users_mfa(api, []) == {}


def test_users_mfa_splits_by_page_and_by_url_length(
    mock: responses.RequestsMock, api: client.ApiClient
) -> None:
    answer_what_is_asked(mock)
    many = [f"user{i:03d}" for i in range(130)]
    assert len(admin.users_mfa(api, many)) == 130
    assert [len(batch) for batch in asked(mock)] == [60, 60, 10]
    mock.calls.reset()
    long_names = ["\N{LATIN SMALL LETTER E WITH ACUTE}" * 127 + str(i) for i in range(10)]
    assert len(admin.users_mfa(api, long_names)) == 10
    for call in mock.calls:
        query = urllib.parse.urlsplit(call.request.url or "").query
        assert len(query) <= admin.MAX_MFA_QUERY_BYTES
    assert sum(len(batch) for batch in asked(mock)) == 10 and len(mock.calls) > 1


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"users": "x"},
        {"users": [{"username": "ann", "found": "yes", "mfa_methods": []}]},
        {"users": [{"username": "ann", "found": True, "mfa_methods": "TOTP"}]},
        {"users": [{"username": "ann", "found": True, "mfa_methods": [1]}]},
        {"users": [{"found": True, "mfa_methods": []}]},
    ],
)
def test_a_wrong_mfa_answer_is_refused_by_field(
    mock: responses.RequestsMock, api: client.ApiClient, body: Any
) -> None:
    mock.get(f"{API}/admin/mfa", json=body)
    with pytest.raises(errors.ApiError, match="not valid"):
        admin.users_mfa(api, ["ann"])


def test_a_bad_name_is_refused_before_any_request(api: client.ApiClient) -> None:
    with pytest.raises(ValueError, match="username"):
        admin.users_mfa(api, ["has space"])


def test_a_detail_carries_the_mfa_when_the_api_says_it(
    mock: responses.RequestsMock, api: client.ApiClient
) -> None:
    mock.get(f"{API}/admin/users/alice", json=GOOD_DETAIL)
    assert admin.get_user(api, "alice").mfa is None  # an API from before: not said
    said = {**GOOD_DETAIL, "mfa_methods": [admin.TOTP], "preferred_mfa": admin.TOTP}
    mock.get(f"{API}/admin/users/alice", json=said)
    assert admin.get_user(api, "alice").mfa == TOTP
    mock.get(f"{API}/admin/users/alice", json={**GOOD_DETAIL, "mfa_methods": None})
    with pytest.raises(errors.ApiError, match="mfa_methods"):
        admin.get_user(api, "alice")


@pytest.mark.parametrize(
    ("call", "path"),
    [
        (admin.confirm_sign_up, "confirm-sign-up"),
        (admin.resend_confirmation_code, "resend-confirmation-code"),
        (admin.reset_mfa, "reset-mfa"),
        (admin.mark_email_verified, "verify-email"),
    ],
)
def test_each_lifecycle_action_posts_to_its_route(
    mock: responses.RequestsMock,
    api: client.ApiClient,
    call: Callable[[admin.JsonCaller, str], None],
    path: str,
) -> None:
    mock.post(f"{API}/admin/users/sam%2Fx/{path}", status=204)
    call(api, "sam/x")
    mock.post(f"{API}/admin/users/sam/{path}", status=409, json={"error": "invalid_state"})
    with pytest.raises(errors.ApiError) as caught:
        call(api, "sam")
    assert (caught.value.status, caught.value.code) == (409, "invalid_state")
