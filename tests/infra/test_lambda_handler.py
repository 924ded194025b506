"""protected_api.lambda_handler.handler, called as Lambda calls it, against cognito-local.

Each test sets the function's environment (the template's variables, pointed at
the stand-in), clears the handler's per-environment app (a cold start), builds
the API Gateway HTTP API event for a request and calls ``handler(event, context)``
in-process. Tokens come from the stand-in: managed login's code flow for the
plain user, AdminInitiateAuth for the admin.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from local_cognito import seed, server
from local_cognito import settings as local_settings
from protected_api import audit, lambda_handler
from protected_api import settings as api_settings
from tests.infra.apigw import LambdaContext, http_api_event
from tests.infra.conftest import access_token
from tests.support.relying_party import sign_in
from tests.support.scripted_browser import AuthRequest, ScriptedBrowser

pytestmark = pytest.mark.integration

ADMIN = next(u for u in seed.DEMO_USERS if local_settings.ADMIN_GROUP in u.groups)
PLAIN = next(u for u in seed.DEMO_USERS if not u.groups and u.status == "CONFIRMED" and u.enabled)
_OPTIONAL = ("COGNITO_ISSUER", "COGNITO_REGION", "ADMIN_GROUP", "JWT_LEEWAY_SECONDS")


def cold_start() -> None:
    """Forget the app this process built, as a new execution environment would not have it."""
    lambda_handler._environment_handler.cache_clear()


@pytest.fixture
def function_env(
    api_environment: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, str]]:
    for name in _OPTIONAL:
        monkeypatch.delenv(name, raising=False)
    for name, value in api_environment.items():
        monkeypatch.setenv(name, value)
    cold_start()
    yield api_environment
    cold_start()


def invoke(event: dict[str, Any]) -> dict[str, Any]:
    response = lambda_handler.handler(event, LambdaContext())
    # What API Gateway needs back from a payload-2.0 integration.
    assert isinstance(response["statusCode"], int)
    assert isinstance(response["headers"], dict)
    assert isinstance(response["body"], str)
    assert response["isBase64Encoded"] is False
    return response


def body(response: dict[str, Any]) -> Any:
    assert response["headers"]["content-type"].startswith("application/json")
    return json.loads(response["body"])


@pytest.fixture
def admin_token(cognito_local: server.LocalCognito) -> str:
    return access_token(cognito_local, ADMIN.username, ADMIN.password)


@pytest.fixture
def user_token(cognito_local: server.LocalCognito) -> str:
    """A plain user's access token from managed login, as the desktop app gets it."""
    request = AuthRequest(cognito_local.pool.client_id, local_settings.callback_urls()[0])
    browser = ScriptedBrowser(cognito_local.url)
    tokens = sign_in(cognito_local, browser, request, PLAIN.username, PLAIN.password)
    return str(tokens["access_token"])


@pytest.mark.usefixtures("function_env")
def test_get_me_with_a_managed_login_token(
    user_token: str, cognito_local: server.LocalCognito
) -> None:
    response = invoke(http_api_event("GET", "/me", token=user_token))
    assert response["statusCode"] == 200, response["body"]
    me = body(response)
    assert me["username"] == PLAIN.username
    assert me["client_id"] == cognito_local.pool.client_id
    assert me["is_admin"] is False
    assert me["groups"] == []
    assert response["headers"]["x-request-id"]


@pytest.mark.usefixtures("function_env")
def test_get_me_as_admin_says_so(admin_token: str) -> None:
    response = invoke(http_api_event("GET", "/me", token=admin_token))
    assert response["statusCode"] == 200, response["body"]
    assert body(response)["is_admin"] is True
    assert body(response)["groups"] == [local_settings.ADMIN_GROUP]


@pytest.mark.usefixtures("function_env")
def test_no_token_is_401_with_a_bearer_challenge() -> None:
    response = invoke(http_api_event("GET", "/me"))
    assert response["statusCode"] == 401
    assert response["headers"]["www-authenticate"].startswith("Bearer")


@pytest.mark.usefixtures("function_env")
def test_a_forged_token_is_401(user_token: str) -> None:
    header, payload, signature = user_token.split(".")
    forged = ".".join(
        (header, payload, signature[:-4] + ("AAAA" if signature[-4:] != "AAAA" else "BBBB"))
    )
    response = invoke(http_api_event("GET", "/me", token=forged))
    assert response["statusCode"] == 401


@pytest.mark.usefixtures("function_env")
def test_admin_lists_users_and_the_action_is_audited(
    admin_token: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger=audit.LOGGER_NAME):
        response = invoke(
            http_api_event("GET", "/admin/users", token=admin_token, query="limit=60")
        )
    assert response["statusCode"] == 200, response["body"]
    listed = {u["username"] for u in body(response)["users"]}
    assert {u.username for u in seed.DEMO_USERS} <= listed
    assert response["headers"]["cache-control"] == "no-store"
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == audit.LOGGER_NAME]
    assert [(a["action"], a["actor_username"], a["result"]) for a in lines] == [
        ("list_users", ADMIN.username, "ok")
    ]
    assert admin_token not in caplog.text


@pytest.mark.usefixtures("function_env")
def test_search_query_string_reaches_the_route(admin_token: str) -> None:
    query = f"attribute=email&match=exact&value={PLAIN.email.replace('@', '%40')}"
    response = invoke(http_api_event("GET", "/admin/users", token=admin_token, query=query))
    assert response["statusCode"] == 200, response["body"]
    assert [u["username"] for u in body(response)["users"]] == [PLAIN.username]


@pytest.mark.usefixtures("function_env")
def test_a_non_admin_is_403_on_admin_routes(user_token: str) -> None:
    response = invoke(http_api_event("GET", "/admin/users", token=user_token))
    assert response["statusCode"] == 403, response["body"]
    assert body(response)["error"] == "insufficient_scope"


@pytest.mark.usefixtures("function_env")
def test_a_user_invited_in_one_environment_is_seen_by_a_fresh_one(
    admin_token: str, cognito_local: server.LocalCognito
) -> None:
    new = {"username": "lambda-invitee", "email": "lambda-invitee@example.com", "groups": []}
    created = invoke(http_api_event("POST", "/admin/users", token=admin_token, body=new))
    assert created["statusCode"] == 201, created["body"]
    assert body(created)["status"] == "FORCE_CHANGE_PASSWORD"
    # Nothing of that request stays in the function: all state is in the user pool.
    assert "lambda-invitee" in cognito_local.pool.pool.users
    cold_start()
    fetched = invoke(http_api_event("GET", "/admin/users/lambda-invitee", token=admin_token))
    assert fetched["statusCode"] == 200, fetched["body"]
    assert body(fetched)["email"] == new["email"]


def test_cold_start_reads_the_environment(
    function_env: dict[str, str],
    user_token: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert invoke(http_api_event("GET", "/me", token=user_token))["statusCode"] == 200
    # A new environment with another accepted client refuses this client's token...
    monkeypatch.setenv("COGNITO_CLIENT_IDS", "someotherappclientid00000")
    assert invoke(http_api_event("GET", "/me", token=user_token))["statusCode"] == 200
    cold_start()
    assert invoke(http_api_event("GET", "/me", token=user_token))["statusCode"] == 401
    # ...and one without a pool says which variable is missing, in the log too.
    monkeypatch.delenv("COGNITO_USER_POOL_ID")
    cold_start()
    with (
        caplog.at_level(logging.ERROR, logger=lambda_handler.__name__),
        pytest.raises(api_settings.SettingsError, match="COGNITO_USER_POOL_ID"),
    ):
        lambda_handler.handler(http_api_event("GET", "/me"), LambdaContext())
    assert "COGNITO_USER_POOL_ID" in caplog.text
