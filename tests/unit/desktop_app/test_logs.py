"""desktop_app.logs: where the log file goes, the levels, and that every line is redacted."""

from __future__ import annotations

import logging
import logging.handlers
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import platformdirs
import pytest

from desktop_app import APP_NAME, logs
from tests.support import app_logging

JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl"


@pytest.fixture
def log_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """``$COGNITO_DESKTOP_LOG_DIR`` is a fresh folder; the app's handlers go after."""
    folder = tmp_path / "logs"
    monkeypatch.setenv(logs.LOG_DIR_ENV, str(folder))
    with app_logging.taken_down():
        yield folder


def console() -> logging.Handler:
    [found] = [h for h in app_logging.app_handlers() if type(h) is logging.StreamHandler]
    return found


def test_log_dir_is_the_override_else_the_platforms(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(logs.LOG_DIR_ENV, "/somewhere/else")
    assert logs.log_dir() == Path("/somewhere/else")
    monkeypatch.setenv(logs.LOG_DIR_ENV, "")  # empty is unset, not the current directory
    assert logs.log_dir() == platformdirs.user_log_path(APP_NAME, appauthor=False)
    monkeypatch.delenv(logs.LOG_DIR_ENV)
    assert logs.log_dir() == platformdirs.user_log_path(APP_NAME, appauthor=False)


def test_setup_writes_a_debug_file_in_the_log_dir(log_dir: Path) -> None:
    path = logs.setup()
    assert path == log_dir / f"{APP_NAME}.log"
    assert logging.getLogger().level == logging.DEBUG
    logging.getLogger("desktop_app.test").debug("a detail for the file")
    for handler in app_logging.app_handlers():
        handler.flush()
    assert (
        path.read_text(encoding="utf-8")
        .rstrip()
        .endswith("DEBUG desktop_app.test: a detail for the file")
    )


@pytest.mark.parametrize(
    ("verbosity", "level"),
    [(0, logging.WARNING), (1, logging.INFO), (2, logging.DEBUG), (7, logging.DEBUG)],
)
def test_console_level_follows_verbosity(log_dir: Path, verbosity: int, level: int) -> None:
    logs.setup(verbosity)
    assert console().level == level


def test_every_line_is_redacted_in_the_file_and_on_the_console(
    log_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = logs.setup(2)
    assert path is not None
    log = logging.getLogger("urllib3.connectionpool")
    log.debug("POST /oauth2/token?code=abc123&state=xyz HTTP/1.1")
    log.debug("Authorization: Bearer %s", JWT)
    try:
        raise ValueError(f"refresh_token={JWT}")
    except ValueError:
        log.exception("refresh failed")
    for handler in app_logging.app_handlers():
        handler.flush()
    for text in (path.read_text(encoding="utf-8"), capsys.readouterr().err):
        assert "code=[redacted]&state=[redacted]" in text
        assert "Authorization: Bearer [redacted]" in text
        assert "refresh_token=[redacted]" in text  # the traceback's line too
        assert "abc123" not in text and "eyJ" not in text


def test_setup_again_replaces_its_handlers_and_closes_the_old_file(log_dir: Path) -> None:
    logs.setup(0)
    first = app_logging.app_handlers()
    logs.setup(2)
    now = app_logging.app_handlers()
    assert len(now) == 2  # one console, one file: not four
    assert not set(first) & set(now)
    assert console().level == logging.DEBUG
    (old_file,) = [h for h in first if isinstance(h, logging.FileHandler)]
    assert old_file.stream is None  # closed: the file is not left open


def test_an_unwritable_log_dir_still_logs_to_the_console(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv(logs.LOG_DIR_ENV, str(blocker / "logs"))
    with app_logging.set_up(1) as path:
        assert path is None
        assert [type(h) for h in app_logging.app_handlers()] == [logging.StreamHandler]
    assert app_logging.app_handlers() == []  # taken down again


# -- files at rest: the log is its owner's alone (POSIX) --------------------------------

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@posix_only
def test_a_new_log_dir_is_0700_and_the_log_file_0600(log_dir: Path) -> None:
    old_umask = os.umask(0o022)  # the usual umask, which would give 0755 and 0644
    try:
        path = logs.setup()
    finally:
        os.umask(old_umask)
    assert path is not None
    assert mode(log_dir) == 0o700
    assert mode(path) == 0o600


@posix_only
def test_wider_modes_found_at_start_are_tightened(log_dir: Path) -> None:
    log_dir.mkdir(mode=0o755)
    os.chmod(log_dir, 0o755)  # noqa: S103 - the wide mode an earlier version left
    current = log_dir / f"{APP_NAME}.log"
    backups = [log_dir / f"{APP_NAME}.log.{n}" for n in (1, 2, 3)]
    for file in [current, *backups]:
        file.write_text("an earlier run\n", encoding="utf-8")
        os.chmod(file, 0o644)
    unrelated = log_dir / "notes.txt"
    unrelated.write_text("not a log\n", encoding="utf-8")
    os.chmod(unrelated, 0o644)
    assert logs.setup() == current
    assert mode(log_dir) == 0o700
    assert [mode(file) for file in [current, *backups]] == [0o600] * 4
    assert mode(unrelated) == 0o644  # only the app's own log files are its to change
    assert current.read_text(encoding="utf-8").startswith("an earlier run\n")  # appended


@posix_only
def test_a_file_made_by_rotation_is_0600_too(log_dir: Path) -> None:
    old_umask = os.umask(0o022)
    try:
        path = logs.setup()
        assert path is not None
        [handler] = [h for h in app_logging.app_handlers() if isinstance(h, logging.FileHandler)]
        assert isinstance(handler, logging.handlers.RotatingFileHandler)
        logging.getLogger("desktop_app.test").debug("before the rollover")
        handler.doRollover()
        logging.getLogger("desktop_app.test").debug("after the rollover")
        handler.flush()
    finally:
        os.umask(old_umask)
    assert mode(path) == 0o600
    assert mode(Path(f"{path}.1")) == 0o600
    assert "after the rollover" in path.read_text(encoding="utf-8")


@posix_only
def test_a_log_dir_owned_by_someone_else_is_left_as_it_is(
    log_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # e.g. $COGNITO_DESKTOP_LOG_DIR=/tmp: not the app's to chmod; its files are still 0600.
    log_dir.mkdir(mode=0o755)
    os.chmod(log_dir, 0o755)  # noqa: S103 - the wide mode an earlier version left
    monkeypatch.setattr(os, "getuid", lambda: log_dir.stat().st_uid + 1)
    path = logs.setup()
    assert path is not None
    assert mode(log_dir) == 0o755
    assert mode(path) == 0o600
