"""Post authentication: stamp ``custom:last_sign_in`` with the time of each sign-in.

Cognito calls it with ``PostAuthentication_Authentication`` once a person has proved who
they are, before the tokens go out. The stamp is bookkeeping (admins see when an
account was last used), so a failed call is logged and the sign-in goes ahead; the
event must still come back, or Cognito fails the sign-in.
https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-post-authentication.html
"""

from __future__ import annotations

import datetime
import logging
import os
from collections.abc import Callable
from typing import Any

import triggers
from triggers import aws
from triggers.config import Config

log = logging.getLogger(__name__)

_AUTHENTICATION = "PostAuthentication_Authentication"


def _utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _stamp(moment: datetime.datetime) -> str:
    """``2024-05-01T09:30:00Z``: ISO 8601 in UTC, to the second."""
    if moment.tzinfo is None:
        # A naive time could be any zone; the clock must say which.
        raise ValueError("the clock must return a timezone-aware datetime")
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def handle(
    event: dict[str, Any],
    config: Config,
    cognito: Callable[[], Any],
    *,
    now: Callable[[], datetime.datetime] = _utc_now,
) -> dict[str, Any]:
    """Returns the event with `response` filled in (Cognito's documented shape).

    Cognito expects nothing in the response. ``now`` is the clock (tests inject one).
    """
    source = triggers.trigger_source(event)
    pool_id = triggers.text(event, "userPoolId")
    if source != _AUTHENTICATION:
        return event
    username = triggers.text(event, "userName")
    triggers.user_attributes(event)
    stamp = _stamp(now())
    try:
        cognito().admin_update_user_attributes(
            UserPoolId=pool_id,
            Username=username,
            UserAttributes=[{"Name": triggers.LAST_SIGN_IN_ATTRIBUTE, "Value": stamp}],
        )
    except aws.ERRORS as exc:
        log.error(
            "%s in %s: AdminUpdateUserAttributes failed (%s); sign-in goes ahead without "
            "the %s stamp",
            source,
            pool_id,
            aws.error_code(exc),
            triggers.LAST_SIGN_IN_ATTRIBUTE,
        )
    return event


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda's entry point."""
    return handle(event, Config.from_env(os.environ), aws.cognito_client)
