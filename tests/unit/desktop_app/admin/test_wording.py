"""Counts and names in plain words: the one pluralisation helper, and how a question
names the users it affects."""

from __future__ import annotations

import pytest

from desktop_app.admin import wording


@pytest.mark.parametrize(
    ("n", "noun", "said"),
    [
        (0, "user", "0 users"),
        (1, "user", "1 user"),
        (2, "user", "2 users"),
        (1, "group", "1 group"),
        (6, "group", "6 groups"),
        (1_204, "user", "1,204 users"),
        (1, "entry", "1 entry"),
        (3, "entry", "3 entries"),
        (2, "valid row", "2 valid rows"),
    ],
)
def test_count_agrees_the_noun_with_the_number(n: int, noun: str, said: str) -> None:
    assert wording.count(n, noun) == said


def test_six_users_in_one_group() -> None:
    sentence = f"{wording.count(6, 'user')} in {wording.count(1, 'group')}"
    assert sentence == "6 users in 1 group"


def test_named_lists_everyone_up_to_the_cap_then_counts_the_rest() -> None:
    assert wording.named(["alice"]) == "1 user: alice"
    assert wording.named(["alice", "bob", "carol"]) == "3 users: alice, bob, carol"
    names = [f"u{i}" for i in range(wording.MAX_NAMED + 2)]
    assert wording.named(names) == (
        f"{wording.MAX_NAMED + 2} users: " + ", ".join(names[: wording.MAX_NAMED]) + " and 2 more"
    )
    assert wording.listed(names, cap=wording.MAX_NAMED + 2) == ", ".join(names)  # no "more"
    assert wording.named(["Team"], "group") == "1 group: Team"
