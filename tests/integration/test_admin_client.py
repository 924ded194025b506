"""Every call in ``desktop_app.api.admin`` over real HTTP: the protected API on the stand-in.

The admin signs in through AdminInitiateAuth (same issuer and keys as managed
login); each call is checked against what the pool then holds, and the stand-in's
outbox for the emails Cognito would have sent.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from desktop_app import errors
from desktop_app.api import admin, client
from desktop_app.auth import http
from desktop_app.qt import messages
from local_cognito import seed, server
from protected_api import server as api_server
from tests.integration.conftest import admin_tokens

pytestmark = pytest.mark.integration


class FixedToken:
    """A TokenSource holding one access token (no refresh needed within a test)."""

    def __init__(self, token: str) -> None:
        self.token = token

    def access_token(self, *, min_valid: float = 60.0) -> str:
        return self.token

    def refresh(self) -> object:
        raise errors.SessionExpired("no refresh in this test")


def client_for(
    idp: Any, stand_in: server.LocalCognito, api: api_server.ApiServer, who: str, password: str
) -> client.ApiClient:
    token = str(admin_tokens(idp, stand_in, who, password)["AccessToken"])
    return client.ApiClient(api.url, FixedToken(token), http.new_session())


@pytest.fixture
def as_admin(
    idp: Any, stand_in: server.LocalCognito, api: api_server.ApiServer
) -> client.ApiClient:
    return client_for(idp, stand_in, api, "admin", "Admin-Passw0rd!")


@pytest.fixture
def as_alice(
    idp: Any, stand_in: server.LocalCognito, api: api_server.ApiServer
) -> client.ApiClient:
    return client_for(idp, stand_in, api, "alice", "Alice-Passw0rd!")


def invitations(stand_in: server.LocalCognito, username: str) -> list[Any]:
    return [
        m
        for m in stand_in.pool.outbox.messages()
        if m.username == username and m.kind == "invitation"
    ]


def all_users(api: client.ApiClient, **kwargs: Any) -> list[admin.User]:
    users: list[admin.User] = []
    token: str | None = None
    while True:
        page = admin.list_users(api, next_token=token, **kwargs)
        users += page.users
        token = page.next_token
        if token is None:
            return users


def refused(call: Any) -> errors.ApiError:
    with pytest.raises(errors.ApiError) as caught:
        call()
    return caught.value


# -- reads ---------------------------------------------------------------------------------


def test_list_users_pages_through_the_demo_pool(as_admin: client.ApiClient) -> None:
    first = admin.list_users(as_admin, limit=2)
    assert len(first.users) == 2
    assert first.next_token is not None
    everyone = all_users(as_admin, limit=2)
    by_name = {u.username: u for u in everyone}
    assert sorted(by_name) == sorted(u.username for u in seed.DEMO_USERS)
    assert by_name["newbie"].status == "FORCE_CHANGE_PASSWORD"
    assert by_name["dora"].enabled is False
    assert by_name["alice"].email == "alice@example.com"
    assert by_name["alice"].created_at is not None and by_name["alice"].created_at.tzinfo
    assert by_name["alice"].sub


def test_the_last_sign_in_arrives_as_an_aware_utc_datetime(
    as_admin: client.ApiClient, idp: Any, stand_in: server.LocalCognito
) -> None:
    # What the post authentication trigger writes at a sign-in (issue 20), done by hand.
    idp.admin_update_user_attributes(
        UserPoolId=stand_in.pool.id,
        Username="alice",
        UserAttributes=[{"Name": "custom:last_sign_in", "Value": "2026-03-01T08:15:09Z"}],
    )
    by_name = {u.username: u for u in all_users(as_admin)}
    signed_in = by_name["alice"].last_sign_in
    assert signed_in == datetime.datetime(2026, 3, 1, 8, 15, 9, tzinfo=datetime.UTC)
    assert signed_in is not None and signed_in.utcoffset() == datetime.timedelta(0)
    assert by_name["newbie"].last_sign_in is None
    assert admin.get_user(as_admin, "alice").last_sign_in == signed_in


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        (admin.Search("username", "prefix", "a"), ["admin", "alice"]),
        (admin.Search("username", "exact", "alice"), ["alice"]),
        (admin.Search("email", "exact", "dora@example.com"), ["dora"]),
        (admin.Search("email", "prefix", "new"), ["newbie"]),
        # Cognito's "status" filter is Enabled/Disabled; the UserStatus is
        # cognito:user_status.
        (admin.Search("status", "exact", "Disabled"), ["dora"]),
        (admin.Search("cognito:user_status", "exact", "FORCE_CHANGE_PASSWORD"), ["newbie"]),
        (admin.Search("username", "prefix", 'zz"'), []),
    ],
)
def test_search_on_the_server(
    as_admin: client.ApiClient, search: admin.Search, expected: list[str]
) -> None:
    assert sorted(u.username for u in all_users(as_admin, search=search)) == expected


def test_get_user_and_groups(as_admin: client.ApiClient) -> None:
    me = admin.get_user(as_admin, "admin")
    assert me.groups == ("Admin",)
    assert me.attributes["email"] == "admin@example.com"
    assert me.status == "CONFIRMED" and me.enabled
    groups = admin.list_groups(as_admin)
    assert [(g.name, g.member_count) for g in groups] == [("Admin", 1)]
    members = admin.group_members(as_admin, "Admin", limit=5)
    assert [u.username for u in members.users] == ["admin"]
    assert members.next_token is None


def test_unknown_user_and_group_are_404_with_a_plain_message(as_admin: client.ApiClient) -> None:
    for call in (
        lambda: admin.get_user(as_admin, "nobody"),
        lambda: admin.group_members(as_admin, "NoSuchGroup"),
        lambda: admin.disable_user(as_admin, "nobody"),
    ):
        error = refused(call)
        assert error.status == 404
        assert messages.admin_failure(error).startswith("That user (or group) no longer exists")


# -- writes --------------------------------------------------------------------------------


def test_invite_then_resend_and_a_second_invite_is_refused(
    as_admin: client.ApiClient, idp: Any, stand_in: server.LocalCognito
) -> None:
    idp.create_group(UserPoolId=stand_in.pool.id, GroupName="Editors")
    carol = admin.invite_user(
        as_admin, "carol", "carol@example.com", name="Carol Example", groups=["Editors"]
    )
    assert carol.username == "carol"
    assert carol.status == "FORCE_CHANGE_PASSWORD"
    assert carol.groups == ("Editors",)
    assert carol.name == "Carol Example"
    [invitation] = invitations(stand_in, "carol")
    assert invitation.to == "carol@example.com"
    assert invitation.temporary_password

    admin.resend_invitation(as_admin, "carol")
    assert len(invitations(stand_in, "carol")) == 2
    assert admin.get_user(as_admin, "carol").status == "FORCE_CHANGE_PASSWORD"

    again = refused(lambda: admin.invite_user(as_admin, "carol", "other@example.com"))
    assert (again.status, again.code) == (409, "already_exists")
    assert messages.admin_failure(again) == "A user with that name or email already exists."


def test_resend_to_a_confirmed_user_is_invalid_state(as_admin: client.ApiClient) -> None:
    error = refused(lambda: admin.resend_invitation(as_admin, "alice"))
    assert (error.status, error.code) == (409, "invalid_state")
    assert messages.admin_failure(error).startswith("Not possible in the user's current state")


def test_disable_and_enable(as_admin: client.ApiClient) -> None:
    admin.disable_user(as_admin, "alice")
    assert admin.get_user(as_admin, "alice").enabled is False
    admin.enable_user(as_admin, "alice")
    assert admin.get_user(as_admin, "alice").enabled is True
    admin.enable_user(as_admin, "dora")
    assert admin.get_user(as_admin, "dora").enabled is True


def test_reset_password_and_sign_out_everywhere(as_admin: client.ApiClient) -> None:
    admin.sign_out_everywhere(as_admin, "alice")
    admin.reset_password(as_admin, "alice")
    assert admin.get_user(as_admin, "alice").status == "RESET_REQUIRED"


def test_group_add_and_remove(
    as_admin: client.ApiClient, idp: Any, stand_in: server.LocalCognito
) -> None:
    idp.create_group(UserPoolId=stand_in.pool.id, GroupName="Beta", Description="Early access")
    admin.add_to_group(as_admin, "alice", "Beta")
    assert admin.get_user(as_admin, "alice").groups == ("Beta",)
    beta = {g.name: g for g in admin.list_groups(as_admin)}["Beta"]
    assert (beta.member_count, beta.description) == (1, "Early access")
    assert [u.username for u in admin.group_members(as_admin, "Beta").users] == ["alice"]
    admin.remove_from_group(as_admin, "alice", "Beta")
    assert admin.get_user(as_admin, "alice").groups == ()
    unknown = refused(lambda: admin.add_to_group(as_admin, "alice", "Nope"))
    assert unknown.status == 404


def test_delete_user(as_admin: client.ApiClient) -> None:
    admin.delete_user(as_admin, "dora")
    assert refused(lambda: admin.get_user(as_admin, "dora")).status == 404
    assert "dora" not in {u.username for u in all_users(as_admin)}


@pytest.mark.parametrize(
    ("call", "what"),
    [
        (lambda a: admin.disable_user(a, "admin"), "disable"),
        (lambda a: admin.delete_user(a, "admin"), "delete"),
        (lambda a: admin.remove_from_group(a, "admin", "Admin"), "remove group Admin from"),
    ],
)
def test_self_lockout_is_refused_with_the_reason(
    as_admin: client.ApiClient, call: Any, what: str
) -> None:
    error = refused(lambda: call(as_admin))
    assert (error.status, error.code) == (409, "self_lockout")
    assert messages.admin_failure(error) == (
        f"You cannot {what} your own account; ask another admin."
    )
    assert admin.get_user(as_admin, "admin").enabled


# -- the account lifecycle (issue 18) --------------------------------------------------------


def sign_up(idp: Any, stand_in: server.LocalCognito, username: str) -> None:
    idp.sign_up(
        ClientId=stand_in.pool.client_id,
        Username=username,
        Password="Signed-Up-Passw0rd!",
        UserAttributes=[{"Name": "email", "Value": f"{username}@example.com"}],
    )


def test_a_sign_up_is_confirmed_its_code_resent_and_its_email_verified(
    as_admin: client.ApiClient, idp: Any, stand_in: server.LocalCognito
) -> None:
    sign_up(idp, stand_in, "sam")
    sam = admin.get_user(as_admin, "sam")
    assert sam.status == "UNCONFIRMED" and sam.attributes.get("email_verified") != "true"
    assert sam.mfa == admin.Mfa()
    codes = [m for m in stand_in.pool.outbox.messages(username="sam") if m.kind == "verification"]
    admin.resend_confirmation_code(as_admin, "sam")
    again = [m for m in stand_in.pool.outbox.messages(username="sam") if m.kind == "verification"]
    assert len(again) == len(codes) + 1
    admin.mark_email_verified(as_admin, "sam")
    admin.confirm_sign_up(as_admin, "sam")
    sam = admin.get_user(as_admin, "sam")
    assert (sam.status, sam.attributes["email_verified"]) == ("CONFIRMED", "true")
    error = refused(lambda: admin.confirm_sign_up(as_admin, "sam"))
    assert (error.status, error.code) == (409, "invalid_state")
    assert messages.admin_failure(error) == (
        "Not possible in the user's current state: only an unconfirmed sign-up can be "
        "confirmed; this user is CONFIRMED."
    )


def test_mfa_is_read_for_a_page_of_users_and_reset(
    as_admin: client.ApiClient, stand_in: server.LocalCognito
) -> None:
    alice = stand_in.pool.pool.users["alice"]  # an authenticator app, as AdminGetUser says
    alice.token_verified = alice.software_token_mfa_enabled = True
    names = seed.seed_synthetic(stand_in.pool, 70)
    found = admin.users_mfa(as_admin, ["alice", "nobody", *names])  # two requests
    assert found["alice"] is not None and found["alice"].totp
    assert found["nobody"] is None
    assert all(found[n] == admin.Mfa() for n in names)
    assert admin.get_user(as_admin, "alice").mfa == admin.Mfa((admin.TOTP,))
    admin.reset_mfa(as_admin, "alice")
    assert admin.users_mfa(as_admin, ["alice"]) == {"alice": admin.Mfa()}


# -- any valid Cognito username -------------------------------------------------------------

CORPUS = ["mallory/x", "a%2Fb", "what?", "#hash", "Ünïcødé", "..", ".", "alice/groups/Staff"]


@pytest.mark.parametrize("name", CORPUS)
def test_every_valid_username_can_be_managed_from_the_app(
    as_admin: client.ApiClient, idp: Any, stand_in: server.LocalCognito, name: str
) -> None:
    for group in ("Staff", "ops/team"):
        idp.create_group(UserPoolId=stand_in.pool.id, GroupName=group)
    created = admin.invite_user(as_admin, name, "corpus@example.com", groups=["ops/team"])
    assert created.username == name
    assert admin.get_user(as_admin, name).groups == ("ops/team",)
    admin.disable_user(as_admin, name)
    assert admin.get_user(as_admin, name).enabled is False
    admin.enable_user(as_admin, name)
    admin.add_to_group(as_admin, name, "Staff")
    assert sorted(admin.get_user(as_admin, name).groups) == ["Staff", "ops/team"]
    assert [u.username for u in admin.group_members(as_admin, "ops/team").users] == [name]
    admin.remove_from_group(as_admin, name, "ops/team")
    admin.resend_invitation(as_admin, name)
    assert admin.get_user(as_admin, name).groups == ("Staff",)
    admin.delete_user(as_admin, name)
    assert refused(lambda: admin.get_user(as_admin, name)).status == 404
    # Nobody else was touched (alice of "alice/groups/Staff" least of all).
    alice = admin.get_user(as_admin, "alice")
    assert alice.enabled and alice.groups == ()


def test_a_name_cognito_refuses_is_refused_before_sending(as_admin: client.ApiClient) -> None:
    with pytest.raises(ValueError, match="username must be 1 to 128"):
        admin.invite_user(as_admin, "with space", "ws@example.com")


# -- an admin who lost their rights ----------------------------------------------------------


def test_a_demoted_admin_reads_why_their_change_was_refused(
    as_admin: client.ApiClient, idp: Any, stand_in: server.LocalCognito, api: api_server.ApiServer
) -> None:
    seed.add_user(stand_in.pool, "root", "Root-Passw0rd!", "root@example.com", groups=("Admin",))
    as_root = client_for(idp, stand_in, api, "root", "Root-Passw0rd!")
    admin.remove_from_group(as_admin, "root", "Admin")
    error = refused(lambda: admin.disable_user(as_root, "admin"))
    assert (error.status, error.code) == (403, "admin_removed")
    assert messages.is_forbidden(error)
    assert messages.admin_failure(error) == (
        "Your admin rights were removed: you are no longer in the admin group."
    )
    assert admin.get_user(as_admin, "admin").enabled


# -- not an admin --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda a: admin.list_users(a),
        lambda a: admin.group_members(a, "Admin"),
        lambda a: admin.get_user(a, "admin"),
        lambda a: admin.list_groups(a),
        lambda a: admin.invite_user(a, "mallory", "m@example.com"),
        lambda a: admin.resend_invitation(a, "newbie"),
        lambda a: admin.enable_user(a, "dora"),
        lambda a: admin.disable_user(a, "admin"),
        lambda a: admin.reset_password(a, "admin"),
        lambda a: admin.sign_out_everywhere(a, "admin"),
        lambda a: admin.delete_user(a, "admin"),
        lambda a: admin.add_to_group(a, "alice", "Admin"),
        lambda a: admin.remove_from_group(a, "admin", "Admin"),
        lambda a: admin.users_mfa(a, ["admin"]),
        lambda a: admin.confirm_sign_up(a, "newbie"),
        lambda a: admin.resend_confirmation_code(a, "newbie"),
        lambda a: admin.reset_mfa(a, "admin"),
        lambda a: admin.mark_email_verified(a, "admin"),
        lambda a: admin.get_schema(a),
        lambda a: admin.update_attributes(a, "admin", {"name": "Mallory"}),
        lambda a: admin.create_group(a, "Mallory"),
        lambda a: admin.update_group(a, "Admin", precedence=9),
        lambda a: admin.delete_group(a, "Admin"),
        lambda a: admin.export_users_page(a, None),
        lambda a: admin.export_memberships_page(a, None),
        lambda a: admin.import_users(
            a,
            ["cognito:username", "cognito:mfa_enabled", "email"],
            [["mallory", "FALSE", "m@example.com"]],
            "INVITE",
        ),
        lambda a: admin.import_memberships(a, [], [("Admin", "alice")]),
    ],
)
def test_alice_is_refused_everything(
    as_alice: client.ApiClient, stand_in: server.LocalCognito, call: Any
) -> None:
    error = refused(lambda: call(as_alice))
    assert error.status == 403
    assert messages.admin_failure(error) == "You are not allowed to do this (admin group required)."
    assert invitations(stand_in, "mallory") == []


# -- issue 21: the schema, attributes, groups, export and import ---------------------------


def test_the_schema_and_an_attribute_edit(
    as_admin: client.ApiClient, idp: Any, stand_in: server.LocalCognito
) -> None:
    schema = admin.get_schema(as_admin)
    plan = schema.spec("custom:plan")
    assert plan is not None and plan.custom and not plan.searchable
    assert schema.estimated_users >= len(seed.DEMO_USERS)

    detail = admin.update_attributes(as_admin, "alice", {"custom:plan": "pro"}, delete=())
    assert detail.attributes["custom:plan"] == "pro"
    detail = admin.update_attributes(
        as_admin, "alice", {"email": "alice@new.example.com"}, email_verified=True
    )
    assert (detail.email, detail.attributes["email_verified"]) == ("alice@new.example.com", "true")
    error = refused(lambda: admin.update_attributes(as_admin, "alice", {"sub": "x"}))
    assert (error.status, error.code) == (400, "invalid_parameter")
    assert "sub" in error.message


def test_groups_are_created_changed_and_deleted_from_the_app(as_admin: client.ApiClient) -> None:
    assert admin.create_group(as_admin, "Sales", "Sales team", 4) == admin.Group(
        "Sales", "Sales team", 4, 0
    )
    admin.add_to_group(as_admin, "alice", "Sales")
    changed = admin.update_group(as_admin, "Sales", description="Sellers")
    assert changed == admin.Group("Sales", "Sellers", 4, 1)
    admin.delete_group(as_admin, "Sales")
    assert "Sales" not in {g.name for g in admin.list_groups(as_admin)}
    error = refused(lambda: admin.delete_group(as_admin, "Admin"))
    assert (error.status, error.code) == (409, "admin_group")


def test_export_pages_and_an_import_from_the_app(
    as_admin: client.ApiClient, stand_in: server.LocalCognito
) -> None:
    page = admin.export_users_page(as_admin, None)
    assert page.header[-1] == "cognito:username"
    assert {state.username for state in page.states} >= {"admin", "alice", "dora"}
    assert next(s for s in page.states if s.username == "dora").enabled is False
    groups = admin.export_memberships_page(as_admin, None)
    assert ("Admin", "admin") in groups.memberships
    assert "Admin" in [g.name for g in groups.groups]

    header = ["cognito:username", "cognito:mfa_enabled", "email", "email_verified"]
    rows = [[f"imp-{i}", "FALSE", f"imp-{i}@example.com", "TRUE"] for i in range(3)]
    results = admin.import_users(as_admin, header, rows, "SUPPRESS", disabled=["imp-2"])
    assert [(r.row, r.username, r.status) for r in results] == [
        (0, "imp-0", "created"),
        (1, "imp-1", "created"),
        (2, "imp-2", "created"),
    ]
    assert admin.get_user(as_admin, "imp-2").enabled is False
    assert invitations(stand_in, "imp-0") == []  # suppressed
    added = admin.import_memberships(
        as_admin, [admin.GroupSpec("Imported", "from a file", 7)], [("Imported", "imp-0")]
    )
    assert [(r.username, r.status) for r in added] == [("imp-0", "created")]
    assert admin.get_user(as_admin, "imp-0").groups == ("Imported",)
