"""Supply chain: the dependency set is pinned, the pins satisfy pyproject, PyJWT is patched.

``requirements.lock`` is written by ``python3 dev.py lock`` and applied by dev.py as
pip constraints; ``python3 dev.py audit`` runs pip-audit on it (docs/SECURITY.md).
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import re
import tomllib
from pathlib import Path
from types import ModuleType

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from tests.support import dev_script

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "requirements.lock"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;#]+)$")

# PyJWT advisories and the release that fixed each (GitHub advisories / NVD):
#   2.4.0   CVE-2022-29217  algorithm confusion (a key accepted for any algorithm)
#   2.10.1  CVE-2024-53861  issuer checked as a substring (introduced in 2.10.0)
#   2.12.0  CVE-2026-32597  GHSA-752w-5fwx-jx9f
#   2.13.0  CVE-2026-48522..48526  incl. a public RSA JWK accepted as an HMAC secret
PYJWT_FLOOR = Version("2.13.0")


def pins() -> dict[str, Version]:
    found: dict[str, Version] = {}
    for number, line in enumerate(LOCK.read_text().splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        match = PIN.match(line.strip())
        assert match, f"requirements.lock:{number} is not an exact pin: {line!r}"
        name = canonicalize_name(match[1])
        assert name not in found, f"requirements.lock pins {name} twice"
        found[name] = Version(match[2])
    return found


def declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    listed = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        listed.extend(extra)
    requirements = [Requirement(text) for text in listed]
    return [r for r in requirements if canonicalize_name(r.name) != "cognito-desktop"]


def test_the_lock_says_how_to_regenerate_it_and_holds_only_exact_pins() -> None:
    header = LOCK.read_text().split("\n\n")[0]
    assert "dev.py lock" in header
    assert len(pins()) > 50  # the whole resolved set, not only direct dependencies


def test_every_declared_dependency_is_pinned_at_a_version_it_allows() -> None:
    pinned = pins()
    wrong = []
    for requirement in declared():
        version = pinned.get(canonicalize_name(requirement.name))
        if version is None:
            wrong.append(f"{requirement} is not in requirements.lock")
        elif not requirement.specifier.contains(version, prereleases=True):
            wrong.append(f"{requirement} does not allow the pinned {version}")
    assert not wrong, "run `python3 dev.py lock`:\n" + "\n".join(wrong)


def test_pyjwt_is_pinned_past_every_known_advisory_and_is_what_runs() -> None:
    pinned = pins()[canonicalize_name("PyJWT")]
    assert pinned >= PYJWT_FLOOR, f"PyJWT {pinned} predates fixes up to {PYJWT_FLOOR}"
    assert Version(importlib.metadata.version("PyJWT")) == pinned, "the venv is not the lock"


def test_pip_audit_is_a_dev_dependency() -> None:
    assert canonicalize_name("pip-audit") in pins()
    assert any(canonicalize_name(r.name) == "pip-audit" for r in declared())


@pytest.fixture
def dev_py() -> ModuleType:
    return dev_script.load("dev_py")


def test_dev_py_reinstalls_when_the_lock_changes(
    dev_py: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lock = tmp_path / "requirements.lock"
    monkeypatch.setattr(dev_py, "LOCK", lock)
    lock.write_text("PyJWT==2.13.0\n")
    before = dev_py._wanted_stamp()
    lock.write_text("PyJWT==2.14.0\n")
    assert dev_py._wanted_stamp() != before
