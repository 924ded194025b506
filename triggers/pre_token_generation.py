"""Pre token generation: the user's plan as a ``plan`` claim in the ID and access tokens.

The plan comes from the ``custom:plan`` attribute, and only a value matching
:data:`triggers.PLAN_PATTERN` goes into a token; anything else (unset, or a hostile
value such as ``Admin"``) becomes :attr:`Config.default_plan`. The trigger only ever
adds that one claim: it never touches groups (``groupOverrideDetails``) or any claim
Cognito reserves, so what a token says about authority is Cognito's alone. The
response is rebuilt whole rather than edited, so nothing already in the incoming
response can ride along.

Event versions: ``V1_0`` (``version`` "1") customizes the ID token only, through
``claimsOverrideDetails``; ``V2_0`` ("2") both tokens, through
``claimsAndScopeOverrideDetails``. ``V3_0`` ("3") has the same shape as ``V2_0`` and adds
machine-to-machine tokens (``TokenGeneration_ClientCredentials``), which have no user and
so no plan: those are returned unchanged.
https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-pre-token-generation.html
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable
from typing import Any

import triggers
from triggers import aws
from triggers.config import Config

log = logging.getLogger(__name__)

_MACHINE = "TokenGeneration_ClientCredentials"


def _plan(event: dict[str, Any], config: Config, source: str, pool_id: str) -> str:
    value = triggers.attribute(event, triggers.PLAN_ATTRIBUTE)
    # fullmatch: PLAN_PATTERN's "$" alone would let "pro\n" through.
    if value is not None and re.fullmatch(triggers.PLAN_PATTERN, value):
        return value
    if value is not None:
        # Not the value: it may be someone's attempt at an injection, but it is data.
        log.warning(
            "%s in %s: %s is not a valid plan; using the default",
            source,
            pool_id,
            triggers.PLAN_ATTRIBUTE,
        )
    return config.default_plan


def handle(event: dict[str, Any], config: Config, cognito: Callable[[], Any]) -> dict[str, Any]:
    """Returns the event with `response` filled in (Cognito's documented shape).

    ``cognito`` is never called. A ``version`` other than 1, 2 or 3 is a malformed event.
    """
    source = triggers.trigger_source(event)
    pool_id = triggers.text(event, "userPoolId")
    version = triggers.version(event)
    if version not in ("1", "2", "3"):
        raise ValueError("malformed Cognito event: version must be 1, 2 or 3")
    if source == _MACHINE:
        return event
    claims = {triggers.PLAN_CLAIM: _plan(event, config, source, pool_id)}
    if version == "1":
        event["response"] = {"claimsOverrideDetails": {"claimsToAddOrOverride": claims}}
    else:
        event["response"] = {
            "claimsAndScopeOverrideDetails": {
                "idTokenGeneration": {"claimsToAddOrOverride": claims},
                "accessTokenGeneration": {"claimsToAddOrOverride": dict(claims)},
            }
        }
    return event


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda's entry point."""
    return handle(event, Config.from_env(os.environ), aws.cognito_client)
