"""Who is calling, and may they: RFC 6750 answers for every way a bearer token can fail."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import fastapi
import pytest
import requests

from protected_api import auth, errors
from protected_api import server as api_server
from protected_api import verifier as verifier_mod
from tests.unit.protected_api import stubs

REALM = 'Bearer realm="protected_api"'


class Verifier:
    """Accepts "good" and "user"; raises a chosen error for "bad:<ErrorClass>"; records
    the thread each verification ran on."""

    def __init__(self) -> None:
        self.cached = True
        self.threads: list[str] = []

    def ready_for(self, token: str) -> bool:
        return self.cached

    def verify(self, token: str) -> dict[str, Any]:
        self.threads.append(threading.current_thread().name)
        if token.startswith("bad:"):
            raise getattr(errors, token[4:])("why")
        return stubs.claims("alice", "Admin" if token == "good" else "Users")


@pytest.fixture(scope="module")
def verifier() -> Verifier:
    return Verifier()


@pytest.fixture(scope="module")
def api(verifier: Verifier) -> Iterator[api_server.ApiServer]:
    app = fastapi.FastAPI()
    app.state.verifier = verifier
    auth.install(app)

    @app.get("/who")
    def who(user: auth.CurrentUser) -> dict[str, str]:
        return {"username": user.username}

    @app.get("/admins", dependencies=[fastapi.Depends(auth.require_group("Admin"))])
    def admins() -> dict[str, bool]:
        return {"ok": True}

    with api_server.ApiServer(app) as running:
        yield running


def get(api: api_server.ApiServer, path: str, headers: dict[str, str], **params: str) -> Any:
    return requests.get(api.url + path, headers=headers, params=params, timeout=stubs.TIMEOUT)


@pytest.mark.parametrize(
    ("headers", "params", "status", "error", "challenge"),
    [
        pytest.param({}, {}, 401, "unauthorized", REALM, id="no-header"),
        pytest.param(
            {"Authorization": "Basic YTpi"},
            {},
            401,
            "invalid_token",
            f'{REALM}, error="invalid_token"',
            id="basic",
        ),
        pytest.param(
            {"Authorization": "Bearer"},
            {},
            401,
            "invalid_token",
            f'{REALM}, error="invalid_token"',
            id="no-token",
        ),
        pytest.param(
            {"Authorization": "Bearer a b"},
            {},
            401,
            "invalid_token",
            f'{REALM}, error="invalid_token"',
            id="two-tokens",
        ),
        pytest.param(
            {"Authorization": "Bearer bad:JwtExpiredError"},
            {},
            401,
            "invalid_token",
            f'{REALM}, error="invalid_token"',
            id="expired",
        ),
        pytest.param(
            {"Authorization": "Bearer good"},
            {"access_token": "good"},
            400,
            "invalid_request",
            f'{REALM}, error="invalid_request"',
            id="token-in-query",
        ),
        pytest.param(
            {"Authorization": "Bearer " + "a" * auth.MAX_AUTHORIZATION_BYTES},
            {},
            400,
            "invalid_request",
            f'{REALM}, error="invalid_request"',
            id="header-too-large",
        ),
        pytest.param(
            {"Authorization": "Bearer bad:JwtInvalidGroupError"},
            {},
            403,
            "insufficient_scope",
            f'{REALM}, error="insufficient_scope"',
            id="forbidden",
        ),
        pytest.param(
            {"Authorization": "Bearer bad:JwksUnavailableError"},
            {},
            503,
            "temporarily_unavailable",
            None,
            id="jwks-unavailable",
        ),
    ],
)
def test_every_failure_is_an_rfc_6750_answer(
    api: api_server.ApiServer,
    headers: dict[str, str],
    params: dict[str, str],
    status: int,
    error: str,
    challenge: str | None,
) -> None:
    response = get(api, "/who", headers, **params)
    assert response.status_code == status
    assert response.json()["error"] == error
    assert response.headers.get("WWW-Authenticate") == challenge
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers.get("Retry-After") == ("10" if status == 503 else None)


def test_the_401_says_nothing_about_which_check_failed(api: api_server.ApiServer) -> None:
    bodies = {
        get(api, "/who", stubs.bearer(f"bad:{name}")).text
        for name in ("JwtExpiredError", "JwtInvalidSignatureError", "JwtInvalidClientIdError")
    }
    assert len(bodies) == 1
    assert "Expired" not in bodies.pop()


@pytest.mark.parametrize(
    "length",
    [
        pytest.param(17_500, id="100-groups-of-128-characters"),
        pytest.param(verifier_mod.MAX_TOKEN_CHARS, id="the-largest-token"),
    ],
)
def test_a_token_as_large_as_cognitos_quotas_allow_reaches_the_verifier(
    api: api_server.ApiServer, verifier: Verifier, length: int
) -> None:
    """Over real HTTP: neither the server nor the header check stops it first."""
    verifier.threads.clear()
    response = get(api, "/who", stubs.bearer("t" * length))
    assert response.status_code == 200, response.text
    assert len(verifier.threads) == 1


def test_the_header_limit_is_the_longest_token_and_its_scheme(api: api_server.ApiServer) -> None:
    longest = "Bearer " + "t" * verifier_mod.MAX_TOKEN_CHARS
    assert len(longest) <= auth.MAX_AUTHORIZATION_BYTES
    assert get(api, "/who", {"Authorization": longest}).status_code == 200
    at_limit = "Bearer " + "t" * (auth.MAX_AUTHORIZATION_BYTES - len("Bearer "))
    assert get(api, "/who", {"Authorization": at_limit}).status_code == 200
    refused = get(api, "/who", {"Authorization": at_limit + "t"})
    assert (refused.status_code, refused.json()["error"]) == (400, "invalid_request")


def test_the_scheme_is_case_insensitive(api: api_server.ApiServer) -> None:
    assert get(api, "/who", {"Authorization": "bearer good"}).json() == {"username": "alice"}


def test_a_group_route_needs_the_group(api: api_server.ApiServer) -> None:
    assert get(api, "/admins", stubs.bearer("good")).status_code == 200
    refused = get(api, "/admins", stubs.bearer("user"))
    assert refused.status_code == 403
    assert refused.json()["message"] == "requires membership of group Admin"


def test_only_a_jwks_fetch_leaves_the_event_loop(
    api: api_server.ApiServer, verifier: Verifier
) -> None:
    verifier.threads.clear()
    verifier.cached = True
    get(api, "/who", stubs.bearer("good"))
    verifier.cached = False
    get(api, "/who", stubs.bearer("good"))
    verifier.cached = True
    on_loop, in_pool = verifier.threads
    assert on_loop == "protected-api"  # ApiServer's thread runs the event loop
    assert in_pool != on_loop


def test_a_principal_is_read_from_the_claims() -> None:
    claims = {**stubs.claims("alice", "Admin", "Users"), "auth_time": 1700000000}
    user = auth.Principal.from_claims(claims)
    assert (user.sub, user.username, user.client_id) == ("s-alice", "alice", stubs.CLIENT)
    assert (user.groups, user.scopes) == (("Admin", "Users"), ("openid", "email"))
    assert (user.expires_at, user.issued_at, user.auth_time) == (
        claims["exp"],
        claims["iat"],
        1700000000,
    )


def test_a_principal_reads_a_fractional_auth_time_as_whole_seconds() -> None:
    claims = {**stubs.claims("alice"), "auth_time": 1700000000.75}
    assert auth.Principal.from_claims(claims).auth_time == 1700000000


def test_a_principal_without_optional_claims() -> None:
    bare = {"sub": "s-1", "exp": 2, "iat": 1, "auth_time": "yesterday", "cognito:groups": "Admin"}
    user = auth.Principal.from_claims(bare)
    assert (user.username, user.client_id, user.groups, user.scopes) == ("s-1", "", (), ())
    assert user.auth_time is None
    assert user.plan is None


# -- the plan claim (issue 20: the pre token generation trigger adds it) -------------------


@pytest.mark.parametrize("plan", ["free", "pro", "0", "team_2-eu", "a" * 32])
def test_a_principal_reads_a_plan_name(plan: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG", logger="protected_api.auth")
    user = auth.Principal.from_claims({**stubs.claims("alice"), "plan": plan})
    assert user.plan == plan
    assert not caplog.records


def test_a_principal_without_a_plan_has_none_and_logs_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level("DEBUG", logger="protected_api.auth")
    assert auth.Principal.from_claims(stubs.claims("alice")).plan is None
    assert auth.Principal.from_claims({**stubs.claims("alice"), "plan": None}).plan is None
    assert not caplog.records


@pytest.mark.parametrize(
    "plan",
    [
        "Pro",  # upper case
        "free\n",  # "$" alone would let a trailing newline through
        "",
        "-free",  # must start with a letter or digit
        "a" * 33,
        "pro plan",
        "pr\N{LATIN SMALL LETTER O WITH DIAERESIS}",
        "\N{FULLWIDTH LATIN SMALL LETTER F}ree",
        7,
        True,
        ["pro"],
        {"name": "pro"},
    ],
)
def test_a_plan_that_is_not_a_plan_name_is_absent_and_logged_without_its_value(
    plan: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG", logger="protected_api.auth")
    user = auth.Principal.from_claims({**stubs.claims("alice", "Admin"), "plan": plan})
    assert user.plan is None
    assert (user.username, user.groups) == ("alice", ("Admin",))  # the token still counts
    [record] = caplog.records
    assert record.levelname == "WARNING"
    assert "plan" in record.getMessage()
    if isinstance(plan, str) and plan.strip():
        assert plan.strip() not in record.getMessage()
    assert "pro" not in record.getMessage()


def test_the_plan_pattern_is_the_triggers_one() -> None:
    """The API is deployed without ``triggers/``, so it writes the contract out again."""
    triggers = pytest.importorskip("triggers")
    assert auth.PLAN_PATTERN == triggers.PLAN_PATTERN
    assert auth.PLAN_CLAIM == triggers.PLAN_CLAIM
