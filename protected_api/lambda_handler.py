"""AWS Lambda entry point: the same API behind API Gateway (HTTP API, payload format 2.0).

``handler`` is what the function's ``Handler`` setting names
(``protected_api.lambda_handler.handler``, infra/template.yaml). It builds the app
from the environment, with the same variables as a local run
(:mod:`protected_api.settings`), on the first event an execution environment
sees, and reuses it for the next events that environment serves.

Nothing is kept between requests but two caches, both safe to lose: the JWKS
(refetched on a cold start or an unknown ``kid``) and the boto3 client. No files,
no sessions, no lifespan: any environment can serve any request, so the API
scales out with Lambda's concurrency. Password sign-in's attempt counters, which
must not be per environment, live in the DynamoDB table ``ATTEMPT_STORE_TABLE``
names (:mod:`protected_api.dynamodb_attempts`; the template sets it). Admin calls
run with the function's IAM role; there is no secret to configure (unless the
automation client was given one: ``PASSWORD_SIGN_IN_CLIENT_SECRET``).

Mangum turns the API Gateway event into an ASGI request and the response back
into the event API Gateway expects; the ``$default`` stage serves at the root,
so paths reach FastAPI unchanged. The app's request limits hold here too
(:mod:`protected_api.request_limits`: the event's body arrives whole and is counted,
``Content-Length`` or not); API Gateway's own quotas act first (10 MB of payload;
for HTTP APIs, 10,240 bytes of request line and headers together, which a token at
Cognito's quotas can exceed, see docs/protected-api.md, "Token size").

Logging is the runtime's: it sends the root logger to CloudWatch Logs at the level
the function's ``LoggingConfig`` sets (INFO in the template, so the access and
audit lines arrive; botocore stays at WARNING, see :mod:`protected_api.app`).
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Mapping
from typing import Any

import mangum

from protected_api import app, settings

log = logging.getLogger(__name__)


def create_handler(environ: Mapping[str, str] = os.environ) -> mangum.Mangum:
    """A Lambda handler for the API configured by ``environ``.

    :class:`~protected_api.settings.SettingsError` (naming the variable) if the
    configuration is missing or wrong.
    """
    config = settings.Settings.from_env(environ)
    # lifespan="off": the app has no start-up or shut-down work, and Lambda gives no
    # shut-down signal to run it on.
    return mangum.Mangum(app.create_app(config), lifespan="off")


@functools.cache
def _environment_handler() -> mangum.Mangum:
    # One app per execution environment; an exception is not cached, so a fixed
    # configuration takes effect on the next event.
    try:
        return create_handler()
    except settings.SettingsError as exc:
        # The message names the variable; no value it could hold is a secret.
        log.error("protected_api is misconfigured: %s", exc)
        raise


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The function's entry point: one API Gateway event in, one response out."""
    return _environment_handler()(event, context)
