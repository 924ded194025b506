"""Property-based fuzzing of the live API from its own OpenAPI schema: never a 5xx.

Every operation in ``app.openapi()`` gets requests built by hypothesis from its
parameters and body schema: values that fit the schema, values that do not
(unicode, control characters, huge strings and numbers, wrong types), and raw
bodies that are not JSON at all. They go over real HTTP to the API in front of
the stand-in, once with an admin's access token (so they reach Cognito) and once
with no token (so they must all stop at authentication).
"""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from local_cognito import server
from protected_api import app as api_app
from protected_api import server as api_server
from protected_api import settings as api_settings_mod
from tests.integration.conftest import admin_tokens

pytestmark = pytest.mark.integration
TIMEOUT = 10

FUZZ = settings(
    max_examples=60,
    deadline=None,
    database=None,  # no .hypothesis/ directory in the work tree
    # The API and the stand-in are function-scoped fixtures shared by all the
    # examples of one test on purpose: starting them per example would take
    # minutes, and "never a 5xx" must hold in whatever state earlier examples
    # left the pool in.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _schema() -> dict[str, Any]:
    """The app's OpenAPI document, read at collection to parametrize the tests.

    Built with placeholder settings and a placeholder admin adapter, which does
    no I/O; :func:`test_the_fuzzed_schema_is_the_served_one` checks that the
    live app serves the same paths.
    """
    config = api_settings_mod.Settings.from_env(
        {"COGNITO_USER_POOL_ID": "eu-west-1_Schema", "COGNITO_CLIENT_IDS": "schema"}
    )
    placeholder: Any = object()
    schema: dict[str, Any] = api_app.create_app(config, admin_client=placeholder).openapi()
    return schema


SCHEMA = _schema()
SCHEMA_OPERATIONS = [
    (method.upper(), path, operation)
    for path, operations in SCHEMA["paths"].items()
    for method, operation in operations.items()
]
OPERATION_IDS = [f"{method} {path}" for method, path, _ in SCHEMA_OPERATIONS]


# -- strategies -----------------------------------------------------------------------

huge_text = st.integers(min_value=1_000, max_value=20_000).map(lambda n: "\U0001f600x" * n)
odd_text = st.sampled_from(
    ["", " ", "\x00", "\n", "..", "%2F", "a/b", '"', "\\", "*", "' OR 1=1 --", "${jndi:x}"]
)
# In a URL: long, but under the 16 KiB request line h11 accepts (uvicorn resets
# the connection beyond it, before the app sees anything).
url_scalar = st.one_of(
    st.text(max_size=300),
    odd_text,
    st.integers(min_value=1_000, max_value=5_000).map(lambda n: "x" * n),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
)
# In a JSON body: anything, huge included.
wild_scalar = st.one_of(url_scalar, huge_text)
wild_json = st.recursive(
    wild_scalar,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=20), inner),
    max_leaves=20,
)


def fitting(schema: dict[str, Any], components: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values that satisfy ``schema`` as far as JSON Schema says (formats aside)."""
    if "$ref" in schema:
        return fitting(components[schema["$ref"].rsplit("/", 1)[-1]], components)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return st.one_of([fitting(option, components) for option in schema[key]])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type")
    if kind == "string":
        return st.text(
            min_size=schema.get("minLength", 0), max_size=min(schema.get("maxLength", 300), 300)
        )
    if kind == "integer":
        return st.integers(schema.get("minimum"), schema.get("maximum"))
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    if kind == "array":
        return st.lists(
            fitting(schema.get("items", {}), components),
            max_size=min(schema.get("maxItems", 5), 5),
        )
    if kind == "object":
        properties = schema.get("properties", {})
        required = set(schema.get("required", []))
        return st.fixed_dictionaries(
            {name: fitting(properties[name], components) for name in required},
            optional={
                name: fitting(sub, components)
                for name, sub in properties.items()
                if name not in required
            },
        )
    return wild_json


def value_for(schema: dict[str, Any], components: dict[str, Any]) -> st.SearchStrategy[Any]:
    return st.one_of(fitting(schema, components), url_scalar)


def raw_json_bodies() -> st.SearchStrategy[bytes]:
    """Bodies no JSON encoder would write."""
    return st.one_of(
        st.binary(max_size=200),
        st.sampled_from(
            [
                b"",
                b"{",
                b"null",
                b"[]",
                b'{"username": NaN}',
                b'{"username": "a", "username": "b", "email": "a@b.co"}',
                b"1" + b"0" * 5000,  # beyond Python's int parsing limit
                b"[" * 5000 + b"]" * 5000,  # deeper than the recursion limit
                b'"\\ud800"',  # a lone surrogate
            ]
        ),
    )


@st.composite
def requests_for(draw: st.DrawFn, operation: dict[str, Any], path: str) -> dict[str, Any]:
    """Keyword arguments for :func:`requests.request` (minus method and URL)."""
    components = SCHEMA["components"]["schemas"]
    query: dict[str, Any] = {}
    for parameter in operation.get("parameters", []):
        value = draw(value_for(parameter["schema"], components))
        if parameter["in"] == "path":
            # Quoted so a value stays one segment (and never names another user
            # by accident), but anything else goes.
            text = "x" if value is None or value == "" else str(value)
            path = path.replace("{" + parameter["name"] + "}", urllib.parse.quote(text, safe=""))
        elif parameter["in"] == "query" and (parameter.get("required") or draw(st.booleans())):
            query[parameter["name"]] = "" if value is None else value
    if draw(st.booleans()):  # parameters the schema does not know
        query.update(draw(st.dictionaries(st.text(min_size=1, max_size=10), st.text(max_size=20))))

    body: bytes | None = None
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        document = st.one_of(fitting(content["application/json"]["schema"], components), wild_json)
        body = draw(st.one_of(document.map(lambda v: json.dumps(v).encode()), raw_json_bodies()))
    elif draw(st.integers(0, 4)) == 0:
        body = draw(st.one_of(raw_json_bodies(), wild_json.map(lambda v: json.dumps(v).encode())))
    content_type = draw(
        st.sampled_from(["application/json", "application/json; charset=utf-8", "text/plain"])
    )
    return {
        "path": path,
        "params": query,
        "data": body,
        "headers": {"Content-Type": content_type} if body is not None else {},
    }


# -- the properties -------------------------------------------------------------------


def send(api: api_server.ApiServer, method: str, token: str | None, call: dict[str, Any]) -> Any:
    headers = dict(call["headers"])
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return requests.request(
        method,
        f"{api.url}{call['path']}",
        params=call["params"],
        data=call["data"],
        headers=headers,
        timeout=TIMEOUT,
        allow_redirects=False,
    )


def assert_no_server_error(response: requests.Response, call: dict[str, Any]) -> None:
    assert response.status_code < 500, (
        f"{response.request.method} {response.request.url} body={call['data']!r:.300} -> "
        f"{response.status_code} {response.text[:300]!r}"
    )
    assert "Traceback" not in response.text
    if response.headers.get("Content-Type", "").startswith("application/json"):
        json.loads(response.content, parse_constant=_not_json)  # strict JSON: no NaN


def _not_json(constant: str) -> Any:
    raise AssertionError(f"the response is not JSON: it holds {constant}")


@pytest.fixture
def admin_access_token(idp: Any, stand_in: server.LocalCognito) -> str:
    return str(admin_tokens(idp, stand_in, "admin", "Admin-Passw0rd!")["AccessToken"])


@pytest.mark.parametrize(("method", "path", "operation"), SCHEMA_OPERATIONS, ids=OPERATION_IDS)
def test_an_admin_never_gets_a_server_error(
    api: api_server.ApiServer,
    admin_access_token: str,
    method: str,
    path: str,
    operation: dict[str, Any],
) -> None:
    @FUZZ
    @given(call=requests_for(operation, path))
    def check(call: dict[str, Any]) -> None:
        assert_no_server_error(send(api, method, admin_access_token, call), call)

    check()


@pytest.mark.parametrize(("method", "path", "operation"), SCHEMA_OPERATIONS, ids=OPERATION_IDS)
def test_without_a_token_nothing_gets_past_authentication(
    api: api_server.ApiServer, method: str, path: str, operation: dict[str, Any]
) -> None:
    @settings(FUZZ, max_examples=30)
    @given(call=requests_for(operation, path))
    def check(call: dict[str, Any]) -> None:
        response = send(api, method, None, call)
        assert_no_server_error(response, call)
        if path == "/healthz":
            return
        if 300 <= response.status_code < 400:
            # Starlette's trailing-slash redirect: only ever to this same API.
            assert response.headers["Location"].startswith(f"{api.url}/")
        else:
            # Never a success; a body FastAPI cannot parse may be refused before
            # authentication (400/422), which reveals nothing.
            assert response.status_code >= 400, response.text[:300]

    check()


def test_the_fuzzed_schema_is_the_served_one(api: api_server.ApiServer) -> None:
    served = requests.get(f"{api.url}/openapi.json", timeout=TIMEOUT).json()
    assert served["paths"] == SCHEMA["paths"]
    assert len(SCHEMA_OPERATIONS) >= 15


PATHOLOGICAL_BODIES = [
    b"1" + b"0" * 5000,  # beyond Python's int parsing limit
    b"[" * 5000 + b"]" * 5000,  # deeper than the recursion limit
    b'{"username": "' + b"x" * 1_000_000 + b'", "email": "a@b.co"}',
    b'{"username": "\\ud800", "email": "a@b.co"}',  # a lone surrogate: not UTF-8 encodable
    b'{"username": NaN, "email": "a@b.co"}',  # Python's json accepts NaN; JSON does not
    b"\x80",  # not UTF-8
]


@pytest.mark.parametrize("with_token", [True, False], ids=["admin", "no-token"])
def test_pathological_json_bodies_are_client_errors(
    api: api_server.ApiServer, admin_access_token: str, with_token: bool
) -> None:
    """Always tried, whatever hypothesis draws: the bodies most likely to crash a parser."""
    for body in PATHOLOGICAL_BODIES:
        for content_type in ("application/json", "text/plain"):
            call = {"path": "/admin/users", "params": {}, "data": body}
            call["headers"] = {"Content-Type": content_type}
            response = send(api, "POST", admin_access_token if with_token else None, call)
            assert_no_server_error(response, call)
            assert response.status_code >= 400
