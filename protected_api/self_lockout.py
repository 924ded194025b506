"""The self-lockout rule: an admin may not disable, delete or un-admin their own account.

So a pool cannot lose its last admin by accident. Which actions the rule covers
is :data:`DISABLE`, :data:`DELETE` and :data:`REMOVE_ADMIN_GROUP`; whether an
account is the caller's own is :func:`is_self`. The ``/admin`` routes name the
guard they need in their table (:mod:`protected_api.routes.admin`) and decide
nothing themselves.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from protected_api import admin_errors, admin_schema, auth

FindUser = Callable[[str], admin_schema.UserSummary]


def is_self(caller: auth.Principal, username: str, find_user: FindUser) -> bool:
    """Whether ``username`` names the caller: their username, their ``sub``, or an alias
    (an email address...) that Cognito resolves to either (``find_user``)."""
    if username in (caller.username, caller.sub):
        return True
    target = find_user(username)
    return target.sub == caller.sub or target.username == caller.username


@dataclasses.dataclass(frozen=True)
class Guard:
    """An action that must not be aimed at the caller's own account."""

    what: str  # completes "you cannot {what} your own account"; may name {group}
    admin_group_only: bool = False  # the action is harmless for any other group

    def check(
        self,
        caller: auth.Principal,
        username: str,
        *,
        group: str | None,
        admin_group: str,
        find_user: FindUser,
    ) -> None:
        """409 ``self_lockout`` when this action on ``username`` (and ``group``) would lock
        the caller out; ``find_user`` is asked only when the name is not plainly theirs."""
        if self.admin_group_only and group != admin_group:
            return
        if is_self(caller, username, find_user):
            what = self.what.format(group=group)
            raise admin_errors.AdminError(
                409, "self_lockout", f"you cannot {what} your own account; ask another admin"
            )


DISABLE = Guard("disable")
DELETE = Guard("delete")
REMOVE_ADMIN_GROUP = Guard("remove group {group} from", admin_group_only=True)
