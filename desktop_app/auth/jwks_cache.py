"""The process's signing-key clients: one :class:`~desktop_app.auth.idtoken.JwksClient`
per JWKS URI, shared by every session, like the discovery cache.

A pool's keys do not change between sessions, so a session made again in the same
process (signing in after signing out, switching back to a profile) reuses the keys
already fetched; an unknown ``kid`` still triggers a refetch, within the client's penalty
box (none for 10 s after a refetch that missed or failed).
"""

from __future__ import annotations

import threading

import requests

from desktop_app.auth import idtoken

_lock = threading.Lock()
_clients: dict[str, idtoken.JwksClient] = {}


def shared(jwks_uri: str, http_session: requests.Session) -> idtoken.JwksClient:
    """The process's client for ``jwks_uri``, made (with ``http_session``) on first use."""
    with _lock:
        client = _clients.get(jwks_uri)
        if client is None:
            client = _clients[jwks_uri] = idtoken.JwksClient(jwks_uri, http_session)
        return client


def clear() -> None:
    """Forget every client and its keys (for tests, as in a new process)."""
    with _lock:
        _clients.clear()
