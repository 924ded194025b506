"""The group actions: each one's call and sentence, an edit sending only what changed,
the admin group never deleted, and the checks on what an admin types for a group."""

from __future__ import annotations

from typing import Any

import pytest

from desktop_app.admin import actions, group_actions
from tests.support.fake_api import FakeApi

ME = actions.Acting("admin", "sub-admin", "Admin")
TEAM: dict[str, Any] = {
    "name": "Team",
    "description": "The team",
    "precedence": 5,
    "member_count": 6,
}


def test_creating_a_group_sends_its_name_description_and_precedence() -> None:
    api = FakeApi(answers={("POST", "/admin/groups"): TEAM})
    step = group_actions.group_step(
        group_actions.CREATE_GROUP, "Team", ME, description="The team", precedence=5
    )
    created = step.run(api)
    assert api.requests == [
        ("POST", "/admin/groups", {"name": "Team", "description": "The team", "precedence": 5})
    ]
    assert getattr(created, "member_count", None) == 6
    assert step.action.words.done.format(**step.fields) == "Group Team created."


@pytest.mark.parametrize(
    ("changed", "body"),
    [
        (frozenset({group_actions.DESCRIPTION}), {"description": None}),
        (frozenset({group_actions.PRECEDENCE}), {"precedence": 2}),
        (
            frozenset({group_actions.DESCRIPTION, group_actions.PRECEDENCE}),
            {"description": None, "precedence": 2},
        ),
    ],
)
def test_an_edit_sends_only_what_changed(changed: frozenset[str], body: dict[str, Any]) -> None:
    api = FakeApi(answers={("PATCH", "/admin/groups/Team"): TEAM})
    step = group_actions.group_step(
        group_actions.EDIT_GROUP, "Team", ME, description=None, precedence=2, changed=changed
    )
    step.run(api)
    assert api.requests == [("PATCH", "/admin/groups/Team", body)]


def test_an_edit_that_changes_nothing_sends_nothing() -> None:
    api = FakeApi()
    step = group_actions.group_step(group_actions.EDIT_GROUP, "Team", ME, changed=frozenset())
    with pytest.raises(ValueError, match="nothing to save"):
        step.run(api)
    assert api.requests == []


def test_deleting_says_how_many_members_and_the_admin_group_is_refused() -> None:
    api = FakeApi()
    step = group_actions.group_step(group_actions.DELETE_GROUP, "Team", ME, members=6)
    assert step.refused is None
    ask = step.action.words.ask
    assert ask is not None
    assert ask.format(**step.fields).startswith("Delete the group Team (6 members)?")
    one = group_actions.group_step(group_actions.DELETE_GROUP, "Solo", ME, members=1)
    assert "(1 member)" in (ask.format(**one.fields))
    step.run(api)
    assert api.requests == [("DELETE", "/admin/groups/Team", None)]

    mine = group_actions.group_step(group_actions.DELETE_GROUP, "Admin", ME, members=2)
    assert mine.refused == group_actions.DELETE_GROUP.admin_group
    assert mine.refused is not None and "admin group" in mine.refused
    with pytest.raises(actions.RefusedError):
        mine.run(api)
    assert len(api.requests) == 1  # nothing more was sent
    # Only deleting is guarded: the admin group's description can be edited.
    edit = group_actions.group_step(group_actions.EDIT_GROUP, "Admin", ME)
    assert edit.refused is None


@pytest.mark.parametrize(
    ("typed", "value"), [("", None), ("  ", None), ("0", 0), (" 7 ", 7), ("2147483647", 2**31 - 1)]
)
def test_precedence_is_a_whole_number_from_zero_or_empty(typed: str, value: int | None) -> None:
    assert group_actions.check_precedence(typed) == value


@pytest.mark.parametrize("typed", ["-1", "1.5", "ten", "2147483648", "\N{DIGIT ONE}\u0663"])
def test_other_precedences_are_refused_in_words(typed: str) -> None:
    with pytest.raises(ValueError, match="whole number from 0 to 2,147,483,647"):
        group_actions.check_precedence(typed)


def test_a_description_is_trimmed_empty_is_none_and_too_long_refused() -> None:
    assert group_actions.check_description("  the team ") == "the team"
    assert group_actions.check_description(" ") is None
    assert group_actions.check_description("x" * 2048) == "x" * 2048
    with pytest.raises(ValueError, match="at most 2,048 characters"):
        group_actions.check_description("x" * 2049)
