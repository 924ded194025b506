"""desktop_app.auth.chunked_keyring: one value in a keyring, chunked, digest-checked, timed out."""

from __future__ import annotations

import json
import logging
import time
import traceback
from collections.abc import Callable

import keyring.errors
import pytest

from desktop_app import errors
from desktop_app.auth import chunked_keyring, session_codec, store
from tests.unit.desktop_app.auth import fake_keyrings as fakes

SERVICE = "cognito-desktop"
KEY = "profile:work"
WINDOWS_BLOB_BYTES = 2560


def value(size: int) -> str:
    """A JSON object (what the item stores) about ``size`` characters long."""
    return json.dumps({"v": 1, "refresh_token": fakes.make_token(size)})


def item(
    backend: fakes.DictBackend,
    *,
    chunk_limit: int = chunked_keyring.CHUNK_LIMIT,
    timeout: float = 2.0,
) -> chunked_keyring.ChunkedItem:
    return chunked_keyring.ChunkedItem(
        backend, SERVICE, KEY, timeout=timeout, chunk_limit=chunk_limit
    )


def chunk_keys(backend: fakes.DictBackend) -> set[str]:
    return {key for key in backend.names() if key.startswith(KEY + "#")}


# -- layout -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("backend", "limit"),
    [
        (fakes.FakeWindows(), chunked_keyring.CHUNK_LIMIT),
        (fakes.FakeSecretService(), chunked_keyring.UNCAPPED_CHUNK_LIMIT),
        (fakes.DictBackend(), chunked_keyring.UNCAPPED_CHUNK_LIMIT),
    ],
    ids=["windows", "secret service", "other"],
)
def test_only_windows_caps_an_item(backend: fakes.DictBackend, limit: int) -> None:
    assert chunked_keyring.chunk_limit_for(backend) == limit


@pytest.mark.parametrize("size", [10, 1800, 5000, 20000])
def test_round_trip_and_every_item_fits_windows(size: int) -> None:
    backend = fakes.FakeWindows()
    stored = value(size)
    item(backend).write(stored)
    assert item(backend).read() == stored  # a new object: nothing remembered
    assert {service for service, _ in backend.items} == {SERVICE}
    for text in backend.items.values():
        assert len(text) <= chunked_keyring.CHUNK_LIMIT
        assert len(text.encode("utf-16-le")) <= WINDOWS_BLOB_BYTES
        assert text.isascii()


def test_a_short_value_is_one_item_as_it_is() -> None:
    backend = fakes.FakeWindows()
    stored = value(10)
    assert item(backend).write(stored) == 0
    assert backend.items == {(SERVICE, KEY): stored}


@pytest.mark.parametrize("size", [1800, 5000, 20000])
def test_a_long_value_is_chunked_under_a_header_with_its_digest(size: int) -> None:
    backend = fakes.FakeWindows()
    stored = value(size)
    count = item(backend).write(stored)
    header = json.loads(backend.items[(SERVICE, KEY)])
    assert header == {"v": 1, "chunks": count, "digest": header["digest"]}
    assert count >= 2 and len(header["digest"]) == 64
    assert chunk_keys(backend) == {f"{KEY}#{i}" for i in range(count)}
    assert "".join(backend.items[(SERVICE, f"{KEY}#{i}")] for i in range(count)) == stored


def test_shrinking_deletes_stale_chunks_and_growing_overwrites() -> None:
    backend = fakes.FakeWindows()
    writer = item(backend)
    many = writer.write(value(20000))
    few = writer.write(value(5000))
    assert 2 <= few < many
    assert chunk_keys(backend) == {f"{KEY}#{i}" for i in range(few)}
    last = value(10)
    writer.write(last)
    assert backend.names() == {KEY}
    bigger = value(20000)
    item(backend).write(bigger)  # without knowing what is stored: it probes
    assert item(backend).read() == bigger


def test_an_oversized_value_is_refused_loudly() -> None:
    backend = fakes.FakeWindows()
    with pytest.raises(errors.KeyringError, match="too large"):
        item(backend).write(value(100_000))
    assert backend.items == {}


def test_delete_removes_everything_and_is_idempotent() -> None:
    backend = fakes.FakeWindows()
    item(backend).delete()
    item(backend).write(value(20000))
    item(backend).delete()
    assert backend.items == {}
    assert item(backend).read() is None
    item(backend).delete()


@pytest.mark.parametrize("gap", [None, 0, 2], ids=["main", "first chunk", "middle chunk"])
def test_delete_also_removes_chunks_around_a_gap(gap: int | None) -> None:
    """A crash between writes can leave chunks without a main item, or a gap."""
    backend = fakes.FakeWindows()
    item(backend).write(value(20000))
    del backend.items[(SERVICE, KEY if gap is None else f"{KEY}#{gap}")]
    item(backend).delete()
    assert backend.items == {}


def test_a_value_is_one_round_trip_where_items_are_uncapped() -> None:
    backend = fakes.CountingSecretService()
    writer = item(backend, chunk_limit=chunked_keyring.chunk_limit_for(backend))
    writer.write(value(1800))
    assert backend.names() == {KEY}
    assert writer.read() is not None
    backend.calls = 0
    writer.write(value(1800))  # after a read: no probing for chunks
    assert backend.calls == 1
    backend.calls = 0
    assert writer.read() is not None
    assert backend.calls == 1


def test_a_chunk_limit_must_be_positive() -> None:
    with pytest.raises(ValueError, match="chunk_limit"):
        item(fakes.FakeWindows(), chunk_limit=0)


@fakes.looks_like("keyring.backends.Windows", "WinVaultKeyring")
class CappedWindows(fakes.DictBackend):
    """Windows Credential Locker with its cap: a secret of more than 2,560 bytes of
    UTF-16 is refused, as CredWrite refuses it."""

    def set_password(self, service: str, username: str, password: str) -> None:
        if len(password.encode("utf-16-le")) > WINDOWS_BLOB_BYTES:
            raise keyring.errors.PasswordSetError("CredWrite failed")
        super().set_password(service, username, password)


def test_a_cognito_sized_session_survives_save_and_load_where_the_keyring_caps_secrets() -> None:
    """Cognito's refresh tokens are ~1,800 characters (a JWE): one of 4 KiB, with a
    128-character (Cognito's longest) non-ASCII username, round-trips in chunks."""
    backend = CappedWindows()
    username = ("zoë-日本-" * 20)[:128]
    session = fakes.make_session(4096, username=username)
    encoded = session_codec.encode(session)
    assert len(encoded.encode("utf-16-le")) > WINDOWS_BLOB_BYTES  # one item would not do
    with pytest.raises(errors.KeyringError):
        item(backend, chunk_limit=chunked_keyring.UNCAPPED_CHUNK_LIMIT).write(encoded)
    opened = store.open_store("work", backend=backend, timeout=2.0)
    assert isinstance(opened, store.KeyringStore)
    opened.save(session)
    assert store.open_store("work", backend=backend, timeout=2.0).load() == session
    assert len(username) == 128
    assert len(chunk_keys(backend)) >= 4  # 4 KiB of token in items of 1,200 characters


# -- corruption ---------------------------------------------------------------------


def _flip_last_character(backend: fakes.DictBackend) -> None:
    part = backend.items[(SERVICE, f"{KEY}#1")]
    backend.items[(SERVICE, f"{KEY}#1")] = part[:-1] + ("A" if part[-1] != "A" else "B")


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (_flip_last_character, "digest mismatch"),
        (lambda backend: backend.items.pop((SERVICE, f"{KEY}#2")), "chunk 3 of"),
        (
            lambda backend: backend.items.update({(SERVICE, KEY): '{"v": 2, "chunks": 2}'}),
            "unknown format version",
        ),
        (
            lambda backend: backend.items.update({(SERVICE, KEY): '{"v": 1, "chunks": 0}'}),
            "bad chunk count",
        ),
        (
            lambda backend: backend.items.update(
                {(SERVICE, KEY): '{"v": 1, "chunks": 1000, "digest": "' + "0" * 64 + '"}'}
            ),
            "bad chunk count",
        ),
        (
            lambda backend: backend.items.update(
                {(SERVICE, KEY): '{"v": 1, "chunks": 2, "digest": "not-hex"}'}
            ),
            "bad digest",
        ),
    ],
    ids=[
        "digest-mismatch",
        "missing-chunk",
        "future-version",
        "zero-chunks",
        "too-many-chunks",
        "bad-digest",
    ],
)
def test_an_unreadable_entry_is_corrupt_and_delete_still_removes_it(
    damage: Callable[[fakes.DictBackend], object], reason: str
) -> None:
    backend = fakes.FakeWindows()
    stored = value(20000)
    item(backend).write(stored)
    damage(backend)
    reader = item(backend)
    with pytest.raises(chunked_keyring.CorruptError, match=reason) as caught:
        reader.read()
    assert stored[20:60] not in str(caught.value)
    reader.delete()
    assert backend.items == {}


@pytest.mark.parametrize("main", ["not json", "[1, 2]", '{"v": 1}', '"chunks"'])
def test_a_main_item_that_is_no_chunk_header_is_the_value_as_it_is(main: str) -> None:
    """Whether it is a good value is the reader's to say (the session codec's)."""
    backend = fakes.FakeWindows()
    item(backend).write(value(20000))
    backend.items[(SERVICE, KEY)] = main
    reader = item(backend)
    assert reader.read() == main
    reader.delete()
    assert backend.items == {}  # the chunks it replaced go too


# -- timeouts and failures ----------------------------------------------------------


def test_a_hanging_keyring_times_out_and_a_queued_call_too() -> None:
    backend = fakes.HangingSecretService()
    hung = item(backend, timeout=0.3)
    try:
        for call in (hung.read, lambda: hung.write(value(10))):
            started = time.monotonic()
            with pytest.raises(
                chunked_keyring.KeyringTimeoutError, match=r"did not answer within 0\.3 s"
            ):
                call()
            # the second call queues behind the first (still hung) and is bounded too
            assert time.monotonic() - started < 0.3 + 1
    finally:
        backend.release.set()
    stored = value(5000)
    hung.write(stored)  # once the hang clears, it works again
    assert hung.read() == stored


def test_an_exploding_keyring_raises_keyring_errors_without_secrets(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    backend = fakes.ExplodingSecretService()
    stored = value(1800)
    backend.items[(SERVICE, KEY)] = stored  # appears in get's message
    exploding = item(backend)
    for call, kind in (
        (lambda: exploding.write(stored), "RuntimeError"),
        (exploding.read, "RuntimeError"),
        (exploding.delete, "OSError"),
    ):
        with pytest.raises(errors.KeyringError) as caught:
            call()
        error = caught.value
        assert kind in str(error)
        assert "profile:" not in str(error)
        assert error.__cause__ is None and error.__context__ is None
        assert stored not in "".join(traceback.format_exception(error))
    assert stored not in caplog.text


@pytest.mark.parametrize(
    ("raised", "message"),
    [
        (RuntimeError("s3cret"), "the OS keyring failed to open (RuntimeError)"),
        (
            type("KeyringLocked", (Exception,), {})("s3cret"),
            "the OS keyring failed to open (KeyringLocked); the keyring is locked: "
            "unlock it and try again",
        ),
    ],
)
def test_keyring_call_names_the_failure_and_what_to_do(raised: Exception, message: str) -> None:
    def fail() -> None:
        raise raised

    with pytest.raises(errors.KeyringError) as caught:
        chunked_keyring.keyring_call(fail, 1.0, "open")
    assert str(caught.value) == message
    assert not isinstance(caught.value, chunked_keyring.KeyringTimeoutError)
