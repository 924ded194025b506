"""Keeps web pages away from the cognito-idp API that moto serves.

On AWS, the user-pool admin operations (``AdminAddUserToGroup``, ``ListUsers``, ...)
need a SigV4 signature made with IAM credentials, which no web page has. moto checks
no signature and answers any ``Origin`` with ``Access-Control-Allow-Origin``, so
without this guard any page the developer visits could run them against a running
stand-in: by ``fetch`` from its own origin, or through DNS rebinding (a name of the
attacker's that resolves to 127.0.0.1, so the browser sends ``Host: evil.example``).

boto3 and the AWS CLI send neither ``Origin`` nor a foreign ``Host``, and always name
the operation in ``X-Amz-Target``, which a page cannot send without a CORS preflight.
So a request for moto is refused when:

- its ``Host`` is not a loopback address (or ``localhost``) with the stand-in's port;
- it is a CORS preflight (``OPTIONS``);
- it carries an ``Origin`` other than the stand-in's own;
- it is a ``POST`` without ``X-Amz-Target: AWSCognitoIdentityProviderService.*``
  (a "simple" cross-site form or ``text/plain`` POST, which moto would still run).

Refusals are 403 with AWS's JSON error shape; moto's CORS headers are removed from
every answer it gives.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import urllib.parse
from collections.abc import Callable, Iterable
from typing import Any

log = logging.getLogger(__name__)

TARGET_PREFIX = "AWSCognitoIdentityProviderService."
ERROR_TYPE = "AccessDeniedException"
_CORS_HEADER_PREFIX = "access-control-"

StartResponse = Callable[..., Any]


def refusal(environ: dict[str, Any], own_origin: str) -> str | None:
    """Why this request must not reach moto, or ``None`` to let it through.

    ``own_origin`` is the stand-in's base URL (``http://127.0.0.1:9229``): the one
    ``Origin`` allowed, and where the port a ``Host`` must name comes from.
    """
    port = urllib.parse.urlsplit(own_origin).port
    host = environ.get("HTTP_HOST", "")
    if not _is_loopback_host(host, port):
        return f"Host {host!r} is not this stand-in's loopback address"
    method = environ.get("REQUEST_METHOD", "")
    if method == "OPTIONS":
        return "CORS preflight for the cognito-idp API"
    origin = environ.get("HTTP_ORIGIN")
    if origin is not None and origin.lower() != own_origin.lower():
        return f"Origin {origin!r} may not call the cognito-idp API"
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if method == "POST" and not target.startswith(TARGET_PREFIX):
        return "a cognito-idp API request names its operation in X-Amz-Target"
    return None


def refuse(reason: str, start_response: StartResponse) -> list[bytes]:
    """403 in the shape boto3 parses (``__type`` and ``message``, as AWS's JSON 1.1
    protocol answers), with no CORS headers."""
    log.warning("cognito-idp API request refused: %s", reason)
    body = json.dumps({"__type": ERROR_TYPE, "message": f"Refused by cognito-local: {reason}"})
    start_response(
        "403 Forbidden",
        [
            ("Content-Type", "application/x-amz-json-1.1"),
            ("x-amzn-ErrorType", ERROR_TYPE),
            ("Content-Length", str(len(body))),
        ],
    )
    return [body.encode()]


def without_cors(start_response: StartResponse) -> StartResponse:
    """``start_response`` that drops the ``Access-Control-*`` headers moto's CORS adds."""

    def filtered(status: str, headers: Iterable[tuple[str, str]], *exc_info: Any) -> Any:
        kept = [(k, v) for k, v in headers if not k.lower().startswith(_CORS_HEADER_PREFIX)]
        return start_response(status, kept, *exc_info)

    return filtered


def _is_loopback_host(host: str, port: int | None) -> bool:
    """``Host`` names a loopback IP literal or ``localhost``, with ``port`` (RFC 9110
    7.2: no port means the scheme's default, 80)."""
    try:
        parts = urllib.parse.urlsplit(f"//{host}")
        given = parts.port or 80
    except ValueError:
        return False
    name = parts.hostname or ""
    if given != port or not name:
        return False
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False
