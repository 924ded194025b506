"""Cognito's Lambda triggers, run in-process by the stand-in (``cognito-local up --triggers``).

The handlers are the ones the template deploys (the ``triggers`` package); this module
plays the part of Cognito around them: it builds the event Cognito sends for each
operation (common fields, ``triggerSource``, ``request``, an empty ``response``), calls
the handler synchronously with Cognito's 5-second limit, and turns what comes back into
what Cognito does with it. Each trigger and event source is a row in the fidelity table
of docs/local-cognito.md. Sources:

- Customizing user pool workflows with Lambda triggers (common parameters, synchronous
  invocation, the 5 s limit, errors):
  https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-working-with-lambda-triggers.html
- Pre sign-up, Post confirmation, Pre token generation, Post authentication, Custom message:
  https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-pre-sign-up.html
  https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-post-confirmation.html
  https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-pre-token-generation.html
  https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-post-authentication.html
  https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-custom-message.html

A handler that calls Cognito (post confirmation, post authentication, custom message)
gets a boto3 client pointed at the stand-in itself, over HTTP, as a deployed function
gets one pointed at Cognito: :meth:`Triggers.bind` sets it once the server listens.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import json
import logging
import threading
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from typing import Any

import boto3
from moto.core.exceptions import JsonRESTError

import triggers
from local_cognito import tokens
from triggers import aws as trigger_aws
from triggers import config as trigger_config

log = logging.getLogger(__name__)

Handle = Callable[[dict[str, Any], trigger_config.Config, Callable[[], Any]], dict[str, Any]]

# Cognito: "your Lambda function must respond within 5 seconds".
TIMEOUT_S = 5.0
# The names the stand-in runs, as LambdaConfig keys (PreTokenGenerationConfig is V2_0).
NAMES = tuple(triggers.HANDLERS)
# Custom message: Cognito's placeholders, and its limits on the answer.
CODE_PARAMETER = "{####}"
LINK_PARAMETER = "{##Click Here##}"  # for link verification, which the stand-in does not send
USERNAME_PARAMETER = "{username}"
MAX_EMAIL_MESSAGE = 20_000
MAX_EMAIL_SUBJECT = 140
# What callerContext.clientId says for an operation no app client made (AdminCreateUser...).
NO_CLIENT = "CLIENT_ID_NOT_APPLICABLE"
# Cognito's SDK tag in callerContext; the stand-in names itself.
SDK_VERSION = "aws-sdk-local-cognito"


def lambda_error(kind: str, message: str) -> JsonRESTError:
    """A trigger failure as the cognito-idp API reports it (``__type`` and ``message``)."""
    return JsonRESTError(kind, message)


def failed(name: str, detail: str) -> JsonRESTError:
    """``UserLambdaValidationException`` "<Trigger> failed with error <detail>."."""
    return lambda_error("UserLambdaValidationException", f"{name} failed with error {detail}.")


def _default_handlers() -> dict[str, Handle]:
    return {
        name: importlib.import_module(module).handle for name, module in triggers.HANDLERS.items()
    }


class Triggers:
    """The user pool's ``LambdaConfig``: which triggers run, and running them."""

    def __init__(
        self,
        pool: Any,
        config: trigger_config.Config,
        enabled: frozenset[str] = frozenset(),
        *,
        timeout_s: float = TIMEOUT_S,
        handlers: Mapping[str, Handle] | None = None,
    ) -> None:
        unknown = enabled - set(NAMES)
        if unknown:
            raise ValueError(f"unknown triggers: {', '.join(sorted(unknown))}")
        self._pool = pool  # moto's CognitoIdpUserPool
        self.config = config
        self.enabled = enabled
        self.timeout_s = timeout_s
        self._handlers: dict[str, Handle] = dict(handlers) if handlers else {}
        self._client: Any = None
        self._client_lock = threading.Lock()
        self._endpoint: str | None = None
        self._released: Callable[[], AbstractContextManager[None]] = contextlib.nullcontext

    def on(self, name: str) -> bool:
        return name in self.enabled

    def replace(self, name: str, handle: Handle) -> None:
        """Run ``handle`` for trigger ``name`` (turning it on): another function in the
        pool's LambdaConfig, e.g. a test's recording, failing or slow one."""
        if name not in NAMES:
            raise ValueError(f"unknown trigger {name!r}")
        self._handlers[name] = handle
        self.enabled = self.enabled | {name}

    def handler(self, name: str) -> Handle:
        """The function trigger ``name`` runs (the ``triggers`` package's by default)."""
        found = self._handlers.get(name)
        if found is None:
            found = self._handlers.setdefault(name, _default_handlers()[name])
        return found

    def bind(
        self, endpoint: str, released: Callable[[], AbstractContextManager[None]] | None = None
    ) -> None:
        """Point the handlers' Cognito client at the stand-in serving on ``endpoint``;
        ``released``: what lets that server take other requests while one waits for a
        handler (it serves one request at a time)."""
        self._endpoint = endpoint
        if released is not None:
            self._released = released
        self.config = _with_login_url(self.config, endpoint)

    def cognito(self) -> Any:
        """The boto3 cognito-idp client a handler calls, made on first use."""
        with self._client_lock:
            if self._client is None:
                if self._endpoint is None:
                    raise RuntimeError("the stand-in is not serving: no endpoint for triggers")
                self._client = boto3.client(
                    "cognito-idp",
                    endpoint_url=self._endpoint,
                    region_name=self._pool.region,
                    # The stand-in checks no signature; boto3 still wants something to sign with.
                    aws_access_key_id="local-cognito",
                    aws_secret_access_key="local-cognito",
                    config=trigger_aws.CLIENT_CONFIG,  # the deployed functions' own
                )
            return self._client

    def run(
        self,
        name: str,
        source: str,
        username: str,
        user_attributes: Mapping[str, str],
        *,
        client_id: str | None = None,
        request: Mapping[str, Any] | None = None,
        version: str = "1",
        response: Mapping[str, Any] | None = None,
    ) -> dict[str, Any] | None:
        """Invoke trigger ``name`` for ``source``; its ``response``, or None when it is off.

        Raises ``UserLambdaValidationException`` when the handler raises,
        ``UnexpectedLambdaException`` when it outlives the timeout, and
        ``InvalidLambdaResponseException`` when it returns something that is not the
        event (Cognito reads the returned event's ``response``).
        """
        if name not in self.enabled:
            return None
        event = {
            "version": version,
            "triggerSource": source,
            "region": self._pool.region,
            "userPoolId": self._pool.id,
            "userName": username,
            "callerContext": {"awsSdkVersion": SDK_VERSION, "clientId": client_id or NO_CLIENT},
            "request": {"userAttributes": dict(user_attributes), **(request or {})},
            "response": dict(response or {}),
        }
        result = self._call(name, event)
        response = result.get("response") if isinstance(result, dict) else None
        if not isinstance(response, dict):
            raise lambda_error("InvalidLambdaResponseException", "Unrecognizable lambda output")
        log.info("trigger %s ran for %s", name, source)
        return response

    def _call(self, name: str, event: dict[str, Any]) -> Any:
        handle = self.handler(name)
        # Lambda gets JSON and returns JSON: the handler sees a copy, and what it
        # returns must survive the trip (anything else is an unrecognizable output).
        sent = json.loads(json.dumps(event))
        outcome: dict[str, Any] = {}

        def invoke() -> None:
            try:
                outcome["result"] = handle(sent, self.config, self.cognito)
            except Exception as exc:
                outcome["error"] = exc

        worker = threading.Thread(target=invoke, name=f"trigger-{name}", daemon=True)
        with self._released():
            worker.start()
            worker.join(self.timeout_s)
        if worker.is_alive():
            # The thread cannot be stopped; its late answer is ignored, as Lambda's is.
            log.warning("trigger %s timed out after %.1f s", name, self.timeout_s)
            raise lambda_error(
                "UnexpectedLambdaException", f"{name} invocation failed due to error Timeout."
            )
        if "error" in outcome:
            exc = outcome["error"]
            log.info("trigger %s failed: %s", name, type(exc).__name__)
            raise failed(name, str(exc) or type(exc).__name__)
        try:
            return json.loads(json.dumps(outcome.get("result")))
        except (TypeError, ValueError) as exc:
            raise lambda_error(
                "InvalidLambdaResponseException", "Unrecognizable lambda output"
            ) from exc


def _with_login_url(config: trigger_config.Config, endpoint: str) -> trigger_config.Config:
    if config.managed_login_url:
        return config
    return dataclasses.replace(config, managed_login_url=endpoint)


def user_attributes(user: Any) -> dict[str, str]:
    """``request.userAttributes`` for a moto user: its attributes, ``sub`` and status."""
    found = {str(k): str(v) for k, v in user.attribute_lookup.items()}
    found["sub"] = str(user.id)
    found["cognito:user_status"] = str(user.status.value)
    return found


# -- what Cognito does with each trigger's answer ------------------------------------------


def pre_sign_up(
    hooks: Triggers,
    source: str,
    username: str,
    attributes: Mapping[str, str],
    *,
    client_id: str | None = None,
    validation_data: Mapping[str, str] | None = None,
    client_metadata: Mapping[str, str] | None = None,
) -> tuple[bool, bool]:
    """Run pre sign-up; (auto-confirm, auto-verify email) as its answer asks.

    A refusal raises (``UserLambdaValidationException``) and nothing is created. Cognito
    verifies the email automatically only for a user it also confirms.
    """
    request: dict[str, Any] = {"validationData": dict(validation_data or {})}
    if client_metadata:
        request["clientMetadata"] = dict(client_metadata)
    answer = hooks.run(
        "PreSignUp",
        source,
        username,
        attributes,
        client_id=client_id,
        request=request,
        response={"autoConfirmUser": False, "autoVerifyEmail": False, "autoVerifyPhone": False},
    )
    if not answer:
        return False, False
    confirm = answer.get("autoConfirmUser") is True
    return confirm, confirm and answer.get("autoVerifyEmail") is True


def custom_message(
    hooks: Triggers,
    source: str,
    user: Any,
    *,
    client_id: str | None = None,
) -> tuple[str, str] | None:
    """Run custom message; (subject, body) with Cognito's placeholders still in, or None
    for the pool's own message (trigger off, or an answer without the code placeholder)."""
    admin = source == "CustomMessage_AdminCreateUser"
    request: dict[str, Any] = {
        "codeParameter": CODE_PARAMETER,
        "linkParameter": LINK_PARAMETER,
        "usernameParameter": USERNAME_PARAMETER if admin else None,
    }
    answer = hooks.run(
        "CustomMessage",
        source,
        user.username,
        user_attributes(user),
        client_id=client_id,
        request=request,
        response={"smsMessage": None, "emailMessage": None, "emailSubject": None},
    )
    if not answer:
        return None
    body = answer.get("emailMessage")
    subject = answer.get("emailSubject")
    if not isinstance(body, str) or CODE_PARAMETER not in body:
        return None
    if admin and USERNAME_PARAMETER not in body:
        return None
    if len(body) > MAX_EMAIL_MESSAGE:
        raise lambda_error(
            "InvalidLambdaResponseException", "Invalid lambda response: emailMessage too long"
        )
    if not isinstance(subject, str) or not subject:
        subject = ""
    return subject[:MAX_EMAIL_SUBJECT], body


def post_confirmation(
    hooks: Triggers, source: str, user: Any, *, client_id: str | None = None
) -> None:
    """Run post confirmation after a confirmation that has already happened."""
    hooks.run("PostConfirmation", source, user.username, user_attributes(user), client_id=client_id)


def post_authentication(hooks: Triggers, user: Any, *, client_id: str | None = None) -> None:
    """Run post authentication; a failure fails the sign-in (no tokens)."""
    hooks.run(
        "PostAuthentication",
        "PostAuthentication_Authentication",
        user.username,
        user_attributes(user),
        client_id=client_id,
        request={"newDeviceUsed": False},
    )


# Claims a pre token generation trigger cannot add, change or suppress ("Claims you
# can't modify"); every other ``cognito:`` claim is Cognito's too (the groups change
# only through groupOverrideDetails), and ``dev:`` claims can only be suppressed.
# Cognito leaves such a claim as it was; so does the stand-in (and logs it).
RESERVED_CLAIMS = frozenset(
    {
        "acr",
        "amr",
        "aud",
        "at_hash",
        "auth_time",
        "azp",
        "client_id",
        "cognito:username",
        "device_key",
        "event_id",
        "exp",
        "iat",
        "identities",
        "iss",
        "jti",
        "nbf",
        "nonce",
        "origin_jti",
        "scope",
        "sub",
        "token_use",
        "username",
        "version",
    }
)


def token_customization(
    hooks: Triggers,
    source: str,
    user: Any,
    *,
    client_id: str,
    scopes: tuple[str, ...],
    groups: list[str],
) -> tokens.Customization | None:
    """Run pre token generation (the V2_0 event: both tokens); the changes Cognito
    makes from its answer, or None when the trigger is off.

    Claims Cognito keeps for itself are left alone (:data:`RESERVED_CLAIMS`, other
    ``cognito:`` claims: ``cognito:groups`` changes only through
    ``groupOverrideDetails``); a claim both added and suppressed is suppressed;
    ``groupOverrideDetails`` present but null or empty suppresses the groups.
    """
    request = {
        "groupConfiguration": {
            "groupsToOverride": list(groups),
            "iamRolesToOverride": [],
            "preferredRole": None,
        },
        "scopes": list(scopes),
    }
    answer = hooks.run(
        "PreTokenGeneration",
        source,
        user.username,
        user_attributes(user),
        client_id=client_id,
        request=request,
        version="2",
        response={"claimsAndScopeOverrideDetails": None},
    )
    if answer is None:
        return None
    details = answer.get("claimsAndScopeOverrideDetails") or {}
    if not isinstance(details, dict):
        raise _bad_response("claimsAndScopeOverrideDetails")
    id_part = _section(details, "idTokenGeneration")
    access_part = _section(details, "accessTokenGeneration")
    groups_override: tuple[str, ...] | None = None
    if "groupOverrideDetails" in details:
        group_part = _section(details, "groupOverrideDetails")
        groups_override = tuple(_strings(group_part.get("groupsToOverride") or [], "groups"))
    return tokens.Customization(
        id_claims=_claims(id_part),
        id_suppress=_suppressed(id_part),
        access_claims=_claims(access_part),
        access_suppress=_suppressed(access_part),
        scopes_add=tuple(_scopes(access_part, "scopesToAdd")),
        scopes_suppress=frozenset(_scopes(access_part, "scopesToSuppress")),
        groups=groups_override,
    )


def _bad_response(field: str) -> JsonRESTError:
    return lambda_error("InvalidLambdaResponseException", f"Invalid lambda response: {field}")


def _section(details: dict[str, Any], name: str) -> dict[str, Any]:
    part = details.get(name) or {}
    if not isinstance(part, dict):
        raise _bad_response(name)
    return part


def _strings(value: Any, field: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _bad_response(field)
    return list(value)


def _cognito_owned(name: str, *, suppressing: bool) -> bool:
    if name in RESERVED_CLAIMS or name.startswith("cognito:"):  # groups included
        return True
    return name.startswith("dev:") and not suppressing


def _kept(names: list[str], *, suppressing: bool) -> list[str]:
    refused = [n for n in names if _cognito_owned(n, suppressing=suppressing)]
    if refused:
        log.warning("pre token generation: left Cognito's claims alone: %s", ", ".join(refused))
    return [n for n in names if n not in refused]


def _suppressed(part: dict[str, Any]) -> frozenset[str]:
    names = _strings(part.get("claimsToSuppress") or [], "claimsToSuppress")
    return frozenset(_kept(names, suppressing=True))


def _claims(part: dict[str, Any]) -> dict[str, Any]:
    claims = part.get("claimsToAddOrOverride") or {}
    if not isinstance(claims, dict):
        raise _bad_response("claimsToAddOrOverride")
    kept = _kept(list(claims), suppressing=False)
    return {name: claims[name] for name in kept}


def _scopes(part: dict[str, Any], field: str) -> list[str]:
    scopes = _strings(part.get(field) or [], field)
    if any(not s or any(c.isspace() for c in s) for s in scopes):
        raise _bad_response(f"{field}: a scope is empty or has a space")
    return scopes
