"""The lockout rules: no admin locks themselves out, and the pool keeps an enabled admin.

The actions that can take admin rights away (:data:`DISABLE`, :data:`DELETE`,
:data:`REMOVE_ADMIN_GROUP`) pass two rules, decided here and nowhere else:

* **self-lockout**, 409 ``self_lockout``: not on the caller's own account, under
  any name it goes by (:func:`is_self`);
* **last admin**, 409 ``last_admin``: not when it would leave the admin group
  without an enabled member, whoever asks (:func:`takes_the_last_admin`).

Two more rules keep the admins' own ground (issue 21):

* **the admin group stays**, 409 ``admin_group``: it cannot be deleted through the API,
  whoever asks (:data:`KEEP_ADMIN_GROUP`); delete it in the console if you mean to;
* **one's own recovery address stays verified**, 409 ``self_lockout``: an admin cannot
  mark their own email address unverified (:data:`OWN_EMAIL_VERIFIED`), which is how
  they would reset a forgotten password.

The ``/admin`` routes name the guard they need in their table
(:mod:`protected_api.routes.admin`) and decide nothing themselves. A bulk run is
one request per user, each judged against the pool as it is at that moment, so
no combination gets past the rules either.

Cognito has no transactions: between the count and the change there is one
round trip in which another admin's request can land. Two admins disabling each
other at the same instant could both pass; one after the other, the second is
refused.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from protected_api import admin_errors, admin_schema, auth

FindUser = Callable[[str], admin_schema.UserSummary]


class Directory(Protocol):
    """What the rules ask of :class:`~protected_api.cognito_admin.CognitoAdmin`."""

    def find_user(self, username: str) -> admin_schema.UserSummary: ...

    def all_group_members(self, group: str) -> list[admin_schema.UserSummary]: ...


def is_self(caller: auth.Principal, username: str, find_user: FindUser) -> bool:
    """Whether ``username`` names the caller: their username, their ``sub``, or an alias
    (an email address...) that Cognito resolves to either (``find_user``)."""
    if username in (caller.username, caller.sub):
        return True
    target = find_user(username)
    return target.sub == caller.sub or target.username == caller.username


def takes_the_last_admin(
    username: str, admin_group: str, directory: Directory, find_user: FindUser
) -> bool:
    """Whether ``username`` names the one enabled member of ``admin_group``, so that
    disabling, deleting or un-admining them leaves the pool without an enabled admin.

    One ``ListUsersInGroup`` call per 60 admins; ``find_user`` is asked only when
    a single enabled admin is left and the name is not plainly theirs (an alias).
    A name nobody has is not the last admin: the action itself then answers 404.
    """
    enabled = [m for m in directory.all_group_members(admin_group) if m.enabled]
    if len(enabled) != 1:
        return False  # two or more: one change leaves one; none: nothing left to keep
    [last] = enabled
    if username in (last.username, last.sub):
        return True
    try:
        target = find_user(username)
    except admin_errors.AdminError as exc:
        if exc.status == 404:
            return False
        raise
    return target.username == last.username or (target.sub is not None and target.sub == last.sub)


def _remembered(find_user: FindUser) -> FindUser:
    """``find_user`` asked at most once per name (both rules may need the same lookup)."""
    found: dict[str, admin_schema.UserSummary] = {}

    def lookup(username: str) -> admin_schema.UserSummary:
        if username not in found:
            found[username] = find_user(username)
        return found[username]

    return lookup


class RouteGuard(Protocol):
    """What a route's guard is to :mod:`protected_api.routes.admin`: the route parameters
    it reads (``needs``), and the check of a request's parameters."""

    @property
    def needs(self) -> tuple[str, ...]: ...

    def check_request(
        self,
        caller: auth.Principal,
        parameters: Mapping[str, Any],
        *,
        admin_group: str,
        directory: Directory,
    ) -> None: ...


@dataclasses.dataclass(frozen=True)
class Guard:
    """An action that can take admin rights away: never from oneself, never from the last
    enabled admin."""

    what: str  # completes "you cannot {what} your own account"; may name {group}
    admin_group_only: bool = False  # the action is harmless for any other group

    @property
    def needs(self) -> tuple[str, ...]:
        return ("username",)

    def check_request(
        self,
        caller: auth.Principal,
        parameters: Mapping[str, Any],
        *,
        admin_group: str,
        directory: Directory,
    ) -> None:
        """:meth:`check` for a route's parameters (``username``, and ``group`` if any)."""
        self.check(
            caller,
            parameters["username"],
            group=parameters.get("group"),
            admin_group=admin_group,
            directory=directory,
        )

    def check(
        self,
        caller: auth.Principal,
        username: str,
        *,
        group: str | None,
        admin_group: str,
        directory: Directory,
    ) -> None:
        """409 ``self_lockout`` when this action on ``username`` (and ``group``) would lock
        the caller out, 409 ``last_admin`` when it would leave no enabled admin.
        ``directory`` is asked only what the plain names cannot answer."""
        if self.admin_group_only and group != admin_group:
            return
        find_user = _remembered(directory.find_user)
        what = self.what.format(group=group)
        if is_self(caller, username, find_user):
            raise admin_errors.AdminError(
                409, "self_lockout", f"you cannot {what} your own account; ask another admin"
            )
        if takes_the_last_admin(username, admin_group, directory, find_user):
            raise admin_errors.AdminError(
                409,
                "last_admin",
                f"you cannot {what} {username}: this would leave the pool without an enabled admin",
            )


@dataclasses.dataclass(frozen=True)
class KeepAdminGroup:
    """The admin group is never deleted through the API (409 ``admin_group``)."""

    @property
    def needs(self) -> tuple[str, ...]:
        return ("group",)

    def check_request(
        self,
        caller: auth.Principal,
        parameters: Mapping[str, Any],
        *,
        admin_group: str,
        directory: Directory,
    ) -> None:
        if parameters["group"] == admin_group:
            raise admin_errors.AdminError(
                409,
                "admin_group",
                f"the {admin_group} group holds the admins and cannot be deleted from the app",
            )


@dataclasses.dataclass(frozen=True)
class KeepOwnEmailVerified:
    """An admin cannot mark their own email address unverified (409 ``self_lockout``):
    a verified address is how they reset a forgotten password."""

    @property
    def needs(self) -> tuple[str, ...]:
        return ("username", "change")

    def check_request(
        self,
        caller: auth.Principal,
        parameters: Mapping[str, Any],
        *,
        admin_group: str,
        directory: Directory,
    ) -> None:
        change: admin_schema.AttributeChange = parameters["change"]
        if change.email_verified is False and is_self(
            caller, parameters["username"], directory.find_user
        ):
            raise admin_errors.AdminError(
                409,
                "self_lockout",
                "you cannot mark your own email address unverified (it is how you would "
                "reset your password); ask another admin",
            )


DISABLE = Guard("disable")
DELETE = Guard("delete")
REMOVE_ADMIN_GROUP = Guard("remove group {group} from", admin_group_only=True)
KEEP_ADMIN_GROUP = KeepAdminGroup()
OWN_EMAIL_VERIFIED = KeepOwnEmailVerified()
