"""Live admin authority: a change is made only for a caller Cognito still takes as an admin.

An access token is checked offline and stays valid until it expires (an hour by
default), whatever happened since it was issued: its ``cognito:groups`` are the
groups at sign-in. So an admin removed from the admin group, disabled or signed
out everywhere could still disable, delete or demote every other admin with the
token they hold. Before any change (every ``/admin`` route that is not a read),
:func:`confirm` asks Cognito about the caller, with the API's own boto3 client:

1. With the ``aws.cognito.signin.user.admin`` scope: ``GetUser`` with the caller's
   own access token. Cognito answers ``NotAuthorizedException`` ("Access Token has
   been revoked") once the caller was signed out everywhere, disabled or deleted.
   Without that scope Cognito refuses ``GetUser`` for any token, so the account is
   read with ``AdminGetUser`` instead: it exists under the token's ``sub`` and is
   enabled. That path cannot see a global sign-out (the gap): such a token can act
   until it expires, for as long as its account is enabled and an admin.
2. ``AdminListGroupsForUser``: the caller is in the admin group now.

Two Cognito calls per change and none per read: a read shows what the token
allowed at sign-in, for at most the token's lifetime. Nothing is cached, so no
cache can let a demoted admin act. Only after a refusal is the reason looked up
(one more ``AdminGetUser``), so the way through stays two calls.

A refusal is a 403 :class:`~protected_api.admin_errors.AdminError` whose code
says what happened (:data:`REFUSALS`), with a sentence the admin can act on.
"""

from __future__ import annotations

import dataclasses
from typing import Protocol

from protected_api import admin_errors, admin_schema, auth

#: The scope that lets an access token authorize Cognito's own user operations (GetUser).
SIGN_IN_SCOPE = "aws.cognito.signin.user.admin"


class Directory(Protocol):
    """What :func:`confirm` asks of :class:`~protected_api.cognito_admin.CognitoAdmin`."""

    def token_holder(self, access_token: str) -> admin_schema.UserSummary | None: ...

    def find_user(self, username: str) -> admin_schema.UserSummary: ...

    def groups_of(self, username: str) -> list[str]: ...


@dataclasses.dataclass(frozen=True)
class Refusal:
    """Why Cognito no longer takes the caller as an admin: the answer's code and sentence."""

    code: str
    message: str  # may name {group}

    def error(self, admin_group: str) -> admin_errors.AdminError:
        return admin_errors.AdminError(403, self.code, self.message.format(group=admin_group))


ADMIN_REMOVED = Refusal(
    "admin_removed", "your admin rights were removed: you are no longer in the {group} group"
)
ACCOUNT_DISABLED = Refusal("account_disabled", "your account is disabled")
ACCOUNT_DELETED = Refusal("account_deleted", "your account no longer exists")
SIGNED_OUT = Refusal("signed_out", "your session was ended (signed out everywhere); sign in again")
REFUSALS: tuple[Refusal, ...] = (ADMIN_REMOVED, ACCOUNT_DISABLED, ACCOUNT_DELETED, SIGNED_OUT)


def confirm(
    caller: auth.Principal, directory: Directory, *, admin_group: str, access_token: str
) -> None:
    """Return if Cognito, asked now, takes ``caller`` as a member of ``admin_group`` with a
    live account; raise the 403 :class:`~protected_api.admin_errors.AdminError` otherwise.

    ``access_token`` is the caller's own (the bearer token ``caller`` was read from).
    """
    if SIGN_IN_SCOPE in caller.scopes:
        holder = directory.token_holder(access_token)
        if holder is None or (holder.sub is not None and holder.sub != caller.sub):
            raise _why_not(caller, directory).error(admin_group)
    else:
        account = _account(caller, directory)
        if account is None:
            raise ACCOUNT_DELETED.error(admin_group)
        if not account.enabled:
            raise ACCOUNT_DISABLED.error(admin_group)
    try:
        groups = directory.groups_of(caller.username)
    except admin_errors.AdminError as exc:
        if exc.status == 404:  # deleted between the two calls
            raise ACCOUNT_DELETED.error(admin_group) from None
        raise
    if admin_group not in groups:
        raise ADMIN_REMOVED.error(admin_group)


def _account(caller: auth.Principal, directory: Directory) -> admin_schema.UserSummary | None:
    """The caller's account as Cognito has it now; None if it is gone (a username now
    held by a new account, with another ``sub``, is gone too)."""
    try:
        account = directory.find_user(caller.username)
    except admin_errors.AdminError as exc:
        if exc.status == 404:
            return None
        raise
    return account if account.sub == caller.sub else None


def _why_not(caller: auth.Principal, directory: Directory) -> Refusal:
    """Why Cognito refused the caller's token: their account is gone or disabled, or else
    the token itself was revoked (signed out everywhere)."""
    account = _account(caller, directory)
    if account is None:
        return ACCOUNT_DELETED
    if not account.enabled:
        return ACCOUNT_DISABLED
    return SIGNED_OUT
