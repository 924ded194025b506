"""Two-step verification with an authenticator app (TOTP) for the signed-in user.

Cognito's software-token MFA, called with the user's own access token over Cognito's
user API (:func:`desktop_app.auth.cognito_idp.call`): ``GetUser`` says what is on
(``UserMFASettingList``, ``PreferredMfaSetting``), ``AssociateSoftwareToken`` hands out
a secret for the authenticator, ``VerifySoftwareToken`` checks a first code from it, and
``SetUserMFAPreference`` turns TOTP on (and preferred) or off. Every call needs the
``aws.cognito.signin.user.admin`` scope on the access token; without it nothing is sent.
https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-settings-mfa-totp.html

Qt-free: the Security panel (:mod:`desktop_app.ui.security_panel`) runs :class:`Mfa` on a
worker and ``cognito-desktop mfa`` runs it in the terminal. The secret is handed to the
caller to show, and is never logged or kept here.
"""

from __future__ import annotations

import dataclasses
import urllib.parse
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from desktop_app import APP_TITLE, errors
from desktop_app.auth import cognito_idp, session

if TYPE_CHECKING:
    import segno

TOTP = "SOFTWARE_TOKEN_MFA"  # Cognito's name for an authenticator app in MFA settings
DEVICE_NAME = APP_TITLE  # VerifySoftwareToken's FriendlyDeviceName
CODE_DIGITS = 6

# The sentence for each of Cognito's error codes (plain English: qt.messages translates
# it), and whether Cognito's own message is worth showing after it.
_REFUSALS: Mapping[str, tuple[str, bool]] = {
    "CodeMismatchException": (
        "That is not the code your authenticator app shows now. Check that the device's "
        "clock is right, then enter the current code.",
        False,
    ),
    "EnableSoftwareTokenMFAException": (
        "Cognito did not accept that code, so the authenticator app is not turned on. "
        "Enter the code it shows now (each code works once).",
        False,
    ),
    "ExpiredCodeException": (
        "That code has expired or was already used; enter the next code your "
        "authenticator app shows.",
        False,
    ),
    "NotAuthorizedException": (
        "Cognito did not allow this with your current sign-in; sign out, sign in again and retry",
        True,
    ),
    "InvalidParameterException": ("Cognito refused the change", True),
    "LimitExceededException": (
        "Too many attempts for now; wait a few minutes, then try again.",
        False,
    ),
    "TooManyRequestsException": (
        "Too many requests for now; wait a moment, then try again.",
        False,
    ),
    "SoftwareTokenMFANotFoundException": (
        "No authenticator app is set up for this account yet; set one up first.",
        False,
    ),
    "InvalidUserPoolConfigurationException": (
        "This user pool does not allow authenticator apps (TOTP MFA is off for the pool)",
        True,
    ),
}
_REFUSED = "Cognito refused the request"
_WRONG_CODE = frozenset({"CodeMismatchException", "EnableSoftwareTokenMFAException"})


MISSING_SCOPE = (
    f"Two-step verification settings need the '{session.ADMIN_SCOPE}' scope; add it to the "
    "profile's scopes (and the app client's allowed scopes), then sign in again"
)


class MfaError(errors.CognitoDesktopError):
    """An MFA step did not happen. ``reason`` is a fixed English sentence (what
    :func:`desktop_app.qt.messages.security_failure` translates), ``detail`` Cognito's
    own words when they say more (printable, shortened), ``code`` Cognito's error code.
    ``str()`` is the reason, then the detail."""

    def __init__(self, reason: str, detail: str | None = None, code: str | None = None) -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
        self.code = code


class WrongCodeError(MfaError):
    """The code was not accepted; the person may try the next one."""


class MissingScopeError(MfaError):
    """The profile does not ask for the scope these calls need, so none was sent."""


@dataclasses.dataclass(frozen=True)
class Status:
    """What ``GetUser`` says about the user's MFA: the methods turned on (Cognito's
    names, e.g. ``SOFTWARE_TOKEN_MFA``) and the preferred one."""

    username: str
    methods: tuple[str, ...]
    preferred: str | None

    @property
    def totp(self) -> bool:
        """Whether an authenticator app is turned on for this account."""
        return TOTP in self.methods


@dataclasses.dataclass(frozen=True)
class Enrolment:
    """A secret Cognito associated with the user, to put into an authenticator app:
    as text (:attr:`grouped_secret`) or as a QR code of :attr:`uri`. Not yet turned on:
    :meth:`Mfa.confirm` does that with a first code."""

    account: str
    issuer: str
    secret: str = dataclasses.field(repr=False)

    @property
    def uri(self) -> str:
        return otpauth_uri(self.secret, account=self.account, issuer=self.issuer)

    @property
    def grouped_secret(self) -> str:
        return group(self.secret)


def otpauth_uri(secret: str, *, account: str, issuer: str) -> str:
    """The ``otpauth://totp/ISSUER:ACCOUNT?secret=...&issuer=ISSUER`` URI authenticator
    apps read from a QR code (the Key Uri Format: SHA-1, 6 digits and 30 s are its
    defaults and Cognito's, so they are left out)."""
    label = urllib.parse.quote(f"{issuer}:{account}", safe=":@")
    query = urllib.parse.urlencode(
        {"secret": secret, "issuer": issuer}, quote_via=urllib.parse.quote
    )
    return f"otpauth://totp/{label}?{query}"


def group(secret: str, size: int = 4) -> str:
    """``secret`` in groups of ``size`` characters, for reading and typing it."""
    return " ".join(secret[i : i + size] for i in range(0, len(secret), size))


def qr_code(uri: str) -> segno.QRCode:
    """The QR code of ``uri``: a full QR code (authenticator apps do not read Micro QR),
    the highest error correction that fits its version (segno's ``boost_error``)."""
    import segno  # here: only enrolment pays for loading it

    return segno.make_qr(uri)


def qr_matrix(uri: str) -> tuple[tuple[bool, ...], ...]:
    """:func:`qr_code`'s modules, row by row, True for dark (no quiet zone)."""
    return tuple(tuple(bool(module) for module in row) for row in qr_code(uri).matrix)


def normalise_code(text: str) -> str:
    """The 6 digits of a code as typed (spaces and dashes dropped), or :class:`WrongCodeError`."""
    digits = "".join(ch for ch in text if ch not in " -\t\r\n")
    if len(digits) != CODE_DIGITS or not digits.isascii() or not digits.isdigit():
        raise WrongCodeError(f"Enter the {CODE_DIGITS}-digit code your authenticator app shows.")
    return digits


def issuer_for(profile_name: str) -> str:
    """The name an authenticator app lists the account under: the app and the
    environment, so a person with accounts in two pools can tell them apart."""
    return f"{APP_TITLE} ({profile_name})"


class Mfa:
    """TOTP MFA for ``current``'s user. Each method does network I/O (run it off the
    GUI thread) and raises :class:`MfaError` (Cognito refused, worded), :class:`MissingScopeError`
    (nothing sent), :class:`~desktop_app.auth.cognito_idp.Unreachable` (no answer) or
    :class:`~desktop_app.errors.NotSignedIn` (no usable session)."""

    def __init__(self, current: session.Session) -> None:
        self._session = current
        self._api = cognito_idp.endpoint(current.profile)

    @property
    def allowed(self) -> bool:
        """Whether the access token carries the scope these calls need."""
        return session.ADMIN_SCOPE in self._session.scopes

    def status(self) -> Status:
        """``GetUser``: which MFA methods are on for this account."""
        answer = self._call("GetUser", {})
        methods = answer.get("UserMFASettingList") or []
        preferred = answer.get("PreferredMfaSetting")
        username = answer.get("Username")
        return Status(
            username=username if isinstance(username, str) else "",
            methods=tuple(m for m in methods if isinstance(m, str)),
            preferred=preferred if isinstance(preferred, str) and preferred else None,
        )

    def begin(self) -> Enrolment:
        """``AssociateSoftwareToken``: a new secret for the authenticator app. Nothing
        changes for sign-in until :meth:`confirm` succeeds."""
        identity = self._session.identity
        if identity is None:
            raise errors.NotSignedIn("not signed in")
        answer = self._call("AssociateSoftwareToken", {})
        secret = answer.get("SecretCode")
        if not isinstance(secret, str) or not secret:
            raise MfaError("Cognito did not hand out a secret for the authenticator app.")
        return Enrolment(
            account=identity.username,
            issuer=issuer_for(self._session.profile.name),
            secret=secret,
        )

    def confirm(self, code: str, device_name: str = DEVICE_NAME) -> None:
        """``VerifySoftwareToken`` with the first ``code`` from the authenticator, then
        ``SetUserMFAPreference``: TOTP on and preferred, so sign-in asks for a code."""
        answer = self._call(
            "VerifySoftwareToken",
            {"UserCode": normalise_code(code), "FriendlyDeviceName": device_name},
        )
        if answer.get("Status", "SUCCESS") != "SUCCESS":
            reason, _ = _REFUSALS["EnableSoftwareTokenMFAException"]
            raise WrongCodeError(reason)
        self._call(
            "SetUserMFAPreference",
            {"SoftwareTokenMfaSettings": {"Enabled": True, "PreferredMfa": True}},
        )

    def turn_off(self) -> None:
        """``SetUserMFAPreference`` with TOTP off (a pool that requires MFA refuses)."""
        self._call(
            "SetUserMFAPreference",
            {"SoftwareTokenMfaSettings": {"Enabled": False, "PreferredMfa": False}},
        )

    def _call(self, operation: str, body: dict[str, Any]) -> dict[str, Any]:
        if not self.allowed:
            raise MissingScopeError(MISSING_SCOPE)
        token = self._session.access_token()
        try:
            return cognito_idp.call(
                self._session.http, self._api, operation, {"AccessToken": token, **body}
            )
        except cognito_idp.Refused as exc:
            raise refusal(exc) from None


def refusal(exc: cognito_idp.Refused) -> MfaError:
    """The :class:`MfaError` for a refused call: the sentence for Cognito's error code,
    with Cognito's own message where it says more (why a pool will not allow a change)."""
    reason, with_detail = _REFUSALS.get(exc.code or "", (_REFUSED, True))
    if exc.code not in _REFUSALS:
        reason = f"{_REFUSED} ({exc.code or f'HTTP {exc.status}'})"
    kind = WrongCodeError if exc.code in _WRONG_CODE else MfaError
    return kind(reason, exc.message if with_detail else None, exc.code)
