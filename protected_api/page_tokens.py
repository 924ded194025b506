"""The membership export's cursor: which group, and where in it, as one opaque token.

``GET /admin/export/memberships`` walks the groups in name order, one
``ListUsersInGroup`` page per request; its ``pagination_token`` says which group it
is in and Cognito's ``NextToken`` inside it (none: the group's first page). The
token is base64url of a small JSON object; one the API did not give (or a group name
Cognito would refuse) is a 400, never a call with a made-up name.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json

from protected_api import admin_errors, admin_schema, strict_json


@dataclasses.dataclass(frozen=True)
class MembershipCursor:
    group: str
    next_token: str | None = None  # Cognito's NextToken within ``group``


def encode(cursor: MembershipCursor) -> str:
    document = {"g": cursor.group, "t": cursor.next_token}
    text = json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(text).decode("ascii").rstrip("=")


def decode(token: str) -> MembershipCursor:
    """The cursor in ``token``; 400 ``invalid_parameter`` for anything the API did not give."""
    refused = admin_errors.AdminError(
        400, "invalid_parameter", "pagination_token is not one this API gave"
    )
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        document = strict_json.loads(raw)
    except (ValueError, binascii.Error):
        raise refused from None
    if not isinstance(document, dict) or set(document) != {"g", "t"}:
        raise refused
    group, next_token = document["g"], document["t"]
    if not isinstance(group, str) or not admin_schema.is_cognito_name(group):
        raise refused
    if next_token is not None and (not isinstance(next_token, str) or not next_token):
        raise refused
    return MembershipCursor(group, next_token)
