"""The password flows (AdminInitiateAuth ADMIN_USER_PASSWORD_AUTH / ADMIN_NO_SRP_AUTH,
InitiateAuth USER_PASSWORD_AUTH, REFRESH_TOKEN_AUTH) through boto3 over real HTTP, with
Cognito's answers: ExplicitAuthFlows, PreventUserExistenceErrors, RESET_REQUIRED, disabled
users, the temporary lockout (shared with managed login), refresh-token rotation,
SECRET_HASH, and the automation app client the protected API signs people in on."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from typing import Any

import botocore.exceptions
import jwt
import pytest

from local_cognito import lifecycle, seed, server, settings, totp
from tests.support import clock
from tests.support.scripted_browser import AuthRequest, Page, ScriptedBrowser

pytestmark = pytest.mark.integration

RIGHT = "Alice-Passw0rd!"
WRONG = "Wrong-Passw0rd!"
BAD = ("NotAuthorizedException", lifecycle.BAD_CREDENTIALS)
EXCEEDED = ("NotAuthorizedException", lifecycle.PASSWORD_ATTEMPTS_EXCEEDED)
NOT_ENABLED = ("InvalidParameterException", lifecycle.AUTH_FLOW_NOT_ENABLED)


def refused(call: Callable[..., Any], **kwargs: Any) -> tuple[str, str]:
    """The (``__type``, message) a call is refused with."""
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        call(**kwargs)
    error = excinfo.value.response["Error"]
    return str(error["Code"]), str(error.get("Message", ""))


def admin_auth(
    idp: Any,
    stand_in: server.LocalCognito,
    client_id: str,
    username: str = "alice",
    password: str = RIGHT,
    flow: str = "ADMIN_USER_PASSWORD_AUTH",
    **extra: str,
) -> dict[str, Any]:
    return dict(
        idp.admin_initiate_auth(
            UserPoolId=stand_in.pool.id,
            ClientId=client_id,
            AuthFlow=flow,
            AuthParameters={"USERNAME": username, "PASSWORD": password, **extra},
        )
    )


def user_auth(
    idp: Any, client_id: str, username: str = "alice", password: str = RIGHT
) -> dict[str, Any]:
    return dict(
        idp.initiate_auth(
            ClientId=client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": password},
        )
    )


def admin_refused(
    idp: Any,
    stand_in: server.LocalCognito,
    client_id: str,
    username: str = "alice",
    password: str = RIGHT,
    flow: str = "ADMIN_USER_PASSWORD_AUTH",
    **extra: str,
) -> tuple[str, str]:
    """The (``__type``, message) AdminInitiateAuth with a password is refused with."""
    return refused(
        admin_auth,
        idp=idp,
        stand_in=stand_in,
        client_id=client_id,
        username=username,
        password=password,
        flow=flow,
        **extra,
    )


def refresh(idp: Any, stand_in: server.LocalCognito, client_id: str, token: str) -> Any:
    return idp.admin_initiate_auth(
        UserPoolId=stand_in.pool.id,
        ClientId=client_id,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": token},
    )


def new_client(idp: Any, stand_in: server.LocalCognito, **config: Any) -> dict[str, Any]:
    return dict(
        idp.create_user_pool_client(UserPoolId=stand_in.pool.id, ClientName="test", **config)[
            "UserPoolClient"
        ]
    )


# -- the automation client ---------------------------------------------------------------------


def test_the_automation_client_signs_in_with_the_admin_flow_and_refreshes(
    idp: Any, stand_in: server.LocalCognito
) -> None:
    automation = stand_in.info()["automation_client_id"]
    described = idp.describe_user_pool_client(UserPoolId=stand_in.pool.id, ClientId=automation)[
        "UserPoolClient"
    ]
    assert described["ClientName"] == "cognito-desktop-automation"
    assert "ClientSecret" not in described
    assert set(described["ExplicitAuthFlows"]) == {
        "ALLOW_ADMIN_USER_PASSWORD_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
    }
    assert described["PreventUserExistenceErrors"] == "ENABLED"
    assert not described.get("AllowedOAuthFlows")
    for flow in ("ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"):
        tokens = admin_auth(idp, stand_in, automation, "admin", "Admin-Passw0rd!", flow)
        result = tokens["AuthenticationResult"]
        id_claims = jwt.decode(result["IdToken"], options={"verify_signature": False})
        access = jwt.decode(result["AccessToken"], options={"verify_signature": False})
        assert id_claims["aud"] == access["client_id"] == automation
        assert access["cognito:groups"] == ["Admin"]  # as from the browser flow
    refreshed = refresh(idp, stand_in, automation, result["RefreshToken"])["AuthenticationResult"]
    assert refreshed["AccessToken"] and "RefreshToken" not in refreshed
    # USER_PASSWORD_AUTH is not among its flows; managed login does not take it.
    assert refused(user_auth, idp=idp, client_id=automation) == NOT_ENABLED


def test_the_automation_client_asks_for_the_totp_code_and_a_new_password(
    idp: Any, stand_in: server.LocalCognito, fake_clock: clock.FakeClock
) -> None:
    automation = stand_in.info()["automation_client_id"]
    challenge = admin_auth(idp, stand_in, automation, "tom", "Tom-Passw0rd!")
    assert challenge["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    answer = idp.admin_respond_to_auth_challenge(
        UserPoolId=stand_in.pool.id,
        ClientId=automation,
        ChallengeName="SOFTWARE_TOKEN_MFA",
        Session=challenge["Session"],
        ChallengeResponses={
            "USERNAME": "tom",
            "SOFTWARE_TOKEN_MFA_CODE": totp.code(seed.DEMO_TOTP_SECRET, fake_clock()),
        },
    )
    assert answer["AuthenticationResult"]["AccessToken"]
    invited = admin_auth(idp, stand_in, automation, "newbie", "Temp-Passw0rd1!")
    assert invited["ChallengeName"] == "NEW_PASSWORD_REQUIRED"


# -- ExplicitAuthFlows -------------------------------------------------------------------------


def test_each_flow_needs_its_explicit_auth_flow(idp: Any, stand_in: server.LocalCognito) -> None:
    user_only = new_client(idp, stand_in, ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"])[
        "ClientId"
    ]
    tokens = user_auth(idp, user_only)["AuthenticationResult"]
    assert admin_refused(idp, stand_in, user_only) == NOT_ENABLED
    assert admin_refused(idp, stand_in, user_only, "alice", RIGHT, "ADMIN_NO_SRP_AUTH") == (
        NOT_ENABLED
    )
    assert (
        refused(
            refresh, idp=idp, stand_in=stand_in, client_id=user_only, token=tokens["RefreshToken"]
        )
        == NOT_ENABLED
    )

    default = new_client(idp, stand_in)["ClientId"]  # SRP, custom and refresh only
    assert admin_refused(idp, stand_in, default) == NOT_ENABLED
    assert refused(user_auth, idp=idp, client_id=default) == NOT_ENABLED

    legacy = new_client(idp, stand_in, ExplicitAuthFlows=["ADMIN_NO_SRP_AUTH"])["ClientId"]
    legacy_tokens = admin_auth(idp, stand_in, legacy)["AuthenticationResult"]
    assert refresh(idp, stand_in, legacy, legacy_tokens["RefreshToken"])["AuthenticationResult"]

    # The desktop client (managed login's) keeps the admin flow for the tests' fast path.
    desktop = stand_in.pool.client_id
    assert "AuthenticationResult" in admin_auth(idp, stand_in, desktop)
    assert refused(user_auth, idp=idp, client_id=desktop) == NOT_ENABLED


def test_a_client_changed_to_drop_the_flow_refuses_it(
    idp: Any, stand_in: server.LocalCognito
) -> None:
    automation = stand_in.info()["automation_client_id"]
    idp.update_user_pool_client(
        UserPoolId=stand_in.pool.id,
        ClientId=automation,
        ExplicitAuthFlows=["ALLOW_REFRESH_TOKEN_AUTH"],
    )
    assert admin_refused(idp, stand_in, automation) == NOT_ENABLED


# -- PreventUserExistenceErrors ----------------------------------------------------------------


def test_an_unknown_user_is_answered_like_a_wrong_password(
    idp: Any, stand_in: server.LocalCognito
) -> None:
    automation = stand_in.info()["automation_client_id"]
    for client_id in (automation, stand_in.pool.client_id):
        unknown = admin_refused(idp, stand_in, client_id, "nobody", RIGHT)
        wrong = admin_refused(idp, stand_in, client_id, "alice", WRONG)
        assert unknown == wrong == BAD
    user_client = new_client(
        idp,
        stand_in,
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"],
        PreventUserExistenceErrors="ENABLED",
    )["ClientId"]
    assert refused(user_auth, idp=idp, client_id=user_client, username="nobody") == BAD
    assert refused(user_auth, idp=idp, client_id=user_client, password=WRONG) == BAD


def test_a_legacy_client_says_the_user_does_not_exist(
    idp: Any, stand_in: server.LocalCognito
) -> None:
    legacy = new_client(
        idp,
        stand_in,
        ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_USER_PASSWORD_AUTH"],
    )["ClientId"]  # PreventUserExistenceErrors left out: LEGACY
    assert admin_refused(idp, stand_in, legacy, "nobody", RIGHT) == (
        "UserNotFoundException",
        lifecycle.USER_NOT_FOUND,
    )
    assert refused(user_auth, idp=idp, client_id=legacy, username="nobody")[0] == (
        "UserNotFoundException"
    )
    assert admin_refused(idp, stand_in, legacy, "alice", WRONG) == BAD


# -- RESET_REQUIRED, disabled, unconfirmed -----------------------------------------------------


def test_a_reset_required_user_is_told_to_reset(idp: Any, stand_in: server.LocalCognito) -> None:
    automation = stand_in.info()["automation_client_id"]
    idp.admin_reset_user_password(UserPoolId=stand_in.pool.id, Username="alice")
    reset = ("PasswordResetRequiredException", lifecycle.PASSWORD_RESET_REQUIRED)
    assert admin_refused(idp, stand_in, automation) == reset
    assert admin_refused(idp, stand_in, automation, "alice", WRONG) == reset
    user_client = new_client(idp, stand_in, ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"])
    assert refused(user_auth, idp=idp, client_id=user_client["ClientId"]) == reset


def test_a_disabled_user_is_told_so_only_with_the_right_password(
    idp: Any, stand_in: server.LocalCognito
) -> None:
    automation = stand_in.info()["automation_client_id"]
    assert admin_refused(idp, stand_in, automation, "dora", "Dora-Passw0rd!") == (
        "NotAuthorizedException",
        lifecycle.USER_DISABLED,
    )
    assert admin_refused(idp, stand_in, automation, "dora", WRONG) == BAD


def test_an_unconfirmed_user_is_still_told_to_confirm(
    idp: Any, stand_in: server.LocalCognito
) -> None:
    idp.sign_up(
        ClientId=stand_in.pool.client_id,
        Username="carol",
        Password="Carol-Passw0rd!",
        UserAttributes=[{"Name": "email", "Value": "carol@example.com"}],
    )
    automation = stand_in.info()["automation_client_id"]
    assert admin_refused(idp, stand_in, automation, "carol", "Carol-Passw0rd!") == (
        "UserNotConfirmedException",
        lifecycle.USER_NOT_CONFIRMED,
    )


# -- the lockout -------------------------------------------------------------------------------


def test_five_failures_lock_the_user_out_with_a_doubling_lockout(
    idp: Any, stand_in: server.LocalCognito, fake_clock: clock.FakeClock
) -> None:
    automation = stand_in.info()["automation_client_id"]
    for _ in range(5):
        assert admin_refused(idp, stand_in, automation, "alice", WRONG) == BAD
    assert admin_refused(idp, stand_in, automation) == EXCEEDED  # the right password too
    fake_clock.advance(1)
    assert admin_refused(idp, stand_in, automation, "alice", WRONG) == BAD  # 6th: 2 s
    fake_clock.advance(1.5)
    assert admin_refused(idp, stand_in, automation) == EXCEEDED
    fake_clock.advance(0.5)
    assert "AuthenticationResult" in admin_auth(idp, stand_in, automation)
    # The count started again: four more failures are free.
    for _ in range(4):
        assert admin_refused(idp, stand_in, automation, "alice", WRONG) == BAD
    assert "AuthenticationResult" in admin_auth(idp, stand_in, automation)


def test_the_lockout_spans_clients_flows_and_managed_login(
    idp: Any,
    stand_in: server.LocalCognito,
    fake_clock: clock.FakeClock,
    browser: ScriptedBrowser,
    auth_request: AuthRequest,
) -> None:
    automation = stand_in.info()["automation_client_id"]
    user_client = new_client(idp, stand_in, ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"])
    assert admin_refused(idp, stand_in, automation, "alice", WRONG) == BAD
    assert admin_refused(idp, stand_in, stand_in.pool.client_id, "alice", WRONG) == BAD
    assert refused(user_auth, idp=idp, client_id=user_client["ClientId"], password=WRONG) == BAD
    page = browser.open(auth_request)
    for _ in range(2):
        assert isinstance(page, Page)
        page = browser.submit(page, username="alice", password=WRONG)
        assert isinstance(page, Page) and page.error == lifecycle.BAD_CREDENTIALS
    assert admin_refused(idp, stand_in, automation) == EXCEEDED
    assert isinstance(page, Page)
    locked = browser.submit(page, username="alice", password=RIGHT)
    assert isinstance(locked, Page) and locked.error == lifecycle.PASSWORD_ATTEMPTS_EXCEEDED
    fake_clock.advance(1)
    signed_in = browser.submit(locked, username="alice", password=RIGHT)
    assert isinstance(signed_in, str) and "code=" in signed_in


# -- refresh-token rotation --------------------------------------------------------------------


@pytest.mark.parametrize(
    "pool_settings", [settings.PoolSettings(rotate_refresh_tokens=True, rotation_grace_seconds=60)]
)
def test_refresh_token_auth_is_refused_on_a_rotating_client(
    idp: Any, stand_in: server.LocalCognito
) -> None:
    desktop, automation = stand_in.pool.client_id, stand_in.info()["automation_client_id"]
    tokens = admin_auth(idp, stand_in, desktop)["AuthenticationResult"]
    assert refused(
        refresh, idp=idp, stand_in=stand_in, client_id=desktop, token=tokens["RefreshToken"]
    ) == ("NotAuthorizedException", lifecycle.REFRESH_NEEDS_ROTATION_API)
    # The automation client does not rotate: the API's /auth/refresh works.
    automated = admin_auth(idp, stand_in, automation)["AuthenticationResult"]
    assert refresh(idp, stand_in, automation, automated["RefreshToken"])["AuthenticationResult"]


def test_turning_rotation_on_refuses_refresh_token_auth(
    idp: Any, stand_in: server.LocalCognito
) -> None:
    automation = stand_in.info()["automation_client_id"]
    tokens = admin_auth(idp, stand_in, automation)["AuthenticationResult"]
    idp.update_user_pool_client(
        UserPoolId=stand_in.pool.id,
        ClientId=automation,
        RefreshTokenRotation={"Feature": "ENABLED", "RetryGracePeriodSeconds": 0},
    )
    assert refused(
        refresh, idp=idp, stand_in=stand_in, client_id=automation, token=tokens["RefreshToken"]
    ) == ("NotAuthorizedException", lifecycle.REFRESH_NEEDS_ROTATION_API)


# -- SECRET_HASH -------------------------------------------------------------------------------


def secret_hash(client: dict[str, Any], username: str) -> str:
    digest = hmac.new(
        client["ClientSecret"].encode(), (username + client["ClientId"]).encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()


def test_a_client_with_a_secret_needs_the_secret_hash(
    idp: Any, stand_in: server.LocalCognito
) -> None:
    client = new_client(
        idp,
        stand_in,
        GenerateSecret=True,
        ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )
    code, message = admin_refused(idp, stand_in, client["ClientId"])
    assert (code, message) == (
        "NotAuthorizedException",
        f"Unable to verify secret hash for client {client['ClientId']}",
    )
    wrong_user = secret_hash(client, "admin")
    assert admin_refused(idp, stand_in, client["ClientId"], SECRET_HASH=wrong_user)[0] == code
    signed = admin_auth(idp, stand_in, client["ClientId"], SECRET_HASH=secret_hash(client, "alice"))
    assert "AuthenticationResult" in signed
