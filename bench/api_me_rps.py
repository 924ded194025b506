"""Requests per second for GET /me with token verification vs the same handler without it.

Two copies of the protected API serve on free loopback ports (``ApiServer``, uvicorn),
built by ``create_app`` from the same settings, both configured for a running
``LocalCognito``:

* **verified**: the verifier the API really uses (``settings.access_verifier()``:
  RS256 signature with the pool's JWKS key, ``iss``, ``exp``/``iat``/``nbf``,
  ``token_use``, ``client_id``). The JWKS is warmed by one request before timing.
* **off** (the baseline): ``NoCheckVerifier`` below, which only base64-decodes the
  payload. It exists in this benchmark only; the product has no switch for it.
* **no-memo** (context, not the goal): the same verifier with its per-token
  signature memo off (``memo_size=0``), so every request pays the RSA check; it
  shows what the memo saves when a client reuses its token, as clients do.

Everything else is the same handler: bearer parsing, ``Principal``, the ``/me`` model.
The load generator runs in a separate process (so it does not share the API's GIL):
8 threads by default, each with one kept-alive connection, GET /me with a real admin access
token, bounded by a request count and a wall-time cap. Rounds alternate the variants
(verified, off | off, verified | ...) so drift hits both alike. Every response must be
200 and both variants must describe the caller identically, or the run fails. The run
also fails if the API's process was mostly idle (under 0.5 CPU s per wall second): the
ratio then measures whatever the requests waited on, not the cost of verification.

Run: ``python -m bench.api_me_rps [--quick] [--threads N]``.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import concurrent.futures
import dataclasses
import json
import multiprocessing
import statistics
import sys
import time
from collections.abc import Sequence
from typing import Any

import fastapi
import requests

from bench import _common as common
from local_cognito import server
from protected_api import app as api_app
from protected_api import errors, verifier
from protected_api import server as api_server

USERNAME = "admin"
PASSWORD = "Admin-Passw0rd!"
THREADS = 8  # default; --threads N
GOAL = 0.8  # verified RPS must be at least this fraction of unverified RPS
# The API serves from one process (one GIL): saturated, it uses about 1 CPU s per wall s.
MIN_BUSY = 0.5


class NoCheckVerifier:
    """The baseline: claims from the payload with no signature or claim checks at all.

    Has the methods the API calls on its verifier; never use it outside a benchmark.
    """

    def ready_for(self, token: str) -> bool:
        return True  # never fetches anything, like the real one with a warm JWKS cache

    def verify(self, token: str) -> dict[str, Any]:
        try:
            payload = token.split(".")[1]
            claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        except (IndexError, ValueError, binascii.Error):
            raise errors.JwtParseError("not a JWT") from None
        if not isinstance(claims, dict):
            raise errors.JwtParseError("payload is not an object")
        return claims


@dataclasses.dataclass(frozen=True)
class Round:
    """One timed run of one variant."""

    variant: str
    load: common.LoadResult
    server_cpu_seconds: float  # CPU this (the API's) process used during the run

    @property
    def server_busy(self) -> float:
        """CPU seconds the API's process used per wall second (1.0: one core, all the GIL)."""
        return self.server_cpu_seconds / self.load.seconds if self.load.seconds > 0 else 0.0

    @property
    def server_cpu_us_per_request(self) -> float:
        return self.server_cpu_seconds / self.load.ok * 1e6 if self.load.ok else float("nan")


def run_round(
    client: concurrent.futures.Executor,
    variant: str,
    url: str,
    token: str,
    *,
    threads: int,
    total: int,
    cap_s: float,
) -> Round:
    cpu0 = time.process_time()
    load = client.submit(
        common.http_load,
        url,
        "/me",
        {"Authorization": f"Bearer {token}"},
        threads=threads,
        total_requests=total,
        max_seconds=cap_s,
    ).result(timeout=cap_s + 60)
    return Round(variant, load, time.process_time() - cpu0)


def _add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--threads",
        type=int,
        default=THREADS,
        help=f"client threads, one kept-alive connection each (default {THREADS})",
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = common.parse_args(__doc__.splitlines()[0] if __doc__ else "", argv, _add_options)
    threads = max(1, min(args.threads, 256))
    rounds = 1 if args.quick else 3
    per_round = 400 if args.quick else 5000
    warmup = 100 if args.quick else 500
    cap_s = 20.0 if args.quick else 60.0
    common.print_header("api_me_rps: GET /me with and without token verification", args.quick)
    common.use_dummy_aws_credentials()

    with server.LocalCognito(port=0) as running:
        info = running.info()
        config = common.api_settings(info)
        token = common.access_token(common.idp_client(running.url), info, USERNAME, PASSWORD)
        # For transparency: the product's verifier with its per-token signature memo
        # switched off, so every request pays the RSA check (reported, not the goal).
        unmemoized = verifier.CognitoJwtVerifier.create(
            issuer=config.issuer,
            client_ids=config.client_ids,
            token_use="access",
            jwks_url=config.jwks_url,
            memo_size=0,
        )
        apps: dict[str, fastapi.FastAPI] = {
            "verified": api_app.create_app(config, token_verifier=config.access_verifier()),
            "off": api_app.create_app(config, token_verifier=NoCheckVerifier()),
            "no-memo": api_app.create_app(config, token_verifier=unmemoized),
        }
        with (
            api_server.ApiServer(apps["verified"]) as verified_api,
            api_server.ApiServer(apps["off"]) as off_api,
            api_server.ApiServer(apps["no-memo"]) as no_memo_api,
            concurrent.futures.ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn")
            ) as client,
        ):
            urls = {
                "verified": verified_api.url,
                "off": off_api.url,
                "no-memo": no_memo_api.url,
            }
            # One request each (the verified one fetches the JWKS), and both must agree.
            bodies: dict[str, Any] = {}
            with requests.Session() as http:
                for name, url in urls.items():
                    response = http.get(
                        f"{url}/me",
                        headers={"Authorization": f"Bearer {token}"},
                        timeout=common.TIMEOUT_S,
                    )
                    response.raise_for_status()
                    bodies[name] = response.json()
            same_answer = bodies["verified"] == bodies["off"] == bodies["no-memo"]
            jwks_cache = apps["verified"].state.verifier.jwks_cache
            fetches_before = jwks_cache.fetches

            # Warm-up (not recorded): the client process's imports, connections, caches.
            for name in urls:
                run_round(
                    client, name, urls[name], token, threads=threads, total=warmup, cap_s=cap_s
                )

            results: list[Round] = []
            for index in range(rounds):
                names = ("verified", "off", "no-memo")
                order = names[index % 3 :] + names[: index % 3]  # rotate who goes first
                for name in order:
                    results.append(
                        run_round(
                            client,
                            name,
                            urls[name],
                            token,
                            threads=threads,
                            total=per_round,
                            cap_s=cap_s,
                        )
                    )
            fetches_during = jwks_cache.fetches - fetches_before

    rows: list[list[object]] = []
    for number, result in enumerate(results, start=1):
        rows.append(
            [
                number,
                result.variant,
                result.load.ok,
                result.load.failed,
                f"{result.load.seconds:.2f}",
                f"{result.load.rps:.0f}",
                f"{result.server_cpu_us_per_request:.0f}",
                f"{result.server_busy:.2f}",
                f"{result.load.client_cpu_seconds / max(result.load.seconds, 1e-9):.2f}",
            ]
        )
    print(
        f"GET /me with an admin access token; {threads} client threads with one keep-alive "
        f"connection each, in a separate process; {per_round} requests per round "
        f"(cap {cap_s:.0f} s), {rounds} round(s) per variant after a warm-up of {warmup}."
    )
    print()
    common.print_table(
        [
            "round",
            "variant",
            "200s",
            "failed",
            "wall s",
            "req/s",
            "API CPU µs/req",
            "API CPU s/s",
            "client CPU s/s",
        ],
        rows,
    )

    def median_rps(variant: str) -> float:
        return statistics.median(r.load.rps for r in results if r.variant == variant)

    def median_cpu(variant: str) -> float:
        return statistics.median(
            r.server_cpu_us_per_request for r in results if r.variant == variant
        )

    verified_rps, off_rps = median_rps("verified"), median_rps("off")
    verified_cpu, off_cpu = median_cpu("verified"), median_cpu("off")
    no_memo_rps, no_memo_cpu = median_rps("no-memo"), median_cpu("no-memo")

    def latency_ms(rps: float) -> str:
        # Closed loop: each connection has one request in flight, so latency = threads / rate.
        return f"{threads / rps * 1000:.2f}" if rps else "-"

    common.print_table(
        ["variant", "median req/s", "mean latency ms", "median API CPU µs/req"],
        [
            [
                "verified (settings.access_verifier())",
                f"{verified_rps:.0f}",
                latency_ms(verified_rps),
                f"{verified_cpu:.0f}",
            ],
            [
                "baseline: verification off (NoCheckVerifier)",
                f"{off_rps:.0f}",
                latency_ms(off_rps),
                f"{off_cpu:.0f}",
            ],
            [
                "context: verified, signature memo off",
                f"{no_memo_rps:.0f}",
                latency_ms(no_memo_rps),
                f"{no_memo_cpu:.0f}",
            ],
        ],
    )
    rps_ratio = verified_rps / off_rps if off_rps else 0.0
    common.print_table(
        ["ratio", "value"],
        [
            ["median req/s verified / off", f"{rps_ratio:.2f}x"],
            ["median API CPU per request verified / off", common.ratio(verified_cpu, off_cpu)],
            ["verification cost, API CPU µs/req", f"{verified_cpu - off_cpu:.0f}"],
            [
                "context: median req/s verified with memo off / off",
                common.ratio(no_memo_rps, off_rps),
            ],
            [
                "context: RSA-every-request cost, API CPU µs/req",
                f"{no_memo_cpu - off_cpu:.0f}",
            ],
        ],
    )

    busy = statistics.median(r.server_busy for r in results)
    complete = all(r.load.failed == 0 and r.load.ok == per_round for r in results)
    ok = common.check_goal(
        f"every request answered 200 within the cap ({len(results)} rounds x {per_round})",
        complete,
    )
    ok &= common.check_goal("both variants return the same /me body", same_answer)
    ok &= common.check_goal(
        f"the verified API fetched the JWKS once, before timing ({fetches_before} before, "
        f"{fetches_during} during)",
        fetches_before == 1 and fetches_during == 0,
    )
    # Closed-loop req/s compares verification costs only while the API is the bottleneck;
    # if it sat idle, requests were waiting on something else (network stack, client).
    ok &= common.check_speed_goal(
        f"the load kept the API busy (median {busy:.2f} CPU s per wall s, need >= {MIN_BUSY}), "
        "so req/s measures the API",
        busy >= MIN_BUSY,
        args.quick,
    )
    common.record(
        "GET /me req/s, verified (median)",
        verified_rps,
        off_rps,
        unit="req/s",
        baseline_name="same API, verification off",
        target=f">= {GOAL}x (API busy >= {MIN_BUSY})",
        passed=rps_ratio >= GOAL and busy >= MIN_BUSY,
    )
    verdict = f"measured {rps_ratio:.2f}x"
    if busy < MIN_BUSY:
        verdict += ", which does not show the goal is met: the API was mostly idle"
    ok &= common.check_speed_goal(
        f"verified req/s >= {GOAL}x unverified ({verdict})",
        rps_ratio >= GOAL and busy >= MIN_BUSY,
        args.quick,
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
