"""``/auth``: password sign-in for automation and headless test rigs (off unless configured).

Three routes, served only when ``PASSWORD_SIGN_IN_CLIENT_ID`` is set (otherwise they do
not exist: 404 like any unknown path, see :func:`protected_api.app.create_app`):

* ``POST /auth/sign-in`` ``{"username", "password"}``;
* ``POST /auth/challenge`` ``{"challenge", "session", "username", "new_password"?,
  "code"?, "action"?}``;
* ``POST /auth/refresh`` ``{"refresh_token", "username"}``.

They answer tokens ``{"access_token", "id_token", "refresh_token", "expires_in",
"token_type": "Bearer"}`` (a refresh: without ``refresh_token``), a challenge
``{"challenge", "session", "username"}``, or for ``MFA_SETUP`` with ``"action":
"associate"`` the new authenticator's ``{"secret", "session"}``. Failures are
``{"error", "message"}`` (:mod:`protected_api.sign_in_errors`). No token is needed:
the body is the credential. Every answer has ``Cache-Control: no-store``.

The body is read here, not by FastAPI: it must be strict JSON
(:mod:`protected_api.strict_json`) of exactly the route's fields, and a bad one is 400
``invalid_request`` naming the fields, never their values (FastAPI's 422 lists the
rejected input, which here is a password). Bodies are already size-limited by
:mod:`protected_api.request_limits`.

Each request writes one audit line (:func:`protected_api.audit.record_sign_in`); a
body that is not valid writes none. A sign-in's answer is held until
:attr:`~protected_api.password_sign_in.SignInService.floor_s` after it arrived, so an
unknown user's answer cannot be told from a wrong password's by its time.
"""

from __future__ import annotations

import asyncio
import time
import unicodedata
from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar

import fastapi
import pydantic
import starlette.concurrency

from protected_api import (
    audit,
    cognito_sign_in,
    password_sign_in,
    sign_in_errors,
    strict_json,
)

MAX_USERNAME = 128  # Cognito's Username: 1..128
MAX_PASSWORD = 256  # Cognito's Password: 6..256 (the pool's policy decides the minimum)
MIN_SESSION, MAX_SESSION = 20, 2048  # Cognito's Session: 20..2048
MAX_REFRESH_TOKEN = 16 * 1024  # Cognito's are about 1,800 characters

router = fastapi.APIRouter(tags=["sign-in"])
Model = TypeVar("Model", bound=pydantic.BaseModel)
Result = cognito_sign_in.Tokens | cognito_sign_in.Challenge | cognito_sign_in.TotpSetup
Call = Callable[[str | None], Result]  # the service call, given the client's address


def _no_controls(value: str) -> str:
    if any(unicodedata.category(c) == "Cc" for c in value):
        raise ValueError("must not contain control characters")
    return value


Username = Annotated[
    str,
    pydantic.Field(min_length=1, max_length=MAX_USERNAME),
    pydantic.AfterValidator(_no_controls),
]
Password = Annotated[str, pydantic.Field(min_length=1, max_length=MAX_PASSWORD)]
Session = Annotated[str, pydantic.Field(min_length=MIN_SESSION, max_length=MAX_SESSION)]
Code = Annotated[str, pydantic.Field(pattern=r"^[0-9]{6}$")]


class _Body(pydantic.BaseModel):
    """A route's body. Secrets (password, session, code, refresh token) are declared
    ``repr=False``: never in a repr (a logged model, a traceback's locals)."""

    # strict: a number is not a string; forbid: a misspelt field is an error, not ignored.
    model_config = pydantic.ConfigDict(extra="forbid", strict=True, hide_input_in_errors=True)


class SignInBody(_Body):
    username: Username
    password: Password = pydantic.Field(repr=False)


class ChallengeBody(_Body):
    challenge: Literal["NEW_PASSWORD_REQUIRED", "SOFTWARE_TOKEN_MFA", "MFA_SETUP"]
    session: Session = pydantic.Field(repr=False)
    username: Username
    new_password: Password | None = pydantic.Field(default=None, repr=False)
    code: Code | None = pydantic.Field(default=None, repr=False)
    action: Literal["associate"] | None = None

    @pydantic.model_validator(mode="after")
    def _answers_its_challenge(self) -> ChallengeBody:
        given = {
            name for name in ("new_password", "code", "action") if getattr(self, name) is not None
        }
        wanted = {
            "NEW_PASSWORD_REQUIRED": [{"new_password"}],
            "SOFTWARE_TOKEN_MFA": [{"code"}],
            "MFA_SETUP": [{"action"}, {"code"}],
        }[self.challenge]
        if given not in wanted:
            raise ValueError(
                f"{self.challenge} takes "
                + " or ".join(" and ".join(sorted(fields)) for fields in wanted)
            )
        return self


class RefreshBody(_Body):
    refresh_token: Annotated[str, pydantic.Field(min_length=1, max_length=MAX_REFRESH_TOKEN)] = (
        pydantic.Field(repr=False)
    )
    username: Username


def _schema(model: type[pydantic.BaseModel]) -> dict[str, Any]:
    """The OpenAPI request body for a route that reads its own body."""
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": model.model_json_schema()}},
        }
    }


async def _read(request: fastapi.Request, model: type[Model]) -> Model:
    """The body as ``model``, or 400 ``invalid_request`` naming what is wrong (never a value)."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json":
        raise sign_in_errors.invalid_request("send the body as application/json")
    try:
        document = strict_json.loads(await request.body())
    except ValueError as exc:
        # strict_json's reasons are fixed texts, never part of the document.
        raise sign_in_errors.invalid_request(f"the body is not valid JSON: {exc}") from None
    try:
        return model.model_validate(document)
    except pydantic.ValidationError as exc:
        # pydantic's messages say what was expected ("String should have at most 128
        # characters"), never what was sent (hide_input_in_errors, include_input=False).
        problems = [
            f"{'.'.join(str(part) for part in error['loc']) or 'body'}: {error['msg']}"
            for error in exc.errors(include_input=False, include_url=False)
        ]
        raise sign_in_errors.invalid_request(
            "the request is not valid: " + "; ".join(problems)
        ) from None


def _service(request: fastapi.Request) -> password_sign_in.SignInService:
    service: password_sign_in.SignInService = request.app.state.sign_in
    return service


def _address(request: fastapi.Request) -> str | None:
    # The peer: on Lambda, Mangum gives API Gateway's sourceIp. Forwarded headers are
    # not read: anyone can write them (see docs/protected-api.md, "Password sign-in").
    return request.client.host if request.client is not None else None


_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _tokens(tokens: cognito_sign_in.Tokens) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "access_token": tokens.access_token,
        "id_token": tokens.id_token,
        "refresh_token": tokens.refresh_token,
        "expires_in": tokens.expires_in,
        "token_type": tokens.token_type,
    }
    if tokens.refresh_token is None:
        del answer["refresh_token"]
    return answer


def _answer(result: Result) -> tuple[dict[str, Any], str]:
    """The JSON answer for a result, and the audit line's ``result``."""
    if isinstance(result, cognito_sign_in.Tokens):
        return _tokens(result), "tokens"
    if isinstance(result, cognito_sign_in.Challenge):
        body = {"challenge": result.name, "session": result.session, "username": result.username}
        return body, f"challenge:{result.name}"
    return {"secret": result.secret, "session": result.session}, "totp_secret"


def _error(exc: sign_in_errors.SignInError) -> fastapi.Response:
    headers = dict(_NO_STORE)
    if exc.retry_after is not None:
        headers["Retry-After"] = str(exc.retry_after)
    return fastapi.responses.JSONResponse(
        {"error": exc.code, "message": exc.message}, status_code=exc.status, headers=headers
    )


async def _run(
    request: fastapi.Request,
    *,
    action: str,
    username: str,
    challenge: str | None,
    call: Call,
    floor_s: float = 0.0,
) -> fastapi.Response:
    """Run a blocking service call in a worker, audit its outcome, answer it."""
    started = time.monotonic()
    address = _address(request)

    def audited(outcome: str) -> None:
        audit.record_sign_in(
            action=action,
            challenge=challenge,
            username=username,
            client=address,
            result=outcome,
            request_id=str(getattr(request.state, "request_id", "-")),
        )

    try:
        result = await starlette.concurrency.run_in_threadpool(call, address)
    except sign_in_errors.SignInError as exc:
        response, outcome = _error(exc), exc.code
    except Exception:
        audited("error")  # a bug: still one line for the attempt, then FastAPI's 500
        raise
    else:
        body, outcome = _answer(result)
        response = fastapi.responses.JSONResponse(body, headers=_NO_STORE)
    audited(outcome)
    wait = floor_s - (time.monotonic() - started)
    if wait > 0:
        await asyncio.sleep(wait)
    return response


@router.post(
    "/sign-in",
    summary="Sign in with a username and password (automation; AdminInitiateAuth)",
    openapi_extra=_schema(SignInBody),
)
async def sign_in(request: fastapi.Request) -> fastapi.Response:
    try:
        body = await _read(request, SignInBody)
    except sign_in_errors.SignInError as exc:
        return _error(exc)
    service = _service(request)
    return await _run(
        request,
        action="sign_in",
        username=body.username,
        challenge=None,
        call=lambda address: service.sign_in(body.username, body.password, address),
        floor_s=service.floor_s,
    )


@router.post(
    "/challenge",
    summary="Answer a sign-in challenge (AdminRespondToAuthChallenge)",
    openapi_extra=_schema(ChallengeBody),
)
async def challenge(request: fastapi.Request) -> fastapi.Response:
    try:
        body = await _read(request, ChallengeBody)
    except sign_in_errors.SignInError as exc:
        return _error(exc)
    step, call = _challenge_call(_service(request), body)
    return await _run(
        request, action="challenge", username=body.username, challenge=step, call=call
    )


def _challenge_call(
    service: password_sign_in.SignInService, body: ChallengeBody
) -> tuple[str, Call]:
    """The audit line's ``challenge`` and the service call that answers ``body``."""
    session, username = body.session, body.username
    if body.new_password is not None:  # only with NEW_PASSWORD_REQUIRED (the model's rule)
        new_password = body.new_password
        return body.challenge, lambda a: service.new_password(session, username, new_password, a)
    if body.action == "associate":
        return "MFA_SETUP:associate", lambda a: service.totp_secret(session, username, a)
    code = body.code
    assert code is not None  # the model's rule: every other answer is a code
    if body.challenge == "SOFTWARE_TOKEN_MFA":
        return body.challenge, lambda a: service.totp_code(session, username, code, a)
    return body.challenge, lambda a: service.totp_setup(session, username, code, a)


@router.post(
    "/refresh",
    summary="New access and ID tokens for a refresh token (REFRESH_TOKEN_AUTH)",
    openapi_extra=_schema(RefreshBody),
)
async def refresh(request: fastapi.Request) -> fastapi.Response:
    try:
        body = await _read(request, RefreshBody)
    except sign_in_errors.SignInError as exc:
        return _error(exc)
    service = _service(request)
    return await _run(
        request,
        action="refresh",
        username=body.username,
        challenge=None,
        call=lambda address: service.refresh(body.refresh_token, body.username, address),
    )
