"""The table of user actions: each one's call, sentence and refresh; the guards; steps."""

from __future__ import annotations

import dataclasses
import types
from typing import Any

import pytest

from desktop_app import errors
from desktop_app.admin import actions, attributes, wording
from desktop_app.api import admin
from tests.support.fake_api import FakeApi

ME = actions.Acting("admin", "sub-admin", "Admin")
CAROL: dict[str, Any] = {
    "username": "carol",
    "sub": "sub-carol",
    "email": "carol@example.test",
    "status": "FORCE_CHANGE_PASSWORD",
    "enabled": True,
}
USER, GROUPS = actions.Refresh.USER, actions.Refresh.GROUPS


def user(name: str, sub: str | None = None, status: str = "CONFIRMED") -> admin.User:
    return admin.User(name, sub or f"sub-{name}", None, None, status, True, None, None)


@pytest.mark.parametrize(
    ("step", "request_sent", "done", "refresh"),
    [
        (
            actions.Step(actions.ENABLE, "bob"),
            ("POST", "/admin/users/bob/enable", None),
            "bob is enabled.",
            USER,
        ),
        (
            actions.Step(actions.DISABLE, "bob"),
            ("POST", "/admin/users/bob/disable", None),
            "bob is disabled.",
            USER,
        ),
        (
            actions.Step(actions.RESEND_INVITATION, "bob"),
            ("POST", "/admin/users/bob/resend-invitation", None),
            "Invitation sent again to bob.",
            USER,
        ),
        (
            actions.Step(actions.RESET_PASSWORD, "bob"),
            ("POST", "/admin/users/bob/reset-password", None),
            "bob must reset their password.",
            USER,
        ),
        (
            actions.Step(actions.SIGN_OUT_EVERYWHERE, "bob"),
            ("POST", "/admin/users/bob/sign-out", None),
            "bob is signed out everywhere.",
            USER,
        ),
        (
            actions.Step(actions.DELETE, "bob"),
            ("DELETE", "/admin/users/bob", None),
            "bob was deleted.",
            actions.Refresh.GONE,
        ),
        (
            actions.Step(actions.ADD_TO_GROUP, "bob", group="Team"),
            ("PUT", "/admin/users/bob/groups/Team", None),
            "bob added to Team.",
            USER | GROUPS,
        ),
        (
            actions.Step(actions.REMOVE_FROM_GROUP, "bob", group="Team"),
            ("DELETE", "/admin/users/bob/groups/Team", None),
            "bob removed from Team.",
            USER | GROUPS,
        ),
        (
            actions.invite("carol", actions.Invitation("carol@example.test")),  # no name, no group
            (
                "POST",
                "/admin/users",
                {"username": "carol", "email": "carol@example.test", "groups": []},
            ),
            "Invitation sent to carol@example.test; carol must choose a password.",
            actions.Refresh.LIST | GROUPS,
        ),
    ],
)
def test_each_action_makes_its_call_and_says_what_it_did(
    step: actions.Step, request_sent: tuple[str, str, Any], done: str, refresh: actions.Refresh
) -> None:
    api = FakeApi(answers={("POST", "/admin/users"): CAROL})
    step.run(api)
    assert api.requests == [request_sent]
    assert step.action.words.done.format(**step.fields) == done
    assert step.action.refresh == refresh
    assert step.action in actions.TABLE


def test_the_table_holds_each_action_once_with_its_label_and_bulk_title() -> None:
    assert {a.words.label: a.words.many for a in actions.TABLE} == {
        "Enable": "Enable users",
        "Disable": "Disable users",
        "Resend invitation": "Resend invitations",
        "Reset password": None,
        "Sign out everywhere": None,
        "Delete": None,
        "Add to group": "Add users to {group}",
        "Remove from group": "Remove users from {group}",
        "Invite": None,
        "Confirm sign-up": "Confirm sign-ups",
        "Resend verification code": "Resend verification codes",
        "Reset MFA": "Reset MFA",
        "Mark email verified": "Mark emails verified",
        "Edit attributes": None,
    }
    assert len(set(actions.TABLE)) == len(actions.TABLE)


def test_editing_attributes_sends_one_patch_and_answers_the_user() -> None:
    path = "/admin/users/bob/attributes"
    api = FakeApi(answers={("PATCH", path): CAROL | {"username": "bob"}})
    edit = attributes.Edit({"email": "bob@new.example"}, ("custom:department",), True)
    step = actions.edit_attributes(user("bob"), edit, ME)
    answer = step.run(api)
    assert isinstance(answer, admin.UserDetail) and answer.username == "bob"
    assert api.requests == [
        (
            "PATCH",
            path,
            {
                "set": {"email": "bob@new.example"},
                "delete": ["custom:department"],
                "email_verified": True,
            },
        )
    ]
    assert step.action.words.done.format(**step.fields) == "bob's attributes are saved."
    with pytest.raises(ValueError, match="nothing to save"):
        actions.edit_attributes(user("bob"), attributes.Edit(), ME).run(api)
    assert len(api.requests) == 1


# -- asking first --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "group", "asks"),
    [
        (actions.DISABLE, None, True),
        (actions.RESET_PASSWORD, None, True),
        (actions.SIGN_OUT_EVERYWHERE, None, True),
        (actions.ADD_TO_GROUP, "Admin", True),  # makes them an admin
        (actions.ADD_TO_GROUP, "Team", False),
        (actions.ENABLE, None, False),
        (actions.REMOVE_FROM_GROUP, "Team", False),
        (actions.RESEND_INVITATION, None, False),
        (actions.CONFIRM_SIGN_UP, None, True),
        (actions.EDIT_ATTRIBUTES, None, False),  # its dialog is the question
    ],
    ids=lambda v: getattr(getattr(v, "words", None), "label", str(v)),
)
def test_the_consequential_actions_ask_first_naming_the_user(
    action: actions.Action, group: str | None, asks: bool
) -> None:
    step = actions.step(action, user("alice"), ME, group=group)
    assert action.asks(step, ME) is asks
    if asks:
        assert action.words.ask is not None
        assert "alice" in action.words.ask.format(**step.fields)


@pytest.mark.parametrize(
    "action", [a for a in actions.TABLE if a.words.many], ids=lambda a: a.words.label
)
def test_every_bulk_action_asks_naming_the_users(action: actions.Action) -> None:
    ask = action.words.ask_many
    assert ask is not None and "{users}" in ask
    question = ask.format(users=wording.named(["alice", "bob", "carol"]), group="Team")
    assert "3 users: alice, bob, carol" in question


def test_disable_three_users_names_them() -> None:
    ask = actions.DISABLE.words.ask_many
    assert ask is not None
    assert ask.format(users=wording.named(["alice", "bob", "carol"])).startswith(
        "Disable 3 users: alice, bob, carol?"
    )


def test_a_bulk_run_never_includes_the_acting_admin() -> None:
    chosen = [user("alice"), user("admin"), user("bob")]
    targets = actions.bulk_targets(chosen, ME)
    assert targets.usernames == ["alice", "bob"] and targets.left_out_self == "admin"
    alias = actions.bulk_targets([user("other-alias", sub="sub-admin"), user("carol")], ME)
    assert alias.usernames == ["carol"] and alias.left_out_self == "other-alias"
    nobody_left_out = actions.bulk_targets([user("alice")], ME)
    assert nobody_left_out.left_out_self is None and nobody_left_out.usernames == ["alice"]
    assert actions.SELF_LEFT_OUT.format(user="admin").startswith("Your own account (admin)")


def test_a_group_action_without_a_group_sends_nothing() -> None:
    api = FakeApi()
    with pytest.raises(ValueError, match="choose a group"):
        actions.Step(actions.ADD_TO_GROUP, "bob").run(api)
    with pytest.raises(ValueError, match="an invitation needs"):
        actions.Step(actions.INVITE, "carol").run(api)
    assert api.requests == []


# -- guards --------------------------------------------------------------------------------

LOCKOUT_REASONS = {
    actions.DISABLE: "You cannot disable your own account: you would be signed out for good.",
    actions.DELETE: "You cannot delete your own account.",
    actions.RESET_PASSWORD: "You cannot reset your own password here: it would sign you out.",
    actions.SIGN_OUT_EVERYWHERE: (
        "You cannot sign yourself out everywhere from here: use Sign out."
    ),
    actions.REMOVE_FROM_GROUP: (
        "You cannot remove yourself from the admin group: ask another admin."
    ),
    actions.RESET_MFA: "You cannot reset your own MFA here: use Security in your profile.",
}


@pytest.mark.parametrize(
    "action", [a for a in actions.TABLE if a is not actions.INVITE], ids=lambda a: a.words.label
)
def test_only_the_lockout_actions_are_refused_on_ones_own_account(
    action: actions.Action,
) -> None:
    mine = actions.step(action, user("admin"), ME, group="Admin")
    assert mine.refused == LOCKOUT_REASONS.get(action)
    assert action.own_account == LOCKOUT_REASONS.get(action)
    assert actions.step(action, user("alice"), ME, group="Admin").refused is None


def test_the_admin_is_known_by_sub_under_another_alias_and_by_username_alone() -> None:
    for me in (user("other-alias", sub="sub-admin"), "admin"):
        assert actions.step(actions.DISABLE, me, ME).refused is not None
    assert actions.step(actions.DISABLE, user("alice", sub="sub-admin-2"), ME).refused is None


def test_leaving_a_group_is_refused_only_for_the_admin_group() -> None:
    assert actions.step(actions.REMOVE_FROM_GROUP, "admin", ME, group="Team").refused is None
    other_admins = dataclasses.replace(ME, admin_group="Ops")
    assert actions.step(actions.REMOVE_FROM_GROUP, "admin", other_admins, group="Ops").refused


def test_nobody_signed_in_refuses_nothing() -> None:
    nobody = actions.Acting(None, None, "Admin")
    assert not nobody.is_self("admin")
    assert actions.step(actions.DELETE, user("admin"), nobody).refused is None


def test_another_guard_joins_the_table_and_the_first_reason_wins() -> None:
    @dataclasses.dataclass(frozen=True)
    class LastAdmin:
        def refusal(self, step: actions.Step, by: actions.Acting) -> str | None:
            return "{user} is the last admin." if step.username == "root" else None

    guarded = dataclasses.replace(actions.DISABLE, guards=(*actions.DISABLE.guards, LastAdmin()))
    assert actions.step(guarded, "root", ME).refused == "{user} is the last admin."
    assert actions.step(guarded, "admin", ME).refused == LOCKOUT_REASONS[actions.DISABLE]
    assert actions.step(guarded, "alice", ME).refused is None


def test_a_refused_step_raises_its_reason_and_sends_nothing() -> None:
    api = FakeApi()
    [refused, sent] = actions.plan(actions.DISABLE, [user("admin"), user("alice")], ME)
    with pytest.raises(actions.RefusedError) as caught:
        refused.run(api)
    assert caught.value.reason == LOCKOUT_REASONS[actions.DISABLE]
    assert api.requests == []
    sent.run(api)
    assert [path for _m, path, _b in api.requests] == ["/admin/users/alice/disable"]
    assert (refused.username, refused.sub) == ("admin", "sub-admin")


def test_acting_is_read_from_the_session() -> None:
    session = types.SimpleNamespace(
        identity=types.SimpleNamespace(username="eve", sub="sub-eve"),
        profile=types.SimpleNamespace(admin_group="Ops"),
    )
    assert actions.Acting.of(session) == actions.Acting("eve", "sub-eve", "Ops")
    session.identity = None
    assert actions.Acting.of(session) == actions.Acting(None, None, "Ops")


# -- running and reading again -------------------------------------------------------------


def test_run_all_stops_at_the_first_failure() -> None:
    gone = errors.ApiError(404, "no such user", "not_found")
    api = FakeApi(answers={("DELETE", "/admin/users/b/groups/Team"): gone})
    steps = actions.plan(actions.REMOVE_FROM_GROUP, ["a", "b", "c"], ME, group="Team")
    with pytest.raises(errors.ApiError):
        actions.run_all(api, steps)
    assert [path for _m, path, _b in api.requests] == [
        "/admin/users/a/groups/Team",
        "/admin/users/b/groups/Team",
    ]


def test_reread_sorts_the_users_found_from_those_gone() -> None:
    gone = errors.ApiError(404, "no such user", "not_found")
    api = FakeApi(
        answers={
            ("GET", "/admin/users/carol"): CAROL,
            ("GET", "/admin/users/ghost"): gone,
        }
    )
    result = actions.reread(api, ["ghost", "carol"])
    assert [u.username for u in result.found] == ["carol"]
    assert result.gone == ("ghost",)
    api.fail_with = errors.ApiError(500, "down", None)
    with pytest.raises(errors.ApiError):
        actions.reread(api, ["carol"])


def test_an_invitation_is_pending_until_a_password_is_chosen() -> None:
    assert actions.invitation_pending(user("new", status=actions.PENDING_STATUS))
    assert not actions.invitation_pending(user("old"))
