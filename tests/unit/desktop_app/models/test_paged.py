"""The paged-model base: one page in flight, stale answers dropped, retry, clear, the
"Loading…" row and one-page reloads, on a small model of numbers.

The items, users and groups models are thin subclasses; their own files test what
they add (columns, search, sorting, totals).
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from typing import Any

import pytest
import shiboken6
from PySide6 import QtCore

from desktop_app import errors
from desktop_app.models import paged
from tests.support.bridges import ManualBridge

ROOT = QtCore.QModelIndex()
Page = tuple[tuple[int, ...], "str | None"]


class Col(enum.IntEnum):
    VALUE = 0


class Source:
    """``total`` numbers, ``size`` a page, the offset as the cursor; records cursors."""

    def __init__(self, total: int = 25, size: int = 10) -> None:
        self.total, self.size = total, size
        self.cursors: list[str | None] = []
        self.fail_with: BaseException | None = None

    def page(self, cursor: str | None) -> Page:
        self.cursors.append(cursor)
        if self.fail_with is not None:
            raise self.fail_with
        start = int(cursor) if cursor else 0
        end = min(start + self.size, self.total)
        return tuple(range(start, end)), str(end) if end < self.total else None


class Numbers(paged.PagedModel[int, Page]):
    """Signals: loaded(int, bool): numbers held, more to come."""

    loaded = QtCore.Signal(int, bool)
    COLUMNS = Col
    NOUN = "numbers"
    FOLLOW_EMPTY_PAGES = 3

    def __init__(self, bridge: Any, source: Source, **flags: Any) -> None:
        for name, value in flags.items():
            setattr(self, name, value)  # LOADING_ROW, RELOAD_IN_PLACE per test
        super().__init__(bridge)
        self.source = source

    def column_title(self, section: int) -> str:
        return "Value"

    def _page_call(self, cursor: str | None) -> Callable[[Any], Page]:
        source = self.source
        return lambda _api: source.page(cursor)

    def _page_rows(self, page: Page) -> tuple[int, ...]:
        return page[0]

    def _page_cursor(self, page: Page) -> str | None:
        return page[1]

    def _loaded(self) -> None:
        self.loaded.emit(self.count, self.has_more)

    def _cell(self, row: int, column: int, role: int) -> Any:
        return str(row) if role == QtCore.Qt.ItemDataRole.DisplayRole else None


@pytest.fixture
def source() -> Source:
    return Source()


@pytest.fixture
def model(bridge: ManualBridge, source: Source) -> Numbers:
    return Numbers(bridge, source)


def values(model: Numbers) -> list[int]:
    return [row for row in (model.row_at(r) for r in range(model.count)) if row is not None]


def test_idle_until_refresh_so_a_view_cannot_start_fetching(
    model: Numbers, bridge: ManualBridge
) -> None:
    assert model.rowCount() == 0 and not model.canFetchMore(ROOT)
    model.fetchMore(ROOT)
    model.retry()  # idle: a retry is a first refresh
    assert len(bridge.tasks) == 1


def test_one_page_in_flight_then_pages_follow_the_cursor(
    model: Numbers, bridge: ManualBridge, source: Source
) -> None:
    model.refresh()
    assert not model.canFetchMore(ROOT)  # in flight: a view asking again starts nothing
    bridge.tasks[0].finish()
    while model.canFetchMore(ROOT):
        model.fetchMore(ROOT)
        bridge.tasks[-1].finish()
    assert values(model) == list(range(25))
    assert source.cursors == [None, "10", "20"]
    assert not model.has_more


def test_a_view_asking_during_the_reset_does_not_double_the_first_page(
    model: Numbers, bridge: ManualBridge
) -> None:
    # QAbstractItemView calls fetchMore from endResetModel when it has no rows.
    model.modelReset.connect(lambda: model.fetchMore(ROOT))
    model.refresh()
    bridge.tasks[0].finish()
    model.refresh()
    assert bridge.pending() == [bridge.tasks[1]]


def test_an_answer_from_before_refresh_is_dropped_even_if_delivered(
    model: Numbers, bridge: ManualBridge, source: Source
) -> None:
    model.refresh()
    source.total = 5
    model.refresh()
    assert bridge.tasks[0].cancelled
    bridge.tasks[1].finish()
    bridge.tasks[0].finish(even_if_cancelled=True)  # the generation guard stops it
    assert values(model) == list(range(5))


def test_a_failure_stops_paging_until_retry_then_fetches_the_same_page(
    model: Numbers, bridge: ManualBridge, source: Source
) -> None:
    failed: list[BaseException] = []
    model.failed.connect(failed.append)
    model.refresh()
    bridge.tasks[0].finish()
    source.fail_with = errors.NetworkError("the API did not answer")
    model.fetchMore(ROOT)
    bridge.tasks[1].finish()
    assert failed == [source.fail_with] and model.error is source.fail_with
    assert model.count == 10 and model.has_more and not model.canFetchMore(ROOT)
    source.fail_with = None
    model.retry()
    assert model.error is None
    bridge.tasks[2].finish()
    assert source.cursors == [None, "10", "10"]


def test_retry_after_the_first_page_failed_starts_over_and_never_doubles(
    model: Numbers, bridge: ManualBridge, source: Source
) -> None:
    source.fail_with = errors.ApiError(500, "boom")
    model.refresh()
    bridge.tasks[0].finish()
    source.fail_with = None
    model.retry()
    model.retry()  # while loading: nothing more
    assert len(bridge.tasks) == 2 and not bridge.tasks[1].cancelled
    bridge.tasks[1].finish()
    assert values(model) == list(range(10))


def test_a_profile_without_an_api_is_a_failure_not_an_endless_load(source: Source) -> None:
    class NoApi:
        def call_api(self, *args: Any, **kwargs: Any) -> Any:
            raise errors.ConfigError("profile 'local' has no api_url")

    model = Numbers(NoApi(), source, LOADING_ROW=True)
    events: list[str] = []
    model.loading.connect(lambda: events.append("loading"))
    model.failed.connect(lambda exc: events.append(type(exc).__name__))
    model.refresh()
    assert events == ["loading", "ConfigError"]
    assert not model.is_loading and model.rowCount() == 0


def test_clear_cancels_and_goes_idle(model: Numbers, bridge: ManualBridge) -> None:
    model.refresh()
    bridge.tasks[0].finish()
    model.fetchMore(ROOT)
    model.clear()
    assert bridge.tasks[1].cancelled
    assert model.rowCount() == 0 and not model.has_more and not model.is_loading


def test_a_model_deleted_with_a_page_in_flight_is_never_called_back(
    bridge: ManualBridge, source: Source
) -> None:
    owner = QtCore.QObject()
    model = Numbers(bridge, source)
    model.setParent(owner)
    model.refresh()
    shiboken6.delete(owner)  # as when the panel that owns the model is closed
    assert bridge.tasks[0].cancelled
    bridge.tasks[0].finish()  # would raise "Internal C++ object already deleted"


def test_the_loading_row_is_there_exactly_while_a_page_is_in_flight(
    bridge: ManualBridge, source: Source
) -> None:
    model = Numbers(bridge, source, LOADING_ROW=True)
    model.refresh()
    assert model.rowCount() == 1 and model.count == 0
    assert model.data(model.index(0, 0)) == "Loading\N{HORIZONTAL ELLIPSIS}"
    assert model.data(model.index(0, 0), paged.ROW_ROLE) is None
    assert model.flags(model.index(0, 0)) == QtCore.Qt.ItemFlag.ItemIsEnabled
    bridge.tasks[0].finish()
    assert model.rowCount() == 10 == model.count
    assert model.data(model.index(3, 0), paged.ROW_ROLE) == 3


def test_a_cursor_that_does_not_advance_ends_the_list(
    bridge: ManualBridge, caplog: pytest.LogCaptureFixture
) -> None:
    source = Source()
    source.page = lambda cursor: ((1,), "same")  # type: ignore[method-assign]
    model = Numbers(bridge, source)
    model.refresh()
    bridge.tasks[0].finish()
    model.fetchMore(ROOT)
    with caplog.at_level(logging.WARNING, logger=__name__):
        bridge.tasks[1].finish()
    assert not model.canFetchMore(ROOT)
    assert "does not advance" in caplog.text


def test_empty_pages_that_promise_more_are_followed_up_to_the_limit(
    bridge: ManualBridge, caplog: pytest.LogCaptureFixture
) -> None:
    source = Source()
    source.page = lambda cursor: ((), f"{cursor}x")  # type: ignore[method-assign]
    model = Numbers(bridge, source)
    model.refresh()
    with caplog.at_level(logging.WARNING, logger=__name__):
        bridge.finish_all()
    assert len(bridge.tasks) == Numbers.FOLLOW_EMPTY_PAGES + 1
    assert not model.has_more and "empty pages" in caplog.text


def test_fetch_all_pages_to_the_end_and_stops_on_a_failure(
    model: Numbers, bridge: ManualBridge, source: Source
) -> None:
    model.fetch_all()
    bridge.tasks[0].finish()
    source.fail_with = errors.NetworkError("down")
    bridge.tasks[1].finish()
    assert bridge.pending() == [] and model.count == 10
    source.fail_with = None
    model.fetch_all()
    bridge.finish_all()
    assert values(model) == list(range(25))


def test_a_one_page_list_keeps_its_rows_while_reloading_and_after_a_failure(
    bridge: ManualBridge, source: Source
) -> None:
    source.size = 100
    model = Numbers(bridge, source, RELOAD_IN_PLACE=True)
    model.refresh()
    bridge.tasks[0].finish()
    resets: list[None] = []
    model.modelReset.connect(lambda: resets.append(None))
    source.total = 3
    model.refresh()
    assert model.count == 25  # still shown while the new list is on its way
    bridge.tasks[1].finish()
    assert values(model) == [0, 1, 2] and len(resets) == 1
    source.fail_with = errors.NetworkError("down")
    model.refresh()
    bridge.tasks[2].finish()
    assert values(model) == [0, 1, 2] and model.error is source.fail_with


def test_python_model_tester_through_paging_and_refresh(
    qtmodeltester: Any, bridge: ManualBridge, source: Source
) -> None:
    model = Numbers(bridge, source, LOADING_ROW=True)
    model.refresh()
    bridge.tasks[0].finish()
    qtmodeltester.check(model, force_py=True)
    bridge.finish_all()
    while model.canFetchMore(ROOT):
        model.fetchMore(ROOT)
        bridge.finish_all()
    model.refresh()
    bridge.finish_all()
    assert model.count == 10
