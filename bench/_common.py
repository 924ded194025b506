"""Shared helpers: timing, summary statistics, markdown tables and the machine note.

Figures are printed as markdown tables so a run can be pasted into docs/BENCHMARKS.md
as measured, and every figure is paired with a baseline measured in the same run.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import gc
import http.client
import json
import math
import os
import platform
import queue
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import boto3

from protected_api import settings

REGION = "us-east-1"
TIMEOUT_S = 10


def parse_args(
    description: str,
    argv: Sequence[str] | None = None,
    add: Callable[[argparse.ArgumentParser], None] | None = None,
) -> argparse.Namespace:
    """``--quick`` (a smoke run: fewer repetitions) plus any options ``add`` declares."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="fewer repetitions: checks the benchmark runs, not a measurement",
    )
    if add is not None:
        add(parser)
    return parser.parse_args(argv)


def timed(fn: Callable[[], object]) -> float:
    """Seconds ``fn()`` took on the monotonic high-resolution clock."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def timed_clean(fn: Callable[[], object]) -> float:
    """Like :func:`timed`, after a full garbage collection so earlier runs' garbage
    is not collected on this run's clock."""
    gc.collect()
    return timed(fn)


def rotate(rounds: int, variants: Sequence[Callable[[], object]]) -> None:
    """``rounds`` rounds of every variant, the first one rotating each round, so drift
    and warm caches hit all of them alike."""
    for round_ in range(rounds):
        for offset in range(len(variants)):
            variants[(round_ + offset) % len(variants)]()


@dataclasses.dataclass
class Variant:
    """One contender in a benchmark: ``once()`` times one run and says if it worked."""

    name: str
    once: Callable[[], tuple[float, bool]]
    seconds: list[float] = dataclasses.field(default_factory=list)
    ok: list[bool] = dataclasses.field(default_factory=list)

    def __call__(self) -> None:
        seconds, ok = self.once()
        self.seconds.append(seconds)
        self.ok.append(ok)

    def reset(self) -> None:
        self.seconds.clear()
        self.ok.clear()

    @property
    def stats(self) -> Stats:
        return Stats.of(self.seconds)

    def all_ok(self, runs: int) -> bool:
        return len(self.ok) == runs and all(self.ok)


def measure(variants: Sequence[Variant], warmup: int, rounds: int, *also_clear: list[Any]) -> None:
    """``warmup`` rotations (then forgotten, with ``also_clear``), then ``rounds``."""
    rotate(warmup, variants)
    for variant in variants:
        variant.reset()
    for samples in also_clear:
        samples.clear()
    rotate(rounds, variants)


@dataclasses.dataclass(frozen=True)
class Stats:
    """Summary of a list of durations, in seconds."""

    n: int
    median: float
    p95: float
    min: float
    max: float

    @classmethod
    def of(cls, samples: Sequence[float]) -> Stats:
        if not samples:
            raise ValueError("no samples")
        ordered = sorted(samples)
        # Nearest-rank percentile: the smallest sample with 95% of samples at or below it.
        rank = max(1, math.ceil(0.95 * len(ordered)))
        return cls(
            len(ordered), statistics.median(ordered), ordered[rank - 1], ordered[0], ordered[-1]
        )


STATS_HEADER = ["samples", "median ms", "p95 ms", "min ms", "max ms"]


def stats_row(name: str, stats: Stats) -> list[object]:
    """A table row under ``[label, *STATS_HEADER]``."""
    return [name, stats.n, ms(stats.median), ms(stats.p95), ms(stats.min), ms(stats.max)]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f}"


def us(seconds: float) -> str:
    return f"{seconds * 1_000_000:.2f}"


def ratio(value: float, baseline: float) -> str:
    return f"{value / baseline:.2f}x"


def print_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """A markdown table with aligned columns."""
    cells = [[str(h) for h in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"

    print(line(cells[0]))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in cells[1:]:
        print(line(row))
    print()


def machine_note() -> str:
    """CPUs this process may use (what ``nproc`` prints), Python and OS."""
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        usable = os.cpu_count() or 0
    impl = platform.python_implementation()
    return (
        f"nproc {usable}, {impl} {platform.python_version()}, "
        f"{platform.system()} {platform.release()} {platform.machine()}"
    )


def print_header(title: str, quick: bool) -> None:
    mode = "QUICK (smoke run, not a measurement)" if quick else "full"
    command = " ".join(["python -m", _main_module_name(), *sys.argv[1:]])
    print(f"# {title}")
    print(f"command: {command}")
    print(f"machine: {machine_note()}")
    print(f"mode: {mode}")
    print()


def _main_module_name() -> str:
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    return spec.name if spec is not None else os.path.basename(sys.argv[0])


def check_goal(description: str, ok: bool) -> bool:
    """Print a goal line; ``ok`` passed through so callers can fold results."""
    print(f"GOAL {'PASS' if ok else 'FAIL'}: {description}")
    return ok


def check_speed_goal(description: str, ok: bool, quick: bool) -> bool:
    """A speed goal: enforced in a full run; in ``--quick`` (a smoke run, few
    repetitions on a shared CI machine) reported but never failing the run."""
    if not quick:
        return check_goal(description, ok)
    print(f"GOAL {'PASS' if ok else 'MISS'} (not enforced with --quick): {description}")
    return True


# --- results for the suite summary (bench/run.py) ------------------------------------------

RESULTS_ENV = "BENCH_RESULTS"


def record(
    metric: str,
    ours: float,
    baseline: float,
    *,
    unit: str,
    baseline_name: str,
    target: str | None,
    passed: bool | None,
    speed_goal: bool = True,
) -> None:
    """Append one figure to the JSON-lines file named by ``$BENCH_RESULTS`` (no-op if unset).

    ``ours`` and ``baseline`` are in ``unit``; the summary's ratio is ``ours / baseline``.
    ``target`` is the goal as text (``"<= 1.25x"``, ``"< 50 ms"``) or ``None`` when no goal
    is stated, and ``passed`` whether it was met (``None`` without a target). A
    ``speed_goal`` is not enforced with ``--quick``, as :func:`check_speed_goal`.
    Printing is left to the benchmark: this only records what it already checks or prints.
    """
    path = os.environ.get(RESULTS_ENV)
    if not path:
        return
    line = {
        "bench": _main_module_name(),
        "metric": metric,
        "ours": ours,
        "baseline": baseline,
        "unit": unit,
        "baseline_name": baseline_name,
        "target": target,
        "passed": passed,
        "speed_goal": speed_goal,
    }
    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps(line) + "\n")


@contextlib.contextmanager
def cognito_local_up(*args: str, timeout_s: float = 60.0) -> Iterator[dict[str, Any]]:
    """``cognito-local up --port 0 --json --no-profile ARGS`` in its own process, as a
    developer runs it (stand-in and protected API together); yields its JSON line.

    A separate process keeps the benchmark's clients off the servers' GIL.
    """
    command = [
        sys.executable,
        "-m",
        "local_cognito.cli",
        "up",
        "--port",
        "0",
        "--json",
        "--no-profile",
        *args,
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        stdout = process.stdout
        assert stdout is not None
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: lines.put(stdout.readline()), daemon=True).start()
        try:
            first = lines.get(timeout=timeout_s)
        except queue.Empty:
            raise RuntimeError(f"cognito-local printed nothing within {timeout_s} s") from None
        if not first:
            raise RuntimeError(f"cognito-local exited {process.wait(timeout=10)} before starting")
        yield dict(json.loads(first))
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


LIST_USERS_PAGE = 60  # Cognito's ListUsers maximum
MAX_LIST_PAGES = 10_000  # a runaway PaginationToken loop stops here


def list_users_pages(idp: Any, pool_id: str) -> Iterator[tuple[float, list[str]]]:
    """One ListUsers pass, page by page: (seconds for the call, usernames on the page)."""
    token: str | None = None
    for _ in range(MAX_LIST_PAGES):
        kwargs: dict[str, Any] = {"UserPoolId": pool_id, "Limit": LIST_USERS_PAGE}
        if token:
            kwargs["PaginationToken"] = token
        start = time.perf_counter()
        response = idp.list_users(**kwargs)
        seconds = time.perf_counter() - start
        yield seconds, [user["Username"] for user in response["Users"]]
        token = response.get("PaginationToken")
        if not token:
            return
    raise RuntimeError(f"ListUsers did not finish within {MAX_LIST_PAGES} pages")


def idp_client(url: str) -> Any:
    """A boto3 cognito-idp client for the stand-in at ``url``, as the app configures it."""
    return boto3.client(
        "cognito-idp",
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


# --- protected API benchmarks -------------------------------------------------------------


def use_dummy_aws_credentials() -> None:
    """Point boto3's default chain (which the protected API's admin adapter uses) at dummy
    keys, as the integration tests do: the stand-in ignores them, and no real AWS
    credentials can be picked up by a benchmark."""
    os.environ["AWS_ACCESS_KEY_ID"] = "local"
    os.environ["AWS_SECRET_ACCESS_KEY"] = "local"
    os.environ.pop("AWS_SESSION_TOKEN", None)


def api_settings(info: dict[str, Any]) -> settings.Settings:
    """The protected API configured for a running stand-in (``LocalCognito.info()``),
    exactly as for a real pool except the JWKS URL and the cognito-idp endpoint."""
    return settings.Settings.from_env(
        {
            "COGNITO_USER_POOL_ID": info["user_pool_id"],
            "COGNITO_CLIENT_IDS": info["client_id"],
            "COGNITO_JWKS_URL": info["jwks_url"],
            "COGNITO_IDP_ENDPOINT_URL": info["cognito_idp_endpoint"],
        }
    )


def access_token(idp: Any, info: dict[str, Any], username: str, password: str) -> str:
    """A real access token from the stand-in (AdminInitiateAuth, ADMIN_USER_PASSWORD_AUTH)."""
    result = idp.admin_initiate_auth(
        UserPoolId=info["user_pool_id"],
        ClientId=info["client_id"],
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )
    return str(result["AuthenticationResult"]["AccessToken"])


class FixedToken:
    """An access token fixed for the run (it outlives it), as the app's ``ApiClient``
    takes a session (``desktop_app.api.client.TokenSource``)."""

    def __init__(self, token: str) -> None:
        self.token = token

    def access_token(self, *, min_valid: float = 60.0) -> str:
        return self.token

    def refresh(self) -> object:
        raise RuntimeError("no refresh in a benchmark: the token outlives the run")


@dataclasses.dataclass(frozen=True)
class LoadResult:
    """What one :func:`http_load` run did."""

    ok: int  # responses with the expected status
    failed: int  # other statuses and connection errors
    seconds: float  # wall time from the common start to the last response
    client_cpu_seconds: float  # CPU the load generator's process used meanwhile

    @property
    def rps(self) -> float:
        return self.ok / self.seconds if self.seconds > 0 else 0.0


def http_load(
    base_url: str,
    path: str,
    headers: dict[str, str],
    *,
    threads: int,
    total_requests: int,
    max_seconds: float,
    expect_status: int = 200,
) -> LoadResult:
    """A bounded closed-loop load generator: ``threads`` kept-alive connections issue
    GET ``path`` until ``total_requests`` have been sent or ``max_seconds`` have passed.

    It uses ``http.client`` rather than ``requests`` because the generator competes with
    the server for the same CPUs, and ``http.client`` costs the client several times less
    per request; each thread owns one persistent connection (keep-alive), reopened after
    an error. Loopback only: ``base_url`` must be ``http://127.0.0.1:PORT``.
    """
    parsed = urllib.parse.urlsplit(base_url)
    if parsed.scheme != "http" or parsed.hostname != "127.0.0.1" or parsed.port is None:
        raise ValueError(f"load generator is loopback only: {base_url!r}")
    host, port = parsed.hostname, parsed.port
    remaining = [total_requests]
    counts = [0, 0]  # ok, failed
    lock = threading.Lock()
    start_gate = threading.Barrier(threads + 1)
    deadline = [0.0]

    def take() -> bool:
        with lock:
            if remaining[0] <= 0 or time.perf_counter() > deadline[0]:
                return False
            remaining[0] -= 1
            return True

    def worker() -> None:
        conn = http.client.HTTPConnection(host, port, timeout=TIMEOUT_S)
        ok = failed = 0
        start_gate.wait()
        try:
            while take():
                try:
                    conn.request("GET", path, headers=headers)
                    response = conn.getresponse()
                    response.read()
                    if response.status == expect_status:
                        ok += 1
                    else:
                        failed += 1
                except (OSError, http.client.HTTPException):
                    failed += 1
                    conn.close()
                    conn = http.client.HTTPConnection(host, port, timeout=TIMEOUT_S)
        finally:
            conn.close()
            with lock:
                counts[0] += ok
                counts[1] += failed

    pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for thread in pool:
        thread.start()
    cpu0 = time.process_time()
    start = time.perf_counter()
    deadline[0] = start + max_seconds
    start_gate.wait()
    for thread in pool:
        thread.join(max_seconds + 2 * TIMEOUT_S)
    seconds = time.perf_counter() - start
    return LoadResult(counts[0], counts[1], seconds, time.process_time() - cpu0)


# --- desktop sign-in benchmarks -----------------------------------------------------------


def free_loopback_ports(count: int, first: int = 20_000, last: int = 32_767) -> list[int]:
    """``count`` TCP ports on 127.0.0.1, each bindable a moment ago, from ``first``..``last``.

    The default range lies below Linux's ephemeral ports (32768 and up), so the client
    connections a benchmark makes (and their TIME_WAIT) cannot land on them meanwhile.
    """
    ports: list[int] = []
    for port in range(first, last + 1):
        if len(ports) == count:
            break
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        ports.append(port)
    if len(ports) < count:
        raise RuntimeError(f"only {len(ports)} of {count} free loopback ports in {first}..{last}")
    return ports


def add_callback_urls(idp: Any, pool_id: str, client_id: str, urls: Sequence[str]) -> list[str]:
    """Register ``urls`` as extra callback URLs on the app client, keeping every other
    setting (UpdateUserPoolClient resets what it is not given, so all are passed back).
    Returns the client's callback URLs afterwards."""
    current = idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)
    client = current["UserPoolClient"]
    accepted = idp.meta.service_model.operation_model("UpdateUserPoolClient").input_shape.members
    request = {key: value for key, value in client.items() if key in accepted}
    request["CallbackURLs"] = list(dict.fromkeys([*client.get("CallbackURLs", []), *urls]))
    idp.update_user_pool_client(**request)
    after = idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)
    return list(after["UserPoolClient"].get("CallbackURLs", []))
