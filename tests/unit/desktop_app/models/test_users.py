"""The lazy users model: paging, the loading row, stale searches, sorting, edits, qtmodeltester."""

from __future__ import annotations

import datetime
import logging
from typing import Any

import pytest
from PySide6 import QtCore
from pytestqt.qtbot import QtBot

from desktop_app import errors
from desktop_app.api import admin
from desktop_app.models import users as users_model
from tests.support.bridges import ManualBridge, ThreadedBridge
from tests.support.recorder import Recorder

TOTAL = 137
EPOCH = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
ROOT = QtCore.QModelIndex()
Role = QtCore.Qt.ItemDataRole
Col = users_model.Column
ASC, DESC = QtCore.Qt.SortOrder.AscendingOrder, QtCore.Qt.SortOrder.DescendingOrder
LOADING = "Loading\N{HORIZONTAL ELLIPSIS}"


def make_user(index: int, **changes: Any) -> admin.User:
    values: dict[str, Any] = {
        "username": f"user{index + 1:04d}",
        "sub": f"sub-{index + 1}",
        "email": f"user{index + 1:04d}@example.test",
        "name": f"Person {index + 1}" if index % 3 else None,
        "status": "FORCE_CHANGE_PASSWORD" if index % 10 == 0 else "CONFIRMED",
        "enabled": index % 7 != 0,
        "created_at": EPOCH + datetime.timedelta(hours=7 * index),
        "modified_at": EPOCH + datetime.timedelta(hours=7 * index + 1),
        # Every fourth user has never signed in ("Never").
        "last_sign_in": None if index % 4 == 0 else EPOCH + datetime.timedelta(hours=7 * index + 3),
    }
    values.update(changes)
    return admin.User(**values)


class FakeApi:
    """Serves TOTAL users, the offset as the token; a prefix search on the username."""

    def __init__(self, total: int = TOTAL) -> None:
        self.users = [make_user(i) for i in range(total)]
        self.requests: list[tuple[str | None, admin.Search | None, int]] = []
        self.fail_with: BaseException | None = None

    def page(
        self, api: object, token: str | None, search: admin.Search | None, limit: int
    ) -> admin.UserPage:
        self.requests.append((token, search, limit))
        if self.fail_with is not None:
            raise self.fail_with
        matching = [u for u in self.users if search is None or u.username.startswith(search.value)]
        start = int(token) if token else 0
        end = min(start + limit, len(matching))
        return admin.UserPage(tuple(matching[start:end]), str(end) if end < len(matching) else None)


@pytest.fixture
def fake_api() -> FakeApi:
    return FakeApi()


@pytest.fixture
def model(bridge: ManualBridge, fake_api: FakeApi) -> users_model.UsersModel:
    return users_model.UsersModel(bridge, page=fake_api.page, page_size=50)


def names(model: users_model.UsersModel) -> list[str]:
    held = [model.user(row) for row in range(model.count)]
    return [u.username for u in held if u is not None]


def prefix(value: str) -> admin.Search:
    return admin.Search("username", "prefix", value)


def test_idle_until_refresh_so_a_view_cannot_start_fetching(
    model: users_model.UsersModel, bridge: ManualBridge
) -> None:
    assert model.rowCount() == 0
    assert model.columnCount() == 9
    assert not model.canFetchMore(ROOT)
    model.fetchMore(ROOT)
    assert bridge.tasks == []
    assert not model.is_loading
    assert not model.has_more
    assert model.search is None


def test_a_loading_row_exists_exactly_while_a_page_is_in_flight(
    model: users_model.UsersModel, bridge: ManualBridge, fake_api: FakeApi
) -> None:
    seen = Recorder(model)
    model.refresh()
    assert seen.events == [("loading",)]
    assert fake_api.requests == []  # started, not run: nothing blocked the caller
    assert model.is_loading
    assert model.rowCount() == 1
    assert model.count == 0
    placeholder = model.index(0, Col.USERNAME)
    assert model.data(placeholder) == LOADING
    assert model.data(model.index(0, Col.EMAIL)) == ""
    assert model.data(placeholder, users_model.USER_ROLE) is None
    assert model.flags(placeholder) == QtCore.Qt.ItemFlag.ItemIsEnabled
    assert model.user(0) is None
    model.fetchMore(ROOT)  # a view asking again while in flight: still one request
    assert len(bridge.tasks) == 1
    assert bridge.tasks[0].name == "users-page"

    bridge.tasks[0].finish()
    assert fake_api.requests == [(None, None, 50)]
    assert model.rowCount() == model.count == 50
    assert not model.is_loading
    assert seen.events[1:] == [("count", 50), ("loaded", 50, True)]
    first = model.index(0, Col.USERNAME)
    assert model.data(first) == "user0001"
    assert model.data(first, users_model.USER_ROLE) == make_user(0)
    assert model.flags(first) & QtCore.Qt.ItemFlag.ItemIsSelectable
    assert model.canFetchMore(ROOT)


def test_pages_to_the_end_with_each_next_token(
    model: users_model.UsersModel, bridge: ManualBridge, fake_api: FakeApi
) -> None:
    seen = Recorder(model)
    model.refresh()
    bridge.tasks[-1].finish()
    while model.canFetchMore(ROOT):
        model.fetchMore(ROOT)
        assert model.rowCount() == model.count + 1
        bridge.tasks[-1].finish()
    assert [r[0] for r in fake_api.requests] == [None, "50", "100"]
    assert names(model) == [f"user{i:04d}" for i in range(1, TOTAL + 1)]
    assert model.rowCount() == TOTAL
    assert not model.has_more
    assert [e for e in seen.events if e[0] == "loaded"] == [
        ("loaded", 50, True),
        ("loaded", 100, True),
        ("loaded", TOTAL, False),
    ]
    model.fetchMore(ROOT)
    assert len(bridge.tasks) == 3


def test_a_search_is_sent_with_every_page_and_resets_the_rows(
    model: users_model.UsersModel, bridge: ManualBridge, fake_api: FakeApi
) -> None:
    model.refresh()
    bridge.tasks[-1].finish()
    search = prefix("user00")  # user0001 .. user0099
    model.set_search(search)
    assert model.search == search
    assert model.rowCount() == 1  # only the loading row
    bridge.tasks[-1].finish()
    model.fetchMore(ROOT)
    bridge.tasks[-1].finish()
    assert fake_api.requests[1:] == [(None, search, 50), ("50", search, 50)]
    assert model.count == 99
    assert not model.has_more
    model.set_search(None)
    bridge.tasks[-1].finish()
    assert model.count == 50
    assert fake_api.requests[-1] == (None, None, 50)


def test_an_older_search_answering_after_a_newer_one_is_ignored(
    model: users_model.UsersModel, bridge: ManualBridge
) -> None:
    model.set_search(prefix("user01"))
    older = bridge.tasks[-1]
    model.set_search(prefix("user002"))
    newer = bridge.tasks[-1]
    assert older.cancelled
    seen = Recorder(model)
    newer.finish()
    assert names(model) == [f"user{i:04d}" for i in range(20, 30)]
    # Even delivered despite the cancel (a race, a bridge that ignores it), the
    # older answer must not land: the generation it carries is stale.
    older.finish(even_if_cancelled=True)
    assert names(model) == [f"user{i:04d}" for i in range(20, 30)]
    assert seen.events == [("count", 10), ("loaded", 10, False)]
    assert model.search == prefix("user002")


def test_an_older_search_failing_late_is_ignored(
    model: users_model.UsersModel, bridge: ManualBridge, fake_api: FakeApi
) -> None:
    model.set_search(prefix("user01"))
    older = bridge.tasks[-1]
    model.set_search(prefix("user002"))
    bridge.tasks[-1].finish()
    fake_api.fail_with = errors.NetworkError("the API did not answer")
    older.finish(even_if_cancelled=True)
    assert model.error is None
    assert model.count == 10


def test_a_page_from_before_refresh_is_dropped(
    model: users_model.UsersModel, bridge: ManualBridge
) -> None:
    model.refresh()
    bridge.tasks[0].finish()
    model.fetchMore(ROOT)
    stale = bridge.tasks[1]
    model.refresh()
    assert stale.cancelled
    assert model.rowCount() == 1
    stale.finish(even_if_cancelled=True)
    assert model.rowCount() == 1 and model.count == 0
    bridge.tasks[2].finish()
    assert names(model)[:2] == ["user0001", "user0002"]
    assert model.count == 50


def test_a_failure_removes_the_loading_row_and_stops_paging_until_retry(
    model: users_model.UsersModel, bridge: ManualBridge, fake_api: FakeApi
) -> None:
    model.refresh()
    bridge.tasks[0].finish()
    seen = Recorder(model)
    fake_api.fail_with = errors.ApiError(429, "slow down", "throttled")
    model.fetchMore(ROOT)
    bridge.tasks[1].finish()
    assert seen.events == [("loading",), ("failed", fake_api.fail_with)]
    assert model.error is fake_api.fail_with
    assert model.rowCount() == 50  # what arrived stays; no loading row
    assert not model.is_loading
    assert model.has_more
    assert not model.canFetchMore(ROOT)
    model.fetchMore(ROOT)
    assert len(bridge.tasks) == 2

    fake_api.fail_with = None
    model.retry()
    assert model.error is None
    bridge.tasks[2].finish()
    assert fake_api.requests[-1][0] == "50"
    assert model.count == 100


def test_retry_after_the_first_page_failed_loads_from_the_start(
    model: users_model.UsersModel, bridge: ManualBridge, fake_api: FakeApi
) -> None:
    fake_api.fail_with = errors.ApiError(403, "forbidden", "forbidden")
    model.refresh()
    bridge.tasks[0].finish()
    assert model.rowCount() == 0
    fake_api.fail_with = None
    model.retry()
    model.retry()  # while loading: no second request
    bridge.tasks[1].finish()
    assert [r[0] for r in fake_api.requests] == [None, None]
    assert model.count == 50


def test_fetch_all_pages_to_the_end_one_request_at_a_time(
    model: users_model.UsersModel, bridge: ManualBridge, fake_api: FakeApi
) -> None:
    seen = Recorder(model)
    model.fetch_all()  # from idle: starts with the first page
    while bridge.pending():
        assert len(bridge.pending()) == 1
        bridge.pending()[0].finish()
    assert model.count == TOTAL
    assert seen.events[-1] == ("loaded", TOTAL, False)
    assert [r[0] for r in fake_api.requests] == [None, "50", "100"]


def test_fetch_all_continues_from_what_is_loaded_and_stops_on_a_failure(
    model: users_model.UsersModel, bridge: ManualBridge, fake_api: FakeApi
) -> None:
    model.refresh()
    bridge.tasks[0].finish()
    model.fetchMore(ROOT)
    model.fetch_all()  # a page is in flight: it goes on from there, no second request
    assert len(bridge.pending()) == 1
    fake_api.fail_with = errors.NetworkError("down")
    bridge.pending()[0].finish()
    assert bridge.pending() == []
    assert model.error is not None
    fake_api.fail_with = None
    model.fetch_all()  # asked again: resumes at the page that failed
    bridge.finish_all()
    assert model.count == TOTAL
    assert [r[0] for r in fake_api.requests] == [None, "50", "50", "100"]


def test_empty_pages_that_promise_more_are_followed_then_given_up_on(
    bridge: ManualBridge, caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[str | None] = []

    def empty(api: object, token: str | None, search: object, limit: int) -> admin.UserPage:
        calls.append(token)
        return admin.UserPage((), f"t{len(calls)}")

    model = users_model.UsersModel(bridge, page=empty)
    model.refresh()
    with caplog.at_level(logging.WARNING, logger="desktop_app.models.users"):
        bridge.finish_all()
    assert len(calls) == users_model.MAX_EMPTY_PAGES + 1
    assert not model.has_more and not model.is_loading
    assert "empty pages" in caplog.text


def test_a_token_that_does_not_advance_ends_the_list(
    bridge: ManualBridge, caplog: pytest.LogCaptureFixture
) -> None:
    def same(api: object, token: str | None, search: object, limit: int) -> admin.UserPage:
        return admin.UserPage((make_user(0 if token is None else 1),), "same")

    model = users_model.UsersModel(bridge, page=same)
    model.refresh()
    bridge.tasks[0].finish()
    model.fetchMore(ROOT)
    with caplog.at_level(logging.WARNING, logger="desktop_app.models.users"):
        bridge.tasks[1].finish()
    assert not model.canFetchMore(ROOT)
    assert "does not advance" in caplog.text


def test_the_default_page_is_list_users_with_the_search_and_token() -> None:
    sent: list[tuple[str, Any]] = []

    class Api:
        def get_json(self, path: str, params: dict[str, Any] | None = None) -> Any:
            sent.append((path, params))
            return {"users": [], "pagination_token": None}

        def request(self, method: str, path: str, **kwargs: Any) -> Any:
            raise AssertionError("no writes")

    page = users_model.list_users_page(Api(), "tok", prefix("al"), 25)
    assert page == admin.UserPage((), None)
    assert sent == [
        (
            "/admin/users",
            {
                "limit": 25,
                "attribute": "username",
                "match": "prefix",
                "value": "al",
                "pagination_token": "tok",
            },
        )
    ]


@pytest.mark.parametrize("size", [0, admin.PAGE_MAX + 1])
def test_page_size_must_be_one_the_api_accepts(bridge: ManualBridge, size: int) -> None:
    with pytest.raises(ValueError, match="page_size"):
        users_model.UsersModel(bridge, page_size=size)


# -- sorting and edits ---------------------------------------------------------------------


def loaded(
    bridge: ManualBridge, fake_api: FakeApi, pages: int = 1, size: int = 50
) -> users_model.UsersModel:
    model = users_model.UsersModel(bridge, page=fake_api.page, page_size=size)
    model.refresh()
    bridge.tasks[-1].finish()
    for _ in range(pages - 1):
        model.fetchMore(ROOT)
        bridge.tasks[-1].finish()
    return model


def test_sort_orders_the_loaded_rows_and_sorts_later_pages_in(
    bridge: ManualBridge, fake_api: FakeApi
) -> None:
    model = loaded(bridge, fake_api)
    layout: list[str] = []
    model.layoutAboutToBeChanged.connect(lambda *a: layout.append("about"))
    model.layoutChanged.connect(lambda *a: layout.append("changed"))
    model.sort(Col.USERNAME, DESC)
    assert layout == ["about", "changed"]
    assert names(model)[:3] == ["user0050", "user0049", "user0048"]
    model.fetchMore(ROOT)
    assert model.data(model.index(50, 0)) == LOADING  # the loading row stays last
    bridge.tasks[-1].finish()
    assert names(model)[:2] == ["user0100", "user0099"]
    assert names(model)[-1] == "user0001"
    model.sort(-1, ASC)  # Qt's "unsorted": the order the API sent
    assert names(model) == [f"user{i:04d}" for i in range(1, 101)]


def test_sort_puts_blank_cells_last_both_ways(bridge: ManualBridge, fake_api: FakeApi) -> None:
    model = loaded(bridge, fake_api, size=6)
    for order in (ASC, DESC):
        model.sort(Col.NAME, order)
        shown = [model.data(model.index(r, Col.NAME)) for r in range(6)]
        assert shown[-2:] == ["", ""]  # users 1 and 4 have no name
        assert shown[:4] == sorted(shown[:4], reverse=order == DESC)


@pytest.mark.usefixtures("india_time")
def test_sort_by_last_sign_in_puts_never_last_both_ways(
    bridge: ManualBridge, fake_api: FakeApi
) -> None:
    model = loaded(bridge, fake_api, size=9)  # users 1, 5 and 9 never signed in
    for order in (ASC, DESC):
        model.sort(Col.LAST_SIGN_IN, order)
        held = [model.user(r) for r in range(model.count)]
        shown = [model.data(model.index(r, Col.LAST_SIGN_IN)) for r in range(model.count)]
        assert shown[-3:] == ["Never"] * 3
        assert {u.username for u in held[-3:] if u} == {"user0001", "user0005", "user0009"}
        times = [u.last_sign_in for u in held[:-3] if u]
        assert len(times) == 6
        assert times == sorted(times, reverse=order == DESC)  # type: ignore[type-var]
    assert names(model)[:2] == ["user0008", "user0007"]  # descending: the latest first
    model.sort(-1, ASC)
    assert names(model) == [f"user{i:04d}" for i in range(1, 10)]


@pytest.mark.parametrize(
    ("column", "attribute"),
    [
        (Col.EMAIL, "email"),
        (Col.STATUS, "status"),
        (Col.ENABLED, "enabled"),
        (Col.CREATED, "created_at"),
        (Col.MODIFIED, "modified_at"),
    ],
)
def test_sort_by_each_column(
    bridge: ManualBridge, fake_api: FakeApi, column: Col, attribute: str
) -> None:
    model = loaded(bridge, fake_api)
    model.sort(column, DESC)
    held = [model.user(r) for r in range(model.count)]
    values = [getattr(u, attribute) for u in held]
    assert values == sorted(values, reverse=True)


def test_a_selection_follows_its_user_through_a_sort(
    bridge: ManualBridge, fake_api: FakeApi
) -> None:
    model = loaded(bridge, fake_api)
    kept = QtCore.QPersistentModelIndex(model.index(2, Col.EMAIL))
    model.sort(Col.USERNAME, DESC)
    assert kept.row() == 47
    assert kept.column() == Col.EMAIL
    assert model.data(model.index(kept.row(), 0)) == "user0003"


def test_replace_user_updates_its_row_in_place(bridge: ManualBridge, fake_api: FakeApi) -> None:
    model = loaded(bridge, fake_api)
    model.sort(Col.USERNAME, ASC)
    changed: list[tuple[int, int, int, int]] = []
    model.dataChanged.connect(
        lambda a, b, *_: changed.append((a.row(), a.column(), b.row(), b.column()))
    )
    updated = make_user(4, enabled=False, status="RESET_REQUIRED", username="user0005")
    assert model.replace_user(updated)
    assert model.row_of("user0005") == 4
    assert model.user(4) == updated
    assert model.data(model.index(4, Col.STATUS)) == "Password reset pending"
    assert model.data(model.index(4, Col.ENABLED)) == "No"
    assert changed == [(4, 0, 4, len(Col) - 1)]
    assert not model.replace_user(make_user(999))
    assert model.row_of("nobody") is None


def test_remove_username_drops_its_row(bridge: ManualBridge, fake_api: FakeApi) -> None:
    model = loaded(bridge, fake_api)
    counts: list[int] = []
    model.countChanged.connect(counts.append)
    assert model.remove_username("user0002")
    assert names(model)[:2] == ["user0001", "user0003"]
    assert model.count == 49
    assert counts == [49]
    assert not model.remove_username("user0002")
    model.fetchMore(ROOT)  # the loading row moves up with the rows
    assert model.remove_username("user0003")
    assert model.data(model.index(48, 0)) == LOADING
    bridge.tasks[-1].finish()
    assert model.count == 98


# -- cells ---------------------------------------------------------------------------------


@pytest.mark.usefixtures("india_time")
def test_cells_headers_and_tooltips(bridge: ManualBridge, fake_api: FakeApi) -> None:
    model = loaded(bridge, fake_api)
    headers = [model.headerData(c, QtCore.Qt.Orientation.Horizontal, Role.DisplayRole) for c in Col]
    assert headers == [
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
    row = [model.data(model.index(1, c)) for c in Col]
    # user 2 was created at EPOCH + 7 h = 07:00 UTC = 12:30 in UTC+05:30
    assert row == [
        "user0002",
        "user0002@example.test",
        "Person 2",
        "Confirmed",
        "Yes",
        "\N{HORIZONTAL ELLIPSIS}",  # MFA: read once shown (test_users_mfa.py)
        "2026-01-01 12:30",
        "2026-01-01 13:30",
        "2026-01-01 15:30",  # signed in at 10:00 UTC: local time, as Created
    ]
    first = [model.data(model.index(0, c)) for c in Col]
    assert first[2:5] == ["", "Invited, must set a password", "No"]
    assert first[Col.LAST_SIGN_IN] == "Never"
    assert model.data(model.index(1, Col.LAST_SIGN_IN), Role.ToolTipRole) == (
        "2026-01-01 15:30:00+05:30"
    )
    assert model.data(model.index(0, Col.LAST_SIGN_IN), Role.ToolTipRole) == (
        "No sign-in recorded for this user"
    )
    tip = model.data(model.index(0, Col.STATUS), Role.ToolTipRole)
    assert "password" in tip
    assert "refused" in model.data(model.index(0, Col.ENABLED), Role.ToolTipRole)
    created = model.index(1, Col.CREATED)
    assert model.data(created, Role.ToolTipRole) == "2026-01-01 12:30:00+05:30"
    assert model.data(model.index(1, Col.USERNAME), Role.ToolTipRole) is None
    assert model.data(model.index(1, 0), Role.EditRole) is None
    assert model.data(QtCore.QModelIndex()) is None
    assert not model.flags(model.index(1, 0)) & QtCore.Qt.ItemFlag.ItemIsEditable


def test_blank_dates_and_unknown_status(bridge: ManualBridge) -> None:
    lone = make_user(
        1,
        created_at=None,
        modified_at=None,
        last_sign_in=None,
        email=None,
        status="SOMETHING_NEW",
    )

    def page(api: object, token: object, search: object, limit: int) -> admin.UserPage:
        return admin.UserPage((lone,), None)

    model = users_model.UsersModel(bridge, page=page)
    model.refresh()
    bridge.tasks[0].finish()
    assert [model.data(model.index(0, c)) for c in (Col.EMAIL, Col.CREATED, Col.MODIFIED)] == [
        "",
        "",
        "",
    ]
    assert model.data(model.index(0, Col.LAST_SIGN_IN)) == "Never"
    assert model.data(model.index(0, Col.STATUS)) == "SOMETHING_NEW"
    assert model.data(model.index(0, Col.STATUS), Role.ToolTipRole) is None
    assert model.data(model.index(0, Col.CREATED), Role.ToolTipRole) is None


# -- model testers -------------------------------------------------------------------------


def exercise(model: users_model.UsersModel, bridge: ManualBridge) -> None:
    """Every kind of change the model makes, with the tester watching."""
    model.refresh()  # loading row in
    bridge.tasks[-1].finish()  # loading row out, page in
    model.fetchMore(ROOT)
    model.sort(Col.EMAIL, DESC)  # sorted while loading: the loading row stays last
    model.remove_username("user0010")  # removed while loading
    bridge.tasks[-1].finish()  # page in, sorted in
    model.replace_user(make_user(3, name="Renamed"))
    model.set_search(prefix("user01"))  # reset while idle
    model.set_search(prefix("user002"))  # reset while loading
    bridge.tasks[-1].finish()
    model.sort(-1, ASC)
    model.fetch_all()
    bridge.finish_all()
    model.refresh()
    model.clear()  # reset while loading


def test_python_model_tester_through_every_change(
    qtmodeltester: Any, model: users_model.UsersModel, bridge: ManualBridge
) -> None:
    model.refresh()
    qtmodeltester.check(model, force_py=True)  # first checked with the loading row there
    bridge.tasks[-1].finish()
    exercise(model, bridge)
    assert model.rowCount() == 0


def test_qt_model_tester_reports_nothing(
    qtmodeltester: Any, qtlog: Any, model: users_model.UsersModel, bridge: ManualBridge
) -> None:
    qtmodeltester.check(model)  # Qt's C++ QAbstractItemModelTester: FAILs are Qt warnings
    exercise(model, bridge)
    model.set_search(None)
    while bridge.pending():  # the C++ tester fetches more on its own
        bridge.pending()[0].finish()
        model.fetchMore(ROOT)
    assert model.count == TOTAL
    problems = [r.message for r in qtlog.records if r.type != QtCore.QtMsgType.QtDebugMsg]
    assert problems == []


# -- real worker threads -------------------------------------------------------------------


def test_with_real_workers_an_older_search_answering_last_is_dropped(qtbot: QtBot) -> None:
    source = FakeApi()
    caller = ThreadedBridge(hang_first=True)
    model = users_model.UsersModel(caller, page=source.page, page_size=10)
    seen = Recorder(model)
    model.set_search(prefix("user01"))  # hangs
    model.set_search(prefix("user002"))  # answers first
    qtbot.waitUntil(lambda: model.count == 10 and not model.is_loading, timeout=5_000)
    caller.release.set()
    qtbot.waitUntil(lambda: len(source.requests) == 2, timeout=5_000)
    qtbot.wait(200)  # time for the stale answer to arrive, were it delivered
    assert names(model) == [f"user{i:04d}" for i in range(20, 30)]
    assert [e for e in seen.events if e[0] == "loaded"] == [("loaded", 10, False)]
