"""The admin models and the bulk runner on a real bridge signed in to cognito-local as admin.

The pool holds the four demo users and 150 synthetic ones (``user00001``...), so
paging to the end takes three pages of 60; every page goes through the bridge's
workers to the protected API and from there to the stand-in.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6 import QtCore, QtWidgets
from pytestqt.qtbot import QtBot

from desktop_app.admin import actions
from desktop_app.api import admin
from desktop_app.models import groups as groups_model
from desktop_app.models import users as users_model
from desktop_app.qt import bridge as qt_bridge
from desktop_app.qt import bulk
from local_cognito import seed, server, settings
from tests.support.clock import FakeClock

pytestmark = pytest.mark.integration

SYNTHETIC = 150
DEMO = tuple(user.username for user in seed.DEMO_USERS)  # admin, alice, newbie, dora...
ROOT = QtCore.QModelIndex()
WAIT_MS = 15_000


@pytest.fixture
def stand_in(
    fake_clock: FakeClock, pool_settings: settings.PoolSettings
) -> Iterator[server.LocalCognito]:
    with server.LocalCognito(
        port=0, now=fake_clock, config=pool_settings, users=SYNTHETIC
    ) as running:
        yield running


def wait_loaded(qtbot: QtBot, model: users_model.UsersModel) -> None:
    qtbot.waitUntil(lambda: not model.is_loading, timeout=WAIT_MS)
    assert model.error is None, model.error


def usernames(model: users_model.UsersModel) -> list[str]:
    return [u.username for u in (model.user(r) for r in range(model.count)) if u is not None]


def test_paging_to_the_end_with_fetch_more(
    qtbot: QtBot, admin_bridge: qt_bridge.SessionBridge, qtmodeltester: Any, qtlog: Any
) -> None:
    model = users_model.UsersModel(admin_bridge)
    qtmodeltester.check(model)
    pages: list[tuple[int, bool]] = []
    model.loaded.connect(lambda rows, more: pages.append((rows, more)))
    model.refresh()
    assert model.data(model.index(0, 0)) == "Loading\N{HORIZONTAL ELLIPSIS}"
    wait_loaded(qtbot, model)
    while model.canFetchMore(ROOT):
        model.fetchMore(ROOT)
        wait_loaded(qtbot, model)
    assert pages == [(60, True), (120, True), (SYNTHETIC + len(DEMO), False)]
    names = usernames(model)
    assert len(set(names)) == len(names) == SYNTHETIC + len(DEMO)
    assert set(DEMO) <= set(names)
    assert model.rowCount() == model.count  # no loading row left
    row = model.row_of("newbie")
    assert row is not None
    assert model.data(model.index(row, users_model.Column.STATUS)) == "Invited, must set a password"
    dora = model.row_of("dora")
    assert dora is not None
    assert model.data(model.index(dora, users_model.Column.ENABLED)) == "No"
    problems = [r.message for r in qtlog.records if r.type != QtCore.QtMsgType.QtDebugMsg]
    assert problems == []  # Qt's model tester reports through warnings


def test_a_view_scrolled_to_the_bottom_loads_everything(
    qtbot: QtBot, admin_bridge: qt_bridge.SessionBridge
) -> None:
    model = users_model.UsersModel(admin_bridge)
    view = QtWidgets.QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.setSortingEnabled(True)
    view.sortByColumn(users_model.Column.USERNAME, QtCore.Qt.SortOrder.DescendingOrder)
    view.resize(600, 300)
    view.show()
    qtbot.waitExposed(view)
    model.refresh()
    wait_loaded(qtbot, model)

    def scrolled() -> bool:
        view.scrollToBottom()
        return model.count == SYNTHETIC + len(DEMO) and not model.is_loading

    qtbot.waitUntil(scrolled, timeout=WAIT_MS)
    names = usernames(model)
    assert names == sorted(names, key=str.casefold, reverse=True)  # later pages sorted in


def test_fetch_all(qtbot: QtBot, admin_bridge: qt_bridge.SessionBridge) -> None:
    model = users_model.UsersModel(admin_bridge, page_size=50)
    with qtbot.waitSignal(
        model.loaded, timeout=WAIT_MS, check_params_cb=lambda rows, more: not more
    ):
        model.fetch_all()
    assert model.count == SYNTHETIC + len(DEMO)


def test_search_prefix_on_username(qtbot: QtBot, admin_bridge: qt_bridge.SessionBridge) -> None:
    model = users_model.UsersModel(admin_bridge)
    model.set_search(admin.Search("username", "prefix", "user001"))
    wait_loaded(qtbot, model)
    assert usernames(model) == [f"user{i:05d}" for i in range(100, 151)]
    assert not model.has_more
    model.set_search(admin.Search("email", "exact", "alice@example.com"))
    wait_loaded(qtbot, model)
    assert usernames(model) == ["alice"]


def test_a_newer_search_wins_over_an_older_one_in_flight(
    qtbot: QtBot, admin_bridge: qt_bridge.SessionBridge
) -> None:
    model = users_model.UsersModel(admin_bridge)
    arrived: list[int] = []
    model.loaded.connect(lambda rows, more: arrived.append(rows))
    model.set_search(admin.Search("username", "prefix", "user"))  # 60 rows, more to come
    model.set_search(admin.Search("username", "prefix", "user0000"))  # 9 rows
    wait_loaded(qtbot, model)
    qtbot.wait(300)  # the older answer, had it been applied, would have arrived by now
    assert usernames(model) == [f"user{i:05d}" for i in range(1, 10)]
    assert arrived == [9]


def test_group_members_and_groups(qtbot: QtBot, admin_bridge: qt_bridge.SessionBridge) -> None:
    def members(
        api: admin.JsonCaller, token: str | None, search: admin.Search | None, limit: int
    ) -> admin.UserPage:
        return admin.group_members(api, "Admin", limit=limit, next_token=token)

    model = users_model.UsersModel(admin_bridge, page=members)
    model.refresh()
    wait_loaded(qtbot, model)
    assert usernames(model) == ["admin"]

    groups = groups_model.GroupsModel(admin_bridge)
    with qtbot.waitSignal(groups.loaded, timeout=WAIT_MS):
        groups.refresh()
    assert [(g.name, g.member_count) for g in groups.groups] == [("Admin", 1)]


def test_bulk_disable_of_twenty_users_with_one_failing(
    qtbot: QtBot, admin_bridge: qt_bridge.SessionBridge
) -> None:
    targets = [f"user{i:05d}" for i in range(1, 20)] + ["admin"]  # the last: self-lockout
    runner = bulk.BulkRunner(admin_bridge)
    results: list[tuple[int, str, bool, str]] = []
    runner.itemDone.connect(lambda *args: results.append(args))
    # Steps made without asking the guards: the API refuses the admin's own row itself.
    items = [actions.Step(actions.DISABLE, name) for name in targets]
    with qtbot.waitSignal(runner.finished, timeout=30_000) as done:
        runner.start(items)
    assert done.args == [19, 1, False]
    results.sort()  # a few run at once: each reported once, in the order they finish
    assert [r[1] for r in results] == targets
    assert results[-1] == (
        19,
        "admin",
        False,
        "You cannot disable your own account; ask another admin.",
    )

    # What the pool now holds, read back through the model.
    model = users_model.UsersModel(admin_bridge)
    model.set_search(admin.Search("status", "exact", "Disabled"))
    wait_loaded(qtbot, model)
    assert sorted(usernames(model)) == sorted([*targets[:-1], "dora"])


def test_the_mfa_column_reads_what_a_view_shows_after_the_page(
    qtbot: QtBot, admin_bridge: qt_bridge.SessionBridge, stand_in: server.LocalCognito
) -> None:
    alice = stand_in.pool.pool.users["alice"]  # an authenticator app, as AdminGetUser says
    alice.token_verified = alice.software_token_mfa_enabled = True
    model = users_model.UsersModel(admin_bridge)
    view = QtWidgets.QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.resize(900, 300)
    view.show()
    qtbot.waitExposed(view)
    model.set_search(admin.Search("username", "prefix", "a"))  # admin, alice
    wait_loaded(qtbot, model)
    mfa = users_model.Column.MFA

    def cell(name: str) -> object:
        row = model.row_of(name)
        assert row is not None
        return model.data(model.index(row, mfa))

    qtbot.waitUntil(lambda: cell("alice") == "TOTP", timeout=WAIT_MS)
    assert cell("admin") == "None"
    assert not model.mfa_reading
