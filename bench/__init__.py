"""Benchmarks: run one with ``python -m bench.<name> [--quick]``, all with ``bench.run_all``.

Each prints its figures as ratios against a baseline measured in the same run and
exits non-zero when a stated goal is missed. Figures are recorded in docs/BENCHMARKS.md.
"""
