"""Run every benchmark, each in its own interpreter: ``python -m bench.run_all [--quick]``.

A fresh process per benchmark keeps moto's process-wide backend and the heap of one
benchmark from skewing the next. Exits non-zero if any benchmark does.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from bench import _common as common

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = (
    "seed_users",
    "list_users",
    "sign_in",
    "api_me_rps",
    "api_list_users",
    "desktop_sign_in",
    "app_start",
    "admin_table",
    "bundle",
)
TIMEOUT_S = 1800  # per benchmark; a full run of each takes well under a minute


def main(argv: Sequence[str] | None = None) -> int:
    args = common.parse_args(__doc__.splitlines()[0] if __doc__ else "", argv)
    extra = ["--quick"] if args.quick else []
    results: list[tuple[str, int, float]] = []
    for name in BENCHMARKS:
        start = time.perf_counter()
        try:
            done = subprocess.run(
                [sys.executable, "-m", f"bench.{name}", *extra],
                cwd=ROOT,
                check=False,
                timeout=TIMEOUT_S,
            )
            code = done.returncode
        except subprocess.TimeoutExpired:
            print(f"bench.{name}: timed out after {TIMEOUT_S} s")
            code = -1
        results.append((name, code, time.perf_counter() - start))
        print(flush=True)
    print("# run_all summary")
    print(f"machine: {common.machine_note()}")
    print()
    common.print_table(
        ["benchmark", "exit code", "result", "wall s"],
        [
            [f"bench.{name}", code, "ok" if code == 0 else "FAILED", f"{seconds:.1f}"]
            for name, code, seconds in results
        ],
    )
    return 0 if all(code == 0 for _, code, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
