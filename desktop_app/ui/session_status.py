"""The status bar's session line: who, which groups, and the session's state.

The access-token countdown ticks once a second from the bridge's
``access_expires_at``; it never touches the network.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6 import QtCore, QtWidgets

if TYPE_CHECKING:
    from desktop_app.qt import bridge as qt_bridge


def countdown(seconds: float) -> str:
    """``seconds`` as ``H:MM:SS`` or ``M:SS`` (never negative)."""
    whole = max(0, int(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class SessionStatus(QtWidgets.QWidget):
    """Three labels for the status bar, driven by a :class:`SessionBridge`."""

    def __init__(
        self,
        parent: QtWidgets.QWidget | None = None,
        *,
        now: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(parent)
        self._now = now
        self._bridge: qt_bridge.SessionBridge | None = None
        self.user = QtWidgets.QLabel()
        self.user.setAccessibleName(self.tr("Signed-in user"))
        self.groups = QtWidgets.QLabel()
        self.groups.setAccessibleName(self.tr("Groups"))
        self.state = QtWidgets.QLabel()
        self.state.setAccessibleName(self.tr("Session state"))
        for label in (self.user, self.groups, self.state):
            # Never squeezed below their text by a status-bar message.
            label.setSizePolicy(
                QtWidgets.QSizePolicy.Policy.Minimum, QtWidgets.QSizePolicy.Policy.Preferred
            )
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 8, 0)
        layout.setSpacing(16)
        layout.addWidget(self.user)
        layout.addWidget(self.groups)
        layout.addWidget(self.state)
        self._tick = QtCore.QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self.update_text)

    def attach(self, bridge: qt_bridge.SessionBridge) -> None:
        for label in (self.user, self.groups, self.state):
            # Before any text: a user name is not markup.
            label.setTextFormat(QtCore.Qt.TextFormat.PlainText)
        self._bridge = bridge
        bridge.stateChanged.connect(self._on_state_changed)
        bridge.signedIn.connect(self._on_state_changed)
        bridge.identityChanged.connect(self._on_state_changed)
        self.update_text()

    def _on_state_changed(self, *_args: object) -> None:
        self.update_text()

    def update_text(self) -> None:
        from desktop_app.qt import bridge as qt_bridge  # loaded by now (attach ran)

        current = self._bridge
        if current is None:
            self.user.clear()
            self.groups.clear()
            self.state.clear()
            return
        state = current.state
        identity = current.identity
        signed_in = state in (
            qt_bridge.State.SIGNED_IN,
            qt_bridge.State.REFRESHING,
            qt_bridge.State.OFFLINE,
        )
        self.user.setText(identity.username if identity is not None and signed_in else "")
        self.groups.setText(
            self.tr("Groups: {0}").format(", ".join(identity.groups))
            if identity is not None and signed_in and identity.groups
            else ""
        )
        texts = {
            qt_bridge.State.SIGNED_OUT: self.tr("Signed out"),
            qt_bridge.State.RESTORING: self.tr("Restoring your session\u2026"),
            qt_bridge.State.SIGNING_IN: self.tr("Signing in\u2026"),
            qt_bridge.State.REFRESHING: self.tr("Refreshing\u2026"),
            qt_bridge.State.OFFLINE: self.tr("Offline \u2014 retrying"),
            qt_bridge.State.SIGNING_OUT: self.tr("Signing out\u2026"),
        }
        if state is qt_bridge.State.SIGNED_IN:
            expires_at = current.access_expires_at
            text = (
                self.tr("Signed in \u00b7 access token valid {0}").format(
                    countdown(expires_at - self._now())
                )
                if expires_at is not None
                else self.tr("Signed in")
            )
        else:
            text = texts.get(state, "")
        self.state.setText(text)
        self.updateGeometry()
        if signed_in and not self._tick.isActive():
            self._tick.start()
        elif not signed_in:
            self._tick.stop()
