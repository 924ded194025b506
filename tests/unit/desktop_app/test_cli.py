"""desktop_app.cli: ``--version`` and how ``self-test`` is dispatched (in-process)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import desktop_app
from desktop_app import cli, diagnostics, logs, selftest
from tests.support import app_logging


@pytest.fixture(autouse=True)
def _logs_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """cli.main sets up logging: into tmp, and taken down after each test."""
    monkeypatch.setenv(logs.LOG_DIR_ENV, str(tmp_path / "logs"))
    with app_logging.taken_down():
        yield


def test_version_prints_version_and_commit(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["--version"])
    assert exited.value.code == 0
    version, commit = diagnostics.version_info()
    assert capsys.readouterr().out == f"cognito-desktop {version} (commit {commit or 'unknown'})\n"


def test_version_shows_what_a_packaged_build_bakes_in(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(desktop_app, "__version__", "2.3.4", raising=False)
    monkeypatch.setattr(desktop_app, "__commit__", "feedfacecafe", raising=False)
    with pytest.raises(SystemExit):
        cli.main(["--version", "status"])  # wins over any subcommand
    assert capsys.readouterr().out == "cognito-desktop 2.3.4 (commit feedfacecafe)\n"


def test_self_test_prints_a_checklist_even_without_a_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selftest, "check_qt", lambda: selftest.Check("qt", "ok", "fake"))
    code = cli.main(["--config", str(tmp_path / "none.toml"), "self-test"])
    out = capsys.readouterr()
    assert code == 1
    lines = out.out.splitlines()
    assert lines[0].startswith("cognito-desktop ") and ", from source, " in lines[0]
    assert lines[1].startswith("FAIL config     no config file at ")
    assert lines[-1].startswith("self-test FAILED: config")
    assert "cognito-desktop: " not in out.err  # a checklist line, not the one-line error


def test_the_hidden_qt_probe_flag_prints_the_probe(
    qapp: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert selftest.QT_PROBE_FLAG == "--qt-probe"
    assert cli.main(["self-test", selftest.QT_PROBE_FLAG]) == 0
    probe = json.loads(capsys.readouterr().out)
    assert probe["ink"] > 0 and probe["platform"] == "offscreen"
    assert "--qt-probe" not in cli.build_parser().format_help()
