"""The admin panels' pieces without a server: overview arithmetic, the bar chart, the
invite / delete / import / bulk dialogs, the search bar, chips and the message line.

A stub bridge runs ``fn(api)`` on the real worker pool with a fake API, so the
dialogs are driven through the same background path as in the app.
"""

from __future__ import annotations

import dataclasses
import datetime
import threading
import types
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest
from PySide6 import QtCore
from pytestqt.qtbot import QtBot

from desktop_app import errors
from desktop_app.api import admin, invites_csv
from desktop_app.qt import worker
from desktop_app.ui.admin import bulk_dialog, common, dialogs, overview, search_bar, user_card

T = TypeVar("T")
NOW = datetime.datetime(2026, 3, 1, 12, 0, tzinfo=datetime.UTC)
LEFT = QtCore.Qt.MouseButton.LeftButton


@pytest.fixture(autouse=True)
def _delete_dialogs_here(qtbot: QtBot) -> Iterator[None]:
    """Deferred deletions happen now, on the GUI thread."""
    yield
    QtCore.QCoreApplication.sendPostedEvents(None, QtCore.QEvent.Type.DeferredDelete)


def user(name: str, status: str = "CONFIRMED", days_old: float | None = 1.0) -> admin.User:
    created = None if days_old is None else NOW - datetime.timedelta(days=days_old)
    return admin.User(
        name, f"sub-{name}", f"{name}@example.test", None, status, True, created, None
    )


class FakeResponse:
    def __init__(self, body: Any) -> None:
        self.body = body

    def json(self) -> Any:
        return self.body


class FakeApi:
    """Answers every request with ``answer`` (or raises it); records what was asked."""

    def __init__(self, answer: Any = None) -> None:
        self.answer = answer
        self.requests: list[tuple[str, str, Any]] = []

    def get_json(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.request("GET", path, params=params).json()

    def request(
        self, method: str, path: str, *, json: Any = None, params: dict[str, Any] | None = None
    ) -> Any:
        self.requests.append((method, path, json))
        if isinstance(self.answer, BaseException):
            raise self.answer
        return FakeResponse(self.answer)


class StubBridge:
    """The bridge's ``call_api`` over a fake API, on the real worker pool."""

    def __init__(self, api: FakeApi | None = None) -> None:
        self.api = api or FakeApi()
        self.identity = types.SimpleNamespace(username="admin", sub="sub-admin")
        self.profile = types.SimpleNamespace(admin_group="Admin")

    def call_api(
        self,
        fn: Callable[[Any], T],
        on_result: Callable[[T], None],
        on_error: Callable[[BaseException], None],
        *,
        name: str = "api",
    ) -> worker.Task[T]:
        api = self.api
        return worker.run(lambda: fn(api), on_result=on_result, on_error=on_error, name=name)


def detail_body(username: str) -> dict[str, Any]:
    return {
        "username": username,
        "sub": "sub-new",
        "email": f"{username}@example.test",
        "status": "FORCE_CHANGE_PASSWORD",
        "enabled": True,
        "attributes": {"email": f"{username}@example.test"},
        "groups": [],
    }


# -- overview ------------------------------------------------------------------------------


def test_users_by_status_most_common_first() -> None:
    users = [user("a"), user("b"), user("c", "RESET_REQUIRED"), user("d", "FORCE_CHANGE_PASSWORD")]
    assert overview.by_status(users) == [
        ("CONFIRMED", 2),
        ("FORCE_CHANGE_PASSWORD", 1),
        ("RESET_REQUIRED", 1),
    ]
    assert overview.by_status([]) == []


def test_pending_invitations_are_the_old_enough_ones_oldest_first() -> None:
    pending = "FORCE_CHANGE_PASSWORD"
    users = [
        user("fresh", pending, days_old=2),
        user("week", pending, days_old=7),  # exactly N days: included
        user("month", pending, days_old=30),
        user("confirmed", "CONFIRMED", days_old=90),
        user("undated", pending, days_old=None),
    ]
    found = overview.pending_invitations(users, 7, NOW)
    assert [u.username for u in found] == ["month", "week"]
    assert [u.username for u in overview.pending_invitations(users, 0, NOW)] == [
        "month",
        "week",
        "fresh",
    ]


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


# -- invite and delete dialogs -------------------------------------------------------------


def test_invite_dialog_validates_as_you_type(qtbot: QtBot) -> None:
    dialog = dialogs.InviteDialog(StubBridge(), ["Admin", "Team"])  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    assert not dialog.send_button.isEnabled()
    assert dialog.username_hint.text() == "" and dialog.email_hint.text() == ""  # not yet

    qtbot.keyClicks(dialog.username, "bad name")
    assert "username" in dialog.username_hint.text()
    dialog.username.setText("carol")
    assert dialog.username_hint.text() == ""
    qtbot.keyClicks(dialog.email, "carol@")
    assert dialog.email_hint.text() == "Enter a valid email address."
    assert not dialog.send_button.isEnabled()
    qtbot.keyClicks(dialog.email, "example.com")
    assert dialog.problems() == {}
    assert dialog.send_button.isEnabled()
    dialog.set_group_checked("Team")
    assert dialog.chosen_groups() == ["Team"]
    dialog.set_group_checked("Team", False)
    assert dialog.chosen_groups() == []


def test_invite_dialog_sends_then_closes(qtbot: QtBot) -> None:
    api = FakeApi(detail_body("carol"))
    dialog = dialogs.InviteDialog(StubBridge(api), ["Team"])  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    dialog.open()
    dialog.username.setText("carol")
    dialog.email.setText(" carol@example.test ")
    dialog.name.setText("Carol")
    dialog.set_group_checked("Team")
    with qtbot.waitSignal(dialog.invited, timeout=5_000) as sent:
        qtbot.mouseClick(dialog.send_button, LEFT)
        assert dialog.sending
        assert not dialog.send_button.isEnabled() and not dialog.email.isEnabled()
    assert sent.args is not None and sent.args[0].username == "carol"
    assert api.requests == [
        (
            "POST",
            "/admin/users",
            {
                "username": "carol",
                "email": "carol@example.test",
                "groups": ["Team"],
                "name": "Carol",
            },
        )
    ]
    assert not dialog.isVisible()
    assert dialog.result() == dialogs.InviteDialog.DialogCode.Accepted


def test_invite_dialog_stays_open_with_the_plain_reason(qtbot: QtBot) -> None:
    refused = errors.ApiError(409, "username already exists", "already_exists")
    dialog = dialogs.InviteDialog(StubBridge(FakeApi(refused)), [])  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    dialog.open()
    dialog.username.setText("alice")
    dialog.email.setText("alice@example.test")
    with qtbot.waitSignal(dialog.settled, timeout=5_000):
        dialog.send()
    assert dialog.isVisible()
    assert dialog.message.is_error
    assert dialog.message.text() == "A user with that name or email already exists."
    assert dialog.send_button.isEnabled() and dialog.username.isEnabled()


def test_delete_dialog_needs_the_exact_username(qtbot: QtBot) -> None:
    dialog = dialogs.DeleteDialog("dora")
    qtbot.addWidget(dialog)
    dialog.open()
    assert not dialog.delete_button.isEnabled()
    qtbot.keyClicks(dialog.confirm, "Dora")
    assert not dialog.delete_button.isEnabled()
    dialog.accept()  # e.g. Enter pressed: still refused
    assert dialog.isVisible()
    dialog.confirm.setText("dora")
    with qtbot.waitSignal(dialog.accepted, timeout=1_000):
        qtbot.mouseClick(dialog.delete_button, LEFT)


# -- bulk and import -----------------------------------------------------------------------


def test_bulk_dialog_lists_every_row_with_failures_in_plain_words(qtbot: QtBot) -> None:
    dialog = bulk_dialog.BulkDialog(StubBridge(), "Disable users")  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    dialog.open()

    def fail(_api: admin.JsonCaller) -> object:
        raise errors.ApiError(404, "no such user", "not_found")

    items: list[Any] = [("ann", lambda api: None), ("bob", fail), ("cy", lambda api: None)]
    with qtbot.waitSignal(dialog.completed, timeout=5_000) as done:
        dialog.start(items)
        assert dialog.cancel_button.isVisibleTo(dialog)
    assert done.args == [2, 1, False]
    assert dialog.progress.outcomes() == [
        ("ann", True, ""),
        ("bob", False, "That user (or group) no longer exists; the list was refreshed."),
        ("cy", True, ""),
    ]
    results = dialog.progress.results
    cell = results.item(1, 1)
    assert cell is not None and cell.text() == "Failed"
    assert dialog.progress.summary.text() == "2 succeeded, 1 failed."
    assert dialog.close_button.isVisibleTo(dialog)
    assert not dialog.cancel_button.isVisibleTo(dialog)


def test_bulk_dialog_cancel_marks_the_rest_not_run(qtbot: QtBot) -> None:
    dialog = bulk_dialog.BulkDialog(StubBridge(), "Enable users")  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    dialog.open()
    entered, gate = threading.Event(), threading.Event()

    def first(_api: admin.JsonCaller) -> object:
        entered.set()
        return gate.wait(5)

    items: list[Any] = [("u0", first), ("u1", lambda api: None), ("u2", lambda api: None)]
    with qtbot.waitSignal(dialog.completed, timeout=5_000) as done:
        dialog.start(items)
        assert entered.wait(5)  # the first user is under way
        dialog.reject()  # Escape while running: cancels the rest, stays open
        assert dialog.isVisible()
        gate.set()
    assert done.args == [1, 0, True]
    assert dialog.progress.outcomes() == [("u0", True, ""), ("u1", None, ""), ("u2", None, "")]
    cell = dialog.progress.results.item(2, 1)
    assert cell is not None and cell.text() == "Not run"
    assert dialog.progress.summary.text() == "1 succeeded, 0 failed. Cancelled: 2 not run."
    dialog.reject()  # finished: now Escape closes
    assert not dialog.isVisible()


def test_import_preview_with_no_valid_row_cannot_send(qtbot: QtBot) -> None:
    rows = invites_csv.parse("username,email\nbad name,x\n,\n ,nobody\n")
    dialog = bulk_dialog.ImportDialog(StubBridge(), rows)  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    assert dialog.problem_rows() == [2, 4]
    assert not dialog.invite_button.isEnabled()
    assert dialog.invite_button.text() == "Invite 0 valid row(s)"
    dialog.start()  # does nothing
    assert dialog.pages.currentWidget() is not dialog.progress


def test_import_sends_only_the_valid_rows(qtbot: QtBot) -> None:
    api = FakeApi(detail_body("erin"))
    rows = invites_csv.parse("username,email,groups\nerin,erin@example.test,Team\nfrank,nope,\n")
    dialog = bulk_dialog.ImportDialog(StubBridge(api), rows)  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    problem = dialog.preview.item(1, 5)
    assert problem is not None and problem.text() == "that is not an email address"
    with qtbot.waitSignal(dialog.completed, timeout=5_000) as done:
        qtbot.mouseClick(dialog.invite_button, LEFT)
    assert done.args == [1, 0, False]
    assert [(m, p, body["username"]) for m, p, body in api.requests] == [
        ("POST", "/admin/users", "erin")
    ]
    assert api.requests[0][2]["groups"] == ["Team"]


# -- search bar, chips, message line, lockout ----------------------------------------------


def test_search_bar_debounces_and_validates(qtbot: QtBot) -> None:
    bar = search_bar.SearchBar()
    qtbot.addWidget(bar)
    seen: list[object] = []
    bar.searchChanged.connect(seen.append)
    qtbot.keyClicks(bar.text, "ali")
    assert seen == [] and bar.pending()
    qtbot.waitUntil(lambda: seen != [], timeout=2_000)
    assert seen == [admin.Search("username", "prefix", "ali")]

    bar.set_search("email", "exact", "a@b.c")
    bar.search_now()
    assert seen[-1] == admin.Search("email", "exact", "a@b.c")
    assert not bar.pending()

    problems: list[str] = []
    bar.invalid.connect(problems.append)
    bar.text.setText("x" * 300)
    bar.search_now()
    assert problems and "1 to 256" in problems[0]

    bar.text.clear()
    bar.search_now()
    assert seen[-1] is None

    bar.set_search("status", "exact", "")
    assert bar.text.completer() is not None
    bar.set_search("username", "exact", "")
    assert bar.text.completer() is None


def test_user_card_blocks_the_named_chip(qtbot: QtBot) -> None:
    card = user_card.UserCard()
    qtbot.addWidget(card)
    base = user("admin")
    detail = admin.UserDetail(
        **dataclasses.asdict(base),
        attributes={"email": "admin@example.test", "sub": "sub-admin"},
        groups=("Admin", "Team"),
    )
    card.show_user("admin", detail, {"Admin": "not yourself"})
    assert card.fields["username"].text() == "admin"
    assert card.fields["name"].text() == "\N{EM DASH}"
    assert card.attributes.rowCount() == 2
    admin_chip, team_chip = card.chip("Admin"), card.chip("Team")
    assert admin_chip is not None and admin_chip.remove_button is not None
    assert team_chip is not None and team_chip.remove_button is not None
    card.set_actions_enabled(True)
    assert not admin_chip.remove_button.isEnabled()
    assert admin_chip.remove_button.toolTip() == "not yourself"
    assert team_chip.remove_button.isEnabled()
    with qtbot.waitSignal(card.removeGroup, timeout=1_000) as removed:
        qtbot.mouseClick(team_chip.remove_button, LEFT)
    assert removed.args == ["Team"]
    card.set_actions_enabled(False)
    assert not team_chip.remove_button.isEnabled()
    card.show_user("someone", None, {})  # loading: only the name
    assert [c.name for c in card.chips()] == []
    assert card.fields["username"].text() == "someone"


def test_message_line_and_lockout_rules(qtbot: QtBot) -> None:
    line = common.MessageLine()
    qtbot.addWidget(line)
    line.show_failure(errors.ApiError(429, "slow down", "throttled"))
    assert line.is_error and not line.isHidden()
    assert line.text() == "Cognito is throttling requests; wait a moment and retry."
    line.show_info("Done.")
    assert not line.is_error and line.text() == "Done."
    line.clear_message()
    assert line.isHidden()

    me: Any = StubBridge()
    assert common.is_self(me, user("admin"))
    assert common.is_self(me, "admin")
    assert not common.is_self(me, user("alice"))
    renamed = admin.User("other-alias", "sub-admin", None, None, "CONFIRMED", True, None, None)
    assert common.is_self(me, renamed)  # same sub
    me.identity = None
    assert not common.is_self(me, user("admin"))
    for action in common.Guarded:
        assert common.lockout_reason(action)
    assert common.is_forbidden(errors.ApiError(403, "no", "forbidden"))
    assert common.is_gone(errors.ApiError(404, "no", "not_found"))
    assert common.when(None) == "\N{EM DASH}"
