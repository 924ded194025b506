"""Run many admin actions one after another in one background task, with progress.

:class:`BulkRunner` is what the bulk actions (disable 20 users, invite from CSV)
share: one worker goes through the steps in order (each an action of
:mod:`desktop_app.admin.actions` on one user; a step its guard refused fails with
the reason, unsent); each step's outcome, the progress and the end are carried to
the GUI thread by a relay object (queued, as :mod:`desktop_app.qt.worker` does), so
results arrive in order while the work goes on. A failed step is reported with its
plain message and the next one runs; cancel stops before the next step (an API call
under way is not interrupted).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence

from PySide6 import QtCore

from desktop_app import errors
from desktop_app.admin import actions
from desktop_app.api import admin
from desktop_app.qt import messages, tasks

log = logging.getLogger(__name__)
_QUEUED = QtCore.Qt.ConnectionType.QueuedConnection


class _Relay(QtCore.QObject):
    """Created on the GUI thread; the worker emits, Qt queues delivery to the GUI thread.

    Signals:
        progress(int, int): as :class:`BulkRunner`.
        itemDone(int, str, bool, str): as :class:`BulkRunner`.
        finished(int, int, bool): as :class:`BulkRunner`.
        sessionEnded(): an item failed because the session ended (sent before finished).
    """

    progress = QtCore.Signal(int, int)
    itemDone = QtCore.Signal(int, str, bool, str)
    finished = QtCore.Signal(int, int, bool)
    sessionEnded = QtCore.Signal()


class BulkRunner(QtCore.QObject):
    """Runs a list of steps in order on one worker through the bridge. Lives on the
    GUI thread; one run at a time (:meth:`start` again after ``finished``).

    Signals:
        progress(int, int): steps attempted so far, and how many there are.
        itemDone(int, str, bool, str): a step's index, username, whether it succeeded,
            and (on failure) the plain message for it; empty on success. In step order.
        finished(int, int, bool): how many succeeded and failed, and whether the run
            stopped early (cancelled, or the session ended) leaving steps not run.
            Always the last signal of a run.
    """

    progress = QtCore.Signal(int, int)
    itemDone = QtCore.Signal(int, str, bool, str)
    finished = QtCore.Signal(int, int, bool)

    def __init__(self, bridge: tasks.ApiCaller, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._running = False
        self._session_ended = False
        self._relay: _Relay | None = None
        self._stop = tasks.StopFlag()
        # Closed or deleted mid-run (its dialog went away): stop after the current item.
        self.destroyed.connect(self._stop.set)

    @property
    def running(self) -> bool:
        """From :meth:`start` until ``finished`` has been delivered."""
        return self._running

    @property
    def session_ended(self) -> bool:
        """The last run stopped because the session ended (sign in again)."""
        return self._session_ended

    def start(self, steps: Sequence[actions.Step]) -> None:
        """Run ``steps`` in order; signals follow. ``RuntimeError`` if a run is going."""
        if self._running:
            raise RuntimeError("a bulk action is already running")
        work = tuple(steps)
        stop = self._stop.renew()  # the last run has finished: its event is spent
        relay = _Relay()  # Python-owned, made here: it lives on the GUI thread
        relay.progress.connect(self.progress, type=_QUEUED)
        relay.itemDone.connect(self.itemDone, type=_QUEUED)
        relay.sessionEnded.connect(self._on_session_ended, type=_QUEUED)
        relay.finished.connect(self._on_finished, type=_QUEUED)
        self._relay = relay
        self._running = True
        self._session_ended = False
        try:
            self._bridge.call_api(
                lambda api: _run(api, work, stop, relay),
                _ignore,
                _log_failure,  # the loop reports per item; only a crash lands here
                name="bulk",
            )
        except BaseException:
            self._running = False
            self._relay = None
            raise

    def cancel(self) -> None:
        """Stop before the next step; ``finished`` follows with ``cancelled`` true
        (unless the last step was already under way)."""
        self._stop.set()

    @QtCore.Slot()
    def _on_session_ended(self) -> None:
        self._session_ended = True

    @QtCore.Slot(int, int, bool)
    def _on_finished(self, ok: int, failed: int, stopped: bool) -> None:
        # The relay was the last run's only; the worker emits nothing after this.
        self._relay = None
        self._running = False
        log.info("bulk action finished: %d ok, %d failed, stopped early: %s", ok, failed, stopped)
        self.finished.emit(ok, failed, stopped)


def _run(
    api: admin.JsonCaller,
    steps: tuple[actions.Step, ...],
    stop: threading.Event,
    relay: _Relay,
) -> None:
    """The worker's loop: never touches the runner, only emits on the relay."""
    total = len(steps)
    ok = failed = 0
    stopped = False
    ended: errors.NotSignedIn | None = None
    try:
        for index, step in enumerate(steps):
            label = step.username
            if stop.is_set():
                stopped = True
                break
            try:
                step.run(api)
            except errors.NotSignedIn as exc:
                # Every later step would fail the same way: stop, and let the bridge
                # (which sees this exception) report the session as ended.
                failed += 1
                relay.itemDone.emit(index, label, False, messages.admin_failure(exc))
                relay.progress.emit(ok + failed, total)
                stopped = index < total - 1
                ended = exc
                relay.sessionEnded.emit()
                break
            except Exception as exc:  # one step's failure never stops the others
                failed += 1
                relay.itemDone.emit(index, label, False, messages.admin_failure(exc))
            else:
                ok += 1
                relay.itemDone.emit(index, label, True, "")
            relay.progress.emit(ok + failed, total)
    finally:
        relay.finished.emit(ok, failed, stopped)
    if ended is not None:
        raise ended


def _ignore(_value: object) -> None:
    return None


def _log_failure(exc: BaseException) -> None:
    log.error("bulk action stopped: %s", type(exc).__name__)
