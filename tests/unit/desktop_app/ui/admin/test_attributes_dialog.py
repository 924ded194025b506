"""The attributes dialog: the schema read first, a field per editable attribute with its
problem as you type, the others greyed with why, the new-email rule with its explicit
checkbox, Save (Enter) sending one change, the API's refusal shown, Cancel sending
nothing; and the detail pane opening it and showing the user saved."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6 import QtCore
from pytestqt.qtbot import QtBot

from desktop_app import errors
from desktop_app.admin import actions, attributes
from desktop_app.ui.admin import attributes_dialog
from tests.support.bridges import ManualBridge
from tests.support.fake_api import FakeApi
from tests.unit.desktop_app.ui.admin.conftest import user_body
from tests.unit.desktop_app.ui.admin.test_user_detail import Pane

ENTER = QtCore.Qt.Key.Key_Return
ME = actions.Acting("admin", "sub-admin", "Admin")
PATCH = ("PATCH", "/admin/users/alice/attributes")


def attribute(name: str, kind: str = "String", **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": name,
        "type": kind,
        "mutable": True,
        "required": False,
        "min_length": None,
        "max_length": None,
        "min_value": None,
        "max_value": None,
        "custom": name.startswith("custom:"),
        "searchable": not name.startswith("custom:"),
    }
    return body | changes


SCHEMA = {
    "attributes": [
        attribute("sub", mutable=False, required=True),
        attribute("email", required=True),
        attribute("email_verified", "Boolean"),
        attribute("name"),
        attribute("custom:department", max_length=20),
        attribute("custom:floor", "Number", min_value=0, max_value=40),
        attribute("custom:employee_id", mutable=False),
    ],
    "estimated_users": 3,
}
ALICE = {
    "sub": "sub-alice",
    "email": "alice@example.test",
    "email_verified": "true",
    "custom:department": "Sales",
    "custom:employee_id": "E-17",
}


@pytest.fixture
def pane(qtbot: QtBot, manual: ManualBridge, api: FakeApi) -> Pane:
    api.answers[("GET", "/admin/schema")] = SCHEMA
    shown = Pane(qtbot, manual, api)
    shown.show("alice", attributes=ALICE)
    return shown


def opened(pane: Pane, manual: ManualBridge) -> attributes_dialog.AttributesDialog:
    dialog = pane.widget.edit_attributes()
    assert dialog is not None
    manual.finish_all()  # the schema
    return dialog


def test_the_fields_follow_the_schema_and_the_others_say_why(
    pane: Pane, manual: ManualBridge, api: FakeApi
) -> None:
    assert pane.widget.edit_button.isEnabled()
    dialog = opened(pane, manual)
    assert dialog.isVisible() and dialog.windowTitle() == "Attributes of alice"
    assert list(dialog.editors) == ["email", "name", "custom:department", "custom:floor"]
    assert dialog.editors["custom:department"].text() == "Sales"
    assert dialog.editors["custom:department"].maxLength() == 20
    read_only = {row.name: row.read_only for row in dialog.rows if not row.editable}
    assert read_only["custom:employee_id"] == attributes.IMMUTABLE
    assert read_only["sub"] == attributes.READ_ONLY["sub"]
    assert not dialog.save_button.isEnabled()  # nothing changed yet
    assert not dialog.mark_verified.isVisibleTo(dialog)
    # The schema is kept: the next dialog does not ask for it again.
    dialog.reject()
    assert pane.widget.attributes_dialog is None
    assert pane.widget.edit_attributes() is not None
    assert [task.name for task in manual.pending()] == []
    assert [p for m, p, _b in api.requests if p == "/admin/schema"] == ["/admin/schema"]


def test_each_fields_problem_shows_under_it_as_you_type(
    qtbot: QtBot, pane: Pane, manual: ManualBridge
) -> None:
    dialog = opened(pane, manual)
    dialog.editors["custom:floor"].setText("41")
    assert dialog.problems["custom:floor"].text() == "Too large: at most 40."
    assert dialog.problems["custom:floor"].isVisibleTo(dialog)
    dialog.editors["email"].clear()
    assert dialog.problems["email"].text() == "Required by the pool: it cannot be empty."
    assert not dialog.save_button.isEnabled()
    qtbot.keyClick(dialog.editors["email"], ENTER)  # a problem: Enter sends nothing
    assert manual.pending() == [] and dialog.isVisible()
    dialog.editors["email"].setText("alice@example.test")
    dialog.editors["custom:floor"].setText("4")
    assert not dialog.problems["custom:floor"].isVisibleTo(dialog)
    assert dialog.save_button.isEnabled()


def test_a_new_email_is_unverified_unless_marked_and_enter_saves(
    qtbot: QtBot, pane: Pane, manual: ManualBridge, api: FakeApi
) -> None:
    dialog = opened(pane, manual)
    dialog.editors["email"].setText("alice@new.example")
    assert dialog.email_note.isVisibleTo(dialog) and dialog.mark_verified.isVisibleTo(dialog)
    assert "unverified until the user confirms it" in dialog.email_note.text()
    assert dialog.mark_verified.text().replace("&", "") == "Mark the new email as verified"
    assert not dialog.mark_verified.isChecked()
    dialog.editors["custom:department"].clear()
    api.answers[PATCH] = user_body("alice", email="alice@new.example")
    qtbot.keyClick(dialog.editors["email"], ENTER)
    [save] = manual.pending()
    assert save.name == "admin-attributes" and dialog.saving
    with qtbot.waitSignal(dialog.saved, timeout=1_000):
        save.finish()
    assert api.requests[-1] == (
        *PATCH,
        {"set": {"email": "alice@new.example"}, "delete": ["custom:department"]},
    )
    assert not dialog.isVisible()
    assert pane.said == [("alice's attributes are saved.", False)]
    assert pane.widget.card.fields["email"].text() == "alice@new.example"
    assert pane.changed[-1] == "alice"


def test_marking_the_new_email_verified_is_sent_on_purpose(
    qtbot: QtBot, pane: Pane, manual: ManualBridge, api: FakeApi
) -> None:
    dialog = opened(pane, manual)
    dialog.editors["email"].setText("alice@new.example")
    dialog.mark_verified.setChecked(True)
    api.answers[PATCH] = user_body("alice", email="alice@new.example")
    qtbot.mouseClick(dialog.save_button, QtCore.Qt.MouseButton.LeftButton)
    manual.finish_all()
    assert api.requests[-1][2] == {
        "set": {"email": "alice@new.example"},
        "delete": [],
        "email_verified": True,
    }


def test_a_refusal_is_said_and_the_dialog_stays_and_cancel_sends_nothing(
    qtbot: QtBot, pane: Pane, manual: ManualBridge, api: FakeApi
) -> None:
    dialog = opened(pane, manual)
    api.answers[PATCH] = errors.ApiError(400, "name is too long for this pool", "invalid_parameter")
    dialog.editors["name"].setText("Alice")
    dialog.save()
    manual.finish_all()
    assert dialog.isVisible() and dialog.message.is_error
    assert dialog.message.text() == "The request was refused: name is too long for this pool."
    assert dialog.save_button.isEnabled() and not dialog.saving
    before = len(api.requests)
    qtbot.keyClick(dialog, QtCore.Qt.Key.Key_Escape)
    manual.finish_all()
    assert not dialog.isVisible() and len(api.requests) == before
    assert pane.said == []


def test_the_schema_that_cannot_be_read_is_said(
    qtbot: QtBot, manual: ManualBridge, api: FakeApi
) -> None:
    api.answers[("GET", "/admin/schema")] = errors.NetworkError("down")
    detail_pane = Pane(qtbot, manual, api)
    detail_pane.show("alice", attributes=ALICE)
    dialog = opened(detail_pane, manual)
    assert dialog.editors == {} and not dialog.save_button.isEnabled()
    assert dialog.message.text() == (
        "The API could not be reached. Check the connection and try again."
    )
