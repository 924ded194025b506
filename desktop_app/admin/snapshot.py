"""The Overview's numbers: every user and group at one moment, users by status, the
invitations still pending after N days, the sign-ups not confirmed, the users not
signed in for :data:`INACTIVE_DAYS` days, and how many users have no MFA.

:func:`all_users` is the one loop over every page of ``list_users``; it checks a stop
flag between pages, so a newer refresh (or the Overview going away) ends an older
pass early. MFA is not in ListUsers: :class:`MfaTally` adds up the answers of
``admin.users_mfa`` one batch (:func:`mfa_batches`) at a time, one AdminGetUser per
user on the API's side. Pure Python: no Qt.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

from desktop_app.admin import actions, states
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


def unconfirmed_sign_ups(users: Iterable[admin.User]) -> list[admin.User]:
    """Users who signed up and have not entered their emailed code, oldest first."""
    found = [user for user in users if states.sign_up_pending(user)]
    epoch = datetime.datetime.min.replace(tzinfo=datetime.UTC)
    return sorted(found, key=lambda user: (user.created_at or epoch, user.username))


#: How long without a sign-in makes a user "not signed in for 90 days".
INACTIVE_DAYS = 90


def inactive(user: admin.User, now: datetime.datetime, days: int = INACTIVE_DAYS) -> bool:
    """Whether ``user`` has not signed in for more than ``days`` days at ``now``.

    The last sign-in (``custom:last_sign_in``) must be more than ``days`` before ``now``.
    A user with no sign-in recorded counts only once their account is that old: a new
    account that has not signed in yet is not inactive, and neither is one whose
    creation date is not known. (Sign-ins are recorded from the post authentication
    trigger on: an account that only signed in before it was deployed reads as never.)
    """
    cutoff = now - datetime.timedelta(days=days)
    if user.last_sign_in is not None:
        return user.last_sign_in < cutoff
    return user.created_at is not None and user.created_at < cutoff


def inactive_users(
    users: Iterable[admin.User], now: datetime.datetime, days: int = INACTIVE_DAYS
) -> list[admin.User]:
    """The users :func:`inactive` at ``now``, in the order given."""
    return [user for user in users if inactive(user, now, days)]


def mfa_batches(usernames: Sequence[str]) -> list[list[str]]:
    """``usernames`` in batches of one page, the most ``GET /admin/mfa`` takes at once."""
    return [
        list(usernames[i : i + admin.PAGE_MAX]) for i in range(0, len(usernames), admin.PAGE_MAX)
    ]


@dataclasses.dataclass(frozen=True)
class MfaTally:
    """Users checked for MFA so far, of ``total``: ``without`` have no factor at all,
    ``gone`` were deleted since the snapshot (not counted either way)."""

    total: int
    checked: int = 0
    without: int = 0
    gone: int = 0

    def add(self, found: Mapping[str, admin.Mfa | None]) -> MfaTally:
        """The tally with one batch's answers added."""
        missing = sum(1 for mfa in found.values() if mfa is None)
        bare = sum(1 for mfa in found.values() if mfa is not None and not mfa.methods)
        return dataclasses.replace(
            self,
            checked=self.checked + len(found),
            without=self.without + bare,
            gone=self.gone + missing,
        )

    @property
    def done(self) -> bool:
        return self.checked >= self.total
