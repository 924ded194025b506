"""The user actions an admin can take, in one table.

Each :class:`Action` holds what it is called and the sentence saying it was done
(:class:`Words`), the call it makes (:mod:`desktop_app.api.admin`), what to read again
afterwards (:class:`Refresh`), and the guards that may refuse it (an admin must not
lock themselves out: :class:`NotSelf`). The detail pane, the Users toolbar, the Groups
tab, the Overview and bulk runs all take their actions from :data:`TABLE`: a widget
binds a button to an action, makes :class:`Step` values with :func:`step` / :func:`plan`
(which ask the guards, once), and a worker runs them with :meth:`Step.run`.

Consequential actions ask first (:meth:`Action.asks`), naming the user; every bulk
run asks, naming the users (``Words.ask_many``), and never includes the acting admin
(:func:`bulk_targets`). The groups themselves (create, edit, delete) have their own
table, in :mod:`desktop_app.admin.group_actions`.

Sentences are plain English with ``{user}``, ``{users}`` (:func:`desktop_app.admin.
wording.named`), ``{group}`` and ``{email}`` fields; the GUI translates and fills them in
where it shows them (:func:`desktop_app.qt.messages.admin_text`). Pure Python: no Qt.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

from desktop_app import config, errors
from desktop_app.admin import attributes, states
from desktop_app.api import admin

#: Cognito's status of an invited user who has not chosen a password yet.
PENDING_STATUS = "FORCE_CHANGE_PASSWORD"


class Refresh(enum.Flag):
    """What an action changes, so what to read again once it has run."""

    USER = enum.auto()  # the user's row (and the detail pane, if it shows them)
    GROUPS = enum.auto()  # group member counts
    GONE = enum.auto()  # the user no longer exists: drop the row
    LIST = enum.auto()  # a new user: load the list again


#: A step a guard refused raises this (it lives with the other errors, so that the GUI
#: can word it without importing this module at start-up).
RefusedError = errors.ActionRefused


class _Identity(Protocol):
    """What :meth:`Acting.of` reads of :class:`desktop_app.auth.identity.Identity`."""

    @property
    def username(self) -> str: ...

    @property
    def sub(self) -> str: ...


class _Session(Protocol):
    """What :meth:`Acting.of` reads of the session bridge: who is signed in, and the
    profile that names the admin group."""

    @property
    def identity(self) -> _Identity | None: ...

    @property
    def profile(self) -> config.Profile: ...


@dataclasses.dataclass(frozen=True)
class Acting:
    """Who is acting: the signed-in admin (``None`` when unknown) and the group that
    makes an account an admin. Guards judge a step against it; a guard that needs to
    know more (say, how many admins are left) adds a field here."""

    username: str | None
    sub: str | None
    admin_group: str

    @classmethod
    def of(cls, session: _Session) -> Acting:
        """The admin signed in to ``session`` (the bridge), as things stand now."""
        identity, admin_group = session.identity, session.profile.admin_group
        if identity is None:
            return cls(None, None, admin_group)
        return cls(identity.username, identity.sub, admin_group)

    def is_self(self, username: str, sub: str | None = None) -> bool:
        """The user is the acting admin: the same username, or the same ``sub``
        (Cognito's ID) under another alias."""
        if self.username is None:
            return False
        return username == self.username or (sub is not None and sub == self.sub)


class Guard(Protocol):
    """A rule that may refuse a step before it is sent."""

    def refusal(self, step: Step, by: Acting) -> str | None:
        """The sentence saying why ``by`` may not take ``step``; None lets it through."""
        ...


@dataclasses.dataclass(frozen=True)
class NotSelf:
    """Refuses a step on the acting admin's own account, which would lock them out. A
    group step only when the group is the admin group: no other membership can."""

    reason: str

    def refusal(self, step: Step, by: Acting) -> str | None:
        if step.group is not None and step.group != by.admin_group:
            return None
        return self.reason if by.is_self(step.username, step.sub) else None


@dataclasses.dataclass(frozen=True)
class Invitation:
    """What an invitation sends besides the username."""

    email: str
    name: str | None = None
    groups: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class Words:
    """What an action says: ``label`` on its button, ``done`` once it succeeded, and
    ``many``, the title of a bulk run over the selected users (None: not offered in bulk).
    ``ask`` is the question before it runs on one user (None: it runs at once), naming
    them; ``ask_many`` the question before a bulk run, naming them (``{users}``: "3 users:
    alice, bob, carol"). Every action offered in bulk has one."""

    label: str
    done: str
    many: str | None = None
    ask: str | None = None
    ask_many: str | None = None


# eq=False: an action is one row of the table, equal only to itself (and a dict key).
@dataclasses.dataclass(frozen=True, eq=False)
class Action:
    """One row of :data:`TABLE`: its :class:`Words`; ``call(api, step)``, the request
    (made on a worker); ``refresh``, what to read again afterwards; ``guards``, which
    may refuse a step (the first reason wins); ``when``, the user's state that calls for
    it (None: any), which decides whether the detail pane offers it; ``ask_if``, when the
    question (``words.ask``) is asked of one user (None: always)."""

    words: Words
    call: Callable[[admin.JsonCaller, Step], object]
    refresh: Refresh = Refresh.USER
    guards: tuple[Guard, ...] = ()
    when: Callable[[admin.UserDetail], bool] | None = None
    ask_if: Callable[[Step, Acting], bool] | None = None

    def __repr__(self) -> str:
        return f"<Action {self.words.label}>"

    def offered(self, user: admin.UserDetail) -> bool:
        """Whether ``user``'s state calls for this action (a guard may still refuse it)."""
        return self.when is None or self.when(user)

    @property
    def own_account(self) -> str | None:
        """Why this action is not offered on one's own account (None: it is)."""
        return next((g.reason for g in self.guards if isinstance(g, NotSelf)), None)

    def asks(self, step: Step, by: Acting) -> bool:
        """Whether ``step`` (on one user) asks first: the action has a question and it
        applies to this step (adding to a group asks for the admin group only)."""
        if self.words.ask is None:
            return False
        return self.ask_if is None or self.ask_if(step, by)


@dataclasses.dataclass(frozen=True)
class Step:
    """One action on one user, with its argument: what a worker runs.

    ``sub`` (the user's Cognito ID) lets a guard know the admin under another alias;
    ``refused`` is the guard's reason when :func:`step` refused it: :meth:`run` then
    sends nothing. Build steps with :func:`step`, :func:`plan` or :func:`invite`.
    """

    action: Action
    username: str
    sub: str | None = None
    group: str | None = None
    invitation: Invitation | None = None
    edit: attributes.Edit | None = None
    refused: str | None = None

    def run(self, api: admin.JsonCaller) -> object:
        """Make the call (it blocks: run it on a worker). A refused step raises
        :class:`RefusedError` without a request."""
        if self.refused is not None:
            raise RefusedError(self.refused)
        return self.action.call(api, self)

    @property
    def fields(self) -> dict[str, str]:
        """What the action's sentences are filled in with."""
        email = self.invitation.email if self.invitation is not None else ""
        return {"user": self.username, "group": self.group or "", "email": email}


def step(action: Action, user: admin.User | str, by: Acting, *, group: str | None = None) -> Step:
    """``action`` on ``user`` (a user, or a username), with ``group`` for a group
    action; refused with the first guard's reason when ``by`` may not take it."""
    username, sub = (user, None) if isinstance(user, str) else (user.username, user.sub)
    draft = Step(action, username, sub=sub, group=group)
    reasons = (guard.refusal(draft, by) for guard in action.guards)
    return dataclasses.replace(draft, refused=next((r for r in reasons if r), None))


def plan(
    action: Action, users: Iterable[admin.User | str], by: Acting, *, group: str | None = None
) -> list[Step]:
    """One :func:`step` per user, in order (a bulk run)."""
    return [step(action, user, by, group=group) for user in users]


def invite(username: str, invitation: Invitation) -> Step:
    """Invite ``username`` (no guard: the account does not exist yet)."""
    return Step(INVITE, username, invitation=invitation)


def edit_attributes(user: admin.User, edit: attributes.Edit, by: Acting) -> Step:
    """Save ``edit`` (:func:`desktop_app.admin.attributes.plan`) to ``user``'s attributes."""
    return dataclasses.replace(step(EDIT_ATTRIBUTES, user, by), edit=edit)


@dataclasses.dataclass(frozen=True)
class BulkTargets:
    """The users a bulk run acts on, and the acting admin's username when it was among
    those selected and left out."""

    users: tuple[admin.User, ...]
    left_out_self: str | None

    @property
    def usernames(self) -> list[str]:
        return [user.username for user in self.users]


#: Why the acting admin is never among a bulk run's users (plain English).
SELF_LEFT_OUT = (
    "Your own account ({user}) is left out: bulk actions never include it. "
    "Use its detail pane instead."
)


def bulk_targets(users: Iterable[admin.User], by: Acting) -> BulkTargets:
    """``users`` without the acting admin (by username or ``sub``), whatever the action:
    a bulk run never acts on one's own account."""
    kept: list[admin.User] = []
    left_out: str | None = None
    for user in users:
        if by.is_self(user.username, user.sub):
            left_out = user.username
        else:
            kept.append(user)
    return BulkTargets(tuple(kept), left_out)


def run_all(api: admin.JsonCaller, steps: Sequence[Step]) -> None:
    """Run ``steps`` in order in one call; the first failure stops the rest."""
    for each in steps:
        each.run(api)


def invitation_pending(user: admin.User) -> bool:
    """Invited, and no password chosen yet (an invitation can be sent again)."""
    return user.status == PENDING_STATUS


@dataclasses.dataclass(frozen=True)
class Reread:
    """Users read again after actions: as the server has them, and those it no longer has."""

    found: tuple[admin.UserDetail, ...]
    gone: tuple[str, ...]


def reread(api: admin.JsonCaller, usernames: Iterable[str]) -> Reread:
    """Each user as the server has them now; a user it answers 404 for is ``gone``
    (any other failure raises)."""
    found: list[admin.UserDetail] = []
    gone: list[str] = []
    for username in usernames:
        try:
            found.append(admin.get_user(api, username))
        except errors.ApiError as exc:
            if exc.status != 404:
                raise
            gone.append(username)
    return Reread(tuple(found), tuple(gone))


# -- the table -----------------------------------------------------------------------------


def _on_user(
    call: Callable[[admin.JsonCaller, str], None],
) -> Callable[[admin.JsonCaller, Step], None]:
    def run(api: admin.JsonCaller, step: Step) -> None:
        call(api, step.username)

    return run


def _in_group(
    call: Callable[[admin.JsonCaller, str, str], None],
) -> Callable[[admin.JsonCaller, Step], None]:
    def run(api: admin.JsonCaller, step: Step) -> None:
        if step.group is None:
            raise ValueError("choose a group first")
        call(api, step.username, step.group)

    return run


def _invite(api: admin.JsonCaller, step: Step) -> admin.UserDetail:
    details = step.invitation
    if details is None:
        raise ValueError("an invitation needs an email address")
    return admin.invite_user(
        api, step.username, details.email, name=details.name, groups=details.groups
    )


def _edit_attributes(api: admin.JsonCaller, step: Step) -> admin.UserDetail:
    edit = step.edit
    if edit is None or edit.empty:
        raise ValueError("nothing to save: no attribute was changed")
    return admin.update_attributes(
        api,
        step.username,
        set=dict(edit.set),
        delete=edit.delete,
        email_verified=edit.email_verified,
    )


def _to_admin_group(step: Step, by: Acting) -> bool:
    return step.group == by.admin_group


ENABLE = Action(
    Words("Enable", "{user} is enabled.", many="Enable users", ask_many="Enable {users}?"),
    _on_user(admin.enable_user),
)
DISABLE = Action(
    Words(
        "Disable",
        "{user} is disabled.",
        many="Disable users",
        ask="Disable {user}? They can no longer sign in, and the app signs them out when "
        "their session next refreshes.",
        ask_many="Disable {users}? They can no longer sign in.",
    ),
    _on_user(admin.disable_user),
    guards=(NotSelf("You cannot disable your own account: you would be signed out for good."),),
)
RESEND_INVITATION = Action(
    Words(
        "Resend invitation",
        "Invitation sent again to {user}.",
        many="Resend invitations",
        ask_many="Send the invitation again to {users}? Each gets a new temporary password.",
    ),
    _on_user(admin.resend_invitation),
)
RESET_PASSWORD = Action(
    Words(
        "Reset password",
        "{user} must reset their password.",
        ask="Reset {user}'s password? Their password stops working: they must choose a new "
        "one with a code Cognito emails them.",
    ),
    _on_user(admin.reset_password),
    guards=(NotSelf("You cannot reset your own password here: it would sign you out."),),
)
SIGN_OUT_EVERYWHERE = Action(
    Words(
        "Sign out everywhere",
        "{user} is signed out everywhere.",
        ask="Sign {user} out everywhere? Every app and device they are signed in on must "
        "sign in again.",
    ),
    _on_user(admin.sign_out_everywhere),
    guards=(NotSelf("You cannot sign yourself out everywhere from here: use Sign out."),),
)
DELETE = Action(
    Words("Delete", "{user} was deleted."),
    _on_user(admin.delete_user),
    Refresh.GONE,
    guards=(NotSelf("You cannot delete your own account."),),
)
ADD_TO_GROUP = Action(
    Words(
        "Add to group",
        "{user} added to {group}.",
        many="Add users to {group}",
        ask="Make {user} an admin? Adding them to {group} gives them the Admin section and "
        "every action in it.",
        ask_many="Add {users} to {group}?",
    ),
    _in_group(admin.add_to_group),
    Refresh.USER | Refresh.GROUPS,
    ask_if=_to_admin_group,
)
REMOVE_FROM_GROUP = Action(
    Words(
        "Remove from group",
        "{user} removed from {group}.",
        many="Remove users from {group}",
        ask_many="Remove {users} from {group}?",
    ),
    _in_group(admin.remove_from_group),
    Refresh.USER | Refresh.GROUPS,
    guards=(NotSelf("You cannot remove yourself from the admin group: ask another admin."),),
)
INVITE = Action(
    Words("Invite", "Invitation sent to {email}; {user} must choose a password."),
    _invite,
    Refresh.LIST | Refresh.GROUPS,
)
# The account lifecycle (issue 18). Each asks first: it acts for the user, who is not there.
CONFIRM_SIGN_UP = Action(
    Words(
        "Confirm sign-up",
        "{user}'s sign-up is confirmed; they can sign in now.",
        many="Confirm sign-ups",
        ask="Confirm {user}'s sign-up without the code sent to their email? They can then sign in.",
        ask_many="Confirm the sign-ups of {users} without their emailed codes?",
    ),
    _on_user(admin.confirm_sign_up),
    when=states.sign_up_pending,
)
RESEND_CONFIRMATION_CODE = Action(
    Words(
        "Resend verification code",
        "A new verification code was emailed to {user}.",
        many="Resend verification codes",
        ask="Email {user} a new code to confirm their sign-up?",
        ask_many="Email a new code to confirm their sign-ups to {users}?",
    ),
    _on_user(admin.resend_confirmation_code),
    when=states.sign_up_pending,
)
RESET_MFA = Action(
    Words(
        "Reset MFA",
        "{user}'s MFA was reset: their next sign-in asks for no code, "
        "and they can set up a new authenticator in their profile.",
        many="Reset MFA",
        ask="Reset {user}'s MFA? They will sign in without a code until they set up a new "
        "authenticator in their profile. (A pool that requires MFA does not allow this.)",
        ask_many="Reset the MFA of {users}? They will sign in without a code until they "
        "set up new authenticators.",
    ),
    _on_user(admin.reset_mfa),
    guards=(NotSelf("You cannot reset your own MFA here: use Security in your profile."),),
    when=states.has_totp,
)
MARK_EMAIL_VERIFIED = Action(
    Words(
        "Mark email verified",
        "{user}'s email address is marked as verified.",
        many="Mark emails verified",
        ask="Mark {user}'s email address as verified without a code? "
        "Do this only if you know the address is theirs.",
        ask_many="Mark the email addresses of {users} as verified without codes?",
    ),
    _on_user(admin.mark_email_verified),
    when=states.email_unverified,
)

EDIT_ATTRIBUTES = Action(
    Words("Edit attributes", "{user}'s attributes are saved."),
    _edit_attributes,
)

TABLE: tuple[Action, ...] = (
    ENABLE,
    DISABLE,
    RESEND_INVITATION,
    RESET_PASSWORD,
    SIGN_OUT_EVERYWHERE,
    DELETE,
    ADD_TO_GROUP,
    REMOVE_FROM_GROUP,
    INVITE,
    CONFIRM_SIGN_UP,
    RESEND_CONFIRMATION_CODE,
    RESET_MFA,
    MARK_EMAIL_VERIFIED,
    EDIT_ATTRIBUTES,
)
#: The account-lifecycle actions: offered where the user's state calls for them
#: (``when``); each acts for a user who is not there, so each asks first.
LIFECYCLE: tuple[Action, ...] = (
    CONFIRM_SIGN_UP,
    RESEND_CONFIRMATION_CODE,
    MARK_EMAIL_VERIFIED,
    RESET_MFA,
)
