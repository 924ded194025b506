"""The account lifecycle Cognito runs for a user pool: sign-up and its confirmation code,
forgot password, and TOTP software-token MFA.

One room for these rules: the managed-login pages (``web.py``) and the cognito-idp API
(moto, patched in ``moto_gaps.py``) both call :class:`Accounts`, so a browser and a
boto3 client meet the same codes, lifetimes, attempt limits and messages. Errors are
moto's ``JsonRESTError`` with Cognito's exception names and wording; pages show
``exc.message``. Sources (each a row in docs/local-cognito.md's fidelity table):

- Signing up users / SignUp, ConfirmSignUp, ResendConfirmationCode, AdminConfirmSignUp:
  https://docs.aws.amazon.com/cognito/latest/developerguide/signing-up-users-in-your-app.html
  (confirmation codes are valid for 24 hours)
- Recovering user accounts / ForgotPassword, ConfirmForgotPassword:
  https://docs.aws.amazon.com/cognito/latest/developerguide/how-to-recover-a-user-account.html
  (the code is valid for one hour)
- Managing error responses (PreventUserExistenceErrors):
  https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pool-managing-errors.html
- TOTP software token MFA / AssociateSoftwareToken, VerifySoftwareToken,
  SetUserMFAPreference, AdminSetUserMFAPreference:
  https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-settings-mfa-totp.html
"""

from __future__ import annotations

import dataclasses
import enum
import hmac
import re
import secrets
import threading
from typing import Any, Protocol

from moto.cognitoidp import exceptions as moto_errors
from moto.cognitoidp import models as moto_models
from moto.core.exceptions import JsonRESTError

from local_cognito import outbox, settings, totp

SIGN_UP_CODE_LIFETIME_S = 24 * 3600
RESET_CODE_LIFETIME_S = 3600
# Cognito does not publish the number; five wrong codes end a code here (stand-in choice,
# in the fidelity table), after which only a new code helps.
MAX_CODE_ATTEMPTS = 5
MAX_USERNAME = 128
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# Cognito's wording, used by the API and the pages alike.
CODE_MISMATCH = "Invalid verification code provided, please try again."
CODE_EXPIRED = "Invalid code provided, please request a code again."
ATTEMPTS_EXCEEDED = "Attempt limit exceeded, please try after some time."
USER_EXISTS = "User already exists"
ALIAS_EXISTS = "An account with the given email already exists."
ALREADY_CONFIRMED = "User is already confirmed."
NO_RECOVERY = (
    "Cannot reset password for the user as there is no registered/verified email or phone_number"
)
RESET_NOT_ALLOWED = "User password cannot be reset in the current state."
USER_DISABLED = "User is disabled."
MFA_CODE_MISMATCH = "Invalid code received for user"
MFA_CODE_REUSED = "Your software token has already been used once."
TOTP_VERIFY_MISMATCH = "Code mismatch"
TOTP_NOT_VERIFIED = "User has not verified software token mfa"
# Cognito documents the rule ("You can't turn off TOTP MFA for any of your users when MFA
# is required in your user pool", SoftwareTokenMfaSettingsType), not its wording.
MFA_REQUIRED_BY_POOL = "TOTP MFA cannot be turned off while the user pool requires MFA"
SIGN_UP_DISABLED = "SignUp is not permitted for this user pool"
USERNAME_IS_EMAIL = (
    "Username cannot be of email format, since user pool is configured for email alias."
)


class MfaMode(enum.Enum):
    """The pool's ``MfaConfiguration``."""

    OFF = "OFF"
    OPTIONAL = "OPTIONAL"
    ON = "ON"


def error(kind: str, message: str) -> JsonRESTError:
    """A cognito-idp error as the API returns it (``__type`` and ``message``)."""
    return JsonRESTError(kind, message)


class Hooks(Protocol):
    """What :class:`Accounts` needs from the pool it serves (``pool.LocalPool``)."""

    backend: Any
    pool: Any
    outbox: outbox.Outbox
    now: settings.Clock
    settings: settings.PoolSettings

    def find_user(self, login: str) -> Any | None: ...


@dataclasses.dataclass
class _Code:
    value: str
    expires_at: float
    attempts: int = 0


@dataclasses.dataclass
class _Totp:
    secret: str | None = None  # verified: what sign-in codes are checked against
    pending: str | None = None  # associated, not yet verified
    last_step: int = -1  # the newest step accepted; older or equal steps are replays


class Accounts:
    """Sign-up, recovery and TOTP state for one stand-in pool (thread-safe)."""

    def __init__(self, hooks: Hooks) -> None:
        self._hooks = hooks
        self._lock = threading.RLock()
        self._codes: dict[tuple[str, str], _Code] = {}  # (purpose, username) -> code
        self._totp: dict[str, _Totp] = {}

    # -- pool settings ----------------------------------------------------------------

    @property
    def mfa(self) -> MfaMode:
        return MfaMode(self._hooks.pool.mfa_config)

    @property
    def self_sign_up(self) -> bool:
        admin_only = self._hooks.pool.extended_config.get("AdminCreateUserConfig", {}).get(
            "AllowAdminCreateUserOnly", False
        )
        return not admin_only

    def _user(self, username: str) -> Any | None:
        return self._hooks.pool._get_user(username)

    def find(self, login: str) -> Any | None:
        """A user by username or verified email alias, as sign-in and recovery find one."""
        return self._hooks.find_user(login)

    def delivery_of(self, user: Any) -> dict[str, str]:
        """``CodeDeliveryDetails`` for a code emailed to this user."""
        return _delivery(_masked(user.attribute_lookup.get("email", "")))

    # -- codes ------------------------------------------------------------------------

    def _new_code(self, purpose: str, username: str, lifetime_s: float) -> str:
        value = new_code()
        self._codes[(purpose, username)] = _Code(value, self._hooks.now() + lifetime_s)
        return value

    def _check_code(self, purpose: str, username: str, candidate: str) -> None:
        """Spend one attempt on a pending code; raise Cognito's error unless it matches."""
        pending = self._codes.get((purpose, username))
        if pending is None:
            raise moto_errors.CodeMismatchException(CODE_MISMATCH)
        if self._hooks.now() >= pending.expires_at:
            del self._codes[(purpose, username)]
            raise moto_errors.ExpiredCodeException(CODE_EXPIRED)
        if pending.attempts >= MAX_CODE_ATTEMPTS:
            raise error("LimitExceededException", ATTEMPTS_EXCEEDED)
        if not hmac.compare_digest(candidate.strip().encode(), pending.value.encode()):
            pending.attempts += 1
            raise moto_errors.CodeMismatchException(CODE_MISMATCH)
        del self._codes[(purpose, username)]

    def has_pending_code(self, purpose: str, username: str) -> bool:
        with self._lock:
            found = self._codes.get((purpose, username))
            return found is not None and self._hooks.now() < found.expires_at

    # -- sign-up ----------------------------------------------------------------------

    def sign_up(self, username: str, password: str, attributes: dict[str, str]) -> Any:
        """Create an UNCONFIRMED user and email a confirmation code (``SignUp``).

        Everything is checked before anything is created, so a refused sign-up leaves
        nothing behind that would block the next try.
        """
        hooks = self._hooks
        if not self.self_sign_up:
            raise moto_errors.NotAuthorizedError(SIGN_UP_DISABLED)
        if not _valid_username(username):
            raise moto_errors.InvalidParameterException(
                "1 validation error detected: Value at 'username' failed to satisfy "
                "constraint: Member must satisfy regular expression pattern: "
                "[\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+"
            )
        aliases = hooks.pool.extended_config.get("AliasAttributes") or []
        if "email" in aliases and EMAIL.match(username):
            # "If you select email address as an alias, Amazon Cognito doesn't accept a
            # user name that matches a valid email address format" (a username that is
            # someone's email would be found before that someone's alias).
            raise moto_errors.InvalidParameterException(USERNAME_IS_EMAIL)
        email = attributes.get("email", "").strip()
        if not email:
            raise moto_errors.InvalidParameterException(
                "Attributes did not conform to the schema: email: The attribute email is required"
            )
        if not EMAIL.match(email):
            raise moto_errors.InvalidParameterException("Invalid email address format.")
        for name in attributes:
            if name in ("email_verified", "phone_number_verified", "sub"):
                raise moto_errors.InvalidParameterException(
                    f"Cannot modify the non-mutable attribute {name}"
                    if name == "sub"
                    else f"A client attempted to write unauthorized attribute {name}"
                )
        with self._lock:
            if self._user(username) is not None:
                raise moto_errors.UsernameExistsException(USER_EXISTS)
            hooks.backend._validate_password(hooks.pool.id, password)
            user = moto_models.CognitoIdpUser(
                hooks.pool.id,
                username,
                password,
                moto_models.UserStatus.UNCONFIRMED,
                [{"Name": k, "Value": v} for k, v in {**attributes, "email": email}.items()],
            )
            hooks.pool.users[username] = user
            self._send_confirmation(user)
        return user

    def _send_confirmation(self, user: Any) -> None:
        code = self._new_code("sign_up", user.username, SIGN_UP_CODE_LIFETIME_S)
        self._send_code(user, "verification", code)

    def resend_confirmation_code(self, username: str) -> dict[str, str]:
        """``ResendConfirmationCode``: a new code; the old one stops working."""
        with self._lock:
            user = self._user(username)
            if user is None:
                return _delivery("e***@e***")  # PreventUserExistenceErrors
            if user.status != moto_models.UserStatus.UNCONFIRMED:
                raise moto_errors.InvalidParameterException(ALREADY_CONFIRMED)
            self._send_confirmation(user)
            return _delivery(_masked(user.attribute_lookup.get("email", "")))

    def confirm_sign_up(self, username: str, code: str, force_alias: bool = False) -> Any:
        """``ConfirmSignUp``: the emailed code makes the user CONFIRMED, email verified."""
        with self._lock:
            user = self._user(username)
            if user is None:
                raise moto_errors.CodeMismatchException(CODE_MISMATCH)
            if user.status != moto_models.UserStatus.UNCONFIRMED:
                raise moto_errors.NotAuthorizedError(
                    f"User cannot be confirmed. Current status is {user.status.value}"
                )
            self._check_code("sign_up", user.username, code)
            self._confirm(user, force_alias)
            return user

    def admin_confirm_sign_up(self, username: str) -> Any:
        """``AdminConfirmSignUp``: confirm without a code (email stays unverified)."""
        with self._lock:
            user = self._user(username)
            if user is None:
                raise moto_errors.UserNotFoundError("User does not exist.")
            if user.status != moto_models.UserStatus.UNCONFIRMED:
                raise moto_errors.NotAuthorizedError(
                    f"User cannot be confirmed. Current status is {user.status.value}"
                )
            self._codes.pop(("sign_up", user.username), None)
            user.status = moto_models.UserStatus.CONFIRMED
            return user

    def _confirm(self, user: Any, force_alias: bool) -> None:
        email = user.attribute_lookup.get("email", "")
        holder = self._hooks.find_user(email) if email else None
        if holder is not None and holder is not user:
            if not force_alias:
                # The code is spent; Cognito keeps the user UNCONFIRMED.
                raise moto_errors.AliasExistsException()
            holder.update_attributes([{"Name": "email_verified", "Value": "false"}])
        user.status = moto_models.UserStatus.CONFIRMED
        user.update_attributes([{"Name": "email_verified", "Value": "true"}])

    # -- forgot password --------------------------------------------------------------

    def forgot_password(self, login: str) -> dict[str, str]:
        """``ForgotPassword``: email a reset code; unknown users get the same answer."""
        with self._lock:
            user = self._hooks.find_user(login)
            if user is None:
                return _delivery("e***@e***")  # PreventUserExistenceErrors
            if user.status == moto_models.UserStatus.FORCE_CHANGE_PASSWORD:
                raise moto_errors.NotAuthorizedError(RESET_NOT_ALLOWED)
            if not user.enabled:
                raise moto_errors.NotAuthorizedError(USER_DISABLED)
            email = user.attribute_lookup.get("email", "")
            if not email or user.attribute_lookup.get("email_verified") != "true":
                raise moto_errors.InvalidParameterException(NO_RECOVERY)
            code = self._new_code("reset", user.username, RESET_CODE_LIFETIME_S)
            self._send_code(user, "password_reset", code)
            return _delivery(_masked(email))

    def ensure_reset_code(self, username: str) -> None:
        """Email a code to a RESET_REQUIRED user unless one is pending (managed login)."""
        with self._lock:
            user = self._user(username)
            if user is not None and not self.has_pending_code("reset", user.username):
                code = self._new_code("reset", user.username, RESET_CODE_LIFETIME_S)
                self._send_code(user, "password_reset", code)

    def start_reset(self, username: str) -> None:
        """``AdminResetUserPassword``: a fresh reset code, emailed."""
        with self._lock:
            user = self._user(username)
            if user is not None:
                code = self._new_code("reset", user.username, RESET_CODE_LIFETIME_S)
                self._send_code(user, "password_reset", code)

    def confirm_forgot_password(self, login: str, code: str, password: str) -> Any:
        """``ConfirmForgotPassword``: the code and a new password; CONFIRMED after."""
        with self._lock:
            user = self._hooks.find_user(login)
            if user is None:
                raise moto_errors.CodeMismatchException(CODE_MISMATCH)
            if not user.enabled:
                raise moto_errors.NotAuthorizedError(USER_DISABLED)
            # The policy first: a weak password must not spend the code.
            self._hooks.backend._validate_password(self._hooks.pool.id, password)
            self._check_code("reset", user.username, code)
            user.password = password
            user.status = moto_models.UserStatus.CONFIRMED
            return user

    def _send_code(self, user: Any, kind: str, code: str) -> None:
        email = user.attribute_lookup.get("email")
        if not email:
            return
        template = self._hooks.pool.extended_config.get("VerificationMessageTemplate") or {}
        subject = template.get("EmailSubject") or "Your verification code"
        body = (template.get("EmailMessage") or "Your verification code is {####}.").replace(
            "{####}", code
        )
        self._hooks.outbox.send(
            kind=kind, to=email, username=user.username, subject=subject, body=body, code=code
        )

    # -- TOTP MFA ---------------------------------------------------------------------

    def associate_software_token(self, username: str) -> str:
        """``AssociateSoftwareToken``: a new secret, pending until a code verifies it."""
        with self._lock:
            state = self._totp.setdefault(username, _Totp())
            state.pending = totp.new_secret()
            return state.pending

    def pending_secret(self, username: str) -> str | None:
        """The associated, not yet verified secret (the MFA setup page shows it)."""
        with self._lock:
            state = self._totp.get(username)
            return state.pending if state else None

    def verify_software_token(self, username: str, code: str) -> None:
        """``VerifySoftwareToken``: the first code from the authenticator; the secret
        becomes the user's (MFA is switched on by ``SetUserMFAPreference``)."""
        with self._lock:
            user = self._user(username)
            state = self._totp.get(username)
            if user is None or state is None or state.pending is None:
                raise error("EnableSoftwareTokenMFAException", TOTP_VERIFY_MISMATCH)
            step = totp.matching_step(state.pending, code, self._hooks.now())
            if step is None:
                raise error("EnableSoftwareTokenMFAException", TOTP_VERIFY_MISMATCH)
            state.secret, state.pending, state.last_step = state.pending, None, step
            user.token_verified = True

    def set_totp_preference(self, username: str, enabled: bool, preferred: bool) -> None:
        """``SetUserMFAPreference`` / ``AdminSetUserMFAPreference`` for TOTP.

        As Cognito documents: turning TOTP on needs a verified authenticator; turning it
        off is refused while the pool requires MFA, and does not forget the
        authenticator ("This operation doesn't reset an existing TOTP MFA for a user"):
        a new one is registered with ``AssociateSoftwareToken``.
        """
        with self._lock:
            user = self._user(username)
            if user is None:
                raise moto_errors.UserNotFoundError("User does not exist.")
            if enabled:
                if not self.has_totp(username):
                    raise moto_errors.InvalidParameterException(TOTP_NOT_VERIFIED)
                user.software_token_mfa_enabled = True
                if preferred:
                    user.preferred_mfa_setting = "SOFTWARE_TOKEN_MFA"
            else:
                if self.mfa is MfaMode.ON:
                    raise moto_errors.InvalidParameterException(MFA_REQUIRED_BY_POOL)
                user.software_token_mfa_enabled = False
            if not (enabled and preferred) and user.preferred_mfa_setting == "SOFTWARE_TOKEN_MFA":
                user.preferred_mfa_setting = ""

    def has_totp(self, username: str) -> bool:
        """Whether the user has a verified authenticator."""
        with self._lock:
            state = self._totp.get(username)
            return state is not None and state.secret is not None

    def totp_enabled(self, username: str) -> bool:
        """Whether sign-in asks this user for a TOTP code."""
        user = self._user(username)
        enabled = user is not None and user.software_token_mfa_enabled
        return bool(enabled and self.has_totp(username))

    def needs_mfa_setup(self, username: str) -> bool:
        """Whether sign-in must enrol an authenticator first (MFA required, none set)."""
        return self.mfa is MfaMode.ON and not self.totp_enabled(username)

    def check_mfa_code(self, username: str, code: str) -> None:
        """A sign-in's TOTP code: right, within +-1 step, and not used before."""
        with self._lock:
            state = self._totp.get(username)
            if state is None or state.secret is None:
                raise moto_errors.CodeMismatchException(MFA_CODE_MISMATCH)
            step = totp.matching_step(state.secret, code, self._hooks.now())
            if step is None:
                raise moto_errors.CodeMismatchException(MFA_CODE_MISMATCH)
            if step <= state.last_step:
                raise moto_errors.ExpiredCodeException(MFA_CODE_REUSED)
            state.last_step = step

    def enrol(self, username: str, secret: str) -> None:
        """Give a user a verified, enabled, preferred authenticator (demo seeding)."""
        with self._lock:
            user = self._user(username)
            if user is None:
                raise moto_errors.UserNotFoundError("User does not exist.")
            self._totp[username] = _Totp(secret=secret)
            user.token_verified = True
            user.software_token_mfa_enabled = True
            user.preferred_mfa_setting = "SOFTWARE_TOKEN_MFA"


def new_code() -> str:
    """A six-digit verification code, as Cognito emails."""
    return f"{secrets.randbelow(1_000_000):06d}"


def _valid_username(username: str) -> bool:
    """Cognito's username pattern ``[\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+``, 1-128 long:
    letters, marks, symbols, numbers and punctuation; no spaces or control characters."""
    return 0 < len(username) <= MAX_USERNAME and all(
        ch.isprintable() and not ch.isspace() for ch in username
    )


def _masked(email: str) -> str:
    """Cognito's ``CodeDeliveryDetails.Destination``: ``a***@e***``."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain[:1]}***"


def _delivery(destination: str) -> dict[str, str]:
    return {"Destination": destination, "DeliveryMedium": "EMAIL", "AttributeName": "email"}
