"""desktop_app.auth.jwks_cache: one signing-key client per JWKS URI for the process."""

from __future__ import annotations

import threading

from desktop_app.auth import http, idtoken, jwks_cache

URI = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Unit/.well-known/jwks.json"
OTHER = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other/.well-known/jwks.json"


def test_sessions_share_one_client_per_uri() -> None:
    with http.new_session() as first, http.new_session() as second:
        client = jwks_cache.shared(URI, first)
        assert isinstance(client, idtoken.JwksClient) and client.jwks_uri == URI
        assert jwks_cache.shared(URI, second) is client  # the first session's, kept
        other = jwks_cache.shared(OTHER, second)
        assert other is not client and other.jwks_uri == OTHER


def test_concurrent_first_use_makes_one_client() -> None:
    clients: list[idtoken.JwksClient] = []
    start = threading.Barrier(16)

    def use() -> None:
        start.wait(timeout=5)
        clients.append(jwks_cache.shared(URI, http.new_session()))

    threads = [threading.Thread(target=use) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=5)
    assert len(clients) == 16 and len({id(c) for c in clients}) == 1


def test_clear_forgets_every_client() -> None:
    with http.new_session() as session:
        before = jwks_cache.shared(URI, session)
        jwks_cache.clear()
        assert jwks_cache.shared(URI, session) is not before
