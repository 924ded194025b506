"""Import direction, as docs/ARCHITECTURE.md's Layout table states it, checked on the source.

The table (between the ``layout-table`` markers) is parsed into :data:`RULES`: one
rule per room, with the project modules it may import and the modules it must never
import. Every ``import`` in ``desktop_app/``, ``protected_api/`` and
``local_cognito/`` is read with :mod:`ast` (top level, inside functions, under
``TYPE_CHECKING``, relative or absolute, and ``importlib.import_module("literal")``)
and checked against them. A failure names the file, the line and the rule it breaks.
"""

from __future__ import annotations

import ast
import dataclasses
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARCHITECTURE = ROOT / "docs" / "ARCHITECTURE.md"
PACKAGES = ("desktop_app", "protected_api", "local_cognito", "triggers")

# The table's two shorthands.
ALIASES = {
    "Qt": ("PySide6", "shiboken6", "PySide2", "PyQt5", "PyQt6", "qtpy"),
    # Only in the `local`/`api` extras: the tester's build of the app never ships them.
    "server libraries": ("moto", "fastapi", "starlette", "uvicorn", "flask", "boto3", "botocore"),
}


@dataclasses.dataclass(frozen=True)
class Rule:
    """What modules under ``layer`` may import.

    ``may_import``: the only project modules (besides the layer itself) it may
    import, or ``None`` for no limit. ``forbidden``: module prefixes it must never
    import, project or third-party, except those under a prefix in ``unless``.
    """

    layer: str
    why: str
    may_import: tuple[str, ...] | None = None
    forbidden: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()


def _names(cell: str) -> tuple[str, ...]:
    """The backticked names in a table cell, shorthands expanded."""
    names: list[str] = []
    for name in re.findall(r"`([^`]+)`", cell):
        names.extend(ALIASES.get(name, (name,)))
    return tuple(names)


def parse_layout(text: str) -> tuple[Rule, ...]:
    """The rules in the Layout table of ``text`` (docs/ARCHITECTURE.md)."""
    match = re.search(r"<!-- layout-table[^>]*-->\n(.*?)<!-- /layout-table -->", text, re.S)
    if match is None:
        raise ValueError("docs/ARCHITECTURE.md has no layout-table markers")
    rules = []
    for line in match.group(1).splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 4 or not cells[0].startswith("`"):
            continue  # the header, its underline
        room, why, may, never = cells
        (layer,) = _names(room)
        forbidden, _, allowed = never.partition(" except ")
        rules.append(
            Rule(
                layer=layer,
                why=why,
                may_import=None if may.strip() == "anything" else _names(may),
                forbidden=_names(forbidden),
                unless=_names(allowed),
            )
        )
    return tuple(rules)


RULES = parse_layout(ARCHITECTURE.read_text(encoding="utf-8"))
# Where each direct child of desktop_app belongs: a new one must get a row in the table.
DESKTOP_CHILDREN = {
    rule.layer.split(".")[1] for rule in RULES if rule.layer.startswith("desktop_app.")
} | {"__init__"}


@dataclasses.dataclass(frozen=True)
class Violation:
    path: str
    line: int
    importer: str
    target: str
    rule: Rule

    def __str__(self) -> str:
        return (
            f"{self.path}:{self.line}: {self.importer} imports {self.target} "
            f"({self.rule.layer}: {self.rule.why})"
        )


def within(module: str, prefix: str) -> bool:
    """``module`` is ``prefix`` or a submodule of it."""
    return module == prefix or module.startswith(prefix + ".")


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules(root: Path = ROOT) -> frozenset[str]:
    """Every module and package under :data:`PACKAGES`, plus those the rules name
    (``desktop_app.app`` is a module even before it is written)."""
    declared = {
        name
        for rule in RULES
        for name in (rule.layer, *(rule.may_import or ()), *rule.forbidden)
        if name.split(".")[0] in PACKAGES and not name.endswith(".__init__")
    }
    return frozenset(module_name(path, root) for path in source_files(root)) | declared


def source_files(root: Path = ROOT) -> list[Path]:
    return sorted(p for package in PACKAGES for p in (root / package).rglob("*.py"))


def _resolve(name: str, modules: frozenset[str]) -> str:
    """Normalise an imported dotted name: project names become the longest existing
    module they start with (a package root becomes ``pkg.__init__``)."""
    if name.split(".")[0] not in PACKAGES:
        return name
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in modules:
            return f"{candidate}.__init__" if end == 1 else candidate
    return name  # not written yet: judge it by its name


def _imports(tree: ast.AST, package: str) -> Iterator[tuple[int, str]]:
    """``(line, dotted name)`` for every import in ``tree``; ``package`` anchors
    relative imports. ``from a import b`` yields ``a.b`` (``b`` may be a module)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                yield node.lineno, base if alias.name == "*" else f"{base}.{alias.name}"
        elif (
            isinstance(node, ast.Call)
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
            and _callee(node.func) in {"import_module", "__import__"}
        ):
            yield node.lineno, node.args[0].value


def _callee(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def check_source(
    source: str,
    module: str,
    *,
    is_package: bool = False,
    path: str = "<string>",
    rules: Iterable[Rule] = RULES,
    modules: frozenset[str] | None = None,
) -> list[Violation]:
    """Every rule in ``rules`` that the imports in ``source`` (module ``module``) break."""
    modules = project_modules() if modules is None else modules
    package = module if is_package else module.rpartition(".")[0]
    applicable = [rule for rule in rules if within(module, rule.layer)]
    found = []
    for line, name in _imports(ast.parse(source, filename=path), package):
        target = _resolve(name, modules)
        for rule in applicable:
            if _breaks(rule, target):
                found.append(Violation(path, line, module, target, rule))
    return found


def _breaks(rule: Rule, target: str) -> bool:
    if within(target, rule.layer):
        return False
    if any(within(target, bad) for bad in rule.forbidden):
        return not any(within(target, ok) for ok in rule.unless)
    if rule.may_import is not None and target.split(".")[0] in PACKAGES:
        return not any(within(target, ok) for ok in rule.may_import)
    return False


def check_file(path: Path) -> list[Violation]:
    return check_source(
        path.read_text(encoding="utf-8"),
        module_name(path),
        is_package=path.name == "__init__.py",
        path=str(path.relative_to(ROOT)),
    )


FILES = source_files()


def test_sources_found() -> None:
    assert len(FILES) > 10
    assert {p.relative_to(ROOT).parts[0] for p in FILES} == set(PACKAGES)


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(ROOT)) for p in FILES])
def test_imports_follow_layout(path: Path) -> None:
    violations = check_file(path)
    assert not violations, "\n".join(map(str, violations))


def test_every_desktop_module_has_a_layer() -> None:
    children = {
        p.stem if p.is_file() else p.name
        for p in (ROOT / "desktop_app").iterdir()
        if (p.suffix == ".py") or (p / "__init__.py").exists()
    }
    unplaced = children - DESKTOP_CHILDREN
    assert not unplaced, f"give desktop_app.{sorted(unplaced)} a row in ARCHITECTURE.md's Layout"


def test_the_table_is_parsed_into_rules() -> None:
    by_layer = {rule.layer: rule for rule in RULES}
    assert len(by_layer) == len(RULES), "one row per room"
    assert by_layer["desktop_app.ui"].may_import is None
    assert by_layer["desktop_app.admin"].forbidden == ALIASES["Qt"]
    assert by_layer["desktop_app.qt"].unless == ("PySide6.QtCore",)
    assert "boto3" in by_layer["desktop_app"].forbidden
    assert "desktop_app.api" in (by_layer["desktop_app.admin"].may_import or ())
    assert all(rule.why for rule in RULES)


# -- the checker itself: it must be able to fail -------------------------------------

BAD = [
    pytest.param(
        "desktop_app.auth.session",
        "import PySide6.QtCore\n",
        "PySide6.QtCore",
        id="auth-import-dotted-qt",
    ),
    pytest.param(
        "desktop_app.auth.session",
        "from shiboken6 import isValid\n",
        "shiboken6.isValid",
        id="auth-from-shiboken",
    ),
    pytest.param(
        "desktop_app.auth.session",
        "def later():\n    from PySide6.QtCore import QObject\n",
        "PySide6.QtCore.QObject",
        id="auth-qt-inside-function",
    ),
    pytest.param(
        "desktop_app.auth.session",
        "from ..qt import bridge\n",
        "desktop_app.qt.bridge",
        id="auth-relative-up-a-layer",
    ),
    pytest.param(
        "desktop_app.auth.session",
        "from desktop_app import api\n",
        "desktop_app.api",
        id="auth-from-root-import-layer",
    ),
    pytest.param(
        "desktop_app.auth.session",
        "import importlib\nimportlib.import_module('PySide6.QtWidgets')\n",
        "PySide6.QtWidgets",
        id="auth-import-module-literal",
    ),
    pytest.param(
        "desktop_app.api.client",
        "from desktop_app.qt.workers import run\n",
        "desktop_app.qt.workers",
        id="api-imports-qt-layer",
    ),
    pytest.param("desktop_app.api.client", "import PySide6\n", "PySide6", id="api-imports-qt"),
    pytest.param(
        "desktop_app.qt.bridge",
        "from desktop_app.ui import main_window\n",
        "desktop_app.ui.main_window",
        id="qt-imports-ui",
    ),
    pytest.param(
        "desktop_app.qt.bridge",
        "from PySide6 import QtWidgets\n",
        "PySide6.QtWidgets",
        id="qt-imports-widgets",
    ),
    pytest.param(
        "desktop_app.models.users",
        "from desktop_app.ui.admin import panel\n",
        "desktop_app.ui.admin.panel",
        id="models-imports-ui",
    ),
    pytest.param(
        "desktop_app.ui.admin.panel",
        "from desktop_app import cli\n",
        "desktop_app.cli",
        id="ui-imports-cli",
    ),
    pytest.param(
        "desktop_app.ui.admin.panel",
        "from ... import app\n",
        "desktop_app.app",
        id="ui-relative-imports-app",
    ),
    pytest.param(
        "desktop_app.cli",
        "from local_cognito import server\n",
        "local_cognito.server",
        id="app-imports-stand-in",
    ),
    pytest.param("desktop_app.cli", "import boto3\n", "boto3", id="app-imports-boto3"),
    pytest.param(
        "desktop_app.ui.about",
        "from moto.cognitoidp import models\n",
        "moto.cognitoidp.models",
        id="app-imports-moto",
    ),
    pytest.param(
        "desktop_app.api.client",
        "import fastapi.testclient\n",
        "fastapi.testclient",
        id="app-imports-fastapi",
    ),
    pytest.param(
        "desktop_app.config",
        "from desktop_app.auth import pkce\n",
        "desktop_app.auth.pkce",
        id="config-imports-up",
    ),
    pytest.param(
        "local_cognito.profile",
        "from desktop_app import config\n",
        "desktop_app.config",
        id="stand-in-imports-app",
    ),
    pytest.param(
        "protected_api.routes",
        "import desktop_app.errors as e\n",
        "desktop_app.errors",
        id="api-server-imports-app",
    ),
]


# A fixed module tree, so the self-tests do not change as the real one grows.
SYNTHETIC_MODULES = frozenset(
    {
        "desktop_app",
        "desktop_app.config",
        "desktop_app.errors",
        "desktop_app.cli",
        "desktop_app.app",
        "desktop_app.__main__",
        "desktop_app.auth",
        "desktop_app.auth.session",
        "desktop_app.auth.pkce",
        "desktop_app.auth.store",
        "desktop_app.api",
        "desktop_app.api.client",
        "desktop_app.qt",
        "desktop_app.qt.bridge",
        "desktop_app.qt.workers",
        "desktop_app.models",
        "desktop_app.models.users",
        "desktop_app.ui",
        "desktop_app.ui.main",
        "desktop_app.ui.main_window",
        "desktop_app.ui.admin",
        "desktop_app.ui.admin.panel",
        "local_cognito",
        "local_cognito.server",
        "local_cognito.pool",
        "local_cognito.profile",
        "protected_api",
        "protected_api.routes",
    }
)


@pytest.mark.parametrize(("module", "source", "target"), BAD)
def test_checker_reports_violation(module: str, source: str, target: str) -> None:
    violations = check_source(source, module, path="synthetic.py", modules=SYNTHETIC_MODULES)
    assert violations, f"{module}: {source!r} was not reported"
    assert [v.target for v in violations] == [target] * len(violations)
    last_line = source.rstrip("\n").count("\n") + 1
    assert violations[0].line == last_line
    assert f"synthetic.py:{last_line}: {module} imports {target}" in str(violations[0])


GOOD = [
    pytest.param(
        "desktop_app.auth.session",
        "from desktop_app import config, errors\n",
        False,
        id="auth-bottom",
    ),
    pytest.param(
        "desktop_app.auth.session",
        "from . import pkce\nfrom .store import Store\n",
        False,
        id="auth-relative-same-layer",
    ),
    pytest.param(
        "desktop_app.auth",
        "from . import session\nfrom .. import config\n",
        True,
        id="auth-package-relative",
    ),
    pytest.param(
        "desktop_app.auth.session",
        "from desktop_app import APP_NAME\n",
        False,
        id="auth-root-constant",
    ),
    pytest.param(
        "desktop_app.auth.session",
        "from __future__ import annotations\nimport ssl\n",
        False,
        id="auth-stdlib",
    ),
    pytest.param(
        "desktop_app.api.client", "from desktop_app.auth import session\n", False, id="api-auth"
    ),
    pytest.param(
        "desktop_app.qt.bridge",
        "from PySide6.QtCore import QObject, Signal\nfrom desktop_app.api import client\n",
        False,
        id="qt-qtcore-api",
    ),
    pytest.param(
        "desktop_app.models.users",
        "from PySide6 import QtCore\nfrom desktop_app.qt import workers\n",
        False,
        id="models-qtcore-qt",
    ),
    pytest.param(
        "desktop_app.ui.main",
        "from PySide6 import QtWidgets\n"
        "from desktop_app.models import users\nfrom ..auth import session\n",
        False,
        id="ui-anything-below",
    ),
    pytest.param(
        "desktop_app.cli",
        "from desktop_app import app, ui\nimport requests\n",
        False,
        id="root-composes",
    ),
    pytest.param(
        "local_cognito.server",
        "import moto\nfrom local_cognito import pool\n",
        False,
        id="stand-in-own",
    ),
]


@pytest.mark.parametrize(("module", "source", "is_package"), GOOD)
def test_checker_allows(module: str, source: str, is_package: bool) -> None:
    assert check_source(source, module, is_package=is_package, modules=SYNTHETIC_MODULES) == []


NEW_ROOMS_BAD = [
    ("desktop_app.admin.actions", "from PySide6 import QtCore\n", "PySide6.QtCore"),
    ("desktop_app.admin.actions", "from desktop_app.qt import bridge\n", "desktop_app.qt.bridge"),
    ("desktop_app.admin.actions", "from desktop_app.auth import store\n", "desktop_app.auth.store"),
    ("desktop_app.urls", "from desktop_app.auth import pkce\n", "desktop_app.auth.pkce"),
    (
        "desktop_app.api.client",
        "from desktop_app.admin import actions\n",
        "desktop_app.admin.actions",
    ),
]


@pytest.mark.parametrize(("module", "source", "target"), NEW_ROOMS_BAD)
def test_the_admin_core_and_url_rules_stay_in_their_rooms(
    module: str, source: str, target: str
) -> None:
    modules = SYNTHETIC_MODULES | {
        "desktop_app.admin",
        "desktop_app.admin.actions",
        "desktop_app.urls",
        "desktop_app.qt.bridge",
    }
    violations = check_source(source, module, path="synthetic.py", modules=modules)
    assert [v.target for v in violations] == [target]


def test_a_table_without_markers_is_an_error() -> None:
    with pytest.raises(ValueError, match="layout-table"):
        parse_layout("| `desktop_app` | x | anything | |\n")
