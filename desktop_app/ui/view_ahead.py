"""The signed-in view, built ahead while the window waits for a sign-in.

Building :class:`~desktop_app.ui.signed_in_view.SignedInView` (navigation, Profile,
Data; tens of widgets) takes tens of milliseconds on the GUI thread. Built when
``signedIn`` arrives, that time sits between the browser's redirect and the signed-in
screen; built while the person is still in the browser, or while a stored session is
being restored over the network, it costs the person nothing. The view is built
signed-out (its panels show nothing) and fills itself from the bridge's ``signedIn``,
which it is connected to like any view.

Its module is imported on a worker (a plain import, no widget), so neither the first
paint nor the GUI thread waits for it; the widgets are then built on the GUI thread
once the event loop is free.
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING

from PySide6 import QtCore, QtWidgets

from desktop_app.qt import worker

if TYPE_CHECKING:
    from desktop_app.qt import bridge as qt_bridge
    from desktop_app.ui import signed_in_view

MODULE = "desktop_app.ui.signed_in_view"


def build(bridge: qt_bridge.SessionBridge) -> signed_in_view.SignedInView:
    """A new view on ``bridge`` (imports its module here if no worker did yet)."""
    module = importlib.import_module(MODULE)
    view: signed_in_view.SignedInView = module.SignedInView(bridge)
    return view


class ViewAhead(QtCore.QObject):
    """Holds at most one view built ahead, for one bridge."""

    def __init__(self, stack: QtWidgets.QStackedWidget, parent: QtCore.QObject | None = None):
        super().__init__(parent)
        self._stack = stack
        self._bridge: qt_bridge.SessionBridge | None = None
        self._view: signed_in_view.SignedInView | None = None

    def prepare(self, bridge: qt_bridge.SessionBridge) -> None:
        """Build a view for ``bridge`` soon (a view for another bridge is dropped)."""
        if self._bridge is not bridge:
            self.drop()
            self._bridge = bridge
        if self._view is not None:
            return
        if MODULE in sys.modules:
            QtCore.QTimer.singleShot(0, self._build)
            return
        worker.run(
            lambda: importlib.import_module(MODULE),
            on_result=lambda _module: self._build(),
            on_error=lambda _exc: None,  # built (and the error raised) when needed
            name="import-signed-in-view",
        )

    def take(self, bridge: qt_bridge.SessionBridge) -> signed_in_view.SignedInView:
        """The view built ahead for ``bridge``, or a new one; it is in the stack."""
        view = self._view if self._bridge is bridge else None
        self._view = None
        if view is None:
            view = build(bridge)
            self._stack.addWidget(view)
        return view

    def drop(self) -> None:
        """Forget the view built ahead (the bridge it was for is gone or signed out)."""
        view, self._view, self._bridge = self._view, None, None
        if view is not None:
            self._stack.removeWidget(view)
            view.deleteLater()

    def _build(self) -> None:
        bridge = self._bridge
        if bridge is None or self._view is not None:
            return
        from desktop_app.qt import bridge as qt_bridge

        if bridge.state is qt_bridge.State.SIGNED_IN:
            return  # signed in meanwhile: take() built it
        self._view = build(bridge)
        self._stack.addWidget(self._view)
