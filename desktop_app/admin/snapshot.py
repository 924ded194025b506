"""The Overview's numbers: every user and group at one moment, users by status, and
the invitations still pending after N days.

:func:`all_users` is the one loop over every page of ``list_users``; it checks a stop
flag between pages, so a newer refresh (or the Overview going away) ends an older
pass early. Pure Python: no Qt.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections import Counter
from collections.abc import Iterable
from typing import Protocol

from desktop_app.admin import actions
from desktop_app.api import admin


class SupersededError(Exception):
    """A newer refresh started; this pass stopped between pages."""


class Stop(Protocol):
    """A stop flag (a :class:`threading.Event`, or the Qt side's ``StopFlag``)."""

    def is_set(self) -> bool: ...


@dataclasses.dataclass(frozen=True)
class Snapshot:
    users: tuple[admin.User, ...]
    groups: tuple[admin.Group, ...]


def all_users(api: admin.JsonCaller, stop: Stop) -> list[admin.User]:
    """Every user, all pages in order; :class:`SupersededError` as soon as ``stop``
    is set (checked before each page)."""
    users: list[admin.User] = []
    token: str | None = None
    while True:
        if stop.is_set():
            raise SupersededError
        page = admin.list_users(api, next_token=token)
        users.extend(page.users)
        token = page.next_token
        if token is None:
            return users


def fetch_snapshot(api: admin.JsonCaller, stop: Stop) -> Snapshot:
    """Every user (all pages) and every group; raises :class:`SupersededError` if stopped."""
    return Snapshot(tuple(all_users(api, stop)), admin.list_groups(api))


def by_status(users: Iterable[admin.User]) -> list[tuple[str, int]]:
    """(status, count), most common first (ties by name)."""
    counts = Counter(user.status for user in users)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def pending_invitations(
    users: Iterable[admin.User], days: int, now: datetime.datetime
) -> list[admin.User]:
    """Users still invited (no password chosen) whose invitation is at least ``days``
    old, oldest first."""
    cutoff = now - datetime.timedelta(days=days)
    found = [
        user
        for user in users
        if actions.invitation_pending(user)
        and user.created_at is not None
        and user.created_at <= cutoff
    ]
    return sorted(found, key=lambda user: (user.created_at, user.username))
