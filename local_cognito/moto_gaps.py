"""Where the stand-in patches moto, and why (each gap is in docs/local-cognito.md).

moto's ``cognito-idp`` backend is shared by every pool in the process, so the
backend-level patches are installed once and look the pool up in a registry;
the token patches go on each pool object.
"""

from __future__ import annotations

import logging
import secrets
import string
import threading
from collections.abc import Callable
from typing import Any, Protocol

from moto.cognitoidp import exceptions as moto_errors
from moto.cognitoidp import models as moto_models
from moto.cognitoidp import responses as moto_responses
from moto.core.exceptions import JsonRESTError
from moto.core.responses import EmptyResult

from local_cognito import tokens

log = logging.getLogger(__name__)
_install_lock = threading.Lock()
_pools: dict[str, PoolHooks] = {}


class PoolHooks(Protocol):
    """What a stand-in pool supplies to the patched backend."""

    tokens: tokens.TokenService

    def send_invitation(self, user: Any, temporary_password: str) -> None: ...
    def send_reset_code(self, user: Any, code: str) -> None: ...


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


def generate_code() -> str:
    """A six-digit verification code, as Cognito emails."""
    return f"{secrets.randbelow(1_000_000):06d}"


def register(pool: Any, hooks: PoolHooks) -> None:
    """Route one pool's tokens and messages through the stand-in."""
    _install_backend_patches(pool.backend)
    _pools[pool.id] = hooks
    service = hooks.tokens
    scope = (tokens.ADMIN_SCOPE,)

    # Every cognito-idp sign-in flow funnels through these two pool methods.
    def create_refresh_token(client_id: str, username: str) -> tuple[str, str]:
        record = service.start_session(client_id, username, scope)
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
        access, expires_in = service.access_token(record)
        return access, service.id_token(record, access_token=access), expires_in

    def create_access_token(client_id: str, username: str, origin_jti: str) -> tuple[str, int]:
        return service.access_token(_record_by_origin(service, origin_jti))

    def create_id_token(client_id: str, username: str, origin_jti: str) -> tuple[str, int]:
        record = _record_by_origin(service, origin_jti)
        _, id_s, _ = tokens.token_lifetimes(pool.clients[client_id])
        return service.id_token(record), id_s

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
        _patch_forgot_password(backend)
        _patch_refresh_client_check(backend)
        _add_revoke_token()
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
            user = backend.admin_get_user(user_pool_id, username)
            user.confirmation_code = generate_code()
            hooks.send_reset_code(user, user.confirmation_code)

    backend.admin_reset_user_password = admin_reset_user_password


def _patch_forgot_password(backend: Any) -> None:
    original: Callable[..., Any] = backend.forgot_password

    def forgot_password(client_id: str, username: str) -> tuple[str | None, dict[str, Any]]:
        for pool_id in _pools:
            pool = backend.user_pools.get(pool_id)
            user = pool._get_user(username) if pool and client_id in pool.clients else None
            if user is not None and user.status == moto_models.UserStatus.FORCE_CHANGE_PASSWORD:
                # Cognito: an invited user must sign in with the temporary password.
                raise moto_errors.NotAuthorizedError(
                    "User password cannot be reset in the current state."
                )
        code, details = original(client_id, username)
        for pool_id, hooks in _pools.items():
            pool = backend.user_pools.get(pool_id)
            user = pool._get_user(username) if pool and client_id in pool.clients else None
            if user is not None:
                user.confirmation_code = generate_code()
                hooks.send_reset_code(user, user.confirmation_code)
                return None, details  # no moto-only response header carrying the code
        return code, details

    def confirm_forgot_password(
        client_id: str, username: str, password: str, confirmation_code: str
    ) -> None:
        for pool_id in _pools:
            pool = backend.user_pools.get(pool_id)
            user = pool._get_user(username) if pool and client_id in pool.clients else None
            if user is not None:
                # moto accepts any code lacking its "moto-confirmation-code:" prefix.
                confirm_reset(backend, pool, user, confirmation_code, password)
                return
        original_confirm(client_id, username, password, confirmation_code)

    original_confirm: Callable[..., Any] = backend.confirm_forgot_password
    backend.forgot_password = forgot_password
    backend.confirm_forgot_password = confirm_forgot_password


def confirm_reset(backend: Any, pool: Any, user: Any, code: str, password: str) -> None:
    """Set a new password with an emailed code, as ConfirmForgotPassword does."""
    expected = user.confirmation_code
    if not expected or not secrets.compare_digest(code.encode(), str(expected).encode()):
        raise moto_errors.CodeMismatchException(
            "Invalid verification code provided, please try again."
        )
    backend._validate_password(pool.id, password)
    user.password = password
    user.confirmation_code = None
    user.status = moto_models.UserStatus.CONFIRMED


def _patch_refresh_client_check(backend: Any) -> None:
    """REFRESH_TOKEN_AUTH must name the client the refresh token was issued to."""
    original_admin: Callable[..., Any] = backend.admin_initiate_auth
    original_user: Callable[..., Any] = backend.initiate_auth

    def check(client_id: str, auth_flow: str, auth_parameters: dict[str, str] | None) -> None:
        if auth_flow not in ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"):
            return
        token = (auth_parameters or {}).get("REFRESH_TOKEN") or ""
        for hooks in _pools.values():
            record = hooks.tokens.find(token)
            if record is not None and record.client_id != client_id:
                raise moto_errors.NotAuthorizedError("Invalid Refresh Token")

    def admin_initiate_auth(
        user_pool_id: str, client_id: str, auth_flow: str, auth_parameters: dict[str, str]
    ) -> Any:
        check(client_id, auth_flow, auth_parameters)
        return original_admin(user_pool_id, client_id, auth_flow, auth_parameters)

    def initiate_auth(client_id: str, auth_flow: str, auth_parameters: dict[str, str]) -> Any:
        check(client_id, auth_flow, auth_parameters)
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
