"""Time-based one-time passwords (RFC 6238) as Cognito's software-token MFA uses them.

Cognito's authenticator codes are RFC 6238 TOTP with HMAC-SHA1, 6 digits and a
30-second step; a code is accepted in the step it was made for and the steps either
side (clock drift), and not twice within that window. The secret is a base32 string
(``AssociateSoftwareToken``'s ``SecretCode``).
https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-settings-mfa-totp.html
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
import urllib.parse

STEP_S = 30
DIGITS = 6
WINDOW = 1  # steps accepted either side of now
SECRET_BYTES = 20  # 160 bits, RFC 4226's recommendation; 32 base32 characters


def new_secret() -> str:
    """A fresh base32 secret (no padding), as ``AssociateSoftwareToken`` returns."""
    return base64.b32encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii").rstrip("=")


def _key(secret: str) -> bytes:
    cleaned = secret.replace(" ", "").upper()
    return base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))


def step_of(at: float) -> int:
    """The time step a moment falls in."""
    return int(at // STEP_S)


def code_for_step(secret: str, step: int) -> str:
    """The code for one time step (RFC 4226 HOTP with the step as counter)."""
    digest = hmac.new(_key(secret), struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 10**DIGITS:0{DIGITS}d}"


def code(secret: str, at: float) -> str:
    """The code an authenticator shows at ``at`` (seconds since the epoch)."""
    return code_for_step(secret, step_of(at))


def matching_step(secret: str, candidate: str, at: float) -> int | None:
    """The step within the window whose code is ``candidate``, else None."""
    candidate = candidate.strip()
    if len(candidate) != DIGITS or not candidate.isascii() or not candidate.isdigit():
        return None
    now = step_of(at)
    for step in range(now - WINDOW, now + WINDOW + 1):
        if hmac.compare_digest(code_for_step(secret, step), candidate):
            return step
    return None


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """The ``otpauth://totp/...`` URI an authenticator app reads from a QR code."""
    label = urllib.parse.quote(f"{issuer}:{account}", safe=":@")
    # Spaces as %20, not '+': some authenticator apps show a '+' literally.
    query = urllib.parse.urlencode(
        {"secret": secret, "issuer": issuer}, quote_via=urllib.parse.quote
    )
    return f"otpauth://totp/{label}?{query}"
