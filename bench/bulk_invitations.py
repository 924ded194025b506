"""Bulk invitations: the app's bulk runner under Cognito's quotas against the quota's
floor, and without quotas against the best throughput the API allows on this machine.

``cognito-local up`` (stand-in and protected API) runs in its own process, as a
developer runs it; this process is the app's side. The invitations are what "Invite
from CSV" runs: :func:`desktop_app.admin.actions.invite` steps on the bulk runner's
worker logic (``desktop_app.qt.bulk``: :data:`~desktop_app.qt.bulk.WORKERS` at once,
waiting out a 429's ``Retry-After`` for every worker, each row reported once), through
the app's own ``ApiClient`` with the admin's token. Only the Qt signal delivery is left
out: the run reports to a plain recorder instead of the GUI.

* **Under quotas** (``--quotas cognito``): N invitations (1,000; ``--quick``: 100)
  against the quota's floor, N / the UserCreation rate (50 a second by default: every
  invitation is one ``AdminCreateUser``). Goal: at most 1.15x the floor.
* **Without quotas**: N invitations by the runner, against the best rate of raw
  ``POST /admin/users`` calls from 1, 2, 4, 8 and 16 threads (``requests``, one
  kept-alive session per thread, nothing else around them) in the same run. Goal: the
  runner at least 0.8x that best rate.

Every run is checked: each row reported exactly once and succeeded, and Cognito holds
exactly the N new users (none lost, none twice).

Run: ``python -m bench.bulk_invitations [--quick]``.
"""

from __future__ import annotations

import concurrent.futures
import statistics
import sys
import threading
import time
from collections.abc import Sequence
from typing import Any

import requests

from bench import _common as common
from desktop_app.admin import actions
from desktop_app.api import client
from desktop_app.auth import http
from desktop_app.qt import bulk
from local_cognito import quotas

ADMIN = ("admin", "Admin-Passw0rd!")
FLOOR_GOAL = 1.15
BEST_GOAL = 0.8
SWEEP_THREADS = (1, 2, 4, 8, 16)


class _Signal:
    """What the run emits on, recorded instead of delivered to a GUI."""

    def __init__(self, sink: list[tuple[Any, ...]] | None = None) -> None:
        self._sink = sink
        self._lock = threading.Lock()

    def emit(self, *args: Any) -> None:
        if self._sink is not None:
            with self._lock:
                self._sink.append(args)


class _Recorder:
    """Stands in for the runner's relay: keeps every row's report and each pause."""

    def __init__(self) -> None:
        self.items: list[tuple[Any, ...]] = []
        self.pauses: list[tuple[Any, ...]] = []
        self.itemDone = _Signal(self.items)
        self.throttled = _Signal(self.pauses)
        self.progress = _Signal()
        self.sessionEnded = _Signal()
        self.finished = _Signal()


def invite_all(api: client.ApiClient, names: Sequence[str]) -> tuple[float, _Recorder]:
    """The bulk runner's run of one invitation per name: (seconds, what it reported)."""
    steps = tuple(
        actions.invite(name, actions.Invitation(email=f"{name}@example.test")) for name in names
    )
    recorder = _Recorder()
    run = bulk._Run(steps, threading.Event(), recorder, bulk.WORKERS, bulk.Backoff())  # type: ignore[arg-type]
    start = time.perf_counter()
    run.run(api)
    return time.perf_counter() - start, recorder


def raw_rate(api_url: str, token: str, names: Sequence[str], threads: int) -> float:
    """Invitations a second from ``threads`` plain clients posting ``/admin/users``."""
    sessions = [requests.Session() for _ in range(threads)]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    local = threading.local()
    counter = iter(range(threads))
    lock = threading.Lock()

    def post(name: str) -> int:
        if not hasattr(local, "session"):
            with lock:
                local.session = sessions[next(counter)]
        body = {"username": name, "email": f"{name}@example.test"}
        answer = local.session.post(
            f"{api_url}/admin/users", json=body, headers=headers, timeout=common.TIMEOUT_S
        )
        return int(answer.status_code)

    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        statuses = list(pool.map(post, names))
    seconds = time.perf_counter() - start
    for session in sessions:
        session.close()
    if any(status != 201 for status in statuses):
        raise RuntimeError(f"raw invitations failed: {sorted(set(statuses))}")
    return len(names) / seconds


def check(recorder: _Recorder, idp: Any, pool_id: str, names: Sequence[str]) -> bool:
    """Every row reported once and done; Cognito holds each new user once."""
    indices = [item[0] for item in recorder.items]
    failed = [item for item in recorder.items if not item[2]]
    prefix = names[0].rstrip("0123456789")
    listed = [
        name
        for _s, page in common.list_users_pages(idp, pool_id)
        for name in page
        if name.startswith(prefix)
    ]
    ok = (
        sorted(indices) == list(range(len(names)))
        and not failed
        and sorted(listed) == sorted(names)
    )
    if not ok:
        print(
            f"ERROR: {len(indices)} reports for {len(names)} rows ({len(set(indices))} "
            f"distinct), {len(failed)} failed, {len(listed)} users in Cognito: "
            f"{failed[:3]}"
        )
    return ok


def main(argv: Sequence[str] | None = None) -> int:
    args = common.parse_args(__doc__.splitlines()[0] if __doc__ else "", argv)
    count = 100 if args.quick else 1_000
    sweep = 40 if args.quick else 200
    common.print_header(f"bulk_invitations: {count:,} invitations from the bulk runner", args.quick)
    common.use_dummy_aws_credentials()
    rate = quotas.CATEGORIES["UserCreation"]
    floor = count / rate
    complete = True

    with common.cognito_local_up("--quotas", "cognito") as info:
        idp = common.idp_client(info["cognito_idp_endpoint"])
        token = common.access_token(idp, info, *ADMIN)
        session = http.new_session()
        api = client.ApiClient(info["api_url"], common.FixedToken(token), session)
        invite_all(api, ["warmq1", "warmq2"])  # connections, the API's caches
        time.sleep(2)  # the buckets fill again
        names = [f"quota{n:05d}" for n in range(count)]
        quota_s, quota_run = invite_all(api, names)
        complete &= check(quota_run, idp, info["user_pool_id"], names)
        session.close()

    with common.cognito_local_up() as info:
        idp = common.idp_client(info["cognito_idp_endpoint"])
        token = common.access_token(idp, info, *ADMIN)
        session = http.new_session()
        api = client.ApiClient(info["api_url"], common.FixedToken(token), session)
        invite_all(api, [f"warm{n}" for n in range(8)])
        raw_rate(info["api_url"], token, [f"warmraw{n}" for n in range(8)], 4)
        rates: dict[int, float] = {}
        ours: list[float] = []
        for round_ in range(2):
            for threads in SWEEP_THREADS:
                batch = [f"raw{round_}t{threads}n{n:04d}" for n in range(sweep)]
                rates[threads] = max(
                    rates.get(threads, 0.0), raw_rate(info["api_url"], token, batch, threads)
                )
            names = [f"free{round_}n{n:05d}" for n in range(count // 2)]
            seconds, run = invite_all(api, names)
            complete &= check(run, idp, info["user_pool_id"], names)
            ours.append(len(names) / seconds)
        session.close()

    best_threads = max(rates, key=lambda t: rates[t])
    best = rates[best_threads]
    ours_rate = statistics.median(ours)
    quota_ratio = quota_s / floor
    best_ratio = ours_rate / best
    print(f"UserCreation quota: {rate:g} a second, so {count:,} invitations need {floor:.1f} s.")
    print()
    common.print_table(
        ["figure", "value"],
        [
            ["under quotas: bulk runner, s", f"{quota_s:.2f}"],
            ["under quotas: floor (N / rate), s", f"{floor:.2f}"],
            ["under quotas: pauses the runner took (429s)", str(len(quota_run.pauses))],
            ["under quotas: ours / floor (goal <= 1.15x)", f"{quota_ratio:.2f}x"],
            ["no quotas: bulk runner, invitations/s (median of 2)", f"{ours_rate:.1f}"],
            *[
                [f"no quotas: raw POST /admin/users, {t} thread(s), invitations/s", f"{r:.1f}"]
                for t, r in sorted(rates.items())
            ],
            ["no quotas: ours / best raw rate (goal >= 0.8x)", f"{best_ratio:.2f}x"],
        ],
    )
    quota_ok = common.check_speed_goal(
        f"{count:,} invitations under quotas within {FLOOR_GOAL}x of the floor",
        quota_ratio <= FLOOR_GOAL,
        args.quick,
    )
    best_ok = common.check_speed_goal(
        f"bulk runner at least {BEST_GOAL}x the best raw rate ({best_threads} threads)",
        best_ratio >= BEST_GOAL,
        args.quick,
    )
    complete_ok = common.check_goal("every row reported once, every user created once", complete)
    common.record(
        "1,000 invitations under quotas, vs N / quota",
        quota_s,
        floor,
        unit="s",
        baseline_name="quota floor (N / UserCreation rate)",
        target=f"<= {FLOOR_GOAL}x",
        passed=quota_ratio <= FLOOR_GOAL,
    )
    common.record(
        "bulk invitations without quotas, invitations/s",
        ours_rate,
        best,
        unit="rows/s",
        baseline_name=f"best raw POST rate ({best_threads} threads)",
        target=f">= {BEST_GOAL}x",
        passed=best_ratio >= BEST_GOAL,
    )
    return 0 if complete_ok and quota_ok and best_ok else 1


if __name__ == "__main__":
    sys.exit(main())
