"""Pre sign-up: self-service sign-up only from the allowed email domains.

Cognito calls it before it creates a user: ``PreSignUp_SignUp`` (self-service sign-up),
``PreSignUp_AdminCreateUser`` and ``PreSignUp_ExternalProvider`` (first federated
sign-in). Only the first is checked against :attr:`Config.allowed_email_domains`: an
administrator chose the user in the second, a trusted identity provider vouches for the
third. Nothing is ever auto-confirmed or auto-verified: the person proves the address
with the code Cognito sends.

Raising refuses the sign-up; Cognito answers the client with
``UserLambdaValidationException`` "PreSignUp failed with error <message>.", so the
message of :class:`SignUpRefused` is written for the person signing up.
https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-pre-sign-up.html
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

_SELF_SERVICE = "PreSignUp_SignUp"


class SignUpRefused(Exception):  # noqa: N818 - named for what the person is told
    """The address is not in an allowed domain; the message is for the person."""


def _domain_list(domains: tuple[str, ...]) -> str:
    """``a``, ``a or b``, ``a, b or c``."""
    if len(domains) == 1:
        return domains[0]
    return f"{', '.join(domains[:-1])} or {domains[-1]}"


def _allowed(email: str | None, domains: tuple[str, ...]) -> bool:
    """The text after the last "@", lowercased, is exactly one of ``domains``: so
    ``evil-example.com`` and ``example.com.evil.org`` are not ``example.com``."""
    if email is None or "@" not in email:
        return False
    return email.rpartition("@")[2].lower() in domains


def handle(event: dict[str, Any], config: Config, cognito: Callable[[], Any]) -> dict[str, Any]:
    """Returns the event with `response` filled in (Cognito's documented shape).

    :class:`SignUpRefused` for a self-service sign-up from a domain not allowed (an
    address missing altogether included: a phone-only sign-up cannot show a domain).
    ``cognito`` is never called.
    """
    source = triggers.trigger_source(event)
    pool_id = triggers.text(event, "userPoolId")
    email = triggers.attribute(event, "email")
    response = triggers.response(event)
    domains = config.allowed_email_domains
    if source == _SELF_SERVICE and domains and not _allowed(email, domains):
        # Neither the address nor its domain: they are the person's data.
        log.info("%s refused in %s: email domain not allowed", source, pool_id)
        raise SignUpRefused(f"Sign-up is open to addresses at {_domain_list(domains)} only")
    response["autoConfirmUser"] = False
    response["autoVerifyEmail"] = False
    response["autoVerifyPhone"] = False
    return event


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda's entry point."""
    return handle(event, Config.from_env(os.environ), aws.cognito_client)
