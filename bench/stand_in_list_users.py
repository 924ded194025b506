"""Stand-in ListUsers growth: a page at 50,000 users against the same at 1,000.

The stand-in answers ListUsers from a username index (``local_cognito/list_users.py``),
so a page should cost the page, not the pool. Two stand-ins run side by side, each
``cognito-local up --users N --no-api`` (``LocalCognito(port=0, users=N)``, users from
``seed_synthetic``) in its own process, so neither shares a heap or a GIL with the
other or with the client; this process pages through both with boto3 over HTTP:

* **first page**: ``list_users(Limit=60)``, no token, ``ROUNDS`` times each size,
  interleaved (which size goes first alternates); the median of each;
* **full load**: passes to the end (``Limit=60``, following ``PaginationToken``), the
  two sizes interleaved page by page: each page of the large pool's passes is followed
  by the next page of the small pool's, whose passes start again as they end, so both
  are timed over the same seconds. Per user: the time of all pages of complete passes
  divided by the users they listed. Every pass must list each user exactly once.

Goals (issue 21): first page at 50,000 users <= 1.1x the same at 1,000; full load per
user at 50,000 <= 1.2x the same at 1,000. ``--quick`` uses 200 and 2,000 users and
fewer rounds: it shows the benchmark runs, it does not measure.

Run: ``python -m bench.stand_in_list_users [--quick]``.
"""

from __future__ import annotations

import contextlib
import statistics
import sys
import time
from collections.abc import Sequence
from typing import Any

from bench import _common as common

SIZES = (1_000, 50_000)
QUICK_SIZES = (200, 2_000)
FIRST_PAGE_GOAL = 1.1
FULL_LOAD_GOAL = 1.2
PAGE_SIZE = common.LIST_USERS_PAGE


class Pool:
    """One running stand-in and what was measured against it."""

    def __init__(self, info: dict[str, Any], users: int) -> None:
        self.pool_id = str(info["user_pool_id"])
        self.idp = common.idp_client(info["cognito_idp_endpoint"])
        self.expected = users + len(info["demo_users"])
        self.first_pages: list[float] = []
        self.pass_seconds: list[float] = []  # one per complete pass
        self.pages = 0  # pages in a pass
        self.complete = True
        self._token: str | None = None
        self._seconds = 0.0
        self._names: list[str] = []
        self._pages = 0

    def first_page(self) -> None:
        start = time.perf_counter()
        answer = self.idp.list_users(UserPoolId=self.pool_id, Limit=PAGE_SIZE)
        self.first_pages.append(time.perf_counter() - start)
        if len(answer["Users"]) != PAGE_SIZE:
            self.complete = False

    def next_page(self) -> bool:
        """The next page of the current pass (a new pass after the last one ended);
        True when this page ended a pass."""
        kwargs: dict[str, Any] = {"UserPoolId": self.pool_id, "Limit": PAGE_SIZE}
        if self._token:
            kwargs["PaginationToken"] = self._token
        start = time.perf_counter()
        answer = self.idp.list_users(**kwargs)
        self._seconds += time.perf_counter() - start
        self._names += [user["Username"] for user in answer["Users"]]
        self._pages += 1
        self._token = answer.get("PaginationToken")
        if self._token:
            if self._pages > common.MAX_LIST_PAGES:
                raise RuntimeError("ListUsers did not come to an end")
            return False
        if len(self._names) != self.expected or len(set(self._names)) != self.expected:
            self.complete = False
            print(f"ERROR: a pass listed {len(self._names)} users; the pool has {self.expected}")
        self.pass_seconds.append(self._seconds)
        self.pages = self._pages
        self._seconds, self._names, self._pages = 0.0, [], 0
        return True

    @property
    def per_user(self) -> float:
        """Seconds per user listed, over the complete passes."""
        return sum(self.pass_seconds) / (self.expected * len(self.pass_seconds))


def main(argv: Sequence[str] | None = None) -> int:
    args = common.parse_args(__doc__.splitlines()[0] if __doc__ else "", argv)
    small_n, large_n = QUICK_SIZES if args.quick else SIZES
    rounds = 5 if args.quick else 100
    passes = 1 if args.quick else 2
    common.print_header("stand_in_list_users: ListUsers page cost against pool size", args.quick)

    with contextlib.ExitStack() as stack:
        started = time.perf_counter()
        small_info = stack.enter_context(
            common.cognito_local_up("--users", str(small_n), "--no-api", timeout_s=300)
        )
        large_info = stack.enter_context(
            common.cognito_local_up("--users", str(large_n), "--no-api", timeout_s=300)
        )
        print(f"two stand-ins up in {time.perf_counter() - started:.1f} s")
        small, large = Pool(small_info, small_n), Pool(large_info, large_n)
        # Warm-up: connections, botocore's models, one page each.
        for pool in (small, large):
            pool.first_page()
            pool.first_pages.clear()
        common.rotate(rounds, [small.first_page, large.first_page])
        while len(large.pass_seconds) < passes:
            large.next_page()
            small.next_page()

    first_small = statistics.median(small.first_pages)
    first_large = statistics.median(large.first_pages)
    load_small = small.per_user
    load_large = large.per_user
    print(
        f"First page: {rounds} calls per size, interleaved. Full load: {passes} passes of "
        f"{large.expected:,} users and, page by page between them, "
        f"{len(small.pass_seconds)} complete passes of {small.expected:,}. Limit={PAGE_SIZE}; "
        "boto3 over HTTP, each stand-in its own process."
    )
    print()
    common.print_table(
        [
            "users",
            "first page median ms",
            "first page p95 ms",
            "full load median s",
            "pages",
            "per user µs",
        ],
        [
            [
                pool.expected,
                common.ms(statistics.median(pool.first_pages)),
                common.ms(common.Stats.of(pool.first_pages).p95),
                f"{statistics.median(pool.pass_seconds):.2f}",
                pool.pages,
                common.us(pool.per_user),
            ]
            for pool in (small, large)
        ],
    )
    growth = f"{large.expected:,} vs {small.expected:,} users"
    first_ratio = first_large / first_small
    load_ratio = load_large / load_small
    common.print_table(
        ["ratio", "value", "goal"],
        [
            [f"first page, {growth}", common.ratio(first_large, first_small), "<= 1.1x"],
            [f"full load per user, {growth}", common.ratio(load_large, load_small), "<= 1.2x"],
        ],
    )
    first_ok = first_ratio <= FIRST_PAGE_GOAL
    load_ok = load_ratio <= FULL_LOAD_GOAL
    common.record(
        f"stand-in ListUsers first page, {growth}",
        first_large * 1000,
        first_small * 1000,
        unit="ms",
        baseline_name=f"same, {small.expected:,} users",
        target=f"<= {FIRST_PAGE_GOAL}x",
        passed=first_ok,
    )
    common.record(
        f"stand-in ListUsers full load per user, {growth}",
        load_large * 1e6,
        load_small * 1e6,
        unit="µs",
        baseline_name=f"same, {small.expected:,} users",
        target=f"<= {FULL_LOAD_GOAL}x",
        passed=load_ok,
    )
    ok = common.check_goal(
        "every first page held 60 users and every pass listed each user once",
        small.complete and large.complete,
    )
    ok &= common.check_speed_goal(
        f"first page at {large.expected:,} users <= {FIRST_PAGE_GOAL}x the same at "
        f"{small.expected:,} ({first_ratio:.2f}x)",
        first_ok,
        args.quick,
    )
    ok &= common.check_speed_goal(
        f"full load per user at {large.expected:,} users <= {FULL_LOAD_GOAL}x the same at "
        f"{small.expected:,} ({load_ratio:.2f}x)",
        load_ok,
        args.quick,
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
