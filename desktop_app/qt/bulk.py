"""Run many admin actions in one background task, a few at once, with progress.

:class:`BulkRunner` is what the bulk actions (disable 20 users, invite from CSV)
share. One background task (through the bridge) runs the steps (each an action of
:mod:`desktop_app.admin.actions` on one user; a step its guard refused fails with the
reason, unsent) on :data:`WORKERS` threads at once: Cognito answers each Admin call in
tens of milliseconds, so one at a time leaves most of the quota unused, and more than a
few at once only meets its rate limits sooner.

**Throttling.** When the API answers 429 (Cognito's ``TooManyRequestsException``,
after botocore's own retries), nothing was done, so the step is tried again: after
the API's ``Retry-After`` when it gives one (``ApiError.retry_after``), else after a
delay that doubles (:class:`Backoff`). The wait holds every worker, not only the one
throttled (the quota is the pool's, not the thread's), and is said with
``throttled``. A step still throttled after :attr:`Backoff.attempts` tries fails with
the plain message. Each step is reported exactly once (``itemDone``), whatever the
order they finish in: no row is lost or sent twice.

Each outcome, the progress and the end reach the GUI thread through a relay object
(queued, as :mod:`desktop_app.qt.worker` does). A failed step is reported with its
plain message and the others go on; cancel stops before the next step (calls under
way are not interrupted; a step waiting to be retried is left not run); a session
that ended stops the run.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent import futures

from PySide6 import QtCore

from desktop_app import errors
from desktop_app.admin import actions
from desktop_app.api import admin
from desktop_app.qt import messages, tasks

log = logging.getLogger(__name__)
_QUEUED = QtCore.Qt.ConnectionType.QueuedConnection

#: Steps under way at once.
WORKERS = 4


@dataclasses.dataclass(frozen=True)
class Backoff:
    """When a throttled step is tried again: after the API's ``Retry-After`` (at most
    ``longest`` seconds), else ``first`` seconds doubled at each try; ``attempts`` tries
    in all, the first included."""

    attempts: int = 8
    first: float = 0.5
    longest: float = 60.0

    def delay(self, exc: BaseException, attempt: int) -> float | None:
        """Seconds to wait before try ``attempt + 1`` after ``exc`` ended try ``attempt``
        (1-based); None: not tried again (not throttling, or no tries left)."""
        if not isinstance(exc, errors.ApiError) or not is_throttled(exc):
            return None
        if attempt >= self.attempts:
            return None
        if exc.retry_after is not None and exc.retry_after >= 0:
            return min(exc.retry_after, self.longest)
        return min(self.first * 2.0 ** (attempt - 1), self.longest)


def is_throttled(exc: BaseException) -> bool:
    """The API said Cognito is throttling (429): nothing was done, trying again is safe."""
    return isinstance(exc, errors.ApiError) and (exc.status == 429 or exc.code == "throttled")


class _Relay(QtCore.QObject):
    """Created on the GUI thread; the workers emit, Qt queues delivery to the GUI thread.

    Signals:
        progress(int, int): as :class:`BulkRunner`.
        itemDone(int, str, bool, str): as :class:`BulkRunner`.
        throttled(float): as :class:`BulkRunner`.
        finished(int, int, bool): as :class:`BulkRunner`.
        sessionEnded(): a step failed because the session ended (sent before finished).
    """

    progress = QtCore.Signal(int, int)
    itemDone = QtCore.Signal(int, str, bool, str)
    throttled = QtCore.Signal(float)
    finished = QtCore.Signal(int, int, bool)
    sessionEnded = QtCore.Signal()


class BulkRunner(QtCore.QObject):
    """Runs a list of steps, ``workers`` at once, in one background task through the
    bridge. Lives on the GUI thread; one run at a time (:meth:`start` again after
    ``finished``).

    Signals:
        progress(int, int): steps done so far, and how many there are (never goes back).
        itemDone(int, str, bool, str): a step's index, username, whether it succeeded,
            and (on failure) the plain message for it; empty on success. Once per step
            run, in the order they finish.
        throttled(float): the API is throttling: every worker waits this many seconds
            before the next call.
        finished(int, int, bool): how many succeeded and failed, and whether the run
            stopped early (cancelled, or the session ended) leaving steps not run.
            Always the last signal of a run.
    """

    progress = QtCore.Signal(int, int)
    itemDone = QtCore.Signal(int, str, bool, str)
    throttled = QtCore.Signal(float)
    finished = QtCore.Signal(int, int, bool)

    def __init__(
        self,
        bridge: tasks.ApiCaller,
        parent: QtCore.QObject | None = None,
        *,
        workers: int = WORKERS,
        backoff: Backoff | None = None,
    ) -> None:
        super().__init__(parent)
        if workers < 1:
            raise ValueError("a bulk run needs at least one worker")
        self._bridge = bridge
        self._workers = workers
        self._backoff = backoff or Backoff()
        self._running = False
        self._session_ended = False
        self._relay: _Relay | None = None
        self._retired: _Relay | None = None  # the last run's, until Qt has deleted it
        self._stop = tasks.StopFlag()
        # Closed or deleted mid-run (its dialog went away): stop after the steps under way.
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
        """Run ``steps``; signals follow. ``RuntimeError`` if a run is going."""
        if self._running:
            raise RuntimeError("a bulk action is already running")
        stop = self._stop.renew()  # the last run has finished: its event is spent
        relay = _Relay()  # Python-owned, made here: it lives on the GUI thread
        relay.progress.connect(self.progress, type=_QUEUED)
        relay.itemDone.connect(self.itemDone, type=_QUEUED)
        relay.throttled.connect(self.throttled, type=_QUEUED)
        relay.sessionEnded.connect(self._on_session_ended, type=_QUEUED)
        relay.finished.connect(self._on_finished, type=_QUEUED)
        self._relay = relay
        self._running = True
        self._session_ended = False
        run = _Run(tuple(steps), stop, relay, self._workers, self._backoff)
        try:
            self._bridge.call_api(
                run.run,
                _ignore,
                _log_failure,  # the run reports per step; only a crash lands here
                name="bulk",
            )
        except BaseException:
            self._running = False
            self._relay = None
            raise

    def cancel(self) -> None:
        """Stop before the next step; ``finished`` follows with ``cancelled`` true
        (unless every step was already under way or done)."""
        self._stop.set()

    @QtCore.Slot()
    def _on_session_ended(self) -> None:
        self._session_ended = True

    @QtCore.Slot(int, int, bool)
    def _on_finished(self, ok: int, failed: int, stopped: bool) -> None:
        # The relay was the last run's only; the workers emit nothing after this. It
        # must die on its own (this) thread: a worker may hold the last other reference,
        # and a QObject deleted there, with its queued signals still to deliver, is a
        # crash. So it is deleted later here, and kept until the next run.
        relay, self._relay = self._relay, None
        if relay is not None:
            relay.deleteLater()
            self._retired = relay
        self._running = False
        log.info("bulk action finished: %d ok, %d failed, stopped early: %s", ok, failed, stopped)
        self.finished.emit(ok, failed, stopped)


class _Run:
    """One run, on worker threads: never touches the runner, only emits on the relay.

    ``stop`` is the runner's (cancel) and is also set here when the session ends, so
    that no worker takes another step; ``_hold_until`` is the pause every worker keeps
    after a 429 (``time.monotonic``)."""

    def __init__(
        self,
        steps: tuple[actions.Step, ...],
        stop: threading.Event,
        relay: _Relay,
        workers: int,
        backoff: Backoff,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._steps = steps
        self._stop = stop
        self._relay = relay
        self._workers = max(1, min(workers, len(steps)))
        self._backoff = backoff
        self._clock = clock
        self._lock = threading.Lock()
        self._next: Iterator[tuple[int, actions.Step]] = iter(enumerate(steps))
        self._ok = self._failed = 0
        self._hold_until = 0.0
        self._ended: errors.NotSignedIn | None = None

    def run(self, api: admin.JsonCaller) -> None:
        """Every step, :data:`WORKERS` at once; ``finished`` at the end whatever
        happens. A session that ended is raised again, for the bridge to see."""
        try:
            if self._steps:
                with futures.ThreadPoolExecutor(self._workers, "bulk") as pool:
                    running = [pool.submit(self._work, api) for _ in range(self._workers)]
                    for each in running:
                        each.result()  # a worker's own crash (a bug) is raised here
        finally:
            with self._lock:
                ok, failed = self._ok, self._failed
            self._relay.finished.emit(ok, failed, ok + failed < len(self._steps))
        if self._ended is not None:
            raise self._ended

    def _take(self) -> tuple[int, actions.Step] | None:
        """The next step not yet taken; None once stopped or none is left."""
        with self._lock:
            if self._stop.is_set():
                return None
            return next(self._next, None)

    def _work(self, api: admin.JsonCaller) -> None:
        while (taken := self._take()) is not None:
            index, step = taken
            attempt = 1
            while True:
                if not self._wait_for_quota():
                    return  # cancelled while waiting: this step is left not run
                try:
                    step.run(api)
                except errors.NotSignedIn as exc:
                    # Every later step would fail the same way: stop, and let the
                    # bridge (which sees this exception) report the session as ended.
                    self._ended = exc
                    self._stop.set()
                    self._report(index, step, messages.admin_failure(exc))
                    self._relay.sessionEnded.emit()
                    return
                except Exception as exc:  # one step's failure never stops the others
                    delay = self._backoff.delay(exc, attempt)
                    if delay is None:
                        self._report(index, step, messages.admin_failure(exc))
                        break
                    self._hold(delay)
                    attempt += 1
                    continue
                self._report(index, step, None)
                break

    def _hold(self, seconds: float) -> None:
        """Every worker waits ``seconds`` from now before its next call."""
        with self._lock:
            until = self._clock() + seconds
            if until <= self._hold_until:
                return
            self._hold_until = until
        log.info("the API is throttling: waiting %.1f s before the next call", seconds)
        self._relay.throttled.emit(seconds)

    def _wait_for_quota(self) -> bool:
        """Wait out the pause after a 429; False if the run was stopped meanwhile."""
        while True:
            with self._lock:
                left = self._hold_until - self._clock()
            if left <= 0:
                return not self._stop.is_set()
            if self._stop.wait(left):
                return False

    def _report(self, index: int, step: actions.Step, failure: str | None) -> None:
        # Under the lock, so that progress reaches the GUI in order.
        with self._lock:
            if failure is None:
                self._ok += 1
            else:
                self._failed += 1
            self._relay.itemDone.emit(index, step.username, failure is None, failure or "")
            self._relay.progress.emit(self._ok + self._failed, len(self._steps))


def _ignore(_value: object) -> None:
    return None


def _log_failure(exc: BaseException) -> None:
    log.error("bulk action stopped: %s", type(exc).__name__)
