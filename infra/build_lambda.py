"""``python -m infra.build_lambda``: a Lambda function's code as one reproducible zip.

    python -m infra.build_lambda --arch arm64        # -> dist/lambda/protected-api-<hash>.zip
    python -m infra.build_lambda --package triggers  # -> dist/lambda/triggers-<hash>.zip

The protected API's zip (the default, ``--package protected_api``) holds
``protected_api/`` and the wheels of its runtime dependencies (the ``api`` and
``lambda`` extras in pyproject.toml, without uvicorn, which only
``python -m protected_api`` uses), downloaded by pip for the function's runtime and
architecture: Python :data:`PYTHON_VERSION` on Amazon Linux 2, so manylinux2014
wheels only.

The Cognito triggers' zip (``--package triggers``) holds ``triggers/`` and nothing
else: the handlers use the standard library and boto3/botocore only, and the
python3.11 Lambda runtime provides those, so no wheel is downloaded and the zip does
not depend on the architecture (``--arch`` and ``--skip-deps`` change nothing in it).

Entries are sorted with fixed times and modes, so the same sources (and wheels) give
the same bytes; the file name carries the content hash, so a new build is a new S3
key and the stack update replaces the code (docs/deploy-aws.md).
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "protected_api"
# The function's runtime (infra/template.yaml Runtime: python3.11).
PYTHON_VERSION = "3.11"
# Lambda architecture -> the wheel platforms its runtime (Amazon Linux 2, glibc 2.26) runs.
PLATFORMS: dict[str, tuple[str, ...]] = {
    "arm64": ("manylinux2014_aarch64", "manylinux_2_17_aarch64"),
    "x86_64": ("manylinux2014_x86_64", "manylinux_2_17_x86_64"),
}
EXTRAS = ("api", "lambda")
# Serving with uvicorn is for running the API as a process; Lambda calls the handler.
EXCLUDED_REQUIREMENTS = frozenset({"uvicorn"})
PIP_TIMEOUT_S = 60  # per network operation (pip --timeout)
BUILD_TIMEOUT_S = 900
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can carry
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


@dataclasses.dataclass(frozen=True)
class Bundle:
    """What one function's zip holds."""

    package: str  # the top-level package copied into the zip
    prefix: str  # the zip's name up to "-<hash>.zip" (infra/template.yaml's S3 keys)
    wheels: bool  # whether pip adds the runtime dependencies' wheels


#: ``--package`` value -> its zip. The triggers need no wheels: boto3 and botocore,
#: their only dependencies, come with the Lambda runtime.
BUNDLES: dict[str, Bundle] = {
    PACKAGE: Bundle(PACKAGE, "protected-api", wheels=True),
    "triggers": Bundle("triggers", "triggers", wheels=False),
}


class BuildError(RuntimeError):
    """The build could not finish; the message says why."""


def requirements(pyproject: Path = ROOT / "pyproject.toml") -> list[str]:
    """The function's runtime requirements, from the ``api`` and ``lambda`` extras."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    own = project["name"]
    found: list[str] = []
    for extra in EXTRAS:
        for spec in project["optional-dependencies"][extra]:
            match = _NAME.match(spec)
            if match is None:
                raise BuildError(f"cannot read requirement {spec!r} in extra {extra!r}")
            name = match.group(1).lower()
            if name == own or name in EXCLUDED_REQUIREMENTS or spec in found:
                continue
            found.append(spec)
    return found


def source_files(package_dir: Path = ROOT / PACKAGE) -> list[Path]:
    """Every ``.py`` file of the package in ``package_dir`` (the API's by default),
    relative to its parent, sorted."""
    return sorted(
        path.relative_to(package_dir.parent)
        for path in package_dir.rglob("*.py")
        if "__pycache__" not in path.parts
    )


def install_dependencies(target: Path, arch: str) -> None:
    """pip-install :func:`requirements` as wheels for the function's runtime into ``target``."""
    platforms = [arg for platform in PLATFORMS[arch] for arg in ("--platform", platform)]
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-compile",
        "--target",
        str(target),
        *platforms,
        "--implementation",
        "cp",
        "--python-version",
        PYTHON_VERSION,
        "--only-binary=:all:",
        "--timeout",
        str(PIP_TIMEOUT_S),
        *requirements(),
    ]
    try:
        subprocess.run(command, check=True, timeout=BUILD_TIMEOUT_S)  # noqa: S603 -- fixed argv
    except subprocess.CalledProcessError as exc:
        raise BuildError(
            f"pip could not install the dependencies (exit {exc.returncode})"
        ) from None
    except subprocess.TimeoutExpired:
        raise BuildError(f"pip took longer than {BUILD_TIMEOUT_S} s") from None
    # Console scripts are of no use in a function and hold this machine's interpreter path.
    shutil.rmtree(target / "bin", ignore_errors=True)


def _entries(staging: Path) -> Iterator[tuple[str, Path]]:
    for path in sorted(staging.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            yield path.relative_to(staging).as_posix(), path


def write_zip(staging: Path, destination: Path) -> None:
    """Zip ``staging`` with sorted entries, fixed times and modes (same input, same bytes)."""
    with zipfile.ZipFile(destination, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, path in _entries(staging):
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16  # readable by the runtime's user
            archive.writestr(info, path.read_bytes())


def build(
    out_dir: Path,
    *,
    arch: str = "arm64",
    with_dependencies: bool = True,
    package: str = PACKAGE,
) -> Path:
    """Build ``package``'s zip into ``out_dir``; returns ``out_dir/<prefix>-<sha256[:12]>.zip``
    (``protected-api-...`` for the API, ``triggers-...`` for the Cognito triggers)."""
    if arch not in PLATFORMS:
        raise BuildError(f"--arch must be one of {', '.join(PLATFORMS)}, not {arch!r}")
    if package not in BUNDLES:
        raise BuildError(f"--package must be one of {', '.join(BUNDLES)}, not {package!r}")
    bundle = BUNDLES[package]
    sources = source_files(ROOT / bundle.package)
    if not sources:
        raise BuildError(f"no Python files in {ROOT / bundle.package}")
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lambda-build-") as tmp:
        staging = Path(tmp) / "staging"
        staging.mkdir()
        if with_dependencies and bundle.wheels:
            install_dependencies(staging, arch)
        for relative in sources:
            (staging / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(ROOT / relative, staging / relative)
        unnamed = Path(tmp) / "function.zip"
        write_zip(staging, unnamed)
        digest = hashlib.sha256(unnamed.read_bytes()).hexdigest()[:12]
        destination = out_dir / f"{bundle.prefix}-{digest}.zip"
        shutil.move(unnamed, destination)
    return destination


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m infra.build_lambda",
        description="Build the protected API's (or the Cognito triggers') Lambda zip.",
    )
    parser.add_argument(
        "--package",
        choices=sorted(BUNDLES),
        default=PACKAGE,
        help="which function's code: the API (the default) or the Cognito triggers",
    )
    parser.add_argument(
        "--arch",
        choices=sorted(PLATFORMS),
        default="arm64",
        help="the function's architecture (template parameter LambdaArchitecture)",
    )
    parser.add_argument(
        "--out", type=Path, default=ROOT / "dist" / "lambda", help="output directory"
    )
    parser.add_argument(
        "--skip-deps",
        action="store_true",
        help="package protected_api only, without its dependencies (not deployable alone)",
    )
    args = parser.parse_args(argv)
    try:
        path = build(
            args.out, arch=args.arch, with_dependencies=not args.skip_deps, package=args.package
        )
    except BuildError as exc:
        print(f"build_lambda: {exc}", file=sys.stderr)
        return 1
    size_mb = path.stat().st_size / 1e6
    # The triggers' zip is pure Python: the same file for either architecture.
    arch = args.arch if BUNDLES[args.package].wheels else "any architecture"
    print(f"{path} ({size_mb:.1f} MB, {arch})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
