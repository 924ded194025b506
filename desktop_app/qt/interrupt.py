"""Ctrl-C (SIGINT) and SIGTERM in the terminal quit the app through its event loop.

Python runs a signal handler only between bytecodes, and while Qt's event loop waits
in C++ no bytecode runs: Python's default handler raised ``KeyboardInterrupt`` inside
whichever slot ran next, a traceback instead of a quit. Here the signal's number is
written to a socket (:func:`signal.set_wakeup_fd`, at C level, at once), a
:class:`QtCore.QSocketNotifier` wakes the loop, and the slot closes the windows (each
saves its state as when the person closes it) and leaves the loop, so ``app.main``'s
own shutdown still runs. No polling timer.

Exit status: ``128 + signal number`` (130 for Ctrl-C, 143 for SIGTERM), the shells'
convention for "ended by this signal", so a script running the app can tell an
interrupt from the window being closed (0).

Signals:
    :attr:`Interrupts.interrupted` (int): a handled signal's number, on the GUI thread.
"""

from __future__ import annotations

import signal
import socket
from collections.abc import Callable
from types import FrameType
from typing import Any

from PySide6 import QtCore

HANDLED = (signal.SIGINT, signal.SIGTERM)
_Handler = Callable[[int, FrameType | None], Any] | int | None


def exit_code(signum: int) -> int:
    """The exit status for a quit asked by ``signum`` (see the module docstring)."""
    return 128 + signum


class Interrupts(QtCore.QObject):
    """While alive, :data:`HANDLED` signals emit :attr:`interrupted` instead of raising;
    :meth:`uninstall` puts the previous handlers and wakeup fd back."""

    interrupted = QtCore.Signal(int)

    def __init__(self, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self._reader, self._writer = socket.socketpair()
        self._reader.setblocking(False)
        self._writer.setblocking(False)
        self._previous: dict[int, _Handler] = {}
        for signum in HANDLED:
            # Only so Python neither raises nor dies: the wakeup fd carries the signal.
            self._previous[signum] = signal.signal(signum, _note)
        self._previous_fd = signal.set_wakeup_fd(self._writer.fileno(), warn_on_full_buffer=False)
        self._notifier = QtCore.QSocketNotifier(
            self._reader.fileno(), QtCore.QSocketNotifier.Type.Read, self
        )
        self._notifier.activated.connect(self._on_wakeup)
        self._installed = True

    @QtCore.Slot()
    def _on_wakeup(self) -> None:
        try:
            received = self._reader.recv(64)
        except (BlockingIOError, InterruptedError):
            return
        for signum in dict.fromkeys(received):  # each signal once, in order
            if signum in HANDLED:
                self.interrupted.emit(signum)

    @QtCore.Slot()
    def uninstall(self) -> None:
        """Restore what was there before; safe to call twice."""
        if not self._installed:
            return
        self._installed = False
        self._notifier.setEnabled(False)
        signal.set_wakeup_fd(self._previous_fd)
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)
        self._reader.close()
        self._writer.close()


def _note(_signum: int, _frame: FrameType | None) -> None:
    """The Python-level handler: nothing to do, the wakeup fd already woke the loop."""


def quit_app(app: QtCore.QCoreApplication, signum: int) -> None:
    """Quit as the desktop asks an app to (Qt 6: the windows are closed first, each
    saving its state as when the person closes it), then leave the loop with the
    signal's status even if a window refused to close."""
    app.quit()
    app.exit(exit_code(signum))


def install(app: QtCore.QCoreApplication) -> Interrupts:
    """Make Ctrl-C and SIGTERM quit ``app`` cleanly; undone when the app quits."""
    guard = Interrupts(app)
    guard.interrupted.connect(lambda signum: quit_app(app, signum))
    app.aboutToQuit.connect(guard.uninstall)
    return guard
