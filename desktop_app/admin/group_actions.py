"""The group actions an admin can take (create, edit, delete), in one table.

As :mod:`desktop_app.admin.actions` is for users: each :class:`GroupAction` holds its
:class:`~desktop_app.admin.actions.Words`, the call it makes and its guards; a widget
makes a :class:`GroupStep` with :func:`group_step` (which asks the guards, once) and a
worker runs it. The admin group (the profile's) is never deleted from the app
(:class:`NotAdminGroup`). The checks on what an admin types for a group
(:func:`check_description`, :func:`check_precedence`; the name: ``admin.check_name``)
raise ``ValueError`` worded for the person, as ``admin.check_name`` does. Pure Python:
no Qt.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, Protocol

from desktop_app.admin import actions, wording
from desktop_app.api import admin


def check_description(text: str) -> str | None:
    """``text`` as a group's description (trimmed; None when empty), else ``ValueError``."""
    value = text.strip()
    if len(value) > admin.MAX_DESCRIPTION:
        raise ValueError(f"a description must be at most {admin.MAX_DESCRIPTION:,} characters")
    return value or None


def check_precedence(text: str) -> int | None:
    """``text`` as a group's precedence (None when empty), else ``ValueError``."""
    value = text.strip()
    if not value:
        return None
    if not value.isascii() or not value.isdigit() or int(value) > admin.MAX_PRECEDENCE:
        raise ValueError(
            f"precedence must be a whole number from 0 to {admin.MAX_PRECEDENCE:,} "
            "(the lowest wins), or empty"
        )
    return int(value)


class GroupGuard(Protocol):
    """A rule that may refuse a group step before it is sent."""

    def refusal(self, step: GroupStep, by: actions.Acting) -> str | None: ...


@dataclasses.dataclass(frozen=True)
class NotAdminGroup:
    """Refuses a step on the admin group itself (the group that makes an admin)."""

    reason: str

    def refusal(self, step: GroupStep, by: actions.Acting) -> str | None:
        return self.reason if step.group == by.admin_group else None


@dataclasses.dataclass(frozen=True, eq=False)
class GroupAction:
    """One row of :data:`GROUP_TABLE`: as :class:`Action`, for a group. Every group
    action makes the groups list stale."""

    words: actions.Words
    call: Callable[[admin.JsonCaller, GroupStep], object]
    guards: tuple[GroupGuard, ...] = ()

    def __repr__(self) -> str:
        return f"<GroupAction {self.words.label}>"

    @property
    def admin_group(self) -> str | None:
        """Why this action is not offered on the admin group (None: it is)."""
        return next((g.reason for g in self.guards if isinstance(g, NotAdminGroup)), None)


#: What an edit may change: only the fields named in ``GroupStep.changed`` are sent.
DESCRIPTION = "description"
PRECEDENCE = "precedence"


@dataclasses.dataclass(frozen=True)
class GroupStep:
    """One action on one group: its ``description`` and ``precedence`` (a new group's,
    or an edit's, which sends only those named in ``changed``), and for a deletion the
    ``members`` it has. Build with :func:`group_step`."""

    action: GroupAction
    group: str
    description: str | None = None
    precedence: int | None = None
    changed: frozenset[str] = frozenset({DESCRIPTION, PRECEDENCE})
    members: int | None = None
    refused: str | None = None

    def run(self, api: admin.JsonCaller) -> object:
        """Make the call (on a worker); a refused step raises without a request."""
        if self.refused is not None:
            raise actions.RefusedError(self.refused)
        return self.action.call(api, self)

    @property
    def fields(self) -> dict[str, str]:
        members = wording.count(self.members, "member") if self.members is not None else ""
        return {"group": self.group, "members": members}


def group_step(
    action: GroupAction,
    group: str,
    by: actions.Acting,
    *,
    description: str | None = None,
    precedence: int | None = None,
    changed: frozenset[str] = frozenset({DESCRIPTION, PRECEDENCE}),
    members: int | None = None,
) -> GroupStep:
    """``action`` on ``group``; refused with the first guard's reason when ``by`` may not."""
    draft = GroupStep(action, group, description, precedence, changed, members)
    reasons = (guard.refusal(draft, by) for guard in action.guards)
    return dataclasses.replace(draft, refused=next((r for r in reasons if r), None))


def _create_group(api: admin.JsonCaller, step: GroupStep) -> admin.Group:
    return admin.create_group(
        api, step.group, description=step.description, precedence=step.precedence
    )


def _edit_group(api: admin.JsonCaller, step: GroupStep) -> admin.Group:
    # Only what changed is sent (the client leaves the rest as it is: UNSET).
    changes: dict[str, Any] = {}
    if DESCRIPTION in step.changed:
        changes[DESCRIPTION] = step.description
    if PRECEDENCE in step.changed:
        changes[PRECEDENCE] = step.precedence
    if not changes:
        raise ValueError("nothing to save: the group was not changed")
    return admin.update_group(api, step.group, **changes)


def _delete_group(api: admin.JsonCaller, step: GroupStep) -> None:
    admin.delete_group(api, step.group)


CREATE_GROUP = GroupAction(actions.Words("New group", "Group {group} created."), _create_group)
EDIT_GROUP = GroupAction(actions.Words("Edit group", "Group {group} saved."), _edit_group)
DELETE_GROUP = GroupAction(
    actions.Words(
        "Delete group",
        "Group {group} was deleted.",
        ask="Delete the group {group} ({members})? Its members stay users and only leave "
        "the group. This cannot be undone. Type the group's name to confirm.",
    ),
    _delete_group,
    guards=(
        NotAdminGroup(
            "The admin group cannot be deleted from the app: it is what makes an account "
            "an admin, yours included."
        ),
    ),
)
GROUP_TABLE: tuple[GroupAction, ...] = (CREATE_GROUP, EDIT_GROUP, DELETE_GROUP)
