"""The ``/admin`` wire schema: what the routes accept and what they answer.

Parameters (path and query) are declared once here, with the limits Cognito
puts on them, so a request Cognito would refuse is a 422 before any call.
Answers are pydantic models the OpenAPI document names: :class:`UserSummary`,
:class:`UserDetail`, :class:`UserPage`, :class:`GroupList`, :class:`MfaList`, the pool's
:class:`Schema`, the export pages and import results (issue 21) and, for every error,
:class:`ErrorBody`.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from typing import Annotated, Literal

import fastapi
import pydantic

from protected_api import user_search

PAGE_MAX = 60  # ListUsers, ListUsersInGroup and ListGroups return at most 60 per page
MAX_NAME = 128  # Username and GroupName: 1..128 (AdminGetUser, GetGroup API reference)
MAX_PAGINATION_TOKEN = 2048
MAX_EXPORT_TOKEN = 4096  # a group name and Cognito's NextToken, base64url (page_tokens)
MAX_EMAIL = 254
#: Cognito's name for TOTP in ``UserMFASettingList`` and ``PreferredMfaSetting``.
TOTP = "SOFTWARE_TOKEN_MFA"
# HTML's "valid e-mail address" (WHATWG), with a dot required in the domain:
# what a person can type, without the quoted or bracketed forms nobody invites.
_EMAIL = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}"
    r"@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+"
)


def is_cognito_name(value: str) -> bool:
    r"""Whether ``value`` is a name Cognito takes for a user or group: 1..128 characters of
    ``[\p{L}\p{M}\p{S}\p{N}\p{P}]`` (no spaces or control characters); Python's re has no
    ``\p``, unicodedata has the categories."""
    return 1 <= len(value) <= MAX_NAME and all(unicodedata.category(c)[0] in "LMSNP" for c in value)


def _cognito_name(value: str) -> str:
    # The length is the field's own constraint (checked first, with its own message).
    if not all(unicodedata.category(c)[0] in "LMSNP" for c in value):
        raise ValueError("may hold only letters, marks, symbols, digits and punctuation")
    return value


def is_email(value: str) -> bool:
    """Whether ``value`` is an email address a person can type (see ``_EMAIL``)."""
    return len(value) <= MAX_EMAIL and _EMAIL.fullmatch(value) is not None


def _email(value: str) -> str:
    if not is_email(value):
        raise ValueError("is not a valid email address")
    return value


def _no_controls(value: str | None) -> str | None:
    if value is not None and any(unicodedata.category(c) == "Cc" for c in value):
        raise ValueError("must not contain control characters")
    return value


# Parameters

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
Limit = Annotated[int, fastapi.Query(ge=1, le=PAGE_MAX)]
PaginationToken = Annotated[
    str | None,
    fastapi.Query(
        min_length=1,
        max_length=MAX_PAGINATION_TOKEN,
        pattern=r"^\S+$",
        description="from the previous page, unchanged",
    ),
]
#: An export page's token: a ListUsers token as Cognito gave it, or the API's own
#: membership cursor (a group name and a ListUsersInGroup token, protected_api.page_tokens).
ExportToken = Annotated[
    str | None,
    fastapi.Query(
        alias="pagination_token",
        min_length=1,
        max_length=MAX_EXPORT_TOKEN,
        pattern=r"^\S+$",
        description="from the previous page, unchanged",
    ),
]
# The users whose MFA to read: ``?username=a&username=b``, at most one page of them.
MfaUsernames = Annotated[
    list[
        Annotated[
            str,
            pydantic.StringConstraints(min_length=1, max_length=MAX_NAME),
            pydantic.AfterValidator(_cognito_name),
        ]
    ],
    fastapi.Query(
        alias="username",
        min_length=1,
        max_length=PAGE_MAX,
        description=f"1..{PAGE_MAX} usernames (repeat the parameter): {_NAME_RULE}",
    ),
]
# A search: the three come together or not at all (user_search.filter_for).
SearchAttributeQuery = Annotated[user_search.SearchAttribute | None, fastapi.Query()]
MatchQuery = Annotated[user_search.Match | None, fastapi.Query()]
ValueQuery = Annotated[
    str | None, fastapi.Query(min_length=1, max_length=user_search.MAX_FILTER_VALUE)
]

# Bodies

CognitoName = Annotated[
    str,
    pydantic.Field(min_length=1, max_length=MAX_NAME),
    pydantic.AfterValidator(_cognito_name),
]


class NewUser(pydantic.BaseModel):
    """An invitation: Cognito generates the temporary password and emails it."""

    model_config = pydantic.ConfigDict(extra="forbid")

    username: CognitoName
    email: Annotated[str, pydantic.Field(max_length=MAX_EMAIL), pydantic.AfterValidator(_email)]
    groups: list[CognitoName] = pydantic.Field(default_factory=list, max_length=100)
    name: Annotated[
        str | None,
        pydantic.Field(min_length=1, max_length=2048),
        pydantic.AfterValidator(_no_controls),
    ] = None


# Answers


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
    last_sign_in: datetime.datetime | None = pydantic.Field(
        default=None,
        description="UTC, from the custom:last_sign_in attribute the post authentication "
        "trigger writes; null when never recorded or not readable",
    )


class UserDetail(UserSummary):
    """A user with every attribute, their group memberships and their MFA."""

    attributes: dict[str, str]
    groups: list[str]
    mfa_methods: list[str] = pydantic.Field(
        default_factory=list,
        description="AdminGetUser's UserMFASettingList, e.g. [SOFTWARE_TOKEN_MFA]; [] for none",
    )
    preferred_mfa: str | None = pydantic.Field(
        default=None, description="AdminGetUser's PreferredMfaSetting"
    )


class UserMfa(pydantic.BaseModel):
    """One user's MFA as AdminGetUser reports it (ListUsers does not)."""

    username: str = pydantic.Field(description="as asked")
    found: bool = pydantic.Field(description="false: no such user (the other fields are empty)")
    mfa_methods: list[str] = pydantic.Field(
        description="UserMFASettingList: SOFTWARE_TOKEN_MFA (TOTP), SMS_MFA, EMAIL_OTP; [] for none"
    )
    preferred_mfa: str | None = pydantic.Field(description="PreferredMfaSetting")


class MfaList(pydantic.BaseModel):
    """The MFA of the users asked for, in the order asked (each name once)."""

    users: list[UserMfa]


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


class GroupList(pydantic.BaseModel):
    groups: list[GroupSummary]


# Issue 21: the pool's schema, attributes, groups, export and import.

MAX_ATTRIBUTE_NAME = 32  # AttributeNameType: 1..32 (custom:department, dev:custom:x...)
MAX_ATTRIBUTE_VALUE = 2048  # the longest String attribute Cognito allows
MAX_ATTRIBUTES = 100  # more than a pool has (about 20 standard, at most 50 custom)
MAX_DESCRIPTION = 2048  # CreateGroup / UpdateGroup Description
MAX_PRECEDENCE = 2**31 - 1  # Precedence: a non-negative integer
IMPORT_ROWS = 50  # users per import request (one AdminCreateUser each)
IMPORT_MEMBERSHIPS = 100  # memberships per import request
IMPORT_GROUPS = 100  # groups per import request
MAX_COLUMNS = 128  # an import header: about 20 standard columns, 50 custom, 2 of Cognito's

AttributeName = Annotated[
    str,
    pydantic.StringConstraints(min_length=1, max_length=MAX_ATTRIBUTE_NAME),
    pydantic.AfterValidator(_cognito_name),
]
AttributeValue = Annotated[str, pydantic.StringConstraints(max_length=MAX_ATTRIBUTE_VALUE)]
Description = Annotated[
    str | None,
    pydantic.Field(max_length=MAX_DESCRIPTION),
    pydantic.AfterValidator(_no_controls),
]
Precedence = Annotated[pydantic.StrictInt | None, pydantic.Field(ge=0, le=MAX_PRECEDENCE)]


class AttributeChange(pydantic.BaseModel):
    """``PATCH /admin/users/{username}/attributes``: values to set, attributes to delete,
    and ``email_verified`` on purpose (null: as Cognito decides, see attribute_edit)."""

    model_config = pydantic.ConfigDict(extra="forbid", populate_by_name=True)

    values: dict[AttributeName, AttributeValue] = pydantic.Field(
        default_factory=dict, alias="set", max_length=MAX_ATTRIBUTES
    )
    delete: list[AttributeName] = pydantic.Field(default_factory=list, max_length=MAX_ATTRIBUTES)
    email_verified: pydantic.StrictBool | None = None


class NewGroup(pydantic.BaseModel):
    """``POST /admin/groups``."""

    model_config = pydantic.ConfigDict(extra="forbid")

    name: CognitoName
    description: Description = None
    precedence: Precedence = None


class GroupChange(pydantic.BaseModel):
    """``PATCH /admin/groups/{group}``: a field left out stays as it is; null clears it."""

    model_config = pydantic.ConfigDict(extra="forbid")

    description: Description = None
    precedence: Precedence = None


class GroupSpec(pydantic.BaseModel):
    """A group the membership import creates if it is missing."""

    model_config = pydantic.ConfigDict(extra="forbid")

    name: CognitoName
    description: Description = None
    precedence: Precedence = None


ImportCell = Annotated[str, pydantic.StringConstraints(max_length=MAX_ATTRIBUTE_VALUE)]
ImportColumn = Annotated[str, pydantic.StringConstraints(min_length=1, max_length=64)]


class UserImport(pydantic.BaseModel):
    """``POST /admin/import/users``: rows in Cognito's user-import CSV format (the header
    names the columns, protected_api.user_csv), up to :data:`IMPORT_ROWS` at a time."""

    model_config = pydantic.ConfigDict(extra="forbid")

    header: list[ImportColumn] = pydantic.Field(min_length=1, max_length=MAX_COLUMNS)
    rows: list[Annotated[list[ImportCell], pydantic.Field(max_length=MAX_COLUMNS)]] = (
        pydantic.Field(min_length=1, max_length=IMPORT_ROWS)
    )
    message_action: Literal["INVITE", "SUPPRESS"]
    disabled: list[CognitoName] = pydantic.Field(
        default_factory=list,
        max_length=IMPORT_ROWS,
        description="usernames of these rows to disable once created (the export's states)",
    )


class MembershipImport(pydantic.BaseModel):
    """``POST /admin/import/memberships``: groups to create if missing, then memberships
    as ``[group, username]`` pairs."""

    model_config = pydantic.ConfigDict(extra="forbid")

    groups: list[GroupSpec] = pydantic.Field(default_factory=list, max_length=IMPORT_GROUPS)
    memberships: list[tuple[CognitoName, CognitoName]] = pydantic.Field(
        default_factory=list, max_length=IMPORT_MEMBERSHIPS
    )


AttributeType = Literal["String", "Number", "DateTime", "Boolean"]


class AttributeSpec(pydantic.BaseModel):
    """One attribute of the pool's schema (DescribeUserPool ``SchemaAttributes``)."""

    name: str = pydantic.Field(description="as users carry it: email, custom:department")
    type: AttributeType
    mutable: bool
    required: bool
    min_length: int | None
    max_length: int | None
    min_value: int | None
    max_value: int | None
    custom: bool
    searchable: bool = pydantic.Field(description="ListUsers can filter on it")


class Schema(pydantic.BaseModel):
    attributes: list[AttributeSpec]
    estimated_users: int = pydantic.Field(description="DescribeUserPool EstimatedNumberOfUsers")


class UserState(pydantic.BaseModel):
    """What an export row cannot carry: the user's status and whether they are enabled."""

    username: str
    status: str
    enabled: bool


class ExportUsersPage(pydantic.BaseModel):
    """One ListUsers page as rows of Cognito's user-import CSV (``header``'s order)."""

    header: list[str]
    rows: list[list[str]]
    states: list[UserState] = pydantic.Field(description="one per row, in the rows' order")
    pagination_token: str | None


class GroupInfo(pydantic.BaseModel):
    """A group as the membership export lists it (as Cognito has it: not re-validated)."""

    name: str
    description: str | None
    precedence: int | None


class ExportMembershipsPage(pydantic.BaseModel):
    """Every group (first page only) and one page of ``[group, username]`` memberships."""

    groups: list[GroupInfo]
    memberships: list[tuple[str, str]]
    pagination_token: str | None


RowStatus = Literal["created", "exists", "failed"]


class RowResult(pydantic.BaseModel):
    """What became of one row of an import."""

    row: int = pydantic.Field(description="the row's index in the request")
    username: str
    status: RowStatus
    error: str | None = pydantic.Field(description="an error code (throttled, not_found...)")
    message: str | None


class ImportResults(pydantic.BaseModel):
    results: list[RowResult]


class ErrorBody(pydantic.BaseModel):
    error: str = pydantic.Field(description="not_found, already_exists, self_lockout, ...")
    message: str


# The error answers every admin route may give, for the OpenAPI document.
ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    status: {"model": ErrorBody} for status in (400, 401, 403, 404, 409, 429, 502, 503)
}
