"""boto3 ``cognito-idp`` adapter for the admin routes: one user pool, typed results, one error.

Every call runs inside :func:`_mapped`, which turns botocore's exceptions into
:class:`AdminError` (an HTTP status, a short code and a message safe to show), so
the routes never see botocore and no Cognito failure becomes a 500. Throttling
is retried by botocore itself (standard mode, 3 attempts, set in
:meth:`CognitoAdmin.from_settings`) before it surfaces as a 429.

API reference: https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import typing
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Literal

import boto3
import botocore.config
import botocore.exceptions
import pydantic

from protected_api import settings

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient
    from mypy_boto3_cognito_idp.type_defs import AttributeTypeTypeDef

log = logging.getLogger(__name__)

PAGE_MAX = 60  # ListUsers, ListUsersInGroup and ListGroups return at most 60 per page
MAX_FILTER_VALUE = 256
# ListUsers can filter on these attributes only (ListUsers, "Filter").
SearchAttribute = Literal[
    "username",
    "email",
    "phone_number",
    "name",
    "given_name",
    "family_name",
    "preferred_username",
    "cognito:user_status",
    "status",
    "sub",
]
SEARCHABLE_ATTRIBUTES: tuple[str, ...] = typing.get_args(SearchAttribute)
Match = Literal["exact", "prefix"]
MATCH_OPERATORS: dict[str, str] = {"exact": "=", "prefix": "^="}
RETRY_AFTER_THROTTLED_S = 2
RETRY_AFTER_UNAVAILABLE_S = 5
_MAX_MESSAGE = 300

_NOT_FOUND = {"UserNotFoundException", "ResourceNotFoundException"}
_EXISTS = {"UsernameExistsException", "AliasExistsException", "GroupExistsException"}
# InvalidToken is moto's answer to a pagination token it cannot read (Cognito
# says InvalidParameterException); either way the caller sent it.
_INVALID = {"InvalidParameterException", "InvalidPasswordException", "InvalidToken"}
# The request is well formed but the user's state forbids it (e.g. resending an
# invitation to a confirmed user, resetting a disabled user's password).
_STATE = {"UnsupportedUserStateException", "NotAuthorizedException", "UserNotConfirmedException"}
_THROTTLED = {"TooManyRequestsException", "LimitExceededException", "ThrottlingException"}


class AdminError(Exception):
    """An admin operation failed; ``status``/``code``/``message`` are what the client sees."""

    def __init__(
        self, status: int, code: str, message: str, *, retry_after: int | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.retry_after = retry_after


class UserSummary(pydantic.BaseModel):
    """One user as ListUsers, ListUsersInGroup and AdminGetUser describe them."""

    username: str
    sub: str | None
    email: str | None
    name: str | None = None
    status: str = pydantic.Field(description="Cognito UserStatus, e.g. CONFIRMED")
    enabled: bool
    created_at: datetime.datetime | None
    modified_at: datetime.datetime | None


class UserDetail(UserSummary):
    """A user with every attribute and their group memberships."""

    attributes: dict[str, str]
    groups: list[str]


class UserPage(pydantic.BaseModel):
    """One page of users; pass ``pagination_token`` back unchanged for the next."""

    users: list[UserSummary]
    pagination_token: str | None


class GroupSummary(pydantic.BaseModel):
    """A group and how many users are in it."""

    name: str
    description: str | None
    precedence: int | None
    member_count: int


def build_filter(attribute: str, match: Match, value: str) -> str:
    """A ListUsers ``Filter``: ``attribute = "value"`` with ``\\`` and ``"`` escaped.

    The attribute comes from a fixed list and the value cannot close its quotes,
    so a search can never become a different filter.
    """
    if attribute not in SEARCHABLE_ATTRIBUTES:
        raise AdminError(400, "invalid_parameter", f"cannot search on attribute {attribute!r}")
    if not value or len(value) > MAX_FILTER_VALUE:
        raise AdminError(400, "invalid_parameter", f"value must be 1..{MAX_FILTER_VALUE} chars")
    if any(unicodedata.category(c) == "Cc" for c in value):
        raise AdminError(400, "invalid_parameter", "value must not contain control characters")
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'{attribute} {MATCH_OPERATORS[match]} "{escaped}"'


@contextlib.contextmanager
def _mapped(operation: str) -> Iterator[None]:
    """Run a boto3 call, turning every botocore failure into :class:`AdminError`."""
    try:
        yield
    except botocore.exceptions.ClientError as exc:
        raise _from_client_error(operation, exc) from None
    except (botocore.exceptions.ConnectionError, botocore.exceptions.HTTPClientError) as exc:
        # Refused, timed out or dropped, after botocore's retries.
        log.warning("%s: Cognito unreachable (%s)", operation, type(exc).__name__)
        raise AdminError(
            503,
            "unavailable",
            "the user directory cannot be reached; try again later",
            retry_after=RETRY_AFTER_UNAVAILABLE_S,
        ) from None
    except botocore.exceptions.BotoCoreError as exc:
        # No credentials, bad endpoint configuration...: the API's problem, not the caller's.
        log.error("%s: botocore error %s", operation, type(exc).__name__)
        raise AdminError(502, "upstream_error", "the user directory call failed") from None


def _from_client_error(operation: str, exc: botocore.exceptions.ClientError) -> AdminError:
    error = exc.response.get("Error", {})
    code = str(error.get("Code", ""))
    # Cognito's messages describe the request ("User does not exist.", "Invalid
    # email address format."); they never echo a password, but cap them anyway.
    message = str(error.get("Message") or code)[:_MAX_MESSAGE]
    http_status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
    log.info("%s: Cognito answered %s (HTTP %s)", operation, code, http_status)
    if code in _NOT_FOUND:
        return AdminError(404, "not_found", message)
    if code in _EXISTS:
        return AdminError(409, "already_exists", message)
    if code in _INVALID:
        return AdminError(400, "invalid_parameter", message)
    if code in _STATE:
        return AdminError(409, "invalid_state", message)
    if code in _THROTTLED:
        return AdminError(
            429,
            "throttled",
            "too many requests to the user directory; slow down",
            retry_after=RETRY_AFTER_THROTTLED_S,
        )
    if http_status >= 500:
        return AdminError(
            503,
            "unavailable",
            "the user directory is unavailable; try again later",
            retry_after=RETRY_AFTER_UNAVAILABLE_S,
        )
    log.warning("%s: unexpected Cognito error %s", operation, code)
    return AdminError(502, "upstream_error", "the user directory returned an unexpected error")


def _attributes(items: Iterable[AttributeTypeTypeDef]) -> dict[str, str]:
    return {item["Name"]: item.get("Value", "") for item in items}


def _summary(user: Any, attributes: dict[str, str]) -> UserSummary:
    return UserSummary(
        username=str(user["Username"]),
        sub=attributes.get("sub"),
        email=attributes.get("email"),
        name=attributes.get("name"),
        status=str(user.get("UserStatus", "UNKNOWN")),
        enabled=bool(user.get("Enabled", True)),
        created_at=user.get("UserCreateDate"),
        modified_at=user.get("UserLastModifiedDate"),
    )


class CognitoAdmin:
    """The admin operations the API performs, on one user pool."""

    def __init__(self, client: CognitoIdentityProviderClient, user_pool_id: str) -> None:
        self.client = client
        self.user_pool_id = user_pool_id

    @classmethod
    def from_settings(cls, config: settings.Settings) -> CognitoAdmin:
        """A client with bounded timeouts and retries, for ``config``'s pool."""
        # In Config, "max_attempts" counts retries (3 would mean 4 calls); three
        # calls in all keeps a throttled or dead Cognito from holding a request long.
        client = boto3.client(
            "cognito-idp",
            region_name=config.region,
            endpoint_url=config.idp_endpoint_url,
            config=botocore.config.Config(
                connect_timeout=3,
                read_timeout=10,
                retries={"mode": "standard", "total_max_attempts": 3},
            ),
        )
        return cls(client, config.user_pool_id)

    # Users

    def list_users(
        self,
        *,
        search: str | None = None,
        limit: int = PAGE_MAX,
        pagination_token: str | None = None,
    ) -> UserPage:
        """One page of ListUsers; ``search`` is a ``Filter`` from :func:`build_filter`."""
        kwargs: dict[str, Any] = {"UserPoolId": self.user_pool_id, "Limit": limit}
        if search:
            kwargs["Filter"] = search
        if pagination_token:
            kwargs["PaginationToken"] = pagination_token
        with _mapped("ListUsers"):
            page = self.client.list_users(**kwargs)
        users = [_summary(u, _attributes(u.get("Attributes", []))) for u in page["Users"]]
        return UserPage(users=users, pagination_token=page.get("PaginationToken"))

    def find_user(self, username: str) -> UserSummary:
        """AdminGetUser only: the canonical username and ``sub`` (``username`` may be an alias)."""
        with _mapped("AdminGetUser"):
            user = self.client.admin_get_user(UserPoolId=self.user_pool_id, Username=username)
        return _summary(user, _attributes(user["UserAttributes"]))

    def get_user(self, username: str) -> UserDetail:
        """Attributes, status, dates and groups of one user."""
        with _mapped("AdminGetUser"):
            user = self.client.admin_get_user(UserPoolId=self.user_pool_id, Username=username)
        attributes = _attributes(user["UserAttributes"])
        summary = _summary(user, attributes)
        groups = self._groups_of(summary.username)
        return UserDetail(**summary.model_dump(), attributes=attributes, groups=groups)

    def _groups_of(self, username: str) -> list[str]:
        pages = self._pages(
            "AdminListGroupsForUser", self.client.admin_list_groups_for_user, Username=username
        )
        return [g["GroupName"] for page in pages for g in page["Groups"] if "GroupName" in g]

    def _pages(self, operation: str, call: Callable[..., Any], **kwargs: Any) -> Iterator[Any]:
        """Every page of a ``NextToken``-paged call, at the largest page size."""
        with _mapped(operation):
            while True:
                page = call(UserPoolId=self.user_pool_id, Limit=PAGE_MAX, **kwargs)
                yield page
                if not page.get("NextToken"):
                    return
                kwargs["NextToken"] = page["NextToken"]

    def create_user(
        self, username: str, email: str, *, name: str | None = None, groups: Sequence[str] = ()
    ) -> UserDetail:
        """AdminCreateUser with a verified email; Cognito emails a generated temporary password.

        Groups are checked before the user exists, so an unknown group leaves no
        half-made account; if adding to a group still fails, the user is deleted
        again so the request can simply be repeated.
        """
        wanted = list(dict.fromkeys(groups))
        for group in wanted:
            if not self._group_exists(group):
                raise AdminError(400, "invalid_parameter", f"group {group!r} does not exist")
        attributes: list[AttributeTypeTypeDef] = [
            {"Name": "email", "Value": email},
            {"Name": "email_verified", "Value": "true"},
        ]
        if name is not None:
            attributes.append({"Name": "name", "Value": name})
        with _mapped("AdminCreateUser"):
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
        except AdminError:
            with contextlib.suppress(AdminError):
                self.delete_user(canonical)
            raise
        summary = _summary(created, _attributes(created.get("Attributes", [])))
        return UserDetail(
            **summary.model_dump(),
            attributes=_attributes(created.get("Attributes", [])),
            groups=wanted,
        )

    def _group_exists(self, group: str) -> bool:
        try:
            with _mapped("GetGroup"):
                self.client.get_group(UserPoolId=self.user_pool_id, GroupName=group)
        except AdminError as exc:
            if exc.status == 404:
                return False
            raise
        return True

    def resend_invitation(self, username: str) -> None:
        """AdminCreateUser ``MessageAction=RESEND``: a new temporary password, emailed."""
        with _mapped("AdminCreateUser"):
            self.client.admin_create_user(
                UserPoolId=self.user_pool_id,
                Username=username,
                MessageAction="RESEND",
                DesiredDeliveryMediums=["EMAIL"],
            )

    def delete_user(self, username: str) -> None:
        """AdminDeleteUser."""
        with _mapped("AdminDeleteUser"):
            self.client.admin_delete_user(UserPoolId=self.user_pool_id, Username=username)

    def enable_user(self, username: str) -> None:
        """AdminEnableUser."""
        with _mapped("AdminEnableUser"):
            self.client.admin_enable_user(UserPoolId=self.user_pool_id, Username=username)

    def disable_user(self, username: str) -> None:
        """AdminDisableUser: sign-in and refresh are refused from now on."""
        with _mapped("AdminDisableUser"):
            self.client.admin_disable_user(UserPoolId=self.user_pool_id, Username=username)

    def reset_password(self, username: str) -> None:
        """AdminResetUserPassword: status RESET_REQUIRED, a code goes to the user."""
        with _mapped("AdminResetUserPassword"):
            self.client.admin_reset_user_password(UserPoolId=self.user_pool_id, Username=username)

    def global_sign_out(self, username: str) -> None:
        """AdminUserGlobalSignOut: every refresh token of the user stops working."""
        with _mapped("AdminUserGlobalSignOut"):
            self.client.admin_user_global_sign_out(UserPoolId=self.user_pool_id, Username=username)

    # Groups

    def add_to_group(self, username: str, group: str) -> None:
        """AdminAddUserToGroup (already a member is fine, as on Cognito)."""
        with _mapped("AdminAddUserToGroup"):
            self.client.admin_add_user_to_group(
                UserPoolId=self.user_pool_id, Username=username, GroupName=group
            )

    def remove_from_group(self, username: str, group: str) -> None:
        """AdminRemoveUserFromGroup."""
        with _mapped("AdminRemoveUserFromGroup"):
            self.client.admin_remove_user_from_group(
                UserPoolId=self.user_pool_id, Username=username, GroupName=group
            )

    def list_groups(self) -> list[GroupSummary]:
        """Every group with its member count (ListGroups, then ListUsersInGroup per group)."""
        return [
            GroupSummary(
                name=group.get("GroupName", ""),
                description=group.get("Description"),
                precedence=group.get("Precedence"),
                member_count=self._count_members(group.get("GroupName", "")),
            )
            for page in self._pages("ListGroups", self.client.list_groups)
            for group in page["Groups"]
        ]

    def _count_members(self, group: str) -> int:
        # Cognito has no count API: page through the members at the largest page size.
        pages = self._pages("ListUsersInGroup", self.client.list_users_in_group, GroupName=group)
        return sum(len(page["Users"]) for page in pages)

    def list_group_members(
        self, group: str, *, limit: int = PAGE_MAX, pagination_token: str | None = None
    ) -> UserPage:
        """One page of ListUsersInGroup."""
        kwargs: dict[str, Any] = {
            "UserPoolId": self.user_pool_id,
            "GroupName": group,
            "Limit": limit,
        }
        if pagination_token:
            kwargs["NextToken"] = pagination_token
        with _mapped("ListUsersInGroup"):
            page = self.client.list_users_in_group(**kwargs)
        users = [_summary(u, _attributes(u.get("Attributes", []))) for u in page["Users"]]
        return UserPage(users=users, pagination_token=page.get("NextToken"))
