"""A fake protected API for the full export and import (issue 21), at the wire level:
what :mod:`desktop_app.api.admin` sends and parses for ``/admin/schema``,
``/admin/export/users``, ``/admin/export/memberships``, ``/admin/import/users`` and
``/admin/import/memberships``, answered from an in-memory pool.

- A pool's users are stored (:meth:`FakePoolApi.add_user`) or, for a large pool,
  made on the fly page by page (``lazy_users=(count, make_row)``), so a test can export
  thousands of users without the fake holding them.
- Imports create users and memberships the way the API does: a username already there
  is ``exists`` (never a second user), a group named for the first time is created.
- Faults: ``fail_before[n]`` is raised by the n-th import request (1-based) before it
  does anything; ``fail_after[n]`` after it created its rows (the answer lost on the
  way, as a dropped connection would); ``out_of_time[n] = k``: the n-th import request
  gets to its first ``k`` rows only, the others ``failed``/``throttled`` untried (the
  API's answer when Cognito kept throttling); ``on_request(method, path)`` is called
  first.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Sequence
from typing import Any

from tests.support.fake_api import FakeResponse

COLUMNS = (
    "name",
    "given_name",
    "family_name",
    "email",
    "email_verified",
    "phone_number",
    "custom:department",
    "cognito:mfa_enabled",
    "cognito:username",
)
PAGE = 60


def schema_attribute(name: str) -> dict[str, Any]:
    """``GET /admin/schema``'s answer for one String attribute."""
    return {
        "name": name,
        "type": "Boolean" if name.endswith("_verified") else "String",
        "mutable": True,
        "required": name == "email",
        "min_length": None,
        "max_length": None,
        "min_value": None,
        "max_value": None,
        "custom": name.startswith("custom:"),
        "searchable": not name.startswith("custom:"),
    }


@dataclasses.dataclass
class FakeUser:
    attributes: dict[str, str]
    enabled: bool = True
    status: str = "CONFIRMED"


@dataclasses.dataclass
class FakeGroup:
    description: str | None = None
    precedence: int | None = None
    members: list[str] = dataclasses.field(default_factory=list)


class FakePoolApi:
    """See the module docstring. ``columns`` is the export's header (the pool's
    attributes, then Cognito's two columns)."""

    def __init__(
        self,
        columns: Sequence[str] = COLUMNS,
        *,
        lazy_users: tuple[int, Callable[[int], list[str]]] | None = None,
        estimated_users: int | None = None,
    ) -> None:
        self.columns = tuple(columns)
        self.users: dict[str, FakeUser] = {}
        self.groups: dict[str, FakeGroup] = {}
        self.lazy_users = lazy_users
        self.estimated_users = estimated_users
        self.requests: list[tuple[str, str, Any]] = []
        self.import_calls = 0
        self.fail_before: dict[int, BaseException] = {}
        self.fail_after: dict[int, BaseException] = {}
        self.out_of_time: dict[int, int] = {}
        self.on_request: Callable[[str, str], None] | None = None
        self.created_by_call: list[int] = []  # users each import request created
        self._lock = threading.Lock()

    # -- the pool ----------------------------------------------------------------------------

    def add_user(self, username: str, *, enabled: bool = True, **attributes: str) -> None:
        values = {"cognito:username": username, "cognito:mfa_enabled": "FALSE"}
        values |= {name.replace("__", ":"): value for name, value in attributes.items()}
        self.users[username] = FakeUser(values, enabled)

    def add_group(
        self, name: str, description: str | None = None, precedence: int | None = None
    ) -> None:
        self.groups[name] = FakeGroup(description, precedence)

    def add_member(self, group: str, username: str) -> None:
        self.groups[group].members.append(username)

    def row(self, username: str) -> list[str]:
        attributes = self.users[username].attributes
        return [attributes.get(column, "") for column in self.columns]

    # -- JsonCaller ---------------------------------------------------------------------------

    def get_json(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.request("GET", path, params=params).json()

    def request(
        self, method: str, path: str, *, json: Any = None, params: dict[str, Any] | None = None
    ) -> Any:
        if self.on_request is not None:
            self.on_request(method, path)
        with self._lock:
            self.requests.append((method, path, json if json is not None else params))
            token = (params or {}).get("pagination_token")
            if (method, path) == ("GET", "/admin/schema"):
                return FakeResponse(self._schema())
            if (method, path) == ("GET", "/admin/export/users"):
                return FakeResponse(self._users_page(int(token or 0)))
            if (method, path) == ("GET", "/admin/export/memberships"):
                return FakeResponse(self._memberships_page(int(token or 0)))
            if (method, path) == ("POST", "/admin/import/users"):
                return FakeResponse(self._import(self._import_users, json))
            if (method, path) == ("POST", "/admin/import/memberships"):
                return FakeResponse(self._import(self._import_memberships, json))
        raise AssertionError(f"unexpected request {method} {path}")

    def _schema(self) -> dict[str, Any]:
        attributes = [c for c in self.columns if not c.startswith("cognito:")]
        count = self.lazy_users[0] if self.lazy_users else len(self.users)
        estimated = count if self.estimated_users is None else self.estimated_users
        return {
            "attributes": [schema_attribute(name) for name in ("sub", *attributes)],
            "estimated_users": estimated,
        }

    def _users_page(self, start: int) -> dict[str, Any]:
        if self.lazy_users is not None:
            count, make = self.lazy_users
            rows = [make(i) for i in range(start, min(start + PAGE, count))]
            states = [{"username": r[-1], "status": "CONFIRMED", "enabled": True} for r in rows]
        else:
            count = len(self.users)
            names = sorted(self.users)[start : start + PAGE]
            rows = [self.row(name) for name in names]
            states = [
                {
                    "username": name,
                    "status": self.users[name].status,
                    "enabled": self.users[name].enabled,
                }
                for name in names
            ]
        following = start + PAGE
        return {
            "header": list(self.columns),
            "rows": rows,
            "states": states,
            "pagination_token": str(following) if following < count else None,
        }

    def _memberships_page(self, start: int) -> dict[str, Any]:
        pairs = [
            [name, member] for name in sorted(self.groups) for member in self.groups[name].members
        ]
        groups = [
            {"name": name, "description": g.description, "precedence": g.precedence}
            for name, g in sorted(self.groups.items())
        ]
        following = start + PAGE
        return {
            "groups": groups if start == 0 else [],
            "memberships": pairs[start : start + PAGE],
            "pagination_token": str(following) if following < len(pairs) else None,
        }

    def _import(self, handle: Callable[[Any], dict[str, Any]], body: Any) -> dict[str, Any]:
        self.import_calls += 1
        call = self.import_calls
        if call in self.fail_before:
            raise self.fail_before[call]
        tried = self.out_of_time.get(call)
        if tried is not None:
            key = "rows" if "rows" in body else "memberships"
            untried = body[key][tried:]
            answer = handle(body | {key: body[key][:tried]})
            answer["results"] += [
                {
                    "row": tried + i,
                    "username": item[-1],
                    "status": "failed",
                    "error": "throttled",
                    "message": "not tried: the request ran out of time",
                }
                for i, item in enumerate(untried)
            ]
            return answer
        answer = handle(body)
        if call in self.fail_after:
            raise self.fail_after[call]
        return answer

    def _import_users(self, body: dict[str, Any]) -> dict[str, Any]:
        header = body["header"]
        assert len(body["rows"]) <= 50, "more than 50 rows in one import request"
        unknown = [c for c in header if c not in self.columns]
        assert not unknown, f"columns this pool does not have were sent: {unknown}"
        results = []
        created = 0
        for index, cells in enumerate(body["rows"]):
            values = dict(zip(header, cells, strict=True))
            username = values["cognito:username"]
            if username in self.users:
                status = "exists"
            elif username.startswith("bad"):
                results.append(
                    {
                        "row": index,
                        "username": username,
                        "status": "failed",
                        "error": "invalid_parameter",
                        "message": "email is not a valid email address",
                    }
                )
                continue
            else:
                status = "created"
                created += 1
                self.users[username] = FakeUser(
                    {k: v for k, v in values.items() if v},
                    enabled=username not in body.get("disabled", []),
                    status="FORCE_CHANGE_PASSWORD",
                )
            results.append(
                {
                    "row": index,
                    "username": username,
                    "status": status,
                    "error": None,
                    "message": None,
                }
            )
        self.created_by_call.append(created)
        return {"results": results}

    def _import_memberships(self, body: dict[str, Any]) -> dict[str, Any]:
        assert len(body["memberships"]) <= 100 and len(body["groups"]) <= 100
        for group in body["groups"]:
            self.groups.setdefault(
                group["name"], FakeGroup(group["description"], group["precedence"])
            )
        results = []
        for index, (group, username) in enumerate(body["memberships"]):
            members = self.groups[group].members if group in self.groups else None
            if members is None or username not in self.users:
                status, error = "failed", "not_found"
            elif username in members:
                status, error = "exists", None
            else:
                members.append(username)
                status, error = "created", None
            results.append(
                {
                    "row": index,
                    "username": username,
                    "status": status,
                    "error": error,
                    "message": "no such user or group" if error else None,
                }
            )
        return {"results": results}
