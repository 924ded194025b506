"""The app's HTTP session and get_json, against real loopback servers (``session`` is the
auth folder's fixture: ``http.new_session()``)."""

from __future__ import annotations

import datetime
import ipaddress
import ssl
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from desktop_app import errors
from desktop_app.auth import http
from tests.support.http_server import closed_port
from tests.unit.desktop_app.auth.canned_server import CannedServer, Reply

PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


@pytest.fixture(autouse=True)
def _no_environment_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


@pytest.fixture
def server() -> Iterator[CannedServer]:
    """Answers ``{}``; a test sets ``server.reply`` for anything else."""
    with CannedServer() as running:
        yield running


# -- timeouts ---------------------------------------------------------------------


def test_the_default_timeout_reaches_the_transport(
    session: http.Http, server: CannedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[Any] = []
    original = requests.adapters.HTTPAdapter.send

    def spy(self: Any, request: Any, **kwargs: Any) -> Any:
        seen.append(kwargs["timeout"])
        return original(self, request, **kwargs)

    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", spy)
    session.get(server.url).close()
    session.get(server.url, timeout=None).close()  # None means "the default", not "forever"
    session.get(server.url, timeout=7).close()
    assert seen == [(3.05, 15.0), (3.05, 15.0), 7]


def test_a_slow_server_trips_the_default_timeout(
    session: http.Http, server: CannedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(http, "TIMEOUT", (1.0, 0.2))
    server.reply = Reply(delay=3)
    started = time.monotonic()
    with pytest.raises(requests.ReadTimeout):
        session.get(server.url)
    assert time.monotonic() - started < 2


def test_an_explicit_timeout_wins_over_the_default(
    session: http.Http, server: CannedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(http, "TIMEOUT", (1.0, 0.1))
    server.reply = Reply(delay=0.4)
    with session.get(server.url, timeout=(1.0, 5.0)) as response:
        assert response.status_code == 200


# -- TLS verification ---------------------------------------------------------------


@pytest.mark.parametrize("value", [False, "", None, 0])
def test_verification_cannot_be_turned_off_on_the_session(value: Any) -> None:
    with http.Http() as s:
        with pytest.raises(ValueError, match="TLS verification"):
            s.verify = value
        assert s.verify is True


@pytest.mark.parametrize("value", [False, ""])
def test_verification_cannot_be_turned_off_per_request(session: http.Http, value: Any) -> None:
    url = f"http://127.0.0.1:{closed_port()}/"
    with pytest.raises(ValueError, match="TLS verification"):
        session.get(url, verify=value)
    prepared = requests.Request("GET", url).prepare()
    with pytest.raises(ValueError, match="TLS verification"):
        session.send(prepared, verify=value)


def test_an_empty_ca_bundle_is_refused() -> None:
    with pytest.raises(ValueError, match="TLS verification"):
        http.new_session(ca_bundle="")


def _self_signed(directory: Path) -> tuple[Path, Path]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test CA")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[CannedServer, Path]]:
    cert_file, key_file = _self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    with CannedServer(tls=context) as server:
        yield server, cert_file


def test_the_ca_bundle_is_used_and_beats_requests_ca_bundle_env(
    tls_server: tuple[CannedServer, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server, cert_file = tls_server
    # requests would otherwise let this override the configured bundle (psf/requests#2018).
    (tmp_path / "other").mkdir()
    other_ca, _ = _self_signed(tmp_path / "other")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(other_ca))
    with http.new_session(ca_bundle=str(cert_file)) as s:
        assert s.verify == str(cert_file)
        with s.get(server.url + "/x") as response:
            assert response.status_code == 200
    assert server.paths == ["/x"]


def test_without_the_ca_bundle_the_certificate_is_refused(
    tls_server: tuple[CannedServer, Path], session: http.Http
) -> None:
    server, _ = tls_server
    with pytest.raises(requests.exceptions.SSLError):
        session.get(server.url)
    assert server.hits == 0


# -- proxies ------------------------------------------------------------------------


def test_configured_proxies_are_used_and_beat_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{closed_port()}")
    with CannedServer() as proxy, http.new_session(proxies={"http": proxy.url}) as s:
        assert s.proxies == {"http": proxy.url}
        with s.get("http://cognito.invalid/oauth2/token?x=1") as response:
            assert response.status_code == 200
        # A forward proxy receives the absolute URI in the request line.
        assert proxy.paths == ["http://cognito.invalid/oauth2/token?x=1"]


# -- get_json -----------------------------------------------------------------------


def test_get_json_returns_the_object(session: http.Http, server: CannedServer) -> None:
    server.reply = Reply(body=b'{"issuer": "x", "n": [1, 2]}')
    assert http.get_json(session, server.url + "/doc") == {"issuer": "x", "n": [1, 2]}


def test_get_json_works_with_a_plain_requests_session(server: CannedServer) -> None:
    server.reply = Reply(body=b'{"a": 1}')
    with requests.Session() as plain:
        assert http.get_json(plain, server.url) == {"a": 1}


@pytest.mark.parametrize("status", [201, 204, 404, 500, 503])
def test_get_json_refuses_any_status_but_200(
    session: http.Http, server: CannedServer, status: int
) -> None:
    server.reply = Reply(status=status)
    with pytest.raises(errors.NetworkError, match=f"HTTP {status}") as caught:
        http.get_json(session, server.url + "/doc")
    assert isinstance(caught.value, http.HttpStatusError)
    assert caught.value.status == status


def test_get_json_does_not_follow_redirects(session: http.Http, server: CannedServer) -> None:
    server.reply = lambda path: (
        Reply(status=302, headers={"Location": "/elsewhere"}) if path == "/doc" else Reply()
    )
    with pytest.raises(errors.NetworkError, match="HTTP 302"):
        http.get_json(session, server.url + "/doc")
    assert server.paths == ["/doc"]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<html>hello</html>", "did not return JSON"),
        (b"\xff\xfe not utf-8", "did not return JSON"),
        (b"", "did not return JSON"),
        (b"[1, 2, 3]", "not return a JSON object"),
        (b'"issuer"', "not return a JSON object"),
        (b"[" * 100_000 + b"]" * 100_000, "did not return JSON"),
    ],
)
def test_get_json_refuses_a_body_that_is_not_a_json_object(
    session: http.Http, server: CannedServer, body: bytes, reason: str
) -> None:
    server.reply = Reply(body=body)
    with pytest.raises(errors.CognitoDesktopError, match=reason) as caught:
        http.get_json(session, server.url + "/doc", max_bytes=len(body) + 1)
    assert type(caught.value) is errors.CognitoDesktopError


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"issuer": "x", "n": NaN}', "NaN or Infinity"),
        (b'{"n": [Infinity, -Infinity]}', "NaN or Infinity"),
        (b'\xef\xbb\xbf{"issuer": "x"}', "byte-order mark"),
        ('{"issuer": "x"}'.encode("utf-16"), "not UTF-8"),
        (b'{"issuer": "https://good", "issuer": "https://evil"}', "appears twice"),
        (b'{"keys": [{"kid": "k1", "kid": "k2"}]}', "appears twice"),
        (b'{"issuer": "\\udc00"}', "lone surrogate"),
    ],
    ids=[
        "NaN",
        "Infinity",
        "byte-order mark",
        "utf-16",
        "duplicate",
        "nested duplicate",
        "surrogate",
    ],
)
def test_get_json_refuses_what_is_not_strict_json(
    session: http.Http, server: CannedServer, body: bytes, reason: str
) -> None:
    """Python's json.loads takes all of these (a BOM only from bytes, where it also
    guesses UTF-16); discovery documents and key sets go through strict_json."""
    server.reply = Reply(body=body)
    with pytest.raises(errors.CognitoDesktopError, match=f"did not return JSON \\(.*{reason}"):
        http.get_json(session, server.url + "/doc")


@pytest.mark.parametrize("content_length", [True, False])
def test_get_json_caps_the_body(
    session: http.Http, server: CannedServer, content_length: bool
) -> None:
    body = b'{"pad": "' + b"x" * 20_000 + b'"}'
    server.reply = Reply(body=body, content_length=content_length)
    assert http.get_json(session, server.url, max_bytes=len(body)) == {"pad": "x" * 20_000}
    with pytest.raises(errors.CognitoDesktopError, match=f"more than {len(body) - 1} bytes"):
        http.get_json(session, server.url, max_bytes=len(body) - 1)


def test_get_json_wraps_a_refused_connection(session: http.Http) -> None:
    url = f"http://127.0.0.1:{closed_port()}/pool/.well-known/jwks.json"
    with pytest.raises(errors.NetworkError, match="cannot reach") as caught:
        http.get_json(session, url)
    assert str(caught.value).startswith(f"cannot reach {url} (")


def test_get_json_wraps_a_timeout(
    session: http.Http, server: CannedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(http, "TIMEOUT", (1.0, 0.2))
    server.reply = Reply(delay=3)
    with pytest.raises(errors.NetworkError, match="did not answer in time"):
        http.get_json(session, server.url + "/doc")


def test_messages_name_host_and_path_but_never_the_query(
    session: http.Http, server: CannedServer
) -> None:
    secret = "code-SECRET-123"
    server.reply = Reply(status=500)
    url = f"http://user:pw@127.0.0.1:{server.port}/oauth2/x?code={secret}#frag"
    with pytest.raises(errors.NetworkError) as caught:
        http.get_json(session, url)
    message = str(caught.value)
    assert message == f"http://127.0.0.1:{server.port}/oauth2/x answered HTTP 500"
    assert secret not in message and "pw" not in message


def test_describe() -> None:
    assert http.describe("https://h.example/a/b?q=1") == "https://h.example/a/b"
    assert http.describe("http://[::1]:8080/p") == "http://[::1]:8080/p"
