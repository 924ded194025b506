"""JwksCache against a real loopback HTTP server whose behaviour each test switches.

Rotation, the unknown-kid penalty box, single-flight cold starts, and failing
closed in bounded time when the JWKS is down, slow, garbage or huge.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from protected_api import errors, jwks
from tests.support import clock, http_server
from tests.unit.protected_api import stubs

# Small timeouts so failure cases run fast; the bound asserted is total + 2 s.
CONNECT_TIMEOUT = 0.5
READ_TIMEOUT = 1.0
TOTAL_TIMEOUT = 1.5
BOUND = TOTAL_TIMEOUT + 2.0
DRIBBLE_EVERY = 0.5  # shorter than the read timeout: only the total deadline can stop it
SERVER_GIVES_UP = 6.0  # a handler never runs longer than this, even if the client waits


def rsa_jwk(kid: str, key_size: int = 2048, **extra: Any) -> dict[str, Any]:
    private = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    jwk: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(private.public_key()))
    jwk.update({"kid": kid, "alg": "RS256", "use": "sig", **extra})
    return jwk


@pytest.fixture(scope="module")
def k1() -> dict[str, Any]:
    return rsa_jwk("kid-1")


@pytest.fixture(scope="module")
def k2() -> dict[str, Any]:
    return rsa_jwk("kid-2")


class JwksServer:
    """A JWKS endpoint on 127.0.0.1; ``mode`` picks how the next request is answered.

    Modes: ``keys`` (``document`` as JSON), ``status`` (``status`` code), ``redirect``,
    ``body`` (``body`` bytes as is), ``huge-declared`` / ``huge-chunked`` /
    ``huge-unframed`` (an endless body with a big Content-Length, chunked, or
    neither), ``dribble-body`` / ``dribble-chunked`` / ``dribble-headers`` (a byte
    every :data:`DRIBBLE_EVERY` seconds), ``silent`` (reads the request, never answers).
    """

    def __init__(self) -> None:
        self.mode = "keys"
        self.document: dict[str, Any] = {"keys": []}
        self.status = 500
        self.body = b""
        self.delay = 0.0
        self.requests = 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = http_server.LoopbackServer(
            self._handle, protocol_version="HTTP/1.1", name="jwks"
        )

    @property
    def url(self) -> str:
        return f"{self._server.url}/.well-known/jwks.json"

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        with self._lock:
            self.requests += 1
        handler.close_connection = True
        if self.delay:
            self._stopping.wait(self.delay)
        self._answer(handler)

    def serve(self, *keys: dict[str, Any]) -> None:
        self.mode, self.document = "keys", {"keys": list(keys)}

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        mode, out = self.mode, handler.wfile
        give_up = time.monotonic() + SERVER_GIVES_UP

        def head(status: int, headers: dict[str, str]) -> None:
            handler.send_response(status)
            for name, value in {"Connection": "close", **headers}.items():
                handler.send_header(name, value)
            handler.end_headers()

        def endless(chunked: bool) -> None:
            chunk = b" " * 8192
            while not self._stopping.is_set() and time.monotonic() < give_up:
                out.write(b"%x\r\n%s\r\n" % (len(chunk), chunk) if chunked else chunk)

        def dribble(chunked: bool) -> None:
            while not self._stopping.wait(DRIBBLE_EVERY) and time.monotonic() < give_up:
                out.write(b"1\r\n \r\n" if chunked else b" ")
                out.flush()

        if mode == "keys":
            body = json.dumps(self.document).encode()
            head(200, {"Content-Type": "application/json", "Content-Length": str(len(body))})
            out.write(body)
        elif mode == "status":
            head(self.status, {"Content-Length": "2"})
            out.write(b"no")
        elif mode == "redirect":
            head(302, {"Location": "http://127.0.0.1:9/jwks.json", "Content-Length": "0"})
        elif mode == "body":
            head(200, {"Content-Type": "application/json", "Content-Length": str(len(self.body))})
            out.write(self.body)
        elif mode == "body-unframed":  # no length: the body ends when the connection does
            head(200, {"Content-Type": "application/json"})
            out.write(self.body)
        elif mode == "huge-declared":
            head(200, {"Content-Length": str(64 * 1024 * 1024)})
            endless(chunked=False)
        elif mode == "huge-chunked":
            head(200, {"Transfer-Encoding": "chunked"})
            endless(chunked=True)
        elif mode == "huge-unframed":
            head(200, {})
            endless(chunked=False)
        elif mode == "dribble-body":
            head(200, {"Content-Length": "4096"})  # under the cap: only time can stop it
            dribble(chunked=False)
        elif mode == "dribble-chunked":
            head(200, {"Transfer-Encoding": "chunked"})
            dribble(chunked=True)
        elif mode == "dribble-headers":
            out.write(b"HTTP/1.1 200 OK\r\n")
            while not self._stopping.wait(DRIBBLE_EVERY) and time.monotonic() < give_up:
                out.write(b"X")  # one endless header line
        elif mode == "silent":
            self._stopping.wait(SERVER_GIVES_UP)
        else:  # pragma: no cover - a typo in a test
            raise AssertionError(mode)

    def __enter__(self) -> JwksServer:
        self._server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()  # first, so that dribbling and silent answers end
        self._server.stop()


@pytest.fixture
def server(k1: dict[str, Any]) -> Iterator[JwksServer]:
    with JwksServer() as running:
        running.serve(k1)
        yield running


@pytest.fixture
def monotonic() -> clock.FakeClock:
    return clock.FakeClock(1000.0)


def cache_for(url: str, **options: Any) -> jwks.JwksCache:
    timeouts: dict[str, Any] = {
        "connect_timeout": CONNECT_TIMEOUT,
        "read_timeout": READ_TIMEOUT,
        "total_timeout": TOTAL_TIMEOUT,
    }
    return jwks.JwksCache(url, **{**timeouts, **options})


def public_numbers(jwk: dict[str, Any]) -> rsa.RSAPublicNumbers:
    key = RSAAlgorithm.from_jwk(jwk)
    assert isinstance(key, rsa.RSAPublicKey)
    return key.public_numbers()


# -- caching and rotation -------------------------------------------------------------


def test_a_cold_cache_fetches_once_then_serves_from_memory(
    server: JwksServer, k1: dict[str, Any]
) -> None:
    cache = cache_for(server.url)
    for _ in range(20):
        assert cache.get_key("kid-1").public_numbers() == public_numbers(k1)
    assert cache.fetches == server.requests == 1


def test_rotation_accepts_a_new_kid_after_exactly_one_refetch(
    server: JwksServer, k1: dict[str, Any], k2: dict[str, Any], monotonic: clock.FakeClock
) -> None:
    cache = cache_for(server.url, monotonic=monotonic)
    cache.get_key("kid-1")
    server.serve(k1, k2)  # Cognito publishes the new key next to the old one
    assert cache.get_key("kid-1").public_numbers() == public_numbers(k1)
    assert server.requests == 1, "a cached kid must not cause a fetch"

    assert cache.get_key("kid-2").public_numbers() == public_numbers(k2)
    assert cache.fetches == server.requests == 2
    for _ in range(5):
        cache.get_key("kid-1")
        cache.get_key("kid-2")
    assert server.requests == 2


def test_a_new_kid_seen_during_the_penalty_waits_for_the_window_to_end(
    server: JwksServer, k1: dict[str, Any], k2: dict[str, Any], monotonic: clock.FakeClock
) -> None:
    cache = cache_for(server.url, monotonic=monotonic)
    with pytest.raises(errors.KidNotFoundInJwksError):
        cache.get_key("kid-2")  # not published yet: penalty box
    server.serve(k1, k2)
    monotonic.advance(9.9)
    with pytest.raises(errors.KidNotFoundInJwksError):
        cache.get_key("kid-2")
    assert server.requests == 1
    monotonic.advance(0.2)
    assert cache.get_key("kid-2").public_numbers() == public_numbers(k2)
    assert server.requests == 2


def test_a_random_kid_flood_costs_one_fetch_per_penalty_window(
    server: JwksServer, monotonic: clock.FakeClock
) -> None:
    cache = cache_for(server.url, monotonic=monotonic)
    cache.get_key("kid-1")
    for _ in range(200):
        with pytest.raises(errors.KidNotFoundInJwksError):
            cache.get_key(secrets.token_hex(16))
    assert cache.fetches == server.requests == 2  # the warm-up, then one refetch
    cache.get_key("kid-1")  # known kids keep working in the penalty box

    monotonic.advance(9.9)
    with pytest.raises(errors.KidNotFoundInJwksError):
        cache.get_key(secrets.token_hex(16))
    assert server.requests == 2

    monotonic.advance(0.2)  # 10.1 s after the refetch
    for _ in range(200):
        with pytest.raises(errors.KidNotFoundInJwksError):
            cache.get_key(secrets.token_hex(16))
    assert cache.fetches == server.requests == 3
    cache.get_key("kid-1")
    assert server.requests == 3


def test_a_random_kid_flood_on_a_cold_cache_costs_one_fetch(
    server: JwksServer, monotonic: clock.FakeClock
) -> None:
    cache = cache_for(server.url, monotonic=monotonic)
    for _ in range(200):
        with pytest.raises(errors.KidNotFoundInJwksError):
            cache.get_key(secrets.token_hex(16))
    assert server.requests == 1
    cache.get_key("kid-1")
    assert server.requests == 1


def _in_threads(count: int, target: Any) -> list[Any]:
    """Run ``target()`` in ``count`` threads released together; results or exceptions."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = target()
        except Exception as exc:  # handed back to the test to assert on
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    return results


def test_a_concurrent_cold_start_makes_one_fetch(server: JwksServer, k1: dict[str, Any]) -> None:
    server.delay = 0.3  # every thread arrives while the first fetch is in flight
    cache = cache_for(server.url)
    results = _in_threads(50, lambda: cache.get_key("kid-1").public_numbers())
    assert results == [public_numbers(k1)] * 50
    assert cache.fetches == server.requests == 1


def _start(count: int, target: Any) -> list[threading.Thread]:
    threads = [threading.Thread(target=target) for _ in range(count)]
    for thread in threads:
        thread.start()
    return threads


def _wait_for(condition: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.005)


def test_callers_arriving_while_the_first_fetch_is_in_flight_share_it(
    server: JwksServer, k1: dict[str, Any]
) -> None:
    """The same single flight, made deterministic: the latecomers start only once
    the server has the first request and is still holding it."""
    server.delay = 0.5
    cache = cache_for(server.url)
    got: list[Any] = []
    first = _start(1, lambda: got.append(cache.get_key("kid-1").public_numbers()))
    _wait_for(lambda: server.requests == 1)
    late = _start(20, lambda: got.append(cache.get_key("kid-1").public_numbers()))
    for thread in first + late:
        thread.join(timeout=10)
    assert got == [public_numbers(k1)] * 21
    assert cache.fetches == server.requests == 1


def test_concurrent_requests_for_a_new_kid_make_one_refetch(
    server: JwksServer, k1: dict[str, Any], k2: dict[str, Any]
) -> None:
    cache = cache_for(server.url)
    cache.get_key("kid-1")
    server.serve(k1, k2)
    server.delay = 0.3
    results = _in_threads(50, lambda: cache.get_key("kid-2").public_numbers())
    assert results == [public_numbers(k2)] * 50
    assert cache.fetches == server.requests == 2


# -- failing closed -------------------------------------------------------------------


FAILURES = [
    pytest.param({"mode": "status", "status": 500}, id="http-500"),
    pytest.param({"mode": "status", "status": 404}, id="http-404"),
    pytest.param({"mode": "status", "status": 204}, id="http-204"),
    pytest.param({"mode": "redirect"}, id="redirect-not-followed"),
    pytest.param({"mode": "body", "body": b"<html>gateway</html>"}, id="garbage-html"),
    pytest.param({"mode": "body", "body": b"\xff\xfe\x00garbage"}, id="garbage-binary"),
    pytest.param({"mode": "body", "body": b'{"keys": [{"kid": "kid-1"'}, id="garbage-truncated"),
    pytest.param({"mode": "body", "body": b'{"keys": []}'}, id="no-keys"),
    pytest.param({"mode": "huge-declared"}, id="huge-with-content-length"),
    pytest.param({"mode": "huge-chunked"}, id="huge-chunked"),
    pytest.param({"mode": "huge-unframed"}, id="huge-without-content-length"),
    pytest.param({"mode": "dribble-body"}, id="slow-body-with-content-length"),
    pytest.param({"mode": "dribble-chunked"}, id="slow-body-chunked"),
    pytest.param({"mode": "dribble-headers"}, id="slow-headers"),
    pytest.param({"mode": "silent"}, id="never-answers"),
]


@pytest.mark.parametrize("behaviour", FAILURES)
def test_a_broken_jwks_fails_closed_in_bounded_time(
    server: JwksServer, behaviour: dict[str, Any]
) -> None:
    for name, value in behaviour.items():
        setattr(server, name, value)
    cache = cache_for(server.url)
    started = time.monotonic()
    with pytest.raises(errors.JwksUnavailableError):
        cache.get_key("kid-1")
    elapsed = time.monotonic() - started
    assert elapsed < BOUND, f"took {elapsed:.1f} s; the bound is {BOUND} s"
    assert server.requests == 1
    # The failure put the cache in the penalty box: no second fetch right away.
    started = time.monotonic()
    with pytest.raises(errors.JwksUnavailableError):
        cache.get_key("kid-1")
    assert time.monotonic() - started < 0.5
    assert cache.fetches == server.requests == 1


def test_a_closed_port_fails_closed_at_once() -> None:
    cache = cache_for(stubs.closed_port_url("/.well-known/jwks.json"))
    started = time.monotonic()
    with pytest.raises(errors.JwksUnavailableError):
        cache.get_key("kid-1")
    assert time.monotonic() - started < BOUND
    assert cache.fetches == 1
    with pytest.raises(errors.JwksUnavailableError):
        cache.get_key("kid-1")
    assert cache.fetches == 1


def test_a_fetch_failure_is_retried_once_per_penalty_window(
    server: JwksServer, monotonic: clock.FakeClock, k1: dict[str, Any]
) -> None:
    server.mode, server.status = "status", 503
    cache = cache_for(server.url, monotonic=monotonic)
    for _ in range(50):
        with pytest.raises(errors.JwksUnavailableError):
            cache.get_key("kid-1")
    assert server.requests == 1
    monotonic.advance(10.1)
    for _ in range(50):
        with pytest.raises(errors.JwksUnavailableError):
            cache.get_key("kid-1")
    assert server.requests == 2
    server.serve(k1)  # the endpoint recovers
    monotonic.advance(10.1)
    assert cache.get_key("kid-1").public_numbers() == public_numbers(k1)
    assert server.requests == 3


@pytest.mark.parametrize(
    "behaviour",
    [
        pytest.param({"mode": "status", "status": 500}, id="http-500"),
        pytest.param({"mode": "body", "body": b"garbage"}, id="garbage"),
        pytest.param({"mode": "dribble-body"}, id="slow"),
        pytest.param({"mode": "huge-unframed"}, id="huge"),
    ],
)
def test_cached_kids_keep_working_during_an_outage(
    server: JwksServer, k1: dict[str, Any], behaviour: dict[str, Any]
) -> None:
    cache = cache_for(server.url)
    cache.get_key("kid-1")
    for name, value in behaviour.items():
        setattr(server, name, value)
    started = time.monotonic()
    with pytest.raises((errors.JwksUnavailableError, errors.KidNotFoundInJwksError)):
        cache.get_key("kid-2")  # forces a refetch, which fails
    assert time.monotonic() - started < BOUND
    assert server.requests == 2
    for _ in range(20):
        assert cache.get_key("kid-1").public_numbers() == public_numbers(k1)
        with pytest.raises((errors.JwksUnavailableError, errors.KidNotFoundInJwksError)):
            cache.get_key("kid-2")
    assert cache.fetches == server.requests == 2


def test_the_body_cap_is_exact(server: JwksServer, k1: dict[str, Any]) -> None:
    document = json.dumps({"keys": [k1]}).encode()
    for mode in ("body", "body-unframed"):
        server.mode = mode
        server.body = document.ljust(jwks.MAX_JWKS_BYTES)  # JSON allows trailing spaces
        assert cache_for(server.url).get_key("kid-1").public_numbers() == public_numbers(k1)
        server.body = document.ljust(jwks.MAX_JWKS_BYTES + 1)
        with pytest.raises(errors.JwksUnavailableError):
            cache_for(server.url).get_key("kid-1")


# -- what counts as a usable key ------------------------------------------------------


def _ec_jwk() -> dict[str, Any]:
    jwk: dict[str, Any] = json.loads(
        ECAlgorithm.to_jwk(ec.generate_private_key(ec.SECP256R1()).public_key())
    )
    return {**jwk, "kid": "kid-1", "alg": "ES256", "use": "sig"}


@pytest.mark.parametrize(
    "document",
    [
        pytest.param([], id="json-array"),
        pytest.param({}, id="no-keys-member"),
        pytest.param({"keys": {"kid-1": {}}}, id="keys-not-a-list"),
        pytest.param({"keys": ["kid-1"]}, id="keys-not-objects"),
        pytest.param({"keys": [{"kid": "kid-1", "kty": "oct", "k": "c2VjcmV0"}]}, id="symmetric"),
        pytest.param({"keys": [_ec_jwk()]}, id="ec-key"),
        pytest.param({"keys": [{**rsa_jwk("kid-1"), "alg": "RS512"}]}, id="alg-rs512"),
        pytest.param({"keys": [{**rsa_jwk("kid-1"), "use": "enc"}]}, id="use-enc"),
        pytest.param({"keys": [{**rsa_jwk("kid-1"), "kid": 1}]}, id="kid-not-a-string"),
        pytest.param({"keys": [{**rsa_jwk("kid-1"), "n": "!!"}]}, id="bad-modulus"),
        pytest.param({"keys": [rsa_jwk("kid-1", key_size=1024)]}, id="rsa-1024"),
    ],
)
def test_jwks_without_a_usable_rs256_key_is_unavailable(document: Any) -> None:
    with pytest.raises(errors.JwksUnavailableError):
        jwks.parse_jwks(json.dumps(document).encode())


@pytest.mark.parametrize(
    "wrap",
    [
        pytest.param(lambda body: b"\xef\xbb\xbf" + body, id="bom"),
        pytest.param(lambda body: body[:-1] + b', "keys": []}', id="duplicate-keys"),
        pytest.param(lambda body: body[:-1] + b', "x": NaN}', id="nan"),
        pytest.param(lambda body: body.decode().encode("utf-16"), id="utf-16"),
    ],
)
def test_a_jwks_that_is_not_strict_json_is_unavailable(k1: dict[str, Any], wrap: Any) -> None:
    body = json.dumps({"keys": [k1]}).encode()
    assert set(jwks.parse_jwks(body)) == {"kid-1"}
    with pytest.raises(errors.JwksUnavailableError, match="not strict JSON"):
        jwks.parse_jwks(wrap(body))


def test_unusable_entries_are_skipped_next_to_a_good_key(k1: dict[str, Any]) -> None:
    document = {
        "keys": [
            {"kid": "junk", "kty": "oct", "k": "c2VjcmV0"},
            {**rsa_jwk("small"), "use": "enc"},
            "not an object",
            k1,
        ]
    }
    assert set(jwks.parse_jwks(json.dumps(document).encode())) == {"kid-1"}
