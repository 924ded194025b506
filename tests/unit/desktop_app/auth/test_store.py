"""The token store: backend allowlist, chunking, corruption, timeouts, no leaks.

Every backend here is an in-test fake. Fakes set ``viable = False`` so keyring's own
discovery (``keyring.get_keyring()`` elsewhere in the test run) never picks them up;
those that must look like an allowlisted OS keyring set ``__module__`` and
``__qualname__`` to the real class's.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
import traceback
from collections.abc import Callable
from typing import ClassVar, TypeVar

import keyring
import keyring.backends.fail
import keyring.backends.null
import pytest
from keyring.backend import KeyringBackend
from keyring.backends.chainer import ChainerBackend
from keyring.errors import PasswordDeleteError

from desktop_app.auth.store import (
    CHUNK_LIMIT,
    KeyringStore,
    MemoryStore,
    StoredSession,
    TokenStore,
    is_secure_backend,
    open_store,
)
from desktop_app.errors import KeyringError

SERVICE = "cognito-desktop"
MAIN = "profile:work"
WINDOWS_BLOB_BYTES = 2560
TOKEN_SIZES = (10, 1800, 5000, 20000)


# -- fakes --------------------------------------------------------------------------

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


# -- helpers ------------------------------------------------------------------------


def make_token(size: int) -> str:
    token = secrets.token_urlsafe(size)[:size]
    assert len(token) == size
    return token


def make_session(size: int = 1800, **overrides: object) -> StoredSession:
    fields: dict[str, object] = {
        "refresh_token": make_token(size),
        "username": "alice",
        "sub": "8f2c1a3e-5b7d-4e2a-9c1b-2d3e4f5a6b7c",
        "client_id": "4k2j5h6g7f8d9s0a1q2w3e4r5t",
        "issuer": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEfGhI",
        "saved_at": 1_720_000_000.25,
    }
    fields.update(overrides)
    return StoredSession(**fields)  # type: ignore[arg-type]


def secure_store(backend: DictBackend | None = None) -> tuple[KeyringStore, DictBackend]:
    backend = backend if backend is not None else FakeSecretService()
    store = open_store("work", backend=backend, timeout=2.0)
    assert isinstance(store, KeyringStore)
    return store, backend


def chunk_keys(backend: DictBackend) -> set[str]:
    return {key for key in backend.names() if key.startswith(MAIN + "#")}


@pytest.fixture
def all_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    return caplog


# -- choosing a backend -------------------------------------------------------------


@pytest.mark.parametrize(
    "backend_class",
    [FakeSecretService, FakeKWallet, FakeMacOS, FakeWindows, FakeLibsecret],
)
def test_allowlisted_backends_give_a_secure_keyring_store(
    backend_class: type[DictBackend],
) -> None:
    backend = backend_class()
    store = open_store("work", backend=backend)
    assert isinstance(store, KeyringStore)
    assert isinstance(store, TokenStore)
    assert store.secure is True
    assert store.warning is None
    assert store.backend_name == backend_class.name
    assert is_secure_backend(backend)


def test_backend_name_is_keyrings_display_name() -> None:
    store, _ = secure_store()
    assert store.backend_name == "SecretService Keyring"


@pytest.mark.parametrize(
    "backend",
    [
        FakePlaintext(),
        FakeEncryptedFile(),
        keyring.backends.fail.Keyring(),  # type: ignore[no-untyped-call]
        keyring.backends.null.Keyring(),  # type: ignore[no-untyped-call]
        DictBackend(),
        SecretServiceSubclass(),
    ],
    ids=["plaintext", "encrypted-file", "fail", "null", "unknown", "subclass"],
)
def test_other_backends_give_memory_only_with_a_warning(backend: KeyringBackend) -> None:
    store = open_store("work", backend=backend)
    assert isinstance(store, MemoryStore)
    assert store.secure is False
    assert store.backend_name == "memory"
    assert store.warning is not None
    assert "No secure OS keyring is available" in store.warning
    assert type(backend).__qualname__ in store.warning  # names what was found
    assert "only while the app runs" in store.warning
    assert "\n" not in store.warning
    # Memory only: the backend is never written to.
    store.save(make_session())
    if isinstance(backend, DictBackend):
        assert backend.items == {}


def test_chained_backend_uses_its_highest_priority_allowlisted_keyring() -> None:
    plaintext, kwallet, secret_service = FakePlaintext(), FakeKWallet(), FakeSecretService()
    chain = FakeChainer(plaintext, kwallet, secret_service)
    store = open_store("work", backend=chain)
    assert isinstance(store, KeyringStore)
    assert store.secure
    assert store.backend_name == "SecretService Keyring"  # priority 5 beats KWallet's 4.9
    store.save(make_session())
    assert secret_service.items
    assert plaintext.items == {}  # the plaintext file outranks it in the chain: never used
    assert kwallet.items == {}
    assert chain.items == {}


def test_real_chainer_subclass_is_searched(monkeypatch: pytest.MonkeyPatch) -> None:
    kwallet = FakeKWallet()
    monkeypatch.setattr(RealChainerSubclass, "backends", [FakePlaintext(), kwallet])
    store = open_store("work", backend=RealChainerSubclass())  # type: ignore[no-untyped-call]
    assert isinstance(store, KeyringStore)
    assert store.backend_name == "kwallet DBusKeyring"


def test_chain_without_an_allowlisted_keyring_is_memory_only() -> None:
    store = open_store(
        "work",
        backend=FakeChainer(FakePlaintext(), keyring.backends.fail.Keyring()),  # type: ignore[no-untyped-call]
    )
    assert isinstance(store, MemoryStore)
    assert store.warning is not None
    assert "PlaintextKeyring" in store.warning
    assert "fail Keyring" in store.warning


def test_default_backend_comes_from_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    backend = FakeSecretService()
    monkeypatch.setattr(keyring, "get_keyring", lambda: backend)
    store = open_store("work")
    assert isinstance(store, KeyringStore)
    store.save(make_session(10))
    assert (SERVICE, MAIN) in backend.items


def test_a_hanging_keyring_lookup_falls_back_to_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()

    def hang() -> KeyringBackend:
        release.wait(10)
        return FakeSecretService()

    monkeypatch.setattr(keyring, "get_keyring", hang)
    started = time.monotonic()
    try:
        store = open_store("work", timeout=0.2)
    finally:
        release.set()
    assert time.monotonic() - started < 1.2
    assert isinstance(store, MemoryStore)
    assert store.warning is not None
    assert "did not answer" in store.warning


def test_a_failing_keyring_lookup_falls_back_to_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> KeyringBackend:
        raise RuntimeError("no dbus")

    monkeypatch.setattr(keyring, "get_keyring", broken)
    store = open_store("work")
    assert isinstance(store, MemoryStore)
    assert store.warning is not None
    assert "RuntimeError" in store.warning


@pytest.mark.parametrize("profile", ["", "a#0"])
def test_bad_profile_names_are_refused(profile: str) -> None:
    with pytest.raises(ValueError, match="profile"):
        open_store(profile, backend=FakeSecretService())


@pytest.mark.parametrize("timeout", [0.0, -1.0, float("nan")])
def test_bad_timeouts_are_refused(timeout: float) -> None:
    with pytest.raises(ValueError, match="timeout"):
        open_store("work", backend=FakeSecretService(), timeout=timeout)


# -- round trip and layout ----------------------------------------------------------


def test_nothing_stored_loads_none() -> None:
    store, _ = secure_store()
    assert store.load() is None


@pytest.mark.parametrize("size", TOKEN_SIZES)
def test_round_trip_and_every_item_fits_windows(size: int) -> None:
    store, backend = secure_store(FakeWindows())  # only Windows caps an item
    session = make_session(size, username="zoë 日本")
    store.save(session)
    assert store.load() == session
    assert {service for service, _ in backend.items} == {SERVICE}
    for value in backend.items.values():
        assert len(value) <= 2000
        assert len(value) <= CHUNK_LIMIT
        assert len(value.encode("utf-16-le")) <= WINDOWS_BLOB_BYTES
        assert value.isascii()


def test_short_value_is_one_json_item() -> None:
    store, backend = secure_store()
    session = make_session(10)
    store.save(session)
    assert backend.names() == {MAIN}
    assert json.loads(backend.items[(SERVICE, MAIN)]) == {
        "v": 1,
        "refresh_token": session.refresh_token,
        "username": session.username,
        "sub": session.sub,
        "client_id": session.client_id,
        "issuer": session.issuer,
        "saved_at": session.saved_at,
    }


@pytest.mark.parametrize("size", [1800, 5000, 20000])
def test_long_value_is_chunked_with_a_digest(size: int) -> None:
    store, backend = secure_store(FakeWindows())  # only Windows caps an item
    session = make_session(size)
    store.save(session)
    header = json.loads(backend.items[(SERVICE, MAIN)])
    assert set(header) == {"v", "chunks", "digest"}
    assert header["v"] == 1
    count = header["chunks"]
    assert count >= 2
    assert chunk_keys(backend) == {f"{MAIN}#{i}" for i in range(count)}
    assert session.refresh_token not in backend.items[(SERVICE, MAIN)]
    whole = "".join(backend.items[(SERVICE, f"{MAIN}#{i}")] for i in range(count))
    assert json.loads(whole)["refresh_token"] == session.refresh_token


def test_custom_service_and_profiles_are_separate() -> None:
    backend = FakeSecretService()
    work = open_store("work", service="other-app", backend=backend)
    home = open_store("home", service="other-app", backend=backend)
    work_session, home_session = make_session(5000), make_session(10)
    work.save(work_session)
    home.save(home_session)
    assert {service for service, _ in backend.items} == {"other-app"}
    assert work.load() == work_session
    assert home.load() == home_session
    home.delete()
    assert work.load() == work_session


def test_shrinking_value_deletes_stale_chunks() -> None:
    store, backend = secure_store(FakeWindows())  # only Windows caps an item
    store.save(make_session(20000))
    many = len(chunk_keys(backend))
    store.save(make_session(5000))
    few = len(chunk_keys(backend))
    assert 2 <= few < many
    assert chunk_keys(backend) == {f"{MAIN}#{i}" for i in range(few)}
    last = make_session(10)
    store.save(last)
    assert backend.names() == {MAIN}
    assert store.load() == last


def test_growing_value_overwrites_chunks() -> None:
    store, _ = secure_store()
    store.save(make_session(5000))
    bigger = make_session(20000)
    store.save(bigger)
    assert store.load() == bigger


def test_delete_removes_everything_and_is_idempotent() -> None:
    store, backend = secure_store()
    store.delete()
    store.save(make_session(20000))
    store.delete()
    assert backend.items == {}
    assert store.load() is None
    store.delete()
    assert backend.items == {}


def test_delete_also_removes_orphan_chunks() -> None:
    store, backend = secure_store()
    store.save(make_session(5000))
    del backend.items[(SERVICE, MAIN)]  # e.g. a crash between chunk and main writes
    store.delete()
    assert backend.items == {}


def test_oversized_session_is_refused_loudly() -> None:
    store, backend = secure_store(FakeWindows())  # only Windows caps an item
    with pytest.raises(KeyringError, match="too large"):
        store.save(make_session(100_000))
    assert backend.items == {}


def test_concurrent_saves_leave_one_whole_session() -> None:
    store, backend = secure_store()
    sessions = [make_session(size) for size in (10, 1800, 5000, 20000) * 3]
    threads = [threading.Thread(target=store.save, args=(s,)) for s in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    loaded = store.load()
    assert loaded in sessions
    header = json.loads(backend.items[(SERVICE, MAIN)])
    assert len(chunk_keys(backend)) == header.get("chunks", 0)


# -- corruption ---------------------------------------------------------------------


def test_digest_mismatch_is_removed_and_loads_none(all_logs: pytest.LogCaptureFixture) -> None:
    store, backend = secure_store(FakeWindows())  # only Windows caps an item
    session = make_session(5000)
    store.save(session)
    key = (SERVICE, f"{MAIN}#1")
    part = backend.items[key]
    backend.items[key] = part[:-1] + ("A" if part[-1] != "A" else "B")
    assert store.load() is None
    assert backend.items == {}
    assert "digest mismatch" in all_logs.text
    assert session.refresh_token[:40] not in all_logs.text


def test_missing_chunk_is_removed_and_loads_none(all_logs: pytest.LogCaptureFixture) -> None:
    store, backend = secure_store(FakeWindows())  # only Windows caps an item
    store.save(make_session(20000))
    del backend.items[(SERVICE, f"{MAIN}#2")]
    assert store.load() is None
    assert backend.items == {}  # main, the chunks below and above the gap
    assert "chunk 3 of" in all_logs.text


@pytest.mark.parametrize(
    "main",
    [
        "not json",
        "[1, 2]",
        '{"v": 2, "refresh_token": "x", "username": "a", "sub": "s", "client_id": "c",'
        ' "issuer": "i", "saved_at": 1}',
        '{"v": 1, "refresh_token": "x", "username": "a"}',
        '{"v": 1, "refresh_token": "", "username": "a", "sub": "s", "client_id": "c",'
        ' "issuer": "i", "saved_at": 1}',
        '{"v": 1, "refresh_token": "x", "username": "a", "sub": "s", "client_id": "c",'
        ' "issuer": "i", "saved_at": "yesterday"}',
        '{"v": 1, "chunks": 0, "digest": "00"}',
        '{"v": 1, "chunks": 2, "digest": "not-hex"}',
        '{"v": 1, "chunks": 1000, "digest": "' + "0" * 64 + '"}',
    ],
    ids=[
        "not-json",
        "not-object",
        "future-version",
        "missing-fields",
        "empty-token",
        "bad-saved-at",
        "zero-chunks",
        "bad-digest",
        "too-many-chunks",
    ],
)
def test_corrupted_main_item_is_removed_with_its_chunks(
    main: str, all_logs: pytest.LogCaptureFixture
) -> None:
    store, backend = secure_store()
    store.save(make_session(5000))
    backend.items[(SERVICE, MAIN)] = main
    assert store.load() is None
    assert backend.items == {}
    warnings = [r for r in all_logs.records if r.levelno == logging.WARNING]
    assert warnings
    assert "'work'" in warnings[0].getMessage()
    assert main not in all_logs.text


def test_integer_saved_at_is_accepted() -> None:
    store, backend = secure_store()
    backend.items[(SERVICE, MAIN)] = json.dumps(
        {
            "v": 1,
            "refresh_token": "tok",
            "username": "a",
            "sub": "s",
            "client_id": "c",
            "issuer": "i",
            "saved_at": 5,
        }
    )
    loaded = store.load()
    assert loaded is not None
    assert loaded.saved_at == 5.0
    assert isinstance(loaded.saved_at, float)


# -- timeouts and failures ----------------------------------------------------------


def test_a_hanging_keyring_times_out() -> None:
    backend = HangingSecretService()
    store = open_store("work", backend=backend, timeout=0.3)
    assert isinstance(store, KeyringStore)
    try:
        for call in (store.load, lambda: store.save(make_session(10))):
            started = time.monotonic()
            with pytest.raises(KeyringError, match=r"did not answer within 0\.3 s \(is it locked"):
                call()
            # the second call queues behind the first (still hung) and is bounded too
            assert time.monotonic() - started < 0.3 + 1
    finally:
        backend.release.set()


def test_after_a_hang_clears_the_store_works_again() -> None:
    backend = HangingSecretService()
    store = open_store("work", backend=backend, timeout=0.2)
    with pytest.raises(KeyringError):
        store.load()
    backend.release.set()
    session = make_session(5000)
    store.save(session)
    assert store.load() == session


def test_an_exploding_keyring_raises_keyring_error_without_secrets(
    all_logs: pytest.LogCaptureFixture,
) -> None:
    backend = ExplodingSecretService()
    store = open_store("work", backend=backend)
    session = make_session(1800)
    backend.items[(SERVICE, MAIN)] = session.refresh_token  # appears in get's message

    for call, exc_name in (
        (lambda: store.save(session), "RuntimeError"),
        (store.load, "RuntimeError"),
        (store.delete, "OSError"),
    ):
        with pytest.raises(KeyringError) as caught:
            call()
        error = caught.value
        assert exc_name in str(error)
        assert session.refresh_token not in str(error)
        assert "profile:" not in str(error)
        assert error.__cause__ is None
        assert error.__context__ is None
        formatted = "".join(traceback.format_exception(error))
        assert session.refresh_token not in formatted
    assert session.refresh_token not in all_logs.text


def test_only_missing_items_are_ignored_on_delete() -> None:
    @looks_like("keyring.backends.SecretService", "Keyring")
    class DeleteFails(FakeSecretService):
        def delete_password(self, service: str, username: str) -> None:
            raise PermissionError("locked")

    store = open_store("work", backend=DeleteFails())
    with pytest.raises(KeyringError, match="PermissionError"):
        store.delete()


# -- no leaks -----------------------------------------------------------------------


def test_reprs_never_show_the_token() -> None:
    session = make_session(1800)
    for text in (repr(session), str(session)):
        assert session.refresh_token not in text
        assert "refresh_token" not in text
        assert "alice" in text  # non-secret metadata is still shown
    store, _ = secure_store()
    memory = MemoryStore()
    for token_store in (store, memory):
        token_store.save(session)
        assert session.refresh_token not in repr(token_store)
        assert session.refresh_token not in str(token_store)


def test_logs_never_hold_the_token_or_value(all_logs: pytest.LogCaptureFixture) -> None:
    sessions = [make_session(size) for size in TOKEN_SIZES]
    store, backend = secure_store(FakeWindows())  # only Windows caps an item
    for session in sessions:
        store.save(session)
        assert store.load() == session
    backend.items[(SERVICE, f"{MAIN}#0")] = "tampered"
    assert store.load() is None
    store.delete()
    open_store("work", backend=FakePlaintext()).save(sessions[0])
    assert all_logs.records  # something was logged, and none of it is secret
    for session in sessions:
        assert session.refresh_token not in all_logs.text
        assert session.refresh_token[:16] not in all_logs.text
        for record in all_logs.records:
            assert session.refresh_token not in str(record.args)


# -- memory store -------------------------------------------------------------------


def test_memory_store() -> None:
    memory = MemoryStore()
    assert isinstance(memory, TokenStore)
    assert memory.secure is False
    assert memory.backend_name == "memory"
    assert memory.warning
    assert "\n" not in memory.warning
    assert memory.load() is None
    session = make_session(20000)
    memory.save(session)
    assert memory.load() == session
    memory.delete()
    memory.delete()
    assert memory.load() is None


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


def test_other_keyrings_hold_a_session_in_one_item_and_one_round_trip() -> None:
    backend = CountingSecretService()
    store, _ = secure_store(backend)
    session = make_session(1800)
    store.save(session)
    assert backend.names() == {"profile:work"}
    assert store.load() == session
    backend.calls = 0
    store.save(make_session(1800, username="again"))  # after a load: no probing for chunks
    assert backend.calls == 1
    backend.calls = 0
    assert store.load() is not None
    assert backend.calls == 1


# -- without entry points (a packaged build) -------------------------------------------

_NO_ENTRY_POINTS = """
import keyring.backend
from keyring.compat.py312 import metadata

# A packaged build carries no keyring-*.dist-info, so no entry points: as here.
assert not list(metadata.entry_points(group="keyring.backends", name="__none__"))
keyring.backend._load_plugins = lambda: None


def registered():
    return {f"{c.__module__}.{c.__qualname__}" for c in keyring.backend.KeyringBackend._classes}


from desktop_app.auth import store

assert "keyring.backends.SecretService.Keyring" not in registered(), registered()
store.register_builtin_backends()
print(sorted(registered()))
"""


def test_builtin_backends_are_found_without_entry_points() -> None:
    import subprocess
    import sys

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


def test_open_store_registers_the_builtin_backends_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from desktop_app.auth import store

    calls: list[str] = []
    monkeypatch.setattr(store, "register_builtin_backends", lambda: calls.append("register"))
    monkeypatch.setattr(keyring, "get_keyring", lambda: calls.append("get") or _null())
    open_store("work")
    assert calls == ["register", "get"]
    calls.clear()
    open_store("work", backend=_null())  # an explicit backend needs no discovery
    assert calls == []


def _null() -> KeyringBackend:
    return keyring.backends.null.Keyring()
