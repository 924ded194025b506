"""Seeding 10,000 users, against moto's own AdminCreateUser paths in the same run.

Measured:

* ``seed.seed_synthetic(pool, 10_000)`` on a fresh ``LocalPool`` (the goal: median < 2 s);
* baseline: moto's in-process ``backend.admin_create_user`` (MessageAction SUPPRESS, so
  the stand-in's hook sends no invitation) for the same users, at 1,000 and 10,000;
* baseline: AdminCreateUser over HTTP through boto3 into a running 10,000-user stand-in,
  a bounded sample of calls, extrapolated per user;
* ``LocalCognito(users=10_000)`` construct+start time against ``users=0``.

Run: ``python -m bench.seed_users [--quick]``.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Sequence

from bench import _common as common
from local_cognito import pool as pool_mod
from local_cognito import seed, server

SEED_COUNT = 10_000
BUDGET_S = 2.0
SMALL_COUNT = 1_000


def _attributes(name: str) -> list[dict[str, str]]:
    return [
        {"Name": "email", "Value": f"{name}@example.test"},
        {"Name": "email_verified", "Value": "true"},
    ]


def seed_once(count: int) -> float:
    """Seconds for ``seed_synthetic(pool, count)`` on a fresh pool."""
    pool = pool_mod.LocalPool()
    try:
        return common.timed_clean(lambda: seed.seed_synthetic(pool, count))
    finally:
        pool.close()


def moto_create_once(count: int) -> float:
    """Seconds for ``count`` in-process ``admin_create_user`` calls on a fresh pool."""
    pool = pool_mod.LocalPool()
    names = [f"user{i:05d}" for i in range(1, count + 1)]
    attributes = [_attributes(name) for name in names]

    def create() -> None:
        for name, attrs in zip(names, attributes, strict=True):
            pool.backend.admin_create_user(
                pool.id, name, "SUPPRESS", seed.SYNTHETIC_PASSWORD, attrs
            )

    try:
        seconds = common.timed_clean(create)
        if len(pool.pool.users) != count:
            raise RuntimeError(f"moto created {len(pool.pool.users)} users, wanted {count}")
        return seconds
    finally:
        pool.close()


def http_create_per_call(calls: int) -> list[float]:
    """Seconds per AdminCreateUser over HTTP into a stand-in already holding 10,000 users."""
    with server.LocalCognito(port=0, users=SEED_COUNT, demo_users=False) as running:
        idp = common.idp_client(running.url)
        idp.describe_user_pool(UserPoolId=running.pool.id)  # connect and warm up
        samples = []
        for i in range(calls):
            name = f"http{i:05d}"
            attributes = _attributes(name)
            start = time.perf_counter()
            idp.admin_create_user(
                UserPoolId=running.pool.id,
                Username=name,
                MessageAction="SUPPRESS",
                TemporaryPassword=seed.SYNTHETIC_PASSWORD,
                UserAttributes=attributes,
            )
            samples.append(time.perf_counter() - start)
        return samples


def startup_once(users: int) -> float:
    """Seconds to construct and start ``LocalCognito(users=...)`` (stop is not timed)."""
    holder: list[server.LocalCognito] = []
    seconds = common.timed_clean(
        lambda: holder.append(server.LocalCognito(port=0, users=users).start())
    )
    holder[0].stop()
    return seconds


def main(argv: Sequence[str] | None = None) -> int:
    args = common.parse_args(__doc__.splitlines()[0] if __doc__ else "", argv)
    reps = 3 if args.quick else 7
    http_calls = 50 if args.quick else 300
    startup_reps = 1 if args.quick else 5
    common.print_header("seed_users: seeding 10,000 users", args.quick)

    # Warm-up: imports, moto's first pool, first allocation of user objects.
    seed_once(100)
    moto_create_once(100)

    # Interleave the paths so drift on a noisy machine hits both alike.
    seed_runs: list[float] = []
    moto_small: list[float] = []
    moto_full: list[float] = []
    for _ in range(reps):
        seed_runs.append(seed_once(SEED_COUNT))
        moto_small.append(moto_create_once(SMALL_COUNT))
        moto_full.append(moto_create_once(SEED_COUNT))
    http_calls_s = http_create_per_call(http_calls)

    seed_med = statistics.median(seed_runs)
    seed_per_user = seed_med / SEED_COUNT
    small_med = statistics.median(moto_small)
    full_med = statistics.median(moto_full)
    http_per_user = statistics.median(http_calls_s)
    rows: list[list[object]] = [
        [
            "seed.seed_synthetic (goal path)",
            SEED_COUNT,
            reps,
            common.ms(seed_med),
            common.us(seed_per_user),
            "1.00x",
        ],
        [
            "moto admin_create_user in-process",
            SMALL_COUNT,
            reps,
            common.ms(small_med),
            common.us(small_med / SMALL_COUNT),
            common.ratio(small_med / SMALL_COUNT, seed_per_user),
        ],
        [
            "moto admin_create_user in-process",
            SEED_COUNT,
            reps,
            common.ms(full_med),
            common.us(full_med / SEED_COUNT),
            common.ratio(full_med / SEED_COUNT, seed_per_user),
        ],
        [
            "AdminCreateUser over HTTP (boto3) into a 10k pool",
            f"{SEED_COUNT} (extrapolated)",
            f"{http_calls} calls",
            common.ms(http_per_user * SEED_COUNT),
            common.us(http_per_user),
            common.ratio(http_per_user, seed_per_user),
        ],
    ]
    print("Per-user cost; ratio = path's per-user cost / seed_synthetic's (higher = slower).")
    print("Totals are medians over the repetitions (HTTP: median call x 10,000).")
    print()
    common.print_table(
        ["path", "users", "reps", "median total ms", "per user us", "ratio vs seed"], rows
    )

    seed_stats = common.Stats.of(seed_runs)
    common.print_table(
        ["seed_synthetic(10,000)", "value"],
        [
            ["median ms", common.ms(seed_stats.median)],
            ["min ms", common.ms(seed_stats.min)],
            ["max ms", common.ms(seed_stats.max)],
            ["budget ms", common.ms(BUDGET_S)],
            ["median / budget", common.ratio(seed_stats.median, BUDGET_S)],
        ],
    )

    start_empty = [startup_once(0) for _ in range(startup_reps)]
    start_full = [startup_once(SEED_COUNT) for _ in range(startup_reps)]
    empty_med = statistics.median(start_empty)
    full_start_med = statistics.median(start_full)
    print("LocalCognito construct + start (demo users included; stop not timed).")
    print()
    common.print_table(
        ["server", "reps", "median ms", "ratio vs users=0"],
        [
            ["LocalCognito(users=0)", startup_reps, common.ms(empty_med), "1.00x"],
            [
                f"LocalCognito(users={SEED_COUNT})",
                startup_reps,
                common.ms(full_start_med),
                common.ratio(full_start_med, empty_med),
            ],
        ],
    )

    common.record(
        f"seed {SEED_COUNT:,} users (median)",
        seed_med * 1000,
        BUDGET_S * 1000,
        unit="ms",
        baseline_name="budget",
        target=f"< {BUDGET_S * 1000:.0f} ms",
        passed=seed_med < BUDGET_S,
    )
    common.record(
        f"seed {SEED_COUNT:,} users vs moto admin_create_user",
        seed_med * 1000,
        full_med * 1000,
        unit="ms",
        baseline_name="moto admin_create_user in-process",
        target=None,
        passed=None,
    )
    ok = common.check_speed_goal(
        f"seeding {SEED_COUNT:,} users median {common.ms(seed_med)} ms < "
        f"{common.ms(BUDGET_S)} ms ({common.ratio(seed_med, BUDGET_S)} of budget)",
        seed_med < BUDGET_S,
        args.quick,
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
