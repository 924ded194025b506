"""``/admin``: user and group management for members of the admin group.

Every route needs a valid access token of a member of
``settings.admin_group`` (read at request time), calls Cognito through the
:class:`~protected_api.cognito_admin.CognitoAdmin` at ``app.state.admin``, and
writes exactly one audit line (:mod:`protected_api.audit`), reads included.
Responses carry ``Cache-Control: no-store`` (and, from
:mod:`protected_api.access_log`, ``X-Request-ID``).

Errors: request validation is FastAPI's 422; Cognito failures and refusals are
:class:`~protected_api.cognito_admin.AdminError`, turned into
``{"error": code, "message": ...}`` by the handler :func:`install` registers.
An admin may not disable, delete or remove the admin group from their own
account (409 ``self_lockout``), so a pool cannot lose its last admin by accident.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Callable
from typing import Annotated, TypeVar

import fastapi
import pydantic

from protected_api import access_log, audit, auth, cognito_admin

T = TypeVar("T")

MAX_NAME = 128  # Username and GroupName: 1..128 (AdminGetUser, GetGroup API reference)
MAX_PAGINATION_TOKEN = 2048
# HTML's "valid e-mail address" (WHATWG), with a dot required in the domain:
# what a person can type, without the quoted or bracketed forms nobody invites.
_EMAIL = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}"
    r"@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+"
)


class ErrorBody(pydantic.BaseModel):
    error: str = pydantic.Field(description="not_found, already_exists, self_lockout, ...")
    message: str


_ERRORS: dict[int | str, dict[str, object]] = {
    status: {"model": ErrorBody} for status in (400, 401, 403, 404, 409, 429, 502, 503)
}


async def _request_id(request: fastapi.Request, response: fastapi.Response) -> str:
    # access_log's middleware sets the id and echoes it in X-Request-ID; an app
    # assembled without it still gets a real id in its audit lines.
    rid = getattr(request.state, "request_id", None)
    if not isinstance(rid, str):
        rid = access_log.request_id_from(request.scope.get("headers", []))
        request.state.request_id = rid
    # Admin answers hold people's personal data: no cache may keep them.
    response.headers["Cache-Control"] = "no-store"
    return rid


router = fastapi.APIRouter(
    tags=["admin"], dependencies=[fastapi.Depends(_request_id)], responses=_ERRORS
)


def _cognito_name(value: str) -> str:
    # Cognito's pattern for both is [\p{L}\p{M}\p{S}\p{N}\p{P}]+ (no spaces or
    # control characters); Python's re has no \p, unicodedata has the categories.
    if not all(unicodedata.category(c)[0] in "LMSNP" for c in value):
        raise ValueError("may hold only letters, marks, symbols, digits and punctuation")
    return value


def _email(value: str) -> str:
    if len(value) > 254 or not _EMAIL.fullmatch(value):
        raise ValueError("is not a valid email address")
    return value


def _no_controls(value: str | None) -> str | None:
    if value is not None and any(unicodedata.category(c) == "Cc" for c in value):
        raise ValueError("must not contain control characters")
    return value


_NAME_RULE = "1..128 letters, marks, symbols, digits or punctuation"
UsernamePath = Annotated[
    str,
    fastapi.Path(min_length=1, max_length=MAX_NAME, description=f"Username: {_NAME_RULE}"),
    pydantic.AfterValidator(_cognito_name),
]
GroupPath = Annotated[
    str,
    fastapi.Path(min_length=1, max_length=MAX_NAME, description=f"Group name: {_NAME_RULE}"),
    pydantic.AfterValidator(_cognito_name),
]
Limit = Annotated[int, fastapi.Query(ge=1, le=cognito_admin.PAGE_MAX)]
PaginationToken = Annotated[
    str | None,
    fastapi.Query(
        min_length=1,
        max_length=MAX_PAGINATION_TOKEN,
        pattern=r"^\S+$",
        description="from the previous page, unchanged",
    ),
]


class NewUser(pydantic.BaseModel):
    """An invitation: Cognito generates the temporary password and emails it."""

    model_config = pydantic.ConfigDict(extra="forbid")

    username: Annotated[
        str,
        pydantic.Field(min_length=1, max_length=MAX_NAME),
        pydantic.AfterValidator(_cognito_name),
    ]
    email: Annotated[str, pydantic.Field(max_length=254), pydantic.AfterValidator(_email)]
    groups: list[
        Annotated[
            str,
            pydantic.Field(min_length=1, max_length=MAX_NAME),
            pydantic.AfterValidator(_cognito_name),
        ]
    ] = pydantic.Field(default_factory=list, max_length=100)
    name: Annotated[
        str | None,
        pydantic.Field(min_length=1, max_length=2048),
        pydantic.AfterValidator(_no_controls),
    ] = None


class GroupList(pydantic.BaseModel):
    groups: list[cognito_admin.GroupSummary]


@dataclasses.dataclass(frozen=True)
class Caller:
    """An admin request: who asks, the adapter to use, and the request id for the audit."""

    principal: auth.Principal
    admin: cognito_admin.CognitoAdmin
    admin_group: str
    request_id: str

    def perform(
        self, action: str, target: str | None, operation: Callable[[], T], group: str | None = None
    ) -> T:
        """Run ``operation`` and write its one audit line, whatever the outcome."""
        result = "error"
        try:
            value = operation()
            result = "ok"
        except cognito_admin.AdminError as exc:
            result = exc.code
            raise
        finally:
            audit.record(
                actor_sub=self.principal.sub,
                actor_username=self.principal.username,
                action=action,
                target=target,
                group=group,
                result=result,
                request_id=self.request_id,
            )
        return value

    def refuse_self(self, username: str, what: str) -> None:
        """409 when ``username`` (or the alias or ``sub`` it resolves to) is the caller."""
        me = self.principal
        if username not in (me.username, me.sub):
            target = self.admin.find_user(username)
            if target.sub != me.sub and target.username != me.username:
                return
        raise cognito_admin.AdminError(
            409, "self_lockout", f"you cannot {what} your own account; ask another admin"
        )


async def _caller(
    request: fastapi.Request,
    user: auth.CurrentUser,
    request_id: Annotated[str, fastapi.Depends(_request_id)],
) -> Caller:
    group: str = request.app.state.settings.admin_group
    try:
        auth.require_group(group)(user)
    except auth.AuthError:
        # A signed-in non-admin probing admin routes is worth an audit line too.
        audit.record(
            actor_sub=user.sub,
            actor_username=user.username,
            action=f"{request.method} {request.url.path}",
            target=None,
            result="forbidden",
            request_id=request_id,
        )
        raise
    return Caller(user, request.app.state.admin, group, request_id)


AdminCaller = Annotated[Caller, fastapi.Depends(_caller)]


@router.get("/users", response_model=cognito_admin.UserPage, summary="List or search users")
def list_users(
    caller: AdminCaller,
    attribute: Annotated[cognito_admin.SearchAttribute | None, fastapi.Query()] = None,
    match: Annotated[cognito_admin.Match | None, fastapi.Query()] = None,
    value: Annotated[
        str | None, fastapi.Query(min_length=1, max_length=cognito_admin.MAX_FILTER_VALUE)
    ] = None,
    limit: Limit = cognito_admin.PAGE_MAX,
    pagination_token: PaginationToken = None,
) -> cognito_admin.UserPage:
    """ListUsers; ``attribute``, ``match`` and ``value`` filter together or not at all."""

    def run() -> cognito_admin.UserPage:
        given = [p is not None for p in (attribute, match, value)]
        if any(given) and not all(given):
            raise cognito_admin.AdminError(
                400, "invalid_request", "give attribute, match and value together, or none"
            )
        search = None
        if attribute is not None and match is not None and value is not None:
            search = cognito_admin.build_filter(attribute, match, value)
        return caller.admin.list_users(
            search=search, limit=limit, pagination_token=pagination_token
        )

    return caller.perform("list_users", None, run)


@router.post(
    "/users",
    status_code=201,
    response_model=cognito_admin.UserDetail,
    summary="Invite a user (Cognito emails a temporary password)",
)
def create_user(caller: AdminCaller, body: NewUser) -> cognito_admin.UserDetail:
    """201 with the new user (FORCE_CHANGE_PASSWORD); 409 if the username is taken."""
    return caller.perform(
        "create_user",
        body.username,
        lambda: caller.admin.create_user(
            body.username, body.email, name=body.name, groups=body.groups
        ),
    )


@router.get("/users/{username}", response_model=cognito_admin.UserDetail, summary="One user")
def get_user(caller: AdminCaller, username: UsernamePath) -> cognito_admin.UserDetail:
    """Attributes, status, enabled, groups and dates; 404 for an unknown user."""
    return caller.perform("get_user", username, lambda: caller.admin.get_user(username))


@router.delete(
    "/users/{username}", status_code=204, response_class=fastapi.Response, summary="Delete a user"
)
def delete_user(caller: AdminCaller, username: UsernamePath) -> None:
    """204; 409 ``self_lockout`` for the caller's own account."""

    def run() -> None:
        caller.refuse_self(username, "delete")
        caller.admin.delete_user(username)

    caller.perform("delete_user", username, run)


@router.post(
    "/users/{username}/resend-invitation",
    status_code=204,
    response_class=fastapi.Response,
    summary="Email a new temporary password (user must be FORCE_CHANGE_PASSWORD)",
)
def resend_invitation(caller: AdminCaller, username: UsernamePath) -> None:
    """204; 409 ``invalid_state`` unless the user is FORCE_CHANGE_PASSWORD."""
    # 204, not 202: Cognito has accepted and sent the message when the call returns.
    caller.perform("resend_invitation", username, lambda: caller.admin.resend_invitation(username))


@router.post(
    "/users/{username}/enable",
    status_code=204,
    response_class=fastapi.Response,
    summary="Enable a user",
)
def enable_user(caller: AdminCaller, username: UsernamePath) -> None:
    """204."""
    caller.perform("enable_user", username, lambda: caller.admin.enable_user(username))


@router.post(
    "/users/{username}/disable",
    status_code=204,
    response_class=fastapi.Response,
    summary="Disable a user (sign-in and refresh stop working)",
)
def disable_user(caller: AdminCaller, username: UsernamePath) -> None:
    """204; 409 ``self_lockout`` for the caller's own account."""

    def run() -> None:
        caller.refuse_self(username, "disable")
        caller.admin.disable_user(username)

    caller.perform("disable_user", username, run)


@router.post(
    "/users/{username}/reset-password",
    status_code=204,
    response_class=fastapi.Response,
    summary="Require a password reset (a code is sent to the user)",
)
def reset_password(caller: AdminCaller, username: UsernamePath) -> None:
    """204; the user becomes RESET_REQUIRED. 409 for a disabled or unconfirmed user."""
    caller.perform("reset_password", username, lambda: caller.admin.reset_password(username))


@router.post(
    "/users/{username}/sign-out",
    status_code=204,
    response_class=fastapi.Response,
    summary="Sign a user out everywhere (their refresh tokens stop working)",
)
def sign_out(caller: AdminCaller, username: UsernamePath) -> None:
    """204; tokens already issued stay valid until they expire, refresh stops."""
    caller.perform("global_sign_out", username, lambda: caller.admin.global_sign_out(username))


@router.put(
    "/users/{username}/groups/{group}",
    status_code=204,
    response_class=fastapi.Response,
    summary="Add a user to a group",
)
def add_to_group(caller: AdminCaller, username: UsernamePath, group: GroupPath) -> None:
    """204 (also when already a member); 404 for an unknown user or group."""
    caller.perform(
        "add_to_group", username, lambda: caller.admin.add_to_group(username, group), group
    )


@router.delete(
    "/users/{username}/groups/{group}",
    status_code=204,
    response_class=fastapi.Response,
    summary="Remove a user from a group",
)
def remove_from_group(caller: AdminCaller, username: UsernamePath, group: GroupPath) -> None:
    """204; 409 ``self_lockout`` for the admin group on the caller's own account."""

    def run() -> None:
        if group == caller.admin_group:
            caller.refuse_self(username, f"remove group {group} from")
        caller.admin.remove_from_group(username, group)

    caller.perform("remove_from_group", username, run, group)


@router.get("/groups", response_model=GroupList, summary="Groups with member counts")
def list_groups(caller: AdminCaller) -> GroupList:
    """Every group; member counts cost one ListUsersInGroup call per 60 members."""
    return caller.perform("list_groups", None, lambda: GroupList(groups=caller.admin.list_groups()))


@router.get(
    "/groups/{group}/members",
    response_model=cognito_admin.UserPage,
    summary="One page of a group's members",
)
def list_group_members(
    caller: AdminCaller,
    group: GroupPath,
    limit: Limit = cognito_admin.PAGE_MAX,
    pagination_token: PaginationToken = None,
) -> cognito_admin.UserPage:
    """One page of ListUsersInGroup; 404 for an unknown group."""
    return caller.perform(
        "list_group_members",
        group,
        lambda: caller.admin.list_group_members(
            group, limit=limit, pagination_token=pagination_token
        ),
    )


def install(app: fastapi.FastAPI) -> None:
    """Register the handler that turns :class:`~protected_api.cognito_admin.AdminError`
    into ``{"error", "message"}`` JSON (with ``Retry-After`` on 429 and 503)."""

    @app.exception_handler(cognito_admin.AdminError)
    async def _admin_error(
        request: fastapi.Request, exc: cognito_admin.AdminError
    ) -> fastapi.Response:
        headers = {"Cache-Control": "no-store"}
        if exc.retry_after is not None:
            headers["Retry-After"] = str(exc.retry_after)
        body = ErrorBody(error=exc.code, message=exc.message).model_dump()
        return fastapi.responses.JSONResponse(body, status_code=exc.status, headers=headers)
