#!/usr/bin/env python3
"""Build the testers' bundle of cognito-desktop: ``python packaging/build.py [--onefile]``.

Runs PyInstaller on ``packaging/pyinstaller.spec`` with the Python that runs this
script (use the project's venv: ``.venv/bin/python packaging/build.py``). Output:

- onedir (default): ``dist/cognito-desktop/cognito-desktop`` (ship the whole folder)
- ``--onefile``:    ``dist/onefile/cognito-desktop`` (one file; slower to start)

The last line printed is the path of the built executable. PyInstaller's work files
go to ``build/pyinstaller/``; ``--dist`` and ``--work`` move both (the tests build
into a temporary folder). Standard library only.
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "packaging" / "pyinstaller.spec"
NAME = "cognito-desktop"
TIMEOUT_S = 1800


def executable(dist: Path, onefile: bool) -> Path:
    """Where the build of that kind puts the program."""
    suffix = ".exe" if sys.platform == "win32" else ""
    folder = dist / "onefile" if onefile else dist / NAME
    return folder / f"{NAME}{suffix}"


def missing_tools() -> list[str]:
    """What the build needs and this machine lacks, each with how to get it."""
    lacking = []
    if importlib.util.find_spec("PyInstaller") is None:
        lacking.append("PyInstaller (pip install -e '.[dev]', or pip install pyinstaller)")
    if sys.platform.startswith("linux") and shutil.which("objdump") is None:
        lacking.append("objdump, which PyInstaller uses on Linux (apt-get install binutils)")
    return lacking


def build(*, onefile: bool = False, dist: Path | None = None, work: Path | None = None) -> Path:
    """Build the bundle; returns the executable. Raises ``RuntimeError`` on failure."""
    lacking = missing_tools()
    if lacking:
        raise RuntimeError("cannot build: missing " + "; ".join(lacking))
    dist = (dist or ROOT / "dist").resolve()
    kind = "onefile" if onefile else "onedir"
    work = (work or ROOT / "build" / "pyinstaller").resolve() / kind
    command = [
        sys.executable,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--log-level",
        "WARN",
        "--distpath",
        str(dist / "onefile" if onefile else dist),
        "--workpath",
        str(work),
        str(SPEC),
        "--",
        *(["--onefile"] if onefile else []),
    ]
    done = subprocess.run(command, cwd=ROOT, check=False, timeout=TIMEOUT_S)  # noqa: S603
    program = executable(dist, onefile)
    if done.returncode != 0 or not program.is_file():
        raise RuntimeError(f"PyInstaller failed (exit {done.returncode}); see its output above")
    return program


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--onefile", action="store_true", help="one file instead of a folder")
    parser.add_argument("--dist", type=Path, help="output folder (default: dist/)")
    parser.add_argument("--work", type=Path, help="PyInstaller's work folder (default: build/)")
    args = parser.parse_args(argv)
    try:
        program = build(onefile=args.onefile, dist=args.dist, work=args.work)
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        print(f"build.py: {exc}", file=sys.stderr)
        return 1
    print(program)
    return 0


if __name__ == "__main__":
    sys.exit(main())
