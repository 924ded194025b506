"""Run the whole benchmark suite and summarise it: ``python -m bench.run [--quick] [--chart PNG]
[--write-docs] [--only NAME ...]``.

Every benchmark runs in its own interpreter (a fresh process keeps moto's process-wide
backend and the heap of one benchmark from skewing the next), with ``$BENCH_RESULTS``
naming a temporary JSON-lines file that each appends its headline figures to
(``bench._common.record``). Afterwards one markdown table shows every figure against its
baseline or peer: metric, ours, baseline/peer, ratio, target, pass/fail. ``--chart``
also draws the ratios and their targets as a PNG (QPainter on a QImage, offscreen).

``--write-docs`` puts the summary (date, commit, machine, exact command, the table) in
``docs/BENCHMARKS.md`` between the :data:`DOCS_BEGIN` and :data:`DOCS_END` markers,
draws the chart to ``docs/bench-ratios.png``, which the README shows, and keeps the raw
figures in ``docs/bench-results.jsonl``. The sections below
the markers are each benchmark's own write-up.

Exits non-zero only if a benchmark does; the pass/fail column repeats what each
benchmark checked. With ``--quick`` (a smoke run) speed goals are not enforced.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import importlib.metadata
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench import _common as common

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = (
    "seed_users",
    "list_users",
    "sign_in",
    "api_me_rps",
    "api_list_users",
    "desktop_sign_in",
    "gui_sign_in",
    "stored_session_start",
    "app_start",
    "admin_table",
    "bundle",
    "growth",
    "migration_export",
    "stand_in_list_users",
    "bulk_invitations",
)
DOCS = ROOT / "docs" / "BENCHMARKS.md"
DOCS_CHART = ROOT / "docs" / "bench-ratios.png"
DOCS_RESULTS = ROOT / "docs" / "bench-results.jsonl"  # the same figures, unrounded
DOCS_BEGIN = "<!-- bench.run --write-docs: begin -->"
DOCS_END = "<!-- bench.run --write-docs: end -->"
TIMEOUT_S = 1800  # per benchmark; a full run of each takes well under a minute
SUMMARY_HEADER = ["metric", "ours", "baseline/peer", "ratio", "target", "pass/fail"]
NOT_ENFORCED = "not enforced (quick)"
_APP: object = None  # the QGuiApplication write_chart made, if it had to make one


@dataclasses.dataclass(frozen=True)
class Result:
    """One line a benchmark recorded with ``bench._common.record``."""

    bench: str
    metric: str
    ours: float
    baseline: float
    unit: str
    baseline_name: str
    target: str | None
    passed: bool | None
    speed_goal: bool = True

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Result:
        fields = {f.name for f in dataclasses.fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in fields})

    @property
    def ratio(self) -> float | None:
        return self.ours / self.baseline if self.baseline else None

    def target_ratio(self) -> float | None:
        """The target as a ratio of the baseline: ``"<= 1.25x"`` is 1.25, and a target
        in units (``"< 50 ms"``) is divided by the baseline. ``None`` if there is none."""
        if not self.target:
            return None
        found = re.search(r"[<>]=?\s*([0-9]+(?:\.[0-9]+)?)\s*(x\b)?", self.target)
        if found is None:
            return None
        value = float(found.group(1))
        if found.group(2):
            return value
        return value / self.baseline if self.baseline else None


def read_results(path: Path) -> list[Result]:
    """Every line in a ``$BENCH_RESULTS`` file; a line that does not parse is skipped."""
    if not path.exists():
        return []
    results: list[Result] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            results.append(Result.from_json(json.loads(line)))
        except (ValueError, TypeError):
            continue
    return results


def _amount(value: float, unit: str) -> str:
    digits = 0 if abs(value) >= 1000 else 1 if abs(value) >= 100 else 2
    return f"{value:,.{digits}f} {unit}"


def verdict(result: Result, quick: bool) -> str:
    if result.target is None or result.passed is None:
        return "no target"
    if quick and result.speed_goal:
        return NOT_ENFORCED
    return "pass" if result.passed else "FAIL"


def summary_rows(
    results: Sequence[Result], quick: bool, exits: Sequence[tuple[str, int]] = ()
) -> list[list[str]]:
    """Rows under :data:`SUMMARY_HEADER`; a benchmark that recorded nothing (``exits``:
    name and exit code of each one run) gets a row saying so."""
    rows: list[list[str]] = []
    for result in results:
        ratio = result.ratio
        rows.append(
            [
                result.metric,
                _amount(result.ours, result.unit),
                f"{_amount(result.baseline, result.unit)} ({result.baseline_name})",
                f"{ratio:.2f}x" if ratio is not None else "n/a",
                result.target or "none stated",
                verdict(result, quick),
            ]
        )
    recorded = {result.bench for result in results}
    for name, code in exits:
        if f"bench.{name}" not in recorded:
            outcome = "no figures" if code == 0 else f"FAILED (exit {code})"
            rows.append([f"bench.{name}: nothing recorded", "", "", "", "", outcome])
    return rows


def format_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """The markdown table :func:`bench._common.print_table` prints, as a string."""
    cells = [[str(h) for h in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(cells[0]), rule, *(line(row) for row in cells[1:])]) + "\n"


def summary(
    results: Sequence[Result],
    quick: bool,
    command: str,
    exits: Sequence[tuple[str, int]] = (),
) -> str:
    """The suite summary: the figures table, machine info and the exact command."""
    mode = "QUICK (smoke run, not a measurement; speed goals not enforced)" if quick else "full"
    return "\n".join(
        [
            "# Benchmark summary",
            "",
            f"command: {command}",
            f"machine: {common.machine_note()}",
            f"mode: {mode}",
            "",
            format_table(SUMMARY_HEADER, summary_rows(results, quick, exits)),
        ]
    )


def machine_details() -> list[str]:
    """CPU model, memory and library versions, for the docs (``machine_note`` is shorter)."""
    lines = [f"machine: {common.machine_note()}"]
    with contextlib.suppress(OSError):
        cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8")
        model = next(
            (
                line.split(":", 1)[1].strip()
                for line in cpuinfo.splitlines()
                if line.startswith("model name")
            ),
            None,
        )
        if model:
            lines.append(f"CPU: {model}")
    with contextlib.suppress(OSError, ValueError, IndexError):
        meminfo = Path("/proc/meminfo").read_text(encoding="utf-8").splitlines()
        total_kb = int(meminfo[0].split()[1])
        lines.append(f"memory: {total_kb / 1024 / 1024:.1f} GiB")
    versions = []
    for dist in (
        "PySide6-Essentials",
        "Authlib",
        "requests",
        "PyJWT",
        "keyring",
        "moto",
        "google-auth-oauthlib",
        "msal",
    ):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            versions.append(f"{dist} {importlib.metadata.version(dist)}")
    lines.append("packages: " + ", ".join(versions))
    return lines


def git_revision() -> str:
    """``HEAD``'s short hash, with ``+ local changes`` when the tree is dirty."""
    git = shutil.which("git")
    if git is None:
        return "unknown (no git)"
    try:
        head = subprocess.run(
            [git, "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
        # The files this suite writes do not count: a rerun must not call its own
        # previous output a local change.
        outputs = [f":(exclude){p.relative_to(ROOT)}" for p in (DOCS, DOCS_CHART, DOCS_RESULTS)]
        dirty = subprocess.run(
            [git, "status", "--porcelain", "--", ".", *outputs],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown (no git)"
    return f"{head} + local changes" if dirty else head


def docs_block(
    results: Sequence[Result],
    quick: bool,
    command: str,
    exits: Sequence[tuple[str, int, float]],
    when: str,
    revision: str,
) -> str:
    """The generated part of docs/BENCHMARKS.md (between the markers, markers included)."""
    mode = "QUICK (smoke run, not a measurement; speed goals not enforced)" if quick else "full"
    wall = sum(seconds for _, _, seconds in exits)
    return "\n".join(
        [
            DOCS_BEGIN,
            "## Summary of the last recorded run",
            "",
            "Written by the suite itself; do not edit by hand. Rerun it to refresh this part.",
            "",
            f"- command: `{command}`",
            f"- recorded: {when}, commit `{revision}`",
            *(f"- {line}" for line in machine_details()),
            f"- mode: {mode}; {len(exits)} benchmarks, {wall / 60:.1f} min in all",
            "",
            format_table(
                SUMMARY_HEADER, summary_rows(results, quick, [(n, c) for n, c, _ in exits])
            ),
            f"![ratios of ours to each baseline or peer]({DOCS_CHART.name})",
            "",
            DOCS_END,
        ]
    )


def write_docs(block: str, path: Path = DOCS) -> None:
    """Replace the generated block in ``path`` (or insert it after the first paragraph
    that follows the title, if the markers are not there yet)."""
    text = path.read_text(encoding="utf-8")
    if DOCS_BEGIN in text and DOCS_END in text:
        head, rest = text.split(DOCS_BEGIN, 1)
        tail = rest.split(DOCS_END, 1)[1]
        text = head + block + tail
    else:
        title, sep, body = text.partition("\n\n")
        text = title + sep + block + "\n\n" + body
    path.write_text(text, encoding="utf-8")


def write_chart(results: Sequence[Result], path: Path, width: int = 900, height: int = 0) -> None:
    """A horizontal bar per figure (ratio ours / baseline, the 1.0x line marked) with its
    target as a red tick, drawn with QPainter on a QImage and saved as PNG."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QPointF, QRectF, Qt
    from PySide6.QtGui import QColor, QFont, QFontMetrics, QGuiApplication, QImage, QPainter, QPen

    global _APP
    if QGuiApplication.instance() is None:
        _APP = QGuiApplication([])  # kept for the process: fonts need it
    bars = [r for r in results if r.ratio is not None]
    font = QFont()
    font.setPixelSize(12)
    metrics = QFontMetrics(font)
    bar_h, gap, top, bottom, right = 22, 10, 40, 30, 70
    # Wide enough for the longest metric name, but never more than half the image.
    label_w = min(width // 2, 20 + max([0, *(metrics.horizontalAdvance(r.metric) for r in bars)]))
    if height <= 0:
        height = top + bottom + max(1, len(bars)) * (bar_h + gap)
    scale_max = max(
        [1.0]
        + [r.ratio or 0.0 for r in bars]
        + [t for r in bars if (t := r.target_ratio()) is not None]
    )
    scale_max *= 1.1
    plot_w = max(10, width - label_w - right)

    def x_of(value: float) -> float:
        return label_w + plot_w * min(value, scale_max) / scale_max

    image = QImage(width, height, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setFont(font)
        painter.setPen(QColor("black"))
        painter.drawText(
            QRectF(0, 0, width, top),
            Qt.AlignmentFlag.AlignCenter,
            "ours / baseline or peer. Green: target met; red: missed; blue: no target. "
            "Red tick: the target; dashed: 1.0x",
        )
        for i, result in enumerate(bars):
            ratio = result.ratio or 0.0
            y = top + i * (bar_h + gap)
            painter.setPen(QColor("black"))
            painter.drawText(
                QRectF(4, y, label_w - 10, bar_h),
                int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                metrics.elidedText(result.metric, Qt.TextElideMode.ElideLeft, label_w - 14),
            )
            met = result.passed
            colour = "#4a90d9" if met is None else "#5cb85c" if met else "#d9534f"
            painter.fillRect(QRectF(label_w, y, x_of(ratio) - label_w, bar_h), QColor(colour))
            target = result.target_ratio()
            text_x = max(x_of(ratio), x_of(target) if target is not None else 0.0) + 5
            painter.drawText(
                QRectF(text_x, y, right + 200, bar_h),
                int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                f"{ratio:.2f}x",
            )
            if target is not None:
                painter.setPen(QPen(QColor("red"), 3))
                painter.drawLine(QPointF(x_of(target), y - 3), QPointF(x_of(target), y + bar_h + 3))
        one = QPen(QColor("gray"), 1, Qt.PenStyle.DashLine)
        painter.setPen(one)
        painter.drawLine(QPointF(x_of(1.0), top - 5), QPointF(x_of(1.0), height - bottom + 5))
        painter.setPen(QColor("black"))
        painter.drawText(
            QRectF(x_of(1.0) - 30, height - bottom + 6, 60, bottom - 6),
            Qt.AlignmentFlag.AlignCenter,
            "1.0x",
        )
    finally:
        painter.end()
    # PySide6 takes the format as str at run time; its stubs say bytes.
    if not image.save(str(path), "PNG"):  # type: ignore[call-overload]
        raise OSError(f"could not write {path}")


def run_benchmarks(
    quick: bool, results_path: Path | None = None, names: Sequence[str] = BENCHMARKS
) -> list[tuple[str, int, float]]:
    """Each benchmark in its own interpreter; (name, exit code, wall seconds) for each."""
    extra = ["--quick"] if quick else []
    env = dict(os.environ)
    if results_path is not None:
        env[common.RESULTS_ENV] = str(results_path)
    exits: list[tuple[str, int, float]] = []
    for name in names:
        start = time.perf_counter()
        try:
            done = subprocess.run(
                [sys.executable, "-m", f"bench.{name}", *extra],
                cwd=ROOT,
                check=False,
                timeout=TIMEOUT_S,
                env=env,
            )
            code = done.returncode
        except subprocess.TimeoutExpired:
            print(f"bench.{name}: timed out after {TIMEOUT_S} s")
            code = -1
        exits.append((name, code, time.perf_counter() - start))
        print(flush=True)
    return exits


def print_exits(title: str, exits: Sequence[tuple[str, int, float]]) -> None:
    print(f"# {title}")
    print(f"machine: {common.machine_note()}")
    print()
    common.print_table(
        ["benchmark", "exit code", "result", "wall s"],
        [
            [f"bench.{name}", code, "ok" if code == 0 else "FAILED", f"{seconds:.1f}"]
            for name, code, seconds in exits
        ],
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    def add(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--chart",
            type=Path,
            metavar="PNG",
            help="also write a bar chart of the ratios and their targets to this PNG file",
        )
        parser.add_argument(
            "--write-docs",
            action="store_true",
            help=f"write the summary into {DOCS.relative_to(ROOT)} and the chart to "
            f"{DOCS_CHART.relative_to(ROOT)}",
        )
        parser.add_argument(
            "--only",
            nargs="+",
            choices=BENCHMARKS,
            metavar="NAME",
            help="run only these benchmarks (default: all of them)",
        )

    return common.parse_args(__doc__.splitlines()[0] if __doc__ else "", argv, add)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    shown_args = list(sys.argv[1:] if argv is None else argv)
    module = common._main_module_name() if argv is None else "bench.run"
    python = Path(sys.executable)
    shown_python = os.path.relpath(python, ROOT) if python.is_relative_to(ROOT) else str(python)
    command = shlex.join([shown_python, "-m", module, *shown_args])
    with tempfile.TemporaryDirectory(prefix="bench-run-") as tmp:
        results_path = Path(tmp) / "results.jsonl"
        exits = run_benchmarks(args.quick, results_path, args.only or BENCHMARKS)
        results = read_results(results_path)
        if args.write_docs and results_path.exists():
            shutil.copyfile(results_path, DOCS_RESULTS)
    print_exits("benchmark exit codes", exits)
    print(summary(results, args.quick, command, [(name, code) for name, code, _ in exits]))
    if args.chart is not None:
        write_chart(results, args.chart)
        print(f"chart: {args.chart}")
    if args.write_docs:
        when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        write_docs(docs_block(results, args.quick, command, exits, when, git_revision()))
        write_chart(results, DOCS_CHART)
        written = ", ".join(str(p.relative_to(ROOT)) for p in (DOCS, DOCS_CHART, DOCS_RESULTS))
        print(f"wrote {written}")
    return 0 if all(code == 0 for _, code, _ in exits) else 1


if __name__ == "__main__":
    sys.exit(main())
