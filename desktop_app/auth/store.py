"""Where a signed-in session survives a restart: the OS keyring, or memory only.

Only the refresh token (the one secret) and non-secret metadata are stored
(:class:`StoredSession`, written down by :mod:`desktop_app.auth.session_codec`), as one
small JSON document per profile under service ``cognito-desktop`` and username
``profile:<name>`` (chunked where the keyring caps a secret:
:mod:`desktop_app.auth.chunked_keyring`). Nothing here ever writes a file.

Backends are allowlisted by class (:mod:`desktop_app.auth.keyring_choice`; module +
class name, so nothing platform-specific is imported): macOS Keychain, Windows
Credential Locker, Secret Service (and its libsecret flavour) and KWallet. Any other
backend (``keyrings.alt`` plaintext or encrypted files, ``fail``, ``null``, unknown
third-party ones) gives a :class:`MemoryStore` with a one-line warning: the person
stays signed in only while the app runs.
"""

from __future__ import annotations

import logging
import math
import threading
from typing import Protocol, runtime_checkable

import keyring
import keyring.backend

from desktop_app import errors
from desktop_app.auth import chunked_keyring, keyring_choice, session_codec

# What a TokenStore holds, so part of this module's API: store.StoredSession.
from desktop_app.auth.session_codec import StoredSession as StoredSession

log = logging.getLogger(__name__)

SERVICE = "cognito-desktop"

_MEMORY_WARNING = (
    "Sessions are kept in memory only; you will stay signed in only while the app runs."
)


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


class KeyringStore:
    """A profile's session in a ``keyring`` backend (chunked, digest-checked, timed out).

    A stored entry that cannot be read back is removed, with a warning that names the
    profile and the reason (never the value), and loads as None: sign in again.
    """

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
        chunk_limit: int = chunked_keyring.CHUNK_LIMIT,
    ) -> None:
        _check_profile(profile)
        _check_timeout(timeout)
        self._backend = backend
        self._profile = profile
        self._main_key = f"profile:{profile}"
        self._item = chunked_keyring.ChunkedItem(
            backend, service, self._main_key, timeout=timeout, chunk_limit=chunk_limit
        )
        self.backend_name = keyring_choice.backend_name(backend)
        self.secure = keyring_choice.is_secure_backend(backend)
        self.warning = (
            None
            if self.secure
            else f"The keyring backend {self.backend_name} is not a recognised secure OS "
            "keyring; prefer a system keychain."
        )
        # One operation (load/save/delete) at a time, so chunk writes never interleave.
        self._op_lock = threading.Lock()

    def __repr__(self) -> str:
        return (
            f"KeyringStore(profile={self._profile!r}, backend={self.backend_name!r}, "
            f"secure={self.secure})"
        )

    def load(self) -> StoredSession | None:
        with self._op_lock:
            try:
                value = self._item.read()
                return None if value is None else session_codec.decode(value)
            except (chunked_keyring.CorruptError, session_codec.CorruptError) as reason:
                log.warning(
                    "The stored session for profile %r was unreadable (%s); removed it. "
                    "Sign in again.",
                    self._profile,
                    reason,
                )
                self._item.delete()
                return None

    def save(self, session: StoredSession) -> None:
        if not session.refresh_token:
            raise ValueError("refusing to store a session without a refresh token")
        value = session_codec.encode(session)
        with self._op_lock:
            chunks = self._item.write(value)
        log.debug(
            "Saved the session for profile %r in %s (%d chunk(s))",
            self._profile,
            self.backend_name,
            chunks,
        )

    def delete(self) -> None:
        with self._op_lock:
            self._item.delete()

    def close(self) -> None:
        """Release the backend's connection, if it keeps one (the kept D-Bus link)."""
        close = getattr(self._backend, "close", None)
        if callable(close):
            with self._op_lock:
                close()


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
        keyring_choice.register_builtin_backends()
        return keyring_choice.select(keyring.get_keyring())

    try:
        chosen, found = chunked_keyring.keyring_call(choose, timeout, "open")
    except errors.KeyringError as exc:
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
        chosen,
        profile,
        service=service,
        timeout=timeout,
        chunk_limit=chunked_keyring.chunk_limit_for(chosen),
    )


def _check_profile(profile: str) -> None:
    if not isinstance(profile, str) or not profile or "#" in profile:
        raise ValueError("profile must be a non-empty name without '#'")


def _check_timeout(timeout: float) -> None:
    if not timeout > 0 or not math.isfinite(timeout):
        raise ValueError("timeout must be a positive number of seconds")
