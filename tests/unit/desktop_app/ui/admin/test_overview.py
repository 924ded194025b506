"""The Overview tab: the bar chart, a refresh that counts every user (a newer one, or
the tab going away, stops an older pass), and Resend on the pending invitations."""

from __future__ import annotations

import datetime

import pytest
import shiboken6
from PySide6 import QtCore
from pytestqt.qtbot import QtBot

from desktop_app import errors
from desktop_app.ui.admin import overview
from tests.support.bridges import ManualBridge
from tests.support.fake_api import FakeApi
from tests.unit.desktop_app.ui.admin.conftest import user_body

NOW = datetime.datetime(2026, 3, 1, 12, 0, tzinfo=datetime.UTC)
LEFT = QtCore.Qt.MouseButton.LeftButton
PENDING = "FORCE_CHANGE_PASSWORD"
USERS = {
    "users": [
        user_body("old", status=PENDING, created_at="2026-02-01T12:00:00Z"),
        user_body("new", status=PENDING, created_at="2026-02-28T12:00:00Z"),
        user_body("ok"),
    ]
}
GROUPS = {"groups": [{"name": "Admin", "description": None, "member_count": 1}]}
MFA = {
    "users": [
        {"username": name, "found": True, "mfa_methods": methods, "preferred_mfa": None}
        for name, methods in (("old", []), ("new", []), ("ok", ["SOFTWARE_TOKEN_MFA"]))
    ]
}
RESEND_OLD = ("POST", "/admin/users/old/resend-invitation")


def test_the_bar_chart_paints_and_describes_its_numbers(qtbot: QtBot) -> None:
    chart = overview.BarChart("Users by status")
    qtbot.addWidget(chart)
    empty_height = chart.sizeHint().height()
    assert not chart.grab().isNull()  # "No data" painted
    chart.set_bars([("CONFIRMED", 12), ("FORCE_CHANGE_PASSWORD", 0), ("RESET_REQUIRED", 3)])
    assert chart.sizeHint().height() > empty_height
    assert chart.accessibleDescription() == (
        "CONFIRMED: 12, FORCE_CHANGE_PASSWORD: 0, RESET_REQUIRED: 3"
    )
    chart.resize(300, chart.sizeHint().height())
    image = chart.grab().toImage()
    assert not image.isNull()
    # The longest bar is drawn in the highlight colour somewhere on its row.
    highlight = chart.palette().color(chart.palette().ColorRole.Highlight)
    row = overview.BarChart.ROW + overview.BarChart.ROW // 2
    assert any(image.pixelColor(x, row) == highlight for x in range(image.width()))


@pytest.fixture
def panel(qtbot: QtBot, manual: ManualBridge, api: FakeApi) -> overview.OverviewPanel:
    api.answers.update(
        {
            ("GET", "/admin/users"): USERS,
            ("GET", "/admin/groups"): GROUPS,
            ("GET", "/admin/mfa"): MFA,
        }
    )
    shown = overview.OverviewPanel(manual, now=lambda: NOW)  # type: ignore[arg-type]
    qtbot.addWidget(shown)
    return shown


def counted(qtbot: QtBot, panel: overview.OverviewPanel, manual: ManualBridge) -> None:
    """A refresh answered, the users without MFA counted too."""
    panel.ensure_loaded()
    [task] = manual.pending()
    with qtbot.waitSignal(panel.loaded, timeout=1_000):
        task.finish()
    with qtbot.waitSignal(panel.mfaCounted, timeout=1_000):
        manual.finish_all()


def test_a_refresh_counts_every_user_and_lists_the_old_invitations(
    qtbot: QtBot, panel: overview.OverviewPanel, manual: ManualBridge
) -> None:
    panel.ensure_loaded()
    assert panel.is_loading and not panel.refresh_button.isEnabled()
    assert panel.summary.text() == "Counting users\N{HORIZONTAL ELLIPSIS}"
    [task] = manual.pending()
    with qtbot.waitSignal(panel.loaded, timeout=1_000):
        task.finish()
    assert not panel.is_loading and panel.refresh_button.isEnabled()
    assert panel.summary.text() == "3 users in 1 group."
    assert panel.status_chart.bars() == [("Invited, must set a password", 2), ("Confirmed", 1)]
    assert panel.group_chart.bars() == [("Admin", 1)]
    assert panel.pending_usernames() == ["old"]  # seven days or more
    assert panel.inactive_label.text() == "Not signed in for 90 days: 0"  # all under 90 days
    panel.days.setValue(0)
    assert panel.pending_usernames() == ["old", "new"]
    [mfa] = manual.pending()  # then the users without MFA, one batch
    with qtbot.waitSignal(panel.mfaCounted, timeout=1_000):
        mfa.finish()
    assert panel.mfa_label.text() == "Users without MFA: 2 of 3."
    panel.ensure_loaded()  # counted already: nothing asked again
    assert manual.pending() == []


def test_a_newer_refresh_stops_the_older_pass(
    qtbot: QtBot, panel: overview.OverviewPanel, manual: ManualBridge, api: FakeApi
) -> None:
    panel.refresh()
    panel.refresh()
    older, newer = manual.tasks
    assert older.cancelled and not newer.cancelled
    older.finish()  # the older pass runs late: stopped before its first page
    assert api.requests == []
    assert panel.is_loading and panel.snapshot is None
    with qtbot.waitSignal(panel.loaded, timeout=1_000):
        newer.finish()
    assert panel.snapshot is not None and len(panel.snapshot.users) == 3


def test_the_tab_going_away_stops_the_pass(manual: ManualBridge, api: FakeApi) -> None:
    shown = overview.OverviewPanel(manual)  # type: ignore[arg-type]
    shown.refresh()
    shiboken6.delete(shown)
    [task] = manual.tasks
    assert task.cancelled
    task.finish()
    assert api.requests == []


def test_resend_from_the_pending_list(
    qtbot: QtBot, panel: overview.OverviewPanel, manual: ManualBridge, api: FakeApi
) -> None:
    counted(qtbot, panel, manual)
    button = panel.resend_buttons["old"]
    qtbot.mouseClick(button, LEFT)
    assert not button.isEnabled() and button.text() == "Sending\N{HORIZONTAL ELLIPSIS}"
    [task] = manual.pending()
    task.finish()
    assert api.requests[-1] == (*RESEND_OLD, None)
    assert button.text() == "Sent"
    assert panel.message.text() == "Invitation sent again to old."
    assert not panel.message.is_error


def test_a_refused_resend_gives_the_button_back_and_a_403_is_passed_on(
    qtbot: QtBot, panel: overview.OverviewPanel, manual: ManualBridge, api: FakeApi
) -> None:
    counted(qtbot, panel, manual)
    api.answers[RESEND_OLD] = errors.ApiError(403, "admins only", "forbidden")
    with qtbot.waitSignal(panel.forbidden, timeout=1_000):
        panel.resend("old")
        manual.finish_all()
    button = panel.resend_buttons["old"]
    assert button.isEnabled() and button.text() == "Resend"
    assert panel.message.is_error
    assert panel.message.text() == "You are not allowed to do this (admin group required)."


# -- not signed in for 90 days -------------------------------------------------------------

# NOW is 2026-03-01 12:00 UTC; 90 days before it is 2025-12-01 12:00 UTC.
SIGN_INS = {
    "users": [
        user_body("stale", last_sign_in="2025-11-01T09:00:00Z"),
        user_body("boundary", last_sign_in="2025-12-01T12:00:00Z"),  # exactly 90 days
        user_body("recent", created_at="2024-01-01T00:00:00Z", last_sign_in="2026-02-27T08:00:00Z"),
        user_body("never", created_at="2025-10-01T00:00:00Z", last_sign_in=None),
        user_body("newcomer", created_at="2026-02-20T00:00:00Z"),  # not signed in yet
    ]
}


class Clock:
    def __init__(self, now: datetime.datetime) -> None:
        self.now = now

    def __call__(self) -> datetime.datetime:
        return self.now


def test_the_users_not_signed_in_for_90_days_are_counted_on_the_panels_clock(
    qtbot: QtBot, manual: ManualBridge, api: FakeApi
) -> None:
    api.answers.update({("GET", "/admin/users"): SIGN_INS, ("GET", "/admin/groups"): GROUPS})
    clock = Clock(NOW)
    panel = overview.OverviewPanel(manual, now=clock)  # type: ignore[arg-type]
    qtbot.addWidget(panel)
    assert panel.inactive_label.accessibleName() == "Not signed in for 90 days"
    assert "never signed in" in panel.inactive_label.toolTip()
    panel.refresh()
    [task] = manual.pending()
    with qtbot.waitSignal(panel.loaded, timeout=1_000):
        task.finish()
    assert panel.inactive_label.text() == "Not signed in for 90 days: 2"  # stale, never
    panel.stop_mfa_count()

    clock.now = NOW + datetime.timedelta(seconds=1)  # "boundary" is now over 90 days
    panel.refresh()
    [task] = manual.pending()
    with qtbot.waitSignal(panel.loaded, timeout=1_000):
        task.finish()
    assert panel.inactive_label.text() == "Not signed in for 90 days: 3"


def test_a_stopped_pass_leaves_the_inactive_count_as_it_was(
    qtbot: QtBot, manual: ManualBridge, api: FakeApi
) -> None:
    api.answers.update({("GET", "/admin/users"): SIGN_INS, ("GET", "/admin/groups"): GROUPS})
    panel = overview.OverviewPanel(manual, now=lambda: NOW)  # type: ignore[arg-type]
    qtbot.addWidget(panel)
    panel.refresh()
    panel.refresh()
    older, newer = manual.tasks
    older.finish()  # superseded: stopped before its first page, counts nothing
    assert panel.inactive_label.text() == ""
    assert api.requests == []
    with qtbot.waitSignal(panel.loaded, timeout=1_000):
        newer.finish()
    assert panel.inactive_label.text() == "Not signed in for 90 days: 2"
