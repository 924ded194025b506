"""A user's account state in plain words: Cognito's ``UserStatus``, MFA, and the state
tests the account-lifecycle actions are offered by.

One mapping, one place: the users table, the detail pane and the Overview's chart all
word a status with :func:`status_words` (and explain it with :func:`status_tip`), and MFA
with :func:`mfa_words`. Plain English here; the GUI translates where it shows them
(:func:`desktop_app.qt.messages.admin_text`). Pure Python: no Qt.

Statuses: https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_UserType.html
"""

from __future__ import annotations

import enum

from desktop_app.api import admin

#: Signed up, and the emailed code not entered yet.
UNCONFIRMED = "UNCONFIRMED"

#: Each ``UserStatus`` as a person says it (a status not listed is shown as Cognito
#: wrote it).
STATUS_WORDS: dict[str, str] = {
    "CONFIRMED": "Confirmed",
    "UNCONFIRMED": "Signed up, email not confirmed",
    "FORCE_CHANGE_PASSWORD": "Invited, must set a password",
    "RESET_REQUIRED": "Password reset pending",
    "EXTERNAL_PROVIDER": "Signs in with another provider",
    "ARCHIVED": "Archived",
    "COMPROMISED": "Password compromised",
    "UNKNOWN": "Status unknown",
}
#: What each status means for the user, for a tooltip.
STATUS_TIPS: dict[str, str] = {
    "CONFIRMED": "Signed up and confirmed; signs in with their password",
    "UNCONFIRMED": "Signed up; has not entered the code sent to their email yet",
    "FORCE_CHANGE_PASSWORD": "Invited; must choose a password at first sign-in",
    "RESET_REQUIRED": "Must reset the password (with the emailed code) before signing in",
    "EXTERNAL_PROVIDER": "Signs in through an external identity provider",
    "ARCHIVED": "Archived by Cognito",
    "COMPROMISED": "Credentials reported compromised; signing in is blocked",
    "UNKNOWN": "Cognito does not know this user's status",
}


def status_words(status: str) -> str | None:
    """``status`` in plain words; None for a status Cognito added since (show the code)."""
    return STATUS_WORDS.get(status)


def status_tip(status: str) -> str | None:
    """What ``status`` means, for a tooltip; None for a status the app does not know."""
    return STATUS_TIPS.get(status)


# -- MFA -----------------------------------------------------------------------------------


class MfaRead(enum.Enum):
    """An MFA that is not known: not read yet, or it could not be read."""

    PENDING = "pending"
    FAILED = "failed"


#: What a table cell knows of a user's MFA.
MfaState = admin.Mfa | MfaRead

#: Cognito's MFA factors (``UserMFASettingList``) as a person says them.
FACTOR_WORDS: dict[str, str] = {
    admin.TOTP: "TOTP",
    "SMS_MFA": "SMS",
    "EMAIL_OTP": "Email",
}
NO_MFA = "None"
MFA_PENDING = "\N{HORIZONTAL ELLIPSIS}"
MFA_FAILED = "?"
MFA_TIPS: dict[MfaRead | None, str] = {
    MfaRead.PENDING: "Reading the MFA setting\N{HORIZONTAL ELLIPSIS}",
    MfaRead.FAILED: "The MFA setting could not be read; refresh to try again",
    None: "No second factor: signs in with a password only",
}
TOTP_TIP = "Signs in with a code from an authenticator app (TOTP)"


def mfa_words(state: MfaState) -> str:
    """``None``, ``TOTP`` (or the factors on, in Cognito's order), ``…`` while not read,
    ``?`` when it could not be read. Factor names are the same in every language."""
    if state is MfaRead.PENDING:
        return MFA_PENDING
    if state is MfaRead.FAILED:
        return MFA_FAILED
    if not state.methods:
        return NO_MFA
    return ", ".join(FACTOR_WORDS.get(method, method) for method in state.methods)


def mfa_tip(state: MfaState) -> str | None:
    """A sentence on ``state`` for a tooltip (None when the words say it all)."""
    if isinstance(state, MfaRead):
        return MFA_TIPS[state]
    if not state.methods:
        return MFA_TIPS[None]
    return TOTP_TIP if state.totp else None


# -- what the lifecycle actions are offered for ---------------------------------------------


def sign_up_pending(user: admin.User) -> bool:
    """Signed up and not confirmed: the sign-up can be confirmed, a code sent again."""
    return user.status == UNCONFIRMED


def email_unverified(user: admin.UserDetail) -> bool:
    """Has an email address not marked as verified."""
    return bool(user.email) and user.attributes.get("email_verified", "").lower() != "true"


def has_totp(user: admin.UserDetail) -> bool:
    """An authenticator app (TOTP) is on: there is MFA to reset."""
    return user.mfa is not None and user.mfa.totp
