"""The users table's MFA column and plain-word statuses: the page shows at once, the MFA
of the rows a view shows is read after, in one request, and never for rows not shown."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from PySide6 import QtCore, QtWidgets
from pytestqt.qtbot import QtBot

from desktop_app import errors
from desktop_app.admin import states
from desktop_app.api import admin
from desktop_app.models import user_cells
from desktop_app.models import users as users_model
from tests.support.bridges import ManualBridge
from tests.unit.desktop_app.models.test_users import FakeApi, make_user

Col = users_model.Column
Role = QtCore.Qt.ItemDataRole
ROOT = QtCore.QModelIndex()
TOTP = admin.Mfa((admin.TOTP,), admin.TOTP)
NONE = admin.Mfa()
PENDING = "\N{HORIZONTAL ELLIPSIS}"
WAIT_MS = 2_000


class Directory:
    """``admin.users_mfa`` for the test: every even user has TOTP; records each batch."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.gone: set[str] = set()

    def __call__(self, api: object, usernames: Sequence[str]) -> dict[str, admin.Mfa | None]:
        self.batches.append(list(usernames))
        return {
            name: None if name in self.gone else (TOTP if int(name[4:]) % 2 == 0 else NONE)
            for name in usernames
        }


@pytest.fixture
def directory() -> Directory:
    return Directory()


@pytest.fixture
def model(bridge: ManualBridge, directory: Directory) -> users_model.UsersModel:
    """50 users loaded; no view has shown any MFA cell yet."""
    shown = users_model.UsersModel(bridge, page=FakeApi().page, page_size=50, mfa=directory)
    shown.refresh()
    bridge.tasks[-1].finish()
    return shown


def mfa_cell(model: users_model.UsersModel, row: int) -> Any:
    return model.data(model.index(row, Col.MFA))


def mfa_task(qtbot: QtBot, bridge: ManualBridge) -> Any:
    qtbot.waitUntil(lambda: any(t.name == "users-mfa" for t in bridge.pending()), timeout=WAIT_MS)
    [task] = [t for t in bridge.pending() if t.name == "users-mfa"]
    return task


def test_a_page_asks_nothing_of_mfa_until_a_view_shows_the_column(
    qtbot: QtBot, model: users_model.UsersModel, bridge: ManualBridge, directory: Directory
) -> None:
    qtbot.wait(users_model.MFA_DELAY_MS + 100)
    assert bridge.pending() == [] and directory.batches == []
    assert model.mfa("user0001") is states.MfaRead.PENDING

    changed: list[tuple[int, int, int, int]] = []
    model.dataChanged.connect(
        lambda a, b, *_: changed.append((a.row(), a.column(), b.row(), b.column()))
    )
    assert [mfa_cell(model, r) for r in range(3)] == [PENDING] * 3  # shown: rows 0..2
    assert mfa_cell(model, 1) == PENDING  # painted again: still one request
    assert model.mfa_reading
    mfa_task(qtbot, bridge).finish()
    assert directory.batches == [["user0001", "user0002", "user0003"]]
    assert [mfa_cell(model, r) for r in range(3)] == ["None", "TOTP", "None"]
    assert model.mfa("user0002") == TOTP
    assert changed == [(0, Col.MFA, 2, Col.MFA)]
    assert model.data(model.index(1, Col.MFA), Role.ToolTipRole) == (
        "Signs in with a code from an authenticator app (TOTP)"
    )
    assert "password only" in model.data(model.index(0, Col.MFA), Role.ToolTipRole)
    assert not model.mfa_reading
    assert mfa_cell(model, 3) == PENDING  # a row shown later: read later
    mfa_task(qtbot, bridge).finish()
    assert directory.batches[-1] == ["user0004"]


def test_only_the_latest_page_of_rows_shown_is_read(
    qtbot: QtBot, bridge: ManualBridge, directory: Directory
) -> None:
    model = users_model.UsersModel(bridge, page=FakeApi().page, mfa=directory)
    model.refresh()
    bridge.tasks[-1].finish()
    model.fetchMore(ROOT)
    bridge.tasks[-1].finish()
    for row in range(100):  # a person scrolled past 100 rows
        mfa_cell(model, row)
    mfa_task(qtbot, bridge).finish()
    assert directory.batches == [[f"user{i:04d}" for i in range(41, 101)]]
    assert mfa_cell(model, 0) == PENDING  # scrolled away before it was read


def test_a_refresh_drops_a_read_in_flight(
    qtbot: QtBot, model: users_model.UsersModel, bridge: ManualBridge
) -> None:
    mfa_cell(model, 0)
    task = mfa_task(qtbot, bridge)
    model.refresh()
    assert task.cancelled
    bridge.tasks[-1].finish()  # the new first page
    task.finish(even_if_cancelled=True)  # the old answer arrives anyway: dropped
    assert model.mfa("user0001") is states.MfaRead.PENDING
    assert not model.mfa_reading


def test_a_failed_read_shows_a_question_mark_and_stops_reading(
    qtbot: QtBot, bridge: ManualBridge
) -> None:
    def failing(api: object, usernames: Sequence[str]) -> dict[str, admin.Mfa | None]:
        raise errors.ApiError(503, "the user directory is unavailable", "unavailable")

    model = users_model.UsersModel(bridge, page=FakeApi().page, page_size=50, mfa=failing)
    model.refresh()
    bridge.tasks[-1].finish()
    mfa_cell(model, 0)
    mfa_task(qtbot, bridge).finish()
    assert [mfa_cell(model, r) for r in (0, 10)] == ["?", "?"]
    assert "could not be read" in model.data(model.index(10, Col.MFA), Role.ToolTipRole)
    qtbot.wait(users_model.MFA_DELAY_MS + 100)
    assert bridge.pending() == []  # no retry until a refresh
    model.refresh()
    bridge.tasks[-1].finish()
    assert mfa_cell(model, 0) == PENDING


def test_a_user_gone_since_the_page_shows_a_question_mark(
    qtbot: QtBot, model: users_model.UsersModel, bridge: ManualBridge, directory: Directory
) -> None:
    directory.gone.add("user0001")
    mfa_cell(model, 0)
    mfa_cell(model, 1)
    mfa_task(qtbot, bridge).finish()
    assert [mfa_cell(model, 0), mfa_cell(model, 1)] == ["?", "TOTP"]


def test_a_reread_detail_brings_its_mfa_along(
    qtbot: QtBot, model: users_model.UsersModel, bridge: ManualBridge
) -> None:
    detail = admin.UserDetail(**vars(make_user(2)), mfa=TOTP)
    assert model.replace_user(detail)
    assert mfa_cell(model, 2) == "TOTP"
    qtbot.wait(users_model.MFA_DELAY_MS + 100)
    assert bridge.pending() == []  # nothing to read
    reset = admin.UserDetail(**vars(make_user(2)), mfa=NONE)
    model.replace_user(reset)
    assert mfa_cell(model, 2) == "None"
    model.remove_username("user0003")
    assert model.mfa("user0003") is states.MfaRead.PENDING


def test_sorting_by_mfa_puts_what_is_not_known_last(
    model: users_model.UsersModel, bridge: ManualBridge
) -> None:
    for row, mfa in ((0, TOTP), (1, NONE), (2, TOTP)):
        held = model.user(row)
        assert held is not None
        model.replace_user(admin.UserDetail(**vars(held), mfa=mfa))
    model.sort(Col.MFA, QtCore.Qt.SortOrder.DescendingOrder)
    shown = [model.mfa(u.username) for u in (model.user(r) for r in range(4)) if u]
    assert shown == [TOTP, TOTP, NONE, states.MfaRead.PENDING]


def test_a_view_reads_the_mfa_of_what_it_shows(
    qtbot: QtBot, model: users_model.UsersModel, bridge: ManualBridge, directory: Directory
) -> None:
    view = QtWidgets.QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.resize(900, 220)  # a few rows tall
    view.show()
    qtbot.waitExposed(view)
    mfa_task(qtbot, bridge).finish()
    [batch] = directory.batches
    assert batch[0] == "user0001" and 3 <= len(batch) < 50  # what was painted, not the page


def test_the_model_tester_with_mfa_arriving(
    qtbot: QtBot, qtmodeltester: Any, model: users_model.UsersModel, bridge: ManualBridge
) -> None:
    qtmodeltester.check(model, force_py=True)
    mfa_cell(model, 0)
    mfa_task(qtbot, bridge).finish()
    qtmodeltester.check(model, force_py=True)


# -- statuses in plain words ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "words"),
    [
        ("UNCONFIRMED", "Signed up, email not confirmed"),
        ("FORCE_CHANGE_PASSWORD", "Invited, must set a password"),
        ("RESET_REQUIRED", "Password reset pending"),
        ("CONFIRMED", "Confirmed"),
        ("EXTERNAL_PROVIDER", "Signs in with another provider"),
        ("ARCHIVED", "Archived"),
        ("COMPROMISED", "Password compromised"),
        ("UNKNOWN", "Status unknown"),
        ("SOMETHING_NEW", "SOMETHING_NEW"),  # Cognito added one since: its own name
    ],
)
def test_every_status_in_plain_words(status: str, words: str) -> None:
    user = make_user(0, status=status)
    assert user_cells.display(user, Col.STATUS) == words
    assert user_cells.status_text(status) == words
    tip = user_cells.tooltip(user, Col.STATUS)
    assert tip is None if status == "SOMETHING_NEW" else tip.endswith(f"({status})")


def test_every_known_status_has_words_and_a_tip() -> None:
    assert set(states.STATUS_WORDS) == set(states.STATUS_TIPS)
