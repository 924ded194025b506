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

**Admins without MFA** (``REQUIRE_ADMIN_MFA``): :class:`MfaGate` refuses every
``/admin`` request, reads included, from a caller whose account has no TOTP MFA
(403 ``mfa_required``). An access token does not say how its holder signed in
(Cognito's access tokens carry no ``amr``), so the gate asks ``AdminGetUser`` for the
account's ``UserMFASettingList``; a yes is remembered for :data:`MFA_TTL_S` seconds
(bounded, :data:`MFA_CACHE_SIZE` callers), a no is never remembered (an admin who has
just set up an authenticator is let in at once). So an admin whose MFA was reset can
still act for up to a minute.
"""

from __future__ import annotations

import collections
import dataclasses
import threading
import time
from collections.abc import Callable
from typing import Protocol

from protected_api import admin_errors, admin_schema, auth

#: How long a caller found with TOTP MFA is let through without asking Cognito again.
MFA_TTL_S = 60.0
#: Callers remembered at most (the oldest is forgotten first).
MFA_CACHE_SIZE = 1024

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
MFA_REQUIRED = Refusal(
    "mfa_required",
    "admin actions need multi-factor authentication: set up an authenticator app (TOTP) "
    "for your account, then try again",
)
REFUSALS: tuple[Refusal, ...] = (
    ADMIN_REMOVED,
    ACCOUNT_DISABLED,
    ACCOUNT_DELETED,
    SIGNED_OUT,
    MFA_REQUIRED,
)


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


class MfaDirectory(Protocol):
    """What :class:`MfaGate` asks of :class:`~protected_api.cognito_admin.CognitoAdmin`."""

    def account_mfa(
        self, username: str
    ) -> tuple[admin_schema.UserSummary, admin_schema.UserMfa]: ...


class MfaGate:
    """``REQUIRE_ADMIN_MFA``: the caller's account has TOTP MFA, as Cognito says now
    (see the module docstring). Thread-safe; one per app."""

    def __init__(
        self,
        *,
        ttl_s: float = MFA_TTL_S,
        max_callers: int = MFA_CACHE_SIZE,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl_s = ttl_s
        self._max = max_callers
        self._now = now
        self._lock = threading.Lock()
        self._until: collections.OrderedDict[tuple[str, str], float] = collections.OrderedDict()

    def confirm(self, caller: auth.Principal, directory: MfaDirectory, *, admin_group: str) -> None:
        """Return if ``caller``'s account has TOTP MFA; raise the 403 ``mfa_required``
        :class:`~protected_api.admin_errors.AdminError` otherwise (``account_deleted``
        when the account is gone or its username now belongs to another ``sub``)."""
        key = (caller.sub, caller.username)
        with self._lock:
            until = self._until.get(key)
            if until is not None and self._now() < until:
                return
        try:
            account, mfa = directory.account_mfa(caller.username)
        except admin_errors.AdminError as exc:
            if exc.status == 404:
                raise ACCOUNT_DELETED.error(admin_group) from None
            raise
        if account.sub != caller.sub:
            raise ACCOUNT_DELETED.error(admin_group)
        if admin_schema.TOTP not in mfa.mfa_methods:
            with self._lock:
                self._until.pop(key, None)
            raise MFA_REQUIRED.error(admin_group)
        with self._lock:
            self._until[key] = self._now() + self._ttl_s
            self._until.move_to_end(key)
            while len(self._until) > self._max:
                self._until.popitem(last=False)

    def __len__(self) -> int:
        """Callers remembered now (expired ones included until they are pushed out)."""
        with self._lock:
            return len(self._until)
