"""Counts and lists of names in plain words: "1 user", "6 users in 1 group",
"3 users: alice, bob, carol".

The one pluralisation helper of the admin console (:func:`count`), and the one way a
question names the people it affects (:func:`named`): every panel, dialog and summary
takes its counts from here instead of writing "user(s)". Plain English, like the rest
of :mod:`desktop_app.admin`; the GUI translates the sentences around them. Pure Python:
no Qt.
"""

from __future__ import annotations

from collections.abc import Sequence

#: Names listed at most in one question; the rest are counted ("and 2 more").
MAX_NAMED = 10

#: Plurals English does not make by adding "s".
_IRREGULAR = {"person": "people", "entry": "entries", "address": "addresses"}


def plural(noun: str, n: int) -> str:
    """``noun`` as it goes with ``n``: "user" for 1, "users" otherwise (0 included)."""
    if n == 1:
        return noun
    return _IRREGULAR.get(noun, noun + "s")


def count(n: int, noun: str) -> str:
    """``n`` and ``noun`` agreeing, with thousands separated: "1 user", "1,204 users"."""
    return f"{n:,} {plural(noun, n)}"


def listed(names: Sequence[str], cap: int = MAX_NAMED) -> str:
    """``names`` joined, the first ``cap`` of them and "and N more" for the rest:
    "alice, bob, carol", "a, b, … and 2 more"."""
    shown = ", ".join(names[:cap])
    more = len(names) - cap
    return f"{shown} and {more:,} more" if more > 0 else shown


def named(names: Sequence[str], noun: str = "user", cap: int = MAX_NAMED) -> str:
    """How a question names who it affects: "1 user: alice", "3 users: alice, bob,
    carol", "12 users: a, b, … and 2 more"."""
    return f"{count(len(names), noun)}: {listed(names, cap)}"
