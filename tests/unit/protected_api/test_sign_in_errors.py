"""Cognito's errors as password sign-in's answers, per flow; never Cognito's message."""

from __future__ import annotations

import logging

import botocore.exceptions
import pytest

from protected_api import sign_in_errors

Flow = sign_in_errors.Flow
PASSWORD, CHALLENGE, REFRESH = Flow.PASSWORD, Flow.CHALLENGE, Flow.REFRESH


def client_error(
    code: str, message: str = "", status: int = 400
) -> botocore.exceptions.ClientError:
    return botocore.exceptions.ClientError(
        {
            "Error": {"Code": code, "Message": message},
            "ResponseMetadata": {"HTTPStatusCode": status},
        },
        "AdminInitiateAuth",
    )


@pytest.mark.parametrize(
    ("flow", "code", "message", "status", "error", "counted"),
    [
        # A wrong password and an unknown user: one answer (Cognito with and without
        # PreventUserExistenceErrors, and moto, whose message is the username).
        (
            PASSWORD,
            "NotAuthorizedException",
            "Incorrect username or password.",
            401,
            "invalid_credentials",
            True,
        ),
        (PASSWORD, "NotAuthorizedException", "alice", 401, "invalid_credentials", True),
        (
            PASSWORD,
            "UserNotFoundException",
            "User does not exist.",
            401,
            "invalid_credentials",
            True,
        ),
        (PASSWORD, "NotAuthorizedException", "User is disabled.", 403, "user_disabled", True),
        (
            PASSWORD,
            "NotAuthorizedException",
            "Password attempts exceeded",
            429,
            "too_many_attempts",
            True,
        ),
        (
            PASSWORD,
            "PasswordResetRequiredException",
            "Password reset required for the user",
            409,
            "password_reset_required",
            True,
        ),
        (
            PASSWORD,
            "UserNotConfirmedException",
            "User is not confirmed.",
            403,
            "user_not_confirmed",
            True,
        ),
        # The automation client lacks the flow, or does not exist: the deployment's fault.
        (
            PASSWORD,
            "InvalidParameterException",
            "Auth flow not enabled for this client",
            502,
            "upstream_error",
            False,
        ),
        (PASSWORD, "ResourceNotFoundException", "client", 502, "upstream_error", False),
        (PASSWORD, "TooManyRequestsException", "Rate exceeded", 429, "throttled", False),
        (PASSWORD, "InternalErrorException", "oops", 503, "unavailable", False),
        (
            CHALLENGE,
            "NotAuthorizedException",
            "Invalid session for the user, session is expired.",
            401,
            "invalid_session",
            True,
        ),
        (CHALLENGE, "ResourceNotFoundException", "x" * 40, 401, "invalid_session", True),
        (
            CHALLENGE,
            "CodeMismatchException",
            "Invalid code received for user",
            401,
            "invalid_code",
            True,
        ),
        (
            CHALLENGE,
            "ExpiredCodeException",
            "Your software token has already been used once.",
            401,
            "invalid_code",
            True,
        ),
        (CHALLENGE, "EnableSoftwareTokenMFAException", "Code mismatch", 401, "invalid_code", True),
        (
            CHALLENGE,
            "InvalidPasswordException",
            "Password does not conform to policy",
            400,
            "invalid_request",
            False,
        ),
        (
            CHALLENGE,
            "InvalidParameterException",
            "User has not verified software token mfa",
            400,
            "invalid_request",
            False,
        ),
        (CHALLENGE, "NotAuthorizedException", "User is disabled.", 403, "user_disabled", True),
        (REFRESH, "NotAuthorizedException", "Invalid Refresh Token", 401, "invalid_grant", True),
        (
            REFRESH,
            "NotAuthorizedException",
            "Refresh Token has been revoked",
            401,
            "invalid_grant",
            True,
        ),
        (REFRESH, "UserNotFoundException", "User does not exist.", 401, "invalid_grant", True),
        (
            REFRESH,
            "InvalidParameterException",
            "Refresh token rotation is enabled",
            502,
            "upstream_error",
            False,
        ),
    ],
)
def test_cognitos_errors_become_the_apis(
    flow: Flow, code: str, message: str, status: int, error: str, counted: bool
) -> None:
    http_status = 500 if status == 503 else 400
    answer = sign_in_errors.from_client_error(flow, "Op", client_error(code, message, http_status))
    assert (answer.status, answer.code, answer.counted) == (status, error, counted)
    assert message not in answer.message or message == sign_in_errors.INVALID_CREDENTIALS


def test_retry_after_is_given_where_waiting_helps() -> None:
    locked = sign_in_errors.from_client_error(
        PASSWORD, "Op", client_error("NotAuthorizedException", "Password attempts exceeded")
    )
    throttled = sign_in_errors.from_client_error(
        PASSWORD, "Op", client_error("TooManyRequestsException")
    )
    assert locked.retry_after == sign_in_errors.RETRY_AFTER_COGNITO_LOCKOUT_S
    assert throttled.retry_after == sign_in_errors.RETRY_AFTER_THROTTLED_S
    assert (
        sign_in_errors.too_many_attempts(7).message == "Too many attempts; try again in 7 seconds."
    )


def test_only_cognitos_error_code_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    secret_bearing = "session-abcdef-0123456789"
    with (
        pytest.raises(sign_in_errors.SignInError),
        sign_in_errors.mapped(CHALLENGE, "AdminRespondToAuthChallenge"),
    ):
        raise client_error("ResourceNotFoundException", secret_bearing)
    with (
        pytest.raises(sign_in_errors.SignInError),
        sign_in_errors.mapped(PASSWORD, "AdminInitiateAuth"),
    ):
        raise client_error("SomethingNewException", secret_bearing)
    assert "ResourceNotFoundException" in caplog.text and "SomethingNewException" in caplog.text
    assert secret_bearing not in caplog.text


@pytest.mark.parametrize(
    ("exc", "status", "error"),
    [
        (botocore.exceptions.EndpointConnectionError(endpoint_url="http://x"), 503, "unavailable"),
        (botocore.exceptions.ReadTimeoutError(endpoint_url="http://x"), 503, "unavailable"),
        (botocore.exceptions.NoCredentialsError(), 502, "upstream_error"),
    ],
)
def test_transport_failures_are_not_the_callers(exc: Exception, status: int, error: str) -> None:
    with (
        pytest.raises(sign_in_errors.SignInError) as caught,
        sign_in_errors.mapped(PASSWORD, "AdminInitiateAuth"),
    ):
        raise exc
    assert (caught.value.status, caught.value.code, caught.value.counted) == (status, error, False)
