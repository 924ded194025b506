"""Messages Cognito would have emailed, kept so a demo or a test can read them.

Invitations carry the temporary password and reset messages the code, exactly
as the real emails would: the outbox is the stand-in's mailbox, served only on
loopback, and nothing here is ever written to a log.
"""

from __future__ import annotations

import dataclasses
import datetime
import threading
from typing import Any

from local_cognito import settings


@dataclasses.dataclass(frozen=True)
class Message:
    """One email Cognito would have sent."""

    id: int
    kind: str  # "invitation" | "password_reset"
    to: str
    username: str
    subject: str
    body: str
    sent_at: str
    temporary_password: str | None = None
    code: str | None = None

    def __repr__(self) -> str:  # secrets stay out of reprs that reach logs
        return f"Message(id={self.id}, kind={self.kind!r}, username={self.username!r})"


class Outbox:
    """Thread-safe, append-only list of :class:`Message`."""

    def __init__(self, now: settings.Clock = settings.system_clock) -> None:
        self._now = now
        self._lock = threading.Lock()
        self._messages: list[Message] = []

    def send(
        self,
        *,
        kind: str,
        to: str,
        username: str,
        subject: str,
        body: str,
        temporary_password: str | None = None,
        code: str | None = None,
    ) -> Message:
        """Record a message and return it."""
        sent_at = datetime.datetime.fromtimestamp(self._now(), datetime.UTC).isoformat(
            timespec="seconds"
        )
        with self._lock:
            message = Message(
                len(self._messages) + 1,
                kind,
                to,
                username,
                subject,
                body,
                sent_at,
                temporary_password,
                code,
            )
            self._messages.append(message)
        return message

    def messages(self, *, to: str | None = None, username: str | None = None) -> list[Message]:
        """Messages, newest last, optionally only those for one address or user."""
        with self._lock:
            found = list(self._messages)
        return [
            m
            for m in found
            if (to is None or m.to == to) and (username is None or m.username == username)
        ]

    def restore(self, saved: list[dict[str, Any]]) -> None:
        """Put back messages :meth:`as_json` gave (a restart with ``--state-dir``); the
        next message's id follows theirs."""
        fields = {f.name for f in dataclasses.fields(Message)}
        restored = [Message(**{k: v for k, v in m.items() if k in fields}) for m in saved]
        with self._lock:
            self._messages = restored + self._messages

    def as_json(self) -> list[dict[str, Any]]:
        """The outbox as plain data, for ``/outbox.json``."""
        return [dataclasses.asdict(m) for m in self.messages()]
