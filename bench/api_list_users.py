"""Admin list-users through the protected API vs a direct boto3 ListUsers, ms per page of 60.

``cognito-local up --users 2000`` runs in its own process, as a developer runs it: the
stand-in and, next to it, the protected API (real verifier, boto3 admin adapter)
configured as for a real pool except the JWKS URL and the cognito-idp endpoint. The
clients run in this process, off the servers' GIL. Two clients page through every
user, 60 at a time, to the end:

* **API**: ``requests`` GET ``/admin/users?limit=60[&pagination_token=...]`` with the
  ``admin`` user's access token, on a kept-alive session;
* **direct** (the baseline): boto3 ``list_users(UserPoolId, Limit=60[, PaginationToken])``
  on the same stand-in, the call the API itself makes.

The two are interleaved page by page (which one goes first alternates) so drift hits
both alike, and every page is timed on its own. For context, GET ``/healthz`` on the
API (no token, no Cognito call) gives the cost of the extra HTTP hop alone. Every pass
must list each user exactly once on both paths, or the run fails.

What a *change* costs (issue 17: before acting, the API confirms with Cognito that the
caller is still an enabled admin, two calls) is timed too, with no goal stated: POST
``/admin/users/{u}/disable`` then ``/enable`` through the API against boto3's
``admin_disable_user`` / ``admin_enable_user``, interleaved, on a synthetic user.

Run: ``python -m bench.api_list_users [--quick]``.
"""

from __future__ import annotations

import functools
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import requests

from bench import _common as common

USERS = 2_000
PAGE_SIZE = 60
MAX_PAGES = 1_000  # a runaway pagination loop stops here
CHANGE_TARGET = "user00001"  # a synthetic user the change timings disable and enable
USERNAME = "admin"
PASSWORD = "Admin-Passw0rd!"
GOAL = 1.3  # median API page at most this many times the median direct page

Page = tuple[float, list[str]]  # seconds, usernames on the page


def direct_pages(idp: Any, pool_id: str) -> Iterator[Page]:
    """One ListUsers pass straight to the stand-in, timed page by page."""
    return common.list_users_pages(idp, pool_id)


def api_pages(http: requests.Session, api_url: str, access_token: str) -> Iterator[Page]:
    """One pass through ``GET /admin/users``, timed page by page (including JSON decoding)."""
    headers = {"Authorization": f"Bearer {access_token}"}
    token: str | None = None
    for _ in range(MAX_PAGES):
        params: dict[str, str | int] = {"limit": PAGE_SIZE}
        if token:
            params["pagination_token"] = token
        start = time.perf_counter()
        response = http.get(
            f"{api_url}/admin/users", params=params, headers=headers, timeout=common.TIMEOUT_S
        )
        response.raise_for_status()
        body = response.json()
        seconds = time.perf_counter() - start
        yield seconds, [user["username"] for user in body["users"]]
        token = body.get("pagination_token")
        if not token:
            return
    raise RuntimeError(f"GET /admin/users did not finish within {MAX_PAGES} pages")


def change_pairs(
    http: requests.Session, api_url: str, access_token: str, idp: Any, pool_id: str, count: int
) -> tuple[list[float], list[float]]:
    """``count`` disable-then-enable pairs through the API and directly, interleaved:
    seconds per change on each path."""
    headers = {"Authorization": f"Bearer {access_token}"}
    via_api: list[float] = []
    direct: list[float] = []

    def api(action: str) -> None:
        url = f"{api_url}/admin/users/{CHANGE_TARGET}/{action}"
        http.post(url, headers=headers, timeout=common.TIMEOUT_S).raise_for_status()

    def boto(action: str) -> None:
        call = idp.admin_disable_user if action == "disable" else idp.admin_enable_user
        call(UserPoolId=pool_id, Username=CHANGE_TARGET)

    order: list[tuple[Callable[[str], None], list[float]]] = [(api, via_api), (boto, direct)]
    for i in range(count):
        for run, samples in order if i % 2 == 0 else order[::-1]:
            for action in ("disable", "enable"):
                samples.append(common.timed(functools.partial(run, action)))
    return via_api, direct


def interleaved(first: Iterator[Page], second: Iterator[Page]) -> tuple[list[Page], list[Page]]:
    """Both passes to the end, one page of each in turn, alternating which goes first."""
    pages: tuple[list[Page], list[Page]] = ([], [])
    streams = [first, second]
    done = [False, False]
    turn = 0
    while not all(done):
        order = (0, 1) if turn % 2 == 0 else (1, 0)
        for index in order:
            if not done[index]:
                page = next(streams[index], None)
                if page is None:
                    done[index] = True
                else:
                    pages[index].append(page)
        turn += 1
    return pages


def main(argv: Sequence[str] | None = None) -> int:
    args = common.parse_args(__doc__.splitlines()[0] if __doc__ else "", argv)
    passes = 1 if args.quick else 5
    health_per_pass = 20 if args.quick else 100
    common.print_header("api_list_users: admin list-users through the API vs boto3", args.quick)
    common.use_dummy_aws_credentials()

    with common.cognito_local_up("--users", str(USERS)) as info, requests.Session() as http:
        pool_id = info["user_pool_id"]
        idp = common.idp_client(info["cognito_idp_endpoint"])
        token = common.access_token(idp, info, USERNAME, PASSWORD)
        api_url = info["api_url"]
        healthz = f"{api_url}/healthz"

        def health() -> None:
            http.get(healthz, timeout=common.TIMEOUT_S).raise_for_status()

        # Warm-up (connections, botocore's model loading, the API's JWKS fetch), and
        # the user list every timed pass must reproduce.
        health()
        expected = sorted(name for _, page in direct_pages(idp, pool_id) for name in page)
        next(api_pages(http, api_url, token))

        api_s: list[float] = []
        direct_s: list[float] = []
        api_totals: list[float] = []
        direct_totals: list[float] = []
        health_s: list[float] = []
        complete = len(expected) == USERS + len(info["demo_users"])
        page_count = 0
        for _ in range(passes):
            health_s.extend(common.timed(health) for _ in range(health_per_pass))
            via_api, direct = interleaved(
                api_pages(http, api_url, token), direct_pages(idp, pool_id)
            )
            for label, pages, samples, totals in (
                ("API", via_api, api_s, api_totals),
                ("direct", direct, direct_s, direct_totals),
            ):
                samples.extend(seconds for seconds, _ in pages)
                totals.append(sum(seconds for seconds, _ in pages))
                names = [name for _, page in pages for name in page]
                if sorted(names) != expected:
                    complete = False
                    print(
                        f"ERROR: a {label} pass listed {len(names)} users "
                        f"({len(set(names))} distinct); the pool holds {len(expected)}"
                    )
            page_count = len(direct)
        change_api_s, change_direct_s = change_pairs(
            http, api_url, token, idp, pool_id, 5 if args.quick else 50
        )

    api_stats = common.Stats.of(api_s)
    direct_stats = common.Stats.of(direct_s)
    health_stats = common.Stats.of(health_s)
    print(
        f"{len(expected)} users ({USERS} synthetic + demo), {PAGE_SIZE} per page: "
        f"{page_count} pages per pass, {passes} pass(es) per path, {direct_stats.n} pages "
        "timed per path."
    )
    print()
    common.print_table(
        ["request", *common.STATS_HEADER],
        [
            common.stats_row(f"API GET /admin/users?limit={PAGE_SIZE}", api_stats),
            common.stats_row(f"baseline: boto3 list_users(Limit={PAGE_SIZE})", direct_stats),
            common.stats_row("context: API GET /healthz", health_stats),
            [
                "  API whole pass (sum of pages)",
                len(api_totals),
                common.ms(statistics.median(api_totals)),
                "",
                "",
                "",
            ],
            [
                "  direct whole pass (sum of pages)",
                len(direct_totals),
                common.ms(statistics.median(direct_totals)),
                "",
                "",
                "",
            ],
        ],
    )
    page_ratio = api_stats.median / direct_stats.median
    common.print_table(
        ["ratio", "value"],
        [
            ["median API page / median direct page", f"{page_ratio:.2f}x"],
            ["p95 API page / p95 direct page", common.ratio(api_stats.p95, direct_stats.p95)],
            [
                "median API page - median direct page (ms)",
                common.ms(api_stats.median - direct_stats.median),
            ],
            [
                "median /healthz / median direct page",
                common.ratio(health_stats.median, direct_stats.median),
            ],
        ],
    )

    change_api = common.Stats.of(change_api_s)
    change_direct = common.Stats.of(change_direct_s)
    common.print_table(
        ["change (disable or enable)", *common.STATS_HEADER],
        [
            common.stats_row("API POST (live admin check + the call)", change_api),
            common.stats_row("baseline: boto3 admin_disable/enable_user", change_direct),
        ],
    )
    common.record(
        "admin change via API (median)",
        change_api.median * 1000,
        change_direct.median * 1000,
        unit="ms",
        baseline_name="direct boto3 AdminDisableUser/AdminEnableUser",
        target=None,
        passed=None,
    )
    common.record(
        "admin list-users page via API (median)",
        api_stats.median * 1000,
        direct_stats.median * 1000,
        unit="ms",
        baseline_name="direct boto3 ListUsers",
        target=f"<= {GOAL}x",
        passed=page_ratio <= GOAL,
    )
    ok = common.check_goal(
        f"every pass lists all {len(expected)} users exactly once, through the API and directly",
        complete,
    )
    ok &= common.check_speed_goal(
        f"median API page <= {GOAL}x median direct ListUsers page (measured {page_ratio:.2f}x)",
        page_ratio <= GOAL,
        args.quick,
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
