"""desktop_app.auth.secret_service: what runs without a Secret Service on the bus.

Decrypting a transferred secret, and reconnecting once when the kept connection broke.
Talking to a real gnome-keyring is tests/integration/test_secret_service_store.py.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest
import secretstorage.exceptions
from cryptography.hazmat.primitives import ciphers, padding

from desktop_app.auth import secret_service

KEY = os.urandom(16)


class Session:
    """A transfer session, as secretstorage's ``Session`` looks to ``_decrypt``."""

    def __init__(self, encrypted: bool) -> None:
        self.encrypted = encrypted
        self.aes_key = KEY


def encrypted(plain: bytes, iv: bytes = b"\x01" * 16) -> tuple[str, bytes, bytes, str]:
    padder = padding.PKCS7(128).padder()
    padded = padder.update(plain) + padder.finalize()
    encryptor = ciphers.Cipher(ciphers.algorithms.AES(KEY), ciphers.modes.CBC(iv)).encryptor()
    return ("/session", iv, encryptor.update(padded) + encryptor.finalize(), "text/plain")


def _raw_cbc(block: bytes) -> tuple[str, bytes, bytes, str]:
    """One block encrypted without padding: its last byte decides the "padding"."""
    iv = b"\x02" * 16
    encryptor = ciphers.Cipher(ciphers.algorithms.AES(KEY), ciphers.modes.CBC(iv)).encryptor()
    return ("/session", iv, encryptor.update(block) + encryptor.finalize(), "text/plain")


@pytest.mark.parametrize(
    "plain", [b"", b"x", b"refresh-token-" * 30, "zoë 日本".encode(), b"a" * 16]
)
def test_an_encrypted_secret_is_decrypted_and_unpadded(plain: bytes) -> None:
    assert secret_service._decrypt(Session(True), encrypted(plain)) == plain


def test_a_plain_session_passes_the_value_through() -> None:
    assert secret_service._decrypt(Session(False), ("/s", b"", b"as is", "text/plain")) == b"as is"


@pytest.mark.parametrize("last", [0, 17, 255], ids=["zero", "seventeen", "too big"])
def test_bad_padding_is_refused(last: int) -> None:
    with pytest.raises(secretstorage.exceptions.SecretStorageException, match="padding"):
        secret_service._decrypt(Session(True), _raw_cbc(b"\x00" * 15 + bytes([last])))


class Connection:
    closed = 0

    def close(self) -> None:
        self.closed += 1


def keyring_with(connections: list[Connection]) -> secret_service.KeptConnectionKeyring:
    """A backend whose every (re)connection is the next of ``connections``."""
    backend = secret_service.KeptConnectionKeyring()

    def connect() -> Any:
        backend._connection = connections[len([c for c in connections if c.closed])]
        return backend._connection

    backend._default_collection = connect  # type: ignore[method-assign]
    return backend


def _fails_once(error: Exception) -> Callable[[Any], str]:
    calls: list[Any] = []

    def action(collection: Any) -> str:
        calls.append(collection)
        if len(calls) == 1:
            raise error
        return f"answered on connection {len(calls)}"

    return action


@pytest.mark.parametrize(
    "error",
    [
        OSError("broken pipe"),
        ConnectionError("reset"),
        secretstorage.exceptions.SecretStorageException("daemon restarted"),
    ],
)
def test_a_broken_connection_is_replaced_once(error: Exception) -> None:
    first, second = Connection(), Connection()
    backend = keyring_with([first, second])
    assert backend._with_collection(_fails_once(error)) == "answered on connection 2"
    assert (first.closed, second.closed) == (1, 0)
    with pytest.raises(RuntimeError):
        backend._with_collection(_fails_once(RuntimeError("not a connection problem")))
    backend.close()
    assert second.closed == 1


def test_no_secret_service_is_not_retried() -> None:
    first = Connection()
    backend = keyring_with([first, Connection()])
    missing = secretstorage.exceptions.SecretServiceNotAvailableException("no service")
    with pytest.raises(secretstorage.exceptions.SecretServiceNotAvailableException):
        backend._with_collection(_fails_once(missing))
    assert first.closed == 0
