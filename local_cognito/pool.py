"""One stand-in user pool: moto's pool and app client, plus what moto lacks."""

from __future__ import annotations

import dataclasses
import enum
import logging
import secrets
import string
from typing import Any

from moto.cognitoidp import exceptions as moto_errors
from moto.cognitoidp import models as moto_models
from moto.core.exceptions import JsonRESTError
from moto.core.models import DEFAULT_ACCOUNT_ID

import triggers
from local_cognito import (
    keys,
    lambda_triggers,
    lifecycle,
    moto_gaps,
    outbox,
    settings,
    state,
    tokens,
)
from triggers import config as trigger_config

log = logging.getLogger(__name__)


class LoginOutcome(enum.Enum):
    """What managed login does next after a username and password."""

    SIGNED_IN = "signed_in"
    NEW_PASSWORD_REQUIRED = "new_password_required"
    RESET_REQUIRED = "reset_required"  # RESET_REQUIRED: emailed code + new password
    NOT_CONFIRMED = "not_confirmed"  # UNCONFIRMED: the sign-up code, then signed in
    MFA_SETUP = "mfa_setup"  # MFA required and no authenticator yet: enrol one
    MFA_REQUIRED = "mfa_required"  # TOTP on: a code from the authenticator
    FAILED = "failed"


@dataclasses.dataclass(frozen=True)
class LoginResult:
    outcome: LoginOutcome
    username: str | None = None
    message: str = ""


# The template's admin-set custom attribute (infra/template.yaml): 0..64 characters.
DEPARTMENT_ATTRIBUTE = "custom:department"

# Cognito's managed-login wording; one message for unknown user and bad password
# (PreventUserExistenceErrors, the default for new pools).
BAD_CREDENTIALS = lifecycle.BAD_CREDENTIALS
# moto's InvalidPasswordException reads "does not confirm to"; the page says it right.
PASSWORD_POLICY = "The provided password does not conform to the configured password policy"
USER_DISABLED = lifecycle.USER_DISABLED


class LocalPool:
    """A moto user pool and app client wired to the stand-in's tokens and outbox.

    With ``saved`` (a state directory's :class:`~local_cognito.state.Saved`), the pool
    keeps its id, clients, key, users, groups and outbox from the last run; what the
    settings (the flags) say about the pool and its clients still applies.
    """

    def __init__(
        self,
        config: settings.PoolSettings = settings.DEFAULTS,
        *,
        now: settings.Clock = settings.system_clock,
        account_id: str = DEFAULT_ACCOUNT_ID,
        saved: state.Saved | None = None,
    ) -> None:
        self.settings = config
        self.now = now
        self.restored = saved is not None
        # First: a saved key that does not load refuses the state before moto is touched.
        key = saved.signing_key() if saved is not None else keys.SigningKey()
        self.backend: Any = moto_models.cognitoidp_backends[account_id][config.region]
        self.pool: Any = self.backend.create_user_pool(
            config.pool_name,
            {
                "AliasAttributes": ["email"],
                "AutoVerifiedAttributes": ["email"],
                # DescribeUserPool reports it; the tokens' issuer follows it (tokens.py).
                "IssuerConfiguration": {
                    "Type": "UPDATED" if config.issuer_format == "updated" else "ORIGINAL"
                },
                "MfaConfiguration": config.mfa,
                # The template's schema: email required; its custom attributes, the
                # post authentication trigger's sign-in time, the plan the pre token
                # generation trigger reads, and the department admins set.
                "Schema": [
                    {
                        "Name": "email",
                        "AttributeDataType": "String",
                        "Required": True,
                        "Mutable": True,
                    },
                    _custom_attribute(triggers.LAST_SIGN_IN_ATTRIBUTE, 32),
                    _custom_attribute(triggers.PLAN_ATTRIBUTE, 32),
                    _custom_attribute(DEPARTMENT_ATTRIBUTE, 64),
                ],
                "VerificationMessageTemplate": {
                    "DefaultEmailOption": "CONFIRM_WITH_CODE",
                    "EmailSubject": "Your verification code",
                    "EmailMessage": "Your verification code is {####}.",
                },
                "AccountRecoverySetting": {
                    "RecoveryMechanisms": [{"Name": "verified_email", "Priority": 1}]
                },
                "AdminCreateUserConfig": {
                    "AllowAdminCreateUserOnly": not config.self_sign_up,
                    "InviteMessageTemplate": {
                        "EmailSubject": "Your temporary password",
                        "EmailMessage": (
                            "Your username is {username} and temporary password is {####}."
                        ),
                    },
                },
            },
        )
        self._use_cognito_style_id(saved.pool_id if saved else None)
        _list_standard_attributes(self.pool)
        if config.mfa != "OFF":
            self.pool.token_mfa_config = {"Enabled": True}  # TOTP; the stand-in has no SMS
        lifetimes: dict[str, Any] = {
            "AccessTokenValidity": config.access_token_minutes,
            "IdTokenValidity": config.id_token_minutes,
            "RefreshTokenValidity": config.refresh_token_days,
            "TokenValidityUnits": {
                "AccessToken": "minutes",
                "IdToken": "minutes",
                "RefreshToken": "days",
            },
            "EnableTokenRevocation": True,
            # Unknown user and wrong password: the same NotAuthorizedException.
            "PreventUserExistenceErrors": "ENABLED",
            "WriteAttributes": list(settings.WRITE_ATTRIBUTES),
        }
        client_config: dict[str, Any] = {  # moto annotates this dict[str, str]; it is not
            "ClientName": config.client_name,
            "CallbackURLs": list(config.callback_urls),
            "LogoutURLs": list(config.logout_urls),
            "AllowedOAuthFlows": ["code"],
            "AllowedOAuthFlowsUserPoolClient": True,
            "AllowedOAuthScopes": list(config.scopes),
            "SupportedIdentityProviders": ["COGNITO"],
            # The template's desktop client has no password flow; the stand-in's keeps
            # ADMIN_USER_PASSWORD_AUTH so that tests and benchmarks get tokens in one call.
            "ExplicitAuthFlows": ["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            **lifetimes,
        }
        self.client: Any = self.backend.create_user_pool_client(self.pool.id, False, client_config)
        if saved is not None:
            saved.restore_client(self.pool, self.client, "desktop", client_config)
        if not config.rotate_refresh_tokens:  # a restored client's too: the flag decides
            self.client.extended_config.pop("RefreshTokenRotation", None)
        else:
            self.client.extended_config["RefreshTokenRotation"] = {
                "Feature": "ENABLED",
                "RetryGracePeriodSeconds": config.rotation_grace_seconds,
            }
        # The API integration's client (infra/template.yaml's AutomationClient): the
        # protected API signs people in with ADMIN_USER_PASSWORD_AUTH on it. No OAuth, no
        # secret, no rotation (the API refreshes with REFRESH_TOKEN_AUTH).
        self.automation_client: Any = None
        if config.automation_client:
            automation_config: dict[str, Any] = {
                "ClientName": settings.AUTOMATION_CLIENT_NAME,
                "AllowedOAuthFlowsUserPoolClient": False,
                "ExplicitAuthFlows": [
                    "ALLOW_ADMIN_USER_PASSWORD_AUTH",
                    "ALLOW_REFRESH_TOKEN_AUTH",
                ],
                "RefreshTokenRotation": {"Feature": "DISABLED"},
                "AuthSessionValidity": 3,
                **lifetimes,
            }
            self.automation_client = self.backend.create_user_pool_client(
                self.pool.id, False, automation_config
            )
            if saved is not None:
                saved.restore_client(
                    self.pool, self.automation_client, "automation", automation_config
                )
        self.key = key
        self.tokens = tokens.TokenService(self.pool, self.key, now, config.issuer_format)
        self.outbox = outbox.Outbox(now)
        self.triggers = lambda_triggers.Triggers(
            self.pool, _trigger_config(config), frozenset(config.triggers)
        )
        if self.triggers.on("PostConfirmation") and config.default_group:
            self.ensure_group(config.default_group)  # as the template creates it
        self.accounts = lifecycle.Accounts(self)
        moto_gaps.register(self.pool, self)
        if saved is not None:
            try:
                saved.restore_data(self)
            except state.StateError:
                self.close()
                raise

    def _use_cognito_style_id(self, new_id: str | None = None) -> None:
        # moto's ids are region + 32 hex digits; Cognito's are region + 9
        # alphanumerics, and the app's config validation should meet real ones.
        alphabet = string.ascii_letters + string.digits
        if new_id is None:
            new_id = f"{self.settings.region}_" + "".join(
                secrets.choice(alphabet) for _ in range(9)
            )
        self.backend.user_pools.pop(self.pool.id)
        self.pool.arn = self.pool.arn.replace(self.pool.id, new_id)
        self.pool.id = new_id
        self.backend.user_pools[new_id] = self.pool

    def ensure_group(self, name: str, precedence: int | None = None) -> Any:
        """The named group, created if missing."""
        found = self.pool.groups.get(name)
        if found is None:
            found = self.backend.create_group(self.id, name, f"{name} group", None, precedence)
        return found

    @property
    def id(self) -> str:
        return str(self.pool.id)

    @property
    def client_id(self) -> str:
        return str(self.client.id)

    @property
    def automation_client_id(self) -> str | None:
        """The automation client's id, or None with ``automation_client=False``."""
        return str(self.automation_client.id) if self.automation_client is not None else None

    def close(self) -> None:
        """Remove the pool from moto's in-process backend."""
        moto_gaps.unregister(self.id)
        self.backend.user_pools.pop(self.id, None)

    # -- moto_gaps.PoolHooks ----------------------------------------------------------

    def send_invitation(self, user: Any, temporary_password: str) -> None:
        email = user.attribute_lookup.get("email")
        if not email:
            log.info("invitation for %s not sent: user has no email", user.username)
            return
        template = self.pool.extended_config["AdminCreateUserConfig"]["InviteMessageTemplate"]
        subject, body = template["EmailSubject"], template["EmailMessage"]
        custom = lambda_triggers.custom_message(
            self.triggers, "CustomMessage_AdminCreateUser", user
        )
        if custom is not None:
            subject, body = custom[0] or subject, custom[1]
        body = body.replace(lambda_triggers.USERNAME_PARAMETER, user.username).replace(
            lambda_triggers.CODE_PARAMETER, temporary_password
        )
        self.outbox.send(
            kind="invitation",
            to=email,
            username=user.username,
            subject=subject,
            body=body,
            temporary_password=temporary_password,
        )

    # -- managed login ----------------------------------------------------------------

    def find_user(self, login: str) -> Any | None:
        """A user by username, or by email (the pool's alias attribute)."""
        user = self.pool._get_user(login)
        if user is not None:
            return user
        wanted = login.strip().lower()
        for candidate in self.pool.users.values():
            if (
                candidate.attribute_lookup.get("email", "").lower() == wanted
                and candidate.attribute_lookup.get("email_verified") == "true"
            ):
                return candidate
        return None

    def authenticate(self, login: str, password: str) -> LoginResult:
        """Check a managed-login username/password like Cognito's hosted UI does.

        The password itself is checked by :meth:`lifecycle.Accounts.password_sign_in`,
        as for the API's password flows, so the two share messages and the lockout.
        """
        try:
            user = self.accounts.password_sign_in(login, password)
        except JsonRESTError as exc:
            if exc.error_type == "PasswordResetRequiredException":
                # Cognito sends enabled RESET_REQUIRED users to "reset password"
                # whatever they typed; a disabled one gets the checks.
                found = self.find_user(login)
                return LoginResult(LoginOutcome.RESET_REQUIRED, found.username if found else None)
            return LoginResult(LoginOutcome.FAILED, message=str(exc.message))
        if user.status == moto_models.UserStatus.FORCE_CHANGE_PASSWORD:
            return LoginResult(LoginOutcome.NEW_PASSWORD_REQUIRED, user.username)
        if user.status == moto_models.UserStatus.UNCONFIRMED:
            # Managed login sends a new code and asks for it (UserNotConfirmedException).
            self.accounts.resend_confirmation_code(user.username)
            return LoginResult(LoginOutcome.NOT_CONFIRMED, user.username)
        return self.after_password(user.username)

    def after_password(self, username: str) -> LoginResult:
        """The step after a good password (or a new one): MFA if the user or pool needs it."""
        if self.accounts.totp_enabled(username):
            return LoginResult(LoginOutcome.MFA_REQUIRED, username)
        if self.accounts.needs_mfa_setup(username):
            return LoginResult(LoginOutcome.MFA_SETUP, username)
        return LoginResult(LoginOutcome.SIGNED_IN, username)

    def set_new_password(self, username: str, password: str, code: str | None = None) -> str:
        """Finish a NEW_PASSWORD_REQUIRED (no code) or RESET_REQUIRED (code) challenge.

        Returns "" on success, else the message to show the user.
        """
        user = self.pool._get_user(username)
        if user is None or not user.enabled:
            return USER_DISABLED
        try:
            if code is not None:
                self.accounts.confirm_forgot_password(username, code, password)
            else:
                self.backend._validate_password(self.id, password)
                user.password = password
                user.status = moto_models.UserStatus.CONFIRMED
        except moto_errors.InvalidPasswordException:
            return PASSWORD_POLICY
        except JsonRESTError as exc:
            return str(exc.message)
        return ""


def _list_standard_attributes(pool: Any) -> None:
    """DescribeUserPool's ``SchemaAttributes`` list every standard attribute, then the
    custom ones, as Cognito's do; moto lists only those given in ``Schema`` when any
    custom attribute is."""
    given = dict(pool.schema_attributes)
    standard = moto_models.CognitoIdpUserPoolAttribute.STANDARD_SCHEMA
    pool.schema_attributes = {
        name: given.pop(name, None)
        or moto_models.CognitoIdpUserPoolAttribute(name, False, dict(schema))
        for name, schema in standard.items()
    }
    pool.schema_attributes.update(given)


def _custom_attribute(name: str, max_length: int) -> dict[str, Any]:
    """A ``Schema`` entry for ``custom:<name>``: a mutable string (the template's too)."""
    return {
        "Name": name.removeprefix("custom:"),
        "AttributeDataType": "String",
        "Mutable": True,
        "StringAttributeConstraints": {"MinLength": "0", "MaxLength": str(max_length)},
    }


def _trigger_config(config: settings.PoolSettings) -> trigger_config.Config:
    """The triggers' settings, as the template gives the deployed functions theirs."""
    return trigger_config.Config(
        allowed_email_domains=config.allowed_email_domains,
        default_group=config.default_group,
        admin_group=settings.ADMIN_GROUP,
        app_name=config.app_name,
        managed_login_url="",  # the stand-in's URL, once it serves (Triggers.bind)
        app_client_name=config.client_name,
    )
