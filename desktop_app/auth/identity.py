"""Who is signed in: the person, as the app shows and checks them.

Made from a validated ID token's claims (Cognito's: ``cognito:username``,
``cognito:groups``, ``email``, ``auth_time``), or, before the first refresh after a
restart, from the stored session's metadata (username and ``sub`` only).
"""

from __future__ import annotations

import dataclasses
from typing import Any


@dataclasses.dataclass(frozen=True)
class Identity:
    """Who is signed in, from the validated ID token (or the stored metadata)."""

    username: str
    sub: str
    email: str | None = None
    groups: tuple[str, ...] = ()
    auth_time: int | None = None
    # The validated ID token's claims (for display: the Profile page), not the token.
    claims: dict[str, Any] = dataclasses.field(
        default_factory=dict, compare=False, hash=False, repr=False
    )

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> Identity:
        """From validated claims: the name is ``cognito:username`` (else ``username``, else
        ``sub``); ``email``, ``cognito:groups`` and ``auth_time`` only when of the type
        Cognito gives them. ``KeyError`` without a ``sub``."""
        groups = claims.get("cognito:groups")
        email = claims.get("email")
        auth_time = claims.get("auth_time")
        return cls(
            username=str(claims.get("cognito:username") or claims.get("username") or claims["sub"]),
            sub=str(claims["sub"]),
            email=email if isinstance(email, str) else None,
            groups=tuple(g for g in groups if isinstance(g, str))
            if isinstance(groups, list)
            else (),
            auth_time=auth_time if isinstance(auth_time, int) else None,
            claims=dict(claims),
        )
