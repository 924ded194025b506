"""A users list (or a group's members) whose page could not be fetched says so:
"Offline" when the API could not be reached, never "0 users loaded, more available";
the failure is shown as an error; Retry or Refresh loads it again."""

from __future__ import annotations

import pytest
from PySide6 import QtCore
from pytestqt.qtbot import QtBot

from desktop_app import errors
from desktop_app.models import groups as groups_model
from desktop_app.ui.admin import groups_panel, users_panel
from tests.support.bridges import ManualBridge
from tests.support.fake_api import FakeApi
from tests.unit.desktop_app.ui.admin.conftest import user_body

UNREACHABLE = errors.NetworkError("the server did not answer")


def users(qtbot: QtBot, manual: ManualBridge) -> users_panel.UsersPanel:
    shown = users_panel.UsersPanel(manual, groups_model.GroupsModel(manual))  # type: ignore[arg-type]
    qtbot.addWidget(shown)
    return shown


def test_a_users_list_that_could_not_be_loaded_says_offline(
    qtbot: QtBot, manual: ManualBridge, api: FakeApi
) -> None:
    api.answers[("GET", "/admin/users")] = UNREACHABLE
    panel = users(qtbot, manual)
    panel.ensure_loaded()
    manual.finish_all()
    status = panel.count_label.text()
    assert status == "Offline \N{EM DASH} the list could not be loaded."
    assert "more available" not in status
    assert not panel.retry_button.isHidden()
    assert panel.message.is_error and not panel.message.icon.isHidden()
    assert panel.message.text().startswith("The API could not be reached.")

    api.answers[("GET", "/admin/users")] = {"users": [user_body("alice")]}
    panel.retry_button.click()
    assert panel.model.is_loading  # while it loads, no longer "Offline"
    assert not panel.count_label.text().startswith("Offline")
    manual.finish_all()
    assert panel.count_label.text() == "1 user"
    assert panel.retry_button.isHidden()


def test_a_next_page_that_failed_does_not_claim_more(
    qtbot: QtBot, manual: ManualBridge, api: FakeApi
) -> None:
    first = {"users": [user_body("alice"), user_body("bob")], "pagination_token": "next"}
    api.answers[("GET", "/admin/users")] = first
    panel = users(qtbot, manual)
    panel.ensure_loaded()
    manual.finish_all()
    assert panel.count_label.text() == "2 users loaded, more available"

    api.answers[("GET", "/admin/users")] = UNREACHABLE
    panel.model.fetchMore(QtCore.QModelIndex())
    manual.finish_all()
    assert panel.count_label.text() == (
        "Offline \N{EM DASH} 2 users loaded, the rest could not be."
    )


def test_another_failure_says_not_loaded(qtbot: QtBot, manual: ManualBridge, api: FakeApi) -> None:
    api.answers[("GET", "/admin/users")] = errors.ApiError(500, "boom", "internal")
    panel = users(qtbot, manual)
    panel.ensure_loaded()
    manual.finish_all()
    assert panel.count_label.text() == "Not loaded \N{EM DASH} the list could not be loaded."
    assert panel.message.is_error


@pytest.fixture
def groups(qtbot: QtBot, manual: ManualBridge, api: FakeApi) -> groups_panel.GroupsPanel:
    api.answers[("GET", "/admin/groups")] = {"groups": [{"name": "Team", "member_count": 2}]}
    shown = groups_panel.GroupsPanel(manual, groups_model.GroupsModel(manual))  # type: ignore[arg-type]
    qtbot.addWidget(shown)
    shown.refresh()
    manual.finish_all()
    return shown


def test_members_that_could_not_be_loaded_say_offline_and_refresh_retries(
    groups: groups_panel.GroupsPanel, manual: ManualBridge, api: FakeApi
) -> None:
    members = ("GET", "/admin/groups/Team/members")
    api.answers[members] = UNREACHABLE
    groups.choose_group("Team")
    manual.finish_all()
    assert groups.members_count.text() == "Offline \N{EM DASH} the list could not be loaded."
    assert groups.message.is_error

    api.answers[members] = {"users": [user_body("alice"), user_body("bob")]}
    groups.refresh_button.click()
    manual.finish_all()
    assert groups.members_count.text() == "2 members"


def test_groups_that_could_not_be_loaded_say_offline(
    qtbot: QtBot, manual: ManualBridge, api: FakeApi
) -> None:
    api.answers[("GET", "/admin/groups")] = UNREACHABLE
    panel = groups_panel.GroupsPanel(manual, groups_model.GroupsModel(manual))  # type: ignore[arg-type]
    qtbot.addWidget(panel)
    panel.refresh()
    manual.finish_all()
    assert panel.groups_status.text() == "Offline \N{EM DASH} the list could not be loaded."
