"""Web pages against a running stand-in's cognito-idp API, over real HTTP.

Threat: a page the developer visits while ``cognito-local up`` runs calls the admin API
(``AdminAddUserToGroup`` to make alice an admin). On AWS those calls need an IAM
signature no page has; moto checks none and reflects any ``Origin`` in CORS headers. So
the stand-in refuses API requests that carry a foreign ``Origin``, CORS preflights,
"simple" POSTs without ``X-Amz-Target``, and a ``Host`` that is not its loopback
address (DNS rebinding), with a 403 in AWS's error shape. boto3 keeps working, and so
do managed login and the OAuth endpoints in a browser.
"""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

import pytest
import requests

from local_cognito import seed, server
from tests.support.scripted_browser import AuthRequest, ScriptedBrowser, callback_params

pytestmark = pytest.mark.integration
TIMEOUT = 10
EVIL = "http://evil.example"
TARGET = "AWSCognitoIdentityProviderService.AdminAddUserToGroup"


def make_alice_admin(stand_in: server.LocalCognito) -> dict[str, str]:
    return {"UserPoolId": stand_in.pool.id, "Username": "alice", "GroupName": "Admin"}


def api_post(
    stand_in: server.LocalCognito, body: str, headers: dict[str, str]
) -> requests.Response:
    return requests.post(f"{stand_in.url}/", data=body, headers=headers, timeout=TIMEOUT)


def alice_groups(idp: Any, stand_in: server.LocalCognito) -> list[str]:
    listed = idp.admin_list_groups_for_user(UserPoolId=stand_in.pool.id, Username="alice")
    return [group["GroupName"] for group in listed["Groups"]]


def assert_refused(response: requests.Response) -> None:
    assert response.status_code == 403, response.text
    assert response.headers["Content-Type"] == "application/x-amz-json-1.1"
    assert response.json()["__type"] == "AccessDeniedException"
    assert not [h for h in response.headers if h.lower().startswith("access-control-")]


def test_boto3_keeps_working_over_http(idp: Any, stand_in: server.LocalCognito) -> None:
    idp.admin_add_user_to_group(**make_alice_admin(stand_in))
    assert alice_groups(idp, stand_in) == ["Admin"]
    assert len(idp.list_users(UserPoolId=stand_in.pool.id, Limit=60)["Users"]) == len(
        seed.DEMO_USERS
    )


def test_a_cross_origin_fetch_is_refused_without_cors_headers(
    idp: Any, stand_in: server.LocalCognito
) -> None:
    response = api_post(
        stand_in,
        json.dumps(make_alice_admin(stand_in)),
        {
            "Origin": EVIL,
            "X-Amz-Target": TARGET,
            "Content-Type": "application/x-amz-json-1.1",
        },
    )
    assert_refused(response)
    assert alice_groups(idp, stand_in) == []


@pytest.mark.parametrize("origin", [EVIL, None], ids=["with-origin", "without-origin"])
def test_a_simple_form_post_is_refused(
    idp: Any, stand_in: server.LocalCognito, origin: str | None
) -> None:
    # No preflight for text/plain or a form: moto would run the Action in the body.
    body = urllib.parse.urlencode({"Action": "AdminAddUserToGroup", **make_alice_admin(stand_in)})
    headers = {"Content-Type": "text/plain"} | ({"Origin": origin} if origin else {})
    assert_refused(api_post(stand_in, body, headers))
    assert alice_groups(idp, stand_in) == []


def test_a_cors_preflight_is_refused(stand_in: server.LocalCognito) -> None:
    response = requests.options(
        f"{stand_in.url}/",
        headers={
            "Origin": EVIL,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-amz-target",
        },
        timeout=TIMEOUT,
    )
    assert_refused(response)


def test_dns_rebinding_is_refused(idp: Any, stand_in: server.LocalCognito) -> None:
    # The page is same-origin with evil.example, now resolving to 127.0.0.1: no Origin
    # check helps, but the browser sends the attacker's name as Host.
    port = urllib.parse.urlsplit(stand_in.url).port
    response = api_post(
        stand_in,
        json.dumps(make_alice_admin(stand_in)),
        {
            "Host": f"evil.example:{port}",
            "X-Amz-Target": TARGET,
            "Content-Type": "application/x-amz-json-1.1",
        },
    )
    assert_refused(response)
    assert alice_groups(idp, stand_in) == []


def test_the_stand_ins_own_origin_may_call_it_without_cors_headers(
    stand_in: server.LocalCognito,
) -> None:
    response = api_post(
        stand_in,
        json.dumps({"UserPoolId": stand_in.pool.id, "Limit": 60}),
        {
            "Origin": stand_in.url,
            "X-Amz-Target": "AWSCognitoIdentityProviderService.ListUsers",
            "Content-Type": "application/x-amz-json-1.1",
        },
    )
    assert response.status_code == 200, response.text
    assert not [h for h in response.headers if h.lower().startswith("access-control-")]


def test_managed_login_and_the_token_endpoint_still_work_from_a_browser(
    stand_in: server.LocalCognito,
) -> None:
    redirect_uri = stand_in.pool.settings.callback_urls[0]
    browser = ScriptedBrowser(stand_in.url)
    browser.http.headers["Origin"] = stand_in.url  # a browser's form POST names its origin
    request = AuthRequest(stand_in.pool.client_id, redirect_uri)
    code = callback_params(browser.sign_in(request, "alice", "Alice-Passw0rd!"))["code"]
    # A single-page app exchanges the code from its own origin.
    response = requests.post(
        f"{stand_in.url}/oauth2/token",
        data={
            "grant_type": "authorization_code",
            "client_id": stand_in.pool.client_id,
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": request.verifier,
        },
        headers={"Origin": "http://spa.example"},
        timeout=TIMEOUT,
    )
    assert response.status_code == 200, response.text
