"""Growth: sign-in, the first admin page and a full user load against pool size; API
verification against concurrency.

**Pool size** (1,000, 10,000 and 50,000 users; ``--quick``: 200 and 2,000): for each size,
``cognito-local up --users N`` (stand-in and protected API) in its own process, and in
this process, interleaved:

* **sign-in**: ours, a new ``Session`` per run with a ``MemoryStore`` (the keyring is
  not what grows), through the scripted person of ``bench.desktop_sign_in``;
* **first page**: ``GET /admin/users?limit=60`` through the API with the ``admin``
  user's token (what the admin table's first page waits for), against the same page
  straight from the stand-in with boto3 ``ListUsers`` (the call the API makes);
* **full load**: one pass to the end both ways, page by page in turn
  (``bench.api_list_users``), checked to list every user exactly once.

**Concurrency** (1, 4, 16 and 64 client threads; ``--quick``: 1 and 8): ``bench.api_me_rps
--threads T`` in a child process, which measures ``GET /me`` with the real verifier and
with verification off in the same run; its recorded req/s are tabled here.

Every figure is printed, and the growth ratios (largest size / smallest) are recorded for
``bench.run``. No goal is stated for growth.

Run: ``python -m bench.growth [--quick]``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import webbrowser
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import requests

from bench import _common as common
from bench import api_list_users, desktop_sign_in
from desktop_app import config
from desktop_app.auth import discovery, store
from local_cognito import profile as local_profile

SIZES = (1_000, 10_000, 50_000)
QUICK_SIZES = (200, 2_000)
THREADS = (1, 4, 16, 64)
QUICK_THREADS = (1, 8)
ADMIN = ("admin", "Admin-Passw0rd!")
BROWSER_NAME = desktop_sign_in.BROWSER_NAME


def pool_size_row(users: int, reps: int) -> dict[str, Any]:
    """Every figure for one pool size (see the module docstring)."""
    with common.cognito_local_up("--users", str(users)) as info, requests.Session() as http:
        discovery.clear_cache()
        pool_id = info["user_pool_id"]
        idp = common.idp_client(info["cognito_idp_endpoint"])
        person = desktop_sign_in.ScriptedPerson(info["managed_login_url"])
        webbrowser.register(BROWSER_NAME, None, desktop_sign_in.BrowserController(person))
        (port,) = common.free_loopback_ports(1)
        redirect_uri = f"http://127.0.0.1:{port}/callback"
        common.add_callback_urls(idp, pool_id, info["client_id"], [redirect_uri])
        values = local_profile.profile_values(info)
        values["redirect_uris"] = [redirect_uri]
        profile = config.parse_profile("local", values)
        memory = store.MemoryStore(warning=None)
        token = common.access_token(idp, info, *ADMIN)
        api_url = info["api_url"]
        expected = users + len(info["demo_users"])

        def first_page(pages: Iterator[tuple[float, list[str]]]) -> tuple[float, bool]:
            seconds, names = next(pages)
            return seconds, len(names) == api_list_users.PAGE_SIZE

        variants = {
            "sign_in": common.Variant(
                "sign-in", lambda: desktop_sign_in.ours_once(profile, memory, person)
            ),
            "api_first": common.Variant(
                "first page via the API",
                lambda: first_page(api_list_users.api_pages(http, api_url, token)),
            ),
            "direct_first": common.Variant(
                "first page via boto3",
                lambda: first_page(api_list_users.direct_pages(idp, pool_id)),
            ),
        }
        # One warm-up round: connections, the API's JWKS fetch, botocore's models.
        common.measure(list(variants.values()), 1, reps)

        api_pages, direct_pages = api_list_users.interleaved(
            api_list_users.api_pages(http, api_url, token),
            api_list_users.direct_pages(idp, pool_id),
        )
        listed = [
            sorted(name for _, page in pages for name in page)
            for pages in (api_pages, direct_pages)
        ]
    return {
        "users": expected,
        "sign_in_ms": variants["sign_in"].stats.median * 1000,
        "api_first_ms": variants["api_first"].stats.median * 1000,
        "direct_first_ms": variants["direct_first"].stats.median * 1000,
        "api_full_s": sum(seconds for seconds, _ in api_pages),
        "direct_full_s": sum(seconds for seconds, _ in direct_pages),
        "pages": len(api_pages),
        "ok": all(variant.all_ok(reps) for variant in variants.values())
        and listed[0] == listed[1]
        and len(listed[0]) == len(set(listed[0])) == expected,
    }


def concurrency_row(threads: int, quick: bool) -> dict[str, Any]:
    """``bench.api_me_rps --threads T`` in a child; its recorded verified/off req/s."""
    with tempfile.TemporaryDirectory(prefix="bench-growth-") as tmp:
        results = Path(tmp) / "results.jsonl"
        command = [sys.executable, "-m", "bench.api_me_rps", "--threads", str(threads)]
        if quick:
            command.append("--quick")
        env = {**os.environ, common.RESULTS_ENV: str(results)}
        done = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=900, check=False
        )
        lines = results.read_text(encoding="utf-8").splitlines() if results.exists() else []
    rows = [json.loads(line) for line in lines]
    found = [row for row in rows if row["metric"].startswith("GET /me req/s, verified")]
    if not found:
        tail = "\n".join(done.stdout.splitlines()[-15:])
        raise RuntimeError(f"api_me_rps --threads {threads} recorded nothing:\n{tail}")
    return {"threads": threads, "verified": found[0]["ours"], "off": found[0]["baseline"]}


def main(argv: Sequence[str] | None = None) -> int:
    args = common.parse_args(__doc__.splitlines()[0] if __doc__ else "", argv)
    sizes = QUICK_SIZES if args.quick else SIZES
    thread_counts = QUICK_THREADS if args.quick else THREADS
    reps = 3 if args.quick else 10
    common.print_header("growth: pool size and API concurrency", args.quick)
    common.use_dummy_aws_credentials()

    by_size = [pool_size_row(users, reps) for users in sizes]
    print(
        f"Pool size: {reps} runs of sign-in and of each first page per size (after one "
        "warm-up), interleaved; one full pass each way, page by page in turn."
    )
    common.print_table(
        [
            "users",
            "sign-in median ms",
            "first page: API ms",
            "first page: boto3 ms",
            "full load: API s",
            "full load: boto3 s",
            "pages",
            "API / boto3 (full)",
        ],
        [
            [
                row["users"],
                f"{row['sign_in_ms']:.2f}",
                f"{row['api_first_ms']:.2f}",
                f"{row['direct_first_ms']:.2f}",
                f"{row['api_full_s']:.2f}",
                f"{row['direct_full_s']:.2f}",
                row["pages"],
                common.ratio(row["api_full_s"], row["direct_full_s"]),
            ]
            for row in by_size
        ],
    )
    by_threads = [concurrency_row(threads, args.quick) for threads in thread_counts]
    print(
        "API verification vs concurrency: bench.api_me_rps --threads T"
        + (" --quick" if args.quick else "")
        + " (its own rounds; the API on the same 2 CPUs as the client)."
    )
    common.print_table(
        ["client threads", "verified req/s", "verification off req/s", "verified / off"],
        [
            [
                row["threads"],
                f"{row['verified']:.0f}",
                f"{row['off']:.0f}",
                common.ratio(row["verified"], row["off"]),
            ]
            for row in by_threads
        ],
    )

    small, large = by_size[0], by_size[-1]
    growth = f"{large['users']:,} vs {small['users']:,} users"
    common.record(
        f"growth: sign-in, {growth}",
        large["sign_in_ms"],
        small["sign_in_ms"],
        unit="ms",
        baseline_name=f"same, {small['users']:,} users",
        target=None,
        passed=None,
    )
    common.record(
        f"growth: first admin page via API, {growth}",
        large["api_first_ms"],
        small["api_first_ms"],
        unit="ms",
        baseline_name=f"same, {small['users']:,} users",
        target=None,
        passed=None,
    )
    common.record(
        f"growth: full load per user via API, {growth}",
        large["api_full_s"] / large["users"] * 1e6,
        small["api_full_s"] / small["users"] * 1e6,
        unit="µs",
        baseline_name=f"same, {small['users']:,} users",
        target=None,
        passed=None,
    )
    high = by_threads[-1]
    common.record(
        f"growth: verified/off req/s at {high['threads']} threads",
        high["verified"],
        high["off"],
        unit="req/s",
        baseline_name="verification off",
        target=None,
        passed=None,
    )
    ok = common.check_goal(
        "every sign-in signed in 'alice' and every full pass listed each user once, both ways",
        all(row["ok"] for row in by_size),
    )
    ok &= common.check_goal(
        f"req/s measured at every concurrency ({', '.join(str(r['threads']) for r in by_threads)})",
        all(row["verified"] > 0 and row["off"] > 0 for row in by_threads),
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
