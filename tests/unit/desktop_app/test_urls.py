"""desktop_app.urls: the loopback-host, https-or-loopback and loopback-redirect rules."""

from __future__ import annotations

import urllib.parse

import pytest

from desktop_app import urls


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("127.255.255.254", True),
        ("::1", True),
        (None, False),
        ("", False),
        ("0.0.0.0", False),  # noqa: S104 - a host under test, nothing binds it
        ("::", False),
        ("10.0.0.1", False),
        ("example.com", False),
        ("localhost.example.com", False),
        ("127.0.0.1.evil.example", False),
        ("LOCALHOST", False),  # urlsplit lowercases hostnames; nothing else is normalised here
    ],
)
def test_is_loopback_host(host: str | None, loopback: bool) -> None:
    assert urls.is_loopback_host(host) is loopback


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://auth.example.com", True),
        ("https://auth.example.com:8443/oauth2/token?x=1", True),
        ("http://127.0.0.1:9229/pool", True),
        ("http://localhost:9229/", True),
        ("http://LocalHost:9229/", True),
        ("http://[::1]:9229/", True),
        ("http://127.0.0.2/", True),
        ("http://auth.example.com", False),
        ("http://10.0.0.1/", False),
        ("http://127.0.0.1.evil.example/", False),
        ("ftp://auth.example.com", False),
        ("auth.example.com", False),
        ("https://", False),
        ("https:///path", False),
        ("", False),
        # user-info: refused under every scheme and host
        ("https://user@auth.example.com/", False),
        ("https://user:pass@auth.example.com/", False),
        ("https://:@auth.example.com/", False),
        ("https://auth.example.com@evil.example/", False),
        ("http://user:pass@127.0.0.1:9229/", False),
    ],
)
def test_is_https_or_loopback(url: str, allowed: bool) -> None:
    assert urls.is_https_or_loopback(url) is allowed


@pytest.mark.parametrize(
    "value", [None, 42, ["https://auth.example.com"], {"url": "x"}, b"https://a"]
)
def test_is_https_or_loopback_refuses_anything_but_a_string(value: object) -> None:
    assert urls.is_https_or_loopback(value) is False


@pytest.mark.parametrize(
    ("uri", "host", "port", "path"),
    [
        ("http://127.0.0.1:53682/callback", "127.0.0.1", 53682, "/callback"),
        ("http://127.0.0.1:53682/callback/local", "127.0.0.1", 53682, "/callback/local"),
        ("http://127.0.0.1:8080/cb/", "127.0.0.1", 8080, "/cb/"),
        ("http://127.0.0.1:8080", "127.0.0.1", 8080, "/"),  # the browser requests "/"
        ("http://127.0.0.1:65535/", "127.0.0.1", 65535, "/"),
    ],
)
def test_a_loopback_redirect_is_parsed(uri: str, host: str, port: int, path: str) -> None:
    assert urls.parse_loopback_redirect(uri) == urls.LoopbackRedirect(uri, host, port, path)


@pytest.mark.parametrize(
    "uri",
    [
        "https://127.0.0.1:8080/callback",  # RFC 8252 loopback redirects are plain http
        "http://0.0.0.0:8080/callback",
        "http://[::1]:8080/callback",  # loopback, but the receiver binds 127.0.0.1 only
        # RFC 8252 8.3: not localhost, which a browser may send to [::1]:PORT, where
        # another process can listen while the receiver holds 127.0.0.1:PORT.
        "http://localhost:8080/cb/",
        "http://LOCALHOST:8080/cb",
        "http://127.0.0.2:8080/callback",
        "http://example.com:8080/callback",
        "http://127.0.0.1/callback",  # no port: Cognito matches callback URLs exactly
        "http://127.0.0.1:0/callback",
        "http://127.0.0.1:99999/callback",
        "http://127.0.0.1:notaport/callback",
        "http://127.0.0.1:8080/callback?x=1",
        "http://127.0.0.1:8080/callback#frag",
        "http://user@127.0.0.1:8080/callback",
        "http://user:pass@127.0.0.1:8080/callback",
        "http://127.0.0.1@evil.example:8080/callback",
        "myapp://callback",
        "",
    ],
)
def test_anything_else_is_not_a_loopback_redirect(uri: str) -> None:
    assert urls.parse_loopback_redirect(uri) is None


@pytest.mark.parametrize(
    ("url", "userinfo"),
    [
        ("https://a.example/", False),
        ("https://u@a.example/", True),
        ("https://u:p@a.example/", True),
        ("https://:p@a.example/", True),
        ("https://@a.example/", True),
    ],
)
def test_has_userinfo(url: str, userinfo: bool) -> None:
    assert urls.has_userinfo(urllib.parse.urlsplit(url)) is userinfo


def test_only_the_loopback_ip_literal_is_a_redirect_host() -> None:
    assert frozenset({"127.0.0.1"}) == urls.REDIRECT_HOSTS


@pytest.mark.parametrize(
    ("uri", "localhost"),
    [
        ("http://localhost:53682/callback", True),
        ("http://LocalHost:53682/callback", True),
        ("http://localhost/", True),
        ("https://localhost:8443/", False),  # not a loopback redirect's scheme at all
        ("http://127.0.0.1:53682/callback", False),
        ("http://localhost.example.com:53682/cb", False),
    ],
)
def test_uses_localhost(uri: str, localhost: bool) -> None:
    assert urls.uses_localhost(uri) is localhost


@pytest.mark.parametrize(
    ("uri", "fixed"),
    [
        ("http://localhost:53682/callback", "http://127.0.0.1:53682/callback"),
        ("http://LOCALHOST:8080/cb/x", "http://127.0.0.1:8080/cb/x"),
        ("http://localhost/", "http://127.0.0.1/"),
    ],
)
def test_with_loopback_ip(uri: str, fixed: str) -> None:
    assert urls.with_loopback_ip(uri) == fixed


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("http://127.0.0.1:53682/callback", "http://127.0.0.1:53682/callback"),
        ("https://Auth.Example.com/bye", "https://auth.example.com/bye"),
        ("HTTPS://auth.example.com/bye", "https://auth.example.com/bye"),
        ("https://auth.example.com", "https://auth.example.com/"),  # default path
        ("https://auth.example.com:443/bye", "https://auth.example.com/bye"),  # default port
        ("http://127.0.0.1:80/x", "http://127.0.0.1/x"),
        ("https://u:p@auth.example.com/bye", "https://auth.example.com/bye"),
    ],
)
def test_comparable_forms_are_equal(a: str, b: str) -> None:
    assert urls.comparable(a) == urls.comparable(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("http://127.0.0.1:53682/callback", "http://127.0.0.1:53683/callback"),
        ("http://127.0.0.1:53682/callback", "http://127.0.0.1:53682/callback/"),
        ("http://127.0.0.1:53682/callback/a", "http://127.0.0.1:53682/callback/b"),
        ("http://127.0.0.1:53682/Callback", "http://127.0.0.1:53682/callback"),  # path case
        ("http://auth.example.com/bye", "https://auth.example.com/bye"),
        ("https://auth.example.com:8443/bye", "https://auth.example.com/bye"),
    ],
)
def test_comparable_forms_that_differ(a: str, b: str) -> None:
    assert urls.comparable(a) != urls.comparable(b)


def test_comparable_never_keeps_user_info() -> None:
    assert "hunter2" not in urls.comparable("https://admin:hunter2@auth.example.com/")
