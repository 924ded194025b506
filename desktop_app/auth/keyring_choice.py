"""Which keyring backend may hold a session: the allowlist, and how one is chosen.

Only the exact classes in :data:`SECURE_BACKENDS` count as a secure OS keyring
(a subclass can override storage). keyring's chained backend is searched for its
highest-priority allowlisted child. A packaged build carries no entry points, so
:func:`register_builtin_backends` imports keyring's own backends explicitly.
"""

from __future__ import annotations

import importlib
import logging
import math
from collections.abc import Sequence
from typing import Any

import keyring.backend

log = logging.getLogger(__name__)

#: Secure OS keyrings, by (module, class name) of the backend's exact class.
SECURE_BACKENDS: tuple[tuple[str, str], ...] = (
    ("keyring.backends.macOS", "Keyring"),  # macOS Keychain
    ("keyring.backends.Windows", "WinVaultKeyring"),  # Windows Credential Locker
    ("keyring.backends.SecretService", "Keyring"),  # Secret Service (GNOME Keyring, KeePassXC)
    ("keyring.backends.libsecret", "Keyring"),  # Secret Service through libsecret
    ("keyring.backends.kwallet", "DBusKeyring"),  # KWallet 5/6
    ("keyring.backends.kwallet", "DBusKeyringKWallet4"),  # KWallet 4
    # keyring's SecretService items on one kept connection (this package's own).
    ("desktop_app.auth.secret_service", "KeptConnectionKeyring"),
)
_CHAINER = ("keyring.backends.chainer", "ChainerBackend")


def _class_key(cls: type) -> tuple[str, str]:
    return (cls.__module__, cls.__qualname__)


def is_secure_backend(backend: keyring.backend.KeyringBackend) -> bool:
    """Whether ``backend``'s exact class is an allowlisted OS keyring (subclasses are not:
    they can override storage)."""
    return _class_key(type(backend)) in SECURE_BACKENDS


def _is_chainer(backend: keyring.backend.KeyringBackend) -> bool:
    return any(_class_key(cls) == _CHAINER for cls in type(backend).__mro__)


def backend_name(backend: keyring.backend.KeyringBackend) -> str:
    cls = type(backend)
    try:
        name = getattr(cls, "name", None)
    except Exception:
        name = None
    return name if isinstance(name, str) and name else f"{cls.__module__}.{cls.__qualname__}"


def _priority(backend: keyring.backend.KeyringBackend) -> float:
    try:
        return float(backend.priority)
    except Exception:
        return -math.inf


def _children(backend: keyring.backend.KeyringBackend) -> Sequence[Any]:
    try:
        children = backend.backends  # type: ignore[attr-defined]
        return list(children)
    except Exception:
        return []


def select(
    backend: keyring.backend.KeyringBackend,
) -> tuple[keyring.backend.KeyringBackend | None, str]:
    """The secure backend to use (or None) and a name for what was found."""
    if is_secure_backend(backend):
        return backend, backend_name(backend)
    if not _is_chainer(backend):
        return None, backend_name(backend)
    children = [c for c in _children(backend) if isinstance(c, keyring.backend.KeyringBackend)]
    children.sort(key=_priority, reverse=True)  # stable: keeps the chainer's order on ties
    for child in children:
        if is_secure_backend(child):
            return child, backend_name(child)
    found = ", ".join(backend_name(c) for c in children) or "no backends"
    return None, f"{backend_name(backend)} of {found}"


#: keyring's own backend modules. Importing one registers its classes with keyring
#: (``KeyringBackend.__init_subclass__``); keyring itself finds them through entry points,
#: which a packaged build may not carry (PyInstaller bundles no ``*.dist-info`` unless told).
BUILTIN_BACKEND_MODULES = (
    "keyring.backends.SecretService",
    "keyring.backends.libsecret",
    "keyring.backends.kwallet",
    "keyring.backends.macOS",
    "keyring.backends.Windows",
    "keyring.backends.chainer",
)


def register_builtin_backends() -> None:
    """Import keyring's built-in backends so :func:`keyring.get_keyring` can choose
    among them without entry points. Each module guards its own platform imports;
    one that fails anyway is skipped (that backend is then simply not offered)."""
    for name in BUILTIN_BACKEND_MODULES:
        try:
            importlib.import_module(name)
        except Exception as exc:  # an optional backend: never fatal
            log.debug("keyring backend %s not importable: %s", name, type(exc).__name__)


def keyring_secret_service() -> type | None:
    """keyring's own SecretService backend class, where it can be imported."""
    try:
        from keyring.backends import SecretService
    except Exception:
        return None
    cls: type = SecretService.Keyring
    return cls
