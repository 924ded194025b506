"""Many Cognito calls for one request: a few at a time, each retried while throttled,
all within a deadline.

An import (:mod:`protected_api.cognito_transfer`) makes one call per row. Cognito
limits the rate of each category of calls (``AdminCreateUser`` counts as user
creation) and answers ``TooManyRequestsException`` past it; botocore already retries
that three times with backoff (:func:`protected_api.cognito_admin.idp_client`).
:class:`Batch` adds, per row, a few more rounds after a growing, jittered pause, and
runs :data:`WORKERS` rows at once: enough to keep ahead of the network's latency,
few enough that one import does not take the whole quota (nor more than botocore's
pool of 10 connections). A row still throttled when the batch's :data:`DEADLINE_S`
comes is reported as such, not retried past it: the request has to answer before
API Gateway gives up on it (30 s; the template's Lambda timeout is 29 s).
"""

from __future__ import annotations

import dataclasses
import random as _random
import time
from collections.abc import Callable, Sequence
from concurrent import futures
from typing import TypeVar

from protected_api import admin_errors

T = TypeVar("T")
R = TypeVar("R")

WORKERS = 4  # rows in flight at once, per request
ATTEMPTS = 4  # calls per row (each with botocore's own 3 attempts)
DEADLINE_S = 20.0  # for the whole batch, from its start
BACKOFF_BASE_S = 0.5
BACKOFF_CAP_S = 4.0
#: Throttled (429) or unavailable (503): worth another try, later.
RETRYABLE = frozenset({429, 503})


@dataclasses.dataclass(frozen=True)
class Timing:
    """The clock, sleep and randomness a batch uses (tests swap them)."""

    deadline_s: float = DEADLINE_S
    attempts: int = ATTEMPTS
    base_s: float = BACKOFF_BASE_S
    cap_s: float = BACKOFF_CAP_S
    now: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    random: Callable[[], float] = _random.random


class Batch:
    """One request's calls: :meth:`retried` for each, :meth:`map` over the rows."""

    def __init__(self, timing: Timing | None = None, *, workers: int = WORKERS) -> None:
        self.timing = timing or Timing()
        self.workers = workers
        self.deadline = self.timing.now() + self.timing.deadline_s

    def out_of_time(self) -> bool:
        return self.timing.now() >= self.deadline

    def pause(self, attempt: int) -> float:
        """The pause after the ``attempt``-th throttled call (0-based): exponential,
        capped, with jitter so that rows throttled together do not return together."""
        timing = self.timing
        return min(timing.cap_s, timing.base_s * 2.0**attempt) * (0.5 + timing.random() / 2)

    def retried(self, call: Callable[[], T]) -> T:
        """``call()``, again after a pause while it answers 429 or 503, until it succeeds,
        fails otherwise, has been made :attr:`Timing.attempts` times, or the next try
        would start after the deadline; then the last failure is raised."""
        attempt = 0
        while True:
            try:
                return call()
            except admin_errors.AdminError as exc:
                attempt += 1
                if exc.status not in RETRYABLE or attempt >= self.timing.attempts:
                    raise
                delay = self.pause(attempt - 1)
                if self.timing.now() + delay >= self.deadline:
                    raise
                self.timing.sleep(delay)

    def map(self, items: Sequence[T], work: Callable[[int, T], R]) -> list[R]:
        """``work(index, item)`` for every item, :attr:`workers` at a time, in order."""
        if not items:
            return []
        workers = max(1, min(self.workers, len(items)))
        with futures.ThreadPoolExecutor(workers, thread_name_prefix="admin-batch") as pool:
            return list(pool.map(work, range(len(items)), items))
