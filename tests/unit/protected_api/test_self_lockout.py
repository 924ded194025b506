"""An admin cannot disable, delete or un-admin their own account, under any name."""

from __future__ import annotations

import pytest

from protected_api import admin_errors, admin_schema, auth, self_lockout
from tests.unit.protected_api import stubs

ME = auth.Principal.from_claims(stubs.claims("admin", "Admin", sub="s-admin"))


class Directory:
    """``find_user`` over a fixed set of names (aliases included); counts the lookups."""

    def __init__(self, **users: tuple[str, str]) -> None:
        self.users = users  # name -> (canonical username, sub)
        self.lookups: list[str] = []

    def find_user(self, username: str) -> admin_schema.UserSummary:
        self.lookups.append(username)
        if username not in self.users:
            raise admin_errors.AdminError(404, "not_found", "User does not exist.")
        canonical, sub = self.users[username]
        return admin_schema.UserSummary(
            username=canonical,
            sub=sub,
            email=None,
            status="CONFIRMED",
            enabled=True,
            created_at=None,
            modified_at=None,
        )


def check(
    guard: self_lockout.Guard, username: str, directory: Directory, group: str | None = None
) -> None:
    guard.check(ME, username, group=group, admin_group="Admin", find_user=directory.find_user)


@pytest.mark.parametrize(
    ("guard", "group", "message"),
    [
        (self_lockout.DISABLE, None, "you cannot disable your own account; ask another admin"),
        (self_lockout.DELETE, None, "you cannot delete your own account; ask another admin"),
        (
            self_lockout.REMOVE_ADMIN_GROUP,
            "Admin",
            "you cannot remove group Admin from your own account; ask another admin",
        ),
    ],
)
@pytest.mark.parametrize("name", ["admin", "s-admin", "admin@example.com"])
def test_the_callers_own_account_is_refused_under_any_name(
    guard: self_lockout.Guard, group: str | None, message: str, name: str
) -> None:
    directory = Directory(**{"admin@example.com": ("admin", "s-admin")})
    with pytest.raises(admin_errors.AdminError) as caught:
        check(guard, name, directory, group)
    assert (caught.value.status, caught.value.code, caught.value.message) == (
        409,
        "self_lockout",
        message,
    )
    # The caller's own username and sub need no lookup; an alias does.
    assert directory.lookups == ([name] if "@" in name else [])


@pytest.mark.parametrize(
    ("found", "expected"),
    [
        (("bob", "s-bob"), False),
        (("admin", "s-other"), True),  # the same username is the same account
        (("other", "s-admin"), True),  # the same sub is the same account
    ],
)
def test_is_self_compares_the_account_the_name_resolves_to(
    found: tuple[str, str], expected: bool
) -> None:
    assert self_lockout.is_self(ME, "someone", Directory(someone=found).find_user) is expected


@pytest.mark.parametrize("guard", [self_lockout.DISABLE, self_lockout.DELETE])
def test_another_users_account_is_allowed(guard: self_lockout.Guard) -> None:
    directory = Directory(bob=("bob", "s-bob"))
    check(guard, "bob", directory)
    assert directory.lookups == ["bob"]


def test_removing_another_group_from_oneself_is_allowed_without_a_lookup() -> None:
    directory = Directory()
    check(self_lockout.REMOVE_ADMIN_GROUP, "admin", directory, group="Editors")
    check(self_lockout.REMOVE_ADMIN_GROUP, "someone", directory, group="Editors")
    assert directory.lookups == []


def test_an_unknown_user_is_not_found_before_anything_happens() -> None:
    with pytest.raises(admin_errors.AdminError) as caught:
        check(self_lockout.DELETE, "nobody", Directory())
    assert caught.value.code == "not_found"
