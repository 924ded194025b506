"""desktop_app.admin.states (one mapping for statuses and MFA, the state tests) and the
Overview's new numbers in desktop_app.admin.snapshot."""

from __future__ import annotations

import dataclasses
import datetime

import pytest

from desktop_app.admin import actions, snapshot, states
from desktop_app.api import admin

EPOCH = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
TOTP = admin.Mfa((admin.TOTP,), admin.TOTP)


def detail(name: str = "sam", **changes: object) -> admin.UserDetail:
    values: dict[str, object] = {
        "username": name,
        "sub": f"sub-{name}",
        "email": f"{name}@example.test",
        "name": None,
        "status": "CONFIRMED",
        "enabled": True,
        "created_at": EPOCH,
        "modified_at": None,
        "attributes": {"email": f"{name}@example.test", "email_verified": "true"},
        "mfa": admin.Mfa(),
    }
    values.update(changes)
    return admin.UserDetail(**values)  # type: ignore[arg-type]


def test_the_statuses_the_issue_names_in_its_words() -> None:
    assert states.status_words("UNCONFIRMED") == "Signed up, email not confirmed"
    assert states.status_words("FORCE_CHANGE_PASSWORD") == "Invited, must set a password"
    assert states.status_words("RESET_REQUIRED") == "Password reset pending"
    assert states.status_words("CONFIRMED") == "Confirmed"
    assert states.status_words("SOMETHING_NEW") is None
    assert states.status_tip("SOMETHING_NEW") is None
    assert "code" in (states.status_tip("UNCONFIRMED") or "")


@pytest.mark.parametrize(
    ("state", "words", "tip"),
    [
        (states.MfaRead.PENDING, "\N{HORIZONTAL ELLIPSIS}", "Reading"),
        (states.MfaRead.FAILED, "?", "could not be read"),
        (admin.Mfa(), "None", "password only"),
        (TOTP, "TOTP", "authenticator app"),
        (admin.Mfa(("SMS_MFA", admin.TOTP)), "SMS, TOTP", "authenticator app"),
        (admin.Mfa(("NEW_FACTOR",)), "NEW_FACTOR", None),
    ],
)
def test_mfa_in_a_word(state: states.MfaState, words: str, tip: str | None) -> None:
    assert states.mfa_words(state) == words
    said = states.mfa_tip(state)
    assert said is None if tip is None else tip in (said or "")


def test_what_each_lifecycle_action_is_offered_for() -> None:
    pending = detail(status="UNCONFIRMED", attributes={"email": "sam@example.test"})
    for action in (actions.CONFIRM_SIGN_UP, actions.RESEND_CONFIRMATION_CODE):
        assert action.offered(pending) and not action.offered(detail())
    assert actions.MARK_EMAIL_VERIFIED.offered(pending)
    assert not actions.MARK_EMAIL_VERIFIED.offered(detail())  # verified already
    assert not actions.MARK_EMAIL_VERIFIED.offered(detail(email=None, attributes={}))
    assert actions.RESET_MFA.offered(detail(mfa=TOTP))
    assert not actions.RESET_MFA.offered(detail())  # nothing to reset
    assert not actions.RESET_MFA.offered(detail(mfa=None))  # not known
    assert actions.ENABLE.offered(detail())  # the others: whatever the state
    assert all(action.words.ask is not None for action in actions.LIFECYCLE)
    assert set(actions.LIFECYCLE) == {a for a in actions.TABLE if a.when is not None}


@pytest.mark.parametrize("action", actions.LIFECYCLE, ids=lambda a: a.words.label)
def test_each_lifecycle_action_asks_naming_the_user_and_many(action: actions.Action) -> None:
    words = action.words
    assert words.ask is not None and "{user}" in words.ask
    assert words.ask_many is not None and "{users}" in words.ask_many
    assert words.many is not None and "{user}" in words.done


def test_unconfirmed_sign_ups_oldest_first() -> None:
    users = [
        dataclasses.replace(detail("b", status="UNCONFIRMED"), created_at=EPOCH),
        detail("c"),
        dataclasses.replace(detail("a", status="UNCONFIRMED"), created_at=None),
    ]
    assert [u.username for u in snapshot.unconfirmed_sign_ups(users)] == ["a", "b"]


def test_mfa_is_counted_a_page_at_a_time() -> None:
    names = [f"u{i}" for i in range(130)]
    assert [len(b) for b in snapshot.mfa_batches(names)] == [60, 60, 10]
    assert snapshot.mfa_batches([]) == []
    tally = snapshot.MfaTally(total=4)
    tally = tally.add({"u1": TOTP, "u2": admin.Mfa()})
    assert (tally.checked, tally.without, tally.gone, tally.done) == (2, 1, 0, False)
    tally = tally.add({"u3": None, "u4": admin.Mfa(("SMS_MFA",))})
    assert (tally.checked, tally.without, tally.gone, tally.done) == (4, 1, 1, True)
