"""Post confirmation: a self-registered user joins the default group once confirmed.

Cognito calls it with ``PostConfirmation_ConfirmSignUp`` after ``ConfirmSignUp`` or
``AdminConfirmSignUp`` (never for users an administrator created), and with
``PostConfirmation_ConfirmForgotPassword`` after a password reset, which changes nothing
here. The confirmation has already happened when the trigger runs, so a failed
group call is logged and the sign-up still succeeds: an administrator can add the user
to the group later, while failing would leave a confirmed user told that confirming failed.
https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-post-confirmation.html
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any

import triggers
from triggers import aws
from triggers.config import Config

log = logging.getLogger(__name__)

_CONFIRM_SIGN_UP = "PostConfirmation_ConfirmSignUp"


def handle(event: dict[str, Any], config: Config, cognito: Callable[[], Any]) -> dict[str, Any]:
    """Returns the event with `response` filled in (Cognito's documented shape).

    On ``PostConfirmation_ConfirmSignUp`` with a default group configured, adds the user
    to it. Cognito expects nothing in the response.
    """
    source = triggers.trigger_source(event)
    pool_id = triggers.text(event, "userPoolId")
    if source != _CONFIRM_SIGN_UP or not config.default_group:
        return event
    username = triggers.text(event, "userName")
    triggers.user_attributes(event)
    try:
        cognito().admin_add_user_to_group(
            UserPoolId=pool_id, Username=username, GroupName=config.default_group
        )
    except aws.ERRORS as exc:
        log.error(
            "%s in %s: AdminAddUserToGroup failed (%s); the user stays confirmed, without "
            "the default group",
            source,
            pool_id,
            aws.error_code(exc),
        )
    return event


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda's entry point."""
    return handle(event, Config.from_env(os.environ), aws.cognito_client)
