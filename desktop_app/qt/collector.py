"""Python's cyclic garbage collection, run on the GUI thread only.

CPython collects cycles on whichever thread happens to allocate past the
threshold, worker threads included. A cycle that holds a Qt object owned by the
GUI thread (a widget, a relay) would then be destroyed on a worker thread,
which Qt does not allow and which can crash the process. So the app turns
automatic collection off and collects from a GUI-thread timer instead, with the
same generation thresholds (as qutebrowser does).
"""

from __future__ import annotations

import gc

from PySide6 import QtCore

INTERVAL_MS = 1000


class GuiThreadCollector(QtCore.QObject):
    """While it lives, cycles are collected by its timer on the thread that made it."""

    def __init__(
        self, parent: QtCore.QObject | None = None, *, interval_ms: int = INTERVAL_MS
    ) -> None:
        super().__init__(parent)
        self._threshold = gc.get_threshold()
        gc.disable()
        self._timer = QtCore.QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._on_timeout)
        self._timer.start()
        self.destroyed.connect(gc.enable)

    def _on_timeout(self) -> None:
        counts = gc.get_count()
        # Like the interpreter: the oldest generation whose count passed its threshold.
        for generation in (2, 1, 0):
            if counts[generation] > self._threshold[generation]:
                gc.collect(generation)
                return

    def stop(self) -> None:
        """Back to automatic collection."""
        self._timer.stop()
        gc.enable()
