"""``dev.py`` (a script at the repository root, not a package module) loaded for tests."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def load(name: str = "dev_py_under_test") -> ModuleType:
    """A fresh copy of ``dev.py`` as module ``name``."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "dev.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module
