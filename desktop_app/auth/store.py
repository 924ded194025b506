"""Where a signed-in session survives a restart: the OS keyring, or memory only.

Only the refresh token (the one secret) and non-secret metadata are stored, as one
small JSON document per profile under service ``cognito-desktop`` and username
``profile:<name>``. Nothing here ever writes a file.

Backends are allowlisted by class (:mod:`desktop_app.auth.keyring_choice`; module +
class name, so nothing platform-specific
is imported): macOS Keychain, Windows Credential Locker, Secret Service (and its
libsecret flavour) and KWallet. Any other backend (``keyrings.alt`` plaintext or
encrypted files, ``fail``, ``null``, unknown third-party ones) gives a
:class:`MemoryStore` with a one-line warning: the person stays signed in only while
the app runs.

Windows Credential Manager caps a secret at 2,560 bytes, and ``keyring`` writes it
as UTF-16 (2 bytes a character), so the real cap is 1,280 characters; Cognito
refresh tokens alone are ~1,700-1,800. Values longer than :data:`CHUNK_LIMIT`
characters are therefore split: the main item holds
``{"v": 1, "chunks": N, "digest": <sha256 of the full value>}`` and items
``profile:<name>#0`` .. ``#N-1`` hold the parts. The same layout is used on every
platform so it is tested everywhere.

Every keyring call runs in a daemon worker thread and is abandoned after ``timeout``
seconds (a locked keyring can hang or pop a dialog); calls on one store are
serialised, so a later call queues behind a hung one and times out too rather than
racing it. Errors become :class:`~desktop_app.errors.KeyringError` naming only the
exception class: no secret, value or backend message is ever logged or shown.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import hmac
import json
import logging
import math
import threading
from collections.abc import Callable
from typing import Any, Protocol, TypeVar, runtime_checkable

import keyring
import keyring.backend
import keyring.errors

from desktop_app.auth import keyring_choice
from desktop_app.auth.keyring_choice import (  # re-exported: the store's public API
    SECURE_BACKENDS,
    is_secure_backend,
    register_builtin_backends,
)
from desktop_app.errors import KeyringError

__all__ = [
    "CHUNK_LIMIT",
    "SECURE_BACKENDS",
    "SERVICE",
    "KeyringStore",
    "MemoryStore",
    "StoredSession",
    "TokenStore",
    "is_secure_backend",
    "open_store",
]

log = logging.getLogger(__name__)

SERVICE = "cognito-desktop"
FORMAT_VERSION = 1

#: Longest value (in characters) one keyring item holds. Values are pure ASCII JSON,
#: so UTF-16 needs 2 bytes a character: 1,200 * 2 = 2,400 <= Windows' 2,560-byte cap.
CHUNK_LIMIT = 1200
#: Upper bound on chunks (~76,000 characters): more is refused on save, corrupt on load.
MAX_CHUNKS = 64

_MEMORY_WARNING = (
    "Sessions are kept in memory only; you will stay signed in only while the app runs."
)
_SESSION_FIELDS = ("refresh_token", "username", "sub", "client_id", "issuer", "saved_at")
_HEX = frozenset("0123456789abcdef")

_T = TypeVar("_T")


# -- the stored session -------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class StoredSession:
    """What survives a restart. ``refresh_token`` is the only secret and never shown."""

    refresh_token: str = dataclasses.field(repr=False)
    username: str
    sub: str
    client_id: str
    issuer: str
    saved_at: float  # epoch seconds


@runtime_checkable
class TokenStore(Protocol):
    """Persists one profile's :class:`StoredSession`."""

    backend_name: str
    """Display name of where sessions go, e.g. ``"SecretService Keyring"``, ``"memory"``."""
    secure: bool
    """True only for an allowlisted OS keyring."""
    warning: str | None
    """One line for the person when not secure, else None."""

    def load(self) -> StoredSession | None:
        """The stored session, or None; a corrupted entry is deleted and gives None."""
        ...

    def save(self, session: StoredSession) -> None:
        """Replace the stored session."""
        ...

    def delete(self) -> None:
        """Remove the stored session; idempotent."""
        ...


# -- memory only ---------------------------------------------------------------------


class MemoryStore:
    """Keeps the session for the life of the process only. Never secure, never a file."""

    backend_name: str
    secure: bool
    warning: str | None

    def __init__(self, warning: str | None = _MEMORY_WARNING) -> None:
        self.backend_name = "memory"
        self.secure = False
        self.warning = warning
        self._lock = threading.Lock()
        self._session: StoredSession | None = None

    def load(self) -> StoredSession | None:
        with self._lock:
            return self._session

    def save(self, session: StoredSession) -> None:
        with self._lock:
            self._session = session

    def delete(self) -> None:
        with self._lock:
            self._session = None

    def __repr__(self) -> str:
        return f"MemoryStore(has_session={self._session is not None})"


# -- the OS keyring ------------------------------------------------------------------


class _KeyringTimeoutError(KeyringError):
    """The keyring did not answer in time (a :class:`KeyringError` to callers)."""


class _CorruptError(Exception):
    """The stored entry cannot be read back; ``str()`` is a secret-free reason."""


class KeyringStore:
    """A profile's session in a ``keyring`` backend (chunked, digest-checked, timed out)."""

    backend_name: str
    secure: bool
    warning: str | None

    def __init__(
        self,
        backend: keyring.backend.KeyringBackend,
        profile: str,
        *,
        service: str = SERVICE,
        timeout: float = 5.0,
        chunk_limit: int = CHUNK_LIMIT,
    ) -> None:
        _check_profile(profile)
        _check_timeout(timeout)
        if chunk_limit < 1:
            raise ValueError("chunk_limit must be positive")
        self._chunk_limit = chunk_limit
        # How many chunks the stored value has, when this object knows (it read or
        # wrote it): saves then delete stale chunks without probing the keyring.
        self._known_chunks: int | None = None
        self._backend = backend
        self._profile = profile
        self._service = service
        self._timeout = timeout
        self._main_key = f"profile:{profile}"
        self.backend_name = keyring_choice.backend_name(backend)
        self.secure = is_secure_backend(backend)
        self.warning = (
            None
            if self.secure
            else f"The keyring backend {self.backend_name} is not a recognised secure OS "
            "keyring; prefer a system keychain."
        )
        # One operation (load/save/delete) at a time, so chunk writes never interleave.
        self._op_lock = threading.Lock()
        # One backend call at a time, held by the worker: a later call queues behind a
        # hung one (and times out) instead of racing it.
        self._backend_lock = threading.Lock()

    def __repr__(self) -> str:
        return (
            f"KeyringStore(profile={self._profile!r}, backend={self.backend_name!r}, "
            f"secure={self.secure})"
        )

    # public API

    def load(self) -> StoredSession | None:
        with self._op_lock:
            raw = self._get(self._main_key)
            if raw is None:
                return None
            try:
                session = _decode_session(self._assemble(raw))
                self._known_chunks = _stated_chunks(raw)
                return session
            except _CorruptError as reason:
                log.warning(
                    "The stored session for profile %r was unreadable (%s); removed it. "
                    "Sign in again.",
                    self._profile,
                    reason,
                )
                self._purge(raw)
                return None

    def save(self, session: StoredSession) -> None:
        if not session.refresh_token:
            raise ValueError("refusing to store a session without a refresh token")
        value = _encode_session(session)
        limit = self._chunk_limit
        if len(value) <= limit:
            parts: list[str] = []
            main = value
        else:
            parts = [value[i : i + limit] for i in range(0, len(value), limit)]
            if len(parts) > MAX_CHUNKS:
                raise KeyringError(
                    f"the session is too large for the OS keyring ({len(value)} characters)"
                )
            main = _compact({"v": FORMAT_VERSION, "chunks": len(parts), "digest": _digest(value)})
        with self._op_lock:
            # Chunks first, then the item that points at them, then stale chunks.
            for index, part in enumerate(parts):
                self._set(self._chunk_key(index), part)
            self._set(self._main_key, main)
            if self._known_chunks is None:
                self._delete_chunks_from(len(parts))
            else:
                for index in reversed(range(len(parts), self._known_chunks)):
                    self._delete(self._chunk_key(index))
            self._known_chunks = len(parts)
        log.debug(
            "Saved the session for profile %r in %s (%d chunk(s))",
            self._profile,
            self.backend_name,
            len(parts),
        )

    def close(self) -> None:
        """Release the backend's connection, if it keeps one (the kept D-Bus link)."""
        close = getattr(self._backend, "close", None)
        if callable(close):
            with self._op_lock:
                close()

    def delete(self) -> None:
        with self._op_lock:
            try:
                raw = self._get(self._main_key)  # for its chunk count
            except _KeyringTimeoutError:
                raise
            except KeyringError:
                raw = None  # an unreadable item must still be deletable
            self._purge(raw)

    # layout

    def _chunk_key(self, index: int) -> str:
        return f"{self._main_key}#{index}"

    def _assemble(self, raw: str) -> str:
        """The full value from the main item's ``raw`` text (reading chunks if any)."""
        header = _parse_object(raw)
        if "chunks" not in header:
            return raw
        if header.get("v") != FORMAT_VERSION:
            raise _CorruptError("unknown format version")
        count = header.get("chunks")
        digest = header.get("digest")
        if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_CHUNKS:
            raise _CorruptError("bad chunk count")
        if not isinstance(digest, str) or len(digest) != 64 or not set(digest) <= _HEX:
            raise _CorruptError("bad digest")
        parts = []
        for index in range(count):
            part = self._get(self._chunk_key(index))
            if part is None:
                raise _CorruptError(f"chunk {index + 1} of {count} is missing")
            parts.append(part)
        value = "".join(parts)
        if not hmac.compare_digest(_digest(value), digest):
            raise _CorruptError("digest mismatch")
        return value

    def _purge(self, raw: str | None) -> None:
        """Remove the main item (``raw`` is its text, if any) first, so the entry is gone
        at once, then every chunk, including any beyond a gap below the stated count."""
        self._delete(self._main_key)
        self._delete_chunks_from(0, at_least=_stated_chunks(raw))
        self._known_chunks = 0

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
        return _run(fn, self._timeout, action, self._backend_lock)


# Only Windows caps a credential (2,560 bytes, UTF-16); elsewhere one item holds a
# session, so a save or load is one keyring round trip (each costs ~15 ms on Secret
# Service, which opens a D-Bus session per call).
UNCAPPED_CHUNK_LIMIT = 60_000


def chunk_limit_for(backend: keyring.backend.KeyringBackend) -> int:
    """:data:`CHUNK_LIMIT` for Windows' Credential Locker, else one item per session."""
    cls = type(backend)
    if (cls.__module__, cls.__qualname__) == ("keyring.backends.Windows", "WinVaultKeyring"):
        return CHUNK_LIMIT
    return UNCAPPED_CHUNK_LIMIT


def _run(
    fn: Callable[[], _T], timeout: float, action: str, lock: threading.Lock | None = None
) -> _T:
    """``fn()`` in a daemon thread; :class:`KeyringError` on timeout or any exception."""
    outcome: list[tuple[bool, Any]] = []
    done = threading.Event()

    def work() -> None:
        try:
            if lock is None:
                outcome.append((True, fn()))
            else:
                with lock:
                    outcome.append((True, fn()))
        except BaseException as exc:  # reported to the caller, never raised in the thread
            outcome.append((False, exc))
        finally:
            done.set()

    threading.Thread(target=work, name="cognito-desktop-keyring", daemon=True).start()
    if not done.wait(timeout):
        log.warning("The OS keyring did not answer within %g s (%s)", timeout, action)
        raise _KeyringTimeoutError(
            f"the OS keyring did not answer within {timeout:g} s (is it locked?)"
        )
    ok, result = outcome[0]
    if ok:
        return result  # type: ignore[no-any-return]
    kind = type(result).__name__
    del outcome[:], result  # drop the exception (its message may hold a value)
    log.warning("The OS keyring failed to %s (%s)", action, kind)
    # keyring's KeyringLocked, secretstorage's LockedException: say what to do about it.
    hint = "; the keyring is locked: unlock it and try again" if "Locked" in kind else ""
    raise KeyringError(f"the OS keyring failed to {action} ({kind}){hint}")


# -- encoding ------------------------------------------------------------------------


def _compact(document: dict[str, Any]) -> str:
    return json.dumps(document, separators=(",", ":"), ensure_ascii=True)


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def _encode_session(session: StoredSession) -> str:
    return _compact(
        {
            "v": FORMAT_VERSION,
            "refresh_token": session.refresh_token,
            "username": session.username,
            "sub": session.sub,
            "client_id": session.client_id,
            "issuer": session.issuer,
            "saved_at": session.saved_at,
        }
    )


def _parse_object(raw: str) -> dict[str, Any]:
    try:
        document = json.loads(raw)
    except ValueError:
        raise _CorruptError("not JSON") from None
    if not isinstance(document, dict):
        raise _CorruptError("not a JSON object")
    return document


def _stated_chunks(raw: str | None) -> int:
    """The chunk count a main item claims, if it can be read (0 otherwise)."""
    try:
        count = json.loads(raw) if raw is not None else None
    except ValueError:
        return 0
    count = count.get("chunks") if isinstance(count, dict) else None
    if isinstance(count, int) and not isinstance(count, bool):
        return max(0, min(count, MAX_CHUNKS))
    return 0


def _decode_session(value: str) -> StoredSession:
    document = _parse_object(value)
    if document.get("v") != FORMAT_VERSION:
        raise _CorruptError("unknown format version")
    for name in _SESSION_FIELDS[:-1]:
        if not isinstance(document.get(name), str):
            raise _CorruptError(f"missing or invalid {name}")
    if not document["refresh_token"]:
        raise _CorruptError("empty refresh_token")
    saved_at = document.get("saved_at")
    if (
        not isinstance(saved_at, int | float)
        or isinstance(saved_at, bool)
        or not math.isfinite(saved_at)
    ):
        raise _CorruptError("missing or invalid saved_at")
    return StoredSession(
        refresh_token=document["refresh_token"],
        username=document["username"],
        sub=document["sub"],
        client_id=document["client_id"],
        issuer=document["issuer"],
        saved_at=float(saved_at),
    )


# -- choosing a backend --------------------------------------------------------------


def open_store(
    profile: str,
    *,
    service: str = SERVICE,
    backend: keyring.backend.KeyringBackend | None = None,
    timeout: float = 5.0,
) -> TokenStore:
    """A :class:`KeyringStore` over a secure OS keyring, else a warning :class:`MemoryStore`.

    ``backend`` defaults to ``keyring.get_keyring()``; a chained backend is searched for
    its highest-priority allowlisted keyring. Never raises for a missing or broken
    keyring (that is the memory fallback); never falls back to a file.
    """
    _check_profile(profile)
    _check_timeout(timeout)

    def choose() -> tuple[keyring.backend.KeyringBackend | None, str]:
        if backend is not None:
            return keyring_choice.select(backend)
        register_builtin_backends()
        return keyring_choice.select(keyring.get_keyring())

    try:
        chosen, found = _run(choose, timeout, "open")
    except KeyringError as exc:
        chosen, found = None, f"none; {exc}"
    if chosen is None:
        log.warning("No secure OS keyring (found: %s); sessions stay in memory", found)
        return MemoryStore(
            warning=f"No secure OS keyring is available (found: {found}); you will stay "
            "signed in only while the app runs."
        )
    log.debug("Sessions for profile %r are stored in %s", profile, found)
    if type(chosen) is keyring_choice.keyring_secret_service():
        # Same items, one D-Bus connection per process instead of one per call.
        # Imported here: secretstorage exists only where Secret Service does (Linux).
        from desktop_app.auth import secret_service

        chosen = secret_service.KeptConnectionKeyring()
    return KeyringStore(
        chosen, profile, service=service, timeout=timeout, chunk_limit=chunk_limit_for(chosen)
    )


def _check_profile(profile: str) -> None:
    if not isinstance(profile, str) or not profile or "#" in profile:
        raise ValueError("profile must be a non-empty name without '#'")


def _check_timeout(timeout: float) -> None:
    if not timeout > 0 or not math.isfinite(timeout):
        raise ValueError("timeout must be a positive number of seconds")
