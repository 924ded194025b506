"""The kept-connection Secret Service backend, against a real gnome-keyring."""

from __future__ import annotations

import collections.abc
import pathlib

import keyring.backends.SecretService
import keyring.errors
import pytest

from desktop_app.auth import secret_service as kept
from desktop_app.auth import store

pytestmark = pytest.mark.integration


@pytest.fixture
def bus(secret_service: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", secret_service["DBUS_SESSION_BUS_ADDRESS"])
    monkeypatch.delenv("DISPLAY", raising=False)


@pytest.fixture
def ours(bus: None) -> collections.abc.Iterator[kept.KeptConnectionKeyring]:
    backend = kept.KeptConnectionKeyring()
    yield backend
    backend.close()


def test_items_interoperate_with_keyrings_own_backend(ours: kept.KeptConnectionKeyring) -> None:
    theirs = keyring.backends.SecretService.Keyring()
    ours.set_password("cognito-desktop-test", "a", "written by ours")
    assert theirs.get_password("cognito-desktop-test", "a") == "written by ours"
    theirs.set_password("cognito-desktop-test", "b", "written by keyring")
    assert ours.get_password("cognito-desktop-test", "b") == "written by keyring"
    ours.set_password("cognito-desktop-test", "a", "replaced")
    assert theirs.get_password("cognito-desktop-test", "a") == "replaced"
    ours.delete_password("cognito-desktop-test", "a")
    ours.delete_password("cognito-desktop-test", "b")
    assert theirs.get_password("cognito-desktop-test", "a") is None
    with pytest.raises(keyring.errors.PasswordDeleteError):
        ours.delete_password("cognito-desktop-test", "a")


def test_a_dropped_connection_is_replaced(ours: kept.KeptConnectionKeyring) -> None:
    ours.set_password("cognito-desktop-test", "c", "one")
    ours._connection.close()  # the bus connection went away under us
    assert ours.get_password("cognito-desktop-test", "c") == "one"
    ours.delete_password("cognito-desktop-test", "c")


def test_open_store_uses_the_kept_connection_for_secret_service(bus: None) -> None:
    chosen = store.open_store(
        "kept-connection-test", backend=keyring.backends.SecretService.Keyring()
    )
    assert chosen.secure
    assert isinstance(chosen, store.KeyringStore)
    backend = chosen._backend
    assert isinstance(backend, kept.KeptConnectionKeyring)
    backend.close()


def test_each_call_makes_the_fewest_round_trips(ours: kept.KeptConnectionKeyring) -> None:
    """A sign-in waits for the save: it is one CreateItem, a read two calls, a delete two."""
    ours.set_password("cognito-desktop-test", "d", "warm-up")  # connects and opens a session
    calls: list[str] = []
    connection = ours._connection
    send = connection.send_and_get_reply

    def counting(message: object, *args: object, **kwargs: object) -> object:
        calls.append(str(message.header.fields[3]))  # type: ignore[attr-defined]  # MEMBER
        return send(message, *args, **kwargs)

    connection.send_and_get_reply = counting
    ours.set_password("cognito-desktop-test", "d", "s\u00e9cret 16 bytes!")  # a padding edge
    assert calls == ["CreateItem"]
    calls.clear()
    assert ours.get_password("cognito-desktop-test", "d") == "s\u00e9cret 16 bytes!"
    assert calls == ["SearchItems", "GetSecret"]
    calls.clear()
    ours.delete_password("cognito-desktop-test", "d")
    assert calls == ["SearchItems", "Delete"]
    assert ours.get_password("cognito-desktop-test", "d") is None


def test_the_kept_backend_is_viable_to_keyring_only_while_a_secret_service_answers(
    bus: None, monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path
) -> None:
    # keyring offers every backend class it has seen that says it is viable; a fixed
    # priority made this one win on a bus with no Secret Service (found by
    # tests/security/test_faults.py running after this module).
    assert kept.KeptConnectionKeyring.viable
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path}/no-bus")
    assert not kept.KeptConnectionKeyring.viable
