"""The boto3 ``cognito-idp`` adapter for the admin routes: one user pool, typed results.

:class:`CognitoAdmin` makes the Cognito calls the ``/admin`` routes need and
answers with the models of :mod:`protected_api.admin_schema`. Every call runs
inside :func:`protected_api.cognito_errors.mapped`, so a failure leaves here as an
:class:`~protected_api.admin_errors.AdminError` and never as a botocore exception.
Throttling is retried by botocore itself (standard mode, 3 attempts, set in
:meth:`CognitoAdmin.from_settings`) before it surfaces as a 429.

Every boto3 call is written out as ``self.client.<operation>``: the IAM policy
test reads them from this source (tests/infra/test_iam_policy.py).

API reference: https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/
"""

from __future__ import annotations

import contextlib
import datetime
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent import futures
from typing import TYPE_CHECKING, Any

import boto3
import botocore.config

from protected_api import (
    admin_errors,
    admin_schema,
    attribute_edit,
    cognito_errors,
    pool_schema,
    settings,
)

NO_EMAIL = "the user has no email address to mark as verified"
MFA_REQUIRED_BY_POOL = (
    "the user pool requires MFA, so Cognito cannot turn this user's authenticator off; "
    "they can register a new one from their own account"
)

#: The attribute the post authentication trigger writes at every sign-in (issue 20,
#: ``triggers.LAST_SIGN_IN_ATTRIBUTE``), as UTC ``YYYY-MM-DDTHH:MM:SSZ``. Written out here:
#: the API is deployed without the ``triggers`` package (a test keeps the two in step).
LAST_SIGN_IN_ATTRIBUTE = "custom:last_sign_in"
_LAST_SIGN_IN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient
    from mypy_boto3_cognito_idp.type_defs import AttributeTypeTypeDef


def _attributes(items: Iterable[AttributeTypeTypeDef]) -> dict[str, str]:
    return {item["Name"]: item.get("Value", "") for item in items}


def _mfa(user: Any, username: str) -> admin_schema.UserMfa:
    """The MFA fields of an AdminGetUser answer (ListUsers has none)."""
    return admin_schema.UserMfa(
        username=username,
        found=True,
        mfa_methods=[str(m) for m in user.get("UserMFASettingList") or []],
        preferred_mfa=str(user.get("PreferredMfaSetting") or "") or None,
    )


def last_sign_in(attributes: dict[str, str]) -> datetime.datetime | None:
    """When the user last signed in, from :data:`LAST_SIGN_IN_ATTRIBUTE` (UTC); None when
    the attribute is absent or not exactly the trigger's format (an admin can write any
    string into a custom attribute)."""
    value = attributes.get(LAST_SIGN_IN_ATTRIBUTE)
    if value is None or not _LAST_SIGN_IN.fullmatch(value):
        return None
    try:
        moment = datetime.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:  # the right shape, but no such date (month 13, February 30...)
        return None
    return moment.replace(tzinfo=datetime.UTC)


def _summary(user: Any, attributes: dict[str, str]) -> admin_schema.UserSummary:
    return admin_schema.UserSummary(
        username=str(user["Username"]),
        sub=attributes.get("sub"),
        email=attributes.get("email"),
        name=attributes.get("name"),
        status=str(user.get("UserStatus", "UNKNOWN")),
        enabled=bool(user.get("Enabled", True)),
        created_at=user.get("UserCreateDate"),
        modified_at=user.get("UserLastModifiedDate"),
        last_sign_in=last_sign_in(attributes),
    )


def idp_client(config: settings.Settings, *, calls: int) -> CognitoIdentityProviderClient:
    """A cognito-idp client for ``config``'s pool with bounded timeouts and at most
    ``calls`` calls per operation (botocore's ``total_max_attempts``; ``max_attempts``
    would count retries only)."""
    client: CognitoIdentityProviderClient = boto3.client(
        "cognito-idp",
        region_name=config.region,
        endpoint_url=config.idp_endpoint_url,
        config=botocore.config.Config(
            connect_timeout=3,
            read_timeout=10,
            retries={"mode": "standard", "total_max_attempts": calls},
        ),
    )
    return client


class CognitoAdmin:
    """The admin operations the API performs, on one user pool.

    ``app_client_id`` is the app client ``ResendConfirmationCode`` names (Cognito sends
    the code for a client, not for a pool): the first of ``COGNITO_CLIENT_IDS``, a public
    client. A client with a secret would need a ``SECRET_HASH`` the API does not compute.
    """

    #: AdminGetUser calls in flight at once for one MFA batch (:meth:`users_mfa`): below
    #: botocore's pool of 10 connections, and a bounded share of Cognito's request quota.
    MFA_CONCURRENCY = 8

    def __init__(
        self,
        client: CognitoIdentityProviderClient,
        user_pool_id: str,
        app_client_id: str | None = None,
    ) -> None:
        self.client = client
        self.user_pool_id = user_pool_id
        self.app_client_id = app_client_id
        self._schema = pool_schema.SchemaCache(self._describe_pool)

    @classmethod
    def from_settings(cls, config: settings.Settings) -> CognitoAdmin:
        """A client with bounded timeouts and retries, for ``config``'s pool."""
        # Three calls in all keeps a throttled or dead Cognito from holding a request long.
        return cls(idp_client(config, calls=3), config.user_pool_id, config.client_ids[0])

    # The pool

    def _describe_pool(self) -> pool_schema.PoolSchema:
        with cognito_errors.mapped("DescribeUserPool"):
            pool = self.client.describe_user_pool(UserPoolId=self.user_pool_id)["UserPool"]
        return pool_schema.from_description(pool)

    def pool_schema(self, *, fresh: bool = False) -> pool_schema.PoolSchema:
        """The pool's attributes, MFA setting and size (DescribeUserPool, remembered for
        a minute unless ``fresh``: :class:`~protected_api.pool_schema.SchemaCache`)."""
        return self._schema.get(fresh=fresh)

    def schema(self) -> admin_schema.Schema:
        """``GET /admin/schema``: the pool's attributes as Cognito describes them now."""
        current = self.pool_schema(fresh=True)
        return admin_schema.Schema(
            attributes=list(current.attributes), estimated_users=current.estimated_users
        )

    # Users

    def list_users(
        self,
        *,
        search: str | None = None,
        limit: int = admin_schema.PAGE_MAX,
        pagination_token: str | None = None,
    ) -> admin_schema.UserPage:
        """One page of ListUsers; ``search`` is a ``Filter`` (:mod:`protected_api.user_search`)."""
        kwargs: dict[str, Any] = {"UserPoolId": self.user_pool_id, "Limit": limit}
        if search:
            kwargs["Filter"] = search
        if pagination_token:
            kwargs["PaginationToken"] = pagination_token
        with cognito_errors.mapped("ListUsers"):
            page = self.client.list_users(**kwargs)
        users = [_summary(u, _attributes(u.get("Attributes", []))) for u in page["Users"]]
        return admin_schema.UserPage(users=users, pagination_token=page.get("PaginationToken"))

    def _admin_get_user(self, username: str) -> Any:
        with cognito_errors.mapped("AdminGetUser"):
            return self.client.admin_get_user(UserPoolId=self.user_pool_id, Username=username)

    def find_user(self, username: str) -> admin_schema.UserSummary:
        """AdminGetUser only: the canonical username and ``sub`` (``username`` may be an alias)."""
        user = self._admin_get_user(username)
        return _summary(user, _attributes(user["UserAttributes"]))

    def account_mfa(self, username: str) -> tuple[admin_schema.UserSummary, admin_schema.UserMfa]:
        """AdminGetUser only: the account (canonical username, ``sub``, enabled) and its MFA."""
        user = self._admin_get_user(username)
        return _summary(user, _attributes(user["UserAttributes"])), _mfa(user, username)

    def get_user(self, username: str) -> admin_schema.UserDetail:
        """Attributes, status, dates, groups and MFA of one user."""
        user = self._admin_get_user(username)
        attributes = _attributes(user["UserAttributes"])
        summary = _summary(user, attributes)
        mfa = _mfa(user, username)
        groups = self.groups_of(summary.username)
        return admin_schema.UserDetail(
            **summary.model_dump(),
            attributes=attributes,
            groups=groups,
            mfa_methods=mfa.mfa_methods,
            preferred_mfa=mfa.preferred_mfa,
        )

    def users_mfa(self, usernames: Sequence[str]) -> admin_schema.MfaList:
        """The MFA of each user (AdminGetUser each, :attr:`MFA_CONCURRENCY` at a time: ListUsers
        does not return it). A name nobody has is ``found: false``; any other failure (say,
        throttled) fails the whole batch, and the caller asks again later."""
        names = list(dict.fromkeys(usernames))
        if not names:
            return admin_schema.MfaList(users=[])
        workers = max(1, min(self.MFA_CONCURRENCY, len(names)))
        with futures.ThreadPoolExecutor(workers, thread_name_prefix="admin-mfa") as pool:
            return admin_schema.MfaList(users=list(pool.map(self._mfa_or_missing, names)))

    def _mfa_or_missing(self, username: str) -> admin_schema.UserMfa:
        try:
            return self.account_mfa(username)[1]
        except admin_errors.AdminError as exc:
            if exc.status == 404:
                return admin_schema.UserMfa(
                    username=username, found=False, mfa_methods=[], preferred_mfa=None
                )
            raise

    def groups_of(self, username: str) -> list[str]:
        """AdminListGroupsForUser, every page: the groups ``username`` is in now."""
        pages = self._pages(
            "AdminListGroupsForUser", self.client.admin_list_groups_for_user, Username=username
        )
        return [g["GroupName"] for page in pages for g in page["Groups"] if "GroupName" in g]

    def token_holder(self, access_token: str) -> admin_schema.UserSummary | None:
        """GetUser with a caller's own access token: the account it names, or None when
        Cognito no longer honours the token (signed out everywhere, revoked, the account
        disabled or deleted).

        Token-authorized: Cognito evaluates no IAM policy for it, and needs the token's
        ``aws.cognito.signin.user.admin`` scope. The answer has no ``Enabled`` or status:
        only the username and attributes are meaningful here.
        """
        try:
            with cognito_errors.mapped("GetUser"):
                user = self.client.get_user(AccessToken=access_token)
        except admin_errors.AdminError as exc:
            # NotAuthorizedException (409 invalid_state) and UserNotFoundException (404):
            # the token is dead; anything else (throttled, unavailable) is no answer.
            if exc.status in (404, 409):
                return None
            raise
        return _summary(user, _attributes(user["UserAttributes"]))

    def _pages(self, operation: str, call: Callable[..., Any], **kwargs: Any) -> Iterator[Any]:
        """Every page of a ``NextToken``-paged call, at the largest page size."""
        with cognito_errors.mapped(operation):
            while True:
                page = call(UserPoolId=self.user_pool_id, Limit=admin_schema.PAGE_MAX, **kwargs)
                yield page
                if not page.get("NextToken"):
                    return
                kwargs["NextToken"] = page["NextToken"]

    def create_user(
        self, username: str, email: str, *, name: str | None = None, groups: Sequence[str] = ()
    ) -> admin_schema.UserDetail:
        """AdminCreateUser with a verified email; Cognito emails a generated temporary password.

        Groups are checked before the user exists, so an unknown group leaves no
        half-made account; if adding to a group still fails, the user is deleted
        again so the request can simply be repeated.
        """
        wanted = list(dict.fromkeys(groups))
        for group in wanted:
            if not self._group_exists(group):
                raise admin_errors.AdminError(
                    400, "invalid_parameter", f"group {group!r} does not exist"
                )
        attributes: list[AttributeTypeTypeDef] = [
            {"Name": "email", "Value": email},
            {"Name": "email_verified", "Value": "true"},
        ]
        if name is not None:
            attributes.append({"Name": "name", "Value": name})
        with cognito_errors.mapped("AdminCreateUser"):
            created = self.client.admin_create_user(
                UserPoolId=self.user_pool_id,
                Username=username,
                UserAttributes=attributes,
                DesiredDeliveryMediums=["EMAIL"],
            )["User"]
        canonical = str(created.get("Username", username))
        try:
            for group in wanted:
                self.add_to_group(canonical, group)
        except admin_errors.AdminError:
            with contextlib.suppress(admin_errors.AdminError):
                self.delete_user(canonical)
            raise
        summary = _summary(created, _attributes(created.get("Attributes", [])))
        return admin_schema.UserDetail(
            **summary.model_dump(),
            attributes=_attributes(created.get("Attributes", [])),
            groups=wanted,
        )

    def _group_exists(self, group: str) -> bool:
        try:
            with cognito_errors.mapped("GetGroup"):
                self.client.get_group(UserPoolId=self.user_pool_id, GroupName=group)
        except admin_errors.AdminError as exc:
            if exc.status == 404:
                return False
            raise
        return True

    def resend_invitation(self, username: str) -> None:
        """AdminCreateUser ``MessageAction=RESEND``: a new temporary password, emailed."""
        with cognito_errors.mapped("AdminCreateUser"):
            self.client.admin_create_user(
                UserPoolId=self.user_pool_id,
                Username=username,
                MessageAction="RESEND",
                DesiredDeliveryMediums=["EMAIL"],
            )

    def _require_unconfirmed(self, username: str, what: str) -> admin_schema.UserSummary:
        """The user, if their sign-up is still unconfirmed; 409 ``invalid_state`` otherwise
        (Cognito's own answer differs by call, and moto's AdminConfirmSignUp takes any user)."""
        user = self.find_user(username)
        if user.status != "UNCONFIRMED":
            raise admin_errors.AdminError(
                409,
                "invalid_state",
                f"only an unconfirmed sign-up can {what}; this user is {user.status}",
            )
        return user

    def confirm_sign_up(self, username: str) -> None:
        """AdminConfirmSignUp, for a user who signed up and has not entered the emailed code."""
        user = self._require_unconfirmed(username, "be confirmed")
        with cognito_errors.mapped("AdminConfirmSignUp"):
            self.client.admin_confirm_sign_up(UserPoolId=self.user_pool_id, Username=user.username)

    def resend_confirmation_code(self, username: str) -> None:
        """ResendConfirmationCode for the API's app client: a new sign-up code, emailed.

        A public-client call (no IAM, no token): Cognito sends the code for
        :attr:`app_client_id`, which must have no secret (no ``SECRET_HASH`` is sent).
        """
        user = self._require_unconfirmed(username, "get a new verification code")
        if self.app_client_id is None:
            raise admin_errors.AdminError(
                502, "upstream_error", "the API has no app client to send codes for"
            )
        with cognito_errors.mapped("ResendConfirmationCode"):
            self.client.resend_confirmation_code(
                ClientId=self.app_client_id, Username=user.username
            )

    def reset_mfa(self, username: str) -> None:
        """AdminSetUserMFAPreference with TOTP off and not preferred: the user signs in
        without a code and registers a new authenticator when they turn MFA on again
        (Cognito keeps the old one registered until then). A pool that requires MFA
        refuses ("You can't turn off TOTP MFA ... when MFA is required"): 409."""
        try:
            with cognito_errors.mapped("AdminSetUserMFAPreference"):
                self.client.admin_set_user_mfa_preference(
                    UserPoolId=self.user_pool_id,
                    Username=username,
                    SoftwareTokenMfaSettings={"Enabled": False, "PreferredMfa": False},
                )
        except admin_errors.AdminError as exc:
            if exc.code != "invalid_parameter":
                raise
            raise admin_errors.AdminError(409, "invalid_state", MFA_REQUIRED_BY_POOL) from None

    def mark_email_verified(self, username: str) -> None:
        """AdminUpdateUserAttributes ``email_verified=true`` (409 for a user without an email)."""
        user = self.find_user(username)
        if not user.email:
            raise admin_errors.AdminError(409, "invalid_state", NO_EMAIL)
        with cognito_errors.mapped("AdminUpdateUserAttributes"):
            self.client.admin_update_user_attributes(
                UserPoolId=self.user_pool_id,
                Username=user.username,
                UserAttributes=[{"Name": "email_verified", "Value": "true"}],
            )

    def update_attributes(
        self, username: str, change: admin_schema.AttributeChange
    ) -> admin_schema.UserDetail:
        """Set and delete attributes as :func:`protected_api.attribute_edit.plan` allows
        (AdminUpdateUserAttributes, then AdminDeleteUserAttributes), and answer the user
        as Cognito has them now. ``email_verified: true`` for a user who has no email
        and gets none is 409, as :meth:`mark_email_verified`. The two calls are not one
        transaction: if the second fails, the first has happened."""
        edit = attribute_edit.plan(self.pool_schema(), change)
        marks_current = change.email_verified and "email" not in change.values
        if marks_current and not self.find_user(username).email:
            raise admin_errors.AdminError(409, "invalid_state", NO_EMAIL)
        if edit.update:
            with cognito_errors.mapped("AdminUpdateUserAttributes"):
                self.client.admin_update_user_attributes(
                    UserPoolId=self.user_pool_id,
                    Username=username,
                    UserAttributes=[{"Name": n, "Value": v} for n, v in edit.update],
                )
        if edit.delete:
            with cognito_errors.mapped("AdminDeleteUserAttributes"):
                self.client.admin_delete_user_attributes(
                    UserPoolId=self.user_pool_id,
                    Username=username,
                    UserAttributeNames=list(edit.delete),
                )
        return self.get_user(username)

    def delete_user(self, username: str) -> None:
        """AdminDeleteUser."""
        with cognito_errors.mapped("AdminDeleteUser"):
            self.client.admin_delete_user(UserPoolId=self.user_pool_id, Username=username)

    def enable_user(self, username: str) -> None:
        """AdminEnableUser."""
        with cognito_errors.mapped("AdminEnableUser"):
            self.client.admin_enable_user(UserPoolId=self.user_pool_id, Username=username)

    def disable_user(self, username: str) -> None:
        """AdminDisableUser: sign-in and refresh are refused from now on."""
        with cognito_errors.mapped("AdminDisableUser"):
            self.client.admin_disable_user(UserPoolId=self.user_pool_id, Username=username)

    def reset_password(self, username: str) -> None:
        """AdminResetUserPassword: status RESET_REQUIRED, a code goes to the user."""
        with cognito_errors.mapped("AdminResetUserPassword"):
            self.client.admin_reset_user_password(UserPoolId=self.user_pool_id, Username=username)

    def global_sign_out(self, username: str) -> None:
        """AdminUserGlobalSignOut: every refresh token of the user stops working."""
        with cognito_errors.mapped("AdminUserGlobalSignOut"):
            self.client.admin_user_global_sign_out(UserPoolId=self.user_pool_id, Username=username)

    # Groups

    def add_to_group(self, username: str, group: str) -> None:
        """AdminAddUserToGroup (already a member is fine, as on Cognito)."""
        with cognito_errors.mapped("AdminAddUserToGroup"):
            self.client.admin_add_user_to_group(
                UserPoolId=self.user_pool_id, Username=username, GroupName=group
            )

    def remove_from_group(self, username: str, group: str) -> None:
        """AdminRemoveUserFromGroup."""
        with cognito_errors.mapped("AdminRemoveUserFromGroup"):
            self.client.admin_remove_user_from_group(
                UserPoolId=self.user_pool_id, Username=username, GroupName=group
            )

    def group_infos(self) -> list[admin_schema.GroupInfo]:
        """Every group, without member counts (ListGroups, every page)."""
        return [
            admin_schema.GroupInfo(
                name=group.get("GroupName", ""),
                description=group.get("Description"),
                precedence=group.get("Precedence"),
            )
            for page in self._pages("ListGroups", self.client.list_groups)
            for group in page["Groups"]
        ]

    def list_groups(self) -> list[admin_schema.GroupSummary]:
        """Every group with its member count (ListGroups, then ListUsersInGroup per group)."""
        return [
            admin_schema.GroupSummary(
                name=group.get("GroupName", ""),
                description=group.get("Description"),
                precedence=group.get("Precedence"),
                member_count=self._count_members(group.get("GroupName", "")),
            )
            for page in self._pages("ListGroups", self.client.list_groups)
            for group in page["Groups"]
        ]

    def create_group(
        self, name: str, *, description: str | None = None, precedence: int | None = None
    ) -> admin_schema.GroupSummary:
        """CreateGroup (409 ``already_exists`` for a name taken); a new group has no members."""
        kwargs: dict[str, Any] = {"UserPoolId": self.user_pool_id, "GroupName": name}
        if description is not None:
            kwargs["Description"] = description
        if precedence is not None:
            kwargs["Precedence"] = precedence
        with cognito_errors.mapped("CreateGroup"):
            group = self.client.create_group(**kwargs)["Group"]
        return admin_schema.GroupSummary(
            name=group.get("GroupName", name),
            description=group.get("Description"),
            precedence=group.get("Precedence"),
            member_count=0,
        )

    def update_group(self, name: str, changes: Mapping[str, Any]) -> admin_schema.GroupSummary:
        """UpdateGroup with ``changes`` (``description``, ``precedence``; None clears one).

        UpdateGroup sets every field it is not given to its default ("If you don't
        provide a value for an attribute, it will be set to the default value"), the
        group's IAM role included, so the group is read first (GetGroup) and sent
        whole: what the admin did not mention stays as it was.
        """
        with cognito_errors.mapped("GetGroup"):
            current = self.client.get_group(UserPoolId=self.user_pool_id, GroupName=name)
        fields: dict[str, Any] = {
            "Description": current["Group"].get("Description"),
            "Precedence": current["Group"].get("Precedence"),
            "RoleArn": current["Group"].get("RoleArn"),
        }
        if "description" in changes:
            fields["Description"] = changes["description"]
        if "precedence" in changes:
            fields["Precedence"] = changes["precedence"]
        kwargs = {key: value for key, value in fields.items() if value is not None}
        with cognito_errors.mapped("UpdateGroup"):
            group = self.client.update_group(
                UserPoolId=self.user_pool_id, GroupName=name, **kwargs
            )["Group"]
        return admin_schema.GroupSummary(
            name=group.get("GroupName", name),
            description=group.get("Description"),
            precedence=group.get("Precedence"),
            member_count=self._count_members(name),
        )

    def delete_group(self, group: str) -> None:
        """DeleteGroup: its members stay, outside the group."""
        with cognito_errors.mapped("DeleteGroup"):
            self.client.delete_group(UserPoolId=self.user_pool_id, GroupName=group)

    def all_group_members(self, group: str) -> list[admin_schema.UserSummary]:
        """Every member of ``group`` (ListUsersInGroup, every page)."""
        pages = self._pages("ListUsersInGroup", self.client.list_users_in_group, GroupName=group)
        return [
            _summary(u, _attributes(u.get("Attributes", [])))
            for page in pages
            for u in page["Users"]
        ]

    def _count_members(self, group: str) -> int:
        # Cognito has no count API: page through the members at the largest page size.
        pages = self._pages("ListUsersInGroup", self.client.list_users_in_group, GroupName=group)
        return sum(len(page["Users"]) for page in pages)

    def list_group_members(
        self, group: str, *, limit: int = admin_schema.PAGE_MAX, pagination_token: str | None = None
    ) -> admin_schema.UserPage:
        """One page of ListUsersInGroup."""
        kwargs: dict[str, Any] = {
            "UserPoolId": self.user_pool_id,
            "GroupName": group,
            "Limit": limit,
        }
        if pagination_token:
            kwargs["NextToken"] = pagination_token
        with cognito_errors.mapped("ListUsersInGroup"):
            page = self.client.list_users_in_group(**kwargs)
        users = [_summary(u, _attributes(u.get("Attributes", []))) for u in page["Users"]]
        return admin_schema.UserPage(users=users, pagination_token=page.get("NextToken"))
