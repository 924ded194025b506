"""Where the stand-in patches moto, and why (each gap is in docs/local-cognito.md).

moto's ``cognito-idp`` backend is shared by every pool in the process, so the
backend-level patches are installed once and look the pool up in a registry;
the token patches go on each pool object.
"""

from __future__ import annotations

import contextvars
import logging
import secrets
import string
import threading
import uuid
from collections.abc import Callable
from typing import Any, Protocol

import jwt
from moto.cognitoidp import exceptions as moto_errors
from moto.cognitoidp import models as moto_models
from moto.cognitoidp import responses as moto_responses
from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult, EmptyResult

from local_cognito import lambda_triggers, lifecycle, list_users, tokens

log = logging.getLogger(__name__)
_install_lock = threading.Lock()
_pools: dict[str, PoolHooks] = {}
# Which pre token generation source a sign-in through the API is: an answer to
# NEW_PASSWORD_REQUIRED is TokenGeneration_NewPasswordChallenge, the rest Authentication.
_AUTHENTICATION = "TokenGeneration_Authentication"
_sign_in_source: contextvars.ContextVar[str] = contextvars.ContextVar(
    "sign_in_source", default=_AUTHENTICATION
)


class PoolHooks(Protocol):
    """What a stand-in pool supplies to the patched backend."""

    tokens: tokens.TokenService
    accounts: lifecycle.Accounts
    triggers: lambda_triggers.Triggers
    pool: Any  # moto's CognitoIdpUserPool
    backend: Any  # moto's backend holding the pool (and its auth-challenge sessions)

    def send_invitation(self, user: Any, temporary_password: str) -> None: ...


class UnsupportedUserStateException(JsonRESTError):  # noqa: N818 - Cognito's error name
    def __init__(self, message: str) -> None:
        super().__init__("UnsupportedUserStateException", message)


def generate_temporary_password(length: int = 14) -> str:
    """A password that meets Cognito's default policy (upper, lower, digit, symbol)."""
    symbols = "^$*.[]{}()?-!@#%&"
    pools = (string.ascii_uppercase, string.ascii_lowercase, string.digits, symbols)
    chars = [secrets.choice(p) for p in pools]
    alphabet = "".join(pools)
    chars += [secrets.choice(alphabet) for _ in range(length - len(chars))]
    # Fisher-Yates with a CSPRNG so the required classes are not always first.
    for i in range(len(chars) - 1, 0, -1):
        j = secrets.randbelow(i + 1)
        chars[i], chars[j] = chars[j], chars[i]
    return "".join(chars)


def register(pool: Any, hooks: PoolHooks) -> None:
    """Route one pool's tokens and messages through the stand-in."""
    _install_backend_patches(pool.backend)
    if not isinstance(pool.users, list_users.UserIndex):
        # Kept in username order from now on, whoever adds or removes a user.
        pool.users = list_users.UserIndex(pool.users)
    _pools[pool.id] = hooks
    service = hooks.tokens
    scope = (tokens.ADMIN_SCOPE,)

    # This sign-in's pre token generation answer, from its refresh token's creation to
    # its access and ID tokens (moto makes the three in separate calls).
    fresh: dict[str, tokens.Customization | None] = {}

    def customize(client_id: str, user: Any, source: str) -> tokens.Customization | None:
        return lambda_triggers.token_customization(
            hooks.triggers,
            source,
            user,
            client_id=client_id,
            scopes=scope,
            groups=tokens.group_names(user),
        )

    # Every cognito-idp sign-in flow funnels through these pool methods: a new session
    # after a password (and MFA) was accepted, then its tokens; or a refresh.
    def create_refresh_token(client_id: str, username: str) -> tuple[str, str]:
        user = pool._get_user(username)
        lambda_triggers.post_authentication(hooks.triggers, user, client_id=client_id)
        custom = customize(client_id, user, _sign_in_source.get())
        record = service.start_session(client_id, username, scope)
        fresh[record.origin_jti] = custom
        return record.token, record.origin_jti

    def create_tokens_from_refresh_token(refresh_token: str) -> tuple[str, str, int]:
        record = service.find(refresh_token)
        if record is None:
            raise moto_errors.NotAuthorizedError("Invalid Refresh Token")
        try:
            service.redeem(refresh_token, record.client_id)
        except tokens.InvalidGrant as exc:
            # Cognito answers NotAuthorizedException for disabled/revoked/expired.
            raise moto_errors.NotAuthorizedError("Invalid Refresh Token") from exc
        if record.origin_jti in fresh:
            custom = fresh.pop(record.origin_jti)
        else:
            user = pool._get_user(record.username)
            custom = customize(record.client_id, user, "TokenGeneration_RefreshTokens")
        access, expires_in = service.access_token(record, custom)
        return access, service.id_token(record, access_token=access, custom=custom), expires_in

    def create_access_token(client_id: str, username: str, origin_jti: str) -> tuple[str, int]:
        return service.access_token(_record_by_origin(service, origin_jti), fresh.get(origin_jti))

    def create_id_token(client_id: str, username: str, origin_jti: str) -> tuple[str, int]:
        record = _record_by_origin(service, origin_jti)
        _, id_s, _ = tokens.token_lifetimes(pool.clients[client_id])
        return service.id_token(record, custom=fresh.pop(origin_jti, None)), id_s

    pool.create_refresh_token = create_refresh_token
    pool.create_tokens_from_refresh_token = create_tokens_from_refresh_token
    pool.create_access_token = create_access_token
    pool.create_id_token = create_id_token


def unregister(pool_id: str) -> None:
    """Forget a pool (the stand-in stopped)."""
    _pools.pop(pool_id, None)


def _record_by_origin(service: tokens.TokenService, origin_jti: str) -> tokens.RefreshRecord:
    record = service.find_by_origin(origin_jti)
    if record is None:
        raise moto_errors.NotAuthorizedError("Invalid session")
    return record


def _install_backend_patches(backend: Any) -> None:
    with _install_lock:
        if getattr(backend, "_local_cognito_patched", False):
            return
        _patch_admin_create_user(backend)
        _patch_admin_reset_user_password(backend)
        _patch_attribute_updates(backend)
        _patch_initiate_auth(backend)
        _add_revoke_token()
        _route_lifecycle_actions()
        backend._local_cognito_patched = True


def _patch_admin_create_user(backend: Any) -> None:
    original: Callable[..., Any] = backend.admin_create_user

    def admin_create_user(
        user_pool_id: str,
        username: str,
        message_action: str | None,
        temporary_password: str | None,
        attributes: list[dict[str, str]],
    ) -> Any:
        hooks = _pools.get(user_pool_id)
        if hooks is None:
            return original(user_pool_id, username, message_action, temporary_password, attributes)
        if message_action == "RESEND":
            # moto re-creates the user (new sub, groups lost); Cognito re-sends the
            # invitation with a new temporary password to the same user.
            user = backend.admin_get_user(user_pool_id, username)
            if user.status != moto_models.UserStatus.FORCE_CHANGE_PASSWORD:
                raise UnsupportedUserStateException(
                    "Resend not possible. " + username + " status is not FORCE_CHANGE_PASSWORD"
                )
            if temporary_password:
                backend._validate_password(user_pool_id, temporary_password)
            user.password = temporary_password or generate_temporary_password()
            hooks.send_invitation(user, user.password)
            return user
        if message_action not in (None, "", "SUPPRESS"):
            raise moto_errors.InvalidParameterException("MessageAction must be RESEND or SUPPRESS")
        if temporary_password:
            backend._validate_password(user_pool_id, temporary_password)
        if hooks.pool._get_user(username) is None:  # else moto's UsernameExistsException
            # Pre sign-up may refuse an invitation too; Cognito ignores its auto-confirm
            # and auto-verify answers for admin-created users.
            lambda_triggers.pre_sign_up(
                hooks.triggers,
                "PreSignUp_AdminCreateUser",
                username,
                {a["Name"]: a["Value"] for a in attributes or []},
            )
        password = temporary_password or generate_temporary_password()
        user = original(user_pool_id, username, message_action, password, attributes)
        if message_action != "SUPPRESS":
            hooks.send_invitation(user, password)
        return user

    backend.admin_create_user = admin_create_user


def _patch_admin_reset_user_password(backend: Any) -> None:
    original: Callable[..., Any] = backend.admin_reset_user_password

    def admin_reset_user_password(user_pool_id: str, username: str) -> None:
        original(user_pool_id, username)
        hooks = _pools.get(user_pool_id)
        if hooks is not None:
            hooks.accounts.start_reset(backend.admin_get_user(user_pool_id, username).username)

    backend.admin_reset_user_password = admin_reset_user_password


def _email_unverified_on_change(user: Any, attributes: list[dict[str, str]], update: Any) -> None:
    """Cognito's rule for a pool that does not hold updates until verified (the
    stand-in's has no ``AttributesRequireVerificationBeforeUpdate``): a new ``email``
    applies at once and is unverified, unless ``email_verified`` is in the same call.
    moto leaves ``email_verified`` as it was."""
    given = {a.get("Name"): a.get("Value") for a in attributes or []}
    changed = "email" in given and given["email"] != user.attribute_lookup.get("email")
    update()
    if changed and "email_verified" not in given:
        user.update_attributes([{"Name": "email_verified", "Value": "false"}])


def _patch_attribute_updates(backend: Any) -> None:
    original_admin: Callable[..., Any] = backend.admin_update_user_attributes
    original_own: Callable[..., Any] = backend.update_user_attributes

    def admin_update_user_attributes(
        user_pool_id: str, username: str, attributes: list[dict[str, str]]
    ) -> None:
        if user_pool_id not in _pools:
            return original_admin(user_pool_id, username, attributes)  # type: ignore[no-any-return]
        user = backend.admin_get_user(user_pool_id, username)
        _email_unverified_on_change(
            user, attributes, lambda: original_admin(user_pool_id, username, attributes)
        )
        return None

    def update_user_attributes(access_token: str, attributes: list[dict[str, str]]) -> None:
        found = next((h for h in _pools.values() if access_token in h.pool.access_tokens), None)
        if found is None:
            return original_own(access_token, attributes)  # type: ignore[no-any-return]
        _, username = found.pool.access_tokens[access_token]
        user = found.pool._get_user(username)
        if user is None:  # deleted since: moto's answer
            return original_own(access_token, attributes)  # type: ignore[no-any-return]
        _email_unverified_on_change(
            user, attributes, lambda: original_own(access_token, attributes)
        )
        return None

    backend.admin_update_user_attributes = admin_update_user_attributes
    backend.update_user_attributes = update_user_attributes


# The flows each endpoint has (moto answers the others with its own error).
_ADMIN_FLOWS = lifecycle.REFRESH_FLOWS | {"ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"}
_USER_FLOWS = lifecycle.REFRESH_FLOWS | {"USER_PASSWORD_AUTH", "USER_SRP_AUTH", "CUSTOM_AUTH"}


def _patch_initiate_auth(backend: Any) -> None:
    """``AdminInitiateAuth`` and ``InitiateAuth`` of a stand-in pool meet its rules first.

    In this order: the client's ``ExplicitAuthFlows`` and refresh-token rotation
    (:func:`lifecycle.check_auth_flow`); for a refresh, that ``ClientId`` is the client
    the token was issued to (any pool); for a password, ``SECRET_HASH`` on a client with a
    secret, then the password itself (:meth:`lifecycle.Accounts.password_sign_in`:
    unknown users per ``PreventUserExistenceErrors``, ``RESET_REQUIRED``, disabled, the
    lockout), then what comes after a right password that moto gets wrong: it signs an
    UNCONFIRMED user in (Cognito: UserNotConfirmedException), asks for a TOTP code only
    when TOTP is the *preferred* MFA (Cognito: whenever it is activated), and never asks
    an unenrolled user of a pool that requires MFA to set it up (Cognito:
    MFA_SETUP). The rest (NEW_PASSWORD_REQUIRED, the tokens) is moto's.
    """
    original_admin: Callable[..., Any] = backend.admin_initiate_auth
    original_user: Callable[..., Any] = backend.initiate_auth

    def refresh_client(client_id: str, params: dict[str, str]) -> None:
        token = params.get("REFRESH_TOKEN") or ""
        for hooks in _pools.values():
            record = hooks.tokens.find(token)
            if record is not None and record.client_id != client_id:
                raise moto_errors.NotAuthorizedError("Invalid Refresh Token")

    def password(hooks: PoolHooks, client: Any, params: dict[str, str]) -> Any:
        username = params.get("USERNAME") or ""
        if not username:
            raise moto_errors.InvalidParameterException("Missing required parameter USERNAME")
        lifecycle.check_secret_hash(client, username, params.get("SECRET_HASH"))
        user = hooks.accounts.password_sign_in(
            username,
            params.get("PASSWORD") or "",
            aliases=False,  # moto finds users by username only
            hide_unknown=lifecycle.hides_unknown_users(client),
        )
        if user.status == moto_models.UserStatus.UNCONFIRMED:
            raise moto_errors.UserNotConfirmedException(lifecycle.USER_NOT_CONFIRMED)
        if user.status != moto_models.UserStatus.CONFIRMED:
            return None  # moto's NEW_PASSWORD_REQUIRED
        if hooks.accounts.totp_enabled(user.username):
            name, parameters = "SOFTWARE_TOKEN_MFA", {}
        elif hooks.accounts.needs_mfa_setup(user.username):
            name, parameters = "MFA_SETUP", {"MFAS_CAN_SETUP": '["SOFTWARE_TOKEN_MFA"]'}
        else:
            return None  # moto's tokens
        session = str(uuid.uuid4())
        backend.sessions[session] = (user.username, hooks.pool)
        return {"ChallengeName": name, "ChallengeParameters": parameters, "Session": session}

    def gate(
        hooks: PoolHooks | None, client_id: str, flow: str, params: dict[str, str] | None
    ) -> Any:
        """A challenge to answer now, or None for moto to go on (or raise)."""
        params = params or {}
        client = hooks.pool.clients.get(client_id) if hooks is not None else None
        if client is not None:
            lifecycle.check_auth_flow(client, flow)
        if flow in lifecycle.REFRESH_FLOWS:
            refresh_client(client_id, params)
            return None
        if hooks is None or client is None:
            return None  # another pool's, or moto's ResourceNotFoundException
        if flow in lifecycle.PASSWORD_FLOWS:
            return password(hooks, client, params)
        return None

    def admin_initiate_auth(
        user_pool_id: str, client_id: str, auth_flow: str, auth_parameters: dict[str, str]
    ) -> Any:
        if auth_flow in _ADMIN_FLOWS:
            early = gate(_pools.get(user_pool_id), client_id, auth_flow, auth_parameters)
            if early is not None:
                return early
        return original_admin(user_pool_id, client_id, auth_flow, auth_parameters)

    def initiate_auth(client_id: str, auth_flow: str, auth_parameters: dict[str, str]) -> Any:
        if auth_flow in _USER_FLOWS:
            early = gate(_hooks_by_client(client_id), client_id, auth_flow, auth_parameters)
            if early is not None:
                return early
        return original_user(client_id, auth_flow, auth_parameters)

    backend.admin_initiate_auth = admin_initiate_auth
    backend.initiate_auth = initiate_auth


def _add_revoke_token() -> None:
    """The cognito-idp ``RevokeToken`` action, missing from moto."""
    if hasattr(moto_responses.CognitoIdpResponse, "revoke_token"):
        return

    def revoke_token(self: Any) -> EmptyResult:
        token = self._get_param("Token")
        client_id = self._get_param("ClientId")
        for hooks in _pools.values():
            record = hooks.tokens.find(token or "")
            if record is not None:
                if record.client_id != client_id:
                    raise moto_errors.NotAuthorizedError("Invalid token")
                hooks.tokens.revoke(record)
                break
        return EmptyResult()

    # moto dispatches an action to the response method of the same snake_case name.
    setattr(moto_responses.CognitoIdpResponse, "revoke_token", revoke_token)  # noqa: B010


# -- the account lifecycle (lifecycle.Accounts) behind the cognito-idp API -------------
#
# moto answers these actions from its region-agnostic backend and mostly accepts any
# code, so they are replaced at the response layer: for a stand-in pool the action is
# answered by its Accounts, for any other pool by moto as before.


def _hooks_by_client(client_id: str | None) -> PoolHooks | None:
    return next((h for h in _pools.values() if client_id and client_id in h.pool.clients), None)


def _hooks_by_token(access_token: str | None) -> tuple[PoolHooks, str] | None:
    """The pool and username of a stand-in access token with the user-admin scope.

    Cognito's user-facing API asks for ``aws.cognito.signin.user.admin`` on the token.
    """
    for hooks in _pools.values():
        if access_token and access_token in hooks.pool.access_tokens:
            try:
                claims = hooks.tokens.verify_access_token(access_token)
            except jwt.InvalidTokenError:
                raise moto_errors.NotAuthorizedError("Invalid Access Token") from None
            if tokens.ADMIN_SCOPE not in str(claims.get("scope", "")).split():
                raise moto_errors.NotAuthorizedError("Access Token does not have required scopes")
            return hooks, str(claims["username"])
    return None


def _hooks_by_session(session: str | None) -> tuple[PoolHooks, str] | None:
    """The pool and username of a live auth-challenge session of a stand-in pool."""
    for hooks in _pools.values():
        found = hooks.backend.sessions.get(session or "")  # moto: (username, pool)
        if found is not None and found[1] is hooks.pool:
            return hooks, _username(hooks, found[0])
    return None


def _username(hooks: PoolHooks, given: str | None) -> str:
    """A Username parameter as the pool knows it (usernames or a verified email alias)."""
    user = hooks.accounts.find(given or "")
    return str(user.username) if user is not None else (given or "")


def _flag(settings: Any, name: str) -> bool | None:
    return None if not settings or name not in settings else bool(settings[name])


def _route_lifecycle_actions() -> None:
    response_class: Any = moto_responses.CognitoIdpResponse
    if getattr(response_class, "_local_cognito_lifecycle", False):
        return

    def override(action: str) -> Callable[[Callable[[Any], Any]], None]:
        original: Callable[[Any], Any] | None = getattr(response_class, action, None)

        def install(ours: Callable[[Any], Any]) -> None:
            def method(self: Any) -> Any:
                answer = ours(self)
                if answer is not None:
                    return answer
                if original is None:  # an action moto lacks, asked of another pool
                    raise moto_errors.InvalidParameterException(f"{action} is not supported")
                return original(self)

            setattr(response_class, action, method)

        return install

    @override("list_users")
    def list_users_page(self: Any) -> Any:
        hooks = _pools.get(self._get_param("UserPoolId") or "")
        if hooks is None or not isinstance(hooks.pool.users, list_users.UserIndex):
            return None
        return ActionResult(
            list_users.answer(
                hooks.pool.users,
                limit=self._get_param("Limit"),
                token=self._get_param("PaginationToken"),
                filter_text=self._get_param("Filter"),
                attributes_to_get=self._get_param("AttributesToGet"),
            )
        )

    @override("sign_up")
    def sign_up(self: Any) -> Any:
        hooks = _hooks_by_client(self._get_param("ClientId"))
        if hooks is None:
            return None
        attributes = {a["Name"]: a["Value"] for a in self._get_param("UserAttributes") or []}
        user = hooks.accounts.sign_up(
            self._get_param("Username") or "",
            self._get_param("Password") or "",
            attributes,
            client_id=self._get_param("ClientId"),
            validation_data={
                a["Name"]: a["Value"] for a in self._get_param("ValidationData") or []
            },
        )
        if user.status == moto_models.UserStatus.CONFIRMED:  # pre sign-up confirmed it
            return ActionResult({"UserConfirmed": True, "UserSub": user.id})
        details = hooks.accounts.delivery_of(user)
        return ActionResult(
            {"UserConfirmed": False, "UserSub": user.id, "CodeDeliveryDetails": details}
        )

    @override("confirm_sign_up")
    def confirm_sign_up(self: Any) -> Any:
        hooks = _hooks_by_client(self._get_param("ClientId"))
        if hooks is None:
            return None
        hooks.accounts.confirm_sign_up(
            self._get_param("Username") or "",
            self._get_param("ConfirmationCode") or "",
            bool(self._get_param("ForceAliasCreation")),
            client_id=self._get_param("ClientId"),
        )
        return EmptyResult()

    @override("resend_confirmation_code")
    def resend_confirmation_code(self: Any) -> Any:
        hooks = _hooks_by_client(self._get_param("ClientId"))
        if hooks is None:
            raise moto_errors.ResourceNotFoundError(self._get_param("ClientId"))
        details = hooks.accounts.resend_confirmation_code(
            self._get_param("Username") or "", client_id=self._get_param("ClientId")
        )
        return ActionResult({"CodeDeliveryDetails": details})

    @override("admin_confirm_sign_up")
    def admin_confirm_sign_up(self: Any) -> Any:
        hooks = _pools.get(self._get_param("UserPoolId") or "")
        if hooks is None:
            return None
        hooks.accounts.admin_confirm_sign_up(_username(hooks, self._get_param("Username")))
        return EmptyResult()

    @override("forgot_password")
    def forgot_password(self: Any) -> Any:
        hooks = _hooks_by_client(self._get_param("ClientId"))
        if hooks is None:
            return None
        details = hooks.accounts.forgot_password(
            self._get_param("Username") or "", client_id=self._get_param("ClientId")
        )
        return ActionResult({"CodeDeliveryDetails": details})

    @override("confirm_forgot_password")
    def confirm_forgot_password(self: Any) -> Any:
        hooks = _hooks_by_client(self._get_param("ClientId"))
        if hooks is None:
            return None
        hooks.accounts.confirm_forgot_password(
            self._get_param("Username") or "",
            self._get_param("ConfirmationCode") or "",
            self._get_param("Password") or "",
            client_id=self._get_param("ClientId"),
        )
        return EmptyResult()

    @override("update_user_attributes")
    def update_user_attributes(self: Any) -> Any:
        token = self._get_param("AccessToken")
        found = _hooks_by_token(token)
        if found is None:
            return None
        hooks = found[0]
        client_id = hooks.pool.access_tokens[token][0]
        names = [a["Name"] for a in self._get_param("UserAttributes") or []]
        lifecycle.check_write_attributes(hooks.pool.clients[client_id], names)
        return None  # moto writes them

    # With an access token (a signed-in user enrols) or with the Session of an MFA_SETUP
    # challenge (a sign-in in a pool that requires MFA enrols first).

    @override("associate_software_token")
    def associate_software_token(self: Any) -> Any:
        session = self._get_param("Session")
        found = _hooks_by_token(self._get_param("AccessToken")) or _hooks_by_session(session)
        if found is None:
            return None  # another pool's
        hooks, username = found
        answer = {"SecretCode": hooks.accounts.associate_software_token(username)}
        return ActionResult({**answer, "Session": session} if session else answer)

    @override("verify_software_token")
    def verify_software_token(self: Any) -> Any:
        session = self._get_param("Session")
        found = _hooks_by_token(self._get_param("AccessToken")) or _hooks_by_session(session)
        if found is None:
            return None
        hooks, username = found
        hooks.accounts.verify_software_token(username, self._get_param("UserCode") or "")
        answer = {"Status": "SUCCESS"}
        return ActionResult({**answer, "Session": session} if session else answer)

    def set_preference(hooks: PoolHooks, username: str, settings: Any) -> None:
        enabled = _flag(settings, "Enabled")
        if enabled is not None:
            preferred = bool(_flag(settings, "PreferredMfa"))
            hooks.accounts.set_totp_preference(username, enabled, preferred and enabled)

    @override("set_user_mfa_preference")
    def set_user_mfa_preference(self: Any) -> Any:
        found = _hooks_by_token(self._get_param("AccessToken"))
        if found is None:
            return None
        hooks, username = found
        set_preference(hooks, username, self._get_param("SoftwareTokenMfaSettings"))
        return EmptyResult()

    @override("admin_set_user_mfa_preference")
    def admin_set_user_mfa_preference(self: Any) -> Any:
        hooks = _pools.get(self._get_param("UserPoolId") or "")
        if hooks is None:
            return None
        username = _username(hooks, self._get_param("Username"))
        if hooks.pool._get_user(username) is None:
            raise moto_errors.UserNotFoundError("User does not exist.")
        set_preference(hooks, username, self._get_param("SoftwareTokenMfaSettings"))
        return EmptyResult()

    def check_mfa_answer(self: Any) -> None:
        """A SOFTWARE_TOKEN_MFA answer is checked against the secret of the user whose
        password began the session (moto signs in whoever USERNAME names); an MFA_SETUP
        answer needs a verified authenticator, which it turns on."""
        challenge = self._get_param("ChallengeName")
        if challenge not in ("SOFTWARE_TOKEN_MFA", "MFA_SETUP"):
            return
        found = _hooks_by_session(self._get_param("Session"))
        if found is None:
            return  # another pool's, or no live session: moto refuses it
        hooks, username = found
        answers = self._get_param("ChallengeResponses") or {}
        if _username(hooks, answers.get("USERNAME")) != username:
            raise moto_errors.NotAuthorizedError("Invalid session for the user.")
        if challenge == "MFA_SETUP":
            hooks.accounts.set_totp_preference(username, True, True)
        else:
            hooks.accounts.check_mfa_code(username, answers.get("SOFTWARE_TOKEN_MFA_CODE") or "")

    def respond_with(original: Callable[[Any], Any]) -> Callable[[Any], Any]:
        def respond(self: Any) -> Any:
            check_mfa_answer(self)
            new_password = self._get_param("ChallengeName") == "NEW_PASSWORD_REQUIRED"
            marker = _sign_in_source.set(
                "TokenGeneration_NewPasswordChallenge" if new_password else _AUTHENTICATION
            )
            try:
                return original(self)  # moto answers the rest (any code, once checked here)
            finally:
                _sign_in_source.reset(marker)

        return respond

    for action in ("respond_to_auth_challenge", "admin_respond_to_auth_challenge"):
        setattr(response_class, action, respond_with(getattr(response_class, action)))

    response_class._local_cognito_lifecycle = True
