"""Shared helpers: timing, summary statistics, markdown tables and the machine note.

Figures are printed as markdown tables so a run can be pasted into docs/BENCHMARKS.md
as measured, and every figure is paired with a baseline measured in the same run.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import math
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import boto3

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


def idp_client(url: str) -> Any:
    """A boto3 cognito-idp client for the stand-in at ``url``, as the app configures it."""
    return boto3.client(
        "cognito-idp",
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
