"""The full export of a 50,000-user pool through the API, against paging the same pool
straight from boto3, and the app's memory while it runs.

``cognito-local up --users N`` (stand-in and protected API) runs in its own process,
with ``Team`` holding every tenth synthetic user (so memberships page too). This
process is the app's side:

* **ours**: :func:`desktop_app.admin.migration.export_pool` on a worker thread, as the
  Export dialog runs it: every user through ``GET /admin/export/users`` (one ListUsers
  page per call) streamed to ``users.csv`` and ``user_states.csv``, then every
  membership through ``GET /admin/export/memberships`` to ``groups.csv``; with the
  admin's token on the app's own ``ApiClient``.
* **baseline (same run, interleaved)**: the same Cognito pages straight from boto3 in
  this process: ``ListUsers`` to the end, then ``ListGroups`` and ``ListUsersInGroup``
  to the end for each group (what the API itself calls), writing nothing.
  Goal: median ours / median baseline at most 1.3.
* **memory**: this process's resident set sampled every 5 ms during each export,
  against the same process idle just before it (after a collection). Goal: at most
  60 MB more than idle, however big the pool (the export streams to disk).

Every export is checked: the files list each user exactly once, each membership once.

Run: ``python -m bench.migration_export [--quick] [--users N]``.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import gc
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench import _common as common
from desktop_app.admin import migration
from desktop_app.admin import migration_files as files
from desktop_app.api import client
from desktop_app.auth import http

RATIO_GOAL = 1.3
RSS_GOAL_MB = 60.0
ADMIN = ("admin", "Admin-Passw0rd!")
GROUP = "Team"
SAMPLE_S = 0.005


def rss_mb() -> float:
    """This process's resident set, in MB (Linux ``/proc``)."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


class RssPeak:
    """The highest resident set seen by a sampling thread while in the ``with`` block."""

    def __init__(self) -> None:
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="rss", daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_mb())
            self._stop.wait(SAMPLE_S)

    def __enter__(self) -> RssPeak:
        self.peak = rss_mb()
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(5)
        self.peak = max(self.peak, rss_mb())


def ours(api: client.ApiClient, folder: Path) -> tuple[float, float, migration.ExportResult]:
    """One full export on a worker thread: (seconds, RSS growth over idle in MB, result)."""
    gc.collect()
    idle = rss_mb()
    done: list[migration.ExportResult] = []
    failed: list[BaseException] = []

    def work() -> None:
        try:
            done.append(migration.export_pool(api, folder, replace=True))
        except BaseException as exc:  # reported on the main thread
            failed.append(exc)

    worker = threading.Thread(target=work, name="export")
    with RssPeak() as sampled:
        start = time.perf_counter()
        worker.start()
        worker.join()
        seconds = time.perf_counter() - start
    if failed:
        raise failed[0]
    return seconds, sampled.peak - idle, done[0]


def baseline(idp: Any, pool_id: str) -> tuple[float, int, int]:
    """The same Cognito pages straight from boto3: (seconds, users, memberships)."""
    start = time.perf_counter()
    users = sum(len(names) for _s, names in common.list_users_pages(idp, pool_id))
    memberships = 0
    groups: list[str] = []
    kwargs: dict[str, Any] = {"UserPoolId": pool_id, "Limit": 60}
    while True:
        page = idp.list_groups(**kwargs)
        groups += [g["GroupName"] for g in page["Groups"]]
        if not page.get("NextToken"):
            break
        kwargs["NextToken"] = page["NextToken"]
    for group in groups:
        kwargs = {"UserPoolId": pool_id, "GroupName": group, "Limit": 60}
        while True:
            page = idp.list_users_in_group(**kwargs)
            memberships += len(page["Users"])
            if not page.get("NextToken"):
                break
            kwargs["NextToken"] = page["NextToken"]
    return time.perf_counter() - start, users, memberships


def check(folder: Path, users: int, memberships: int) -> bool:
    """The files hold every user once and every membership once."""
    with files.Reader(folder / files.USERS_FILE) as reader:
        column = reader.header.index(files.USERNAME_COLUMN)
        names = [cells[column] for _n, cells in reader.rows()]
    with files.Reader(folder / files.GROUPS_FILE, files.GROUPS_HEADER) as reader:
        pairs = [(cells[0], cells[3]) for _n, cells in reader.rows() if cells[3]]
    ok = len(names) == len(set(names)) == users and len(pairs) == len(set(pairs)) == memberships
    if not ok:
        print(
            f"ERROR: the export holds {len(names)} users ({len(set(names))} distinct; "
            f"{users} expected) and {len(pairs)} memberships ({memberships} expected)"
        )
    return ok


def _add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--users", type=int, default=None, help="pool size (default 50000; 2000 with --quick)"
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = common.parse_args(__doc__.splitlines()[0] if __doc__ else "", argv, _add_options)
    size = args.users or (2_000 if args.quick else 50_000)
    rounds = 1 if args.quick else 3
    common.print_header(f"migration_export: full export of a {size:,}-user pool", args.quick)
    common.use_dummy_aws_credentials()
    with (
        common.cognito_local_up("--users", str(size), timeout_s=600) as info,
        tempfile.TemporaryDirectory(prefix="bench-export-") as where,
    ):
        pool_id = info["user_pool_id"]
        idp = common.idp_client(info["cognito_idp_endpoint"])
        idp.create_group(UserPoolId=pool_id, GroupName=GROUP, Description="One in ten")
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            list(
                pool.map(
                    lambda n: idp.admin_add_user_to_group(
                        UserPoolId=pool_id, Username=f"user{n:05d}", GroupName=GROUP
                    ),
                    range(1, size + 1, 10),
                )
            )
        token = common.access_token(idp, info, *ADMIN)
        session = http.new_session()
        api = client.ApiClient(info["api_url"], common.FixedToken(token), session)
        folder = Path(where)

        # Warm-up, both ways: connections, botocore's models, the API's JWKS and schema
        # caches, this process's first export (imports, allocator arenas).
        _warm_s, warm_users, warm_memberships = baseline(idp, pool_id)
        _cold_s, cold_growth, _result = ours(api, folder)
        ours_s: list[float] = []
        base_s: list[float] = []
        growth: list[float] = []
        complete = True
        for round_ in range(rounds):

            def run_ours() -> None:
                seconds, grown, result = ours(api, folder)
                ours_s.append(seconds)
                growth.append(grown)
                nonlocal complete
                complete &= result.users == warm_users and check(
                    folder, warm_users, warm_memberships
                )

            def run_base() -> None:
                seconds, users, memberships = baseline(idp, pool_id)
                base_s.append(seconds)
                nonlocal complete
                complete &= (users, memberships) == (warm_users, warm_memberships)

            steps: list[Callable[[], None]] = [run_ours, run_base]
            for step in steps if round_ % 2 == 0 else steps[::-1]:
                step()
        csv_mb = (folder / files.USERS_FILE).stat().st_size / 1e6
        session.close()

    median_ours, median_base = statistics.median(ours_s), statistics.median(base_s)
    ratio = median_ours / median_base
    worst = max([cold_growth, *growth])
    print(
        f"pool: {warm_users:,} users ({size:,} synthetic + demo), {warm_memberships:,} "
        f"memberships; {rounds} round(s) of each, alternating which goes first."
    )
    print()
    common.print_table(
        ["full export", "runs", "median s", "min s", "max s"],
        [
            [
                "ours: export_pool through the API, to disk",
                len(ours_s),
                f"{median_ours:.2f}",
                f"{min(ours_s):.2f}",
                f"{max(ours_s):.2f}",
            ],
            [
                "baseline: boto3 ListUsers + ListUsersInGroup pages",
                len(base_s),
                f"{median_base:.2f}",
                f"{min(base_s):.2f}",
                f"{max(base_s):.2f}",
            ],
        ],
    )
    common.print_table(
        ["figure", "value"],
        [
            ["median ours / median baseline (goal)", f"{ratio:.2f}x"],
            ["users per second, ours", f"{warm_users / median_ours:,.0f}"],
            ["RSS growth over idle, first (cold) export (MB)", f"{cold_growth:.1f}"],
            ["RSS growth over idle, each export (MB)", ", ".join(f"{g:.1f}" for g in growth)],
            ["users.csv size (MB)", f"{csv_mb:.1f}"],
        ],
    )
    common.record(
        "full export through the API (median)",
        median_ours,
        median_base,
        unit="s",
        baseline_name="boto3 pages, same run",
        target=f"<= {RATIO_GOAL:.2f}x",
        passed=ratio <= RATIO_GOAL,
    )
    common.record(
        "full export: app RSS growth",
        worst,
        RSS_GOAL_MB,
        unit="MB",
        baseline_name="goal",
        target=f"<= {RSS_GOAL_MB:.0f} MB",
        passed=worst <= RSS_GOAL_MB,
    )
    ok = common.check_goal(
        f"every export listed each of the {warm_users:,} users and {warm_memberships:,} "
        "memberships exactly once",
        complete,
    )
    ok &= common.check_speed_goal(
        f"full export median ours / baseline {ratio:.2f}x <= {RATIO_GOAL:.2f}x",
        ratio <= RATIO_GOAL,
        args.quick,
    )
    ok &= common.check_speed_goal(
        f"RSS growth during the export {worst:.1f} MB <= {RSS_GOAL_MB:.0f} MB",
        worst <= RSS_GOAL_MB,
        args.quick,
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
