"""Cognito's failures as the API's answers: every botocore exception becomes an AdminError.

Every boto3 call of :mod:`protected_api.cognito_admin` runs inside :func:`mapped`,
so the routes never see botocore and no Cognito failure becomes a 500:

* error codes the caller can act on keep Cognito's message (it describes the
  request, "User does not exist."): 404 ``not_found``, 409 ``already_exists``,
  400 ``invalid_parameter``, 409 ``invalid_state``;
* throttling is 429 ``throttled`` and an outage (5xx, refused, timed out) 503
  ``unavailable``, both with a ``Retry-After`` and a message of our own;
* anything else (no credentials, a code nobody expected) is 502
  ``upstream_error``: the API's problem, not the caller's.

Throttling and outages come here only after botocore's own retries (standard
mode, 3 attempts, set in :meth:`protected_api.cognito_admin.CognitoAdmin.from_settings`).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

import botocore.exceptions

from protected_api import admin_errors

log = logging.getLogger(__name__)

RETRY_AFTER_THROTTLED_S = 2
RETRY_AFTER_UNAVAILABLE_S = 5
_MAX_MESSAGE = 300

# Error code -> (status, error) for the failures the caller can act on.
_CALLER_ERRORS: dict[str, tuple[int, str]] = {
    **dict.fromkeys(("UserNotFoundException", "ResourceNotFoundException"), (404, "not_found")),
    **dict.fromkeys(
        ("UsernameExistsException", "AliasExistsException", "GroupExistsException"),
        (409, "already_exists"),
    ),
    # InvalidToken is moto's answer to a pagination token it cannot read (Cognito
    # says InvalidParameterException); either way the caller sent it.
    **dict.fromkeys(
        ("InvalidParameterException", "InvalidPasswordException", "InvalidToken"),
        (400, "invalid_parameter"),
    ),
    # The request is well formed but the user's state forbids it (e.g. resending an
    # invitation to a confirmed user, resetting a disabled user's password).
    **dict.fromkeys(
        ("UnsupportedUserStateException", "NotAuthorizedException", "UserNotConfirmedException"),
        (409, "invalid_state"),
    ),
}
_THROTTLED = frozenset(
    {"TooManyRequestsException", "LimitExceededException", "ThrottlingException"}
)


def _unavailable(message: str) -> admin_errors.AdminError:
    return admin_errors.AdminError(
        503, "unavailable", message, retry_after=RETRY_AFTER_UNAVAILABLE_S
    )


@contextlib.contextmanager
def mapped(operation: str) -> Iterator[None]:
    """Run a boto3 call, turning every botocore failure into an ``AdminError``.

    ``operation`` (``"AdminGetUser"``) only names the call in the log.
    """
    try:
        yield
    except botocore.exceptions.ClientError as exc:
        raise from_client_error(operation, exc) from None
    except (botocore.exceptions.ConnectionError, botocore.exceptions.HTTPClientError) as exc:
        # Refused, timed out or dropped, after botocore's retries.
        log.warning("%s: Cognito unreachable (%s)", operation, type(exc).__name__)
        raise _unavailable("the user directory cannot be reached; try again later") from None
    except botocore.exceptions.BotoCoreError as exc:
        # No credentials, bad endpoint configuration...: the API's problem, not the caller's.
        log.error("%s: botocore error %s", operation, type(exc).__name__)
        raise admin_errors.AdminError(
            502, "upstream_error", "the user directory call failed"
        ) from None


def from_client_error(
    operation: str, exc: botocore.exceptions.ClientError
) -> admin_errors.AdminError:
    """The answer for an error Cognito returned (see the module docstring)."""
    error = exc.response.get("Error", {})
    code = str(error.get("Code", ""))
    # Cognito's messages describe the request ("User does not exist.", "Invalid
    # email address format."); they never echo a password, but cap them anyway.
    message = str(error.get("Message") or code)[:_MAX_MESSAGE]
    http_status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
    log.info("%s: Cognito answered %s (HTTP %s)", operation, code, http_status)
    if code in _CALLER_ERRORS:
        status, answer = _CALLER_ERRORS[code]
        return admin_errors.AdminError(status, answer, message, upstream=code)
    if code in _THROTTLED:
        return admin_errors.AdminError(
            429,
            "throttled",
            "too many requests to the user directory; slow down",
            retry_after=RETRY_AFTER_THROTTLED_S,
            upstream=code,
        )
    if http_status >= 500:
        return _unavailable("the user directory is unavailable; try again later")
    log.warning("%s: unexpected Cognito error %s", operation, code)
    return admin_errors.AdminError(
        502, "upstream_error", "the user directory returned an unexpected error"
    )
