"""The triggers' boto3 client, and how its failures are named in logs."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import boto3
import botocore.config
import botocore.exceptions

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

#: What a Cognito call can raise: the service's answer, or no answer at all.
ERRORS = (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError)


#: Cognito waits 5 s for a trigger in all (and retries the invocation itself), so a
#: call gets one attempt of at most 1 s to connect and 3 s to answer: 4 s, within it.
#: (The stand-in gives the handlers a client with this configuration too.)
CLIENT_CONFIG = botocore.config.Config(
    connect_timeout=1,
    read_timeout=3,
    retries={"total_max_attempts": 1, "mode": "standard"},
)


@functools.cache
def cognito_client() -> CognitoIdentityProviderClient:
    """The ``cognito-idp`` client for this execution environment (built once, on first
    use; region and credentials from Lambda's environment; :data:`CLIENT_CONFIG`)."""
    return boto3.client("cognito-idp", config=CLIENT_CONFIG)


def error_code(exc: Exception) -> str:
    """A log-safe name for a failed call: Cognito's error code (``ResourceNotFoundException``)
    or botocore's exception class (``ConnectTimeoutError``); never the message, which
    can repeat what was sent."""
    if isinstance(exc, botocore.exceptions.ClientError):
        return str(exc.response.get("Error", {}).get("Code", "ClientError"))
    return type(exc).__name__
