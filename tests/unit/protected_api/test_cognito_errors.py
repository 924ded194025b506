"""Every botocore failure becomes the AdminError the module docstring's table promises."""

from __future__ import annotations

import botocore.exceptions
import pytest

from protected_api import admin_errors, cognito_errors


def client_error(code: str, http_status: int = 400, message: str = "Cognito says why") -> Exception:
    response = {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": http_status},
    }
    return botocore.exceptions.ClientError(response, "AdminDisableUser")


def answer_to(exc: Exception) -> admin_errors.AdminError:
    with (
        pytest.raises(admin_errors.AdminError) as caught,
        cognito_errors.mapped("AdminDisableUser"),
    ):
        raise exc
    return caught.value


@pytest.mark.parametrize(
    ("code", "http_status", "status", "error"),
    [
        ("UserNotFoundException", 400, 404, "not_found"),
        ("ResourceNotFoundException", 400, 404, "not_found"),
        ("UsernameExistsException", 400, 409, "already_exists"),
        ("AliasExistsException", 400, 409, "already_exists"),
        ("GroupExistsException", 400, 409, "already_exists"),
        ("InvalidParameterException", 400, 400, "invalid_parameter"),
        ("InvalidPasswordException", 400, 400, "invalid_parameter"),
        ("InvalidToken", 400, 400, "invalid_parameter"),
        ("UnsupportedUserStateException", 400, 409, "invalid_state"),
        ("NotAuthorizedException", 400, 409, "invalid_state"),
        ("UserNotConfirmedException", 400, 409, "invalid_state"),
        ("TooManyRequestsException", 400, 429, "throttled"),
        ("LimitExceededException", 400, 429, "throttled"),
        ("ThrottlingException", 400, 429, "throttled"),
        ("InternalErrorException", 500, 503, "unavailable"),
        ("ServiceUnavailable", 503, 503, "unavailable"),
        ("AccessDeniedException", 400, 502, "upstream_error"),
        ("SomethingNewException", 400, 502, "upstream_error"),
    ],
)
def test_cognito_errors_map_to_http_answers(
    code: str, http_status: int, status: int, error: str
) -> None:
    answer = answer_to(client_error(code, http_status))
    assert (answer.status, answer.code) == (status, error)
    if status in (400, 404, 409):
        assert answer.message == "Cognito says why"
    else:  # Throttling, outages and surprises say nothing about Cognito's internals.
        assert "Cognito says why" not in answer.message
    expected_wait = {
        429: cognito_errors.RETRY_AFTER_THROTTLED_S,
        503: cognito_errors.RETRY_AFTER_UNAVAILABLE_S,
    }
    assert answer.retry_after == expected_wait.get(status)


def test_cognito_messages_are_capped() -> None:
    answer = answer_to(client_error("InvalidParameterException", message="x" * 5000))
    assert answer.message == "x" * 300


def test_a_client_error_without_a_message_answers_its_code() -> None:
    answer = answer_to(client_error("UserNotFoundException", message=""))
    assert answer.message == "UserNotFoundException"


@pytest.mark.parametrize(
    ("exc", "status", "error"),
    [
        (botocore.exceptions.EndpointConnectionError(endpoint_url="http://x"), 503, "unavailable"),
        (botocore.exceptions.ConnectTimeoutError(endpoint_url="http://x"), 503, "unavailable"),
        (botocore.exceptions.ReadTimeoutError(endpoint_url="http://x"), 503, "unavailable"),
        (botocore.exceptions.NoCredentialsError(), 502, "upstream_error"),
        (botocore.exceptions.NoRegionError(), 502, "upstream_error"),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Exception) else str(value),
)
def test_transport_and_configuration_failures(exc: Exception, status: int, error: str) -> None:
    answer = answer_to(exc)
    assert (answer.status, answer.code) == (status, error)


def test_other_exceptions_pass_through_unchanged() -> None:
    with pytest.raises(KeyError), cognito_errors.mapped("AdminGetUser"):
        raise KeyError("Username")


@pytest.mark.parametrize(
    ("code", "upstream"),
    [
        ("UsernameExistsException", "UsernameExistsException"),
        ("AliasExistsException", "AliasExistsException"),
        ("TooManyRequestsException", "TooManyRequestsException"),
        ("SomethingNewException", None),  # not one the caller may act on: not passed on
    ],
)
def test_the_answer_keeps_cognitos_code_where_the_caller_acts_on_it(
    code: str, upstream: str | None
) -> None:
    # already_exists alone cannot tell a taken username (an import's "exists") from a
    # taken alias (a failure).
    assert answer_to(client_error(code, 400)).upstream == upstream
