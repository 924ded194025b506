"""The one RSA key the stand-in signs every token with, and its JWKS."""

from __future__ import annotations

import json
import secrets
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm


class SigningKey:
    """A fresh RS256 key per stand-in run, published under a random ``kid``.

    moto signs with a private key it ships in its wheel (``kid`` "dummy"); a
    per-run key means a token from one run or from moto can never verify here.
    """

    def __init__(self, key_size: int = 2048) -> None:
        self._private = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
        self.kid = secrets.token_hex(16)

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
