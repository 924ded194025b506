"""Cognito Lambda triggers for the user pool, one module per trigger.

Deployed as Lambda functions (standard library plus boto3/botocore, both in the
python3.11 runtime) and called in-process by the stand-in, which is why the package
imports nothing from the app, the stand-in, the API, the infrastructure or the tests.

Each trigger module has the same two functions: ``handler(event, context)``, Lambda's
entry point, and ``handle(event, config, cognito)``, which the stand-in and the tests
call with their own configuration and boto3 client. :data:`HANDLERS` says which module
serves which key of the pool's ``LambdaConfig``.

The event readers below are shared by every trigger: Cognito's event is input from
outside this code, so a field a trigger reads is checked before use, and a malformed
event fails with a :class:`ValueError` that names the field (never its value, which can
be personal data). The event's shape is the common one Cognito gives every trigger:
https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-working-with-lambda-triggers.html
"""

from __future__ import annotations

from typing import Any

#: The user attribute holding the account's plan; admins set it, users cannot.
PLAN_ATTRIBUTE = "custom:plan"
#: The claim pre token generation puts the plan in, in the ID and access tokens.
PLAN_CLAIM = "plan"
#: The user attribute post authentication stamps with the sign-in time.
LAST_SIGN_IN_ATTRIBUTE = "custom:last_sign_in"
#: A plan value that may go into a token (anything else is replaced by the default plan).
PLAN_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,31}$"

#: The user pool ``LambdaConfig`` key each trigger module serves.
HANDLERS: dict[str, str] = {
    "PreSignUp": "triggers.pre_sign_up",
    "PostConfirmation": "triggers.post_confirmation",
    "PreTokenGeneration": "triggers.pre_token_generation",
    "PostAuthentication": "triggers.post_authentication",
    "CustomMessage": "triggers.custom_message",
}


def _object(value: object, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"malformed Cognito event: {path} must be a JSON object")
    return value


def text(event: object, name: str) -> str:
    """The top-level string field ``name`` (``userPoolId``, ``userName``...), non-empty."""
    value = _object(event, "the event").get(name)
    if not isinstance(value, str) or not value:
        raise ValueError(f"malformed Cognito event: {name} must be a non-empty string")
    return value


def trigger_source(event: object) -> str:
    """``triggerSource``: what Cognito was doing when it called the trigger."""
    return text(event, "triggerSource")


def version(event: object) -> str:
    """``version`` as a string: Cognito sends ``"1"``/``"2"``, but the guide's sample
    events show a bare number, so both are read the same way."""
    value = _object(event, "the event").get("version")
    # bool is an int; True is no version.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str) or not value:
        raise ValueError("malformed Cognito event: version must be a string or a number")
    return value


def request(event: object) -> dict[str, Any]:
    """``request``, the trigger-specific input."""
    return _object(_object(event, "the event").get("request"), "request")


def user_attributes(event: object) -> dict[str, Any]:
    """``request.userAttributes``. Only the keys are checked here: Cognito sends string
    values, but a trigger reads an attribute through :func:`attribute`, which checks it."""
    attributes = _object(request(event).get("userAttributes"), "request.userAttributes")
    if not all(isinstance(key, str) for key in attributes):
        raise ValueError("malformed Cognito event: request.userAttributes keys must be strings")
    return attributes


def attribute(event: object, name: str) -> str | None:
    """The user attribute ``name``, or ``None`` when the user has none."""
    value = user_attributes(event).get(name)
    if value is not None and not isinstance(value, str):
        raise ValueError(f"malformed Cognito event: request.userAttributes.{name} must be a string")
    return value


def request_text(event: object, name: str) -> str:
    """The non-empty string ``request.<name>`` (``codeParameter``, ``usernameParameter``)."""
    value = request(event).get(name)
    if not isinstance(value, str) or not value:
        raise ValueError(f"malformed Cognito event: request.{name} must be a non-empty string")
    return value


def response(event: dict[str, Any]) -> dict[str, Any]:
    """``response``, created when Cognito sent none or ``null`` (it does for several
    triggers), so a trigger can fill it in."""
    current = event.get("response")
    if current is None:
        current = event["response"] = {}
    return _object(current, "response")
