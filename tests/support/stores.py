"""A token store that records what the app did with it, for tests of the session.

:class:`RecordingStore` is a :class:`desktop_app.auth.store.TokenStore` over a
``MemoryStore``: :attr:`~RecordingStore.calls` names every call in order,
:attr:`~RecordingStore.saved` holds every session saved, and with
:attr:`~RecordingStore.session` set, :attr:`~RecordingStore.seen_at_save` holds what
that session still held (refresh token, access-token expiry) at each save.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from desktop_app.auth import store

if TYPE_CHECKING:
    from desktop_app.auth import session as session_mod


class RecordingStore:
    """See the module docstring."""

    backend_name = "recording"
    secure = False
    warning: str | None = None

    def __init__(self) -> None:
        self.inner = store.MemoryStore()
        self.calls: list[str] = []
        self.saved: list[store.StoredSession] = []
        self.seen_at_save: list[tuple[str | None, float | None]] = []
        self.session: session_mod.Session | None = None

    def load(self) -> store.StoredSession | None:
        self.calls.append("load")
        return self.inner.load()

    def save(self, stored: store.StoredSession) -> None:
        self.calls.append("save")
        self.saved.append(stored)
        if self.session is not None:
            held = self.session._stored
            self.seen_at_save.append(
                (held.refresh_token if held else None, self.session.access_expires_at)
            )
        self.inner.save(stored)

    def delete(self) -> None:
        self.calls.append("delete")
        self.inner.delete()

    def saved_token(self) -> str | None:
        """The refresh token kept now, if any."""
        kept = self.inner.load()
        return kept.refresh_token if kept else None
