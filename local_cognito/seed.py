"""Demo users with known passwords, and synthetic users for load.

Users are written straight into moto's in-process pool (about 12 µs a user).
Over HTTP each AdminCreateUser is a whole request (about 3 ms: half a minute
for 10,000), and in moto's email-as-username mode every call also scans every
user, which makes seeding quadratic; see docs/BENCHMARKS.md.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from moto.cognitoidp import models as moto_models

from local_cognito import pool as pool_mod
from local_cognito import settings

SYNTHETIC_PASSWORD = "Synthetic-Passw0rd!"
# The TOTP demo user's authenticator secret: fixed, like the demo passwords, so a tester
# adds it to an authenticator app once (or computes codes with local_cognito.totp).
DEMO_TOTP_SECRET = "DEMOTOTPSECRETFORCOGNITOLOCAL234"


@dataclasses.dataclass(frozen=True)
class DemoUser:
    """A seeded account; the password is printed by ``cognito-local up`` on purpose."""

    username: str
    password: str
    email: str
    groups: tuple[str, ...] = ()
    status: str = "CONFIRMED"
    enabled: bool = True
    note: str = ""
    totp_secret: str | None = None  # enrolled in TOTP MFA with this secret

    def as_json(self) -> dict[str, Any]:
        return {
            "username": self.username,
            "password": self.password,
            "email": self.email,
            "groups": list(self.groups),
            "status": self.status,
            "enabled": self.enabled,
            "note": self.note,
            "totp_secret": self.totp_secret,
        }


DEMO_USERS = (
    DemoUser(
        "admin",
        "Admin-Passw0rd!",
        "admin@example.com",
        (settings.ADMIN_GROUP,),
        note="administrator",
    ),
    DemoUser("alice", "Alice-Passw0rd!", "alice@example.com", note="plain user"),
    DemoUser(
        "newbie",
        "Temp-Passw0rd1!",
        "newbie@example.com",
        status="FORCE_CHANGE_PASSWORD",
        note="invited; must choose a new password at first sign-in",
    ),
    DemoUser(
        "tom",
        "Tom-Passw0rd!",
        "tom@example.com",
        note="TOTP MFA on; codes from the secret printed below",
        totp_secret=DEMO_TOTP_SECRET,
    ),
    DemoUser(
        "dora",
        "Dora-Passw0rd!",
        "dora@example.com",
        enabled=False,
        note="disabled; sign-in is refused",
    ),
)


def ensure_group(pool: pool_mod.LocalPool, name: str, precedence: int | None = None) -> Any:
    """The named group, created if missing."""
    return pool.ensure_group(name, precedence)


def add_user(
    pool: pool_mod.LocalPool,
    username: str,
    password: str,
    email: str,
    *,
    status: str = "CONFIRMED",
    enabled: bool = True,
    groups: tuple[str, ...] = (),
) -> Any:
    """Insert one user directly into the moto pool (no HTTP, no per-call scan)."""
    if username in pool.pool.users:
        raise ValueError(f"user {username!r} already exists")
    user = moto_models.CognitoIdpUser(
        pool.id,
        username,
        password,
        moto_models.UserStatus[status],
        [{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}],
    )
    user.enabled = enabled
    pool.pool.users[username] = user
    for name in groups:
        group = ensure_group(pool, name)
        group.users.add(user)
        user.groups.add(group)
    return user


def seed_demo(pool: pool_mod.LocalPool) -> list[DemoUser]:
    """Create :data:`DEMO_USERS`; the invited one gets an invitation in the outbox."""
    ensure_group(pool, settings.ADMIN_GROUP, precedence=0)
    for demo in DEMO_USERS:
        user = add_user(
            pool,
            demo.username,
            demo.password,
            demo.email,
            status=demo.status,
            enabled=demo.enabled,
            groups=demo.groups,
        )
        if demo.status == "FORCE_CHANGE_PASSWORD":
            pool.send_invitation(user, demo.password)
        if demo.totp_secret:
            pool.accounts.enrol(demo.username, demo.totp_secret)
    return list(DEMO_USERS)


def seed_synthetic(
    pool: pool_mod.LocalPool, count: int, *, start: int = 1, skip_existing: bool = False
) -> list[str]:
    """Add ``count`` confirmed users ``user00001``... sharing :data:`SYNTHETIC_PASSWORD`
    (``skip_existing``: leave those already there, as a restored state has them)."""
    if count < 0:
        raise ValueError("count must be >= 0")
    width = max(5, len(str(start + count)))
    names = []
    for i in range(start, start + count):
        name = f"user{i:0{width}d}"
        if not (skip_existing and name in pool.pool.users):
            add_user(pool, name, SYNTHETIC_PASSWORD, f"{name}@example.test")
        names.append(name)
    return names
