"""OpenID discovery: against the local stand-in, and against documents made to be wrong."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from desktop_app import config, errors
from desktop_app.auth import discovery, http
from local_cognito import server as cognito_server
from tests.support.http_server import closed_port
from tests.unit.desktop_app.auth.canned_server import CannedServer, Reply

ISSUER = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Example"
DOMAIN = "https://auth.example.com"


@pytest.fixture
def doc_server() -> Iterator[CannedServer]:
    with CannedServer() as running:
        yield running


def profile_for(discovery_url: str, issuer: str = ISSUER, domain: str = DOMAIN) -> config.Profile:
    return config.Profile(
        name="test",
        client_id="client-1",
        domain=domain,
        redirect_uris=("http://127.0.0.1:53682/callback",),
        issuer=issuer,
        discovery_url=discovery_url,
    )


def cognito_document(**changes: Any) -> dict[str, Any]:
    """Shaped like real Cognito's: no revocation or end-session endpoint."""
    document: dict[str, Any] = {
        "issuer": ISSUER,
        "authorization_endpoint": f"{DOMAIN}/oauth2/authorize",
        "token_endpoint": f"{DOMAIN}/oauth2/token",
        "userinfo_endpoint": f"{DOMAIN}/oauth2/userInfo",
        "jwks_uri": f"{ISSUER}/.well-known/jwks.json",
        "response_types_supported": ["code", "token"],
    }
    document.update(changes)
    return {k: v for k, v in document.items() if v is not ...}


def serve(server: CannedServer, document: Any) -> config.Profile:
    server.reply = Reply(body=json.dumps(document).encode())
    return profile_for(f"{server.url}/pool/.well-known/openid-configuration")


@pytest.mark.integration
def test_discovers_the_local_stand_in(session: http.Http) -> None:
    with cognito_server.LocalCognito(port=0) as stand_in:
        info, base = stand_in.info(), stand_in.url
        profile = config.Profile(
            name="local",
            client_id=info["client_id"],
            domain=base,
            redirect_uris=tuple(info["callback_urls"]),
            issuer=info["issuer"],
            discovery_url=info["discovery_url"],
        )
        endpoints = discovery.discover(profile, session)
    assert endpoints == discovery.Endpoints(
        issuer=info["issuer"],
        authorization_endpoint=f"{base}/oauth2/authorize",
        token_endpoint=f"{base}/oauth2/token",
        jwks_uri=info["jwks_url"],
        userinfo_endpoint=f"{base}/oauth2/userInfo",
        revocation_endpoint=f"{base}/oauth2/revoke",
        end_session_endpoint=f"{base}/logout",
    )


def test_derives_revocation_and_logout_from_the_domain(
    session: http.Http, doc_server: CannedServer
) -> None:
    endpoints = discovery.discover(serve(doc_server, cognito_document()), session)
    assert endpoints.revocation_endpoint == f"{DOMAIN}/oauth2/revoke"
    assert endpoints.end_session_endpoint == f"{DOMAIN}/logout"
    assert endpoints.token_endpoint == f"{DOMAIN}/oauth2/token"
    assert endpoints.issuer == ISSUER


def test_listed_revocation_and_logout_win_over_derived_ones(
    session: http.Http, doc_server: CannedServer
) -> None:
    document = cognito_document(
        revocation_endpoint="https://other.example.com/revoke",
        end_session_endpoint="https://other.example.com/bye",
        userinfo_endpoint=...,
    )
    endpoints = discovery.discover(serve(doc_server, document), session)
    assert endpoints.revocation_endpoint == "https://other.example.com/revoke"
    assert endpoints.end_session_endpoint == "https://other.example.com/bye"
    assert endpoints.userinfo_endpoint is None


@pytest.mark.parametrize(
    "issuer",
    [
        "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other",
        ISSUER + "/",  # exact means exact: no trailing-slash leniency
        ISSUER.upper(),
        None,
        ["x"],
    ],
)
def test_refuses_another_issuer_naming_both(
    session: http.Http, doc_server: CannedServer, issuer: Any
) -> None:
    profile = serve(doc_server, cognito_document(issuer=issuer))
    with pytest.raises(errors.DiscoveryError) as caught:
        discovery.discover(profile, session)
    assert repr(issuer) in str(caught.value)
    assert repr(ISSUER) in str(caught.value)


@pytest.mark.parametrize("key", ["authorization_endpoint", "token_endpoint", "jwks_uri"])
def test_refuses_a_document_without_a_required_endpoint(
    session: http.Http, doc_server: CannedServer, key: str
) -> None:
    profile = serve(doc_server, cognito_document(**{key: ...}))
    with pytest.raises(errors.DiscoveryError, match=f"has no {key}$"):
        discovery.discover(profile, session)


@pytest.mark.parametrize(
    ("key", "url"),
    [
        ("token_endpoint", "http://auth.example.com/oauth2/token"),
        ("authorization_endpoint", "http://10.0.0.1/oauth2/authorize"),
        ("jwks_uri", "ftp://auth.example.com/jwks.json"),
        ("jwks_uri", "https:///jwks.json"),
        ("userinfo_endpoint", "javascript:alert(1)"),
        ("revocation_endpoint", "http://localhost.evil.example/revoke"),
        ("end_session_endpoint", "https://user:pw@auth.example.com/logout"),
        ("token_endpoint", ["https://auth.example.com/oauth2/token"]),
        ("token_endpoint", ""),
    ],
)
def test_refuses_an_endpoint_that_is_not_https(
    session: http.Http, doc_server: CannedServer, key: str, url: Any
) -> None:
    profile = serve(doc_server, cognito_document(**{key: url}))
    with pytest.raises(errors.DiscoveryError, match=f"{key} .* must be an https URL") as caught:
        discovery.discover(profile, session)
    assert "pw" not in str(caught.value)


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:9229/oauth2/token", "http://localhost:9229/t", "http://[::1]:9229/t"],
)
def test_accepts_plain_http_on_loopback(
    session: http.Http, doc_server: CannedServer, url: str
) -> None:
    profile = serve(doc_server, cognito_document(token_endpoint=url))
    assert discovery.discover(profile, session).token_endpoint == url


def test_fetches_once_per_process_even_under_concurrency(
    session: http.Http, doc_server: CannedServer
) -> None:
    profile = serve(doc_server, cognito_document())
    doc_server.reply = Reply(body=json.dumps(cognito_document()).encode(), delay=0.2)
    results: list[discovery.Endpoints] = []
    start = threading.Barrier(8)

    def worker() -> None:
        start.wait()
        results.append(discovery.discover(profile, session))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 8 and len(set(results)) == 1
    discovery.discover(profile, session)
    assert doc_server.hits == 1
    discovery.clear_cache()
    discovery.discover(profile, session)
    assert doc_server.hits == 2


def test_the_cached_document_is_checked_against_each_profile(
    session: http.Http, doc_server: CannedServer
) -> None:
    profile = serve(doc_server, cognito_document())
    discovery.discover(profile, session)
    other = profile_for(profile.effective_discovery_url, issuer=ISSUER + "x")
    with pytest.raises(errors.DiscoveryError, match="expects"):
        discovery.discover(other, session)
    assert doc_server.hits == 1


def test_a_refused_document_is_not_cached(session: http.Http, doc_server: CannedServer) -> None:
    profile = serve(doc_server, cognito_document(token_endpoint=...))
    with pytest.raises(errors.DiscoveryError):
        discovery.discover(profile, session)
    serve(doc_server, cognito_document())
    assert discovery.discover(profile, session).token_endpoint == f"{DOMAIN}/oauth2/token"
    assert doc_server.hits == 2


def test_a_closed_port_is_a_network_error(session: http.Http) -> None:
    profile = profile_for(f"http://127.0.0.1:{closed_port()}/pool/.well-known/openid-configuration")
    with pytest.raises(errors.NetworkError, match="cannot reach"):
        discovery.discover(profile, session)


def test_a_server_error_is_a_network_error(session: http.Http, doc_server: CannedServer) -> None:
    profile = serve(doc_server, {})
    doc_server.reply = Reply(status=503)
    with pytest.raises(errors.NetworkError, match="HTTP 503"):
        discovery.discover(profile, session)


def test_a_missing_document_is_a_discovery_error(
    session: http.Http, doc_server: CannedServer
) -> None:
    profile = serve(doc_server, {})
    doc_server.reply = Reply(status=404)
    with pytest.raises(errors.DiscoveryError, match=r"HTTP 404.*issuer or discovery_url"):
        discovery.discover(profile, session)


@pytest.mark.parametrize("body", [b"<html></html>", b"[]"])
def test_a_body_that_is_not_a_json_object_is_a_discovery_error(
    session: http.Http, doc_server: CannedServer, body: bytes
) -> None:
    profile = serve(doc_server, {})
    doc_server.reply = Reply(body=body)
    with pytest.raises(errors.DiscoveryError, match="bad OpenID discovery document"):
        discovery.discover(profile, session)
