"""boto3 against the stand-in, unchanged but for ``endpoint_url`` (as the API uses it)."""

from __future__ import annotations

from typing import Any

import botocore.exceptions
import jwt
import pytest
import requests

from local_cognito import seed, server
from tests.support import clock
from tests.support.relying_party import Verifier, refresh
from tests.support.scripted_browser import AuthRequest, ScriptedBrowser

pytestmark = pytest.mark.integration
TIMEOUT = 10


def error_code(excinfo: pytest.ExceptionInfo[botocore.exceptions.ClientError]) -> str:
    return str(excinfo.value.response["Error"]["Code"])


def outbox(stand_in: server.LocalCognito) -> list[dict[str, Any]]:
    response = requests.get(f"{stand_in.url}/outbox.json", timeout=TIMEOUT)
    assert response.status_code == 200
    return list(response.json())


@pytest.fixture
def verifier(stand_in: server.LocalCognito, fake_clock: clock.FakeClock) -> Verifier:
    info = stand_in.info()
    return Verifier(info["discovery_url"], info["issuer"], stand_in.pool.client_id, fake_clock)


def admin_sign_in(
    idp: Any, stand_in: server.LocalCognito, username: str, password: str, flow: str = ""
) -> dict[str, Any]:
    """AdminInitiateAuth with a username and password; the AuthenticationResult."""
    result = idp.admin_initiate_auth(
        UserPoolId=stand_in.pool.id,
        ClientId=stand_in.pool.client_id,
        AuthFlow=flow or "ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )
    return dict(result["AuthenticationResult"])


def test_list_users_pages_of_at_most_60(idp: Any, stand_in: server.LocalCognito) -> None:
    seed.seed_synthetic(stand_in.pool, 130)
    names: list[str] = []
    kwargs: dict[str, Any] = {"UserPoolId": stand_in.pool.id, "Limit": 60}
    pages = 0
    while True:
        page = idp.list_users(**kwargs)
        pages += 1
        assert len(page["Users"]) <= 60
        names += [u["Username"] for u in page["Users"]]
        if "PaginationToken" not in page:
            break
        kwargs["PaginationToken"] = page["PaginationToken"]
    assert pages == 3
    assert len(names) == len(set(names)) == 130 + len(seed.DEMO_USERS)
    found = idp.list_users(UserPoolId=stand_in.pool.id, Filter='email ^= "user0012"')
    assert sorted(u["Username"] for u in found["Users"]) == [
        f"user{i:05d}" for i in range(120, 130)
    ]


def test_admin_get_user_and_groups(idp: Any, stand_in: server.LocalCognito) -> None:
    pool_id = stand_in.pool.id
    user = idp.admin_get_user(UserPoolId=pool_id, Username="admin")
    assert user["UserStatus"] == "CONFIRMED" and user["Enabled"] is True
    groups = idp.admin_list_groups_for_user(UserPoolId=pool_id, Username="admin")["Groups"]
    assert [g["GroupName"] for g in groups] == ["Admin"]
    assert idp.admin_get_user(UserPoolId=pool_id, Username="dora")["Enabled"] is False
    assert (
        idp.admin_get_user(UserPoolId=pool_id, Username="newbie")["UserStatus"]
        == "FORCE_CHANGE_PASSWORD"
    )
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        idp.admin_get_user(UserPoolId=pool_id, Username="nobody")
    assert error_code(excinfo) == "UserNotFoundException"


def test_admin_initiate_auth_tokens_share_the_managed_login_issuer_and_key(
    idp: Any, stand_in: server.LocalCognito, verifier: Verifier
) -> None:
    for flow in ("ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"):
        result = idp.admin_initiate_auth(
            UserPoolId=stand_in.pool.id,
            ClientId=stand_in.pool.client_id,
            AuthFlow=flow,
            AuthParameters={"USERNAME": "admin", "PASSWORD": "Admin-Passw0rd!"},
        )["AuthenticationResult"]
        access = verifier.access(result["AccessToken"])
        id_claims = verifier.id(result["IdToken"])
        assert jwt.get_unverified_header(result["AccessToken"])["kid"] == stand_in.pool.key.kid
        assert access["cognito:groups"] == ["Admin"]
        assert access["scope"] == "aws.cognito.signin.user.admin"
        assert id_claims["cognito:username"] == "admin"
        assert result["ExpiresIn"] == 3600


def test_admin_initiate_auth_refuses_disabled_and_wrong_password(
    idp: Any, stand_in: server.LocalCognito
) -> None:
    for username, password in (("dora", "Dora-Passw0rd!"), ("alice", "nope")):
        with pytest.raises(botocore.exceptions.ClientError) as excinfo:
            idp.admin_initiate_auth(
                UserPoolId=stand_in.pool.id,
                ClientId=stand_in.pool.client_id,
                AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": username, "PASSWORD": password},
            )
        assert error_code(excinfo) == "NotAuthorizedException"


def test_api_refresh_refused_for_disabled_user(idp: Any, stand_in: server.LocalCognito) -> None:
    pool_id, client_id = stand_in.pool.id, stand_in.pool.client_id
    tokens = idp.admin_initiate_auth(
        UserPoolId=pool_id,
        ClientId=client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "alice", "PASSWORD": "Alice-Passw0rd!"},
    )["AuthenticationResult"]
    refresh_params = {"REFRESH_TOKEN": tokens["RefreshToken"]}
    idp.admin_initiate_auth(
        UserPoolId=pool_id,
        ClientId=client_id,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters=refresh_params,
    )
    idp.admin_disable_user(UserPoolId=pool_id, Username="alice")
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        idp.admin_initiate_auth(
            UserPoolId=pool_id,
            ClientId=client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters=refresh_params,
        )
    assert error_code(excinfo) == "NotAuthorizedException"


def test_revoke_token_api_action(idp: Any, stand_in: server.LocalCognito) -> None:
    tokens = admin_sign_in(idp, stand_in, "alice", "Alice-Passw0rd!")
    idp.revoke_token(Token=tokens["RefreshToken"], ClientId=stand_in.pool.client_id)
    assert refresh(stand_in, tokens["RefreshToken"]).json() == {"error": "invalid_grant"}
    with pytest.raises(botocore.exceptions.ClientError):
        idp.get_user(AccessToken=tokens["AccessToken"])


def test_configured_token_lifetimes_are_honoured(
    idp: Any, stand_in: server.LocalCognito, verifier: Verifier
) -> None:
    idp.update_user_pool_client(
        UserPoolId=stand_in.pool.id,
        ClientId=stand_in.pool.client_id,
        AccessTokenValidity=5,
        IdTokenValidity=2,
        RefreshTokenValidity=60,
        TokenValidityUnits={
            "AccessToken": "minutes",
            "IdToken": "hours",
            "RefreshToken": "minutes",
        },
        CallbackURLs=list(stand_in.pool.settings.callback_urls),
        AllowedOAuthFlows=["code"],
        AllowedOAuthScopes=["openid"],
        AllowedOAuthFlowsUserPoolClient=True,
    )
    result = admin_sign_in(idp, stand_in, "alice", "Alice-Passw0rd!")
    access = verifier.access(result["AccessToken"])
    id_claims = verifier.id(result["IdToken"])
    assert access["exp"] - access["iat"] == 300
    assert id_claims["exp"] - id_claims["iat"] == 7200
    assert result["ExpiresIn"] == 300


def test_invitation_generates_a_temporary_password_and_emails_it(
    idp: Any, stand_in: server.LocalCognito, browser: ScriptedBrowser, auth_request: AuthRequest
) -> None:
    idp.admin_create_user(
        UserPoolId=stand_in.pool.id,
        Username="carol",
        UserAttributes=[
            {"Name": "email", "Value": "carol@example.com"},
            {"Name": "email_verified", "Value": "true"},
        ],
        DesiredDeliveryMediums=["EMAIL"],
    )
    mail = [m for m in outbox(stand_in) if m["to"] == "carol@example.com"]
    assert len(mail) == 1 and mail[0]["kind"] == "invitation"
    password = mail[0]["temporary_password"]
    assert password in mail[0]["body"] and "carol" in mail[0]["body"]
    assert len(password) >= 8
    page = browser.open(auth_request)
    assert not isinstance(page, str)
    result = browser.submit(page, username="carol", password=password)
    assert not isinstance(result, str) and result.form is not None
    assert "new_password" in result.form.inputs


def test_resend_keeps_the_user_and_sends_a_new_password(
    idp: Any, stand_in: server.LocalCognito
) -> None:
    pool_id = stand_in.pool.id
    created = idp.admin_create_user(
        UserPoolId=pool_id,
        Username="carol",
        UserAttributes=[{"Name": "email", "Value": "carol@example.com"}],
    )["User"]
    idp.admin_add_user_to_group(UserPoolId=pool_id, Username="carol", GroupName="Admin")
    idp.admin_create_user(UserPoolId=pool_id, Username="carol", MessageAction="RESEND")
    after = idp.admin_get_user(UserPoolId=pool_id, Username="carol")
    sub = {a["Name"]: a["Value"] for a in after["UserAttributes"]}["sub"]
    assert sub == {a["Name"]: a["Value"] for a in created["Attributes"]}["sub"]
    groups = idp.admin_list_groups_for_user(UserPoolId=pool_id, Username="carol")["Groups"]
    assert [g["GroupName"] for g in groups] == ["Admin"]
    passwords = [m["temporary_password"] for m in outbox(stand_in) if m["username"] == "carol"]
    assert len(passwords) == 2 and passwords[0] != passwords[1]


def test_resend_for_a_confirmed_user_is_refused(idp: Any, stand_in: server.LocalCognito) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        idp.admin_create_user(UserPoolId=stand_in.pool.id, Username="alice", MessageAction="RESEND")
    assert error_code(excinfo) == "UnsupportedUserStateException"


def test_suppressed_invitation_sends_nothing(idp: Any, stand_in: server.LocalCognito) -> None:
    before = len(outbox(stand_in))
    idp.admin_create_user(
        UserPoolId=stand_in.pool.id,
        Username="quiet",
        MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email", "Value": "quiet@example.com"}],
    )
    assert len(outbox(stand_in)) == before


def test_weak_temporary_password_is_refused(idp: Any, stand_in: server.LocalCognito) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        idp.admin_create_user(
            UserPoolId=stand_in.pool.id, Username="weak", TemporaryPassword="short"
        )
    assert error_code(excinfo) == "InvalidPasswordException"


def test_forgot_password_code_must_match(idp: Any, stand_in: server.LocalCognito) -> None:
    client_id = stand_in.pool.client_id
    idp.forgot_password(ClientId=client_id, Username="alice")
    code = [m for m in outbox(stand_in) if m["username"] == "alice"][-1]["code"]
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        idp.confirm_forgot_password(
            ClientId=client_id, Username="alice", ConfirmationCode=wrong, Password="New-Passw0rd!"
        )
    assert error_code(excinfo) == "CodeMismatchException"
    idp.confirm_forgot_password(
        ClientId=client_id, Username="alice", ConfirmationCode=code, Password="New-Passw0rd!"
    )
    idp.admin_initiate_auth(
        UserPoolId=stand_in.pool.id,
        ClientId=client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "alice", "PASSWORD": "New-Passw0rd!"},
    )


def test_outbox_page_lists_messages(stand_in: server.LocalCognito) -> None:
    response = requests.get(f"{stand_in.url}/outbox", timeout=TIMEOUT)
    assert response.status_code == 200
    assert "newbie@example.com" in response.text  # the seeded invitation


def test_sign_in_works_after_boto3_registers_a_new_callback(
    idp: Any, stand_in: server.LocalCognito, browser: ScriptedBrowser
) -> None:
    client = idp.create_user_pool_client(
        UserPoolId=stand_in.pool.id,
        ClientName="second",
        CallbackURLs=["http://127.0.0.1:40000/cb"],
        AllowedOAuthFlows=["code"],
        AllowedOAuthScopes=["openid"],
        AllowedOAuthFlowsUserPoolClient=True,
    )["UserPoolClient"]
    request = AuthRequest(client["ClientId"], "http://127.0.0.1:40000/cb", scope="openid")
    url = browser.sign_in(request, "alice", "Alice-Passw0rd!")
    assert url.startswith("http://127.0.0.1:40000/cb?code=")


def test_api_refresh_must_name_the_issuing_client(idp: Any, stand_in: server.LocalCognito) -> None:
    other = idp.create_user_pool_client(UserPoolId=stand_in.pool.id, ClientName="other")[
        "UserPoolClient"
    ]["ClientId"]
    tokens = admin_sign_in(idp, stand_in, "alice", "Alice-Passw0rd!")
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        idp.admin_initiate_auth(
            UserPoolId=stand_in.pool.id,
            ClientId=other,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]},
        )
    assert error_code(excinfo) == "NotAuthorizedException"


def test_forgot_password_refused_for_invited_user(idp: Any, stand_in: server.LocalCognito) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        idp.forgot_password(ClientId=stand_in.pool.client_id, Username="newbie")
    assert error_code(excinfo) == "NotAuthorizedException"


def test_resend_checks_a_given_temporary_password(idp: Any, stand_in: server.LocalCognito) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        idp.admin_create_user(
            UserPoolId=stand_in.pool.id,
            Username="newbie",
            MessageAction="RESEND",
            TemporaryPassword="weak",
        )
    assert error_code(excinfo) == "InvalidPasswordException"
