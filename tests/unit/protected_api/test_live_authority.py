"""Before a change, Cognito (not the token) says whether the caller is still an admin."""

from __future__ import annotations

from typing import Any

import pytest

from protected_api import admin_errors, admin_schema, auth, live_authority
from tests.unit.protected_api import stubs

SCOPED = auth.Principal.from_claims(
    {**stubs.claims("admin", "Admin", sub="s-admin"), "scope": live_authority.SIGN_IN_SCOPE}
)
UNSCOPED = auth.Principal.from_claims(stubs.claims("admin", "Admin", sub="s-admin"))


def account(*, sub: str = "s-admin", enabled: bool = True) -> admin_schema.UserSummary:
    return admin_schema.UserSummary(
        username="admin",
        sub=sub,
        email=None,
        status="CONFIRMED",
        enabled=enabled,
        created_at=None,
        modified_at=None,
    )


class Cognito:
    """The caller as Cognito has them: a token it honours (or not), an account, groups.
    Records every call."""

    def __init__(
        self,
        *,
        honours_token: bool = True,
        account: admin_schema.UserSummary | None = None,
        groups: tuple[str, ...] = ("Admin",),
    ) -> None:
        self.honours_token = honours_token
        self.account = account
        self.groups = groups
        self.calls: list[tuple[str, Any]] = []

    def token_holder(self, access_token: str) -> admin_schema.UserSummary | None:
        self.calls.append(("GetUser", access_token))
        return account() if self.honours_token else None

    def find_user(self, username: str) -> admin_schema.UserSummary:
        self.calls.append(("AdminGetUser", username))
        if self.account is None:
            raise admin_errors.AdminError(404, "not_found", "User does not exist.")
        return self.account

    def groups_of(self, username: str) -> list[str]:
        self.calls.append(("AdminListGroupsForUser", username))
        return list(self.groups)


def confirm(caller: auth.Principal, cognito: Cognito) -> None:
    live_authority.confirm(caller, cognito, admin_group="Admin", access_token="tok")


def refusal(caller: auth.Principal, cognito: Cognito) -> admin_errors.AdminError:
    with pytest.raises(admin_errors.AdminError) as caught:
        confirm(caller, cognito)
    assert caught.value.status == 403
    return caught.value


# The way through: two calls


def test_with_the_sign_in_scope_the_token_itself_is_asked_about() -> None:
    cognito = Cognito()
    confirm(SCOPED, cognito)
    assert cognito.calls == [("GetUser", "tok"), ("AdminListGroupsForUser", "admin")]


def test_without_it_the_account_is_read_by_username() -> None:
    cognito = Cognito(account=account())
    confirm(UNSCOPED, cognito)
    assert cognito.calls == [("AdminGetUser", "admin"), ("AdminListGroupsForUser", "admin")]


# Refusals, each with its reason


@pytest.mark.parametrize("caller", [SCOPED, UNSCOPED], ids=["scoped", "unscoped"])
def test_an_admin_removed_from_the_group(caller: auth.Principal) -> None:
    error = refusal(caller, Cognito(account=account(), groups=("Editors",)))
    assert error.code == "admin_removed"
    assert error.message == "your admin rights were removed: you are no longer in the Admin group"


@pytest.mark.parametrize("caller", [SCOPED, UNSCOPED], ids=["scoped", "unscoped"])
def test_a_disabled_admin(caller: auth.Principal) -> None:
    cognito = Cognito(honours_token=False, account=account(enabled=False))
    error = refusal(caller, cognito)
    assert (error.code, error.message) == ("account_disabled", "your account is disabled")
    assert ("AdminListGroupsForUser", "admin") not in cognito.calls


@pytest.mark.parametrize(
    "gone",
    [None, account(sub="s-someone-new")],
    ids=["deleted", "username-reused"],
)
@pytest.mark.parametrize("caller", [SCOPED, UNSCOPED], ids=["scoped", "unscoped"])
def test_a_deleted_admin(caller: auth.Principal, gone: admin_schema.UserSummary | None) -> None:
    error = refusal(caller, Cognito(honours_token=False, account=gone))
    assert (error.code, error.message) == ("account_deleted", "your account no longer exists")


def test_a_signed_out_admin_with_the_sign_in_scope() -> None:
    cognito = Cognito(honours_token=False, account=account())
    error = refusal(SCOPED, cognito)
    assert error.code == "signed_out"
    assert "sign in again" in error.message
    # The reason is looked up only after the refusal.
    assert cognito.calls == [("GetUser", "tok"), ("AdminGetUser", "admin")]


def test_without_the_scope_a_global_sign_out_is_not_seen() -> None:
    # The documented gap: GetUser would refuse any token without the scope.
    cognito = Cognito(honours_token=False, account=account())
    confirm(UNSCOPED, cognito)
    assert ("GetUser", "tok") not in cognito.calls


def test_a_token_that_names_another_account_is_refused() -> None:
    class Other(Cognito):
        def token_holder(self, access_token: str) -> admin_schema.UserSummary | None:
            return account(sub="s-other")

    assert refusal(SCOPED, Other(account=account())).code == "signed_out"


def test_an_account_deleted_between_the_two_calls() -> None:
    class Gone(Cognito):
        def groups_of(self, username: str) -> list[str]:
            raise admin_errors.AdminError(404, "not_found", "User does not exist.")

    assert refusal(SCOPED, Gone()).code == "account_deleted"


def test_an_outage_is_not_a_refusal() -> None:
    class Down(Cognito):
        def groups_of(self, username: str) -> list[str]:
            raise admin_errors.AdminError(503, "unavailable", "try again later")

    with pytest.raises(admin_errors.AdminError) as caught:
        confirm(SCOPED, Down())
    assert caught.value.status == 503


def test_every_refusal_has_its_own_code() -> None:
    codes = [r.code for r in live_authority.REFUSALS]
    assert len(set(codes)) == len(codes) == 5
