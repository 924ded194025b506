"""The authorization matrix: every route of the API x every kind of token -> status.

The table is generated from :data:`ROUTES`, and
:func:`test_the_matrix_covers_every_route_the_app_has` compares that list with
the routes the FastAPI app really has, so a new endpoint cannot ship without a row.

Besides tokens that are invalid or never were an admin's, the matrix holds three
admins' tokens that are still valid (signature, expiry, ``cognito:groups``) but
whose holder has since lost their rights in Cognito: removed from the admin
group, disabled, or signed out everywhere (:data:`REVOKED`). Every change is
refused to them with the reason; reads stay stateless.

The API here has password sign-in on (``/auth``, on an automation app client made for
the module), and the matrix holds an admin's and a non-admin's tokens from that flow
too (:data:`PASSWORD_FLOW`): every route must treat them exactly as it treats the same
people's tokens from the desktop client.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import json
import threading
import urllib.parse
from collections.abc import Iterator
from typing import Any

import fastapi
import fastapi.routing
import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette import routing

from local_cognito import seed, server
from protected_api import app as api_app
from protected_api import auth, verifier
from protected_api import server as api_server
from protected_api import settings as api_settings_mod
from tests.integration import test_api_password_sign_in as password_sign_in
from tests.integration.conftest import admin_tokens
from tests.support import clock

pytestmark = pytest.mark.integration
TIMEOUT = 10
UNKNOWN_USER = "matrix-nobody"  # admin calls on it are harmless: 404
UNKNOWN_GROUP = "matrix-no-group"  # likewise


@dataclasses.dataclass(frozen=True)
class Route:
    """One endpoint, with sample parameters that keep an admin's call harmless."""

    method: str
    template: str
    params: tuple[tuple[str, str], ...] = ()
    body: dict[str, Any] | None = None
    admin: bool = True
    query: tuple[tuple[str, str], ...] = ()

    @property
    def path(self) -> str:
        return self.template.format(
            **{name: urllib.parse.quote(value, safe="") for name, value in self.params}
        )

    def __str__(self) -> str:
        return f"{self.method} {self.template}"


ROUTES = (
    Route("GET", "/me", admin=False),
    Route("GET", "/items", admin=False),
    Route("GET", "/admin/users"),
    Route(
        "POST",
        "/admin/users",
        body={"username": "matrix-invitee", "email": "matrix-invitee@example.com"},
    ),
    Route("GET", "/admin/users/{username}", (("username", UNKNOWN_USER),)),
    Route("DELETE", "/admin/users/{username}", (("username", UNKNOWN_USER),)),
    Route("POST", "/admin/users/{username}/resend-invitation", (("username", UNKNOWN_USER),)),
    Route("POST", "/admin/users/{username}/enable", (("username", UNKNOWN_USER),)),
    Route("POST", "/admin/users/{username}/disable", (("username", UNKNOWN_USER),)),
    Route("POST", "/admin/users/{username}/reset-password", (("username", UNKNOWN_USER),)),
    Route("POST", "/admin/users/{username}/sign-out", (("username", UNKNOWN_USER),)),
    Route(
        "PUT",
        "/admin/users/{username}/groups/{group}",
        (("username", UNKNOWN_USER), ("group", "Admin")),
    ),
    Route(
        "DELETE",
        "/admin/users/{username}/groups/{group}",
        (("username", UNKNOWN_USER), ("group", "Admin")),
    ),
    Route("GET", "/admin/mfa", query=(("username", UNKNOWN_USER), ("username", "admin"))),
    Route("POST", "/admin/users/{username}/confirm-sign-up", (("username", UNKNOWN_USER),)),
    Route(
        "POST", "/admin/users/{username}/resend-confirmation-code", (("username", UNKNOWN_USER),)
    ),
    Route("POST", "/admin/users/{username}/reset-mfa", (("username", UNKNOWN_USER),)),
    Route("POST", "/admin/users/{username}/verify-email", (("username", UNKNOWN_USER),)),
    Route("GET", "/admin/groups"),
    Route("GET", "/admin/groups/{group}/members", (("group", "Admin"),)),
    # Issue 21: the schema, attributes, groups, the full export and import.
    Route("GET", "/admin/schema"),
    Route(
        "PATCH",
        "/admin/users/{username}/attributes",
        (("username", UNKNOWN_USER),),
        body={"set": {"name": "Matrix"}},
    ),
    Route("POST", "/admin/groups", body={"name": "matrix-group", "precedence": 9}),
    Route("PATCH", "/admin/groups/{group}", (("group", UNKNOWN_GROUP),), body={"precedence": 9}),
    Route("DELETE", "/admin/groups/{group}", (("group", UNKNOWN_GROUP),)),
    Route("GET", "/admin/export/users"),
    Route("GET", "/admin/export/memberships"),
    Route(
        "POST",
        "/admin/import/users",
        body={
            "header": ["cognito:username", "cognito:mfa_enabled", "email"],
            "rows": [["matrix-imported", "FALSE", "matrix-imported@example.com"]],
            "message_action": "SUPPRESS",
        },
    ),
    Route("POST", "/admin/import/memberships", body={"memberships": [["Admin", UNKNOWN_USER]]}),
)
# Creations: asked twice (the desktop client's admin token, then the password flow's),
# the second finds what the first made.
CREATIONS = {("POST", "/admin/users"), ("POST", "/admin/groups")}

# Served without a token, and not part of the API the matrix is about.
UNPROTECTED = frozenset({"/healthz", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"})
# Password sign-in: the body is the credential, no token is read (its own tests:
# tests/integration/test_api_password_sign_in.py).
SIGN_IN_ROUTES = frozenset(
    {("POST", "/auth/sign-in"), ("POST", "/auth/challenge"), ("POST", "/auth/refresh")}
)

INVALID = (
    "malformed",
    "expired",
    "id token",
    "other app client",
    "other key, same kid",
    "alg none",
    "HS256 with the public key",
)
# Admins who lost their rights after their token was issued -> the refusal's code.
REVOKED = {
    "demoted admin": "admin_removed",
    "disabled admin": "account_disabled",
    "signed-out admin": "signed_out",
}
# Tokens from the API's password sign-in -> the desktop client's variant they must match.
PASSWORD_FLOW = {"password-flow non-admin": "non-admin", "password-flow admin": "admin"}
VARIANTS = ("no token", *INVALID, "non-admin", *REVOKED, "admin", *PASSWORD_FLOW)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64json(value: Any) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


def make_tokens(idp: Any, stand_in: server.LocalCognito) -> dict[str, str | None]:
    """Every variant's bearer token (``None``: send no Authorization header)."""
    admin = admin_tokens(idp, stand_in, "admin", "Admin-Passw0rd!")
    alice = admin_tokens(idp, stand_in, "alice", "Alice-Passw0rd!")
    other = idp.create_user_pool_client(
        UserPoolId=stand_in.pool.id,
        ClientName="other",
        ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    other_client = idp.admin_initiate_auth(
        UserPoolId=stand_in.pool.id,
        ClientId=other,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "admin", "PASSWORD": "Admin-Passw0rd!"},
    )["AuthenticationResult"]["AccessToken"]

    access = admin["AccessToken"]
    claims = jwt.decode(access, options={"verify_signature": False})
    assert claims["client_id"] == stand_in.pool.client_id
    assert jwt.decode(other_client, options={"verify_signature": False})["client_id"] == other
    kid = stand_in.pool.key.kid
    own_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    payload = access.split(".")[1]

    hs_input = f"{b64json({'alg': 'HS256', 'typ': 'JWT', 'kid': kid})}.{payload}"
    pem = stand_in.pool.key.public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    hs256 = f"{hs_input}.{b64url(hmac.new(pem, hs_input.encode(), hashlib.sha256).digest())}"

    # Three more admins sign in, then lose their rights; their tokens stay valid.
    revoked: dict[str, str] = {}
    for variant, username in [
        ("demoted admin", "matrix-demoted"),
        ("disabled admin", "matrix-disabled"),
        ("signed-out admin", "matrix-signed-out"),
    ]:
        password = "Matrix-Passw0rd!"
        seed.add_user(
            stand_in.pool, username, password, f"{username}@example.com", groups=("Admin",)
        )
        revoked[variant] = admin_tokens(idp, stand_in, username, password)["AccessToken"]
    pool = stand_in.pool.id
    idp.admin_remove_user_from_group(UserPoolId=pool, Username="matrix-demoted", GroupName="Admin")
    idp.admin_disable_user(UserPoolId=pool, Username="matrix-disabled")
    idp.admin_user_global_sign_out(UserPoolId=pool, Username="matrix-signed-out")

    return {
        **revoked,
        "no token": None,
        "malformed": "not-a-jwt",
        "expired": access,  # sent only after the clock has moved past its exp
        "id token": admin["IdToken"],
        "other app client": other_client,
        "other key, same kid": jwt.encode(claims, own_key, algorithm="RS256", headers={"kid": kid}),
        "alg none": f"{b64json({'alg': 'none', 'typ': 'JWT', 'kid': kid})}.{payload}.",
        "HS256 with the public key": hs256,
        "non-admin": alice["AccessToken"],
        "admin": access,
    }


def call(
    api: api_server.ApiServer, route: Route, token: str | None, **extra: Any
) -> requests.Response:
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    return requests.request(
        route.method,
        f"{api.url}{route.path}",
        headers=headers,
        json=route.body,
        params=list(route.query),
        timeout=TIMEOUT,
        allow_redirects=False,
        **extra,
    )


def mismatch(route: Route, variant: str, response: requests.Response) -> str | None:
    """Why ``response`` is wrong for ``variant`` on ``route``, or ``None`` if right."""
    variant = PASSWORD_FLOW.get(variant, variant)
    status = response.status_code
    challenge = response.headers.get("WWW-Authenticate", "")
    if variant == "no token":
        if status != 401 or not challenge.startswith("Bearer ") or "error=" in challenge:
            return f"{status} {challenge!r}: want 401 with a bare Bearer challenge"
    elif variant in INVALID:
        if (
            status != 401
            or not challenge.startswith("Bearer ")
            or ('error="invalid_token"' not in challenge)
        ):
            return f"{status} {challenge!r}: want 401 Bearer error=invalid_token"
    elif not route.admin:
        if status != 200:
            return f"{status}: want 200"
    elif variant == "non-admin":
        if status != 403 or 'error="insufficient_scope"' not in challenge:
            return f"{status} {challenge!r}: want 403 Bearer error=insufficient_scope"
    elif variant in REVOKED and route.method != "GET":
        # A change asks Cognito first: refused, with the reason.
        code = response.json().get("error") if status == 403 else None
        if code != REVOKED[variant]:
            return f"{status} {response.text[:200]!r}: want 403 {REVOKED[variant]}"
    elif status in (401, 403) or status >= 500:
        # An admin, or a revoked admin's read (reads stay stateless, for the token's life).
        return f"{status} {response.text[:200]!r}: want an admin's answer"
    return None


@pytest.fixture
def automation_client(idp: Any, stand_in: server.LocalCognito) -> str:
    return password_sign_in.create_automation_client(idp, stand_in)[0]


@pytest.fixture
def api_settings(
    stand_in: server.LocalCognito, automation_client: str
) -> api_settings_mod.Settings:
    """The API of tests/integration/conftest.py, with password sign-in on."""
    return password_sign_in.password_sign_in_settings(stand_in, automation_client)


def password_flow_tokens(api: api_server.ApiServer) -> dict[str, str | None]:
    """:data:`PASSWORD_FLOW`'s tokens: ``POST /auth/sign-in`` on the API itself."""
    tokens: dict[str, str | None] = {}
    for variant, (username, password) in [
        ("password-flow non-admin", ("alice", "Alice-Passw0rd!")),
        ("password-flow admin", ("admin", "Admin-Passw0rd!")),
    ]:
        answer = password_sign_in.sign_in(api, username, password)
        assert answer.status_code == 200, answer.text
        tokens[variant] = answer.json()["access_token"]
    return tokens


@pytest.fixture
def tokens(
    idp: Any, stand_in: server.LocalCognito, api: api_server.ApiServer, automation_client: str
) -> dict[str, str | None]:
    made = {**make_tokens(idp, stand_in), **password_flow_tokens(api)}
    for variant in PASSWORD_FLOW:
        claims = jwt.decode(made[variant] or "", options={"verify_signature": False})
        assert claims["client_id"] == automation_client  # not the desktop client's token
    desktop = jwt.decode(made["admin"] or "", options={"verify_signature": False})
    flow = jwt.decode(made["password-flow admin"] or "", options={"verify_signature": False})
    assert flow["cognito:groups"] == desktop["cognito:groups"] == ["Admin"]
    return made


def expire_access_tokens(tokens: dict[str, str | None], fake_clock: clock.FakeClock) -> None:
    """Move the shared clock past the admin access token's exp plus any leeway."""
    token = tokens["admin"]
    assert token is not None
    exp = jwt.decode(token, options={"verify_signature": False})["exp"]
    fake_clock.advance(exp - fake_clock() + 301)  # 300 s is the largest leeway allowed


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_authorization_matrix(
    route: Route,
    api: api_server.ApiServer,
    tokens: dict[str, str | None],
    fake_clock: clock.FakeClock,
) -> None:
    results: dict[str, requests.Response] = {}
    for variant in VARIANTS:
        if variant != "expired":
            results[variant] = call(api, route, tokens[variant])
    expire_access_tokens(tokens, fake_clock)
    results["expired"] = call(api, route, tokens["expired"])

    wrong = {v: why for v in VARIANTS if (why := mismatch(route, v, results[v])) is not None}
    assert not wrong, f"{route}:\n" + "\n".join(f"  {v:28} {why}" for v, why in wrong.items())

    # The password flow's tokens get exactly the desktop client's answers (a creation
    # asked twice is the one exception: the second finds what the first created).
    for variant, same_as in PASSWORD_FLOW.items():
        flow, desktop = results[variant], results[same_as]
        if (route.method, route.template) in CREATIONS and same_as == "admin":
            assert (desktop.status_code, flow.status_code) == (201, 409), flow.text
            continue
        assert (flow.status_code, flow.headers.get("WWW-Authenticate")) == (
            desktop.status_code,
            desktop.headers.get("WWW-Authenticate"),
        ), (variant, flow.text[:200], desktop.text[:200])
        if same_as == "non-admin" or route.method == "GET":
            assert _comparable(flow) == _comparable(desktop), variant

    # One generic answer for every invalid token: nothing says which check failed.
    bodies = {results[v].content for v in INVALID}
    assert len(bodies) == 1, bodies
    body = json.loads(bodies.pop())
    assert body["error"] == "invalid_token"
    for hint in ("expir", "signature", "kid", "issuer", "alg", "client", "audience", "token_use"):
        assert hint not in body["message"].lower()


def _comparable(response: requests.Response) -> Any:
    """A response's body without what differs between two callers of the same group: who
    they are (``/me``) and when they asked."""
    if response.headers.get("Content-Type", "").startswith("application/json"):
        body = response.json()
        if isinstance(body, dict):
            for personal in (
                "sub",
                "username",
                "client_id",
                "expires_at",
                "issued_at",
                "auth_time",
            ):
                body.pop(personal, None)
        return body
    return response.content


def served_routes(app: fastapi.FastAPI) -> Iterator[tuple[Any, Any]]:
    """``(route, original)`` for every route the app serves, included routers flattened."""
    # FastAPI >= 0.16x keeps included routers as nodes in app.routes; older
    # versions copy their routes into it.
    flatten = getattr(fastapi.routing, "iter_route_contexts", None)
    if flatten is None:
        yield from ((route, route) for route in app.routes)
    else:
        yield from ((ctx, ctx.original_route) for ctx in flatten(app.routes))


def test_the_matrix_covers_every_route_the_app_has(api: api_server.ApiServer) -> None:
    declared = {(r.method, r.template) for r in ROUTES}
    assert len(declared) == len(ROUTES), "a route is declared twice"
    actual: set[tuple[str, str]] = set()
    for route, original in served_routes(api.app):
        path = route.path
        assert isinstance(path, str), f"cannot classify {original!r}"
        if path in UNPROTECTED:
            continue
        if isinstance(original, routing.Mount | routing.WebSocketRoute):
            actual.add(("*", path))  # a mounted app or socket has no row: always a failure
            continue
        methods = route.methods or {"*"}
        actual |= {(m, path) for m in methods if m != "HEAD"}
    assert ("GET", "/me") in actual and ("GET", "/admin/groups") in actual  # walked them all
    assert actual >= SIGN_IN_ROUTES  # the API here has password sign-in on
    actual -= SIGN_IN_ROUTES
    assert actual == declared, (
        f"routes without a matrix row: {sorted(actual - declared)}; "
        f"rows without a route: {sorted(declared - actual)}"
    )


def test_the_invalid_token_body_is_the_same_on_every_route(
    api: api_server.ApiServer, tokens: dict[str, str | None]
) -> None:
    bodies = {call(api, route, tokens["other key, same kid"]).content for route in ROUTES}
    assert len(bodies) == 1, bodies


# -- how the token is presented -------------------------------------------------------


class CountingVerifier:
    """Wraps the app's verifier and counts the tokens it is asked to verify."""

    def __init__(self, wrapped: verifier.CognitoJwtVerifier) -> None:
        self._wrapped = wrapped
        self.calls = 0
        self._lock = threading.Lock()

    def verify(self, token: str) -> dict[str, Any]:
        with self._lock:
            self.calls += 1
        return self._wrapped.verify(token)

    def ready_for(self, token: str) -> bool:
        return self._wrapped.ready_for(token)


@pytest.fixture
def counting(api: api_server.ApiServer) -> Iterator[CountingVerifier]:
    original = api.app.state.verifier
    spy = CountingVerifier(original)
    api.app.state.verifier = spy
    yield spy
    api.app.state.verifier = original


@pytest.mark.parametrize(
    "size",
    # Past the limit, and well past it (a far longer request head is refused before the
    # app, 431: protected_api.request_limits).
    [auth.MAX_AUTHORIZATION_BYTES + 1, auth.MAX_AUTHORIZATION_BYTES + 16 * 1024],
    ids=lambda n: f"{n}-bytes",
)
def test_an_oversized_authorization_header_is_refused_before_any_crypto(
    api: api_server.ApiServer,
    tokens: dict[str, str | None],
    counting: CountingVerifier,
    size: int,
) -> None:
    header = "Bearer " + "A" * (size - len("Bearer "))
    assert len(header) == size
    response = requests.get(f"{api.url}/me", headers={"Authorization": header}, timeout=TIMEOUT)
    assert response.status_code == 400
    assert counting.calls == 0
    # The spy does see a normal request, so the zero above means something.
    ok = requests.get(
        f"{api.url}/me", headers={"Authorization": f"Bearer {tokens['admin']}"}, timeout=TIMEOUT
    )
    assert ok.status_code == 200
    assert counting.calls == 1


def test_the_app_answers_a_large_header_with_invalid_request(
    api: api_server.ApiServer, counting: CountingVerifier
) -> None:
    header = "Bearer " + "A" * auth.MAX_AUTHORIZATION_BYTES
    response = requests.get(f"{api.url}/me", headers={"Authorization": header}, timeout=TIMEOUT)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert 'error="invalid_request"' in response.headers["WWW-Authenticate"]
    assert counting.calls == 0


@pytest.mark.parametrize("route", [ROUTES[0], ROUTES[2]], ids=str)
def test_a_token_in_the_query_string_is_not_accepted(
    api: api_server.ApiServer,
    tokens: dict[str, str | None],
    counting: CountingVerifier,
    route: Route,
) -> None:
    response = requests.get(
        f"{api.url}{route.path}", params={"access_token": tokens["admin"]}, timeout=TIMEOUT
    )
    assert response.status_code in (400, 401), response.text
    assert response.headers["WWW-Authenticate"].startswith("Bearer ")
    assert counting.calls == 0


@pytest.mark.parametrize(
    "route",
    [ROUTES[0], next(r for r in ROUTES if r.template.endswith("/sign-out"))],
    ids=str,
)
def test_a_token_in_a_form_body_is_not_accepted(
    api: api_server.ApiServer,
    tokens: dict[str, str | None],
    counting: CountingVerifier,
    route: Route,
) -> None:
    response = requests.request(
        route.method,
        f"{api.url}{route.path}",
        data={"access_token": tokens["admin"]},
        timeout=TIMEOUT,
    )
    assert response.status_code == 401, response.text
    assert response.headers["WWW-Authenticate"] == f'Bearer realm="{auth.REALM}"'
    assert counting.calls == 0


# -- REQUIRE_ADMIN_MFA ----------------------------------------------------------------


@pytest.fixture
def strict_api(
    api: api_server.ApiServer, api_settings: api_settings_mod.Settings
) -> Iterator[api_server.ApiServer]:
    """The same API with ``REQUIRE_ADMIN_MFA`` on, on the same pool and verifier."""
    config = dataclasses.replace(api_settings, require_admin_mfa=True)
    app = api_app.create_app(config, token_verifier=api.app.state.verifier)
    with api_server.ApiServer(app) as running:
        yield running


def test_with_require_admin_mfa_every_admin_route_wants_totp(
    strict_api: api_server.ApiServer,
    tokens: dict[str, str | None],
    stand_in: server.LocalCognito,
) -> None:
    admin_routes = [route for route in ROUTES if route.admin]
    wrong: dict[str, str] = {}
    for route in admin_routes:
        response = call(strict_api, route, tokens["admin"])
        code = response.json().get("error") if response.status_code == 403 else None
        if code != "mfa_required":
            wrong[str(route)] = f"{response.status_code} {response.text[:120]}"
        # Outside the admin group it stays the RFC 6750 answer: MFA is not the issue.
        outsider = call(strict_api, route, tokens["non-admin"])
        if 'error="insufficient_scope"' not in outsider.headers.get("WWW-Authenticate", ""):
            wrong[f"{route} (non-admin)"] = str(outsider.status_code)
    assert not wrong, wrong

    user = stand_in.pool.pool.users["admin"]  # an authenticator app, as AdminGetUser says
    user.token_verified = user.software_token_mfa_enabled = True
    for route in admin_routes:
        response = call(strict_api, route, tokens["admin"])
        assert response.status_code not in (401, 403) and response.status_code < 500, (
            str(route),
            response.text[:200],
        )
