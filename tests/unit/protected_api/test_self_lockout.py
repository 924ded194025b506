"""The lockout rules: an admin cannot disable, delete or un-admin their own account, under
any name, and nobody can take away the last enabled admin."""

from __future__ import annotations

import pytest

from protected_api import admin_errors, admin_schema, auth, self_lockout
from tests.unit.protected_api import stubs

ME = auth.Principal.from_claims(stubs.claims("admin", "Admin", sub="s-admin"))


def summary(username: str, sub: str, *, enabled: bool = True) -> admin_schema.UserSummary:
    return admin_schema.UserSummary(
        username=username,
        sub=sub,
        email=None,
        status="CONFIRMED",
        enabled=enabled,
        created_at=None,
        modified_at=None,
    )


class Directory:
    """``find_user`` over a fixed set of names (aliases included) and the admin group's
    members; counts the lookups."""

    def __init__(self, *admins: admin_schema.UserSummary, **users: tuple[str, str]) -> None:
        self.users = users  # name -> (canonical username, sub)
        # By default the caller and another enabled admin: the last-admin rule is quiet.
        self.admins = list(admins) or [summary("admin", "s-admin"), summary("root", "s-root")]
        self.lookups: list[str] = []
        self.listed: list[str] = []

    def find_user(self, username: str) -> admin_schema.UserSummary:
        self.lookups.append(username)
        if username not in self.users:
            raise admin_errors.AdminError(404, "not_found", "User does not exist.")
        return summary(*self.users[username])

    def all_group_members(self, group: str) -> list[admin_schema.UserSummary]:
        self.listed.append(group)
        return list(self.admins)


def check(
    guard: self_lockout.Guard, username: str, directory: Directory, group: str | None = None
) -> None:
    guard.check(ME, username, group=group, admin_group="Admin", directory=directory)


GUARDS = [
    (self_lockout.DISABLE, None, "disable"),
    (self_lockout.DELETE, None, "delete"),
    (self_lockout.REMOVE_ADMIN_GROUP, "Admin", "remove group Admin from"),
]


# Self-lockout


@pytest.mark.parametrize(("guard", "group", "what"), GUARDS)
@pytest.mark.parametrize("name", ["admin", "s-admin", "admin@example.com"])
def test_the_callers_own_account_is_refused_under_any_name(
    guard: self_lockout.Guard, group: str | None, what: str, name: str
) -> None:
    directory = Directory(**{"admin@example.com": ("admin", "s-admin")})
    with pytest.raises(admin_errors.AdminError) as caught:
        check(guard, name, directory, group)
    assert (caught.value.status, caught.value.code, caught.value.message) == (
        409,
        "self_lockout",
        f"you cannot {what} your own account; ask another admin",
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
    assert directory.listed == ["Admin"]


def test_removing_another_group_from_oneself_is_allowed_without_a_lookup() -> None:
    directory = Directory()
    check(self_lockout.REMOVE_ADMIN_GROUP, "admin", directory, group="Editors")
    check(self_lockout.REMOVE_ADMIN_GROUP, "someone", directory, group="Editors")
    assert directory.lookups == directory.listed == []


def test_an_unknown_user_is_not_found_before_anything_happens() -> None:
    with pytest.raises(admin_errors.AdminError) as caught:
        check(self_lockout.DELETE, "nobody", Directory())
    assert caught.value.code == "not_found"


# The last admin


@pytest.mark.parametrize(("guard", "group", "what"), GUARDS)
@pytest.mark.parametrize("name", ["bob", "s-bob", "bob@example.com"])
def test_the_last_enabled_admin_is_kept_whoever_asks(
    guard: self_lockout.Guard, group: str | None, what: str, name: str
) -> None:
    # The caller is no longer counted (another admin disabled them a moment ago):
    # bob is the only enabled admin left.
    directory = Directory(
        summary("admin", "s-admin", enabled=False),
        summary("bob", "s-bob"),
        bob=("bob", "s-bob"),
        **{"s-bob": ("bob", "s-bob"), "bob@example.com": ("bob", "s-bob")},
    )
    with pytest.raises(admin_errors.AdminError) as caught:
        check(guard, name, directory, group)
    assert (caught.value.status, caught.value.code) == (409, "last_admin")
    assert caught.value.message == (
        f"you cannot {what} {name}: this would leave the pool without an enabled admin"
    )
    # One lookup at most: self-lockout's and the last-admin rule's are the same.
    assert directory.lookups == [name]


@pytest.mark.parametrize(
    "admins",
    [
        # another enabled admin stays
        [summary("bob", "s-bob"), summary("carol", "s-carol")],
        # bob is not the enabled admin
        [summary("carol", "s-carol"), summary("bob", "s-bob", enabled=False)],
        # bob is no admin at all
        [summary("carol", "s-carol")],
    ],
)
def test_an_admin_who_is_not_the_last_may_go(admins: list[admin_schema.UserSummary]) -> None:
    directory = Directory(*admins, bob=("bob", "s-bob"))
    for guard, group, _ in GUARDS:
        check(guard, "bob", directory, group)


def test_a_pool_already_without_an_enabled_admin_refuses_nothing_more() -> None:
    directory = Directory(summary("bob", "s-bob", enabled=False), bob=("bob", "s-bob"))
    check(self_lockout.DELETE, "bob", directory)


def test_the_last_admin_rule_needs_no_lookup_for_a_plain_name() -> None:
    directory = Directory(summary("bob", "s-bob"))
    assert self_lockout.takes_the_last_admin("bob", "Admin", directory, directory.find_user)
    assert self_lockout.takes_the_last_admin("s-bob", "Admin", directory, directory.find_user)
    assert directory.lookups == []
    # A name nobody has is not the last admin: the action answers 404 itself.
    assert not self_lockout.takes_the_last_admin("nobody", "Admin", directory, directory.find_user)


def test_the_admin_group_is_listed_only_for_the_admin_group() -> None:
    directory = Directory(summary("bob", "s-bob"), bob=("bob", "s-bob"))
    check(self_lockout.REMOVE_ADMIN_GROUP, "bob", directory, group="Editors")
    assert directory.listed == []


# Issue 21: the admin group stays; an admin's own email stays verified.


def test_the_admin_group_cannot_be_deleted_whoever_asks() -> None:
    directory = Directory()
    for group in ("Admin", "Editors"):
        parameters = {"group": group}
        if group == "Admin":
            with pytest.raises(admin_errors.AdminError) as caught:
                self_lockout.KEEP_ADMIN_GROUP.check_request(
                    ME, parameters, admin_group="Admin", directory=directory
                )
            assert (caught.value.status, caught.value.code) == (409, "admin_group")
        else:
            self_lockout.KEEP_ADMIN_GROUP.check_request(
                ME, parameters, admin_group="Admin", directory=directory
            )
    assert directory.lookups == [] and directory.listed == []  # decided from the name alone


def verified(value: bool | None) -> admin_schema.AttributeChange:
    return admin_schema.AttributeChange(email_verified=value)


@pytest.mark.parametrize("name", ["admin", "s-admin", "admin@example.com"])
def test_an_admin_cannot_unverify_their_own_email(name: str) -> None:
    directory = Directory(**{"admin@example.com": ("admin", "s-admin")})
    with pytest.raises(admin_errors.AdminError) as caught:
        self_lockout.OWN_EMAIL_VERIFIED.check_request(
            ME,
            {"username": name, "change": verified(False)},
            admin_group="Admin",
            directory=directory,
        )
    assert (caught.value.status, caught.value.code) == (409, "self_lockout")


def test_verifying_or_another_users_email_is_not_the_guards_business() -> None:
    directory = Directory(bob=("bob", "s-bob"))
    guard = self_lockout.OWN_EMAIL_VERIFIED
    guard.check_request(
        ME,
        {"username": "admin", "change": verified(True)},
        admin_group="Admin",
        directory=directory,
    )
    guard.check_request(
        ME,
        {"username": "admin", "change": verified(None)},
        admin_group="Admin",
        directory=directory,
    )
    assert directory.lookups == []  # nothing to ask
    guard.check_request(
        ME,
        {"username": "bob", "change": verified(False)},
        admin_group="Admin",
        directory=directory,
    )
    assert directory.lookups == ["bob"]


def test_every_guard_names_the_parameters_it_reads() -> None:
    assert self_lockout.DISABLE.needs == ("username",)
    assert self_lockout.KEEP_ADMIN_GROUP.needs == ("group",)
    assert self_lockout.OWN_EMAIL_VERIFIED.needs == ("username", "change")
