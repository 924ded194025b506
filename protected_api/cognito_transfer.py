"""Full export and import (issue 21): every user and membership, a Cognito page at a time.

**Export** never holds the pool: each request is one Cognito page.

* :func:`export_users_page`: one ListUsers page (60 users) as rows of Cognito's
  user-import CSV (:mod:`protected_api.user_csv`), with each user's status and
  enabled flag beside them (``states``), which the format has no column for.
* :func:`export_memberships_page`: on the first page every group (ListGroups),
  then one ListUsersInGroup page per request, group after group in name order
  (the cursor: :mod:`protected_api.page_tokens`). A group deleted in between is
  skipped.

**Import**, in batches (:data:`~protected_api.admin_schema.IMPORT_ROWS` users,
:data:`~protected_api.admin_schema.IMPORT_MEMBERSHIPS` memberships), each row on its
own (:class:`~protected_api.batch.Batch`: a few at once, retried while throttled):

* :func:`import_users`: AdminCreateUser per row, Cognito emailing the invitation
  (``INVITE``) or not (``SUPPRESS``); then AdminDisableUser for the rows the export
  listed as disabled. A row whose username is taken is ``exists`` and left as it is,
  also when an earlier attempt of this very row created it and its answer was lost:
  the username is the key, so a retry never makes a second user.
* :func:`import_memberships`: CreateGroup for each group given that is missing (an
  existing group is left as it is), then AdminAddUserToGroup per membership. A group
  that cannot be created (still throttled) fails the whole request, so the client
  sends it again; a membership is per row.

Every boto3 call is written out as ``admin.client.<operation>``: the IAM policy test
reads them from this source too (tests/infra/test_iam_policy.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from protected_api import (
    admin_errors,
    admin_schema,
    batch,
    cognito_errors,
    page_tokens,
    user_csv,
)

if TYPE_CHECKING:
    from protected_api.cognito_admin import CognitoAdmin

OUT_OF_TIME = "not tried: the request ran out of time (Cognito was throttling); import it again"


# -- export ----------------------------------------------------------------------------------


def export_users_page(
    admin: CognitoAdmin, *, pagination_token: str | None = None
) -> admin_schema.ExportUsersPage:
    """One ListUsers page in Cognito's import format; pass the token back for the next."""
    schema = admin.pool_schema()
    columns = user_csv.header(schema)
    kwargs: dict[str, Any] = {"UserPoolId": admin.user_pool_id, "Limit": admin_schema.PAGE_MAX}
    if pagination_token:
        kwargs["PaginationToken"] = pagination_token
    with cognito_errors.mapped("ListUsers"):
        page = admin.client.list_users(**kwargs)
    users = page["Users"]
    return admin_schema.ExportUsersPage(
        header=columns,
        rows=[user_csv.row(user, columns, schema) for user in users],
        states=[
            admin_schema.UserState(
                username=str(user["Username"]),
                status=str(user.get("UserStatus", "UNKNOWN")),
                enabled=bool(user.get("Enabled", True)),
            )
            for user in users
        ],
        pagination_token=page.get("PaginationToken") or None,
    )


def _members_page(admin: CognitoAdmin, cursor: page_tokens.MembershipCursor) -> Any | None:
    """One ListUsersInGroup page at ``cursor``; None when the group no longer exists."""
    kwargs: dict[str, Any] = {
        "UserPoolId": admin.user_pool_id,
        "GroupName": cursor.group,
        "Limit": admin_schema.PAGE_MAX,
    }
    if cursor.next_token:
        kwargs["NextToken"] = cursor.next_token
    try:
        with cognito_errors.mapped("ListUsersInGroup"):
            return admin.client.list_users_in_group(**kwargs)
    except admin_errors.AdminError as exc:
        if exc.status == 404:
            return None
        raise


def export_memberships_page(
    admin: CognitoAdmin, *, pagination_token: str | None = None
) -> admin_schema.ExportMembershipsPage:
    """The groups (first page only) and one page of ``[group, username]`` memberships."""
    groups: list[admin_schema.GroupInfo] = []
    names: list[str] | None = None
    if pagination_token is None:
        groups = sorted(admin.group_infos(), key=lambda group: group.name)
        names = [group.name for group in groups]
        if not names:
            return admin_schema.ExportMembershipsPage(
                groups=[], memberships=[], pagination_token=None
            )
        cursor = page_tokens.MembershipCursor(names[0])
    else:
        cursor = page_tokens.decode(pagination_token)
    page = _members_page(admin, cursor)
    memberships = [(cursor.group, str(user["Username"])) for user in (page or {}).get("Users", [])]
    next_token = (page or {}).get("NextToken")
    if next_token:
        following: page_tokens.MembershipCursor | None = page_tokens.MembershipCursor(
            cursor.group, next_token
        )
    else:
        if names is None:
            names = sorted(group.name for group in admin.group_infos())
        later = [name for name in names if name > cursor.group]
        following = page_tokens.MembershipCursor(later[0]) if later else None
    return admin_schema.ExportMembershipsPage(
        groups=groups,
        memberships=memberships,
        pagination_token=None if following is None else page_tokens.encode(following),
    )


# -- import ----------------------------------------------------------------------------------


def _result(
    row: int,
    username: str,
    status: admin_schema.RowStatus,
    error: admin_errors.AdminError | user_csv.RowError | None = None,
    message: str | None = None,
) -> admin_schema.RowResult:
    return admin_schema.RowResult(
        row=row,
        username=username,
        status=status,
        error=None if error is None else error.code,
        message=message if message is not None else (None if error is None else error.message),
    )


def _out_of_time(row: int, username: str) -> admin_schema.RowResult:
    return admin_schema.RowResult(
        row=row, username=username, status="failed", error="throttled", message=OUT_OF_TIME
    )


def import_users(
    admin: CognitoAdmin, body: admin_schema.UserImport, *, run: batch.Batch | None = None
) -> admin_schema.ImportResults:
    """One AdminCreateUser per row (see the module docstring); a header the pool cannot
    take is a 400 before any row. ``run``: the batch's timing and workers (tests)."""
    schema = admin.pool_schema()
    columns = user_csv.columns(schema, body.header)
    names = user_csv.usernames(body.rows, columns)
    strays = sorted(set(body.disabled) - set(names))
    if strays:
        raise admin_errors.AdminError(
            400, "invalid_parameter", f"disabled names {strays[0]}, which no row creates"
        )
    disabled = set(body.disabled)
    run = run or batch.Batch()

    def create(index: int, cells: Sequence[str]) -> admin_schema.RowResult:
        username = names[index]
        try:
            username, attributes = user_csv.new_user(schema, columns, cells)
        except user_csv.RowError as exc:
            return _result(index, username, "failed", exc)
        emailed = body.message_action == "INVITE"
        if emailed and not any(name == "email" for name, _ in attributes):
            no_email = user_csv.RowError("an invitation is sent by email: this row has no email")
            return _result(index, username, "failed", no_email)
        if run.out_of_time():
            return _out_of_time(index, username)
        kwargs: dict[str, Any] = {
            "UserPoolId": admin.user_pool_id,
            "Username": username,
            "UserAttributes": [{"Name": n, "Value": v} for n, v in attributes],
        }
        kwargs.update(
            {"DesiredDeliveryMediums": ["EMAIL"]} if emailed else {"MessageAction": "SUPPRESS"}
        )

        def call() -> None:
            with cognito_errors.mapped("AdminCreateUser"):
                admin.client.admin_create_user(**kwargs)

        try:
            run.retried(call)
        except admin_errors.AdminError as exc:
            if exc.upstream == "UsernameExistsException":
                return _result(index, username, "exists", message="a user with this name exists")
            return _result(index, username, "failed", exc)
        if username in disabled:
            try:
                run.retried(lambda: admin.disable_user(username))
            except admin_errors.AdminError as exc:
                return _result(
                    index, username, "created", exc, f"created, but not disabled: {exc.message}"
                )
        return _result(index, username, "created")

    return admin_schema.ImportResults(results=run.map(body.rows, create))


def _create_if_missing(
    admin: CognitoAdmin, run: batch.Batch, group: admin_schema.GroupSpec
) -> None:
    """CreateGroup, retried while throttled; a group that exists is left as it is. Any
    other failure fails the request: the client sends it again (429, 503) or fixes it."""

    def create() -> None:
        admin.create_group(group.name, description=group.description, precedence=group.precedence)

    try:
        run.retried(create)
    except admin_errors.AdminError as exc:
        if exc.upstream != "GroupExistsException":
            raise


def import_memberships(
    admin: CognitoAdmin, body: admin_schema.MembershipImport, *, run: batch.Batch | None = None
) -> admin_schema.ImportResults:
    """Missing groups created, then one AdminAddUserToGroup per membership."""
    run = run or batch.Batch()
    for group in body.groups:
        _create_if_missing(admin, run, group)

    def add(index: int, pair: tuple[str, str]) -> admin_schema.RowResult:
        group, username = pair
        if run.out_of_time():
            return _out_of_time(index, username)
        try:
            run.retried(lambda: admin.add_to_group(username, group))
        except admin_errors.AdminError as exc:
            return _result(index, username, "failed", exc)
        return _result(index, username, "created")

    return admin_schema.ImportResults(results=run.map(body.memberships, add))
