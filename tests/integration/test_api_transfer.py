"""The full export and import over real HTTP: a pool exported page by page through the API
and imported through the API into a second, fresh stand-in comes out the same; a
throttled or half-lost creation neither loses nor duplicates a row.

Both pools are compared through boto3 (what Cognito holds), not through the API's
answers. Passwords cannot be exported: an imported user is invited (or not, as
chosen) and is ``FORCE_CHANGE_PASSWORD`` however they stood in the first pool.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import json
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from http import server as http_server
from typing import Any

import pytest
import requests

from local_cognito import quotas, seed, server
from local_cognito import settings as local_settings
from protected_api import app as api_app
from protected_api import server as api_server
from protected_api import settings as api_settings_mod
from protected_api import verifier
from tests.integration.conftest import admin_tokens, idp_client
from tests.integration.test_api_admin import Admin, admin_token, call  # noqa: F401 - fixtures
from tests.support import clock
from tests.support import http_server as loopback

pytestmark = pytest.mark.integration
BATCH = 50  # users per import request
PAIRS = 100  # memberships per import request


# -- a second pool and its API ---------------------------------------------------------------


@contextlib.contextmanager
def api_for(
    stand_in: server.LocalCognito, now: Callable[[], float], endpoint: str | None = None
) -> Iterator[api_server.ApiServer]:
    """The API on ``stand_in`` as tests/integration/conftest.py's ``api`` fixture makes it
    (its Cognito calls through ``endpoint`` if given); AWS keys come from that fixture."""
    info = stand_in.info()
    config = api_settings_mod.Settings.from_env(
        {
            "COGNITO_USER_POOL_ID": info["user_pool_id"],
            "COGNITO_CLIENT_IDS": info["client_id"],
            "COGNITO_JWKS_URL": info["jwks_url"],
            "COGNITO_IDP_ENDPOINT_URL": endpoint or info["cognito_idp_endpoint"],
        }
    )
    check = verifier.CognitoJwtVerifier.create(
        issuer=config.issuer,
        client_ids=config.client_ids,
        token_use="access",
        jwks_url=config.jwks_url,
        now=now,
    )
    with api_server.ApiServer(api_app.create_app(config, token_verifier=check)) as running:
        yield running


@pytest.fixture
def target(
    fake_clock: clock.FakeClock, pool_settings: local_settings.PoolSettings
) -> Iterator[server.LocalCognito]:
    """A second, fresh stand-in (its demo users and Admin group only)."""
    config = dataclasses.replace(pool_settings, require_pkce=True)
    with server.LocalCognito(port=0, now=fake_clock, config=config) as running:
        yield running


def admin_on(stand_in: server.LocalCognito, api: api_server.ApiServer) -> Admin:
    idp = idp_client(stand_in.url, stand_in.pool.settings.region)
    return Admin(api, str(admin_tokens(idp, stand_in, "admin", "Admin-Passw0rd!")["AccessToken"]))


# -- export and import through the API --------------------------------------------------------


@dataclasses.dataclass
class Export:
    header: list[str]
    rows: list[list[str]]
    states: list[dict[str, Any]]
    groups: list[dict[str, Any]]
    memberships: list[list[str]]
    pages: int = 0


def pages(call: Admin, path: str) -> Iterator[dict[str, Any]]:  # noqa: F811
    token: str | None = None
    while True:
        response = call("GET", path, params={"pagination_token": token} if token else None)
        assert response.status_code == 200, response.text
        page: dict[str, Any] = response.json()
        yield page
        token = page["pagination_token"]
        if token is None:
            return


def export(call: Admin) -> Export:  # noqa: F811
    result = Export([], [], [], [], [])
    for page in pages(call, "/export/users"):
        result.header = result.header or page["header"]
        assert page["header"] == result.header  # one header for the whole export
        assert len(page["rows"]) == len(page["states"]) <= 60
        result.rows += page["rows"]
        result.states += page["states"]
        result.pages += 1
    for number, page in enumerate(pages(call, "/export/memberships")):
        if number == 0:
            result.groups = page["groups"]
        else:
            assert page["groups"] == []  # the groups come with the first page only
        result.memberships += page["memberships"]
    return result


def import_all(call: Admin, exported: Export, action: str = "SUPPRESS") -> list[dict[str, Any]]:  # noqa: F811
    """The export imported in batches, as the app sends it; every row's result."""
    where = exported.header.index("cognito:username")
    disabled = {s["username"] for s in exported.states if not s["enabled"]}
    results: list[dict[str, Any]] = []
    for start in range(0, len(exported.rows), BATCH):
        rows = exported.rows[start : start + BATCH]
        body = {
            "header": exported.header,
            "rows": rows,
            "message_action": action,
            "disabled": sorted({r[where] for r in rows} & disabled),
        }
        response = call("POST", "/import/users", json=body)
        assert response.status_code == 200, response.text
        results += response.json()["results"]
    groups = exported.groups
    for start in range(0, max(len(exported.memberships), 1), PAIRS):
        body = {"groups": groups, "memberships": exported.memberships[start : start + PAIRS]}
        response = call("POST", "/import/memberships", json=body)
        assert response.status_code == 200, response.text
        assert all(r["status"] == "created" for r in response.json()["results"]), response.text
        groups = []
    return results


# -- what the pools hold --------------------------------------------------------------------


def users_of(idp: Any, pool_id: str) -> dict[str, dict[str, Any]]:
    users: dict[str, dict[str, Any]] = {}
    kwargs: dict[str, Any] = {"UserPoolId": pool_id, "Limit": 60}
    while True:
        page = idp.list_users(**kwargs)
        for user in page["Users"]:
            assert user["Username"] not in users, "a user listed twice"
            attributes = {a["Name"]: a["Value"] for a in user["Attributes"] if a["Name"] != "sub"}
            users[user["Username"]] = {
                "attributes": attributes,
                "enabled": user["Enabled"],
                "status": user["UserStatus"],
            }
        if not page.get("PaginationToken"):
            return users
        kwargs["PaginationToken"] = page["PaginationToken"]


def groups_of(idp: Any, pool_id: str) -> dict[str, tuple[Any, Any, frozenset[str]]]:
    """Each group's description, precedence and members."""
    found: dict[str, tuple[Any, Any, frozenset[str]]] = {}
    for group in idp.list_groups(UserPoolId=pool_id, Limit=60)["Groups"]:
        members: set[str] = set()
        kwargs: dict[str, Any] = {"UserPoolId": pool_id, "GroupName": group["GroupName"]}
        while True:
            page = idp.list_users_in_group(Limit=60, **kwargs)
            members |= {u["Username"] for u in page["Users"]}
            if not page.get("NextToken"):
                break
            kwargs["NextToken"] = page["NextToken"]
        found[group["GroupName"]] = (
            group.get("Description"),
            group.get("Precedence"),
            frozenset(members),
        )
    return found


def fill(idp: Any, stand_in: server.LocalCognito) -> None:
    """The source pool: the demo users, 70 confirmed ones, four with attributes and
    states of their own, and groups with and without members, one over a page."""
    pool = stand_in.pool.id
    synthetic = seed.seed_synthetic(stand_in.pool, 70)
    idp.admin_create_user(
        UserPoolId=pool,
        Username="rt-ann",
        MessageAction="SUPPRESS",
        UserAttributes=[
            {"Name": "email", "Value": "ann@example.com"},
            {"Name": "email_verified", "Value": "true"},
            {"Name": "name", "Value": "Ann, the First"},
            {"Name": "given_name", "Value": "Ann"},
            {"Name": "phone_number", "Value": "+14155550100"},
            {"Name": "phone_number_verified", "Value": "false"},
            {"Name": "birthdate", "Value": "1985-02-01"},
            {"Name": "updated_at", "Value": "1700000000"},
            {"Name": "custom:plan", "Value": "pro"},
        ],
    )
    for name, verified in (("rt-bob", "true"), ("rt-cat", "true"), ("rt-dan", "false")):
        idp.admin_create_user(
            UserPoolId=pool,
            Username=name,
            MessageAction="SUPPRESS",
            UserAttributes=[
                {"Name": "email", "Value": f"{name}@example.com"},
                {"Name": "email_verified", "Value": verified},
            ],
        )
    idp.admin_disable_user(UserPoolId=pool, Username="rt-bob")
    idp.admin_set_user_password(
        UserPoolId=pool, Username="rt-cat", Password="Cat-Passw0rd!", Permanent=True
    )
    idp.create_group(UserPoolId=pool, GroupName="Sales", Description="Sales team", Precedence=5)
    idp.create_group(UserPoolId=pool, GroupName="Empty", Description="Nobody yet")
    for name in ["rt-ann", "rt-bob", *synthetic[:65]]:
        idp.admin_add_user_to_group(UserPoolId=pool, Username=name, GroupName="Sales")
    idp.admin_add_user_to_group(UserPoolId=pool, Username="rt-cat", GroupName="Admin")


def test_an_export_imported_into_a_fresh_pool_comes_out_the_same(
    call: Admin,  # noqa: F811
    idp: Any,
    stand_in: server.LocalCognito,
    target: server.LocalCognito,
    fake_clock: clock.FakeClock,
) -> None:
    fill(idp, stand_in)
    exported = export(call)
    assert exported.pages == 2  # 79 users: two ListUsers pages
    assert len(exported.rows) == len(users_of(idp, stand_in.pool.id))
    [ann] = [r for r in exported.rows if r[exported.header.index("cognito:username")] == "rt-ann"]
    assert ann[exported.header.index("birthdate")] == "02/01/1985"  # the import format's
    assert ann[exported.header.index("email_verified")] == "TRUE"

    target_idp = idp_client(target.url, target.pool.settings.region)
    with api_for(target, fake_clock) as target_api:
        results = import_all(admin_on(target, target_api), exported)

    demo = {user.username for user in seed.DEMO_USERS}
    assert {r["username"] for r in results if r["status"] == "exists"} == demo
    assert all(
        r["status"] == "created" and r["error"] is None
        for r in results
        if r["username"] not in demo
    ), results

    source, copied = users_of(idp, stand_in.pool.id), users_of(target_idp, target.pool.id)
    assert set(copied) == set(source)
    for name, user in source.items():
        assert copied[name]["attributes"] == user["attributes"], name
        assert copied[name]["enabled"] == user["enabled"], name
        # No password moves: an imported user is invited, whatever they were.
        expected = user["status"] if name in demo else "FORCE_CHANGE_PASSWORD"
        assert copied[name]["status"] == expected, name
    assert copied["rt-bob"]["enabled"] is False
    assert copied["rt-dan"]["attributes"]["email_verified"] == "false"

    assert groups_of(target_idp, target.pool.id) == groups_of(idp, stand_in.pool.id)
    assert len(groups_of(target_idp, target.pool.id)["Sales"][2]) == 67  # over one page

    # SUPPRESS: nobody imported was emailed.
    assert not [m for m in target.pool.outbox.messages() if m.username.startswith("rt-")]


def test_importing_the_same_export_twice_duplicates_nobody(
    call: Admin,  # noqa: F811
    idp: Any,
    stand_in: server.LocalCognito,
    target: server.LocalCognito,
    fake_clock: clock.FakeClock,
) -> None:
    fill(idp, stand_in)
    exported = export(call)
    target_idp = idp_client(target.url, target.pool.settings.region)
    with api_for(target, fake_clock) as target_api:
        as_target = admin_on(target, target_api)
        import_all(as_target, exported)
        once = users_of(target_idp, target.pool.id)
        again = import_all(as_target, exported)
    assert {r["status"] for r in again} == {"exists"}
    assert users_of(target_idp, target.pool.id) == once


def test_invited_rows_are_emailed_and_bad_rows_reported(
    call: Admin,  # noqa: F811
    stand_in: server.LocalCognito,
) -> None:
    header = ["cognito:username", "cognito:mfa_enabled", "email", "email_verified", "custom:plan"]
    body = {
        "header": header,
        "rows": [
            ["inv-ann", "FALSE", "inv-ann@example.com", "TRUE", ""],
            ["inv-bob", "FALSE", "", "FALSE", ""],  # INVITE goes by email
            ["inv-cat", "FALSE", "inv-cat@example.com", "TRUE", "p" * 33],
            ["with space", "FALSE", "x@example.com", "TRUE", ""],
            ["alice", "FALSE", "alice2@example.com", "TRUE", ""],
        ],
        "message_action": "INVITE",
    }
    response = call("POST", "/import/users", json=body)
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [(r["row"], r["status"], r["error"]) for r in results] == [
        (0, "created", None),
        (1, "failed", "invalid_parameter"),
        (2, "failed", "invalid_parameter"),
        (3, "failed", "invalid_parameter"),
        (4, "exists", None),
    ]
    assert "custom:plan must be at most 32 characters" in results[2]["message"]
    invited = [m for m in stand_in.pool.outbox.messages() if m.kind == "invitation"]
    assert {m.username for m in invited} >= {"inv-ann"}
    assert not {"inv-bob", "inv-cat"} & {m.username for m in invited}


def test_a_header_the_pool_cannot_take_is_refused_before_any_row(
    call: Admin,  # noqa: F811
    idp: Any,
    stand_in: server.LocalCognito,
) -> None:
    body = {
        "header": ["cognito:username", "cognito:mfa_enabled", "custom:colour"],
        "rows": [["hdr-ann", "FALSE", "blue"]],
        "message_action": "SUPPRESS",
    }
    response = call("POST", "/import/users", json=body)
    assert response.status_code == 400
    assert "custom:colour is not an attribute of this user pool" in response.json()["message"]
    assert "hdr-ann" not in users_of(idp, stand_in.pool.id)


# -- throttled and half-lost creations --------------------------------------------------------

_RESET = struct.pack("ii", 1, 0)  # SO_LINGER on, 0 s: close() sends RST
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


class TroubledCognito:
    """Between the API and the stand-in: the first AdminCreateUser of each name in
    ``throttle`` is answered ``TooManyRequestsException`` (as Cognito does, HTTP 400);
    the first of each name in ``lose`` is made, then its answer is lost (the connection
    reset), so the API cannot know it landed. Everything else passes through."""

    def __init__(self, upstream: str, *, throttle: set[str], lose: set[str]) -> None:
        self.upstream = upstream
        self.throttle = throttle
        self.lose = lose
        self.creations: collections.Counter[str] = collections.Counter()
        self._lock = threading.Lock()
        self._forward = requests.Session()
        self.server = loopback.LoopbackServer(self._answer, name="troubled-cognito")

    def _answer(self, handler: http_server.BaseHTTPRequestHandler) -> None:
        body = loopback.read_body(handler)
        handler.close_connection = True
        name = None
        if handler.headers.get("X-Amz-Target", "").endswith(".AdminCreateUser"):
            name = json.loads(body)["Username"]
            with self._lock:
                self.creations[name] += 1
                first = self.creations[name] == 1
            if first and name in self.throttle:
                error = {"__type": "TooManyRequestsException", "message": "Rate exceeded"}
                loopback.reply_json(
                    handler,
                    400,
                    json.dumps(error).encode(),
                    content_type="application/x-amz-json-1.1",
                )
                return
        headers = {k: v for k, v in handler.headers.items() if k.lower() not in _HOP_BY_HOP}
        answer = self._forward.post(
            self.upstream + handler.path, data=body, headers=headers, timeout=10
        )
        if name in self.lose and self.creations[name] == 1:
            with contextlib.suppress(OSError):
                handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _RESET)
                handler.connection.close()
            return
        loopback.reply_json(
            handler,
            answer.status_code,
            answer.content,
            content_type=answer.headers.get("Content-Type", "application/x-amz-json-1.1"),
        )


def test_throttled_and_lost_creations_neither_lose_nor_duplicate_a_row(
    admin_token: str,  # noqa: F811
    idp: Any,
    stand_in: server.LocalCognito,
    api: api_server.ApiServer,
    fake_clock: clock.FakeClock,
) -> None:
    names = [f"tr-{i:02d}" for i in range(24)]
    throttle = set(names[::3])
    lose = set(names[1::5]) - throttle
    troubled = TroubledCognito(stand_in.url, throttle=throttle, lose=lose)
    with troubled.server, api_for(stand_in, fake_clock, troubled.server.url) as through:
        body = {
            "header": ["cognito:username", "cognito:mfa_enabled", "email"],
            "rows": [[n, "FALSE", f"{n}@example.com"] for n in names],
            "message_action": "SUPPRESS",
        }
        response = Admin(through, admin_token)("POST", "/import/users", json=body)
    assert response.status_code == 200, response.text
    results = {r["username"]: r for r in response.json()["results"]}
    for name in names:
        # A lost answer: the retry finds the user made ("exists"); never a second one.
        expected = "exists" if name in lose else "created"
        assert results[name]["status"] == expected, results[name]
    held = users_of(idp, stand_in.pool.id)
    assert set(names) <= set(held)
    assert all(troubled.creations[n] == 2 for n in throttle | lose)
    assert all(troubled.creations[n] == 1 for n in set(names) - throttle - lose)


# -- under Cognito's quotas (the stand-in's emulation, on the real clock) ---------------------

RATE = 20  # AdminCreateUser per second (UserCreation); Cognito's default is 50


def test_an_import_under_cognitos_quotas_creates_every_row_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
    config = local_settings.PoolSettings(
        require_pkce=True, quotas=quotas.cognito({"UserCreation": RATE})
    )
    names = [f"q-{i:02d}" for i in range(50)]
    body = {
        "header": ["cognito:username", "cognito:mfa_enabled", "email"],
        "rows": [[n, "FALSE", f"{n}@example.com"] for n in names],
        "message_action": "SUPPRESS",
    }
    with (
        server.LocalCognito(port=0, now=time.time, config=config) as limited,
        api_for(limited, time.time) as limited_api,
    ):
        as_admin = admin_on(limited, limited_api)
        started = time.monotonic()
        response = as_admin("POST", "/import/users", json=body)
        elapsed = time.monotonic() - started
        held = users_of(idp_client(limited.url, limited.pool.settings.region), limited.pool.id)
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [(r["username"], r["status"]) for r in results] == [(n, "created") for n in names]
    assert set(names) <= set(held)  # each once: users_of refuses a name listed twice
    # The quota held: a second's burst, then RATE a second for the rest.
    assert elapsed >= 0.9 * (len(names) - RATE) / RATE
