"""desktop_app.auth.keyring_choice: the allowlist, and picking a keyring out of a chain."""

from __future__ import annotations

import json
import subprocess
import sys

import keyring.backends.fail
import keyring.backends.null
import pytest
from keyring.backend import KeyringBackend

from desktop_app.auth import keyring_choice
from tests.unit.desktop_app.auth import fake_keyrings as fakes


@pytest.mark.parametrize(
    ("backend", "secure"),
    [
        (fakes.FakeSecretService(), True),
        (fakes.FakeKWallet(), True),
        (fakes.FakeMacOS(), True),
        (fakes.FakeWindows(), True),
        (fakes.FakeLibsecret(), True),
        (fakes.FakePlaintext(), False),
        (fakes.FakeEncryptedFile(), False),
        (keyring.backends.fail.Keyring(), False),  # type: ignore[no-untyped-call]
        (keyring.backends.null.Keyring(), False),  # type: ignore[no-untyped-call]
        (fakes.DictBackend(), False),
        (fakes.SecretServiceSubclass(), False),  # a subclass can override storage
    ],
    ids=lambda value: type(value).__qualname__ if isinstance(value, KeyringBackend) else None,
)
def test_only_the_exact_allowlisted_classes_are_secure(
    backend: KeyringBackend, secure: bool
) -> None:
    assert keyring_choice.is_secure_backend(backend) is secure
    chosen, found = keyring_choice.select(backend)
    assert (chosen is backend) is secure
    assert found.startswith(keyring_choice.backend_name(backend))  # names what was found


def test_a_chain_gives_its_highest_priority_allowlisted_keyring() -> None:
    plaintext, kwallet, secret_service = (
        fakes.FakePlaintext(),
        fakes.FakeKWallet(),
        fakes.FakeSecretService(),
    )
    chosen, found = keyring_choice.select(fakes.FakeChainer(plaintext, kwallet, secret_service))
    assert chosen is secret_service  # priority 5 beats KWallet's 4.9; plaintext is never used
    assert found == "SecretService Keyring"


def test_a_real_chainer_subclass_is_searched(monkeypatch: pytest.MonkeyPatch) -> None:
    kwallet = fakes.FakeKWallet()
    monkeypatch.setattr(fakes.RealChainerSubclass, "backends", [fakes.FakePlaintext(), kwallet])
    chosen, found = keyring_choice.select(fakes.RealChainerSubclass())  # type: ignore[no-untyped-call]
    assert chosen is kwallet and found == "kwallet DBusKeyring"


def test_a_chain_without_an_allowlisted_keyring_names_what_it_holds() -> None:
    fail = keyring.backends.fail.Keyring()  # type: ignore[no-untyped-call]
    chosen, found = keyring_choice.select(fakes.FakeChainer(fakes.FakePlaintext(), fail))
    assert chosen is None
    assert found == "chainer ChainerBackend of file PlaintextKeyring, fail Keyring"


def test_a_backend_without_a_display_name_is_named_by_its_class() -> None:
    class Nameless(fakes.DictBackend):
        name = ""

    assert keyring_choice.backend_name(Nameless()).endswith(".Nameless")
    assert keyring_choice.backend_name(fakes.FakeMacOS()) == "macOS Keyring"


_NO_ENTRY_POINTS = """
import keyring.backend
from keyring.compat.py312 import metadata

# A packaged build carries no keyring-*.dist-info, so no entry points: as here.
assert not list(metadata.entry_points(group="keyring.backends", name="__none__"))
keyring.backend._load_plugins = lambda: None


def registered():
    return {f"{c.__module__}.{c.__qualname__}" for c in keyring.backend.KeyringBackend._classes}


from desktop_app.auth import keyring_choice

assert "keyring.backends.SecretService.Keyring" not in registered(), registered()
keyring_choice.register_builtin_backends()
print(sorted(registered()))
"""


def test_builtin_backends_are_found_without_entry_points() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _NO_ENTRY_POINTS],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    found = set(json.loads(done.stdout.replace("'", '"')))
    for module, name in (
        ("keyring.backends.SecretService", "Keyring"),
        ("keyring.backends.libsecret", "Keyring"),
        ("keyring.backends.kwallet", "DBusKeyring"),
        ("keyring.backends.macOS", "Keyring"),
        ("keyring.backends.Windows", "WinVaultKeyring"),
        ("keyring.backends.chainer", "ChainerBackend"),
    ):
        assert f"{module}.{name}" in found
