"""The groups model: one call through the bridge, stale answers dropped, cells, qtmodeltester."""

from __future__ import annotations

from typing import Any

import pytest
import shiboken6
from PySide6 import QtCore

from desktop_app import errors
from desktop_app.api import admin
from desktop_app.models import groups as groups_model
from tests.support.bridges import ManualBridge

Role = QtCore.Qt.ItemDataRole
Col = groups_model.Column
ADMIN = admin.Group("Admin", "Administrators", 0, 1)
EDITORS = admin.Group("editors", None, None, 1234)
BETA = admin.Group("Beta", "Early access", 5, 0)


class FakeApi:
    """Answers ``GET /admin/groups`` with ``self.groups``; records each call."""

    def __init__(self) -> None:
        self.calls = 0
        self.groups: list[dict[str, Any]] = [as_json(ADMIN), as_json(EDITORS), as_json(BETA)]
        self.fail_with: BaseException | None = None

    def get_json(self, path: str, params: dict[str, Any] | None = None) -> Any:
        assert path == "/admin/groups"
        self.calls += 1
        if self.fail_with is not None:
            raise self.fail_with
        return {"groups": list(self.groups)}

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        raise AssertionError("the groups model only reads")


def as_json(group: admin.Group) -> dict[str, Any]:
    return {
        "name": group.name,
        "description": group.description,
        "precedence": group.precedence,
        "member_count": group.member_count,
    }


@pytest.fixture
def api() -> FakeApi:
    return FakeApi()


@pytest.fixture
def bridge(api: FakeApi) -> ManualBridge:
    return ManualBridge(api)


@pytest.fixture
def model(bridge: ManualBridge) -> groups_model.GroupsModel:
    return groups_model.GroupsModel(bridge)


def shown(model: groups_model.GroupsModel) -> list[str]:
    return [model.data(model.index(r, Col.NAME)) for r in range(model.rowCount())]


def test_empty_until_refresh_then_one_call(
    model: groups_model.GroupsModel, bridge: ManualBridge, api: FakeApi
) -> None:
    events: list[Any] = []
    model.loading.connect(lambda: events.append("loading"))
    model.loaded.connect(lambda n: events.append(("loaded", n)))
    assert model.rowCount() == 0 and model.columnCount() == 4
    assert model.groups == ()
    model.refresh()
    assert model.is_loading
    assert api.calls == 0  # started on the worker, not run here
    assert bridge.tasks[0].name == "groups"
    bridge.tasks[0].finish()
    assert not model.is_loading
    assert events == ["loading", ("loaded", 3)]
    assert model.groups == (ADMIN, EDITORS, BETA)
    assert model.group(1) == EDITORS
    assert model.group(3) is None
    assert model.row_of("Beta") == 2
    assert model.row_of("nope") is None
    assert model.data(model.index(0, 0), groups_model.GROUP_ROLE) == ADMIN


def test_cells_headers_and_roles(model: groups_model.GroupsModel, bridge: ManualBridge) -> None:
    model.refresh()
    bridge.tasks[0].finish()
    headers = [model.headerData(c, QtCore.Qt.Orientation.Horizontal) for c in Col]
    assert headers == ["Name", "Members", "Precedence", "Description"]
    assert [model.data(model.index(0, c)) for c in Col] == ["Admin", "1", "0", "Administrators"]
    members = model.index(1, Col.MEMBERS)
    assert model.data(members) == QtCore.QLocale().toString(1234)
    assert model.data(members, Role.TextAlignmentRole) & int(QtCore.Qt.AlignmentFlag.AlignRight)
    assert model.data(model.index(1, Col.DESCRIPTION)) == ""
    assert model.data(model.index(0, Col.DESCRIPTION), Role.ToolTipRole) == "Administrators"
    assert model.data(model.index(2, Col.PRECEDENCE)) == "5"
    assert model.data(model.index(1, Col.PRECEDENCE)) == ""  # none
    assert "lowest precedence wins" in model.data(model.index(2, Col.PRECEDENCE), Role.ToolTipRole)
    assert model.data(model.index(1, Col.NAME), Role.ToolTipRole) is None
    assert model.data(QtCore.QModelIndex()) is None
    assert not model.flags(model.index(0, 0)) & QtCore.Qt.ItemFlag.ItemIsEditable


def test_a_refresh_supersedes_the_call_in_flight(
    model: groups_model.GroupsModel, bridge: ManualBridge, api: FakeApi
) -> None:
    model.refresh()
    older = bridge.tasks[0]
    api.groups = [as_json(BETA)]
    model.refresh()
    assert older.cancelled
    bridge.tasks[1].finish()
    api.groups = [as_json(ADMIN), as_json(EDITORS)]
    older.finish(even_if_cancelled=True)  # late, and delivered anyway: still dropped
    assert model.groups == (BETA,)


def test_a_failure_keeps_the_rows_and_says_why(
    model: groups_model.GroupsModel, bridge: ManualBridge, api: FakeApi
) -> None:
    model.refresh()
    bridge.tasks[0].finish()
    failures: list[object] = []
    model.failed.connect(failures.append)
    api.fail_with = errors.ApiError(403, "forbidden", "forbidden")
    model.refresh()
    bridge.tasks[1].finish()
    assert failures == [api.fail_with]
    assert model.error is api.fail_with
    assert not model.is_loading
    assert model.rowCount() == 3
    api.fail_with = None
    model.refresh()
    assert model.error is None


def test_a_garbage_answer_is_a_failure(
    model: groups_model.GroupsModel, bridge: ManualBridge, api: FakeApi
) -> None:
    api.groups = [{"name": "x", "member_count": True}]
    model.refresh()
    bridge.tasks[0].finish()
    assert isinstance(model.error, errors.ApiError)
    assert "member_count" in str(model.error)


def test_no_api_is_a_failure() -> None:
    class NoApi:
        def call_api(self, *args: Any, **kwargs: Any) -> Any:
            raise errors.ConfigError("profile 'local' has no api_url")

    model = groups_model.GroupsModel(NoApi())
    model.refresh()
    assert not model.is_loading
    assert isinstance(model.error, errors.ConfigError)


def test_clear_empties_and_drops_the_call_in_flight(
    model: groups_model.GroupsModel, bridge: ManualBridge
) -> None:
    model.refresh()
    model.clear()
    assert bridge.tasks[0].cancelled
    assert not model.is_loading
    bridge.tasks[0].finish(even_if_cancelled=True)
    assert model.rowCount() == 0


def test_deleted_with_a_call_in_flight_is_never_called_back(bridge: ManualBridge) -> None:
    owner = QtCore.QObject()
    model = groups_model.GroupsModel(bridge, parent=owner)
    model.refresh()
    shiboken6.delete(owner)
    assert not shiboken6.isValid(model)
    assert bridge.tasks[0].cancelled
    bridge.tasks[0].finish()


def test_sort_and_keep_sorting_after_refresh(
    model: groups_model.GroupsModel, bridge: ManualBridge
) -> None:
    model.refresh()
    bridge.tasks[0].finish()
    kept = QtCore.QPersistentModelIndex(model.index(0, Col.MEMBERS))  # Admin
    model.sort(Col.MEMBERS, QtCore.Qt.SortOrder.DescendingOrder)
    assert shown(model) == ["editors", "Admin", "Beta"]
    assert kept.row() == 1
    model.sort(Col.NAME, QtCore.Qt.SortOrder.AscendingOrder)
    assert shown(model) == ["Admin", "Beta", "editors"]  # case-insensitive
    model.sort(Col.PRECEDENCE, QtCore.Qt.SortOrder.DescendingOrder)
    assert shown(model) == ["Beta", "Admin", "editors"]  # none last
    model.sort(Col.PRECEDENCE, QtCore.Qt.SortOrder.AscendingOrder)
    assert shown(model) == ["Admin", "Beta", "editors"]  # either way
    model.sort(Col.DESCRIPTION, QtCore.Qt.SortOrder.AscendingOrder)
    assert shown(model) == ["editors", "Admin", "Beta"]
    model.refresh()
    bridge.tasks[1].finish()
    assert shown(model) == ["editors", "Admin", "Beta"]
    model.sort(-1, QtCore.Qt.SortOrder.AscendingOrder)
    model.refresh()
    bridge.tasks[2].finish()
    assert shown(model) == ["Admin", "editors", "Beta"]


def test_python_model_tester(
    qtmodeltester: Any, model: groups_model.GroupsModel, bridge: ManualBridge
) -> None:
    model.refresh()
    qtmodeltester.check(model, force_py=True)
    bridge.tasks[0].finish()
    model.sort(Col.MEMBERS, QtCore.Qt.SortOrder.DescendingOrder)
    model.refresh()
    bridge.tasks[1].finish()
    model.clear()


def test_qt_model_tester_reports_nothing(
    qtmodeltester: Any, qtlog: Any, model: groups_model.GroupsModel, bridge: ManualBridge
) -> None:
    qtmodeltester.check(model)
    model.refresh()
    bridge.tasks[0].finish()
    model.sort(Col.NAME, QtCore.Qt.SortOrder.DescendingOrder)
    model.clear()
    problems = [r.message for r in qtlog.records if r.type != QtCore.QtMsgType.QtDebugMsg]
    assert problems == []
