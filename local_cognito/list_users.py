"""``ListUsers`` in O(page): the pool's users kept in username order, and the answer.

moto answers ``ListUsers`` by copying the whole pool into a list and, for every page,
walking it to find where the last page ended; its token names that user, so deleting
it breaks the paging. The stand-in keeps moto's ``pool.users`` dict but makes it a
:class:`UserIndex`, which also keeps the usernames sorted (``bisect``) and each
``sub``'s username, whoever adds or removes a user (moto's ``AdminCreateUser`` and
``AdminDeleteUser``, ``lifecycle.Accounts.sign_up``, the seed, a restored state).

A page starts just after the position its token names (the last username returned),
so it costs the page, not the pool, and paging survives users created or deleted
between pages: nobody is listed twice, a user deleted meanwhile is not listed, and a
user created after the position reached is listed. What Cognito's order is, it does
not document; the stand-in's is the usernames' code-point order.

The rules Cognito documents (API reference, ListUsers; each a row in
docs/local-cognito.md): ``Limit`` 1..60, default 60; ``Filter`` is one attribute of
:data:`SEARCHABLE` with ``=`` or ``^=`` and a quoted value (``\\"`` and ``\\\\`` escaped);
``username`` and ``cognito:user_status`` match case-sensitively, ``status`` (Enabled /
Disabled) case-insensitively; custom attributes are not searchable. ``username =``,
``username ^=`` and ``sub =`` are answered from the index; any other filter walks the
pool in order from the position, only as far as it takes to fill the page and to see
whether another match follows.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import hashlib
import json
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from moto.cognitoidp import exceptions as moto_errors

MAX_LIMIT = 60
# The standard attributes ListUsers filters on (API reference, ListUsers, "Filter").
SEARCHABLE = (
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
)
_FILTER = re.compile(r'^\s*([\w:]+)\s*(\^?=)\s*"((?:[^"\\]|\\.)*)"\s*$', re.S)
_TOKEN_VERSION = 1


class UserIndex(dict[str, Any]):
    """moto's ``pool.users`` (username -> user) that also keeps the usernames sorted and
    ``sub`` -> username, on every way a dict changes.

    ``touched`` counts the users a ListUsers answer looked at (the benchmark-style
    tests read it to show that a page costs the page, not the pool).
    """

    def __init__(self, users: Mapping[str, Any] | Iterable[tuple[str, Any]] = ()) -> None:
        super().__init__()
        self._names: list[str] = []
        self._subs: dict[str, str] = {}
        self._lock = threading.RLock()
        self.touched = 0
        self.update(users)

    # -- the dict, kept in step with the index ------------------------------------------

    def __setitem__(self, username: str, user: Any) -> None:
        with self._lock:
            old = dict.get(self, username)
            if old is None:
                bisect.insort(self._names, username)
            elif self._subs.get(old.id) == username:
                del self._subs[old.id]
            dict.__setitem__(self, username, user)
            self._subs[user.id] = username

    def __delitem__(self, username: str) -> None:
        with self._lock:
            user = dict.pop(self, username)
            self._forget(username, user)

    def _forget(self, username: str, user: Any) -> None:
        at = bisect.bisect_left(self._names, username)
        if at < len(self._names) and self._names[at] == username:
            del self._names[at]
        if self._subs.get(user.id) == username:
            del self._subs[user.id]

    def pop(self, username: str, *default: Any) -> Any:
        with self._lock:
            if username not in self:
                if default:
                    return default[0]
                raise KeyError(username)
            user = dict.pop(self, username)
            self._forget(username, user)
            return user

    def popitem(self) -> tuple[str, Any]:
        with self._lock:
            username, user = dict.popitem(self)
            self._forget(username, user)
            return username, user

    def clear(self) -> None:
        with self._lock:
            dict.clear(self)
            self._names.clear()
            self._subs.clear()

    def setdefault(self, username: str, default: Any = None) -> Any:
        with self._lock:
            if username not in self:
                self[username] = default
            return dict.__getitem__(self, username)

    def update(self, *args: Any, **kwargs: Any) -> None:
        with self._lock:
            for username, user in dict(*args, **kwargs).items():
                self[username] = user

    def __ior__(self, other: Any) -> UserIndex:  # type: ignore[override,misc]
        self.update(other)
        return self

    # -- reading in order ------------------------------------------------------------------

    def names(self) -> list[str]:
        """Every username, in order (a copy)."""
        with self._lock:
            return list(self._names)

    def username_of_sub(self, sub: str) -> str | None:
        with self._lock:
            return self._subs.get(sub)

    def after(self, position: str | None, prefix: str = "") -> Iterator[Any]:
        """Users in username order after ``position`` (exclusive; ``None``: from the
        start), only those whose username starts with ``prefix``. Lazy: a page reads
        only as far as it goes; each step finds its place again, so users created or
        deleted meanwhile do not upset it."""
        last = position
        while True:
            with self._lock:
                at = 0 if last is None else bisect.bisect_right(self._names, last)
                if prefix:
                    at = max(at, bisect.bisect_left(self._names, prefix))
                if at >= len(self._names) or not self._names[at].startswith(prefix):
                    return
                last = self._names[at]
                user = dict.__getitem__(self, last)
            self.touched += 1
            yield user


# -- the request -------------------------------------------------------------------------


def _invalid(message: str) -> Exception:
    return moto_errors.InvalidParameterException(message)


def check_limit(limit: Any) -> int:
    """``Limit``: 1..60, 60 when absent (Cognito's ``QueryLimitType`` tops out at 60)."""
    if limit is None:
        return MAX_LIMIT
    if isinstance(limit, bool) or not isinstance(limit, int):
        raise _invalid("1 validation error detected: Value at 'limit' must be an integer")
    if limit > MAX_LIMIT:
        raise _invalid(
            f"1 validation error detected: Value '{limit}' at 'limit' failed to satisfy "
            f"constraint: Member must have value less than or equal to {MAX_LIMIT}"
        )
    if limit < 1:
        raise _invalid(
            f"1 validation error detected: Value '{limit}' at 'limit' failed to satisfy "
            "constraint: Member must have value greater than or equal to 1"
        )
    return limit


def parse_filter(text: str | None) -> tuple[str, str, str] | None:
    """``attribute op "value"`` as (attribute, ``=`` or ``^=``, unescaped value); ``None``
    for no filter. ``InvalidParameterException`` as moto words it otherwise."""
    if not text or not text.strip():
        return None
    found = _FILTER.match(text)
    if found is None:
        raise _invalid("Error while parsing filter")
    name, op, quoted = found.groups()
    if name not in SEARCHABLE:
        raise _invalid(f"Invalid search attribute: {name}")
    return name, op, re.sub(r"\\(.)", r"\1", quoted, flags=re.S)


def _value_of(user: Any, name: str) -> str | None:
    if name == "username":
        return str(user.username)
    if name == "cognito:user_status":
        status = user.status
        return str(getattr(status, "value", status))
    if name == "status":
        return "Enabled" if user.enabled else "Disabled"
    value = user.attribute_lookup.get(name)
    return None if value is None else str(value)


def matcher(name: str, op: str, wanted: str) -> Callable[[Any], bool]:
    """Whether a user matches ``name op "wanted"`` (``status`` case-insensitively)."""
    fold = name == "status"
    if fold:
        wanted = wanted.casefold()

    def matches(user: Any) -> bool:
        value = _value_of(user, name)
        if value is None:
            return False
        if fold:
            value = value.casefold()
        return value == wanted if op == "=" else value.startswith(wanted)

    return matches


# -- the pagination token: an opaque position ----------------------------------------------


def _filter_tag(filter_text: str | None) -> str:
    return hashlib.sha256((filter_text or "").encode()).hexdigest()[:16]


def encode_token(position: str, filter_text: str | None) -> str:
    """The position (the last username listed) and which filter it belongs to."""
    data = json.dumps({"v": _TOKEN_VERSION, "after": position, "f": _filter_tag(filter_text)})
    return base64.urlsafe_b64encode(data.encode()).decode().rstrip("=")


def decode_token(token: str | None, filter_text: str | None) -> str | None:
    """The position a token names; ``InvalidParameterException`` for a token that is not
    one, or that another filter's paging gave."""
    if not token:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        data = json.loads(raw)
        position = data["after"]
        ok = data.get("v") == _TOKEN_VERSION and isinstance(position, str)
    except (binascii.Error, ValueError, TypeError, KeyError, UnicodeDecodeError):
        ok = False
    if not ok:
        raise _invalid("Invalid pagination token")
    if data.get("f") != _filter_tag(filter_text):
        raise _invalid("Pagination token does not belong to this filter")
    return str(position)


# -- the answer ----------------------------------------------------------------------------


def page(
    users: UserIndex,
    *,
    limit: Any = None,
    token: str | None = None,
    filter_text: str | None = None,
) -> tuple[list[Any], str | None]:
    """One page of users and the token for the next (``None`` at the end)."""
    size = check_limit(limit)
    parsed = parse_filter(filter_text)
    position = decode_token(token, filter_text)
    candidates = _candidates(users, parsed, position)
    found: list[Any] = []
    more = False
    for user in candidates:
        if len(found) == size:
            more = True  # one more match exists: there is a next page
            break
        found.append(user)
    next_token = encode_token(found[-1].username, filter_text) if more else None
    return found, next_token


def _candidates(
    users: UserIndex, parsed: tuple[str, str, str] | None, position: str | None
) -> Iterator[Any]:
    if parsed is None:
        return users.after(position)
    name, op, value = parsed
    if name == "username":
        if op == "^=":
            return users.after(position, value)
        return _exact_username(users, value, position)
    if name == "sub" and op == "=":
        username = users.username_of_sub(value)
        return _exact_username(users, username, position) if username else iter(())
    matches = matcher(name, op, value)
    return (user for user in users.after(position) if matches(user))


def _exact_username(users: UserIndex, username: str, position: str | None) -> Iterator[Any]:
    if position is not None and username <= position:
        return
    user = users.get(username)
    if user is not None:
        users.touched += 1
        yield user


def answer(
    users: UserIndex,
    *,
    limit: Any,
    token: str | None,
    filter_text: str | None,
    attributes_to_get: list[str] | None,
) -> dict[str, Any]:
    """ListUsers' response body: ``Users`` (moto's shape) and ``PaginationToken`` if more."""
    found, next_token = page(users, limit=limit, token=token, filter_text=filter_text)
    body: dict[str, Any] = {
        "Users": [
            user.to_json(extended=True, attributes_to_get=attributes_to_get) for user in found
        ]
    }
    if next_token:
        body["PaginationToken"] = next_token
    return body
