"""The ``triggers`` package's code as the infra tests read it: which modules a trigger runs.

A trigger's function runs its handler module and every ``triggers`` module that imports,
directly or not; what the template grants it (IAM actions, environment variables) is
compared with what that code does (tests/infra/test_iam_policy.py, test_template.py).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "triggers"


def module_file(name: str) -> Path:
    """The file of module ``name`` in this repository (``AssertionError`` if none)."""
    found = _file(name)
    assert found is not None, f"no file for module {name}"
    return found


def _file(name: str) -> Path | None:
    base = ROOT.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def imported_modules(source: str, module: str) -> set[str]:
    """The ``triggers`` modules that ``source``, the code of ``module``, imports."""
    parts = module.split(".")
    # What a relative import starts from: the module's package, or the module if it is one.
    package = parts if _file(module) == ROOT.joinpath(*parts) / "__init__.py" else parts[:-1]
    candidates: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            candidates.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            start = package[: len(package) - node.level + 1] if node.level else []
            base = ".".join([*start, *([node.module] if node.module else [])])
            candidates.add(base)
            # "from triggers import aws": aws may be a module of the package.
            candidates.update(f"{base}.{alias.name}" for alias in node.names)
    return {
        name for name in candidates if name.split(".")[0] == PACKAGE and _file(name) is not None
    }


def modules(module: str) -> set[str]:
    """``module`` and every ``triggers`` module it imports, directly or not."""
    found: set[str] = set()
    pending = [module]
    while pending:
        name = pending.pop()
        if name not in found:
            found.add(name)
            source = module_file(name).read_text(encoding="utf-8")
            pending.extend(imported_modules(source, name))
    return found


def package_files() -> list[Path]:
    """Every ``.py`` file of the package, sorted."""
    return sorted(p for p in (ROOT / PACKAGE).rglob("*.py") if "__pycache__" not in p.parts)
