"""Alias of ``python -m bench.run``, kept so older docs and scripts keep working:
``python -m bench.run_all [--quick]``.

Runs every benchmark, each in its own interpreter, and prints the suite summary;
exits non-zero if any benchmark does. See :mod:`bench.run`.
"""

from __future__ import annotations

import sys

from bench.run import BENCHMARKS, TIMEOUT_S, main

__all__ = ["BENCHMARKS", "TIMEOUT_S", "main"]


if __name__ == "__main__":
    sys.exit(main())
