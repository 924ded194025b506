"""The boto3 ``cognito-idp`` calls of password sign-in, on the automation app client.

:class:`PasswordSignIn` signs a user in with ``AdminInitiateAuth``
(``ADMIN_USER_PASSWORD_AUTH``), answers challenges with
``AdminRespondToAuthChallenge``, enrols an authenticator for ``MFA_SETUP`` with
``AssociateSoftwareToken`` and ``VerifySoftwareToken`` (authorized by the challenge's
session, not by IAM) and refreshes with ``REFRESH_TOKEN_AUTH``. It answers
:class:`Tokens` or :class:`Challenge`; every failure leaves as a
:class:`~protected_api.sign_in_errors.SignInError`.

A client with a secret needs ``SECRET_HASH`` on every call (:func:`secret_hash`).
Nothing here logs or keeps a password, code or session: they go into one call and
are gone.

Every boto3 call is written out as ``self.client.<operation>``: the IAM policy test
reads them from this source (tests/infra/test_iam_policy.py).

API reference:
https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminInitiateAuth.html
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
from typing import TYPE_CHECKING, Any

from protected_api import cognito_admin, settings, sign_in_errors

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

Flow = sign_in_errors.Flow

#: The challenges a client of this API can answer; any other is 502 unsupported_challenge.
CHALLENGES = ("NEW_PASSWORD_REQUIRED", "SOFTWARE_TOKEN_MFA", "MFA_SETUP")


def secret_hash(username: str, client_id: str, client_secret: str) -> str:
    """``SECRET_HASH``: Base64(HMAC-SHA256(key = the client secret, username + client id)).

    https://docs.aws.amazon.com/cognito/latest/developerguide/signing-up-users-in-your-app.html#cognito-user-pools-computing-secret-hash
    """
    digest = hmac.new(
        client_secret.encode("utf-8"), (username + client_id).encode("utf-8"), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode("ascii")


@dataclasses.dataclass(frozen=True)
class Tokens:
    """A successful sign-in or refresh (``refresh_token`` is None after a refresh)."""

    access_token: str = dataclasses.field(repr=False)
    id_token: str = dataclasses.field(repr=False)
    refresh_token: str | None = dataclasses.field(repr=False)
    expires_in: int
    token_type: str = "Bearer"


@dataclasses.dataclass(frozen=True)
class Challenge:
    """Cognito wants more: ``name`` (one of :data:`CHALLENGES`), answered with ``session``
    for ``username`` (Cognito's own name for the user, when it says one)."""

    name: str
    session: str = dataclasses.field(repr=False)
    username: str


@dataclasses.dataclass(frozen=True)
class TotpSetup:
    """``AssociateSoftwareToken``'s answer: the authenticator's secret, and the session
    to verify its first code with."""

    secret: str = dataclasses.field(repr=False)
    session: str = dataclasses.field(repr=False)


class PasswordSignIn:
    """Password sign-in on one pool, for one app client (with its secret, if it has one)."""

    def __init__(
        self,
        client: CognitoIdentityProviderClient,
        user_pool_id: str,
        client_id: str,
        client_secret: str | None = None,
    ) -> None:
        self.client = client
        self.user_pool_id = user_pool_id
        self.client_id = client_id
        self._client_secret = client_secret

    @classmethod
    def from_settings(cls, config: settings.Settings) -> PasswordSignIn:
        """A client with bounded timeouts, for ``config``'s automation client."""
        assert config.password_sign_in_client_id is not None, "password sign-in is off"
        # Two calls at most: a retried AdminInitiateAuth whose first answer was lost
        # would count twice towards Cognito's lockout.
        return cls(
            cognito_admin.idp_client(config, calls=2),
            config.user_pool_id,
            config.password_sign_in_client_id,
            config.password_sign_in_client_secret,
        )

    def _with_hash(self, username: str, parameters: dict[str, str]) -> dict[str, str]:
        if self._client_secret is not None:
            parameters["SECRET_HASH"] = secret_hash(username, self.client_id, self._client_secret)
        return parameters

    def start(self, username: str, password: str) -> Tokens | Challenge:
        """``AdminInitiateAuth`` with ``ADMIN_USER_PASSWORD_AUTH``."""
        parameters = self._with_hash(username, {"USERNAME": username, "PASSWORD": password})
        with sign_in_errors.mapped(Flow.PASSWORD, "AdminInitiateAuth"):
            answer = self.client.admin_initiate_auth(
                UserPoolId=self.user_pool_id,
                ClientId=self.client_id,
                AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                AuthParameters=parameters,
            )
        return _result(answer, username)

    def respond(
        self, challenge: str, session: str, username: str, answers: dict[str, str]
    ) -> Tokens | Challenge:
        """``AdminRespondToAuthChallenge``: ``answers`` besides ``USERNAME`` and the hash."""
        responses = self._with_hash(username, {"USERNAME": username, **answers})
        with sign_in_errors.mapped(Flow.CHALLENGE, "AdminRespondToAuthChallenge"):
            answer = self.client.admin_respond_to_auth_challenge(
                UserPoolId=self.user_pool_id,
                ClientId=self.client_id,
                ChallengeName=challenge,  # type: ignore[arg-type]  # one of CHALLENGES
                Session=session,
                ChallengeResponses=responses,
            )
        return _result(answer, username)

    def associate_totp(self, session: str) -> TotpSetup:
        """``AssociateSoftwareToken`` with an ``MFA_SETUP`` session: a new secret."""
        with sign_in_errors.mapped(Flow.CHALLENGE, "AssociateSoftwareToken"):
            answer = self.client.associate_software_token(Session=session)
        secret, next_session = answer.get("SecretCode"), answer.get("Session")
        if not secret or not next_session:
            raise sign_in_errors.upstream_error("Cognito gave no secret or session")
        return TotpSetup(secret=secret, session=next_session)

    def verify_totp(self, session: str, code: str) -> str:
        """``VerifySoftwareToken`` with the associate session: the session to answer
        ``MFA_SETUP`` with."""
        with sign_in_errors.mapped(Flow.CHALLENGE, "VerifySoftwareToken"):
            answer = self.client.verify_software_token(Session=session, UserCode=code)
        next_session = answer.get("Session")
        if answer.get("Status") != "SUCCESS" or not next_session:
            raise sign_in_errors.SignInError(
                401, "invalid_code", "The code is not right, or was used already."
            )
        return next_session

    def refresh(self, refresh_token: str, username: str) -> Tokens:
        """``AdminInitiateAuth`` with ``REFRESH_TOKEN_AUTH`` (``username`` only for the hash)."""
        parameters = self._with_hash(username, {"REFRESH_TOKEN": refresh_token})
        with sign_in_errors.mapped(Flow.REFRESH, "AdminInitiateAuth"):
            answer = self.client.admin_initiate_auth(
                UserPoolId=self.user_pool_id,
                ClientId=self.client_id,
                AuthFlow="REFRESH_TOKEN_AUTH",
                AuthParameters=parameters,
            )
        result = _result(answer, username)
        if not isinstance(result, Tokens):
            raise sign_in_errors.upstream_error("Cognito answered a refresh with a challenge")
        # Cognito answers no refresh token here (without rotation): the one sent stays.
        return dataclasses.replace(result, refresh_token=None)


def _result(answer: Any, username: str) -> Tokens | Challenge:
    """Tokens or a challenge from an initiate or respond answer."""
    tokens = answer.get("AuthenticationResult")
    if tokens:
        access, id_token = tokens.get("AccessToken"), tokens.get("IdToken")
        if not access or not id_token:
            raise sign_in_errors.upstream_error("Cognito's answer has no tokens")
        return Tokens(
            access_token=access,
            id_token=id_token,
            refresh_token=tokens.get("RefreshToken"),
            expires_in=int(tokens.get("ExpiresIn") or 3600),
            token_type=str(tokens.get("TokenType") or "Bearer"),
        )
    name, session = answer.get("ChallengeName"), answer.get("Session")
    if name not in CHALLENGES:
        # SMS_MFA, EMAIL_OTP, SELECT_MFA_TYPE, CUSTOM_CHALLENGE...: no client of this
        # API can answer them. The password was right; the pool needs another factor.
        raise sign_in_errors.SignInError(
            502,
            "unsupported_challenge",
            f"Cognito asked for a challenge this API does not relay ({str(name)[:40]})",
            counted=False,
        )
    if not session:
        raise sign_in_errors.upstream_error("Cognito's challenge has no session")
    parameters = answer.get("ChallengeParameters") or {}
    # USER_ID_FOR_SRP is the user's own name when they signed in with an alias (email);
    # the answers and their SECRET_HASH must use it.
    canonical = parameters.get("USER_ID_FOR_SRP") or parameters.get("USERNAME") or username
    return Challenge(name=str(name), session=str(session), username=str(canonical))
