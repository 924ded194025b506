"""The account-lifecycle actions in the Admin panels: the detail pane offers each where
the user's state calls for it and asks first, naming the user; the Users tab asks before
a bulk run, listing the users; the Overview counts sign-ups not confirmed and users
without MFA, saying so while it counts."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6 import QtCore
from pytestqt.qtbot import QtBot

from desktop_app import errors
from desktop_app.admin import actions
from desktop_app.api import admin
from desktop_app.models import groups as groups_model
from desktop_app.qt import messages
from desktop_app.ui.admin import overview, section, users_panel
from tests.support.bridges import ManualBridge
from tests.support.fake_api import FakeApi
from tests.unit.desktop_app.ui.admin.conftest import user_body
from tests.unit.desktop_app.ui.admin.test_user_detail import Pane
from tests.unit.desktop_app.ui.admin.test_users_panel import select

LEFT = QtCore.Qt.MouseButton.LeftButton
TOTP_ON = {"mfa_methods": [admin.TOTP], "preferred_mfa": admin.TOTP}
TOTP_OFF = {"mfa_methods": [], "preferred_mfa": None}
SIGNED_UP = {"status": "UNCONFIRMED", "attributes": {"email": "sam@example.test"}, **TOTP_OFF}


def verified(name: str) -> dict[str, Any]:
    """The attributes of a user whose email address is verified."""
    return {"attributes": {"email": f"{name}@example.test", "email_verified": "true"}}


@pytest.fixture
def pane(qtbot: QtBot, manual: ManualBridge, api: FakeApi) -> Pane:
    return Pane(qtbot, manual, api)


def visible(pane: Pane) -> list[str]:
    shown = pane.widget
    return [
        button.text()
        for button in shown.lifecycle_buttons.values()
        if button.isVisibleTo(shown) and button.isEnabled()
    ]


def test_a_pending_sign_up_is_offered_its_actions_in_plain_words(pane: Pane) -> None:
    pane.show("sam", **SIGNED_UP)
    card = pane.widget.card
    assert card.fields["status"].text() == "Signed up, email not confirmed"
    assert card.fields["status"].toolTip().endswith("(UNCONFIRMED)")
    assert card.fields["mfa"].text() == "None"
    assert card.fields["email_verified"].text() == "No"
    assert visible(pane) == [
        "Confirm sign-up\N{HORIZONTAL ELLIPSIS}",
        "Resend verification code\N{HORIZONTAL ELLIPSIS}",
        "Mark email verified\N{HORIZONTAL ELLIPSIS}",
    ]
    shown = pane.widget
    always = (shown.toggle_button, shown.reset_button, shown.sign_out_button, shown.delete_button)
    assert all(button.isVisibleTo(shown) for button in always)
    # Two to a row with no gap: the invitation's Resend is hidden, the next takes its place.
    laid = [shown.action_grid.itemAt(i).widget() for i in range(shown.action_grid.count())]
    assert laid == [shown.edit_button, *always, *shown.lifecycle_buttons.values()][:8]
    assert shown.action_grid.getItemPosition(5)[:2] == (2, 1)
    pane.show("alice", **TOTP_ON, **verified("alice"))  # confirmed, with an authenticator
    assert pane.widget.card.fields["mfa"].text() == "TOTP"
    assert pane.widget.card.fields["status"].text() == "Confirmed"
    assert visible(pane) == ["Reset MFA\N{HORIZONTAL ELLIPSIS}"]
    pane.show("bob", **verified("bob"))  # an API not saying MFA: nothing to reset, a dash
    assert visible(pane) == []
    assert pane.widget.card.fields["mfa"].text() == "\N{EM DASH}"


def test_confirming_a_sign_up_asks_first_naming_the_user(
    qtbot: QtBot, pane: Pane, manual: ManualBridge, api: FakeApi
) -> None:
    pane.show("sam", **SIGNED_UP)
    shown = pane.widget
    qtbot.mouseClick(shown.confirm_sign_up_button, LEFT)
    dialog = shown.confirm_dialog
    assert dialog is not None and dialog.isVisible()
    assert "sam's sign-up" in dialog.question.text()
    assert dialog.confirm_button.text() == "Confirm sign-up"
    assert shown.ask(actions.CONFIRM_SIGN_UP) is dialog  # asked again: the same question
    dialog.reject()
    qtbot.waitUntil(lambda: shown.confirm_dialog is None, timeout=1_000)
    assert manual.pending() == [] and pane.sent() == []  # cancelled: nothing sent

    dialog = shown.ask(actions.CONFIRM_SIGN_UP)
    assert dialog is not None
    api.answers[("GET", "/admin/users/sam")] = user_body("sam", **TOTP_OFF, **verified("sam"))
    qtbot.mouseClick(dialog.confirm_button, LEFT)
    manual.finish_all()
    assert pane.sent() == [("POST", "/admin/users/sam/confirm-sign-up")]
    assert pane.said == [("sam's sign-up is confirmed; they can sign in now.", False)]
    assert visible(pane) == []  # read again: nothing pending any more


@pytest.mark.parametrize(
    ("action", "path", "said"),
    [
        (
            actions.RESEND_CONFIRMATION_CODE,
            "resend-confirmation-code",
            "A new verification code was emailed to sam.",
        ),
        (
            actions.MARK_EMAIL_VERIFIED,
            "verify-email",
            "sam's email address is marked as verified.",
        ),
    ],
)
def test_each_action_of_a_pending_sign_up_sends_its_request(
    pane: Pane, manual: ManualBridge, action: actions.Action, path: str, said: str
) -> None:
    pane.show("sam", **SIGNED_UP)
    dialog = pane.widget.ask(action)
    assert dialog is not None and "sam" in dialog.question.text()
    dialog.accept()
    manual.finish_all()
    assert pane.sent() == [("POST", f"/admin/users/sam/{path}")]
    assert pane.said == [(said, False)]


def test_reset_mfa_asks_and_the_table_hears_the_new_mfa(
    pane: Pane, manual: ManualBridge, api: FakeApi
) -> None:
    pane.show("alice", **TOTP_ON, **verified("alice"))
    dialog = pane.widget.ask(actions.RESET_MFA)
    assert dialog is not None
    assert dialog.question.text().startswith("Reset alice's MFA?")
    api.answers[("GET", "/admin/users/alice")] = user_body("alice", **TOTP_OFF, **verified("alice"))
    dialog.accept()
    manual.finish_all()
    assert pane.sent() == [("POST", "/admin/users/alice/reset-mfa")]
    assert pane.widget.detail is not None and pane.widget.detail.mfa == admin.Mfa()
    assert visible(pane) == []


def test_a_refused_lifecycle_action_is_said_in_plain_words(
    pane: Pane, manual: ManualBridge, api: FakeApi
) -> None:
    pane.show("sam", **SIGNED_UP)
    api.answers[("POST", "/admin/users/sam/confirm-sign-up")] = errors.ApiError(
        409, "only an unconfirmed sign-up can be confirmed; this user is CONFIRMED", "invalid_state"
    )
    dialog = pane.widget.ask(actions.CONFIRM_SIGN_UP)
    assert dialog is not None
    dialog.accept()
    manual.finish_all()
    assert pane.said == [
        (
            "Not possible in the user's current state: only an unconfirmed sign-up can be "
            "confirmed; this user is CONFIRMED.",
            True,
        )
    ]


def test_the_admins_own_mfa_is_not_reset_here(pane: Pane, manual: ManualBridge) -> None:
    pane.show("admin", **TOTP_ON)
    button = pane.widget.reset_mfa_button
    assert button.isVisibleTo(pane.widget) and not button.isEnabled()
    assert button.toolTip() == messages.admin_text(actions.RESET_MFA.own_account)
    assert pane.widget.ask(actions.RESET_MFA) is None
    assert manual.pending() == []


# -- the Users tab: the MFA column, and bulk runs that ask first ----------------------------


@pytest.fixture
def panel(qtbot: QtBot, manual: ManualBridge, api: FakeApi) -> users_panel.UsersPanel:
    names = ("admin", "alice", "bob")
    api.answers[("GET", "/admin/users")] = {"users": [user_body(n) for n in names]}
    for name in names:
        api.answers[("GET", f"/admin/users/{name}")] = user_body(name, **TOTP_OFF)
    api.answers[("GET", "/admin/mfa")] = {
        "users": [
            {"username": n, "found": True, "mfa_methods": [], "preferred_mfa": None} for n in names
        ]
    }
    shown = users_panel.UsersPanel(manual, groups_model.GroupsModel(manual))  # type: ignore[arg-type]
    qtbot.addWidget(shown)
    shown.ensure_loaded()
    manual.finish_all()
    return shown


def test_a_bulk_lifecycle_run_asks_first_listing_the_users(
    qtbot: QtBot, panel: users_panel.UsersPanel, manual: ManualBridge, api: FakeApi
) -> None:
    assert [a.text() for a in panel.bulk_account_actions.values()] == [
        "Confirm sign-ups\N{HORIZONTAL ELLIPSIS}",
        "Resend verification codes\N{HORIZONTAL ELLIPSIS}",
        "Mark emails verified\N{HORIZONTAL ELLIPSIS}",
        "Reset MFA\N{HORIZONTAL ELLIPSIS}",
    ]
    assert panel.ask_bulk(actions.RESET_MFA) is None  # nobody selected
    select(panel, "alice", "bob")
    panel.bulk_account_actions[actions.RESET_MFA].trigger()
    question = panel.bulk_question
    assert question is not None and question.isVisible()
    assert question.question.text() == (
        "Reset the MFA of 2 users: alice, bob? They will sign in without a code until they "
        "set up new authenticators."
    )
    question.reject()
    qtbot.waitUntil(lambda: panel.bulk_question is None, timeout=1_000)
    assert panel.bulk_dialog is None

    select(panel, "admin", "alice")
    question = panel.ask_bulk(actions.RESET_MFA)
    assert question is not None
    assert question.question.text().startswith("Reset the MFA of 1 user: alice?")
    assert question.note.text() == messages.admin_text(actions.SELF_LEFT_OUT, user="admin")
    question.accept()
    dialog = panel.bulk_dialog
    assert dialog is not None and dialog.windowTitle() == "Reset MFA"
    with qtbot.waitSignal(dialog.completed, timeout=1_000):
        manual.finish_all()
    manual.finish_all()
    # The admin's own row was left out: never a target, never sent.
    assert dialog.progress.outcomes() == [("alice", True, "")]
    sent = [(m, p) for m, p, _b in api.requests if m == "POST"]
    assert sent == [("POST", "/admin/users/alice/reset-mfa")]


def test_the_mfa_column_fills_in_after_the_page(
    qtbot: QtBot, panel: users_panel.UsersPanel, manual: ManualBridge, api: FakeApi
) -> None:
    panel.resize(1100, 400)
    panel.show()
    qtbot.waitExposed(panel)
    model = panel.model
    row = model.row_of("alice")
    assert row is not None
    qtbot.waitUntil(lambda: any(t.name == "users-mfa" for t in manual.pending()), timeout=2_000)
    manual.finish_all()
    assert model.data(model.index(row, users_panel.users_model.Column.MFA)) == "None"
    assert model.data(model.index(row, users_panel.users_model.Column.STATUS)) == "Confirmed"


# -- the Overview: sign-ups not confirmed, users without MFA ------------------------------


def mfa_answer(names: list[str], with_totp: set[str]) -> dict[str, Any]:
    return {
        "users": [
            {
                "username": n,
                "found": True,
                "mfa_methods": [admin.TOTP] if n in with_totp else [],
                "preferred_mfa": None,
            }
            for n in names
        ]
    }


@pytest.fixture
def big_overview(qtbot: QtBot, manual: ManualBridge, api: FakeApi) -> overview.OverviewPanel:
    """A pool of 130 users (2 pending sign-ups); answered through the users page."""
    names = [f"user{i:03d}" for i in range(130)]
    users = [
        user_body(n, status="UNCONFIRMED" if n in ("user001", "user002") else "CONFIRMED")
        for n in names
    ]
    api.answers[("GET", "/admin/users")] = {"users": users}
    api.answers[("GET", "/admin/groups")] = {"groups": []}
    shown = overview.OverviewPanel(manual)  # type: ignore[arg-type]
    qtbot.addWidget(shown)
    shown.refresh()
    with qtbot.waitSignal(shown.loaded, timeout=1_000):
        manual.pending()[0].finish()
    return shown


def test_the_overview_counts_without_mfa_a_page_at_a_time_and_says_so(
    qtbot: QtBot, big_overview: overview.OverviewPanel, manual: ManualBridge, api: FakeApi
) -> None:
    shown = big_overview
    assert shown.unconfirmed_label.text() == "Sign-ups not confirmed: 2"
    assert ("Signed up, email not confirmed", 2) in shown.status_chart.bars()
    assert shown.is_counting_mfa and shown.mfa_stop_button.isVisibleTo(shown)
    assert shown.mfa_label.text().startswith(
        "Users without MFA: counting\N{HORIZONTAL ELLIPSIS} 0 of 130 checked"
    )
    for batch in range(3):
        [task] = manual.pending()
        api.answers[("GET", "/admin/mfa")] = mfa_answer(
            [f"user{i:03d}" for i in range(batch * 60, min(130, batch * 60 + 60))],
            with_totp={"user000", "user129"},
        )
        task.finish()
        if batch == 0:
            assert "60 of 130 checked, 59 without so far" in shown.mfa_label.text()
    assert not shown.is_counting_mfa and not shown.mfa_stop_button.isVisibleTo(shown)
    assert shown.mfa_label.text() == "Users without MFA: 128 of 130."
    assert [len(p["username"]) for p in api.params if p and "username" in p] == [60, 60, 10]


def test_stop_and_a_refresh_end_the_mfa_count(
    qtbot: QtBot, big_overview: overview.OverviewPanel, manual: ManualBridge, api: FakeApi
) -> None:
    shown = big_overview
    [first] = manual.pending()
    api.answers[("GET", "/admin/mfa")] = mfa_answer([f"user{i:03d}" for i in range(60)], set())
    first.finish()
    [second] = manual.pending()
    with qtbot.waitSignal(shown.mfaCounted, timeout=1_000):
        qtbot.mouseClick(shown.mfa_stop_button, LEFT)
    assert second.cancelled and not shown.is_counting_mfa
    assert shown.mfa_label.text() == (
        "Users without MFA: stopped after 60 of 130 checked (60 without so far)."
    )
    shown.refresh()  # a new pass: a new count after its snapshot
    [snapshot_task] = manual.pending()
    with qtbot.waitSignal(shown.loaded, timeout=1_000):
        snapshot_task.finish()
    assert shown.mfa_tally is not None and shown.mfa_tally.checked == 0


def test_a_failed_mfa_count_says_why_and_stops(
    qtbot: QtBot, big_overview: overview.OverviewPanel, manual: ManualBridge, api: FakeApi
) -> None:
    shown = big_overview
    api.answers[("GET", "/admin/mfa")] = errors.ApiError(429, "slow down", "throttled")
    with qtbot.waitSignal(shown.mfaCounted, timeout=1_000):
        manual.pending()[0].finish()
    assert shown.mfa_label.text() == (
        "Users without MFA: not counted (Cognito is throttling requests; wait a moment and retry.)"
    )
    assert manual.pending() == [] and not shown.mfa_stop_button.isVisibleTo(shown)


def test_the_section_hides_itself_saying_why_the_api_refused(
    qtbot: QtBot, manual: ManualBridge, api: FakeApi
) -> None:
    refusal = errors.ApiError(403, "admin actions need multi-factor authentication", "mfa_required")
    api.fail_with = refusal
    shown = section.AdminSection(manual)  # type: ignore[arg-type]
    qtbot.addWidget(shown)
    with qtbot.waitSignal(shown.forbidden, timeout=1_000) as said:
        shown.reload()
        manual.finish_all()
    assert said.args == [
        "The API refused admin access for your account, so the Admin section is hidden: "
        + messages.admin_failure(refusal)
    ]
