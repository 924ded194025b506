"""desktop_app.ui.session_status: the status bar's user, groups and session state."""

from __future__ import annotations

import pytest
from PySide6 import QtCore
from pytestqt.qtbot import QtBot

from desktop_app.auth import session as auth_session
from desktop_app.qt import bridge as qt_bridge
from desktop_app.ui import session_status

State = qt_bridge.State
ALICE = auth_session.Identity(username="alice", sub="sub-alice", groups=("Admin", "Beta"))


class FakeBridge(QtCore.QObject):
    """The bridge's state, identity and expiry, and the three signals the bar follows."""

    stateChanged = QtCore.Signal(object)  # noqa: N815 - the bridge's signal names
    signedIn = QtCore.Signal(object)  # noqa: N815
    identityChanged = QtCore.Signal(object)  # noqa: N815

    def __init__(self) -> None:
        super().__init__()
        self.state = State.SIGNED_OUT
        self.identity: auth_session.Identity | None = None
        self.access_expires_at: float | None = None

    def move(self, state: State) -> None:
        self.state = state
        self.stateChanged.emit(state)


@pytest.mark.parametrize(
    ("seconds", "text"), [(-5, "0:00"), (59.9, "0:59"), (61, "1:01"), (3725, "1:02:05")]
)
def test_countdown(seconds: float, text: str) -> None:
    assert session_status.countdown(seconds) == text


def test_the_bar_follows_the_bridge(qtbot: QtBot) -> None:
    bar = session_status.SessionStatus(now=lambda: 1000.0)
    qtbot.addWidget(bar)
    bridge = FakeBridge()
    bar.attach(bridge)  # type: ignore[arg-type]
    assert (bar.user.text(), bar.state.text()) == ("", "Signed out")
    bridge.identity, bridge.access_expires_at = ALICE, 1000.0 + 3599
    bridge.move(State.SIGNED_IN)
    assert bar.user.text() == "alice"
    assert bar.groups.text() == "Groups: Admin, Beta"
    assert bar.state.text() == "Signed in \N{MIDDLE DOT} access token valid 59:59"
    bridge.move(State.OFFLINE)
    assert bar.state.text() == "Offline \N{EM DASH} retrying" and bar.user.text() == "alice"
    bridge.move(State.SIGNING_OUT)
    assert (bar.user.text(), bar.groups.text()) == ("", "")
    assert bar.state.text() == "Signing out\N{HORIZONTAL ELLIPSIS}"


def test_without_a_bridge_the_bar_is_empty(qtbot: QtBot) -> None:
    bar = session_status.SessionStatus()
    qtbot.addWidget(bar)
    bar.update_text()
    assert (bar.user.text(), bar.groups.text(), bar.state.text()) == ("", "", "")
