"""Full import of a user pool, the second half of the migration path between pools
(``docs/migration.md``): the files of an export (:mod:`desktop_app.admin.migration`)
into this pool.

:func:`read_folder` reads the files for a preview (counts, the first rows, the columns
this pool cannot take) without keeping them; :func:`import_pool` then sends
``users.csv`` to ``POST /admin/import/users`` in batches of :data:`USER_BATCH` (with
the users ``user_states.csv`` lists as disabled, to disable once created), then the
groups and memberships of ``groups.csv`` to ``POST /admin/import/memberships`` in
batches of :data:`MEMBERSHIP_BATCH` (each batch with the groups it names that were not
sent yet; the groups without members last), reading the files again as it goes and
reporting each row's outcome as its batch returns.

A batch that fails as a whole for a passing reason (the network, throttling, a 5xx) is
sent again after a pause: the API answers ``exists`` for a row an earlier attempt
created, so nothing is created twice. Any other whole-batch failure stops the import
(:attr:`ImportSummary.stopped_by`); running it again is safe for the same reason.

Pure Python, no Qt: the dialog runs these on a worker and passes a stop event; the
callbacks are called on that worker.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import threading
from collections.abc import Callable, Collection, Iterator, Sequence
from pathlib import Path
from typing import Literal, TypeVar

from desktop_app import errors
from desktop_app.admin import migration, wording
from desktop_app.admin import migration_files as files
from desktop_app.api import admin

USER_BATCH = 50  # the API's limit per POST /admin/import/users
MEMBERSHIP_BATCH = 100  # the API's limit per POST /admin/import/memberships (and groups)
PREVIEW_ROWS = 5
#: Cognito's column an import must carry although no attribute is named so.
MFA_COLUMN = "cognito:mfa_enabled"
#: Attributes Cognito keeps: never sent, whatever the target's schema lists.
KEPT_BY_COGNITO = frozenset({"sub", "identities"})
#: Pauses before sending a failed batch again (seconds; a Retry-After wins).
RETRY_DELAYS = (1.0, 2.0, 4.0, 8.0)
MAX_RETRY_AFTER = 60.0
MessageAction = Literal["INVITE", "SUPPRESS"]
Phase = migration.Phase
T = TypeVar("T")


@dataclasses.dataclass(frozen=True)
class ImportPreview:
    """What an import of ``folder`` would do, read before anything is sent.

    ``sent``: the columns of ``users.csv`` the import sends (the username, Cognito's
    MFA column, and the attributes this pool has); ``ignored``: the others.
    ``first_users``: the first rows as (username, the other values sent as
    ``name=value``). ``disabled``: the usernames ``user_states.csv`` lists as
    disabled. ``admin_members``: memberships of the admin group among ``memberships``.
    """

    folder: Path
    header: tuple[str, ...]
    sent: tuple[str, ...]
    ignored: tuple[str, ...]
    users: int
    first_users: tuple[tuple[str, str], ...]
    groups: tuple[files.GroupRow, ...]
    memberships: int
    disabled: frozenset[str] = frozenset()
    admin_members: int = 0
    found: tuple[str, ...] = files.ALL_FILES

    @property
    def notes(self) -> tuple[str, ...]:
        """What the preview says besides the counts, one sentence each."""
        notes: list[str] = []
        if self.ignored:
            notes.append(
                f"Ignored {wording.plural('column', len(self.ignored))} (not attributes of "
                "this pool): " + ", ".join(self.ignored) + "."
            )
        if files.STATES_FILE not in self.found:
            notes.append(f"There is no {files.STATES_FILE}: every user is created enabled.")
        if files.GROUPS_FILE not in self.found:
            notes.append(f"There is no {files.GROUPS_FILE}: no groups or memberships are imported.")
        return tuple(notes)


class Status(enum.Enum):
    """A row's outcome as the API reports it."""

    CREATED = "created"
    EXISTS = "exists"
    FAILED = "failed"


@dataclasses.dataclass(frozen=True)
class RowOutcome:
    """One row's outcome: ``number`` is its data row in its file (from 1);
    ``group`` is None for a user, the group of a membership; ``message`` the API's
    words for a failed row (or a created one with a catch: "created, but not
    disabled"), ``error`` its code (``throttled``, ``invalid_parameter``...)."""

    phase: Phase
    number: int
    username: str
    group: str | None
    status: Status
    message: str | None = None
    error: str | None = None


@dataclasses.dataclass(frozen=True)
class ImportProgress:
    """Rows of ``phase`` answered so far, of ``total``."""

    phase: Phase
    done: int
    total: int


@dataclasses.dataclass
class ImportSummary:
    """Counts per phase and status, rows never sent, and why the import ended early:
    ``cancelled`` (the stop event), or ``stopped_by`` (a batch that failed as a whole,
    after its retries)."""

    users: dict[Status, int] = dataclasses.field(default_factory=lambda: dict.fromkeys(Status, 0))
    memberships: dict[Status, int] = dataclasses.field(
        default_factory=lambda: dict.fromkeys(Status, 0)
    )
    not_run: int = 0
    cancelled: bool = False
    stopped_by: BaseException | None = None

    def count(self, outcome: RowOutcome) -> None:
        counts = self.users if outcome.phase is Phase.USERS else self.memberships
        counts[outcome.status] += 1


def read_folder(
    api: admin.JsonCaller, folder: str | Path, *, admin_group: str | None = None
) -> ImportPreview:
    """Read ``folder``'s files for the preview, streaming (only counts, the first rows,
    the groups and the disabled usernames are kept), and this pool's attributes
    (``GET /admin/schema``) to know which columns it takes. ``ValueError`` naming the
    file and line for a file that is not an export; ``OSError`` if one cannot be read."""
    where = Path(folder)
    users_path = where / files.USERS_FILE
    if not users_path.is_file():
        raise ValueError(f"the folder has no {files.USERS_FILE}; choose the folder of an export")
    attributes = {a.name for a in admin.get_schema(api).attributes} - KEPT_BY_COGNITO
    with files.Reader(users_path) as users_file:
        header = users_file.header
        if files.USERNAME_COLUMN not in header:
            raise ValueError(f"{files.USERS_FILE} has no {files.USERNAME_COLUMN} column")
        if len(set(header)) != len(header):
            raise ValueError(f"{files.USERS_FILE} names a column twice")
        sent = tuple(
            c for c in header if c in (files.USERNAME_COLUMN, MFA_COLUMN) or c in attributes
        )
        positions = [header.index(c) for c in sent]
        count = 0
        first: list[tuple[str, str]] = []
        for _number, cells in users_file.rows():
            count += 1
            if len(first) < PREVIEW_ROWS:
                values = {header[i]: cells[i] for i in positions}
                username = values.pop(files.USERNAME_COLUMN)
                first.append((username, ", ".join(f"{k}={v}" for k, v in values.items() if v)))
    disabled: set[str] = set()
    if (where / files.STATES_FILE).is_file():
        disabled = set(files.disabled_users(where / files.STATES_FILE))
    groups: dict[str, files.GroupRow] = {}
    memberships = admin_members = 0
    if (where / files.GROUPS_FILE).is_file():
        for _number, group, username in files.group_rows(where / files.GROUPS_FILE):
            groups.setdefault(group.name, group)
            if username:
                memberships += 1
                admin_members += group.name == admin_group
    return ImportPreview(
        folder=where,
        header=header,
        sent=sent,
        ignored=tuple(c for c in header if c not in sent),
        users=count,
        first_users=tuple(first),
        groups=tuple(groups.values()),
        memberships=memberships,
        disabled=frozenset(disabled),
        admin_members=admin_members,
        found=tuple(name for name in files.ALL_FILES if (where / name).is_file()),
    )


def import_pool(
    api: admin.JsonCaller,
    preview: ImportPreview,
    message_action: MessageAction,
    *,
    stop: threading.Event | None = None,
    on_progress: Callable[[ImportProgress], None] | None = None,
    on_rows: Callable[[Sequence[RowOutcome]], None] | None = None,
    wait: Callable[[float], bool] | None = None,
) -> ImportSummary:
    """Create the users of ``preview``, then its groups and memberships; see the
    module docstring. ``message_action``: ``INVITE`` (Cognito emails each new user a
    temporary password) or ``SUPPRESS`` (no message). ``stop`` is checked before each
    batch; ``wait(seconds)`` pauses before a batch is sent again and returns True if
    the import should stop instead (default: ``stop.wait``). Per-row outcomes go to
    ``on_rows`` batch by batch, in file order; the summary counts them."""
    if message_action not in ("INVITE", "SUPPRESS"):
        raise ValueError("message_action must be INVITE or SUPPRESS")
    stop = stop or threading.Event()
    pause = wait if wait is not None else stop.wait
    progress = on_progress if on_progress is not None else _ignore
    rows_out = on_rows if on_rows is not None else _ignore
    summary = ImportSummary()
    phases = (
        (Phase.USERS, preview.users, _user_batches(api, preview, message_action)),
        (Phase.GROUPS, preview.memberships, _membership_batches(api, preview)),
    )
    for phase, total, batches in phases:
        done = 0
        progress(ImportProgress(phase, 0, total))
        for size, send in batches:
            if summary.cancelled or summary.stopped_by is not None or stop.is_set():
                summary.cancelled = summary.cancelled or summary.stopped_by is None
                summary.not_run += size  # the rest of the file, counted
                continue
            ran = _run_batch(send, pause)
            for outcome in ran.outcomes:
                summary.count(outcome)
            if ran.outcomes:
                rows_out(ran.outcomes)
            summary.not_run += size - len(ran.outcomes)
            summary.cancelled = ran.cancelled
            summary.stopped_by = ran.error
            done += len(ran.outcomes)
            progress(ImportProgress(phase, done, total))
    return summary


def retryable(exc: BaseException) -> bool:
    """A whole batch failed for a reason that may pass: the network, Cognito's
    throttling (429), or the server (5xx). Sending it again duplicates nothing."""
    if isinstance(exc, errors.NetworkError):
        return True
    return isinstance(exc, errors.ApiError) and (exc.status == 429 or exc.status >= 500)


#: Sends a batch's rows (``None``: all; else those indexes) and answers their
#: outcomes, in the order asked.
_Send = Callable[[Sequence[int] | None], list[RowOutcome]]
#: One batch: how many file rows it carries, and how to send them.
_Batch = tuple[int, _Send]
THROTTLED = "throttled"  # a row the API did not get to: Cognito kept throttling


@dataclasses.dataclass
class _Ran:
    """What sending one batch gave: an outcome per row (none if nothing came back),
    and whether the admin cancelled or a failure of the whole batch ended it."""

    outcomes: list[RowOutcome]
    cancelled: bool = False
    error: BaseException | None = None


def _run_batch(send: _Send, pause: Callable[[float], bool]) -> _Ran:
    """The batch, sent again while it fails as a whole for a passing reason; then its
    rows the API had no time for (``throttled``), sent again after a pause."""
    try:
        first = _send(functools.partial(send, None), pause)
    except Exception as exc:  # the whole batch, after its retries
        return _Ran([], error=exc)
    if first is None:  # stopped while pausing before a retry
        return _Ran([], cancelled=True)
    outcomes = list(first)
    for delay in RETRY_DELAYS:
        again = [i for i, o in enumerate(outcomes) if o.error == THROTTLED]
        if not again:
            break
        if pause(delay):
            return _Ran(outcomes, cancelled=True)
        try:
            retried = _send(functools.partial(send, again), pause)
        except Exception as exc:
            return _Ran(outcomes, error=exc)
        if retried is None:
            return _Ran(outcomes, cancelled=True)
        for index, outcome in zip(again, retried, strict=True):
            outcomes[index] = outcome
    return _Ran(outcomes)


def _user_batches(
    api: admin.JsonCaller, preview: ImportPreview, message_action: MessageAction
) -> Iterator[_Batch]:
    """users.csv in batches, read as they are sent (the file is never whole in memory)."""
    with files.Reader(preview.folder / files.USERS_FILE) as users_file:
        if users_file.header != preview.header:
            raise ValueError(f"{files.USERS_FILE} changed since it was read; read it again")
        positions = [preview.header.index(c) for c in preview.sent]
        for chunk in _chunks(users_file.rows(), USER_BATCH):
            rows = [[cells[i] for i in positions] for _number, cells in chunk]
            numbers = [number for number, _cells in chunk]
            send = functools.partial(
                _send_users, api, preview.sent, rows, message_action, numbers, preview.disabled
            )
            yield len(rows), send


def _send_users(
    api: admin.JsonCaller,
    header: Sequence[str],
    rows: list[list[str]],
    message_action: MessageAction,
    numbers: list[int],
    disabled: Collection[str],
    only: Sequence[int] | None,
) -> list[RowOutcome]:
    chosen = range(len(rows)) if only is None else only
    sent = [rows[i] for i in chosen]
    names = [row[header.index(files.USERNAME_COLUMN)] for row in sent]
    to_disable = [name for name in names if name in disabled]
    results = admin.import_users(api, header, sent, message_action, disabled=to_disable)
    return _outcomes(Phase.USERS, results, [numbers[i] for i in chosen], names, [None] * len(sent))


def _membership_batches(api: admin.JsonCaller, preview: ImportPreview) -> Iterator[_Batch]:
    """groups.csv's memberships in batches, each with the groups it names that were not
    sent yet; then the groups without members."""
    if files.GROUPS_FILE not in preview.found:
        return
    unsent = {group.name: group for group in preview.groups}
    memberships = (
        (number, group.name, username)
        for number, group, username in files.group_rows(preview.folder / files.GROUPS_FILE)
        if username
    )
    for chunk in _chunks(memberships, MEMBERSHIP_BATCH):
        pairs = [(group, username) for _number, group, username in chunk]
        named = dict.fromkeys(group for group, _username in pairs)
        groups = [unsent.pop(name) for name in named if name in unsent]
        numbers = [number for number, _group, _username in chunk]
        yield len(pairs), functools.partial(_send_memberships, api, groups, pairs, numbers)
    rest = list(unsent.values())
    for start in range(0, len(rest), MEMBERSHIP_BATCH):
        alone = rest[start : start + MEMBERSHIP_BATCH]
        yield 0, functools.partial(_send_memberships, api, alone, [], [])


def _send_memberships(
    api: admin.JsonCaller,
    groups: list[files.GroupRow],
    pairs: list[tuple[str, str]],
    numbers: list[int],
    only: Sequence[int] | None,
) -> list[RowOutcome]:
    """The batch's new groups (the first time: ``only`` is None), then its memberships;
    a pair whose names Cognito would refuse fails here, unsent, so it cannot fail the
    batch."""
    chosen = list(range(len(pairs)) if only is None else only)
    infos = [admin.GroupSpec(g.name, g.description, g.precedence) for g in groups]
    if only is not None:
        infos = []  # created by the first send
    refused = {i: why for i in chosen if (why := _bad_pair(*pairs[i])) is not None}
    sent = [i for i in chosen if i not in refused]
    if not sent:
        admin.import_groups(api, infos)
    results = admin.import_memberships(api, infos, [pairs[i] for i in sent]) if sent else ()
    answered = {sent[r.row]: r for r in results if 0 <= r.row < len(sent)}
    for i, why in refused.items():
        answered[i] = admin.RowResult(i, pairs[i][1], "failed", "invalid_parameter", why)
    ordered = [
        dataclasses.replace(answered[i], row=n) for n, i in enumerate(chosen) if i in answered
    ]
    return _outcomes(
        Phase.GROUPS,
        ordered,
        [numbers[i] for i in chosen],
        [pairs[i][1] for i in chosen],
        [pairs[i][0] for i in chosen],
    )


def _bad_pair(group: str, username: str) -> str | None:
    try:
        admin.check_name(group, "group")
        admin.check_name(username)
    except ValueError as exc:
        return str(exc)
    return None


def _send(
    send: Callable[[], list[RowOutcome]], pause: Callable[[float], bool]
) -> list[RowOutcome] | None:
    """``send()``, again after a pause while it fails for a passing reason
    (:func:`retryable`); None if ``pause`` says to stop instead."""
    for delay in (*RETRY_DELAYS, None):
        try:
            return send()
        except Exception as exc:
            if delay is None or not retryable(exc):
                raise
            asked = exc.retry_after if isinstance(exc, errors.ApiError) else None
            wanted = asked if asked is not None and asked > 0 else delay
            if pause(min(wanted, MAX_RETRY_AFTER)):
                return None
    raise AssertionError("unreachable: the last delay is None")


def _outcomes(
    phase: Phase,
    results: Sequence[admin.RowResult],
    numbers: Sequence[int],
    usernames: Sequence[str],
    groups: Sequence[str | None],
) -> list[RowOutcome]:
    """One outcome per row sent, in order (a row the answer left out is a failure)."""
    by_row = {result.row: result for result in results if 0 <= result.row < len(numbers)}
    outcomes: list[RowOutcome] = []
    for index, number in enumerate(numbers):
        result = by_row.get(index)
        message: str | None
        if result is None:
            status, message, error = Status.FAILED, "the API gave no result for this row", None
        else:
            status = _STATUS.get(result.status, Status.FAILED)
            error = result.error
            message = result.message or (error if status is Status.FAILED else None)
        outcomes.append(
            RowOutcome(phase, number, usernames[index], groups[index], status, message, error)
        )
    return outcomes


_STATUS = {status.value: status for status in Status}


def _chunks(items: Iterator[T], size: int) -> Iterator[list[T]]:
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _ignore(_value: object) -> None:
    return None
