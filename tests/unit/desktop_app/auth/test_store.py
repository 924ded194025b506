"""desktop_app.auth.store: which store a profile gets, and what a KeyringStore keeps.

Every backend is a fake from :mod:`.fake_keyrings`. The layout of an item (chunks,
digest, timeouts) is ``test_chunked_keyring.py``; the document is
``test_session_codec.py``; the allowlist is ``test_keyring_choice.py``.
"""

from __future__ import annotations

import json
import logging
import threading
import time

import keyring
import keyring.backends.fail
import keyring.backends.null
import pytest
from keyring.backend import KeyringBackend

from desktop_app import errors
from desktop_app.auth import keyring_choice, store
from tests.unit.desktop_app.auth import fake_keyrings as fakes

SERVICE = "cognito-desktop"
MAIN = "profile:work"


def secure_store(
    backend: fakes.DictBackend | None = None,
) -> tuple[store.KeyringStore, fakes.DictBackend]:
    backend = backend if backend is not None else fakes.FakeSecretService()
    opened = store.open_store("work", backend=backend, timeout=2.0)
    assert isinstance(opened, store.KeyringStore)
    return opened, backend


@pytest.fixture
def all_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    return caplog


# -- choosing a store ---------------------------------------------------------------


@pytest.mark.parametrize(
    "backend_class",
    [
        fakes.FakeSecretService,
        fakes.FakeKWallet,
        fakes.FakeMacOS,
        fakes.FakeWindows,
        fakes.FakeLibsecret,
    ],
)
def test_allowlisted_backends_give_a_secure_keyring_store(
    backend_class: type[fakes.DictBackend],
) -> None:
    opened, backend = secure_store(backend_class())
    assert isinstance(opened, store.TokenStore)
    assert opened.secure is True
    assert opened.warning is None
    assert opened.backend_name == backend_class.name
    opened.save(fakes.make_session(10))
    assert (SERVICE, MAIN) in backend.items


@pytest.mark.parametrize(
    "backend",
    [
        fakes.FakePlaintext(),
        fakes.FakeEncryptedFile(),
        keyring.backends.fail.Keyring(),  # type: ignore[no-untyped-call]
        keyring.backends.null.Keyring(),  # type: ignore[no-untyped-call]
        fakes.DictBackend(),
        fakes.SecretServiceSubclass(),
        fakes.FakeChainer(fakes.FakePlaintext(), keyring.backends.fail.Keyring()),  # type: ignore[no-untyped-call]
    ],
    ids=["plaintext", "encrypted-file", "fail", "null", "unknown", "subclass", "chain"],
)
def test_other_backends_give_memory_only_with_a_warning(backend: KeyringBackend) -> None:
    opened = store.open_store("work", backend=backend)
    assert isinstance(opened, store.MemoryStore)
    assert opened.secure is False
    assert opened.backend_name == "memory"
    assert opened.warning is not None
    assert "No secure OS keyring is available" in opened.warning
    assert keyring_choice.select(backend)[1] in opened.warning  # names what was found
    assert "only while the app runs" in opened.warning
    assert "\n" not in opened.warning
    # Memory only: the backend is never written to.
    opened.save(fakes.make_session())
    if isinstance(backend, fakes.DictBackend):
        assert backend.items == {}


def test_a_chain_stores_in_its_allowlisted_keyring_only() -> None:
    plaintext, kwallet, secret_service = (
        fakes.FakePlaintext(),
        fakes.FakeKWallet(),
        fakes.FakeSecretService(),
    )
    chain = fakes.FakeChainer(plaintext, kwallet, secret_service)
    opened = store.open_store("work", backend=chain)
    assert isinstance(opened, store.KeyringStore)
    assert opened.backend_name == "SecretService Keyring"
    opened.save(fakes.make_session())
    assert secret_service.items
    assert plaintext.items == {} and kwallet.items == {} and chain.items == {}


def test_a_real_chainer_subclass_is_searched(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        fakes.RealChainerSubclass,
        "backends",
        [fakes.FakePlaintext(), fakes.FakeKWallet()],
    )
    opened = store.open_store("work", backend=fakes.RealChainerSubclass())  # type: ignore[no-untyped-call]
    assert isinstance(opened, store.KeyringStore)
    assert opened.backend_name == "kwallet DBusKeyring"


def test_the_default_backend_comes_from_keyring_after_registering_the_builtin_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    backend = fakes.FakeSecretService()
    calls: list[str] = []
    monkeypatch.setattr(
        keyring_choice, "register_builtin_backends", lambda: calls.append("register")
    )
    monkeypatch.setattr(keyring, "get_keyring", lambda: calls.append("get") or backend)
    opened = store.open_store("work")
    assert calls == ["register", "get"]
    assert isinstance(opened, store.KeyringStore)
    opened.save(fakes.make_session(10))
    assert (SERVICE, MAIN) in backend.items
    calls.clear()
    store.open_store(
        "work", backend=fakes.FakeSecretService()
    )  # an explicit one needs no discovery
    assert calls == []


def _hang() -> KeyringBackend:
    threading.Event().wait(2)  # far past the 0.2 s timeout; then the thread ends
    raise AssertionError("not reached: the lookup is abandoned")


def _no_dbus() -> KeyringBackend:
    raise RuntimeError("no dbus")


@pytest.mark.parametrize(
    ("lookup", "found"), [(_hang, "did not answer"), (_no_dbus, "RuntimeError")]
)
def test_a_hanging_or_failing_keyring_lookup_falls_back_to_memory(
    monkeypatch: pytest.MonkeyPatch, lookup: object, found: str
) -> None:
    monkeypatch.setattr(keyring, "get_keyring", lookup)
    started = time.monotonic()
    opened = store.open_store("work", timeout=0.2)
    assert time.monotonic() - started < 1.2
    assert isinstance(opened, store.MemoryStore)
    assert opened.warning is not None and found in opened.warning


@pytest.mark.parametrize(
    ("profile", "timeout", "match"),
    [
        ("", 5.0, "profile"),
        ("a#0", 5.0, "profile"),  # '#' would collide with the chunk keys
        ("work", 0.0, "timeout"),
        ("work", -1.0, "timeout"),
        ("work", float("nan"), "timeout"),
    ],
)
def test_bad_profile_names_and_timeouts_are_refused(
    profile: str, timeout: float, match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        store.open_store(profile, backend=fakes.FakeSecretService(), timeout=timeout)
    with pytest.raises(ValueError, match=match):
        store.KeyringStore(fakes.FakeSecretService(), profile, timeout=timeout)


# -- what a KeyringStore keeps ------------------------------------------------------


def test_nothing_stored_loads_none() -> None:
    opened, _ = secure_store()
    assert opened.load() is None


@pytest.mark.parametrize("size", [10, 1800, 20000])
def test_round_trip(size: int) -> None:
    opened, _ = secure_store(fakes.FakeWindows())
    session = fakes.make_session(size, username="zoë 日本")
    opened.save(session)
    assert opened.load() == session


def test_a_session_without_a_refresh_token_is_refused() -> None:
    opened, backend = secure_store()
    with pytest.raises(ValueError, match="refresh token"):
        opened.save(fakes.make_session(refresh_token=""))
    assert backend.items == {}


def test_custom_service_and_profiles_are_separate() -> None:
    backend = fakes.FakeSecretService()
    work = store.open_store("work", service="other-app", backend=backend)
    home = store.open_store("home", service="other-app", backend=backend)
    work_session, home_session = fakes.make_session(5000), fakes.make_session(10)
    work.save(work_session)
    home.save(home_session)
    assert {service for service, _ in backend.items} == {"other-app"}
    assert work.load() == work_session
    assert home.load() == home_session
    home.delete()
    assert work.load() == work_session


def test_concurrent_saves_leave_one_whole_session() -> None:
    opened, backend = secure_store(fakes.FakeWindows())
    sessions = [fakes.make_session(size) for size in (10, 1800, 5000, 20000) * 3]
    threads = [threading.Thread(target=opened.save, args=(s,)) for s in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert opened.load() in sessions
    header = json.loads(backend.items[(SERVICE, MAIN)])
    chunks = {key for key in backend.names() if key.startswith(MAIN + "#")}
    assert len(chunks) == header.get("chunks", 0)


@pytest.mark.parametrize(
    ("main", "reason"),
    [
        ("not json", "not JSON"),
        ('{"v": 1, "refresh_token": "x", "username": "a"}', "missing or invalid sub"),
        ('{"v": 1, "chunks": 2, "digest": "not-hex"}', "bad digest"),
    ],
    ids=["unreadable item", "not a session", "bad chunk header"],
)
def test_a_corrupted_entry_is_removed_with_its_chunks_and_loads_none(
    main: str, reason: str, all_logs: pytest.LogCaptureFixture
) -> None:
    opened, backend = secure_store(fakes.FakeWindows())
    opened.save(fakes.make_session(5000))
    backend.items[(SERVICE, MAIN)] = main
    assert opened.load() is None
    assert backend.items == {}
    warnings = [r.getMessage() for r in all_logs.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "'work'" in warnings[0] and reason in warnings[0] and "Sign in again" in warnings[0]
    assert main not in all_logs.text


def test_an_exploding_keyring_fails_every_operation_with_a_keyring_error() -> None:
    opened, _ = secure_store(fakes.ExplodingSecretService())
    session = fakes.make_session(1800)
    for call in (lambda: opened.save(session), opened.load, opened.delete):
        with pytest.raises(errors.KeyringError) as caught:
            call()
        assert session.refresh_token not in str(caught.value)


def test_only_missing_items_are_ignored_on_delete() -> None:
    @fakes.looks_like("keyring.backends.SecretService", "Keyring")
    class DeleteFails(fakes.FakeSecretService):
        def delete_password(self, service: str, username: str) -> None:
            raise PermissionError("locked")

    opened, _ = secure_store(DeleteFails())
    with pytest.raises(errors.KeyringError, match="PermissionError"):
        opened.delete()


def test_close_releases_a_kept_connection() -> None:
    @fakes.looks_like("keyring.backends.SecretService", "Keyring")
    class Connected(fakes.FakeSecretService):
        closed = 0

        def close(self) -> None:
            self.closed += 1

    backend = Connected()
    opened, _ = secure_store(backend)
    opened.close()
    assert backend.closed == 1
    secure_store()[0].close()  # a backend without close() is fine too


# -- no leaks -----------------------------------------------------------------------


def test_reprs_never_show_the_token() -> None:
    session = fakes.make_session(1800)
    opened, _ = secure_store()
    for token_store in (opened, store.MemoryStore()):
        token_store.save(session)
        assert session.refresh_token not in repr(token_store)
        assert session.refresh_token not in str(token_store)
    assert repr(opened) == (
        "KeyringStore(profile='work', backend='SecretService Keyring', secure=True)"
    )


def test_logs_never_hold_the_token_or_value(all_logs: pytest.LogCaptureFixture) -> None:
    sessions = [fakes.make_session(size) for size in (10, 1800, 5000, 20000)]
    opened, backend = secure_store(fakes.FakeWindows())
    for session in sessions:
        opened.save(session)
        assert opened.load() == session
    backend.items[(SERVICE, f"{MAIN}#0")] = "tampered"
    assert opened.load() is None
    opened.delete()
    store.open_store("work", backend=fakes.FakePlaintext()).save(sessions[0])
    assert all_logs.records  # something was logged, and none of it is secret
    for session in sessions:
        assert session.refresh_token not in all_logs.text
        assert session.refresh_token[:16] not in all_logs.text
        for record in all_logs.records:
            assert session.refresh_token not in str(record.args)


# -- memory store -------------------------------------------------------------------


def test_memory_store() -> None:
    memory = store.MemoryStore()
    assert isinstance(memory, store.TokenStore)
    assert memory.secure is False
    assert memory.backend_name == "memory"
    assert memory.warning
    assert "\n" not in memory.warning
    assert memory.load() is None
    session = fakes.make_session(20000)
    memory.save(session)
    assert memory.load() == session
    memory.delete()
    memory.delete()
    assert memory.load() is None
