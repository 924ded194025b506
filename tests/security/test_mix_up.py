"""Mix-up between environments (RFC 9700 4.4; issue 16), attacked over real sockets.

Environment A is the stand-in (honest). Environment B is hostile: its discovery names
its own authorize and token endpoints, and its authorize endpoint sends the browser on
to A's, keeping the app's ``state``, ``nonce`` and PKCE challenge but naming A's
registered redirect URI. The person signs in at A, A sends its code to A's redirect
URI on the app's loopback port, and, if the app took it, B's token endpoint would get
A's code and the app's verifier, which is all B needs to redeem them at A.

With a redirect path per environment the app, signing in to B, listens only on B's
path: A's code arrives on a path it does not serve (404) and nothing is sent to B.
The control test shows what the shared path allowed, and that config validation
refuses two profiles that share a redirect URI.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from http import server as http_server
from pathlib import Path

import pytest
import requests

from desktop_app import config, errors
from desktop_app.auth import session, store
from local_cognito import server
from tests.support import app_env, start_link
from tests.support.http_server import LoopbackServer, read_body, reply_json
from tests.support.scripted_browser import ScriptedBrowser

TIMEOUT = 10


class HostileEnvironment:
    """Environment B: discovery, an authorize endpoint that forwards to A's, and a token
    endpoint that records what it is sent."""

    def __init__(self, honest: config.Profile, authorize_at_a: str) -> None:
        self.honest = honest
        self.authorize_at_a = authorize_at_a
        self.token_requests: list[dict[str, list[str]]] = []
        self.server = LoopbackServer(self._answer, name="hostile-environment")

    def _answer(self, handler: http_server.BaseHTTPRequestHandler) -> None:
        path, _, query = handler.path.partition("?")
        base = self.server.url
        if path == "/.well-known/openid-configuration":
            document = {
                "issuer": base,
                "authorization_endpoint": f"{base}/authorize",
                "token_endpoint": f"{base}/token",
                "jwks_uri": f"{base}/jwks",
            }
            reply_json(handler, 200, json.dumps(document).encode())
        elif path == "/authorize":
            params = dict(urllib.parse.parse_qsl(query))
            params["client_id"] = self.honest.client_id
            params["redirect_uri"] = self.honest.redirect_uris[0]
            target = f"{self.authorize_at_a}?{urllib.parse.urlencode(params)}"
            reply_json(handler, 302, b"", headers={"Location": target})
        elif path == "/token":
            self.token_requests.append(urllib.parse.parse_qs(read_body(handler).decode()))
            reply_json(handler, 400, b'{"error":"invalid_grant"}')
        else:
            reply_json(handler, 404, b"{}")

    def profile(self, redirect_uri: str) -> config.Profile:
        return config.parse_profile(
            "hostile",
            {
                "issuer": self.server.url,
                "client_id": "b-client",
                "domain": self.server.url,
                "redirect_uris": [redirect_uri],
            },
        )


class Person:
    """Follows the browser from B to A, signs in at A as alice, then follows A's
    redirect to the loopback; records where it went and what the app answered."""

    def __init__(self, stand_in: server.LocalCognito) -> None:
        self.stand_in = stand_in
        self.redirects: list[str] = []
        self.answers: list[int] = []
        self.failures: list[BaseException] = []
        self._threads: list[threading.Thread] = []

    def open(self, url: str) -> bool:
        def browse() -> None:
            try:
                browser = ScriptedBrowser(self.stand_in.url)
                page = browser.open_url(start_link.follow(url))
                assert not isinstance(page, str)
                target = browser.submit(page, username="alice", password="Alice-Passw0rd!")
                assert isinstance(target, str), "managed login did not redirect"
                self.redirects.append(target)
                self.answers.append(requests.get(target, timeout=TIMEOUT).status_code)
            except BaseException as exc:
                self.failures.append(exc)

        thread = threading.Thread(target=browse, daemon=True)
        self._threads.append(thread)
        thread.start()
        return True

    def settle(self) -> None:
        for thread in self._threads:
            thread.join(TIMEOUT)
        if self.failures:
            raise self.failures[0]


def _setup(stand_in: server.LocalCognito) -> tuple[config.Profile, HostileEnvironment, int]:
    honest = app_env.profile(stand_in)
    port = urllib.parse.urlsplit(honest.redirect_uris[0]).port
    assert port is not None
    authorize_at_a = f"{stand_in.url}/oauth2/authorize"
    return honest, HostileEnvironment(honest, authorize_at_a), port


def test_a_hostile_environment_cannot_get_another_environments_code_redeemed(
    stand_in: server.LocalCognito,
) -> None:
    honest, hostile, port = _setup(stand_in)
    with hostile.server:
        person = Person(stand_in)
        chosen = hostile.profile(f"http://127.0.0.1:{port}/callback/hostile")
        current = session.Session(chosen, token_store=store.MemoryStore(), open_browser=person.open)
        with pytest.raises(errors.SignInTimeout):
            current.sign_in(timeout=3)
        person.settle()
    # A's code did come back to the app's port, on A's path, which B's sign-in does not serve.
    ((redirect,),) = [person.redirects]
    assert redirect.startswith(honest.redirect_uris[0] + "?") and "code=" in redirect
    assert person.answers == [404]
    assert hostile.token_requests == []  # nothing left the app for B
    assert current.store.load() is None


def test_control_with_one_shared_redirect_uri_the_code_would_go_to_the_hostile_environment(
    stand_in: server.LocalCognito, tmp_path: Path
) -> None:
    honest, hostile, _ = _setup(stand_in)
    with hostile.server:
        person = Person(stand_in)
        chosen = hostile.profile(honest.redirect_uris[0])  # what every profile shared before
        current = session.Session(chosen, token_store=store.MemoryStore(), open_browser=person.open)
        with pytest.raises(errors.TokenExchangeError):
            current.sign_in(timeout=10)
        person.settle()
    ((sent,),) = [hostile.token_requests]
    assert sent["grant_type"] == ["authorization_code"] and sent["code"] and sent["code_verifier"]
    # ...which is why two profiles may not share a redirect URI.
    path = tmp_path / "config.toml"
    uri = honest.redirect_uris[0]
    path.write_text(
        "\n".join(
            [
                "[profiles.a]",
                'issuer = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_A"',
                'client_id = "a"',
                'domain = "https://a.example.com"',
                f'redirect_uris = ["{uri}"]',
                "[profiles.b]",
                'issuer = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_B"',
                'client_id = "b"',
                'domain = "https://b.example.com"',
                f'redirect_uris = ["{uri}"]',
            ]
        ),
        encoding="utf-8",
    )
    with pytest.raises(errors.ConfigError) as caught:
        config.load(path)
    assert "profiles.a" in str(caught.value) and "profiles.b" in str(caught.value)
