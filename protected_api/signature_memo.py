"""Tokens whose RS256 signature already verified, so a reused token costs one RSA check.

A client reuses its access token for up to an hour; without a memo every request
would pay for the RSA check again. :class:`SignatureMemo` remembers, per token,
the key that verified it and the claims it carried. It says nothing about the
claims: :class:`~protected_api.verifier.CognitoJwtVerifier` re-checks ``exp``,
``iss``, ``token_use``... on every request, memo or not.
"""

from __future__ import annotations

import collections
import threading
from typing import Any, Protocol

from cryptography.hazmat.primitives.asymmetric import rsa


class KeySource(Protocol):
    """Where the memo looks a ``kid`` up: the JWKS cache, without fetching."""

    def peek(self, kid: str) -> rsa.RSAPublicKey | None: ...


class SignatureMemo:
    """A bounded LRU of tokens whose signature verified: token -> (kid, key, claims).

    Memoizing is exactly as safe as checking again: whether RS256 signature S
    over bytes B verifies under key K never changes, and an entry is used only
    while the JWKS cache still holds that very key object for the kid (a key
    rotated out stops matching at once). Only tokens that passed the signature
    check get in, so forged tokens cannot fill it. Claims are not trusted from
    here: the verifier re-checks exp, iat, iss, token_use... on every call.
    """

    def __init__(self, size: int) -> None:
        self._size = max(0, size)
        self._entries: collections.OrderedDict[str, tuple[str, object, dict[str, Any]]] = (
            collections.OrderedDict()
        )
        self._lock = threading.Lock()

    def get(self, token: str, keys: KeySource) -> dict[str, Any] | None:
        """The claims ``token`` carried if its signature verified under the key ``keys``
        still holds for its ``kid``; ``None`` otherwise. Callers must not change them."""
        if not self._size:
            return None
        with self._lock:
            entry = self._entries.get(token)
            if entry is not None:
                self._entries.move_to_end(token)
        if entry is None:
            return None
        kid, key, claims = entry
        return claims if keys.peek(kid) is key else None

    def put(self, token: str, kid: str, key: object, claims: dict[str, Any]) -> None:
        """Remember that ``token``'s signature verified under ``key`` (a copy of its claims);
        the least recently used entry goes when the memo is full."""
        if not self._size:
            return
        with self._lock:
            self._entries[token] = (kid, key, dict(claims))
            self._entries.move_to_end(token)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
