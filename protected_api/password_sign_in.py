"""Server-side password sign-in: Cognito's calls behind the attempt limits.

:class:`SignInService` is what the ``/auth`` routes (:mod:`protected_api.routes.sign_in`)
call. Every step (a password, a challenge's answer, a refresh) is first counted by the
:class:`~protected_api.attempt_limits.Limiter` (refused with 429 while a key is
locked), then made on Cognito through
:class:`~protected_api.cognito_sign_in.PasswordSignIn`, then settled by its outcome
(see :mod:`protected_api.attempt_limits`). Failures are
:class:`~protected_api.sign_in_errors.SignInError`.

Which keys count: a password and a challenge's answer, the username and the address;
a refresh, the address only (its username is not proven, and a refresh token cannot be
guessed: the address limit is there for floods).

The methods block (boto3, the store); the routes run them in a worker thread.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from protected_api import (
    attempt_limits,
    cognito_sign_in,
    dynamodb_attempts,
    settings,
    sign_in_errors,
)

T = TypeVar("T")

#: The shortest time a ``/auth/sign-in`` answer takes (seconds): an unknown user and a
#: wrong password both take at least this, whatever the store or Cognito took for each.
#: Real Cognito already takes about this long to check a password.
SIGN_IN_FLOOR_S = 0.25


class SignInService:
    """Password sign-in on one app client, within the attempt limits."""

    def __init__(
        self,
        cognito: cognito_sign_in.PasswordSignIn,
        limiter: attempt_limits.Limiter,
        *,
        floor_s: float = SIGN_IN_FLOOR_S,
    ) -> None:
        self.cognito = cognito
        self.limiter = limiter
        self.floor_s = floor_s

    @classmethod
    def from_settings(
        cls, config: settings.Settings, *, now: Callable[[], float] = time.time
    ) -> SignInService:
        """The service ``config`` describes: its app client, and the in-process attempt
        store or, with ``ATTEMPT_STORE_TABLE``, the shared DynamoDB one."""
        store: attempt_limits.AttemptStore
        if config.attempt_store_table is not None:
            store = dynamodb_attempts.DynamoDbAttemptStore(
                config.attempt_store_table,
                dynamodb_attempts.client_for(config.region, config.attempt_store_endpoint_url),
            )
        else:
            store = attempt_limits.MemoryAttemptStore()
        return cls(
            cognito_sign_in.PasswordSignIn.from_settings(config),
            attempt_limits.Limiter(store, now=now),
        )

    def sign_in(
        self, username: str, password: str, address: str | None
    ) -> cognito_sign_in.Tokens | cognito_sign_in.Challenge:
        """A password: tokens, or the first challenge."""
        return self._limited(username, address, lambda: self.cognito.start(username, password))

    def new_password(
        self, session: str, username: str, new_password: str, address: str | None
    ) -> cognito_sign_in.Tokens | cognito_sign_in.Challenge:
        """``NEW_PASSWORD_REQUIRED``: the password the user chose instead of the temporary one."""
        return self._limited(
            username,
            address,
            lambda: self.cognito.respond(
                "NEW_PASSWORD_REQUIRED", session, username, {"NEW_PASSWORD": new_password}
            ),
        )

    def totp_code(
        self, session: str, username: str, code: str, address: str | None
    ) -> cognito_sign_in.Tokens | cognito_sign_in.Challenge:
        """``SOFTWARE_TOKEN_MFA``: a code from the user's authenticator."""
        return self._limited(
            username,
            address,
            lambda: self.cognito.respond(
                "SOFTWARE_TOKEN_MFA", session, username, {"SOFTWARE_TOKEN_MFA_CODE": code}
            ),
        )

    def totp_secret(
        self, session: str, username: str, address: str | None
    ) -> cognito_sign_in.TotpSetup:
        """``MFA_SETUP``, first half: a secret for a new authenticator."""
        return self._limited(username, address, lambda: self.cognito.associate_totp(session))

    def totp_setup(
        self, session: str, username: str, code: str, address: str | None
    ) -> cognito_sign_in.Tokens | cognito_sign_in.Challenge:
        """``MFA_SETUP``, second half: the new authenticator's first code, then the answer."""

        def verify_and_respond() -> cognito_sign_in.Tokens | cognito_sign_in.Challenge:
            verified = self.cognito.verify_totp(session, code)
            return self.cognito.respond("MFA_SETUP", verified, username, {})

        return self._limited(username, address, verify_and_respond)

    def refresh(
        self, refresh_token: str, username: str, address: str | None
    ) -> cognito_sign_in.Tokens:
        """New access and ID tokens for a refresh token of the automation client."""
        return self._limited(None, address, lambda: self.cognito.refresh(refresh_token, username))

    def _limited(self, username: str | None, address: str | None, call: Callable[[], T]) -> T:
        """``call`` as one counted attempt (see the module docstring)."""
        try:
            attempt = self.limiter.begin(username, address)
        except attempt_limits.AttemptStoreError:
            raise sign_in_errors.unavailable(
                "sign-in is unavailable (the attempt store cannot be reached); try again later"
            ) from None
        if isinstance(attempt, attempt_limits.Refused):
            raise sign_in_errors.too_many_attempts(attempt.retry_after)
        try:
            result = call()
        except sign_in_errors.SignInError as exc:
            if exc.counted:
                attempt.failed()
            else:
                attempt.not_counted()
            raise
        except BaseException:
            attempt.not_counted()
            raise
        if isinstance(result, cognito_sign_in.Tokens):
            attempt.succeeded()
        else:
            # A next challenge (the password was right) or a secret: not a failure, and
            # not the end either: the username's count stands until tokens are issued,
            # so signing in again does not reset a code-guessing run.
            attempt.not_counted()
        return result
