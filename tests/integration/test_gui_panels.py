"""The Data and Profile panels on a real bridge signed in to cognito-local, calling the API."""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any

import pytest
from PySide6 import QtCore, QtWidgets
from pytestqt.qtbot import QtBot

from desktop_app.api import client as api_client
from desktop_app.api import items as api_items
from desktop_app.auth import mfa, store
from desktop_app.models import items as items_model
from desktop_app.qt import bridge as qt_bridge
from desktop_app.ui import data_panel, profile_panel, security_panel
from local_cognito import server, totp
from protected_api import server as api_server
from tests.integration.conftest import make_bridge, sign_in
from tests.support import loopback_probe
from tests.support.clock import FakeClock

pytestmark = pytest.mark.integration

LEFT = QtCore.Qt.MouseButton.LeftButton
Panel = data_panel.PanelState


@pytest.fixture
def alice(
    qtbot: QtBot, stand_in: server.LocalCognito, api: api_server.ApiServer
) -> qt_bridge.SessionBridge:
    subject = make_bridge(stand_in, api)
    sign_in(qtbot, subject)
    return subject


def make_panel(
    qtbot: QtBot, bridge: qt_bridge.SessionBridge, model: items_model.ItemsModel | None = None
) -> data_panel.DataPanel:
    panel = data_panel.DataPanel(bridge, model=model)
    qtbot.addWidget(panel)
    return panel


def load(qtbot: QtBot, panel: data_panel.DataPanel, action: Any) -> None:
    """Do ``action`` and wait until the page it started has arrived or failed."""
    with qtbot.waitSignals([panel.model.loading], timeout=5_000):
        action()
    qtbot.waitUntil(lambda: not panel.model.is_loading, timeout=10_000)


def visible(widget: QtWidgets.QWidget, panel: QtWidgets.QWidget) -> bool:
    return widget.isVisibleTo(panel)


def cell(panel: data_panel.DataPanel, row: int, column: items_model.Column) -> Any:
    return panel.model.data(panel.model.index(row, column))


# -- Data panel ----------------------------------------------------------------------------


def test_data_panel_pages_to_the_end_then_refreshes(
    qtbot: QtBot, alice: qt_bridge.SessionBridge
) -> None:
    panel = make_panel(qtbot, alice)
    assert panel.state is Panel.IDLE
    assert panel.model.total is None  # nothing fetched until the section is shown

    with qtbot.waitSignal(panel.model.loading, timeout=5_000):
        panel.ensure_loaded()
    assert panel.state is Panel.LOADING
    assert visible(panel.busy, panel)
    assert panel.placeholder.text() == "Loading items…"
    qtbot.waitUntil(lambda: panel.state is Panel.READY, timeout=10_000)
    assert panel.model.rowCount() == 50
    assert panel.count_label.text() == "50 of 137"
    assert not visible(panel.busy, panel)
    assert not visible(panel.notice, panel)
    assert panel.stack.currentWidget() is panel.table
    assert cell(panel, 0, items_model.Column.TITLE) == "Quarterly report #1"
    assert cell(panel, 0, items_model.Column.ID) == "item-0001"
    assert visible(panel.load_more_button, panel)
    panel.ensure_loaded()  # already loaded: no second first page
    assert not panel.model.is_loading

    load(qtbot, panel, lambda: qtbot.mouseClick(panel.load_more_button, LEFT))
    assert panel.count_label.text() == "100 of 137"
    assert cell(panel, 99, items_model.Column.ID) == "item-0100"

    # Scrolling to the end fetches the rest with no button: Qt's view asks the model.
    panel.resize(700, 400)
    panel.show()
    qtbot.waitExposed(panel)
    panel.table.scrollToBottom()
    qtbot.waitUntil(lambda: panel.model.rowCount() == 137, timeout=10_000)
    qtbot.waitUntil(lambda: panel.state is Panel.READY, timeout=5_000)
    assert panel.count_label.text() == "137 of 137"
    assert panel.model.item(136).id == "item-0137"
    assert len({panel.model.item(r).id for r in range(137)}) == 137
    assert not panel.model.canFetchMore(QtCore.QModelIndex())
    assert not visible(panel.load_more_button, panel)

    events: list[Any] = []
    panel.model.modelReset.connect(lambda: events.append("reset"))
    panel.model.loaded.connect(lambda rows, total: events.append(("loaded", rows, total)))
    with qtbot.waitSignal(panel.model.loaded, timeout=10_000):
        qtbot.mouseClick(panel.refresh_button, LEFT)
    # (the view may go on to fetch page 2 to fill its space, as it would on scroll)
    assert events == ["reset", ("loaded", 50, 137)]
    assert panel.model.rowCount() == 50
    assert panel.count_label.text() == "50 of 137"
    assert panel.model.item(0).id == "item-0001"


def test_a_second_refresh_drops_the_first_ones_late_page(
    qtbot: QtBot, alice: qt_bridge.SessionBridge
) -> None:
    panel = make_panel(qtbot, alice)
    loaded: list[tuple[int, int]] = []
    panel.model.loaded.connect(lambda rows, total: loaded.append((rows, total)))
    panel.refresh()
    panel.refresh()
    qtbot.waitUntil(lambda: panel.state is Panel.READY, timeout=10_000)
    qtbot.wait(300)  # room for the superseded page to land, if it were delivered
    assert panel.model.rowCount() == 50
    assert loaded == [(50, 137)]


def test_an_empty_list_says_so(qtbot: QtBot, alice: qt_bridge.SessionBridge) -> None:
    def nothing(api: api_client.ApiClient, cursor: str | None, limit: int) -> Any:
        api.get_json("/me")  # a real, authorised round trip; the list itself is empty
        return api_items.parse_page({"items": [], "next_cursor": None, "total": 0})

    panel = make_panel(qtbot, alice, items_model.ItemsModel(alice, fetch=nothing))
    load(qtbot, panel, panel.ensure_loaded)
    assert panel.state is Panel.EMPTY
    assert panel.stack.currentWidget() is panel.placeholder
    assert panel.placeholder.text() == "There are no items."
    assert panel.count_label.text() == "0 of 0"
    assert not visible(panel.notice, panel)
    assert not visible(panel.load_more_button, panel)


def test_a_403_says_no_access_and_offers_no_retry(
    qtbot: QtBot, alice: qt_bridge.SessionBridge
) -> None:
    def admin_only(api: api_client.ApiClient, cursor: str | None, limit: int) -> Any:
        return api_items.fetch_page(api, cursor, limit, path="/admin/users")

    panel = make_panel(qtbot, alice, items_model.ItemsModel(alice, fetch=admin_only))
    load(qtbot, panel, panel.ensure_loaded)
    assert panel.state is Panel.FORBIDDEN
    assert visible(panel.notice, panel)
    assert panel.notice_label.text() == "You don't have access to this data."
    assert not visible(panel.retry_button, panel)
    assert not visible(panel.load_more_button, panel)
    assert not visible(panel.busy, panel)
    assert panel.model.rowCount() == 0
    assert panel.count_label.text() == ""
    assert alice.state is qt_bridge.State.SIGNED_IN  # a 403 is not the session's problem
    panel.ensure_loaded()  # showing the section again does not hammer a 403
    assert not panel.model.is_loading


def test_a_body_that_is_not_an_items_page_is_an_error_with_retry(
    qtbot: QtBot, stand_in: server.LocalCognito, api: api_server.ApiServer
) -> None:
    admin = make_bridge(stand_in, api, "admin")
    sign_in(qtbot, admin)

    def users(api: api_client.ApiClient, cursor: str | None, limit: int) -> Any:
        return api_items.fetch_page(api, cursor, limit, path="/admin/users")

    panel = make_panel(qtbot, admin, items_model.ItemsModel(admin, fetch=users))
    load(qtbot, panel, panel.ensure_loaded)
    assert panel.state is Panel.ERROR
    assert "the items page is not valid" in panel.notice_label.text()
    assert visible(panel.retry_button, panel)


def test_offline_shows_a_message_and_retry_recovers(
    qtbot: QtBot, alice: qt_bridge.SessionBridge, api: api_server.ApiServer
) -> None:
    alice.api = api_client.ApiClient(
        f"http://127.0.0.1:{loopback_probe.free_port()}", alice.session
    )
    panel = make_panel(qtbot, alice)
    load(qtbot, panel, panel.ensure_loaded)
    assert panel.state is Panel.ERROR
    assert panel.notice_label.text().startswith("Can't reach the server.")
    assert "did not answer" in panel.notice_label.text()
    # Visibly an error: the icon, and a screen reader hears "Error: ...".
    assert panel.notice_label.is_error
    assert visible(panel.notice_label.icon, panel)
    assert panel.notice_label.accessibleDescription().startswith("Error: Can't reach the server.")
    assert visible(panel.retry_button, panel)
    assert panel.retry_button.accessibleName() == "Retry loading items"
    assert not panel.model.canFetchMore(QtCore.QModelIndex())

    alice.api = api_client.ApiClient(api.url, alice.session)  # back online
    load(qtbot, panel, lambda: qtbot.mouseClick(panel.retry_button, LEFT))
    assert panel.state is Panel.READY
    assert not visible(panel.notice, panel)
    assert panel.count_label.text() == "50 of 137"


def test_a_session_that_ends_during_a_fetch_leaves_the_panel_quietly_empty(
    qtbot: QtBot,
    alice: qt_bridge.SessionBridge,
    stand_in: server.LocalCognito,
    idp: Any,
    fake_clock: FakeClock,
) -> None:
    panel = make_panel(qtbot, alice)
    load(qtbot, panel, panel.ensure_loaded)
    assert panel.state is Panel.READY
    # The API now sees an expired token (401); the refresh it triggers is refused.
    idp.admin_disable_user(UserPoolId=stand_in.pool.id, Username="alice")
    fake_clock.advance(2 * 3600)
    with qtbot.waitSignal(alice.sessionEnded, timeout=10_000):
        qtbot.mouseClick(panel.load_more_button, LEFT)
    assert panel.state is Panel.IDLE
    assert panel.model.rowCount() == 0
    assert not panel.model.is_loading
    assert not visible(panel.busy, panel)
    assert not visible(panel.notice, panel)
    assert panel.count_label.text() == ""
    assert not panel.refresh_button.isEnabled()
    panel.ensure_loaded()  # signed out: nothing to fetch
    assert not panel.model.is_loading


def test_the_updated_dates_stay_on_one_line(qtbot: QtBot, alice: qt_bridge.SessionBridge) -> None:
    panel = make_panel(qtbot, alice)
    panel.resize(1000, 640)
    panel.show()
    qtbot.waitExposed(panel)
    load(qtbot, panel, panel.ensure_loaded)
    assert not panel.table.wordWrap()
    shown = str(cell(panel, 0, items_model.Column.UPDATED))
    assert len(shown.split(" ")) == 2  # the day and the time
    width = panel.table.columnWidth(items_model.Column.UPDATED)
    assert width >= panel.table.fontMetrics().horizontalAdvance(shown)
    row = panel.table.rowHeight(0)
    assert row < 2 * panel.table.fontMetrics().height()  # one line a row


def test_data_panel_controls_have_accessible_names(
    qtbot: QtBot, alice: qt_bridge.SessionBridge
) -> None:
    panel = make_panel(qtbot, alice)
    for widget in (
        panel.table,
        panel.refresh_button,
        panel.load_more_button,
        panel.retry_button,
        panel.count_label,
        panel.busy,
    ):
        assert widget.accessibleName(), widget


# -- Profile panel -------------------------------------------------------------------------


def local(epoch: float) -> str:
    """A moment as the app shows it: local time to the minute, no UTC offset."""
    return (
        datetime.datetime.fromtimestamp(epoch, tz=datetime.UTC)
        .astimezone()
        .strftime("%Y-%m-%d %H:%M")
    )


def tree_texts(tree: QtWidgets.QTreeWidget) -> dict[str, str]:
    """Every row of the claims tree as ``path -> value``."""
    found: dict[str, str] = {}

    def walk(item: QtWidgets.QTreeWidgetItem, prefix: str) -> None:
        path = prefix + item.text(0)
        found[path] = item.text(1)
        for index in range(item.childCount()):
            walk(item.child(index), path + "/")

    for index in range(tree.topLevelItemCount()):
        item = tree.topLevelItem(index)
        assert item is not None
        walk(item, "")
    return found


def all_label_text(panel: QtWidgets.QWidget) -> str:
    return "\n".join(label.text() for label in panel.findChildren(QtWidgets.QLabel))


def test_profile_shows_alice(qtbot: QtBot, alice: qt_bridge.SessionBridge) -> None:
    panel = profile_panel.ProfilePanel(alice)
    qtbot.addWidget(panel)
    identity = alice.identity
    assert identity is not None
    fields = {key: label.text() for key, label in panel.fields.items()}
    assert panel.status_label.text() == "Signed in as alice."
    assert fields["username"] == "alice"
    assert fields["email"] == "alice@example.com"
    assert fields["sub"] == identity.sub
    assert len(identity.sub) >= 32
    assert panel.group_chips() == []
    assert fields["issued"] == local(identity.claims["iat"])
    assert fields["expires"] == local(identity.claims["exp"])
    assert identity.claims["exp"] > identity.claims["iat"]
    expires_at = alice.access_expires_at
    assert expires_at is not None
    assert fields["access_expires"] == local(expires_at)
    assert "openid" in fields["scopes"].split(", ")
    assert fields["storage"] == ("Memory only: you will need to sign in again after the app quits.")

    assert panel.heading.text() == identity.claims.get("name", "alice")
    assert ":00+00:00" not in "\n".join(fields.values())  # local time, no offset noise

    claims = tree_texts(panel.claims_tree)
    assert claims["cognito:username"] == "alice"
    assert claims["email"] == "alice@example.com"
    assert claims["token_use"] == "id"
    assert claims["iat"] == f"{identity.claims['iat']} ({local(identity.claims['iat'])})"
    assert claims["nonce"] == "(hidden)"
    assert identity.claims["nonce"] not in claims.values()
    # Decoded claims only: no token, no JWT anywhere on the panel.
    shown = all_label_text(panel) + "\n".join(claims) + "\n".join(claims.values())
    assert "eyJ" not in shown
    assert alice.session.access_token() not in shown


def test_profile_keeps_the_claims_behind_a_details_disclosure(
    qtbot: QtBot, alice: qt_bridge.SessionBridge
) -> None:
    panel = profile_panel.ProfilePanel(alice)
    qtbot.addWidget(panel)
    panel.resize(900, 640)
    panel.show()
    qtbot.waitExposed(panel)
    button = panel.details_button
    # The person and the session show; the raw claims wait behind "Details".
    assert visible(panel.fields["email"], panel) and visible(panel.fields["storage"], panel)
    assert not button.isChecked()
    assert not visible(panel.claims_tree, panel) and not visible(panel.fields["sub"], panel)
    assert button.accessibleName() == "Details"
    assert button.arrowType() is QtCore.Qt.ArrowType.RightArrow
    assert button.focusPolicy() & QtCore.Qt.FocusPolicy.TabFocus

    button.setFocus()
    qtbot.keyClick(button, QtCore.Qt.Key.Key_Space)  # the keyboard opens it
    assert button.isChecked() and button.arrowType() is QtCore.Qt.ArrowType.DownArrow
    assert visible(panel.claims_tree, panel) and visible(panel.fields["sub"], panel)
    assert panel.claims_tree.topLevelItemCount() > 0
    # The claims get the room below, not a sliver.
    assert panel.claims_tree.height() > 4 * panel.fontMetrics().height()

    qtbot.keyClick(button, QtCore.Qt.Key.Key_Space)
    assert not button.isChecked() and not visible(panel.claims_tree, panel)


def test_profile_dates_fit_on_one_line(qtbot: QtBot, alice: qt_bridge.SessionBridge) -> None:
    panel = profile_panel.ProfilePanel(alice)
    qtbot.addWidget(panel)
    panel.resize(640, 600)
    panel.show()
    qtbot.waitExposed(panel)
    panel.details_button.setChecked(True)
    for key in ("signed_in", "access_expires", "issued", "expires"):
        label = panel.fields[key]
        assert not label.wordWrap(), key
        assert label.width() >= label.fontMetrics().horizontalAdvance(label.text()), key


def test_profile_shows_the_plan_the_id_token_carries(
    qtbot: QtBot, alice: qt_bridge.SessionBridge
) -> None:
    """The pool's pre token generation trigger adds ``plan`` to the ID token (issue 20)."""
    panel = profile_panel.ProfilePanel(alice)
    qtbot.addWidget(panel)
    identity = alice.identity
    assert identity is not None
    signed_in_plan = identity.claims.get("plan")  # this pool's own, if it adds one
    assert panel.fields["plan"].text() == (signed_in_plan or "\N{EM DASH}")
    assert panel.fields["plan"].accessibleName() == "Plan"

    with_plan = dataclasses.replace(identity, claims={**identity.claims, "plan": "pro"})
    alice.identityChanged.emit(with_plan)
    assert panel.fields["plan"].text() == "pro"
    assert tree_texts(panel.claims_tree)["plan"] == "pro"

    without = {k: v for k, v in identity.claims.items() if k != "plan"}
    alice.identityChanged.emit(dataclasses.replace(identity, claims=without))
    assert panel.fields["plan"].text() == "\N{EM DASH}"
    assert "plan" not in tree_texts(panel.claims_tree)


def test_profile_shows_the_admin_chip_and_a_secure_store(
    qtbot: QtBot, stand_in: server.LocalCognito, api: api_server.ApiServer
) -> None:
    class SecureStore(store.MemoryStore):
        def __init__(self) -> None:
            super().__init__(warning=None)
            self.backend_name = "keyring.backends.SecretService.Keyring"
            self.secure = True

    admin = make_bridge(stand_in, api, "admin", SecureStore())
    sign_in(qtbot, admin)
    panel = profile_panel.ProfilePanel(admin)
    qtbot.addWidget(panel)
    assert panel.group_chips() == ["Admin"]
    chip = panel.groups_box.findChildren(QtWidgets.QLabel)[0]
    assert chip.objectName() == "groupChip"
    assert chip.accessibleName() == "Group Admin"
    assert tree_texts(panel.claims_tree)["cognito:groups/[0]"] == "Admin"
    assert panel.fields["storage"].text() == (
        "Stored securely in the system keyring (keyring.backends.SecretService.Keyring)."
    )


def test_profile_storage_line_gives_the_reason_when_memory_only(
    qtbot: QtBot, stand_in: server.LocalCognito, api: api_server.ApiServer
) -> None:
    reason = "No OS keyring was found, so you will sign in again next time."
    subject = make_bridge(stand_in, api, token_store=store.MemoryStore(warning=reason))
    panel = profile_panel.ProfilePanel(subject)
    qtbot.addWidget(panel)
    sign_in(qtbot, subject)
    assert panel.fields["storage"].text() == f"Memory only: {reason}"


def test_profile_follows_sign_in_group_changes_and_sign_out(
    qtbot: QtBot, stand_in: server.LocalCognito, api: api_server.ApiServer, idp: Any
) -> None:
    subject = make_bridge(stand_in, api)
    panel = profile_panel.ProfilePanel(subject)
    qtbot.addWidget(panel)
    assert panel.status_label.text() == "Not signed in."
    assert panel.fields["username"].text() == "\N{EM DASH}"
    assert panel.claims_tree.topLevelItemCount() == 0

    sign_in(qtbot, subject)
    assert panel.fields["username"].text() == "alice"
    assert panel.group_chips() == []

    idp.admin_add_user_to_group(UserPoolId=stand_in.pool.id, Username="alice", GroupName="Admin")
    with qtbot.waitSignal(subject.identityChanged, timeout=10_000):
        subject.refresh_now()
    assert panel.group_chips() == ["Admin"]

    with qtbot.waitSignal(subject.signedOut, timeout=10_000):
        subject.sign_out()
    assert panel.status_label.text() == "Not signed in."
    assert panel.group_chips() == []
    assert panel.fields["email"].text() == "\N{EM DASH}"
    assert panel.claims_tree.topLevelItemCount() == 0


# -- Profile > Security --------------------------------------------------------------------


def test_security_tab_asks_cognito_only_once_opened(
    qtbot: QtBot, alice: qt_bridge.SessionBridge
) -> None:
    panel = profile_panel.ProfilePanel(alice)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    security = panel.security
    assert panel.tabs.tabText(panel.tabs.indexOf(security)) == "Security"
    assert security.mode is security_panel.Mode.UNKNOWN  # the Profile tab is showing
    panel.tabs.setCurrentWidget(security)
    qtbot.waitUntil(lambda: security.mode is security_panel.Mode.OFF, timeout=10_000)
    assert security.status_label.text() == "Off: signing in asks for your password only."


def test_security_panel_enrols_an_authenticator_and_turns_it_off(
    qtbot: QtBot, alice: qt_bridge.SessionBridge, fake_clock: FakeClock
) -> None:
    asked: list[str] = []
    panel = security_panel.SecurityPanel(alice, confirm=lambda q: asked.append(q) or True)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitUntil(lambda: panel.mode is security_panel.Mode.OFF, timeout=10_000)

    panel.enable_button.click()
    qtbot.waitUntil(lambda: panel.mode is security_panel.Mode.ENROLLING, timeout=10_000)
    secret = panel.secret_label.text().replace(" ", "")
    uri = mfa.otpauth_uri(secret, account="alice", issuer="Cognito Desktop (local)")
    assert panel.qr.matrix == mfa.qr_matrix(uri)  # the QR code holds this very secret
    assert panel.account_label.text() == "Cognito Desktop (local): alice"

    qtbot.keyClicks(panel.code_edit, totp.code(secret, fake_clock()))
    with qtbot.waitSignal(panel.statusChanged, timeout=10_000) as changed:
        panel.verify_button.click()
    assert changed.args == [True]
    assert panel.mode is security_panel.Mode.ON, panel.message.text()
    assert panel.secret_label.text() == "" and panel.qr.matrix == ()
    assert mfa.Mfa(alice.session).status().totp  # Cognito agrees

    with qtbot.waitSignal(panel.statusChanged, timeout=10_000) as changed:
        panel.disable_button.click()
    assert changed.args == [False] and len(asked) == 1
    assert panel.mode is security_panel.Mode.OFF
    assert not mfa.Mfa(alice.session).status().totp
    shown = all_label_text(panel)
    assert secret not in shown.replace(" ", "")
    assert alice.session.access_token() not in shown


def test_security_panel_keeps_the_secret_after_a_wrong_code(
    qtbot: QtBot, alice: qt_bridge.SessionBridge, fake_clock: FakeClock
) -> None:
    panel = security_panel.SecurityPanel(alice)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitUntil(lambda: panel.mode is security_panel.Mode.OFF, timeout=10_000)
    panel.enable_button.click()
    qtbot.waitUntil(lambda: panel.mode is security_panel.Mode.ENROLLING, timeout=10_000)
    secret = panel.secret_label.text().replace(" ", "")
    qtbot.keyClicks(panel.code_edit, totp.code(secret, fake_clock() + 600))  # far off
    panel.verify_button.click()
    qtbot.waitUntil(lambda: not panel.is_busy, timeout=10_000)
    assert panel.mode is security_panel.Mode.ENROLLING
    assert panel.message.text().startswith(("That is not the code", "Cognito did not accept"))
    qtbot.keyClicks(panel.code_edit, totp.code(secret, fake_clock()))
    with qtbot.waitSignal(panel.statusChanged, timeout=10_000):
        panel.verify_button.click()
    assert panel.mode is security_panel.Mode.ON
