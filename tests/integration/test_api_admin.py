"""``/admin`` over real HTTP: the protected API against the stand-in, tokens from the stand-in.

Each flow is checked through what a person would see: the outbox for emails,
managed login for sign-in, the token endpoint for refresh, and the API itself.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from local_cognito import seed, server
from protected_api import audit
from protected_api import server as api_server
from tests.integration.conftest import admin_tokens
from tests.support.relying_party import refresh
from tests.support.scripted_browser import AuthRequest, ScriptedBrowser, callback_params

pytestmark = pytest.mark.integration
TIMEOUT = 10
NEW_PASSWORD = "Chosen-Passw0rd!"


@pytest.fixture
def admin_token(idp: Any, stand_in: server.LocalCognito) -> str:
    return str(admin_tokens(idp, stand_in, "admin", "Admin-Passw0rd!")["AccessToken"])


class Admin:
    """The API as an admin calls it."""

    def __init__(self, api: api_server.ApiServer, token: str) -> None:
        self.url = api.url + "/admin"
        self.headers = {"Authorization": f"Bearer {token}"}

    def __call__(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        response = requests.request(
            method, self.url + path, headers=headers, timeout=TIMEOUT, **kwargs
        )
        assert response.status_code < 500, response.text
        return response

    def user(self, username: str) -> dict[str, Any]:
        response = self("GET", f"/users/{username}")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


@pytest.fixture
def call(api: api_server.ApiServer, admin_token: str) -> Admin:
    return Admin(api, admin_token)


def outbox(stand_in: server.LocalCognito, username: str) -> list[dict[str, Any]]:
    messages = requests.get(f"{stand_in.url}/outbox.json", timeout=TIMEOUT).json()
    return [m for m in messages if m["username"] == username]


def refresh_token(idp: Any, stand_in: server.LocalCognito, who: str, password: str) -> str:
    return str(admin_tokens(idp, stand_in, who, password)["RefreshToken"])


def assert_refresh_refused(stand_in: server.LocalCognito, token: str) -> None:
    response = refresh(stand_in, token)
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_grant"}


# Flows


def test_invited_user_signs_in_and_becomes_confirmed(
    call: Admin,
    stand_in: server.LocalCognito,
    browser: ScriptedBrowser,
    auth_request: AuthRequest,
) -> None:
    created = call("POST", "/users", json={"username": "carol", "email": "carol@example.com"})
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "FORCE_CHANGE_PASSWORD"
    assert created.json()["attributes"]["email_verified"] == "true"
    [invitation] = outbox(stand_in, "carol")
    assert invitation["kind"] == "invitation" and invitation["to"] == "carol@example.com"
    temporary = invitation["temporary_password"]

    page = browser.open(auth_request)
    assert not isinstance(page, str)
    new_password_page = browser.submit(page, username="carol", password=temporary)
    assert not isinstance(new_password_page, str) and new_password_page.form is not None
    assert "new_password" in new_password_page.form.inputs
    url = browser.submit(
        new_password_page, new_password=NEW_PASSWORD, confirm_password=NEW_PASSWORD
    )
    assert isinstance(url, str) and callback_params(url)["code"]

    assert call.user("carol")["status"] == "CONFIRMED"


def test_invite_with_groups_and_name(call: Admin, idp: Any, stand_in: server.LocalCognito) -> None:
    idp.create_group(UserPoolId=stand_in.pool.id, GroupName="Editors")
    body = {
        "username": "erin",
        "email": "erin@example.com",
        "groups": ["Editors", "Editors"],
        "name": "Erin Example",
    }
    assert call("POST", "/users", json=body).status_code == 201
    user = call.user("erin")
    assert user["groups"] == ["Editors"]
    assert user["attributes"]["name"] == "Erin Example"
    unknown = call("POST", "/users", json={**body, "username": "fred", "groups": ["Nope"]})
    assert unknown.status_code == 400 and "Nope" in unknown.json()["message"]
    assert call("GET", "/users/fred").status_code == 404  # nothing half-made
    assert outbox(stand_in, "fred") == []


def test_resend_invitation_sends_a_new_temporary_password(
    call: Admin, stand_in: server.LocalCognito, browser: ScriptedBrowser, auth_request: AuthRequest
) -> None:
    call("POST", "/users", json={"username": "gina", "email": "gina@example.com"})
    assert call("POST", "/users/gina/resend-invitation").status_code == 204
    first, second = outbox(stand_in, "gina")
    assert second["kind"] == "invitation"
    assert second["temporary_password"] != first["temporary_password"]
    page = browser.open(auth_request)
    assert not isinstance(page, str)
    result = browser.submit(page, username="gina", password=second["temporary_password"])
    assert not isinstance(result, str) and result.form is not None
    assert "new_password" in result.form.inputs
    # Only a user still waiting for their first sign-in can be re-invited.
    refused = call("POST", "/users/alice/resend-invitation")
    assert refused.status_code == 409 and refused.json()["error"] == "invalid_state"


def test_disable_stops_refresh_and_enable_restores_it(
    call: Admin, idp: Any, stand_in: server.LocalCognito
) -> None:
    token = refresh_token(idp, stand_in, "alice", "Alice-Passw0rd!")
    assert call("POST", "/users/alice/disable").status_code == 204
    assert call.user("alice")["enabled"] is False
    assert_refresh_refused(stand_in, token)
    assert call("POST", "/users/alice/enable").status_code == 204
    assert call.user("alice")["enabled"] is True
    assert refresh(stand_in, token).status_code == 200


def test_sign_out_everywhere_stops_refresh(
    call: Admin, idp: Any, stand_in: server.LocalCognito
) -> None:
    token = refresh_token(idp, stand_in, "alice", "Alice-Passw0rd!")
    assert refresh(stand_in, token).status_code == 200
    assert call("POST", "/users/alice/sign-out").status_code == 204
    assert_refresh_refused(stand_in, token)


def test_reset_password_requires_a_reset_and_sends_a_code(
    call: Admin, stand_in: server.LocalCognito
) -> None:
    assert call("POST", "/users/alice/reset-password").status_code == 204
    assert call.user("alice")["status"] == "RESET_REQUIRED"
    [message] = outbox(stand_in, "alice")
    assert message["kind"] == "password_reset" and message["code"]


def test_delete_user(call: Admin) -> None:
    assert call("DELETE", "/users/alice").status_code == 204
    assert call("GET", "/users/alice").status_code == 404
    assert call("DELETE", "/users/alice").status_code == 404


def test_group_membership(call: Admin, idp: Any, stand_in: server.LocalCognito) -> None:
    idp.create_group(
        UserPoolId=stand_in.pool.id, GroupName="Editors", Description="edit", Precedence=5
    )

    def counts() -> dict[str, int]:
        groups = call("GET", "/groups").json()["groups"]
        return {g["name"]: g["member_count"] for g in groups}

    assert counts() == {"Admin": 1, "Editors": 0}
    assert call("PUT", "/users/alice/groups/Editors").status_code == 204
    assert call("PUT", "/users/dora/groups/Editors").status_code == 204
    assert call.user("alice")["groups"] == ["Editors"]
    assert counts() == {"Admin": 1, "Editors": 2}
    editors = next(g for g in call("GET", "/groups").json()["groups"] if g["name"] == "Editors")
    assert editors == {"name": "Editors", "description": "edit", "precedence": 5, "member_count": 2}

    first = call("GET", "/groups/Editors/members", params={"limit": 1}).json()
    assert len(first["users"]) == 1 and first["pagination_token"]
    rest = call(
        "GET", "/groups/Editors/members", params={"pagination_token": first["pagination_token"]}
    ).json()
    names = {u["username"] for u in first["users"] + rest["users"]}
    assert names == {"alice", "dora"} and rest["pagination_token"] is None

    assert call("DELETE", "/users/alice/groups/Editors").status_code == 204
    assert call.user("alice")["groups"] == []
    assert counts() == {"Admin": 1, "Editors": 1}
    assert call("PUT", "/users/alice/groups/Nope").status_code == 404
    assert call("GET", "/groups/Nope/members").status_code == 404


# Self-lockout


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/users/{me}/disable"),
        ("DELETE", "/users/{me}"),
        ("DELETE", "/users/{me}/groups/Admin"),
    ],
)
@pytest.mark.parametrize("me", ["admin", "sub"])
def test_admin_cannot_lock_themselves_out(
    call: Admin, stand_in: server.LocalCognito, method: str, path: str, me: str
) -> None:
    sub = stand_in.pool.pool.users["admin"].id
    target = sub if me == "sub" else "admin"
    response = call(method, path.format(me=target))
    assert response.status_code == 409
    assert response.json()["error"] == "self_lockout"
    assert "your own account" in response.json()["message"]
    after = call.user("admin")
    assert after["enabled"] is True and after["groups"] == ["Admin"]


def test_admin_may_lock_out_another_admin(call: Admin) -> None:
    assert call("PUT", "/users/alice/groups/Admin").status_code == 204
    assert call("DELETE", "/users/alice/groups/Admin").status_code == 204
    assert call("POST", "/users/alice/disable").status_code == 204


# Live authority: what Cognito says now, not what the token said at sign-in

ROOT_PASSWORD = "Root-Passw0rd!"


def second_admin(stand_in: server.LocalCognito, api: api_server.ApiServer, idp: Any) -> Admin:
    """A second admin, root, signed in (the token keeps saying "Admin" until it expires)."""
    seed.add_user(stand_in.pool, "root", ROOT_PASSWORD, "root@example.com", groups=("Admin",))
    return Admin(api, admin_tokens(idp, stand_in, "root", ROOT_PASSWORD)["AccessToken"])


@pytest.mark.parametrize(
    ("how", "code", "message"),
    [
        (
            ("DELETE", "/users/root/groups/Admin"),
            "admin_removed",
            "your admin rights were removed: you are no longer in the Admin group",
        ),
        (("POST", "/users/root/disable"), "account_disabled", "your account is disabled"),
        (
            ("POST", "/users/root/sign-out"),
            "signed_out",
            "your session was ended (signed out everywhere); sign in again",
        ),
    ],
    ids=["demoted", "disabled", "signed-out"],
)
def test_an_admin_who_lost_their_rights_cannot_use_the_token_they_still_hold(
    call: Admin,
    api: api_server.ApiServer,
    idp: Any,
    stand_in: server.LocalCognito,
    how: tuple[str, str],
    code: str,
    message: str,
) -> None:
    root = second_admin(stand_in, api, idp)
    assert root("POST", "/users/alice/enable").status_code == 204  # an admin, for now
    assert call(*how).status_code == 204
    for method, path in [
        ("POST", "/users/admin/disable"),
        ("DELETE", "/users/admin/groups/Admin"),
        ("DELETE", "/users/admin"),
        ("POST", "/users/alice/disable"),
        ("POST", "/users"),
    ]:
        kwargs: dict[str, Any] = {}
        if path == "/users":
            kwargs["json"] = {"username": "eve", "email": "eve@example.com"}
        refused = root(method, path, **kwargs)
        assert refused.status_code == 403, (method, path, refused.text)
        assert refused.json() == {"error": code, "message": message}
    after = call.user("admin")
    assert after["enabled"] is True and after["groups"] == ["Admin"]
    assert call.user("alice")["enabled"] is True
    assert call("GET", "/users/eve").status_code == 404
    # Reads stay stateless: the token still reads until it expires (documented).
    assert root("GET", "/users/alice").status_code == 200


def test_a_reinstated_admin_may_act_again(
    call: Admin, api: api_server.ApiServer, idp: Any, stand_in: server.LocalCognito
) -> None:
    root = second_admin(stand_in, api, idp)
    assert call("DELETE", "/users/root/groups/Admin").status_code == 204
    assert root("POST", "/users/alice/disable").status_code == 403
    assert call("PUT", "/users/root/groups/Admin").status_code == 204
    assert root("POST", "/users/alice/disable").status_code == 204  # no cache held it back


# The last admin


class RaceAfterLiveCheck:
    """The API's adapter, with another admin's request landing right after the caller's
    live check: ``change`` runs once, when the caller's groups have been read."""

    def __init__(self, adapter: Any, change: Any) -> None:
        self._adapter = adapter
        self._change = change

    def groups_of(self, username: str) -> list[str]:
        groups: list[str] = self._adapter.groups_of(username)
        change, self._change = self._change, None
        if change is not None:
            change()
        return groups

    def __getattr__(self, name: str) -> Any:
        return getattr(self._adapter, name)


@pytest.mark.parametrize(
    ("method", "path", "what"),
    [
        ("POST", "/users/root/disable", "disable"),
        ("DELETE", "/users/root", "delete"),
        ("DELETE", "/users/root/groups/Admin", "remove group Admin from"),
    ],
)
def test_the_pool_never_loses_its_last_enabled_admin(
    call: Admin,
    api: api_server.ApiServer,
    idp: Any,
    stand_in: server.LocalCognito,
    method: str,
    path: str,
    what: str,
) -> None:
    second_admin(stand_in, api, idp)
    # admin acts on root while root's own request disables admin: both passed the live
    # check, so only the count can keep the pool from losing both.
    adapter = api.app.state.admin

    def roots_request() -> None:
        idp.admin_disable_user(UserPoolId=stand_in.pool.id, Username="admin")

    api.app.state.admin = RaceAfterLiveCheck(adapter, roots_request)
    try:
        refused = call(method, path)
    finally:
        api.app.state.admin = adapter
    assert refused.status_code == 409, refused.text
    assert refused.json() == {
        "error": "last_admin",
        "message": f"you cannot {what} root: this would leave the pool without an enabled admin",
    }
    root = stand_in.pool.pool.users["root"]
    assert root.enabled and {g.group_name for g in root.groups} == {"Admin"}


# Every valid Cognito username, and nothing but the user named

CORPUS = ["mallory/x", "a%2Fb", "what?", "#hash", "Ünïcødé", "..", "alice/groups/Staff"]


def quoted(name: str) -> str:
    """As the app quotes a name (desktop_app.api.admin): "." too, or urllib3 would
    resolve ".." before sending."""
    return urllib.parse.quote(name, safe="").replace(".", "%2E")


@pytest.mark.parametrize("name", CORPUS)
def test_every_valid_username_can_be_managed(
    call: Admin, idp: Any, stand_in: server.LocalCognito, name: str
) -> None:
    idp.create_group(UserPoolId=stand_in.pool.id, GroupName="Staff")
    idp.create_group(UserPoolId=stand_in.pool.id, GroupName="ops/team")
    user = f"/users/{quoted(name)}"
    created = call("POST", "/users", json={"username": name, "email": "corpus@example.com"})
    assert created.status_code == 201, created.text
    assert created.json()["username"] == name
    assert call.user(quoted(name))["username"] == name
    assert call("POST", f"{user}/disable").status_code == 204
    assert call.user(quoted(name))["enabled"] is False
    assert call("POST", f"{user}/enable").status_code == 204
    assert call.user(quoted(name))["enabled"] is True
    for group in ("Staff", "ops/team"):
        assert call("PUT", f"{user}/groups/{quoted(group)}").status_code == 204
    assert sorted(call.user(quoted(name))["groups"]) == ["Staff", "ops/team"]
    members = call("GET", f"/groups/{quoted('ops/team')}/members").json()["users"]
    assert [u["username"] for u in members] == [name]
    assert call("DELETE", f"{user}/groups/Staff").status_code == 204
    assert call.user(quoted(name))["groups"] == ["ops/team"]
    assert call("DELETE", user).status_code == 204
    assert call("GET", user).status_code == 404
    # Nobody else was touched.
    assert call.user("alice")["enabled"] is True and call.user("alice")["groups"] == []


def test_a_username_cognito_refuses_is_refused_at_creation(call: Admin) -> None:
    refused = call("POST", "/users", json={"username": "with space", "email": "ws@example.com"})
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "username"]
    assert call("GET", "/users/with%20space").status_code == 422


def test_a_quoted_slash_never_reaches_another_user(
    call: Admin, idp: Any, stand_in: server.LocalCognito
) -> None:
    idp.create_group(UserPoolId=stand_in.pool.id, GroupName="Staff")
    assert call("PUT", "/users/alice/groups/Staff").status_code == 204
    # Before, Starlette decoded %2F first and this removed alice from Staff.
    attack = call("DELETE", "/users/alice%2Fgroups%2FStaff")
    assert attack.status_code == 404, attack.text  # no user has that name
    assert call.user("alice")["groups"] == ["Staff"]
    # Once such a user exists, the same request deletes exactly them.
    body = {"username": "alice/groups/Staff", "email": "odd@example.com"}
    assert call("POST", "/users", json=body).status_code == 201
    assert call("DELETE", "/users/alice%2Fgroups%2FStaff").status_code == 204
    assert "alice/groups/Staff" not in stand_in.pool.pool.users
    assert call.user("alice")["groups"] == ["Staff"]


# Listing


def usernames(response: requests.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return sorted(u["username"] for u in response.json()["users"])


DEMO = sorted(user.username for user in seed.DEMO_USERS)


def test_list_filters(call: Admin) -> None:
    assert usernames(call("GET", "/users")) == DEMO
    exact = {"attribute": "email", "match": "exact", "value": "alice@example.com"}
    assert usernames(call("GET", "/users", params=exact)) == ["alice"]
    prefix = {"attribute": "username", "match": "prefix", "value": "a"}
    assert usernames(call("GET", "/users", params=prefix)) == ["admin", "alice"]
    disabled = {"attribute": "status", "match": "exact", "value": "Disabled"}
    assert usernames(call("GET", "/users", params=disabled)) == ["dora"]
    [alice] = call("GET", "/users", params=exact).json()["users"]
    assert alice["email"] == "alice@example.com" and alice["enabled"] is True


def set_last_sign_in(idp: Any, stand_in: server.LocalCognito, username: str, value: str) -> None:
    """What the post authentication trigger does at a sign-in (issue 20), done by hand."""
    idp.admin_update_user_attributes(
        UserPoolId=stand_in.pool.id,
        Username=username,
        UserAttributes=[{"Name": "custom:last_sign_in", "Value": value}],
    )


def test_every_user_answer_carries_the_last_sign_in(
    call: Admin, idp: Any, stand_in: server.LocalCognito
) -> None:
    set_last_sign_in(idp, stand_in, "alice", "2026-03-01T08:15:09Z")
    set_last_sign_in(idp, stand_in, "tom", "Tuesday")  # an admin can write any string
    idp.admin_add_user_to_group(UserPoolId=stand_in.pool.id, Username="alice", GroupName="Admin")
    listed = {u["username"]: u for u in call("GET", "/users").json()["users"]}
    assert listed["alice"]["last_sign_in"] == "2026-03-01T08:15:09Z"
    assert listed["tom"]["last_sign_in"] is None  # malformed: null, the listing still works
    assert listed["newbie"]["last_sign_in"] is None  # never recorded
    assert set(listed) == set(DEMO)
    alice = call.user("alice")
    assert alice["last_sign_in"] == "2026-03-01T08:15:09Z"
    assert alice["attributes"]["custom:last_sign_in"] == "2026-03-01T08:15:09Z"
    members = call("GET", "/groups/Admin/members").json()["users"]
    assert {u["username"]: u["last_sign_in"] for u in members}["alice"] == "2026-03-01T08:15:09Z"


@pytest.mark.parametrize(
    "value",
    ['x" or username ^= "', 'a\\" ^= "', "\\", 'alice@example.com"', '"'],
)
def test_list_filter_value_cannot_inject(call: Admin, value: str) -> None:
    params = {"attribute": "username", "match": "prefix", "value": value}
    assert usernames(call("GET", "/users", params=params)) == []


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"limit": 61}, 422),
        ({"limit": 0}, 422),
        ({"attribute": "email"}, 400),
        ({"attribute": "email", "match": "exact"}, 400),
        ({"match": "prefix", "value": "a"}, 400),
        ({"attribute": "custom:team", "match": "exact", "value": "a"}, 422),
        ({"attribute": "email", "match": "contains", "value": "a"}, 422),
        ({"attribute": "email", "match": "exact", "value": "a\x01b"}, 400),
        ({"attribute": "email", "match": "exact", "value": "a" * 257}, 422),
        ({"pagination_token": "not-a-token"}, 400),
        ({"pagination_token": "x" * 2049}, 422),
    ],
)
def test_list_rejects_bad_queries(call: Admin, params: dict[str, Any], status: int) -> None:
    assert call("GET", "/users", params=params).status_code == status


def test_paging_visits_every_user_once(call: Admin, stand_in: server.LocalCognito) -> None:
    seed.seed_synthetic(stand_in.pool, 130)
    seen: list[str] = []
    token = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 60}
        if token:
            params["pagination_token"] = token
        page = call("GET", "/users", params=params).json()
        assert len(page["users"]) <= 60
        seen += [u["username"] for u in page["users"]]
        pages += 1
        token = page["pagination_token"]
        if token is None:
            break
    assert len(seen) == len(set(seen)) == 130 + len(DEMO)
    assert pages == 3


# Errors


def test_error_answers(call: Admin) -> None:
    unknown = call("GET", "/users/nobody")
    assert unknown.status_code == 404
    assert unknown.json() == {"error": "not_found", "message": "User does not exist."}
    exists = call("POST", "/users", json={"username": "alice", "email": "a@example.com"})
    assert exists.status_code == 409 and exists.json()["error"] == "already_exists"
    for email in ("not-an-email", "a@b", "a b@example.com", "a@example.com\n"):
        bad = call("POST", "/users", json={"username": "hank", "email": email})
        assert bad.status_code == 422, email
        assert bad.json()["detail"][0]["loc"] == ["body", "email"]
    extra = call(
        "POST", "/users", json={"username": "hank", "email": "h@example.com", "password": "x"}
    )
    assert extra.status_code == 422  # nobody chooses a temporary password here
    assert call("GET", "/users/has space").status_code == 422
    assert call("GET", "/users/" + "u" * 129).status_code == 422
    assert call("PUT", "/users/alice/groups/bad%09group").status_code == 422
    assert call("GET", "/groups/Nope/members", params={"limit": 61}).status_code == 422
    # Bodies whose echo could not be encoded as JSON: a client error, input not echoed.
    for raw in (
        b'{"username": "\\ud800", "email": "a@example.com"}',
        b'{"name": NaN}',
        b"\x94\xa4",
    ):
        odd = call("POST", "/users", data=raw, headers={"Content-Type": "application/json"})
        assert odd.status_code in (400, 422), (raw, odd.text)
        assert "input" not in odd.text


def test_non_admin_is_forbidden_and_audited(
    api: api_server.ApiServer,
    idp: Any,
    stand_in: server.LocalCognito,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger=audit.LOGGER_NAME)
    token = admin_tokens(idp, stand_in, "alice", "Alice-Passw0rd!")["AccessToken"]
    response = requests.delete(
        f"{api.url}/admin/users/admin",
        headers={"Authorization": f"Bearer {token}"},
        timeout=TIMEOUT,
    )
    assert response.status_code == 403
    assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]
    assert "admin" in stand_in.pool.pool.users
    [entry] = [json.loads(r.getMessage()) for r in caplog.records if r.name == audit.LOGGER_NAME]
    assert entry["actor_username"] == "alice"
    assert entry["action"] == "DELETE /admin/users/admin"
    assert entry["result"] == "forbidden"
    assert entry["request_id"] == response.headers["X-Request-ID"]


# Audit


def test_one_audit_line_per_action_and_no_secret_in_any_log(
    caplog: pytest.LogCaptureFixture,
    call: Admin,
    admin_token: str,
    idp: Any,
    stand_in: server.LocalCognito,
) -> None:
    alice_refresh = refresh_token(idp, stand_in, "alice", "Alice-Passw0rd!")
    caplog.set_level(logging.DEBUG)
    traced = call("POST", "/users/alice/disable", headers={"X-Request-ID": "trace-42.a"})
    assert traced.headers["X-Request-ID"] == "trace-42.a"
    created = call("POST", "/users", json={"username": "ivan", "email": "ivan@example.com"})
    generated = call("GET", "/users/nobody", headers={"X-Request-ID": "<script>"})
    assert generated.headers["X-Request-ID"] != "<script>"
    call("DELETE", "/users/admin")
    call("PUT", "/users/alice/groups/Admin")

    lines = [r for r in caplog.records if r.name == audit.LOGGER_NAME]
    entries = [json.loads(r.getMessage()) for r in lines]
    assert all(r.levelno == logging.INFO and "\n" not in r.getMessage() for r in lines)
    sub = stand_in.pool.pool.users["admin"].id
    summary = [(e["action"], e["target"], e["group"], e["result"]) for e in entries]
    assert summary == [
        ("disable_user", "alice", None, "ok"),
        ("create_user", "ivan", None, "ok"),
        ("get_user", "nobody", None, "not_found"),
        ("delete_user", "admin", None, "self_lockout"),
        ("add_to_group", "alice", "Admin", "ok"),
    ]
    for entry in entries:
        assert set(entry) == {
            "time",
            "request_id",
            "actor_sub",
            "actor_username",
            "action",
            "target",
            "group",
            "result",
        }
        assert entry["actor_sub"] == sub and entry["actor_username"] == "admin"
        assert entry["time"].endswith("+00:00")
    assert entries[0]["request_id"] == "trace-42.a"
    assert entries[1]["request_id"] == created.headers["X-Request-ID"]
    assert entries[2]["request_id"] == generated.headers["X-Request-ID"]

    [invitation] = outbox(stand_in, "ivan")
    secrets = {
        "admin access token": admin_token,
        "alice refresh token": alice_refresh,
        "temporary password": invitation["temporary_password"],
        "admin password": "Admin-Passw0rd!",
        "Authorization header": "Bearer ",
    }
    text = "\n".join(r.getMessage() for r in caplog.records)
    for what, secret in secrets.items():
        assert secret not in text, f"the {what} appeared in a log record"


# The account lifecycle (issue 18): sign-ups, their codes, MFA, a verified email

SIGN_UP_PASSWORD = "Signed-Up-Passw0rd!"


def sign_up(idp: Any, stand_in: server.LocalCognito, username: str, email: str) -> None:
    """Self-registration through the app client, as managed login's "Sign up" does:
    the user is UNCONFIRMED until the emailed code (or an admin) confirms them."""
    idp.sign_up(
        ClientId=stand_in.pool.client_id,
        Username=username,
        Password=SIGN_UP_PASSWORD,
        UserAttributes=[{"Name": "email", "Value": email}],
    )


def enable_totp(stand_in: server.LocalCognito, username: str) -> None:
    """The user has an authenticator app (TOTP) switched on, as AdminGetUser reports it
    after AssociateSoftwareToken, VerifySoftwareToken and SetUserMFAPreference."""
    user = stand_in.pool.pool.users[username]
    user.token_verified = True
    user.software_token_mfa_enabled = True
    user.preferred_mfa_setting = "SOFTWARE_TOKEN_MFA"


def mfa_of(call: Admin, *usernames: str) -> dict[str, Any]:
    response = call("GET", "/mfa", params=[("username", name) for name in usernames])
    assert response.status_code == 200, response.text
    return {entry["username"]: entry for entry in response.json()["users"]}


def test_an_admin_confirms_a_pending_sign_up(
    call: Admin, idp: Any, stand_in: server.LocalCognito
) -> None:
    sign_up(idp, stand_in, "sam", "sam@example.com")
    assert call.user("sam")["status"] == "UNCONFIRMED"
    assert call("POST", "/users/sam/confirm-sign-up").status_code == 204
    assert call.user("sam")["status"] == "CONFIRMED"
    admin_tokens(idp, stand_in, "sam", SIGN_UP_PASSWORD)  # signs in now
    again = call("POST", "/users/sam/confirm-sign-up")
    assert again.status_code == 409, again.text
    assert again.json()["error"] == "invalid_state"
    assert "CONFIRMED" in again.json()["message"]
    # An invited user has no sign-up to confirm either; nobody is a 404.
    assert call("POST", "/users/newbie/confirm-sign-up").status_code == 409
    assert call("POST", "/users/nobody/confirm-sign-up").status_code == 404


def test_an_admin_resends_the_verification_code(
    call: Admin, idp: Any, stand_in: server.LocalCognito
) -> None:
    sign_up(idp, stand_in, "tess", "tess@example.com")
    before = [m for m in outbox(stand_in, "tess") if m["kind"] == "verification"]
    response = call("POST", "/users/tess/resend-confirmation-code")
    assert response.status_code == 204, response.text
    codes = [m for m in outbox(stand_in, "tess") if m["kind"] == "verification"]
    assert len(codes) == len(before) + 1
    assert codes[-1]["to"] == "tess@example.com" and codes[-1]["code"]
    # The new code confirms the sign-up, as the user would type it.
    idp.confirm_sign_up(
        ClientId=stand_in.pool.client_id, Username="tess", ConfirmationCode=codes[-1]["code"]
    )
    assert call.user("tess")["status"] == "CONFIRMED"
    refused = call("POST", "/users/tess/resend-confirmation-code")
    assert refused.status_code == 409 and refused.json()["error"] == "invalid_state"
    assert call("POST", "/users/alice/resend-confirmation-code").status_code == 409
    assert call("POST", "/users/nobody/resend-confirmation-code").status_code == 404


def test_mfa_is_read_in_batches_and_reset_by_an_admin(
    call: Admin, stand_in: server.LocalCognito
) -> None:
    enable_totp(stand_in, "alice")
    found = mfa_of(call, "alice", "dora", "nobody", "alice")
    assert list(found) == ["alice", "dora", "nobody"]  # each name once, in order
    assert found["alice"] == {
        "username": "alice",
        "found": True,
        "mfa_methods": ["SOFTWARE_TOKEN_MFA"],
        "preferred_mfa": "SOFTWARE_TOKEN_MFA",
    }
    assert found["dora"]["found"] is True and found["dora"]["mfa_methods"] == []
    assert found["nobody"] == {
        "username": "nobody",
        "found": False,
        "mfa_methods": [],
        "preferred_mfa": None,
    }
    alice = call.user("alice")
    assert (alice["mfa_methods"], alice["preferred_mfa"]) == (
        ["SOFTWARE_TOKEN_MFA"],
        "SOFTWARE_TOKEN_MFA",
    )

    assert call("POST", "/users/alice/reset-mfa").status_code == 204
    assert mfa_of(call, "alice")["alice"]["mfa_methods"] == []
    alice = call.user("alice")
    assert (alice["mfa_methods"], alice["preferred_mfa"]) == ([], None)
    assert call("POST", "/users/alice/reset-mfa").status_code == 204  # nothing to reset: fine
    assert call("POST", "/users/nobody/reset-mfa").status_code == 404
    # A pool that requires MFA: Cognito will not turn an authenticator off, the API says why.
    stand_in.pool.pool.mfa_config = "ON"
    refused = call("POST", "/users/tom/reset-mfa")
    assert refused.status_code == 409 and refused.json()["error"] == "invalid_state"
    assert "requires MFA" in refused.text
    assert mfa_of(call, "tom")["tom"]["mfa_methods"] == ["SOFTWARE_TOKEN_MFA"]


def test_a_batch_of_mfa_is_one_page_at_most(call: Admin, stand_in: server.LocalCognito) -> None:
    names = seed.seed_synthetic(stand_in.pool, 60)
    assert len(mfa_of(call, *names)) == 60
    too_many = [("username", name) for name in [*names, "alice"]]
    assert call("GET", "/mfa", params=too_many).status_code == 422
    assert call("GET", "/mfa").status_code == 422
    for bad in ("has space", "", "u" * 129):
        assert call("GET", "/mfa", params={"username": bad}).status_code == 422, bad


def test_an_admin_marks_an_email_verified(
    call: Admin, idp: Any, stand_in: server.LocalCognito
) -> None:
    sign_up(idp, stand_in, "uma", "uma@example.com")
    assert call.user("uma")["attributes"].get("email_verified") != "true"
    assert call("POST", "/users/uma/verify-email").status_code == 204
    assert call.user("uma")["attributes"]["email_verified"] == "true"
    assert call("POST", "/users/uma/verify-email").status_code == 204  # already: fine
    idp.admin_create_user(UserPoolId=stand_in.pool.id, Username="vic", MessageAction="SUPPRESS")
    refused = call("POST", "/users/vic/verify-email")
    assert refused.status_code == 409, refused.text
    assert refused.json() == {
        "error": "invalid_state",
        "message": "the user has no email address to mark as verified",
    }
    assert call("POST", "/users/nobody/verify-email").status_code == 404


def test_the_lifecycle_actions_are_audited(
    caplog: pytest.LogCaptureFixture, call: Admin, idp: Any, stand_in: server.LocalCognito
) -> None:
    sign_up(idp, stand_in, "wes", "wes@example.com")
    caplog.set_level(logging.INFO, logger=audit.LOGGER_NAME)
    call("GET", "/mfa", params={"username": "wes"})
    call("POST", "/users/wes/verify-email")
    call("POST", "/users/wes/confirm-sign-up")
    call("POST", "/users/wes/confirm-sign-up")
    call("POST", "/users/wes/reset-mfa")
    entries = [json.loads(r.getMessage()) for r in caplog.records if r.name == audit.LOGGER_NAME]
    assert [(e["action"], e["target"], e["result"]) for e in entries] == [
        ("list_mfa", None, "ok"),
        ("verify_email", "wes", "ok"),
        ("confirm_sign_up", "wes", "ok"),
        ("confirm_sign_up", "wes", "invalid_state"),
        ("reset_mfa", "wes", "ok"),
    ]


# REQUIRE_ADMIN_MFA: admin routes only for an admin whose account has TOTP


@pytest.fixture
def mfa_api(
    api_settings: Any, api: api_server.ApiServer, fake_clock: Any
) -> Iterator[api_server.ApiServer]:
    """A second API on the same pool with ``REQUIRE_ADMIN_MFA`` on (its clock: the tests')."""
    from protected_api import app as api_app
    from protected_api import live_authority

    config = dataclasses.replace(api_settings, require_admin_mfa=True)
    app = api_app.create_app(config, token_verifier=api.app.state.verifier)
    app.state.mfa_gate = live_authority.MfaGate(now=fake_clock)
    with api_server.ApiServer(app) as running:
        yield running


def test_with_require_admin_mfa_an_admin_without_totp_is_refused(
    mfa_api: api_server.ApiServer,
    call: Admin,
    admin_token: str,
    stand_in: server.LocalCognito,
    fake_clock: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger=audit.LOGGER_NAME)
    strict = Admin(mfa_api, admin_token)
    for method, path in [
        ("GET", "/users"),
        ("GET", "/users/alice"),
        ("POST", "/users/alice/enable"),
    ]:
        refused = strict(method, path)
        assert refused.status_code == 403, (method, path, refused.text)
        assert refused.json()["error"] == "mfa_required"
        assert "authenticator app (TOTP)" in refused.json()["message"]
    entries = [json.loads(r.getMessage()) for r in caplog.records if r.name == audit.LOGGER_NAME]
    assert [e["result"] for e in entries] == ["mfa_required"] * 3
    assert call("GET", "/users").status_code == 200  # the API with the setting off: as before

    enable_totp(stand_in, "admin")  # the same token: Cognito, not the token, decides
    assert strict("GET", "/users").status_code == 200
    assert strict("POST", "/users/alice/disable").status_code == 204

    # Reset: remembered for a minute at most, then refused again.
    assert call("POST", "/users/admin/reset-mfa").status_code == 204
    assert strict("GET", "/users").status_code == 200
    fake_clock.advance(61)
    assert strict("GET", "/users").json()["error"] == "mfa_required"
