"""Full export of a user pool, the first half of the migration path between pools
(``docs/migration.md``; the import is :mod:`desktop_app.admin.migration_import`, the
files :mod:`desktop_app.admin.migration_files` and ``docs/csv-format.md``).

:func:`export_pool` asks the API for every user, one page at a time
(``GET /admin/export/users``: one Cognito page per call), and streams them to
``users.csv`` in Cognito's user-import CSV format (the header ``GetCSVHeader`` returns,
as the API sends it) with each user's status and enabled flag beside it in
``user_states.csv`` (the format has no column for them); then every group and
membership (``GET /admin/export/memberships``) to ``groups.csv``. Each page is on disk
before the next is asked for, so memory holds one page whatever the pool's size. The
files are written under a ``.partial`` name and renamed once all are complete; a
cancelled or failed export removes them.

Pure Python, no Qt: the dialog (``ui/admin/migration_dialog.py``) runs it on a worker
and passes a stop event; the progress callback is called on that worker.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO

from desktop_app.admin import migration_files as files
from desktop_app.api import admin


class Phase(enum.Enum):
    """The two halves of an export or import: users, then groups and memberships."""

    USERS = "users"
    GROUPS = "groups"


@dataclasses.dataclass(frozen=True)
class ExportProgress:
    """Where an export is: user rows written of about ``estimated_users`` (Cognito's
    estimate; 0 when it gave none), then groups and memberships."""

    phase: Phase
    users: int
    estimated_users: int
    groups: int = 0
    memberships: int = 0


@dataclasses.dataclass(frozen=True)
class ExportResult:
    """What an export wrote; with ``cancelled``, nothing is left on disk (``users``:
    how many had been written when it stopped)."""

    folder: Path
    users: int
    groups: int
    memberships: int
    cancelled: bool = False


def existing_files(folder: str | Path) -> list[str]:
    """The export's file names already in ``folder`` (an export would replace them)."""
    return [name for name in files.ALL_FILES if (Path(folder) / name).exists()]


def export_pool(
    api: admin.JsonCaller,
    folder: str | Path,
    *,
    stop: threading.Event | None = None,
    progress: Callable[[ExportProgress], None] | None = None,
    replace: bool = False,
) -> ExportResult:
    """Every user, group and membership to ``folder``; see the module docstring.

    ``stop`` is checked before each page is asked for; once set, the export ends
    there (:attr:`ExportResult.cancelled`) and its files are removed. ``ValueError``
    if ``folder`` is not a folder, already holds the files and ``replace`` is false,
    or an answer is not a consistent export; ``OSError`` if a file cannot be written.
    """
    where = Path(folder)
    if not where.is_dir():
        raise ValueError("choose an existing folder for the export")
    if existing_files(where) and not replace:
        raise ValueError("the folder already holds " + " and ".join(existing_files(where)))
    stop = stop or threading.Event()
    report = progress if progress is not None else _ignore
    partial = {name: where / (name + files.PARTIAL) for name in files.ALL_FILES}
    try:
        estimated = admin.get_schema(api).estimated_users
        users, finished = _export_users(api, partial, stop, report, estimated)
        counts = _export_groups(api, partial, stop, report, users) if finished else None
        if counts is None:
            _remove(*partial.values())
            return ExportResult(where, users, 0, 0, cancelled=True)
        for name, path in partial.items():
            os.replace(path, where / name)
    except BaseException:
        _remove(*partial.values())
        raise
    return ExportResult(where, users, *counts)


def _export_users(
    api: admin.JsonCaller,
    partial: dict[str, Path],
    stop: threading.Event,
    report: Callable[[ExportProgress], None],
    estimated: int,
) -> tuple[int, bool]:
    """Rows written, and whether that was all of them (False: stopped)."""
    written = 0
    header: tuple[str, ...] | None = None
    with _out(partial[files.USERS_FILE]) as out, _out(partial[files.STATES_FILE]) as states:
        files.write_row(states, files.STATES_HEADER)

        def write(page: admin.ExportPage) -> str | None:
            nonlocal header, written
            if header is None:
                header = tuple(page.header)
                if files.USERNAME_COLUMN not in header:
                    raise ValueError(f"the export has no {files.USERNAME_COLUMN} column")
                files.write_row(out, header)
            elif tuple(page.header) != header:
                raise ValueError("the export's columns changed between pages")
            if any(len(row) != len(header) for row in page.rows):
                raise ValueError("an exported row does not match the columns")
            if len(page.states) != len(page.rows):
                raise ValueError("the export's states do not match its rows")
            files.write_rows(out, page.rows)
            files.write_rows(
                states,
                [
                    (state.username, state.status, files.TRUE if state.enabled else files.FALSE)
                    for state in page.states
                ],
            )
            out.flush()  # on disk before the next page is asked for
            states.flush()
            written += len(page.rows)
            report(ExportProgress(Phase.USERS, written, estimated))
            return page.next_token

        finished = _each_page(lambda token: write(admin.export_users_page(api, token)), stop)
    return written, finished


def _export_groups(
    api: admin.JsonCaller,
    partial: dict[str, Path],
    stop: threading.Event,
    report: Callable[[ExportProgress], None],
    users: int,
) -> tuple[int, int] | None:
    """(groups, memberships) written, or None if stopped. The groups (names,
    descriptions, precedences: a pool has at most 10,000) are held; members are not."""
    groups: dict[str, tuple[str, str]] | None = None
    with_members: set[str] = set()
    memberships = 0
    with _out(partial[files.GROUPS_FILE]) as out:
        files.write_row(out, files.GROUPS_HEADER)

        def write(page: admin.MembershipPage) -> str | None:
            nonlocal groups, memberships
            if groups is None:  # the first page lists every group
                groups = {
                    group.name: (
                        group.description or "",
                        "" if group.precedence is None else str(group.precedence),
                    )
                    for group in page.groups
                }
            files.write_rows(
                out,
                [
                    (group, *groups.get(group, ("", "")), username)
                    for group, username in page.memberships
                ],
            )
            with_members.update(group for group, _username in page.memberships)
            memberships += len(page.memberships)
            out.flush()
            report(ExportProgress(Phase.GROUPS, users, users, len(groups), memberships))
            return page.next_token

        if not _each_page(lambda token: write(admin.export_memberships_page(api, token)), stop):
            return None
        for name, (description, precedence) in (groups or {}).items():
            if name not in with_members:
                files.write_row(out, (name, description, precedence, ""))
    return len(set(groups or ()) | with_members), memberships


def _each_page(fetch: Callable[[str | None], str | None], stop: threading.Event) -> bool:
    """Fetch and handle every page of a paged export (``fetch(token)`` handles one and
    returns the next token), one at a time: a page is dropped before the next is asked
    for. False if ``stop`` was set before the last one."""
    token: str | None = None
    while True:
        if stop.is_set():
            return False
        following = fetch(token)
        if following is None:
            return True
        if following == token:
            raise ValueError("the API sent the same page twice")
        token = following


def _out(path: Path) -> IO[str]:
    """``path`` opened for writing in the dialect's encoding (UTF-8, no BOM)."""
    return open(path, "w", encoding="utf-8", newline="")


def _remove(*paths: Path) -> None:
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _ignore(_value: object) -> None:
    return None
