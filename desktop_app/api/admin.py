"""The protected API's admin routes, typed: what the Admin panels call.

Every answer is validated here (a wrong shape is an :class:`~desktop_app.errors.ApiError`
naming the field, never echoing a value). Pure Python; the actions in
:mod:`desktop_app.admin.actions` make these calls on the session bridge's workers, and
:func:`desktop_app.qt.messages.admin_failure` words their failures.

Besides users and groups: the pool's schema and a user's attributes, creating,
changing and deleting groups, and the full export and import (issue 21). A throttled
call (429 ``throttled``) raises :class:`~desktop_app.errors.ApiError` with
``retry_after``, the seconds the API asks to wait.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
import unicodedata
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, Protocol, get_args

from desktop_app import errors
from desktop_app.api import client

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
MAX_ATTRIBUTE_NAME = 32  # Cognito's AttributeNameType
MAX_ATTRIBUTE_VALUE = 2048  # the longest String attribute Cognito allows
MAX_DESCRIPTION = 2048  # a group's description
MAX_PRECEDENCE = 2**31 - 1
#: Rows per ``POST /admin/import/users`` and memberships (or groups) per
#: ``POST /admin/import/memberships``: the API's own limits.
IMPORT_ROWS = 50
IMPORT_MEMBERSHIPS = 100
#: The largest import body the client sends: under the API's default body limit (64 KiB,
#: ``MAX_BODY_BYTES``), so a batch is cut short rather than refused with a 413.
MAX_IMPORT_BODY_BYTES = 60_000
AttributeType = Literal["String", "Number", "DateTime", "Boolean"]
MessageAction = Literal["INVITE", "SUPPRESS"]
RowStatus = Literal["created", "exists", "failed"]


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
class AttributeSpec:
    """One attribute of the pool's schema (``GET /admin/schema``)."""

    name: str  # as users carry it: "email", "custom:department"
    type: AttributeType
    mutable: bool
    required: bool
    min_length: int | None
    max_length: int | None
    min_value: int | None
    max_value: int | None
    custom: bool
    searchable: bool  # ListUsers can filter on it (custom attributes never)


@dataclasses.dataclass(frozen=True)
class Schema:
    attributes: tuple[AttributeSpec, ...]
    estimated_users: int  # Cognito's estimate, not a count

    def spec(self, name: str) -> AttributeSpec | None:
        """The attribute called ``name``, if the pool has one."""
        return next((a for a in self.attributes if a.name == name), None)


@dataclasses.dataclass(frozen=True)
class UserState:
    """What an export row has no column for: the user's status and enabled flag."""

    username: str
    status: str
    enabled: bool


@dataclasses.dataclass(frozen=True)
class ExportPage:
    """One page of the user export: rows of Cognito's user-import CSV, in ``header``'s
    order, with each row's :class:`UserState` (same order)."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    next_token: str | None
    states: tuple[UserState, ...] = ()


@dataclasses.dataclass(frozen=True)
class GroupSpec:
    """A group as the membership export lists it and the membership import creates it."""

    name: str
    description: str | None = None
    precedence: int | None = None


@dataclasses.dataclass(frozen=True)
class MembershipPage:
    """The groups (first page only: ``()`` after it) and one page of memberships."""

    groups: tuple[GroupSpec, ...]
    memberships: tuple[tuple[str, str], ...]  # (group, username)
    next_token: str | None


@dataclasses.dataclass(frozen=True)
class RowResult:
    """What became of one row of an import: ``row`` indexes the rows (or memberships)
    given to :func:`import_users` (:func:`import_memberships`); ``error`` is a code such
    as ``throttled``, ``invalid_parameter``, ``not_found``, ``too_large``."""

    row: int
    username: str
    status: RowStatus
    error: str | None = None
    message: str | None = None


class _Unset:
    """The type of :data:`UNSET`."""

    def __repr__(self) -> str:
        return "UNSET"


#: "Leave as it is" for :func:`update_group` (``None`` clears the field).
UNSET = _Unset()


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


def _group_path(group: str) -> str:
    return "/admin/groups/" + _segment(check_name(group, "group"))


def _attribute_name(value: str) -> str:
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_ATTRIBUTE_NAME:
        raise ValueError(f"an attribute name is 1 to {MAX_ATTRIBUTE_NAME} characters")
    return value


def _attribute_value(value: str) -> str:
    if not isinstance(value, str) or len(value) > MAX_ATTRIBUTE_VALUE:
        raise ValueError(f"an attribute value is text of at most {MAX_ATTRIBUTE_VALUE} characters")
    return value


def _description(value: str | None) -> str | None:
    if value is not None and (not isinstance(value, str) or len(value) > MAX_DESCRIPTION):
        raise ValueError(f"a group's description is at most {MAX_DESCRIPTION} characters")
    return value


def _precedence(value: int | None) -> int | None:
    if value is not None and (not _is_int(value) or not 0 <= value <= MAX_PRECEDENCE):
        raise ValueError(f"a group's precedence is a whole number from 0 to {MAX_PRECEDENCE}")
    return value


def _group_body(group: GroupSpec) -> dict[str, Any]:
    return {
        "name": check_name(group.name, "group"),
        "description": _description(group.description),
        "precedence": _precedence(group.precedence),
    }


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


def get_schema(api: JsonCaller) -> Schema:
    """The pool's attributes: type, mutable, required, lengths, searchable
    (``GET /admin/schema``)."""
    body = _object(api.get_json("/admin/schema"), "schema answer")
    raw = body.get("attributes")
    if not isinstance(raw, list):
        raise _bad("attributes")
    estimated = body.get("estimated_users")
    if not isinstance(estimated, int) or isinstance(estimated, bool) or estimated < 0:
        raise _bad("estimated_users")
    return Schema(
        tuple(_attribute_spec(item, f"attributes[{i}]") for i, item in enumerate(raw)), estimated
    )


def update_attributes(
    api: JsonCaller,
    username: str,
    set: Mapping[str, str],  # the wire's name, as the contract spells it
    delete: Sequence[str] = (),
    email_verified: bool | None = None,
) -> UserDetail:
    """Set and delete a user's attributes (``PATCH /admin/users/{username}/attributes``)
    and answer them as Cognito has them now. A changed ``email`` is unverified unless
    ``email_verified=True`` is given on purpose; the API refuses (400, naming the
    attribute) an unknown, immutable or read-only attribute, a wrong value, a required
    one deleted."""
    values = {_attribute_name(k): _attribute_value(v) for k, v in set.items()}
    body: dict[str, Any] = {"set": values, "delete": [_attribute_name(n) for n in delete]}
    if email_verified is not None:
        body["email_verified"] = bool(email_verified)
    response = api.request("PATCH", _user_path(username, "attributes"), json=body)
    return _user_detail(_json(response))


def create_group(
    api: JsonCaller, name: str, description: str | None = None, precedence: int | None = None
) -> Group:
    """Create a group (``POST /admin/groups``); 409 ``already_exists`` for a name taken."""
    body = {
        "name": check_name(name, "group"),
        "description": _description(description),
        "precedence": _precedence(precedence),
    }
    return _group(_json(api.request("POST", "/admin/groups", json=body)), "group")


def update_group(
    api: JsonCaller,
    name: str,
    *,
    description: str | _Unset | None = UNSET,
    precedence: int | _Unset | None = UNSET,
) -> Group:
    """Change a group's description or precedence (``PATCH /admin/groups/{group}``): a
    field left :data:`UNSET` stays as it is, ``None`` clears it."""
    body: dict[str, Any] = {}
    if not isinstance(description, _Unset):
        body["description"] = _description(description)
    if not isinstance(precedence, _Unset):
        body["precedence"] = _precedence(precedence)
    if not body:
        raise ValueError("give a description or a precedence to change")
    return _group(_json(api.request("PATCH", _group_path(name), json=body)), "group")


def delete_group(api: JsonCaller, name: str) -> None:
    """Delete a group; its members stay (409 ``admin_group`` for the admin group)."""
    api.request("DELETE", _group_path(name))


def export_users_page(api: JsonCaller, token: str | None = None) -> ExportPage:
    """One page of every user (60) as rows of Cognito's user-import CSV
    (``GET /admin/export/users``); pass ``next_token`` back for the next page."""
    params = {"pagination_token": token} if token is not None else None
    body = _object(api.get_json("/admin/export/users", params), "export answer")
    header = _strings(body.get("header"), "header")
    raw_rows = body.get("rows")
    if not isinstance(raw_rows, list):
        raise _bad("rows")
    rows = tuple(_strings(r, f"rows[{i}]", length=len(header)) for i, r in enumerate(raw_rows))
    raw_states = body.get("states")
    if not isinstance(raw_states, list) or len(raw_states) != len(rows):
        raise _bad("states")
    states = tuple(_user_state(item, f"states[{i}]") for i, item in enumerate(raw_states))
    return ExportPage(header, rows, _next_token(body), states)


def export_memberships_page(api: JsonCaller, token: str | None = None) -> MembershipPage:
    """Every group (first page only) and one page of ``(group, username)`` memberships
    (``GET /admin/export/memberships``)."""
    params = {"pagination_token": token} if token is not None else None
    body = _object(api.get_json("/admin/export/memberships", params), "export answer")
    raw_groups = body.get("groups")
    if not isinstance(raw_groups, list):
        raise _bad("groups")
    groups = tuple(_group_spec(item, f"groups[{i}]") for i, item in enumerate(raw_groups))
    raw = body.get("memberships")
    if not isinstance(raw, list):
        raise _bad("memberships")
    pairs = tuple(_strings(item, f"memberships[{i}]", length=2) for i, item in enumerate(raw))
    return MembershipPage(groups, tuple((g, u) for g, u in pairs), _next_token(body))


def import_users(
    api: JsonCaller,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    message_action: MessageAction,
    *,
    disabled: Sequence[str] = (),
) -> tuple[RowResult, ...]:
    """Create users from rows of Cognito's user-import CSV (``POST /admin/import/users``),
    Cognito emailing each an invitation (``INVITE``) or not (``SUPPRESS``); the users
    named in ``disabled`` (the export's states) are disabled once created.

    Sent in requests of at most :data:`IMPORT_ROWS` rows and
    :data:`MAX_IMPORT_BODY_BYTES`; a row too large for any request is ``failed`` with
    ``too_large`` without being sent. One :class:`RowResult` per row, in order; a
    failed request (a 429 with ``retry_after``...) raises, and the rows before it have
    their results in the API's audit trail only: send at most one batch per call to
    keep every result (a migration does).
    """
    if message_action not in ("INVITE", "SUPPRESS"):
        raise ValueError("message_action must be INVITE or SUPPRESS")
    columns = [str(c) for c in header]
    where = columns.index("cognito:username") if "cognito:username" in columns else None
    to_disable = frozenset(disabled)

    def body_for(batch: list[tuple[int, list[str]]]) -> dict[str, Any]:
        names = {cells[where] for _, cells in batch if where is not None and len(cells) > where}
        return {
            "header": columns,
            "rows": [cells for _, cells in batch],
            "message_action": message_action,
            "disabled": sorted(names & to_disable),
        }

    def username(cells: Sequence[str]) -> str:
        return cells[where] if where is not None and len(cells) > where else ""

    items = [(i, [str(c) for c in cells]) for i, cells in enumerate(rows)]
    return _send_batches(api, "/admin/import/users", items, IMPORT_ROWS, body_for, username)


def import_groups(api: JsonCaller, groups: Sequence[GroupSpec]) -> None:
    """Create the groups that are missing (``POST /admin/import/memberships`` with no
    memberships, :data:`IMPORT_MEMBERSHIPS` groups a request); an existing group is left
    as it is. A group that cannot be created fails the call (a 429 with
    ``retry_after``: ask again)."""
    specs = [_group_body(g) for g in groups]
    for start in range(0, len(specs), IMPORT_MEMBERSHIPS):
        body = {"groups": specs[start : start + IMPORT_MEMBERSHIPS], "memberships": []}
        _results(_json(api.request("POST", "/admin/import/memberships", json=body)), 0)


def import_memberships(
    api: JsonCaller, groups: Sequence[GroupSpec], memberships: Sequence[tuple[str, str]]
) -> tuple[RowResult, ...]:
    """Create the missing ``groups`` (:func:`import_groups`), then add each
    ``(group, username)`` membership, :data:`IMPORT_MEMBERSHIPS` a request; one
    :class:`RowResult` per membership, in order."""
    import_groups(api, groups)
    items = [(i, [check_name(g, "group"), check_name(u)]) for i, (g, u) in enumerate(memberships)]

    def body_for(batch: list[tuple[int, list[str]]]) -> dict[str, Any]:
        return {"groups": [], "memberships": [pair for _, pair in batch]}

    return _send_batches(
        api, "/admin/import/memberships", items, IMPORT_MEMBERSHIPS, body_for, lambda p: p[1]
    )


def _send_batches(
    api: JsonCaller,
    path: str,
    items: list[tuple[int, list[str]]],
    most: int,
    body_for: Callable[[list[tuple[int, list[str]]]], dict[str, Any]],
    username: Callable[[list[str]], str],
) -> tuple[RowResult, ...]:
    """POST ``items`` to ``path`` in batches of at most ``most`` and
    :data:`MAX_IMPORT_BODY_BYTES`; the API's results, re-numbered to the items' indexes."""
    results: list[RowResult] = []
    batch: list[tuple[int, list[str]]] = []

    def flush() -> None:
        if batch:
            answer = _json(api.request("POST", path, json=body_for(batch)))
            results.extend(_results(answer, len(batch), [i for i, _ in batch]))
            batch.clear()

    for item in items:
        if len(client.encode_json(body_for([item]))) > MAX_IMPORT_BODY_BYTES:
            flush()
            results.append(_too_large(item[0], username(item[1])))
            continue
        if len(batch) >= most or len(client.encode_json(body_for([*batch, item]))) > (
            MAX_IMPORT_BODY_BYTES
        ):
            flush()
        batch.append(item)
    flush()
    return tuple(results)


def _too_large(row: int, username: str) -> RowResult:
    return RowResult(
        row,
        username,
        "failed",
        "too_large",
        f"this row is larger than one request may be ({MAX_IMPORT_BODY_BYTES} bytes)",
    )


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


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _optional_int(body: Mapping[str, Any], key: str, where: str) -> int | None:
    value = body.get(key)
    if value is not None and not _is_int(value):
        raise _bad(f"{where}.{key}")
    return value


def _bool(body: Mapping[str, Any], key: str, where: str) -> bool:
    value = body.get(key)
    if not isinstance(value, bool):
        raise _bad(f"{where}.{key}")
    return value


def _strings(value: Any, where: str, *, length: int | None = None) -> tuple[str, ...]:
    """A list of strings (of ``length`` items, if given) as a tuple."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _bad(where)
    if length is not None and len(value) != length:
        raise _bad(where)
    return tuple(value)


def _next_token(body: Mapping[str, Any]) -> str | None:
    token = body.get("pagination_token")
    if token is not None and (not isinstance(token, str) or not token):
        raise _bad("pagination_token")
    return token


_ATTRIBUTE_TYPES: tuple[AttributeType, ...] = get_args(AttributeType)


def _attribute_spec(raw: Any, where: str) -> AttributeSpec:
    body = _object(raw, where)
    kind = body.get("type")
    if kind not in _ATTRIBUTE_TYPES:
        raise _bad(f"{where}.type")
    return AttributeSpec(
        name=_str(body, "name", where),
        type=kind,
        mutable=_bool(body, "mutable", where),
        required=_bool(body, "required", where),
        min_length=_optional_int(body, "min_length", where),
        max_length=_optional_int(body, "max_length", where),
        min_value=_optional_int(body, "min_value", where),
        max_value=_optional_int(body, "max_value", where),
        custom=_bool(body, "custom", where),
        searchable=_bool(body, "searchable", where),
    )


def _user_state(raw: Any, where: str) -> UserState:
    body = _object(raw, where)
    return UserState(
        _str(body, "username", where), _str(body, "status", where), _bool(body, "enabled", where)
    )


def _group_spec(raw: Any, where: str) -> GroupSpec:
    body = _object(raw, where)
    return GroupSpec(
        name=_str(body, "name", where),
        description=_str(body, "description", where, optional=True),
        precedence=_optional_int(body, "precedence", where),
    )


_ROW_STATUSES: tuple[RowStatus, ...] = get_args(RowStatus)


def _results(raw: Any, count: int, rows: Sequence[int] = ()) -> list[RowResult]:
    """An import answer's results: exactly ``count``, one per row sent, in order, each
    re-numbered to ``rows`` (the indexes the caller gave those rows)."""
    body = _object(raw, "import answer")
    items = body.get("results")
    if not isinstance(items, list) or len(items) != count:
        raise _bad("results")
    results: list[RowResult] = []
    for i, item in enumerate(items):
        where = f"results[{i}]"
        entry = _object(item, where)
        status = entry.get("status")
        if entry.get("row") != i or isinstance(entry.get("row"), bool):
            raise _bad(f"{where}.row")
        if status not in _ROW_STATUSES:
            raise _bad(f"{where}.status")
        results.append(
            RowResult(
                row=rows[i] if rows else i,
                username=_str(entry, "username", where),
                status=status,
                error=_str(entry, "error", where, optional=True),
                message=_str(entry, "message", where, optional=True),
            )
        )
    return results
