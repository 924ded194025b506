"""Noticing that the config file changed on disk (``cognito-local up`` rewrote its
profile, someone edited it) so that the window never signs in with stale settings.

:class:`ConfigWatch` watches the file and its folder (writers replace the file
atomically, which drops a watch on the file alone), waits for the writes to settle
(:data:`DEBOUNCE_MS`), then reads the file on a worker (:func:`read`: one read, whose
bytes are both fingerprinted and parsed) and reports a :class:`Reading` whose
fingerprint differs from the one the current session was opened with. What to do
about it is the window's business (:mod:`desktop_app.ui.main_window`); the sentences
it shows are here.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6 import QtCore

if TYPE_CHECKING:
    from desktop_app import config

#: How long the file must stay quiet before it is read: an editor's save or an atomic
#: replace is several events.
DEBOUNCE_MS = 300


@dataclasses.dataclass(frozen=True)
class Fingerprint:
    """What the file held: its modification time, size and content hash."""

    mtime_ns: int
    size: int
    sha256: str


@dataclasses.dataclass(frozen=True)
class Reading:
    """One read of the config file: its fingerprint (None: missing or unreadable) and
    either the profile asked for or the one line saying why it cannot be used."""

    fingerprint: Fingerprint | None
    profile: config.Profile | None
    error: str | None


def fingerprint(path: Path) -> Fingerprint | None:
    """The file's :class:`Fingerprint`, None if it cannot be read. I/O: a worker's job."""
    try:
        stat = path.stat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None
    return Fingerprint(stat.st_mtime_ns, stat.st_size, digest)


def read(path: Path, name: str) -> Reading:
    """Read ``path`` once and parse profile ``name`` from those same bytes."""
    from desktop_app import config, errors  # on the worker: the GUI paints first

    try:
        data = config.read_bytes(path)  # first: its error names the file in words
        stat = path.stat()
        found = Fingerprint(stat.st_mtime_ns, stat.st_size, hashlib.sha256(data).hexdigest())
    except (OSError, errors.ConfigError) as exc:
        return Reading(None, None, str(exc))
    try:
        return Reading(found, config.pick(config.parse(data, path), path, name), None)
    except errors.ConfigError as exc:
        return Reading(found, None, str(exc))


class ConfigWatch(QtCore.QObject):
    """Watches one config file for the window.

    :meth:`opened` records the fingerprint the current session was built from;
    :meth:`check` reads the file now (before a sign-in, so that a missed notification
    cannot sign in with a stale client id).

    Signals:
        changed(object): a :class:`Reading` of the active profile whose fingerprint is
            not the one :meth:`opened` recorded (the profile itself may read the same:
            another profile was edited).
        unchanged(): a :meth:`check` found the file as :meth:`opened` recorded it.
    """

    changed = QtCore.Signal(object)
    unchanged = QtCore.Signal()

    def __init__(
        self,
        path: Path,
        profile_name: Callable[[], str],
        parent: QtCore.QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.path = path
        self._profile_name = profile_name
        from desktop_app.qt import tasks  # built after the profile opened: loaded already

        self._opened: Fingerprint | None = None
        self._tasks = tasks.TaskGroup.of(self)
        self._timer = QtCore.QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self._on_settled)
        self._watcher = QtCore.QFileSystemWatcher(self)
        self._watcher.fileChanged.connect(self._on_touched)
        self._watcher.directoryChanged.connect(self._on_touched)
        self._watch()

    def _watch(self) -> None:
        # Re-added after every event: an atomic replace (rename over the file) ends
        # the watch on the old inode, and a file that did not exist yet may now.
        if self.path.parent.is_dir() and str(self.path.parent) not in self._watcher.directories():
            self._watcher.addPath(str(self.path.parent))
        if self.path.is_file() and str(self.path) not in self._watcher.files():
            self._watcher.addPath(str(self.path))

    def watched(self) -> list[str]:
        """The paths watched now (the file and its folder)."""
        return [*self._watcher.files(), *self._watcher.directories()]

    def opened(self, found: Fingerprint | None) -> None:
        """The current session was built from the file as ``found`` describes it."""
        self._opened = found

    def _on_touched(self, _path: str) -> None:
        self._watch()
        self._timer.start()

    def _on_settled(self) -> None:
        self.check()

    def check(self) -> None:
        """Read the file on a worker, then ``changed`` or ``unchanged``."""
        path, name = self.path, self._profile_name()
        self._tasks.start(
            lambda: read(path, name), self._on_read, self._on_failed, name="config-read"
        )

    def _on_read(self, reading: Reading) -> None:
        if reading.fingerprint is not None and reading.fingerprint == self._opened:
            self.unchanged.emit()
        else:
            self.changed.emit(reading)

    def _on_failed(self, exc: BaseException) -> None:
        # read() turns every file problem into a Reading; anything else is a bug.
        self.changed.emit(Reading(None, None, str(exc)))


# -- what the window says -----------------------------------------------------------------


def _tr(text: str) -> str:
    return QtCore.QCoreApplication.translate("ConfigWatch", text)


def reloaded(name: str) -> str:
    """The settings were reopened while nobody was signed in."""
    return _tr("The '{0}' environment's settings changed on disk; reloaded.").format(name)


def signed_out(name: str) -> str:
    """A session from the old pool or app client was dropped on this computer."""
    return _tr(
        "The '{0}' environment's settings changed on disk (its user pool or app client), "
        "so the session from the old settings has ended. Sign in again."
    ).format(name)


def applies_later(name: str) -> str:
    """Harmless changes while signed in: used from the next sign-in."""
    return _tr(
        "The '{0}' environment's settings changed on disk; they apply from your next sign-in."
    ).format(name)


def unusable(error: str) -> str:
    """The file now fails to load: the old settings stay in use."""
    return _tr(
        "The config file changed but cannot be used ({0}); still using the previous settings."
    ).format(error)
