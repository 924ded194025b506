"""desktop_app.resources: the folder in a checkout and in a packaged build."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from desktop_app import resources
from desktop_app.auth import loopback

ROOT = Path(__file__).resolve().parents[3]


def test_from_source_it_is_the_checkouts_folder() -> None:
    assert not resources.is_frozen()
    assert resources.bundle_dir() is None
    assert resources.directory() == ROOT / "resources"
    for name in resources.REQUIRED:
        assert resources.path(name).is_file(), name


def test_in_a_packaged_build_it_is_under_meipass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resources.is_frozen()
    assert resources.directory() == tmp_path / "resources"
    assert resources.path("app-icon.png") == tmp_path / "resources" / "app-icon.png"
    assert loopback.default_pages_dir() == tmp_path / "resources"


def test_frozen_without_meipass_is_not_a_pyinstaller_build(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.delattr(sys, "_MEIPASS", raising=False)
    assert resources.directory() == ROOT / "resources"


def test_the_icon_is_a_small_png() -> None:
    data = resources.path(resources.APP_ICON).read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) < 32 * 1024
