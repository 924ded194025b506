"""local_cognito.server: loopback only, the dispatcher between managed login and moto,
quiet request logs, and start/stop on a real port."""

from __future__ import annotations

import io
import json
import logging
import socket
from typing import Any

import pytest
import requests

from local_cognito import seed, server

MOTO_ANSWER = [b"moto"]
LOGIN_ANSWER = [b"login"]
ORIGIN = "http://127.0.0.1:9229"
API_HEADERS = {
    "HTTP_HOST": "127.0.0.1:9229",
    "HTTP_X_AMZ_TARGET": "AWSCognitoIdentityProviderService.ListUsers",
}


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("localhost", True),
        ("0.0.0.0", False),  # noqa: S104 - the point: every interface is refused
        ("192.168.1.20", False),
        ("example.com", False),
    ],
)
def test_only_loopback_hosts_count(host: str, loopback: bool) -> None:
    assert server._is_loopback(host) is loopback


def test_the_stand_in_refuses_to_serve_beyond_loopback() -> None:
    with pytest.raises(ValueError, match="binds loopback only"):
        server.LocalCognito(host="0.0.0.0")  # noqa: S104


class Recorder:
    """A WSGI app that answers ``body`` and keeps what it was given."""

    def __init__(self, body: list[bytes]) -> None:
        self.body = body
        self.seen: list[tuple[str, bytes]] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        self.seen.append((environ["PATH_INFO"], environ["wsgi.input"].read()))
        start_response(
            "200 OK",
            [("Content-Type", "text/plain"), ("Access-Control-Allow-Origin", "http://evil")],
        )
        return self.body


def dispatcher_for(login: Recorder, moto: Recorder) -> server._Dispatcher:
    return server._Dispatcher(login, moto, "POOL", lambda: ORIGIN)


def call(
    dispatcher: server._Dispatcher,
    method: str,
    path: str,
    body: bytes = b"",
    length: str = "",
    headers: dict[str, str] | None = None,
) -> tuple[str, list[bytes]]:
    status, _, answer = call_with_headers(dispatcher, method, path, body, length, headers)
    return status, answer


def call_with_headers(
    dispatcher: server._Dispatcher,
    method: str,
    path: str,
    body: bytes = b"",
    length: str = "",
    headers: dict[str, str] | None = None,
) -> tuple[str, list[tuple[str, str]], list[bytes]]:
    """``headers`` in WSGI's names (``HTTP_HOST``...)."""
    started: list[tuple[str, list[tuple[str, str]]]] = []
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "CONTENT_LENGTH": length or str(len(body)),
        "wsgi.input": io.BytesIO(body),
        **(headers or {}),
    }
    answer = list(dispatcher(environ, lambda status, sent: started.append((status, sent))))
    return started[0][0], started[0][1], answer


def test_the_dispatcher_routes_by_path_and_reads_the_body_first() -> None:
    login, moto = Recorder(LOGIN_ANSWER), Recorder(MOTO_ANSWER)
    dispatcher = dispatcher_for(login, moto)
    assert call(dispatcher, "POST", "/oauth2/token", b"grant_type=x") == ("200 OK", LOGIN_ANSWER)
    assert call(dispatcher, "POST", "/", b'{"UserPoolId": "POOL"}', headers=API_HEADERS) == (
        "200 OK",
        MOTO_ANSWER,
    )
    assert login.seen == [("/oauth2/token", b"grant_type=x")]
    assert moto.seen == [("/", b'{"UserPoolId": "POOL"}')]


def test_moto_answers_lose_their_cors_headers_and_managed_login_keeps_its_own() -> None:
    login, moto = Recorder(LOGIN_ANSWER), Recorder(MOTO_ANSWER)
    dispatcher = dispatcher_for(login, moto)
    _, sent, _ = call_with_headers(dispatcher, "POST", "/", b"{}", headers=API_HEADERS)
    assert sent == [("Content-Type", "text/plain")]
    _, sent, _ = call_with_headers(dispatcher, "POST", "/oauth2/token", b"")
    assert ("Access-Control-Allow-Origin", "http://evil") in sent  # not moto's: untouched


@pytest.mark.parametrize(
    ("method", "headers"),
    [
        ("POST", {**API_HEADERS, "HTTP_ORIGIN": "http://evil.example"}),
        ("POST", {**API_HEADERS, "HTTP_HOST": "evil.example:9229"}),
        ("POST", {"HTTP_HOST": "127.0.0.1:9229"}),  # a "simple" POST, no X-Amz-Target
        ("OPTIONS", {**API_HEADERS, "HTTP_ORIGIN": "http://evil.example"}),
    ],
    ids=["origin", "host", "no-target", "preflight"],
)
def test_the_dispatcher_keeps_web_pages_away_from_moto(
    method: str, headers: dict[str, str]
) -> None:
    login, moto = Recorder(LOGIN_ANSWER), Recorder(MOTO_ANSWER)
    status, sent, body = call_with_headers(
        dispatcher_for(login, moto), method, "/", headers=headers
    )
    assert status == "403 Forbidden"
    assert json.loads(b"".join(body))["__type"] == "AccessDeniedException"
    assert not [k for k, _ in sent if k.lower().startswith("access-control-")]
    assert moto.seen == login.seen == []


@pytest.mark.parametrize("length", [str(server.MAX_BODY_BYTES + 1), "-1", "lots"])
def test_a_body_too_large_or_unreadable_is_refused_before_any_app(length: str) -> None:
    login, moto = Recorder(LOGIN_ANSWER), Recorder(MOTO_ANSWER)
    status, body = call(dispatcher_for(login, moto), "POST", "/", length=length)
    assert status == "413 Content Too Large" and body == [b"request body too large\n"]
    assert login.seen == moto.seen == []


def test_request_logs_leave_the_query_string_out(caplog: pytest.LogCaptureFixture) -> None:
    handler = object.__new__(server._QuietHandler)  # only what log_request reads
    handler.command = "GET"
    handler.path = "/oauth2/authorize?code=secret-code&state=s"
    with caplog.at_level(logging.DEBUG, logger=server.log.name):
        handler.log_request(302)
    assert [r.getMessage() for r in caplog.records] == ["GET /oauth2/authorize 302"]


def test_authlib_never_logs_issued_tokens() -> None:
    assert logging.getLogger("authlib").getEffectiveLevel() >= logging.WARNING


def test_the_url_names_the_configured_port_until_started() -> None:
    stand_in = server.LocalCognito(port=4321, demo_users=False)
    try:
        assert stand_in.url == "http://127.0.0.1:4321"
    finally:
        stand_in.pool.close()
    v6 = server.LocalCognito(host="::1", port=4321, demo_users=False)
    try:
        assert v6.url == "http://[::1]:4321"
    finally:
        v6.pool.close()


def test_start_serves_both_apps_and_stop_drops_the_pool() -> None:
    stand_in = server.LocalCognito(port=0, users=3)
    with stand_in:
        assert stand_in.url != "http://127.0.0.1:0"
        info = stand_in.info()
        assert info["managed_login_url"] == info["cognito_idp_endpoint"] == stand_in.url
        assert info["discovery_url"].startswith(f"{stand_in.url}/{info['user_pool_id']}/")
        assert info["client_id"] == stand_in.pool.client_id
        assert info["automation_client_id"] == stand_in.pool.automation_client_id
        assert info["automation_client_id"] not in (None, info["client_id"])
        assert [u["username"] for u in info["demo_users"]] == [
            "admin",
            "alice",
            "newbie",
            "tom",
            "dora",
        ]
        assert requests.get(f"{stand_in.url}/healthz", timeout=10).json() == {"status": "ok"}
        listed = requests.post(  # moto's half: the cognito-idp JSON API, as boto3 calls it
            stand_in.url,
            json={"UserPoolId": info["user_pool_id"], "Limit": 60},
            headers={
                "X-Amz-Target": "AWSCognitoIdentityProviderService.ListUsers",
                "Content-Type": "application/x-amz-json-1.1",
            },
            timeout=10,
        ).json()
        assert len(listed["Users"]) == len(seed.DEMO_USERS) + 3
        pool_id, backend = stand_in.pool.id, stand_in.pool.backend
    assert pool_id not in backend.user_pools
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{stand_in.url}/healthz", timeout=2)


def test_a_taken_port_is_an_os_error_not_an_exit() -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        stand_in = server.LocalCognito(port=holder.getsockname()[1], demo_users=False)
        try:
            with pytest.raises(OSError, match="in use"):
                stand_in.start()
        finally:
            stand_in.pool.close()
