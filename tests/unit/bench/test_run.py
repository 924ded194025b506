"""The suite runner's pieces: recording figures, the summary table and the chart."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import _common as common
from bench import run

# bench (after "bench."), metric, ours, baseline, unit, baseline name, target, passed[, speed goal]
FAKE = [
    run.Result(f"bench.{name}", *rest)
    for name, *rest in [
        ("desktop_sign_in", "sign-in (median)", 120.0, 100.0, "ms", "peer", "<= 1.25x", True),
        ("admin_table", "table: longest GUI stall", 80.0, 50.0, "ms", "goal", "< 50 ms", False),
        ("bundle", "bundle size", 110.0, 100.0, "MiB", "bare bundle", "<= 1.25x", True, False),
        ("list_users", "ListUsers page (median)", 3.0, 2.0, "ms", "peer", None, None),
    ]
]


def _record_one() -> None:
    common.record(
        "metric a",
        1.5,
        1.0,
        unit="ms",
        baseline_name="peer",
        target="<= 2.00x",
        passed=True,
    )


def test_record_is_a_no_op_without_bench_results(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(common.RESULTS_ENV, raising=False)
    monkeypatch.chdir(tmp_path)

    _record_one()

    assert list(tmp_path.iterdir()) == []


def test_record_appends_one_json_line_per_call(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "results.jsonl"
    monkeypatch.setenv(common.RESULTS_ENV, str(path))

    _record_one()
    common.record("metric b", 2.0, 4.0, unit="MiB", baseline_name="floor", target=None, passed=None)

    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [line["metric"] for line in lines] == ["metric a", "metric b"]
    assert lines[0] | {"bench": "x"} == {
        "bench": "x",
        "metric": "metric a",
        "ours": 1.5,
        "baseline": 1.0,
        "unit": "ms",
        "baseline_name": "peer",
        "target": "<= 2.00x",
        "passed": True,
        "speed_goal": True,
    }
    assert lines[1]["target"] is None
    assert lines[1]["passed"] is None
    results = run.read_results(path)
    assert [r.ratio for r in results] == [1.5, 0.5]


def test_summary_rows_show_ratio_target_and_verdict() -> None:
    rows = run.summary_rows(FAKE, quick=False)

    assert [row[0] for row in rows] == [r.metric for r in FAKE]
    assert [row[3] for row in rows] == ["1.20x", "1.60x", "1.10x", "1.50x"]
    assert [row[4] for row in rows] == ["<= 1.25x", "< 50 ms", "<= 1.25x", "none stated"]
    assert [row[5] for row in rows] == ["pass", "FAIL", "pass", "no target"]
    assert rows[0][1] == "120.0 ms"
    assert rows[0][2] == "100.0 ms (peer)"


def test_quick_mode_does_not_enforce_speed_goals() -> None:
    rows = run.summary_rows(FAKE, quick=True)

    # The bundle size is not a timing: it is still enforced in a smoke run.
    assert [row[5] for row in rows] == [
        run.NOT_ENFORCED,
        run.NOT_ENFORCED,
        "pass",
        "no target",
    ]


def test_a_benchmark_that_recorded_nothing_gets_a_row() -> None:
    rows = run.summary_rows(FAKE[:1], quick=False, exits=[("desktop_sign_in", 0), ("bundle", 3)])

    assert rows[-1] == ["bench.bundle: nothing recorded", "", "", "", "", "FAILED (exit 3)"]
    assert len(rows) == 2


def test_summary_is_a_markdown_table_with_machine_and_command() -> None:
    text = run.summary(FAKE, quick=True, command=".venv/bin/python -m bench.run --quick")

    lines = text.splitlines()
    assert "command: .venv/bin/python -m bench.run --quick" in lines
    assert any(line.startswith("machine: nproc ") for line in lines)
    table = [line for line in lines if line.startswith("|")]
    assert [cell.strip() for cell in table[0].split("|")[1:-1]] == run.SUMMARY_HEADER
    assert len(table) == 2 + len(FAKE)
    assert len({len(line) for line in table}) == 1  # columns aligned


def test_target_ratio_reads_ratios_and_units() -> None:
    assert [r.target_ratio() for r in FAKE] == [1.25, 1.0, 1.25, None]


def test_chart_is_a_png_of_the_requested_size(tmp_path: Path, qapp: object) -> None:
    # qapp: a QApplication exists first, so write_chart does not make a QGuiApplication
    # that later widget tests in the same process could not use.
    from PySide6.QtGui import QImage

    path = tmp_path / "chart.png"

    run.write_chart(FAKE, path, width=640, height=300)

    assert path.stat().st_size > 0
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    image = QImage(str(path))
    assert not image.isNull()
    assert (image.width(), image.height()) == (640, 300)


def _block(revision: str = "abc1234") -> str:
    exits = [("desktop_sign_in", 0, 30.0), ("bundle", 0, 90.0)]
    return run.docs_block(FAKE, False, "bench/run --write-docs", exits, "2026-11-26", revision)


def test_docs_block_has_the_markers_command_machine_and_table() -> None:
    block = _block()
    assert block.startswith(run.DOCS_BEGIN)
    assert block.rstrip().endswith(run.DOCS_END)
    assert "`bench/run --write-docs`" in block
    assert "commit `abc1234`" in block
    assert "nproc" in block  # the machine line
    assert "2 benchmarks, 2.0 min" in block
    assert "\n| sign-in (median) " in block
    assert "1.20x" in block
    assert f"]({run.DOCS_CHART.name})" in block


def test_write_docs_inserts_once_then_replaces_only_the_block(tmp_path: Path) -> None:
    doc = tmp_path / "BENCHMARKS.md"
    doc.write_text("# Benchmarks\n\nIntro.\n\n## 1. A section\n\nKept.\n", encoding="utf-8")
    run.write_docs(_block("first00"), doc)
    once = doc.read_text(encoding="utf-8")
    assert once.startswith("# Benchmarks\n\n" + run.DOCS_BEGIN)
    assert once.count(run.DOCS_BEGIN) == 1
    assert "Intro." in once and "## 1. A section\n\nKept." in once
    run.write_docs(_block("second0"), doc)
    twice = doc.read_text(encoding="utf-8")
    assert twice.count(run.DOCS_BEGIN) == twice.count(run.DOCS_END) == 1
    assert "second0" in twice and "first00" not in twice
    assert twice.replace(_block("second0"), "") == once.replace(_block("first00"), "")


def test_only_accepts_known_benchmarks_and_growth_is_in_the_suite() -> None:
    assert "growth" in run.BENCHMARKS
    assert run.parse_args(["--only", "growth", "bundle"]).only == ["growth", "bundle"]
    with pytest.raises(SystemExit):
        run.parse_args(["--only", "no_such_benchmark"])
