"""Keyring backends for tests: dict-backed fakes, some posing as the real OS keyrings,
and sessions to keep in them.

Every fake sets ``viable = False`` so keyring's own discovery (``keyring.get_keyring()``
elsewhere in the test run) never picks it up; those that must look like an
allowlisted OS keyring take the real class's ``__module__`` and ``__qualname__``
(:func:`looks_like`), which is all the allowlist and keyring's display name go by.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from typing import ClassVar, TypeVar

from keyring.backend import KeyringBackend
from keyring.backends.chainer import ChainerBackend
from keyring.errors import PasswordDeleteError

from desktop_app.auth import session_codec

_B = TypeVar("_B", bound=type)


def looks_like(module: str, name: str) -> Callable[[_B], _B]:
    """Give a fake the module and class name of a real backend (what the allowlist
    and keyring's display name go by)."""

    def rename(cls: _B) -> _B:
        cls.__module__ = module
        cls.__name__ = name
        cls.__qualname__ = name
        return cls

    return rename


class DictBackend(KeyringBackend):
    """A dict-backed keyring of an unknown (not allowlisted) kind."""

    viable = False
    priority = 1.0

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        try:
            del self.items[(service, username)]
        except KeyError:
            raise PasswordDeleteError("not found") from None

    def names(self) -> set[str]:
        return {username for _, username in self.items}


@looks_like("keyring.backends.SecretService", "Keyring")
class FakeSecretService(DictBackend):
    priority = 5.0


@looks_like("keyring.backends.kwallet", "DBusKeyring")
class FakeKWallet(DictBackend):
    priority = 4.9


@looks_like("keyring.backends.macOS", "Keyring")
class FakeMacOS(DictBackend):
    """macOS Keychain."""


@looks_like("keyring.backends.Windows", "WinVaultKeyring")
class FakeWindows(DictBackend):
    """Windows Credential Locker."""


@looks_like("keyring.backends.libsecret", "Keyring")
class FakeLibsecret(DictBackend):
    """Secret Service through libsecret."""


@looks_like("keyrings.alt.file", "PlaintextKeyring")
class FakePlaintext(DictBackend):
    priority = 10.0  # outranks the OS keyring in a chain


@looks_like("keyrings.alt.file", "EncryptedKeyring")
class FakeEncryptedFile(DictBackend):
    """keyrings.alt's encrypted file: still a file."""


class SecretServiceSubclass(FakeSecretService):
    """Subclasses of an allowlisted class may override storage: not trusted."""


@looks_like("keyring.backends.chainer", "ChainerBackend")
class FakeChainer(DictBackend):
    priority = 10.0

    def __init__(self, *backends: KeyringBackend) -> None:
        super().__init__()
        self.backends = list(backends)


class RealChainerSubclass(ChainerBackend):
    viable = False
    backends: ClassVar[list[KeyringBackend]] = []  # per test


@looks_like("keyring.backends.SecretService", "Keyring")
class HangingSecretService(DictBackend):
    """Every call blocks until ``release`` is set (a locked keyring behind a dialog)."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def get_password(self, service: str, username: str) -> str | None:
        self.release.wait(10)
        return super().get_password(service, username)

    def set_password(self, service: str, username: str, password: str) -> None:
        self.release.wait(10)
        super().set_password(service, username, password)


@looks_like("keyring.backends.SecretService", "Keyring")
class ExplodingSecretService(DictBackend):
    """Raises with the value (and key) in the message, as a careless backend might."""

    def get_password(self, service: str, username: str) -> str | None:
        raise RuntimeError(f"cannot read {username}: {self.items}")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise RuntimeError(f"cannot write {username}={password}")

    def delete_password(self, service: str, username: str) -> None:
        raise OSError(f"cannot delete {username}: {self.items}")


@looks_like("keyring.backends.SecretService", "Keyring")
class CountingSecretService(FakeSecretService):
    """Counts round trips (each costs ~15 ms on a real Secret Service)."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def get_password(self, service: str, username: str) -> str | None:
        self.calls += 1
        return super().get_password(service, username)

    def set_password(self, service: str, username: str, password: str) -> None:
        self.calls += 1
        super().set_password(service, username, password)


def make_token(size: int) -> str:
    """A random URL-safe token of exactly ``size`` characters."""
    token = secrets.token_urlsafe(size)[:size]
    assert len(token) == size
    return token


def make_session(size: int = 1800, **overrides: object) -> session_codec.StoredSession:
    """A stored session whose refresh token is ``size`` characters (Cognito's: ~1,800)."""
    fields: dict[str, object] = {
        "refresh_token": make_token(size),
        "username": "alice",
        "sub": "8f2c1a3e-5b7d-4e2a-9c1b-2d3e4f5a6b7c",
        "client_id": "4k2j5h6g7f8d9s0a1q2w3e4r5t",
        "issuer": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEfGhI",
        "saved_at": 1_720_000_000.25,
    }
    fields.update(overrides)
    return session_codec.StoredSession(**fields)  # type: ignore[arg-type]
