"""The lazy items model: paging through a fake bridge, stale results, failures, qtmodeltester."""

from __future__ import annotations

import datetime
import logging
from typing import Any

import pytest
from PySide6 import QtCore
from pytestqt.qtbot import QtBot

from desktop_app import errors
from desktop_app.api import items as api_items
from desktop_app.models import items as items_model
from tests.support.bridges import ManualBridge, ThreadedBridge
from tests.support.recorder import Recorder

TOTAL = 137
EPOCH = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
ROOT = QtCore.QModelIndex()
Role = QtCore.Qt.ItemDataRole


def make_item(index: int) -> api_items.Item:
    return api_items.Item(
        id=f"item-{index + 1:04d}",
        title=f"Title {index + 1}",
        updated_at=EPOCH + datetime.timedelta(hours=7 * index),
        size_bytes=1024 + index,
    )


class FakeApi:
    """Serves TOTAL items with the offset as the cursor; records each request."""

    def __init__(self, total: int = TOTAL) -> None:
        self.total = total
        self.requests: list[tuple[str | None, int]] = []
        self.fail_with: BaseException | None = None

    def fetch(self, api: object, cursor: str | None, limit: int) -> api_items.ItemPage:
        self.requests.append((cursor, limit))
        if self.fail_with is not None:
            raise self.fail_with
        start = int(cursor) if cursor else 0
        end = min(start + limit, self.total)
        return api_items.ItemPage(
            items=tuple(make_item(i) for i in range(start, end)),
            next_cursor=str(end) if end < self.total else None,
            total=self.total,
        )


@pytest.fixture
def fake_api() -> FakeApi:
    return FakeApi()


@pytest.fixture
def model(bridge: ManualBridge, fake_api: FakeApi) -> items_model.ItemsModel:
    return items_model.ItemsModel(bridge, fetch=fake_api.fetch, page_size=50)


def ids(model: items_model.ItemsModel) -> list[str]:
    return [model.item(row).id for row in range(model.rowCount())]


def test_idle_until_refresh_so_a_view_cannot_start_fetching(
    model: items_model.ItemsModel, bridge: ManualBridge
) -> None:
    assert model.rowCount() == 0
    assert model.columnCount() == 4
    assert not model.canFetchMore(ROOT)
    model.fetchMore(ROOT)
    assert bridge.tasks == []
    assert model.total is None
    assert not model.is_loading


def test_fetch_more_only_starts_a_fetch_and_rows_arrive_with_the_page(
    model: items_model.ItemsModel, bridge: ManualBridge, fake_api: FakeApi
) -> None:
    seen = Recorder(model)
    model.refresh()
    assert seen.events == [("loading",)]
    assert fake_api.requests == []  # started, not run: nothing blocked the caller
    assert model.rowCount() == 0
    assert model.is_loading
    assert not model.canFetchMore(ROOT)
    model.fetchMore(ROOT)  # a view asking again while in flight: still one request
    assert len(bridge.tasks) == 1
    assert bridge.tasks[0].name == "items-page"

    bridge.tasks[0].finish()
    assert fake_api.requests == [(None, 50)]
    assert model.rowCount() == 50
    assert model.total == TOTAL
    assert seen.events[-1] == ("loaded", 50, TOTAL)
    assert model.canFetchMore(ROOT)
    assert not model.is_loading


def test_pages_to_the_end_with_each_next_cursor(
    model: items_model.ItemsModel, bridge: ManualBridge, fake_api: FakeApi
) -> None:
    model.refresh()
    bridge.tasks[-1].finish()
    while model.canFetchMore(ROOT):
        model.fetchMore(ROOT)
        bridge.tasks[-1].finish()
    assert fake_api.requests == [(None, 50), ("50", 50), ("100", 50)]
    assert model.rowCount() == TOTAL
    assert ids(model) == [f"item-{i:04d}" for i in range(1, TOTAL + 1)]
    assert not model.has_more
    model.fetchMore(ROOT)
    assert len(bridge.tasks) == 3


def test_refresh_cancels_the_page_in_flight_and_ignores_its_result(
    model: items_model.ItemsModel, bridge: ManualBridge, fake_api: FakeApi
) -> None:
    model.refresh()
    bridge.tasks[0].finish()
    model.fetchMore(ROOT)
    stale = bridge.tasks[1]
    seen = Recorder(model)

    model.refresh()
    assert stale.cancelled
    assert model.rowCount() == 0
    stale.finish()  # the old page 2 comes back late
    assert model.rowCount() == 0
    assert ("loaded", 100, TOTAL) not in seen.events

    bridge.tasks[2].finish()
    assert ids(model) == [f"item-{i:04d}" for i in range(1, 51)]
    assert seen.events == [("loading",), ("loaded", 50, TOTAL)]


def test_a_failure_stops_paging_until_retry_then_fetches_the_same_page(
    model: items_model.ItemsModel, bridge: ManualBridge, fake_api: FakeApi
) -> None:
    model.refresh()
    bridge.tasks[0].finish()
    seen = Recorder(model)
    fake_api.fail_with = errors.NetworkError("the API did not answer")
    model.fetchMore(ROOT)
    bridge.tasks[1].finish()
    assert seen.events[-1] == ("failed", fake_api.fail_with)
    assert model.error is fake_api.fail_with
    assert model.rowCount() == 50  # what arrived stays
    assert model.has_more
    assert not model.canFetchMore(ROOT)  # scrolling must not hammer a failing API
    model.fetchMore(ROOT)
    assert len(bridge.tasks) == 2

    fake_api.fail_with = None
    model.retry()
    assert model.error is None
    bridge.tasks[2].finish()
    assert fake_api.requests[-1] == ("50", 50)
    assert model.rowCount() == 100


def test_retry_after_the_first_page_failed_loads_from_the_start(
    model: items_model.ItemsModel, bridge: ManualBridge, fake_api: FakeApi
) -> None:
    fake_api.fail_with = errors.ApiError(403, "forbidden")
    model.refresh()
    bridge.tasks[0].finish()
    assert isinstance(model.error, errors.ApiError)
    assert model.total is None
    fake_api.fail_with = None
    model.retry()
    bridge.tasks[1].finish()
    assert fake_api.requests == [(None, 50), (None, 50)]
    assert model.rowCount() == 50


def test_a_cursor_that_does_not_advance_ends_the_list(
    bridge: ManualBridge, caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[str | None] = []

    def loop(api: object, cursor: str | None, limit: int) -> api_items.ItemPage:
        calls.append(cursor)
        return api_items.ItemPage((make_item(len(calls)),), "same", 500)

    model = items_model.ItemsModel(bridge, fetch=loop)
    model.refresh()
    bridge.tasks[0].finish()
    assert model.canFetchMore(ROOT)  # first page: "same" is new
    model.fetchMore(ROOT)
    with caplog.at_level(logging.WARNING, logger="desktop_app.models.items"):
        bridge.tasks[1].finish()
    assert not model.canFetchMore(ROOT)
    assert calls == [None, "same"]
    assert "does not advance" in caplog.text


def test_an_empty_page_with_a_cursor_ends_the_list(bridge: ManualBridge) -> None:
    def empty(api: object, cursor: str | None, limit: int) -> api_items.ItemPage:
        return api_items.ItemPage((), "next", 10)

    model = items_model.ItemsModel(bridge, fetch=empty)
    model.refresh()
    bridge.tasks[0].finish()
    assert model.rowCount() == 0
    assert not model.canFetchMore(ROOT)


@pytest.mark.parametrize("size", [0, api_items.MAX_LIMIT + 1])
def test_page_size_must_be_one_the_api_accepts(bridge: ManualBridge, size: int) -> None:
    with pytest.raises(ValueError, match="page_size"):
        items_model.ItemsModel(bridge, page_size=size)


@pytest.mark.usefixtures("india_time")
def test_cells_headers_and_roles(model: items_model.ItemsModel, bridge: ManualBridge) -> None:
    model.refresh()
    bridge.tasks[0].finish()
    headers = [
        model.headerData(c, QtCore.Qt.Orientation.Horizontal, Role.DisplayRole) for c in range(4)
    ]
    assert headers == ["Title", "Updated", "Size", "ID"]
    row = [model.data(model.index(1, c)) for c in range(4)]
    # item 2 is EPOCH + 7 h = 07:00 UTC = 12:30 in UTC+05:30
    assert row[0] == "Title 2"
    assert row[1] == "2026-01-01 12:30"
    assert row[2] == QtCore.QLocale().formattedDataSize(1025, 1)
    assert "KiB" in row[2] or "kB" in row[2]
    assert row[3] == "item-0002"
    updated = model.index(1, items_model.Column.UPDATED)
    assert model.data(updated, Role.ToolTipRole) == "2026-01-01 12:30:00+05:30"
    size = model.index(1, items_model.Column.SIZE)
    assert "1025" in model.data(size, Role.ToolTipRole).replace(",", "").replace("\xa0", "")
    assert model.data(size, Role.TextAlignmentRole) & int(QtCore.Qt.AlignmentFlag.AlignRight)
    assert model.data(model.index(1, 0), items_model.ITEM_ROLE) == make_item(1)
    assert model.data(QtCore.QModelIndex()) is None
    assert model.data(model.index(1, 0), Role.EditRole) is None
    flags = model.flags(model.index(0, 0))
    assert not flags & QtCore.Qt.ItemFlag.ItemIsEditable
    assert flags & QtCore.Qt.ItemFlag.ItemIsSelectable


def test_python_model_tester_through_paging_and_refresh(
    qtmodeltester: Any, model: items_model.ItemsModel, bridge: ManualBridge
) -> None:
    model.refresh()
    bridge.tasks[0].finish()
    qtmodeltester.check(model, force_py=True)
    # the tester's own fetchMore started page 2; every insert and reset is rechecked
    while bridge.pending():
        bridge.pending()[0].finish()
        model.fetchMore(ROOT)
    assert model.rowCount() == TOTAL
    model.refresh()
    bridge.pending()[0].finish()
    assert model.rowCount() == 50


def test_qt_model_tester_reports_nothing(
    qtmodeltester: Any, qtlog: Any, model: items_model.ItemsModel, bridge: ManualBridge
) -> None:
    qtmodeltester.check(model)  # Qt's C++ QAbstractItemModelTester: FAILs are Qt warnings
    model.refresh()
    bridge.tasks[-1].finish()
    model.fetchMore(ROOT)
    bridge.tasks[-1].finish()
    model.clear()
    model.refresh()
    bridge.tasks[-1].finish()
    assert model.rowCount() == 50
    problems = [r.message for r in qtlog.records if r.type != QtCore.QtMsgType.QtDebugMsg]
    assert problems == []


def test_with_real_workers_a_late_page_from_before_refresh_is_dropped(qtbot: QtBot) -> None:
    source = FakeApi(total=25)
    caller = ThreadedBridge(hang_first=True)
    model = items_model.ItemsModel(caller, fetch=source.fetch, page_size=10)
    seen = Recorder(model)
    model.refresh()
    source.total = TOTAL  # the list changed: the refreshed view must show the new one
    model.refresh()  # supersedes the hanging request
    qtbot.waitUntil(lambda: model.rowCount() == 10, timeout=5_000)
    caller.release.set()
    qtbot.waitUntil(lambda: len(source.requests) == 2, timeout=5_000)
    qtbot.wait(200)  # time for the stale result to arrive, if it were delivered
    assert model.rowCount() == 10
    assert model.total == TOTAL
    assert [e for e in seen.events if e[0] == "loaded"] == [("loaded", 10, TOTAL)]
