"""Routes matched on the raw path: a quoted ``/`` stays inside its name, and nothing else moves.

A small app with the route shapes of ``/admin`` (a name, a name and a verb, a name
and a group), served by uvicorn over real HTTP; requests go out through
``http.client``, which sends the path exactly as written (``requests`` would
resolve ``..`` and decode ``%2E``).
"""

from __future__ import annotations

import http.client
import json
import urllib.parse
from collections.abc import Iterator
from typing import Any

import fastapi
import pytest

from protected_api import server as api_server
from protected_api.routes import exact_path

CORPUS = [
    "mallory/x",
    "a%2Fb",
    "what?",
    "#hash",
    "with space",
    "Ünïcødé",
    "..",
    ".",
    "alice/groups/Staff",
    "%",
    "%25",
    "a/b/c/groups/d",
]


def make_app() -> fastapi.FastAPI:
    router = fastapi.APIRouter(route_class=exact_path.ExactPathRoute)

    @router.get("/users/{username}")
    def one(username: str) -> dict[str, Any]:
        return {"route": "one", "username": username}

    @router.delete("/users/{username}")
    def delete(username: str) -> dict[str, Any]:
        return {"route": "delete", "username": username}

    @router.post("/users/{username}/disable")
    def disable(username: str) -> dict[str, Any]:
        return {"route": "disable", "username": username}

    @router.delete("/users/{username}/groups/{group}")
    def leave(username: str, group: str) -> dict[str, Any]:
        return {"route": "leave", "username": username, "group": group}

    @router.get("/users")
    def listing() -> dict[str, Any]:
        return {"route": "list"}

    app = fastapi.FastAPI()
    app.include_router(router, prefix="/admin")
    return app


@pytest.fixture(scope="module")
def api() -> Iterator[api_server.ApiServer]:
    with api_server.ApiServer(make_app()) as running:
        yield running


def send(api: api_server.ApiServer, method: str, path: str) -> tuple[int, Any]:
    parts = urllib.parse.urlsplit(api.url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    try:
        connection.request(method, path)
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    return response.status, json.loads(body) if body else None


def q(name: str) -> str:
    return urllib.parse.quote(name, safe="")


@pytest.mark.parametrize("name", CORPUS)
def test_every_name_reaches_every_route_as_itself(api: api_server.ApiServer, name: str) -> None:
    assert send(api, "GET", f"/admin/users/{q(name)}") == (
        200,
        {"route": "one", "username": name},
    )
    assert send(api, "POST", f"/admin/users/{q(name)}/disable") == (
        200,
        {"route": "disable", "username": name},
    )
    assert send(api, "DELETE", f"/admin/users/{q(name)}/groups/{q(name)}") == (
        200,
        {"route": "leave", "username": name, "group": name},
    )


def test_a_quoted_path_is_one_name_not_a_group_change(api: api_server.ApiServer) -> None:
    # Before: Starlette decoded %2F first, and this removed alice from Staff.
    assert send(api, "DELETE", "/admin/users/alice%2Fgroups%2FStaff") == (
        200,
        {"route": "delete", "username": "alice/groups/Staff"},
    )
    assert send(api, "DELETE", "/admin/users/alice/groups/Staff") == (
        200,
        {"route": "leave", "username": "alice", "group": "Staff"},
    )


@pytest.mark.parametrize(
    ("path", "username"),
    [
        ("/admin/users/%2E%2E", ".."),  # decoded once, never resolved
        ("/admin/users/..", ".."),
        ("/admin/users/%252F", "%2F"),  # decoded once, not twice
        ("/admin/users/%C3%9C", "Ü"),
        ("/admin/users/a%3Fb%23c", "a?b#c"),
    ],
)
def test_each_segment_is_decoded_exactly_once(
    api: api_server.ApiServer, path: str, username: str
) -> None:
    assert send(api, "GET", path) == (200, {"route": "one", "username": username})


@pytest.mark.parametrize(
    "path",
    [
        "/admin/users/%FF",  # not UTF-8: no name of U+FFFD stands in for it
        "/admin/users/",
        "/admin/users//disable",
        "/admin%2Fusers/bob",
        "/admin/users/bob%2Fdisable/x",
    ],
)
def test_paths_that_name_nothing_are_404(api: api_server.ApiServer, path: str) -> None:
    status, _ = send(api, "GET", path)
    assert status in (404, 405)


def test_the_query_string_is_not_part_of_the_name(api: api_server.ApiServer) -> None:
    assert send(api, "GET", "/admin/users/bob?x=%2F") == (200, {"route": "one", "username": "bob"})
    assert send(api, "GET", "/admin/users?x=1") == (200, {"route": "list"})


# The path it matches on


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        ({"raw_path": b"/admin/users/a%2Fb", "path": "/admin/users/a/b"}, "/admin/users/a%2Fb"),
        ({"raw_path": b"/x/a%25b?q=1", "path": "/x/a%b"}, "/x/a%25b"),
        ({"raw_path": b"/x/%FF", "path": "/x/\ufffd"}, ""),
        ({"raw_path": None, "path": "/x/a/b"}, None),
        ({"path": "/x/a/b"}, None),
        # Mangum behind API Gateway (payload 2.0): no raw_path, the event's rawPath.
        ({"raw_path": None, "path": "/x/a/b", "aws.event": {"rawPath": "/x/a%2Fb"}}, "/x/a%2Fb"),
        # A root path the proxy stripped is put back, as in scope["path"].
        (
            {"raw_path": b"/x/a%2Fb", "path": "/api/x/a/b", "root_path": "/api"},
            "/api/x/a%2Fb",
        ),
        (
            {"raw_path": b"/api/x/a%2Fb", "path": "/api/x/a/b", "root_path": "/api"},
            "/api/x/a%2Fb",
        ),
    ],
)
def test_routing_path(scope: dict[str, Any], expected: str | None) -> None:
    assert exact_path.routing_path({"type": "http", **scope}) == expected


@pytest.mark.parametrize("name", CORPUS)
def test_unescape_undoes_the_escapes_in_one_pass(name: str) -> None:
    escaped = exact_path.routing_path({"raw_path": q(name).encode()})
    assert escaped is not None and "/" not in escaped
    assert exact_path.unescape(escaped) == name
