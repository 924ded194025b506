"""The user pool's JSON Web Key Set, fetched on demand and cached.

Behaviour follows aws-jwt-verify's ``SimpleJwksCache`` (src/jwk.ts):

* concurrent cold starts share one fetch (single flight);
* a token with an unknown ``kid`` triggers one refetch (key rotation); if the
  ``kid`` is still unknown the cache enters a penalty box and does not fetch
  again for ``penalty_seconds`` while already-cached kids keep working;
* every fetch has connect/read timeouts, an overall deadline and a body-size cap,
  so an unreachable, slow, huge or garbage JWKS fails closed in bounded time.

Keys come only from this URL, never from a token's ``jku``/``jwk``/``x5u`` header,
and the document must be strict JSON (:mod:`protected_api.strict_json`), as the
tokens it verifies must.
"""

from __future__ import annotations

import concurrent.futures
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import requests
import urllib3
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from protected_api import errors, strict_json

log = logging.getLogger(__name__)

MAX_JWKS_BYTES = 64 * 1024  # Cognito's JWKS is ~1 KB (two keys)
_CHUNK = 8192


class JwksCache:
    """Thread-safe cache of a JWKS URL's RS256 signing keys, by ``kid``."""

    def __init__(
        self,
        url: str,
        *,
        session: requests.Session | None = None,
        connect_timeout: float = 3.0,
        read_timeout: float = 5.0,
        total_timeout: float = 8.0,
        max_bytes: int = MAX_JWKS_BYTES,
        penalty_seconds: float = 10.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self._session = session or requests.Session()
        self._timeouts = (connect_timeout, read_timeout)
        self._total_timeout = total_timeout
        self._max_bytes = max_bytes
        self._penalty_seconds = penalty_seconds
        self._monotonic = monotonic
        self._keys: dict[str, rsa.RSAPublicKey] | None = None
        self._penalty_until = float("-inf")
        self._generation = 0  # bumped by every fetch attempt, success or not
        self._fetch_lock = threading.Lock()
        self.fetches = 0  # for tests and metrics

    def peek(self, kid: str) -> rsa.RSAPublicKey | None:
        """The cached key for ``kid``, without fetching anything."""
        keys = self._keys
        return keys.get(kid) if keys is not None else None

    def get_key(self, kid: str) -> rsa.RSAPublicKey:
        """The public key for ``kid``, fetching the JWKS if needed (see module doc)."""
        keys, generation = self._keys, self._generation
        if keys is not None and kid in keys:
            return keys[kid]
        with self._fetch_lock:
            if self._generation == generation:  # nobody fetched while we waited
                if self._monotonic() < self._penalty_until:
                    if self._keys is None:
                        raise errors.JwksUnavailableError("JWKS fetch failed recently")
                    raise errors.KidNotFoundInJwksError("kid not in JWKS (penalty box)")
                self._refresh()
                if self._keys is not None and kid not in self._keys:
                    # Refetched and still unknown: a forged or stale kid. Wait
                    # before the next fetch so a flood of random kids costs one.
                    self._penalty_until = self._monotonic() + self._penalty_seconds
            keys = self._keys
        if keys is None:
            raise errors.JwksUnavailableError("JWKS unavailable")
        if kid not in keys:
            raise errors.KidNotFoundInJwksError("kid not in JWKS")
        return keys[kid]

    def _refresh(self) -> None:
        self.fetches += 1
        try:
            self._keys = parse_jwks(self._download())
        except errors.JwksUnavailableError as exc:
            log.warning("JWKS fetch from %s failed: %s", self.url, exc)
            self._penalty_until = self._monotonic() + self._penalty_seconds
            # Keep serving kids we already had: a blip must not lock everyone out.
        finally:
            # Bumped only once the fetch is over, so callers that arrived while
            # it ran see a new generation and use its result instead of fetching.
            self._generation += 1

    def _download(self) -> bytes:
        """The JWKS body within ``total_timeout``, however the server misbehaves.

        Socket timeouts bound each read, not the whole: a server that dribbles
        header lines never trips them. So the fetch runs in a daemon thread and
        the caller stops waiting at the deadline (the thread ends when the
        server or its read timeout does; the penalty box stops them piling up).
        """
        outcome: concurrent.futures.Future[bytes] = concurrent.futures.Future()

        def run() -> None:
            try:
                outcome.set_result(self._download_within(self._monotonic() + self._total_timeout))
            except BaseException as exc:  # handed to the waiting caller
                outcome.set_exception(exc)

        threading.Thread(target=run, name="jwks-fetch", daemon=True).start()
        try:
            return outcome.result(timeout=self._total_timeout)
        except concurrent.futures.TimeoutError:
            raise errors.JwksUnavailableError("JWKS fetch too slow") from None

    def _download_within(self, deadline: float) -> bytes:
        try:
            with self._session.get(
                self.url, timeout=self._timeouts, stream=True, allow_redirects=False
            ) as response:
                if response.status_code != 200:
                    raise errors.JwksUnavailableError(f"HTTP {response.status_code}")
                declared = response.headers.get("Content-Length")
                if declared is not None and declared.isdigit() and int(declared) > self._max_bytes:
                    raise errors.JwksUnavailableError("JWKS larger than the cap")
                body = bytearray()
                while True:
                    # read1 returns after one socket read, so the deadline is
                    # checked however slowly a server dribbles its bytes.
                    chunk = response.raw.read1(_CHUNK, decode_content=True)
                    if not chunk:
                        return bytes(body)
                    body += chunk
                    if len(body) > self._max_bytes:
                        raise errors.JwksUnavailableError("JWKS larger than the cap")
                    if self._monotonic() > deadline:
                        raise errors.JwksUnavailableError("JWKS fetch too slow")
        except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
            raise errors.JwksUnavailableError(type(exc).__name__) from None


def parse_jwks(body: bytes) -> dict[str, rsa.RSAPublicKey]:
    """RS256 signing keys by ``kid``; ``JwksUnavailableError`` if there are none."""
    try:
        document: Any = strict_json.loads(body)
    except ValueError as exc:
        # strict_json's reasons are fixed sentences, never part of the document.
        raise errors.JwksUnavailableError(f"JWKS is not strict JSON: {exc}") from None
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise errors.JwksUnavailableError("JWKS has no 'keys' list")
    keys: dict[str, rsa.RSAPublicKey] = {}
    for jwk in document["keys"]:
        if not isinstance(jwk, dict) or not isinstance(jwk.get("kid"), str):
            continue
        if jwk.get("kty") != "RSA" or jwk.get("use", "sig") != "sig":
            continue
        if jwk.get("alg", "RS256") != "RS256":
            continue
        try:
            key = RSAAlgorithm.from_jwk(jwk)
        except (ValueError, TypeError, KeyError):
            continue
        if isinstance(key, rsa.RSAPublicKey) and key.key_size >= 2048:
            keys[jwk["kid"]] = key
    if not keys:
        raise errors.JwksUnavailableError("JWKS has no usable RS256 keys")
    return keys
