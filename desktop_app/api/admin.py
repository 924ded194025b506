"""The protected API's admin routes, typed: what the Admin panels call.

Every answer is validated here (a wrong shape is an :class:`~desktop_app.errors.ApiError`
naming the field, never echoing a value). Pure Python; the actions in
:mod:`desktop_app.admin.actions` make these calls on the session bridge's workers, and
:func:`desktop_app.qt.messages.admin_failure` words their failures.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
import unicodedata
import urllib.parse
from collections.abc import Mapping, Sequence
from typing import Any, Literal, Protocol, get_args

from desktop_app import errors

PAGE_MAX = 60  # Cognito's ListUsers / ListUsersInGroup page limit
#: Cognito's name for TOTP (an authenticator app) in ``UserMFASettingList``.
TOTP = "SOFTWARE_TOKEN_MFA"
#: The longest query string one MFA request sends: usernames are asked for in the
#: URL, and proxies in front of the API cap request lines (API Gateway: 10,240 bytes
#: for the request line and headers together, the bearer token among them).
MAX_MFA_QUERY_BYTES = 4096
MAX_FILTER_VALUE = 256
# The attributes the search bar offers. "cognito:user_status" is the user's status
# (CONFIRMED, FORCE_CHANGE_PASSWORD...); "status" is Cognito's Enabled/Disabled flag.
_Offered = Literal[
    "username",
    "email",
    "name",
    "phone_number",
    "cognito:user_status",
    "status",
    "sub",
]
#: What a :class:`Search` may filter on: those offered, and two more Cognito takes.
SearchAttribute = Literal[_Offered, "given_name", "family_name"]
SEARCH_ATTRIBUTES: tuple[SearchAttribute, ...] = get_args(_Offered)
Match = Literal["exact", "prefix"]
# What Cognito accepts as a user or group name, [\p{L}\p{M}\p{S}\p{N}\p{P}]{1,128} (the
# Username and GroupName patterns of its API reference): any letter, mark, symbol,
# digit or punctuation, "/", "%", "?", "#" and ".." included; no space or control.
MAX_NAME = 128
_NAME_CATEGORIES = frozenset("LMSNP")  # the first letter of a Unicode general category
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


class JsonCaller(Protocol):
    """What these functions need of :class:`desktop_app.api.client.ApiClient`."""

    def get_json(self, path: str, params: dict[str, Any] | None = None) -> Any: ...

    def request(
        self, method: str, path: str, *, json: Any = None, params: dict[str, Any] | None = None
    ) -> Any: ...


@dataclasses.dataclass(frozen=True)
class User:
    """A user as the users table shows them (ListUsers / AdminGetUser)."""

    username: str
    sub: str | None
    email: str | None
    name: str | None
    status: str
    enabled: bool
    created_at: datetime.datetime | None
    modified_at: datetime.datetime | None
    # UTC; None: no sign-in recorded (the API reads it from ``custom:last_sign_in``).
    last_sign_in: datetime.datetime | None = None


@dataclasses.dataclass(frozen=True)
class Mfa:
    """A user's MFA as AdminGetUser reports it (ListUsers does not): Cognito's names for
    the factors switched on (``SOFTWARE_TOKEN_MFA``, ``SMS_MFA``, ``EMAIL_OTP``), and the
    preferred one."""

    methods: tuple[str, ...] = ()
    preferred: str | None = None

    @property
    def totp(self) -> bool:
        """An authenticator app (TOTP) is switched on."""
        return TOTP in self.methods


@dataclasses.dataclass(frozen=True)
class UserDetail(User):
    attributes: Mapping[str, str] = dataclasses.field(default_factory=dict)
    groups: tuple[str, ...] = ()
    mfa: Mfa | None = None  # None: the API did not say


@dataclasses.dataclass(frozen=True)
class UserPage:
    users: tuple[User, ...]
    next_token: str | None  # pass back unchanged for the next page; None at the end


@dataclasses.dataclass(frozen=True)
class Group:
    name: str
    description: str | None
    precedence: int | None
    member_count: int


@dataclasses.dataclass(frozen=True)
class Search:
    """A server-side filter (Cognito's ``attribute = "value"`` or ``^=``)."""

    attribute: SearchAttribute
    match: Match
    value: str

    def __post_init__(self) -> None:
        if self.attribute not in get_args(SearchAttribute):
            raise ValueError(f"cannot search on {self.attribute!r}")
        if self.match not in ("exact", "prefix"):
            raise ValueError("match must be 'exact' or 'prefix'")
        if not self.value or len(self.value) > MAX_FILTER_VALUE:
            raise ValueError(f"the search text must be 1 to {MAX_FILTER_VALUE} characters")
        if any(not ch.isprintable() for ch in self.value):
            raise ValueError("the search text must not contain control characters")


# -- checks on what we send ----------------------------------------------------------------


def check_name(value: str, what: str = "username") -> str:
    """``value`` if it is a valid Cognito user or group name, else ``ValueError`` (saying
    what and how long, never the value)."""
    if not 1 <= len(value) <= MAX_NAME or any(
        unicodedata.category(ch)[0] not in _NAME_CATEGORIES for ch in value
    ):
        raise ValueError(
            f"{what} must be 1 to {MAX_NAME} letters, digits, symbols or punctuation, "
            f"without spaces (got {len(value)} chars)"
        )
    return value


def check_email(value: str) -> str:
    value = value.strip()
    if len(value) > 254 or not _EMAIL.match(value):
        raise ValueError("that is not an email address")
    return value


def _segment(name: str) -> str:
    """A name as one path segment: every character but letters, digits and ``_.-~``
    percent-encoded, ``/`` too, so the API routes it as one name (it matches on the raw
    path, each segment decoded once).

    ``.`` is encoded as well: urllib3 resolves a ``.`` or ``..`` segment before sending
    (``/admin/users/../disable`` would go out as ``/admin/disable``). requests decodes
    ``%2E`` again after that step, so the name arrives as it is, and the API does not
    resolve dot segments."""
    return urllib.parse.quote(name, safe="").replace(".", "%2E")


def _user_path(username: str, *rest: str) -> str:
    parts = [_segment(check_name(username)), *(_segment(p) for p in rest)]
    return "/admin/users/" + "/".join(parts)


# -- calls ---------------------------------------------------------------------------------


def list_users(
    api: JsonCaller,
    *,
    search: Search | None = None,
    limit: int = PAGE_MAX,
    next_token: str | None = None,
) -> UserPage:
    """One page of users, optionally filtered (``GET /admin/users``)."""
    if not 1 <= limit <= PAGE_MAX:
        raise ValueError(f"limit must be 1..{PAGE_MAX}")
    params: dict[str, Any] = {"limit": limit}
    if search is not None:
        params.update(attribute=search.attribute, match=search.match, value=search.value)
    if next_token is not None:
        params["pagination_token"] = next_token
    return _user_page(api.get_json("/admin/users", params))


def group_members(
    api: JsonCaller, group: str, *, limit: int = PAGE_MAX, next_token: str | None = None
) -> UserPage:
    """One page of a group's members (``GET /admin/groups/{group}/members``)."""
    params: dict[str, Any] = {"limit": limit}
    if next_token is not None:
        params["pagination_token"] = next_token
    path = "/admin/groups/" + _segment(check_name(group, "group")) + "/members"
    return _user_page(api.get_json(path, params))


def get_user(api: JsonCaller, username: str) -> UserDetail:
    return _user_detail(api.get_json(_user_path(username)))


def users_mfa(api: JsonCaller, usernames: Sequence[str]) -> dict[str, Mfa | None]:
    """Each user's MFA (``GET /admin/mfa``, one AdminGetUser per user on the server), in
    as few requests as one page (:data:`PAGE_MAX`) and a short URL
    (:data:`MAX_MFA_QUERY_BYTES`) allow. None for a user who no longer exists."""
    found: dict[str, Mfa | None] = {}
    for batch in _mfa_batches(list(dict.fromkeys(check_name(n) for n in usernames))):
        body = _object(api.get_json("/admin/mfa", {"username": batch}), "mfa answer")
        raw = body.get("users")
        if not isinstance(raw, list):
            raise _bad("users")
        for i, item in enumerate(raw):
            name, mfa = _user_mfa(item, f"users[{i}]")
            if name in batch:  # never an answer for a name not asked about
                found[name] = mfa
    return found


def _mfa_batches(names: list[str]) -> list[list[str]]:
    batches: list[list[str]] = []
    size = 0
    for name in names:
        cost = len("username=&") + len(urllib.parse.quote(name, safe=""))
        if batches and len(batches[-1]) < PAGE_MAX and size + cost <= MAX_MFA_QUERY_BYTES:
            batches[-1].append(name)
            size += cost
        else:
            batches.append([name])
            size = cost
    return batches


def list_groups(api: JsonCaller) -> tuple[Group, ...]:
    body = _object(api.get_json("/admin/groups"), "groups answer")
    raw = body.get("groups")
    if not isinstance(raw, list):
        raise _bad("groups")
    return tuple(_group(item, f"groups[{i}]") for i, item in enumerate(raw))


def invite_user(
    api: JsonCaller,
    username: str,
    email: str,
    *,
    name: str | None = None,
    groups: Sequence[str] = (),
) -> UserDetail:
    """Create the user; Cognito emails a temporary password (``POST /admin/users``)."""
    body: dict[str, Any] = {
        "username": check_name(username),
        "email": check_email(email),
        "groups": [check_name(g, "group") for g in groups],
    }
    if name:
        body["name"] = name
    response = api.request("POST", "/admin/users", json=body)
    return _user_detail(_json(response))


def resend_invitation(api: JsonCaller, username: str) -> None:
    api.request("POST", _user_path(username, "resend-invitation"))


def enable_user(api: JsonCaller, username: str) -> None:
    api.request("POST", _user_path(username, "enable"))


def disable_user(api: JsonCaller, username: str) -> None:
    api.request("POST", _user_path(username, "disable"))


def reset_password(api: JsonCaller, username: str) -> None:
    api.request("POST", _user_path(username, "reset-password"))


def sign_out_everywhere(api: JsonCaller, username: str) -> None:
    api.request("POST", _user_path(username, "sign-out"))


def delete_user(api: JsonCaller, username: str) -> None:
    api.request("DELETE", _user_path(username))


def confirm_sign_up(api: JsonCaller, username: str) -> None:
    """Confirm a pending sign-up without its code (the user must be UNCONFIRMED)."""
    api.request("POST", _user_path(username, "confirm-sign-up"))


def resend_confirmation_code(api: JsonCaller, username: str) -> None:
    """Email a pending sign-up a new verification code (the user must be UNCONFIRMED)."""
    api.request("POST", _user_path(username, "resend-confirmation-code"))


def reset_mfa(api: JsonCaller, username: str) -> None:
    """Switch off the user's authenticator app (TOTP): they set one up again."""
    api.request("POST", _user_path(username, "reset-mfa"))


def mark_email_verified(api: JsonCaller, username: str) -> None:
    """Set ``email_verified`` (the user must have an email address)."""
    api.request("POST", _user_path(username, "verify-email"))


def add_to_group(api: JsonCaller, username: str, group: str) -> None:
    api.request("PUT", _user_path(username, "groups", check_name(group, "group")))


def remove_from_group(api: JsonCaller, username: str, group: str) -> None:
    api.request("DELETE", _user_path(username, "groups", check_name(group, "group")))


# -- parsing -------------------------------------------------------------------------------


def _bad(field: str) -> errors.ApiError:
    return errors.ApiError(200, f"the admin answer is not valid: {field}", "invalid_answer")


def _json(response: Any) -> Any:
    try:
        return response.json()
    except ValueError:
        raise _bad("not JSON") from None


def _object(value: Any, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _bad(field)
    return value


def _str(body: Mapping[str, Any], key: str, where: str, *, optional: bool = False) -> Any:
    value = body.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise _bad(f"{where}.{key}")
    return value


def _time(body: Mapping[str, Any], key: str, where: str) -> datetime.datetime | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _bad(f"{where}.{key}")
    try:
        parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise _bad(f"{where}.{key}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.UTC)


def _utc_time(body: Mapping[str, Any], key: str, where: str) -> datetime.datetime | None:
    """:func:`_time` in UTC."""
    parsed = _time(body, key, where)
    return None if parsed is None else parsed.astimezone(datetime.UTC)


def _user_fields(raw: Any, where: str) -> dict[str, Any]:
    body = _object(raw, where)
    enabled = body.get("enabled")
    if not isinstance(enabled, bool):
        raise _bad(f"{where}.enabled")
    attributes = body.get("attributes")
    name = body.get("name")
    if name is None and isinstance(attributes, dict):
        name = attributes.get("name")
    return {
        "username": _str(body, "username", where),
        "sub": _str(body, "sub", where, optional=True),
        "email": _str(body, "email", where, optional=True),
        "name": name if isinstance(name, str) else None,
        "status": _str(body, "status", where),
        "enabled": enabled,
        "created_at": _time(body, "created_at", where),
        "modified_at": _time(body, "modified_at", where),
        "last_sign_in": _utc_time(body, "last_sign_in", where),  # absent: an older API
    }


def _user_page(raw: Any) -> UserPage:
    body = _object(raw, "users answer")
    users = body.get("users")
    if not isinstance(users, list):
        raise _bad("users")
    token = body.get("pagination_token")
    if token is not None and (not isinstance(token, str) or not token):
        raise _bad("pagination_token")
    return UserPage(
        tuple(User(**_user_fields(u, f"users[{i}]")) for i, u in enumerate(users)), token
    )


def _user_detail(raw: Any) -> UserDetail:
    fields = _user_fields(raw, "user")
    body = _object(raw, "user")
    attributes = body.get("attributes", {})
    if not isinstance(attributes, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in attributes.items()
    ):
        raise _bad("user.attributes")
    groups = body.get("groups", [])
    if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
        raise _bad("user.groups")
    mfa = _mfa(body, "user") if "mfa_methods" in body else None
    return UserDetail(**fields, attributes=dict(attributes), groups=tuple(groups), mfa=mfa)


def _mfa(body: Mapping[str, Any], where: str) -> Mfa:
    methods = body.get("mfa_methods")
    if not isinstance(methods, list) or not all(isinstance(m, str) for m in methods):
        raise _bad(f"{where}.mfa_methods")
    return Mfa(tuple(methods), _str(body, "preferred_mfa", where, optional=True))


def _user_mfa(raw: Any, where: str) -> tuple[str, Mfa | None]:
    body = _object(raw, where)
    found = body.get("found")
    if not isinstance(found, bool):
        raise _bad(f"{where}.found")
    return _str(body, "username", where), _mfa(body, where) if found else None


def _group(raw: Any, where: str) -> Group:
    body = _object(raw, where)
    count = body.get("member_count")
    precedence = body.get("precedence")
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise _bad(f"{where}.member_count")
    if precedence is not None and (not isinstance(precedence, int) or isinstance(precedence, bool)):
        raise _bad(f"{where}.precedence")
    return Group(
        name=_str(body, "name", where),
        description=_str(body, "description", where, optional=True),
        precedence=precedence,
        member_count=count,
    )
