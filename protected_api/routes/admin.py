"""``/admin``: user and group management for members of the admin group, from one table.

Every route needs a valid access token of a member of ``settings.admin_group``
(read at request time; with the ``admin`` scope too when the settings require
scopes, :mod:`protected_api.scopes`), calls Cognito through the
:class:`~protected_api.cognito_admin.CognitoAdmin` at ``app.state.admin``, and
writes exactly one audit line (:mod:`protected_api.audit`), reads included.
Responses carry ``Cache-Control: no-store`` (and, from
:mod:`protected_api.access_log`, ``X-Request-ID``).

Every change (a route that is not a GET) first asks Cognito whether the caller is
still an enabled admin with a live session (:mod:`protected_api.live_authority`):
the token says who they were at sign-in, not who they are now. With
``REQUIRE_ADMIN_MFA`` every route, reads included, also needs the caller's account
to have TOTP MFA (:class:`~protected_api.live_authority.MfaGate`).

The routes are the rows of :data:`ROUTES`: method, path, the adapter call, the
audit action, the status code and the lockout guard
(:mod:`protected_api.self_lockout`); :func:`_register` turns each row into a
FastAPI route, so what happens around the call (the admin check, the live check,
the guard, the audit line) is written once. Path parameters are matched on the
raw path (:mod:`protected_api.routes.exact_path`), so ``{username}`` is exactly the
name the client quoted, whatever it holds.

Errors: request validation is FastAPI's 422; Cognito failures and refusals are
:class:`~protected_api.admin_errors.AdminError`, answered as
``{"error": code, "message": ...}`` by the handler ``admin_errors.install`` registers.
"""

from __future__ import annotations

import dataclasses
import inspect
import re
from collections.abc import Callable, Mapping
from typing import Annotated, Any

import fastapi

from protected_api import (
    access_log,
    admin_errors,
    admin_schema,
    audit,
    auth,
    cognito_admin,
    cognito_transfer,
    live_authority,
    scopes,
    self_lockout,
    user_search,
)
from protected_api.routes import exact_path

Adapter = cognito_admin.CognitoAdmin


# The calls that are more than one adapter method: each takes the adapter, then
# the route's parameters by the names in _PARAMETERS.


def _list_users(
    admin: Adapter,
    *,
    attribute: user_search.SearchAttribute | None,
    match: user_search.Match | None,
    value: str | None,
    limit: int,
    pagination_token: str | None,
) -> admin_schema.UserPage:
    search = user_search.filter_for(attribute, match, value)
    return admin.list_users(search=search, limit=limit, pagination_token=pagination_token)


def _create_user(admin: Adapter, *, body: admin_schema.NewUser) -> admin_schema.UserDetail:
    return admin.create_user(body.username, body.email, name=body.name, groups=body.groups)


def _list_groups(admin: Adapter) -> admin_schema.GroupList:
    return admin_schema.GroupList(groups=admin.list_groups())


def _list_mfa(admin: Adapter, *, usernames: list[str]) -> admin_schema.MfaList:
    return admin.users_mfa(usernames)


def _update_attributes(
    admin: Adapter, *, username: str, change: admin_schema.AttributeChange
) -> admin_schema.UserDetail:
    return admin.update_attributes(username, change)


def _create_group(admin: Adapter, *, new_group: admin_schema.NewGroup) -> admin_schema.GroupSummary:
    return admin.create_group(
        new_group.name, description=new_group.description, precedence=new_group.precedence
    )


def _update_group(
    admin: Adapter, *, group: str, group_change: admin_schema.GroupChange
) -> admin_schema.GroupSummary:
    # Only the fields the body names change (model_fields_set: null clears, absent keeps).
    changes = {name: getattr(group_change, name) for name in group_change.model_fields_set}
    return admin.update_group(group, changes)


def _export_users(admin: Adapter, *, export_token: str | None) -> admin_schema.ExportUsersPage:
    return cognito_transfer.export_users_page(admin, pagination_token=export_token)


def _export_memberships(
    admin: Adapter, *, export_token: str | None
) -> admin_schema.ExportMembershipsPage:
    return cognito_transfer.export_memberships_page(admin, pagination_token=export_token)


def _import_users(
    admin: Adapter, *, user_import: admin_schema.UserImport
) -> admin_schema.ImportResults:
    return cognito_transfer.import_users(admin, user_import)


def _import_memberships(
    admin: Adapter, *, membership_import: admin_schema.MembershipImport
) -> admin_schema.ImportResults:
    return cognito_transfer.import_memberships(admin, membership_import)


@dataclasses.dataclass(frozen=True)
class AdminRoute:
    """One ``/admin`` route: a row of :data:`ROUTES`.

    ``call`` is made as ``call(app.state.admin, **parameters)``; its parameters after
    the adapter are the route's, by the names :data:`_PARAMETERS` declares (so
    ``{username}`` in the path is ``username`` in the call). Where the call is a
    method as :class:`~protected_api.cognito_admin.CognitoAdmin` defines it, a test
    double swaps the adapter's boto3 client (botocore's Stubber), not its methods.
    A 204 route answers no body, whatever the call returns.
    """

    method: str
    path: str  # under /admin
    call: Callable[..., Any]  # (adapter, **parameters) -> the answer
    action: str  # the audit line's action
    summary: str
    description: str
    status_code: int = 200
    response_model: type[Any] | None = None
    guard: self_lockout.RouteGuard | None = None
    name: str | None = None  # the endpoint's name (OpenAPI operationId); default: action

    @property
    def parameters(self) -> tuple[str, ...]:
        """The route's parameters: those of :attr:`call` after the adapter."""
        return tuple(inspect.signature(self.call).parameters)[1:]

    @property
    def changes(self) -> bool:
        """Whether the route changes the pool (anything but a GET): such a route acts only
        for a caller Cognito still takes as an admin (:mod:`protected_api.live_authority`)."""
        return self.method != "GET"


ROUTES: tuple[AdminRoute, ...] = (
    AdminRoute(
        "GET",
        "/users",
        _list_users,
        "list_users",
        "List or search users",
        "ListUsers; ``attribute``, ``match`` and ``value`` filter together or not at all.",
        response_model=admin_schema.UserPage,
    ),
    AdminRoute(
        "POST",
        "/users",
        _create_user,
        "create_user",
        "Invite a user (Cognito emails a temporary password)",
        "201 with the new user (FORCE_CHANGE_PASSWORD); 409 if the username is taken.",
        status_code=201,
        response_model=admin_schema.UserDetail,
    ),
    AdminRoute(
        "GET",
        "/users/{username}",
        Adapter.get_user,
        "get_user",
        "One user",
        "Attributes, status, enabled, groups and dates; 404 for an unknown user.",
        response_model=admin_schema.UserDetail,
    ),
    AdminRoute(
        "DELETE",
        "/users/{username}",
        Adapter.delete_user,
        "delete_user",
        "Delete a user",
        "204; 409 ``self_lockout`` for the caller's own account, ``last_admin`` for the "
        "last enabled admin.",
        status_code=204,
        guard=self_lockout.DELETE,
    ),
    # 204, not 202: Cognito has accepted and sent the message when the call returns.
    AdminRoute(
        "POST",
        "/users/{username}/resend-invitation",
        Adapter.resend_invitation,
        "resend_invitation",
        "Email a new temporary password (user must be FORCE_CHANGE_PASSWORD)",
        "204; 409 ``invalid_state`` unless the user is FORCE_CHANGE_PASSWORD.",
        status_code=204,
    ),
    AdminRoute(
        "POST",
        "/users/{username}/enable",
        Adapter.enable_user,
        "enable_user",
        "Enable a user",
        "204.",
        status_code=204,
    ),
    AdminRoute(
        "POST",
        "/users/{username}/disable",
        Adapter.disable_user,
        "disable_user",
        "Disable a user (sign-in and refresh stop working)",
        "204; 409 ``self_lockout`` for the caller's own account, ``last_admin`` for the "
        "last enabled admin.",
        status_code=204,
        guard=self_lockout.DISABLE,
    ),
    AdminRoute(
        "POST",
        "/users/{username}/reset-password",
        Adapter.reset_password,
        "reset_password",
        "Require a password reset (a code is sent to the user)",
        "204; the user becomes RESET_REQUIRED. 409 for a disabled or unconfirmed user.",
        status_code=204,
    ),
    AdminRoute(
        "POST",
        "/users/{username}/sign-out",
        Adapter.global_sign_out,
        "global_sign_out",
        "Sign a user out everywhere (their refresh tokens stop working)",
        "204; tokens already issued stay valid until they expire, refresh stops.",
        status_code=204,
        name="sign_out",
    ),
    AdminRoute(
        "PUT",
        "/users/{username}/groups/{group}",
        Adapter.add_to_group,
        "add_to_group",
        "Add a user to a group",
        "204 (also when already a member); 404 for an unknown user or group.",
        status_code=204,
    ),
    AdminRoute(
        "DELETE",
        "/users/{username}/groups/{group}",
        Adapter.remove_from_group,
        "remove_from_group",
        "Remove a user from a group",
        "204; 409 ``self_lockout`` for the admin group on the caller's own account, "
        "``last_admin`` for the last enabled admin.",
        status_code=204,
        guard=self_lockout.REMOVE_ADMIN_GROUP,
    ),
    # The account lifecycle (issue 18): sign-ups, their codes, MFA, a verified email.
    AdminRoute(
        "GET",
        "/mfa",
        _list_mfa,
        "list_mfa",
        "MFA of up to 60 users (ListUsers does not say)",
        "One AdminGetUser per user, 8 at a time; ``found: false`` for a name nobody has. "
        "The app asks for the rows it shows, after their page arrived.",
        response_model=admin_schema.MfaList,
    ),
    AdminRoute(
        "POST",
        "/users/{username}/confirm-sign-up",
        Adapter.confirm_sign_up,
        "confirm_sign_up",
        "Confirm a pending sign-up without its emailed code",
        "204; 409 ``invalid_state`` unless the user is UNCONFIRMED.",
        status_code=204,
    ),
    # 204, not 202: Cognito has accepted and sent the message when the call returns.
    AdminRoute(
        "POST",
        "/users/{username}/resend-confirmation-code",
        Adapter.resend_confirmation_code,
        "resend_confirmation_code",
        "Email a new sign-up verification code (user must be UNCONFIRMED)",
        "204; 409 ``invalid_state`` unless the user is UNCONFIRMED. Sent for the API's "
        "first app client (COGNITO_CLIENT_IDS), which must have no client secret.",
        status_code=204,
    ),
    AdminRoute(
        "POST",
        "/users/{username}/reset-mfa",
        Adapter.reset_mfa,
        "reset_mfa",
        "Turn off a user's authenticator app (TOTP), so they set one up again",
        "204 (also when none was set up); 404 for an unknown user.",
        status_code=204,
    ),
    AdminRoute(
        "POST",
        "/users/{username}/verify-email",
        Adapter.mark_email_verified,
        "verify_email",
        "Mark a user's email address as verified (email_verified = true)",
        "204; 409 ``invalid_state`` for a user without an email address.",
        status_code=204,
    ),
    AdminRoute(
        "GET",
        "/groups",
        _list_groups,
        "list_groups",
        "Groups with member counts",
        "Every group; member counts cost one ListUsersInGroup call per 60 members.",
        response_model=admin_schema.GroupList,
    ),
    AdminRoute(
        "GET",
        "/groups/{group}/members",
        Adapter.list_group_members,
        "list_group_members",
        "One page of a group's members",
        "One page of ListUsersInGroup; 404 for an unknown group.",
        response_model=admin_schema.UserPage,
    ),
    # Issue 21: attributes, groups, the full export and import.
    AdminRoute(
        "GET",
        "/schema",
        Adapter.schema,
        "get_schema",
        "The pool's attributes: type, mutable, required, lengths, searchable",
        "DescribeUserPool's SchemaAttributes and EstimatedNumberOfUsers.",
        response_model=admin_schema.Schema,
    ),
    AdminRoute(
        "PATCH",
        "/users/{username}/attributes",
        _update_attributes,
        "update_attributes",
        "Set and delete a user's attributes",
        "The user as Cognito has them after the change. 400 naming the attribute for one "
        "the pool lacks, an immutable one, sub or cognito:*, a wrong type or length, a "
        "required one deleted; a changed email is unverified unless email_verified: true "
        "is sent; 409 self_lockout for marking one's own email unverified.",
        response_model=admin_schema.UserDetail,
        guard=self_lockout.OWN_EMAIL_VERIFIED,
    ),
    AdminRoute(
        "POST",
        "/groups",
        _create_group,
        "create_group",
        "Create a group",
        "201 with the group (no members yet); 409 already_exists for a name taken.",
        status_code=201,
        response_model=admin_schema.GroupSummary,
    ),
    AdminRoute(
        "PATCH",
        "/groups/{group}",
        _update_group,
        "update_group",
        "Change a group's description or precedence",
        "A field left out stays; null clears it. The group with its member count; 404 for "
        "an unknown group.",
        response_model=admin_schema.GroupSummary,
    ),
    AdminRoute(
        "DELETE",
        "/groups/{group}",
        Adapter.delete_group,
        "delete_group",
        "Delete a group (its members stay, outside it)",
        "204; 409 admin_group for the admin group; 404 for an unknown group.",
        status_code=204,
        guard=self_lockout.KEEP_ADMIN_GROUP,
    ),
    AdminRoute(
        "GET",
        "/export/users",
        _export_users,
        "export_users",
        "One page of every user, as rows of Cognito's user-import CSV",
        "One ListUsers page (60 users): the header (GetCSVHeader's columns), the rows, "
        "each user's status and enabled flag, and the next page's token.",
        response_model=admin_schema.ExportUsersPage,
    ),
    AdminRoute(
        "GET",
        "/export/memberships",
        _export_memberships,
        "export_memberships",
        "Every group (first page) and one page of memberships",
        "One ListUsersInGroup page per request, group after group in name order.",
        response_model=admin_schema.ExportMembershipsPage,
    ),
    AdminRoute(
        "POST",
        "/import/users",
        _import_users,
        "import_users",
        "Create up to 50 users from rows of Cognito's user-import CSV",
        "One result per row: created, exists (left as it is) or failed with a code; 400 "
        "for a header the pool cannot take. Rows run 4 at a time, retried while throttled.",
        response_model=admin_schema.ImportResults,
    ),
    AdminRoute(
        "POST",
        "/import/memberships",
        _import_memberships,
        "import_memberships",
        "Create missing groups, then add up to 100 memberships",
        "One result per membership. A group that cannot be created fails the request.",
        response_model=admin_schema.ImportResults,
    ),
)


def audit_subject(parameters: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """The ``target`` and ``group`` an audit line names for a route's parameters.

    The user acted on (in the path, or the one a body invites), with the group
    when their membership changes; a group's own routes name the group as target
    (the one in the path, or the one a body creates). Exports and imports name none:
    their answer lists the users.
    """
    body = parameters.get("body")
    if isinstance(body, admin_schema.NewUser):
        return body.username, None
    new_group = parameters.get("new_group")
    if isinstance(new_group, admin_schema.NewGroup):
        return new_group.name, None
    if "username" in parameters:
        return parameters["username"], parameters.get("group")
    return parameters.get("group"), None


@dataclasses.dataclass(frozen=True)
class Caller:
    """An admin request: who asks (and the bearer token they asked with, for the live
    check), the adapter to use, and the request id for the audit."""

    principal: auth.Principal
    admin: Adapter
    admin_group: str
    request_id: str
    access_token: str = dataclasses.field(default="", repr=False)
    mfa_gate: live_authority.MfaGate | None = None  # set when REQUIRE_ADMIN_MFA is on

    def perform(self, route: AdminRoute, parameters: dict[str, Any]) -> Any:
        """For a change, confirm the caller is still an admin; with the MFA gate, that
        their account has TOTP MFA; check ``route``'s guard; make its call; write its one
        audit line, whatever the outcome."""
        target, group = audit_subject(parameters)
        result = "error"
        try:
            if route.changes:
                live_authority.confirm(
                    self.principal,
                    self.admin,
                    admin_group=self.admin_group,
                    access_token=self.access_token,
                )
            if self.mfa_gate is not None:
                self.mfa_gate.confirm(self.principal, self.admin, admin_group=self.admin_group)
            if route.guard is not None:
                route.guard.check_request(
                    self.principal, parameters, admin_group=self.admin_group, directory=self.admin
                )
            value = route.call(self.admin, **parameters)
            result = "ok"
        except admin_errors.AdminError as exc:
            result = exc.code
            raise
        finally:
            audit.record(
                actor_sub=self.principal.sub,
                actor_username=self.principal.username,
                action=route.action,
                target=target,
                group=group,
                result=result,
                request_id=self.request_id,
            )
        return value


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


async def _caller(
    request: fastapi.Request,
    user: auth.CurrentUser,
    request_id: Annotated[str, fastapi.Depends(_request_id)],
) -> Caller:
    config = request.app.state.settings
    group: str = config.admin_group
    try:
        auth.require_group(group)(user)
        scopes.check(user, config, scopes.ADMIN)
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
    # The token itself, for GetUser (live_authority); the principal dependency has
    # already read and verified it from the same header.
    token = auth.bearer_token(request)
    gate = _mfa_gate(request.app) if config.require_admin_mfa else None
    return Caller(user, request.app.state.admin, group, request_id, token, gate)


def _mfa_gate(app: Any) -> live_authority.MfaGate:
    """The app's one :class:`~protected_api.live_authority.MfaGate` (``create_app`` makes
    it; an app assembled without it gets one on first use)."""
    gate = getattr(app.state, "mfa_gate", None)
    if not isinstance(gate, live_authority.MfaGate):
        gate = app.state.mfa_gate = live_authority.MfaGate()
    return gate


def _parameter(
    name: str, annotation: Any, default: Any = inspect.Parameter.empty
) -> inspect.Parameter:
    return inspect.Parameter(
        name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation, default=default
    )


# Every parameter an admin route takes, declared once, by the name its call uses.
_PARAMETERS: dict[str, inspect.Parameter] = {
    parameter.name: parameter
    for parameter in (
        _parameter("caller", Annotated[Caller, fastapi.Depends(_caller)]),
        _parameter("username", admin_schema.UsernamePath),
        _parameter("group", admin_schema.GroupPath),
        _parameter("body", admin_schema.NewUser),
        _parameter("attribute", admin_schema.SearchAttributeQuery, None),
        _parameter("match", admin_schema.MatchQuery, None),
        _parameter("value", admin_schema.ValueQuery, None),
        _parameter("limit", admin_schema.Limit, admin_schema.PAGE_MAX),
        _parameter("pagination_token", admin_schema.PaginationToken, None),
        _parameter("usernames", admin_schema.MfaUsernames),
        _parameter("change", admin_schema.AttributeChange),
        _parameter("new_group", admin_schema.NewGroup),
        _parameter("group_change", admin_schema.GroupChange),
        _parameter("export_token", admin_schema.ExportToken, None),
        _parameter("user_import", admin_schema.UserImport),
        _parameter("membership_import", admin_schema.MembershipImport),
    )
}


class _Endpoint:
    """The FastAPI endpoint of one row: its signature is the admin caller, then the
    row's parameters as :data:`_PARAMETERS` declares them. Sync, so the blocking
    boto3 call runs in FastAPI's thread pool."""

    def __init__(self, route: AdminRoute) -> None:
        self.route = route
        names = ("caller", *route.parameters)
        self.__signature__ = inspect.Signature([_PARAMETERS[name] for name in names])

    def __call__(self, caller: Caller, **parameters: Any) -> Any:
        return caller.perform(self.route, parameters)


def _register(router: fastapi.APIRouter, route: AdminRoute) -> None:
    # A row that cannot work fails at import, not on the first request.
    unfilled = set(re.findall(r"{(\w+)}", route.path)) - set(route.parameters)
    if unfilled:
        raise TypeError(f"{route.action}: nothing fills {sorted(unfilled)} in {route.path}")
    if route.guard is not None and set(route.guard.needs) - set(route.parameters):
        raise TypeError(f"{route.action}: its guard needs {list(route.guard.needs)}")
    options: dict[str, Any] = {}
    if route.status_code == 204:
        options["response_class"] = fastapi.Response
    router.add_api_route(
        route.path,
        _Endpoint(route),
        methods=[route.method],
        status_code=route.status_code,
        response_model=route.response_model,
        summary=route.summary,
        description=route.description,
        name=route.name or route.action,
        **options,
    )


router = fastapi.APIRouter(
    tags=["admin"],
    route_class=exact_path.ExactPathRoute,
    dependencies=[fastapi.Depends(_request_id)],
    responses=admin_schema.ERROR_RESPONSES,
)
for _route in ROUTES:
    _register(router, _route)
