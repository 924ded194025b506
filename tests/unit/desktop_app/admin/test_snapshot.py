"""The Overview's numbers: every page of users, the stop between pages, the arithmetic."""

from __future__ import annotations

import dataclasses
import datetime
import threading
from typing import Any

import pytest

from desktop_app.admin import snapshot
from desktop_app.api import admin
from tests.support.fake_api import FakeApi, FakeResponse

NOW = datetime.datetime(2026, 3, 1, 12, 0, tzinfo=datetime.UTC)
PENDING = "FORCE_CHANGE_PASSWORD"
GROUPS = {"groups": [{"name": "Admin", "description": None, "member_count": 1}]}


def user(name: str, status: str = "CONFIRMED", days_old: float | None = 1.0) -> admin.User:
    created = None if days_old is None else NOW - datetime.timedelta(days=days_old)
    return admin.User(name, f"sub-{name}", None, None, status, True, created, None)


def body(name: str) -> dict[str, Any]:
    return {"username": name, "status": "CONFIRMED", "enabled": True}


class PagedApi(FakeApi):
    """``GET /admin/users`` in ``pages``, chained by their numbers as tokens; ``stop``
    is set when page ``stop_after`` has been served."""

    def __init__(self, pages: list[list[str]], stop_after: int | None = None) -> None:
        super().__init__(answers={("GET", "/admin/groups"): GROUPS})
        self.pages = pages
        self.stop = threading.Event()
        self.stop_after = stop_after

    def request(
        self, method: str, path: str, *, json: Any = None, params: dict[str, Any] | None = None
    ) -> Any:
        if path != "/admin/users":
            return super().request(method, path, json=json, params=params)
        self.requests.append((method, path, json))
        self.params.append(params)
        number = int((params or {}).get("pagination_token", 0))
        if number == self.stop_after:
            self.stop.set()
        last = number == len(self.pages) - 1
        names = self.pages[number]
        return FakeResponse(
            {
                "users": [body(n) for n in names],
                "pagination_token": None if last else str(number + 1),
            }
        )


def test_every_page_is_fetched_in_order_then_the_groups() -> None:
    api = PagedApi([["a", "b"], ["c"], ["d"]])
    counted = snapshot.fetch_snapshot(api, api.stop)
    assert [u.username for u in counted.users] == ["a", "b", "c", "d"]
    assert [g.name for g in counted.groups] == ["Admin"]
    tokens = [params.get("pagination_token") for params in api.params if params is not None]
    assert tokens == [None, "1", "2"]
    assert api.requests[-1][:2] == ("GET", "/admin/groups")


def test_a_stop_between_pages_ends_the_pass() -> None:
    api = PagedApi([["a"], ["b"], ["c"]], stop_after=0)
    with pytest.raises(snapshot.SupersededError):
        snapshot.fetch_snapshot(api, api.stop)
    assert len(api.requests) == 1  # the second page was never asked for


def test_a_stop_before_the_first_page_sends_nothing() -> None:
    api = PagedApi([["a"]])
    api.stop.set()
    with pytest.raises(snapshot.SupersededError):
        snapshot.all_users(api, api.stop)
    assert api.requests == []


def test_users_by_status_most_common_first() -> None:
    users = [user("a"), user("b"), user("c", "RESET_REQUIRED"), user("d", PENDING)]
    assert snapshot.by_status(users) == [
        ("CONFIRMED", 2),
        ("FORCE_CHANGE_PASSWORD", 1),
        ("RESET_REQUIRED", 1),
    ]
    assert snapshot.by_status([]) == []


def test_pending_invitations_are_the_old_enough_ones_oldest_first() -> None:
    users = [
        user("fresh", PENDING, days_old=2),
        user("week", PENDING, days_old=7),  # exactly N days: included
        user("month", PENDING, days_old=30),
        user("confirmed", "CONFIRMED", days_old=90),
        user("undated", PENDING, days_old=None),
    ]
    found = snapshot.pending_invitations(users, 7, NOW)
    assert [u.username for u in found] == ["month", "week"]
    assert [u.username for u in snapshot.pending_invitations(users, 0, NOW)] == [
        "month",
        "week",
        "fresh",
    ]


# -- not signed in for 90 days -------------------------------------------------------------

DAY = datetime.timedelta(days=1)
SECOND = datetime.timedelta(seconds=1)
CREATED_LONG_AGO = NOW - 400 * DAY


def account(
    created: datetime.datetime | None = CREATED_LONG_AGO,
    last_sign_in: datetime.datetime | None = None,
    status: str = "CONFIRMED",
) -> admin.User:
    return admin.User("u", "sub-u", None, None, status, True, created, None, last_sign_in)


@pytest.mark.parametrize(
    ("last_sign_in", "inactive"),
    [
        (NOW - 90 * DAY - SECOND, True),  # more than 90 days before now
        (NOW - 90 * DAY, False),  # exactly 90 days: not "more than"
        (NOW - 90 * DAY + SECOND, False),
        (NOW - 400 * DAY, True),
        (NOW - SECOND, False),
        (NOW + DAY, False),  # a clock ahead of ours: signed in, recently
    ],
)
def test_a_sign_in_more_than_90_days_ago_is_inactive(
    last_sign_in: datetime.datetime, inactive: bool
) -> None:
    assert snapshot.inactive(account(last_sign_in=last_sign_in), NOW) is inactive


@pytest.mark.parametrize(
    ("created", "inactive"),
    [
        (NOW - 90 * DAY - SECOND, True),  # never signed in, created more than 90 days ago
        (NOW - 90 * DAY, False),
        (NOW - 89 * DAY, False),  # a new account that has not signed in yet
        (NOW - SECOND, False),
        (None, False),  # how old is not known: not counted
    ],
)
def test_never_signed_in_counts_once_the_account_is_over_90_days_old(
    created: datetime.datetime | None, inactive: bool
) -> None:
    assert snapshot.inactive(account(created=created), NOW) is inactive


def test_a_recent_sign_in_keeps_an_old_account_active() -> None:
    old = account(created=NOW - 1000 * DAY, last_sign_in=NOW - 3 * DAY)
    assert not snapshot.inactive(old, NOW)


def test_the_rule_follows_the_clock_it_is_given() -> None:
    """The same user, on a clock moved across the boundary one second at a time."""
    last = NOW - 30 * DAY
    user_ = account(last_sign_in=last)
    boundary = last + snapshot.INACTIVE_DAYS * DAY
    assert not snapshot.inactive(user_, boundary)
    assert snapshot.inactive(user_, boundary + SECOND)
    assert not snapshot.inactive(user_, boundary + SECOND, days=91)


def test_inactive_users_keeps_the_order_given() -> None:
    users = [
        dataclasses.replace(account(last_sign_in=NOW - 100 * DAY), username="stale"),
        dataclasses.replace(account(last_sign_in=NOW - DAY), username="active"),
        dataclasses.replace(account(created=NOW - 5 * DAY), username="new"),
        dataclasses.replace(account(created=NOW - 200 * DAY), username="never"),
        dataclasses.replace(account(created=None), username="undated"),
    ]
    assert [u.username for u in snapshot.inactive_users(users, NOW)] == ["stale", "never"]
    assert snapshot.inactive_users([], NOW) == []
