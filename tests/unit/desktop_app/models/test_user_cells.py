"""desktop_app.models.user_cells: a user's text, tooltip and sort key in each column."""

from __future__ import annotations

import datetime

import pytest

from desktop_app.api import admin
from desktop_app.models import user_cells

Col = user_cells.Column
WHEN = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)


def user(**changes: object) -> admin.User:
    values: dict[str, object] = {
        "username": "Zoe",
        "sub": "sub-zoe",
        "email": "zoe@example.test",
        "name": None,
        "status": "CONFIRMED",
        "enabled": True,
        "created_at": WHEN,
        "modified_at": None,
    }
    values.update(changes)
    return admin.User(**values)  # type: ignore[arg-type]


@pytest.mark.usefixtures("india_time")
def test_display_words_flags_and_dates_and_blanks() -> None:
    zoe = user()
    assert user_cells.display(zoe, Col.USERNAME) == "Zoe"
    assert user_cells.display(zoe, Col.NAME) == ""
    assert user_cells.display(zoe, Col.ENABLED) == "Yes"
    assert user_cells.display(user(enabled=False), Col.ENABLED) == "No"
    assert user_cells.display(zoe, Col.CREATED) == "2026-01-02 08:34"  # local time, UTC+05:30
    assert user_cells.display(zoe, Col.MODIFIED) == ""
    assert user_cells.display(zoe, Col.LAST_SIGN_IN) == "Never"
    # The same format as Created: local time to the minute.
    assert user_cells.display(user(last_sign_in=WHEN), Col.LAST_SIGN_IN) == "2026-01-02 08:34"


@pytest.mark.usefixtures("india_time")
def test_the_last_sign_in_tooltip_has_the_seconds_or_says_none_was_recorded() -> None:
    assert user_cells.tooltip(user(last_sign_in=WHEN), Col.LAST_SIGN_IN) == (
        "2026-01-02 08:34:05+05:30"
    )
    assert user_cells.tooltip(user(), Col.LAST_SIGN_IN) == "No sign-in recorded for this user"


def test_tooltips_explain_the_status_and_a_disabled_user() -> None:
    assert user_cells.tooltip(user(status="FORCE_CHANGE_PASSWORD"), Col.STATUS) == (
        "Invited; must choose a password at first sign-in (FORCE_CHANGE_PASSWORD)"
    )
    assert user_cells.tooltip(user(status="SOMETHING_NEW"), Col.STATUS) is None
    assert user_cells.tooltip(user(enabled=False), Col.ENABLED) == (
        "Disabled: sign-in and token refresh are refused"
    )
    assert user_cells.tooltip(user(), Col.ENABLED) is None
    assert user_cells.tooltip(user(), Col.USERNAME) is None


def test_sort_keys_ignore_case_and_blank_cells_sort_as_none() -> None:
    assert user_cells.sort_key(user(username="alice"), Col.USERNAME) < user_cells.sort_key(
        user(username="Bob"), Col.USERNAME
    )
    assert user_cells.sort_key(user(email=""), Col.EMAIL) is None
    assert user_cells.sort_key(user(name=None), Col.NAME) is None
    assert user_cells.sort_key(user(), Col.CREATED) == WHEN
    assert user_cells.sort_key(user(last_sign_in=WHEN), Col.LAST_SIGN_IN) == WHEN
    assert user_cells.sort_key(user(), Col.LAST_SIGN_IN) is None  # "Never": sorted last


def test_every_column_has_a_title() -> None:
    assert [user_cells.column_title(c) for c in Col] == [
        "Username",
        "Email",
        "Name",
        "Status",
        "Enabled",
        "MFA",
        "Created",
        "Last modified",
        "Last sign-in",
    ]
