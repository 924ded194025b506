"""The account lifecycle Cognito runs for a user pool: sign-up and its confirmation code,
forgot password, TOTP software-token MFA, and the password sign-in itself (which app
client flows are on, the answer to a password, the temporary lockout).

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
- Password sign-in (AdminInitiateAuth, InitiateAuth; ExplicitAuthFlows,
  PreventUserExistenceErrors, RefreshTokenRotation):
  https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminInitiateAuth.html
  https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateUserPoolClient.html
  https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-refresh-token.html
- Lockout behavior for failed sign-in attempts:
  https://docs.aws.amazon.com/cognito/latest/developerguide/authentication.html#authentication-flow-lockout-behavior
"""

from __future__ import annotations

import base64
import dataclasses
import enum
import hashlib
import hmac
import re
import secrets
import threading
from collections.abc import Iterable
from typing import Any, Protocol

from moto.cognitoidp import exceptions as moto_errors
from moto.cognitoidp import models as moto_models
from moto.core.exceptions import JsonRESTError

from local_cognito import lambda_triggers, outbox, settings, totp

SIGN_UP_CODE_LIFETIME_S = 24 * 3600
RESET_CODE_LIFETIME_S = 3600
# Cognito does not publish the number; five wrong codes end a code here (stand-in choice,
# in the fidelity table), after which only a new code helps.
MAX_CODE_ATTEMPTS = 5
MAX_USERNAME = 128
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Lockout after failed password sign-ins (Cognito's "Lockout behavior for failed sign-in
# attempts"): after 5 failures, 2^(n-5) seconds for the n-th, at most about 15 minutes;
# 15 quiet minutes after a lockout, or a right password once it is over, start again.
LOCKOUT_FREE_FAILURES = 5
LOCKOUT_MAX_S = 15 * 60
LOCKOUT_QUIET_RESET_S = 15 * 60
_LOCKOUT_PRUNE_AT = 10_000  # entries; beyond this, ones quiet for 15 minutes are dropped

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
# Password sign-in (managed login and the API alike).
BAD_CREDENTIALS = "Incorrect username or password."
USER_NOT_FOUND = "User does not exist."
USER_NOT_CONFIRMED = "User is not confirmed."
PASSWORD_RESET_REQUIRED = "Password reset required for the user"
PASSWORD_ATTEMPTS_EXCEEDED = "Password attempts exceeded"
AUTH_FLOW_NOT_ENABLED = "Auth flow not enabled for this client"
# Cognito documents the rule (REFRESH_TOKEN_AUTH is refused on a client with refresh-token
# rotation, RefreshTokenRotationType), not its wording; this is the stand-in's.
REFRESH_NEEDS_ROTATION_API = (
    "Refresh token rotation is enabled for this client: refresh with GetTokensFromRefreshToken"
)
USERNAME_IS_EMAIL = (
    "Username cannot be of email format, since user pool is configured for email alias."
)


_RESET_REQUIRED = moto_models.UserStatus.RESET_REQUIRED
_UNCONFIRMED = moto_models.UserStatus.UNCONFIRMED


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
    triggers: lambda_triggers.Triggers

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


@dataclasses.dataclass
class _Failures:
    """Failed password sign-ins of one username since the counter last started again."""

    count: int = 0
    locked_until: float = 0.0
    last_attempt: float = 0.0


class Accounts:
    """Sign-up, recovery, TOTP and password-lockout state for one stand-in pool (thread-safe)."""

    def __init__(self, hooks: Hooks) -> None:
        self._hooks = hooks
        self._lock = threading.RLock()
        self._codes: dict[tuple[str, str], _Code] = {}  # (purpose, username) -> code
        self._totp: dict[str, _Totp] = {}
        self._failures: dict[tuple[str, str], _Failures] = {}  # (kind, name) -> failures

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

    def sign_up(
        self,
        username: str,
        password: str,
        attributes: dict[str, str],
        *,
        client_id: str | None = None,
        validation_data: dict[str, str] | None = None,
    ) -> Any:
        """Create an UNCONFIRMED user and email a confirmation code (``SignUp``).

        Everything is checked before anything is created, so a refused sign-up leaves
        nothing behind that would block the next try; the pre sign-up trigger runs last
        (after the checks, before the user exists) and may refuse it or confirm it.
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
        client = hooks.pool.clients.get(client_id) if client_id else None
        if client is not None:
            check_write_attributes(client, attributes)
        attributes = {**attributes, "email": email}
        with self._lock:
            if self._user(username) is not None:
                raise moto_errors.UsernameExistsException(USER_EXISTS)
            hooks.backend._validate_password(hooks.pool.id, password)
        # Outside the lock: a trigger may take seconds (and call the pool back).
        confirm, verify = lambda_triggers.pre_sign_up(
            hooks.triggers,
            "PreSignUp_SignUp",
            username,
            attributes,
            client_id=client_id,
            validation_data=validation_data,
        )
        with self._lock:
            if self._user(username) is not None:  # signed up meanwhile
                raise moto_errors.UsernameExistsException(USER_EXISTS)
            status = moto_models.UserStatus.CONFIRMED if confirm else _UNCONFIRMED
            user = moto_models.CognitoIdpUser(
                hooks.pool.id,
                username,
                password,
                status,
                [{"Name": k, "Value": v} for k, v in attributes.items()],
            )
            if verify:
                user.update_attributes([{"Name": "email_verified", "Value": "true"}])
            hooks.pool.users[username] = user
        if not confirm:
            self._send_confirmation(user, "CustomMessage_SignUp", client_id)
        return user

    def _send_confirmation(self, user: Any, source: str, client_id: str | None = None) -> None:
        self._email_code(
            user, "sign_up", SIGN_UP_CODE_LIFETIME_S, "verification", source, client_id
        )

    def resend_confirmation_code(
        self, username: str, *, client_id: str | None = None
    ) -> dict[str, str]:
        """``ResendConfirmationCode``: a new code; the old one stops working."""
        with self._lock:
            user = self._user(username)
            if user is None:
                return _delivery("e***@e***")  # PreventUserExistenceErrors
            if user.status != moto_models.UserStatus.UNCONFIRMED:
                raise moto_errors.InvalidParameterException(ALREADY_CONFIRMED)
        self._send_confirmation(user, "CustomMessage_ResendCode", client_id)
        return _delivery(_masked(user.attribute_lookup.get("email", "")))

    def confirm_sign_up(
        self,
        username: str,
        code: str,
        force_alias: bool = False,
        *,
        client_id: str | None = None,
    ) -> Any:
        """``ConfirmSignUp``: the emailed code makes the user CONFIRMED, email verified;
        then the post confirmation trigger runs (its failure does not undo that)."""
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
        lambda_triggers.post_confirmation(
            self._hooks.triggers, "PostConfirmation_ConfirmSignUp", user, client_id=client_id
        )
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
        lambda_triggers.post_confirmation(
            self._hooks.triggers, "PostConfirmation_ConfirmSignUp", user
        )
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

    def forgot_password(self, login: str, *, client_id: str | None = None) -> dict[str, str]:
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
        self._send_reset_code(user, client_id)
        return _delivery(_masked(email))

    def _send_reset_code(self, user: Any, client_id: str | None = None) -> None:
        self._email_code(
            user,
            "reset",
            RESET_CODE_LIFETIME_S,
            "password_reset",
            "CustomMessage_ForgotPassword",
            client_id,
        )

    def ensure_reset_code(self, username: str) -> None:
        """Email a code to a RESET_REQUIRED user unless one is pending (managed login)."""
        with self._lock:
            user = self._user(username)
            if user is None or self.has_pending_code("reset", user.username):
                return
        self._send_reset_code(user)

    def start_reset(self, username: str) -> None:
        """``AdminResetUserPassword``: a fresh reset code, emailed."""
        user = self._user(username)
        if user is not None:
            self._send_reset_code(user)

    def confirm_forgot_password(
        self, login: str, code: str, password: str, *, client_id: str | None = None
    ) -> Any:
        """``ConfirmForgotPassword``: the code and a new password; CONFIRMED after, then
        the post confirmation trigger (``PostConfirmation_ConfirmForgotPassword``)."""
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
        lambda_triggers.post_confirmation(
            self._hooks.triggers,
            "PostConfirmation_ConfirmForgotPassword",
            user,
            client_id=client_id,
        )
        return user

    def _email_code(
        self,
        user: Any,
        purpose: str,
        lifetime_s: float,
        kind: str,
        source: str,
        client_id: str | None = None,
    ) -> None:
        """A new ``purpose`` code for ``user`` (the old one stops working), emailed in
        the custom message trigger's words if it is on (``source``: its
        ``CustomMessage_*``), else the pool's verification template. The trigger runs
        outside the lock: it may take seconds and call the pool back."""
        email = user.attribute_lookup.get("email")
        if not email:
            return
        template = self._hooks.pool.extended_config.get("VerificationMessageTemplate") or {}
        subject = template.get("EmailSubject") or "Your verification code"
        body = template.get("EmailMessage") or "Your verification code is {####}."
        custom = lambda_triggers.custom_message(
            self._hooks.triggers, source, user, client_id=client_id
        )
        if custom is not None:
            subject, body = custom[0] or subject, custom[1]
        with self._lock:
            code = self._new_code(purpose, user.username, lifetime_s)
            self._hooks.outbox.send(
                kind=kind,
                to=email,
                username=user.username,
                subject=subject,
                body=body.replace(lambda_triggers.CODE_PARAMETER, code),
                code=code,
            )

    # -- password sign-in -------------------------------------------------------------

    def password_sign_in(
        self, login: str, password: str, *, aliases: bool = True, hide_unknown: bool = True
    ) -> Any:
        """One sign-in with a password, answered as Cognito answers it in every flow that
        takes one (managed login, ``ADMIN_USER_PASSWORD_AUTH``, ``USER_PASSWORD_AUTH``).

        Returns the user when the password is right and the account may go on (the
        caller then asks for a new password, the sign-up code or MFA, as its status and
        settings say). Raises, in this order:

        - ``UserNotFoundException`` for an unknown user, unless ``hide_unknown``
          (the client's ``PreventUserExistenceErrors``; managed login always hides);
        - ``NotAuthorizedException`` "Password attempts exceeded" while locked out
          (whatever the password; the attempt does not lengthen the lockout);
        - ``PasswordResetRequiredException`` for an enabled ``RESET_REQUIRED`` user,
          whatever the password;
        - ``NotAuthorizedException`` "Incorrect username or password." for a wrong
          password or a hidden unknown user: a failure, counted for the lockout;
        - ``NotAuthorizedException`` "User is disabled." (only after the right password).

        ``aliases``: whether ``login`` may be a verified email (managed login) or only
        the username (the API, as moto looks users up). Failures of unknown names are
        counted too, so the lockout does not tell which users exist.
        """
        with self._lock:
            now = self._hooks.now()
            user = self.find(login) if aliases else self._user(login)
            if user is None and not hide_unknown:
                raise moto_errors.UserNotFoundError(USER_NOT_FOUND)
            key = ("user", str(user.username)) if user is not None else ("unknown", login)
            if self._locked_out(key, now):
                raise moto_errors.NotAuthorizedError(PASSWORD_ATTEMPTS_EXCEEDED)
            if user is not None and user.enabled and user.status == _RESET_REQUIRED:
                raise error("PasswordResetRequiredException", PASSWORD_RESET_REQUIRED)
            if (
                user is None
                or user.password is None
                or not hmac.compare_digest(password.encode(), str(user.password).encode())
            ):
                self._failed(key, now)
                raise moto_errors.NotAuthorizedError(BAD_CREDENTIALS)
            if not user.enabled:
                raise moto_errors.NotAuthorizedError(USER_DISABLED)
            self._failures.pop(key, None)  # a right password starts the count again
            return user

    def _locked_out(self, key: tuple[str, str], now: float) -> bool:
        state = self._failures.get(key)
        if state is None:
            return False
        if (
            state.count >= LOCKOUT_FREE_FAILURES
            and now - state.last_attempt >= LOCKOUT_QUIET_RESET_S
        ):
            del self._failures[key]  # 15 quiet minutes after a lockout: a fresh start
            return False
        state.last_attempt = now
        return now < state.locked_until

    def _failed(self, key: tuple[str, str], now: float) -> None:
        if len(self._failures) >= _LOCKOUT_PRUNE_AT:
            for stale in [
                k for k, v in self._failures.items() if now - v.last_attempt >= LOCKOUT_MAX_S
            ]:
                del self._failures[stale]
        state = self._failures.setdefault(key, _Failures())
        state.count += 1
        state.last_attempt = now
        state.locked_until = now + lockout_seconds(state.count)

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

    # -- what survives a restart (state.py) ------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """Pending emailed codes and each user's TOTP (secret, pending secret, last step
        used), as plain data. Lockout counters are not kept."""
        with self._lock:
            return {
                "codes": [
                    {"purpose": purpose, "username": username, **dataclasses.asdict(code)}
                    for (purpose, username), code in self._codes.items()
                ],
                "totp": {name: dataclasses.asdict(state) for name, state in self._totp.items()},
            }

    def restore(self, saved: dict[str, Any]) -> None:
        """Put back what :meth:`snapshot` gave."""
        with self._lock:
            for code in saved.get("codes", []):
                self._codes[(str(code["purpose"]), str(code["username"]))] = _Code(
                    str(code["value"]), float(code["expires_at"]), int(code["attempts"])
                )
            for name, state in saved.get("totp", {}).items():
                self._totp[str(name)] = _Totp(
                    state.get("secret"), state.get("pending"), int(state.get("last_step", -1))
                )

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


def lockout_seconds(failures: int) -> float:
    """How long ``failures`` failed password sign-ins lock a user out: none for the first
    four, then 2^(n-5) seconds for the n-th (1, 2, 4, ...), at most 15 minutes."""
    if failures < LOCKOUT_FREE_FAILURES:
        return 0.0
    return float(min(2 ** min(failures - LOCKOUT_FREE_FAILURES, 20), LOCKOUT_MAX_S))


# -- the app client's sign-in flows ------------------------------------------------------
#
# CreateUserPoolClient's ExplicitAuthFlows: each AuthFlow needs one of these values on the
# client (the ALLOW_ names, or the legacy ones they replaced). A client created without
# the list gets Cognito's default; an empty list allows none.

PASSWORD_FLOWS = frozenset({"ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH", "USER_PASSWORD_AUTH"})
REFRESH_FLOWS = frozenset({"REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"})
DEFAULT_EXPLICIT_AUTH_FLOWS = (
    "ALLOW_REFRESH_TOKEN_AUTH",
    "ALLOW_USER_SRP_AUTH",
    "ALLOW_CUSTOM_AUTH",
)
_FLOW_NEEDS = {
    "ADMIN_USER_PASSWORD_AUTH": ("ALLOW_ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"),
    "ADMIN_NO_SRP_AUTH": ("ALLOW_ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"),
    "USER_PASSWORD_AUTH": ("ALLOW_USER_PASSWORD_AUTH", "USER_PASSWORD_AUTH"),
    "USER_SRP_AUTH": ("ALLOW_USER_SRP_AUTH",),
    "CUSTOM_AUTH": ("ALLOW_CUSTOM_AUTH", "CUSTOM_AUTH_FLOW_ONLY"),
    "REFRESH_TOKEN_AUTH": ("ALLOW_REFRESH_TOKEN_AUTH",),
    "REFRESH_TOKEN": ("ALLOW_REFRESH_TOKEN_AUTH",),
}


def explicit_auth_flows(client: Any) -> frozenset[str]:
    """The ``ExplicitAuthFlows`` in force on a moto app client."""
    given = client.extended_config.get("ExplicitAuthFlows")
    flows = list(DEFAULT_EXPLICIT_AUTH_FLOWS if given is None else given)
    if flows and not any(f.startswith("ALLOW_") for f in flows):
        # Only legacy names: SRP and refresh were always on before the ALLOW_ names.
        flows += ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    return frozenset(flows)


def rotates_refresh_tokens(client: Any) -> bool:
    """Whether the client's ``RefreshTokenRotation`` is on."""
    rotation = client.extended_config.get("RefreshTokenRotation") or {}
    return bool(rotation.get("Feature") == "ENABLED")


def check_auth_flow(client: Any, auth_flow: str) -> None:
    """Whether ``client`` may start ``auth_flow``: ``InvalidParameterException`` "Auth flow
    not enabled for this client" unless its ``ExplicitAuthFlows`` allow it;
    ``NotAuthorizedException`` for ``REFRESH_TOKEN_AUTH`` on a client that rotates
    refresh tokens ("You can't authenticate with REFRESH_TOKEN_AUTH in app clients with
    refresh token rotation enabled"). An AuthFlow not listed here is left to moto."""
    needs = _FLOW_NEEDS.get(auth_flow)
    if needs is None:
        return
    if not explicit_auth_flows(client) & set(needs):
        raise moto_errors.InvalidParameterException(AUTH_FLOW_NOT_ENABLED)
    if auth_flow in REFRESH_FLOWS and rotates_refresh_tokens(client):
        raise moto_errors.NotAuthorizedError(REFRESH_NEEDS_ROTATION_API)


def hides_unknown_users(client: Any) -> bool:
    """The client's ``PreventUserExistenceErrors`` is ``ENABLED`` (Cognito's API default,
    when the value is not given, is ``LEGACY``)."""
    return bool(client.extended_config.get("PreventUserExistenceErrors") == "ENABLED")


def check_write_attributes(client: Any, names: Iterable[str]) -> None:
    """A client writes only the attributes in its ``WriteAttributes`` (every one when the
    list is unset), in ``SignUp`` and ``UpdateUserAttributes`` alike: the template keeps
    the triggers' ``custom:plan`` and ``custom:last_sign_in`` out of people's reach."""
    allowed = client.extended_config.get("WriteAttributes")
    if allowed is None:
        return
    for name in names:
        if name not in allowed:
            raise moto_errors.NotAuthorizedError(
                f"A client attempted to write unauthorized attribute {name}"
            )


def check_secret_hash(client: Any, username: str, secret_hash: str | None) -> None:
    """A client with a secret needs ``SECRET_HASH`` = Base64(HMAC-SHA256(secret,
    username + client id)) with a password; ``NotAuthorizedException`` otherwise."""
    if not client.generate_secret:
        return
    digest = hmac.new(
        str(client.secret).encode(), (username + str(client.id)).encode(), hashlib.sha256
    ).digest()
    if not hmac.compare_digest(base64.b64encode(digest), (secret_hash or "").encode()):
        raise moto_errors.NotAuthorizedError(f"Unable to verify secret hash for client {client.id}")


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
