"""Proof Key for Code Exchange (RFC 7636), plus the other per-attempt randoms.

Every value comes from :mod:`secrets`. A fresh verifier, ``state`` and ``nonce``
are made for every sign-in attempt and never reused.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets

# RFC 7636 4.1: code_verifier = 43*128unreserved, unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~"
_VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")


def new_verifier() -> str:
    """A fresh ``code_verifier``: 64 random bytes as base64url, 86 characters.

    RFC 7636 7.1 asks for at least 256 bits of entropy; this has 512.
    """
    return secrets.token_urlsafe(64)


def challenge(verifier: str) -> str:
    """The S256 ``code_challenge`` for ``verifier`` (RFC 7636 4.2).

    ``BASE64URL(SHA256(ASCII(code_verifier)))`` without padding. Cognito accepts
    S256 only, so there is no ``plain`` method. ``ValueError`` if ``verifier`` is
    not 43-128 unreserved characters (the message never repeats it).
    """
    if not isinstance(verifier, str) or not _VERIFIER.fullmatch(verifier):
        raise ValueError("code_verifier must be 43-128 characters of [A-Za-z0-9-._~]")
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def new_state() -> str:
    """A fresh ``state`` for CSRF protection (RFC 6749 10.12): 256 random bits."""
    return secrets.token_urlsafe(32)


def new_nonce() -> str:
    """A fresh OpenID Connect ``nonce`` (Core 3.1.2.1, 15.5.2): 256 random bits."""
    return secrets.token_urlsafe(32)
