"""The Secret Service (GNOME Keyring, KeePassXC...) on one kept D-Bus connection.

keyring's own SecretService backend opens a D-Bus connection and negotiates an
encryption session for every call: about 15 ms each, which was most of a
sign-in's time. This backend keeps one connection (and the default collection)
for the process and reconnects once if it broke. Items are keyring's own
(attributes ``service``, ``username``, ``application``), so each backend reads
what the other wrote. Calls are serialised by the caller (``KeyringStore``).
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any

import keyring.backend
import keyring.errors
import secretstorage

APPLICATION = "Python keyring library"  # keyring's SecretService ``appid``


class KeptConnectionKeyring(keyring.backend.KeyringBackend):
    """See the module docstring."""

    name = "SecretService Keyring"

    # Same as keyring's SecretService backend; open_store chooses this one explicitly.
    priority = 5.0

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._lock = threading.Lock()
        self._connection: Any = None
        self._collection: Any = None

    def _default_collection(self) -> Any:
        if self._collection is None:
            self._connection = secretstorage.dbus_init()
            collection = secretstorage.get_default_collection(self._connection)
            if collection.is_locked():
                collection.unlock()
                if collection.is_locked():
                    raise keyring.errors.KeyringLocked("the keyring is locked")
            self._collection = collection
        return self._collection

    def close(self) -> None:
        """Close the kept connection (a later call opens a new one)."""
        with self._lock:
            self._forget_connection()

    def _forget_connection(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):
                self._connection.close()
        self._connection = self._collection = None

    def _with_collection(self, action: Any) -> Any:
        with self._lock:
            try:
                return action(self._default_collection())
            except secretstorage.exceptions.SecretServiceNotAvailableException:
                raise
            except (secretstorage.exceptions.SecretStorageException, OSError, ConnectionError):
                # A dropped bus or a restarted daemon: one fresh connection, one retry.
                self._forget_connection()
                return action(self._default_collection())

    def get_password(self, service: str, username: str) -> str | None:
        def get(collection: Any) -> str | None:
            for item in collection.search_items({"service": service, "username": username}):
                if item.is_locked():
                    item.unlock()
                return str(item.get_secret().decode("utf-8"))
            return None

        result: str | None = self._with_collection(get)
        return result

    def set_password(self, service: str, username: str, password: str) -> None:
        attributes = {"service": service, "username": username, "application": APPLICATION}
        label = f"Password for '{username}' on '{service}'"
        self._with_collection(
            lambda collection: collection.create_item(label, attributes, password, replace=True)
        )

    def delete_password(self, service: str, username: str) -> None:
        def delete(collection: Any) -> None:
            for item in collection.search_items({"service": service, "username": username}):
                item.delete()
                return
            raise keyring.errors.PasswordDeleteError("no such item")

        self._with_collection(delete)
