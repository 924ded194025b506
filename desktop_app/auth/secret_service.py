"""The Secret Service (GNOME Keyring, KeePassXC...) on one kept D-Bus connection.

keyring's own SecretService backend opens a D-Bus connection and negotiates an
encryption session for every call: about 15 ms each, which was most of a
sign-in's time. This backend keeps one connection (and the default collection)
for the process and reconnects once if it broke, and talks to the service
directly, with the fewest D-Bus round trips per call (secretstorage's objects
add property reads). Items are keyring's own
(attributes ``service``, ``username``, ``application``), so each backend reads
what the other wrote. Calls are serialised by the caller (``KeyringStore``).
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any

import jeepney.wrappers
import keyring.backend
import keyring.compat.properties
import keyring.errors
import secretstorage
import secretstorage.util
from cryptography.hazmat.primitives import ciphers

APPLICATION = "Python keyring library"  # keyring's SecretService ``appid``
_COLLECTION_IFACE = "org.freedesktop.Secret.Collection"
_ITEM_IFACE = "org.freedesktop.Secret.Item"
_IS_LOCKED = "org.freedesktop.Secret.Error.IsLocked"


class KeptConnectionKeyring(keyring.backend.KeyringBackend):
    """See the module docstring."""

    name = "SecretService Keyring"

    @keyring.compat.properties.classproperty
    def priority(cls) -> float:
        """keyring's SecretService backend's: it raises (not viable) unless a Secret
        Service answers on the session bus. keyring registers every backend class it
        sees, so a fixed number here would make keyring offer this one on a machine,
        or at a moment, without a Secret Service. open_store picks it explicitly."""
        from keyring.backends import SecretService

        return float(SecretService.Keyring.priority)

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
            # Two round trips (SearchItems, GetSecret) where secretstorage's Item makes five.
            paths = _collection_address(collection).call(
                "SearchItems", "a{ss}", {"service": service, "username": username}
            )[0]
            if not paths:
                return None
            session = _session(collection)
            item = secretstorage.util.DBusAddressWrapper(
                paths[0], _ITEM_IFACE, collection.connection
            )
            try:
                (secret,) = item.call("GetSecret", "o", session.object_path)
            except jeepney.wrappers.DBusErrorResponse as exc:
                if exc.name == _IS_LOCKED:
                    raise secretstorage.exceptions.LockedException("the item is locked") from None
                raise
            return _decrypt(session, secret).decode("utf-8")

        result: str | None = self._with_collection(get)
        return result

    def set_password(self, service: str, username: str, password: str) -> None:
        attributes = {"service": service, "username": username, "application": APPLICATION}
        properties = {
            _ITEM_IFACE + ".Label": ("s", f"Password for '{username}' on '{service}'"),
            _ITEM_IFACE + ".Attributes": ("a{ss}", attributes),
        }

        def create(collection: Any) -> None:
            # One round trip (CreateItem with replace), where secretstorage's
            # create_item makes three: a sign-in waits for this write.
            secret = secretstorage.util.format_secret(
                _session(collection), password.encode("utf-8"), "text/plain"
            )
            item_path, _prompt = _collection_address(collection).call(
                "CreateItem", "a{sv}(oayays)b", properties, secret, True
            )
            if len(item_path) <= 1:  # "/": the service wants a prompt, i.e. it is locked
                raise secretstorage.exceptions.LockedException("the collection is locked")

        self._with_collection(create)

    def delete_password(self, service: str, username: str) -> None:
        def delete(collection: Any) -> None:
            paths = _collection_address(collection).call(
                "SearchItems", "a{ss}", {"service": service, "username": username}
            )[0]
            if not paths:
                raise keyring.errors.PasswordDeleteError("no such item")
            secretstorage.util.DBusAddressWrapper(
                paths[0], _ITEM_IFACE, collection.connection
            ).call("Delete", "")

        self._with_collection(delete)


def _collection_address(collection: Any) -> Any:
    return secretstorage.util.DBusAddressWrapper(
        collection.collection_path, _COLLECTION_IFACE, collection.connection
    )


def _session(collection: Any) -> Any:
    """The collection's transfer-encryption session, negotiated once per connection."""
    if collection.session is None:
        collection.session = secretstorage.util.open_session(collection.connection)
    return collection.session


def _decrypt(session: Any, secret: Any) -> bytes:
    """The plaintext of a Secret Service ``Secret`` struct (session path, IV, value, type)."""
    value = bytes(secret[2])
    if not session.encrypted:
        return value
    decryptor = ciphers.Cipher(
        ciphers.algorithms.AES(session.aes_key), ciphers.modes.CBC(bytes(secret[1]))
    ).decryptor()
    padded = decryptor.update(value) + decryptor.finalize()
    if not padded or not 1 <= padded[-1] <= 16:
        raise secretstorage.exceptions.SecretStorageException("a secret had bad padding")
    return padded[: -padded[-1]]
