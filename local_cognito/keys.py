"""The one RSA key the stand-in signs every token with, and its JWKS."""

from __future__ import annotations

import json
import secrets
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm


class SigningKey:
    """A fresh RS256 key per stand-in run, published under a random ``kid``.

    moto signs with a private key it ships in its wheel (``kid`` "dummy"); a
    per-run key means a token from one run or from moto can never verify here.
    With ``--state-dir`` the key is kept (:meth:`private_pem`, :meth:`from_pem`), so
    tokens issued before a restart verify after it.
    """

    def __init__(self, key_size: int = 2048, *, _private: rsa.RSAPrivateKey | None = None) -> None:
        self._private = _private or rsa.generate_private_key(
            public_exponent=65537, key_size=key_size
        )
        self.kid = secrets.token_hex(16)

    @classmethod
    def from_pem(cls, pem: bytes, kid: str) -> SigningKey:
        """A saved key (:meth:`private_pem`) under its ``kid``; ``ValueError`` if it is
        not an unencrypted RSA private key or the kid is not 32 hex digits."""
        private = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(private, rsa.RSAPrivateKey):
            raise ValueError("not an RSA private key")
        if len(kid) != 32 or any(c not in "0123456789abcdef" for c in kid):
            raise ValueError("the key id is not 32 hex digits")
        key = cls(_private=private)
        key.kid = kid
        return key

    def private_pem(self) -> bytes:
        """The private key, PKCS#8 PEM, unencrypted (the state file is the owner's only)."""
        return self._private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    @property
    def public_key(self) -> rsa.RSAPublicKey:
        """The verifying half, for the stand-in's own checks (userInfo)."""
        return self._private.public_key()

    def sign(self, claims: dict[str, Any]) -> str:
        """Return a compact RS256 JWT of ``claims`` with this key's ``kid``."""
        return jwt.encode(claims, self._private, algorithm="RS256", headers={"kid": self.kid})

    def jwks(self) -> dict[str, list[dict[str, Any]]]:
        """The public key set, shaped like Cognito's ``/.well-known/jwks.json``."""
        jwk: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(self._private.public_key()))
        jwk.update({"kid": self.kid, "alg": "RS256", "use": "sig"})
        return {"keys": [jwk]}
