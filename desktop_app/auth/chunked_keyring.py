"""One stored value in an OS keyring: chunked where the backend caps a secret, digest-checked,
every call timed out.

Windows Credential Manager caps a secret at 2,560 bytes, and ``keyring`` writes it
as UTF-16 (2 bytes a character), so the real cap is 1,280 characters; Cognito
refresh tokens alone are ~1,700-1,800. Values longer than the item's chunk limit
(:data:`CHUNK_LIMIT` on Windows) are therefore split: the main item holds
``{"v": 1, "chunks": N, "digest": <sha256 of the full value>}`` and items
``<key>#0`` .. ``#N-1`` hold the parts. Stored values are JSON objects without a
``chunks`` key (:mod:`desktop_app.auth.session_codec`'s), so a header is told apart
from an unchunked value.

Every backend call runs under :func:`desktop_app.auth.deadline.call` and is abandoned
after ``timeout`` seconds (a locked keyring can hang or pop a dialog); calls on one item
are serialised, so a later call queues behind a hung one and times out too rather than
racing it. Errors become :class:`~desktop_app.errors.KeyringError` naming only the
exception class: no secret, value or backend message is ever logged or shown.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import keyring.backend
import keyring.errors

from desktop_app import errors
from desktop_app.auth import deadline

log = logging.getLogger(__name__)

HEADER_VERSION = 1
#: Longest value (in characters) one Windows keyring item holds. Values are pure ASCII
#: JSON, so UTF-16 needs 2 bytes a character: 1,200 * 2 = 2,400 <= Windows' 2,560-byte cap.
CHUNK_LIMIT = 1200
#: Elsewhere one item holds a session, so a save or load is one keyring round trip (each
#: costs ~15 ms on Secret Service, which opens a D-Bus session per call).
UNCAPPED_CHUNK_LIMIT = 60_000
#: Upper bound on chunks (~76,000 characters): more is refused on save, corrupt on load.
MAX_CHUNKS = 64

_HEX = frozenset("0123456789abcdef")
_T = TypeVar("_T")


class KeyringTimeoutError(errors.KeyringError):
    """The keyring did not answer in time (a :class:`KeyringError` to callers)."""


class CorruptError(Exception):
    """The stored entry cannot be read back; ``str()`` is a secret-free reason."""


def chunk_limit_for(backend: keyring.backend.KeyringBackend) -> int:
    """:data:`CHUNK_LIMIT` for Windows' Credential Locker (the only backend that caps a
    credential), else :data:`UNCAPPED_CHUNK_LIMIT`: one item per value."""
    cls = type(backend)
    if (cls.__module__, cls.__qualname__) == ("keyring.backends.Windows", "WinVaultKeyring"):
        return CHUNK_LIMIT
    return UNCAPPED_CHUNK_LIMIT


def keyring_call(
    fn: Callable[[], _T], timeout: float, action: str, lock: threading.Lock | None = None
) -> _T:
    """``fn()`` (a keyring call) with a deadline; :class:`KeyringError` on timeout or
    any exception, naming only its class. ``action`` completes "failed to ..."."""
    try:
        return deadline.call(fn, timeout, lock=lock, name="cognito-desktop-keyring")
    except deadline.Expired:
        kind = None
    except deadline.Failed as failed:
        kind = failed.kind
    # Raised here, outside the handlers, so the error carries no context to print.
    if kind is None:
        log.warning("The OS keyring did not answer within %g s (%s)", timeout, action)
        raise KeyringTimeoutError(
            f"the OS keyring did not answer within {timeout:g} s (is it locked?)"
        )
    log.warning("The OS keyring failed to %s (%s)", action, kind)
    # keyring's KeyringLocked, secretstorage's LockedException: say what to do about it.
    hint = "; the keyring is locked: unlock it and try again" if "Locked" in kind else ""
    raise errors.KeyringError(f"the OS keyring failed to {action} ({kind}){hint}")


class ChunkedItem:
    """The value under ``key`` in ``service``, laid out as the module docstring says.

    Not thread-safe: one :meth:`read`, :meth:`write` or :meth:`delete` at a time (the
    caller serialises them, so chunk writes never interleave).
    """

    def __init__(
        self,
        backend: keyring.backend.KeyringBackend,
        service: str,
        key: str,
        *,
        timeout: float,
        chunk_limit: int,
    ) -> None:
        if chunk_limit < 1:
            raise ValueError("chunk_limit must be positive")
        self._backend, self._service, self._key = backend, service, key  # where it is
        self._timeout, self._chunk_limit = timeout, chunk_limit
        # How many chunks the stored value has, when this object knows (it read or
        # wrote it): writes then delete stale chunks without probing the keyring.
        self._known_chunks: int | None = None
        # One backend call at a time, held by the worker: a later call queues behind a
        # hung one (and times out) instead of racing it.
        self._backend_lock = threading.Lock()

    def read(self) -> str | None:
        """The stored value, or None; :class:`CorruptError` if its chunks cannot be read
        back (the entry is left as it is: :meth:`delete` removes it). A main item that is
        not a chunk header is returned as it is: whether it is a good value is for the
        caller to say."""
        raw = self._get(self._key)
        if raw is None:
            return None
        value = self._assemble(raw)
        self._known_chunks = _stated_chunks(raw)
        return value

    def write(self, value: str) -> int:
        """Replace the stored value; the number of chunks it took (0: one item)."""
        limit = self._chunk_limit
        if len(value) <= limit:
            parts: list[str] = []
            main = value
        else:
            parts = [value[i : i + limit] for i in range(0, len(value), limit)]
            if len(parts) > MAX_CHUNKS:
                raise errors.KeyringError(
                    f"the session is too large for the OS keyring ({len(value)} characters)"
                )
            header = {"v": HEADER_VERSION, "chunks": len(parts), "digest": _digest(value)}
            main = json.dumps(header, separators=(",", ":"))
        # Chunks first, then the item that points at them, then stale chunks.
        for index, part in enumerate(parts):
            self._set(self._chunk_key(index), part)
        self._set(self._key, main)
        if self._known_chunks is None:
            self._delete_chunks_from(len(parts))
        else:
            for index in reversed(range(len(parts), self._known_chunks)):
                self._delete(self._chunk_key(index))
        self._known_chunks = len(parts)
        return len(parts)

    def delete(self) -> None:
        """Remove the main item first, so the entry is gone at once, then every chunk,
        including any beyond a gap below the stated count. Idempotent."""
        try:
            raw = self._get(self._key)  # for its chunk count
        except KeyringTimeoutError:
            raise
        except errors.KeyringError:
            raw = None  # an unreadable item must still be deletable
        self._delete(self._key)
        self._delete_chunks_from(0, at_least=_stated_chunks(raw))
        self._known_chunks = 0

    # layout

    def _chunk_key(self, index: int) -> str:
        return f"{self._key}#{index}"

    def _assemble(self, raw: str) -> str:
        """The full value from the main item's ``raw`` text (reading chunks if any)."""
        header = _header(raw)
        if header is None:
            return raw  # the value itself, to be judged by whoever reads it
        if header.get("v") != HEADER_VERSION:
            raise CorruptError("unknown format version")
        count, digest = header.get("chunks"), header.get("digest")
        if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_CHUNKS:
            raise CorruptError("bad chunk count")
        if not isinstance(digest, str) or len(digest) != 64 or not set(digest) <= _HEX:
            raise CorruptError("bad digest")
        parts = []
        for index in range(count):
            part = self._get(self._chunk_key(index))
            if part is None:
                raise CorruptError(f"chunk {index + 1} of {count} is missing")
            parts.append(part)
        value = "".join(parts)
        if not hmac.compare_digest(_digest(value), digest):
            raise CorruptError("digest mismatch")
        return value

    def _delete_chunks_from(self, start: int, *, at_least: int = 0) -> None:
        """Delete chunks ``start`` and up: every index below ``at_least``, then the run of
        present ones above. Chunks are written upwards from 0 and deleted from the top
        down, so what is stored always forms a run without gaps."""
        present: list[int] = []
        index = start
        while index < MAX_CHUNKS:
            if self._get(self._chunk_key(index)) is not None:
                present.append(index)
            elif index >= at_least:
                break
            index += 1
        for index in reversed(present):
            self._delete(self._chunk_key(index))

    # timed, serialised backend calls

    def _get(self, key: str) -> str | None:
        return self._call(
            "read the stored session", lambda: self._backend.get_password(self._service, key)
        )

    def _set(self, key: str, value: str) -> None:
        self._call(
            "save the session", lambda: self._backend.set_password(self._service, key, value)
        )

    def _delete(self, key: str) -> None:
        def delete_quietly() -> None:
            with contextlib.suppress(keyring.errors.PasswordDeleteError):  # already gone
                self._backend.delete_password(self._service, key)

        self._call("remove the stored session", delete_quietly)

    def _call(self, action: str, fn: Callable[[], _T]) -> _T:
        return keyring_call(fn, self._timeout, action, self._backend_lock)


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def _header(raw: str | None) -> dict[str, Any] | None:
    """The chunk header a main item holds, or None when it holds the value (or nothing)."""
    try:
        document = json.loads(raw) if raw is not None else None
    except ValueError:
        return None
    return document if isinstance(document, dict) and "chunks" in document else None


def _stated_chunks(raw: str | None) -> int:
    """The chunk count a main item claims, if it can be read (0 otherwise)."""
    header = _header(raw)
    count = header.get("chunks") if header is not None else None
    if isinstance(count, int) and not isinstance(count, bool):
        return max(0, min(count, MAX_CHUNKS))
    return 0
