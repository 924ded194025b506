"""Password sign-in's failures: one error class, and Cognito's errors mapped onto it.

Every answer is ``{"error": code, "message": text}`` with a message of the API's own:
Cognito's messages are never passed on or logged here, because for these calls they
can hold what must not travel (moto's wrong-password message is the username, its
unknown-session message the session). Only Cognito's error *code* is logged.

* 400 ``invalid_request``: a body that is not the route's JSON, a new password the
  pool's policy refuses, an answer the challenge does not take;
* 401 ``invalid_credentials``: a wrong password **or** an unknown user (the same
  status, body and padded time), ``invalid_session``: a challenge session that is
  wrong, used or expired, ``invalid_code``: a wrong or used TOTP code,
  ``invalid_grant``: a refresh token that is wrong, expired or revoked;
* 403 ``user_disabled``, ``user_not_confirmed`` (a sign-up never confirmed);
* 409 ``password_reset_required``: an admin reset the password, the user sets a new
  one with the emailed code first;
* 429 ``too_many_attempts``: the API's attempt limits or Cognito's own lockout, with
  ``Retry-After``; ``throttled``: Cognito throttled the API;
* 502 ``unsupported_challenge``: Cognito asked for a challenge this API does not relay
  (SMS, email, custom); ``upstream_error``: the automation client is misconfigured (a
  flow not enabled...) or Cognito answered the unexpected;
* 503 ``unavailable``: Cognito or the attempt store cannot be reached.

``counted`` says whether the attempt stays on the attempt counters
(:class:`protected_api.attempt_limits.Attempt`): a wrong guess does, a failure that is
not the caller's does not.
"""

from __future__ import annotations

import contextlib
import enum
import logging
from collections.abc import Iterator

import botocore.exceptions

log = logging.getLogger(__name__)

RETRY_AFTER_THROTTLED_S = 2
RETRY_AFTER_UNAVAILABLE_S = 5
#: Cognito does not say how long its lockout lasts (it starts at 1 s and doubles).
RETRY_AFTER_COGNITO_LOCKOUT_S = 30

INVALID_CREDENTIALS = "Incorrect username or password."
# Cognito's own words for its states, matched exactly (NotAuthorizedException's message
# is the only way to tell them apart).
_COGNITO_DISABLED = "User is disabled."
_COGNITO_LOCKED = "Password attempts exceeded"


class Flow(enum.Enum):
    """Which call failed: the same Cognito error means different things in each."""

    PASSWORD = "password"  # AdminInitiateAuth, ADMIN_USER_PASSWORD_AUTH
    CHALLENGE = "challenge"  # AdminRespondToAuthChallenge, Associate/VerifySoftwareToken
    REFRESH = "refresh"  # AdminInitiateAuth, REFRESH_TOKEN_AUTH


class SignInError(Exception):
    """A sign-in step failed; ``status``/``code``/``message`` are what the client sees."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        counted: bool = True,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.counted = counted
        self.retry_after = retry_after


def invalid_request(message: str) -> SignInError:
    """400 for a body the route does not take (``message`` names fields, never values)."""
    return SignInError(400, "invalid_request", message, counted=False)


def too_many_attempts(retry_after: int) -> SignInError:
    return SignInError(
        429,
        "too_many_attempts",
        f"Too many attempts; try again in {retry_after} seconds.",
        retry_after=retry_after,
    )


def unavailable(message: str) -> SignInError:
    return SignInError(
        503, "unavailable", message, counted=False, retry_after=RETRY_AFTER_UNAVAILABLE_S
    )


def upstream_error(
    message: str = "the user directory returned an unexpected answer",
) -> SignInError:
    return SignInError(502, "upstream_error", message, counted=False)


_INVALID_CREDENTIALS = SignInError(401, "invalid_credentials", INVALID_CREDENTIALS)
_INVALID_SESSION = SignInError(
    401, "invalid_session", "The sign-in session is not valid or has expired; sign in again."
)
_INVALID_CODE = SignInError(
    401, "invalid_code", "The code is not right, or was used already; try the next one."
)
_INVALID_GRANT = SignInError(
    401, "invalid_grant", "The refresh token is not valid, has expired or was revoked."
)
_DISABLED = SignInError(403, "user_disabled", "This account is disabled.")
_NOT_CONFIRMED = SignInError(
    403, "user_not_confirmed", "This account's sign-up has not been confirmed."
)
_RESET_REQUIRED = SignInError(
    409,
    "password_reset_required",
    "This account's password was reset: set a new one with the emailed code, then sign in.",
)
_BAD_NEW_PASSWORD = SignInError(
    400,
    "invalid_request",
    "The new password does not meet the user pool's password policy.",
    counted=False,
)
_BAD_ANSWER = invalid_request("Cognito did not take this answer to the challenge.")


def _copy(error: SignInError) -> SignInError:
    """A fresh exception (one instance must not be raised twice: it carries a traceback)."""
    return SignInError(
        error.status,
        error.code,
        error.message,
        counted=error.counted,
        retry_after=error.retry_after,
    )


def _not_authorized(flow: Flow, message: str) -> SignInError:
    if message == _COGNITO_DISABLED:
        return _DISABLED
    if message.startswith(_COGNITO_LOCKED):
        return too_many_attempts(RETRY_AFTER_COGNITO_LOCKOUT_S)
    return {
        Flow.PASSWORD: _INVALID_CREDENTIALS,
        Flow.CHALLENGE: _INVALID_SESSION,
        Flow.REFRESH: _INVALID_GRANT,
    }[flow]


# Error code -> answer, per flow; a code missing here is an upstream error.
_BY_FLOW: dict[Flow, dict[str, SignInError]] = {
    Flow.PASSWORD: {
        # PreventUserExistenceErrors off (or moto): an unknown user is told apart by
        # Cognito; here it is the same answer as a wrong password.
        "UserNotFoundException": _INVALID_CREDENTIALS,
        "PasswordResetRequiredException": _RESET_REQUIRED,
        "UserNotConfirmedException": _NOT_CONFIRMED,
    },
    Flow.CHALLENGE: {
        # moto answers an unknown session ResourceNotFoundException; Cognito, NotAuthorized.
        "ResourceNotFoundException": _INVALID_SESSION,
        "UserNotFoundException": _INVALID_SESSION,
        "ExpiredCodeException": _INVALID_CODE,
        "CodeMismatchException": _INVALID_CODE,
        "EnableSoftwareTokenMFAException": _INVALID_CODE,
        "InvalidPasswordException": _BAD_NEW_PASSWORD,
        "InvalidParameterException": _BAD_ANSWER,
        "PasswordResetRequiredException": _RESET_REQUIRED,
    },
    Flow.REFRESH: {
        "UserNotFoundException": _INVALID_GRANT,
    },
}
_THROTTLED = frozenset(
    {"TooManyRequestsException", "LimitExceededException", "ThrottlingException"}
)


def from_client_error(
    flow: Flow, operation: str, exc: botocore.exceptions.ClientError
) -> SignInError:
    """The answer for an error Cognito returned (see the module docstring)."""
    code = str(exc.response.get("Error", {}).get("Code", ""))
    message = str(exc.response.get("Error", {}).get("Message", ""))
    http_status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
    log.info("%s: Cognito answered %s (HTTP %s)", operation, code, http_status)
    if code == "NotAuthorizedException":
        return _copy(_not_authorized(flow, message))
    known = _BY_FLOW[flow].get(code)
    if known is not None:
        return _copy(known)
    if code in _THROTTLED:
        return SignInError(
            429,
            "throttled",
            "too many requests to the user directory; slow down",
            counted=False,
            retry_after=RETRY_AFTER_THROTTLED_S,
        )
    if http_status >= 500:
        return unavailable("the user directory is unavailable; try again later")
    # InvalidParameterException on a sign-in (the flow is not enabled on the client),
    # ResourceNotFoundException (no such client): the deployment's problem.
    log.warning("%s: unexpected Cognito error %s", operation, code)
    return upstream_error()


@contextlib.contextmanager
def mapped(flow: Flow, operation: str) -> Iterator[None]:
    """Run a boto3 call, turning every botocore failure into a :class:`SignInError`."""
    try:
        yield
    except botocore.exceptions.ClientError as exc:
        raise from_client_error(flow, operation, exc) from None
    except (botocore.exceptions.ConnectionError, botocore.exceptions.HTTPClientError) as exc:
        log.warning("%s: Cognito unreachable (%s)", operation, type(exc).__name__)
        raise unavailable("the user directory cannot be reached; try again later") from None
    except botocore.exceptions.BotoCoreError as exc:
        log.error("%s: botocore error %s", operation, type(exc).__name__)
        raise upstream_error("the user directory call failed") from None
