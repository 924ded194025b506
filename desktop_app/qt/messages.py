"""The one room for what a person reads when something fails.

Every failure the GUI shows is worded here: which kind of failure an exception is
(:func:`failure_kind`, :func:`is_forbidden`, :func:`is_gone`) and the sentence for it
(sign-in, session, admin calls, data loading, anything else). Widgets call these
functions; they never word an exception themselves. QtCore's ``translate`` only, so
the sentences can be translated; no widget here.

The CLI does not come here: it prints ``str(exc)``, the secret-free line every
:class:`~desktop_app.errors.CognitoDesktopError` carries (:mod:`desktop_app.errors`).
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from PySide6 import QtCore

from desktop_app import errors

if TYPE_CHECKING:  # at run time only ui/admin needs them, long after start-up
    from desktop_app.admin import actions, attributes

_translate = QtCore.QCoreApplication.translate


class FailureKind(enum.Enum):
    """Why a sign-in (or restore) did not complete; :func:`sign_in_failure` words each."""

    CANCELLED = "cancelled"
    TIMEOUT = "timeout"
    DENIED = "denied"
    NETWORK = "network"
    NO_PORT = "no_port"
    ERROR = "error"


def failure_kind(exc: BaseException) -> FailureKind:
    if isinstance(exc, errors.SignInCancelled):
        return FailureKind.CANCELLED
    if isinstance(exc, errors.SignInTimeout):
        return FailureKind.TIMEOUT
    if isinstance(exc, errors.AuthorizationDenied):
        return FailureKind.DENIED
    if isinstance(exc, errors.NoFreePort):
        return FailureKind.NO_PORT
    if isinstance(exc, errors.NetworkError | errors.DiscoveryError):
        return FailureKind.NETWORK
    return FailureKind.ERROR


def is_forbidden(exc: BaseException) -> bool:
    """A 403: the API no longer takes this account as an admin (retrying will not help)."""
    return isinstance(exc, errors.ApiError) and exc.status == 403


def is_gone(exc: BaseException) -> bool:
    """A 404: the user or group is no longer there."""
    return isinstance(exc, errors.ApiError) and exc.status == 404


def describe(exc: BaseException) -> str:
    """One plain line for the user; our errors carry secret-free messages, anything
    else is named by type only (its text could hold a value)."""
    if isinstance(exc, errors.CognitoDesktopError):
        text = str(exc)
        return text[:1].upper() + text[1:] if text else type(exc).__name__
    return f"Unexpected error ({type(exc).__name__}); see the log for details."


# -- sign-in and the session ---------------------------------------------------------------

SESSION_ENDED = "Your session ended \N{EM DASH} please sign in again."
# The full export and import between pools (ui/admin/migration_*): the folder's files.
MIGRATION_FILES_NOT_WRITTEN = "The files could not be written there."
MIGRATION_FILES_NOT_READ = "The files in that folder could not be read."


def migration_files(*, writing: bool) -> str:
    """An export folder that cannot be written, or an import folder that cannot be read."""
    text = MIGRATION_FILES_NOT_WRITTEN if writing else MIGRATION_FILES_NOT_READ
    return _translate("Messages", text)


def session_ended() -> str:
    return _translate("Messages", SESSION_ENDED)


def session_not_stored(exc: BaseException) -> str:
    """A sign-in shown at once whose keyring write, finishing behind it, failed."""
    return _translate(
        "Messages",
        "Signed in, but this session could not be saved, so you will need to sign in "
        "again after the app quits. {reason}",
    ).format(reason=describe(exc))


def signed_out(problems: list[str], *, ending_browser_session: bool) -> str:
    """What the sign-in screen says after Sign out: done, the steps that failed, and
    whether the browser's own session is being ended."""
    lines = [_translate("SignIn", "You are signed out."), *problems]
    if ending_browser_session:
        lines.append(
            _translate(
                "SignIn",
                "Ending the browser's sign-in session too (a browser tab opens)"
                "\N{HORIZONTAL ELLIPSIS}",
            )
        )
    return "\n".join(lines)


def browser_signed_out(problem: str) -> str:
    """After the browser's sign-out: done, or why it may still be signed in."""
    if not problem:
        return _translate("SignIn", "You are signed out, in the app and in the browser.")
    return _translate("SignIn", "You are signed out of the app. {0}").format(
        problem[:1].upper() + problem[1:] + "."
    )


def sign_in_failure(kind: FailureKind, message: str) -> str:
    """Plain words for each way a sign-in can fail (``message``: :func:`describe`)."""
    words = {
        FailureKind.CANCELLED: _translate("SignIn", "Sign-in was cancelled."),
        FailureKind.TIMEOUT: _translate(
            "SignIn",
            "Sign-in timed out: the browser did not come back in time. Try again.",
        ),
        # The error says it already ("Sign-in was refused: access_denied (...)").
        FailureKind.DENIED: message,
        FailureKind.NETWORK: _translate(
            "SignIn",
            "Could not reach the sign-in service. Check your connection and try again. ({0})",
        ).format(message),
    }
    return words.get(kind, message)


def environment_unusable(exc: BaseException) -> str:
    return _translate("Messages", "This environment cannot be used: {0}").format(describe(exc))


# -- the protected API ----------------------------------------------------------------------


def data_failure(exc: BaseException) -> str:
    """Why the Data panel's items did not load, with the error's own line below."""
    if is_forbidden(exc):
        return _translate("DataPanel", "You don't have access to this data.")
    if isinstance(exc, errors.NetworkError):
        headline = _translate(
            "DataPanel", "Can't reach the server. Check your connection, then retry."
        )
    elif isinstance(exc, errors.ApiError):
        headline = _translate(
            "DataPanel", "The server could not send the items (error {status})."
        ).format(status=exc.status)
    else:
        headline = _translate("DataPanel", "Something went wrong while loading the items.")
    return f"{headline}\n{describe(exc)}"


def admin_text(text: str | None, **fields: object) -> str:
    """A sentence of :mod:`desktop_app.admin` (plain English there: a label, what an
    action did, why a guard refused it) translated, then filled in with ``fields``.
    None (no reason to give) is the empty string, for a tooltip."""
    if text is None:
        return ""
    return _translate("Admin", text).format(**fields)


def action_done(step: actions.Step) -> str:
    """The sentence saying ``step`` succeeded ("alice is disabled.")."""
    return admin_text(step.action.words.done, **step.fields)


def admin_failure(exc: BaseException) -> str:
    """What an admin should read for a failed admin call (no stack, no secrets)."""
    if isinstance(exc, errors.ActionRefused):
        return admin_text(exc.reason)
    if isinstance(exc, ValueError):
        return str(exc)  # our own input checks: worded where they are raised
    if isinstance(exc, errors.NetworkError):
        return _translate(
            "Admin", "The API could not be reached. Check the connection and try again."
        )
    if not isinstance(exc, errors.ApiError):
        if isinstance(exc, errors.CognitoDesktopError):
            return str(exc)
        return _translate("Admin", "Unexpected error ({name}).").format(name=type(exc).__name__)
    code, status = exc.code, exc.status
    if status == 403:
        # The API asked Cognito before a change: say what it found, not only "no".
        revoked = {
            "admin_removed": _translate(
                "Admin", "Your admin rights were removed: you are no longer in the admin group."
            ),
            "account_disabled": _translate("Admin", "Your account is disabled."),
            "account_deleted": _translate("Admin", "Your account no longer exists."),
            "signed_out": _translate(
                "Admin", "Your session was ended (signed out everywhere); sign in again."
            ),
            "mfa_required": _translate(
                "Admin",
                "Admin actions need two-step verification on your account: turn it on in "
                "Profile > Security, then try again.",
            ),
        }
        return revoked.get(
            code or "",
            _translate("Admin", "You are not allowed to do this (admin group required)."),
        )
    if code == "self_lockout":
        return exc.message[:1].upper() + exc.message[1:] + "."
    if code == "last_admin":
        return _translate(
            "Admin",
            "Not done: this would leave the pool without an enabled admin. "
            "Make another user an admin first.",
        )
    if status == 404:
        return _translate("Admin", "That user (or group) no longer exists; the list was refreshed.")
    if code == "already_exists" or (status == 409 and code == "conflict"):
        return _translate("Admin", "A user with that name or email already exists.")
    if code == "invalid_state":
        return _translate("Admin", "Not possible in the user's current state: {0}.").format(
            exc.message
        )
    if status == 429:
        return _translate("Admin", "Cognito is throttling requests; wait a moment and retry.")
    if status == 400:
        return _translate("Admin", "The request was refused: {0}.").format(exc.message)
    if status >= 500:
        return _translate("Admin", "The user directory failed to answer; try again later.")
    return _translate("Admin", "The API refused the request ({status}): {message}.").format(
        status=status, message=exc.message
    )


def list_not_loaded(exc: BaseException, loaded: str | None) -> str:
    """What a paged admin list (users, a group's members) says in place of its count
    after a page failed: "Offline" when the API could not be reached, else "Not
    loaded"; ``loaded`` is what it holds ("3 users"), None when nothing. Never "more
    available": more may exist, but none could be fetched."""
    offline = failure_kind(exc) is FailureKind.NETWORK
    state = _translate("Admin", "Offline") if offline else _translate("Admin", "Not loaded")
    if loaded is None:
        return _translate("Admin", "{state} \N{EM DASH} the list could not be loaded.").format(
            state=state
        )
    partly = _translate("Admin", "{state} \N{EM DASH} {loaded} loaded, the rest could not be.")
    return partly.format(state=state, loaded=loaded)


def group_failure(exc: BaseException) -> str:
    """What an admin should read for a failed change to a group itself (create, edit,
    delete); anything not about the group is worded as :func:`admin_failure` does."""
    if isinstance(exc, errors.ApiError):
        if exc.code == "already_exists" or (exc.status == 409 and exc.code == "conflict"):
            return _translate("Admin", "A group with that name already exists.")
        if exc.code == "admin_group":
            return _translate(
                "Admin", "The admin group cannot be deleted: it is what makes an account an admin."
            )
        if exc.status == 404:
            return _translate("Admin", "That group no longer exists; the list was refreshed.")
    return admin_failure(exc)


def attribute_problem(invalid: attributes.Invalid) -> str:
    """What is wrong with a value typed for an attribute (shown under its field), as
    :func:`desktop_app.admin.attributes.check` found it."""
    limit = f"{invalid.limit:,}" if invalid.limit is not None else ""
    words = {
        "required": _translate("Admin", "Required by the pool: it cannot be empty."),
        "too_short": _translate("Admin", "Too short: at least {limit} characters."),
        "too_long": _translate("Admin", "Too long: at most {limit} characters."),
        "not_a_number": _translate("Admin", "Enter a whole number, such as 42."),
        "too_small": _translate("Admin", "Too small: at least {limit}."),
        "too_large": _translate("Admin", "Too large: at most {limit}."),
        "not_true_or_false": _translate("Admin", "Enter true or false."),
        "not_a_date_time": _translate(
            "Admin", "Enter a date and time such as 2026-05-01T09:30:00Z."
        ),
        "not_an_email": _translate("Admin", "Enter a valid email address."),
        "not_a_phone_number": _translate(
            "Admin", "Enter the number with its country code, such as +442071234567."
        ),
        "not_a_birthdate": _translate(
            "Admin", "Enter a date as YYYY-MM-DD, such as 1990-04-30 (0000 for no year)."
        ),
    }
    text = words.get(invalid.problem.value, _translate("Admin", "Not a valid value."))
    return text.format(limit=limit)


# -- Profile > Security (MFA) ---------------------------------------------------------------


def security_failure(exc: BaseException) -> str:
    """What the Security panel says when an MFA step failed: the sentence for Cognito's
    refusal (:class:`desktop_app.auth.mfa.MfaError`, translated), then Cognito's own words
    when they say more (e.g. why the pool will not allow turning MFA off)."""
    reason = getattr(exc, "reason", None)
    if isinstance(exc, errors.CognitoDesktopError) and isinstance(reason, str):
        text = _translate("Security", reason)
        detail = getattr(exc, "detail", None)
        if isinstance(detail, str) and detail:
            text = f"{text}: {detail}"
        return text if text.endswith((".", "!", "?")) else text + "."
    if isinstance(exc, errors.NetworkError):
        return _translate(
            "Security",
            "Could not reach Cognito. Check your connection and try again. ({0})",
        ).format(describe(exc))
    return describe(exc)
