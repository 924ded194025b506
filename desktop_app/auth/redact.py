"""A log formatter that removes secrets from every line, whoever logged it.

Installed on the app's handlers, so it also covers urllib3's request lines and
any library's debug output: tokens (JWTs and long opaque strings after a
sensitive name), codes, verifiers, state, nonces, passwords and Authorization
headers are replaced by ``[redacted]``.
"""

from __future__ import annotations

import logging
import re

_MASK = "[redacted]"
_PATTERNS = (
    # JWS (three segments) and JWE (five, as Cognito's refresh tokens), header first.
    re.compile(r"eyJ[A-Za-z0-9_-]{5,}(?:\.[A-Za-z0-9_-]*){2,4}"),
    # Authorization: Bearer/Basic ...
    re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?\s*(?:bearer|basic)\s+)[^\s'\",}]+"),
    # name=value or "name": "value" for names that carry secrets.
    re.compile(
        # Not after a dot or a word character: "desktop_app.auth.session: signed in"
        # is a logger name, not a session value.
        r"(?i)((?<![\w.])(?:access_token|refresh_token|id_token|token|code|code_verifier|"
        r"state|nonce|"
        r"password|client_secret|session|Session|AccessToken|RefreshToken|IdToken)"
        r"['\"]?\s*[:=]\s*['\"]?)[^&\s'\",}]+"
    ),
)


def redact(text: str) -> str:
    """``text`` with every recognisable secret replaced by ``[redacted]``."""
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: (m.group(1) if m.groups() else "") + _MASK, text)
    return text


class RedactingFormatter(logging.Formatter):
    """Formats as usual, then redacts the whole line, traceback included."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))
