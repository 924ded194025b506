"""ListUsers paging over HTTP: ms per page of 60 in a 10,000-user pool.

A ``LocalCognito(users=10_000)`` serves on a free loopback port; a boto3 client pages
through ListUsers with Limit=60, following PaginationToken to the end, and every page
is timed. Baselines in the same run, over the same server and kinds of client:

* boto3 ``describe_user_pool`` (same client stack, same moto app, a trivial answer);
* ``requests`` GET ``/healthz`` on a kept-alive session (the managed-login app).

Baseline samples are taken between full passes so drift hits both alike. Every pass
must list each user exactly once, or the run fails.

Run: ``python -m bench.list_users [--quick]``.
"""

from __future__ import annotations

import statistics
import sys
from collections.abc import Sequence
from typing import Any

import requests

from bench import _common as common
from local_cognito import server

USERS = 10_000
PAGE_SIZE = common.LIST_USERS_PAGE


def page_through(idp: Any, pool_id: str) -> tuple[list[float], list[str]]:
    """One full ListUsers pass: seconds per page and the usernames listed, in order."""
    pages = list(common.list_users_pages(idp, pool_id))
    return [seconds for seconds, _ in pages], [name for _, names in pages for name in names]


def main(argv: Sequence[str] | None = None) -> int:
    args = common.parse_args(__doc__.splitlines()[0] if __doc__ else "", argv)
    passes = 1 if args.quick else 5
    baseline_per_pass = 30 if args.quick else 100
    common.print_header("list_users: ListUsers paging over HTTP", args.quick)

    with server.LocalCognito(port=0, users=USERS) as running:
        pool_id = running.pool.id
        expected = sorted(running.pool.pool.users)
        idp = common.idp_client(running.url)
        http = requests.Session()
        healthz = f"{running.url}/healthz"

        def describe() -> None:
            idp.describe_user_pool(UserPoolId=pool_id)

        def health() -> None:
            http.get(healthz, timeout=common.TIMEOUT_S).raise_for_status()

        # Warm-up: connections, botocore's model loading, one page.
        describe()
        health()
        idp.list_users(UserPoolId=pool_id, Limit=PAGE_SIZE)

        pages: list[float] = []
        first_pages: list[float] = []
        last_pages: list[float] = []
        pass_totals: list[float] = []
        describe_s: list[float] = []
        health_s: list[float] = []
        complete = True
        page_count = 0
        for _ in range(passes):
            describe_s.extend(common.timed(describe) for _ in range(baseline_per_pass))
            health_s.extend(common.timed(health) for _ in range(baseline_per_pass))
            seconds, names = page_through(idp, pool_id)
            pages.extend(seconds)
            first_pages.append(seconds[0])
            last_pages.append(seconds[-1])
            pass_totals.append(sum(seconds))
            page_count = len(seconds)
            if sorted(names) != expected:
                complete = False
                print(
                    f"ERROR: a pass listed {len(names)} users ({len(set(names))} distinct); "
                    f"the pool holds {len(expected)}"
                )
        http.close()

    page = common.Stats.of(pages)
    describe_stats = common.Stats.of(describe_s)
    health_stats = common.Stats.of(health_s)
    print(
        f"{len(expected)} users ({USERS} synthetic + demo), Limit={PAGE_SIZE}: "
        f"{page_count} pages per pass, {passes} passes, {page.n} pages timed."
    )
    print()
    common.print_table(
        ["request", *common.STATS_HEADER],
        [
            common.stats_row(f"ListUsers page of {PAGE_SIZE}", page),
            [
                "  first page only",
                len(first_pages),
                common.ms(statistics.median(first_pages)),
                "",
                "",
                "",
            ],
            [
                "  last page only",
                len(last_pages),
                common.ms(statistics.median(last_pages)),
                "",
                "",
                "",
            ],
            [
                "  whole pass (sum of pages)",
                len(pass_totals),
                common.ms(statistics.median(pass_totals)),
                "",
                "",
                "",
            ],
            common.stats_row("baseline: boto3 describe_user_pool", describe_stats),
            common.stats_row("baseline: requests GET /healthz", health_stats),
        ],
    )
    common.print_table(
        ["ratio", "value"],
        [
            [
                "median page / median describe_user_pool",
                common.ratio(page.median, describe_stats.median),
            ],
            ["p95 page / median describe_user_pool", common.ratio(page.p95, describe_stats.median)],
            ["median page / median /healthz", common.ratio(page.median, health_stats.median)],
            [
                "median last page / median first page",
                common.ratio(statistics.median(last_pages), statistics.median(first_pages)),
            ],
        ],
    )

    common.record(
        f"ListUsers page of {PAGE_SIZE} (median)",
        page.median * 1000,
        describe_stats.median * 1000,
        unit="ms",
        baseline_name="boto3 describe_user_pool",
        target=None,
        passed=None,
    )
    print("No speed goal is stated for ListUsers yet; these figures are the baseline.")
    ok = common.check_goal(f"every pass lists all {len(expected)} users exactly once", complete)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
