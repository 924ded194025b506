"""Packaged build: onedir size and start-to-first-paint vs a bare PySide6 bundle.

Both bundles are built in this run by the same PyInstaller into a temporary folder:
**ours** with ``packaging/build.py`` (the testers' command, onedir), **the floor** with
``pyinstaller --onedir bench/hello_qt.py`` (a bare ``QMainWindow`` with a label, every
PyInstaller default). Reported:

- onedir size: the apparent size of every regular file in the output folder (symlinks,
  which PyInstaller 6 uses for Qt's libraries on Linux, count as nothing; they stay
  links in an archive). Goal: ours / floor at most 1.25. Deterministic, so enforced
  even with ``--quick``. The largest things ours adds are listed.
- start-up: process start to first paint, timed like ``bench/app_start.py`` (from just
  before ``Popen`` to the ``first-paint <time.monotonic()>`` line both print; ours with
  ``COGNITO_DESKTOP_PROBE=first-paint`` and a profile in a temporary config file),
  medians over runs interleaved and alternating which starts first. Goal: at most 1.3.

Run: ``python -m bench.bundle [--quick]``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bench import _common as common
from bench import app_start
from desktop_app import config_writer

ROOT = Path(__file__).resolve().parent.parent
SIZE_GOAL = 1.25
START_GOAL = 1.3
BUILD_TIMEOUT_S = 1200
MIB = 1024 * 1024


def build_floor(base: Path) -> Path:
    """``bench/hello_qt.py`` as a onedir bundle with PyInstaller's defaults."""
    command = [
        sys.executable,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--log-level",
        "WARN",
        "--onedir",
        "--distpath",
        str(base / "dist"),
        "--workpath",
        str(base / "work"),
        "--specpath",
        str(base / "work"),
        str(ROOT / "bench" / "hello_qt.py"),
    ]
    _run_build(command)
    return base / "dist" / "hello_qt" / "hello_qt"


def build_ours(base: Path) -> Path:
    command = [
        sys.executable,
        str(ROOT / "packaging" / "build.py"),
        "--dist",
        str(base / "dist"),
        "--work",
        str(base / "work"),
    ]
    return Path(_run_build(command).strip().splitlines()[-1])


def _run_build(command: Sequence[str]) -> str:
    done = subprocess.run(
        list(command),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT_S,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"build failed (exit {done.returncode}): {done.stderr[-2000:]}")
    return done.stdout


def tree_sizes(folder: Path) -> dict[str, int]:
    """Bytes of regular files under ``folder``, by path relative to it (symlinks skipped)."""
    sizes: dict[str, int] = {}
    for directory, _dirs, files in os.walk(folder):
        for name in files:
            path = Path(directory) / name
            if not path.is_symlink():
                sizes[str(path.relative_to(folder))] = path.stat().st_size
    return sizes


def _by_top_level(sizes: dict[str, int]) -> dict[str, int]:
    """Sizes grouped by their first two path parts (``_internal/cryptography``)."""
    groups: dict[str, int] = {}
    for rel, size in sizes.items():
        key = "/".join(Path(rel).parts[:2])
        groups[key] = groups.get(key, 0) + size
    return groups


def _write_config(path: Path) -> None:
    """A profile for a pool nobody serves: the window paints before anything is fetched."""
    profile = {
        "issuer": "http://127.0.0.1:9/local_bench",
        "domain": "http://127.0.0.1:9",
        "client_id": "benchclient",
        "redirect_uris": ["http://127.0.0.1:53682/callback"],
    }
    path.write_text(config_writer.dump({"local": profile}), encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    args = common.parse_args(__doc__.splitlines()[0] if __doc__ else "", argv)
    reps = 5 if args.quick else 30
    warmup = 1 if args.quick else 3
    common.print_header("bundle: packaged build vs bare PySide6 bundle", args.quick)
    import PyInstaller  # type: ignore[import-untyped]  # no stubs; only its version is read

    with tempfile.TemporaryDirectory(prefix="bench-bundle-") as tmp:
        base = Path(tmp)
        start = time.perf_counter()
        floor_exe = build_floor(base / "floor")
        floor_build_s = time.perf_counter() - start
        start = time.perf_counter()
        ours_exe = build_ours(base / "ours")
        ours_build_s = time.perf_counter() - start
        ours_sizes = tree_sizes(ours_exe.parent)
        floor_sizes = tree_sizes(floor_exe.parent)

        config_path = base / "config.toml"
        _write_config(config_path)
        env = app_start._env(config_path, base / "logs", {"COGNITO_DESKTOP_PROBE": "first-paint"})
        ours_s: list[float] = []
        floor_s: list[float] = []
        for rep in range(warmup + reps):
            pair = [("ours", ours_exe), ("floor", floor_exe)]
            if rep % 2:
                pair.reverse()
            for name, program in pair:
                seconds, _ = app_start._probe([str(program)], env, "first-paint")
                if rep >= warmup:
                    (ours_s if name == "ours" else floor_s).append(seconds)

    ours_total, floor_total = sum(ours_sizes.values()), sum(floor_sizes.values())
    size_ratio = ours_total / floor_total
    print(
        f"PyInstaller {PyInstaller.__version__}; builds took {ours_build_s:.1f} s (ours) and "
        f"{floor_build_s:.1f} s (floor). Start-up: {reps} runs each after {warmup} warm-up, "
        f"alternating which starts first; "
        f"QT_QPA_PLATFORM={env.get('QT_QPA_PLATFORM', '(display)')}."
    )
    print()
    common.print_table(
        ["onedir bundle", "files", "MiB"],
        [
            ["ours: packaging/build.py", len(ours_sizes), f"{ours_total / MIB:.1f}"],
            ["floor: pyinstaller bench/hello_qt.py", len(floor_sizes), f"{floor_total / MIB:.1f}"],
            ["ratio ours / floor (goal)", "", f"{size_ratio:.3f}x"],
        ],
    )
    ours_groups, floor_groups = _by_top_level(ours_sizes), _by_top_level(floor_sizes)
    added = sorted(
        ((key, size - floor_groups.get(key, 0)) for key, size in ours_groups.items()),
        key=lambda item: -item[1],
    )
    common.print_table(
        ["largest additions in ours", "MiB more than the floor"],
        [[key, f"{delta / MIB:.1f}"] for key, delta in added[:8] if delta > 0],
    )
    ours = common.Stats.of(ours_s)
    floor = common.Stats.of(floor_s)
    common.print_table(
        ["process start to first paint", *common.STATS_HEADER],
        [
            common.stats_row("ours: packaged cognito-desktop", ours),
            common.stats_row("floor: packaged hello_qt", floor),
        ],
    )
    start_ratio = ours.median / floor.median
    common.print_table(
        ["ratio", "value"],
        [
            ["median ours / median floor (goal)", f"{start_ratio:.3f}x"],
            ["p95 ours / p95 floor", common.ratio(ours.p95, floor.p95)],
        ],
    )
    common.record(
        "onedir bundle size",
        ours_total / MIB,
        floor_total / MIB,
        unit="MiB",
        baseline_name="bare PySide6 bundle",
        target=f"<= {SIZE_GOAL:.2f}x",
        passed=size_ratio <= SIZE_GOAL,
        speed_goal=False,
    )
    common.record(
        "start to first paint, packaged (median)",
        ours.median * 1000,
        floor.median * 1000,
        unit="ms",
        baseline_name="packaged bare PySide6",
        target=f"<= {START_GOAL:.2f}x",
        passed=start_ratio <= START_GOAL,
    )
    ok = common.check_goal(
        f"onedir size ours / floor {size_ratio:.3f}x <= {SIZE_GOAL:.2f}x", size_ratio <= SIZE_GOAL
    )
    ok = (
        common.check_speed_goal(
            f"start-to-first-paint median ours / floor {start_ratio:.3f}x <= {START_GOAL:.2f}x",
            start_ratio <= START_GOAL,
            args.quick,
        )
        and ok
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
