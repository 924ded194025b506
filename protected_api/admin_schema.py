"""The ``/admin`` wire schema: what the routes accept and what they answer.

Parameters (path and query) are declared once here, with the limits Cognito
puts on them, so a request Cognito would refuse is a 422 before any call.
Answers are pydantic models the OpenAPI document names: :class:`UserSummary`,
:class:`UserDetail`, :class:`UserPage`, :class:`GroupList`, :class:`MfaList` and,
for every error, :class:`ErrorBody`.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from typing import Annotated

import fastapi
import pydantic

from protected_api import user_search

PAGE_MAX = 60  # ListUsers, ListUsersInGroup and ListGroups return at most 60 per page
MAX_NAME = 128  # Username and GroupName: 1..128 (AdminGetUser, GetGroup API reference)
MAX_PAGINATION_TOKEN = 2048
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


def _cognito_name(value: str) -> str:
    # Cognito's pattern for both is [\p{L}\p{M}\p{S}\p{N}\p{P}]+ (no spaces or
    # control characters); Python's re has no \p, unicodedata has the categories.
    if not all(unicodedata.category(c)[0] in "LMSNP" for c in value):
        raise ValueError("may hold only letters, marks, symbols, digits and punctuation")
    return value


def _email(value: str) -> str:
    if len(value) > MAX_EMAIL or not _EMAIL.fullmatch(value):
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


class ErrorBody(pydantic.BaseModel):
    error: str = pydantic.Field(description="not_found, already_exists, self_lockout, ...")
    message: str


# The error answers every admin route may give, for the OpenAPI document.
ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    status: {"model": ErrorBody} for status in (400, 401, 403, 404, 409, 429, 502, 503)
}
