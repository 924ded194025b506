"""desktop_app.auth.session_codec: what survives a restart, written down and read back."""

from __future__ import annotations

import json

import pytest

from desktop_app.auth import session_codec
from tests.unit.desktop_app.auth import fake_keyrings as fakes

FIELDS = '"username": "a", "sub": "s", "client_id": "c", "issuer": "i"'


@pytest.mark.parametrize("username", ["alice", "zoë 日本", 'quote"back\\slash'])
def test_round_trip_in_compact_ascii_json(username: str) -> None:
    session = fakes.make_session(username=username)
    text = session_codec.encode(session)
    assert text.isascii() and ", " not in text and ": " not in text
    assert session_codec.decode(text) == session


def test_the_document_holds_the_version_and_every_field() -> None:
    session = fakes.make_session(10)
    assert json.loads(session_codec.encode(session)) == {
        "v": 1,
        "refresh_token": session.refresh_token,
        "username": session.username,
        "sub": session.sub,
        "client_id": session.client_id,
        "issuer": session.issuer,
        "saved_at": session.saved_at,
        "flow": "browser",
    }


def test_a_record_from_before_flow_existed_reads_as_a_browser_session() -> None:
    """Sessions saved by earlier versions have no ``flow``: they came from the browser."""
    loaded = session_codec.decode(f'{{"v": 1, "refresh_token": "tok", {FIELDS}, "saved_at": 5}}')
    assert loaded.flow == session_codec.BROWSER_FLOW


def test_a_password_sign_in_round_trips_with_its_flow() -> None:
    session = fakes.make_session(10, flow=session_codec.PASSWORD_FLOW)
    text = session_codec.encode(session)
    assert json.loads(text)["flow"] == "password"
    assert session_codec.decode(text) == session


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("not json", "not JSON"),
        ("[1, 2]", "not a JSON object"),
        (f'{{"v": 2, "refresh_token": "x", {FIELDS}, "saved_at": 1}}', "unknown format version"),
        (f'{{"refresh_token": "x", {FIELDS}, "saved_at": 1}}', "unknown format version"),
        ('{"v": 1, "refresh_token": "x", "username": "a"}', "missing or invalid sub"),
        (f'{{"v": 1, "refresh_token": 5, {FIELDS}, "saved_at": 1}}', "invalid refresh_token"),
        (f'{{"v": 1, "refresh_token": "", {FIELDS}, "saved_at": 1}}', "empty refresh_token"),
        (f'{{"v": 1, "refresh_token": "x", {FIELDS}}}', "invalid saved_at"),
        (f'{{"v": 1, "refresh_token": "x", {FIELDS}, "saved_at": "today"}}', "invalid saved_at"),
        (f'{{"v": 1, "refresh_token": "x", {FIELDS}, "saved_at": true}}', "invalid saved_at"),
        (f'{{"v": 1, "refresh_token": "x", {FIELDS}, "saved_at": Infinity}}', "invalid saved_at"),
        (
            f'{{"v": 1, "refresh_token": "x", {FIELDS}, "saved_at": 1, "flow": "sms"}}',
            "unknown flow",
        ),
        (
            f'{{"v": 1, "refresh_token": "x", {FIELDS}, "saved_at": 1, "flow": ["a"]}}',
            "unknown flow",
        ),
    ],
    ids=[
        "not-json",
        "not-object",
        "future-version",
        "no-version",
        "missing-fields",
        "token-not-text",
        "empty-token",
        "no-saved-at",
        "text-saved-at",
        "bool-saved-at",
        "infinite-saved-at",
        "unknown-flow",
        "flow-not-text",
    ],
)
def test_anything_else_is_corrupt_for_a_secret_free_reason(text: str, reason: str) -> None:
    with pytest.raises(session_codec.CorruptError, match=reason) as caught:
        session_codec.decode(text)
    assert '"x"' not in str(caught.value)


def test_an_integer_saved_at_is_read_as_seconds() -> None:
    loaded = session_codec.decode(f'{{"v": 1, "refresh_token": "tok", {FIELDS}, "saved_at": 5}}')
    assert loaded.saved_at == 5.0
    assert isinstance(loaded.saved_at, float)


def test_repr_never_shows_the_token() -> None:
    session = fakes.make_session()
    for text in (repr(session), str(session)):
        assert session.refresh_token not in text
        assert "refresh_token" not in text
        assert "alice" in text  # non-secret metadata is still shown
